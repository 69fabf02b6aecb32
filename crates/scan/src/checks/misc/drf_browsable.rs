//! MISC-008: Django REST framework's browsable API served in production.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::{Auth, Exchange, ProbeRequest};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct DrfBrowsableApi;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-008"),
    name: "Django REST framework browsable API exposed",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Low,
    cwe: 16,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 3,
    docs: CheckDocs {
        what: "Asks up to three API routes that answered JSON for `text/html`, as a browser does, and reports the Django REST framework browsable API page (the `rest_framework` templates and assets) when it comes back.",
        why: "The browsable API renders every endpoint as an HTML page with forms for each allowed method, the raw request and response, the filters and the pagination links. It documents the API for an attacker, invites cross-site request forgery through its session-authenticated forms, and makes framing and content-sniffing attacks easier. Responses meant as JSON become HTML in the API's origin.",
        evidence: "GET /api/v2/products/ with `Accept: text/html` → 200 text/html `<title>Product List – Django REST framework</title>` with `rest_framework/css/bootstrap.min.css`.",
        remediation: "Render JSON only in production; keep the HTML renderer for local development.",
        remediation_django: Some("In production settings set `REST_FRAMEWORK = {\"DEFAULT_RENDERER_CLASSES\": [\"rest_framework.renderers.JSONRenderer\"]}` (add `BrowsableAPIRenderer` only when `DEBUG`), and drop `rest_framework.urls` (the browsable login views) from the URLconf."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/16.html",
            "https://www.django-rest-framework.org/api-guide/renderers/#browsableapirenderer",
        ],
    },
};

/// Whether the page is DRF's browsable API.
fn is_browsable(ex: &Exchange) -> bool {
    let is_html = ex.response.content_type().is_some_and(|c| c == "text/html");
    let text = ex.response.text();
    is_html
        && text.contains("Django REST framework")
        && (text.contains("rest_framework/") || text.contains("class=\"response-info\""))
}

/// Routes that answered JSON (the API itself), at most the budget.
fn json_routes(ctx: &CheckCtx) -> Vec<Url> {
    let mut seen: Vec<Url> = Vec::new();
    let mut ranked: Vec<(bool, usize, Url)> = Vec::new();
    for ex in ctx.transcript() {
        let json = ex
            .response
            .content_type()
            .is_some_and(|c| c.contains("json"))
            && (ex.response.is_success() || matches!(ex.response.status, 401 | 403));
        let url = &ex.request.url;
        let document = [".json", ".yaml", ".yml"]
            .iter()
            .any(|s| url.path().ends_with(s));
        if !json || document || !ctx.in_scope(url) || url.path() == "/" || seen.contains(url) {
            continue;
        }
        seen.push(url.clone());
        // DRF's views answer with `Allow` (the view's methods) and `Vary: Accept` (the
        // renderer follows it): try those first.
        let drf_like = ex.response.header("allow").is_some()
            && ex
                .response
                .headers_all("vary")
                .any(|v| v.to_ascii_lowercase().contains("accept"));
        ranked.push((!drf_like, url.path().len(), url.clone()));
    }
    ranked.sort();
    ranked
        .into_iter()
        .take(META.budget as usize)
        .map(|(_, _, u)| u)
        .collect()
}

#[async_trait]
impl Check for DrfBrowsableApi {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let auth = ctx
            .target()
            .primary_identity
            .clone()
            .map_or(Auth::Anonymous, Auth::Identity);
        for url in json_routes(ctx) {
            let req = ProbeRequest::get(url)
                .header("accept", "text/html,application/xhtml+xml")
                .auth(auth.clone());
            let ex: Arc<Exchange> = ctx.send(req).await?;
            if is_browsable(&ex) {
                let f = ctx
                    .finding(
                        &ex,
                        "Django REST framework browsable API is enabled",
                        Some("Django REST framework"),
                    )
                    .with_confidence(Confidence::Confirmed)
                    .with_fact(
                        "`Accept: text/html` turns the JSON API into DRF's HTML browsable API",
                    );
                return Ok(vec![f]);
            }
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, serve, Fixture, RawRequest, RawResponse};

    const PAGE: &str = r#"<html><head><link rel="stylesheet" href="/static/rest_framework/css/bootstrap.min.css"><title>Product List – Django REST framework</title></head><body><div class="response-info"></div></body></html>"#;

    async fn run(handler: fn(&RawRequest) -> RawResponse) -> (Vec<Finding>, u32) {
        let addr = serve(handler).await;
        let base = format!("http://{addr}/");
        let seen = exchange(
            HttpMethod::Get,
            &format!("{base}api/products/"),
            200,
            &[("content-type", "application/json")],
            "[]",
        );
        let (_e, ctx) = Fixture::new(&base).recorded(seen).ctx(&META);
        let f = DrfBrowsableApi.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test]
    async fn fires_on_the_browsable_api() {
        let (f, sent) = run(|req| {
            if req
                .header("accept")
                .is_some_and(|a| a.contains("text/html"))
            {
                RawResponse::new(200, PAGE).header("content-type", "text/html; charset=utf-8")
            } else {
                RawResponse::new(200, "[]").header("content-type", "application/json")
            }
        })
        .await;
        assert_eq!(f.len(), 1);
        assert_eq!(sent, 1);
    }

    #[tokio::test]
    async fn silent_when_json_only() {
        let (f, _) =
            run(|_| RawResponse::new(200, "[]").header("content-type", "application/json")).await;
        assert!(f.is_empty());
    }
}
