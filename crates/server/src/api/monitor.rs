//! Monitoring endpoints: changing a target and its schedule, stored diffs, finding
//! triage (see `crate::schedule` and `crate::monitor` for what they do).

use super::{
    paginate, scan_or_404, stored_report, time, vet_submitted, ApiResult, AppState, Body, Caller,
    PageQuery, Params, Problem, TargetView,
};
use crate::diff::ScanDiff;
use crate::keys::Role;
use crate::monitor::{self as triage, ACCEPTED_RISK, FALSE_POSITIVE, OPEN};
use crate::schedule::{Schedule, ScheduleSpec};
use crate::store::{now_ms, DiffSummaryRow, TargetRow, TriageRow};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashMap;
use tollgate_scan::Profile;
use utoipa::{IntoParams, ToSchema};

fn unprocessable(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Unprocessable Entity",
        detail,
    )
}

fn conflict(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::CONFLICT, "Conflict", detail)
}

/// A field that may be absent (unchanged), `null` (removed) or a value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

// ---- targets and schedules

/// Changes to a target: absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetPatch {
    pub name: Option<String>,
    /// The API's OpenAPI document (vetted by the SSRF guard); `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub spec_url: Option<Option<String>>,
    /// quick, standard or deep.
    pub profile: Option<String>,
    /// Whether intrusive checks may run; changing it needs the admin role.
    pub allow_intrusive: Option<bool>,
    /// `{"every": "6h"}` or `{"cron": "0 3 * * *"}` (UTC); `null` removes the schedule.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ScheduleSpec>)]
    pub schedule: Option<Option<ScheduleSpec>>,
}

/// Sets (or with `None` removes) a target's schedule; returns whether it changed. The
/// next slot is recomputed only when the schedule changes, so re-sending the same
/// schedule does not postpone it.
pub(super) fn apply_schedule(t: &mut TargetRow, spec: Option<&ScheduleSpec>) -> ApiResult<bool> {
    let Some(spec) = spec else {
        let had = t.schedule.is_some() || t.next_run_at.is_some();
        t.schedule = None;
        t.next_run_at = None;
        return Ok(had);
    };
    let s = Schedule::from_spec(spec).map_err(|why| unprocessable(format!("schedule: {why}")))?;
    let canonical = s.canonical();
    if t.schedule.as_deref() != Some(canonical.as_str()) || t.next_run_at.is_none() {
        let next = s
            .next_after(now_ms())
            .ok_or_else(|| unprocessable("schedule: it never fires"))?;
        t.schedule = Some(canonical);
        t.next_run_at = Some(next);
        return Ok(true);
    }
    Ok(false)
}

/// The API form of a stored schedule.
pub(super) fn schedule_view(stored: Option<&str>) -> Option<ScheduleSpec> {
    stored
        .and_then(|s| Schedule::parse_canonical(s).ok())
        .map(|s| s.spec())
}

/// Changes a target (operator; changing `allow_intrusive` needs admin): name, profile,
/// spec URL (vetted by the SSRF guard), schedule.
#[utoipa::path(patch, path = "/api/v1/targets/{id}", tag = "targets", params(("id" = String, Path)), request_body = TargetPatch, security(("api_key" = [])),
    responses((status = 200, body = TargetView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "the body is not JSON (Content-Type: application/json)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "an invalid schedule or name, or a spec URL the SSRF guard refuses", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn patch_target(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Body(body): Body<TargetPatch>,
) -> ApiResult<axum::Json<TargetView>> {
    caller.need(Role::Operator)?;
    let mut t = state
        .store
        .target(&id)
        .await?
        .ok_or_else(|| Problem::not_found("target"))?;
    if let Some(allow) = body.allow_intrusive.filter(|a| *a != t.allow_intrusive) {
        caller.need(Role::Admin).map_err(|_| {
            Problem::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "changing whether intrusive checks are allowed on a target needs the admin role",
            )
        })?;
        t.allow_intrusive = allow;
    }
    if let Some(name) = &body.name {
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(unprocessable("name must have 1 to 200 characters"));
        }
        t.name = name.to_string();
    }
    if let Some(profile) = &body.profile {
        let p: Profile = profile
            .parse()
            .map_err(|e: String| Problem::bad_request(format!("profile: {e}")))?;
        t.profile = p.as_str().to_string();
    }
    if let Some(spec_url) = &body.spec_url {
        t.spec_url = match spec_url {
            Some(s) => Some(
                vet_submitted(&state.guard, "spec_url", s)
                    .await?
                    .to_string(),
            ),
            None => None,
        };
    }
    let schedule_changed = match &body.schedule {
        Some(schedule) => apply_schedule(&mut t, schedule.as_ref())?,
        None => false,
    };
    if !state.store.update_target(&t, schedule_changed).await? {
        return Err(Problem::not_found("target"));
    }
    tracing::info!(target = %t.id, by = %caller.key_id, "target changed");
    Ok(axum::Json(super::creds::view(&state, t).await?))
}

// ---- diffs

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// Compare with this completed scan of the same target instead (computed on
    /// request, not stored).
    pub against: Option<String>,
}

