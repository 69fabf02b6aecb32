//! Errors the engine reports for one request.

use tollgate_core::{CheckId, HttpMethod, Redactor};

/// Why a request did not produce a response. Cloneable so that de-duplicated
/// requests can share one outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("{url} is out of scope: only {allowed} may be contacted (add origins with --scope)")]
    OutOfScope { url: String, allowed: String },
    #[error("{url} may not be contacted: {reason}")]
    DestinationRefused { url: String, reason: String },
    #[error("check {check} tried {method}, which it does not declare")]
    MethodNotDeclared { check: CheckId, method: HttpMethod },
    #[error("check {check} exceeded its request budget of {budget}")]
    CheckBudgetExceeded { check: CheckId, budget: u32 },
    #[error("{method} is not allowed without --allow intrusive")]
    IntrusiveNotAllowed { method: HttpMethod },
    #[error("{method} {url} was not sent: {reason}, and the read-only profile calls no such route (--allow intrusive does)")]
    StateChangingRoute {
        method: HttpMethod,
        url: String,
        reason: String,
    },
    #[error("scan budget exhausted ({0}); raise --max-requests or --max-time")]
    BudgetExhausted(String),
    #[error("could not connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("TLS handshake with {url} failed: {detail} (if the certificate is self-signed, pass --insecure)")]
    Tls { url: String, detail: String },
    #[error("{url} timed out ({phase})")]
    Timeout { url: String, phase: &'static str },
    #[error("too many redirects starting at {url} (limit {limit})")]
    TooManyRedirects { url: String, limit: u8 },
    #[error("invalid response from {url}: {detail}")]
    Protocol { url: String, detail: String },
    #[error("invalid URL `{0}`")]
    InvalidUrl(String),
    #[error("identity `{identity}` could not log in at {url}: {detail}")]
    LoginFailed {
        identity: String,
        url: String,
        detail: String,
    },
}

impl EngineError {
    /// Errors that say the target itself cannot be reached, as opposed to a refusal
    /// by tollgate's own guards.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            EngineError::Connect { .. }
                | EngineError::Tls { .. }
                | EngineError::Timeout { .. }
                | EngineError::TooManyRedirects { .. }
                | EngineError::Protocol { .. }
        )
    }

    /// Classifies a reqwest error by walking its source chain. `url` is the request URL,
    /// already redacted; the error's own copy of the URL is dropped, so the detail
    /// neither repeats it nor is classified by words that happen to be in it.
    pub(crate) fn from_reqwest(url: &str, err: reqwest::Error) -> Self {
        let err = err.without_url();
        let detail = error_chain(&err);
        let url = url.to_string();
        if err.is_timeout() {
            return EngineError::Timeout {
                url,
                phase: if err.is_connect() { "connect" } else { "read" },
            };
        }
        // Only the sources name the TLS failure; the top-level message is reqwest's
        // generic "error sending request".
        let mut sources = String::new();
        let mut cur = std::error::Error::source(&err);
        while let Some(e) = cur {
            sources.push_str(&e.to_string().to_ascii_lowercase());
            sources.push('\n');
            cur = e.source();
        }
        if is_tls_failure(&sources) {
            EngineError::Tls { url, detail }
        } else if err.is_connect() {
            EngineError::Connect { url, detail }
        } else {
            EngineError::Protocol { url, detail }
        }
    }

    /// The same error with every secret the redactor knows replaced by `$TOKEN`.
    pub fn redacted(self, redactor: &Redactor) -> Self {
        let r = |s: String| match redactor.redact(&s) {
            std::borrow::Cow::Borrowed(_) => s,
            std::borrow::Cow::Owned(o) => o,
        };
        match self {
            EngineError::OutOfScope { url, allowed } => EngineError::OutOfScope {
                url: r(url),
                allowed,
            },
            EngineError::DestinationRefused { url, reason } => EngineError::DestinationRefused {
                url: r(url),
                reason: r(reason),
            },
            EngineError::Connect { url, detail } => EngineError::Connect {
                url: r(url),
                detail: r(detail),
            },
            EngineError::Tls { url, detail } => EngineError::Tls {
                url: r(url),
                detail: r(detail),
            },
            EngineError::Timeout { url, phase } => EngineError::Timeout { url: r(url), phase },
            EngineError::TooManyRedirects { url, limit } => {
                EngineError::TooManyRedirects { url: r(url), limit }
            }
            EngineError::Protocol { url, detail } => EngineError::Protocol {
                url: r(url),
                detail: r(detail),
            },
            EngineError::InvalidUrl(url) => EngineError::InvalidUrl(r(url)),
            EngineError::LoginFailed {
                identity,
                url,
                detail,
            } => EngineError::LoginFailed {
                identity,
                url: r(url),
                detail: r(detail),
            },
            EngineError::BudgetExhausted(why) => EngineError::BudgetExhausted(r(why)),
            EngineError::StateChangingRoute {
                method,
                url,
                reason,
            } => EngineError::StateChangingRoute {
                method,
                url: r(url),
                reason,
            },
            other @ (EngineError::MethodNotDeclared { .. }
            | EngineError::CheckBudgetExceeded { .. }
            | EngineError::IntrusiveNotAllowed { .. }) => other,
        }
    }
}

