//! Webhooks end to end, on SQLite and PostgreSQL: a real server on 127.0.0.1:0, a real
//! receiver on 127.0.0.1 that records what it gets, a stub target that changes between
//! two scans, signatures checked in Rust and by an independent Python script.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod support;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tollgate_scan::testkit::{serve, RawRequest, RawResponse};
use tollgate_server::guard::Allow;
use tollgate_server::store::Outcome;
use tollgate_server::webhooks::WebhookConfig;
use tollgate_server::{Database, Running, ServerConfig};

/// A server that may reach 127.0.0.1, with fast retries (4 attempts, 100 ms doubling),
/// and a secret key: signing secrets are stored sealed and opened for each attempt.
async fn server(database: Database) -> Running {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), database);
    config.secret_key =
        Some(tollgate_server::vault::SecretKey::parse(&"5e".repeat(32)).expect("key"));
    config.workers = 2;
    config.allow = vec!["127.0.0.1".parse::<Allow>().expect("allow")];
    config.engine.max_time = Duration::from_secs(120);
    config.webhooks = WebhookConfig {
        attempts: 4,
        base_delay: Duration::from_millis(100),
        poll: Duration::from_millis(50),
        ..WebhookConfig::default()
    };
    tollgate_server::start(config).await.expect("server starts")
}

/// A stub API whose weaknesses change when `changed` is set: a version-disclosing
/// `Server` header before; a wildcard CORS header and an exposed `.git/config` (a
/// high-severity finding: the score drops, the grade changes) after.
async fn changing_target(changed: Arc<AtomicBool>) -> SocketAddr {
    serve(move |req| {
        let after = changed.load(Ordering::SeqCst);
        let json = |status, body: &str| {
            let r = RawResponse::new(status, body.to_string())
                .header("content-type", "application/json");
            if after {
                r.header("access-control-allow-origin", "*")
            } else {
                r.header("server", "nginx/1.18.0")
            }
        };
        match req.path.split('?').next().unwrap_or("/") {
            "/" => json(200, r#"{"name":"stub","links":{"items":"/api/items"}}"#),
            "/api/items" => json(200, r#"[{"id":1,"name":"mug"}]"#),
            "/.git/config" if after => RawResponse::new(
                200,
                "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n",
            )
            .header("content-type", "text/plain"),
            _ => json(404, r#"{"detail":"not found"}"#),
        }
    })
    .await
}

/// What the receiver got, by path.
type Inbox = Arc<Mutex<Vec<RawRequest>>>;

/// A receiver on 127.0.0.1: `/ok` answers 200, `/flaky` 500 to the first two attempts
/// of each delivery and then 200, `/redirect` 302 to `/ok`.
async fn receiver(inbox: Inbox) -> SocketAddr {
    let tries: Mutex<HashMap<String, u32>> = Mutex::new(HashMap::new());
    serve(move |req| {
        inbox.lock().unwrap().push(req.clone());
        match req.path.as_str() {
            "/ok" => RawResponse::new(200, "thanks"),
            "/flaky" => {
                let id = req
                    .header("tollgate-delivery")
                    .unwrap_or_default()
                    .to_string();
                let mut tries = tries.lock().unwrap();
                let n = tries.entry(id).or_default();
                *n += 1;
                if *n <= 2 {
                    RawResponse::new(500, "try again")
                } else {
                    RawResponse::new(200, "ok now")
                }
            }
            "/redirect" => RawResponse::new(302, "").header("location", "/ok"),
            _ => RawResponse::new(404, "no"),
        }
    })
    .await
}

struct Api {
    base: String,
    http: reqwest::Client,
    key: String,
}

impl Api {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value, String) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.key));
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&b).expect("body"));
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, value, text)
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value, String) {
        self.call("POST", path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        let (status, v, text) = self.call("GET", path, None).await;
        assert_eq!(status, 200, "GET {path}: {text}");
        v
    }

    /// The deliveries of a webhook once `done` holds for them (polled; bounded).
    async fn deliveries_when(&self, hook: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let list = self
                .get(&format!("/api/v1/webhooks/{hook}/deliveries?limit=200"))
                .await;
            let items = list["items"].as_array().cloned().unwrap_or_default();
            if done(&items) {
                return items;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "deliveries of {hook} never got there: {list:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn scan(&self, target_id: &str) -> Value {
        let (status, scan, text) = self
            .post("/api/v1/scans", json!({"target_id": target_id}))
            .await;
        assert_eq!(status, 202, "{text}");
        let id = scan["id"].as_str().expect("id").to_string();
        let started = Instant::now();
        loop {
            let s = self.get(&format!("/api/v1/scans/{id}")).await;
            if matches!(
                s["state"].as_str(),
                Some("completed" | "failed" | "cancelled")
            ) {
                assert_eq!(s["state"], "completed", "{s}");
                return s;
            }
            assert!(started.elapsed() < Duration::from_secs(240), "{s}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn settled(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|d| d["state"] != "pending")
}

/// The receiver's requests to `path` with this event.
fn received(inbox: &Inbox, path: &str, event: &str) -> Vec<RawRequest> {
    inbox
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path == path && r.header("tollgate-event") == Some(event))
        .cloned()
        .collect()
}

/// Checks the signature header against the body, as a receiver in Rust would.
fn signed_by(secret: &str, req: &RawRequest) -> bool {
    let header = req.header("tollgate-signature").expect("signature header");
    let (t, v1) = header
        .split_once(",v1=")
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v)))
        .expect("t=…,v1=…");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&req.body);
    hex::encode(mac.finalize().into_bytes()) == v1
}

