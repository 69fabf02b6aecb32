//! The API end to end: a real server on 127.0.0.1:0 (SQLite in a temporary directory,
//! and PostgreSQL when one answers), a real loopback stub target, real scans.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod support;

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_server::store::Outcome;
use tollgate_server::{Database, Running};

/// A small JSON API on 127.0.0.1 with a few weaknesses a scan reports.
async fn stub_target(delay: Duration) -> SocketAddr {
    serve(move |req| {
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let json = |status, body: &str| {
            RawResponse::new(status, body.to_string()).header("content-type", "application/json")
        };
        match req.path.split('?').next().unwrap_or("/") {
            "/" => json(
                200,
                r#"{"name":"stub shop","links":{"items":"/api/items"}}"#,
            )
            .header("server", "nginx/1.18.0")
            .header("access-control-allow-origin", "*"),
            "/api/items" => json(200, r#"[{"id":1,"name":"mug"},{"id":2,"name":"hat"}]"#),
            "/api/items/1" => json(200, r#"{"id":1,"name":"mug"}"#),
            "/docs/openapi.json" => json(
                200,
                r#"{"openapi":"3.0.3","info":{"title":"stub","version":"1"},"paths":{"/api/items":{"get":{"responses":{"200":{"description":"items"}}}}}}"#,
            ),
            _ => json(404, r#"{"detail":"not found"}"#),
        }
    })
    .await
}

struct Api {
    base: String,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Api {
    fn new(addr: SocketAddr) -> Api {
        Api {
            base: format!("http://{addr}"),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.header("authorization", format!("Bearer {k}"));
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&b).expect("body"));
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = resp.bytes().await.expect("body").to_vec();
        Answer {
            status,
            content_type,
            body,
        }
    }

    async fn new_key(&self, admin: &str, role: &str) -> String {
        let a = self
            .call(
                "POST",
                "/api/v1/keys",
                Some(admin),
                Some(json!({"name": role, "role": role})),
            )
            .await;
        assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
        a.json()["key"].as_str().expect("key").to_string()
    }

    async fn wait_for(&self, key: &str, scan: &str, states: &[&str], limit: Duration) -> Value {
        let started = Instant::now();
        loop {
            let s = self
                .call("GET", &format!("/api/v1/scans/{scan}"), Some(key), None)
                .await
                .json();
            if states.contains(&s["state"].as_str().unwrap_or_default()) {
                return s;
            }
            assert!(
                started.elapsed() < limit,
                "scan {scan} did not reach {states:?}: {s}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn problem(a: &Answer, status: u16) {
    assert_eq!(a.status, status, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.content_type, "application/problem+json");
    let p = a.json();
    assert_eq!(p["status"], status);
    assert!(p["title"].is_string() && p["detail"].is_string(), "{p}");
}

/// Registers the stub, scans it, reads the report in every format and the findings
/// page by page, and checks that a second delivery of the job stores nothing.
async fn scan_flow(running: Running, label: &str) {
    let api = Api::new(running.addr);
    let admin = running
        .first_admin_key
        .clone()
        .expect("a new database prints a first admin key");
    let operator = api.new_key(&admin, "operator").await;
    let viewer = api.new_key(&admin, "viewer").await;
    let target = stub_target(Duration::ZERO).await;

    // The SSRF guard: loopback is allowed only as 127.0.0.1, never the server itself.
    for refused in [
        "http://10.0.0.1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[::ffff:127.0.0.2]/".to_string(),
        "http://127.0.0.2/".to_string(),
        format!("http://{}/", running.addr),
        "file:///etc/passwd".to_string(),
    ] {
        let a = api
            .call(
                "POST",
                "/api/v1/targets",
                Some(&operator),
                Some(json!({"url": refused})),
            )
            .await;
        problem(&a, 422);
    }
    let a = api
        .call(
            "POST",
            "/api/v1/targets",
            Some(&operator),
            Some(json!({"url": format!("http://{target}/"), "allow_intrusive": true})),
        )
        .await;
    problem(&a, 403);
    let a = api
        .call(
            "POST",
            "/api/v1/targets",
            Some(&operator),
            Some(json!({"url": format!("http://{target}/"), "name": "stub", "profile": "quick"})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let target_id = a.json()["id"].as_str().expect("id").to_string();

    let started = Instant::now();
    let a = api
        .call(
            "POST",
            "/api/v1/scans",
            Some(&operator),
            Some(json!({"target_id": target_id})),
        )
        .await;
    assert_eq!(a.status, 202, "{}", String::from_utf8_lossy(&a.body));
    let scan = a.json();
    assert_eq!(scan["state"], "queued");
    let scan_id = scan["id"].as_str().expect("id").to_string();
    let done = api
        .wait_for(
            &viewer,
            &scan_id,
            &["completed", "failed", "cancelled"],
            Duration::from_secs(240),
        )
        .await;
    assert_eq!(done["state"], "completed", "{done}");
    eprintln!(
        "[{label}] one scan through the API (queued → completed): {:.2} s, {} checks, {} findings, score {}",
        started.elapsed().as_secs_f64(),
        done["progress"]["checks_total"],
        done["findings_count"],
        done["score"]
    );
    assert_eq!(
        done["progress"]["checks_done"],
        done["progress"]["checks_total"]
    );
    assert!(
        done["progress"]["checks_total"].as_i64().expect("total") > 0,
        "{done}"
    );
    let count = done["findings_count"].as_i64().expect("count");
    assert!(count > 0, "the stub's weaknesses are found: {done}");

    // The metrics count it (Prometheus text format, a viewer key).
    let m = api.call("GET", "/metrics", Some(&viewer), None).await;
    assert_eq!(m.status, 200);
    assert!(
        m.content_type.starts_with("text/plain"),
        "{}",
        m.content_type
    );
    let text = String::from_utf8(m.body).expect("utf-8");
    assert!(
        text.contains("tollgate_scans{state=\"completed\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("tollgate_queue_depth 0\n"), "{text}");
    assert!(
        text.contains("tollgate_scan_duration_seconds_count 1\n"),
        "{text}"
    );
    let sum: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("tollgate_scan_duration_seconds_sum "))
        .and_then(|v| v.parse().ok())
        .expect("duration sum");
    assert!(sum > 0.0, "{text}");

    // The diff: the first scan has no predecessor, every finding is new; a second scan
    // of the unchanged target finds the same ones, nothing new, nothing fixed.
    let d = api
        .call(
            "GET",
            &format!("/api/v1/scans/{scan_id}/diff"),
            Some(&viewer),
            None,
        )
        .await
        .json();
    assert!(d["previous_scan_id"].is_null(), "{d}");
    assert_eq!(
        d["new"].as_array().map(Vec::len),
        Some(count as usize),
        "{d}"
    );
    assert_eq!(d["fixed"].as_array().map(Vec::len), Some(0), "{d}");
    let second_id = api
        .call(
            "POST",
            "/api/v1/scans",
            Some(&operator),
            Some(json!({"target_id": target_id})),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let second = api
        .wait_for(
            &viewer,
            &second_id,
            &["completed", "failed", "cancelled"],
            Duration::from_secs(240),
        )
        .await;
    assert_eq!(second["state"], "completed", "{second}");
    let d = api
        .call(
            "GET",
            &format!("/api/v1/scans/{second_id}/diff"),
            Some(&viewer),
            None,
        )
        .await
        .json();
    assert_eq!(d["previous_scan_id"], scan_id.as_str(), "{d}");
    assert_eq!(d["new"].as_array().map(Vec::len), Some(0), "{d}");
    assert_eq!(d["fixed"].as_array().map(Vec::len), Some(0), "{d}");
    assert_eq!(d["unchanged_count"], second["findings_count"], "{d}");
    assert_eq!(d["score_before"], d["score_after"], "{d}");

    // The report in every format the CLI writes.
    let json_report = api
        .call(
            "GET",
            &format!("/api/v1/scans/{scan_id}/report"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(json_report.status, 200);
    assert_eq!(json_report.content_type, "application/json");
    let report = json_report.json();
    assert_eq!(
        report["findings"].as_array().expect("findings").len() as i64,
        count
    );
    for (format, content_type, marker) in [
        ("sarif", "application/sarif+json", "\"2.1.0\""),
        ("html", "text/html; charset=utf-8", "<html"),
        ("markdown", "text/markdown; charset=utf-8", "#"),
        ("junit", "application/xml", "<testsuite"),
    ] {
        let a = api
            .call(
                "GET",
                &format!("/api/v1/scans/{scan_id}/report?format={format}"),
                Some(&viewer),
                None,
            )
            .await;
        assert_eq!(a.status, 200, "{format}");
        assert_eq!(a.content_type, content_type, "{format}");
        assert!(
            String::from_utf8_lossy(&a.body).contains(marker),
            "{format}"
        );
    }
    problem(
        &api.call(
            "GET",
            &format!("/api/v1/scans/{scan_id}/report?format=pdf"),
            Some(&viewer),
            None,
        )
        .await,
        400,
    );

    // Findings, one per page: every finding once, in report order.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = api
            .call(
                "GET",
                &format!("/api/v1/scans/{scan_id}/findings?limit=1&offset={offset}"),
                Some(&viewer),
                None,
            )
            .await
            .json();
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 1);
        seen.extend(items.iter().map(|f| f["fingerprint"].clone()));
        match page["next_offset"].as_i64() {
            Some(n) => offset = n,
            None => break,
        }
    }
    let in_report: Vec<Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["fingerprint"].clone())
        .collect();
    assert_eq!(seen, in_report);
    problem(
        &api.call(
            "GET",
            &format!("/api/v1/scans/{scan_id}/findings?limit=500"),
            Some(&viewer),
            None,
        )
        .await,
        400,
    );

    // A job delivered twice never stores two results.
    let parsed: tollgate_core::Report = serde_json::from_slice(&json_report.body).expect("report");
    let again = Outcome::Report {
        report: Box::new(parsed),
        cancelled: false,
    };
    assert!(!running
        .store
        .finish(&scan_id, "another-worker", &again, (0, 0))
        .await
        .expect("finish"));
    assert_eq!(
        running.store.report_count(&scan_id).await.expect("count"),
        1
    );

    // A finished scan cannot be cancelled; lists are paginated.
    problem(
        &api.call(
            "POST",
            &format!("/api/v1/scans/{scan_id}/cancel"),
            Some(&operator),
            None,
        )
        .await,
        409,
    );
    let list = api
        .call(
            "GET",
            &format!("/api/v1/scans?target_id={target_id}&limit=1"),
            Some(&viewer),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"][0]["id"], scan_id.as_str());
    assert_eq!(list["next_offset"], 1, "two scans of the target: {list}");
    let last = api
        .call(
            "GET",
            &format!("/api/v1/scans?target_id={target_id}&limit=1&offset=1"),
            Some(&viewer),
            None,
        )
        .await
        .json();
    assert_eq!(last["items"][0]["id"], second_id.as_str());
    assert!(last["next_offset"].is_null(), "{last}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scan_through_the_api_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = support::server(Database::DataDir(dir.path().to_path_buf()), 2).await;
    scan_flow(running, "sqlite").await;
    // The first admin key is printed once: a second start on the same data has none.
    let again = support::server(Database::DataDir(dir.path().to_path_buf()), 1).await;
    assert!(again.first_admin_key.is_none());
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scan_through_the_api_on_postgres() {
    let Some(db) = support::PgDb::create("api").await else {
        return;
    };
    let running = support::server(Database::Url(db.url.clone()), 2).await;
    scan_flow(running, "postgres").await;
}

/// A running scan is cancelled within a heartbeat and keeps what finished; a queued
/// scan is cancelled at once and has no report.
#[tokio::test(flavor = "multi_thread", worker_threads = 6)]
async fn scans_are_cancelled_queued_or_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = support::server(Database::DataDir(dir.path().to_path_buf()), 1).await;
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("key");
    // Every answer takes 300 ms: the scan runs far longer than a heartbeat.
    let slow = stub_target(Duration::from_millis(300)).await;
    let t = api
        .call(
            "POST",
            "/api/v1/targets",
            Some(&admin),
            Some(json!({"url": format!("http://{slow}/")})),
        )
        .await
        .json();
    let target_id = t["id"].as_str().expect("id");
    let first = api
        .call(
            "POST",
            "/api/v1/scans",
            Some(&admin),
            Some(json!({"target_id": target_id})),
        )
        .await
        .json();
    let second = api
        .call(
            "POST",
            "/api/v1/scans",
            Some(&admin),
            Some(json!({"target_id": target_id})),
        )
        .await
        .json();
    let (first, second) = (
        first["id"].as_str().expect("id"),
        second["id"].as_str().expect("id"),
    );
    api.wait_for(&admin, first, &["running"], Duration::from_secs(30))
        .await;
    // One worker: the second scan is still queued.
    let a = api
        .call(
            "POST",
            &format!("/api/v1/scans/{second}/cancel"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(a.status, 202);
    assert_eq!(a.json()["state"], "cancelled");
    problem(
        &api.call(
            "GET",
            &format!("/api/v1/scans/{second}/report"),
            Some(&admin),
            None,
        )
        .await,
        409,
    );
    let asked = Instant::now();
    let a = api
        .call(
            "POST",
            &format!("/api/v1/scans/{first}/cancel"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(a.status, 202);
    let ended = api
        .wait_for(
            &admin,
            first,
            &["cancelled", "completed", "failed"],
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(ended["state"], "cancelled", "{ended}");
    eprintln!(
        "running scan cancelled {:.2} s after the request",
        asked.elapsed().as_secs_f64()
    );
    let report = api
        .call(
            "GET",
            &format!("/api/v1/scans/{first}/report"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(report["cancelled"], true);
    running.stop().await;
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Need {
    Viewer,
    Operator,
    Admin,
}

/// Every endpoint × no key, a viewer, an operator and an admin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No workers: scans stay queued, nothing is scanned.
    let running = support::server(Database::DataDir(dir.path().to_path_buf()), 0).await;
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("key");
    let operator = api.new_key(&admin, "operator").await;
    let viewer = api.new_key(&admin, "viewer").await;
    let stub = stub_target(Duration::ZERO).await;
    let target = api
        .call(
            "POST",
            "/api/v1/targets",
            Some(&admin),
            Some(json!({"url": format!("http://{stub}/")})),
        )
        .await
        .json();
    let target_id = target["id"].as_str().expect("id").to_string();
    let new_scan = || async {
        api.call(
            "POST",
            "/api/v1/scans",
            Some(&admin),
            Some(json!({"target_id": target_id})),
        )
        .await
        .json()["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let scan_id = new_scan().await;
    let new_hook = || async {
        api.call(
            "POST",
            "/api/v1/webhooks",
            Some(&admin),
            Some(json!({"url": format!("http://{stub}/"), "events": ["scan.completed"]})),
        )
        .await
        .json()["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let hook_id = new_hook().await;

    for (who, key) in [
        ("nobody", None),
        ("viewer", Some(viewer.as_str())),
        ("operator", Some(operator.as_str())),
        ("admin", Some(admin.as_str())),
    ] {
        let rank = match who {
            "viewer" => 1,
            "operator" => 2,
            "admin" => 3,
            _ => 0,
        };
        // Fresh objects per caller, so that an allowed write finds something to act on.
        let cancel_me = new_scan().await;
        let revoke_me = api
            .call(
                "POST",
                "/api/v1/keys",
                Some(&admin),
                Some(json!({"name": "x", "role": "viewer"})),
            )
            .await
            .json()["id"]
            .as_str()
            .expect("id")
            .to_string();
        let patch_me = api
            .call(
                "POST",
                "/api/v1/targets",
                Some(&admin),
                Some(json!({"url": format!("http://{stub}/")})),
            )
            .await
            .json()["id"]
            .as_str()
            .expect("id")
            .to_string();
        let delete_me = new_hook().await;
        let endpoints: Vec<(&str, String, Option<Value>, Need)> = vec![
            ("GET", "/api/v1/openapi.json".into(), None, Need::Viewer),
            ("GET", "/metrics".into(), None, Need::Viewer),
            ("GET", "/api/v1/keys".into(), None, Need::Admin),
            (
                "POST",
                "/api/v1/keys".into(),
                Some(json!({"name": "m", "role": "viewer"})),
                Need::Admin,
            ),
            (
                "DELETE",
                format!("/api/v1/keys/{revoke_me}"),
                None,
                Need::Admin,
            ),
            ("GET", "/api/v1/targets".into(), None, Need::Viewer),
            (
                "POST",
                "/api/v1/targets".into(),
                Some(json!({"url": format!("http://{stub}/")})),
                Need::Operator,
            ),
            (
                "POST",
                "/api/v1/targets".into(),
                Some(json!({"url": format!("http://{stub}/"), "allow_intrusive": true})),
                Need::Admin,
            ),
            (
                "GET",
                format!("/api/v1/targets/{target_id}"),
                None,
                Need::Viewer,
            ),
            ("GET", "/api/v1/scans".into(), None, Need::Viewer),
            (
                "POST",
                "/api/v1/scans".into(),
                Some(json!({"target_id": target_id})),
                Need::Operator,
            ),
            (
                "GET",
                format!("/api/v1/scans/{scan_id}"),
                None,
                Need::Viewer,
            ),
            (
                "POST",
                format!("/api/v1/scans/{cancel_me}/cancel"),
                None,
                Need::Operator,
            ),
            (
                "GET",
                format!("/api/v1/scans/{scan_id}/report"),
                None,
                Need::Viewer,
            ),
            (
                "GET",
                format!("/api/v1/scans/{scan_id}/findings"),
                None,
                Need::Viewer,
            ),
            (
                "GET",
                format!("/api/v1/scans/{scan_id}/diff"),
                None,
                Need::Viewer,
            ),
            (
                "PATCH",
                format!("/api/v1/targets/{patch_me}"),
                Some(json!({"name": "renamed", "schedule": {"every": "6h"}})),
                Need::Operator,
            ),
            (
                "PATCH",
                format!("/api/v1/targets/{patch_me}"),
                Some(json!({"allow_intrusive": true})),
                Need::Admin,
            ),
            (
                "GET",
                format!("/api/v1/targets/{target_id}/diffs"),
                None,
                Need::Viewer,
            ),
            (
                "GET",
                format!("/api/v1/targets/{target_id}/triage"),
                None,
                Need::Viewer,
            ),
            (
                "PUT",
                format!("/api/v1/targets/{target_id}/triage/0123456789abcdef"),
                Some(json!({"state": "false_positive", "reason": "matrix"})),
                Need::Operator,
            ),
            (
                "GET",
                format!("/api/v1/scans/{scan_id}/diff?against={scan_id}"),
                None,
                Need::Viewer,
            ),
            ("GET", "/api/v1/webhooks".into(), None, Need::Viewer),
            (
                "POST",
                "/api/v1/webhooks".into(),
                Some(json!({"url": format!("http://{stub}/"), "events": ["findings.new"]})),
                Need::Operator,
            ),
            (
                "GET",
                format!("/api/v1/webhooks/{hook_id}"),
                None,
                Need::Viewer,
            ),
            (
                "DELETE",
                format!("/api/v1/webhooks/{delete_me}"),
                None,
                Need::Operator,
            ),
            (
                "POST",
                format!("/api/v1/webhooks/{hook_id}/test"),
                None,
                Need::Operator,
            ),
            (
                "GET",
                format!("/api/v1/webhooks/{hook_id}/deliveries"),
                None,
                Need::Viewer,
            ),
            ("GET", "/api/v1/no-such-route".into(), None, Need::Viewer),
        ];
        for (method, path, body, need) in endpoints {
            let a = api.call(method, &path, key, body).await;
            let needed = match need {
                Need::Viewer => 1,
                Need::Operator => 2,
                Need::Admin => 3,
            };
            let what = format!(
                "{who}: {method} {path} → {} {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            );
            if rank == 0 {
                assert_eq!(a.status, 401, "{what}");
                assert_eq!(a.content_type, "application/problem+json", "{what}");
            } else if rank < needed {
                assert_eq!(a.status, 403, "{what}");
                assert_eq!(a.content_type, "application/problem+json", "{what}");
            } else {
                // Allowed: the request reached the resource (the queued scan has no
                // report yet: 409; the unknown route: 404).
                assert!(
                    a.status < 400 || a.status == 404 || a.status == 409,
                    "{what}"
                );
            }
        }
    }
    // Unauthenticated probes answer: the two health endpoints only.
    assert_eq!(api.call("GET", "/healthz", None, None).await.status, 200);
    assert_eq!(api.call("GET", "/readyz", None, None).await.status, 200);
    // A revoked key no longer works; a malformed one neither.
    let k = api
        .call(
            "POST",
            "/api/v1/keys",
            Some(&admin),
            Some(json!({"name": "gone", "role": "admin"})),
        )
        .await
        .json();
    let (gone_key, gone_id) = (
        k["key"].as_str().expect("key"),
        k["id"].as_str().expect("id"),
    );
    assert_eq!(
        api.call("GET", "/api/v1/targets", Some(gone_key), None)
            .await
            .status,
        200
    );
    assert_eq!(
        api.call(
            "DELETE",
            &format!("/api/v1/keys/{gone_id}"),
            Some(&admin),
            None
        )
        .await
        .status,
        204
    );
    problem(
        &api.call("GET", "/api/v1/targets", Some(gone_key), None)
            .await,
        401,
    );
    problem(
        &api.call("GET", "/api/v1/targets", Some("tgk_short"), None)
            .await,
        401,
    );
    // Bodies and queries that do not parse are problems too.
    problem(
        &api.call(
            "POST",
            "/api/v1/targets",
            Some(&admin),
            Some(json!({"nope": 1})),
        )
        .await,
        422,
    );
    problem(
        &api.call("GET", "/api/v1/targets?limit=abc", Some(&admin), None)
            .await,
        400,
    );
    problem(
        &api.call("PUT", "/api/v1/targets", Some(&admin), None).await,
        405,
    );
    running.stop().await;
}

/// The OpenAPI document is 3.1, generated from the code, and lists every route.
#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = support::server(Database::DataDir(dir.path().to_path_buf()), 0).await;
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("key");
    let a = api
        .call("GET", "/api/v1/openapi.json", Some(&admin), None)
        .await;
    assert_eq!(a.status, 200);
    let doc = a.json();
    assert!(
        doc["openapi"].as_str().expect("version").starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
        "/api/v1/keys",
        "/api/v1/keys/{id}",
        "/api/v1/targets",
        "/api/v1/targets/{id}",
        "/api/v1/scans",
        "/api/v1/scans/{id}",
        "/api/v1/scans/{id}/cancel",
        "/api/v1/scans/{id}/report",
        "/api/v1/scans/{id}/findings",
        "/api/v1/scans/{id}/diff",
        "/api/v1/targets/{id}/diffs",
        "/api/v1/targets/{id}/triage",
        "/api/v1/targets/{id}/triage/{fingerprint}",
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/{id}/test",
        "/api/v1/webhooks/{id}/deliveries",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    running.stop().await;
}

/// A target's spec URL is fetched through the guard and used; one that cannot be
/// loaded fails the scan with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_targets_spec_url_is_loaded_or_fails_the_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = support::server(Database::DataDir(dir.path().to_path_buf()), 2).await;
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("key");
    let stub = stub_target(Duration::ZERO).await;
    let mut states = Vec::new();
    for spec in ["docs/openapi.json", "docs/missing.json"] {
        let t = api
            .call(
                "POST",
                "/api/v1/targets",
                Some(&admin),
                Some(json!({"url": format!("http://{stub}/"), "spec_url": format!("http://{stub}/{spec}"), "profile": "quick"})),
            )
            .await;
        assert_eq!(t.status, 201, "{}", String::from_utf8_lossy(&t.body));
        let target_id = t.json()["id"].as_str().expect("id").to_string();
        let scan = api
            .call(
                "POST",
                "/api/v1/scans",
                Some(&admin),
                Some(json!({"target_id": target_id})),
            )
            .await
            .json();
        let id = scan["id"].as_str().expect("id").to_string();
        states.push(
            api.wait_for(
                &admin,
                &id,
                &["completed", "failed", "cancelled"],
                Duration::from_secs(120),
            )
            .await,
        );
    }
    assert_eq!(states[0]["state"], "completed", "{}", states[0]);
    assert_eq!(states[1]["state"], "failed", "{}", states[1]);
    let error = states[1]["error"].as_str().expect("error");
    assert!(
        error.contains("API description") && error.contains("404"),
        "{error}"
    );
    running.stop().await;
}
