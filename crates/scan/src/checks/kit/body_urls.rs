//! URL-holding fields of documented requests: which fields of the OpenAPI document's
//! write operations hold URLs (`format: uri`, URL-ish names, URL examples), which
//! request headers hold URLs the server may fetch (documented header parameters, and a
//! few common callback headers on fetch-like routes), which operations register
//! webhooks, and the probe that sets one field or header to a value.

use super::api_support;
use super::request_bodies::{documented_body, http_method, operation_auth, write_method, Media};
use super::ssrf_probe::{is_http_url, normalise, SSRF_HUNT};
use crate::check::CheckCtx;
use crate::engine::{Auth, ProbeRequest};
use crate::oast::ProbeKey;
use serde_json::{Map, Value};
use tollgate_core::{HttpMethod, Redactor};
use tollgate_spec::{example, ApiModel, Operation, ParamLocation};
use url::Url;

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

/// Headers a server may fetch whatever they name, tried on fetch-like routes even when
/// the document does not list them.
pub const COMMON_CALLBACK_HEADERS: &[&str] = &["X-Callback-Url", "X-Webhook-Url"];

/// Header names (normalised) that carry hosts, origins or paths the server routes or
/// logs by, not URLs it fetches, even where the name says `url`.
const NOT_FETCHED_HEADERS: &[&str] = &[
    "host",
    "origin",
    "referer",
    "referrer",
    "forwarded",
    "location",
    "contentlocation",
    "xhost",
    "xoriginalurl",
    "xrewriteurl",
    "xoriginalhost",
    "xoriginaluri",
];

/// Whether a header's name says it holds a URL the server may fetch: `X-Callback-Url`,
/// `X-Webhook`, `Image-Uri`, but not `X-Forwarded-Host`, `Referer` or `X-Original-URL`.
pub fn is_url_header(name: &str) -> bool {
    let n = normalise(name);
    if NOT_FETCHED_HEADERS.contains(&n.as_str()) || n.starts_with("xforwarded") {
        return false;
    }
    n.ends_with("url") || n.ends_with("uri") || n.contains("callback") || n.contains("webhook")
}

/// A URL-holding body field or request header of one documented operation, ready to
/// probe.
#[derive(Debug, Clone)]
pub struct BodyCandidate {
    pub method: HttpMethod,
    pub url: Url,
    /// The operation's path template, as the document writes it.
    pub path: String,
    /// The body field's or header's name.
    pub field: String,
    /// The value goes in the request header `field`, not in the body.
    pub header: bool,
    /// Form-encoded rather than JSON.
    pub form: bool,
    /// The example body the field is set in (`None`: the request has no body).
    pub body: Option<Map<String, Value>>,
    pub auth: Auth,
    pub identity: Option<String>,
    /// Why the field was chosen.
    pub why: &'static str,
}

impl BodyCandidate {
    /// The probe with the field (or header) set to `value`.
    pub fn request(&self, value: &str) -> ProbeRequest {
        let mut req = ProbeRequest::new(self.method, self.url.clone()).auth(self.auth.clone());
        if self.header {
            req = req.header(&self.field, value);
        }
        let Some(mut body) = self.body.clone() else {
            return req;
        };
        if !self.header {
            body.insert(self.field.clone(), Value::String(value.to_string()));
        }
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
        req = req.header("content-type", ctype);
        req.body = Some(bytes.into());
        req
    }

    /// What carries the URL, for titles and facts: "body field `url`", "header
    /// `X-Callback-Url`".
    pub fn slot_name(&self) -> String {
        slot_name(&self.key_parameter())
    }

    fn key_parameter(&self) -> String {
        let place = if self.header { "header" } else { "body" };
        format!("{place}:{}", self.field)
    }

