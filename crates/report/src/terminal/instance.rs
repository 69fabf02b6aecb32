//! One finding under its check's heading: location, confidence and evidence.

use super::style::{clean, Painter, Tone};
use super::wrap::wrap;
use super::WIDTH;
use tollgate_core::{Finding, Location};

/// Longest matched excerpt shown, in characters.
const MAX_MATCH: usize = 80;
/// Most lines of an audit snippet shown.
const MAX_SNIPPET_LINES: usize = 5;

/// The lines describing one finding; its title only when it adds to the check name.
pub(super) fn instance(f: &Finding, check_name: &str, p: Painter) -> Vec<String> {
    let confidence = p.paint(&format!("confidence: {}", f.confidence), Tone::Dim);
    let mut lines = vec![format!("  at {}  ({confidence})", location(&f.location))];
    let title = clean(&f.title);
    if !title.is_empty() && title != check_name {
        lines.extend(wrap(&title, 4, WIDTH));
    }
    for fact in &f.evidence.facts {
        lines.push(format!("    - {}", clean(fact)));
    }
    if let Some(matched) = matched_text(f) {
        lines.push(format!("    matched: {matched}"));
    }
    if let Some(snippet) = &f.evidence.snippet {
        let shown = snippet.lines().take(MAX_SNIPPET_LINES);
        lines.extend(shown.map(|l| p.paint(&format!("    > {}", clean(l)), Tone::Dim)));
    }
    lines
}

/// Where a finding is, in words.
pub(super) fn location(location: &Location) -> String {
    match location {
        Location::Http {
            method,
            url,
            parameter: Some(param),
        } => format!(
            "{} {} (parameter `{}`)",
            clean(method),
            clean(url),
            clean(param)
        ),
        Location::Http { method, url, .. } => format!("{} {}", clean(method), clean(url)),
        Location::File { path, line, column } => format!("{}:{line}:{column}", clean(path)),
    }
}

/// The highlighted part of the first response excerpt that marks one, shortened.
fn matched_text(f: &Finding) -> Option<String> {
    let response = f
        .evidence
        .exchanges
        .iter()
        .filter_map(|e| e.response.as_ref())
        .find(|r| r.highlight.is_some())?;
    let (start, end) = response.highlight?;
    let text = response.body_excerpt.get(start..end)?;
    let text = clean(text);
    if text.chars().count() <= MAX_MATCH {
        return Some(format!("\"{text}\""));
    }
    let short: String = text.chars().take(MAX_MATCH).collect();
    Some(format!("\"{short}…\""))
}
