//! Comparing two reports by stable fingerprint: what is new, fixed and unchanged.

use crate::{Finding, Report};
use std::collections::BTreeSet;

/// The difference between a previous report and a current one.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// In the current report only.
    pub new: Vec<Finding>,
    /// In the previous report only.
    pub fixed: Vec<Finding>,
    /// In both (taken from the current report).
    pub unchanged: Vec<Finding>,
    pub score_before: u8,
    pub score_after: u8,
}

impl Diff {
    /// Score change, positive when the current report is better.
    pub fn score_delta(&self) -> i16 {
        i16::from(self.score_after) - i16::from(self.score_before)
    }
}

/// Compares `old` with `new`.
pub fn diff(old: &Report, new: &Report) -> Diff {
    let before: BTreeSet<&str> = old
        .findings
        .iter()
        .map(|f| f.fingerprint.0.as_str())
        .collect();
    let after: BTreeSet<&str> = new
        .findings
        .iter()
        .map(|f| f.fingerprint.0.as_str())
        .collect();
    let (unchanged, new_only) = new
        .findings
        .iter()
        .cloned()
        .partition(|f| before.contains(f.fingerprint.0.as_str()));
    Diff {
        new: new_only,
        fixed: old
            .findings
            .iter()
            .filter(|f| !after.contains(f.fingerprint.0.as_str()))
            .cloned()
            .collect(),
        unchanged,
        score_before: old.score.score,
        score_after: new.score.score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, report};
    use crate::Severity;

    #[test]
    fn splits_new_fixed_unchanged() {
        let a = finding("MISC-001", "/a", Severity::Low);
        let b = finding("MISC-002", "/b", Severity::Medium);
        let c = finding("AUTH-001", "/c", Severity::High);
        let old = report(vec![a.clone(), b.clone()]);
        let new = report(vec![b.clone(), c.clone()]);
        let d = diff(&old, &new);
        assert_eq!(d.new, vec![c]);
        assert_eq!(d.fixed, vec![a]);
        assert_eq!(d.unchanged, vec![b]);
        assert!(d.score_delta() < 0);
    }
}
