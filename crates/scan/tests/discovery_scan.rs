//! Discovery without a spec through a whole scan (no checks): relative HTML links, a
//! HAL index with a templated link, ids harvested from a listing, an in-scope redirect
//! to a canonical path, and the hidden-route wordlist against a soft-404 baseline.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use tollgate_core::Secret;
use tollgate_scan::engine::Identity;
use tollgate_scan::testkit::internals::hidden_routes;
use tollgate_scan::testkit::{serve, RawRequest, RawResponse};
use tollgate_scan::{run_scan, ScanOptions};

fn json(body: &str) -> RawResponse {
    RawResponse::new(200, body.to_string()).header("content-type", "application/json")
}

fn api(req: &RawRequest) -> RawResponse {
    let path = req.path.split('?').next().unwrap_or("/");
    let html = |b: &str| RawResponse::new(200, b.to_string()).header("content-type", "text/html");
    match path {
        "/" => html(r#"<a href="docs/">docs</a>"#),
        "/docs/guide" => html("<p>guide</p>"),
        "/docs/" => html(r#"<a href="../api">index</a> <a href="../logout">out</a> <a href="guide">guide</a>"#),
        "/api" => RawResponse::new(
            200,
            r#"{"_links":{"self":{"href":"/api"},"people":{"href":"/api/people"},"person":{"href":"/api/people/{id}","templated":true},"legacy":{"href":"/old"}}}"#,
        )
        .header("content-type", "application/hal+json"),
        "/api/people" => json(r#"{"people":[{"id":41,"name":"Ann"},{"id":42,"name":"Bo"}]}"#),
        "/api/people/41" | "/api/people/42" => json(r#"{"id":41}"#),
        "/old" => RawResponse::new(301, "").header("location", "/old/"),
        "/old/" => json(r#"{"legacy":true,"count":2}"#),
        "/api/internal/users" => json(r#"{"users":[{"id":1,"email":"a@example.test"}]}"#),
        _ => RawResponse::new(404, r#"{"error":"not found"}"#).header("content-type", "application/json"),
    }
}

#[tokio::test]
async fn discovery_follows_links_redirects_templates_and_the_wordlist() {
    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let log = Arc::clone(&seen);
    let addr = serve(move |req| {
        log.lock()
            .unwrap()
            .push((req.path.clone(), req.header("authorization").is_some()));
        api(req)
    })
    .await;
    let mut opts = ScanOptions::new(url::Url::parse(&format!("http://{addr}/")).unwrap());
    opts.identities = vec![Identity::bearer(
        "alice",
        Secret::new("tok-0123456789abcdef"),
    )];
    let report = run_scan(opts, &[], Arc::new(|_| {})).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let authed = |p: &str| seen.iter().any(|(s, a)| s == p && *a);
    // Crawled through relative links and the HAL index, both ways.
    for p in ["/docs/", "/docs/guide", "/api", "/api/people", "/old/"] {
        assert!(authed(p), "{p} fetched as the identity: {seen:?}");
    }
    // The templated link filled with the harvested ids, not a guess.
    assert!(
        authed("/api/people/41") && authed("/api/people/42"),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|(s, _)| s == "/api/people/1"), "{seen:?}");
    // The wordlist found the hidden route under the /api/ prefix; it joined the routes
    // (fetched as the identity too).
    assert!(authed("/api/internal/users"), "{seen:?}");
    // Nothing state-changing was requested.
    assert!(!seen.iter().any(|(s, _)| s.contains("logout")), "{seen:?}");
    // Bounded: the wordlist's probes are the planned ones (at most MAX_REQUESTS with
    // the baselines), plus the crawl and the spec look-up.
    let plan = hidden_routes::plan(&["/".to_string(), "/api/".to_string()]);
    assert!(plan.len() + 2 <= hidden_routes::MAX_REQUESTS);
    assert!(seen.iter().any(|(s, _)| s == "/api/admin"), "{seen:?}");
    assert!(
        report.coverage.requests_sent < 200,
        "{}",
        report.coverage.requests_sent
    );
}
