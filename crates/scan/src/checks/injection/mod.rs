//! Injection checks (INJ-): SQL errors, boolean SQL, OS commands, template evaluation,
//! NoSQL operators, input-dependent slowness.
//!
//! Injection has no entry of its own in the OWASP API Security Top 10 (2023); these
//! checks are filed under "Input validation & misconfiguration" and API8:2023 (see
//! docs/scoring.md).
//!
//! Shared here: the parameters worth probing ("slots": query parameters of the OpenAPI
//! document's GET operations, path parameters of its templated GET operations, query
//! parameters seen in use), their benign baseline value, how a probe value is put in
//! place, and how two answers are compared when one of them echoes its own value.
//! Every check sends the same baseline for the same slot, so the engine's
//! de-duplication sends it once.
//!
//! Also shared: the free-form string fields of the document's JSON write operations
//! (INJ-003, INJ-006), with the word lists of `body_field_words.toml` that order them
//! and keep authentication flows out.

pub mod nosql_operator;
pub mod os_command;
pub mod slow_input;
pub mod sql_boolean;
pub mod sql_error;
pub mod sql_error_body;
pub mod sql_errors;
pub mod template;

use crate::check::{CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::checks::kit::common::{send_quiet, with_query_param};
use crate::checks::kit::request_bodies::{
    documented_body, http_method, operation_auth, write_method, Media,
};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::recon::spec::operation_url;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use tollgate_core::{CheckMeta, Finding, HttpMethod, Location, Redactor};
use tollgate_spec::{example, ApiModel, Method, Operation, ParamLocation, SchemaType};
use url::Url;

/// Slots probed per check.
pub const MAX_SLOTS: usize = 8;
/// JSON body slots probed per check.
pub const MAX_BODY_SLOTS: usize = 5;
/// A probe value longer than this is not sent (bounded requests).
const MAX_VALUE: usize = 256;
/// Stands for a path parameter while its URL is built.
const PATH_MARK: &str = "tollgateslot7f3a";

/// Where a parameter sits in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Query,
    /// A path segment; `url` holds [`PATH_MARK`] in its place.
    Path,
    /// A top-level field of the JSON request body.
    Body,
}

impl Place {
    pub fn as_str(&self) -> &'static str {
        match self {
            Place::Query => "query",
            Place::Path => "path",
            Place::Body => "JSON body",
        }
    }
}

/// Where a slot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Spec,
    Observed,
}

/// One parameter of one route, with the benign value the baseline uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// GET, except for JSON body slots of write operations.
    pub method: HttpMethod,
    /// The route with every other parameter set (example or observed values).
    pub url: Url,
    pub param: String,
    pub place: Place,
    /// The benign value: the spec's example, or the value seen in use.
    pub value: String,
    pub source: Source,
    /// For a body slot: the documented example body, the slot's field holding its
    /// benign value.
    pub body: Option<Map<String, Value>>,
}

impl Slot {
    /// The URL with the parameter set to `value`.
    pub fn with_value(&self, value: &str) -> Url {
        match self.place {
            Place::Query => with_query_param(&self.url, &self.param, value),
            Place::Body => self.url.clone(),
            Place::Path => {
                let mut url = self.url.clone();
                let path = url.path().replace(PATH_MARK, &encode_segment(value));
                url.set_path(&path);
                url
            }
        }
    }

    /// The request with the parameter set to `value` (a body slot's benign value keeps
    /// its documented JSON type; a probe value goes in as a string).
    pub fn request(&self, value: &str) -> ProbeRequest {
        let mut req = ProbeRequest::new(self.method, self.with_value(value));
        if let Some(body) = &self.body {
            let mut body = body.clone();
            if value != self.value || !body.contains_key(&self.param) {
                body.insert(self.param.clone(), Value::String(value.to_string()));
            }
            req = req.header("content-type", "application/json");
            req.body = Some(
                serde_json::to_vec(&Value::Object(body))
                    .unwrap_or_default()
                    .into(),
            );
        }
        req
    }
}

fn encode_segment(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Names whose values are URLs, credentials or paging controls: not what these checks
/// are after (the SSRF and auth checks look at the first two).
fn skip_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    n.ends_with("url")
        || n.ends_with("uri")
        || matches!(
            n.as_str(),
            "token"
                | "accesstoken"
                | "apikey"
                | "key"
                | "password"
                | "secret"
                | "format"
                | "callback"
                | "redirect"
                | "next"
        )
}

