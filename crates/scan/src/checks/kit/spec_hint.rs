//! What the OpenAPI document the target serves says about an operation's security.
//!
//! [`documented_get`] asks the scan's parsed document (`TargetInfo::spec`) first. When
//! there is none, [`SpecHint`] reads just enough of an OpenAPI 2/3 document found in
//! the transcript (discovery fetches the spec when the API links it): the
//! `servers`/`basePath` prefix, the path templates, and the global and per-operation
//! `security` requirements.

use crate::check::CheckCtx;
use serde_json::{Map, Value};

/// What the document says an operation requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Documented {
    /// A security requirement applies (per operation or global).
    Secured,
    /// `security: []`, or an empty requirement `{}` (authentication optional).
    Public,
}

/// The security requirements of an OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct SpecHint {
    prefix: String,
    global: Option<Documented>,
    /// (path template segments, method lower-case, operation security)
    ops: Vec<(Vec<String>, String, Option<Documented>)>,
}

/// What the scan's OpenAPI document (supplied with `--spec` or found by the scanner)
/// says about `GET url`, falling back to a document among the recorded answers.
pub fn documented_get(
    ctx: &CheckCtx,
    fallback: Option<&SpecHint>,
    url: &url::Url,
) -> Option<Documented> {
    if let Some(spec) = &ctx.target().spec {
        let op = spec.operation_for(tollgate_spec::Method::Get, url)?;
        return match op.security_source {
            tollgate_spec::SecuritySource::Unspecified => None,
            _ if op.allows_anonymous() => Some(Documented::Public),
            _ => Some(Documented::Secured),
        };
    }
    fallback?.security("GET", url.path())
}

impl SpecHint {
    /// The first OpenAPI/Swagger document among the target's recorded JSON answers.
    pub fn from_transcript(ctx: &CheckCtx) -> Option<SpecHint> {
        ctx.transcript()
            .iter()
            .filter(|e| e.response.is_success() && ctx.in_scope(&e.request.url))
            .filter(|e| {
                e.response
                    .content_type()
                    .is_some_and(|c| c.contains("json"))
            })
            .find_map(|e| {
                let v: Value = serde_json::from_slice(&e.response.body).ok()?;
                SpecHint::parse(&v)
            })
    }

    /// Reads a parsed document; `None` if it is not OpenAPI/Swagger with `paths`.
    pub fn parse(doc: &Value) -> Option<SpecHint> {
        let obj = doc.as_object()?;
        if !(obj.contains_key("openapi") || obj.contains_key("swagger")) {
            return None;
        }
        let paths = obj.get("paths")?.as_object()?;
        let mut hint = SpecHint {
            prefix: prefix_of(obj),
            global: obj.get("security").and_then(requirement),
            ops: Vec::new(),
        };
        for (template, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let security = op.get("security").and_then(requirement);
                hint.ops
                    .push((segments(template), method.to_ascii_lowercase(), security));
            }
        }
        Some(hint)
    }

    /// Whether a document is this kind of document (used to leave the spec itself out
    /// of content judgements).
    pub fn is_spec_document(doc: &Value) -> bool {
        doc.get("paths").is_some() && (doc.get("openapi").is_some() || doc.get("swagger").is_some())
    }

    /// What the document says about `method path`, or `None` when the operation is
    /// not documented or no requirement is stated anywhere.
    pub fn security(&self, method: &str, path: &str) -> Option<Documented> {
        let rest = path.strip_prefix(self.prefix.as_str())?;
        let concrete = segments(rest);
        let method = method.to_ascii_lowercase();
        self.ops
            .iter()
            .find(|(t, m, _)| *m == method && matches(t, &concrete))
            .and_then(|(_, _, op)| op.or(self.global))
    }
}

fn prefix_of(obj: &Map<String, Value>) -> String {
    let raw = obj
        .get("servers")
        .and_then(|s| s.get(0))
        .and_then(|s| s.get("url"))
        .and_then(Value::as_str)
        .or_else(|| obj.get("basePath").and_then(Value::as_str))
        .unwrap_or("");
    let path = match url::Url::parse(raw) {
        Ok(u) => u.path().to_string(),
        Err(_) => raw.to_string(),
    };
    path.trim_end_matches('/').to_string()
}

fn requirement(v: &Value) -> Option<Documented> {
    let list = v.as_array()?;
    let optional = list
        .iter()
        .any(|r| r.as_object().is_some_and(Map::is_empty));
    Some(if list.is_empty() || optional {
        Documented::Public
    } else {
        Documented::Secured
    })
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn matches(template: &[String], concrete: &[String]) -> bool {
    template.len() == concrete.len()
        && template
            .iter()
            .zip(concrete)
            .all(|(t, c)| (t.starts_with('{') && t.ends_with('}')) || t == c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "openapi": "3.0.3",
            "servers": [{"url": "http://127.0.0.1:8000"}],
            "security": [{"bearerAuth": []}],
            "paths": {
                "/api/v2/products/": {"get": {"security": []}},
                "/api/v2/users/": {"get": {}},
                "/api/v2/orders/{id}/": {"get": {}},
                "/api/v2/feed/": {"get": {"security": [{}, {"bearerAuth": []}]}}
            }
        })
    }

    #[test]
    fn per_operation_overrides_global() {
        let h = SpecHint::parse(&doc()).expect("spec");
        assert_eq!(
            h.security("GET", "/api/v2/products/"),
            Some(Documented::Public)
        );
        assert_eq!(
            h.security("GET", "/api/v2/users/"),
            Some(Documented::Secured)
        );
        assert_eq!(
            h.security("GET", "/api/v2/orders/7/"),
            Some(Documented::Secured)
        );
        assert_eq!(h.security("GET", "/api/v2/feed/"), Some(Documented::Public));
        assert_eq!(h.security("GET", "/api/v1/users/"), None);
        assert_eq!(h.security("POST", "/api/v2/users/"), None);
    }

    #[test]
    fn base_path_and_no_requirements() {
        let d = json!({"swagger": "2.0", "basePath": "/api", "paths": {"/x": {"get": {}}}});
        let h = SpecHint::parse(&d).expect("spec");
        assert_eq!(h.security("GET", "/api/x"), None);
        assert!(SpecHint::parse(&json!({"paths": {}})).is_none());
        assert!(SpecHint::is_spec_document(&d));
    }
}
