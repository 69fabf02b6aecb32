//! The job table on both databases: a crashed worker's scan is taken over when its
//! lease expires, and exactly one result is stored.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::time::Duration;
use tollgate_core::{Coverage, Report, Target};
use tollgate_server::store::{new_id, Outcome, Store};

fn empty_report() -> Report {
    Report::new(
        Target {
            url: "http://127.0.0.1:9/".into(),
            technologies: Vec::new(),
        },
        "2026-12-03T00:00:00Z".into(),
        1,
        Vec::new(),
        Vec::new(),
        Coverage::default(),
    )
}

async fn lease_takeover(store: Store) {
    let (target_id, scan) = support::queued_scan(&store, "http://127.0.0.1:9/").await;

    // Worker A takes the scan with a short lease and "dies" (never heartbeats).
    let a = store
        .claim("worker-a", Duration::from_millis(800))
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!((a.id.as_str(), a.attempts), (scan.id.as_str(), 1));
    assert!(
        store
            .claim("worker-b", Duration::from_secs(30))
            .await
            .expect("claim")
            .is_none(),
        "leased"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;

    // Worker B takes it over once the lease expired.
    let b = store
        .claim("worker-b", Duration::from_secs(30))
        .await
        .expect("claim")
        .expect("the abandoned job");
    assert_eq!((b.id.as_str(), b.attempts), (scan.id.as_str(), 2));
    // A's late heartbeat and result are refused; B's is stored, once.
    assert!(store
        .heartbeat(&scan.id, "worker-a", Duration::from_secs(30), 1, 2)
        .await
        .expect("beat")
        .is_none());
    let outcome = Outcome::Report {
        report: Box::new(empty_report()),
        cancelled: false,
    };
    assert!(!store
        .finish(&scan.id, "worker-a", &outcome, (2, 2))
        .await
        .expect("finish"));
    assert!(store
        .finish(&scan.id, "worker-b", &outcome, (2, 2))
        .await
        .expect("finish"));
    assert!(!store
        .finish(&scan.id, "worker-b", &outcome, (2, 2))
        .await
        .expect("finish"));
    assert_eq!(store.report_count(&scan.id).await.expect("count"), 1);
    // Its diff is stored with the result, once.
    assert_eq!(store.diff_count(&scan.id).await.expect("count"), 1);
    let done = store.scan(&scan.id).await.expect("scan").expect("exists");
    assert_eq!(done.state, "completed");
    assert_eq!((done.checks_done, done.checks_total), (2, 2));

    // A scan abandoned on every attempt fails instead of running forever.
    let doomed = store
        .insert_scan(&new_id("scn"), &target_id)
        .await
        .expect("scan");
    for _ in 0..tollgate_server::store::MAX_ATTEMPTS {
        let c = store
            .claim("crashy", Duration::from_millis(1))
            .await
            .expect("claim")
            .expect("job");
        assert_eq!(c.id, doomed.id);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(store
        .claim("w", Duration::from_secs(1))
        .await
        .expect("claim")
        .is_none());
    assert_eq!(store.reap().await.expect("reap"), 1);
    let failed = store.scan(&doomed.id).await.expect("scan").expect("exists");
    assert_eq!(failed.state, "failed");
    store.close().await;
}

#[tokio::test]
async fn an_abandoned_scan_is_taken_over_and_stored_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    lease_takeover(Store::open_data_dir(dir.path()).await.expect("store")).await;
}

#[tokio::test]
async fn an_abandoned_scan_is_taken_over_and_stored_once_on_postgres() {
    let Some(db) = support::PgDb::create("store").await else {
        return;
    };
    lease_takeover(Store::connect(&db.url).await.expect("store")).await;
}
