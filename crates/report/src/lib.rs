//! tollgate's renderers: turn a [`Report`] into terminal text, JSON or SARIF 2.1.0.
//!
//! Rendering is pure: it reads the report and the check metadata and returns a
//! string. Redaction of the user's credentials happens before a report gets here.

mod format;
mod html;
mod json;
mod junit;
mod markdown;
mod rule_doc;
mod sarif;
mod terminal;

pub use format::{Format, ParseFormatError};
pub use rule_doc::rule_markdown;

use tollgate_core::{CheckMeta, Report};

/// Options that change how a report is rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// Use ANSI colours (terminal format only). Decide this from the output being a
    /// TTY and `NO_COLOR`; this crate never looks at the environment itself.
    pub color: bool,
    /// The gate's severity: JUnit fails the checks with findings at or above it.
    pub fail_on: Option<tollgate_core::Severity>,
    /// A previous report: Markdown shows new, fixed and remaining counts against it.
    pub baseline: Option<&'a Report>,
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("could not serialise the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("could not render the HTML report: {0}")]
    Html(#[from] minijinja::Error),
}

/// Renders `report` in `format`.
///
/// `rules` is the metadata of every registered check and audit rule, not only those
/// with findings: the terminal view takes names and remediation from it, and SARIF
/// lists all of them in `tool.driver.rules`.
pub fn render(
    format: Format,
    report: &Report,
    rules: &[&CheckMeta],
    opts: &RenderOptions,
) -> Result<String, RenderError> {
    match format {
        Format::Terminal => Ok(terminal::render(report, rules, opts)),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, rules),
        Format::Markdown => Ok(markdown::render(report, rules, opts)),
        Format::Junit => Ok(junit::render(report, rules, opts)),
        Format::Html => html::render(report, rules, opts),
    }
}
