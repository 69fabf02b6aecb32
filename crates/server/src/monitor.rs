//! Finding triage and stored diffs: how a target's triage decisions become report
//! suppressions, and how a diff treats what triage hid.
//!
//! A triage entry is per target and finding fingerprint: `open`, `accepted_risk`
//! (reason, optional expiry date) or `false_positive` (reason). When a scan finishes,
//! the live entries become [`tollgate_core::Suppression`]s applied to its report before
//! it is stored, so the stored report, its score and grade, the findings list, the diff
//! and every rendered format respect them; the hidden findings stay in the report's
//! `suppressed` with the reason. An accepted risk whose expiry day has come is open
//! again from the next scan on.

use crate::diff::ScanDiff;
use crate::store::TriageRow;
use std::collections::BTreeSet;
use tollgate_core::{Finding, Report, Suppression};

/// The triage states.
pub const OPEN: &str = "open";
pub const ACCEPTED_RISK: &str = "accepted_risk";
pub const FALSE_POSITIVE: &str = "false_positive";

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Whether an accepted risk's expiry has come at `now` (Unix ms).
pub fn is_expired(row: &TriageRow, now: i64) -> bool {
    row.expires_at.is_some_and(|e| e <= now)
}

/// The state that applies at `now`: an expired acceptance is open again.
pub fn effective_state(row: &TriageRow, now: i64) -> &str {
    if row.state == ACCEPTED_RISK && is_expired(row, now) {
        OPEN
    } else {
        row.state.as_str()
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix ms time.
pub fn date_of(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Unix ms of 00:00 UTC on a `YYYY-MM-DD` day.
pub fn day_start(date: &str) -> Result<i64, String> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| format!("`{date}` is not a date written YYYY-MM-DD"))?;
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| format!("`{date}` is not a date"))
}

/// Unix ms of 00:00 UTC today.
pub fn today_start(now: i64) -> i64 {
    now - now.rem_euclid(DAY_MS)
}

/// The suppressions a target's triage gives a report with `findings`: every accepted
/// risk and false positive, plus the expired acceptances of findings in this report
/// (so the report notes that they expired; expired entries for absent findings would
/// only add noise).
pub fn suppressions(rows: &[TriageRow], findings: &[Finding], now: i64) -> Vec<Suppression> {
    let present: BTreeSet<&str> = findings.iter().map(|f| f.fingerprint.0.as_str()).collect();
    rows.iter()
        .filter(|r| r.state == ACCEPTED_RISK || r.state == FALSE_POSITIVE)
        .filter(|r| !is_expired(r, now) || present.contains(r.fingerprint.as_str()))
        .map(|r| {
            let label = if r.state == ACCEPTED_RISK {
                "accepted risk"
            } else {
                "false positive"
            };
            Suppression {
                fingerprint: Some(r.fingerprint.clone()),
                rule: None,
                location: None,
                reason: format!(
                    "{label} (triaged by {}): {}",
                    r.set_by_key_name,
                    r.reason.as_deref().unwrap_or_default()
                ),
                expires: r.expires_at.map(date_of),
            }
        })
        .collect()
}

/// `current` against `previous`, where findings that triage hid in `current` are
/// neither new nor fixed: a finding accepted since the previous scan did not go away.
/// One that was hidden before and is open again (its acceptance expired, or it was
/// reopened) counts as new.
pub fn diff(scan_id: &str, current: &Report, previous: Option<(&str, &Report)>) -> ScanDiff {
    let hidden: BTreeSet<&str> = current
        .suppressed
        .iter()
        .map(|s| s.finding.fingerprint.0.as_str())
        .collect();
    match previous {
        Some((id, before)) if !hidden.is_empty() => {
            let mut base = before.clone();
            base.findings
                .retain(|f| !hidden.contains(f.fingerprint.0.as_str()));
            ScanDiff::between(scan_id, current, Some((id, &base)))
        }
        _ => ScanDiff::between(scan_id, current, previous),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str, expires_at: Option<i64>) -> TriageRow {
        TriageRow {
            target_id: "tgt_1".into(),
            fingerprint: "abc".into(),
            state: state.into(),
            reason: Some("legacy".into()),
            expires_at,
            set_by_key_id: "key_1".into(),
            set_by_key_name: "alice".into(),
            updated_at: 0,
        }
    }

    #[test]
    fn dates_and_expiry() {
        let start = day_start("2027-01-31").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(date_of(start), "2027-01-31");
        assert_eq!(today_start(start + 5000), start);
        assert!(day_start("31.01.2027").is_err());
        assert!(day_start("2027-02-30").is_err());
        let r = row(ACCEPTED_RISK, Some(start));
        assert_eq!(effective_state(&r, start - 1), ACCEPTED_RISK);
        assert_eq!(effective_state(&r, start), OPEN);
        assert_eq!(
            effective_state(&row(FALSE_POSITIVE, None), start),
            FALSE_POSITIVE
        );
    }

    #[test]
    fn only_accepted_and_false_positive_entries_suppress() {
        let rows = [row(OPEN, None), row(FALSE_POSITIVE, None)];
        let s = suppressions(&rows, &[], 0);
        assert_eq!(s.len(), 1);
        assert!(s[0].reason.contains("false positive") && s[0].reason.contains("alice"));
        // An expired acceptance of a finding not in the report adds nothing.
        assert!(suppressions(&[row(ACCEPTED_RISK, Some(10))], &[], 20).is_empty());
    }
}
