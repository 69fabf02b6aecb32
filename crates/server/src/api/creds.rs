//! Target identities in the API: accepted on `POST /api/v1/targets` and replaced by
//! `PUT /api/v1/targets/{id}/identities`, sealed before they are stored, shown as
//! names and kinds only.

use super::{vet_submitted, ApiResult, AppState, Body, Caller, Problem, TargetView};
use crate::identities::{self, IdentitiesPut, IdentityInput};
use crate::keys::Role;
use crate::store::{SealedIdentities, TargetRow};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use url::Url;

fn unprocessable(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Unprocessable Entity",
        detail,
    )
}

/// Validates a submitted list for the target at `url` and seals it for `target_id`:
/// `None` for an empty list. Refused (422) when the list is invalid, a login URL is
/// refused by the SSRF guard, or the server has no secret key.
pub(super) async fn prepare(
    state: &AppState,
    url: &Url,
    target_id: &str,
    list: &[IdentityInput],
) -> ApiResult<Option<SealedIdentities>> {
    if list.is_empty() {
        return Ok(None);
    }
    let parsed = identities::validate(list, url)
        .map_err(|why| unprocessable(format!("identities: {why}")))?;
    let Some(key) = &state.secret_key else {
        return Err(unprocessable(
            "identities need a secret key to be stored encrypted: start the server with \
             --secret-key-file PATH (64 hex characters, made with `openssl rand -hex 32`) \
             or TOLLGATE_SECRET_KEY",
        ));
    };
    for id in &parsed {
        if let Some(login) = &id.login {
            vet_submitted(
                &state.guard,
                &format!("identity `{}`: login.url", id.name),
                login.url.as_str(),
            )
            .await?;
        }
    }
    Ok(Some(identities::seal(key, target_id, list)))
}

/// Stores (or removes) a target's sealed identities.
pub(super) async fn store(
    state: &AppState,
    target_id: &str,
    sealed: Option<&SealedIdentities>,
) -> ApiResult<()> {
    state.store.set_identities(target_id, sealed).await?;
    Ok(())
}

/// Views of these targets, with their identities' names and kinds.
pub(super) async fn views(state: &AppState, rows: Vec<TargetRow>) -> ApiResult<Vec<TargetView>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let summaries = state.store.identity_summaries(&refs).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let found = summaries.iter().find(|(id, _)| *id == r.id);
            let mut view = TargetView::from(r);
            if let Some((_, summary)) = found {
                view.identities = identities::parse_summary(summary);
            }
            view
        })
        .collect())
}

/// One target's view, with its identities' names and kinds.
pub(super) async fn view(state: &AppState, row: TargetRow) -> ApiResult<TargetView> {
    views(state, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Problem::not_found("target"))
}

/// Replaces a target's identities (operator). The whole list is given; an empty list
/// removes them. Secrets are stored encrypted and never returned.
#[utoipa::path(put, path = "/api/v1/targets/{id}/identities", tag = "targets", params(("id" = String, Path)),
    request_body = IdentitiesPut, security(("api_key" = [])),
    responses((status = 200, body = TargetView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "the body is not JSON (Content-Type: application/json)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid identities, a refused login URL, or no secret key", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn put_identities(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Body(body): Body<IdentitiesPut>,
) -> ApiResult<axum::Json<TargetView>> {
    caller.need(Role::Operator)?;
    let target = state
        .store
        .target(&id)
        .await?
        .ok_or_else(|| Problem::not_found("target"))?;
    let url = Url::parse(&target.url)
        .map_err(|_| unprocessable("the target's stored URL does not parse"))?;
    let sealed = prepare(&state, &url, &target.id, &body.identities).await?;
    store(&state, &target.id, sealed.as_ref()).await?;
    tracing::info!(target = %target.id, identities = body.identities.len(), by = %caller.key_id, "target identities replaced");
    Ok(axum::Json(view(&state, target).await?))
}

/// Serde's messages quote the offending value (`invalid type: string "…", expected
/// struct NamedSecret`): a secret sent in the wrong place would be echoed back in the
/// problem document. The quoted text is dropped; the field path and the expected type
/// stay.
pub(super) fn scrub(text: &str) -> String {
    const OPEN: &str = "string \"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        out.push_str("a string");
        let after = &rest[i + OPEN.len()..];
        let mut end = after.len();
        let mut escaped = false;
        for (j, c) in after.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = j + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn quoted_values_leave_deserialisation_errors() {
        let e = r#"identities[0].header: invalid type: string "tok-\"x\"-secret", expected struct NamedSecret at line 1 column 60"#;
        assert_eq!(
            scrub(e),
            "identities[0].header: invalid type: a string, expected struct NamedSecret at line 1 column 60"
        );
        assert_eq!(scrub("missing field `url`"), "missing field `url`");
        assert_eq!(scrub("a string \"unterminated"), "a a string");
    }
}
