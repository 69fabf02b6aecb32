//! The REST API under `/api/v1` (axum). Every route but `/healthz` and `/readyz` needs
//! an API key (`Authorization: Bearer tgk_…`); errors are `application/problem+json`
//! (RFC 9457); every list is paginated (`limit`, `offset`, `next_offset`).

use crate::diff::{DiffFinding, ScanDiff};
use crate::guard::Guard;
use crate::jobs::Jobs;
use crate::keys::{self, Role};
use crate::store::{new_id, now_ms, KeyRow, Page, ScanRow, Store, TargetRow};
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tollgate_scan::Profile;
use url::Url;
use utoipa::{IntoParams, OpenApi, ToSchema};

mod monitor;
mod webhooks;

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub jobs: Arc<Jobs>,
    pub guard: Guard,
}

/// The caller, as its API key says.
#[derive(Clone, Debug)]
pub struct Caller {
    pub key_id: String,
    pub role: Role,
}

impl Caller {
    fn need(&self, role: Role) -> Result<(), Problem> {
        if self.role >= role {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!(
                    "this needs the {} role; the key has {}",
                    role.as_str(),
                    self.role.as_str()
                ),
            ))
        }
    }
}

// ---- errors

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
        }
    }

    fn not_found(what: &str) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "Not Found",
            format!("no such {what}"),
        )
    }

    fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "Bad Request", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl From<sqlx::Error> for Problem {
    fn from(e: sqlx::Error) -> Problem {
        tracing::error!(error = %e, "storage error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "the database failed; see the server log",
        )
    }
}

type ApiResult<T> = Result<T, Problem>;

/// A JSON body whose rejection is a problem document.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(rej) => Err(Problem::new(rej.status(), "Bad Request", rej.body_text())),
        }
    }
}

/// A query string whose rejection is a problem document.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Params(v)),
            Err(rej) => Err(Problem::bad_request(rej.body_text())),
        }
    }
}

// ---- pagination

/// Pagination of a list: at most `limit` items (1–200, default 50) from `offset`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1–200 (default 50).
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    pub offset: Option<i64>,
}

impl PageQuery {
    fn page(&self) -> ApiResult<Page> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        if !(1..=200).contains(&limit) {
            return Err(Problem::bad_request("limit must be between 1 and 200"));
        }
        if offset < 0 {
            return Err(Problem::bad_request("offset must not be negative"));
        }
        // One more than asked, to know whether there is a next page.
        Ok(Page {
            limit: limit + 1,
            offset,
        })
    }
}

fn paginate<T, U>(mut rows: Vec<T>, page: Page, map: impl Fn(T) -> U) -> (Vec<U>, Option<i64>) {
    let limit = usize::try_from(page.limit - 1).unwrap_or(0);
    let next = (rows.len() > limit).then(|| page.offset + page.limit - 1);
    rows.truncate(limit);
    (rows.into_iter().map(map).collect(), next)
}

/// RFC 3339 (UTC, milliseconds) from Unix milliseconds.
fn time(ms: i64) -> String {
    let t =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(t).to_string()
}

// ---- resources

/// A new API key: the role it grants.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyCreate {
    /// A label for people (who or what uses the key).
    pub name: String,
    pub role: Role,
}

/// An API key (never the key itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl From<KeyRow> for KeyView {
    fn from(k: KeyRow) -> KeyView {
        KeyView {
            id: k.id,
            name: k.name,
            role: k.role,
            created_at: time(k.created_at),
            revoked_at: k.revoked_at.map(time),
        }
    }
}

/// A created key: `key` is shown this once and stored only hashed.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyCreated {
    pub key: String,
    #[serde(flatten)]
    pub info: KeyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub items: Vec<KeyView>,
    /// The offset of the next page; absent on the last page.
    pub next_offset: Option<i64>,
}

