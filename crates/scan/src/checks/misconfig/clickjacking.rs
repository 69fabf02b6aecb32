//! MISC-002: HTML responses that any site may frame.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::common::{is_html, target_responses};
use crate::engine::Exchange;
use async_trait::async_trait;
use tollgate_core::{Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity};

pub struct Clickjacking;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-002"),
    name: "HTML responses can be framed (no X-Frame-Options or frame-ancestors)",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Low,
    cwe: 1021,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "HTML pages served by the API (browsable API pages, admin logins, docs, debug pages) that carry neither `X-Frame-Options` nor a CSP `frame-ancestors` directive. JSON-only responses are not reported: a browser does not render them in a frame.",
        why: "A page that any site can frame can be overlaid with a decoy, so a logged-in user clicks buttons they cannot see (clickjacking). On API consoles this submits requests with the user's session or token.",
        evidence: "GET https://api.example/api/ → 200 text/html without `X-Frame-Options` and without `Content-Security-Policy: frame-ancestors`.",
        remediation: "Send `Content-Security-Policy: frame-ancestors 'none'` (or a list of trusted origins) and `X-Frame-Options: DENY` for older browsers.",
        remediation_django: Some("Keep `django.middleware.clickjacking.XFrameOptionsMiddleware` in `MIDDLEWARE` with `X_FRAME_OPTIONS = \"DENY\"` (the default), and add a CSP `frame-ancestors 'none'` header, e.g. with django-csp."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/1021.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Clickjacking_Defense_Cheat_Sheet.html",
        ],
    },
};

fn frameable(ex: &Exchange) -> bool {
    let xfo = ex.response.header("x-frame-options").map(str::trim).unwrap_or("");
    let xfo_ok = xfo.eq_ignore_ascii_case("deny") || xfo.eq_ignore_ascii_case("sameorigin");
    let csp_ok = ex
        .response
        .headers_all("content-security-policy")
        .any(|v| v.to_ascii_lowercase().contains("frame-ancestors"));
    !(xfo_ok || csp_ok)
}

#[async_trait]
impl Check for Clickjacking {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let hit = target_responses(ctx)
            .into_iter()
            .find(|e| e.response.is_success() && is_html(e) && frameable(e));
        Ok(hit
            .map(|ex| {
                ctx.finding(&ex, "HTML responses can be framed by any site", None)
                    .with_fact("no `X-Frame-Options: DENY|SAMEORIGIN` and no CSP `frame-ancestors`")
            })
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const T: &str = "http://127.0.0.1:9/";

    async fn run(headers: &[(&str, &str)]) -> Vec<Finding> {
        let ex = exchange(HttpMethod::Get, T, 200, headers, "<html></html>");
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        Clickjacking.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_on_unprotected_html() {
        assert_eq!(run(&[("content-type", "text/html; charset=utf-8")]).await.len(), 1);
    }

    #[tokio::test]
    async fn silent_with_xfo_or_csp_or_json() {
        assert!(run(&[("content-type", "text/html"), ("x-frame-options", "DENY")]).await.is_empty());
        assert!(run(&[("content-type", "text/html"), ("content-security-policy", "frame-ancestors 'none'")]).await.is_empty());
        assert!(run(&[("content-type", "application/json")]).await.is_empty());
    }
}
