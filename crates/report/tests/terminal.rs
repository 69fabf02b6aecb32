//! The human terminal summary.

mod common;

use tollgate_core::{Category, CheckMeta, Report};
use tollgate_report::{render, Format, RenderOptions};

fn terminal(report: &Report, color: bool) -> String {
    let rules = common::rules();
    let refs: Vec<&CheckMeta> = rules.iter().collect();
    render(
        Format::Terminal,
        report,
        &refs,
        &RenderOptions {
            color,
            ..Default::default()
        },
    )
    .expect("terminal renders")
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` missing from:\n{text}"))
}

#[test]
fn shows_target_grade_and_every_category() {
    let report = common::report();
    let out = terminal(&report, false);
    assert!(out.starts_with(&format!(
        "tollgate · {}\nDetected: django 4.2, drf, gunicorn",
        common::TARGET
    )));
    let grade = format!("Grade {} · {}/100", report.score.grade, report.score.score);
    assert!(out.contains(&grade), "{out}");
    for category in Category::ALL {
        assert!(out.contains(category.name()), "missing {}", category.name());
    }
}

#[test]
fn says_when_a_critical_finding_caps_the_grade() {
    let capped = common::keep_only(common::report(), |f| f.check_id.as_str() == "LEAK-002");
    let out = terminal(&capped, false);
    assert!(
        out.contains("Grade D · 69/100\nA critical finding caps the grade at D."),
        "{out}"
    );
    assert!(!terminal(&common::report(), false).contains("caps the grade"));
}

#[test]
fn empty_report_says_so() {
    let clean = common::keep_only(common::report(), |_| false);
    let out = terminal(&clean, false);
    assert!(
        out.contains("Grade A · 100/100") && out.contains("Findings (0)\n  No findings."),
        "{out}"
    );
}

#[test]
fn findings_are_ordered_worst_first() {
    let out = terminal(&common::report(), false);
    let critical = position(&out, "[CRITICAL] DKR-001");
    let critical2 = position(
        &out,
        "[CRITICAL] LEAK-002 Django technical 500 page exposes secrets",
    );
    let high = position(&out, "[HIGH] SSRF-001");
    let low = position(&out, "[LOW] MISC-001");
    assert!(critical < critical2 && critical2 < high && high < low);
}

#[test]
fn remediation_follows_the_detected_framework() {
    let django = terminal(&common::report(), false);
    assert!(
        django.contains("In settings.py set DEBUG = False"),
        "{django}"
    );
    let other = terminal(&common::report_for(&["flask"]), false);
    assert!(other.contains("Turn off debug error pages"), "{other}");
    assert!(!other.contains("In settings.py"));
}

#[test]
fn many_locations_of_one_check_are_grouped() {
    let out = terminal(&common::report(), false);
    assert_eq!(out.matches("MISC-001").count(), 1, "{out}");
    assert!(out.contains("(7 locations)"));
    assert!(out.contains("… and 2 more"));
}

#[test]
fn evidence_errors_and_coverage_are_shown() {
    let out = terminal(&common::report(), false);
    for needle in [
        "(confidence: confirmed)",
        "    - DEBUG = True in the rendered settings",
        "curl -H 'Authorization: Bearer $TOKEN'",
        "(parameter `url`)",
        "deploy/docker-compose.yml:14:7",
        "connection reset by peer",
        "skipped AUTH-009: needs two identities",
        "214 requests sent, 37 deduplicated · 12.3 s",
    ] {
        position(&out, needle);
    }
}

#[test]
fn color_only_when_asked() {
    let report = common::report();
    assert!(!terminal(&report, false).contains('\x1b'));
    assert!(terminal(&report, true).contains("\x1b["));
}

#[test]
fn control_characters_from_the_target_are_neutralised() {
    let mut report = common::report();
    if let Some(f) = report.findings.first_mut() {
        f.title = "evil\x1b]0;pwned\x07title".into();
        f.evidence.facts.push("fact\x1b[2J".into());
    }
    let out = terminal(&report, false);
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out}");
    assert!(out.contains("evil\\u{1b}]0;pwned\\u{7}title"));
}

#[test]
fn fits_in_100_columns() {
    let out = terminal(&common::report(), false);
    for line in out.lines().filter(|l| !l.contains("http")) {
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
}

#[test]
fn snapshot() {
    insta::assert_snapshot!(terminal(&common::report(), false));
}
