//! Keeping the user's credentials out of every output.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// The text that stands in for a secret in every output.
pub const PLACEHOLDER: &str = "$TOKEN";

/// A credential. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PLACEHOLDER)
    }
}

/// Replaces every known secret, and the distinctive fragments of it, with `$TOKEN`.
///
/// Clones share one list of secrets: a secret learnt during the scan (a token from a
/// login, see [`Redactor::learn`]) is masked by every clone, including those handed to
/// outputs before the secret existed.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Needles, longest first so a whole token is replaced before its fragments.
    needles: Arc<RwLock<Vec<String>>>,
}

/// Fragments shorter than this are not redacted on their own: too likely to be ordinary text.
const MIN_FRAGMENT: usize = 12;

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s.expose());
        }
        r
    }

    /// Adds a secret value (and its JWT segments and percent-encoded form).
    pub fn add(&mut self, value: &str) {
        self.learn(value);
    }

    /// Adds a secret through a shared handle: every clone of this redactor masks it
    /// from now on.
    pub fn learn(&self, value: &str) {
        let value = value.trim();
        if value.len() < 4 {
            return;
        }
        let mut needles = self.needles.write().unwrap_or_else(PoisonError::into_inner);
        let mut push = |needle: String| {
            if !needles.contains(&needle) {
                needles.push(needle);
            }
        };
        push(value.to_string());
        if value.len() >= 2 * MIN_FRAGMENT {
            // A JWT's header segment is shared by every token with the same algorithm
            // (`eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9`): it identifies nothing, so only
            // the payload and signature count as fragments of the secret.
            let skip = usize::from(is_jwt(value));
            for part in value.split(['.', ' ', ':']).skip(skip) {
                if part.len() >= MIN_FRAGMENT {
                    push(part.to_string());
                }
            }
        }
        let encoded = percent_encode(value);
        if encoded != value {
            push(encoded);
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    fn needles(&self) -> std::sync::RwLockReadGuard<'_, Vec<String>> {
        self.needles.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn is_empty(&self) -> bool {
        self.needles().is_empty()
    }

    /// The text with every secret replaced by `$TOKEN`.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for n in self.needles().iter() {
            if out.contains(n.as_str()) {
                out = Cow::Owned(out.replace(n.as_str(), PLACEHOLDER));
            }
        }
        out
    }

    /// Whether the text holds any secret.
    pub fn contains_secret(&self, text: &str) -> bool {
        self.needles().iter().any(|n| text.contains(n.as_str()))
    }
}

fn is_jwt(value: &str) -> bool {
    value.starts_with("eyJ") && value.split('.').count() == 3
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_and_display_hide_value() {
        let s = Secret::new("canary-abcdef-123456");
        assert!(!format!("{s:?}").contains("canary"));
        assert_eq!(s.to_string(), "$TOKEN");
    }

    #[test]
    fn clones_share_learnt_secrets() {
        let r = Redactor::default();
        let handed_out = r.clone();
        r.learn("learnt-later-0123456789");
        assert_eq!(
            handed_out.redact("x learnt-later-0123456789 y"),
            "x $TOKEN y"
        );
    }

    #[test]
    fn redacts_whole_token_and_jwt_segments() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
        let r = Redactor::new([&Secret::new(jwt)]);
        assert_eq!(r.redact(&format!("Bearer {jwt}")), "Bearer $TOKEN");
        let sig_only = "sig=c2lnbmF0dXJlc2lnbmF0dXJl";
        assert_eq!(r.redact(sig_only), "sig=$TOKEN");
        assert!(r.contains_secret(jwt));
        assert!(!r.contains_secret("hello"));
    }

    #[test]
    fn a_jwt_header_alone_is_not_a_secret() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
        let r = Redactor::new([&Secret::new(jwt)]);
        let other = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.b3RoZXJzaWduYXR1cmUxMjM0";
        assert_eq!(r.redact(other), other);
    }

    #[test]
    fn redacts_percent_encoded_form() {
        let r = Redactor::new([&Secret::new("a+b/c=d&secret")]);
        assert_eq!(r.redact("q=a%2Bb%2Fc%3Dd%26secret"), "q=$TOKEN");
    }

    #[test]
    fn ignores_tiny_values() {
        let r = Redactor::new([&Secret::new("ab")]);
        assert!(r.is_empty());
    }
}
