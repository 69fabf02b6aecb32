//! SSRF-005: a URL-holding field of a JSON or form request body makes the API fetch a
//! caller-chosen URL, proven with the callback listener (the fetched content coming
//! back as-is, base64-encoded or inside a `data:` URL, or a callback arriving).
//!
//! The fields come from the kit (`body_urls`); this file holds the check and how the
//! fetched content is recognised in the answer, encoded or not.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::checks::kit::body_urls::{
    body_candidates, header_candidates, is_registration_path, slot_name, BodyCandidate,
};
use crate::checks::kit::common::send_quiet;
use crate::checks::kit::ssrf_probe::callback_hit_finding;
use crate::engine::Exchange;
use crate::oast::{Hit, InternalTarget, Probe, Service, Signature};
use async_trait::async_trait;
use base64::Engine as _;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    Redactor, SafetyClass, Severity,
};
use tollgate_spec::Operation;

pub struct BodyFieldSsrf;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SSRF-005"),
    name: "SSRF through a URL field of a request body or a URL header",
    category: Category::Ssrf,
    severity: Severity::High,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Intrusive,
    methods: &[
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
    ],
    budget: 60,
    docs: CheckDocs {
        what: "Reads the OpenAPI document's POST, PUT and PATCH operations (JSON and form bodies) for fields that hold URLs: `format: uri`/`url`, names such as `url`, `uri`, `link`, `callback`, `image`, `avatar`, `feed`, `import` or ending in `url`/`uri`, or an example value that is an http(s) URL. It sends the documented example body with one such field set to a callback URL on tollgate's own listener, which answers with a random marker. The field is reported when the API's answer carries the marker, as-is or decoded (base64, base64url, or a percent-encoded or base64 `data:` URL), or when the listener receives the callback. When a fetch is proven it also tries the cloud-metadata addresses in the same field and reports a metadata signature that the answer to a harmless value lacks. It does the same with request headers that hold URLs: header parameters the document declares with `format: uri` or a URL-ish name (`X-Callback-Url`, `X-Webhook`, `Image-Uri`; never `Host`, `Origin`, `Referer`, `X-Forwarded-*`, `X-Original-URL` or `X-Rewrite-URL`, which name hosts or paths rather than URLs the server fetches), and `X-Callback-Url` and `X-Webhook-Url` on operations whose path has a fetch-like word (preview, fetch, import, proxy, …), each in the operation's documented request (at most 4 headers). A header is reported only when the listener is called or the fetched content comes back (as-is or decoded), never from a status code. Webhook and subscription registrations are left to SSRF-006. Intrusive: the probes are writes (and header probes follow the documented method), so it runs only with `--allow intrusive`.",
        why: "APIs fetch URLs from bodies far more often than from query strings: link previews, avatar and image imports, feed and document imports. The server makes the request from inside its own network, so the caller reaches metadata services and internal admin endpoints; returning the content base64-encoded (a preview, a thumbnail as a data URL) hands the response straight back.",
        evidence: "POST /api/previews `{\"url\": \"http://127.0.0.1:41231/9f3c…e1\"}` → 200 `{\"preview\": \"data:application/json;base64,eyJ0b2xsZ2F0ZSI6…\"}`; the base64 decodes to the listener's answer with its marker `tollgate-oast-5b0e…`.",
        remediation: "Do not fetch URLs supplied in request bodies. Where the feature needs it, allow-list destination hosts (and say so in the schema with a `pattern`), resolve the name and refuse loopback, private, link-local and IPv6-mapped addresses at fetch time and after every redirect, send no credentials, and fetch from a segment with no route to internal services.",
        remediation_django: Some("Validate the field in the serializer against `settings.FETCH_ALLOWED_HOSTS`, resolve it with `socket.getaddrinfo` and refuse `ipaddress` private/loopback/link-local results, disable redirects (`allow_redirects=False`), and send fetches through an egress proxy such as smokescreen."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/918.html",
        ],
    },
};

/// Body fields probed per check.
const MAX_FIELDS: usize = 6;
/// Request headers probed per check.
const MAX_HEADERS: usize = 4;
/// Metadata forms tried once a fetch is proven.
const MAX_METADATA_FORMS: usize = 6;
/// Base64 runs decoded per answer.
const MAX_RUNS: usize = 64;
/// The shortest run worth decoding.
const MIN_RUN: usize = 16;
/// A harmless value: the answer every metadata signature is compared against.
const CONTROL_VALUE: &str = "http://tollgate-control.invalid/";

/// How `marker` appears in `text`: as-is, or inside a base64 run or a percent-encoded
/// `data:` URL. `None` when it does not.
pub fn find_marker(text: &str, marker: &str) -> Option<&'static str> {
    if text.contains(marker) {
        return Some("as-is");
    }
    decoded_views(text)
        .into_iter()
        .find(|(_, t)| t.contains(marker))
        .map(|(how, _)| how)
}