/// The slots of the target: spec query parameters, spec path parameters, observed query
/// parameters, in that order, without duplicates, at most [`MAX_SLOTS`].
pub fn slots(ctx: &CheckCtx) -> Vec<Slot> {
    let origin = ctx.target().url.origin();
    let mut all = spec_slots(ctx);
    all.extend(observed_slots(ctx));
    let mut out: Vec<Slot> = Vec::new();
    for s in all {
        let dup = out
            .iter()
            .any(|o| o.url.path() == s.url.path() && o.param == s.param && o.place == s.place);
        if !dup && s.url.origin() == origin && out.len() < MAX_SLOTS {
            out.push(s);
        }
    }
    out
}

/// Whether a parameter's schema is a scalar worth probing (not a URL, file, date).
fn probeable(schema: Option<&tollgate_spec::Schema>) -> bool {
    let scalar = schema.is_none_or(|s| {
        s.types.is_empty()
            || s.has_type(SchemaType::String)
            || s.has_type(SchemaType::Integer)
            || s.has_type(SchemaType::Number)
    });
    let uuid_or_date = schema.is_some_and(|s| {
        matches!(
            s.format.as_deref(),
            Some("uri" | "url" | "binary" | "byte" | "date-time" | "date")
        )
    });
    scalar && !uuid_or_date && !schema.is_some_and(|s| s.read_only)
}

/// Top-level fields of the documented JSON bodies of operations (without path
/// templates) whose method is in `methods`, at most [`MAX_BODY_SLOTS`]: scalar fields
/// with an example value and no enum, not in authentication flows (see
/// `body_field_words.toml`), the rest of the body as documented. Each operation's
/// first field (string fields before numbers) comes before any operation's second.
pub fn body_slots(ctx: &CheckCtx, methods: &[Method]) -> Vec<Slot> {
    let (Some(spec), Ok(w)) = (ctx.target().spec.as_ref(), words()) else {
        return Vec::new();
    };
    let model = &spec.model;
    let origin = ctx.target().url.origin();
    let mut per_op: Vec<Vec<Slot>> = Vec::new();
    for op in model.operations.iter().filter(|o| {
        methods.contains(&o.method) && !o.is_templated() && !route_has(&w.skip_routes, &o.path)
    }) {
        let (Some(method), Some(doc)) = (
            http_method(op.method),
            documented_body(model, op, Media::Json),
        ) else {
            continue;
        };
        let url = operation_url(&ctx.target().url, spec, op, &HashMap::new())
            .filter(|u| u.origin() == origin);
        let Some(url) = url.filter(|_| !doc.form) else {
            continue;
        };
        let mut fields = Vec::new();
        for (name, id) in model.properties(doc.schema) {
            let value = match doc.body.get(&name) {
                Some(Value::String(s)) if s.len() <= 64 => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            let schema = model.schema(id);
            if skip_name(&name) || !probeable(Some(schema)) || !schema.enum_values.is_empty() {
                continue;
            }
            fields.push(Slot {
                method,
                url: url.clone(),
                param: name,
                place: Place::Body,
                value,
                source: Source::Spec,
                body: Some(doc.body.clone()),
            });
        }
        // Strings first: numbers are usually parsed as JSON numbers, and a quote
        // turns them into strings a validator refuses.
        fields.sort_by_key(|f| f.body.as_ref().is_some_and(|b| !b[&f.param].is_string()));
        per_op.push(fields);
    }
    let mut out = Vec::new();
    for i in 0.. {
        let round: Vec<Slot> = per_op.iter().filter_map(|f| f.get(i).cloned()).collect();
        if round.is_empty() || out.len() >= MAX_BODY_SLOTS {
            break;
        }
        out.extend(round);
    }
    out.truncate(MAX_BODY_SLOTS);
    out
}

fn spec_slots(ctx: &CheckCtx) -> Vec<Slot> {
    let Some(spec) = ctx.target().spec.as_ref() else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut query = Vec::new();
    let mut path = Vec::new();
    for op in model.operations.iter().filter(|o| o.method == Method::Get) {
        for p in &op.parameters {
            if skip_name(&p.name) {
                continue;
            }
            if !probeable(p.schema.map(|id| model.schema(id))) {
                continue;
            }
            let value = example::param_value(model, p);
            match p.location {
                ParamLocation::Query => {
                    let Some(url) = operation_url(&ctx.target().url, spec, op, &HashMap::new())
                    else {
                        continue;
                    };
                    query.push(Slot {
                        method: HttpMethod::Get,
                        body: None,
                        url: with_query_param(&url, &p.name, &value),
                        param: p.name.clone(),
                        place: Place::Query,
                        value,
                        source: Source::Spec,
                    });
                }
                ParamLocation::Path => {
                    let values = HashMap::from([(p.name.clone(), PATH_MARK.to_string())]);
                    let Some(url) = operation_url(&ctx.target().url, spec, op, &values) else {
                        continue;
                    };
                    path.push(Slot {
                        method: HttpMethod::Get,
                        body: None,
                        url,
                        param: p.name.clone(),
                        place: Place::Path,
                        value,
                        source: Source::Spec,
                    });
                }
                _ => {}
            }
        }
    }
    query.extend(path);
    query
}

fn observed_slots(ctx: &CheckCtx) -> Vec<Slot> {
    let recorded = ctx
        .transcript()
        .into_iter()
        .filter(|e| e.check.is_none() && e.request.method == tollgate_core::HttpMethod::Get)
        .map(|e| e.request.url.clone());
    let mut out = Vec::new();
    for url in ctx.target().routes.iter().cloned().chain(recorded) {
        for (k, v) in url.query_pairs() {
            if skip_name(&k) || v.len() > 64 {
                continue;
            }
            out.push(Slot {
                method: HttpMethod::Get,
                body: None,
                url: url.clone(),
                param: k.to_string(),
                place: Place::Query,
                value: v.to_string(),
                source: Source::Observed,
            });
        }
    }
    out
}

/// A slot ready to probe: the credential its route needs and its baseline answer.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub slot: Slot,
    pub auth: Auth,
    pub identity: Option<String>,
    pub baseline: Arc<Exchange>,
}