/// A target to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetCreate {
    /// The API's base URL (http or https).
    pub url: String,
    /// A name for people; the URL's host by default.
    pub name: Option<String>,
    /// The API's OpenAPI document (http or https).
    pub spec_url: Option<String>,
    /// quick, standard (default) or deep.
    pub profile: Option<String>,
    /// Whether state-changing (intrusive) checks may run; setting it needs the admin role.
    #[serde(default)]
    pub allow_intrusive: bool,
    /// Rescan on a schedule: `{"every": "6h"}` (at least 1 minute) or
    /// `{"cron": "0 3 * * *"}` (UTC).
    pub schedule: Option<crate::schedule::ScheduleSpec>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub spec_url: Option<String>,
    pub profile: String,
    pub allow_intrusive: bool,
    pub created_at: String,
    /// `{"every": …}` or `{"cron": …}`; `null` when the target is scanned on request only.
    pub schedule: Option<crate::schedule::ScheduleSpec>,
    /// When the scheduler queues the next scan.
    pub next_run_at: Option<String>,
}

impl From<TargetRow> for TargetView {
    fn from(t: TargetRow) -> TargetView {
        TargetView {
            id: t.id,
            name: t.name,
            url: t.url,
            spec_url: t.spec_url,
            profile: t.profile,
            allow_intrusive: t.allow_intrusive,
            created_at: time(t.created_at),
            schedule: monitor::schedule_view(t.schedule.as_deref()),
            next_run_at: t.next_run_at.map(time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetList {
    pub items: Vec<TargetView>,
    pub next_offset: Option<i64>,
}

/// A scan to queue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanCreate {
    pub target_id: String,
}

/// Checks finished of those planned (0 of 0 until the scan has learnt the target).
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub checks_done: i64,
    pub checks_total: i64,
}

/// A scan: `queued`, `running` (with progress), `completed`, `failed` or `cancelled`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanView {
    pub id: String,
    pub target_id: String,
    pub state: String,
    pub progress: Progress,
    /// Why the scan failed.
    pub error: Option<String>,
    pub score: Option<i64>,
    pub grade: Option<String>,
    pub findings_count: Option<i64>,
    pub cancel_requested: bool,
    pub attempts: i64,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl From<ScanRow> for ScanView {
    fn from(s: ScanRow) -> ScanView {
        ScanView {
            id: s.id,
            target_id: s.target_id,
            state: s.state,
            progress: Progress {
                checks_done: s.checks_done,
                checks_total: s.checks_total,
            },
            error: s.error,
            score: s.score,
            grade: s.grade,
            findings_count: s.findings_count,
            cancel_requested: s.cancel_requested,
            attempts: s.attempts,
            created_at: time(s.created_at),
            started_at: s.started_at.map(time),
            finished_at: s.finished_at.map(time),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanList {
    pub items: Vec<ScanView>,
    pub next_offset: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScanFilter {
    /// Only scans of this target.
    pub target_id: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Findings of a scan, as in the JSON report.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingList {
    /// Each finding as the JSON report writes it, with `triage_state` (open,
    /// accepted_risk or false_positive: the target's triage of it now).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    pub next_offset: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// json (default), sarif, html, markdown or junit.
    pub format: Option<String>,
}

// ---- handlers

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "ready"),
    (status = 503, description = "the database does not answer", body = Problem, content_type = "application/problem+json")))]
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "the database does not answer",
            )
            .into_response()
        }
    }
}

/// Prometheus metrics (text exposition format 0.0.4): queue depth, scans by state, and
/// the run time of completed scans. Needs a viewer key (a scrape config sends it as a
/// bearer token).
#[utoipa::path(get, path = "/metrics", tag = "meta", security(("api_key" = [])),
    responses((status = 200, description = "metrics in the Prometheus text format", content_type = "text/plain"),
    (status = 401, description = "no valid API key", body = Problem, content_type = "application/problem+json")))]
