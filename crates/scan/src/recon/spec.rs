//! The API's OpenAPI document: supplied by the user or found on the target, the
//! requests it describes (with example values and real ids), and the objects in the
//! answers.
//!
//! Parsing is [`tollgate_spec`]'s job; this module only fetches (through the engine,
//! so scope, budget and redaction apply) and builds requests.

use crate::engine::{Auth, Engine, EngineError, Exchange, ProbeRequest, Scope};
use crate::scanner::ScanOptions;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_spec::{example, ApiModel, Method, Operation, ParamLocation, SpecError};
use url::Url;

/// The document the scan works from.
#[derive(Debug, Clone)]
pub struct ApiSpec {
    pub model: Arc<ApiModel>,
    /// Where the target serves it (found by discovery or a link), if it does.
    pub served_at: Option<Url>,
}

impl ApiSpec {
    /// The operation a concrete URL of the target calls, if the document has it.
    pub fn operation_for(&self, method: Method, url: &Url) -> Option<&Operation> {
        let path = self.relative_path(url)?;
        self.model.find_operation(method, &path)
    }

    /// Whether the document describes the URL's path with any method.
    pub fn documents(&self, url: &Url) -> bool {
        self.relative_path(url)
            .is_some_and(|p| self.model.documents_path(&p))
    }

    /// The URL's path with the servers' base path removed (`None` outside it).
    pub fn relative_path(&self, url: &Url) -> Option<String> {
        let base = self.model.base_path();
        let rest = url.path().strip_prefix(base)?;
        if rest.starts_with('/') || rest.is_empty() {
            Some(if rest.is_empty() {
                "/".into()
            } else {
                rest.to_string()
            })
        } else {
            None
        }
    }
}

/// Paths where APIs commonly serve their OpenAPI document, most common first.
pub const WELL_KNOWN_PATHS: &[&str] = &[
    "/openapi.json",
    "/swagger.json",
    "/api/schema/",
    "/api/schema/openapi.json",
    "/v3/api-docs",
    "/swagger/v1/swagger.json",
    "/openapi.yaml",
    "/swagger.yaml",
    "/api/openapi.json",
    "/api/swagger.json",
    "/v2/api-docs",
    "/api-docs",
];

/// The document in a response, if the response is one (a success, not HTML).
pub fn parse_response(ex: &Exchange) -> Option<ApiModel> {
    if !ex.response.is_success() || ex.response.truncated {
        return None;
    }
    if ex
        .response
        .content_type()
        .is_some_and(|c| c.contains("html"))
    {
        return None;
    }
    let body = &ex.response.body;
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    if !(head.contains("openapi") || head.contains("swagger")) {
        return None;
    }
    tollgate_spec::parse(body, tollgate_spec::no_files).ok()
}

/// The document of the scan: the supplied one, else the target's own, found among
/// the answers recorded so far (discovery follows links such as
/// `"openapi": "/api/schema/openapi.json"`) or at the well-known paths, asked
/// anonymously. A supplied document still learns where the target serves its own, if
/// discovery already fetched it.
pub async fn resolve(
    engine: &Engine,
    target: &Url,
    supplied: Option<&Arc<ApiModel>>,
) -> Option<ApiSpec> {
    let recorded = engine
        .transcript()
        .snapshot()
        .into_iter()
        .filter(|ex| engine.scope().allows(&ex.request.url))
        .find_map(|ex| parse_response(&ex).map(|m| served(m, &ex)));
    match (supplied, recorded) {
        (Some(model), found) => Some(ApiSpec {
            model: Arc::clone(model),
            served_at: found.and_then(|f| f.served_at),
        }),
        (None, Some(found)) => Some(found),
        (None, None) => discover(engine, target).await,
    }
}

/// The target's document at the well-known paths, asked anonymously.
async fn discover(engine: &Engine, target: &Url) -> Option<ApiSpec> {
    let urls: Vec<Url> = WELL_KNOWN_PATHS
        .iter()
        .filter_map(|p| target.join(p).ok())
        .collect();
    let answers = futures::future::join_all(
        urls.into_iter()
            .map(|u| engine.send(None, ProbeRequest::get(u))),
    )
    .await;
    answers
        .into_iter()
        .flatten()
        .find_map(|ex| parse_response(&ex).map(|m| served(m, &ex)))
}