/// The answer's encoded parts, decoded: base64 and base64url runs (a `data:` URL's
/// payload among them) and percent-encoded `data:` URLs.
pub fn decoded_views(text: &str) -> Vec<(&'static str, String)> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut out = Vec::new();
    let runs = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '=')))
        .map(|r| r.trim_end_matches('='))
        .filter(|r| r.len() >= MIN_RUN)
        .take(MAX_RUNS);
    for run in runs {
        let decoded = STANDARD_NO_PAD
            .decode(run)
            .or_else(|_| URL_SAFE_NO_PAD.decode(run));
        if let Ok(bytes) = decoded {
            out.push((
                "base64-encoded",
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    for (i, _) in text.match_indices("data:").take(MAX_RUNS) {
        let rest = &text[i..];
        let end = rest.find(['"', '\'', '<', ' ', '\n']).unwrap_or(rest.len());
        let url = &rest[..end];
        if let Some((_, payload)) = url.split_once(',') {
            out.push(("percent-encoded in a data: URL", percent_decode(payload)));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The service's signature in the answer, plain or decoded.
fn recognise(service: Service, text: &str) -> Option<(Signature, &'static str)> {
    if let Some(s) = service.recognise(text) {
        return Some((s, "as-is"));
    }
    decoded_views(text)
        .into_iter()
        .find_map(|(how, t)| service.recognise(&t).map(|s| (s, how)))
}

#[async_trait]
impl Check for BodyFieldSsrf {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        if api_support::spec(ctx).is_none() {
            return Err(CheckError::Skipped("no OpenAPI document".into()));
        }
        let callbacks = ctx.reach().callbacks().ok();
        let mut findings = Vec::new();
        let not_registration = |o: &Operation| !is_registration_path(&o.path);
        let mut cands = body_candidates(ctx, not_registration, MAX_FIELDS);
        cands.extend(header_candidates(ctx, not_registration, MAX_HEADERS));
        for cand in cands {
            if ctx.requests_made() + 2 > META.budget {
                break;
            }
            let mut fetched = callbacks.is_none();
            if let Some(cb) = callbacks {
                let Ok(mut probe) = cb.probe(cand.key(ctx.redactor())) else {
                    continue;
                };
                cb.subscribe(&probe, &META, judge);
                let Some(ex) = send_quiet(ctx, cand.request(probe.callback.as_str())).await else {
                    continue;
                };
                cb.attach(&probe, Arc::clone(&ex));
                probe.exchange = Some(Arc::clone(&ex));
                if let Some(how) = find_marker(&ex.response.text(), &probe.marker) {
                    findings.push(reflected_finding(ctx, &cand, &probe, &ex, how));
                    fetched = true;
                } else {
                    fetched = !cb.hits(&probe).is_empty();
                }
            }
            if fetched {
                if let Some(f) = metadata(ctx, &cand).await {
                    findings.push(f);
                }
            }
        }
        if let Some(cb) = callbacks {
            findings.extend(cb.collect(Some(&META.id), ctx.redactor()));
        }
        Ok(findings)
    }
}

/// The candidate's field in finding keys: as before for body fields, `header X` for
/// headers.
fn key_field(cand: &BodyCandidate) -> String {
    if cand.header {
        format!("header {}", cand.field)
    } else {
        cand.field.clone()
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn base_finding(
    cand: &BodyCandidate,
    ex: &Exchange,
    title: String,
    highlight: Option<&str>,
    redactor: &Redactor,
) -> Finding {
    let url = redactor.redact(cand.url.as_str()).into_owned();
    Finding::new(
        &META,
        Location::http_param(cand.method.as_str(), url, &cand.field),
        title,
    )
    .with_exchange(crate::mask::exchange(ex.evidence(redactor, highlight)))
    .with_curl(ex.curl(redactor))
    .with_fact(format!(
        "{} of {} {}: {}",
        cand.slot_name(),
        cand.method.as_str(),
        cand.path,
        cand.why
    ))
    .with_fact(format!("probes sent {}", cand.who()))
}

fn reflected_finding(
    ctx: &CheckCtx,
    cand: &BodyCandidate,
    probe: &Probe,
    ex: &Exchange,
    how: &str,
) -> Finding {
    let title = format!(
        "{} makes the API fetch a caller-chosen URL and return its content",
        capitalised(&cand.slot_name())
    );
    let highlight = (how == "as-is").then_some(probe.marker.as_str());
    base_finding(cand, ex, title, highlight, ctx.redactor())
        .with_key(&format!("{} {} {}", cand.method.as_str(), cand.path, key_field(cand)))
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "the answer carries ({how}) the random marker `{}` that only tollgate's callback listener serves (callback {})",
            probe.marker, probe.callback
        ))
}

/// Metadata forms in the field, compared with a harmless control value.
async fn metadata(ctx: &CheckCtx, cand: &BodyCandidate) -> Option<Finding> {
    let targets: Vec<InternalTarget> = ctx
        .reach()
        .internal_targets()
        .iter()
        .filter(|t| t.service == Service::CloudMetadata)
        .take(MAX_METADATA_FORMS)
        .cloned()
        .collect();
    if targets.is_empty() || ctx.requests_made() + 1 + targets.len() as u32 > META.budget {
        return None;
    }
    let control = send_quiet(ctx, cand.request(CONTROL_VALUE)).await?;
    if recognise(Service::CloudMetadata, &control.response.text()).is_some() {
        return None; // always there: nothing can be proven
    }
    for t in targets {
        let Some(ex) = send_quiet(ctx, cand.request(&t.value)).await else {
            continue;
        };
        if let Some((sig, how)) = recognise(Service::CloudMetadata, &ex.response.text()) {
            let title = format!(
                "SSRF through {} reaches the cloud instance metadata service",
                cand.slot_name()
            );
            let highlight = (how == "as-is").then_some(sig.matched.as_str());
            let severity = if sig.full_access {
                Severity::Critical
            } else {
                Severity::High
            };
            return Some(
                base_finding(cand, &ex, title, highlight, ctx.redactor())
                    .with_key(&format!(
                        "{} {} {} metadata",
                        cand.method.as_str(),
                        cand.path,
                        key_field(cand)
                    ))
                    .with_severity(severity)
                    .with_confidence(Confidence::Confirmed)
                    .with_fact(format!("value sent: {} ({})", t.value, t.label))
                    .with_fact(format!(
                        "{} in the answer ({how}); absent from the answer to a harmless value",
                        sig.description
                    )),
            );
        }
    }
    None
}

/// A blind finding: the listener was called, the answer did not carry the content.
fn judge(probe: &Probe, hits: &[Hit], redactor: &Redactor) -> Option<Finding> {
    let first = hits.first()?;
    let ex = probe.exchange.as_deref()?;
    if find_marker(&ex.response.text(), &probe.marker).is_some() {
        return None; // reported with the content
    }
    let parameter = &probe.key.parameter;
    let (field, key) = match parameter.split_once(':')? {
        ("body", f) => (f, f.to_string()),
        ("header", h) => (h, parameter.clone()),
        _ => return None,
    };
    let title = format!(
        "{} makes the API request a caller-chosen URL (blind SSRF)",
        capitalised(&slot_name(parameter))
    );
    let fact = format!("callback URL {}", probe.callback);
    Some(
        callback_hit_finding(&META, probe, first, field, title, fact, redactor)?
            .with_key(&format!("{} {key} blind", ex.request.url.path())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::oast::fake_target;
    use crate::testkit::{serve, Fixture, RawResponse};
    use serde_json::Value;
    use tollgate_core::Secret;
    use url::Url;

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "paths":{
        "/api/previews":{"post":{"security":[{"b":[]}],"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"url":{"type":"string"},"title":{"type":"string"}}},
          "example":{"url":"https://img.example/a.png","title":"t"}}}}}},
        "/api/webhooks":{"post":{"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"url":{"type":"string","format":"uri"}}}}}}}}
      }}"##;

    /// A server that fetches the body's `url` (loopback only) and answers with what it
    /// got, base64-encoded in a data URL; `fetch: false` answers without fetching.
    async fn previewer(fetch: bool) -> std::net::SocketAddr {
        serve(move |req| {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let url = body["url"].as_str().unwrap_or("").to_string();
            if !fetch || !url.starts_with("http://127.0.0.1:") {
                return RawResponse::new(400, r#"{"error":"url refused"}"#);
            }
            let got = fake_target_fetch(&url);
            let b64 = base64::engine::general_purpose::STANDARD.encode(got);
            RawResponse::new(
                200,
                format!(r#"{{"preview":"data:application/json;base64,{b64}"}}"#),
            )
        })
        .await
    }

    /// A blocking loopback GET (the test server's handler is synchronous): the
    /// runtime worker's other tasks move to another thread meanwhile, and every step
    /// gives up after two seconds.
    fn fake_target_fetch(url: &str) -> String {
        tokio::task::block_in_place(|| blocking_get(url))
    }

    fn blocking_get(url: &str) -> String {
        use std::io::{Read, Write};
        const LIMIT: std::time::Duration = std::time::Duration::from_secs(2);
        let u = Url::parse(url).expect("url");
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], u.port().unwrap_or(80)));
        let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, LIMIT) else {
            return String::new();
        };
        let _ = s.set_read_timeout(Some(LIMIT));
        let _ = s.set_write_timeout(Some(LIMIT));
        let _ = write!(s, "GET {} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", u.path());
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }

    async fn run(addr: std::net::SocketAddr) -> (Vec<Finding>, u32) {
        let fx = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("t0ken-alice-0123456789"),
            ))
            .intrusive();
        let (_e, ctx) = fake_target::ctx_from(fx, vec![], &META).await;
        let f = BodyFieldSsrf.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fires_when_the_fetched_content_comes_back_base64_encoded() {
        let (f, sent) = run(previewer(true).await).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "Body field `url` makes the API fetch a caller-chosen URL and return its content"
        );
        assert!(f[0]
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("(base64-encoded)")));
        assert_eq!(sent, 1, "one probe; webhook registrations are SSRF-006's");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn silent_when_the_api_refuses_the_url() {
        let (f, sent) = run(previewer(false).await).await;
        assert!(f.is_empty(), "{f:#?}");
        assert_eq!(sent, 1);
    }

    #[test]
    fn decodes_base64_and_percent_encoded_data_urls() {
        let m = "tollgate-oast-abc123";
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{{\"x\":\"{m}\"}}"));
        assert_eq!(
            find_marker(&format!("{{\"p\":\"{b64}\"}}"), m),
            Some("base64-encoded")
        );
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("??>>{m}"));
        assert_eq!(find_marker(&url_safe, m), Some("base64-encoded"));
        let pct = "data:text/plain,%7B%22x%22%3A%22%74ollgate-oast-abc123%22%7D";
        assert_eq!(find_marker(pct, m), Some("percent-encoded in a data: URL"));
        assert_eq!(
            find_marker("nothing here aGVsbG8gd29ybGQgaGVsbG8=", m),
            None
        );
    }

    const HEADER_SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "paths":{
        "/api/reports":{"get":{"parameters":[
          {"name":"X-Report-Source","in":"header","schema":{"type":"string","format":"uri"}},
          {"name":"X-Forwarded-Host","in":"header","schema":{"type":"string"}}]}},
        "/api/link-preview":{"get":{}}
      }}"##;

    /// Fetches (loopback only) the URL in `X-Report-Source` and answers without it,
    /// and the one in `X-Callback-Url` and answers with it base64-encoded; with
    /// `fetch: false` it ignores both. Logs every header name it was sent.
    async fn header_fetcher(
        fetch: bool,
        seen: Arc<std::sync::Mutex<Vec<String>>>,
    ) -> std::net::SocketAddr {
        serve(move |req| {
            seen.lock()
                .expect("seen")
                .extend(req.headers.iter().map(|(k, _)| k.clone()));
            let loopback = |h: &str| {
                req.header(h)
                    .filter(|u| fetch && u.starts_with("http://127.0.0.1:"))
            };
            if let Some(u) = loopback("x-report-source") {
                fake_target_fetch(u);
                return RawResponse::new(200, r#"{"report":"queued"}"#);
            }
            if let Some(u) = loopback("x-callback-url") {
                let b64 = base64::engine::general_purpose::STANDARD.encode(fake_target_fetch(u));
                return RawResponse::new(200, format!(r#"{{"preview":"{b64}"}}"#));
            }
            RawResponse::new(200, r#"{"report":"none"}"#)
        })
        .await
    }

    async fn run_headers(fetch: bool) -> (Vec<Finding>, Vec<String>) {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let addr = header_fetcher(fetch, Arc::clone(&seen)).await;
        let fx = Fixture::new(&format!("http://{addr}/"))
            .spec(HEADER_SPEC)
            .intrusive();
        let (_e, ctx) = fake_target::ctx_from(fx, vec![], &META).await;
        let f = BodyFieldSsrf.run(&ctx).await.expect("run");
        assert!(ctx.requests_made() <= META.budget);
        let seen = seen.lock().expect("seen").clone();
        (f, seen)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fires_on_url_headers_the_server_fetches() {
        let (f, seen) = run_headers(true).await;
        let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
        assert!(
            titles.contains(
                &"Header `X-Report-Source` makes the API request a caller-chosen URL (blind SSRF)"
            ),
            "{titles:?}"
        );
        assert!(
            titles.contains(&"Header `X-Callback-Url` makes the API fetch a caller-chosen URL and return its content"),
            "{titles:?}"
        );
        let blind = f
            .iter()
            .find(|f| f.title.contains("X-Report-Source"))
            .expect("blind");
        assert!(blind
            .evidence
            .facts
            .iter()
            .any(|x| x.starts_with("callback received: GET /")));
        assert!(
            !seen.iter().any(|h| h == "x-forwarded-host"),
            "not a URL header"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn silent_when_url_headers_are_ignored() {
        let (f, seen) = run_headers(false).await;
        assert!(f.is_empty(), "{f:#?}");
        assert!(
            seen.iter().any(|h| h == "x-report-source"),
            "the header was probed"
        );
    }
}