fn json_text(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// What is new, fixed and unchanged against the target's previous completed scan (the
/// diff stored when the scan completed), or against `?against=` another completed scan
/// of the same target; findings compared by fingerprint, triaged ones neither new nor
/// fixed.
#[utoipa::path(get, path = "/api/v1/scans/{id}/diff", tag = "scans", params(("id" = String, Path), DiffQuery), security(("api_key" = [])),
    responses((status = 200, body = ScanDiff),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such scan (or no such scan to compare against)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the scan, or the one to compare against, has no completed report", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "the scan to compare against belongs to another target", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_diff(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<DiffQuery>,
) -> ApiResult<Response> {
    let scan = scan_or_404(&state, &id).await?;
    if let Some(other) = q.against.as_deref() {
        let base = state
            .store
            .scan(other)
            .await?
            .ok_or_else(|| Problem::not_found("scan to compare against"))?;
        if base.target_id != scan.target_id {
            return Err(unprocessable(
                "against: that scan belongs to another target",
            ));
        }
        if base.state != "completed" {
            return Err(conflict(format!(
                "against: that scan is not completed ({})",
                base.state
            )));
        }
        let current = stored_report(&state, &scan).await?;
        let before = stored_report(&state, &base).await?;
        let d = triage::diff(&scan.id, &current, Some((&base.id, &before)));
        return Ok(axum::Json(d).into_response());
    }
    if let Some(body) = state.store.stored_diff(&id).await? {
        return Ok(json_text(body));
    }
    // Not stored: a cancelled scan (its partial report), or one stored before diffs
    // were. Computed the same way.
    let current = stored_report(&state, &scan).await?;
    let previous = match state.store.previous_completed(&scan).await? {
        Some(p) => Some((p.id.clone(), stored_report(&state, &p).await?)),
        None => None,
    };
    let d = triage::diff(
        &scan.id,
        &current,
        previous.as_ref().map(|(id, r)| (id.as_str(), r)),
    );
    Ok(axum::Json(d).into_response())
}

/// A stored diff in a list: the counts and how score and grade moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffSummary {
    pub scan_id: String,
    /// `null` for the target's first completed scan.
    pub previous_scan_id: Option<String>,
    pub new_count: i64,
    pub fixed_count: i64,
    pub unchanged_count: i64,
    pub score_before: Option<i64>,
    pub score_after: i64,
    pub grade_before: Option<String>,
    pub grade_after: String,
    pub created_at: String,
}

impl From<DiffSummaryRow> for DiffSummary {
    fn from(d: DiffSummaryRow) -> DiffSummary {
        DiffSummary {
            scan_id: d.scan_id,
            previous_scan_id: d.previous_scan_id,
            new_count: d.new_count,
            fixed_count: d.fixed_count,
            unchanged_count: d.unchanged_count,
            score_before: d.score_before,
            score_after: d.score_after,
            grade_before: d.grade_before,
            grade_after: d.grade_after,
            created_at: time(d.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiffSummaryList {
    pub items: Vec<DiffSummary>,
    pub next_offset: Option<i64>,
}

async fn target_or_404(state: &AppState, id: &str) -> ApiResult<TargetRow> {
    state
        .store
        .target(id)
        .await?
        .ok_or_else(|| Problem::not_found("target"))
}

/// The target's stored diffs, newest first (one per completed scan).
#[utoipa::path(get, path = "/api/v1/targets/{id}/diffs", tag = "targets", params(("id" = String, Path), PageQuery), security(("api_key" = [])),
    responses((status = 200, body = DiffSummaryList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_diffs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<PageQuery>,
) -> ApiResult<axum::Json<DiffSummaryList>> {
    target_or_404(&state, &id).await?;
    let page = q.page()?;
    let rows = state.store.list_diffs(&id, page).await?;
    let (items, next_offset) = paginate(rows, page, DiffSummary::from);
    Ok(axum::Json(DiffSummaryList { items, next_offset }))
}

// ---- triage

/// A finding's triage state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriageState {
    /// Reported normally.
    Open,
    /// Known and accepted (a reason, optionally until a date).
    AcceptedRisk,
    /// Not a real problem (a reason).
    FalsePositive,
}

impl TriageState {
    fn as_str(self) -> &'static str {
        match self {
            TriageState::Open => OPEN,
            TriageState::AcceptedRisk => ACCEPTED_RISK,
            TriageState::FalsePositive => FALSE_POSITIVE,
        }
    }
}

/// A triage decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageSet {
    pub state: TriageState,
    /// Why; required for accepted_risk and false_positive (up to 1000 characters).
    pub reason: Option<String>,
    /// accepted_risk only: the day (YYYY-MM-DD, UTC, in the future) from which the
    /// finding is open again.
    pub expires: Option<String>,
}

/// Who set a triage entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct SetBy {
    pub key_id: String,
    pub key_name: String,
}

/// A finding's triage on a target.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriageView {
    pub fingerprint: String,
    /// open, accepted_risk or false_positive, as set.
    pub state: String,
    /// The state that applies now: an accepted risk past its expiry is `open`.
    pub effective_state: String,
    pub reason: Option<String>,
    /// YYYY-MM-DD.
    pub expires: Option<String>,
    pub set_by: SetBy,
    pub updated_at: String,
}

