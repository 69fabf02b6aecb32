//! Typed metadata every check and audit rule carries.

use crate::{Category, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A stable check identifier such as `AUTH-003` or `DKR-001`.
///
/// Format: an upper-case prefix of 2–5 characters (a letter, then letters or digits, as
/// in `K8S`), a dash, three digits. IDs are never reused once retired.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct CheckId(Cow<'static, str>);

impl CheckId {
    /// Used by the registries' `const` metadata.
    pub const fn new_static(id: &'static str) -> Self {
        CheckId(Cow::Borrowed(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the ID follows `PREFIX-NNN`.
    pub fn is_well_formed(&self) -> bool {
        let Some((prefix, digits)) = self.0.split_once('-') else {
            return false;
        };
        (2..=5).contains(&prefix.len())
            && prefix
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_uppercase())
            && prefix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && digits.len() == 3
            && digits.bytes().all(|b| b.is_ascii_digit())
    }
}

impl From<String> for CheckId {
    fn from(s: String) -> Self {
        CheckId(Cow::Owned(s))
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a check may do to the target.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SafetyClass {
    /// Reads what other checks already recorded; sends nothing.
    Passive,
    /// Read-only requests: GET, HEAD, OPTIONS, benign GET parameters.
    Safe,
    /// May change state or load the target; runs only with `--allow intrusive`.
    Intrusive,
}

impl SafetyClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyClass::Passive => "passive",
            SafetyClass::Safe => "safe",
            SafetyClass::Intrusive => "intrusive",
        }
    }
}

/// HTTP methods a check may declare.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
    Options,
    Trace,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Trace => "TRACE",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Methods that cannot change server state by their definition (RFC 9110 §9.2.1).
    pub fn is_safe(self) -> bool {
        matches!(
            self,
            HttpMethod::Get | HttpMethod::Head | HttpMethod::Options | HttpMethod::Trace
        )
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// OWASP API Security Top 10 (2023).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Owasp {
    #[serde(rename = "API1:2023")]
    Api1,
    #[serde(rename = "API2:2023")]
    Api2,
    #[serde(rename = "API3:2023")]
    Api3,
    #[serde(rename = "API4:2023")]
    Api4,
    #[serde(rename = "API5:2023")]
    Api5,
    #[serde(rename = "API6:2023")]
    Api6,
    #[serde(rename = "API7:2023")]
    Api7,
    #[serde(rename = "API8:2023")]
    Api8,
    #[serde(rename = "API9:2023")]
    Api9,
    #[serde(rename = "API10:2023")]
    Api10,
}

impl Owasp {
    pub fn id(self) -> &'static str {
        match self {
            Owasp::Api1 => "API1:2023",
            Owasp::Api2 => "API2:2023",
            Owasp::Api3 => "API3:2023",
            Owasp::Api4 => "API4:2023",
            Owasp::Api5 => "API5:2023",
            Owasp::Api6 => "API6:2023",
            Owasp::Api7 => "API7:2023",
            Owasp::Api8 => "API8:2023",
            Owasp::Api9 => "API9:2023",
            Owasp::Api10 => "API10:2023",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Owasp::Api1 => "Broken Object Level Authorization",
            Owasp::Api2 => "Broken Authentication",
            Owasp::Api3 => "Broken Object Property Level Authorization",
            Owasp::Api4 => "Unrestricted Resource Consumption",
            Owasp::Api5 => "Broken Function Level Authorization",
            Owasp::Api6 => "Unrestricted Access to Sensitive Business Flows",
            Owasp::Api7 => "Server Side Request Forgery",
            Owasp::Api8 => "Security Misconfiguration",
            Owasp::Api9 => "Improper Inventory Management",
            Owasp::Api10 => "Unsafe Consumption of APIs",
        }
    }
}

/// The documentation every check carries. The same text feeds
/// `tollgate rules explain`, the SARIF `rules` array and `docs/rules/ID.md`.
#[derive(Debug, Clone, Copy)]
pub struct CheckDocs {
    /// What the check detects.
    pub what: &'static str,
    /// Why it matters to an attacker.
    pub why: &'static str,
    /// An example of the evidence a finding carries.
    pub evidence: &'static str,
    /// Generic remediation.
    pub remediation: &'static str,
    /// Django-specific remediation, used when the target is fingerprinted as Django.
    pub remediation_django: Option<&'static str>,
    /// Reference URLs (OWASP, CWE, framework docs).
    pub references: &'static [&'static str],
}

/// Stable, typed metadata of one check.
#[derive(Debug, Clone)]
pub struct CheckMeta {
    pub id: CheckId,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub cwe: u32,
    pub owasp: Owasp,
    pub safety: SafetyClass,
    /// The HTTP methods the check may send; the engine refuses any other.
    pub methods: &'static [HttpMethod],
    /// The most requests the check may send in one scan; the engine refuses more.
    pub budget: u32,
    pub docs: CheckDocs,
}

impl CheckMeta {
    /// Remediation text for the detected framework.
    pub fn remediation_for(&self, django: bool) -> &'static str {
        match (django, self.docs.remediation_django) {
            (true, Some(text)) => text,
            _ => self.docs.remediation,
        }
    }

    pub fn cwe_id(&self) -> String {
        format!("CWE-{}", self.cwe)
    }

    /// What is missing from the check's documentation, empty when it is complete:
    /// every prose section at least 40 characters, a name, https references including
    /// an OWASP page, a CWE. The registry tests of scan checks and audit rules use it.
    pub fn doc_problems(&self) -> Vec<String> {
        let d = &self.docs;
        let mut problems = Vec::new();
        for (section, text) in [
            ("what", d.what),
            ("why", d.why),
            ("evidence", d.evidence),
            ("remediation", d.remediation),
        ] {
            if text.len() < 40 {
                problems.push(format!("{} has a thin `{section}` section", self.id));
            }
        }
        if d.remediation_django.is_some_and(|t| t.len() < 40) {
            problems.push(format!("{} has a thin Django remediation", self.id));
        }
        if self.name.is_empty() || self.cwe == 0 {
            problems.push(format!("{} lacks a name or a CWE", self.id));
        }
        if !d.references.iter().any(|r| r.contains("owasp.org")) {
            problems.push(format!("{} lacks an OWASP reference", self.id));
        }
        if !d.references.iter().all(|r| r.starts_with("https://")) {
            problems.push(format!("{} has a non-https reference", self.id));
        }
        problems
    }

    pub fn help_uri(&self) -> String {
        format!(
            "https://github.com/tollgate-scanner/tollgate/blob/main/docs/rules/{}.md",
            self.id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_id_format() {
        assert!(CheckId::new_static("AUTH-003").is_well_formed());
        assert!(CheckId::new_static("DJ-001").is_well_formed());
        assert!(CheckId::new_static("K8S-001").is_well_formed());
        assert!(!CheckId::new_static("8KS-001").is_well_formed());
        assert!(!CheckId::new_static("auth-003").is_well_formed());
        assert!(!CheckId::new_static("AUTH-03").is_well_formed());
        assert!(!CheckId::new_static("AUTH003").is_well_formed());
        assert!(!CheckId::new_static("TOOLONG-001").is_well_formed());
    }
}
