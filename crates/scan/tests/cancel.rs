//! Cancellation: a cancelled scan stops promptly and returns the partial report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_scan::{ScanOptions, Scanner};

/// A slow API: every answer takes 150 ms, so a whole scan takes far longer than the
/// test waits.
async fn slow_api() -> url::Url {
    let addr = serve(|_| {
        std::thread::sleep(Duration::from_millis(150));
        RawResponse::new(200, r#"{"ok":true}"#)
    })
    .await;
    url::Url::parse(&format!("http://{addr}/api/")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_scan_returns_a_partial_report_promptly() {
    let target = slow_api().await;
    let scanner = Scanner::new(ScanOptions::new(target)).unwrap();
    let token = scanner.cancel_token();
    let started = Instant::now();
    let cancel = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        token.cancel();
    });
    let report = scanner.run(Arc::new(|_| {})).await.unwrap();
    cancel.await.unwrap();
    let took = started.elapsed();
    assert!(report.cancelled, "marked cancelled");
    assert!(
        report
            .coverage
            .checks_skipped
            .iter()
            .any(|s| s.reason.contains("cancelled")),
        "unfinished checks are listed as skipped"
    );
    assert!(report
        .coverage
        .notes
        .iter()
        .any(|n| n.contains("cancelled")));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["cancelled"], true);
    // Figures, not a timing assertion: printed for the record.
    println!("cancelled after {took:?}");
}

#[tokio::test]
async fn a_scan_cancelled_before_it_starts_sends_almost_nothing() {
    let target = slow_api().await;
    let scanner = Scanner::new(ScanOptions::new(target)).unwrap();
    scanner.cancel_token().cancel();
    let report = scanner.run(Arc::new(|_| {})).await.unwrap();
    assert!(report.cancelled);
    assert!(report.findings.is_empty());
    assert!(report.coverage.checks_run.is_empty());
}
