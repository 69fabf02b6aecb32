//! Errors the engine reports for one request.

use tollgate_core::{CheckId, HttpMethod};

/// Why a request did not produce a response. Cloneable so that de-duplicated
/// requests can share one outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("{url} is out of scope: only {allowed} may be contacted (add origins with --scope)")]
    OutOfScope { url: String, allowed: String },
    #[error("check {check} tried {method}, which it does not declare")]
    MethodNotDeclared { check: CheckId, method: HttpMethod },
    #[error("check {check} exceeded its request budget of {budget}")]
    CheckBudgetExceeded { check: CheckId, budget: u32 },
    #[error("{method} is not allowed without --allow intrusive")]
    IntrusiveNotAllowed { method: HttpMethod },
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

    /// Classifies a reqwest error by walking its source chain.
    pub(crate) fn from_reqwest(url: &str, err: &reqwest::Error) -> Self {
        let detail = error_chain(err);
        let url = url.to_string();
        let lower = detail.to_ascii_lowercase();
        if err.is_timeout() {
            EngineError::Timeout { url, phase: "read" }
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("corrupt message")
        {
            EngineError::Tls { url, detail }
        } else if err.is_connect() {
            EngineError::Connect { url, detail }
        } else {
            EngineError::Protocol { url, detail }
        }
    }
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
