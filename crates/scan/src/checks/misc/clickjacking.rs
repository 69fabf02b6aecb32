//! MISC-002: HTML responses that any site may frame.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::{is_html, target_responses};
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, HttpMethod, Owasp, SafetyClass, Severity,
};

pub struct Clickjacking;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-002"),
    name: "HTML responses can be framed (no X-Frame-Options or frame-ancestors)",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Low,
    cwe: 1021,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 4,
    docs: CheckDocs {
        what: "HTML pages served by the API (browsable API pages, admin logins, docs, debug pages) that carry neither `X-Frame-Options` nor a CSP `frame-ancestors` directive. Besides the HTML already recorded, it asks up to four discovered routes for `Accept: text/html`, as a browser in a frame would. JSON-only responses are not reported: a browser does not render them in a frame.",
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
    let xfo = ex
        .response
        .header("x-frame-options")
        .map(str::trim)
        .unwrap_or("");
    let xfo_ok = xfo.eq_ignore_ascii_case("deny") || xfo.eq_ignore_ascii_case("sameorigin");
    let csp_ok = ex
        .response
        .headers_all("content-security-policy")
        .any(|v| v.to_ascii_lowercase().contains("frame-ancestors"));
    !(xfo_ok || csp_ok)
}

/// Routes worth asking for HTML: they answered 2xx with something other than HTML
/// (an API view may render a browsable page for browsers), and are not documents.
fn candidates(ctx: &CheckCtx) -> Vec<url::Url> {
    let answered = target_responses(ctx);
    ctx.target()
        .routes
        .iter()
        .filter(|u| !u.path().ends_with(".json") && !u.path().ends_with(".yaml"))
        .filter(|u| {
            answered
                .iter()
                .any(|e| &e.request.url == *u && e.response.is_success() && !is_html(e))
        })
        .take(META.budget as usize)
        .cloned()
        .collect()
}

/// GETs discovered routes the way a browser loading them in a frame would.
async fn probe_as_browser(ctx: &CheckCtx) -> Result<Vec<Arc<Exchange>>, CheckError> {
    let mut out = Vec::new();
    for url in candidates(ctx) {
        out.push(
            ctx.send(ProbeRequest::get(url).header("accept", "text/html,application/xhtml+xml"))
                .await?,
        );
    }
    Ok(out)
}

#[async_trait]
impl Check for Clickjacking {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let is_hit = |e: &Exchange| e.response.is_success() && is_html(e) && frameable(e);
        // The scanner's own requests (discovery, the spec's operations) only, and the
        // first by URL: other checks run concurrently, so what they recorded so far
        // differs from one scan to the next, and so would the finding's location.
        let mut hit = target_responses(ctx)
            .into_iter()
            .filter(|e| e.check.is_none() && is_hit(e))
            .min_by(|a, b| a.request.url.as_str().cmp(b.request.url.as_str()));
        if hit.is_none() {
            hit = probe_as_browser(ctx).await?.into_iter().find(|e| is_hit(e));
        }
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

    /// Serves `<html>` with `headers` on every path and runs the check against it.
    async fn run(headers: &'static [(&'static str, &'static str)]) -> Vec<Finding> {
        use crate::testkit::{serve, RawResponse};
        let addr = serve(|_| {
            headers
                .iter()
                .fold(RawResponse::new(200, "<html></html>"), |r, (k, v)| {
                    r.header(k, v)
                })
        })
        .await;
        let root = format!("http://{addr}/");
        let json = exchange(
            HttpMethod::Get,
            &root,
            200,
            &[("content-type", "application/json")],
            "{}",
        );
        let (_e, ctx) = Fixture::new(&root).recorded(json).ctx(&META);
        Clickjacking.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn reads_recorded_html_first() {
        let ex = exchange(
            HttpMethod::Get,
            T,
            200,
            &[("content-type", "text/html")],
            "<html></html>",
        );
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        assert_eq!(Clickjacking.run(&ctx).await.expect("run").len(), 1);
        assert_eq!(ctx.requests_made(), 0);
    }

    #[tokio::test]
    async fn fires_on_unprotected_html() {
        assert_eq!(
            run(&[("content-type", "text/html; charset=utf-8")])
                .await
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn asks_routes_for_html_like_a_browser() {
        use crate::testkit::{serve, RawResponse};
        let addr = serve(|req| match (req.path.as_str(), req.header("accept")) {
            ("/api/items/", Some(a)) if a.contains("text/html") => {
                RawResponse::new(200, "<html>browsable</html>").header("content-type", "text/html")
            }
            _ => RawResponse::new(200, "{}").header("content-type", "application/json"),
        })
        .await;
        let items = format!("http://{addr}/api/items/");
        let json = exchange(
            HttpMethod::Get,
            &items,
            200,
            &[("content-type", "application/json")],
            "[]",
        );
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/items/")
            .recorded(json)
            .ctx(&META);
        let f = Clickjacking.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_with_xfo_or_csp_or_json() {
        assert!(
            run(&[("content-type", "text/html"), ("x-frame-options", "DENY")])
                .await
                .is_empty()
        );
        assert!(run(&[
            ("content-type", "text/html"),
            ("content-security-policy", "frame-ancestors 'none'")
        ])
        .await
        .is_empty());
        assert!(run(&[("content-type", "application/json")])
            .await
            .is_empty());
    }
}