impl Prepared {
    /// Sends `value` in the slot, as the baseline went out. `None` when the request
    /// failed or the value is too long to send.
    pub async fn probe(&self, ctx: &CheckCtx, value: &str) -> Option<Arc<Exchange>> {
        if value.len() > MAX_VALUE {
            return None;
        }
        let req = self.slot.request(value).auth(self.auth.clone());
        send_quiet(ctx, req).await
    }

    /// The baseline value sent again, past the engine's de-duplication (with
    /// `Cache-Control: no-cache`), to see whether the answer is stable.
    pub async fn baseline_again(&self, ctx: &CheckCtx) -> Option<Arc<Exchange>> {
        let req = self
            .slot
            .request(&self.slot.value)
            .auth(self.auth.clone())
            .header("cache-control", "no-cache");
        send_quiet(ctx, req).await
    }

    /// Who sent the probes, as a fact.
    pub fn who(&self) -> String {
        self.identity.as_ref().map_or_else(
            || "probes sent anonymously".to_string(),
            |i| format!("probes sent as identity `{i}`"),
        )
    }

    /// Where the parameter came from, as a fact.
    pub fn source(&self) -> String {
        let from = match self.slot.source {
            Source::Spec => "the OpenAPI document",
            Source::Observed => "a URL seen in use",
        };
        format!(
            "{} parameter `{}` from {from}; baseline value `{}`",
            self.slot.place.as_str(),
            self.slot.param,
            self.slot.value
        )
    }
}

/// Sends the baseline anonymously and, if that is refused (401/403), as the primary
/// identity. `None` when the route does not answer, or answers 404/405 to its own
/// benign value (nothing to compare with).
pub async fn prepare(ctx: &CheckCtx, slot: Slot) -> Option<Prepared> {
    let anon = send_quiet(ctx, slot.request(&slot.value)).await?;
    let refused = matches!(anon.response.status, 401 | 403);
    let (auth, identity, baseline) = match (refused, ctx.target().primary_identity.clone()) {
        (true, Some(id)) => {
            let req = slot.request(&slot.value).auth(Auth::Identity(id.clone()));
            let ex = send_quiet(ctx, req).await?;
            (Auth::Identity(id.clone()), Some(id), ex)
        }
        _ => (Auth::Anonymous, None, anon),
    };
    if matches!(baseline.response.status, 401 | 403 | 405) {
        return None;
    }
    Some(Prepared {
        slot,
        auth,
        identity,
        baseline,
    })
}

/// The forms in which an answer may echo `value`: JSON-escaped, HTML-escaped (two
/// styles), URL-encoded, and as sent.
fn echo_forms(value: &str) -> [String; 5] {
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json[1..json.len().saturating_sub(1).max(1)].to_string();
    let html = value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;");
    let html39 = html.replace("&#x27;", "&#39;");
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    [json, html, html39, encoded, value.to_string()]
}

