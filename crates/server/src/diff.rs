//! What changed between two completed scans of a target: new, fixed and unchanged
//! findings (compared by their stable fingerprints), and how score and grade moved.

use serde::Serialize;
use utoipa::ToSchema;

/// One finding in a diff: enough to recognise it; the report has the rest.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffFinding {
    pub fingerprint: String,
    pub check_id: String,
    pub severity: String,
    pub title: String,
}

impl From<&tollgate_core::Finding> for DiffFinding {
    fn from(f: &tollgate_core::Finding) -> Self {
        DiffFinding {
            fingerprint: f.fingerprint.0.clone(),
            check_id: f.check_id.to_string(),
            severity: f.severity.to_string(),
            title: f.title.clone(),
        }
    }
}

/// What changed since the target's previous completed scan.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanDiff {
    pub scan_id: String,
    /// `null` when this is the target's first completed scan: every finding is new.
    pub previous_scan_id: Option<String>,
    pub new: Vec<DiffFinding>,
    pub fixed: Vec<DiffFinding>,
    pub unchanged_count: usize,
    pub score_before: Option<u8>,
    pub score_after: u8,
    pub grade_before: Option<String>,
    pub grade_after: String,
}

impl ScanDiff {
    /// `current` (scan `scan_id`) against `previous` (its id and report), or against
    /// nothing when this is the target's first completed scan.
    pub fn between(
        scan_id: &str,
        current: &tollgate_core::Report,
        previous: Option<(&str, &tollgate_core::Report)>,
    ) -> ScanDiff {
        let empty = tollgate_core::Report {
            findings: Vec::new(),
            ..current.clone()
        };
        let base = previous.map_or(&empty, |(_, r)| r);
        let d = tollgate_core::diff::diff(base, current);
        ScanDiff {
            scan_id: scan_id.to_string(),
            previous_scan_id: previous.map(|(id, _)| id.to_string()),
            new: d.new.iter().map(DiffFinding::from).collect(),
            fixed: d.fixed.iter().map(DiffFinding::from).collect(),
            unchanged_count: d.unchanged.len(),
            score_before: previous.map(|(_, r)| r.score.score),
            score_after: current.score.score,
            grade_before: previous.map(|(_, r)| r.score.grade.to_string()),
            grade_after: current.score.grade.to_string(),
        }
    }
}
