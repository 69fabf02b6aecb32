//! Webhooks, their delivery queue and the delivery log.
//!
//! Deliveries are jobs in `webhook_deliveries`, taken under a lease as scans are
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL): a worker that dies mid-delivery leaves a
//! lease that expires, and the delivery is taken again. Each attempt is written to
//! `webhook_attempts` together with the delivery's next state, in one transaction and
//! only by the lease holder.

use super::{now_ms, Backend, Page, Store, StoreResult};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::time::Duration;

/// A webhook as the API shows it (the secret is not part of it).
#[derive(Debug, Clone, Serialize)]
pub struct WebhookRow {
    pub id: String,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub format: String,
    pub score_drop: i64,
    pub target_id: Option<String>,
    pub created_at: i64,
}

/// A claimed delivery with what sending it needs.
#[derive(Clone)]
pub struct DeliveryJob {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub body: String,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
    pub url: String,
    pub format: String,
    /// The signing secret: never logged, never shown (hence no derived `Debug`).
    pub secret: String,
}

impl std::fmt::Debug for DeliveryJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryJob")
            .field("id", &self.id)
            .field("webhook_id", &self.webhook_id)
            .field("event", &self.event)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub scan_id: Option<String>,
    pub event: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub duration_ms: i64,
    pub started_at: i64,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStep {
    Delivered,
    /// Pending again, not before this time (Unix ms).
    RetryAt(i64),
    Failed,
}

const WEBHOOK_COLUMNS: &str = "id, name, url, events, format, score_drop, target_id, created_at";
const DELIVERY_COLUMNS: &str =
    "id, webhook_id, scan_id, event, state, attempts, next_attempt_at, created_at, finished_at";

fn webhook_row(r: &AnyRow) -> StoreResult<WebhookRow> {
    let events: String = r.try_get("events")?;
    Ok(WebhookRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect(),
        format: r.try_get("format")?,
        score_drop: r.try_get("score_drop")?,
        target_id: r.try_get("target_id")?,
        created_at: r.try_get("created_at")?,
    })
}