    /// The key tying callbacks to this probe (`body:` keeps it apart from a query
    /// parameter of the same name on the same route).
    pub fn key(&self, redactor: &Redactor) -> ProbeKey {
        ProbeKey {
            url: redactor.redact(self.url.as_str()).into_owned(),
            parameter: self.key_parameter(),
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

/// Whether a path names a webhook/subscription registration.
pub fn is_registration_path(path: &str) -> bool {
    path.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| REGISTRATION_WORDS.contains(&w))
}

/// What a probe key's parameter (`body:url`, `header:X-Callback-Url`) names, for
/// titles and facts; `None` for a query parameter.
pub fn slot_name(parameter: &str) -> String {
    match parameter.split_once(':') {
        Some(("header", h)) => format!("header `{h}`"),
        Some(("body", f)) => format!("body field `{f}`"),
        _ => format!("parameter `{parameter}`"),
    }
}

/// Headers of documented operations (without path templates) chosen by `want` that
/// hold URLs: header parameters with `format: uri` or a URL-ish name (see
/// [`is_url_header`]), and [`COMMON_CALLBACK_HEADERS`] on operations whose path has a
/// fetch-like word. The request is the operation's documented one (example body and
/// required query parameters). At most `max`.
pub fn header_candidates(
    ctx: &CheckCtx,
    want: fn(&Operation) -> bool,
    max: usize,
) -> Vec<BodyCandidate> {
    let Some(spec) = api_support::spec(ctx) else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut out: Vec<BodyCandidate> = Vec::new();
    for op in model
        .operations
        .iter()
        .filter(|o| !o.is_templated() && want(o))
    {
        let (Some(method), Some((auth, identity))) =
            (http_method(op.method), operation_auth(ctx, op))
        else {
            continue;
        };
        if method == HttpMethod::Head {
            continue;
        }
        let mut url = ctx.url(&format!("{}{}", model.base_path(), op.path));
        let required = op
            .params_in(ParamLocation::Query)
            .filter(|p| p.required)
            .map(|p| (p.name.clone(), example::param_value(model, p)));
        url.query_pairs_mut().extend_pairs(required);
        if url.query() == Some("") {
            url.set_query(None);
        }
        let doc = documented_body(model, op, Media::JsonOrForm);
        let mut headers: Vec<(String, &'static str)> = op
            .params_in(ParamLocation::Header)
            .filter_map(|p| {
                let format = p.schema.and_then(|id| model.schema(id).format.as_deref());
                if matches!(format, Some("uri" | "url" | "uri-reference")) {
                    Some((
                        p.name.clone(),
                        "a documented header parameter with `format: uri`",
                    ))
                } else if is_url_header(&p.name) {
                    Some((
                        p.name.clone(),
                        "a documented header parameter whose name says URL",
                    ))
                } else {
                    None
                }
            })
            .collect();
        let fetchy = op
            .path
            .to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| SSRF_HUNT.route_words.contains(&w));
        if fetchy {
            for h in COMMON_CALLBACK_HEADERS {
                if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(h)) {
                    headers.push((
                        (*h).to_string(),
                        "a common callback header tried on a fetch-like route",
                    ));
                }
            }
        }
        for (name, why) in headers {
            if out.len() >= max {
                return out;
            }
            out.push(BodyCandidate {
                method,
                url: url.clone(),
                path: op.path.clone(),
                field: name,
                header: true,
                form: doc.as_ref().is_some_and(|d| d.form),
                body: doc.as_ref().map(|d| d.body.clone()),
                auth: auth.clone(),
                identity: identity.clone(),
                why,
            });
        }
    }
    out
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
    let looks = |v: &Value| v.as_str().is_some_and(is_http_url);
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
        let Some(method) = write_method(op.method) else {
            continue;
        };
        let Some((auth, identity)) = operation_auth(ctx, op) else {
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
                header: false,
                form,
                body: Some(body),
                auth: auth.clone(),
                identity: identity.clone(),
                why,
            });
        }
    }
    out
}

