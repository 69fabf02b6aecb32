//! Markdown for a pull-request comment: grade, score, new/fixed/remaining counts, the
//! top findings, and collapsible details.

use crate::RenderOptions;
use std::collections::BTreeMap;
use tollgate_core::{diff, CheckMeta, Finding, Report};

/// Most findings listed in the top table.
const TOP: usize = 10;

/// Renders `report` as Markdown.
pub fn render(report: &Report, rules: &[&CheckMeta], opts: &RenderOptions) -> String {
    let mut md = format!(
        "## tollgate: grade {} · {}/100\n\nTarget: `{}`\n\n",
        report.score.grade,
        report.score.score,
        code(&report.target.url)
    );
    md.push_str(&counts(report, opts));
    md.push_str(&chains(report));
    md.push_str(&top_table(report));
    md.push_str(&details(report, rules));
    md.push_str(&format!(
        "\n<sub>{} checks run, {} skipped, {} requests{}, {:.1} s · tollgate {}</sub>\n",
        report.coverage.checks_run.len(),
        report.coverage.checks_skipped.len(),
        report.coverage.requests_sent,
        match report.coverage.routes_skipped.len() {
            0 => String::new(),
            1 => " (1 state-changing route not called)".to_string(),
            n => format!(" ({n} state-changing routes not called)"),
        },
        report.duration_ms as f64 / 1000.0,
        report.tool.version
    ));
    md
}

fn counts(report: &Report, opts: &RenderOptions) -> String {
    let Some(base) = opts.baseline else {
        return format!(
            "**{} findings** (no baseline given)\n\n",
            report.findings.len()
        );
    };
    let d = diff(base, report);
    let delta = d.score_delta();
    let sign = if delta > 0 { "+" } else { "" };
    format!(
        "| new | fixed | remaining | score change |\n|---|---|---|---|\n| {} | {} | {} | {sign}{delta} ({} → {}) |\n\n",
        d.new.len(),
        d.fixed.len(),
        d.unchanged.len() + d.new.len(),
        d.score_before,
        d.score_after
    )
}

fn chains(report: &Report) -> String {
    let mut md = String::new();
    for c in &report.chains {
        md.push_str(&format!(
            "### Attack chain: {} ({}, {})\n\n{}\n\n",
            html(&c.name),
            c.severity,
            c.confidence,
            cell(&c.summary)
        ));
        for (i, l) in c.links.iter().enumerate() {
            md.push_str(&format!(
                "{}. **{}** {} — `{}` ({})\n",
                i + 1,
                cell(&l.role),
                l.check_id,
                code(&l.location.to_string()),
                cell(&l.title)
            ));
        }
        md.push('\n');
    }
    md
}

fn top_table(report: &Report) -> String {
    if report.findings.is_empty() {
        return "No findings.\n".into();
    }
    let mut md = String::from("| severity | check | finding | location |\n|---|---|---|---|\n");
    for f in report.findings.iter().take(TOP) {
        md.push_str(&format!(
            "| {} | {} | {} | `{}` |\n",
            f.severity,
            f.check_id,
            cell(&f.title),
            code(&f.location.to_string())
        ));
    }
    if report.findings.len() > TOP {
        md.push_str(&format!("\n… and {} more.\n", report.findings.len() - TOP));
    }
    md
}

fn details(report: &Report, rules: &[&CheckMeta]) -> String {
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_check.entry(f.check_id.as_str()).or_default().push(f);
    }
    let django = report.target.is("django");
    let mut md = String::new();
    for (id, findings) in by_check {
        let meta = rules.iter().find(|m| m.id.as_str() == id);
        let name = meta.map_or(id, |m| m.name);
        md.push_str(&format!(
            "\n<details><summary>{id}: {} ({})</summary>\n\n",
            html(name),
            findings.len()
        ));
        for f in findings {
            md.push_str(&format!(
                "- `{}` — {}\n",
                code(&f.location.to_string()),
                cell(&f.title)
            ));
            for fact in &f.evidence.facts {
                md.push_str(&format!("  - {}\n", cell(fact)));
            }
        }
        if let Some(m) = meta {
            md.push_str(&format!("\n**Fix:** {}\n", cell(m.remediation_for(django))));
        }
        md.push_str("\n</details>\n");
    }
    md
}

/// Text safe inside a table cell or list item: no pipes, no line breaks, no HTML.
fn cell(s: &str) -> String {
    html(s).replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text safe inside an inline code span.
fn code(s: &str) -> String {
    s.replace('`', "'")
        .replace(['\n', '\r'], " ")
        .replace('|', "\\|")
}
