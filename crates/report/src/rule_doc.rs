//! A check's documentation page: the text behind `tollgate rules explain ID`,
//! `docs/rules/ID.md` and the SARIF rule help.

use tollgate_core::CheckMeta;

/// The whole Markdown page of one check or audit rule.
pub fn rule_markdown(meta: &CheckMeta) -> String {
    let methods: Vec<&str> = meta.methods.iter().map(|m| m.as_str()).collect();
    let methods = if methods.is_empty() {
        "none (passive: reads recorded exchanges or files)".to_string()
    } else {
        methods.join(", ")
    };
    format!(
        "# {id}: {name}\n\n\
         | | |\n|---|---|\n\
         | Category | {category} |\n\
         | Default severity | {severity} |\n\
         | OWASP API Top 10 | {owasp} {owasp_title} |\n\
         | CWE | [{cwe}](https://cwe.mitre.org/data/definitions/{cwe_num}.html) |\n\
         | Safety | {safety} |\n\
         | HTTP methods | {methods} |\n\
         | Request budget | {budget} |\n\n\
         {sections}\n",
        id = meta.id,
        name = meta.name,
        category = meta.category.name(),
        severity = meta.severity,
        owasp = meta.owasp.id(),
        owasp_title = meta.owasp.title(),
        cwe = meta.cwe_id(),
        cwe_num = meta.cwe,
        safety = meta.safety.as_str(),
        budget = meta.budget,
        sections = sections(meta),
    )
}

/// The prose sections: what, why, evidence, remediation, references.
pub(crate) fn sections(meta: &CheckMeta) -> String {
    let d = &meta.docs;
    let mut md = format!(
        "## What it detects\n\n{}\n\n## Why it matters\n\n{}\n\n## Evidence example\n\n{}\n\n## Remediation\n\n{}",
        d.what, d.why, d.evidence, d.remediation
    );
    if let Some(django) = d.remediation_django {
        md.push_str(&format!("\n\n### On Django\n\n{django}"));
    }
    if !d.references.is_empty() {
        md.push_str("\n\n## References\n");
        for r in d.references {
            md.push_str(&format!("\n- <{r}>"));
        }
    }
    md
}
