//! The human summary printed to a terminal: readable at 100 columns, coloured only
//! when asked, and safe against control characters in text from the target.

mod chains;
mod coverage;
mod findings;
mod instance;
mod style;
mod summary;
mod wrap;

use crate::RenderOptions;
use style::Painter;
use tollgate_core::{CheckMeta, Report};

/// The width the layout is designed for.
const WIDTH: usize = 100;

/// Renders the whole terminal report, ending with a newline.
pub(crate) fn render(report: &Report, rules: &[&CheckMeta], opts: &RenderOptions) -> String {
    let p = Painter { color: opts.color };
    let sections = [
        summary::header(report, p),
        summary::grade(report, p),
        summary::categories(report, p),
        findings::findings(report, rules, p),
        chains::chains(report, p),
        coverage::errors(report, p),
        coverage::coverage(report, p),
    ];
    let mut out = String::new();
    for section in sections.iter().filter(|s| !s.is_empty()) {
        if !out.is_empty() {
            out.push('\n');
        }
        for line in section {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
