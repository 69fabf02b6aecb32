//! A request, its response, and how both become evidence.

use bytes::Bytes;
use std::borrow::Cow;
use std::time::Duration;
use tollgate_core::{
    finding::{RequestEvidence, ResponseEvidence},
    CheckId, HttpExchangeEvidence, HttpMethod, Redactor,
};
use url::Url;

/// Which credential a probe carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Auth {
    /// No credential.
    Anonymous,
    /// The named identity's credential.
    Identity(String),
    /// A header the check made up (a garbage bearer, a forged token). Never the user's
    /// secret: checks never see it.
    Custom { name: String, value: String },
}

/// A probe a check asks the engine to send.
#[derive(Debug, Clone)]
pub struct ProbeRequest {
    pub method: HttpMethod,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub auth: Auth,
    pub body: Option<Bytes>,
    pub follow_redirects: bool,
}

impl ProbeRequest {
    pub fn new(method: HttpMethod, url: Url) -> Self {
        ProbeRequest {
            method,
            url,
            headers: Vec::new(),
            auth: Auth::Anonymous,
            body: None,
            follow_redirects: false,
        }
    }

    pub fn get(url: Url) -> Self {
        ProbeRequest::new(HttpMethod::Get, url)
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn follow_redirects(mut self) -> Self {
        self.follow_redirects = true;
        self
    }
}

/// The request as recorded: credential headers already replaced by `$TOKEN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: HttpMethod,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    /// The identity used, if any.
    pub identity: Option<String>,
}

/// A response, with a body capped at the engine's limit.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names are lower-case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Whether the body was cut at the cap.
    pub truncated: bool,
    pub elapsed: Duration,
}

impl Response {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn headers_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The media type without parameters, lower-case.
    pub fn content_type(&self) -> Option<String> {
        self.header("content-type")
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
    }
}

/// One recorded request/response pair.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Position in the transcript.
    pub seq: u64,
    /// The check that sent it (`None` for the engine's own seeding requests).
    pub check: Option<CheckId>,
    pub request: RecordedRequest,
    pub response: Response,
}

/// Longest body excerpt kept in evidence.
const EXCERPT: usize = 1200;

impl Exchange {
    /// Redacted evidence, with the body excerpt centred on `highlight` when given.
    pub fn evidence(&self, redactor: &Redactor, highlight: Option<&str>) -> HttpExchangeEvidence {
        let text = self.response.text();
        let (excerpt, _) = excerpt_around(&text, highlight);
        let excerpt = redactor.redact(&excerpt).into_owned();
        // Locate the match after redaction, so the span points at what is shown.
        let span = highlight
            .filter(|h| !h.is_empty())
            .and_then(|h| excerpt.find(h).map(|i| (i, i + h.len())));
        HttpExchangeEvidence {
            request: RequestEvidence {
                method: self.request.method.to_string(),
                url: redactor.redact(self.request.url.as_str()).into_owned(),
                headers: redact_headers(redactor, &self.request.headers),
            },
            response: Some(ResponseEvidence {
                status: self.response.status,
                headers: redact_headers(redactor, &self.response.headers),
                body_excerpt: excerpt,
                highlight: span,
            }),
        }
    }

    /// A curl command that repeats the request. Credentials appear as `$TOKEN`.
    pub fn curl(&self, redactor: &Redactor) -> String {
        let mut cmd = format!("curl -i -X {}", self.request.method);
        for (k, v) in &self.request.headers {
            let v = redactor.redact(v);
            if v.contains("$TOKEN") {
                cmd.push_str(&format!(" -H \"{k}: {}\"", v.replace('"', "\\\"")));
            } else {
                cmd.push_str(&format!(" -H {}", shell_quote(&format!("{k}: {v}"))));
            }
        }
        let url = redactor.redact(self.request.url.as_str());
        if url.contains("$TOKEN") {
            cmd.push_str(&format!(" \"{}\"", url.replace('"', "%22")));
        } else {
            cmd.push_str(&format!(" {}", shell_quote(&url)));
        }
        cmd
    }
}

fn redact_headers(redactor: &Redactor, headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| (k.clone(), redactor.redact(v).into_owned()))
        .collect()
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A char-boundary-safe excerpt of at most `EXCERPT` bytes around the first match.
fn excerpt_around(text: &str, highlight: Option<&str>) -> (String, Option<(usize, usize)>) {
    let found = highlight
        .filter(|h| !h.is_empty())
        .and_then(|h| text.find(h).map(|i| (i, i + h.len())));
    let (start, end) = match found {
        Some((a, b)) => {
            let start = a.saturating_sub(EXCERPT / 3);
            (start, (start + EXCERPT).max(b).min(text.len()))
        }
        None => (0, EXCERPT.min(text.len())),
    };
    let start = floor_char(text, start);
    let end = floor_char(text, end);
    let excerpt = text[start..end].to_string();
    let span = found.map(|(a, b)| (a - start, b.min(end) - start));
    (excerpt, span)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::Secret;

    fn exchange(body: &str) -> Exchange {
        Exchange {
            seq: 0,
            check: None,
            request: RecordedRequest {
                method: HttpMethod::Get,
                url: Url::parse("http://127.0.0.1:1/x?q=it's").expect("url"),
                headers: vec![("authorization".into(), "Bearer $TOKEN".into())],
                identity: Some("alice".into()),
            },
            response: Response {
                status: 200,
                headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
                body: Bytes::from(body.to_string()),
                truncated: false,
                elapsed: Duration::from_millis(1),
            },
        }
    }

    #[test]
    fn curl_uses_token_placeholder_and_quotes() {
        let c = exchange("").curl(&Redactor::default());
        assert!(c.contains("-H \"authorization: Bearer $TOKEN\""));
        assert!(c.ends_with("'http://127.0.0.1:1/x?q=it%27s'"), "{c}");
    }

    #[test]
    fn evidence_redacts_reflected_secret_and_marks_match() {
        let secret = "canary-0123456789abcdef";
        let r = Redactor::new([&Secret::new(secret)]);
        let e = exchange(&format!("hello {secret} DOCKER_HOST=tcp://x"));
        let ev = e.evidence(&r, Some("DOCKER_HOST"));
        let resp = ev.response.expect("response");
        assert!(!resp.body_excerpt.contains(secret));
        let (a, b) = resp.highlight.expect("span");
        assert_eq!(&resp.body_excerpt[a..b], "DOCKER_HOST");
    }

    #[test]
    fn excerpt_is_char_boundary_safe() {
        let body = "é".repeat(2000);
        let (ex, _) = excerpt_around(&body, None);
        assert!(ex.len() <= EXCERPT);
        assert_eq!(
            exchange(&body).response.content_type().as_deref(),
            Some("text/html")
        );
    }
}
