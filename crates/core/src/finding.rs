//! A finding: one typed, evidenced result of a check.

use crate::{Category, CheckId, CheckMeta, Confidence, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Location {
    /// An HTTP endpoint, optionally narrowed to one parameter or header.
    Http {
        method: String,
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameter: Option<String>,
    },
    /// A position in a file (static audit).
    File {
        path: String,
        line: u32,
        column: u32,
    },
}

impl Location {
    pub fn http(method: impl Into<String>, url: impl Into<String>) -> Self {
        Location::Http {
            method: method.into(),
            url: url.into(),
            parameter: None,
        }
    }

    pub fn http_param(
        method: impl Into<String>,
        url: impl Into<String>,
        parameter: impl Into<String>,
    ) -> Self {
        Location::Http {
            method: method.into(),
            url: url.into(),
            parameter: Some(parameter.into()),
        }
    }

    /// The part of the location that identifies it across environments: for HTTP the
    /// path and the names (not values) of query parameters, without scheme and host, so
    /// a baseline taken on staging matches a scan of production.
    pub fn stable_key(&self) -> String {
        match self {
            Location::Http {
                method,
                url,
                parameter,
            } => {
                let path_and_query = strip_origin(url);
                let (path, query) = path_and_query
                    .split_once('?')
                    .unwrap_or((path_and_query, ""));
                let mut names: Vec<&str> = query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| p.split_once('=').map_or(p, |(k, _)| k))
                    .collect();
                names.sort_unstable();
                names.dedup();
                format!(
                    "{method} {path}?{}#{}",
                    names.join("&"),
                    parameter.as_deref().unwrap_or("")
                )
            }
            Location::File { path, line, .. } => format!("{path}:{line}"),
        }
    }
}

fn strip_origin(url: &str) -> &str {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return url;
    };
    match rest.find('/') {
        Some(i) => &rest[i..],
        None => "/",
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Http {
                method,
                url,
                parameter: Some(p),
            } => write!(f, "{method} {url} [{p}]"),
            Location::Http { method, url, .. } => write!(f, "{method} {url}"),
            Location::File { path, line, column } => write!(f, "{path}:{line}:{column}"),
        }
    }
}

/// A redacted HTTP request as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestEvidence {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// A response excerpt as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResponseEvidence {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// A bounded, redacted excerpt of the body (UTF-8, lossily decoded).
    pub body_excerpt: String,
    /// Byte range in `body_excerpt` of the text that matched, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight: Option<(usize, usize)>,
}

/// One recorded HTTP exchange, redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HttpExchangeEvidence {
    pub request: RequestEvidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseEvidence>,
}

/// Evidence backing a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// The exchanges that show the problem (at most a few).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<HttpExchangeEvidence>,
    /// A curl command reproducing the request; secrets appear as `$TOKEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// The offending snippet (audit findings) with any secret masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Short factual statements: "header `X-Frame-Options` absent", "Origin reflected".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
}

/// A stable identifier of a finding, used by baselines and suppressions.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    /// sha256 over the check, the stable location key and a check-specific discriminator,
    /// truncated to 16 hex characters.
    pub fn compute(check: &CheckId, location: &Location, key: &str) -> Self {
        let mut h = Sha256::new();
        h.update(check.as_str().as_bytes());
        h.update([0]);
        h.update(location.stable_key().as_bytes());
        h.update([0]);
        h.update(key.as_bytes());
        Fingerprint(hex::encode(&h.finalize()[..8]))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One result of a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub check_id: CheckId,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    /// One line saying what was found, specific to this instance.
    pub title: String,
    pub location: Location,
    pub evidence: Evidence,
    pub fingerprint: Fingerprint,
}

impl Finding {
    /// A finding with the check's default severity, `firm` confidence and a fingerprint
    /// over the check and the location. Refine it with the builder methods.
    pub fn new(meta: &CheckMeta, location: Location, title: impl Into<String>) -> Self {
        let fingerprint = Fingerprint::compute(&meta.id, &location, "");
        Finding {
            check_id: meta.id.clone(),
            category: meta.category,
            severity: meta.severity,
            confidence: Confidence::Firm,
            title: title.into(),
            location,
            evidence: Evidence::default(),
            fingerprint,
        }
    }

    /// Distinguishes several findings of one check at one location (a header name, a
    /// cookie name); folded into the fingerprint.
    pub fn with_key(mut self, key: &str) -> Self {
        self.fingerprint = Fingerprint::compute(&self.check_id, &self.location, key);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    pub fn with_fact(mut self, fact: impl Into<String>) -> Self {
        self.evidence.facts.push(fact.into());
        self
    }

    pub fn with_exchange(mut self, exchange: HttpExchangeEvidence) -> Self {
        self.evidence.exchanges.push(exchange);
        self
    }

    pub fn with_curl(mut self, curl: String) -> Self {
        self.evidence.curl = Some(curl);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_key_ignores_origin_and_query_values() {
        let a = Location::http("GET", "http://127.0.0.1:8000/api/x?b=2&a=1");
        let b = Location::http("GET", "https://prod.example/api/x?a=9&b=3");
        assert_eq!(a.stable_key(), b.stable_key());
        assert_eq!(a.stable_key(), "GET /api/x?a&b#");
    }

    #[test]
    fn origin_only_url_keys_as_root() {
        let a = Location::http("GET", "http://127.0.0.1:8000");
        assert_eq!(a.stable_key(), "GET /?#");
    }

    #[test]
    fn fingerprint_depends_on_key() {
        let id = CheckId::new_static("MISC-001");
        let loc = Location::http("GET", "http://h/");
        assert_ne!(
            Fingerprint::compute(&id, &loc, "a"),
            Fingerprint::compute(&id, &loc, "b")
        );
        assert_eq!(Fingerprint::compute(&id, &loc, "a").0.len(), 16);
    }
}
