//! The one door to the shared secret-pattern library (`tollgate-secrets`): the
//! auditor detects exactly the formats the scanner detects in responses.

use std::ops::Range;
use tollgate_secrets::{Kind, Level, Masker, Scanner};

/// A credential found in a piece of artefact text.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretHit {
    /// Byte range of the value in the scanned text.
    pub span: Range<usize>,
    /// The pattern's stable id, e.g. `github.token`.
    pub rule_id: String,
    /// The pattern's human name, e.g. "GitHub token".
    pub rule_name: String,
    /// The value, masked (`ghp_…RM6r`).
    pub masked: String,
    pub level: Level,
    /// A structural check (checksum, JWT decoding) proved the format.
    pub verified: bool,
}

/// Every credential (not PII, not infrastructure hints) in `text`.
pub fn find_secrets(text: &str) -> Vec<SecretHit> {
    Scanner::builtin()
        .scan(text)
        .into_iter()
        .filter(|m| m.kind() == Kind::Credential)
        .map(|m| SecretHit {
            span: m.span.clone(),
            rule_id: m.rule.id.clone(),
            rule_name: m.rule.name.clone(),
            masked: m.masked(),
            level: m.rule.severity,
            verified: m.verified,
        })
        .collect()
}

/// The one masker ([`Masker`]): every value the auditor shows goes through it.
pub fn masker() -> &'static Masker {
    Masker::builtin()
}

/// Vendors' test-mode key prefixes: the key works only against the vendor's sandbox.
const TEST_KEY_PREFIXES: &[&str] = &[
    "sk_test_",
    "pk_test_",
    "rk_test_",
    "whsec_test_",
    "rzp_test_",
    "sandbox-sq0",
    "flwseck_test-",
    "flwpubk_test-",
];

/// Whether `value` (raw or masked) is a vendor's test-mode key, not a live credential.
pub fn is_test_key(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    TEST_KEY_PREFIXES.iter().any(|p| v.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_masks_a_github_token() {
        let text = "environment:\n  - GH=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\n";
        let hits = find_secrets(text);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].rule_id, "github.token");
        assert_eq!(hits[0].masked, "ghp_…RM6r");
        assert!(!masker().source_text(text).contains("FAKEpat"));
        let infra = "DOCKER_HOST=tcp://10.0.0.5:2375";
        assert_eq!(
            masker().source_text(infra),
            infra,
            "infrastructure values stay"
        );
    }

    #[test]
    fn masks_literal_values() {
        let shown = masker().values_in("API_TOKEN=hunter2hunter2", &["hunter2hunter2"]);
        assert!(!shown.contains("hunter2hunter2"), "{shown}");
        assert_eq!(masker().values_in("X=ab", &["ab"]), "X=ab");
    }
}
