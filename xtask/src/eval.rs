//! `cargo xtask eval`: scans every testbed (Django, Express) in both modes and scores
//! the reports against each testbed's `ground_truth.toml`.
//!
//! For each testbed it prints the table (`ID | route | checks | result`), the counts,
//! recall, the hardened false positives and the scan wall times and requests; then the
//! totals over all testbeds; and ends with one `N passed, N failed` line (passed =
//! detected weaknesses; failed = missed weaknesses + hardened false positives;
//! not-covered weaknesses count in neither). Exit code 1 when anything failed.

use anyhow::{bail, Context};
use std::path::PathBuf;
use std::process::ExitCode;
use tollgate_testbed::{run_eval, EvalRun, ModeRun, Stack};

struct Args {
    reports: Option<PathBuf>,
    stacks: Vec<Stack>,
}

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let args = parse_args(args)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let mut runs: Vec<EvalRun> = Vec::new();
    for &stack in &args.stacks {
        println!("==================== {stack} testbed ====================");
        let run = runtime
            .block_on(run_eval(stack))
            .with_context(|| format!("evaluating the {stack} testbed"))?;
        if let Some(dir) = &args.reports {
            write_report(dir, stack, "vulnerable", &run.vulnerable)?;
            write_report(dir, stack, "hardened", &run.hardened)?;
        }
        print_run(&run);
        runs.push(run);
    }
    if let Some(dir) = &args.reports {
        println!("reports: {}", dir.display());
    }
    println!("==================== total ====================");
    print_totals(&runs);
    let passed: usize = runs.iter().map(|r| r.evaluation.passed()).sum();
    let failed: usize = runs.iter().map(|r| r.evaluation.failures()).sum();
    println!("{passed} passed, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_run(run: &EvalRun) {
    println!("{}", run.render());
}

fn print_totals(runs: &[EvalRun]) {
    let sum = |f: &dyn Fn(&EvalRun) -> usize| runs.iter().map(f).sum::<usize>();
    let rows = sum(&|r| r.evaluation.rows.len());
    let detected = sum(&|r| r.evaluation.detected());
    let missed = sum(&|r| r.evaluation.missed());
    let not_covered = sum(&|r| r.evaluation.not_covered());
    let fps = sum(&|r| r.evaluation.false_positives.len());
    println!(
        "{} testbeds, {rows} weaknesses: {detected} detected, {missed} missed, {not_covered} not covered yet",
        runs.len()
    );
    if detected + missed > 0 {
        println!(
            "recall: {:.1}% ({detected} of {} covered weaknesses)",
            100.0 * detected as f64 / (detected + missed) as f64,
            detected + missed
        );
    } else {
        println!("recall: n/a (no weakness is covered by a registered check)");
    }
    println!("hardened false positives: {fps}");
    for run in runs {
        println!(
            "{}: recall {}, {} hardened false positives, vulnerable {:.2} s / {} requests, hardened {:.2} s / {} requests",
            run.stack,
            run.evaluation
                .recall()
                .map_or_else(|| "n/a".to_string(), |r| format!("{:.1}%", r * 100.0)),
            run.evaluation.false_positives.len(),
            run.vulnerable.wall.as_secs_f64(),
            run.vulnerable.report.coverage.requests_sent,
            run.hardened.wall.as_secs_f64(),
            run.hardened.report.coverage.requests_sent,
        );
    }
}

/// `[--reports DIR] [--testbed django|express]...`: also write the JSON reports to
/// DIR (`<testbed>-<mode>.json`); evaluate only the named testbeds (default: all).
fn parse_args(args: &[String]) -> anyhow::Result<Args> {
    const USAGE: &str = "usage: cargo xtask eval [--reports DIR] [--testbed django|express]...";
    let mut reports = None;
    let mut stacks = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--reports" => {
                let dir = it
                    .next()
                    .with_context(|| format!("--reports needs a directory — {USAGE}"))?;
                reports = Some(PathBuf::from(dir));
            }
            "--testbed" => {
                let name = it
                    .next()
                    .with_context(|| format!("--testbed needs a name — {USAGE}"))?;
                let Some(stack) = Stack::ALL.into_iter().find(|s| s.as_str() == name) else {
                    bail!("unknown testbed `{name}` (django or express) — {USAGE}");
                };
                if !stacks.contains(&stack) {
                    stacks.push(stack);
                }
            }
            other => bail!("unknown argument `{other}` — {USAGE}"),
        }
    }
    if stacks.is_empty() {
        stacks = Stack::ALL.to_vec();
    }
    Ok(Args { reports, stacks })
}

fn write_report(
    dir: &std::path::Path,
    stack: Stack,
    mode: &str,
    run: &ModeRun,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{stack}-{mode}.json"));
    let json = serde_json::to_string_pretty(&run.report).context("serialising the report")?;
    std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