fn served(model: ApiModel, ex: &Exchange) -> ApiSpec {
    ApiSpec {
        model: Arc::new(model),
        served_at: Some(ex.request.url.clone()),
    }
}

/// Why `--spec URL` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecFetchError {
    #[error("fetching the OpenAPI document {url}: {source}")]
    Engine { url: String, source: EngineError },
    #[error("the OpenAPI document at {url} answered HTTP {status}; check the URL, or pass the file with --spec PATH")]
    Status { url: String, status: u16 },
    #[error("the OpenAPI document at {url}: {source}")]
    Parse { url: String, source: SpecError },
}

/// Fetches and parses the document at `url` for `--spec URL`, through an engine with
/// the scan's scope, limits and identities (the primary one authenticates the fetch),
/// so a URL outside the scope is refused. Files it references are not fetched.
pub async fn fetch(opts: &ScanOptions, url: Url) -> Result<ApiModel, SpecFetchError> {
    let redacted = |e: &EngineError| e.to_string();
    let scope =
        Scope::new(&opts.target, &opts.extra_scope).map_err(|source| SpecFetchError::Engine {
            url: url.to_string(),
            source,
        })?;
    let engine = Engine::new(opts.engine.clone(), scope, opts.identities.clone(), false).map_err(
        |source| SpecFetchError::Engine {
            url: url.to_string(),
            source,
        },
    )?;
    let safe_url = engine.redactor().redact(url.as_str()).into_owned();
    let mut req = ProbeRequest::get(url).follow_redirects();
    if let Some(primary) = opts.identities.first() {
        req = req.auth(Auth::Identity(primary.name.clone()));
    }
    let ex = engine.send(None, req).await.map_err(|source| {
        tracing::debug!(error = %redacted(&source), "spec fetch failed");
        SpecFetchError::Engine {
            url: safe_url.clone(),
            source,
        }
    })?;
    if !ex.response.is_success() {
        return Err(SpecFetchError::Status {
            url: safe_url,
            status: ex.response.status,
        });
    }
    tollgate_spec::parse(&ex.response.body, tollgate_spec::no_files).map_err(|source| {
        SpecFetchError::Parse {
            url: safe_url,
            source,
        }
    })
}

/// Parameter names that carry a URL or a destination: requests that fill them with
/// an example would make the target fetch or redirect, which is the SSRF checks' job.
const DESTINATION_PARAMS: &[&str] = &[
    "url",
    "uri",
    "link",
    "href",
    "callback",
    "webhook",
    "redirect",
    "return",
    "next",
    "dest",
    "destination",
    "target",
    "feed",
    "image_url",
    "avatar_url",
];

fn is_destination(name: &str, format: Option<&str>) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(format, Some("uri") | Some("url") | Some("iri"))
        || DESTINATION_PARAMS
            .iter()
            .any(|d| n == *d || n.ends_with(&format!("_{d}")))
}

