//! Runs every rule's `examples` and `negative_examples` through the full scanner (the
//! RegexSet pass, the rule's own regex, the validators and overlap resolution), so a
//! regex without passing examples cannot land. The masker's credential shapes
//! (`credential_shapes.toml`) go through the same tests.

use tollgate_secrets::{parse_rules, Masker, Scanner, BUILTIN_PATTERNS, CREDENTIAL_SHAPES};

/// Both rule sets: the secret patterns and the masker's credential shapes.
fn scanners() -> [&'static Scanner; 2] {
    [Scanner::builtin(), Masker::builtin().shapes()]
}

#[test]
fn every_example_matches_its_rule() {
    let mut failures = Vec::new();
    for scanner in scanners() {
        for rule in scanner.rules() {
            for ex in &rule.examples {
                let found = scanner.scan(ex);
                if !found.iter().any(|m| m.rule.id == rule.id) {
                    let got: Vec<&str> = found.iter().map(|m| m.rule.id.as_str()).collect();
                    failures.push(format!(
                        "{}: example not matched: {ex:?} (got {got:?})",
                        rule.id
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn no_negative_example_matches_its_rule() {
    let mut failures = Vec::new();
    for scanner in scanners() {
        for rule in scanner.rules() {
            for ex in &rule.negative_examples {
                if let Some(m) = scanner.scan(ex).iter().find(|m| m.rule.id == rule.id) {
                    failures.push(format!(
                        "{}: negative example matched: {ex:?} (value {})",
                        rule.id,
                        m.masked()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_rule_has_examples_and_ids_are_unique() {
    let mut rules = parse_rules(BUILTIN_PATTERNS).expect("patterns");
    rules.extend(parse_rules(CREDENTIAL_SHAPES).expect("credential shapes"));
    for r in &rules {
        assert!(
            !r.examples.is_empty() && !r.negative_examples.is_empty(),
            "{}",
            r.id
        );
        assert!(
            r.id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'),
            "{}",
            r.id
        );
    }
}

#[test]
fn masked_values_never_contain_the_value() {
    for scanner in scanners() {
        for rule in scanner.rules() {
            for ex in &rule.examples {
                for m in scanner.scan(ex) {
                    if m.value.chars().count() >= 8 {
                        assert!(!m.masked().contains(m.value), "{}: {}", rule.id, m.masked());
                    }
                }
            }
        }
    }
}

#[test]
fn required_formats_are_covered() {
    let ids: Vec<String> = Scanner::builtin().rules().map(|r| r.id.clone()).collect();
    for want in [
        "aws.access_key_id",
        "github.token",
        "gitlab.pat",
        "slack.token",
        "stripe.secret_key",
        "google.api_key",
        "jwt",
        "http.bearer",
        "drf.token",
        "django.insecure_secret_key",
        "private_key",
        "database_url",
        "dockerhub.pat",
        "npm.token",
        "pypi.token",
        "openai.api_key",
        "anthropic.api_key",
        "pii.email",
        "pii.card_number",
        "pii.ssn",
        "infra.docker_socket",
        "infra.docker_host",
        "infra.kubernetes_service_host",
    ] {
        assert!(ids.iter().any(|i| i == want), "missing rule {want}");
    }
}
