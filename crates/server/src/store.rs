//! Storage: one interface ([`Store`]) over SQLite (the default, in the data directory)
//! and PostgreSQL (`--database-url postgres://…`).
//!
//! Queries are written once, at run time (no database at compile time), with `$N`
//! placeholders, which both drivers accept; the only query that differs is the job
//! claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL). Each backend has its own migration
//! folder (`migrations/sqlite`, `migrations/postgres`), embedded in the binary;
//! `tests/schema.rs` keeps the two equivalent.
//!
//! Timestamps are Unix milliseconds (`BIGINT`), flags 0/1 (`BIGINT`), identifiers
//! random text.

use futures::future::BoxFuture;
use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{AnyPool, Row};
use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

mod monitor;
pub use monitor::{DiffSummaryRow, DueOutcome, DueTarget, TriageRow};
mod webhooks;

pub use webhooks::{AttemptRow, DeliveryJob, DeliveryRow, DeliveryStep, WebhookRow};
mod creds;
pub use creds::SealedIdentities;
mod ops;

pub type StoreResult<T> = Result<T, sqlx::Error>;

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: every read and write the server makes.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "monitor",
        include_str!("../migrations/sqlite/0002_monitor.sql"),
    ),
    (
        3,
        "webhooks",
        include_str!("../migrations/sqlite/0003_webhooks.sql"),
    ),
    (
        4,
        "creds",
        include_str!("../migrations/sqlite/0004_creds.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "monitor",
        include_str!("../migrations/postgres/0002_monitor.sql"),
    ),
    (
        3,
        "webhooks",
        include_str!("../migrations/postgres/0003_webhooks.sql"),
    ),
    (
        4,
        "creds",
        include_str!("../migrations/postgres/0004_creds.sql"),
    ),
];

/// The migrations compiled into the binary.
#[derive(Debug)]
struct Embedded(&'static [(i64, &'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, sqlx::error::BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// A random identifier with a type prefix (`tgt_…`, `scn_…`).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    // The OS random source failing is not recoverable; an all-zero id would collide.
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("the OS random source failed: {e}"));
    format!("{prefix}_{}", hex::encode(bytes))
}

/// An API key as stored (the hash, never the key).
#[derive(Debug, Clone, Serialize)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A registered target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    pub id: String,
    pub name: String,
    pub url: String,
    pub spec_url: Option<String>,
    pub profile: String,
    pub allow_intrusive: bool,
    pub created_at: i64,
    /// The schedule's canonical text (`every 6h`, `cron 0 3 * * *`), if any.
    pub schedule: Option<String>,
    /// When the scheduler queues the next scan (Unix ms).
    pub next_run_at: Option<i64>,
}

/// A scan and its job state.
#[derive(Debug, Clone, Serialize)]
pub struct ScanRow {
    pub id: String,
    pub target_id: String,
    pub state: String,
    pub checks_done: i64,
    pub checks_total: i64,
    pub error: Option<String>,
    pub score: Option<i64>,
    pub grade: Option<String>,
    pub findings_count: Option<i64>,
    pub cancel_requested: bool,
    pub attempts: i64,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// One stored finding (the report's finding as JSON, plus columns to filter on).
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub scan_id: String,
    pub seq: i64,
    pub body: String,
}

/// One page of a list.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// How a job ended, for [`Store::finish`].
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The report (JSON) and its findings; `cancelled` when the scan was stopped.
    Report {
        report: Box<tollgate_core::Report>,
        cancelled: bool,
    },
    Failed(String),
}

const SCAN_COLUMNS: &str = "id, target_id, state, checks_done, checks_total, error, score, grade, findings_count, cancel_requested, attempts, created_at, started_at, finished_at";
const TARGET_COLUMNS: &str =
    "id, name, url, spec_url, profile, allow_intrusive, created_at, schedule, next_run_at";

/// Attempts after which an abandoned scan (lease expired) fails instead of running again.
pub const MAX_ATTEMPTS: i64 = 3;

