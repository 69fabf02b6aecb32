//! `/api/v1/webhooks`: subscriptions to scan events, their test ping and delivery log.
//! The signing secret is in the creation answer only; URLs are shown as their origin
//! (chat tools' incoming-webhook URLs carry a credential in the path).

use super::{
    paginate, time, vet_submitted, ApiResult, AppState, Body, Caller, PageQuery, Params, Problem,
};
use crate::keys::Role;
use crate::store::{new_id, now_ms, AttemptRow, DeliveryRow, WebhookRow};
use crate::webhooks::{masked_url, new_secret, queue_ping, EVENTS};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// A webhook to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookCreate {
    /// Where to POST (http or https); vetted by the SSRF guard now and at every delivery.
    pub url: String,
    /// Any of `scan.completed`, `findings.new`, `findings.fixed`, `score.dropped`,
    /// `grade.changed`.
    pub events: Vec<String>,
    /// A name for people; the URL's host by default.
    pub name: Option<String>,
    /// `tollgate` (default: the JSON event) or `slack` (`{"text": "…"}`, for chat tools'
    /// incoming webhooks).
    pub format: Option<String>,
    /// The drop in score (points, 1–100) that raises `score.dropped`; 5 by default.
    pub score_drop: Option<i64>,
    /// Only scans of this target; every target when absent.
    pub target_id: Option<String>,
}

/// A webhook (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub name: String,
    /// The URL's origin; the path is not shown.
    pub url: String,
    pub events: Vec<String>,
    pub format: String,
    pub score_drop: i64,
    pub target_id: Option<String>,
    pub created_at: String,
}

impl From<WebhookRow> for WebhookView {
    fn from(w: WebhookRow) -> WebhookView {
        WebhookView {
            id: w.id,
            name: w.name,
            url: masked_url(&w.url),
            events: w.events,
            format: w.format,
            score_drop: w.score_drop,
            target_id: w.target_id,
            created_at: time(w.created_at),
        }
    }
}

/// A created webhook: `secret` (`whsec_…`) is shown this once; it keys the
/// `Tollgate-Signature` of every delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    pub secret: String,
    #[serde(flatten)]
    pub info: WebhookView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
    pub next_offset: Option<i64>,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt: i64,
    /// The receiver's status code, when it answered.
    pub status_code: Option<i64>,
    /// Why there was no (complete) answer: refused by the guard, connection, timeout.
    pub error: Option<String>,
    /// The first 2 KiB of the receiver's answer.
    pub response_excerpt: Option<String>,
    pub duration_ms: i64,
    pub started_at: String,
}

impl From<AttemptRow> for AttemptView {
    fn from(a: AttemptRow) -> AttemptView {
        AttemptView {
            attempt: a.attempt,
            status_code: a.status_code,
            error: a.error,
            response_excerpt: a.response_excerpt,
            duration_ms: a.duration_ms,
            started_at: time(a.started_at),
        }
    }
}

/// A delivery: one event for one webhook, `pending`, `delivered` or `failed`, with its
/// attempts. `id` is the `Tollgate-Delivery` header, the same on every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub webhook_id: String,
    /// The scan that raised the event (`null` for `ping`).
    pub scan_id: Option<String>,
    pub event: String,
    pub state: String,
    /// Attempts made (or under way).
    pub attempts: i64,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub log: Vec<AttemptView>,
}

