//! Support for the service tests: `tollgate serve` and `tollgate worker` as real
//! processes, a per-test PostgreSQL database, a slow loopback target, an API client.
#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stderr
)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tollgate_scan::testkit::{serve, RawResponse};

/// The PostgreSQL server the tests use (TOLLGATE_TEST_POSTGRES overrides).
pub fn admin_url() -> String {
    std::env::var("TOLLGATE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database created for one test and dropped after it (a copy of the server
/// tests' helper: the CLI tests do not depend on the server's test support).
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
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL tests SKIPPED ({test}): no PostgreSQL answers at {admin} ({why})"
                );
                return None;
            }
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("tollgate_cli_test_{}_{nanos}", std::process::id());
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

    /// How many rows `sql` (a `SELECT COUNT(*) AS n …` with `$1`) counts.
    pub async fn count(&self, sql: &str, bind: &str) -> i64 {
        use sqlx::Row;
        let pool = sqlx::AnyPool::connect(&self.url).await.expect("connect");
        let n = sqlx::query(sql)
            .bind(bind)
            .fetch_one(&pool)
            .await
            .expect("count")
            .try_get("n")
            .expect("n");
        pool.close().await;
        n
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
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

/// A `tollgate` process whose stderr is collected line by line; killed when dropped.
pub struct Proc {
    pub child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Proc {
    /// Starts `tollgate ARGS` with no TOLLGATE_* variables from the test's environment.
    pub fn start(args: &[&str]) -> Proc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars() {
            if name.starts_with("TOLLGATE_") {
                cmd.env_remove(name);
            }
        }
        cmd.env("NO_COLOR", "1");
        let mut child = cmd.spawn().expect("tollgate starts");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Proc {
            child,
            lines,
            reader: Some(reader),
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits for a stderr line `find` maps to something.
    pub fn wait_line<T>(&self, what: &str, find: impl Fn(&str) -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(t) = self.lines().iter().find_map(|l| find(l)) {
                return t;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no {what} on stderr: {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then waits for the exit; returns whether it exited with success and
    /// every stderr line.
    pub fn terminate(mut self) -> (bool, Vec<String>) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM to {pid}");
        let status = self.child.wait().expect("wait");
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        (status.success(), self.lines())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tollgate serve` on 127.0.0.1:0 (text logs) with `extra` flags; its address and
/// first admin key.
pub fn start_serve(extra: &[&str]) -> (Proc, SocketAddr, String) {
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--allow-target",
        "127.0.0.1",
    ];
    args.extend_from_slice(extra);
    let serve = Proc::start(&args);
    let addr = serve.wait_line("listening line", |l| {
        l.strip_prefix("tollgate server listening on http://")
            .and_then(|a| a.trim().parse::<SocketAddr>().ok())
    });
    let key = serve.wait_line("first admin key", |l| {
        l.strip_prefix("first admin API key (shown once, store it now): ")
            .map(|k| k.trim().to_string())
    });
    (serve, addr, key)
}

/// A target whose every answer takes `delay`, on a runtime of its own (its blocking
/// sleeps must not stall the test's runtime).
pub fn target(delay: Duration) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let addr = serve(move |req| {
                if !delay.is_zero() {
                    std::thread::sleep(delay);
                }
                let body = match req.path.split('?').next().unwrap_or("/") {
                    "/" => r#"{"name":"stub","links":{"items":"/api/items"}}"#,
                    "/api/items" => r#"[{"id":1,"name":"mug"}]"#,
                    _ => r#"{"detail":"not found"}"#,
                };
                let status = if body.contains("not found") { 404 } else { 200 };
                RawResponse::new(status, body).header("content-type", "application/json")
            })
            .await;
            tx.send(addr).expect("send the address");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("the target starts")
}

/// A small client of the server's API.
pub struct Api {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(addr: SocketAddr, key: &str) -> Api {
        Api {
            base: format!("http://{addr}"),
            key: key.to_string(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        }
    }

    pub fn with_key(&self, key: &str) -> Api {
        Api {
            base: self.base.clone(),
            key: key.to_string(),
            http: self.http.clone(),
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&b).expect("body"));
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    pub async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Registers `target` with the quick profile; its id.
    pub async fn add_target(&self, target: SocketAddr) -> String {
        let t = self
            .post(
                "/api/v1/targets",
                json!({"url": format!("http://{target}/"), "profile": "quick"}),
            )
            .await;
        t["id"].as_str().expect("id").to_string()
    }

    /// Queues a scan; its id.
    pub async fn queue(&self, target_id: &str) -> String {
        let s = self
            .post("/api/v1/scans", json!({"target_id": target_id}))
            .await;
        s["id"].as_str().expect("id").to_string()
    }

    /// Polls a scan until its state is one of `states`.
    pub async fn wait_for(&self, scan: &str, states: &[&str], limit: Duration) -> Value {
        let started = Instant::now();
        loop {
            let s = self.get(&format!("/api/v1/scans/{scan}")).await;
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
