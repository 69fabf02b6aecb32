//! Target identities end to end, on SQLite and PostgreSQL: stored encrypted (the raw
//! rows never hold a token), sent by the scans (the stub target sees them), kept out
//! of every report, finding and API answer (a canary the stub echoes back in its error
//! pages), and a server started with another key refuses to start.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod support;

use support::Api;

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_server::guard::Allow;
use tollgate_server::vault::SecretKey;
use tollgate_server::{Database, Running, ServerConfig};

const ALICE: &str = "alice-canary-token-5f1e9c2a7b";
const BOB: &str = "bob-canary-apikey-8d3a6e4f21";
/// Carol logs in (oauth2-password) with this password and gets this token.
const CAROL_PASSWORD: &str = "carol-canary-password-3c7d9a";
const CAROL_TOKEN: &str = "carol-canary-issued-token-a81f04";

/// The stub's API description: a collection and its items, for the BOLA checks.
const SPEC: &str = r#"{"openapi":"3.0.3","info":{"title":"stub","version":"1"},"paths":{
 "/api/items":{"get":{"security":[{"b":[]}],"responses":{"200":{"description":"own items"}}}},
 "/api/items/{id}":{"get":{"security":[{"b":[]}],"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],"responses":{"200":{"description":"an item"}}}}},
 "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}}}"#;

fn key(byte: &str) -> SecretKey {
    SecretKey::parse(&byte.repeat(32)).expect("key")
}

async fn start(
    database: Database,
    workers: usize,
    key: Option<SecretKey>,
) -> anyhow::Result<Running> {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), database);
    config.workers = workers;
    config.allow = vec!["127.0.0.1".parse::<Allow>().expect("allow")];
    config.engine.max_time = Duration::from_secs(120);
    config.secret_key = key;
    tollgate_server::start(config).await
}

