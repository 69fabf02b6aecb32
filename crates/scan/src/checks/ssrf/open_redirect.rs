//! UC-001: an API route redirects to whatever host a parameter names.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::with_query_param;
use crate::checks::kit::ssrf_probe::{
    candidates, has_budget, normalise, param_finding, prepare, Hunt, Prepared, CONTROL_HOST,
};
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct OpenRedirect;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("UC-001"),
    name: "Open redirect on an API route",
    category: Category::UnsafeConsumption,
    severity: Severity::Medium,
    cwe: 601,
    owasp: Owasp::Api10,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 30,
    docs: CheckDocs {
        what: "Finds query parameters that look like redirect targets (`next`, `redirect`, `redirect_uri`, `return_to`, `continue`, `url`, …, from the OpenAPI document, from URLs the API used or linked to, and a few names on login/auth/callback-like routes) and sends a GET with an absolute URL on a reserved `.invalid` host, then a protocol-relative `//host/` form. Reported when the API answers 3xx with a `Location` on that host. Redirects are never followed.",
        why: "An API that redirects wherever a parameter says lends its own trusted origin to phishing links, and in OAuth or SSO flows (`redirect_uri`, `next` after login) it hands authorisation codes and tokens to the attacker's host. Clients that follow redirects from a trusted API also fetch from attacker hosts (unsafe consumption).",
        evidence: "GET /api/v2/auth/login/?next=http://tollgate-control.invalid/ → 302 `Location: http://tollgate-control.invalid/`.",
        remediation: "Redirect only to relative paths or to an allow-list of exact origins. Reject absolute and protocol-relative (`//host`) values, backslashes and encoded variants; for OAuth match `redirect_uri` exactly against the registered value.",
        remediation_django: Some("Check the value with `django.utils.http.url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())` before `redirect()` (as `LoginView` does for `next`), and fall back to a fixed URL otherwise."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xaa-unsafe-consumption-of-apis/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/601.html",
        ],
    },
};

const REDIRECT_NAMES: &[&str] = &[
    "next",
    "redirect",
    "redirecturi",
    "redirecturl",
    "redirectto",
    "return",
    "returnto",
    "returnurl",
    "returnpath",
    "continue",
    "dest",
    "destination",
    "goto",
    "url",
    "target",
    "forward",
    "successurl",
    "failureurl",
    "cancelurl",
    "callbackurl",
    "back",
];

fn is_redirect_name(name: &str) -> bool {
    REDIRECT_NAMES.contains(&normalise(name).as_str())
}

fn is_redirect_value(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.starts_with("http://") || v.starts_with("https://") || v.starts_with("//")
}

static REDIRECT_HUNT: Hunt = Hunt {
    is_name: is_redirect_name,
    is_value: is_redirect_value,
    route_words: &[
        "login",
        "signin",
        "auth",
        "oauth",
        "sso",
        "redirect",
        "return",
        "callback",
        "authorize",
    ],
    guess_names: &["next", "redirect", "return_to", "redirect_uri"],
};

/// The protocol-relative probe, for filters that only refuse `http(s)://`.
const RELATIVE: &str = "//tollgate-control.invalid/";

/// Controls (anonymous and as the identity) and the protocol-relative probe.
const PER_CANDIDATE: u32 = 3;

#[async_trait]
impl Check for OpenRedirect {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        for cand in candidates(ctx, &REDIRECT_HUNT) {
            if !has_budget(ctx, PER_CANDIDATE) {
                break;
            }
            let Some(prep) = prepare(ctx, cand).await else {
                continue;
            };
            if let Some(f) = probe(ctx, &prep).await {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

/// The control answer (an absolute URL on the control host) or, failing that, the
/// protocol-relative form, judged.
async fn probe(ctx: &CheckCtx, prep: &Prepared) -> Option<Finding> {
    if let Some(f) = judge(ctx, prep, &prep.control, "absolute URL") {
        return Some(f);
    }
    let url = with_query_param(&prep.cand.route, &prep.cand.param, RELATIVE);
    let ex = ctx
        .send(ProbeRequest::get(url).auth(prep.auth.clone()))
        .await
        .ok()?;
    judge(ctx, prep, &ex, "protocol-relative URL")
}

fn judge(ctx: &CheckCtx, prep: &Prepared, ex: &Arc<Exchange>, form: &str) -> Option<Finding> {
    if !(300..400).contains(&ex.response.status) {
        return None;
    }
    let location = ex.response.header("location")?;
    let target = ex.request.url.join(location).ok()?;
    if target.host_str() != Some(CONTROL_HOST) {
        return None;
    }
    let param = &prep.cand.param;
    let title = format!("`{param}` redirects to any host the caller names");
    let f = param_finding(&META, Some(ex), "", param, title, None, ctx.redactor())
        .with_key("redirect")
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "{} → `Location: {location}` ({form} on a host tollgate chose)",
            ex.response.status
        ));
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    fn next_param(path: &str) -> Option<String> {
        let u = url::Url::parse(&format!("http://h{path}")).ok()?;
        let v = u
            .query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned());
        v
    }

    #[tokio::test]
    async fn fires_on_a_redirect_to_the_callers_host() {
        let addr = serve(|req| match next_param(&req.path) {
            Some(n) => RawResponse::new(302, "").header("location", &n),
            None => RawResponse::new(200, "{}"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/auth/login/?next=/home")
            .ctx(&META);
        let f = OpenRedirect.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].confidence, Confidence::Confirmed);
    }

    #[tokio::test]
    async fn catches_the_protocol_relative_form() {
        let addr = serve(|req| match next_param(&req.path) {
            Some(n) if n.starts_with("//") => RawResponse::new(302, "").header("location", &n),
            Some(_) => RawResponse::new(400, "{\"detail\":\"absolute URLs refused\"}"),
            None => RawResponse::new(200, "{}"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/auth/login/?next=/home")
            .ctx(&META);
        let f = OpenRedirect.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].evidence.facts[0].contains("protocol-relative"));
    }

    #[tokio::test]
    async fn silent_when_only_local_paths_are_followed() {
        let addr = serve(|req| match next_param(&req.path) {
            Some(n) if n.starts_with('/') && !n.starts_with("//") => {
                RawResponse::new(302, "").header("location", &n)
            }
            Some(_) => RawResponse::new(302, "").header("location", "/"),
            None => RawResponse::new(200, "{}"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/auth/login/?next=/home")
            .ctx(&META);
        assert!(OpenRedirect.run(&ctx).await.expect("run").is_empty());
        assert_eq!(ctx.requests_made(), 2);
    }
}
