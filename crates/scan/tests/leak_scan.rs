//! The leak checks through a whole scan (seed, soft-404 baseline, discovery, probes,
//! analysis): a small DEBUG-Django-like server whose 500 page is reachable only through
//! error-triggering probes, and catch-all servers that must produce no finding.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use tollgate_core::{Report, Severity};
use tollgate_scan::testkit::{serve, RawRequest, RawResponse};
use tollgate_scan::{registry, run_scan, ScanOptions};

const PAT: &str = "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";
const DOCKER_HOST: &str = "tcp://127.0.0.1:2375";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3IiwiZXhwIjo0MTAyNDQ0ODAwfQ.bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok";

const OURS: &[&str] = &[
    "LEAK-002", "LEAK-003", "LEAK-004", "LEAK-005", "LEAK-006", "MISC-008",
];

fn debug_404(path: &str) -> String {
    let patterns = [
        "",
        "api/items/",
        "api/items/&lt;str:pk&gt;/",
        "api/users/",
        ".env",
        "logs/access.log",
    ];
    let lis: String = patterns
        .iter()
        .map(|p| format!("<li><code>{p}</code></li>"))
        .collect();
    format!(
        "<title>Page not found at {path}</title>Using the URLconf defined in <code>shop.urls</code>, Django tried these URL patterns, in this order:<ol>{lis}</ol>You’re seeing this error because you have <code>DEBUG = True</code> in your settings."
    )
}

fn debug_500(path: &str) -> String {
    format!(
        "<title>ValueError at {path}</title><div id=\"traceback\">Traceback</div><table class=\"req\">\
         <tr><td>DEPLOY_GITHUB_PAT</td><td class=\"code\"><pre>&#x27;{PAT}&#x27;</pre></td></tr>\
         <tr><td>DOCKER_HOST</td><td class=\"code\"><pre>&#x27;{DOCKER_HOST}&#x27;</pre></td></tr></table>\
         You’re seeing this error because you have <code>DEBUG = True</code> in your Django settings file."
    )
}

/// Only `/api/items/<non-number>/` crashes; nothing links to it.
fn django_like(req: &RawRequest) -> RawResponse {
    let path = req.path.split('?').next().unwrap_or("/").to_string();
    let json =
        |body: String| RawResponse::new(200, body).header("content-type", "application/json");
    match path.as_str() {
        "/" => json(r#"{"items":"/api/items/"}"#.into()),
        "/api/items/" => json(r#"[{"id":1}]"#.into()),
        "/api/items/1/" => json(r#"{"id":1}"#.into()),
        "/api/users/" => json(format!(r#"[{{"id":1,"access_token":"{JWT}"}}]"#)),
        "/.env" => RawResponse::new(200, format!("DEPLOY_GITHUB_PAT={PAT}\nDOCKER_HOST={DOCKER_HOST}\n"))
            .header("content-type", "text/plain"),
        "/logs/access.log" => RawResponse::new(
            200,
            format!("10.0.0.1 - - [29/Nov/2026:00:16:05 +0000] \"GET /api/items/ HTTP/1.1\" 200 10\n10.0.0.2 - - [29/Nov/2026:00:17:05 +0000] \"GET /api/users/ HTTP/1.1\" 200 10 \"Authorization: Bearer {JWT}\"\n"),
        ),
        p if p.starts_with("/api/items/") && p.len() > "/api/items/".len() => {
            RawResponse::new(500, debug_500(p)).header("content-type", "text/html")
        }
        p => RawResponse::new(404, debug_404(p)).header("content-type", "text/html"),
    }
}

async fn scan(addr: std::net::SocketAddr) -> Report {
    let opts = ScanOptions::new(url::Url::parse(&format!("http://{addr}/")).unwrap());
    let checks: Vec<_> = registry::all()
        .iter()
        .copied()
        .filter(|c| OURS.contains(&c.meta().id.as_str()))
        .collect();
    assert_eq!(checks.len(), OURS.len(), "every leak check is registered");
    run_scan(opts, &checks, Arc::new(|_| {})).await.unwrap()
}

fn worst(report: &Report, id: &str) -> Option<Severity> {
    report
        .findings
        .iter()
        .filter(|f| f.check_id.as_str() == id)
        .map(|f| f.severity)
        .max()
}

#[tokio::test]
async fn a_debug_django_target_leaks_through_every_channel_and_nothing_is_printed_in_full() {
    let addr = serve(django_like).await;
    let report = scan(addr).await;
    assert_eq!(
        worst(&report, "LEAK-002"),
        Some(Severity::Critical),
        "500 page via probes"
    );
    assert!(worst(&report, "LEAK-003").is_some(), "debug 404 listing");
    assert_eq!(worst(&report, "LEAK-004"), Some(Severity::Critical), ".env");
    assert_eq!(
        worst(&report, "LEAK-005"),
        Some(Severity::Critical),
        "tokens in logs"
    );
    assert!(worst(&report, "LEAK-006").is_some(), "token in /api/users/");
    let probe = report
        .findings
        .iter()
        .find(|f| f.check_id.as_str() == "LEAK-002")
        .unwrap();
    assert!(
        probe.location.to_string().contains("/api/items/abc/"),
        "{}",
        probe.location
    );
    let json = serde_json::to_string(&report).unwrap();
    for secret in [
        PAT,
        DOCKER_HOST,
        JWT,
        "bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok",
    ] {
        assert!(!json.contains(secret), "{secret} printed in full");
    }
    assert!(json.contains("ghp_…RM6r"), "masked token shown");
    assert!(
        json.contains("DOCKER_HOST=tcp:…2375"),
        "masked DOCKER_HOST shown"
    );
}

#[tokio::test]
async fn catch_all_html_server_yields_no_leak_finding() {
    let page = "<!doctype html><html><head><title>Shop</title></head><body><div id=\"app\"></div><a href=\"/about\">about</a></body></html>";
    let addr =
        serve(move |_| RawResponse::new(200, page).header("content-type", "text/html")).await;
    let report = scan(addr).await;
    let ours: Vec<_> = report
        .findings
        .iter()
        .filter(|f| OURS.contains(&f.check_id.as_str()))
        .map(|f| format!("{} {}", f.check_id, f.title))
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
}

#[tokio::test]
async fn catch_all_json_and_text_servers_yield_no_leak_finding() {
    for body in [
        r#"{"status":"ok","service":"shop"}"#,
        "STATUS=ok\nHOST=web\n",
    ] {
        let addr = serve(move |_| RawResponse::new(200, body)).await;
        let report = scan(addr).await;
        let ours: Vec<_> = report
            .findings
            .iter()
            .filter(|f| OURS.contains(&f.check_id.as_str()))
            .map(|f| format!("{} {}", f.check_id, f.title))
            .collect();
        assert!(ours.is_empty(), "{body}: {ours:?}");
    }
}
