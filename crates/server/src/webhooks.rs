//! Webhooks: events from each finished scan's diff, queued as deliveries, signed, sent
//! through the SSRF guard and retried with exponential backoff.
//!
//! - When a scan completes, [`queue_scan_events`] computes its diff against the
//!   target's previous completed scan and queues one delivery per matching webhook and
//!   event. The body is built then and stored, so every attempt sends the same bytes
//!   and the receiver can dedupe on the delivery id.
//! - [`Dispatcher`] runs delivery workers: each claims a due delivery under a lease
//!   (as scan workers claim scans), signs it with the webhook's secret, POSTs it to
//!   the vetted address only (no proxy, no redirects), logs the attempt and schedules
//!   the next one (2xx: delivered; else retried after `base_delay · 2^(n-1)`, capped,
//!   until `attempts` is used up: failed).

use crate::diff::{DiffFinding, ScanDiff};
use crate::guard::Guard;
use crate::store::{
    new_id, now_ms, AttemptRow, DeliveryJob, DeliveryStep, Outcome, ScanRow, Store, TargetRow,
    WebhookRow,
};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tollgate_scan::CancelToken;
use url::Url;

/// Events a webhook can subscribe to.
pub const EVENTS: &[&str] = &[
    "scan.completed",
    "findings.new",
    "findings.fixed",
    "score.dropped",
    "grade.changed",
];

/// The event `POST /api/v1/webhooks/{id}/test` sends; always delivered, never
/// subscribed to.
pub const PING: &str = "ping";

/// The prefix of every signing secret (so secret scanners can recognise one).
pub const SECRET_PREFIX: &str = "whsec_";

/// Findings listed per event body; the counts are always complete.
const MAX_LISTED: usize = 50;

/// How much of a receiver's answer is kept in the log.
const EXCERPT_BYTES: usize = 2048;

/// How deliveries are sent and retried.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Delivery loops run by this process.
    pub workers: usize,
    /// Attempts before a delivery fails.
    pub attempts: u32,
    /// The wait after the first failed attempt; it doubles after each, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The whole request, connect to the end of the answer.
    pub timeout: Duration,
    /// How often an idle delivery loop looks for due deliveries.
    pub poll: Duration,
    /// The server's secret key: signing secrets created under it are stored sealed
    /// (see [`stored_secret`]) and opened for each attempt.
    pub secret_key: Option<crate::vault::SecretKey>,
}

impl Default for WebhookConfig {
    fn default() -> WebhookConfig {
        WebhookConfig {
            workers: 2,
            attempts: 6,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            secret_key: None,
        }
    }
}

impl WebhookConfig {
    /// The wait before attempt `n + 1` after attempt `n` (1-based) failed.
    pub fn backoff(&self, n: u32) -> Duration {
        let factor = 2u32.checked_pow(n.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The lease of a claimed delivery: the request's timeout and a margin to log it.
    fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(30)
    }
}

/// A new random signing secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("the OS random source failed: {e}"));
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

/// What the database keeps of a new signing secret: sealed under the server's key when
/// it has one (bound to the webhook's id), else the secret itself.
pub fn stored_secret(
    key: Option<&crate::vault::SecretKey>,
    webhook_id: &str,
    secret: &str,
) -> String {
    match key {
        Some(k) => k.seal(secret.as_bytes(), &secret_aad(webhook_id)),
        None => secret.to_string(),
    }
}

/// The signing secret from what the database keeps ([`stored_secret`]).
pub fn open_secret(
    key: Option<&crate::vault::SecretKey>,
    webhook_id: &str,
    stored: &str,
) -> Result<String, String> {
    if stored.starts_with(SECRET_PREFIX) {
        return Ok(stored.to_string());
    }
    let Some(key) = key else {
        return Err(
            "the webhook's secret is sealed and this server has no secret key (--secret-key-file)"
                .into(),
        );
    };
    key.open(stored, &secret_aad(webhook_id))
        .map_err(|e| format!("the webhook's secret could not be opened: {e}"))
        .and_then(|b| String::from_utf8(b).map_err(|_| "the webhook's secret is not text".into()))
}

fn secret_aad(webhook_id: &str) -> Vec<u8> {
    format!("tollgate:webhook-secret:{webhook_id}").into_bytes()
}

/// The `Tollgate-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
/// `"<t>.<body>"`, keyed with the secret's UTF-8 bytes. The timestamp is signed too,
/// so a receiver that rejects old timestamps rejects replays.
pub fn signature(secret: &str, unix_seconds: i64, body: &str) -> String {
    // HMAC accepts keys of any length; the error arm cannot happen.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// A URL as shown and logged: the origin only, because chat tools' incoming-webhook
/// URLs carry their credential in the path.
pub fn masked_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(u) => {
            let origin = u.origin().ascii_serialization();
            let rest = u.path() != "/" || u.query().is_some();
            if rest {
                format!("{origin}/…")
            } else {
                format!("{origin}/")
            }
        }
        Err(_) => "(invalid URL)".into(),
    }
}

