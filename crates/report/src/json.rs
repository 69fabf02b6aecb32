//! The JSON report: the [`Report`] itself, pretty-printed.

use crate::RenderError;
use tollgate_core::Report;

/// Pretty JSON of the report, ending with a newline.
pub(crate) fn render(report: &Report) -> Result<String, RenderError> {
    let mut out = serde_json::to_string_pretty(report)?;
    out.push('\n');
    Ok(out)
}
