//! Test support: a throw-away PostgreSQL database per test, a server on 127.0.0.1:0,
//! a loopback stub target.
#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stderr
)]

use std::time::Duration;
use tollgate_server::guard::Allow;
use tollgate_server::{Database, Running, ServerConfig};

/// The PostgreSQL server the tests use: 127.0.0.1:5432, trust auth, database `test`
/// (TOLLGATE_TEST_POSTGRES overrides).
pub fn admin_url() -> String {
    std::env::var("TOLLGATE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database created for one test and dropped after it.
pub struct PgDb {
    pub url: String,
    name: String,
}

impl PgDb {
    /// A new database, or `None` (with a SKIPPED line) when PostgreSQL does not answer.
    /// Under CI=true a missing PostgreSQL fails the test.
    pub async fn create(test: &str) -> Option<PgDb> {
        sqlx::any::install_default_drivers();
        let admin = admin_url();
        let conn =
            tokio::time::timeout(Duration::from_secs(5), sqlx::AnyPool::connect(&admin)).await;
        let pool = match conn {
            Ok(Ok(p)) => p,
            other => {
                let why = match other {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".into(),
                };
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("PostgreSQL at {admin} does not answer ({why}), and CI=true needs it");
                }
                // Straight to stderr, past the test harness's capture: a skip must show.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL tests SKIPPED ({test}): no PostgreSQL answers at {admin} ({why})"
                );
                return None;
            }
        };
        let mut rnd = [0u8; 6];
        getrandom::fill(&mut rnd).expect("random");
        let name = format!("tollgate_test_{}_{}", std::process::id(), hex::encode(rnd));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("create the test database");
        pool.close().await;
        let mut url = url::Url::parse(&admin).expect("postgres URL");
        url.set_path(&format!("/{name}"));
        Some(PgDb {
            url: url.to_string(),
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // A runtime of its own: Drop may run inside or outside one.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(pool) = sqlx::AnyPool::connect(&admin_url()).await {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// A server on 127.0.0.1:0 that may scan loopback targets (`--allow-target 127.0.0.1`).
pub async fn server(database: Database, workers: usize) -> Running {
    let engine = tollgate_scan::engine::EngineConfig {
        max_time: Duration::from_secs(120),
        ..Default::default()
    };
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), database);
    config.workers = workers;
    config.allow = vec!["127.0.0.1".parse::<Allow>().expect("allow")];
    config.engine = engine;
    tollgate_server::start(config).await.expect("server starts")
}

/// A client of the server's API, as the monitor and credential tests use it: every
/// answer's body is kept (to search for canaries), and every 4xx/5xx answer must be a
/// problem document.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    /// Every answer's body, in order.
    pub answers: std::sync::Mutex<Vec<String>>,
}

impl Api {
    pub fn new(addr: std::net::SocketAddr) -> Api {
        Api {
            base: format!("http://{addr}"),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
            answers: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Status and body (JSON, or a JSON string of the text).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {key}"));
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&b).expect("body"));
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        let problem = resp
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes() == b"application/problem+json");
        let text = resp.text().await.expect("body");
        self.answers.lock().expect("answers").push(text.clone());
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        if status >= 400 {
            assert!(problem, "{status} is a problem document: {value}");
        }
        (status, value)
    }

    /// The body of a 2xx answer (anything else fails the test).
    pub async fn ok(
        &self,
        method: &str,
        path: &str,
        key: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let (status, v) = self.call(method, path, key, body).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path} → {status} {v}"
        );
        v
    }

    /// A new API key with `role`, made with an admin key.
    pub async fn key(&self, admin: &str, name: &str, role: &str) -> String {
        let v = self
            .ok(
                "POST",
                "/api/v1/keys",
                admin,
                Some(serde_json::json!({"name": name, "role": role})),
            )
            .await;
        v["key"].as_str().expect("key").to_string()
    }

    /// Waits (up to 4 minutes) for a scan to end: completed, failed or cancelled.
    pub async fn wait_done(&self, key: &str, scan: &str) -> serde_json::Value {
        let started = std::time::Instant::now();
        loop {
            let s = self
                .ok("GET", &format!("/api/v1/scans/{scan}"), key, None)
                .await;
            if matches!(
                s["state"].as_str(),
                Some("completed" | "failed" | "cancelled")
            ) {
                return s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(240),
                "scan {scan} did not end: {s}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Queues a scan of `target_id` and waits for it to end.
    pub async fn scan(&self, key: &str, target_id: &str) -> serde_json::Value {
        let (status, s) = self
            .call(
                "POST",
                "/api/v1/scans",
                key,
                Some(serde_json::json!({"target_id": target_id})),
            )
            .await;
        assert_eq!(status, 202, "{s}");
        self.wait_done(key, s["id"].as_str().expect("id")).await
    }

    /// Queues a scan of `target_id` and waits for it to complete.
    pub async fn scan_completed(&self, key: &str, target_id: &str) -> serde_json::Value {
        let s = self.scan(key, target_id).await;
        assert_eq!(s["state"], "completed", "{s}");
        s
    }
}

/// A target at `url` (quick profile) with one queued scan, written through the store:
/// the target's id and the scan.
pub async fn queued_scan(
    store: &tollgate_server::store::Store,
    url: &str,
) -> (String, tollgate_server::store::ScanRow) {
    use tollgate_server::store::{new_id, now_ms, TargetRow};
    let target = TargetRow {
        id: new_id("tgt"),
        name: "t".into(),
        url: url.to_string(),
        spec_url: None,
        profile: "quick".into(),
        allow_intrusive: false,
        created_at: now_ms(),
        schedule: None,
        next_run_at: None,
    };
    store.insert_target(&target).await.expect("target");
    let scan = store
        .insert_scan(&new_id("scn"), &target.id)
        .await
        .expect("scan");
    (target.id, scan)
}