impl TriageView {
    fn new(t: TriageRow, now: i64) -> TriageView {
        TriageView {
            effective_state: triage::effective_state(&t, now).to_string(),
            fingerprint: t.fingerprint,
            state: t.state,
            reason: t.reason,
            expires: t.expires_at.map(triage::date_of),
            set_by: SetBy {
                key_id: t.set_by_key_id,
                key_name: t.set_by_key_name,
            },
            updated_at: time(t.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriageList {
    pub items: Vec<TriageView>,
    pub next_offset: Option<i64>,
}

/// The reason and expiry a decision stores, or why it is refused.
fn vet_triage(body: &TriageSet, now: i64) -> ApiResult<(Option<String>, Option<i64>)> {
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(unprocessable("reason: at most 1000 characters"));
    }
    if body.state != TriageState::Open && reason.is_none() {
        return Err(unprocessable(format!(
            "reason is required for {}",
            body.state.as_str()
        )));
    }
    let expires_at = match body.expires.as_deref() {
        None => None,
        Some(_) if body.state != TriageState::AcceptedRisk => {
            return Err(unprocessable("expires: only an accepted_risk expires"));
        }
        Some(date) => {
            let day =
                triage::day_start(date).map_err(|e| unprocessable(format!("expires: {e}")))?;
            if day <= triage::today_start(now) {
                return Err(unprocessable(format!(
                    "expires: {date} is not in the future"
                )));
            }
            Some(day)
        }
    };
    Ok((reason, expires_at))
}

/// Sets a finding's triage on a target (operator). Later scans of the target respect
/// it: accepted risks and false positives are suppressed in their reports (kept in
/// `suppressed` with the reason), not scored, never new in a diff.
#[utoipa::path(put, path = "/api/v1/targets/{id}/triage/{fingerprint}", tag = "targets",
    params(("id" = String, Path), ("fingerprint" = String, Path, description = "the finding's fingerprint, as in its reports")),
    request_body = TriageSet, security(("api_key" = [])),
    responses((status = 200, body = TriageView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "no such target, or no finding with this fingerprint in its scans", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "the body is not JSON (Content-Type: application/json)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "a missing reason, a bad or past expiry date", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn put_triage(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, fingerprint)): Path<(String, String)>,
    Body(body): Body<TriageSet>,
) -> ApiResult<axum::Json<TriageView>> {
    caller.need(Role::Operator)?;
    target_or_404(&state, &id).await?;
    let now = now_ms();
    let (reason, expires_at) = vet_triage(&body, now)?;
    if fingerprint.len() > 200 || !state.store.target_has_finding(&id, &fingerprint).await? {
        return Err(Problem::not_found(
            "finding with this fingerprint in the target's scans",
        ));
    }
    let key_name = state
        .store
        .key_name(&caller.key_id)
        .await?
        .unwrap_or_default();
    let row = TriageRow {
        target_id: id,
        fingerprint,
        state: body.state.as_str().to_string(),
        reason,
        expires_at,
        set_by_key_id: caller.key_id.clone(),
        set_by_key_name: key_name,
        updated_at: now,
    };
    state.store.upsert_triage(&row).await?;
    tracing::info!(target = %row.target_id, fingerprint = %row.fingerprint, state = %row.state, by = %caller.key_id, "finding triaged");
    Ok(axum::Json(TriageView::new(row, now)))
}

/// The target's triage entries, most recently changed first.
#[utoipa::path(get, path = "/api/v1/targets/{id}/triage", tag = "targets", params(("id" = String, Path), PageQuery), security(("api_key" = [])),
    responses((status = 200, body = TriageList),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_triage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Params(q): Params<PageQuery>,
) -> ApiResult<axum::Json<TriageList>> {
    target_or_404(&state, &id).await?;
    let page = q.page()?;
    let rows = state.store.list_triage(&id, page).await?;
    let now = now_ms();
    let (items, next_offset) = paginate(rows, page, |r| TriageView::new(r, now));
    Ok(axum::Json(TriageList { items, next_offset }))
}

/// Adds `triage_state` (what applies now) to each finding of a scan of `target_id`.
pub(super) async fn annotate_findings(
    state: &AppState,
    target_id: &str,
    items: &mut [serde_json::Value],
) -> ApiResult<()> {
    let now = now_ms();
    let rows = state.store.all_triage(target_id).await?;
    let states: HashMap<&str, &str> = rows
        .iter()
        .map(|r| (r.fingerprint.as_str(), triage::effective_state(r, now)))
        .collect();
    for item in items {
        if let Some(obj) = item.as_object_mut() {
            let s = obj
                .get("fingerprint")
                .and_then(serde_json::Value::as_str)
                .and_then(|fp| states.get(fp).copied())
                .unwrap_or(OPEN);
            obj.insert("triage_state".into(), s.into());
        }
    }
    Ok(())
}
