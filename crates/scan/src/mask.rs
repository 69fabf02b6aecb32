//! Applying the one masker ([`tollgate_secrets::Masker`]) to findings.
//!
//! Evidence is masked once, when a check builds its finding (the builders in
//! `checks::kit::finding` and the leak checks call [`exchange`], [`known_values`],
//! [`leaked`], [`assignments`]); [`finding`] is the last pass over every finding before
//! it enters the report, a safety net with the same masker: credentials and
//! infrastructure values that the *target* leaked are masked (`ghp_…RM6r`), whichever
//! check quoted them. The user's own credentials are already `$TOKEN` (the redactor).
//! No other code in the scanner masks secrets.

use regex::Regex;
use std::sync::OnceLock;
use tollgate_core::{Finding, HttpExchangeEvidence};
use tollgate_secrets::{mask, Masker};

/// `text` with every recognised secret masked.
pub(crate) fn text(text: &str) -> String {
    Masker::builtin().text(text).into_owned()
}

/// One value the caller knows is secret, masked (`abcd…wxyz`).
pub(crate) fn value(value: &str) -> String {
    Masker::builtin().value(value)
}

/// A credential header value: its auth scheme kept, the credential masked
/// (`Bearer eyJ…x1Qw`).
pub(crate) fn credential(header_value: &str) -> String {
    let v = header_value.trim();
    match v.split_once(' ') {
        Some((s, rest)) if is_scheme(s) && !rest.trim().is_empty() => {
            format!("{s} {}", value(rest.trim()))
        }
        _ => value(v),
    }
}

/// An HTTP auth scheme name (`Bearer`, `Basic`, `AWS4-HMAC-SHA256`).
pub(crate) fn is_scheme(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn mask_pairs(pairs: &mut [(String, String)]) {
    for (_, v) in pairs {
        *v = text(v);
    }
}

/// `body` rewritten by `f`, the highlighted text re-located in the result (or dropped
/// when it no longer stands alone).
fn rewrite_body(resp: &mut tollgate_core::finding::ResponseEvidence, f: impl Fn(&str) -> String) {
    let marked = resp
        .highlight
        .and_then(|(a, b)| resp.body_excerpt.get(a..b))
        .map(str::to_string);
    resp.body_excerpt = f(&resp.body_excerpt);
    resp.highlight = marked
        .filter(|m| !m.is_empty())
        .map(|m| f(&m))
        .and_then(|m| resp.body_excerpt.find(&m).map(|i| (i, i + m.len())));
}

/// The exchange with every recognised secret masked in its request URL and headers and
/// its response headers and body excerpt.
pub(crate) fn exchange(mut ex: HttpExchangeEvidence) -> HttpExchangeEvidence {
    ex.request.url = text(&ex.request.url);
    mask_pairs(&mut ex.request.headers);
    if let Some(r) = ex.response.as_mut() {
        mask_pairs(&mut r.headers);
        rewrite_body(r, text);
    }
    ex
}

/// Masks leaked credentials everywhere a finding quotes the target (the final pass).
pub fn finding(mut f: Finding) -> Finding {
    f.title = text(&f.title);
    f.evidence.facts = f.evidence.facts.iter().map(|x| text(x)).collect();
    f.evidence.curl = f.evidence.curl.as_deref().map(text);
    f.evidence.snippet = f.evidence.snippet.as_deref().map(text);
    f.evidence.exchanges = std::mem::take(&mut f.evidence.exchanges)
        .into_iter()
        .map(exchange)
        .collect();
    f
}

/// The finding with every given value masked in its response excerpts (and the
/// highlight moved to what remains shown).
pub(crate) fn known_values(mut f: Finding, values: &[String]) -> Finding {
    for ex in &mut f.evidence.exchanges {
        let Some(resp) = ex.response.as_mut() else {
            continue;
        };
        let mut body = resp.body_excerpt.clone();
        for v in values.iter().filter(|v| v.len() >= 4) {
            body = body.replace(v.as_str(), &value(v));
        }
        let marked = resp
            .highlight
            .and_then(|(a, b)| resp.body_excerpt.get(a..b))
            .map(str::to_string);
        resp.highlight = marked
            .filter(|m| !values.iter().any(|v| m.contains(v.as_str())))
            .and_then(|m| body.find(&m).map(|i| (i, i + m.len())));
        resp.body_excerpt = body;
    }
    f
}

/// A secret value found in a response, with how the rule shows it and how the evidence
/// shows it after the scanner's redaction (`$TOKEN.<payload>.<sig>`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known<'a> {
    pub value: &'a str,
    /// Leading characters the rule keeps visible (its documented prefix).
    pub visible: Option<usize>,
    pub redacted: &'a str,
}