async fn metrics(State(state): State<AppState>) -> ApiResult<Response> {
    let queued = state.store.queue_depth().await?;
    let by_state = state.store.scans_by_state().await?;
    let (done, total_ms) = state.store.completed_durations().await?;
    let mut out = String::new();
    out.push_str("# HELP tollgate_queue_depth Scans waiting for a worker.\n");
    out.push_str("# TYPE tollgate_queue_depth gauge\n");
    out.push_str(&format!("tollgate_queue_depth {queued}\n"));
    out.push_str("# HELP tollgate_scans Scans stored, by state.\n");
    out.push_str("# TYPE tollgate_scans gauge\n");
    for s in ["queued", "running", "completed", "failed", "cancelled"] {
        let n = by_state.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
        out.push_str(&format!("tollgate_scans{{state=\"{s}\"}} {n}\n"));
    }
    out.push_str("# HELP tollgate_scan_duration_seconds Run time of completed scans.\n");
    out.push_str("# TYPE tollgate_scan_duration_seconds summary\n");
    out.push_str(&format!(
        "tollgate_scan_duration_seconds_sum {:.3}\n",
        total_ms as f64 / 1000.0
    ));
    out.push_str(&format!("tollgate_scan_duration_seconds_count {done}\n"));
    let deliveries = state.store.deliveries_by_state().await?;
    out.push_str("# HELP tollgate_webhook_deliveries Webhook deliveries stored, by state.\n");
    out.push_str("# TYPE tollgate_webhook_deliveries gauge\n");
    for s in ["pending", "delivered", "failed"] {
        let n = deliveries
            .iter()
            .find(|(k, _)| k == s)
            .map_or(0, |(_, n)| *n);
        out.push_str(&format!(
            "tollgate_webhook_deliveries{{state=\"{s}\"}} {n}\n"
        ));
    }
    let mut r = out.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(r)
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(("api_key" = [])),
    responses((status = 200, description = "the OpenAPI 3.1 document of this API", content_type = "application/json"),
    (status = 401, description = "no valid API key", body = Problem, content_type = "application/problem+json")))]
async fn openapi_json() -> Response {
    let mut r = ApiDoc::openapi()
        .to_json()
        .unwrap_or_default()
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Lists API keys (admin).
#[utoipa::path(get, path = "/api/v1/keys", tag = "keys", params(PageQuery), security(("api_key" = [])),
    responses((status = 200, body = KeyList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Params(q): Params<PageQuery>,
) -> ApiResult<axum::Json<KeyList>> {
    caller.need(Role::Admin)?;
    let page = q.page()?;
    let rows = state.store.list_keys(page).await?;
    let (items, next_offset) = paginate(rows, page, KeyView::from);
    Ok(axum::Json(KeyList { items, next_offset }))
}

/// Creates an API key (admin); the key is in this answer only.
#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", request_body = KeyCreate, security(("api_key" = [])),
    responses((status = 201, body = KeyCreated),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<KeyCreate>,
) -> ApiResult<(StatusCode, axum::Json<KeyCreated>)> {
    caller.need(Role::Admin)?;
    let name = body.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(Problem::bad_request("name must have 1 to 200 characters"));
    }
    let (key, row) = keys::create(&state.store, name, body.role).await?;
    tracing::info!(key_id = %row.id, role = %row.role, by = %caller.key_id, "API key created");
    Ok((
        StatusCode::CREATED,
        axum::Json(KeyCreated {
            key,
            info: row.into(),
        }),
    ))
}

/// Revokes an API key (admin).
#[utoipa::path(delete, path = "/api/v1/keys/{id}", tag = "keys", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 204, description = "revoked"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.need(Role::Admin)?;
    if state.store.revoke_key(&id).await? {
        tracing::info!(key_id = %id, by = %caller.key_id, "API key revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("key"))
    }
}

/// Lists targets.
#[utoipa::path(get, path = "/api/v1/targets", tag = "targets", params(PageQuery), security(("api_key" = [])),
    responses((status = 200, body = TargetList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_targets(
    State(state): State<AppState>,
    Params(q): Params<PageQuery>,
) -> ApiResult<axum::Json<TargetList>> {
    let page = q.page()?;
    let rows = state.store.list_targets(page).await?;
    let (items, next_offset) = paginate(rows, page, TargetView::from);
    Ok(axum::Json(TargetList { items, next_offset }))
}

/// Checks a submitted URL against the SSRF guard: the literal, and the name's addresses.
async fn vet_submitted(guard: &Guard, field: &str, raw: &str) -> ApiResult<Url> {
    let url = Url::parse(raw).map_err(|e| Problem::bad_request(format!("{field}: {e}")))?;
    let refuse = |why: String| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Unprocessable Entity",
            format!("{field} is refused: {why}"),
        )
    };
    guard.vet_url(&url).map_err(refuse)?;
    if let Some(url::Host::Domain(name)) = url.host() {
        let port = url.port_or_known_default().unwrap_or(0);
        guard.resolve(name, port).await.map_err(refuse)?;
    }
    Ok(url)
}

/// Registers a target (operator; `allow_intrusive` needs admin).
#[utoipa::path(post, path = "/api/v1/targets", tag = "targets", request_body = TargetCreate, security(("api_key" = [])),
    responses((status = 201, body = TargetView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "the URL is refused by the SSRF guard, or the schedule is invalid", body = Problem, content_type = "application/problem+json")))]
