//! SARIF 2.1.0 output, shaped for GitHub code scanning.
//!
//! One run: every registered rule in `tool.driver.rules`, one result per finding with
//! HTTP evidence in `webRequest`/`webResponse`, and the scan's errors and skipped
//! checks as invocation notifications.

mod invocation;
mod results;
mod rules;
mod uri;
mod web;

use crate::RenderError;
use serde_json::{json, Value};
use std::collections::HashMap;
use tollgate_core::{CheckMeta, Report};

/// The schema URI written to `$schema`.
pub(crate) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where people learn about the tool.
const INFORMATION_URI: &str = "https://github.com/tollgate-scanner/tollgate";

/// Maps a check ID to its index in `tool.driver.rules`.
pub(crate) type RuleIndex<'a> = HashMap<&'a str, usize>;

/// The SARIF log, pretty-printed, ending with a newline.
pub(crate) fn render(report: &Report, rules: &[&CheckMeta]) -> Result<String, RenderError> {
    let mut out = serde_json::to_string_pretty(&log(report, rules))?;
    out.push('\n');
    Ok(out)
}

fn log(report: &Report, rules: &[&CheckMeta]) -> Value {
    let rules = unique(rules);
    let index: RuleIndex<'_> = rules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver(report, &rules) },
            "invocations": [invocation::invocation(report, &index)],
            "results": report.findings.iter().map(|f| results::result(f, &index)).collect::<Vec<_>>(),
            "redactionTokens": [tollgate_core::redact::PLACEHOLDER],
            "properties": run_properties(report),
        }]
    })
}

/// The rules, first occurrence of each ID only, so `ruleIndex` is unambiguous.
fn unique<'a>(rules: &[&'a CheckMeta]) -> Vec<&'a CheckMeta> {
    let mut seen = std::collections::HashSet::new();
    rules
        .iter()
        .copied()
        .filter(|m| seen.insert(m.id.as_str()))
        .collect()
}

fn driver(report: &Report, rules: &[&CheckMeta]) -> Value {
    json!({
        "name": "tollgate",
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "informationUri": INFORMATION_URI,
        "rules": rules.iter().map(|m| rules::rule(m)).collect::<Vec<_>>(),
    })
}

/// The target, its technologies and the score, which SARIF has no place for.
fn run_properties(report: &Report) -> Value {
    let categories: serde_json::Map<String, Value> = report
        .score
        .categories
        .iter()
        .map(|c| (c.category.slug().to_string(), json!(c.score)))
        .collect();
    json!({
        "target": report.target.url,
        "technologies": report.target.technologies.iter().map(|t| &t.name).collect::<Vec<_>>(),
        "score": report.score.score,
        "grade": report.score.grade.to_string(),
        "categoryScores": categories,
    })
}