/// Masks every leaked value in the finding's evidence (body excerpts and response
/// headers), also where the excerpt cut a value in two, and re-points the highlight.
pub(crate) fn leaked(mut f: Finding, leaks: &[Known<'_>]) -> Finding {
    for ex in &mut f.evidence.exchanges {
        let Some(resp) = ex.response.as_mut() else {
            continue;
        };
        let marked = resp
            .highlight
            .and_then(|(a, b)| resp.body_excerpt.get(a..b))
            .map(str::to_string);
        let mut body = resp.body_excerpt.clone();
        for l in leaks {
            body = mask_one(&body, l);
        }
        body = cut_placeholder_tail(&body);
        resp.highlight = marked.and_then(|m| {
            let m = leaks.iter().fold(m, |acc, l| mask_one(&acc, l));
            body.find(&m).map(|i| (i, i + m.len()))
        });
        resp.body_excerpt = body;
        for (_, v) in &mut resp.headers {
            for l in leaks {
                *v = mask_one(v, l);
            }
        }
    }
    f
}

/// An excerpt cut in the middle of the scanner's own (redacted) token ends in
/// `$TOKEN.<part of the payload>`: the part goes too.
fn cut_placeholder_tail(text: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| Regex::new(r"\$TOKEN[.A-Za-z0-9_~+/=-]+\z").expect("constant regex"));
    re.replace(text, "$$TOKEN…").into_owned()
}

/// Replaces the value (and its HTML-escaped and JSON-escaped forms) by its mask, and a
/// fragment of it at either edge of an excerpt by `…`.
fn mask_one(text: &str, l: &Known<'_>) -> String {
    let masked = mask(l.value, l.visible);
    let mut out = text.replace(l.value, &masked);
    for form in [
        html_escape(l.value),
        l.value.replace('/', "\\/"),
        l.redacted.to_string(),
    ] {
        if form != l.value && form.len() > tollgate_core::redact::PLACEHOLDER.len() {
            out = out.replace(&form, &masked);
        }
    }
    let out = mask_edges(&out, l.value);
    mask_edges(&out, l.redacted)
}

/// An excerpt that starts with the end of the value or ends with its start.
fn mask_edges(text: &str, value: &str) -> String {
    const MIN: usize = 6;
    let mut out = text.to_string();
    for n in (MIN..value.len()).rev() {
        if let Some(suffix) = value.get(value.len() - n..) {
            if out.starts_with(suffix) {
                out = format!("…{}", &out[suffix.len()..]);
                break;
            }
        }
    }
    for n in (MIN..value.len()).rev() {
        if let Some(prefix) = value.get(..n) {
            if out.ends_with(prefix) {
                let keep = out.len() - prefix.len();
                out = format!("{}…", &out[..keep]);
                break;
            }
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// Masks the value of every `NAME=value` / `name: value` line (an exposed `.env`,
/// settings file or compose file), so the evidence shows names, not secrets.
pub(crate) fn assignments_in(text: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r#"(?m)^(\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*[=:]\s*["']?)([^\r\n"']{3,})"#,
        )
        .expect("constant regex")
    });
    re.replace_all(text, |c: &regex::Captures<'_>| {
        let v = c.get(2).map_or("", |m| m.as_str());
        format!("{}{}", &c[1], value(v))
    })
    .into_owned()
}

