//! `tool.driver.rules`: one reporting descriptor per check, from its metadata and docs.

use serde_json::{json, Value};
use tollgate_core::{CheckMeta, Severity};

/// The SARIF level for a severity.
pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity`: a CVSS-like score as a string.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The reporting descriptor of one check.
pub(crate) fn rule(meta: &CheckMeta) -> Value {
    json!({
        "id": meta.id.as_str(),
        "name": pascal_case(meta.name),
        "shortDescription": { "text": meta.name },
        "fullDescription": { "text": meta.docs.what },
        "help": { "text": help_text(meta), "markdown": help_markdown(meta) },
        "helpUri": meta.help_uri(),
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": {
            "category": meta.category.slug(),
            "security-severity": security_severity(meta.severity),
            "tags": ["security", meta.owasp.id(), meta.cwe_id()],
            "precision": "high",
            "safety": meta.safety.as_str(),
        },
    })
}

/// "Django technical 500 page" → "DjangoTechnical500Page".
fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .flat_map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            first.into_iter().chain(std::iter::once(chars.collect()))
        })
        .collect()
}

fn help_text(meta: &CheckMeta) -> String {
    let d = &meta.docs;
    let mut text = format!(
        "{}\n\nWhy it matters: {}\n\nRemediation: {}",
        d.what, d.why, d.remediation
    );
    if let Some(django) = d.remediation_django {
        text.push_str(&format!("\n\nOn Django: {django}"));
    }
    if !d.references.is_empty() {
        text.push_str(&format!("\n\nReferences: {}", d.references.join(" ")));
    }
    text
}

fn help_markdown(meta: &CheckMeta) -> String {
    crate::rule_doc::sections(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_names() {
        assert_eq!(
            pascal_case("Django technical 500 page exposes secrets"),
            "DjangoTechnical500PageExposesSecrets"
        );
        assert_eq!(pascal_case("docker.sock mounted"), "DockerSockMounted");
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
    }
}
