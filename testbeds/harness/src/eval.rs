//! Scoring two reports (vulnerable and hardened mode) against the ground truth.

use crate::truth::{GroundTruth, Route, Weakness};
use std::fmt::Write as _;
use tollgate_core::{CheckId, Finding, Location, Report, Severity};
use url::{Origin, Url};

/// What became of one planted weakness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A finding of one of its checks (every one, with `all`) at `min_severity` or
    /// above is in the vulnerable report.
    Detected {
        /// Whether one of those findings is at the weakness's route. Checks that report
        /// once per origin (security headers on the target root) legitimately do not.
        route_matched: bool,
        /// The qualifying findings, as `CHECK-ID severity METHOD path`.
        findings: Vec<String>,
    },
    /// Its checks are registered but did not report it (well enough).
    Missed { why: String },
    /// None of its checks is registered yet (with `all`: not every one).
    NotCovered,
}

/// One weakness and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub route: String,
    pub checks: Vec<CheckId>,
    pub all: bool,
    pub min_severity: Severity,
    pub outcome: Outcome,
}

/// A hardened-mode finding the ground truth does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FalsePositive {
    pub check_id: CheckId,
    pub severity: Severity,
    pub location: String,
    pub title: String,
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// One row per weakness, in ground-truth order.
    pub rows: Vec<Row>,
    pub false_positives: Vec<FalsePositive>,
    /// Things worth knowing about the scans: check errors, budget exhaustion.
    pub notes: Vec<String>,
}

/// Scores the reports. `registered` are the IDs of the checks that exist
/// (`registry::all()`); a weakness none of whose checks exists is "not covered".
///
/// A weakness counts as detected on check ID and severity alone; whether a qualifying
/// finding was also at the weakness's route is recorded beside it. Findings on the
/// report target's origin are compared with ordinary routes, findings on any other
/// origin with `docker:` routes.
pub fn evaluate(
    truth: &GroundTruth,
    registered: &[CheckId],
    vulnerable: &Report,
    hardened: &Report,
) -> Evaluation {
    let rows = truth
        .weaknesses
        .iter()
        .map(|w| evaluate_weakness(w, registered, vulnerable))
        .collect();
    let false_positives = false_positives(truth, hardened);
    let mut notes = scan_notes("vulnerable", vulnerable);
    notes.extend(scan_notes("hardened", hardened));
    Evaluation {
        rows,
        false_positives,
        notes,
    }
}

fn evaluate_weakness(w: &Weakness, registered: &[CheckId], report: &Report) -> Row {
    let known: Vec<&CheckId> = w.checks.iter().filter(|c| registered.contains(c)).collect();
    let covered = if w.all {
        known.len() == w.checks.len()
    } else {
        !known.is_empty()
    };
    let outcome = if covered {
        judge(w, &known, report)
    } else {
        Outcome::NotCovered
    };
    Row {
        id: w.id.clone(),
        route: w.route.clone(),
        checks: w.checks.clone(),
        all: w.all,
        min_severity: w.min_severity,
        outcome,
    }
}

fn judge(w: &Weakness, checks: &[&CheckId], report: &Report) -> Outcome {
    let qualifying = |c: &CheckId| -> Vec<&Finding> {
        report
            .findings
            .iter()
            .filter(|f| &f.check_id == c && f.severity >= w.min_severity)
            .collect()
    };
    let lacking: Vec<&CheckId> = checks
        .iter()
        .copied()
        .filter(|c| qualifying(c).is_empty())
        .collect();
    let satisfied = if w.all {
        lacking.is_empty()
    } else {
        lacking.len() < checks.len()
    };
    if !satisfied {
        let why = lacking
            .iter()
            .map(|c| why_missing(c, w.min_severity, report))
            .collect::<Vec<_>>()
            .join("; ");
        return Outcome::Missed { why };
    }
    let target = target_origin(report);
    let route = w.route();
    let found: Vec<&Finding> = checks.iter().flat_map(|c| qualifying(c)).collect();
    Outcome::Detected {
        route_matched: found
            .iter()
            .any(|f| at_route(&f.location, &route, target.as_ref())),
        findings: found
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}",
                    f.check_id,
                    f.severity,
                    short_location(&f.location, target.as_ref())
                )
            })
            .collect(),
    }
}

