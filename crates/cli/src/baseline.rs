//! Baselines (`--baseline old.json`) and suppressions (`.tollgate-ignore.toml`).

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use tollgate_core::{Report, Suppression};

/// Reads a JSON report written by tollgate.
pub fn read_report(path: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read report {} — pass a JSON report written with `-o json=PATH`",
            path.display()
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow!("{} is not a tollgate JSON report: {e}", path.display()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreFile {
    #[serde(default)]
    ignore: Vec<Suppression>,
}

/// The suppressions file to use: the explicit one, or ./.tollgate-ignore.toml if present.
pub fn ignore_path(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Some(PathBuf::from(".tollgate-ignore.toml")).filter(|p| p.is_file()),
    }
}

/// Reads and validates a suppressions file.
pub fn read_suppressions(path: &Path) -> Result<Vec<Suppression>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read suppressions file {}", path.display()))?;
    let file: IgnoreFile = toml::from_str(&text)
        .map_err(|e| anyhow!("{}: {e}\neach [[ignore]] entry needs `reason` and `fingerprint` or `rule` (optional `location`, `expires = \"YYYY-MM-DD\"`)", path.display()))?;
    tollgate_core::suppress::validate(&file.ignore)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(file.ignore)
}

/// Today as `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .chars()
        .take(10)
        .collect()
}
