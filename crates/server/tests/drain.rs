//! Graceful shutdown: a server asked to stop takes no new jobs; a running scan gets the
//! drain timeout to finish and store its result, and goes back to the queue when the
//! timeout passes first. On SQLite and PostgreSQL, with a real slow loopback target.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_server::guard::Allow;
use tollgate_server::store::{ScanRow, Store};
use tollgate_server::{Database, Running, ServerConfig};

/// A target whose every answer takes `delay`, on a runtime of its own: its blocking
/// sleeps must not stall the server under test.
fn slow_target(delay: Duration) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let addr = serve(move |_req| {
                std::thread::sleep(delay);
                RawResponse::new(200, r#"{"ok":true}"#).header("content-type", "application/json")
            })
            .await;
            tx.send(addr).expect("send the address");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("the target starts")
}

async fn server(database: Database, drain: Duration) -> Running {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), database);
    config.workers = 1;
    config.allow = vec!["127.0.0.1".parse::<Allow>().expect("allow")];
    config.engine.max_time = Duration::from_secs(120);
    config.lease = Duration::from_secs(5);
    config.drain = drain;
    tollgate_server::start(config).await.expect("server starts")
}

async fn queue_scan(store: &Store, target: SocketAddr) -> String {
    support::queued_scan(store, &format!("http://{target}/"))
        .await
        .1
        .id
}

async fn wait_running(store: &Store, scan: &str, attempts: i64) -> ScanRow {
    let started = Instant::now();
    loop {
        let s = store.scan(scan).await.expect("read").expect("scan");
        if s.state == "running" && s.attempts == attempts {
            return s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60) && s.state != "completed",
            "scan {scan} was not claimed (attempt {attempts}): {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn drain(database: Database, label: &str) {
    // About 0.3 s per answer: the quick profile's requests take several seconds.
    let target = slow_target(Duration::from_millis(300));

    // A drain shorter than the scan: the scan goes back to the queue, nothing stored.
    let first = server(database.clone(), Duration::from_millis(200)).await;
    let store = first.store.clone();
    let scan = queue_scan(&store, target).await;
    wait_running(&store, &scan, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.stop().await;
    let reopened = match &database {
        Database::DataDir(dir) => Store::open_data_dir(dir).await.expect("reopen"),
        Database::Url(url) => Store::connect(url).await.expect("reopen"),
    };
    let s = reopened.scan(&scan).await.expect("read").expect("scan");
    assert_eq!(s.state, "queued", "{label}: released to the queue: {s:?}");
    assert_eq!(s.attempts, 1, "{label}");
    assert_eq!(reopened.report_count(&scan).await.expect("count"), 0);
    reopened.close().await;

    // The next server takes it again; a long drain lets it finish and store its result.
    let second = server(database.clone(), Duration::from_secs(120)).await;
    let store = second.store.clone();
    wait_running(&store, &scan, 2).await;
    let asked = Instant::now();
    second.stop().await;
    eprintln!(
        "{label}: stop waited {:.2} s for the running scan",
        asked.elapsed().as_secs_f64()
    );
    let reopened = match &database {
        Database::DataDir(dir) => Store::open_data_dir(dir).await.expect("reopen"),
        Database::Url(url) => Store::connect(url).await.expect("reopen"),
    };
    let s = reopened.scan(&scan).await.expect("read").expect("scan");
    assert_eq!(
        s.state, "completed",
        "{label}: finished while draining: {s:?}"
    );
    assert_eq!(s.attempts, 2, "{label}");
    assert_eq!(reopened.report_count(&scan).await.expect("count"), 1);
    reopened.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_or_releases_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    drain(Database::DataDir(dir.path().to_path_buf()), "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_or_releases_on_postgres() {
    let Some(db) = support::PgDb::create("shutdown_drains_or_releases_on_postgres").await else {
        return;
    };
    drain(Database::Url(db.url.clone()), "postgres").await;
}

/// A second signal ends a long drain at once (`Jobs::end_drain`, as `serve` and
/// `worker` call it): the running scan goes back to the queue, nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_the_drain_early_releases_the_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = Database::DataDir(dir.path().to_path_buf());
    let target = slow_target(Duration::from_millis(300));
    let running = server(database, Duration::from_secs(600)).await;
    let store = running.store.clone();
    let scan = queue_scan(&store, target).await;
    wait_running(&store, &scan, 1).await;
    let jobs = running.jobs();
    let stopping = tokio::spawn(running.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the drain waits for the scan");
    jobs.end_drain();
    stopping.await.expect("stopped");
    let reopened = Store::open_data_dir(dir.path()).await.expect("reopen");
    let s = reopened.scan(&scan).await.expect("read").expect("scan");
    assert_eq!(s.state, "queued", "{s:?}");
    assert_eq!(reopened.report_count(&scan).await.expect("count"), 0);
    reopened.close().await;
}
