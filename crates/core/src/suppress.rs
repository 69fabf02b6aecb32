//! Suppressions (`.tollgate-ignore.toml`): findings a team has reviewed and accepted,
//! each with a required reason and an optional expiry date.

use crate::Finding;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One suppression. It matches by fingerprint, or by rule plus an optional location
/// fragment (a substring of the finding's location, e.g. a path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why the finding is accepted. Required.
    pub reason: String,
    /// `YYYY-MM-DD`; from that day on the entry no longer suppresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A finding that a suppression hid, kept in the report for the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SuppressedFinding {
    pub finding: Finding,
    pub reason: String,
}

/// Why a suppression file is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuppressionError {
    #[error("entry {0}: give `fingerprint`, or `rule` (optionally with `location`)")]
    NoMatcher(usize),
    #[error("entry {0}: `reason` must not be empty")]
    NoReason(usize),
    #[error("entry {0}: `expires` must be a date written YYYY-MM-DD, got `{1}`")]
    BadDate(usize, String),
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Checks every entry (numbered from 1 in errors).
pub fn validate(entries: &[Suppression]) -> Result<(), SuppressionError> {
    for (i, e) in entries.iter().enumerate() {
        let n = i + 1;
        if e.fingerprint.is_none() && e.rule.is_none() {
            return Err(SuppressionError::NoMatcher(n));
        }
        if e.reason.trim().is_empty() {
            return Err(SuppressionError::NoReason(n));
        }
        if let Some(d) = e.expires.as_deref().filter(|d| !is_date(d)) {
            return Err(SuppressionError::BadDate(n, d.to_string()));
        }
    }
    Ok(())
}

impl Suppression {
    /// Whether the entry has expired on `today` (`YYYY-MM-DD`).
    pub fn is_expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|d| d <= today)
    }

    fn matches(&self, f: &Finding) -> bool {
        if let Some(fp) = &self.fingerprint {
            return fp == &f.fingerprint.0;
        }
        let rule_ok = self
            .rule
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case(f.check_id.as_str()));
        let loc_ok = self
            .location
            .as_deref()
            .is_none_or(|l| f.location.to_string().contains(l));
        rule_ok && loc_ok
    }

    /// A one-line description for notes.
    pub fn describe(&self) -> String {
        match (&self.fingerprint, &self.rule, &self.location) {
            (Some(fp), _, _) => format!("fingerprint {fp}"),
            (None, Some(r), Some(l)) => format!("{r} at {l}"),
            (None, Some(r), None) => r.clone(),
            (None, None, _) => "an entry without a matcher".into(),
        }
    }
}

/// The outcome of applying suppressions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<SuppressedFinding>,
    /// Entries that expired and so suppressed nothing.
    pub expired: Vec<Suppression>,
}

/// Hides the findings that a live entry matches.
pub fn apply(findings: Vec<Finding>, entries: &[Suppression], today: &str) -> Applied {
    let (live, expired): (Vec<&Suppression>, Vec<&Suppression>) =
        entries.iter().partition(|e| !e.is_expired(today));
    let mut out = Applied {
        expired: expired.into_iter().cloned().collect(),
        ..Applied::default()
    };
    for f in findings {
        match live.iter().find(|e| e.matches(&f)) {
            Some(e) => out.suppressed.push(SuppressedFinding {
                finding: f,
                reason: e.reason.clone(),
            }),
            None => out.kept.push(f),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::finding;
    use crate::Severity;

    fn entry(rule: &str, expires: Option<&str>) -> Suppression {
        Suppression {
            fingerprint: None,
            rule: Some(rule.into()),
            location: None,
            reason: "accepted".into(),
            expires: expires.map(String::from),
        }
    }

    #[test]
    fn suppresses_by_rule_location_and_fingerprint() {
        let a = finding("MISC-001", "/a", Severity::Low);
        let b = finding("MISC-002", "/b", Severity::Low);
        let by_fp = Suppression {
            fingerprint: Some(b.fingerprint.0.clone()),
            rule: None,
            location: None,
            reason: "r".into(),
            expires: None,
        };
        let by_loc = Suppression {
            location: Some("/a".into()),
            ..entry("misc-001", None)
        };
        let out = apply(vec![a, b], &[by_fp, by_loc], "2026-01-01");
        assert!(out.kept.is_empty());
        assert_eq!(out.suppressed.len(), 2);
    }

    #[test]
    fn expired_entries_stop_suppressing_and_are_reported() {
        let a = finding("MISC-001", "/a", Severity::Low);
        let out = apply(
            vec![a],
            &[entry("MISC-001", Some("2026-06-30"))],
            "2026-07-01",
        );
        assert_eq!(out.kept.len(), 1);
        assert_eq!(out.expired.len(), 1);
        let out = apply(
            vec![finding("MISC-001", "/a", Severity::Low)],
            &[entry("MISC-001", Some("2026-07-02"))],
            "2026-07-01",
        );
        assert!(out.kept.is_empty());
    }

    #[test]
    fn validation_requires_reason_matcher_and_date() {
        assert!(validate(&[entry("MISC-001", Some("2026-07-02"))]).is_ok());
        assert_eq!(
            validate(&[Suppression {
                reason: " ".into(),
                ..entry("X-001", None)
            }]),
            Err(SuppressionError::NoReason(1))
        );
        assert_eq!(
            validate(&[Suppression {
                rule: None,
                ..entry("X-001", None)
            }]),
            Err(SuppressionError::NoMatcher(1))
        );
        assert!(matches!(
            validate(&[entry("X-001", Some("July"))]),
            Err(SuppressionError::BadDate(1, _))
        ));
    }
}
