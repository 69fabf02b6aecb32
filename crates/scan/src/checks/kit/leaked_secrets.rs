//! Helpers shared by the LEAK checks: finding secrets in a body with `tollgate-secrets`,
//! describing them masked, and masking them in a finding's evidence.

use crate::engine::Exchange;
use regex::Regex;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};
use tollgate_core::{Finding, Redactor, Severity};
use tollgate_secrets::{Kind, Level, Scanner};

/// Distinct leaked values reported per finding at most (the count is always given).
pub const MAX_LISTED: usize = 8;

/// One value a response leaked. The raw value stays private to this module: it is
/// used only to mask the evidence excerpt.
#[derive(Debug, Clone)]
pub struct Leaked {
    pub rule_id: String,
    pub name: String,
    pub kind: Kind,
    pub level: Level,
    /// The value in its context with only the value masked (a database URL).
    pub shown: String,
    /// The JSON key, variable or column name right before the value, if any.
    pub field: Option<String>,
    /// A structural check proved the format (checksum, JWT decoded, Luhn).
    pub verified: bool,
    /// `alg`, `sub`, user, role and expiry for JWTs.
    pub jwt: Option<tollgate_secrets::JwtInfo>,
    value: String,
    /// The value as evidence shows it after the scanner's redaction (a JWT sharing
    /// its header with the scanner's token appears as `$TOKEN.<payload>.<sig>`).
    redacted: String,
    visible: Option<usize>,
}

impl Leaked {
    /// One line for a finding's facts: `GitHub token \`ghp_…RM6r\` (checksum valid) in \`DEPLOY_GITHUB_PAT\``.
    pub fn describe(&self) -> String {
        let mut s = format!("{} `{}`", self.name, self.shown);
        if let Some(j) = &self.jwt {
            s.push_str(&format!(" ({})", jwt_summary(j)));
        } else if self.verified && self.rule_id.starts_with("github.") {
            s.push_str(" (checksum valid)");
        }
        if let Some(f) = &self.field {
            s.push_str(&format!(" in `{f}`"));
        }
        s
    }

    pub fn is_credential(&self) -> bool {
        self.kind == Kind::Credential
    }

    /// The raw value, for comparisons inside the checks only. Never put it in output.
    pub fn raw(&self) -> &str {
        &self.value
    }
}

/// The leaked values as the masker takes them.
pub fn known(leaks: &[Leaked]) -> Vec<crate::mask::Known<'_>> {
    leaks
        .iter()
        .map(|l| crate::mask::Known {
            value: &l.value,
            visible: l.visible,
            redacted: &l.redacted,
        })
        .collect()
}

fn jwt_summary(j: &tollgate_secrets::JwtInfo) -> String {
    let mut parts = vec![j.alg.clone()];
    for (k, v) in [("sub", &j.sub), ("user", &j.user), ("role", &j.role)] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", v.chars().take(40).collect::<String>()));
        }
    }
    if let Some(exp) = j.exp {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        parts.push(if exp > now {
            "not expired".into()
        } else {
            "expired".into()
        });
    }
    parts.join(", ")
}

/// Secret, PII and infrastructure values in `text`, distinct by value, in order.
///
/// The scanner's own credentials are not leaks (they are reported as `$TOKEN` where a
/// check mentions them, see [`own_credentials`]), and values in `echoed` (what the
/// request itself carried: a forged token, a query string) are not the target's leak.
pub fn find_leaks(text: &str, redactor: &Redactor, echoed: &[&str]) -> Vec<Leaked> {
    classify(text, redactor, echoed).0
}

/// How many distinct values in `text` are exactly one of the scanner's own credentials.
pub fn own_credentials(text: &str, redactor: &Redactor) -> usize {
    classify(text, redactor, &[]).1
}

/// Whether the text holds one of the scanner's own credentials whole. (A JWT that
/// merely shares its header with the scanner's token redacts to `$TOKEN.<rest>` and
/// does not count.)
pub fn shows_own_credential(text: &str, redactor: &Redactor) -> bool {
    let placeholder = tollgate_core::redact::PLACEHOLDER;
    let redacted = redactor.redact(text);
    redacted
        .match_indices(placeholder)
        .any(|(i, _)| !redacted[i + placeholder.len()..].starts_with('.'))
}

