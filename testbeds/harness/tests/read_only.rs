//! A default (read-only) scan changes nothing and is repeatable, on both testbeds.
//!
//! Each testbed records every request that changed its state, whatever the method
//! (`DIR/state_changes.log`): the Express testbed's documented `GET /api/admin/reseed`
//! drops and re-seeds its database; the Django testbed's `GET
//! /api/v2/admin/maintenance/` purges orders and names no action in its path (only its
//! OpenAPI `operationId` and summary do). For each testbed, in vulnerable mode, two
//! default scans in a row must:
//! - change nothing (the log stays empty) and, on Express, whose server logs every
//!   request (`DIR/requests.log`), send nothing to the state-changing route and no
//!   write method other than the harness's own logins;
//! - list the route under the report's coverage as not sent, and report it (INV-008);
//! - give the same findings (fingerprints) and the same score.
//!
//! Prints the wall time and requests of each scan. Skipped, loudly, only when the
//! testbed's runtime (Node.js 20+, Python 3) is missing.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::collections::BTreeSet;
use std::time::Duration;
use tollgate_testbed::{
    node_available, python_available, scan_read_only, Mode, ModeRun, Stack, Testbed,
};

const WHOLE_RUN: Duration = Duration::from_secs(150);

/// Each finding's check, fingerprint and severity. Not the title: a count in it may
/// grow with the target's own logs (the Express testbed serves an access log that
/// records the first scan's requests too).
fn fingerprints(run: &ModeRun) -> BTreeSet<String> {
    run.report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} ({})",
                f.check_id, f.fingerprint, f.severity, f.title
            )
        })
        .collect()
}

async fn check(stack: Stack, route: &str) {
    let bed = tokio::task::spawn_blocking(move || match stack {
        Stack::Django => Testbed::start(Mode::Vulnerable),
        Stack::Express => Testbed::start_express(Mode::Vulnerable),
    })
    .await
    .expect("start")
    .unwrap_or_else(|e| panic!("{e}"));
    let mut runs = Vec::new();
    for _ in 0..2 {
        let run = tokio::time::timeout(WHOLE_RUN, scan_read_only(&bed))
            .await
            .unwrap_or_else(|_| panic!("the scan took longer than {WHOLE_RUN:?}"))
            .unwrap_or_else(|e| panic!("{e}"));
        println!(
            "{stack:?} default scan: {:.2} s, {} requests sent, score {} ({}), {} findings, {} routes not sent",
            run.wall.as_secs_f64(),
            run.report.coverage.requests_sent,
            run.report.score.score,
            run.report.score.grade,
            run.report.findings.len(),
            run.report.coverage.routes_skipped.len(),
        );
        for r in &run.report.coverage.routes_skipped {
            println!("  not sent: {} {}: {}", r.method, r.url, r.reason);
        }
        for e in &run.report.errors {
            println!("  error: {:?} {}", e.check_id, e.message);
        }
        runs.push(run);
    }
    let changes = bed
        .state_changes()
        .expect("the testbed records state changes");
    assert!(
        changes.is_empty(),
        "{stack:?}: a default scan changed the testbed's state:\n  {}",
        changes.join("\n  ")
    );
    if stack == Stack::Express {
        let log = std::fs::read_to_string(bed.state_dir().join("requests.log")).unwrap_or_default();
        let to_route: Vec<&str> = log.lines().filter(|l| l.contains(route)).collect();
        assert!(
            to_route.is_empty(),
            "{stack:?} requests to {route}: {to_route:#?}"
        );
        let writes: Vec<&str> = log
            .lines()
            .filter(|l| {
                !["GET ", "HEAD ", "OPTIONS ", "TRACE "]
                    .iter()
                    .any(|m| l.starts_with(m))
            })
            // The harness's own logins (fresh tokens before each scan).
            .filter(|l| !l.starts_with("POST /token "))
            .collect();
        assert!(
            writes.is_empty(),
            "{stack:?}: write-method requests: {writes:#?}"
        );
    }
    for run in &runs {
        let skipped: Vec<String> = run
            .report
            .coverage
            .routes_skipped
            .iter()
            .map(|r| format!("{} {}: {}", r.method, r.url, r.reason))
            .collect();
        assert!(
            skipped.iter().any(|s| s.contains(route)),
            "{stack:?}: the coverage must list {route} as not sent: {skipped:#?}"
        );
        assert!(
            run.report
                .findings
                .iter()
                .any(|f| f.check_id.as_str() == "INV-008" && f.title.contains(route)),
            "{stack:?}: INV-008 must report {route} without calling it"
        );
    }
    let key = |s: &String| s.split(" (").next().unwrap_or_default().to_string();
    let a: BTreeSet<String> = fingerprints(&runs[0]).iter().map(key).collect();
    let b: BTreeSet<String> = fingerprints(&runs[1]).iter().map(key).collect();
    let only_first: Vec<&String> = a.difference(&b).collect();
    let only_second: Vec<&String> = b.difference(&a).collect();
    assert!(
        only_first.is_empty() && only_second.is_empty(),
        "{stack:?}: two default scans in a row differ:\n  only in the first: {only_first:#?}\n  only in the second: {only_second:#?}"
    );
    assert_eq!(
        runs[0].report.score, runs[1].report.score,
        "{stack:?}: two default scans in a row scored differently"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn express_default_scans_change_nothing_and_agree() {
    if !node_available() {
        eprintln!("\n##### SKIPPED: node >= 20 is not installed (Express testbed) #####\n");
        return;
    }
    check(Stack::Express, "/api/admin/reseed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_default_scans_change_nothing_and_agree() {
    if !python_available() {
        eprintln!("\n##### SKIPPED: python3 is not installed (Django testbed) #####\n");
        return;
    }
    check(Stack::Django, "/api/v2/admin/maintenance/").await;
}
