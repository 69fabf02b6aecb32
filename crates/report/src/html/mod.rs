//! The HTML report: one self-contained file that works offline and fetches nothing.
//!
//! Every value from the report goes through minijinja's HTML auto-escaping: evidence
//! is bytes from the target, and the target is the attacker. As a second line of
//! defence the page carries a Content-Security-Policy that allows no network access
//! and only the one inline script whose hash it names.

mod view;

use crate::{RenderError, RenderOptions};
use base64::Engine as _;
use minijinja::{AutoEscape, Environment};
use sha2::{Digest, Sha256};
use tollgate_core::{CheckMeta, Report};

const TEMPLATE: &str = include_str!("../../templates/report.html");
const SCRIPT: &str = include_str!("../../templates/filters.js");

/// The CSP `script-src` source for the filter script.
fn script_hash() -> String {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Renders `report` as a standalone HTML page.
pub fn render(
    report: &Report,
    rules: &[&CheckMeta],
    _opts: &RenderOptions,
) -> Result<String, RenderError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)?;
    let page = view::Page::build(report, rules, script_hash(), SCRIPT);
    let ctx = minijinja::Value::from(minijinja::value::Serde(page));
    let mut html = env.get_template("report.html")?.render(ctx)?;
    html.push('\n');
    Ok(html)
}
