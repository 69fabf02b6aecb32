//! A default (read-only) scan of the Express testbed changes nothing: the testbed
//! records every request that changed its state, whatever the method
//! (`DIR/state_changes.log`; its documented `GET /api/admin/reseed` drops and re-seeds
//! the database), and every request it answered (`DIR/requests.log`). After the scan
//! the first must be empty and the reseed route never called.
//!
//! Skipped, loudly, only when there is no Node.js 20+ to run the testbed.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::time::Duration;
use tollgate_testbed::{node_available, scan_read_only, Mode, Testbed};

const WHOLE_RUN: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_scan_changes_no_state() {
    if !node_available() {
        eprintln!(
            "\n##### SKIPPED default_scan_changes_no_state: node >= 20 is not installed #####\n"
        );
        return;
    }
    let bed = tokio::task::spawn_blocking(|| Testbed::start_express(Mode::Vulnerable))
        .await
        .expect("start")
        .unwrap_or_else(|e| panic!("{e}"));
    let run = tokio::time::timeout(WHOLE_RUN, scan_read_only(&bed))
        .await
        .unwrap_or_else(|_| panic!("the scan took longer than {WHOLE_RUN:?}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let changes = bed
        .state_changes()
        .expect("the Express testbed records state changes");
    let log = std::fs::read_to_string(bed.state_dir().join("requests.log")).unwrap_or_default();
    let writes: Vec<&str> = log
        .lines()
        .filter(|l| {
            !["GET ", "HEAD ", "OPTIONS "]
                .iter()
                .any(|m| l.starts_with(m))
        })
        .collect();
    let reseeds: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/api/admin/reseed"))
        .collect();
    println!(
        "default scan: {:.2} s, {} requests sent, {} answered; {} state changes; {} requests with a write method; {} to the reseed route",
        run.wall.as_secs_f64(),
        run.report.coverage.requests_sent,
        bed.requests_served().unwrap_or(0),
        changes.len(),
        writes.len(),
        reseeds.len()
    );
    for w in &writes {
        println!("  write-method request: {w}");
    }
    assert!(
        changes.is_empty(),
        "a default scan changed the testbed's state:\n  {}",
        changes.join("\n  ")
    );
    let skipped: Vec<String> = run
        .report
        .coverage
        .routes_skipped
        .iter()
        .map(|r| format!("{} {}: {}", r.method, r.url, r.reason))
        .collect();
    for s in &skipped {
        println!("  not sent: {s}");
    }
    assert!(
        skipped.iter().any(|s| s.contains("/api/admin/reseed")),
        "the report's coverage must list the reseed route as not sent: {skipped:#?}"
    );
    assert!(
        run.report
            .findings
            .iter()
            .any(|f| f.check_id.as_str() == "INV-008" && f.title.contains("/api/admin/reseed")),
        "INV-008 must report the reseed route from the spec, without calling it"
    );
    assert!(
        reseeds.is_empty(),
        "a default scan called the state-changing reseed route:\n  {}",
        reseeds.join("\n  ")
    );
}