/// The body with every echo of `value` rewritten as the same form of `instead`, so an
/// answer that quotes its input compares equal to the answer to another input.
pub fn echo_as(body: &str, value: &str, instead: &str) -> String {
    if value.is_empty() || value == instead {
        return body.to_string();
    }
    let mut out = body.to_string();
    for (form, replacement) in echo_forms(value).into_iter().zip(echo_forms(instead)) {
        if !form.is_empty() {
            out = out.replace(&form, &replacement);
        }
    }
    out
}

/// Whether the answer to `a_value` is the answer to `b_value`, once `a`'s echo of its
/// value is written as `b_value`.
pub fn same_answer(a: &Exchange, a_value: &str, b: &Exchange, b_value: &str) -> bool {
    a.response.status == b.response.status
        && echo_as(&a.response.text(), a_value, b_value) == b.response.text()
}

/// An injection check's probes of one prepared slot: the finding, if they prove one.
pub type SlotProbe = for<'a> fn(&'a CheckCtx, &'a Prepared) -> SlotFuture<'a>;
pub type SlotFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<Finding>> + Send + 'a>>;

/// Each slot in turn, while the budget allows a whole slot more: its baseline sent
/// ([`prepare`]), then the check's probes. The findings, in slot order.
///
/// `per_slot` is the most requests one slot costs, its baseline included.
pub async fn for_each_slot(
    ctx: &CheckCtx,
    slots: Vec<Slot>,
    per_slot: u32,
    probe: SlotProbe,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for slot in slots {
        if !has_budget(ctx, per_slot) {
            break;
        }
        let Some(prep) = prepare(ctx, slot).await else {
            continue;
        };
        if let Some(f) = probe(ctx, &prep).await {
            findings.push(f);
        }
    }
    findings
}

/// Whether the check has budget for `requests` more.
pub fn has_budget(ctx: &CheckCtx, requests: u32) -> bool {
    ctx.requests_made() + requests <= ctx.meta().budget
}

/// A finding at the slot with the probe's and the baseline's exchanges as evidence.
pub fn slot_finding(
    meta: &CheckMeta,
    prep: &Prepared,
    probe: &Exchange,
    title: String,
    highlight: Option<&str>,
    redactor: &Redactor,
) -> Finding {
    let url = redactor
        .redact(prep.baseline.request.url.as_str())
        .into_owned();
    Finding::new(
        meta,
        Location::http_param(prep.slot.method.as_str(), url, &prep.slot.param),
        title,
    )
    .with_exchange(crate::mask::exchange(probe.evidence(redactor, highlight)))
    .with_exchange(crate::mask::exchange(
        prep.baseline.evidence(redactor, None),
    ))
    .with_curl(probe.curl(redactor))
    .with_fact(prep.source())
    .with_fact(prep.who())
}

#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Words {
    pub command_words: Vec<String>,
    command_match: Vec<String>,
    command_no_match: Vec<String>,
    pub validated_words: Vec<String>,
    validated_match: Vec<String>,
    validated_no_match: Vec<String>,
    pub command_routes: Vec<String>,
    command_routes_match: Vec<String>,
    command_routes_no_match: Vec<String>,
    pub validated_routes: Vec<String>,
    validated_routes_match: Vec<String>,
    validated_routes_no_match: Vec<String>,
    pub skip_routes: Vec<String>,
    skip_routes_match: Vec<String>,
    skip_routes_no_match: Vec<String>,
}

static WORDS: LazyLock<Result<Words, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("body_field_words.toml")).map_err(|e| e.to_string())
});

pub(crate) fn words() -> Result<&'static Words, CheckError> {
    WORDS
        .as_ref()
        .map_err(|e| CheckError::Skipped(format!("body_field_words.toml: {e}")))
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a path has a segment word (cut at `/ - _ .`) in `list`.
pub(crate) fn route_has(list: &[String], path: &str) -> bool {
    path.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| list.iter().any(|l| l == w))
}

/// Whether a field name contains one of `list`.
pub(crate) fn name_has(list: &[String], name: &str) -> bool {
    let n = squash(name);
    list.iter().any(|w| n.contains(w.as_str()))
}

/// A free-form string field of a JSON write operation.
#[derive(Debug, Clone)]
pub struct Field {
    pub method: HttpMethod,
    pub url: Url,
    pub path: String,
    pub name: String,
    pub max_length: Option<u64>,
    pub body: Map<String, Value>,
    pub auth: Auth,
}