// ---- events

/// The events a diff raises for one webhook, in the order they are queued.
pub fn events_for(hook: &WebhookRow, diff: &ScanDiff) -> Vec<&'static str> {
    let wants = |e: &str| hook.events.iter().any(|h| h == e);
    let mut out = Vec::new();
    if wants("scan.completed") {
        out.push("scan.completed");
    }
    if wants("findings.new") && !diff.new.is_empty() {
        out.push("findings.new");
    }
    if wants("findings.fixed") && !diff.fixed.is_empty() {
        out.push("findings.fixed");
    }
    if let Some(before) = diff.score_before {
        let drop = i64::from(before) - i64::from(diff.score_after);
        if wants("score.dropped") && drop >= hook.score_drop.max(1) {
            out.push("score.dropped");
        }
    }
    if let Some(before) = &diff.grade_before {
        if wants("grade.changed") && *before != diff.grade_after {
            out.push("grade.changed");
        }
    }
    out
}

fn findings_json(list: &[DiffFinding]) -> Value {
    Value::Array(
        list.iter()
            .take(MAX_LISTED)
            .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
            .collect(),
    )
}

/// The `data` of a scan event: the scan, its target, score and grade before and
/// after, and the new and fixed findings (summaries, at most 50 each; counts complete).
fn scan_data(target: &TargetRow, diff: &ScanDiff) -> Value {
    json!({
        "scan_id": diff.scan_id,
        "previous_scan_id": diff.previous_scan_id,
        "target": {"id": target.id, "name": target.name, "url": target.url},
        "score_before": diff.score_before,
        "score_after": diff.score_after,
        "grade_before": diff.grade_before,
        "grade_after": diff.grade_after,
        "new_count": diff.new.len(),
        "fixed_count": diff.fixed.len(),
        "unchanged_count": diff.unchanged_count,
        "new": findings_json(&diff.new),
        "fixed": findings_json(&diff.fixed),
    })
}

/// RFC 3339 (UTC) of Unix milliseconds.
fn rfc3339(ms: i64) -> String {
    let t =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(t).to_string()
}

/// The one-line summary a chat tool shows.
fn chat_text(event: &str, data: &Value) -> String {
    if event == PING {
        return "tollgate: ping (this webhook works)".into();
    }
    let target = data["target"]["name"].as_str().unwrap_or("a target");
    let grade = match (data["grade_before"].as_str(), data["grade_after"].as_str()) {
        (Some(b), Some(a)) if a != b => format!("grade {b} → {a}"),
        (_, Some(a)) => format!("grade {a}"),
        _ => String::new(),
    };
    let score = match (data["score_before"].as_i64(), data["score_after"].as_i64()) {
        (Some(b), Some(a)) if a != b => format!("score {b} → {a}"),
        (_, Some(a)) => format!("score {a}"),
        _ => String::new(),
    };
    format!(
        "tollgate [{event}] {target}: {grade}, {score}, {} new, {} fixed findings (scan {})",
        data["new_count"].as_u64().unwrap_or(0),
        data["fixed_count"].as_u64().unwrap_or(0),
        data["scan_id"].as_str().unwrap_or("?"),
    )
}