fn classify(text: &str, redactor: &Redactor, echoed: &[&str]) -> (Vec<Leaked>, usize) {
    let mut out: Vec<Leaked> = Vec::new();
    let mut own: Vec<&str> = Vec::new();
    for m in Scanner::builtin().scan(text) {
        if redactor.redact(m.value) == tollgate_core::redact::PLACEHOLDER {
            if !own.contains(&m.value) {
                own.push(m.value);
            }
            continue;
        }
        if echoed.iter().any(|e| e.contains(m.value)) || out.iter().any(|l| l.value == m.value) {
            continue;
        }
        out.push(Leaked {
            rule_id: m.rule.id.clone(),
            name: m.rule.name.clone(),
            kind: m.rule.kind,
            level: m.rule.severity,
            shown: redactor.redact(&m.masked_context(text)).into_owned(),
            field: field_before(text, m.context_span.start.min(m.span.start)),
            verified: m.verified,
            jwt: m.jwt.clone(),
            value: m.value.to_string(),
            redacted: redactor.redact(m.value).into_owned(),
            visible: m.rule.visible,
        });
    }
    (out, own.len())
}

/// The name right before a value: `"api_key": "`, `DOCKER_HOST=`, `<td>DOCKER_HOST</td><td class="code"><pre>'`.
fn field_before(text: &str, at: usize) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r#"([A-Za-z_][A-Za-z0-9_.-]{0,63})["']?\s*(?:[:=]|</td>\s*<td[^>]{0,40}>(?:<pre>)?)\s*(?:["']|&#x27;|&quot;)?\s*$"#,
        )
        .expect("constant regex")
    });
    let mut start = at.saturating_sub(120);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let window = text.get(start..at)?;
    re.captures(window)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// The finding severity for a leaked value's level.
pub fn severity_of(level: Level) -> Severity {
    match level {
        Level::Info => Severity::Info,
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
        Level::Critical => Severity::Critical,
    }
}

/// The worst severity among the leaks, if any. A credential of level High or above
/// is a working secret in the open: critical.
pub fn worst(leaks: &[Leaked]) -> Option<Severity> {
    leaks
        .iter()
        .map(|l| {
            if l.is_credential() && l.level >= Level::High {
                Severity::Critical
            } else {
                severity_of(l.level)
            }
        })
        .max()
}

/// Adds one fact per leaked value (at most [`MAX_LISTED`], then a count).
pub fn with_leak_facts(mut f: Finding, leaks: &[Leaked]) -> Finding {
    for l in leaks.iter().take(MAX_LISTED) {
        f = f.with_fact(l.describe());
    }
    if leaks.len() > MAX_LISTED {
        f = f.with_fact(format!(
            "… and {} more values of these kinds",
            leaks.len() - MAX_LISTED
        ));
    }
    f
}

/// Cuts every body excerpt of the finding to whole lines (a log line cut in two can
/// show part of a credential no pattern recognises any more).
pub fn whole_lines(mut f: Finding) -> Finding {
    for ex in &mut f.evidence.exchanges {
        let Some(resp) = ex.response.as_mut() else {
            continue;
        };
        let text = &resp.body_excerpt;
        let (Some(first), Some(last)) = (text.find('\n'), text.rfind('\n')) else {
            continue;
        };
        if first == last {
            continue;
        }
        let start = if resp.highlight.is_some_and(|(a, _)| a < first) {
            0
        } else {
            first + 1
        };
        let end = if text.ends_with('\n') {
            text.len()
        } else {
            last + 1
        };
        let kept = text[start..end].to_string();
        resp.highlight = resp
            .highlight
            .filter(|&(a, b)| a >= start && b <= end)
            .map(|(a, b)| (a - start, b - start));
        resp.body_excerpt = kept;
    }
    f
}

