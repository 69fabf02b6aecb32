//! INV-001: live endpoints the API's documentation does not list.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::{api_support, api_surface};
use crate::engine::{Exchange, ProbeRequest};
use crate::recon::discovery;
use crate::recon::spec::ApiSpec;
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct UndocumentedEndpoints;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-001"),
    name: "Undocumented live endpoint",
    category: Category::Inventory,
    severity: Severity::Info,
    cwe: 1059,
    owasp: Owasp::Api9,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 30,
    docs: CheckDocs {
        what: "Collects the target's routes (links in its answers, the URL patterns a Django debug 404 page lists, and a short list of common diagnostic paths) and reports those that answer (anything but the target's not-found answer, 401 and 500 included) while the OpenAPI document does not describe them. Static assets (stylesheets, scripts, images, fonts, the favicon; by content type or extension) and HTML pages answered with a success are not API operations and are never reported. Without a document, routes known only from the debug page or the built-in list are reported as tentative.",
        why: "Endpoints outside the inventory are outside every review, test and gateway policy: debug views, old versions and internal tools are where the weakest controls live, and attackers find them the same way.",
        evidence: "`GET /api/v2/debug/crash/` → 500 (listed on the debug 404 page); no operation in the OpenAPI document matches the path.",
        remediation: "Keep one inventory of every deployed route and generate the OpenAPI document from it; remove debug and diagnostic routes from production builds, and block undocumented paths at the gateway.",
        remediation_django: Some("Register debug-only views in `urlpatterns` only `if settings.DEBUG` (and run production with DEBUG=False), generate the schema from the URLconf with drf-spectacular so nothing routed is missing from it, and delete retired `path()` entries instead of leaving them routed."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/1059.html",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#debug",
        ],
    },
};

/// Diagnostic paths tried on every target.
const WORDLIST: &[&str] = &[
    "/debug/",
    "/internal/",
    "/metrics",
    "/actuator",
    "/actuator/env",
    "/status",
    "/graphql",
    "/console",
    "/server-status",
];
/// Routes checked at most.
const MAX_ROUTES: usize = 28;

/// Where a candidate route came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Link,
    DebugListing,
    Wordlist,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::Link => "linked from the API's own answers",
            Source::DebugListing => "listed on the Django debug 404 page",
            Source::Wordlist => "a common diagnostic path",
        }
    }
}

fn candidates(ctx: &CheckCtx) -> Vec<(Url, Source)> {
    let t = ctx.target();
    let listed: Vec<Url> = ctx
        .transcript()
        .iter()
        .flat_map(|ex| discovery::django_debug_routes(ex))
        .collect();
    let mut out: Vec<(Url, Source)> = Vec::new();
    let mut push = |u: Url, s: Source| {
        if ctx.in_scope(&u) && !out.iter().any(|(x, _)| x.path() == u.path()) {
            out.push((u, s));
        }
    };
    for u in &listed {
        push(u.clone(), Source::DebugListing);
    }
    for u in t.routes.iter().skip(1) {
        push(u.clone(), Source::Link);
    }
    for p in WORDLIST {
        push(ctx.url(p), Source::Wordlist);
    }
    out
}

/// Whether the route is described, is the document itself, or the target root.
fn known(ctx: &CheckCtx, spec: Option<&ApiSpec>, url: &Url) -> bool {
    if url.path() == ctx.target().url.path() || url.path() == "/" {
        return true;
    }
    match spec {
        Some(s) => {
            s.documents(url)
                || s.served_at.as_ref().is_some_and(|d| d.path() == url.path())
                || in_sibling_version(s, url)
        }
        None => false,
    }
}

/// Paths under another version of a documented versioned prefix (`/api/v1/…` beside
/// `/api/v2/…`) are INV-002's.
fn in_sibling_version(spec: &ApiSpec, url: &Url) -> bool {
    let documented = crate::checks::kit::api_versions::documented_versions(spec);
    crate::checks::kit::api_versions::version_of(url.path())
        .is_some_and(|(prefix, v)| documented.iter().any(|(p, d)| *p == prefix && *d != v))
}

#[async_trait]
impl Check for UndocumentedEndpoints {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx);
        let mut findings = Vec::new();
        let todo: Vec<(Url, Source)> = candidates(ctx)
            .into_iter()
            .filter(|(u, s)| !known(ctx, spec, u) && (spec.is_some() || *s != Source::Link))
            .filter(|(u, _)| !api_surface::is_asset_path(u))
            .take(MAX_ROUTES)
            .collect();
        for (url, source) in todo {
            let ex = answer(ctx, &url).await?;
            if api_support::is_missing(ctx, &ex) || ex.response.status == 405 || !operation(&ex) {
                continue;
            }
            findings.push(finding(ctx, &ex, source, spec.is_some()));
        }
        Ok(findings)
    }
}

/// Whether the answer is an API operation's: a static asset never is, and neither is
/// an HTML page served successfully (an HTML error page still shows a live route).
fn operation(ex: &Exchange) -> bool {
    let successful_page = ex.response.is_success() && api_surface::is_html_page(ex);
    !(api_surface::is_static_asset(ex) || successful_page)
}

