//! LEAK-003: Django's DEBUG technical 404 page, which lists every URL pattern.
//!
//! The scanner's soft-404 baseline (a random path) already fetched it on a DEBUG
//! target, and discovery turned the listed patterns into routes for the other checks
//! (`target::discovery::django_debug_routes`). This check reports the leak itself.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::Exchange;
use crate::recon::discovery::{concrete_path, django_url_patterns, is_django_debug_404};
use async_trait::async_trait;
use regex::Regex;
use std::sync::{Arc, OnceLock};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Fingerprint, Location, Owasp,
    SafetyClass, Severity,
};

pub struct DjangoDebug404;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("LEAK-003"),
    name: "Django DEBUG 404 page lists the URL patterns",
    category: Category::DataExposure,
    severity: Severity::Low,
    cwe: 215,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A 404 answer that is Django's technical 404 page (`Django tried these URL patterns, in this order:` with `DEBUG = True`). tollgate's soft-404 baseline request for a random path triggers it on any DEBUG target; the listed patterns are also parsed into routes (converters such as `<int:pk>` become `1`) that the other checks then probe. Medium when the listing names sensitive-looking routes (debug, admin, legacy versions, dotfiles, logs, backups), low otherwise.",
        why: "The page is a complete, authoritative map of the API, including endpoints the documentation leaves out: old API versions with weaker controls, debug views, admin panels and files served by mistake. It also proves `DEBUG = True`, so any server error will print the settings and environment (see LEAK-002).",
        evidence: "GET /tollgate-5f3a…-missing → 404 `Page not found at /tollgate-…` listing 19 patterns, among them `api/v1/users/`, `api/v2/debug/crash/`, `.env`, `logs/access.log`.",
        remediation: "Turn debug mode off in deployed environments and return a plain 404. Remove routes that should not exist in production instead of relying on their obscurity.",
        remediation_django: Some("Set `DEBUG = False` (from the environment, default False) and define `handler404` returning JSON. Register debug-only URL patterns (`debug/`, `__debug__/`, file-serving views) only `if settings.DEBUG` in development settings, and never serve `.env` or log files through a view."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/215.html",
            "https://docs.djangoproject.com/en/stable/ref/views/#the-404-page-not-found-view",
        ],
    },
};

/// Words in a pattern that make the listing more than a map of the public API.
const SENSITIVE: &[&str] = &[
    "debug", "admin", "internal", "private", "legacy", "v0/", "v1/", ".env", ".log", "log/",
    "logs/", "backup", "console", "actuator", "secret", "config", "settings",
];

/// Patterns named in facts at most.
const LISTED: usize = 12;

fn sensitive_patterns(patterns: &[String]) -> Vec<String> {
    patterns
        .iter()
        .filter(|p| {
            let lower = p.to_ascii_lowercase();
            SENSITIVE.iter().any(|w| lower.contains(w))
        })
        .map(|p| format!("/{}", p.trim_start_matches('^').trim_start_matches('/')))
        .collect()
}

fn urlconf(html: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"Using the URLconf defined in <code>([A-Za-z0-9_.]{1,200})</code>")
            .expect("constant regex")
    });
    re.captures(html)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

fn finding(ctx: &CheckCtx, ex: &Exchange) -> Finding {
    let html = ex.response.text();
    let patterns = django_url_patterns(&html);
    let routes = patterns
        .iter()
        .filter(|p| concrete_path(p).is_some())
        .count();
    let sensitive = sensitive_patterns(&patterns);
    let severity = if sensitive.is_empty() {
        Severity::Low
    } else {
        Severity::Medium
    };
    let mut f = ctx
        .finding(
            ex,
            format!(
                "Django DEBUG 404 page lists {} URL patterns",
                patterns.len()
            ),
            Some("Django tried these URL patterns"),
        )
        .with_severity(severity)
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "{} patterns listed; {routes} became routes for the other checks",
            patterns.len()
        ));
    if let Some(module) = urlconf(&html) {
        f = f.with_fact(format!("URLconf module: {module}"));
    }
    if !sensitive.is_empty() {
        let shown: Vec<&str> = sensitive.iter().take(LISTED).map(String::as_str).collect();
        f = f.with_fact(format!("sensitive-looking routes: {}", shown.join(", ")));
    }
    // The page shows up at any unknown path (a random one here): fingerprint the
    // target, not the path, so baselines and suppressions keep matching.
    let root = Location::http("GET", ctx.target().url.as_str());
    f.fingerprint = Fingerprint::compute(&META.id, &root, "django-debug-404");
    f
}

#[async_trait]
impl Check for DjangoDebug404 {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let page: Option<Arc<Exchange>> = ctx
            .transcript()
            .into_iter()
            .filter(|e| ctx.in_scope(&e.request.url))
            .find(|e| is_django_debug_404(e));
        Ok(page.map(|ex| finding(ctx, &ex)).into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const T: &str = "http://127.0.0.1:9/";

    fn page(items: &[&str]) -> String {
        let lis: String = items
            .iter()
            .map(|p| format!("<li>\n<code>\n{p}\n</code>\n</li>\n"))
            .collect();
        format!(
            "<title>Page not found at /x</title>Using the URLconf defined in <code>testbed.urls</code>,\nDjango tried these URL patterns, in this order:\n<ol>\n{lis}</ol>\nYou’re seeing this error because you have <code>DEBUG = True</code> in"
        )
    }

    async fn run_on(status: u16, body: &str) -> Vec<Finding> {
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/tollgate-0123-missing",
            status,
            &[("content-type", "text/html")],
            body,
        );
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        DjangoDebug404.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_on_the_listing_and_names_sensitive_routes() {
        let f = run_on(
            404,
            &page(&[
                "api/v2/products/",
                "api/v1/users/ [name='v1-users']",
                ".env",
                "logs/access.log",
            ]),
        )
        .await;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].title.contains("4 URL patterns"), "{}", f[0].title);
        let facts = f[0].evidence.facts.join("\n");
        assert!(
            facts.contains("/api/v1/users/") && facts.contains("/.env"),
            "{facts}"
        );
        assert!(facts.contains("testbed.urls"));
    }

    #[tokio::test]
    async fn plain_listing_is_low_and_fingerprint_ignores_the_random_path() {
        let f = run_on(404, &page(&["api/products/", "api/orders/<int:pk>/"])).await;
        assert_eq!(f[0].severity, Severity::Low);
        let again = run_on(404, &page(&["api/products/"])).await;
        assert_eq!(f[0].fingerprint, again[0].fingerprint);
    }

    #[tokio::test]
    async fn silent_on_ordinary_404s() {
        assert!(run_on(404, r#"{"detail":"Not found."}"#).await.is_empty());
        assert!(run_on(
            404,
            "<h1>Not Found</h1><p>The requested resource was not found.</p>"
        )
        .await
        .is_empty());
        // The same page text with a success status is not the technical 404 page.
        assert!(run_on(200, &page(&["api/"])).await.is_empty());
    }
}
