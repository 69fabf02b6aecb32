//! SSRF-005: a URL-holding field of a JSON or form request body makes the API fetch a
//! caller-chosen URL, proven with the callback listener (the fetched content coming
//! back as-is, base64-encoded or inside a `data:` URL, or a callback arriving).
//!
//! Also the shared machinery for body probes: finding URL fields in the OpenAPI
//! document's write operations and sending a body with one field replaced.

use super::{normalise, SSRF_HUNT};
use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::oast::{Hit, InternalTarget, Probe, ProbeKey, Service, Signature};
use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    Redactor, SafetyClass, Severity,
};
use tollgate_spec::{example, ApiModel, Method, Operation};
use url::Url;

pub struct BodyFieldSsrf;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SSRF-005"),
    name: "SSRF through a URL field of a request body",
    category: Category::Ssrf,
    severity: Severity::High,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post, HttpMethod::Put, HttpMethod::Patch],
    budget: 60,
    docs: CheckDocs {
        what: "Reads the OpenAPI document's POST, PUT and PATCH operations (JSON and form bodies) for fields that hold URLs: `format: uri`/`url`, names such as `url`, `uri`, `link`, `callback`, `image`, `avatar`, `feed`, `import` or ending in `url`/`uri`, or an example value that is an http(s) URL. It sends the documented example body with one such field set to a callback URL on tollgate's own listener, which answers with a random marker. The field is reported when the API's answer carries the marker, as-is or decoded (base64, base64url, or a percent-encoded or base64 `data:` URL), or when the listener receives the callback. When a fetch is proven it also tries the cloud-metadata addresses in the same field and reports a metadata signature that the answer to a harmless value lacks. Webhook and subscription registrations are left to SSRF-006. Intrusive: the probes are writes, so it runs only with `--allow intrusive`.",
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
/// Metadata forms tried once a fetch is proven.
const MAX_METADATA_FORMS: usize = 6;
/// Base64 runs decoded per answer.
const MAX_RUNS: usize = 64;
/// The shortest run worth decoding.
const MIN_RUN: usize = 16;
/// A harmless value: the answer every metadata signature is compared against.
const CONTROL_VALUE: &str = "http://tollgate-control.invalid/";

/// Path words of webhook/subscription registrations (SSRF-006's operations).
pub const REGISTRATION_WORDS: &[&str] = &[
    "webhook",
    "webhooks",
    "hook",
    "hooks",
    "callback",
    "callbacks",
    "subscription",
    "subscriptions",
    "subscribe",
    "notifications",
];

/// A URL-holding body field of one documented write operation, ready to probe.
#[derive(Debug, Clone)]
pub struct BodyCandidate {
    pub method: HttpMethod,
    pub url: Url,
    /// The operation's path template, as the document writes it.
    pub path: String,
    pub field: String,
    /// Form-encoded rather than JSON.
    pub form: bool,
    /// The example body the field is set in.
    pub body: Map<String, Value>,
    pub auth: Auth,
    pub identity: Option<String>,
    /// Why the field was chosen.
    pub why: &'static str,
}

impl BodyCandidate {
    /// The probe with the field set to `value`.
    pub fn request(&self, value: &str) -> ProbeRequest {
        let mut body = self.body.clone();
        body.insert(self.field.clone(), Value::String(value.to_string()));
        let (ctype, bytes) = if self.form {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &body {
                ser.append_pair(k, &example::as_url_text(v));
            }
            (
                "application/x-www-form-urlencoded",
                ser.finish().into_bytes(),
            )
        } else {
            (
                "application/json",
                serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
            )
        };
        let mut req = ProbeRequest::new(self.method, self.url.clone())
            .header("content-type", ctype)
            .auth(self.auth.clone());
        req.body = Some(bytes.into());
        req
    }

    /// The key tying callbacks to this probe (`body:` keeps it apart from a query
    /// parameter of the same name on the same route).
    pub fn key(&self, redactor: &Redactor) -> ProbeKey {
        ProbeKey {
            url: redactor.redact(self.url.as_str()).into_owned(),
            parameter: format!("body:{}", self.field),
            identity: self.identity.clone(),
        }
    }

    /// Who the probe went out as, for a finding's facts.
    pub fn who(&self) -> String {
        self.identity
            .as_ref()
            .map_or("anonymously".to_string(), |i| format!("as identity `{i}`"))
    }
}

fn to_http(m: Method) -> Option<HttpMethod> {
    match m {
        Method::Post => Some(HttpMethod::Post),
        Method::Put => Some(HttpMethod::Put),
        Method::Patch => Some(HttpMethod::Patch),
        _ => None,
    }
}

/// Whether a path names a webhook/subscription registration.
pub fn is_registration_path(path: &str) -> bool {
    path.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| REGISTRATION_WORDS.contains(&w))
}

/// Why a body field holds a URL, if it does.
fn url_field_reason(
    name: &str,
    schema: &tollgate_spec::Schema,
    example: Option<&Value>,
) -> Option<&'static str> {
    if schema.read_only || !schema.enum_values.is_empty() || schema.const_value.is_some() {
        return None;
    }
    let format = schema.format.as_deref().map(str::to_ascii_lowercase);
    if matches!(
        format.as_deref(),
        Some("uri" | "url" | "iri" | "uri-reference")
    ) {
        return Some("`format: uri` in the OpenAPI document");
    }
    let n = normalise(name);
    if (SSRF_HUNT.is_name)(name) || n == "import" || n.ends_with("link") {
        return Some("its name suggests a URL");
    }
    let looks = |v: &Value| v.as_str().is_some_and(super::is_http_url);
    if example.is_some_and(looks) || schema.example.as_ref().is_some_and(looks) {
        return Some("its example value is a URL");
    }
    None
}

