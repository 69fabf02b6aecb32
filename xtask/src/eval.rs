//! `cargo xtask eval`: scans the Django testbed in both modes and scores the reports
//! against `testbeds/django/ground_truth.toml`.
//!
//! Prints the table (`ID | route | checks | result`), the counts, recall, the hardened
//! false positives, the scan wall times, and ends with `N passed, N failed`
//! (passed = detected weaknesses; failed = missed weaknesses + false positives;
//! not-covered weaknesses count in neither). Exit code 1 when anything failed.

use anyhow::{bail, Context};
use std::path::PathBuf;
use std::process::ExitCode;
use tollgate_testbed::{run_django_eval, ModeRun};

pub fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let reports = parse_args(args)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let run = runtime.block_on(run_django_eval())?;
    if let Some(dir) = &reports {
        write_report(dir, "vulnerable", &run.vulnerable)?;
        write_report(dir, "hardened", &run.hardened)?;
    }
    let eval = &run.evaluation;
    println!("{}", eval.render_table());
    print!("{}", eval.render_summary());
    println!(
        "vulnerable-mode scan wall time: {:.2} s ({} requests sent)",
        run.vulnerable.wall.as_secs_f64(),
        run.vulnerable.report.coverage.requests_sent
    );
    println!(
        "hardened-mode scan wall time: {:.2} s ({} requests sent)",
        run.hardened.wall.as_secs_f64(),
        run.hardened.report.coverage.requests_sent
    );
    if let Some(dir) = &reports {
        println!("reports: {}", dir.display());
    }
    println!("{}", eval.summary_line());
    Ok(if eval.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `[--reports DIR]`: also write both JSON reports to DIR.
fn parse_args(args: &[String]) -> anyhow::Result<Option<PathBuf>> {
    let mut reports = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--reports" => {
                let dir = it
                    .next()
                    .context("--reports needs a directory: cargo xtask eval --reports DIR")?;
                reports = Some(PathBuf::from(dir));
            }
            other => bail!("unknown argument `{other}` — usage: cargo xtask eval [--reports DIR]"),
        }
    }
    Ok(reports)
}

fn write_report(dir: &std::path::Path, mode: &str, run: &ModeRun) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{mode}.json"));
    let json = serde_json::to_string_pretty(&run.report).context("serialising the report")?;
    std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