/// Applies [`assignments_in`] to every body excerpt of the finding.
pub(crate) fn assignments(mut f: Finding) -> Finding {
    for ex in &mut f.evidence.exchanges {
        if let Some(resp) = ex.response.as_mut() {
            resp.body_excerpt = assignments_in(&resp.body_excerpt);
            resp.highlight = None;
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::finding::{RequestEvidence, ResponseEvidence};
    use tollgate_core::{CheckId, Location};

    #[test]
    fn masks_leaked_tokens_and_keeps_the_highlight() {
        let pat = "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";
        let id = CheckId::new_static("LEAK-006");
        let mut f = Finding {
            check_id: id.clone(),
            category: tollgate_core::Category::DataExposure,
            severity: tollgate_core::Severity::High,
            confidence: tollgate_core::Confidence::Firm,
            title: format!("token {pat} in response"),
            location: Location::http("GET", "http://127.0.0.1/x"),
            evidence: Default::default(),
            fingerprint: tollgate_core::Fingerprint::compute(
                &id,
                &Location::http("GET", "http://127.0.0.1/x"),
                "",
            ),
        };
        let body = format!("{{\"DEPLOY\": \"{pat}\", \"ok\": 1}}");
        let start = body.find("DEPLOY").unwrap_or(0);
        f.evidence.exchanges.push(HttpExchangeEvidence {
            request: RequestEvidence {
                method: "GET".into(),
                url: "http://127.0.0.1/x".into(),
                headers: vec![],
            },
            response: Some(ResponseEvidence {
                status: 200,
                headers: vec![],
                body_excerpt: body,
                highlight: Some((start, start + 6)),
            }),
        });
        let f = finding(f);
        assert!(!f.title.contains(pat));
        let r = f.evidence.exchanges[0].response.as_ref().expect("response");
        assert!(!r.body_excerpt.contains(pat));
        let (a, b) = r.highlight.expect("highlight kept");
        assert_eq!(&r.body_excerpt[a..b], "DEPLOY");
    }

    const PAT: &str = "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";

    fn known(v: &str) -> Known<'_> {
        Known {
            value: v,
            visible: Some(4),
            redacted: v,
        }
    }

    #[test]
    fn masks_values_and_cut_fragments() {
        let l = known(PAT);
        assert_eq!(mask_one(&format!("x {PAT} y"), &l), "x ghp_…RM6r y");
        assert_eq!(mask_one("0000000110RM6r and more", &l), "… and more");
        assert_eq!(mask_one("text then ghp_TollgateTes", &l), "text then …");
    }

    #[test]
    fn a_cut_placeholder_loses_its_tail() {
        assert_eq!(
            cut_placeholder_tail("x Bearer $TOKEN.eyJpc3MiOi"),
            "x Bearer $TOKEN…"
        );
        assert_eq!(cut_placeholder_tail("Bearer $TOKEN\n"), "Bearer $TOKEN\n");
    }

    #[test]
    fn masks_assignment_values() {
        let m = assignments_in(
            "DJANGO_DEBUG=False\nJWT_SECRET=secret\nexport A_B = 'longer-value-here'\n# comment\n",
        );
        assert!(
            m.contains("JWT_SECRET=s…") || m.contains("JWT_SECRET=…"),
            "{m}"
        );
        assert!(
            !m.contains("secret\n") && !m.contains("longer-value-here"),
            "{m}"
        );
        assert!(m.contains("# comment"));
    }

    #[test]
    fn credential_headers_keep_their_scheme_only() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1In0.c2lnbmF0dXJlLXZhbHVl";
        let m = credential(&format!("Bearer {jwt}"));
        assert!(
            m.starts_with("Bearer eyJh…") && !m.contains("c2lnbmF0"),
            "{m}"
        );
        assert_eq!(credential("short"), "s…");
    }

    #[test]
    fn credentials_in_an_exchange_are_masked_and_the_highlight_kept() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1In0.c2lnbmF0dXJlLXZhbHVl";
        let body =
            format!(r#"{{"error":"ApiVersion","headers":{{"Authorization":"Bearer {jwt}"}}}}"#);
        let start = body.find("ApiVersion").unwrap_or(0);
        let ev = exchange(HttpExchangeEvidence {
            request: RequestEvidence {
                method: "GET".into(),
                url: "http://127.0.0.1:9/f?url=x".into(),
                headers: vec![],
            },
            response: Some(ResponseEvidence {
                status: 502,
                headers: vec![],
                body_excerpt: body,
                highlight: Some((start, start + 10)),
            }),
        });
        let resp = ev.response.expect("response");
        assert!(!resp.body_excerpt.contains(jwt), "{}", resp.body_excerpt);
        assert!(
            !resp.body_excerpt.contains("c2lnbmF0"),
            "{}",
            resp.body_excerpt
        );
        let (a, b) = resp.highlight.expect("highlight kept");
        assert_eq!(&resp.body_excerpt[a..b], "ApiVersion");
    }
}
