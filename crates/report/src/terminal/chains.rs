//! Attack chains in the terminal report: each chain, then every link on its own line.
//! Rendered here, not by the CLI, so the output's final redaction pass covers it like
//! everything else, on stdout and in `-o terminal=FILE` alike.

use super::style::{clean, Painter, Tone};
use super::wrap::wrap;
use super::WIDTH;
use tollgate_core::{ChainSide, Report};

/// The chains; empty when the report has none.
pub(super) fn chains(report: &Report, p: Painter) -> Vec<String> {
    if report.chains.is_empty() {
        return Vec::new();
    }
    let heading = format!("Attack chains ({})", report.chains.len());
    let mut lines = vec![p.paint(&heading, Tone::Bold)];
    for c in &report.chains {
        lines.push(format!(
            "  [{}] {} ({}, {})",
            c.severity,
            clean(&c.name),
            clean(&c.kind),
            c.confidence
        ));
        lines.extend(wrap(&clean(&c.summary), 4, WIDTH));
        for l in &c.links {
            let side = match l.side {
                ChainSide::Audit => "audit",
                ChainSide::Scan => "scan ",
            };
            lines.push(format!(
                "    - {side} {:<8} {} — {}",
                clean(l.check_id.as_str()),
                clean(&l.location.to_string()),
                clean(&l.title.replace(['\n', '\r'], " "))
            ));
        }
    }
    lines
}
