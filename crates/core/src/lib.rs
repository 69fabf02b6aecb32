//! The finding model shared by every part of tollgate.
//!
//! This crate does no I/O and pulls in no async runtime: the report renderers and
//! the static auditor depend on it without dragging in the HTTP engine.

pub mod category;
pub mod chain;
pub mod check;
pub mod diff;
pub mod finding;
pub mod redact;
pub mod report;
pub mod score;
pub mod severity;
pub mod suppress;

#[cfg(test)]
mod testing;

pub use category::Category;
pub use chain::{AttackChain, ChainLink, ChainSide};
pub use check::{CheckDocs, CheckId, CheckMeta, HttpMethod, Owasp, SafetyClass};
pub use diff::{diff, Diff};
pub use finding::{Evidence, Finding, Fingerprint, HttpExchangeEvidence, Location};
pub use redact::{Redactor, Secret};
pub use report::{Coverage, Report, ReportError, SkippedCheck, SkippedRoute, Target, Technology};
pub use score::{grade_for, score_findings, CategoryScore, Grade, ScoreCard};
pub use severity::{Confidence, Severity};
pub use suppress::{SuppressedFinding, Suppression};
