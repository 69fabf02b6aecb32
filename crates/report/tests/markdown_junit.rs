//! Markdown (PR comment) and JUnit structure.
#![allow(clippy::unwrap_used)]

mod common;

use tollgate_core::{CheckMeta, Severity};
use tollgate_report::{render, Format, RenderOptions};

fn rendered(format: Format, opts: &RenderOptions) -> String {
    let rules = common::rules();
    let refs: Vec<&CheckMeta> = rules.iter().collect();
    render(format, &common::report(), &refs, opts).unwrap()
}

#[test]
fn markdown_has_grade_counts_top_and_details() {
    let report = common::report();
    let baseline = common::keep_only(report.clone(), |f| f.severity <= Severity::Medium);
    let md = rendered(
        Format::Markdown,
        &RenderOptions {
            baseline: Some(&baseline),
            ..Default::default()
        },
    );
    assert!(md.starts_with(&format!(
        "## tollgate: grade {} · {}/100",
        report.score.grade, report.score.score
    )));
    assert!(md.contains("| new | fixed | remaining | score change |"));
    let new = report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Medium)
        .count();
    assert!(
        md.contains(&format!("| {new} | 0 | {} |", report.findings.len())),
        "{md}"
    );
    assert!(md.contains("| severity | check | finding | location |"));
    assert!(md.contains("<details><summary>"));
    assert!(md.contains("**Fix:**"));
    insta::assert_snapshot!("markdown", md);
}

#[test]
fn markdown_without_baseline_says_so() {
    let md = rendered(Format::Markdown, &RenderOptions::default());
    assert!(md.contains("(no baseline given)"));
}

#[test]
fn junit_has_one_case_per_check_and_fails_at_the_gate() {
    let rules = common::rules();
    let xml = rendered(
        Format::Junit,
        &RenderOptions {
            fail_on: Some(Severity::High),
            ..Default::default()
        },
    );
    assert_eq!(xml.matches("<testcase ").count(), rules.len());
    let report = common::report();
    let failing_checks: std::collections::BTreeSet<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::High)
        .map(|f| f.check_id.clone())
        .collect();
    assert_eq!(xml.matches("<failure ").count(), failing_checks.len());
    assert!(xml.contains("<skipped message="));
    assert!(!xml.contains("<script"), "attacker text must be escaped");
    insta::assert_snapshot!("junit", xml);
}

#[test]
fn junit_without_gate_fails_every_check_with_findings() {
    let report = common::report();
    let with_findings: std::collections::BTreeSet<_> =
        report.findings.iter().map(|f| f.check_id.clone()).collect();
    let xml = rendered(Format::Junit, &RenderOptions::default());
    assert_eq!(xml.matches("<failure ").count(), with_findings.len());
}

#[test]
fn html_structure_snapshot() {
    let html = rendered(Format::Html, &RenderOptions::default());
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    insta::assert_snapshot!("html", html);
}

#[test]
fn attack_chains_render_in_markdown_and_html() {
    use tollgate_core::{AttackChain, ChainLink, ChainSide, Confidence};
    let mut report = common::report();
    let links = report
        .findings
        .iter()
        .take(2)
        .map(|f| ChainLink {
            role: "foothold <b>".into(),
            side: ChainSide::Scan,
            check_id: f.check_id.clone(),
            fingerprint: f.fingerprint.clone(),
            location: f.location.clone(),
            title: f.title.clone(),
        })
        .collect();
    report.chains.push(AttackChain {
        kind: "bearer-token-leak".into(),
        name: "Bearer token leak".into(),
        severity: Severity::Critical,
        confidence: Confidence::Confirmed,
        summary: "the env token is printed by the DEBUG page".into(),
        links,
    });
    let rules = common::rules();
    let refs: Vec<&CheckMeta> = rules.iter().collect();
    let md = render(Format::Markdown, &report, &refs, &RenderOptions::default()).unwrap();
    assert!(md.contains("### Attack chain: Bearer token leak (critical, confirmed)"));
    assert!(md.contains("1. **foothold &lt;b&gt;**"));
    let html = render(Format::Html, &report, &refs, &RenderOptions::default()).unwrap();
    assert!(html.contains("class=\"card chain\"") && html.contains("foothold &lt;b&gt;"));
}
