//! MISC-003: CORS that trusts any origin, `null`, or `*`.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::{Auth, Exchange, ProbeRequest};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct Cors;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-003"),
    name: "CORS trusts arbitrary origins",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 942,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 2,
    docs: CheckDocs {
        what: "Sends the target a GET with `Origin: https://tollgate-evil.example` and one with `Origin: null`, and reports `Access-Control-Allow-Origin` that echoes the foreign origin or allows `null` (high when `Access-Control-Allow-Credentials: true` comes with it), or `*`. A response without CORS headers to the foreign origin is the safe baseline.",
        why: "A reflected origin with credentials lets any website the victim visits read the API's responses with the victim's cookies: the profile, the data, and any token the API hands out. `null` is sent by sandboxed iframes, so allowing it is the same as allowing everyone.",
        evidence: "GET / with `Origin: https://tollgate-evil.example` → `Access-Control-Allow-Origin: https://tollgate-evil.example`, `Access-Control-Allow-Credentials: true`.",
        remediation: "Compare the Origin against an explicit allow-list of your front-end origins; never echo it, never allow `null`, and only send `Access-Control-Allow-Credentials: true` for allow-listed origins.",
        remediation_django: Some("With django-cors-headers set `CORS_ALLOWED_ORIGINS = [\"https://app.example\"]`, leave `CORS_ALLOW_ALL_ORIGINS = False`, and do not use `CORS_ORIGIN_REGEX_WHITELIST` patterns like `.*`. Remove any custom middleware that copies `HTTP_ORIGIN` into the response."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/942.html",
            "https://portswigger.net/web-security/cors",
        ],
    },
};

const EVIL: &str = "https://tollgate-evil.example";

/// What the response allowed for one probe origin.
fn judge(ex: &Exchange, origin: &str) -> Option<(Severity, String)> {
    let acao = ex.response.header("access-control-allow-origin")?.trim();
    let creds = ex
        .response
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let with = if creds { " with credentials" } else { "" };
    if acao == origin {
        let sev = if creds { Severity::High } else { Severity::Low };
        let what = if origin == "null" {
            "the `null` origin"
        } else {
            "an arbitrary origin"
        };
        return Some((sev, format!("CORS allows {what}{with}")));
    }
    (acao == "*").then(|| (Severity::Low, "CORS allows any origin (`*`)".to_string()))
}

#[async_trait]
impl Check for Cors {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let auth = ctx
            .target()
            .primary_identity
            .clone()
            .map_or(Auth::Anonymous, Auth::Identity);
        let mut findings = Vec::new();
        for origin in [EVIL, "null"] {
            let req = ProbeRequest::get(ctx.target().url.clone())
                .header("origin", origin)
                .auth(auth.clone());
            let ex = ctx.send(req).await?;
            if let Some((severity, title)) = judge(&ex, origin) {
                let f = ctx
                    .finding(&ex, title, None)
                    .with_key(origin)
                    .with_severity(severity)
                    .with_confidence(Confidence::Confirmed)
                    .with_fact(format!("request Origin: {origin}"))
                    .with_fact(format!(
                        "Access-Control-Allow-Origin: {}",
                        ex.response
                            .header("access-control-allow-origin")
                            .unwrap_or_default()
                    ));
                findings.push(f);
            }
        }
        // `*` answers both probes; report it once.
        findings.dedup_by(|a, b| a.title == b.title);
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[tokio::test]
    async fn fires_on_reflected_origin_with_credentials() {
        let addr = serve(|req| {
            let origin = req.header("origin").unwrap_or("").to_string();
            RawResponse::new(200, "{}")
                .header("access-control-allow-origin", &origin)
                .header("access-control-allow-credentials", "true")
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = Cors.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| f.severity == Severity::High));
        assert_eq!(ctx.requests_made(), 2);
    }

    #[tokio::test]
    async fn silent_with_allow_list() {
        let addr = serve(|req| {
            let mut r = RawResponse::new(200, "{}");
            if req.header("origin") == Some("https://app.example") {
                r = r.header("access-control-allow-origin", "https://app.example");
            }
            r
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(Cors.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn wildcard_is_low_and_reported_once() {
        let addr =
            serve(|_| RawResponse::new(200, "{}").header("access-control-allow-origin", "*")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = Cors.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
    }
}
