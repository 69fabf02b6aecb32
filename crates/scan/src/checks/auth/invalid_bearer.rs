//! AUTH-002: an invalid, garbage or empty bearer token accepted.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    answer, bearer, garbage_bearer, is_denied, sibling_versions,
};
use crate::engine::{Auth, Exchange, ProbeRequest};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct InvalidBearerAccepted;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-002"),
    name: "Invalid bearer token accepted",
    category: Category::Authentication,
    severity: Severity::High,
    cwe: 287,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 40,
    docs: CheckDocs {
        what: "Routes that refuse an anonymous GET (401/403) but answer with a success when the request carries `Authorization: Bearer` with a random value tollgate made up, an empty value, or `null`. Routes come from discovery plus the same paths under sibling API versions (`/api/v1/` beside `/api/v2/`), where legacy code often only checks that some bearer header is present.",
        why: "If any string passes as a token, authentication is decorative: anyone who knows the header name gets in, as whatever user the code falls back to.",
        evidence: "GET /api/v1/orders/ anonymously → 401; with `Authorization: Bearer tollgate-invalid-3f9c…` → 200 with every user's orders.",
        remediation: "Validate every token (signature, expiry, audience) and map it to a real principal before granting access; treat a missing, empty or unparseable token as anonymous, and reject it on protected routes.",
        remediation_django: Some("Remove hand-written checks such as `request.META[\"HTTP_AUTHORIZATION\"].startswith(\"Bearer \")`; route legacy views through DRF with the same `authentication_classes` (a validating JWT authentication) and `permission_classes = [IsAuthenticated]` as the current API, or retire them."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://cwe.mitre.org/data/definitions/287.html",
            "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
        ],
    },
};

/// Protected routes probed, at most.
const MAX_ROUTES: usize = 8;