fn scan_row(r: &AnyRow) -> StoreResult<ScanRow> {
    Ok(ScanRow {
        id: r.try_get("id")?,
        target_id: r.try_get("target_id")?,
        state: r.try_get("state")?,
        checks_done: r.try_get("checks_done")?,
        checks_total: r.try_get("checks_total")?,
        error: r.try_get("error")?,
        score: r.try_get("score")?,
        grade: r.try_get("grade")?,
        findings_count: r.try_get("findings_count")?,
        cancel_requested: r.try_get::<i64, _>("cancel_requested")? != 0,
        attempts: r.try_get("attempts")?,
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

fn target_row(r: &AnyRow) -> StoreResult<TargetRow> {
    Ok(TargetRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        spec_url: r.try_get("spec_url")?,
        profile: r.try_get("profile")?,
        allow_intrusive: r.try_get::<i64, _>("allow_intrusive")? != 0,
        created_at: r.try_get("created_at")?,
        schedule: r.try_get("schedule")?,
        next_run_at: r.try_get("next_run_at")?,
    })
}

fn key_row(r: &AnyRow) -> StoreResult<KeyRow> {
    Ok(KeyRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// A serde enum's wire name (`"high"` for `Severity::High`).
fn wire_name<T: Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl Store {
    /// Opens (creating it if needed) the SQLite database in `dir`.
    pub async fn open_data_dir(dir: &Path) -> anyhow::Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("cannot create the data directory {}: {e}", dir.display())
        })?;
        let path = dir.join("tollgate.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Store::connect(&url).await
    }

    /// Connects to `sqlite://…` or `postgres://…` and applies the migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("unsupported database URL: expected sqlite://… or postgres://…");
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        // sqlx's SQLite defaults: foreign keys on, a 5 s busy timeout (writers wait for
        // the lock instead of failing at once).
        options = options.max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
        let pool = options
            .connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        if backend == Backend::Sqlite {
            // WAL lets readers run while a worker writes; the mode is kept in the file.
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(|e| anyhow::anyhow!("cannot switch the database to WAL mode: {e}"))?;
        }
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let source = match self.backend {
            Backend::Sqlite => Embedded(SQLITE_MIGRATIONS),
            Backend::Postgres => Embedded(POSTGRES_MIGRATIONS),
        };
        let migrator = Migrator::new(source)
            .await
            .map_err(|e| anyhow::anyhow!("reading the migrations: {e}"))?;
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| anyhow::anyhow!("migrating the database: {e}"))?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for tests that inspect the schema.
    #[doc(hidden)]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- API keys

    pub async fn count_keys(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM api_keys")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    pub async fn insert_key(&self, row: &KeyRow, key_hash: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, name, role, key_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(&row.id)
        .bind(&row.name)
        .bind(&row.role)
        .bind(key_hash)
        .bind(row.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The key with this hash, if it exists and is not revoked.
    pub async fn key_by_hash(&self, key_hash: &str) -> StoreResult<Option<KeyRow>> {
        sqlx::query(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| key_row(&r))
        .transpose()
    }

    pub async fn list_keys(&self, page: Page) -> StoreResult<Vec<KeyRow>> {
        sqlx::query(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id LIMIT $1 OFFSET $2",
        )
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(key_row)
        .collect()
    }

    /// Revokes a key; false if there is no such (unrevoked) key.
    pub async fn revoke_key(&self, id: &str) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- targets

    pub async fn insert_target(&self, t: &TargetRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO targets (id, name, url, spec_url, profile, allow_intrusive, created_at, schedule, next_run_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.url)
        .bind(&t.spec_url)
        .bind(&t.profile)
        .bind(i64::from(t.allow_intrusive))
        .bind(t.created_at)
        .bind(&t.schedule)
        .bind(t.next_run_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn target(&self, id: &str) -> StoreResult<Option<TargetRow>> {
        sqlx::query(&format!(
            "SELECT {TARGET_COLUMNS} FROM targets WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| target_row(&r))
        .transpose()
    }

    pub async fn list_targets(&self, page: Page) -> StoreResult<Vec<TargetRow>> {
        sqlx::query(&format!(
            "SELECT {TARGET_COLUMNS} FROM targets ORDER BY created_at, id LIMIT $1 OFFSET $2"
        ))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(target_row)
        .collect()
    }

    // ---- scans and their jobs

    /// Queues a scan of `target_id`.
    pub async fn insert_scan(&self, id: &str, target_id: &str) -> StoreResult<ScanRow> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO scans (id, target_id, state, checks_done, checks_total, cancel_requested, attempts, created_at) VALUES ($1, $2, 'queued', 0, 0, 0, 0, $3)",
        )
        .bind(id)
        .bind(target_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.scan(id).await?.ok_or_else(|| sqlx::Error::RowNotFound)
    }

    pub async fn scan(&self, id: &str) -> StoreResult<Option<ScanRow>> {
        sqlx::query(&format!("SELECT {SCAN_COLUMNS} FROM scans WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| scan_row(&r))
            .transpose()
    }

    pub async fn list_scans(
        &self,
        target_id: Option<&str>,
        page: Page,
    ) -> StoreResult<Vec<ScanRow>> {
        let rows = match target_id {
            Some(t) => {
                sqlx::query(&format!(
                    "SELECT {SCAN_COLUMNS} FROM scans WHERE target_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"
                ))
                .bind(t)
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {SCAN_COLUMNS} FROM scans ORDER BY created_at, id LIMIT $1 OFFSET $2"
                ))
                .bind(page.limit)
                .bind(page.offset)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(scan_row).collect()
    }

    /// Scans waiting for a worker.
    pub async fn queue_depth(&self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM scans WHERE state = 'queued'")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// The completed scan of the same target queued before `scan`, if any.
    pub async fn previous_completed(&self, scan: &ScanRow) -> StoreResult<Option<ScanRow>> {
        let row = sqlx::query(&format!(
            "SELECT {SCAN_COLUMNS} FROM scans WHERE target_id = $1 AND state = 'completed' \
             AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
             ORDER BY created_at DESC, id DESC LIMIT 1"
        ))
        .bind(&scan.target_id)
        .bind(scan.created_at)
        .bind(&scan.id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(scan_row).transpose()
    }

    /// How many scans are in each state (states with none are absent).
    pub async fn scans_by_state(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) AS n FROM scans GROUP BY state ORDER BY state")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
            .collect()
    }

    /// Completed scans and their summed run time (first claim to result), in ms.
    pub async fn completed_durations(&self) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(finished_at - started_at), 0) AS BIGINT) AS total \
             FROM scans WHERE state = 'completed' AND started_at IS NOT NULL AND finished_at IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("n")?, row.try_get("total")?))
    }

    /// Takes the oldest runnable scan for `worker`, leased until `now + lease`: a queued
    /// one, or a running one whose lease expired (its worker died) and that has
    /// attempts left. On PostgreSQL concurrent claimers skip each other's locked rows;
    /// SQLite runs one writer at a time.
    pub async fn claim(&self, worker: &str, lease: Duration) -> StoreResult<Option<ScanRow>> {
        let now = now_ms();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE scans SET state = 'running', lease_owner = $1, locked_until = $2, attempts = attempts + 1, started_at = COALESCE(started_at, $3) \
             WHERE id = (SELECT id FROM scans WHERE (state = 'queued' OR (state = 'running' AND locked_until < $3 AND attempts < $4)) AND cancel_requested = 0 ORDER BY created_at, id LIMIT 1{lock}) \
             RETURNING {SCAN_COLUMNS}"
        );
        sqlx::query(&sql)
            .bind(worker)
            .bind(until)
            .bind(now)
            .bind(MAX_ATTEMPTS)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| scan_row(&r))
            .transpose()
    }

    /// Ends what no worker will finish: scans abandoned with no attempts left fail,
    /// abandoned scans whose cancellation was asked for are cancelled.
    pub async fn reap(&self) -> StoreResult<u64> {
        let now = now_ms();
        let failed = sqlx::query(
            "UPDATE scans SET state = 'failed', error = 'the scan was abandoned by its worker too often', finished_at = $1, lease_owner = NULL, locked_until = NULL \
             WHERE state = 'running' AND locked_until < $1 AND attempts >= $2",
        )
        .bind(now)
        .bind(MAX_ATTEMPTS)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let cancelled = sqlx::query(
            "UPDATE scans SET state = 'cancelled', finished_at = $1, lease_owner = NULL, locked_until = NULL \
             WHERE state = 'running' AND locked_until < $1 AND cancel_requested = 1",
        )
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(failed + cancelled)
    }

    /// Extends `worker`'s lease and records progress. Returns whether the worker still
    /// holds the lease and whether cancellation was asked for; a worker that lost its
    /// lease stops and stores nothing.
    pub async fn heartbeat(
        &self,
        scan_id: &str,
        worker: &str,
        lease: Duration,
        done: i64,
        total: i64,
    ) -> StoreResult<Option<bool>> {
        let until = now_ms().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(0));
        let row = sqlx::query(
            "UPDATE scans SET locked_until = $1, checks_done = $2, checks_total = $3 WHERE id = $4 AND state = 'running' AND lease_owner = $5 RETURNING cancel_requested",
        )
        .bind(until)
        .bind(done)
        .bind(total)
        .bind(scan_id)
        .bind(worker)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get::<i64, _>("cancel_requested").map(|c| c != 0))
            .transpose()
    }

    /// Gives a running scan back to the queue (its worker is shutting down).
    pub async fn release(&self, scan_id: &str, worker: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE scans SET state = 'queued', lease_owner = NULL, locked_until = NULL WHERE id = $1 AND state = 'running' AND lease_owner = $2",
        )
        .bind(scan_id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Asks for a scan to stop: a queued scan is cancelled at once, a running one when
    /// its worker sees the request. Returns the scan as it is now.
    pub async fn request_cancel(&self, scan_id: &str) -> StoreResult<Option<ScanRow>> {
        let now = now_ms();
        sqlx::query(
            "UPDATE scans SET state = 'cancelled', cancel_requested = 1, finished_at = $1 WHERE id = $2 AND state = 'queued'",
        )
        .bind(now)
        .bind(scan_id)
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE scans SET cancel_requested = 1 WHERE id = $1 AND state = 'running'")
            .bind(scan_id)
            .execute(&self.pool)
            .await?;
        self.scan(scan_id).await
    }

    /// Stores a job's result once: the state change and the report are written in one
    /// transaction, and only by the worker holding the lease of a running scan. A job
    /// delivered twice (a worker that lost its lease, a retry) finds the scan no longer
    /// running under its name and stores nothing; `reports.scan_id` is the primary key
    /// besides. Returns whether this call stored the result.
    pub async fn finish(
        &self,
        scan_id: &str,
        worker: &str,
        outcome: &Outcome,
        progress: (i64, i64),
    ) -> StoreResult<bool> {
        let now = now_ms();
        // The target's triage decides what the stored report shows (see store/monitor.rs).
        let triaged = self.apply_triage(scan_id, outcome).await?;
        let outcome: &Outcome = &triaged;
        let mut tx = self.pool.begin().await?;
        let updated = match outcome {
            Outcome::Report { report, cancelled } => {
                let state = if *cancelled { "cancelled" } else { "completed" };
                sqlx::query(
                    "UPDATE scans SET state = $1, score = $2, grade = $3, findings_count = $4, finished_at = $5, lease_owner = NULL, locked_until = NULL, checks_done = $8, checks_total = $9 \
                     WHERE id = $6 AND state = 'running' AND lease_owner = $7",
                )
                .bind(state)
                .bind(i64::from(report.score.score))
                .bind(wire_name(&report.score.grade))
                .bind(i64::try_from(report.findings.len()).unwrap_or(i64::MAX))
                .bind(now)
                .bind(scan_id)
                .bind(worker)
                .bind(progress.0)
                .bind(progress.1)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            }
            Outcome::Failed(error) => sqlx::query(
                "UPDATE scans SET state = 'failed', error = $1, finished_at = $2, lease_owner = NULL, locked_until = NULL, checks_done = $5, checks_total = $6 \
                 WHERE id = $3 AND state = 'running' AND lease_owner = $4",
            )
            .bind(error)
            .bind(now)
            .bind(scan_id)
            .bind(worker)
            .bind(progress.0)
            .bind(progress.1)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        if updated != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Outcome::Report { report, .. } = outcome {
            let body =
                serde_json::to_string(report).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query("INSERT INTO reports (scan_id, body, created_at) VALUES ($1, $2, $3)")
                .bind(scan_id)
                .bind(body)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for (seq, f) in report.findings.iter().enumerate() {
                let body =
                    serde_json::to_string(f).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                sqlx::query(
                    "INSERT INTO findings (scan_id, seq, fingerprint, check_id, severity, confidence, title, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(scan_id)
                .bind(i64::try_from(seq).unwrap_or(i64::MAX))
                .bind(f.fingerprint.to_string())
                .bind(f.check_id.to_string())
                .bind(wire_name(&f.severity))
                .bind(wire_name(&f.confidence))
                .bind(&f.title)
                .bind(body)
                .execute(&mut *tx)
                .await?;
            }
        }
        if let Outcome::Report {
            report,
            cancelled: false,
        } = outcome
        {
            monitor::store_diff(&mut tx, scan_id, report, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The stored report (JSON) of a scan.
    pub async fn report(&self, scan_id: &str) -> StoreResult<Option<String>> {
        sqlx::query("SELECT body FROM reports WHERE scan_id = $1")
            .bind(scan_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("body"))
            .transpose()
    }

    /// How many reports a scan has (never more than one).
    pub async fn report_count(&self, scan_id: &str) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM reports WHERE scan_id = $1")
            .bind(scan_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    pub async fn findings(&self, scan_id: &str, page: Page) -> StoreResult<Vec<FindingRow>> {
        sqlx::query(
            "SELECT scan_id, seq, body FROM findings WHERE scan_id = $1 ORDER BY seq LIMIT $2 OFFSET $3",
        )
        .bind(scan_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(FindingRow {
                scan_id: r.try_get("scan_id")?,
                seq: r.try_get("seq")?,
                body: r.try_get("body")?,
            })
        })
        .collect()
    }
}