/// Whether a (lower-case) error chain describes a failed TLS handshake: rustls's
/// messages for a peer that does not speak TLS, an alert, or a certificate problem.
fn is_tls_failure(chain: &str) -> bool {
    [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "received fatal alert",
        "peer is incompatible",
        "peer misbehaved",
    ]
    .iter()
    .any(|needle| chain.contains(needle))
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::Secret;

    #[test]
    fn redaction_covers_every_variant_that_quotes_a_url() {
        let secret = "tollgate-canary-0123456789abcdef";
        let r = Redactor::new([&Secret::new(secret)]);
        let url = format!("http://127.0.0.1:1/x?k={secret}");
        let errors = [
            EngineError::OutOfScope {
                url: url.clone(),
                allowed: "http://127.0.0.1:2".into(),
            },
            EngineError::Connect {
                url: url.clone(),
                detail: format!("refused {secret}"),
            },
            EngineError::Tls {
                url: url.clone(),
                detail: secret.into(),
            },
            EngineError::Timeout {
                url: url.clone(),
                phase: "read",
            },
            EngineError::TooManyRedirects {
                url: url.clone(),
                limit: 5,
            },
            EngineError::Protocol {
                url: url.clone(),
                detail: secret.into(),
            },
            EngineError::InvalidUrl(url.clone()),
            EngineError::BudgetExhausted(secret.into()),
            EngineError::StateChangingRoute {
                method: HttpMethod::Get,
                url: url.clone(),
                reason: "its path segment `reset` names a modifying action".into(),
            },
        ];
        for e in errors {
            let shown = e.clone().redacted(&r);
            let text = format!("{shown} {shown:?}");
            assert!(!text.contains(secret), "{text}");
            assert!(text.contains("$TOKEN"), "{text}");
            assert_eq!(std::mem::discriminant(&e), std::mem::discriminant(&shown));
        }
    }

    #[test]
    fn tls_failures_are_recognised_by_their_causes() {
        for cause in [
            "received corrupt message of type InvalidContentType",
            "tls handshake eof",
            "invalid peer certificate: UnknownIssuer",
            "received fatal alert: HandshakeFailure",
            "peer is incompatible: Tls12NotOffered",
        ] {
            assert!(is_tls_failure(&cause.to_ascii_lowercase()), "{cause}");
        }
        for cause in [
            "tcp connect error: connection refused (os error 111)",
            "invalid http version parsed",
        ] {
            assert!(!is_tls_failure(cause), "{cause}");
        }
    }
}
