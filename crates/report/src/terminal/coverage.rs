//! The bottom of the terminal report: non-fatal errors and what the scan covered.

use super::style::{clean, Painter, Tone};
use super::wrap::wrap;
use super::WIDTH;
use tollgate_core::{Report, ReportError};

/// Errors the scan recorded and went on after; empty when there were none.
pub(super) fn errors(report: &Report, p: Painter) -> Vec<String> {
    if report.errors.is_empty() {
        return Vec::new();
    }
    let heading = format!("Errors ({})", report.errors.len());
    let mut lines = vec![p.paint(&heading, Tone::Warn)];
    lines.extend(report.errors.iter().map(error_line));
    lines
}

fn error_line(e: &ReportError) -> String {
    let check = e
        .check_id
        .as_ref()
        .map(|id| format!("[{}] ", clean(id.as_str())));
    let url = e.url.as_deref().map(|u| format!("{}: ", clean(u)));
    format!(
        "  ! {}{}{}",
        check.unwrap_or_default(),
        url.unwrap_or_default(),
        clean(&e.message)
    )
}

/// Checks run and skipped, requests, budget and duration: no silent gaps.
pub(super) fn coverage(report: &Report, p: Painter) -> Vec<String> {
    let c = &report.coverage;
    let mut lines = vec![p.paint("Coverage", Tone::Bold)];
    lines.push(format!(
        "  {} checks run, {} skipped · {} requests sent, {} deduplicated · {}",
        c.checks_run.len(),
        c.checks_skipped.len(),
        c.requests_sent,
        c.requests_deduplicated,
        duration(report.duration_ms)
    ));
    for s in &c.checks_skipped {
        let id = clean(s.check_id.as_str());
        lines.push(format!("  skipped {id}: {}", clean(&s.reason)));
    }
    for r in &c.routes_skipped {
        lines.push(format!(
            "  not sent {} {}: {}",
            clean(&r.method),
            clean(&r.url),
            clean(&r.reason)
        ));
    }
    if c.budget_exhausted {
        let text = "  Budget exhausted: the scan stopped early and results are incomplete; \
                    raise --max-requests or --max-time.";
        lines.push(p.paint(text, Tone::Warn));
    }
    for note in &c.notes {
        lines.extend(wrap(&format!("note: {}", clean(note)), 2, WIDTH));
    }
    lines
}

/// A human duration: "850 ms", "12.3 s", "2 min 05 s".
fn duration(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{}.{} s", ms / 1000, (ms % 1000) / 100),
        _ => format!("{} min {:02} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_345), "12.3 s");
        assert_eq!(duration(125_000), "2 min 05 s");
    }
}
