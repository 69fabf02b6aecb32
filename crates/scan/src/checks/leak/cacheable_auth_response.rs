//! LEAK-001: authenticated responses that shared caches may store.

use crate::check::{Check, CheckCtx, CheckError, Phase};
use crate::checks::kit::api_surface;
use crate::checks::kit::common::list_contains;
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct CacheableAuthResponse;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("LEAK-001"),
    name: "Authenticated response cacheable by shared caches",
    category: Category::DataExposure,
    severity: Severity::Low,
    cwe: 524,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 4,
    docs: CheckDocs {
        what: "Responses to authenticated requests whose content depends on the credential (the anonymous answer to the same URL differs) but that carry neither `Cache-Control: no-store` or `private` nor a `Vary` that covers the header the credential came in (`Vary: Authorization` for a bearer token, `Vary: Cookie` for a cookie session, the header's own name for an API-key header). Static assets (stylesheets, scripts, images, fonts) are never candidates. Runs after the other checks, over the authenticated exchanges they recorded, and sends at most four anonymous GETs for comparison; each URL that fails is reported.",
        why: "A CDN, reverse proxy or corporate cache may store one user's response and serve it to the next caller of the same URL: profiles, orders, and tokens the API hands out. Browsers also keep such responses on disk after logout.",
        evidence: "GET /api/v2/me/ as alice → 200 without Cache-Control; the anonymous GET → 401.",
        remediation: "Send `Cache-Control: no-store` on every response that depends on the caller's credentials, or at least `private` with `Vary: Authorization`.",
        remediation_django: Some("Decorate authenticated views with `@never_cache` (or `django.views.decorators.cache.cache_control(no_store=True, private=True)`), or add a small middleware that sets `Cache-Control: no-store` and `patch_vary_headers(response, [\"Authorization\"])` when `request.user.is_authenticated`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/524.html",
            "https://www.rfc-editor.org/rfc/rfc9111#section-3.5",
        ],
    },
};

/// The request header that carried the identity's credential: `authorization` for a
/// bearer token, `cookie` for a session cookie, or a custom header such as
/// `x-api-key` (recorded with the credential replaced by the placeholder).
fn credential_header(ex: &Exchange) -> String {
    ex.request
        .headers
        .iter()
        .rev()
        .find(|(_, v)| v.contains(tollgate_core::redact::PLACEHOLDER))
        .map_or_else(
            || "authorization".to_string(),
            |(k, _)| k.to_ascii_lowercase(),
        )
}

/// How bad the caching headers are, or `None` when caches are told not to share:
/// `no-store`, `private`, or a `Vary` that covers the header the credential came in
/// (`Vary: Cookie` for a cookie session, `Vary: Authorization` for a bearer token).
fn cache_problem(ex: &Exchange) -> Option<(Severity, String)> {
    let cc = ex
        .response
        .headers_all("cache-control")
        .collect::<Vec<_>>()
        .join(",");
    let header = credential_header(ex);
    let vary_auth = ex
        .response
        .headers_all("vary")
        .any(|v| list_contains(v, &header) || v.trim() == "*");
    let directive = |d: &str| {
        cc.split(',').any(|x| {
            x.trim()
                .split('=')
                .next()
                .is_some_and(|k| k.trim().eq_ignore_ascii_case(d))
        })
    };
    if directive("no-store") || directive("private") || vary_auth {
        return None;
    }
    if directive("public") || directive("s-maxage") {
        return Some((
            Severity::Medium,
            format!("`Cache-Control: {cc}` explicitly allows shared caching"),
        ));
    }
    let shown = if cc.is_empty() {
        "no `Cache-Control`".to_string()
    } else {
        format!("`Cache-Control: {cc}`")
    };
    let vary = if header == "cookie" {
        "Cookie".to_string()
    } else if header == "authorization" {
        "Authorization".to_string()
    } else {
        header
    };
    Some((
        Severity::Low,
        format!("{shown}, no `no-store`/`private`, no `Vary: {vary}`"),
    ))
}

/// Whether the anonymous answer differs from the authenticated one.
/// Whether the transcript holds an anonymous GET of the same URL with the same status
/// and body as `authed` (discovery fetches each route both ways).
fn answered_same_anonymously(transcript: &[Arc<Exchange>], authed: &Exchange) -> bool {
    transcript.iter().any(|a| {
        a.request.identity.is_none()
            && a.request.method == HttpMethod::Get
            && a.request.url == authed.request.url
            && !a
                .request
                .headers
                .iter()
                .any(|(k, _)| k == "authorization" || k == "cookie")
            && !depends_on_auth(authed, a)
    })
}

fn depends_on_auth(authed: &Exchange, anon: &Exchange) -> bool {
    anon.response.status != authed.response.status || anon.response.body != authed.response.body
}

