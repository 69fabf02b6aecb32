//! Storage of schedules, stored diffs and finding triage (see `crate::schedule` and
//! `crate::monitor`).

use super::{now_ms, target_row, Outcome, Page, Store, StoreResult, TargetRow, TARGET_COLUMNS};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::borrow::Cow;

/// A target whose scheduled slot has come.
#[derive(Debug, Clone)]
pub struct DueTarget {
    pub id: String,
    pub schedule: String,
    pub next_run_at: i64,
}

/// What [`Store::queue_due`] did with a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueOutcome {
    /// A scan was queued (its id).
    Queued(String),
    /// The slot was advanced without a scan: one is still queued or running.
    Skipped,
    /// Another scheduler advanced the slot first.
    Taken,
}

/// One stored diff's summary.
#[derive(Debug, Clone)]
pub struct DiffSummaryRow {
    pub scan_id: String,
    pub target_id: String,
    pub previous_scan_id: Option<String>,
    pub new_count: i64,
    pub fixed_count: i64,
    pub unchanged_count: i64,
    pub score_before: Option<i64>,
    pub score_after: i64,
    pub grade_before: Option<String>,
    pub grade_after: String,
    pub created_at: i64,
}

/// A finding's triage on a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageRow {
    pub target_id: String,
    pub fingerprint: String,
    /// `open`, `accepted_risk` or `false_positive`.
    pub state: String,
    pub reason: Option<String>,
    /// 00:00 UTC of the day an accepted risk ends (Unix ms).
    pub expires_at: Option<i64>,
    pub set_by_key_id: String,
    pub set_by_key_name: String,
    pub updated_at: i64,
}

const DIFF_COLUMNS: &str = "scan_id, target_id, previous_scan_id, new_count, fixed_count, unchanged_count, score_before, score_after, grade_before, grade_after, created_at";
const TRIAGE_COLUMNS: &str =
    "target_id, fingerprint, state, reason, expires_at, set_by_key_id, set_by_key_name, updated_at";

fn diff_row(r: &AnyRow) -> StoreResult<DiffSummaryRow> {
    Ok(DiffSummaryRow {
        scan_id: r.try_get("scan_id")?,
        target_id: r.try_get("target_id")?,
        previous_scan_id: r.try_get("previous_scan_id")?,
        new_count: r.try_get("new_count")?,
        fixed_count: r.try_get("fixed_count")?,
        unchanged_count: r.try_get("unchanged_count")?,
        score_before: r.try_get("score_before")?,
        score_after: r.try_get("score_after")?,
        grade_before: r.try_get("grade_before")?,
        grade_after: r.try_get("grade_after")?,
        created_at: r.try_get("created_at")?,
    })
}

