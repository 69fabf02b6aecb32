//! The report: what a scan or audit produced, in one versioned structure.

use crate::{CheckId, Finding, ScoreCard};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the JSON report schema (docs/report.schema.json). Bump the minor
/// version for additive changes and the major version for breaking ones.
pub const SCHEMA_VERSION: &str = "1.5";

/// A framework or server tollgate recognised, with the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Technology {
    /// Stable name: django, drf, flask, werkzeug, fastapi, uvicorn, express, spring,
    /// rails, laravel, aspnet, gunicorn, nginx.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What gave it away, e.g. "header `Server: gunicorn`".
    pub evidence: String,
}

/// What was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    pub url: String,
    #[serde(default)]
    pub technologies: Vec<Technology>,
}

impl Target {
    pub fn is(&self, name: &str) -> bool {
        self.technologies.iter().any(|t| t.name == name)
    }
}

/// A check that did not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SkippedCheck {
    pub check_id: CheckId,
    pub reason: String,
}

/// What ran and what did not: no silent gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Coverage {
    pub checks_run: Vec<CheckId>,
    pub checks_skipped: Vec<SkippedCheck>,
    /// Requests that went on the wire.
    pub requests_sent: u64,
    /// Requests answered from an identical in-flight or finished request.
    pub requests_deduplicated: u64,
    /// Whether `--max-requests` or `--max-time` cut the scan short.
    pub budget_exhausted: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Requests the read-only profile did not send because the route's name (path,
    /// operationId, summary or description) says it changes state. Since 1.4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes_skipped: Vec<SkippedRoute>,
    /// Requests each check that ran made (de-duplicated ones included), by check id:
    /// what a check costs on this target. Since 1.5.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub requests_by_check: std::collections::BTreeMap<CheckId, u32>,
}

/// A request tollgate chose not to send, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SkippedRoute {
    /// `GET`, `HEAD`, `OPTIONS`.
    pub method: String,
    /// Without its query string.
    pub url: String,
    /// e.g. "its path segment `reseed` names a destructive action".
    pub reason: String,
}

/// A non-fatal error: an endpoint or a check failed and the scan went on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_id: Option<CheckId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub message: String,
}

/// Name and version of the tool that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// A whole scan or audit result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: String,
    pub tool: ToolInfo,
    pub target: Target,
    /// RFC 3339 UTC time the run started.
    pub started_at: String,
    pub duration_ms: u64,
    pub score: ScoreCard,
    pub findings: Vec<Finding>,
    /// Findings hidden by `.tollgate-ignore.toml`, with the reason given there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<crate::SuppressedFinding>,
    pub errors: Vec<ReportError>,
    pub coverage: Coverage,
    /// Attack chains joining audit and scan findings (`tollgate audit --with-scan`,
    /// `tollgate scan --audit`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chains: Vec<crate::AttackChain>,
    /// The scan was cancelled before it finished: the findings are those of the checks
    /// that finished (the others are listed as skipped). Added in schema 1.3.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

impl Report {
    /// Builds a report, scoring the findings and ordering them worst first.
    pub fn new(
        target: Target,
        started_at: String,
        duration_ms: u64,
        mut findings: Vec<Finding>,
        errors: Vec<ReportError>,
        coverage: Coverage,
    ) -> Self {
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.check_id.cmp(&b.check_id))
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Report {
            schema_version: SCHEMA_VERSION.to_string(),
            tool: ToolInfo {
                name: "tollgate".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            target,
            started_at,
            duration_ms,
            score: crate::score_findings(&findings),
            findings,
            suppressed: Vec::new(),
            errors,
            coverage,
            chains: Vec::new(),
            cancelled: false,
        }
    }

    /// Moves the findings live suppressions match into `suppressed`, re-scores, and
    /// notes every expired entry in the coverage notes.
    pub fn apply_suppressions(&mut self, entries: &[crate::Suppression], today: &str) {
        let applied = crate::suppress::apply(std::mem::take(&mut self.findings), entries, today);
        self.findings = applied.kept;
        self.suppressed.extend(applied.suppressed);
        for e in applied.expired {
            self.coverage.notes.push(format!(
                "suppression for {} expired on {} and no longer applies (reason was: {})",
                e.describe(),
                e.expires.as_deref().unwrap_or("?"),
                e.reason
            ));
        }
        self.score = crate::score_findings(&self.findings);
    }

    /// The JSON Schema of the report, as checked in at docs/report.schema.json.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
    }
}
