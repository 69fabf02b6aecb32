//! `tollgate serve` and `tollgate worker` as processes: a worker killed with SIGKILL
//! mid-scan, a fleet of worker processes, JSON logs, and the worker's errors.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod service_support;

use serde_json::Value;
use service_support::{start_serve, target, Api, PgDb, Proc};
use std::process::Command;
use std::time::{Duration, Instant};

const COUNT_REPORTS: &str = "SELECT COUNT(*) AS n FROM reports WHERE scan_id = $1";

/// The crash test: worker A claims a slow scan and is killed with SIGKILL in
/// the middle of it; worker B takes it once A's lease expires and finishes it. One
/// report is stored, on the second attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_scan_is_finished_by_another() {
    let Some(db) = PgDb::create("a_killed_workers_scan_is_finished_by_another").await else {
        return;
    };
    // Every answer takes 150 ms: the quick scan runs for several seconds.
    let slow = target(Duration::from_millis(150));
    let (serve, addr, key) = start_serve(&["--database-url", &db.url, "--workers", "0"]);
    let api = Api::new(addr, &key);
    let target_id = api.add_target(slow).await;
    let scan = api.queue(&target_id).await;
    let worker_args = [
        "worker",
        "--database-url",
        &db.url,
        "--workers",
        "1",
        "--lease",
        "2",
        "--allow-target",
        "127.0.0.1",
    ];
    let mut a = Proc::start(&worker_args);
    api.wait_for(&scan, &["running"], Duration::from_secs(60))
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let s = api.get(&format!("/api/v1/scans/{scan}")).await;
    assert_eq!(s["state"], "running", "A must still be scanning: {s}");
    a.child.kill().expect("SIGKILL worker A");
    a.child.wait().expect("A exits");
    let killed = Instant::now();
    assert_eq!(db.count(COUNT_REPORTS, &scan).await, 0);

    let b = Proc::start(&worker_args);
    let done = api
        .wait_for(
            &scan,
            &["completed", "failed", "cancelled"],
            Duration::from_secs(180),
        )
        .await;
    eprintln!(
        "worker B finished the killed worker's scan {:.1} s after the kill",
        killed.elapsed().as_secs_f64()
    );
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    assert_eq!(db.count(COUNT_REPORTS, &scan).await, 1);
    let (ok, lines) = b.terminate();
    assert!(ok, "worker B stops cleanly on SIGTERM: {lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("scan finished") && l.contains(&scan)),
        "{lines:#?}"
    );
    let (ok, _) = serve.terminate();
    assert!(ok);
}

/// Four worker processes on one PostgreSQL database and a server that runs none:
/// every scan completes, each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_worker_processes_complete_every_scan_once() {
    let Some(db) = PgDb::create("four_worker_processes_complete_every_scan_once").await else {
        return;
    };
    let stub = target(Duration::ZERO);
    let (serve, addr, key) = start_serve(&["--database-url", &db.url, "--workers", "0"]);
    let api = Api::new(addr, &key);
    let target_id = api.add_target(stub).await;
    let mut scans = Vec::new();
    for _ in 0..20 {
        scans.push(api.queue(&target_id).await);
    }
    let workers: Vec<Proc> = (0..4)
        .map(|_| {
            Proc::start(&[
                "worker",
                "--database-url",
                &db.url,
                "--allow-target",
                "127.0.0.1",
            ])
        })
        .collect();
    let started = Instant::now();
    for scan in &scans {
        let s = api
            .wait_for(
                scan,
                &["completed", "failed", "cancelled"],
                Duration::from_secs(300),
            )
            .await;
        assert_eq!(s["state"], "completed", "{s}");
        assert_eq!(s["attempts"], 1, "{s}");
        assert_eq!(db.count(COUNT_REPORTS, scan).await, 1, "{scan}");
    }
    eprintln!(
        "4 worker processes ran 20 scans in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut ran_by = std::collections::BTreeSet::new();
    for w in workers {
        let pid = w.child.id();
        let (ok, lines) = w.terminate();
        assert!(ok, "{lines:#?}");
        if lines.iter().any(|l| l.contains("scan finished")) {
            ran_by.insert(pid);
        }
    }
    eprintln!("{} of 4 worker processes ran scans", ran_by.len());
    let (ok, _) = serve.terminate();
    assert!(ok);
}