fn why_missing(check: &CheckId, min: Severity, report: &Report) -> String {
    if let Some(s) = report
        .coverage
        .checks_skipped
        .iter()
        .find(|s| &s.check_id == check)
    {
        return format!("{check} skipped: {}", s.reason);
    }
    if let Some(worst) = report
        .findings
        .iter()
        .filter(|f| &f.check_id == check)
        .map(|f| f.severity)
        .max()
    {
        return format!("{check} reported it only at {worst} (needs {min}+)");
    }
    if let Some(e) = report
        .errors
        .iter()
        .find(|e| e.check_id.as_ref() == Some(check))
    {
        return format!("{check} failed: {}", e.message);
    }
    if !report.coverage.checks_run.contains(check) {
        return format!("{check} did not run");
    }
    format!("{check} reported nothing")
}

fn false_positives(truth: &GroundTruth, hardened: &Report) -> Vec<FalsePositive> {
    let target = target_origin(hardened);
    hardened
        .findings
        .iter()
        .filter(|f| {
            !truth.hardened_allowed.iter().any(|a| {
                a.check == f.check_id
                    && a.route
                        .as_deref()
                        .is_none_or(|r| at_route(&f.location, &Route::parse(r), target.as_ref()))
            })
        })
        .map(|f| FalsePositive {
            check_id: f.check_id.clone(),
            severity: f.severity,
            location: f.location.to_string(),
            title: f.title.clone(),
        })
        .collect()
}

fn scan_notes(mode: &str, report: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    if report.coverage.budget_exhausted {
        notes.push(format!(
            "{mode} scan: the request or time budget ran out before every check finished"
        ));
    }
    for e in &report.errors {
        let check = e
            .check_id
            .as_ref()
            .map_or_else(|| "scan".to_string(), ToString::to_string);
        let url = e
            .url
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        notes.push(format!("{mode} scan: {check} error{url}: {}", e.message));
    }
    notes
}

fn target_origin(report: &Report) -> Option<Origin> {
    Url::parse(&report.target.url).ok().map(|u| u.origin())
}

/// Whether an HTTP location is on the route's origin (the target's, or another one for
/// `docker:` routes) at or below its path.
fn at_route(location: &Location, route: &Route, target: Option<&Origin>) -> bool {
    let Location::Http { url, .. } = location else {
        return false;
    };
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    let same_origin = target.is_none_or(|t| &url.origin() == t);
    same_origin != route.docker && route.covers(url.path())
}

/// `METHOD /path?query` on the target's origin, `METHOD http://other:port/path` elsewhere.
fn short_location(location: &Location, target: Option<&Origin>) -> String {
    let Location::Http { method, url, .. } = location else {
        return location.to_string();
    };
    match Url::parse(url) {
        Ok(u) if target.is_some_and(|t| &u.origin() == t) => {
            let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{method} {}{query}", u.path())
        }
        _ => format!("{method} {url}"),
    }
}

impl Row {
    pub fn is_detected(&self) -> bool {
        matches!(self.outcome, Outcome::Detected { .. })
    }

    pub fn is_missed(&self) -> bool {
        matches!(self.outcome, Outcome::Missed { .. })
    }

    pub fn is_not_covered(&self) -> bool {
        matches!(self.outcome, Outcome::NotCovered)
    }

    /// The table's `result` cell.
    pub fn result_text(&self) -> String {
        match &self.outcome {
            Outcome::Detected {
                route_matched: true,
                ..
            } => "detected".into(),
            Outcome::Detected { findings, .. } => {
                format!(
                    "detected (not at the route: {})",
                    findings.first().map_or("", String::as_str)
                )
            }
            Outcome::Missed { why } => format!("MISSED: {why}"),
            Outcome::NotCovered => "not covered yet".into(),
        }
    }
}

impl Evaluation {
    pub fn detected(&self) -> usize {
        self.rows.iter().filter(|r| r.is_detected()).count()
    }

    pub fn missed(&self) -> usize {
        self.rows.iter().filter(|r| r.is_missed()).count()
    }

    pub fn not_covered(&self) -> usize {
        self.rows.iter().filter(|r| r.is_not_covered()).count()
    }

    /// Detected over covered (detected + missed); `None` while nothing is covered.
    pub fn recall(&self) -> Option<f64> {
        let covered = self.detected() + self.missed();
        (covered > 0).then(|| self.detected() as f64 / covered as f64)
    }

    /// Detected rows. Not-covered rows never count as passed.
    pub fn passed(&self) -> usize {
        self.detected()
    }

    /// Missed rows plus hardened false positives.
    pub fn failures(&self) -> usize {
        self.missed() + self.false_positives.len()
    }

    /// Whether anything was missed or falsely reported.
    pub fn failed(&self) -> bool {
        self.failures() > 0
    }