impl DeliveryView {
    fn new(d: DeliveryRow, log: Vec<AttemptView>) -> DeliveryView {
        DeliveryView {
            next_attempt_at: (d.state == "pending").then(|| time(d.next_attempt_at)),
            id: d.id,
            webhook_id: d.webhook_id,
            scan_id: d.scan_id,
            event: d.event,
            state: d.state,
            attempts: d.attempts,
            created_at: time(d.created_at),
            finished_at: d.finished_at.map(time),
            log,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    pub next_offset: Option<i64>,
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/api/v1/webhooks/{id}",
            get(get_webhook).delete(delete_webhook),
        )
        .route("/api/v1/webhooks/{id}/test", post(test_webhook))
        .route("/api/v1/webhooks/{id}/deliveries", get(list_deliveries))
}

/// The subscribed events, checked and without repeats.
fn events(given: &[String]) -> ApiResult<Vec<String>> {
    if given.is_empty() {
        return Err(Problem::bad_request(format!(
            "events: at least one of {}",
            EVENTS.join(", ")
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for e in given {
        if !EVENTS.contains(&e.as_str()) {
            return Err(Problem::bad_request(format!(
                "events: unknown event {e:?}; one of {}",
                EVENTS.join(", ")
            )));
        }
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

async fn webhook_or_404(state: &AppState, id: &str) -> ApiResult<WebhookRow> {
    state
        .store
        .webhook(id)
        .await?
        .ok_or_else(|| Problem::not_found("webhook"))
}

/// Creates a webhook (operator); the signing secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookCreate, security(("api_key" = [])),
    responses((status = 201, body = WebhookCreated),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such target", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "the body is not JSON (Content-Type: application/json)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "the URL is refused by the SSRF guard", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn create_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<WebhookCreate>,
) -> ApiResult<(StatusCode, axum::Json<WebhookCreated>)> {
    caller.need(Role::Operator)?;
    let events = events(&body.events)?;
    let format = body.format.as_deref().unwrap_or("tollgate");
    if !matches!(format, "tollgate" | "slack") {
        return Err(Problem::bad_request("format: tollgate or slack"));
    }
    let score_drop = body.score_drop.unwrap_or(5);
    if !(1..=100).contains(&score_drop) {
        return Err(Problem::bad_request("score_drop must be between 1 and 100"));
    }
    if let Some(t) = &body.target_id {
        if state.store.target(t).await?.is_none() {
            return Err(Problem::not_found("target"));
        }
    }
    let name = body.name.as_deref().map(str::trim).unwrap_or_default();
    if name.len() > 200 {
        return Err(Problem::bad_request(
            "name must have at most 200 characters",
        ));
    }
    let url = vet_submitted(&state.guard, "url", &body.url).await?;
    let name = if name.is_empty() {
        url.host_str().unwrap_or_default().to_string()
    } else {
        name.to_string()
    };
    let row = WebhookRow {
        id: new_id("whk"),
        name,
        url: url.to_string(),
        events,
        format: format.to_string(),
        score_drop,
        target_id: body.target_id.clone(),
        created_at: now_ms(),
    };
    let secret = new_secret();
    let stored = crate::webhooks::stored_secret(state.secret_key.as_ref(), &row.id, &secret);
    state.store.insert_webhook(&row, &stored).await?;
    tracing::info!(webhook = %row.id, url = %masked_url(&row.url), by = %caller.key_id, "webhook created");
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookCreated {
            secret,
            info: row.into(),
        }),
    ))
}

/// Lists webhooks, oldest first.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(PageQuery), security(("api_key" = [])),
    responses((status = 200, body = WebhookList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_webhooks(
    State(state): State<AppState>,
    Params(q): Params<PageQuery>,
) -> ApiResult<axum::Json<WebhookList>> {
    let page = q.page()?;
    let rows = state.store.list_webhooks(page).await?;
    let (items, next_offset) = paginate(rows, page, WebhookView::from);
    Ok(axum::Json(WebhookList { items, next_offset }))
}

/// One webhook.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 200, body = WebhookView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_webhook(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<WebhookView>> {
    Ok(axum::Json(webhook_or_404(&state, &id).await?.into()))
}

/// Deletes a webhook with its pending deliveries and log (operator).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 204, description = "deleted"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn delete_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.need(Role::Operator)?;
    if state.store.delete_webhook(&id).await? {
        tracing::info!(webhook = %id, by = %caller.key_id, "webhook deleted");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("webhook"))
    }
}

/// Queues a `ping` delivery to the webhook (operator); follow it in the delivery log.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 202, description = "queued", body = DeliveryView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn test_webhook(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<DeliveryView>)> {
    caller.need(Role::Operator)?;
    let hook = webhook_or_404(&state, &id).await?;
    let delivery_id = queue_ping(&state.store, &hook).await?;
    let d = state
        .store
        .delivery(&delivery_id)
        .await?
        .ok_or_else(|| Problem::not_found("delivery"))?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(DeliveryView::new(d, Vec::new())),
    ))
}

/// The webhook's deliveries, newest first, each with its attempts (status code or
/// error, duration, time).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path), PageQuery), security(("api_key" = [])),
    responses((status = 200, body = DeliveryList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_deliveries(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<PageQuery>,
) -> ApiResult<axum::Json<DeliveryList>> {
    webhook_or_404(&state, &id).await?;
    let page = q.page()?;
    let rows = state.store.list_deliveries(&id, page).await?;
    let ids: Vec<String> = rows.iter().map(|d| d.id.clone()).collect();
    let mut by_delivery: HashMap<String, Vec<AttemptRow>> = HashMap::new();
    for a in state.store.attempts(&ids).await? {
        by_delivery
            .entry(a.delivery_id.clone())
            .or_default()
            .push(a);
    }
    let (items, next_offset) = paginate(rows, page, |d| {
        let log = by_delivery.get(&d.id).cloned().unwrap_or_default();
        DeliveryView::new(d, log.into_iter().map(AttemptView::from).collect())
    });
    Ok(axum::Json(DeliveryList { items, next_offset }))
}
