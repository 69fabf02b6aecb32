//! Scans the real Django testbed in both modes and scores the reports against
//! `testbeds/django/ground_truth.toml`: no planted weakness whose check exists may be
//! missed, and hardened mode may report nothing the ground truth does not allow.
//!
//! Weaknesses none of whose checks exists yet print as "not covered yet" and never
//! count as passed. The hardened build must score strictly higher than the vulnerable
//! one. The scans use the testbed's OpenAPI document and its identities.
//! Skipped, loudly, only when there is no Python to run the testbed.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::time::Duration;
use tollgate_testbed::{python_available, run_django_eval};

/// Both testbeds up, two scans capped at `SCAN_MAX_TIME` each, both testbeds down.
const WHOLE_RUN: Duration = Duration::from_secs(115);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_testbed_ground_truth() {
    if !python_available() {
        eprintln!();
        eprintln!("################################################################");
        eprintln!("## SKIPPED django_testbed_ground_truth: python3 is not installed,");
        eprintln!("## so the Django testbed cannot run. Install python3 (with venv)");
        eprintln!("## and rerun; the harness creates testbeds/django/.venv itself.");
        eprintln!("################################################################");
        return;
    }
    let run = tokio::time::timeout(WHOLE_RUN, run_django_eval())
        .await
        .unwrap_or_else(|_| panic!("the evaluation took longer than {WHOLE_RUN:?}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let eval = &run.evaluation;
    print!("{}", run.render());

    let missed: Vec<String> = eval
        .rows
        .iter()
        .filter(|r| r.is_missed())
        .map(|r| format!("{} ({})", r.id, r.result_text()))
        .collect();
    assert!(
        missed.is_empty(),
        "planted weaknesses missed:\n  {}",
        missed.join("\n  ")
    );
    let fps: Vec<String> = eval
        .false_positives
        .iter()
        .map(|f| format!("{} {} {}: {}", f.check_id, f.severity, f.location, f.title))
        .collect();
    assert!(
        fps.is_empty(),
        "hardened-mode false positives:\n  {}",
        fps.join("\n  ")
    );
    match run.hardened_beats_vulnerable() {
        Ok(figures) => println!("{figures}"),
        Err(why) => panic!("{why}"),
    }
}