/// A URL field: its name, whether the body is a form, the example body, why.
pub type UrlField = (String, bool, Map<String, Value>, &'static str);

/// The URL-holding fields of `op`'s JSON or form body.
pub fn url_fields(model: &ApiModel, op: &Operation) -> Vec<UrlField> {
    let Some(doc) = documented_body(model, op, Media::JsonOrForm) else {
        return Vec::new();
    };
    model
        .properties(doc.schema)
        .into_iter()
        .filter_map(|(name, prop)| {
            let why = url_field_reason(&name, model.schema(prop), doc.body.get(&name))?;
            Some((name, doc.form, doc.body.clone(), why))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fixture;
    use tollgate_spec::Method;

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
    }

    #[test]
    fn registration_paths() {
        assert!(is_registration_path("/api/v2/webhooks"));
        assert!(is_registration_path("/hooks/new"));
        assert!(!is_registration_path("/api/previews"));
        assert!(!is_registration_path("/api/hookah"));
    }

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "paths":{
        "/api/previews":{"post":{"security":[{"b":[]}],"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"url":{"type":"string"},"title":{"type":"string"}}},
          "example":{"url":"https://img.example/a.png","title":"t"}}}}}},
        "/api/webhooks":{"post":{"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"url":{"type":"string","format":"uri"}}}}}}}},
        "/api/items/{id}":{"put":{"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"url":{"type":"string"}}}}}}}}
      }}"##;

    #[test]
    fn candidates_need_a_credential_and_a_literal_path() {
        // Without an identity the secured preview is left out.
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .ctx(&crate::checks::kit::TEST_META);
        let all = body_candidates(&ctx, |_| true, 10);
        let paths: Vec<&str> = all.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/api/webhooks"],
            "templated and secured ones left out"
        );
        let regs = body_candidates(&ctx, |o| o.method == Method::Post, 10);
        assert_eq!(regs.len(), 1);
    }

    #[test]
    fn the_probe_sets_one_field_and_keys_it_apart_from_query_parameters() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .ctx(&crate::checks::kit::TEST_META);
        let c = body_candidates(&ctx, |_| true, 10).remove(0);
        let req = c.request("http://127.0.0.1:1/t");
        assert_eq!(req.method, HttpMethod::Post);
        let body: Value = serde_json::from_slice(req.body.as_deref().expect("body")).expect("json");
        assert_eq!(body["url"], "http://127.0.0.1:1/t");
        assert_eq!(c.key(ctx.redactor()).parameter, "body:url");
        assert_eq!(c.who(), "anonymously");
    }

    #[test]
    fn url_headers_by_name() {
        for h in [
            "X-Callback-Url",
            "x-webhook",
            "Image-URI",
            "X-Notify-Url",
            "callback",
        ] {
            assert!(is_url_header(h), "{h}");
        }
        for h in [
            "X-Forwarded-Host",
            "X-Forwarded-Url",
            "Host",
            "Referer",
            "Origin",
            "X-Original-URL",
            "X-Rewrite-URL",
            "X-Request-Id",
            "Authorization",
        ] {
            assert!(!is_url_header(h), "{h}");
        }
        assert_eq!(
            slot_name("header:X-Callback-Url"),
            "header `X-Callback-Url`"
        );
        assert_eq!(slot_name("body:url"), "body field `url`");
    }

    const HEADER_SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "paths":{
        "/api/reports":{"get":{"parameters":[
          {"name":"X-Report-Source","in":"header","schema":{"type":"string","format":"uri"}},
          {"name":"X-Forwarded-Host","in":"header","schema":{"type":"string"}},
          {"name":"X-Notify-Url","in":"header","schema":{"type":"string"}},
          {"name":"page","in":"query","required":true,"example":2}]}},
        "/api/preview":{"post":{"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"title":{"type":"string","example":"t"}}}}}}}},
        "/api/notes":{"get":{}}
      }}"##;

    #[test]
    fn header_candidates_from_the_document_and_on_fetch_like_routes() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(HEADER_SPEC)
            .ctx(&crate::checks::kit::TEST_META);
        let c = header_candidates(&ctx, |_| true, 10);
        let got: Vec<(&str, &str)> = c
            .iter()
            .map(|c| (c.path.as_str(), c.field.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("/api/preview", "X-Callback-Url"),
                ("/api/preview", "X-Webhook-Url"),
                ("/api/reports", "X-Report-Source"),
                ("/api/reports", "X-Notify-Url"),
            ]
        );
        let req = c[2].request("http://127.0.0.1:1/t");
        assert_eq!(req.method, HttpMethod::Get);
        assert_eq!(req.url.query(), Some("page=2"), "required query parameters");
        assert!(req.body.is_none());
        assert!(req.headers.contains(&(
            "x-report-source".to_string(),
            "http://127.0.0.1:1/t".to_string()
        )));
        assert_eq!(c[2].key(ctx.redactor()).parameter, "header:X-Report-Source");
        let post = c[0].request("http://127.0.0.1:1/t");
        let body: Value =
            serde_json::from_slice(post.body.as_deref().expect("body")).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"title": "t"}),
            "the documented body, untouched"
        );
    }
}