fn triage_row(r: &AnyRow) -> StoreResult<TriageRow> {
    Ok(TriageRow {
        target_id: r.try_get("target_id")?,
        fingerprint: r.try_get("fingerprint")?,
        state: r.try_get("state")?,
        reason: r.try_get("reason")?,
        expires_at: r.try_get("expires_at")?,
        set_by_key_id: r.try_get("set_by_key_id")?,
        set_by_key_name: r.try_get("set_by_key_name")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    // ---- targets and schedules

    /// Writes a target's changeable fields; false if there is no such target. The
    /// schedule and its next slot are written only when `schedule_changed`: otherwise
    /// a scheduler that moved the slot meanwhile would see it moved back (and queue
    /// the same slot again).
    pub async fn update_target(&self, t: &TargetRow, schedule_changed: bool) -> StoreResult<bool> {
        let sql = if schedule_changed {
            "UPDATE targets SET name = $1, spec_url = $2, profile = $3, allow_intrusive = $4, schedule = $5, next_run_at = $6 WHERE id = $7"
        } else {
            "UPDATE targets SET name = $1, spec_url = $2, profile = $3, allow_intrusive = $4 WHERE id = $5"
        };
        let mut q = sqlx::query(sql)
            .bind(&t.name)
            .bind(&t.spec_url)
            .bind(&t.profile)
            .bind(i64::from(t.allow_intrusive));
        if schedule_changed {
            q = q.bind(&t.schedule).bind(t.next_run_at);
        }
        let done = q.bind(&t.id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a target's next slot (tests backdate it to make a target due).
    pub async fn set_next_run_at(&self, target_id: &str, at: Option<i64>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE targets SET next_run_at = $1 WHERE id = $2")
            .bind(at)
            .bind(target_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Targets whose slot is at or before `now`, earliest first.
    pub async fn due_targets(&self, now: i64, limit: i64) -> StoreResult<Vec<DueTarget>> {
        sqlx::query(
            "SELECT id, schedule, next_run_at FROM targets \
             WHERE schedule IS NOT NULL AND next_run_at IS NOT NULL AND next_run_at <= $1 \
             ORDER BY next_run_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DueTarget {
                id: r.try_get("id")?,
                schedule: r.try_get("schedule")?,
                next_run_at: r.try_get("next_run_at")?,
            })
        })
        .collect()
    }

    /// Takes the slot `slot` of a target: moves `next_run_at` from `slot` to `next`
    /// and queues scan `scan_id`, in one transaction. The UPDATE is conditional on the
    /// old slot, so when several schedulers race for it exactly one moves it (on
    /// PostgreSQL the others wait for its row lock and then match nothing; SQLite has
    /// one writer) and only that one queues. A target with a scan still queued or
    /// running gets its slot moved and no scan.
    pub async fn queue_due(
        &self,
        target_id: &str,
        slot: i64,
        next: Option<i64>,
        scan_id: &str,
    ) -> StoreResult<DueOutcome> {
        let mut tx = self.pool.begin().await?;
        let moved =
            sqlx::query("UPDATE targets SET next_run_at = $1 WHERE id = $2 AND next_run_at = $3")
                .bind(next)
                .bind(target_id)
                .bind(slot)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            return Ok(DueOutcome::Taken);
        }
        let busy: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM scans WHERE target_id = $1 AND state IN ('queued', 'running')",
        )
        .bind(target_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if busy > 0 {
            tx.commit().await?;
            return Ok(DueOutcome::Skipped);
        }
        sqlx::query(
            "INSERT INTO scans (id, target_id, state, checks_done, checks_total, cancel_requested, attempts, created_at) VALUES ($1, $2, 'queued', 0, 0, 0, 0, $3)",
        )
        .bind(scan_id)
        .bind(target_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(DueOutcome::Queued(scan_id.to_string()))
    }

    /// Targets with a schedule (for tests and tools).
    pub async fn scheduled_targets(&self) -> StoreResult<Vec<TargetRow>> {
        sqlx::query(&format!(
            "SELECT {TARGET_COLUMNS} FROM targets WHERE schedule IS NOT NULL ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(target_row)
        .collect()
    }

    // ---- stored diffs

    /// The stored diff (JSON) of a completed scan.
    pub async fn stored_diff(&self, scan_id: &str) -> StoreResult<Option<String>> {
        sqlx::query("SELECT body FROM scan_diffs WHERE scan_id = $1")
            .bind(scan_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("body"))
            .transpose()
    }

    /// A target's stored diffs, newest first.
    pub async fn list_diffs(
        &self,
        target_id: &str,
        page: Page,
    ) -> StoreResult<Vec<DiffSummaryRow>> {
        sqlx::query(&format!(
            "SELECT {DIFF_COLUMNS} FROM scan_diffs WHERE target_id = $1 ORDER BY created_at DESC, scan_id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(target_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(diff_row)
        .collect()
    }

    /// How many diffs are stored for a scan (never more than one).
    pub async fn diff_count(&self, scan_id: &str) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM scan_diffs WHERE scan_id = $1")
            .bind(scan_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    // ---- triage

    /// Sets a finding's triage on a target (replacing what was there).
    pub async fn upsert_triage(&self, t: &TriageRow) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO triage ({TRIAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (target_id, fingerprint) DO UPDATE SET state = excluded.state, reason = excluded.reason, \
             expires_at = excluded.expires_at, set_by_key_id = excluded.set_by_key_id, \
             set_by_key_name = excluded.set_by_key_name, updated_at = excluded.updated_at"
        ))
        .bind(&t.target_id)
        .bind(&t.fingerprint)
        .bind(&t.state)
        .bind(&t.reason)
        .bind(t.expires_at)
        .bind(&t.set_by_key_id)
        .bind(&t.set_by_key_name)
        .bind(t.updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A page of a target's triage entries, most recently changed first.
    pub async fn list_triage(&self, target_id: &str, page: Page) -> StoreResult<Vec<TriageRow>> {
        sqlx::query(&format!(
            "SELECT {TRIAGE_COLUMNS} FROM triage WHERE target_id = $1 ORDER BY updated_at DESC, fingerprint LIMIT $2 OFFSET $3"
        ))
        .bind(target_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(triage_row)
        .collect()
    }

    /// Every triage entry of a target.
    pub async fn all_triage(&self, target_id: &str) -> StoreResult<Vec<TriageRow>> {
        sqlx::query(&format!(
            "SELECT {TRIAGE_COLUMNS} FROM triage WHERE target_id = $1"
        ))
        .bind(target_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(triage_row)
        .collect()
    }

    /// Whether a scan of the target reported a finding with this fingerprint, or it has
    /// a triage entry already.
    pub async fn target_has_finding(
        &self,
        target_id: &str,
        fingerprint: &str,
    ) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM findings f JOIN scans s ON s.id = f.scan_id WHERE s.target_id = $1 AND f.fingerprint = $2 \
             UNION ALL SELECT 1 AS one FROM triage WHERE target_id = $1 AND fingerprint = $2 LIMIT 1",
        )
        .bind(target_id)
        .bind(fingerprint)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The name of an API key (revoked or not).
    pub async fn key_name(&self, id: &str) -> StoreResult<Option<String>> {
        sqlx::query("SELECT name FROM api_keys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("name"))
            .transpose()
    }

    /// The outcome with the scan's target's triage applied to its report (the report
    /// is stored that way). Outcomes without a report pass through.
    pub(super) async fn apply_triage<'a>(
        &self,
        scan_id: &str,
        outcome: &'a Outcome,
    ) -> StoreResult<Cow<'a, Outcome>> {
        let Outcome::Report { report, cancelled } = outcome else {
            return Ok(Cow::Borrowed(outcome));
        };
        let target: Option<String> = sqlx::query("SELECT target_id FROM scans WHERE id = $1")
            .bind(scan_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("target_id"))
            .transpose()?;
        let Some(target) = target else {
            return Ok(Cow::Borrowed(outcome));
        };
        let now = now_ms();
        let rows = self.all_triage(&target).await?;
        let entries = crate::monitor::suppressions(&rows, &report.findings, now);
        if entries.is_empty() {
            return Ok(Cow::Borrowed(outcome));
        }
        let mut report = report.clone();
        report.apply_suppressions(&entries, &crate::monitor::date_of(now));
        Ok(Cow::Owned(Outcome::Report {
            report,
            cancelled: *cancelled,
        }))
    }
}

/// Stores a completed scan's diff against the target's previous completed scan, on
/// the connection of the transaction that stores its result (so a result and its diff
/// are stored together or not at all, and `scan_id` as key keeps it to one).
pub(super) async fn store_diff(
    conn: &mut AnyConnection,
    scan_id: &str,
    report: &tollgate_core::Report,
    now: i64,
) -> StoreResult<()> {
    let scan = sqlx::query("SELECT target_id, created_at FROM scans WHERE id = $1")
        .bind(scan_id)
        .fetch_one(&mut *conn)
        .await?;
    let target_id: String = scan.try_get("target_id")?;
    let created_at: i64 = scan.try_get("created_at")?;
    let previous = sqlx::query(
        "SELECT s.id AS id, r.body AS body FROM scans s JOIN reports r ON r.scan_id = s.id \
         WHERE s.target_id = $1 AND s.state = 'completed' \
         AND (s.created_at < $2 OR (s.created_at = $2 AND s.id < $3)) \
         ORDER BY s.created_at DESC, s.id DESC LIMIT 1",
    )
    .bind(&target_id)
    .bind(created_at)
    .bind(scan_id)
    .fetch_optional(&mut *conn)
    .await?;
    let previous = match previous {
        Some(row) => {
            let id: String = row.try_get("id")?;
            let body: String = row.try_get("body")?;
            match serde_json::from_str::<tollgate_core::Report>(&body) {
                Ok(report) => Some((id, report)),
                Err(e) => {
                    // Better a result without a stored diff (the API computes one on
                    // demand) than a result lost to a retry loop.
                    tracing::warn!(scan = %scan_id, previous = %id, error = %e, "the previous report does not parse; no diff stored");
                    return Ok(());
                }
            }
        }
        None => None,
    };
    let d = crate::monitor::diff(
        scan_id,
        report,
        previous.as_ref().map(|(id, r)| (id.as_str(), r)),
    );
    let body = serde_json::to_string(&d).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(&format!(
        "INSERT INTO scan_diffs ({DIFF_COLUMNS}, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(scan_id)
    .bind(&target_id)
    .bind(&d.previous_scan_id)
    .bind(count(d.new.len()))
    .bind(count(d.fixed.len()))
    .bind(count(d.unchanged_count))
    .bind(d.score_before.map(i64::from))
    .bind(i64::from(d.score_after))
    .bind(&d.grade_before)
    .bind(&d.grade_after)
    .bind(now)
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