/// The body of a delivery in the webhook's format.
pub fn body(format: &str, delivery_id: &str, event: &str, data: Value) -> String {
    let value = if format == "slack" {
        json!({"text": chat_text(event, &data)})
    } else {
        json!({
            "id": delivery_id,
            "type": event,
            "created_at": rfc3339(now_ms()),
            "data": data,
        })
    };
    value.to_string()
}

/// Queues the events of a scan that just finished (call once [`Store::finish`] stored
/// it). Only completed scans raise events. Errors are logged: the scan's result is
/// stored whatever happens here. Queueing twice is harmless: a (webhook, scan, event)
/// delivery exists once.
pub async fn queue_scan_events(store: &Store, scan_id: &str, outcome: &Outcome) {
    let Outcome::Report {
        report,
        cancelled: false,
    } = outcome
    else {
        return;
    };
    match queue_for_report(store, scan_id, report).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(scan = %scan_id, deliveries = n, "webhook deliveries queued"),
        Err(e) => {
            tracing::warn!(scan = %scan_id, error = %e, "queueing webhook deliveries failed");
        }
    }
}

async fn queue_for_report(
    store: &Store,
    scan_id: &str,
    report: &tollgate_core::Report,
) -> Result<usize, sqlx::Error> {
    let Some(scan) = store.scan(scan_id).await? else {
        return Ok(0);
    };
    let hooks = store.webhooks_for_target(&scan.target_id).await?;
    if hooks.is_empty() {
        return Ok(0);
    }
    let Some(target) = store.target(&scan.target_id).await? else {
        return Ok(0);
    };
    // The stored report has the target's triage applied (Store::finish), so events
    // agree with the stored diff: an accepted or false-positive finding is not news.
    let stored = match store.report(scan_id).await? {
        Some(text) => serde_json::from_str::<tollgate_core::Report>(&text).ok(),
        None => None,
    };
    let current = stored.as_ref().unwrap_or(report);
    let previous = previous_report(store, &scan).await?;
    let diff = crate::monitor::diff(
        scan_id,
        current,
        previous.as_ref().map(|(id, r)| (id.as_str(), r)),
    );
    let data = scan_data(&target, &diff);
    let mut queued = 0;
    for hook in &hooks {
        for event in events_for(hook, &diff) {
            let id = new_id("dlv");
            let body = body(&hook.format, &id, event, data.clone());
            if store
                .queue_delivery(&id, &hook.id, Some(scan_id), event, &body)
                .await?
            {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

async fn previous_report(
    store: &Store,
    scan: &ScanRow,
) -> Result<Option<(String, tollgate_core::Report)>, sqlx::Error> {
    let Some(prev) = store.previous_completed(scan).await? else {
        return Ok(None);
    };
    let Some(text) = store.report(&prev.id).await? else {
        return Ok(None);
    };
    match serde_json::from_str(&text) {
        Ok(r) => Ok(Some((prev.id, r))),
        Err(e) => {
            tracing::warn!(scan = %prev.id, error = %e, "a stored report does not parse; diffing against nothing");
            Ok(None)
        }
    }
}

/// Queues a `ping` to one webhook; returns the delivery id.
pub async fn queue_ping(store: &Store, hook: &WebhookRow) -> Result<String, sqlx::Error> {
    let id = new_id("dlv");
    let data = json!({"webhook_id": hook.id, "message": "ping from tollgate"});
    let body = body(&hook.format, &id, PING, data);
    store
        .queue_delivery(&id, &hook.id, None, PING, &body)
        .await?;
    Ok(id)
}

// ---- delivery

/// What one attempt gave.
struct Answer {
    status: Option<u16>,
    error: Option<String>,
    excerpt: Option<String>,
}

/// The delivery workers.
#[derive(Debug)]
pub struct Dispatcher {
    store: Store,
    config: WebhookConfig,
    guard: Guard,
    shutdown: CancelToken,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        config: WebhookConfig,
        guard: Guard,
        shutdown: CancelToken,
    ) -> Arc<Dispatcher> {
        Arc::new(Dispatcher {
            store,
            config,
            guard,
            shutdown,
        })
    }

    /// Starts the delivery loops; each ends when the shutdown token is cancelled.
    pub fn spawn(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        (0..self.config.workers)
            .map(|i| {
                let me = Arc::clone(self);
                let name = format!("deliver-{i}-{}", new_id("w"));
                tokio::spawn(async move { me.worker(name).await })
            })
            .collect()
    }

    fn max_attempts(&self) -> i64 {
        i64::from(self.config.attempts.max(1))
    }

    async fn worker(self: Arc<Self>, name: String) {
        while !self.shutdown.is_cancelled() {
            if let Err(e) = self.store.reap_deliveries(self.max_attempts()).await {
                tracing::warn!(error = %e, "reaping abandoned webhook deliveries failed");
            }
            let claimed = self
                .store
                .claim_delivery(&name, self.config.lease(), self.max_attempts())
                .await;
            match claimed {
                Ok(Some(job)) => self.deliver(&name, job).await,
                Ok(None) => self.idle().await,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a webhook delivery failed");
                    self.idle().await;
                }
            }
        }
    }

    async fn idle(&self) {
        tokio::select! {
            () = tokio::time::sleep(self.config.poll) => {}
            () = self.shutdown.cancelled() => {}
        }
    }

    /// One attempt of a claimed delivery, logged, and the delivery moved on.
    async fn deliver(&self, worker: &str, job: DeliveryJob) {
        let started_at = now_ms();
        let clock = Instant::now();
        let answer = tokio::select! {
            a = self.send(&job) => a,
            () = self.shutdown.cancelled() => {
                if let Err(e) = self.store.release_delivery(&job.id, worker).await {
                    tracing::warn!(delivery = %job.id, error = %e, "releasing a delivery failed; its lease will expire");
                }
                return;
            }
        };
        let duration_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        let ok = answer.status.is_some_and(|s| (200..300).contains(&s));
        let attempt = u32::try_from(job.attempt).unwrap_or(u32::MAX);
        let step = if ok {
            DeliveryStep::Delivered
        } else if job.attempt >= self.max_attempts() {
            DeliveryStep::Failed
        } else {
            let wait = i64::try_from(self.config.backoff(attempt).as_millis()).unwrap_or(i64::MAX);
            DeliveryStep::RetryAt(now_ms().saturating_add(wait))
        };
        let row = AttemptRow {
            delivery_id: job.id.clone(),
            attempt: job.attempt,
            status_code: answer.status.map(i64::from),
            error: answer.error.clone(),
            response_excerpt: answer.excerpt,
            duration_ms,
            started_at,
        };
        match self.store.record_attempt(worker, &row, step).await {
            Ok(true) => tracing::info!(
                delivery = %job.id, webhook = %job.webhook_id, event = %job.event,
                attempt = job.attempt, status = ?answer.status, error = ?answer.error,
                outcome = ?step, "webhook delivery attempt"
            ),
            Ok(false) => {
                tracing::warn!(delivery = %job.id, "the delivery is no longer this worker's; attempt not logged");
            }
            Err(e) => {
                tracing::warn!(delivery = %job.id, error = %e, "logging a delivery attempt failed")
            }
        }
    }

    /// Sends one attempt: the URL vetted again (it may resolve elsewhere now), the
    /// client pinned to the vetted addresses, no proxy, no redirects followed.
    async fn send(&self, job: &DeliveryJob) -> Answer {
        let failed = |why: String| Answer {
            status: None,
            error: Some(why),
            excerpt: None,
        };
        let client = match self.client_for(&job.url).await {
            Ok(c) => c,
            Err(why) => return failed(format!("refused by the SSRF guard: {why}")),
        };
        let secret = match open_secret(
            self.config.secret_key.as_ref(),
            &job.webhook_id,
            &job.secret,
        ) {
            Ok(s) => s,
            Err(why) => return failed(why),
        };
        let now_s = now_ms() / 1000;
        let request = client
            .post(&job.url)
            .header("content-type", "application/json")
            .header(
                "user-agent",
                concat!("tollgate/", env!("CARGO_PKG_VERSION")),
            )
            .header("tollgate-event", &job.event)
            .header("tollgate-delivery", &job.id)
            .header("tollgate-signature", signature(&secret, now_s, &job.body))
            .body(job.body.clone());
        let mut resp = match request.send().await {
            Ok(r) => r,
            Err(e) => return failed(mask(&describe(&e, self.config.timeout), &secret)),
        };
        let status = resp.status().as_u16();
        let mut kept = Vec::new();
        let mut error = None;
        while kept.len() < EXCERPT_BYTES {
            match resp.chunk().await {
                Ok(Some(c)) => kept.extend_from_slice(&c),
                Ok(None) => break,
                Err(e) => {
                    error = Some(mask(&describe(&e, self.config.timeout), &secret));
                    break;
                }
            }
        }
        kept.truncate(EXCERPT_BYTES);
        let text = String::from_utf8_lossy(&kept);
        Answer {
            status: Some(status),
            error,
            excerpt: (!text.is_empty()).then(|| mask(&text, &secret)),
        }
    }

    async fn client_for(&self, raw: &str) -> Result<reqwest::Client, String> {
        let url = Url::parse(raw).map_err(|e| format!("the URL is invalid: {e}"))?;
        self.guard.vet_url(&url)?;
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(self.config.timeout)
            .connect_timeout(self.config.timeout);
        if let Some(url::Host::Domain(name)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(0);
            let addrs = self.guard.resolve(name, port).await?;
            builder = builder
                .resolve_to_addrs(name, &addrs)
                // A name the pinned addresses do not cover is resolved, and vetted, again.
                .dns_resolver2(tollgate_scan::engine::DestinationPolicy::resolver(
                    &self.guard,
                ));
        }
        builder
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))
    }
}