/// The made-up bearer values, with how each is described.
fn probes() -> [(String, &'static str); 3] {
    [
        (garbage_bearer().to_string(), "a random string"),
        (String::new(), "an empty value"),
        ("null".to_string(), "`null`"),
    ]
}

#[async_trait]
impl Check for InvalidBearerAccepted {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let routes = candidates(ctx);
        let mut findings = Vec::new();
        let mut probed = 0;
        for url in routes {
            if probed >= MAX_ROUTES {
                break;
            }
            let anon = answer(ctx, &url, Auth::Anonymous).await?;
            if !is_denied(anon.response.status) {
                continue;
            }
            probed += 1;
            if let Some(f) = probe(ctx, &url, &anon).await? {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

/// The routes worth a GET with a made-up token: discovery's and their sibling API
/// versions, minus paths the API document describes without a GET (a POST-only route
/// that refuses an anonymous GET says nothing about token validation), spread over
/// version and router families so that one family of routes cannot take every place.
fn candidates(ctx: &CheckCtx) -> Vec<Url> {
    let mut routes = ctx.target().routes.clone();
    routes.extend(sibling_versions(&routes));
    if let Some(spec) = crate::checks::kit::api_support::spec(ctx) {
        routes.retain(|u| {
            !spec.documents(u) || spec.operation_for(tollgate_spec::Method::Get, u).is_some()
        });
    }
    spread_by_family(routes)
}

/// Round-robin over families (`/api/v1/orders`, `/api/v2/orders` and `/api/v2/users`
/// are three), keeping discovery's order within each family.
fn spread_by_family(routes: Vec<Url>) -> Vec<Url> {
    let mut families: Vec<(String, std::collections::VecDeque<Url>)> = Vec::new();
    for url in routes {
        let key = family_key(&url);
        match families.iter_mut().find(|(k, _)| *k == key) {
            Some((_, q)) => q.push_back(url),
            None => families.push((key, std::collections::VecDeque::from([url]))),
        }
    }
    let mut out = Vec::new();
    while families.iter().any(|(_, q)| !q.is_empty()) {
        for (_, q) in &mut families {
            out.extend(q.pop_front());
        }
    }
    out
}

/// The path up to and including the first segment that is not an API prefix or a
/// version: `/api/v1/orders/5/` → `/api/v1/orders`.
fn family_key(url: &Url) -> String {
    let mut key = String::new();
    for seg in url.path_segments().into_iter().flatten() {
        let s = seg.to_ascii_lowercase();
        key.push('/');
        key.push_str(&s);
        let version = s.len() <= 4
            && s.starts_with('v')
            && s.len() > 1
            && s[1..].chars().all(|c| c.is_ascii_digit() || c == '.');
        if !s.is_empty() && !version && !matches!(s.as_str(), "api" | "apis" | "rest") {
            break;
        }
    }
    key
}

/// Sends each made-up bearer to a route that refused the anonymous request.
async fn probe(ctx: &CheckCtx, url: &Url, anon: &Exchange) -> Result<Option<Finding>, CheckError> {
    let mut accepted: Vec<(&'static str, Arc<Exchange>)> = Vec::new();
    for (value, what) in probes() {
        let auth = if value.is_empty() {
            Auth::Custom {
                name: "authorization".into(),
                value: "Bearer ".into(),
            }
        } else {
            bearer(&value)
        };
        let ex = ctx.send(ProbeRequest::get(url.clone()).auth(auth)).await?;
        if ex.response.is_success() {
            accepted.push((what, ex));
        }
    }
    let Some((_, first)) = accepted.first() else {
        return Ok(None);
    };
    let whats: Vec<&str> = accepted.iter().map(|(w, _)| *w).collect();
    Ok(Some(
        ctx.finding(first, "Invalid bearer token accepted", None)
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!("anonymous GET answered {}", anon.response.status))
            .with_fact(format!(
                "answered {} to a bearer token that is {}",
                first.response.status,
                whats.join(", ")
            )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    async fn run(legacy_bug: bool) -> (Vec<Finding>, u32) {
        let addr = serve(move |req| {
            let auth = req.header("authorization");
            let json =
                |s: u16, b: &str| RawResponse::new(s, b).header("content-type", "application/json");
            match (req.path.as_str(), auth) {
                ("/api/v1/orders/", Some(a)) if legacy_bug && a.starts_with("Bearer") => {
                    json(200, r#"{"orders":[1,2,3]}"#)
                }
                ("/api/v1/orders/" | "/api/v2/orders/", Some("Bearer good-token")) => {
                    json(200, r#"{"orders":[1]}"#)
                }
                ("/api/v1/orders/" | "/api/v2/orders/", _) => {
                    json(401, r#"{"error":"unauthorized"}"#)
                }
                _ => json(404, "{}"),
            }
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/v2/orders/")
            .ctx(&META);
        let f = InvalidBearerAccepted.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[test]
    fn families_take_turns_and_keep_discovery_order() {
        let base = Url::parse("http://127.0.0.1:9/").expect("url");
        let urls: Vec<Url> = [
            "/api/v2/a/",
            "/api/v2/a/1/",
            "/api/v2/b/",
            "/api/v1/orders/",
            "/api/v2/a/2/",
        ]
        .iter()
        .map(|p| base.join(p).expect("url"))
        .collect();
        let got: Vec<String> = spread_by_family(urls)
            .iter()
            .map(|u| u.path().to_string())
            .collect();
        assert_eq!(
            got,
            [
                "/api/v2/a/",
                "/api/v2/b/",
                "/api/v1/orders/",
                "/api/v2/a/1/",
                "/api/v2/a/2/"
            ]
        );
        assert_eq!(
            family_key(&base.join("/api/v1/orders/5/").expect("url")),
            "/api/v1/orders"
        );
    }

    #[tokio::test]
    async fn fires_on_legacy_sibling_that_accepts_any_bearer() {
        let (f, sent) = run(true).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].location.to_string().contains("/api/v1/orders/"));
        assert!(
            f[0].evidence.facts[1].contains("a random string, an empty value, `null`"),
            "{:?}",
            f[0].evidence.facts
        );
        assert!(sent <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_tokens_are_validated() {
        assert!(run(false).await.0.is_empty());
    }
}