async fn create_target(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<TargetCreate>,
) -> ApiResult<(StatusCode, axum::Json<TargetView>)> {
    caller.need(Role::Operator)?;
    if body.allow_intrusive {
        caller.need(Role::Admin).map_err(|_| {
            Problem::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "allowing intrusive checks on a target needs the admin role",
            )
        })?;
    }
    let profile = body.profile.as_deref().unwrap_or("standard");
    let profile: Profile = profile
        .parse()
        .map_err(|e: String| Problem::bad_request(format!("profile: {e}")))?;
    let url = vet_submitted(&state.guard, "url", &body.url).await?;
    let spec_url = match &body.spec_url {
        Some(s) => Some(vet_submitted(&state.guard, "spec_url", s).await?),
        None => None,
    };
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| url.host_str().unwrap_or_default().to_string());
    let mut row = TargetRow {
        id: new_id("tgt"),
        name,
        url: url.to_string(),
        spec_url: spec_url.map(|u| u.to_string()),
        profile: profile.as_str().to_string(),
        allow_intrusive: body.allow_intrusive,
        created_at: now_ms(),
        schedule: None,
        next_run_at: None,
    };
    monitor::apply_schedule(&mut row, body.schedule.as_ref())?;
    state.store.insert_target(&row).await?;
    Ok((StatusCode::CREATED, axum::Json(row.into())))
}

/// One target.
#[utoipa::path(get, path = "/api/v1/targets/{id}", tag = "targets", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 200, body = TargetView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_target(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<TargetView>> {
    let t = state
        .store
        .target(&id)
        .await?
        .ok_or_else(|| Problem::not_found("target"))?;
    Ok(axum::Json(t.into()))
}