    /// `ID | route | checks | result`, one line per weakness.
    pub fn render_table(&self) -> String {
        let checks = |r: &Row| {
            r.checks
                .iter()
                .map(CheckId::as_str)
                .collect::<Vec<_>>()
                .join(if r.all { " + " } else { ", " })
        };
        let cells: Vec<[String; 4]> = self
            .rows
            .iter()
            .map(|r| [r.id.clone(), r.route.clone(), checks(r), r.result_text()])
            .collect();
        let header = ["ID", "route", "checks", "result"].map(String::from);
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String; 4]| {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
                if i == 3 {
                    s.push_str(c);
                } else {
                    let _ = write!(s, "{c:<w$} | ");
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(&header);
        out.push_str(
            &widths[..3]
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("-|-"),
        );
        out.push_str("-|-------\n");
        for row in &cells {
            out.push_str(&line(row));
        }
        out
    }

    /// Counts, recall, hardened false positives and scan notes.
    pub fn render_summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} weaknesses: {} detected, {} missed, {} not covered yet",
            self.rows.len(),
            self.detected(),
            self.missed(),
            self.not_covered()
        );
        let covered = self.detected() + self.missed();
        match self.recall() {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "recall: {:.1}% ({} of {covered} covered weaknesses)",
                    r * 100.0,
                    self.detected()
                );
            }
            None => out.push_str("recall: n/a (no weakness is covered by a registered check)\n"),
        }
        if self.false_positives.is_empty() {
            out.push_str("hardened false positives: none\n");
        } else {
            let _ = writeln!(
                out,
                "hardened false positives: {}",
                self.false_positives.len()
            );
            for fp in &self.false_positives {
                let _ = writeln!(
                    out,
                    "  {} {} {}: {}",
                    fp.check_id, fp.severity, fp.location, fp.title
                );
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out
    }

    /// The plain closing line, `N passed, N failed`.
    pub fn summary_line(&self) -> String {
        format!("{} passed, {} failed", self.passed(), self.failures())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::{Coverage, SkippedCheck, Target};

    const TRUTH: &str = r#"
[[weakness]]
id = "nosniff"
route = "/api/v2/products/"
checks = ["MISC-001"]
min_severity = "info"
needs_token = false
description = "d"

[[weakness]]
id = "dotenv"
route = "/.env"
checks = ["LEAK-004"]
min_severity = "high"
needs_token = false
description = "d"

[[weakness]]
id = "docker"
route = "docker:/version"
checks = ["CONT-001"]
min_severity = "critical"
needs_token = false
description = "d"

[[weakness]]
id = "both"
route = "/"
checks = ["MISC-002", "MISC-003"]
all = true
min_severity = "info"
needs_token = false
description = "d"

[[weakness]]
id = "uncovered"
route = "/"
checks = ["ZZZ-999"]
min_severity = "info"
needs_token = false
description = "d"

[[hardened_allowed]]
check = "TLS-002"
reason = "r"

[[hardened_allowed]]
check = "AUTH-001"
route = "/api/v2/products/"
reason = "r"
"#;

    const T: &str = "http://127.0.0.1:8000/";

    fn finding(check: &'static str, severity: Severity, url: &str) -> Finding {
        let meta = tollgate_core::CheckMeta {
            id: CheckId::new_static(check),
            ..test_meta()
        };
        Finding::new(&meta, Location::http("GET", url), "t")
            .with_severity(severity)
            .with_key(url)
    }

    fn test_meta() -> tollgate_core::CheckMeta {
        tollgate_core::CheckMeta {
            id: CheckId::new_static("MISC-001"),
            name: "n",
            category: tollgate_core::Category::InputValidationMisconfiguration,
            severity: Severity::Low,
            cwe: 1,
            owasp: tollgate_core::Owasp::Api8,
            safety: tollgate_core::SafetyClass::Passive,
            methods: &[],
            budget: 0,
            docs: tollgate_core::CheckDocs {
                what: "",
                why: "",
                evidence: "",
                remediation: "",
                remediation_django: None,
                references: &[],
            },
        }
    }

    fn report(findings: Vec<Finding>, skipped: Vec<SkippedCheck>) -> Report {
        let coverage = Coverage {
            checks_skipped: skipped,
            ..Coverage::default()
        };
        Report::new(
            Target {
                url: T.into(),
                technologies: vec![],
            },
            "t".into(),
            1,
            findings,
            vec![],
            coverage,
        )
    }

    fn ids(list: &[&'static str]) -> Vec<CheckId> {
        list.iter().map(|s| CheckId::new_static(s)).collect()
    }

    fn outcome<'a>(e: &'a Evaluation, id: &str) -> &'a Outcome {
        &e.rows.iter().find(|r| r.id == id).expect("row").outcome
    }

    #[test]
    fn detection_by_check_and_severity_records_the_route() {
        let truth = GroundTruth::parse(TRUTH).expect("truth");
        let vuln = report(
            vec![
                finding("MISC-001", Severity::Low, T),
                finding("LEAK-004", Severity::Medium, "http://127.0.0.1:8000/.env"),
                finding(
                    "CONT-001",
                    Severity::Critical,
                    "http://127.0.0.1:2375/version",
                ),
                finding("MISC-002", Severity::Info, T),
            ],
            vec![],
        );
        let e = evaluate(
            &truth,
            &ids(&["MISC-001", "LEAK-004", "CONT-001", "MISC-002", "MISC-003"]),
            &vuln,
            &report(vec![], vec![]),
        );
        assert!(matches!(
            outcome(&e, "nosniff"),
            Outcome::Detected {
                route_matched: false,
                ..
            }
        ));
        assert!(matches!(
            outcome(&e, "docker"),
            Outcome::Detected {
                route_matched: true,
                ..
            }
        ));
        match outcome(&e, "dotenv") {
            Outcome::Missed { why } => assert!(why.contains("only at medium"), "{why}"),
            o => panic!("{o:?}"),
        }
        match outcome(&e, "both") {
            Outcome::Missed { why } => assert!(why.starts_with("MISC-003"), "{why}"),
            o => panic!("{o:?}"),
        }
        assert_eq!(outcome(&e, "uncovered"), &Outcome::NotCovered);
        assert_eq!((e.detected(), e.missed(), e.not_covered()), (2, 2, 1));
        assert_eq!(e.recall(), Some(0.5));
        assert!(e.failed());
        assert_eq!(e.summary_line(), "2 passed, 2 failed");
    }

    #[test]
    fn all_requires_every_check_registered() {
        let truth = GroundTruth::parse(TRUTH).expect("truth");
        let e = evaluate(
            &truth,
            &ids(&["MISC-002"]),
            &report(vec![], vec![]),
            &report(vec![], vec![]),
        );
        assert_eq!(outcome(&e, "both"), &Outcome::NotCovered);
        assert_eq!(e.recall(), None);
        assert!(!e.failed());
        assert_eq!(e.summary_line(), "0 passed, 0 failed");
    }

    #[test]
    fn skipped_checks_say_why() {
        let truth = GroundTruth::parse(TRUTH).expect("truth");
        let skipped = vec![SkippedCheck {
            check_id: CheckId::new_static("LEAK-004"),
            reason: "deep only".into(),
        }];
        let e = evaluate(
            &truth,
            &ids(&["LEAK-004"]),
            &report(vec![], skipped),
            &report(vec![], vec![]),
        );
        assert_eq!(
            outcome(&e, "dotenv"),
            &Outcome::Missed {
                why: "LEAK-004 skipped: deep only".into()
            }
        );
    }

    #[test]
    fn hardened_findings_outside_the_allowances_are_false_positives() {
        let truth = GroundTruth::parse(TRUTH).expect("truth");
        let hardened = report(
            vec![
                finding("TLS-002", Severity::Info, T),
                finding(
                    "AUTH-001",
                    Severity::High,
                    "http://127.0.0.1:8000/api/v2/products/3/",
                ),
                finding(
                    "AUTH-001",
                    Severity::High,
                    "http://127.0.0.1:8000/api/v2/users/",
                ),
                finding("MISC-001", Severity::Low, T),
            ],
            vec![],
        );
        let e = evaluate(&truth, &[], &report(vec![], vec![]), &hardened);
        let fps: Vec<String> = e
            .false_positives
            .iter()
            .map(|f| format!("{} {}", f.check_id, f.location))
            .collect();
        assert_eq!(fps.len(), 2, "{fps:?}");
        assert!(fps
            .iter()
            .any(|f| f.contains("AUTH-001") && f.contains("/api/v2/users/")));
        assert!(fps.iter().any(|f| f.starts_with("MISC-001")));
        assert!(e.failed());
    }

    #[test]
    fn table_has_one_line_per_row() {
        let truth = GroundTruth::parse(TRUTH).expect("truth");
        let e = evaluate(
            &truth,
            &ids(&["MISC-001"]),
            &report(vec![finding("MISC-001", Severity::Low, T)], vec![]),
            &report(vec![], vec![]),
        );
        let table = e.render_table();
        assert_eq!(table.lines().count(), 2 + truth.weaknesses.len());
        assert!(table
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("ID ") && l.ends_with("| result")));
        assert!(table.contains("not covered yet"));
        assert!(e
            .render_summary()
            .contains("recall: 100.0% (1 of 1 covered weaknesses)"));
    }
}