/// `--log-format json`: every stderr line is a JSON object with the event's fields;
/// keys made through the API appear in no line, and the first admin key only in its
/// one banner line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_json_lines_without_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().to_str().expect("utf-8 path");
    let serve = Proc::start(&[
        "--log-format",
        "json",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--allow-target",
        "127.0.0.1",
        "--data-dir",
        data_dir,
        "--workers",
        "1",
    ]);
    let parse = |l: &str| serde_json::from_str::<Value>(l).ok();
    let addr: std::net::SocketAddr = serve.wait_line("listening event", |l| {
        parse(l)
            .filter(|v| v["message"] == "tollgate server listening")
            .and_then(|v| v["addr"].as_str().and_then(|a| a.parse().ok()))
    });
    let admin = serve.wait_line("first admin key", |l| {
        parse(l).and_then(|v| v["first_admin_key"].as_str().map(String::from))
    });
    let api = Api::new(addr, &admin);
    let created = api
        .post(
            "/api/v1/keys",
            serde_json::json!({"name": "ci", "role": "operator"}),
        )
        .await;
    let operator = created["key"].as_str().expect("key").to_string();
    let api = api.with_key(&operator);
    let stub = target(Duration::ZERO);
    let target_id = api.add_target(stub).await;
    let scan = api.queue(&target_id).await;
    let done = api
        .wait_for(
            &scan,
            &["completed", "failed", "cancelled"],
            Duration::from_secs(120),
        )
        .await;
    assert_eq!(done["state"], "completed", "{done}");
    let (ok, lines) = serve.terminate();
    assert!(ok, "{lines:#?}");

    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for (line, e) in lines.iter().zip(&events) {
        assert!(
            e["timestamp"].is_string() && e["level"].is_string() && e["message"].is_string(),
            "{line}"
        );
        assert!(!line.contains(&operator), "an API key in the log: {line}");
        if line.contains(&admin) {
            assert_eq!(e["first_admin_key"], admin.as_str(), "{line}");
        }
    }
    assert_eq!(lines.iter().filter(|l| l.contains(&admin)).count(), 1);
    let find = |message: &str| {
        events
            .iter()
            .find(|e| e["message"] == message && e["scan"] == scan.as_str())
            .unwrap_or_else(|| panic!("no {message:?} event for {scan}: {lines:#?}"))
    };
    let started = find("scan started");
    assert_eq!(started["target"], format!("http://{stub}/"));
    assert!(started["worker"].is_string(), "{started}");
    assert_eq!(started["state"], "running");
    let finished = find("scan finished");
    assert_eq!(finished["state"], "completed");
    assert!(finished["duration_ms"].is_u64(), "{finished}");
    assert!(finished["worker"].is_string(), "{finished}");
    let request = events
        .iter()
        .find(|e| {
            e["message"] == "request" && e["path"] == "/api/v1/scans" && e["method"] == "POST"
        })
        .unwrap_or_else(|| panic!("no request event: {lines:#?}"));
    assert_eq!(request["status"], 202);
    assert!(request["duration_ms"].is_u64());
}

fn worker_error(args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    cmd.arg("worker").args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("TOLLGATE_") {
            cmd.env_remove(name);
        }
    }
    let out = cmd.output().expect("tollgate runs");
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A worker needs the server's database, created and migrated by `tollgate serve`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_needs_a_database_serve_has_migrated() {
    let err = worker_error(&[]);
    assert!(
        err.contains("--database-url") && err.contains("--data-dir"),
        "{err}"
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let err = worker_error(&["--data-dir", empty.path().to_str().unwrap()]);
    assert!(err.contains("start `tollgate serve --data-dir"), "{err}");
    assert!(
        !empty.path().join("tollgate.db").exists(),
        "a worker creates no database"
    );
    let Some(db) = PgDb::create("a_worker_needs_a_database_serve_has_migrated").await else {
        return;
    };
    let err = worker_error(&["--database-url", &db.url]);
    assert!(
        err.contains("no tollgate schema") && err.contains("tollgate serve"),
        "{err}"
    );
}