/// Lists scans, oldest first.
#[utoipa::path(get, path = "/api/v1/scans", tag = "scans", params(ScanFilter), security(("api_key" = [])),
    responses((status = 200, body = ScanList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_scans(
    State(state): State<AppState>,
    Params(q): Params<ScanFilter>,
) -> ApiResult<axum::Json<ScanList>> {
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .page()?;
    let rows = state.store.list_scans(q.target_id.as_deref(), page).await?;
    let (items, next_offset) = paginate(rows, page, ScanView::from);
    Ok(axum::Json(ScanList { items, next_offset }))
}

/// Queues a scan of a target (operator).
#[utoipa::path(post, path = "/api/v1/scans", tag = "scans", request_body = ScanCreate, security(("api_key" = [])),
    responses((status = 202, description = "queued", body = ScanView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such target", body = Problem, content_type = "application/problem+json")))]
async fn create_scan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<ScanCreate>,
) -> ApiResult<(StatusCode, axum::Json<ScanView>)> {
    caller.need(Role::Operator)?;
    if state.store.target(&body.target_id).await?.is_none() {
        return Err(Problem::not_found("target"));
    }
    let scan = state
        .store
        .insert_scan(&new_id("scn"), &body.target_id)
        .await?;
    state.jobs.wake();
    Ok((StatusCode::ACCEPTED, axum::Json(scan.into())))
}

async fn scan_or_404(state: &AppState, id: &str) -> ApiResult<ScanRow> {
    state
        .store
        .scan(id)
        .await?
        .ok_or_else(|| Problem::not_found("scan"))
}

/// One scan, with its state and progress.
#[utoipa::path(get, path = "/api/v1/scans/{id}", tag = "scans", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 200, body = ScanView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_scan(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<ScanView>> {
    Ok(axum::Json(scan_or_404(&state, &id).await?.into()))
}

/// Cancels a scan (operator): a queued one at once, a running one within a heartbeat
/// (it stores the report of what finished, marked cancelled).
#[utoipa::path(post, path = "/api/v1/scans/{id}/cancel", tag = "scans", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 202, description = "cancellation asked for (or already over)", body = ScanView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the scan already ended", body = Problem, content_type = "application/problem+json")))]
async fn cancel_scan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<ScanView>)> {
    caller.need(Role::Operator)?;
    let scan = scan_or_404(&state, &id).await?;
    if !matches!(scan.state.as_str(), "queued" | "running") {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!("the scan already ended ({})", scan.state),
        ));
    }
    let scan = state
        .store
        .request_cancel(&id)
        .await?
        .ok_or_else(|| Problem::not_found("scan"))?;
    Ok((StatusCode::ACCEPTED, axum::Json(scan.into())))
}

/// A stored report, parsed.
async fn stored_report(state: &AppState, scan: &ScanRow) -> ApiResult<tollgate_core::Report> {
    let Some(body) = state.store.report(&scan.id).await? else {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!("the scan has no report ({})", scan.state),
        ));
    };
    serde_json::from_str(&body).map_err(|e| {
        tracing::error!(scan = %scan.id, error = %e, "a stored report does not parse");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "the stored report could not be read",
        )
    })
}

/// The scan's report in one of the CLI's formats.
#[utoipa::path(get, path = "/api/v1/scans/{id}/report", tag = "scans", params(("id" = String, Path), ReportQuery), security(("api_key" = [])),
    responses((status = 200, description = "the report (JSON, SARIF, HTML, Markdown or JUnit XML)"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the scan has no report yet", body = Problem, content_type = "application/problem+json")))]
async fn get_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<ReportQuery>,
) -> ApiResult<Response> {
    use tollgate_report::Format;
    let format: Format = q
        .format
        .as_deref()
        .unwrap_or("json")
        .parse()
        .map_err(|e| Problem::bad_request(format!("format: {e}")))?;
    let content_type = match format {
        Format::Json => "application/json",
        Format::Sarif => "application/sarif+json",
        Format::Html => "text/html; charset=utf-8",
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Junit => "application/xml",
        Format::Terminal => {
            return Err(Problem::bad_request(
                "format: one of json, sarif, html, markdown, junit",
            ))
        }
    };
    let scan = scan_or_404(&state, &id).await?;
    let Some(body) = state.store.report(&id).await? else {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!("the scan has no report ({})", scan.state),
        ));
    };
    let report: tollgate_core::Report = serde_json::from_str(&body).map_err(|e| {
        tracing::error!(scan = %id, error = %e, "a stored report does not parse");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "the stored report could not be read",
        )
    })?;
    let rules: Vec<&tollgate_core::CheckMeta> = tollgate_scan::registry::all()
        .iter()
        .map(|c| c.meta())
        .collect();
    let opts = tollgate_report::RenderOptions {
        color: false,
        fail_on: None,
        baseline: None,
    };
    let text = tollgate_report::render(format, &report, &rules, &opts).map_err(|e| {
        tracing::error!(scan = %id, error = %e, "rendering a report failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "the report could not be rendered",
        )
    })?;
    let mut r = text.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(r)
}

