//! `tollgate rules list|explain ID`: the scan checks and the audit rules.

use crate::args::RulesCommand;
use crate::commands::print;
use crate::exit::{usage, Failure};
use anyhow::anyhow;
use std::process::ExitCode;
use tollgate_core::CheckMeta;

/// Every scan check, then every audit rule, each sorted by ID (numerically within a
/// prefix: AUTH-005 before AUTH-006 and AUTH-010).
fn all_meta() -> Vec<(&'static str, &'static CheckMeta)> {
    let mut scan: Vec<&CheckMeta> = tollgate_scan::registry::all()
        .iter()
        .map(|c| c.meta())
        .collect();
    let mut audit: Vec<&CheckMeta> = tollgate_audit::registry::all()
        .iter()
        .map(|r| r.meta())
        .collect();
    scan.sort_by_key(|m| id_key(m.id.as_str()));
    audit.sort_by_key(|m| id_key(m.id.as_str()));
    let scan = scan.into_iter().map(|m| ("scan", m));
    let audit = audit.into_iter().map(|m| ("audit", m));
    scan.chain(audit).collect()
}

/// `AUTH-010` → (`AUTH`, 10, ``): prefixes alphabetically, numbers numerically.
fn id_key(id: &str) -> (String, u64, String) {
    let (prefix, rest) = id.rsplit_once('-').unwrap_or((id, ""));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.parse().unwrap_or(u64::MAX);
    (prefix.to_string(), number, rest[digits.len()..].to_string())
}

pub fn run(command: &RulesCommand) -> Result<ExitCode, Failure> {
    match command {
        RulesCommand::List { format } => match format.as_deref().unwrap_or("terminal") {
            "terminal" | "text" => print(&list()),
            "json" => print(&list_json()),
            other => Err(usage(anyhow!(
                "unknown format `{other}` for `rules list` — use terminal or json"
            ))),
        },
        RulesCommand::Explain { id } => {
            let meta = all_meta()
                .into_iter()
                .find(|(_, m)| m.id.as_str().eq_ignore_ascii_case(id))
                .map(|(_, m)| m)
                .ok_or_else(|| {
                    usage(anyhow!(
                        "no check `{id}` — run `tollgate rules list` to see every ID"
                    ))
                })?;
            print(&tollgate_report::rule_markdown(meta))
        }
    }?;
    Ok(ExitCode::SUCCESS)
}

/// One row per check, columns padded to their widest cell.
fn list() -> String {
    let rows: Vec<[String; 5]> = all_meta()
        .into_iter()
        .map(|(_, m)| {
            [
                m.id.as_str().to_string(),
                m.severity.as_str().to_string(),
                m.safety.as_str().to_string(),
                m.category.name().to_string(),
                m.name.to_string(),
            ]
        })
        .collect();
    let header = ["ID", "SEVERITY", "SAFETY", "CATEGORY", "NAME"].map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The same list as JSON: one object per check.
fn list_json() -> String {
    let rules: Vec<serde_json::Value> = all_meta()
        .into_iter()
        .map(|(kind, m)| {
            serde_json::json!({
                "id": m.id.as_str(),
                "kind": kind,
                "name": m.name,
                "severity": m.severity.as_str(),
                "safety": m.safety.as_str(),
                "category": m.category.name(),
                "owasp": m.owasp.id(),
                "cwe": m.cwe_id(),
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&rules).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_numerically_within_a_prefix() {
        let mut ids = vec!["AUTH-010", "AUTH-006", "AUTH-005", "AUTH-1", "BOLA-002"];
        ids.sort_by_key(|i| id_key(i));
        assert_eq!(
            ids,
            ["AUTH-1", "AUTH-005", "AUTH-006", "AUTH-010", "BOLA-002"]
        );
    }

    #[test]
    fn columns_line_up() {
        let text = list();
        let lines: Vec<&str> = text.lines().collect();
        let at = lines[0].find("SAFETY").expect("header");
        for l in &lines[1..] {
            let cell = &l[at..];
            assert!(
                ["passive", "safe", "intrusive"]
                    .iter()
                    .any(|s| cell.starts_with(s)),
                "{l}"
            );
        }
    }
}
