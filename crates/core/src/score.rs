//! Deterministic 0–100 scoring. The rules are documented in docs/scoring.md.
//!
//! 1. Each finding costs penalty points by severity (critical 30, high 15, medium 6,
//!    low 2, info 0), halved when its confidence is tentative.
//! 2. Within one check, findings are sorted by penalty and the n-th one (from 0) counts
//!    `0.5^n` of its points, so one missing header on 40 endpoints is not 40 findings'
//!    worth of damage. A check's total is capped at 60 points.
//! 3. A category's score is `100 × Π (1 − check_points / 100)` over its checks.
//! 4. The overall score is the weighted product `100 × Π (category_score / 100)^weight`.
//! 5. Any critical finding caps the overall score at 69, hence the grade at D.
//!
//! Every step is monotone: adding a finding never raises any score.

use crate::{Category, Finding, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Letter grade. Bands: A ≥ 90 > B ≥ 80 > C ≥ 70 > D ≥ 60 > F.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Grade {
    A,
    B,
    C,
    D,
    F,
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
        };
        f.write_str(s)
    }
}

/// The grade for a score.
pub fn grade_for(score: u8) -> Grade {
    match score {
        90.. => Grade::A,
        80..=89 => Grade::B,
        70..=79 => Grade::C,
        60..=69 => Grade::D,
        _ => Grade::F,
    }
}

/// Score of one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CategoryScore {
    pub category: Category,
    pub score: u8,
    pub findings: usize,
}

/// The overall result of scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScoreCard {
    pub score: u8,
    pub grade: Grade,
    pub categories: Vec<CategoryScore>,
}

/// The most a critical finding lets the overall score reach.
pub const CRITICAL_CAP: u8 = 69;
const CHECK_CAP: f64 = 60.0;

fn penalty(f: &Finding) -> f64 {
    let base = match f.severity {
        Severity::Critical => 30.0,
        Severity::High => 15.0,
        Severity::Medium => 6.0,
        Severity::Low => 2.0,
        Severity::Info => 0.0,
    };
    match f.confidence {
        crate::Confidence::Tentative => base / 2.0,
        _ => base,
    }
}

fn check_points(mut penalties: Vec<f64>) -> f64 {
    penalties.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = penalties
        .iter()
        .enumerate()
        .map(|(i, p)| p * 0.5f64.powi(i32::try_from(i).unwrap_or(i32::MAX)))
        .sum();
    total.min(CHECK_CAP)
}

/// Unrounded category fractions in 0..=1, keyed by category.
fn category_fractions(findings: &[Finding]) -> BTreeMap<Category, f64> {
    let mut by_check: BTreeMap<(Category, &str), Vec<f64>> = BTreeMap::new();
    for f in findings {
        by_check
            .entry((f.category, f.check_id.as_str()))
            .or_default()
            .push(penalty(f));
    }
    let mut fractions: BTreeMap<Category, f64> = Category::ALL.iter().map(|c| (*c, 1.0)).collect();
    for ((category, _), penalties) in by_check {
        let points = check_points(penalties);
        if let Some(frac) = fractions.get_mut(&category) {
            *frac *= 1.0 - points / 100.0;
        }
    }
    fractions
}

fn to_score(fraction: f64) -> u8 {
    // Floor, so rounding can never lift a score across a band.
    let v = (fraction * 100.0 + 1e-9).floor().clamp(0.0, 100.0);
    // Truncation is exact: v is an integer in 0..=100.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = v as u8;
    s
}

