//! The one masker: every secret that reaches an output goes through [`Masker`].
//!
//! One output shape, `head…tail` ([`crate::mask`]): a rule's documented prefix (or at
//! most 4 characters and a quarter of the value) before `…`, up to 4 characters after,
//! never half of the value. docs/report.md documents it.

use crate::mask::mask;
use crate::rule::{parse_rules, RuleError};
use crate::scanner::{splice_masked, Scanner};
use crate::Kind;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The credential shapes (JWTs and fragments, auth-scheme values, credential-named
/// fields, URL passwords), compiled into the binary. They mask; they never report.
pub const CREDENTIAL_SHAPES: &str = include_str!("../credential_shapes.toml");

/// Masks secrets in text: the secret patterns (credentials and infrastructure values,
/// not PII), then the credential shapes, plus any values the caller knows are secret.
#[derive(Debug)]
pub struct Masker {
    secrets: &'static Scanner,
    shapes: Scanner,
}

impl Masker {
    /// Builds a masker over the given secret patterns and the built-in credential shapes.
    pub fn new(secrets: &'static Scanner) -> Result<Masker, RuleError> {
        let shapes = Scanner::new(parse_rules(CREDENTIAL_SHAPES)?)?;
        Ok(Masker { secrets, shapes })
    }

    /// The built-in masker, built once.
    pub fn builtin() -> &'static Masker {
        static CELL: OnceLock<Masker> = OnceLock::new();
        CELL.get_or_init(|| {
            Masker::new(Scanner::builtin()).expect("built-in credential_shapes.toml is valid")
        })
    }

    /// The credential-shape rules (for the examples test and `rules` listings).
    pub fn shapes(&self) -> &Scanner {
        &self.shapes
    }

    /// One value masked (`abcd…wxyz`): for a value the caller knows is secret.
    pub fn value(&self, value: &str) -> String {
        mask(value, None)
    }

    /// `text` with every recognised secret masked in place.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.secrets.mask_all(text) {
            Cow::Borrowed(t) => self.mask_shapes(t),
            Cow::Owned(t) => Cow::Owned(self.mask_shapes(&t).into_owned()),
        }
    }

    /// The credential shapes masked; a value already masked (holding `…`) stays as it is.
    fn mask_shapes<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let found = self.shapes.scan(text);
        splice_masked(text, found.into_iter().filter(|m| !m.value.contains('…')))
    }

    /// A source file's text (the static audit): credentials and personal data masked,
    /// infrastructure values (addresses, socket URLs) kept, since they are what a
    /// posture finding is about.
    pub fn source_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.secrets.mask_where(text, |k| k != Kind::Infrastructure)
    }

    /// `text` with only the given known values (4+ characters, longest first) masked.
    pub fn values_in<S: AsRef<str>>(&self, text: &str, values: &[S]) -> String {
        let mut known: Vec<&str> = values
            .iter()
            .map(AsRef::as_ref)
            .filter(|v| v.chars().count() >= 4)
            .collect();
        known.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = text.to_string();
        for v in known {
            if out.contains(v) {
                out = out.replace(v, &self.value(v));
            }
        }
        out
    }

    /// `text` with the given known values (4+ characters, longest first) masked, then
    /// every recognised secret.
    pub fn text_and_values<S: AsRef<str>>(&self, text: &str, values: &[S]) -> String {
        self.text(&self.values_in(text, values)).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_credentials_in_json_with_one_shape() {
        let body = r#"{"email":"a@b.test","password":"pbkdf2_sha256$870000$abc$defghijklmnop","api_key":"tgk_live_0123456789abcdef","access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl","pw":"x"}"#;
        let m = Masker::builtin().text(body);
        assert!(!m.contains("defghijklmnop"), "{m}");
        assert!(!m.contains("0123456789abcdef"), "{m}");
        assert!(!m.contains("c2lnbmF0dXJl"), "{m}");
        assert!(m.contains("\"api_key\":\"tgk_…cdef\""), "{m}");
        assert!(m.contains("a@b.test") && m.contains(r#""pw":"x""#), "{m}");
    }

    #[test]
    fn partially_redacted_tokens_are_masked_and_placeholders_kept() {
        let svc = "$TOKEN.eyJpc3MiOiJ0ZXN0Iiwic3ViIjoiNSJ9.LLlripNubhO-CGVuF3q8ZXnP6";
        for text in [format!("Bearer {svc}"), format!("x {svc} y")] {
            let m = Masker::builtin().text(&text);
            assert!(!m.contains("eyJpc3Mi") && !m.contains("LLlrip"), "{m}");
        }
        assert_eq!(
            Masker::builtin().text("Authorization: Bearer $TOKEN"),
            "Authorization: Bearer $TOKEN"
        );
    }

    #[test]
    fn known_values_are_masked_longest_first() {
        let m = Masker::builtin().text_and_values(
            "card 4111-secret-value-1111 and 4111-secret",
            &["4111-secret", "4111-secret-value-1111"],
        );
        assert!(!m.contains("secret-value"), "{m}");
        assert!(!m.contains("4111-secret "), "{m}");
    }

    #[test]
    fn url_passwords_are_masked() {
        let m = Masker::builtin().text("hook https://svc:Tg-hook-P4ss@hooks.example.test/in");
        assert!(!m.contains("Tg-hook-P4ss"), "{m}");
        assert!(
            m.contains("https://svc:") && m.contains("@hooks.example.test/in"),
            "{m}"
        );
    }
}