/// URL-holding fields of the document's write operations (without path templates)
/// chosen by `want` on the operation, at most `max`. Operations that need a
/// credential are sent as the primary identity; without one they are left out.
pub fn body_candidates(
    ctx: &CheckCtx,
    want: fn(&Operation) -> bool,
    max: usize,
) -> Vec<BodyCandidate> {
    let Some(spec) = api_support::spec(ctx) else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut out = Vec::new();
    for op in api_support::write_operations(model).filter(|o| !o.is_templated() && want(o)) {
        let Some(method) = to_http(op.method) else {
            continue;
        };
        let (auth, identity) = if op.allows_anonymous() {
            (Auth::Anonymous, None)
        } else if let Some(id) = ctx.target().primary_identity.clone() {
            (Auth::Identity(id.clone()), Some(id))
        } else {
            continue;
        };
        let url = ctx.url(&format!("{}{}", model.base_path(), op.path));
        for (field, form, body, why) in url_fields(model, op) {
            if out.len() >= max {
                return out;
            }
            out.push(BodyCandidate {
                method,
                url: url.clone(),
                path: op.path.clone(),
                field,
                form,
                body,
                auth: auth.clone(),
                identity: identity.clone(),
                why,
            });
        }
    }
    out
}

type Field = (String, bool, Map<String, Value>, &'static str);

fn url_fields(model: &ApiModel, op: &Operation) -> Vec<Field> {
    let Some(rb) = &op.request_body else {
        return Vec::new();
    };
    let Some(content) = rb.content.iter().find(|c| {
        let t = c.media_type.to_ascii_lowercase();
        t.contains("json") || t.contains("x-www-form-urlencoded")
    }) else {
        return Vec::new();
    };
    let form = content.media_type.to_ascii_lowercase().contains("form");
    let Some(schema) = content.schema else {
        return Vec::new();
    };
    let body = match content.example.clone() {
        Some(Value::Object(m)) => m,
        _ => match example::value_for(model, schema, example::Direction::Request) {
            Value::Object(m) => m,
            _ => return Vec::new(),
        },
    };
    model
        .properties(schema)
        .into_iter()
        .filter_map(|(name, prop)| {
            let why = url_field_reason(&name, model.schema(prop), body.get(&name))?;
            Some((name, form, body.clone(), why))
        })
        .collect()
}

/// Sends a probe; a failure (a timeout while the target fetches) is logged only.
pub async fn send_quiet(ctx: &CheckCtx, req: ProbeRequest) -> Option<Arc<Exchange>> {
    match ctx.send(req).await {
        Ok(ex) => Some(ex),
        Err(e) => {
            tracing::debug!(check = %ctx.meta().id, error = %e, "body probe failed");
            None
        }
    }
}

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
        for cand in body_candidates(ctx, |o| !is_registration_path(&o.path), MAX_FIELDS) {
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
        "body field `{}` of {} {}: {}",
        cand.field,
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
        "Body field `{}` makes the API fetch a caller-chosen URL and return its content",
        cand.field
    );
    let highlight = (how == "as-is").then_some(probe.marker.as_str());
    base_finding(cand, ex, title, highlight, ctx.redactor())
        .with_key(&format!("{} {} {}", cand.method.as_str(), cand.path, cand.field))
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
                "SSRF through body field `{}` reaches the cloud instance metadata service",
                cand.field
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
                        cand.field
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
    let field = probe.key.parameter.strip_prefix("body:")?;
    let title =
        format!("Body field `{field}` makes the API request a caller-chosen URL (blind SSRF)");
    let url = redactor.redact(ex.request.url.as_str()).into_owned();
    let mut f = Finding::new(
        &META,
        Location::http_param(ex.request.method.as_str(), url, field),
        title,
    )
    .with_key(&format!("{} {} blind", ex.request.url.path(), field))
    .with_exchange(crate::mask::exchange(ex.evidence(redactor, None)))
    .with_curl(ex.curl(redactor))
    .with_confidence(Confidence::Confirmed)
    .with_fact(first.describe(probe))
    .with_fact(format!("callback URL {}", probe.callback));
    if let Some(ua) = first.header("user-agent") {
        f = f.with_fact(format!("the callback's User-Agent: {ua}"));
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::oast::fake_target;
    use crate::testkit::{serve, Fixture, RawResponse};
    use tollgate_core::Secret;

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

    #[test]
    fn chooses_fields_by_format_name_and_example() {
        let doc = r#"{"openapi":"3.0.3","paths":{"/x":{"post":{"requestBody":{"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","properties":{
          "avatar_url":{"type":"string"},"import":{"type":"string"},"source_link":{"type":"string"},
          "x":{"type":"string","format":"uri"},"y":{"type":"string","example":"https://e.example/a"},
          "title":{"type":"string"},"url":{"type":"string","enum":["a"]},"self_url":{"type":"string","readOnly":true}}}}}}}}}}"#;
        let m = tollgate_spec::parse(doc.as_bytes(), tollgate_spec::no_files).expect("spec");
        let got: Vec<String> = url_fields(&m, &m.operations[0])
            .into_iter()
            .map(|(name, form, _, _)| {
                assert!(form);
                name
            })
            .collect();
        assert_eq!(got, ["avatar_url", "import", "source_link", "x", "y"]);
        assert!(is_registration_path("/api/v2/webhooks"));
        assert!(!is_registration_path("/api/previews"));
    }
}