impl Field {
    pub fn request(&self, value: &str) -> ProbeRequest {
        let mut body = self.body.clone();
        body.insert(self.name.clone(), Value::String(value.to_string()));
        let mut req = ProbeRequest::new(self.method, self.url.clone())
            .header("content-type", "application/json")
            .auth(self.auth.clone());
        req.body = Some(
            serde_json::to_vec(&Value::Object(body))
                .unwrap_or_default()
                .into(),
        );
        req
    }
}

/// The free-form string fields of the document's JSON write operations without path
/// templates and outside authentication flows: fields of operations whose path has a
/// word of `routes` first, then fields whose name contains one of `names`.
fn string_fields(ctx: &CheckCtx, routes: &[String], names: &[String]) -> Vec<Field> {
    let Ok(w) = words() else {
        return Vec::new();
    };
    let Some(spec) = api_support::spec(ctx) else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut out = Vec::new();
    for op in api_support::write_operations(model)
        .filter(|o| !o.is_templated() && !route_has(&w.skip_routes, &o.path))
    {
        let Some(method) = write_method(op.method) else {
            continue;
        };
        let Some((auth, _)) = operation_auth(ctx, op) else {
            continue;
        };
        let url = ctx.url(&format!("{}{}", model.base_path(), op.path));
        out.extend(
            op_fields(model, op)
                .into_iter()
                .map(|(name, max_length, body)| Field {
                    method,
                    url: url.clone(),
                    path: op.path.clone(),
                    name,
                    max_length,
                    body,
                    auth: auth.clone(),
                }),
        );
    }
    out.sort_by_key(|f| (!route_has(routes, &f.path), !name_has(names, &f.name)));
    out
}

/// Which fields a check probes first: route words and name words of the table.
#[derive(Debug, Clone, Copy)]
pub enum FieldOrder {
    /// Fields that may reach a shell (INJ-003).
    Command,
    /// Fields that are validated or matched (INJ-006).
    Validated,
}

/// The string fields a body-field check probes, in its order, at most `max`. Skipped
/// without an OpenAPI document or a readable word table.
pub fn fields_to_probe(
    ctx: &CheckCtx,
    order: FieldOrder,
    max: usize,
) -> Result<Vec<Field>, CheckError> {
    let w = words()?;
    if api_support::spec(ctx).is_none() {
        return Err(CheckError::Skipped("no OpenAPI document".into()));
    }
    let (routes, names) = match order {
        FieldOrder::Command => (&w.command_routes, &w.command_words),
        FieldOrder::Validated => (&w.validated_routes, &w.validated_words),
    };
    let mut fields = string_fields(ctx, routes, names);
    fields.truncate(max);
    Ok(fields)
}

