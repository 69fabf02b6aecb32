//! The delivery queue on both databases: a dead worker's delivery is taken over when
//! its lease expires (and the dead worker can no longer log it), concurrent claimers
//! never take the same delivery, deliveries out of attempts are failed, and a scan's
//! event is queued once.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;
use tollgate_server::store::{new_id, now_ms, AttemptRow, DeliveryStep, Store, WebhookRow};

async fn hook(store: &Store) -> (String, String) {
    let (target_id, scan) = support::queued_scan(store, "http://127.0.0.1:9/").await;
    let row = WebhookRow {
        id: new_id("whk"),
        name: "h".into(),
        url: "http://127.0.0.1:9/hook".into(),
        events: vec!["scan.completed".into()],
        format: "tollgate".into(),
        score_drop: 5,
        target_id: Some(target_id),
        created_at: now_ms(),
    };
    store
        .insert_webhook(&row, "whsec_x")
        .await
        .expect("webhook");
    (row.id, scan.id)
}

fn attempt(delivery: &str, n: i64) -> AttemptRow {
    AttemptRow {
        delivery_id: delivery.into(),
        attempt: n,
        status_code: Some(500),
        error: None,
        response_excerpt: None,
        duration_ms: 1,
        started_at: now_ms(),
    }
}

async fn queue_semantics(store: Store) {
    let (hook_id, scan_id) = hook(&store).await;

    // Once per (webhook, scan, event).
    let id = new_id("dlv");
    assert!(store
        .queue_delivery(&id, &hook_id, Some(&scan_id), "scan.completed", "{}")
        .await
        .unwrap());
    assert!(!store
        .queue_delivery(
            &new_id("dlv"),
            &hook_id,
            Some(&scan_id),
            "scan.completed",
            "{}"
        )
        .await
        .unwrap());

    // Worker A claims with a short lease and dies; B takes over after it expires.
    let a = store
        .claim_delivery("a", Duration::from_millis(500), 3)
        .await
        .unwrap()
        .expect("due");
    assert_eq!(
        (a.id.as_str(), a.attempt, a.secret.as_str()),
        (id.as_str(), 1, "whsec_x")
    );
    assert!(
        !format!("{a:?}").contains("whsec_x"),
        "Debug hides the secret"
    );
    assert!(store
        .claim_delivery("b", Duration::from_secs(30), 3)
        .await
        .unwrap()
        .is_none());
    tokio::time::sleep(Duration::from_millis(700)).await;
    let b = store
        .claim_delivery("b", Duration::from_secs(30), 3)
        .await
        .unwrap()
        .expect("taken over");
    assert_eq!((b.id.as_str(), b.attempt), (id.as_str(), 2));
    assert!(
        !store
            .record_attempt("a", &attempt(&id, 1), DeliveryStep::Delivered)
            .await
            .unwrap(),
        "the dead worker's lease is gone"
    );
    // B fails the attempt and schedules the next one in the future: not due yet.
    assert!(store
        .record_attempt(
            "b",
            &attempt(&id, 2),
            DeliveryStep::RetryAt(now_ms() + 60_000)
        )
        .await
        .unwrap());
    assert!(store
        .claim_delivery("c", Duration::from_secs(30), 3)
        .await
        .unwrap()
        .is_none());
    let d = store.delivery(&id).await.unwrap().unwrap();
    assert_eq!((d.state.as_str(), d.attempts), ("pending", 2));
    assert_eq!(
        store
            .attempts(std::slice::from_ref(&id))
            .await
            .unwrap()
            .len(),
        1
    );

    // Out of attempts with an expired lease: failed by the reaper.
    let last = new_id("dlv");
    store
        .queue_delivery(&last, &hook_id, Some(&scan_id), "findings.new", "{}")
        .await
        .unwrap();
    let mut n = 0;
    while let Some(j) = store
        .claim_delivery("d", Duration::from_millis(1), 2)
        .await
        .unwrap()
    {
        assert_eq!(j.id, last);
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(n, 2, "claimed at most max_attempts times");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.reap_deliveries(2).await.unwrap(), 1);
    assert_eq!(
        store.delivery(&last).await.unwrap().unwrap().state,
        "failed"
    );

    // 40 pings, 4 claimers at once: each taken exactly once.
    let mut queued = BTreeSet::new();
    for _ in 0..40 {
        let id = new_id("dlv");
        store
            .queue_delivery(&id, &hook_id, None, "ping", "{}")
            .await
            .unwrap();
        queued.insert(id);
    }
    let claimers: Vec<_> = (0..4)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                let name = format!("w{i}");
                while let Some(j) = store
                    .claim_delivery(&name, Duration::from_secs(30), 3)
                    .await
                    .unwrap()
                {
                    got.push(j.id);
                }
                got
            })
        })
        .collect();
    let mut taken = Vec::new();
    for c in claimers {
        taken.extend(c.await.unwrap());
    }
    let distinct: BTreeSet<String> = taken.iter().cloned().collect();
    assert_eq!(taken.len(), distinct.len(), "a delivery was claimed twice");
    assert_eq!(distinct, queued);
    assert!(store.delete_webhook(&hook_id).await.unwrap());
    assert!(store.delivery(&id).await.unwrap().is_none());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_delivery_queue_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    queue_semantics(Store::open_data_dir(dir.path()).await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_delivery_queue_on_postgres() {
    let Some(db) = support::PgDb::create("webhook_queue").await else {
        return;
    };
    queue_semantics(Store::connect(&db.url).await.expect("store")).await;
}
