//! Findings, grouped by severity (worst first) and then by check, so one check that
//! fires at forty endpoints prints once with a few of its locations.

use super::instance::instance;
use super::style::{clean, Painter, Tone};
use super::wrap::wrap;
use super::WIDTH;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use tollgate_core::{CheckId, CheckMeta, Finding, Report, Severity};

/// How many locations of one check are shown before "… and N more".
const MAX_LOCATIONS: usize = 5;

/// The findings of one check at one severity.
struct Group<'a> {
    severity: Severity,
    check_id: &'a CheckId,
    meta: Option<&'a CheckMeta>,
    findings: Vec<&'a Finding>,
}

impl Group<'_> {
    /// The check's name, or the first finding's title for a check without metadata.
    fn name(&self) -> String {
        match (self.meta, self.findings.first()) {
            (Some(meta), _) => meta.name.to_string(),
            (None, Some(f)) => clean(&f.title).into_owned(),
            (None, None) => String::new(),
        }
    }
}

/// The findings section.
pub(super) fn findings(report: &Report, rules: &[&CheckMeta], p: Painter) -> Vec<String> {
    let heading = format!("Findings ({})", report.findings.len());
    let mut lines = vec![p.paint(&heading, Tone::Bold)];
    let groups = group(&report.findings, rules);
    if groups.is_empty() {
        lines.push("  No findings.".to_string());
    }
    let django = report.target.is("django");
    for g in &groups {
        lines.push(String::new());
        lines.extend(render_group(g, django, p));
    }
    lines
}

fn group<'a>(findings: &'a [Finding], rules: &[&'a CheckMeta]) -> Vec<Group<'a>> {
    let mut map: BTreeMap<(Reverse<Severity>, &CheckId), Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        map.entry((Reverse(f.severity), &f.check_id))
            .or_default()
            .push(f);
    }
    map.into_iter()
        .map(|((Reverse(severity), check_id), mut findings)| {
            // Most certain first, then by location, so the shown five are stable.
            findings.sort_by_cached_key(|f| (Reverse(f.confidence), f.location.to_string()));
            Group {
                severity,
                check_id,
                meta: rules.iter().copied().find(|m| &m.id == check_id),
                findings,
            }
        })
        .collect()
}

fn render_group(g: &Group<'_>, django: bool, p: Painter) -> Vec<String> {
    let name = g.name();
    let mut lines = vec![heading(g, &name, p)];
    for f in g.findings.iter().take(MAX_LOCATIONS) {
        lines.extend(instance(f, &name, p));
    }
    let hidden = g.findings.len().saturating_sub(MAX_LOCATIONS);
    if hidden > 0 {
        lines.push(p.paint(&format!("  … and {hidden} more"), Tone::Dim));
    }
    if let Some(meta) = g.meta {
        lines.push(p.paint("  Remediation:", Tone::Bold));
        lines.extend(wrap(meta.remediation_for(django), 4, WIDTH));
    }
    if let Some(curl) = g.findings.iter().find_map(|f| f.evidence.curl.as_deref()) {
        lines.push(p.paint("  Reproduce:", Tone::Bold));
        lines.push(format!("    {}", clean(curl)));
    }
    lines
}

/// `[CRITICAL] LEAK-002 Django technical 500 page exposes secrets (3 locations)`
fn heading(g: &Group<'_>, name: &str, p: Painter) -> String {
    let tag = format!("[{}]", g.severity.as_str().to_ascii_uppercase());
    let tag = p.paint(&tag, Tone::for_severity(g.severity));
    let id = p.paint(&clean(g.check_id.as_str()), Tone::Bold);
    let count = match g.findings.len() {
        0 | 1 => String::new(),
        n => format!(" ({n} locations)"),
    };
    format!("{tag} {id} {name}{count}")
}