fn op_fields(model: &ApiModel, op: &Operation) -> Vec<(String, Option<u64>, Map<String, Value>)> {
    let Some(doc) = documented_body(model, op, Media::Json) else {
        return Vec::new();
    };
    model
        .properties(doc.schema)
        .into_iter()
        .filter_map(|(name, id)| {
            let s = model.schema(id);
            let free = s.types.contains(&SchemaType::String)
                && s.enum_values.is_empty()
                && s.const_value.is_none()
                && s.format.is_none()
                && s.pattern.is_none()
                && !s.read_only;
            free.then(|| (name, s.max_length, doc.body.clone()))
        })
        .collect()
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::testkit::Fixture;

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "paths":{
        "/api/search":{"get":{"parameters":[{"name":"q","in":"query","example":"kettle"},{"name":"next","in":"query"}]}},
        "/api/items/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"},"example":7}]}},
        "/api/items":{"post":{"parameters":[{"name":"q","in":"query"}]}}
      }}"##;

    #[test]
    fn finds_query_path_and_observed_slots() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .route("/api/lookup?sku=A-1&url=http://x/")
            .ctx(&sql_error::META);
        let got: Vec<(String, String, Place, String)> = slots(&ctx)
            .into_iter()
            .map(|s| (s.url.path().to_string(), s.param, s.place, s.value))
            .collect();
        assert!(got.contains(&(
            "/api/search".into(),
            "q".into(),
            Place::Query,
            "kettle".into()
        )));
        assert!(got.contains(&(
            format!("/api/items/{PATH_MARK}"),
            "id".into(),
            Place::Path,
            "7".into()
        )));
        assert!(got.contains(&(
            "/api/lookup".into(),
            "sku".into(),
            Place::Query,
            "A-1".into()
        )));
        assert!(
            !got.iter().any(|g| g.1 == "next" || g.1 == "url"),
            "{got:?}"
        );
        assert_eq!(got.iter().filter(|g| g.1 == "q").count(), 1, "POST ignored");
    }

    #[test]
    fn values_go_in_place() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .ctx(&sql_error::META);
        let all = slots(&ctx);
        let path = all.iter().find(|s| s.place == Place::Path).expect("path");
        assert_eq!(path.with_value("7'").path(), "/api/items/7%27");
        let q = all.iter().find(|s| s.param == "q").expect("q");
        assert_eq!(q.with_value("a'b").query(), Some("q=a%27b"));
    }

    #[test]
    fn echoes_are_rewritten() {
        let body = r#"{"q":"a'b","html":"a&#x27;b","n":1}"#;
        assert_eq!(echo_as(body, "a'b", "a"), r#"{"q":"a","html":"a","n":1}"#);
        assert_eq!(echo_as(r#"{"q":"a\"b"}"#, "a\"b", "a"), r#"{"q":"a"}"#);
        assert_eq!(
            echo_as(r#"{"sku":"S-1"}"#, "S-1' AND '1'='1", "S-1"),
            r#"{"sku":"S-1"}"#
        );
    }

    #[test]
    fn word_lists_match_their_examples() {
        let w = words().expect("words");
        assert!(w
            .command_match
            .iter()
            .all(|x| name_has(&w.command_words, x)));
        assert!(!w
            .command_no_match
            .iter()
            .any(|x| name_has(&w.command_words, x)));
        assert!(w
            .validated_match
            .iter()
            .all(|x| name_has(&w.validated_words, x)));
        assert!(!w
            .validated_no_match
            .iter()
            .any(|x| name_has(&w.validated_words, x)));
        for (list, yes, no) in [
            (
                &w.command_routes,
                &w.command_routes_match,
                &w.command_routes_no_match,
            ),
            (
                &w.validated_routes,
                &w.validated_routes_match,
                &w.validated_routes_no_match,
            ),
            (
                &w.skip_routes,
                &w.skip_routes_match,
                &w.skip_routes_no_match,
            ),
        ] {
            assert!(yes.iter().all(|x| route_has(list, x)), "{yes:?}");
            assert!(!no.iter().any(|x| route_has(list, x)), "{no:?}");
        }
    }

    #[test]
    fn body_slots_take_one_field_per_operation_first_strings_first() {
        const BODIES: &str = r##"{"openapi":"3.0.3","paths":{
          "/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"n":{"type":"integer"},"s":{"type":"string"},"t":{"type":"string"}}},"example":{"n":2,"s":"x","t":"y"}}}}}},
          "/b":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"kind":{"type":"string","enum":["k"]},"q":{"type":"string"},"callback_url":{"type":"string"}}},"example":{"kind":"k","q":"z","callback_url":"http://e.example/"}}}}}},
          "/c/{id}":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"q":{"type":"string","example":"w"}}}}}}}},
          "/api/auth/login":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"username":{"type":"string","example":"u"}}}}}}}},
          "/g":{"get":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"q":{"type":"string","example":"v"}}}}}}}}
        }}"##;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(BODIES)
            .ctx(&sql_error::META);
        let got: Vec<(String, String, String)> = body_slots(&ctx, &[Method::Post])
            .into_iter()
            .map(|s| (s.url.path().to_string(), s.param, s.value))
            .collect();
        let want = [
            ("/a", "s", "x"),
            ("/b", "q", "z"),
            ("/a", "t", "y"),
            ("/a", "n", "2"),
        ];
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
            .collect();
        assert_eq!(got, want, "no enum, URL, templated-path or login fields");
        let get = body_slots(&ctx, &[Method::Get]);
        assert_eq!(get.len(), 1);
        let req = get[0].request("v'");
        assert_eq!(req.method, HttpMethod::Get);
        let body: Value = serde_json::from_slice(req.body.as_deref().expect("body")).expect("json");
        assert_eq!(body["q"], "v'");
        let base: Value = serde_json::from_slice(
            body_slots(&ctx, &[Method::Post])[3]
                .request("2")
                .body
                .as_deref()
                .expect("body"),
        )
        .expect("json");
        assert_eq!(base["n"], 2, "the baseline keeps the documented number");
    }
}
