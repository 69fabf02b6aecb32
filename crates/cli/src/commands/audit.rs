//! `tollgate audit PATH [--with-scan scan.json]`, and the audit half of
//! `tollgate scan URL --audit PATH`.

use crate::args::{AuditArgs, ColorChoice};
use crate::baseline::read_report;
use crate::exit::{code, usage, Failure};
use crate::output::{parse_output, stdout_color, write_all};
use anyhow::anyhow;
use std::path::{Component, Path};
use std::process::ExitCode;
use std::time::Instant;
use tollgate_audit::{audit_path, chain, registry};
use tollgate_core::{CheckMeta, Redactor, Report, Severity};
use tollgate_report::{Format, RenderOptions};

pub fn run(args: &AuditArgs, color: ColorChoice) -> Result<ExitCode, Failure> {
    let format: Format = match &args.format {
        Some(f) => f.parse().map_err(usage)?,
        None => Format::Terminal,
    };
    let fail_on: Option<Severity> = args
        .fail_on
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(usage)?;
    let outputs = args
        .outputs
        .iter()
        .map(|o| parse_output(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let scan = args
        .with_scan
        .as_deref()
        .map(read_report)
        .transpose()
        .map_err(usage)?;
    let mut report = audit_report(&args.path)?;
    if let Some(scan) = &scan {
        report.chains = chain::join(&report.findings, &scan.findings);
    }
    let rules: Vec<&CheckMeta> = registry::all().iter().map(|r| r.meta()).collect();
    let color = stdout_color(color);
    let opts = RenderOptions {
        color,
        fail_on,
        baseline: None,
    };
    write_all(
        &report,
        &rules,
        format,
        &opts,
        &outputs,
        &Redactor::default(),
    )
    .map_err(usage)?;
    Ok(gate(&report, fail_on, args.fail_under))
}

/// Audits `path` into a report whose finding paths read relative to the current
/// directory (as given on the command line), so SARIF locations resolve in the
/// repository. An unreadable path means the target could not be audited (exit 3).
pub fn audit_report(path: &Path) -> Result<Report, Failure> {
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let clock = Instant::now();
    let outcome = audit_path(path).map_err(|e| Failure::Unscannable(anyhow!("{e}")))?;
    let root = if path.is_file() {
        path.parent().unwrap_or(Path::new(""))
    } else {
        path
    };
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(tollgate_audit::report(
        outcome,
        &path.display().to_string(),
        &display_prefix(root),
        started_at,
        duration_ms,
    ))
}

/// Audits `path` and joins it with a scan report's findings (`scan --audit`).
pub fn join_into(report: &mut Report, path: &Path) -> Result<(), Failure> {
    let audit = audit_report(path)?;
    report.chains = chain::join(&audit.findings, &report.findings);
    report.coverage.notes.push(format!(
        "joined with an audit of {} ({} findings): {} attack chain(s)",
        path.display(),
        audit.findings.len(),
        report.chains.len()
    ));
    Ok(())
}

/// The audit root as a prefix for finding paths: relative paths as given (without
/// `./`), absolute ones relative to the current directory when inside it.
fn display_prefix(root: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = match (root.is_absolute(), &cwd) {
        (true, Some(cwd)) => root.strip_prefix(cwd).unwrap_or(root),
        _ => root,
    };
    rel.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `--fail-on` (findings and attack chains) and `--fail-under`, with the reason on stderr.
fn gate(report: &Report, fail_on: Option<Severity>, fail_under: Option<u8>) -> ExitCode {
    let mut reasons = Vec::new();
    if let Some(threshold) = fail_on {
        let findings = report
            .findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .count();
        let chains = report
            .chains
            .iter()
            .filter(|c| c.severity >= threshold)
            .count();
        if findings + chains > 0 {
            reasons.push(format!("{findings} finding(s) and {chains} attack chain(s) at or above {threshold} (--fail-on {threshold})"));
        }
    }
    if let Some(min) = fail_under.filter(|min| report.score.score < *min) {
        reasons.push(format!(
            "score {} is under {min} (--fail-under {min})",
            report.score.score
        ));
    }
    if reasons.is_empty() {
        return ExitCode::from(code::OK);
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "gate failed: {}",
        reasons.join("; ")
    );
    ExitCode::from(code::GATE_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_relative_and_clean() {
        assert_eq!(
            display_prefix(Path::new("./testbeds/audit/vulnerable/")),
            "testbeds/audit/vulnerable"
        );
        assert_eq!(display_prefix(Path::new(".")), "");
        let cwd = std::env::current_dir().unwrap_or_default();
        assert_eq!(display_prefix(&cwd.join("a/b")), "a/b");
    }
}