/// The scan's findings.
#[utoipa::path(get, path = "/api/v1/scans/{id}/findings", tag = "scans", params(("id" = String, Path), PageQuery), security(("api_key" = [])),
    responses((status = 200, body = FindingList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_findings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<PageQuery>,
) -> ApiResult<axum::Json<FindingList>> {
    let scan = scan_or_404(&state, &id).await?;
    let page = q.page()?;
    let rows = state.store.findings(&id, page).await?;
    let (mut items, next_offset) = paginate(rows, page, |r| {
        serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null)
    });
    monitor::annotate_findings(&state, &scan.target_id, &mut items).await?;
    Ok(axum::Json(FindingList { items, next_offset }))
}

// ---- authentication

async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(key) = presented else {
        return Problem::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "an API key is needed: Authorization: Bearer tgk_…",
        )
        .into_response();
    };
    match keys::authenticate(&state.store, key).await {
        Ok(Some((row, role))) => {
            req.extensions_mut().insert(Caller {
                key_id: row.id,
                role,
            });
            next.run(req).await
        }
        Ok(None) => Problem::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "the API key is not valid (unknown or revoked)",
        )
        .into_response(),
        Err(e) => Problem::from(e).into_response(),
    }
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "Not Found", "no such resource")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
        "this resource does not answer that method",
    )
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/metrics", get(metrics))
        .route("/api/v1/keys", get(list_keys).post(create_key))
        .route("/api/v1/keys/{id}", axum::routing::delete(revoke_key))
        .route("/api/v1/targets", get(list_targets).post(create_target))
        .route("/api/v1/targets/{id}", get(get_target))
        .route("/api/v1/scans", get(list_scans).post(create_scan))
        .route("/api/v1/scans/{id}", get(get_scan))
        .route("/api/v1/scans/{id}/cancel", post(cancel_scan))
        .route("/api/v1/scans/{id}/report", get(get_report))
        .route("/api/v1/scans/{id}/findings", get(list_findings))
        .route("/api/v1/scans/{id}/diff", get(monitor::get_diff))
        .route(
            "/api/v1/targets/{id}",
            axum::routing::patch(monitor::patch_target),
        )
        .route("/api/v1/targets/{id}/diffs", get(monitor::list_diffs))
        .route("/api/v1/targets/{id}/triage", get(monitor::list_triage))
        .route(
            "/api/v1/targets/{id}/triage/{fingerprint}",
            axum::routing::put(monitor::put_triage),
        )
        .merge(webhooks::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api)
        .with_state(state)
}

/// The API description (OpenAPI 3.1), generated from the handlers and types above.
#[derive(OpenApi)]
#[openapi(
    info(title = "tollgate server API", description = "Scans as a service: targets, scans, reports, findings, API keys."),
    paths(healthz, readyz, metrics, monitor::get_diff, openapi_json, list_keys, create_key, revoke_key, list_targets, create_target, get_target,
          list_scans, create_scan, get_scan, cancel_scan, get_report, list_findings,
          monitor::patch_target, monitor::list_diffs, monitor::list_triage, monitor::put_triage,
          webhooks::create_webhook, webhooks::list_webhooks, webhooks::get_webhook, webhooks::delete_webhook,
          webhooks::test_webhook, webhooks::list_deliveries),
    components(schemas(Problem, KeyCreate, KeyView, KeyCreated, KeyList, Role, TargetCreate, TargetView, TargetList,
                       ScanCreate, ScanView, ScanList, Progress, FindingList, ScanDiff, DiffFinding,
                       crate::schedule::ScheduleSpec, monitor::TargetPatch, monitor::DiffSummary, monitor::DiffSummaryList,
                       monitor::TriageState, monitor::TriageSet, monitor::TriageView, monitor::TriageList, monitor::SetBy,
                       webhooks::WebhookCreate, webhooks::WebhookView, webhooks::WebhookCreated, webhooks::WebhookList,
                       webhooks::DeliveryView, webhooks::AttemptView, webhooks::DeliveryList)),
    modifiers(&Security),
    tags((name = "health"), (name = "meta"), (name = "keys"), (name = "targets"), (name = "scans"), (name = "webhooks"))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key (tgk_…) from `tollgate serve` or POST /api/v1/keys",
                    ))
                    .build(),
            ),
        );
    }
}