/// What the request itself carried (URL and header values), so a value the target
/// merely echoes is not reported as the target's leak.
pub fn echoed_by_request(ex: &Exchange) -> Vec<&str> {
    let mut out = vec![ex.request.url.as_str()];
    out.extend(ex.request.headers.iter().map(|(_, v)| v.as_str()));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::CheckCtx;
    use crate::engine::{Engine, Response};
    use crate::recon::Soft404;
    use crate::testkit::{serve, Fixture, RawRequest, RawResponse};
    use tollgate_core::{CheckMeta, Secret};

    /// A context on a test server, with the soft-404 baseline learnt as the scanner's
    /// seeding learns it (a GET of a random path).
    pub(crate) async fn ctx_with_baseline(
        meta: &'static CheckMeta,
        handler: impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static,
    ) -> (Engine, CheckCtx) {
        let addr = serve(handler).await;
        let path = Soft404::random_path();
        let resp = reqwest::get(format!("http://{addr}{path}"))
            .await
            .expect("baseline");
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp.bytes().await.expect("body");
        let mut fixture = Fixture::new(&format!("http://{addr}/"));
        let baseline = Response {
            status,
            headers,
            body,
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        };
        fixture.soft404.learn(&path, &baseline);
        fixture.ctx(meta)
    }

    const PAT: &str = "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";

    #[test]
    fn finds_and_describes_masked() {
        let text = format!("DEPLOY_GITHUB_PAT={PAT}\nDOCKER_HOST=tcp://127.0.0.1:2375\n");
        let leaks = find_leaks(&text, &Redactor::default(), &[]);
        assert_eq!(leaks.len(), 2, "{leaks:?}");
        let d = leaks[0].describe();
        assert_eq!(
            d,
            "GitHub token `ghp_…RM6r` (checksum valid) in `DEPLOY_GITHUB_PAT`"
        );
        assert!(leaks[1].describe().contains("DOCKER_HOST"));
        assert!(!leaks[1].describe().contains("127.0.0.1:2375"));
        assert_eq!(worst(&leaks), Some(Severity::Critical));
    }

    #[test]
    fn own_credential_and_echoed_values_are_not_leaks() {
        let mine = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3IiwiZXhwIjo0MTAyNDQ0ODAwfQ.bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok";
        let r = Redactor::new([&Secret::new(mine)]);
        assert!(find_leaks(&format!("{{\"token\":\"{mine}\"}}"), &r, &[]).is_empty());
        let text = format!("echo: {PAT}");
        let url = format!("http://h/?x={PAT}");
        assert!(find_leaks(&text, &Redactor::default(), &[url.as_str()]).is_empty());
    }

    #[test]
    fn jwts_sharing_the_scanners_header_are_still_leaks() {
        let mine = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3IiwiZXhwIjo0MTAyNDQ0ODAwfQ.bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok";
        let other = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInVzZXJuYW1lIjoiZXhhbXBsZS11c2VyIiwicm9sZSI6InVzZXIiLCJleHAiOjE3MDAwMDAwMDB9.G2SfQcL5SnUtN7U5o-O7COCLhn94ni-yL1dw4DJWS7E";
        let r = Redactor::new([&Secret::new(mine)]);
        let text = format!("[{{\"t\":\"{other}\"}},{{\"t\":\"{mine}\"}}]");
        let leaks = find_leaks(&text, &r, &[]);
        assert_eq!(leaks.len(), 1, "only the other user's token");
        assert_eq!(own_credentials(&text, &r), 1);
        assert!(shows_own_credential(&text, &r));
        assert!(
            !shows_own_credential(other, &r),
            "a shared header is not the token"
        );
        // Evidence is redacted before masking: the other token's payload must go too.
        let excerpt = r.redact(&text).into_owned();
        let f = tollgate_core::Finding::new(
            &crate::checks::kit::TEST_META,
            tollgate_core::Location::http("GET", "http://h/"),
            "t",
        )
        .with_exchange(tollgate_core::HttpExchangeEvidence {
            request: tollgate_core::finding::RequestEvidence {
                method: "GET".into(),
                url: "http://h/".into(),
                headers: vec![],
            },
            response: Some(tollgate_core::finding::ResponseEvidence {
                status: 200,
                headers: vec![],
                body_excerpt: excerpt,
                highlight: None,
            }),
        });
        let f = crate::mask::leaked(f, &known(&leaks));
        let masked = &f.evidence.exchanges[0]
            .response
            .as_ref()
            .expect("response")
            .body_excerpt;
        assert!(!masked.contains("G2SfQcL5SnUtN7U5o"), "{masked}");
        assert!(!masked.contains("eyJzdWIiOiI0Mi"), "{masked}");
    }

    #[test]
    fn html_table_field_names() {
        let text = format!(
            "<td>DEPLOY_GITHUB_PAT</td>\n <td class=\"code\"><pre>&#x27;{PAT}&#x27;</pre></td>"
        );
        let leaks = find_leaks(&text, &Redactor::default(), &[]);
        assert_eq!(leaks[0].field.as_deref(), Some("DEPLOY_GITHUB_PAT"));
    }
}
