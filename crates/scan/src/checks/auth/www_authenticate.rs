//! AUTH-004: a 401 without a (well-formed) `WWW-Authenticate` challenge.

use crate::check::{Check, CheckCtx, CheckError, Phase};
use crate::checks::kit::token_probes::{answer, sibling_versions};
use crate::engine::{Auth, Exchange};
use async_trait::async_trait;
use std::collections::BTreeSet;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct WwwAuthenticate;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-004"),
    name: "401 without a WWW-Authenticate challenge",
    category: Category::Authentication,
    severity: Severity::Info,
    cwe: 287,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 16,
    docs: CheckDocs {
        what: "401 Unauthorized answers from the target with no `WWW-Authenticate` header, or one that does not start with an authentication scheme (`Bearer`, `Basic`, …). Runs after the probing checks over every 401 they recorded, and asks the same paths under sibling API versions (`/api/v1/` beside `/api/v2/`) anonymously itself. Each route is reported once.",
        why: "RFC 9110 requires the challenge on every 401: clients and gateways use it to learn how to authenticate and whether a token expired (`error=\"invalid_token\"`). A route that omits it usually bypasses the framework's authentication layer, which is where weaker hand-written checks live.",
        evidence: "GET /api/v1/orders/ → 401 `{\"error\":\"unauthorized\"}` with no `WWW-Authenticate` header (the /api/v2 routes send `Bearer realm=\"api\"`).",
        remediation: "Send `WWW-Authenticate: Bearer realm=\"…\"` (with `error=\"invalid_token\"` when a token was refused) on every 401, from the same authentication layer on every route; answer 403 when the caller is authenticated but not allowed.",
        remediation_django: Some("Let DRF produce 401s: an authentication class with `authenticate_header()` (DRF's token and JWT classes have it) makes DRF add the challenge; plain Django views returning `JsonResponse(status=401)` should set `response[\"WWW-Authenticate\"] = 'Bearer realm=\"api\"'` or move behind DRF."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1",
            "https://www.rfc-editor.org/rfc/rfc6750#section-3",
            "https://cwe.mitre.org/data/definitions/287.html",
        ],
    },
};

/// What is wrong with a 401's challenge, if anything.
fn problem(ex: &Exchange) -> Option<String> {
    if ex.response.status != 401 {
        return None;
    }
    let values: Vec<&str> = ex.response.headers_all("www-authenticate").collect();
    if values.is_empty() {
        return Some("401 without a `WWW-Authenticate` header".into());
    }
    let bad = values.iter().find(|v| !well_formed(v))?;
    Some(format!(
        "401 with a malformed challenge `WWW-Authenticate: {bad}`"
    ))
}

/// `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`: at least a scheme token first.
fn well_formed(value: &str) -> bool {
    let scheme = value.trim().split([' ', ',']).next().unwrap_or("");
    !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+.^_`|~-".contains(&b))
}

#[async_trait]
impl Check for WwwAuthenticate {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn phase(&self) -> Phase {
        Phase::Analysis
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        for url in sibling_versions(&ctx.target().routes) {
            answer(ctx, &url, Auth::Anonymous).await?;
        }
        let mut seen = BTreeSet::new();
        let mut findings = Vec::new();
        let candidates: Vec<Arc<Exchange>> = ctx
            .transcript()
            .into_iter()
            .filter(|e| ctx.in_scope(&e.request.url))
            .collect();
        for ex in candidates {
            let Some(what) = problem(&ex) else { continue };
            if !seen.insert(ex.request.url.path().to_string()) {
                continue;
            }
            findings.push(
                ctx.finding(
                    &ex,
                    "401 answer without a valid WWW-Authenticate challenge",
                    None,
                )
                .with_confidence(Confidence::Confirmed)
                .with_fact(what),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    async fn run(challenge: Option<&'static str>) -> Vec<Finding> {
        let addr = serve(move |req| match (req.path.as_str(), challenge) {
            ("/api/v1/orders/", None) => RawResponse::new(401, r#"{"error":"unauthorized"}"#),
            ("/api/v1/orders/" | "/api/v2/orders/", Some(c)) => {
                RawResponse::new(401, "{}").header("www-authenticate", c)
            }
            ("/api/v2/orders/", None) => {
                RawResponse::new(401, "{}").header("www-authenticate", "Bearer realm=\"api\"")
            }
            _ => RawResponse::new(404, "{}"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/v2/orders/")
            .ctx(&META);
        WwwAuthenticate.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_on_legacy_401_without_challenge() {
        let f = run(None).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].location.to_string().contains("/api/v1/orders/"));
    }

    #[tokio::test]
    async fn fires_on_malformed_challenge() {
        let f = run(Some("=\"broken\"")).await;
        assert!(!f.is_empty());
        assert!(f[0].evidence.facts[0].contains("malformed"));
    }

    #[tokio::test]
    async fn silent_with_challenges_everywhere() {
        assert!(run(Some("Bearer realm=\"api\", error=\"invalid_token\""))
            .await
            .is_empty());
    }
}