fn delivery_row(r: &AnyRow) -> StoreResult<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.try_get("id")?,
        webhook_id: r.try_get("webhook_id")?,
        scan_id: r.try_get("scan_id")?,
        event: r.try_get("event")?,
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        created_at: r.try_get("created_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

fn attempt_row(r: &AnyRow) -> StoreResult<AttemptRow> {
    Ok(AttemptRow {
        delivery_id: r.try_get("delivery_id")?,
        attempt: r.try_get("attempt")?,
        status_code: r.try_get("status_code")?,
        error: r.try_get("error")?,
        response_excerpt: r.try_get("response_excerpt")?,
        duration_ms: r.try_get("duration_ms")?,
        started_at: r.try_get("started_at")?,
    })
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    // ---- webhooks

    pub async fn insert_webhook(&self, w: &WebhookRow, secret: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO webhooks (id, name, url, events, format, score_drop, target_id, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&w.id)
        .bind(&w.name)
        .bind(&w.url)
        .bind(w.events.join(","))
        .bind(&w.format)
        .bind(w.score_drop)
        .bind(&w.target_id)
        .bind(secret)
        .bind(w.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn webhook(&self, id: &str) -> StoreResult<Option<WebhookRow>> {
        sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| webhook_row(&r))
        .transpose()
    }

    pub async fn list_webhooks(&self, page: Page) -> StoreResult<Vec<WebhookRow>> {
        sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id LIMIT $1 OFFSET $2"
        ))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(webhook_row)
        .collect()
    }

    /// The webhooks that hear about scans of `target_id`: its own and the global ones.
    pub async fn webhooks_for_target(&self, target_id: &str) -> StoreResult<Vec<WebhookRow>> {
        sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE target_id IS NULL OR target_id = $1 ORDER BY created_at, id"
        ))
        .bind(target_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(webhook_row)
        .collect()
    }

    /// Deletes a webhook with its deliveries and their log; false if there is none.
    pub async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone == 1)
    }

    // ---- the delivery queue

    /// Queues a delivery, due now. A second delivery of the same event of the same
    /// scan to the same webhook is ignored (unique index): returns whether it was new.
    pub async fn queue_delivery(
        &self,
        id: &str,
        webhook_id: &str,
        scan_id: Option<&str>,
        event: &str,
        body: &str,
    ) -> StoreResult<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO webhook_deliveries (id, webhook_id, scan_id, event, body, state, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(webhook_id)
        .bind(scan_id)
        .bind(event)
        .bind(body)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes the pending delivery due first for `worker`, leased for `lease`, counting
    /// the attempt. A delivery whose worker died (lease expired) is due again.
    pub async fn claim_delivery(
        &self,
        worker: &str,
        lease: Duration,
        max_attempts: i64,
    ) -> StoreResult<Option<DeliveryJob>> {
        let now = now_ms();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET lease_owner = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $3 \
               AND (locked_until IS NULL OR locked_until < $3) AND attempts < $4 \
               ORDER BY next_attempt_at, id LIMIT 1{lock}) \
             RETURNING id, webhook_id, event, body, attempts"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(worker)
            .bind(now.saturating_add(millis(lease)))
            .bind(now)
            .bind(max_attempts)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let webhook_id: String = row.try_get("webhook_id")?;
        let hook = sqlx::query("SELECT url, format, secret FROM webhooks WHERE id = $1")
            .bind(&webhook_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(DeliveryJob {
            id: row.try_get("id")?,
            webhook_id,
            event: row.try_get("event")?,
            body: row.try_get("body")?,
            attempt: row.try_get("attempts")?,
            url: hook.try_get("url")?,
            format: hook.try_get("format")?,
            secret: hook.try_get("secret")?,
        }))
    }

    /// Fails pending deliveries that used up their attempts without an answer being
    /// recorded (their worker died during the last attempt).
    pub async fn reap_deliveries(&self, max_attempts: i64) -> StoreResult<u64> {
        let now = now_ms();
        Ok(sqlx::query(
            "UPDATE webhook_deliveries SET state = 'failed', finished_at = $1, lease_owner = NULL, locked_until = NULL \
             WHERE state = 'pending' AND attempts >= $2 AND locked_until < $1",
        )
        .bind(now)
        .bind(max_attempts)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Logs an attempt and moves the delivery on, if `worker` still holds its lease.
    /// Returns whether it did.
    pub async fn record_attempt(
        &self,
        worker: &str,
        attempt: &AttemptRow,
        step: DeliveryStep,
    ) -> StoreResult<bool> {
        let now = now_ms();
        let (state, next, finished) = match step {
            DeliveryStep::Delivered => ("delivered", now, Some(now)),
            DeliveryStep::RetryAt(at) => ("pending", at, None),
            DeliveryStep::Failed => ("failed", now, Some(now)),
        };
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, next_attempt_at = $2, finished_at = $3, lease_owner = NULL, locked_until = NULL \
             WHERE id = $4 AND state = 'pending' AND lease_owner = $5 AND attempts = $6",
        )
        .bind(state)
        .bind(next)
        .bind(finished)
        .bind(&attempt.delivery_id)
        .bind(worker)
        .bind(attempt.attempt)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, response_excerpt, duration_ms, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&attempt.delivery_id)
        .bind(attempt.attempt)
        .bind(attempt.status_code)
        .bind(&attempt.error)
        .bind(&attempt.response_excerpt)
        .bind(attempt.duration_ms)
        .bind(attempt.started_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives a claimed delivery back without counting the attempt (shutting down).
    pub async fn release_delivery(&self, id: &str, worker: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET lease_owner = NULL, locked_until = NULL, attempts = attempts - 1 \
             WHERE id = $1 AND state = 'pending' AND lease_owner = $2",
        )
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- the delivery log

    pub async fn delivery(&self, id: &str) -> StoreResult<Option<DeliveryRow>> {
        sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| delivery_row(&r))
        .transpose()
    }

    /// A webhook's deliveries, newest first.
    pub async fn list_deliveries(
        &self,
        webhook_id: &str,
        page: Page,
    ) -> StoreResult<Vec<DeliveryRow>> {
        sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(webhook_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(delivery_row)
        .collect()
    }

    /// The attempts of these deliveries, in order.
    pub async fn attempts(&self, delivery_ids: &[String]) -> StoreResult<Vec<AttemptRow>> {
        let mut out = Vec::new();
        for id in delivery_ids {
            let rows = sqlx::query(
                "SELECT delivery_id, attempt, status_code, error, response_excerpt, duration_ms, started_at \
                 FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push(attempt_row(r)?);
            }
        }
        Ok(out)
    }

    /// How many deliveries are in each state (states with none are absent).
    pub async fn deliveries_by_state(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM webhook_deliveries GROUP BY state ORDER BY state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
            .collect()
    }
}