/// The anonymous answer already recorded for the URL, else a fresh GET.
async fn answer(ctx: &CheckCtx, url: &Url) -> Result<Arc<Exchange>, CheckError> {
    let recorded = ctx.transcript().into_iter().find(|e| {
        e.request.url == *url && e.request.method == HttpMethod::Get && e.request.identity.is_none()
    });
    match recorded {
        Some(ex) => Ok(ex),
        None => ctx.send(ProbeRequest::get(url.clone())).await,
    }
}

fn finding(ctx: &CheckCtx, ex: &Exchange, source: Source, with_spec: bool) -> Finding {
    let path = ex.request.url.path();
    let status = ex.response.status;
    let (title, confidence, fact) = if with_spec {
        (
            format!("undocumented endpoint {path} answers (HTTP {status})"),
            Confidence::Firm,
            "no operation in the OpenAPI document matches this path",
        )
    } else {
        (
            format!("unlisted endpoint {path} answers (HTTP {status})"),
            Confidence::Tentative,
            "no OpenAPI document was given or found; pass --spec to compare with the documented inventory",
        )
    };
    ctx.finding(ex, title, None)
        .with_confidence(confidence)
        .with_key(path)
        .with_fact(format!("route {}", source.describe()))
        .with_fact(fact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, serve, Fixture, RawResponse};

    const SPEC: &str = r#"{"openapi":"3.0.3","paths":{"/api/v2/items/":{"get":{"responses":{"200":{"description":"ok"}}}},
      "/api/v2/items/{id}/":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;
    const DEBUG_404: &str = "<html><body>Using the URLconf defined in <code>shop.urls</code>, Django tried these URL patterns, in this order:<ol>\
      <li><code>api/v2/items/</code></li><li><code>api/v2/items/&lt;int:pk&gt;/</code></li><li><code>api/v2/debug/crash/</code></li>\
      <li><code>api/v1/items/</code></li></ol> because you have <code>DEBUG = True</code> in your Django settings file.</body></html>";

    fn server() -> impl Fn(&crate::testkit::RawRequest) -> RawResponse + Send + Sync + 'static {
        |req| match req.path.as_str() {
            "/api/v2/items/" | "/api/v2/items/1/" => RawResponse::new(200, "[]"),
            "/api/v2/debug/crash/" => RawResponse::new(500, "boom"),
            "/api/v1/items/" => RawResponse::new(200, "[]"),
            "/metrics" => RawResponse::new(401, "auth"),
            _ => RawResponse::new(404, "nf"),
        }
    }

    fn debug_page(addr: std::net::SocketAddr) -> Exchange {
        exchange(
            HttpMethod::Get,
            &format!("http://{addr}/tollgate-x-missing"),
            404,
            &[("content-type", "text/html")],
            DEBUG_404,
        )
    }

    #[tokio::test]
    async fn reports_debug_listed_and_wordlist_routes_not_in_the_spec() {
        let addr = serve(server()).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .recorded(debug_page(addr))
            .ctx(&META);
        let f = UndocumentedEndpoints.run(&ctx).await.expect("run");
        let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "undocumented endpoint /api/v2/debug/crash/ answers (HTTP 500)",
                "undocumented endpoint /metrics answers (HTTP 401)"
            ]
        );
    }

    #[tokio::test]
    async fn without_a_spec_debug_routes_are_tentative() {
        let addr = serve(server()).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .recorded(debug_page(addr))
            .ctx(&META);
        let f = UndocumentedEndpoints.run(&ctx).await.expect("run");
        assert!(f.iter().all(|f| f.confidence == Confidence::Tentative));
        assert!(f.iter().any(|f| f.title.contains("/api/v2/debug/crash/")));
        assert!(f.iter().any(|f| f.title.contains("/api/v1/items/")));
    }

    #[tokio::test]
    async fn silent_when_everything_is_documented_or_missing() {
        let addr = serve(|req| match req.path.as_str() {
            "/api/v2/items/" => RawResponse::new(200, "[]"),
            _ => RawResponse::new(404, "nf"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .route("/api/v2/items/")
            .ctx(&META);
        assert!(UndocumentedEndpoints
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
    }

    #[tokio::test]
    async fn static_assets_and_cms_pages_are_not_undocumented_operations() {
        let addr = serve(|req| match req.path.as_str() {
            "/api/v2/items/" => RawResponse::new(200, "[]"),
            "/favicon.ico" => {
                RawResponse::new(200, "\0\0\u{1}\0").header("content-type", "image/x-icon")
            }
            "/static/site.css" => {
                RawResponse::new(200, "body{}").header("content-type", "text/css")
            }
            "/theme/main" => {
                RawResponse::new(200, "var x;").header("content-type", "application/javascript")
            }
            "/about-us/" => RawResponse::new(200, "<!DOCTYPE html><html><body>About</body></html>")
                .header("content-type", "text/html; charset=utf-8"),
            "/internal/" => {
                RawResponse::new(200, r#"{"jobs":3}"#).header("content-type", "application/json")
            }
            _ => RawResponse::new(404, "nf"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .route("/favicon.ico")
            .route("/static/site.css")
            .route("/theme/main")
            .route("/about-us/")
            .ctx(&META);
        let f = UndocumentedEndpoints.run(&ctx).await.expect("run");
        let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(
            titles,
            ["undocumented endpoint /internal/ answers (HTTP 200)"],
            "only the JSON operation"
        );
    }
}
