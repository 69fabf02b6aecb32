//! JUnit XML: one test case per check; a check with findings at or above the gate
//! fails, a skipped check is skipped.

use crate::RenderOptions;
use tollgate_core::{CheckMeta, Report, Severity};

/// Renders `report` as JUnit XML. Without `--fail-on`, every finding counts as a failure.
pub fn render(report: &Report, rules: &[&CheckMeta], opts: &RenderOptions) -> String {
    let gate = opts.fail_on.unwrap_or(Severity::Info);
    let cases: Vec<String> = rules.iter().map(|m| case(report, m, gate)).collect();
    let failures = cases.iter().filter(|c| c.contains("<failure")).count();
    let skipped = cases.iter().filter(|c| c.contains("<skipped")).count();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tollgate\" tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"tollgate {target}\" tests=\"{n}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"0\" time=\"{time:.3}\">\n{body}  </testsuite>\n</testsuites>\n",
        n = cases.len(),
        target = xml(&report.target.url),
        time = report.duration_ms as f64 / 1000.0,
        body = cases.concat(),
    )
}

fn case(report: &Report, meta: &CheckMeta, gate: Severity) -> String {
    let open = format!(
        "    <testcase classname=\"tollgate.{}\" name=\"{}: {}\"",
        meta.category.slug(),
        meta.id,
        xml(meta.name)
    );
    if let Some(s) = report
        .coverage
        .checks_skipped
        .iter()
        .find(|s| s.check_id == meta.id)
    {
        return format!(
            "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
            xml(&s.reason)
        );
    }
    let failing: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check_id == meta.id && f.severity >= gate)
        .collect();
    if failing.is_empty() {
        return format!("{open}/>\n");
    }
    let text: String = failing
        .iter()
        .map(|f| format!("[{}] {} at {}\n", f.severity, f.title, f.location))
        .collect();
    format!(
        "{open}>\n      <failure message=\"{} finding(s) at or above {gate}\" type=\"{}\">{}</failure>\n    </testcase>\n",
        failing.len(),
        meta.severity,
        xml(&text)
    )
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r') || (*c >= ' ' && *c != '\u{FFFE}' && *c != '\u{FFFF}')
        })
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}