/// Score a set of findings.
pub fn score_findings(findings: &[Finding]) -> ScoreCard {
    let fractions = category_fractions(findings);
    let overall: f64 = fractions
        .iter()
        .map(|(c, frac)| frac.powf(c.weight()))
        .product();
    let mut score = to_score(overall);
    if findings.iter().any(|f| f.severity == Severity::Critical) {
        score = score.min(CRITICAL_CAP);
    }
    let categories = fractions
        .into_iter()
        .map(|(category, frac)| CategoryScore {
            category,
            score: to_score(frac),
            findings: findings.iter().filter(|f| f.category == category).count(),
        })
        .collect();
    ScoreCard {
        score,
        grade: grade_for(score),
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckId, Confidence, Evidence, Fingerprint, Location};
    use proptest::prelude::*;

    fn finding(
        check: &str,
        category: Category,
        severity: Severity,
        confidence: Confidence,
    ) -> Finding {
        let check_id = CheckId::from(check.to_string());
        let location = Location::http("GET", "http://t/");
        Finding {
            fingerprint: Fingerprint::compute(&check_id, &location, ""),
            check_id,
            category,
            severity,
            confidence,
            title: String::new(),
            location,
            evidence: Evidence::default(),
        }
    }

    #[test]
    fn no_findings_is_a_perfect_a() {
        let card = score_findings(&[]);
        assert_eq!(card.score, 100);
        assert_eq!(card.grade, Grade::A);
        assert_eq!(card.categories.len(), 12);
    }

    #[test]
    fn grade_bands() {
        assert_eq!(grade_for(100), Grade::A);
        assert_eq!(grade_for(90), Grade::A);
        assert_eq!(grade_for(89), Grade::B);
        assert_eq!(grade_for(80), Grade::B);
        assert_eq!(grade_for(79), Grade::C);
        assert_eq!(grade_for(70), Grade::C);
        assert_eq!(grade_for(69), Grade::D);
        assert_eq!(grade_for(60), Grade::D);
        assert_eq!(grade_for(59), Grade::F);
        assert_eq!(grade_for(0), Grade::F);
    }

    #[test]
    fn a_critical_caps_the_grade_at_d() {
        // Critical in a light category: without the cap it would stay a C.
        let f = finding(
            "INV-001",
            Category::Inventory,
            Severity::Critical,
            Confidence::Tentative,
        );
        let card = score_findings(&[f]);
        assert!(card.score <= CRITICAL_CAP);
        assert!(card.grade >= Grade::D);
    }

    #[test]
    fn worked_examples_from_docs() {
        // These numbers are quoted in docs/scoring.md; keep them in sync.
        let high = finding(
            "AUTH-001",
            Category::Authentication,
            Severity::High,
            Confidence::Firm,
        );
        assert_eq!(score_findings(std::slice::from_ref(&high)).score, 85);
        let med = finding(
            "MISC-001",
            Category::InputValidationMisconfiguration,
            Severity::Medium,
            Confidence::Firm,
        );
        assert_eq!(score_findings(std::slice::from_ref(&med)).score, 96);
        let mut twice = med.clone();
        twice.location = Location::http("GET", "http://t/other");
        assert_eq!(score_findings(&[med.clone(), twice]).score, 94);
        let crit = finding(
            "LEAK-002",
            Category::DataExposure,
            Severity::Critical,
            Confidence::Confirmed,
        );
        let card = score_findings(&[crit, high, med]);
        assert_eq!(card.score, 57);
        assert_eq!(card.grade, Grade::F);
    }

    fn any_finding() -> impl Strategy<Value = Finding> {
        let checks = prop::sample::select(vec!["A-001", "A-002", "B-001", "C-001"]);
        let cats = prop::sample::select(Category::ALL.to_vec());
        let sev = prop::sample::select(Severity::ALL.to_vec());
        let conf = prop::sample::select(vec![
            Confidence::Tentative,
            Confidence::Firm,
            Confidence::Confirmed,
        ]);
        (checks, cats, sev, conf).prop_map(|(c, cat, s, k)| finding(c, cat, s, k))
    }

    proptest! {
        #[test]
        fn adding_a_finding_never_raises_the_score(
            base in prop::collection::vec(any_finding(), 0..30),
            extra in any_finding(),
        ) {
            let before = score_findings(&base);
            let mut more = base.clone();
            more.push(extra);
            let after = score_findings(&more);
            prop_assert!(after.score <= before.score);
            for (a, b) in after.categories.iter().zip(before.categories.iter()) {
                prop_assert!(a.score <= b.score);
            }
        }
    }
}
