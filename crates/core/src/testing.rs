//! Small builders for this crate's unit tests.

use crate::{
    Category, CheckId, Confidence, Coverage, Evidence, Finding, Fingerprint, Location, Report,
    Severity, Target,
};

pub fn finding(check: &str, path: &str, severity: Severity) -> Finding {
    let check_id = CheckId::from(check.to_string());
    let location = Location::http("GET", format!("http://t{path}"));
    Finding {
        fingerprint: Fingerprint::compute(&check_id, &location, ""),
        check_id,
        category: Category::InputValidationMisconfiguration,
        severity,
        confidence: Confidence::Firm,
        title: String::new(),
        location,
        evidence: Evidence::default(),
    }
}

pub fn report(findings: Vec<Finding>) -> Report {
    let target = Target {
        url: "http://t/".into(),
        technologies: vec![],
    };
    Report::new(
        target,
        "2026-01-01T00:00:00Z".into(),
        1,
        findings,
        vec![],
        Coverage::default(),
    )
}