/// Runs tests/webhook_verify.py: whether it accepts the delivery.
fn python_accepts(secret: &str, header: &str, body: &[u8]) -> bool {
    use std::io::Write;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webhook_verify.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .arg(header)
        .env("TOLLGATE_WEBHOOK_SECRET", secret)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(body).unwrap();
    child.wait().expect("python3 ends").success()
}

/// Creates a webhook: its id and the secret shown once.
async fn create_hook(api: &Api, body: Value) -> (String, String) {
    let (status, hook, text) = api.post("/api/v1/webhooks", body).await;
    assert_eq!(status, 201, "{text}");
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    (hook["id"].as_str().unwrap().to_string(), secret)
}

async fn webhook_flow(running: Running, label: &str) {
    let api = Api {
        base: format!("http://{}", running.addr),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        key: running.first_admin_key.clone().expect("admin key"),
    };
    let inbox: Inbox = Arc::default();
    let rx = receiver(Arc::clone(&inbox)).await;
    let changed = Arc::new(AtomicBool::new(false));
    let stub = changing_target(Arc::clone(&changed)).await;
    let (status, target, text) = api
        .post(
            "/api/v1/targets",
            json!({"url": format!("http://{stub}/"), "profile": "quick"}),
        )
        .await;
    assert_eq!(status, 201, "{text}");
    let target_id = target["id"].as_str().unwrap().to_string();

    // Refused: denied addresses (never connected: the guard says no first), the
    // server itself, bad events and formats, an unknown target.
    for url in [
        "http://10.0.0.1/hook".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[::ffff:10.0.0.1]/".to_string(),
        format!("http://{}/api/v1/keys", running.addr),
        "ftp://example.com/".to_string(),
    ] {
        let (status, p, text) = api
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["scan.completed"]}),
            )
            .await;
        assert_eq!(status, 422, "{url}: {text}");
        assert!(p["detail"].as_str().unwrap().contains("refused"), "{text}");
    }
    let ok_url = format!("http://{rx}/ok");
    for (body, want) in [
        (json!({"url": ok_url, "events": []}), 400),
        (json!({"url": ok_url, "events": ["scan.started"]}), 400),
        (json!({"url": ok_url, "events": ["ping"]}), 400),
        (
            json!({"url": ok_url, "events": ["scan.completed"], "format": "xml"}),
            400,
        ),
        (
            json!({"url": ok_url, "events": ["scan.completed"], "score_drop": 0}),
            400,
        ),
        (
            json!({"url": ok_url, "events": ["scan.completed"], "target_id": "tgt_nope"}),
            404,
        ),
        (
            json!({"url": ok_url, "events": ["scan.completed"], "x": 1}),
            422,
        ),
        (
            json!({"url": "not a url", "events": ["scan.completed"]}),
            400,
        ),
    ] {
        let (status, _, text) = api.post("/api/v1/webhooks", body.clone()).await;
        assert_eq!(status, want, "{body}: {text}");
    }

    // Three webhooks: every event to /ok (this target only), scan.completed as chat
    // text to /flaky, and one to /redirect.
    let mut secrets = HashMap::new();
    let (all, all_secret) = create_hook(&api, json!({
        "url": ok_url, "name": "everything", "target_id": target_id,
        "events": ["scan.completed", "findings.new", "findings.fixed", "score.dropped", "grade.changed", "scan.completed"],
    }))
    .await;
    let (flaky, flaky_secret) = create_hook(
        &api,
        json!({
            "url": format!("http://{rx}/flaky"), "events": ["scan.completed"], "format": "slack",
        }),
    )
    .await;
    let (redirect, _) = create_hook(
        &api,
        json!({
            "url": format!("http://{rx}/redirect"), "events": ["scan.completed"],
        }),
    )
    .await;
    let (quiet, _) = create_hook(
        &api,
        json!({"url": format!("http://{rx}/quiet"), "events": ["score.dropped"], "score_drop": 50}),
    )
    .await;
    secrets.insert(all.clone(), all_secret.clone());
    secrets.insert(flaky.clone(), flaky_secret.clone());

    // The secret never comes back; the URL is shown as its origin.
    let one = api.get(&format!("/api/v1/webhooks/{all}")).await;
    assert_eq!(one["url"], format!("http://{rx}/…"), "{one}");
    assert_eq!(one["events"].as_array().map(Vec::len), Some(5), "{one}");
    assert_eq!(one["score_drop"], 5);
    let (_, _, list_text) = api.call("GET", "/api/v1/webhooks?limit=3", None).await;
    let list: Value = serde_json::from_str(&list_text).unwrap();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(list["next_offset"], 3);
    for text in [list_text, one.to_string()] {
        for s in secrets.values() {
            assert!(!text.contains(s.as_str()), "a secret in a GET answer");
        }
        assert!(!text.contains("secret"), "{text}");
    }
    // At rest, sealed under the server's key: no row holds a secret as it was shown.
    let stored: Vec<String> = sqlx::query_scalar("SELECT secret FROM webhooks")
        .fetch_all(running.store.pool())
        .await
        .expect("webhook rows");
    assert!(!stored.is_empty());
    for row in &stored {
        assert!(row.starts_with("v1:"), "sealed: {row}");
        for s in secrets.values() {
            assert!(!row.contains(s.as_str()), "a secret stored in the clear");
        }
    }

    // A ping, signed.
    let pinged = Instant::now();
    let (status, ping, text) = api
        .post(&format!("/api/v1/webhooks/{all}/test"), json!({}))
        .await;
    assert_eq!(status, 202, "{text}");
    assert_eq!(
        (ping["event"].as_str(), ping["state"].as_str()),
        (Some("ping"), Some("pending"))
    );
    let log = api.deliveries_when(&all, settled).await;
    let ping_latency = pinged.elapsed();
    assert_eq!(log[0]["state"], "delivered", "{log:?}");
    assert_eq!(log[0]["log"][0]["status_code"], 200);
    let ping_attempt_ms = log[0]["log"][0]["duration_ms"].as_i64().unwrap();
    assert_eq!(log[0]["log"][0]["response_excerpt"], "thanks");
    let pings = received(&inbox, "/ok", "ping");
    assert_eq!(pings.len(), 1);
    assert!(signed_by(&all_secret, &pings[0]));
    let body: Value = serde_json::from_slice(&pings[0].body).unwrap();
    assert_eq!(body["type"], "ping");
    assert_eq!(body["id"], ping["id"]);
    assert_eq!(pings[0].header("tollgate-delivery"), ping["id"].as_str());

    // Two scans with a change between them.
    let first = api.scan(&target_id).await;
    changed.store(true, Ordering::SeqCst);
    let second = api.scan(&target_id).await;
    let second_id = second["id"].as_str().unwrap();
    // The stub got worse: the score fell by more than 5 points, the grade changed.
    let (before, after) = (
        first["score"].as_i64().unwrap(),
        second["score"].as_i64().unwrap(),
    );
    assert!(before - after >= 5, "{before} → {after}");
    assert_ne!(first["grade"], second["grade"]);
    let diff = api.get(&format!("/api/v1/scans/{second_id}/diff")).await;
    assert!(
        !diff["new"].as_array().unwrap().is_empty()
            && !diff["fixed"].as_array().unwrap().is_empty(),
        "the change shows in the diff: {diff}"
    );

    let log = api
        .deliveries_when(&all, |items| {
            settled(items) && items.iter().filter(|d| d["scan_id"] == second_id).count() >= 3
        })
        .await;
    let events_of = |scan: &Value| -> Vec<String> {
        let mut e: Vec<String> = log
            .iter()
            .filter(|d| d["scan_id"] == scan["id"])
            .map(|d| d["event"].as_str().unwrap().to_string())
            .collect();
        e.sort();
        e
    };
    // The first scan: every finding is new; nothing to compare score or grade with.
    assert_eq!(
        events_of(&first),
        ["findings.new", "scan.completed"],
        "{log:#?}"
    );
    let second_events = events_of(&second);
    assert_eq!(
        second_events,
        [
            "findings.fixed",
            "findings.new",
            "grade.changed",
            "scan.completed",
            "score.dropped"
        ],
        "{log:#?}"
    );
    let dropped = received(&inbox, "/ok", "score.dropped");
    let body: Value = serde_json::from_slice(&dropped[0].body).unwrap();
    assert_eq!(
        (&body["data"]["score_before"], &body["data"]["score_after"]),
        (&first["score"], &second["score"])
    );
    assert_eq!(
        (&body["data"]["grade_before"], &body["data"]["grade_after"]),
        (&first["grade"], &second["grade"])
    );
    // A threshold above the drop raises nothing.
    assert!(api
        .get(&format!("/api/v1/webhooks/{quiet}/deliveries"))
        .await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:#?}");

    // Each event arrived once, signed, with the scan's diff; Python agrees.
    let news = received(&inbox, "/ok", "findings.new");
    assert_eq!(news.len(), 2, "one findings.new per scan");
    let fixed = received(&inbox, "/ok", "findings.fixed");
    assert_eq!(fixed.len(), 1);
    let req = &fixed[0];
    assert!(signed_by(&all_secret, req));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["type"], "findings.fixed");
    assert_eq!(body["data"]["scan_id"], second_id);
    assert_eq!(body["data"]["previous_scan_id"], first["id"]);
    assert_eq!(body["data"]["target"]["id"], target_id.as_str());
    assert_eq!(
        body["data"]["fixed_count"],
        diff["fixed"].as_array().unwrap().len()
    );
    assert_eq!(
        body["data"]["fixed"][0]["fingerprint"],
        diff["fixed"][0]["fingerprint"]
    );
    assert_eq!(body["data"]["grade_after"], second["grade"]);
    let header = req.header("tollgate-signature").unwrap();
    assert!(
        python_accepts(&all_secret, header, &req.body),
        "Python verifies the delivery"
    );
    let mut tampered = req.body.clone();
    let at = tampered.iter().position(|b| *b == b'1').unwrap_or(0);
    tampered[at] = b'2';
    assert!(
        !python_accepts(&all_secret, header, &tampered),
        "a changed body fails"
    );
    assert!(
        !python_accepts(&flaky_secret, header, &req.body),
        "another secret fails"
    );
    // A correct signature over an old timestamp is outside the replay window.
    let old_t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 600;
    let old = tollgate_server::webhooks::signature(
        &all_secret,
        old_t as i64,
        std::str::from_utf8(&req.body).unwrap(),
    );
    assert!(
        !python_accepts(&all_secret, &old, &req.body),
        "a replay fails"
    );

    // /flaky: 500, 500, then 200 → three attempts, delivered; chat text, still signed.
    let log = api
        .deliveries_when(&flaky, |items| items.len() == 2 && settled(items))
        .await;
    for d in &log {
        assert_eq!(d["state"], "delivered", "{d:#}");
        let codes: Vec<i64> = d["log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status_code"].as_i64().unwrap())
            .collect();
        assert_eq!(codes, [500, 500, 200], "{d:#}");
        assert_eq!(d["attempts"], 3);
    }
    let chats = received(&inbox, "/flaky", "scan.completed");
    assert_eq!(chats.len(), 6);
    let ids: std::collections::BTreeSet<_> = chats
        .iter()
        .map(|r| r.header("tollgate-delivery").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "the delivery id is the same on every attempt");
    let chat: Value = serde_json::from_slice(&chats[5].body).unwrap();
    let text = chat["text"].as_str().expect("{\"text\": …}");
    assert!(text.starts_with("tollgate [scan.completed] "), "{text}");
    assert!(!text.contains('\n'));
    assert!(signed_by(&flaky_secret, &chats[5]));

    // /redirect: a 302 is not followed; it is a failed attempt, until none are left.
    let log = api
        .deliveries_when(&redirect, |items| items.len() == 2 && settled(items))
        .await;
    for d in &log {
        assert_eq!(d["state"], "failed", "{d:#}");
        let codes: Vec<i64> = d["log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status_code"].as_i64().unwrap())
            .collect();
        assert_eq!(codes, [302, 302, 302, 302], "{d:#}");
        assert!(
            d["finished_at"].is_string() && d["next_attempt_at"].is_null(),
            "{d:#}"
        );
    }
    assert_eq!(
        received(&inbox, "/ok", "scan.completed").len(),
        2,
        "the redirect to /ok was not followed"
    );

    // A job finished twice queues its events once.
    let report: tollgate_core::Report =
        serde_json::from_value(api.get(&format!("/api/v1/scans/{second_id}/report")).await)
            .unwrap();
    let before = api.get(&format!("/api/v1/webhooks/{all}/deliveries")).await;
    tollgate_server::webhooks::queue_scan_events(
        &running.store,
        second_id,
        &Outcome::Report {
            report: Box::new(report),
            cancelled: false,
        },
    )
    .await;
    let after = api.get(&format!("/api/v1/webhooks/{all}/deliveries")).await;
    assert_eq!(before["items"], after["items"]);

    // The metrics count deliveries by state.
    let (_, _, metrics) = api.call("GET", "/metrics", None).await;
    // The ping, the first scan's two events, the second's, /flaky's two; /redirect's
    // two failed.
    let delivered = 1 + 2 + second_events.len() + 2;
    assert!(
        metrics.contains(&format!(
            "tollgate_webhook_deliveries{{state=\"delivered\"}} {delivered}\n"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("tollgate_webhook_deliveries{state=\"failed\"} 2\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tollgate_webhook_deliveries{state=\"pending\"} 0\n"),
        "{metrics}"
    );

    // Deleted: gone, with its log.
    let (status, _, _) = api
        .call("DELETE", &format!("/api/v1/webhooks/{redirect}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _, _) = api
        .call("GET", &format!("/api/v1/webhooks/{redirect}"), None)
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = api
        .call(
            "GET",
            &format!("/api/v1/webhooks/{redirect}/deliveries"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = api
        .post(&format!("/api/v1/webhooks/{redirect}/test"), json!({}))
        .await;
    assert_eq!(status, 404);

    // No secret in anything the receiver got back into the log either.
    let everything = api
        .get(&format!("/api/v1/webhooks/{all}/deliveries?limit=200"))
        .await
        .to_string();
    assert!(!everything.contains(&all_secret));
    eprintln!(
        "[{label}] webhooks: {} requests received, {} delivered, 2 failed; ping queued → delivered (seen by polling every 100 ms, 50 ms delivery poll): {} ms; one attempt to the local receiver: {} ms",
        inbox.lock().unwrap().len(),
        delivered,
        ping_latency.as_millis(),
        ping_attempt_ms
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = server(Database::DataDir(dir.path().to_path_buf())).await;
    webhook_flow(running, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_on_postgres() {
    let Some(db) = support::PgDb::create("webhooks").await else {
        return;
    };
    let running = server(Database::Url(db.url.clone())).await;
    webhook_flow(running, "postgres").await;
}

/// The guard vets the URL again at every delivery: a webhook created while 127.0.0.1
/// was allowed is refused once the server runs without `--allow-target`, and the
/// receiver is never contacted.
async fn vetted_at_delivery(database: Database) {
    let inbox: Inbox = Arc::default();
    let rx = receiver(Arc::clone(&inbox)).await;
    let running = server(database.clone()).await;
    let api = Api {
        base: format!("http://{}", running.addr),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        key: running.first_admin_key.clone().expect("admin key"),
    };
    let (hook, _) = create_hook(
        &api,
        json!({"url": format!("http://{rx}/ok"), "events": ["scan.completed"]}),
    )
    .await;
    // A receiver that is not there: the connection error is logged, without the URL.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (gone, _) = create_hook(
        &api,
        json!({"url": format!("http://{closed}/secret-path"), "events": ["scan.completed"]}),
    )
    .await;
    let (status, _, text) = api
        .post(&format!("/api/v1/webhooks/{gone}/test"), json!({}))
        .await;
    assert_eq!(status, 202, "{text}");
    let log = api.deliveries_when(&gone, settled).await;
    assert_eq!(log[0]["state"], "failed", "{log:#?}");
    assert_eq!(log[0]["attempts"], 4);
    eprintln!(
        "a refused connection is logged as: {}",
        log[0]["log"][0]["error"]
    );
    for attempt in log[0]["log"].as_array().unwrap() {
        let error = attempt["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("connecting failed") && error.to_lowercase().contains("refused"),
            "{attempt}"
        );
        assert!(!error.contains("secret-path"), "{attempt}");
    }
    running.stop().await;

    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), database);
    config.webhooks = WebhookConfig {
        attempts: 2,
        base_delay: Duration::from_millis(50),
        poll: Duration::from_millis(50),
        ..WebhookConfig::default()
    };
    let strict = tollgate_server::start(config).await.expect("server starts");
    let api = Api {
        base: format!("http://{}", strict.addr),
        ..api
    };
    let (status, _, text) = api
        .post(&format!("/api/v1/webhooks/{hook}/test"), json!({}))
        .await;
    assert_eq!(status, 202, "{text}");
    let log = api.deliveries_when(&hook, settled).await;
    assert_eq!(log[0]["state"], "failed", "{log:#?}");
    for attempt in log[0]["log"].as_array().unwrap() {
        let error = attempt["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("refused by the SSRF guard") && error.contains("loopback"),
            "{attempt}"
        );
        assert!(attempt["status_code"].is_null());
    }
    assert_eq!(log[0]["attempts"], 2);
    assert!(
        inbox.lock().unwrap().is_empty(),
        "the receiver was contacted"
    );
    strict.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_vetted_again_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    vetted_at_delivery(Database::DataDir(dir.path().to_path_buf())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_vetted_again_on_postgres() {
    let Some(db) = support::PgDb::create("webhooks_vetted").await else {
        return;
    };
    vetted_at_delivery(Database::Url(db.url.clone())).await;
}
