//! AUTH-003: the bearer token accepted from the query string.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{accepted, primary_jwt, probe_endpoint};
use crate::engine::ProbeRequest;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};

pub struct TokenInQuery;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-003"),
    name: "Bearer token accepted in the query string",
    category: Category::Authentication,
    severity: Severity::Medium,
    cwe: 598,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 11,
    docs: CheckDocs {
        what: "Takes a route that refuses anonymous callers and accepts the primary identity's token in the `Authorization` header, then sends the same token without the header as a query parameter (`access_token`, `token`, `api_key`, `auth`, `jwt`, stopping at the first that works). The route is reported when the query-string request gets the same answer as the header request. Needs a JWT identity (tollgate reads the token through the engine only for this and the JWT checks); the token is sent to the target only, and appears as `$TOKEN` in every output. A control request with an invalid bearer token must be refused first.",
        why: "Query strings are written to web-server and proxy access logs, browser history and `Referer` headers, and cached by intermediaries: a token that works there leaks to everyone who reads those logs, long after the request.",
        evidence: "GET /api/v2/me/?access_token=$TOKEN without an Authorization header → 200 with alice's profile, the same answer as with the header; anonymous → 401.",
        remediation: "Accept bearer tokens from the `Authorization` header only (RFC 6750 §2.3 discourages the URI query parameter); if a download link must carry a credential, use a short-lived, single-use, narrowly scoped signed URL instead of the session token.",
        remediation_django: Some("Remove fallbacks such as `request.GET.get(\"access_token\")` from the DRF authentication class's `authenticate()`; read only `request.META[\"HTTP_AUTHORIZATION\"]`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://www.rfc-editor.org/rfc/rfc6750#section-2.3",
            "https://cwe.mitre.org/data/definitions/598.html",
        ],
    },
};

/// Query parameters APIs read tokens from, most common first.
pub const PARAMS: &[&str] = &["access_token", "token", "api_key", "auth", "jwt"];

#[async_trait]
impl Check for TokenInQuery {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (name, token) = primary_jwt(ctx)?;
        let probe = probe_endpoint(ctx, &name).await?;
        for param in PARAMS {
            let mut url = probe.url.clone();
            url.query_pairs_mut().append_pair(param, token.expose());
            let ex = ctx.send(ProbeRequest::get(url)).await?;
            if !accepted(&probe.authed, &ex) {
                continue;
            }
            let mut f = ctx
                .finding(&ex, "Bearer token accepted in the query string", None)
                .with_confidence(Confidence::Confirmed)
                .with_fact(format!(
                    "`?{param}=$TOKEN` without an Authorization header got the same answer ({}) as identity `{name}` with the header",
                    ex.response.status
                ))
                .with_fact(format!(
                    "anonymous GET of the same route answered {}",
                    probe.anon.response.status
                ));
            f.location =
                Location::http_param("GET", ctx.redactor().redact(probe.url.as_str()), *param);
            return Ok(vec![f.with_key(param)]);
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{jwt_identity, seed_routes, JWT_SECRET};
    use crate::testkit::{serve, Fixture, RawResponse};

    async fn run(query_bug: bool) -> (Vec<Finding>, String) {
        let token = jwt_identity(JWT_SECRET, serde_json::json!({"sub": "2"}));
        let good = format!("Bearer {token}");
        let in_query = format!("access_token={token}");
        let addr = serve(move |req| {
            let ok = req.header("authorization") == Some(good.as_str())
                || (query_bug && req.path.ends_with(&in_query));
            match (req.path.starts_with("/api/me/"), ok) {
                (true, true) => RawResponse::new(200, r#"{"user":"alice"}"#),
                (true, false) => RawResponse::new(401, r#"{"detail":"no"}"#),
                _ => RawResponse::new(404, "{}"),
            }
        })
        .await;
        let (engine, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(crate::engine::Identity::bearer(
                "alice",
                tollgate_core::Secret::new(token.clone()),
            ))
            .route("/api/me/")
            .ctx(&META);
        seed_routes(&engine, &ctx).await;
        (TokenInQuery.run(&ctx).await.expect("run"), token)
    }

    #[tokio::test]
    async fn fires_when_access_token_parameter_works() {
        let (f, token) = run(true).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        let json = serde_json::to_string(&f).expect("json");
        assert!(!json.contains(&token), "the token never appears");
        assert!(json.contains("access_token=$TOKEN"), "{json}");
    }

    #[tokio::test]
    async fn silent_when_only_the_header_works() {
        assert!(run(false).await.0.is_empty());
    }
}