/// A stub API that records the credentials it receives, serves its items only to a
/// caller with one, and whose error pages echo the request headers back (as a debug
/// page would): the canaries come back in responses the checks record as evidence.
async fn echoing_target(seen: Arc<Mutex<Vec<String>>>) -> SocketAddr {
    serve(move |req| {
        let auth = req.header("authorization").unwrap_or_default().to_string();
        let api_key = req.header("x-api-key").unwrap_or_default().to_string();
        {
            let mut seen = seen.lock().unwrap();
            for v in [&auth, &api_key] {
                if !v.is_empty() {
                    seen.push(v.clone());
                }
            }
        }
        let json = |status, body: String| {
            RawResponse::new(status, body).header("content-type", "application/json")
        };
        if req.path == "/token" {
            let form = String::from_utf8_lossy(&req.body).to_string();
            seen.lock().unwrap().push(form.clone());
            return if form.contains(CAROL_PASSWORD) {
                json(200, format!(r#"{{"access_token":"{CAROL_TOKEN}","token_type":"bearer"}}"#))
            } else {
                json(401, r#"{"error":"invalid_grant"}"#.into())
            };
        }
        let alice = auth == format!("Bearer {ALICE}");
        let bob = api_key == BOB;
        match req.path.split('?').next().unwrap_or("/") {
            "/" => json(200, r#"{"name":"stub","links":{"items":"/api/items"}}"#.into())
                .header("access-control-allow-origin", "*"),
            "/openapi.json" => json(200, SPEC.into()),
            // Each user lists their own item, and reads anyone's (a BOLA flaw).
            "/api/items" if alice => json(200, r#"[{"id":1,"owner":"alice"}]"#.into()),
            "/api/items" if bob => json(200, r#"[{"id":2,"owner":"bob"}]"#.into()),
            "/api/items/1" if alice || bob => json(200, r#"{"id":1,"owner":"alice"}"#.into()),
            "/api/items/2" if alice || bob => json(200, r#"{"id":2,"owner":"bob"}"#.into()),
            "/api/items" | "/api/items/1" | "/api/items/2" => {
                json(401, r#"{"detail":"authentication required"}"#.into())
            }
            path => {
                let headers: Vec<String> = req
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                RawResponse::new(
                    500,
                    format!(
                        "<html><body><h1>Internal Server Error</h1><pre>Traceback (most recent call last):\n  File \"app.py\", line 12, in handler\nKeyError: {path}\nrequest headers:\n{}</pre></body></html>",
                        headers.join("\n")
                    ),
                )
                .header("content-type", "text/html")
            }
        }
    })
    .await
}

/// Every text column of every row of `table`, joined.
async fn dump(running: &Running, table: &str) -> String {
    use sqlx::{Column, Row};
    let rows = sqlx::query(&format!("SELECT * FROM {table}"))
        .fetch_all(running.store.pool())
        .await
        .expect("dump");
    let mut out = String::new();
    for r in &rows {
        for c in r.columns() {
            if let Ok(Some(v)) = r.try_get::<Option<String>, _>(c.ordinal()) {
                out.push_str(&v);
                out.push('\n');
            }
        }
    }
    out
}

fn assert_no_canary(what: &str, text: &str) {
    for canary in [ALICE, BOB, CAROL_PASSWORD, CAROL_TOKEN] {
        assert!(
            !text.contains(canary),
            "{what} holds a canary token: {text}"
        );
        // Their distinctive fragments too (the redactor masks those as well).
        assert!(
            !text.contains(&canary[..20]),
            "{what} holds part of a canary token"
        );
    }
}

async fn identity_flow(database: Database, label: &str) {
    let running = start(database, 1, Some(key("5a")))
        .await
        .expect("server starts");
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("admin key");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let stub = echoing_target(Arc::clone(&seen)).await;

    let (status, t) = api
        .call(
            "POST",
            "/api/v1/targets",
            &admin,
            Some(json!({
                "url": format!("http://{stub}/"),
                "spec_url": format!("http://{stub}/openapi.json"),
                "identities": [
                    {"name": "alice", "bearer": ALICE},
                    {"name": "bob", "header": {"name": "X-Api-Key", "value": BOB}}
                ]
            })),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(
        t["identities"],
        json!([{"name": "alice", "kind": "bearer"}, {"name": "bob", "kind": "header"}])
    );
    let target_id = t["id"].as_str().expect("id").to_string();

    // At rest: the sealed row, never the token.
    let rows = dump(&running, "target_identities").await;
    assert!(rows.contains("v1:"), "{rows}");
    assert_no_canary("the target_identities table", &rows);
    assert_no_canary("the targets table", &dump(&running, "targets").await);

    let started = Instant::now();
    let done = api.scan(&admin, &target_id).await;
    assert_eq!(done["state"], "completed", "{done}");
    eprintln!(
        "[{label}] a scan with two identities: {:.2} s, {} findings",
        started.elapsed().as_secs_f64(),
        done["findings_count"]
    );
    let sent = seen.lock().unwrap().clone();
    assert!(
        sent.contains(&format!("Bearer {ALICE}")),
        "the stub saw alice's bearer token"
    );
    assert!(
        sent.iter().any(|v| v == BOB),
        "the stub saw bob's X-Api-Key"
    );

    // A login identity: the scan logs in first, then sends the token it obtained.
    let (status, v) = api
        .call(
            "PUT",
            &format!("/api/v1/targets/{target_id}/identities"),
            &admin,
            Some(json!({"identities": [{"name": "carol", "login": {
                "url": "/token", "kind": "oauth2-password", "username": "carol", "password": CAROL_PASSWORD
            }}]})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["identities"], json!([{"name": "carol", "kind": "login"}]));
    let login_scan = api.scan(&admin, &target_id).await;
    assert_eq!(login_scan["state"], "completed", "{login_scan}");
    let sent = seen.lock().unwrap().clone();
    assert!(
        sent.iter()
            .any(|v| v.contains("grant_type=password") && v.contains(CAROL_PASSWORD)),
        "carol logged in"
    );
    assert!(
        sent.contains(&format!("Bearer {CAROL_TOKEN}")),
        "carol's requests carried the token her login obtained"
    );

    // Nowhere in what the server keeps or answers.
    let login_scan_id = login_scan["id"].as_str().expect("id");
    for scan_id in [done["id"].as_str().expect("id"), login_scan_id] {
        for path in [
            format!("/api/v1/scans/{scan_id}"),
            format!("/api/v1/scans/{scan_id}/findings?limit=200"),
            format!("/api/v1/scans/{scan_id}/diff"),
            format!("/api/v1/scans/{scan_id}/report"),
            format!("/api/v1/scans/{scan_id}/report?format=sarif"),
            format!("/api/v1/scans/{scan_id}/report?format=html"),
            format!("/api/v1/scans/{scan_id}/report?format=markdown"),
            format!("/api/v1/scans/{scan_id}/report?format=junit"),
            format!("/api/v1/targets/{target_id}"),
            "/api/v1/targets".to_string(),
            "/api/v1/scans".to_string(),
            "/metrics".to_string(),
        ] {
            let (status, _) = api.call("GET", &path, &admin, None).await;
            assert_eq!(status, 200, "{path}");
        }
    }
    let scan_id = done["id"].as_str().expect("id");
    let (_, report) = api
        .call(
            "GET",
            &format!("/api/v1/scans/{scan_id}/report"),
            &admin,
            None,
        )
        .await;
    let report_text = report.to_string();
    assert!(
        report_text.contains("$TOKEN"),
        "the echoed tokens are in the evidence, masked: {report_text}"
    );
    for table in [
        "reports",
        "findings",
        "scans",
        "targets",
        "target_identities",
    ] {
        assert_no_canary(table, &dump(&running, table).await);
    }

    // Replacing the list: a bad one is refused whole, an empty one removes them.
    let put = format!("/api/v1/targets/{target_id}/identities");
    for bad in [
        // A secret in the wrong place is not echoed back by the deserialisation error.
        json!({"identities": [{"name": "x", "header": ALICE}]}),
        json!({"identities": [{"name": "x", "bearer": ALICE, "cookie": {"name": "s", "value": BOB}}]}),
        json!({"identities": [{"name": "x", "login": {"url": "http://10.0.0.1/token", "kind": "json", "username": "u", "password": ALICE}}]}),
    ] {
        let (status, p) = api.call("PUT", &put, &admin, Some(bad)).await;
        assert_eq!(status, 422, "{p}");
    }
    let (status, p) = api
        .call(
            "PUT",
            "/api/v1/targets/tgt_nope/identities",
            &admin,
            Some(json!({"identities": []})),
        )
        .await;
    assert_eq!(status, 404, "{p}");
    let (status, v) = api
        .call(
            "PUT",
            &put,
            &admin,
            Some(json!({"identities": [{"name": "carol", "cookie": {"name": "sessionid", "value": ALICE}}]})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["identities"],
        json!([{"name": "carol", "kind": "cookie"}])
    );
    let (status, v) = api
        .call("PUT", &put, &admin, Some(json!({"identities": []})))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["identities"], json!([]));
    assert!(dump(&running, "target_identities").await.is_empty());

    for answer in api.answers.lock().unwrap().iter() {
        assert_no_canary("an API answer", answer);
    }
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identities_are_sealed_sent_and_never_shown_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    identity_flow(Database::DataDir(dir.path().to_path_buf()), "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identities_are_sealed_sent_and_never_shown_on_postgres() {
    let Some(db) = support::PgDb::create("creds").await else {
        return;
    };
    identity_flow(Database::Url(db.url.clone()), "postgres").await;
}

/// The key check: another key is refused at start; no key starts, but cannot store
/// identities and cannot scan a target that has them; a ciphertext moved to another
/// target does not decrypt.
async fn key_flow(database: Database) {
    let running = start(database.clone(), 0, Some(key("11")))
        .await
        .expect("server starts");
    let api = Api::new(running.addr);
    let admin = running.first_admin_key.clone().expect("admin key");
    let (status, t) = api
        .call(
            "POST",
            "/api/v1/targets",
            &admin,
            Some(json!({"url": "http://127.0.0.1:9/", "identities": [{"name": "alice", "bearer": ALICE}]})),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let sealed_id = t["id"].as_str().expect("id").to_string();
    let (_, other) = api
        .call(
            "POST",
            "/api/v1/targets",
            &admin,
            Some(json!({"url": "http://127.0.0.1:9/"})),
        )
        .await;
    let other_id = other["id"].as_str().expect("id").to_string();
    // A sealed value copied to another target's row.
    let copied = running
        .store
        .identities(&sealed_id)
        .await
        .expect("read")
        .expect("row");
    running
        .store
        .set_identities(&other_id, Some(&copied))
        .await
        .expect("copy");
    running.stop().await;

    let refused = start(database.clone(), 0, Some(key("22")))
        .await
        .expect_err("another key");
    let why = refused.to_string();
    assert!(
        why.contains("does not match") && why.contains("--secret-key-file"),
        "{why}"
    );

    // Without a key: it starts; identities are refused, plain targets work, and the
    // scan of a target with identities fails saying why.
    let keyless = start(database.clone(), 1, None)
        .await
        .expect("starts without a key");
    let api = Api::new(keyless.addr);
    let (status, p) = api
        .call(
            "POST",
            "/api/v1/targets",
            &admin,
            Some(json!({"url": "http://127.0.0.1:9/", "identities": [{"name": "alice", "bearer": ALICE}]})),
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("--secret-key-file"),
        "{p}"
    );
    let (status, p) = api
        .call(
            "POST",
            "/api/v1/targets",
            &admin,
            Some(json!({"url": "http://127.0.0.1:9/"})),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let failed = api.scan(&admin, &sealed_id).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .expect("error")
            .contains("no secret key"),
        "{failed}"
    );
    keyless.stop().await;

    // The right key again: the copied ciphertext does not decrypt for the other target.
    let back = start(database, 1, Some(key("11")))
        .await
        .expect("the right key starts");
    let api = Api::new(back.addr);
    let failed = api.scan(&admin, &other_id).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .expect("error")
            .contains("cannot be decrypted"),
        "{failed}"
    );
    for answer in api.answers.lock().unwrap().iter() {
        assert_no_canary("an API answer", answer);
    }
    back.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_key_is_checked_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    key_flow(Database::DataDir(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_key_is_checked_on_postgres() {
    let Some(db) = support::PgDb::create("creds_key").await else {
        return;
    };
    key_flow(Database::Url(db.url.clone())).await;
}

/// What the schemathesis run (scripts/schemathesis) found, kept fixed: a body that is
/// not JSON is a documented 415 titled as such; NUL characters in paths, queries and
/// ids are 404 or 400, never a database error (PostgreSQL text cannot hold NUL).
async fn odd_requests(database: Database) {
    let running = start(database, 0, None).await.expect("server starts");
    let admin = running.first_admin_key.clone().expect("admin key");
    let api = Api::new(running.addr);
    for (path, want) in [
        ("/api/v1/scans/%00", 404),
        ("/api/v1/targets/a%00b", 404),
        ("/api/v1/scans?target_id=%00", 400),
    ] {
        let (status, p) = api.call("GET", path, &admin, None).await;
        assert_eq!(status, want, "{path}: {p}");
    }
    for (path, body, want) in [
        (
            "/api/v1/keys",
            json!({"name": "a\u{0}b", "role": "viewer"}),
            400,
        ),
        (
            "/api/v1/targets",
            json!({"url": "http://127.0.0.1:9/", "name": "a\u{0}"}),
            400,
        ),
        ("/api/v1/scans", json!({"target_id": "tgt_\u{0}"}), 404),
    ] {
        let (status, p) = api.call("POST", path, &admin, Some(body)).await;
        assert_eq!(status, want, "{path}: {p}");
    }
    let resp = api
        .http
        .post(format!("{}/api/v1/targets", api.base))
        .header("authorization", format!("Bearer {admin}"))
        .body("url=x")
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 415);
    let p: Value = serde_json::from_str(&resp.text().await.expect("body")).expect("problem");
    assert_eq!(p["title"], "Unsupported Media Type", "{p}");
    running.stop().await;
}

#[tokio::test]
async fn odd_requests_get_problems_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    odd_requests(Database::DataDir(dir.path().to_path_buf())).await;
}

#[tokio::test]
async fn odd_requests_get_problems_on_postgres() {
    let Some(db) = support::PgDb::create("creds_odd").await else {
        return;
    };
    odd_requests(Database::Url(db.url.clone())).await;
}
