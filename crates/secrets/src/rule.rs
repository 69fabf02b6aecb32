//! Rules as data: the types `patterns.toml` deserialises into.

use serde::Deserialize;
use std::fmt;

/// The built-in rules, compiled into the binary.
pub const BUILTIN_PATTERNS: &str = include_str!("../patterns.toml");

/// What a matched value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Something that authenticates: a token, key, password or password hash.
    Credential,
    /// Personal data: emails, card numbers, SSNs.
    Pii,
    /// Internal topology: Docker endpoints, cluster hostnames, container IDs.
    Infrastructure,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Credential => "credential",
            Kind::Pii => "pii",
            Kind::Infrastructure => "infrastructure",
        }
    }
}

/// How bad one leaked value of a rule is, on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check that runs on the `secret` group after the regex matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validator {
    /// Shannon entropy (bits per character) at least the rule's `min_entropy`.
    Entropy,
    /// Luhn checksum over the digits, 13 to 19 of them.
    Luhn,
    /// Three base64url segments; the header is a JSON object with `alg`, the payload
    /// a JSON object. Marks the match verified.
    Jwt,
    /// SSN area, group and serial numbers that the SSA issues.
    Ssn,
    /// Rejects documentation placeholders: `<token>`, `${VAR}`, `xxxx`, `EXAMPLE`, `****`.
    NotPlaceholder,
    /// GitHub's base62 CRC32 in the last 6 characters. Never rejects; a valid checksum
    /// marks the match verified.
    GithubChecksum,
}

/// One pattern with its metadata and examples.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub severity: Level,
    pub pattern: String,
    /// Leading characters of a value kept visible when masking (the documented prefix).
    #[serde(default)]
    pub visible: Option<usize>,
    /// A context-based rule: yields to a specific rule that matched the same bytes.
    #[serde(default)]
    pub generic: bool,
    #[serde(default)]
    pub validators: Vec<Validator>,
    #[serde(default)]
    pub min_entropy: Option<f64>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    rule: Vec<Rule>,
}

/// Why a rule set cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("the pattern file is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("rule `{id}`: {detail}")]
    Invalid { id: String, detail: String },
    #[error("the rules do not compile as one set: {0}")]
    Set(String),
}

/// Parses a pattern file in the format of `patterns.toml`.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile = toml::from_str(text)?;
    for rule in &file.rule {
        rule.check()?;
    }
    let mut ids: Vec<&str> = file.rule.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(RuleError::Invalid {
            id: w[0].to_string(),
            detail: "duplicate id".into(),
        });
    }
    Ok(file.rule)
}

impl Rule {
    /// Static sanity: examples present, entropy threshold where needed, one `secret` group.
    fn check(&self) -> Result<(), RuleError> {
        let invalid = |detail: &str| RuleError::Invalid {
            id: self.id.clone(),
            detail: detail.to_string(),
        };
        if self.examples.is_empty() || self.negative_examples.is_empty() {
            return Err(invalid(
                "needs at least one example and one negative example",
            ));
        }
        if self.validators.contains(&Validator::Entropy) != self.min_entropy.is_some() {
            return Err(invalid("the entropy validator and min_entropy go together"));
        }
        if self.pattern.matches("(?P<secret>").count() != 1 {
            return Err(invalid("the pattern needs exactly one (?P<secret>…) group"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_file_parses() {
        let rules = parse_rules(BUILTIN_PATTERNS).expect("built-in patterns");
        assert!(rules.len() >= 30, "{}", rules.len());
    }

    #[test]
    fn rejects_rules_without_examples_or_group() {
        let no_neg = r#"[[rule]]
id = "x"
name = "x"
kind = "credential"
severity = "low"
pattern = '(?P<secret>x)'
examples = ["x"]
negative_examples = []
"#;
        assert!(matches!(
            parse_rules(no_neg),
            Err(RuleError::Invalid { .. })
        ));
        let no_group = no_neg
            .replace("(?P<secret>x)", "x")
            .replace("[]", "[\"y\"]");
        assert!(parse_rules(&no_group).is_err());
    }
}
