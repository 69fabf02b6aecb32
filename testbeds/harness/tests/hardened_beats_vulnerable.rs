//! Grades rank builds: on each testbed the hardened mode scores strictly higher than
//! the vulnerable mode, and reports fewer findings. A scanner whose grade does not
//! move when every planted weakness is fixed is measuring noise.
//!
//! Skipped, loudly, only when there is no Python to run the Django testbed.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::time::Duration;
use tollgate_testbed::{python_available, run_django_eval, EvalRun};

/// Both testbeds up, two scans capped at `SCAN_MAX_TIME` each, both testbeds down.
const WHOLE_RUN: Duration = Duration::from_secs(115);

fn assert_hardened_beats_vulnerable(testbed: &str, run: &EvalRun) {
    let (v, h) = (&run.vulnerable.report, &run.hardened.report);
    println!(
        "{testbed}: vulnerable {} ({}) with {} findings, hardened {} ({}) with {} findings",
        v.score.score,
        v.score.grade,
        v.findings.len(),
        h.score.score,
        h.score.grade,
        h.findings.len()
    );
    assert!(
        h.score.score > v.score.score,
        "{testbed}: hardened mode scored {} and vulnerable mode {}: the hardened build must score strictly higher",
        h.score.score,
        v.score.score
    );
    assert!(
        h.score.grade < v.score.grade || h.score.grade == tollgate_core::Grade::A,
        "{testbed}: hardened grade {} is not better than vulnerable grade {}",
        h.score.grade,
        v.score.grade
    );
    assert!(
        h.findings.len() < v.findings.len(),
        "{testbed}: hardened mode has {} findings, vulnerable mode {}",
        h.findings.len(),
        v.findings.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_hardened_scores_higher_than_vulnerable() {
    if !python_available() {
        eprintln!();
        eprintln!("################################################################");
        eprintln!("## SKIPPED django_hardened_scores_higher_than_vulnerable: python3");
        eprintln!("## is not installed, so the Django testbed cannot run. Install");
        eprintln!("## python3 (with venv) and rerun.");
        eprintln!("################################################################");
        return;
    }
    let run = tokio::time::timeout(WHOLE_RUN, run_django_eval())
        .await
        .unwrap_or_else(|_| panic!("the scans took longer than {WHOLE_RUN:?}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_hardened_beats_vulnerable("django", &run);
}