/// A concrete URL for an operation: the target's origin, the servers' base path, the
/// template with `path_values` (else examples), and every required query parameter.
/// `None` when a required parameter is a destination URL, or a header/cookie.
pub fn operation_url(
    target: &Url,
    spec: &ApiSpec,
    op: &Operation,
    path_values: &HashMap<String, String>,
) -> Option<Url> {
    let model = &spec.model;
    let mut path = op.path.clone();
    for p in op.params_in(ParamLocation::Path) {
        let value = path_values
            .get(&p.name)
            .cloned()
            .unwrap_or_else(|| example::param_value(model, p));
        path = path.replace(&format!("{{{}}}", p.name), &encode_segment(&value));
    }
    if path.contains('{') {
        return None;
    }
    let mut url = target.join(&format!("{}{path}", model.base_path())).ok()?;
    let mut query = Vec::new();
    for p in op.parameters.iter().filter(|p| p.required) {
        let format = p.schema.and_then(|s| model.schema(s).format.as_deref());
        match p.location {
            ParamLocation::Query if !is_destination(&p.name, format) => {
                query.push((p.name.clone(), example::param_value(model, p)));
            }
            ParamLocation::Path => {}
            _ => return None,
        }
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Some(url)
}

fn encode_segment(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The template of the collection an item template belongs to: `/orders/{id}/` →
/// `/orders/`, `/orders/{id}` → `/orders`. `None` unless the last segment is a
/// single parameter.
pub fn parent_template(template: &str) -> Option<(String, String)> {
    let trailing = template.ends_with('/');
    let trimmed = template.trim_end_matches('/');
    let (parent, last) = trimmed.rsplit_once('/')?;
    let name = last.strip_prefix('{')?.strip_suffix('}')?;
    if name.contains(['{', '}']) || parent.contains('{') {
        return None;
    }
    let parent = if trailing {
        format!("{parent}/")
    } else {
        parent.to_string()
    };
    Some((
        if parent.is_empty() {
            "/".into()
        } else {
            parent
        },
        name.to_string(),
    ))
}

/// The objects of a list answer: a top-level array, or the first array of objects
/// under `results`, `data`, `items`, `content`, `records` or any other key.
pub fn list_items(v: &Value) -> Vec<&Map<String, Value>> {
    fn objects(a: &[Value]) -> Vec<&Map<String, Value>> {
        a.iter().filter_map(Value::as_object).collect()
    }
    match v {
        Value::Array(a) => objects(a),
        Value::Object(m) => {
            for key in ["results", "data", "items", "content", "records"] {
                if let Some(Value::Array(a)) = m.get(key) {
                    return objects(a);
                }
            }
            // HAL: `{"_embedded": {"products": [...]}}`.
            if let Some(Value::Object(embedded)) = m.get("_embedded") {
                if let Some(a) = embedded.values().find_map(|x| {
                    x.as_array()
                        .filter(|a| a.first().is_some_and(Value::is_object))
                }) {
                    return objects(a);
                }
            }
            m.values()
                .find_map(|x| {
                    x.as_array()
                        .filter(|a| a.first().is_some_and(Value::is_object))
                })
                .map(|a| objects(a))
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// An object's identifier for the path parameter `param`: the field of that name,
/// else `id`, `pk`, `uuid`; numbers and short strings only.
pub fn object_id(obj: &Map<String, Value>, param: &str) -> Option<String> {
    [param, "id", "pk", "uuid"]
        .iter()
        .find_map(|k| match obj.get(*k)? {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) if !s.is_empty() && s.len() <= 128 && !s.contains('/') => {
                Some(s.clone())
            }
            _ => None,
        })
}

/// The ids of a list answer's objects, in order.
pub fn ids_in(body: &[u8], param: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    list_items(&v)
        .iter()
        .filter_map(|o| object_id(o, param))
        .collect()
}

/// Most operations the scanner exercises while learning the target.
const MAX_EXERCISED: usize = 60;

/// Calls the document's GET operations so later checks find the answers in the
/// transcript: collections anonymously and as the primary identity, then every
/// templated operation (filled with an id its collection returned, else with the
/// document's example values) as the primary identity and anonymously. The token
/// checks find protected routes among these answers. Operations that need a destination URL, a header or a cookie are left
/// to the checks that own them.
pub async fn exercise(engine: &Engine, target: &Url, spec: &ApiSpec, primary: Option<&str>) {
    let gets: Vec<&Operation> = spec
        .model
        .operations
        .iter()
        .filter(|o| o.method == Method::Get)
        .take(MAX_EXERCISED)
        .collect();
    let none = HashMap::new();
    let lists: Vec<(&Operation, Url)> = gets
        .iter()
        .filter(|o| !o.is_templated())
        .filter_map(|o| operation_url(target, spec, o, &none).map(|u| (*o, u)))
        .collect();
    let answers = get_all(engine, lists.iter().map(|(_, u)| u.clone()), primary).await;
    let mut items = Vec::new();
    for op in gets.iter().filter(|o| o.is_templated()) {
        let values = real_id(op, &lists, &answers).unwrap_or_default();
        items.extend(operation_url(target, spec, op, &values));
    }
    get_all(engine, items.into_iter(), primary).await;
}

/// The path value of an item operation taken from its collection's answer (the
/// first id it listed), if the document has the collection and it listed one.
/// Without it the operation's URL is filled from the document's examples.
fn real_id(
    op: &Operation,
    lists: &[(&Operation, Url)],
    answers: &[Option<Arc<Exchange>>],
) -> Option<HashMap<String, String>> {
    let (parent, param) = parent_template(&op.path)?;
    let i = lists.iter().position(|(o, _)| o.path == parent)?;
    let ex = answers.get(i)?.as_ref()?;
    let first = ids_in(&ex.response.body, &param).into_iter().next()?;
    Some(HashMap::from([(param, first)]))
}

/// GETs every URL anonymously and as `primary`; returns, in order, the primary
/// identity's answer (the anonymous one without an identity), `None` where it failed.
async fn get_all(
    engine: &Engine,
    urls: impl Iterator<Item = Url>,
    primary: Option<&str>,
) -> Vec<Option<Arc<Exchange>>> {
    let futs = urls.map(|u| async move {
        let anon = engine.send(None, ProbeRequest::get(u.clone())).await;
        let authed = match primary {
            Some(p) => {
                engine
                    .send(
                        None,
                        ProbeRequest::get(u).auth(Auth::Identity(p.to_string())),
                    )
                    .await
            }
            None => anon,
        };
        authed
            .map_err(|e| tracing::debug!(error = %e, "exercising an operation failed"))
            .ok()
    });
    futures::future::join_all(futs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(doc: &str) -> ApiSpec {
        ApiSpec {
            model: Arc::new(
                tollgate_spec::parse(doc.as_bytes(), tollgate_spec::no_files).expect("spec"),
            ),
            served_at: None,
        }
    }

    const DOC: &str = r#"{"openapi":"3.0.0","servers":[{"url":"https://api.example/v2"}],"paths":{
      "/orders/":{"get":{"parameters":[{"name":"status","in":"query","required":true,"schema":{"type":"string","enum":["paid","open"]}}]}},
      "/orders/{id}/":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer","minimum":5}}]}},
      "/fetch":{"get":{"parameters":[{"name":"url","in":"query","required":true,"schema":{"type":"string","format":"uri"}}]}},
      "/h":{"get":{"parameters":[{"name":"X-Key","in":"header","required":true}]}}}}"#;

    #[test]
    fn builds_urls_with_examples_and_real_ids() {
        let s = spec(DOC);
        let target = Url::parse("http://127.0.0.1:9/").expect("url");
        let none = HashMap::new();
        let op = |p: &str| s.model.operations.iter().find(|o| o.path == p).expect("op");
        let list = operation_url(&target, &s, op("/orders/"), &none).expect("list");
        assert_eq!(list.as_str(), "http://127.0.0.1:9/v2/orders/?status=paid");
        let item = operation_url(&target, &s, op("/orders/{id}/"), &none).expect("item");
        assert_eq!(item.path(), "/v2/orders/5/");
        let ids = HashMap::from([("id".to_string(), "a b".to_string())]);
        let item = operation_url(&target, &s, op("/orders/{id}/"), &ids).expect("item");
        assert_eq!(item.path(), "/v2/orders/a%20b/");
        assert!(
            operation_url(&target, &s, op("/fetch"), &none).is_none(),
            "destination URL left alone"
        );
        assert!(operation_url(&target, &s, op("/h"), &none).is_none());
        assert!(s.documents(&Url::parse("http://h/v2/orders/7/").expect("url")));
        assert!(!s.documents(&Url::parse("http://h/orders/7/").expect("url")));
        assert!(s
            .operation_for(
                Method::Get,
                &Url::parse("http://h/v2/orders/").expect("url")
            )
            .is_some());
    }

    #[test]
    fn parents_and_ids() {
        assert_eq!(
            parent_template("/orders/{id}/"),
            Some(("/orders/".into(), "id".into()))
        );
        assert_eq!(
            parent_template("/orders/{id}"),
            Some(("/orders".into(), "id".into()))
        );
        assert_eq!(parent_template("/{id}"), Some(("/".into(), "id".into())));
        assert_eq!(parent_template("/orders/"), None);
        assert_eq!(parent_template("/a/{x}/b/{y}"), None);
        let body = br#"{"count":2,"results":[{"id":1,"n":"a"},{"id":"x-2"},{"nope":1}]}"#;
        assert_eq!(ids_in(body, "id"), ["1", "x-2"]);
        assert_eq!(ids_in(br#"[{"order_id":9,"id":3}]"#, "order_id"), ["9"]);
        assert_eq!(
            ids_in(br#"{"page":{"x":1},"rows":[{"pk":4}]}"#, "id"),
            ["4"]
        );
        assert!(ids_in(b"not json", "id").is_empty());
        assert_eq!(
            ids_in(
                br#"{"total":2,"_links":{},"_embedded":{"products":[{"id":5},{"id":6}]}}"#,
                "id"
            ),
            ["5", "6"]
        );
    }
}