/// Why a request failed, with its causes (reqwest's own message alone says little),
/// and without the URL (whose path may be a credential).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs_f64());
    }
    let mut text = if e.is_connect() {
        "connecting failed".to_string()
    } else if e.is_body() || e.is_decode() {
        "reading the answer failed".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// The secret, should a receiver echo it back, is not kept.
fn mask(text: &str, secret: &str) -> String {
    text.replace(secret, "whsec_…")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_sealed_under_the_servers_key() {
        let key = crate::vault::SecretKey::parse(&"ab".repeat(32)).unwrap();
        let secret = new_secret();
        let stored = stored_secret(Some(&key), "whk_1", &secret);
        assert!(!stored.contains(&secret) && !stored.starts_with(SECRET_PREFIX));
        assert_eq!(open_secret(Some(&key), "whk_1", &stored).unwrap(), secret);
        // Bound to its webhook: a sealed secret copied to another row does not open.
        assert!(open_secret(Some(&key), "whk_2", &stored).is_err());
        // Sealed but no key: a clear error, never the sealed text used as a key.
        assert!(open_secret(None, "whk_1", &stored)
            .unwrap_err()
            .contains("--secret-key-file"));
        // No key when it was created: kept as is, and used as is.
        assert_eq!(stored_secret(None, "whk_1", &secret), secret);
        assert_eq!(open_secret(Some(&key), "whk_1", &secret).unwrap(), secret);
    }

    fn hook(events: &[&str], score_drop: i64) -> WebhookRow {
        WebhookRow {
            id: "whk_1".into(),
            name: "n".into(),
            url: "https://example.com/hook".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            format: "tollgate".into(),
            score_drop,
            target_id: None,
            created_at: 0,
        }
    }

    fn diff(before: Option<(u8, &str)>, after: (u8, &str), new: usize, fixed: usize) -> ScanDiff {
        let f = |i: usize| DiffFinding {
            fingerprint: format!("fp{i}"),
            check_id: "X-001".into(),
            severity: "high".into(),
            title: "t".into(),
        };
        ScanDiff {
            scan_id: "scn_2".into(),
            previous_scan_id: before.map(|_| "scn_1".into()),
            new: (0..new).map(f).collect(),
            fixed: (0..fixed).map(f).collect(),
            unchanged_count: 0,
            score_before: before.map(|b| b.0),
            score_after: after.0,
            grade_before: before.map(|b| b.1.to_string()),
            grade_after: after.1.to_string(),
        }
    }

    #[test]
    fn events_follow_the_diff_and_the_threshold() {
        let all = hook(EVENTS, 5);
        assert_eq!(
            events_for(&all, &diff(Some((90, "A")), (84, "B"), 2, 1)),
            vec![
                "scan.completed",
                "findings.new",
                "findings.fixed",
                "score.dropped",
                "grade.changed"
            ]
        );
        // A drop below the threshold, the same grade, nothing new or fixed.
        assert_eq!(
            events_for(&all, &diff(Some((90, "A")), (86, "A"), 0, 0)),
            vec!["scan.completed"]
        );
        // The first scan: no previous score or grade to compare with.
        assert_eq!(
            events_for(&all, &diff(None, (50, "D"), 3, 0)),
            vec!["scan.completed", "findings.new"]
        );
        // Only what the webhook subscribed to.
        assert_eq!(
            events_for(
                &hook(&["grade.changed"], 5),
                &diff(Some((90, "A")), (10, "F"), 2, 2)
            ),
            vec!["grade.changed"]
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let c = WebhookConfig {
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(60),
            ..WebhookConfig::default()
        };
        let waits: Vec<u64> = (1..=6).map(|n| c.backoff(n).as_secs()).collect();
        assert_eq!(waits, vec![10, 20, 40, 60, 60, 60]);
        assert_eq!(c.backoff(40).as_secs(), 60);
    }

    #[test]
    fn signatures_are_hmac_sha256_over_the_timestamp_and_body() {
        // RFC 4231 gives no vector for this composition; compare with a direct HMAC.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec_k").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let expected = format!(
            "t=1700000000,v1={}",
            hex::encode(mac.finalize().into_bytes())
        );
        assert_eq!(signature("whsec_k", 1_700_000_000, "{\"a\":1}"), expected);
        assert_ne!(signature("whsec_k", 1_700_000_001, "{\"a\":1}"), expected);
    }

    #[test]
    fn urls_are_shown_without_their_path() {
        assert_eq!(
            masked_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            masked_url("http://127.0.0.1:9000/"),
            "http://127.0.0.1:9000/"
        );
        assert_eq!(masked_url("http://h/?token=x"), "http://h/…");
    }

    #[test]
    fn chat_bodies_are_one_line_of_text() {
        let data = scan_data(
            &TargetRow {
                id: "tgt_1".into(),
                name: "shop".into(),
                url: "https://shop.example/".into(),
                spec_url: None,
                profile: "quick".into(),
                allow_intrusive: false,
                created_at: 0,
                schedule: None,
                next_run_at: None,
            },
            &diff(Some((90, "A")), (70, "C"), 2, 1),
        );
        let b: Value =
            serde_json::from_str(&body("slack", "dlv_1", "grade.changed", data)).unwrap();
        let text = b["text"].as_str().unwrap();
        assert!(!text.contains('\n'));
        assert!(
            text.contains("grade A → C") && text.contains("score 90 → 70"),
            "{text}"
        );
        assert!(text.contains("2 new, 1 fixed"), "{text}");
        assert_eq!(b.as_object().map(|o| o.len()), Some(1));
    }
}