#[async_trait]
impl Check for CacheableAuthResponse {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn phase(&self) -> Phase {
        Phase::Analysis
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        if ctx.target().primary_identity.is_none() {
            return Err(CheckError::Skipped(
                "needs an identity (--token-file or TOLLGATE_TOKEN)".into(),
            ));
        }
        let transcript = ctx.transcript();
        let mut seen = std::collections::HashSet::new();
        let candidates: Vec<Arc<Exchange>> = transcript
            .iter()
            .filter(|e| e.request.identity.is_some() && e.request.method == HttpMethod::Get)
            .filter(|e| {
                e.response.is_success()
                    && ctx.in_scope(&e.request.url)
                    && !api_surface::is_static_asset(e)
                    && cache_problem(e).is_some()
            })
            // A URL already answered the same to an anonymous caller is public content:
            // no comparison request is spent on it.
            .filter(|e| !answered_same_anonymously(&transcript, e))
            // One anonymous comparison per URL: the budget goes to distinct routes.
            .filter(|e| seen.insert(e.request.url.as_str().to_string()))
            .cloned()
            .collect();
        let mut findings = Vec::new();
        for authed in candidates.iter().take(META.budget as usize) {
            let anon = ctx
                .send(ProbeRequest::get(authed.request.url.clone()))
                .await?;
            if let (true, Some((severity, fact))) =
                (depends_on_auth(authed, &anon), cache_problem(authed))
            {
                let f = ctx
                    .finding(
                        authed,
                        "Authenticated response may be stored by shared caches",
                        None,
                    )
                    .with_severity(severity)
                    .with_confidence(Confidence::Firm)
                    .with_fact(fact)
                    .with_fact(format!(
                        "anonymous request to the same URL answered {}",
                        anon.response.status
                    ));
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{as_identity, exchange, serve, Fixture, RawResponse};
    use tollgate_core::Secret;

    async fn run(authed_headers: &'static [(&'static str, &'static str)]) -> Vec<Finding> {
        run_at("/api/me/", authed_headers, false).await
    }

    /// One authenticated exchange at `path` (as a bearer or a cookie session) and a
    /// server that answers only authenticated callers, except for static files.
    async fn run_at(
        path: &str,
        authed_headers: &'static [(&'static str, &'static str)],
        cookie: bool,
    ) -> Vec<Finding> {
        let addr = serve(|req| {
            if req.path.starts_with("/static/") {
                return RawResponse::new(200, "body{}").header("content-type", "text/css");
            }
            match req.header("authorization").or(req.header("cookie")) {
                Some(_) => RawResponse::new(200, "{\"me\":\"alice\"}"),
                None => RawResponse::new(401, "{\"detail\":\"no\"}"),
            }
        })
        .await;
        let url = format!("http://{addr}{path}");
        let mut authed = as_identity(
            exchange(
                HttpMethod::Get,
                &url,
                200,
                authed_headers,
                "{\"me\":\"alice\"}",
            ),
            "alice",
        );
        if cookie {
            authed.request.headers = vec![("cookie".into(), "sessionid=$TOKEN".into())];
        }
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-0123456789abcdef"),
            ))
            .recorded(authed)
            .ctx(&META);
        CacheableAuthResponse.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn vary_must_cover_the_header_the_credential_came_in() {
        // A cookie session: `Vary: Cookie` tells caches to keep answers apart.
        assert!(run_at("/api/me/", &[("vary", "Accept, Cookie")], true)
            .await
            .is_empty());
        // `Vary: Cookie` says nothing about a bearer token.
        let f = run_at("/api/me/", &[("vary", "Cookie")], false).await;
        assert_eq!(f.len(), 1, "{f:?}");
        // `Vary: Authorization` says nothing about a cookie session.
        let f = run_at("/api/me/", &[("vary", "Authorization")], true).await;
        assert_eq!(f.len(), 1, "{f:?}");
        let all = serde_json::to_string(&f).expect("json");
        assert!(all.contains("no `Vary: Cookie`"), "{all}");
    }

    #[tokio::test]
    async fn a_public_static_file_is_not_an_authenticated_response() {
        let f = run_at(
            "/static/site.css",
            &[
                ("content-type", "text/css"),
                ("cache-control", "public, max-age=86400"),
            ],
            false,
        )
        .await;
        assert!(f.is_empty(), "{f:?}");
    }

    #[tokio::test]
    async fn fires_on_uncached_authenticated_response() {
        let f = run(&[("content-type", "application/json")]).await;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        let f = run(&[("cache-control", "public, max-age=600")]).await;
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[tokio::test]
    async fn silent_with_no_store_or_vary() {
        assert!(run(&[("cache-control", "no-store")]).await.is_empty());
        assert!(run(&[
            ("cache-control", "max-age=0"),
            ("vary", "Accept, Authorization")
        ])
        .await
        .is_empty());
    }

    #[tokio::test]
    async fn public_pages_answered_the_same_anonymously_spend_no_request() {
        // Four public pages recorded both ways (as discovery does), then the profile:
        // the comparison budget (4) must reach the profile.
        let addr = serve(|req| match req.header("authorization") {
            Some(_) => RawResponse::new(200, "{\"me\":\"alice\"}"),
            None => RawResponse::new(401, "{\"detail\":\"no\"}"),
        })
        .await;
        let mut fixture = Fixture::new(&format!("http://{addr}/")).identity(Identity::bearer(
            "alice",
            Secret::new("tok-0123456789abcdef"),
        ));
        for page in ["a", "b", "c", "d"] {
            let url = format!("http://{addr}/pages/{page}");
            let ct = [("content-type", "application/json")];
            fixture = fixture
                .recorded(exchange(HttpMethod::Get, &url, 200, &ct, "{\"page\":1}"))
                .recorded(as_identity(
                    exchange(HttpMethod::Get, &url, 200, &ct, "{\"page\":1}"),
                    "alice",
                ));
        }
        let me = format!("http://{addr}/api/me");
        let (_e, ctx) = fixture
            .recorded(as_identity(
                exchange(HttpMethod::Get, &me, 200, &[], "{\"me\":\"alice\"}"),
                "alice",
            ))
            .ctx(&META);
        let f = CacheableAuthResponse.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(ctx.requests_made(), 1, "only the profile is compared");
    }

    #[tokio::test]
    async fn skipped_without_identity() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").ctx(&META);
        assert!(matches!(
            CacheableAuthResponse.run(&ctx).await,
            Err(CheckError::Skipped(_))
        ));
    }
}
