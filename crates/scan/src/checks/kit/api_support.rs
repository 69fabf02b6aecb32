//! Helpers shared by the API-description checks (BOLA, BFLA, property authorization,
//! inventory, resource consumption): JSON answers, who the identities are, and
//! masking values a target leaked.

use crate::check::CheckCtx;
use crate::engine::Exchange;
use crate::recon::spec::ApiSpec;
use serde_json::Value;
use tollgate_core::Finding;

/// Words in an identity's name that mark it as privileged (`admin`, `root_user`).
const PRIVILEGED_NAMES: &[&str] = &["admin", "root", "super", "staff", "operator", "owner"];

/// Whether an identity's name says it is privileged.
pub fn privileged_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    PRIVILEGED_NAMES.iter().any(|w| n.contains(w))
}

/// The low-privilege identity: the primary one unless its name says it is
/// privileged, else the first identity whose name does not.
pub fn low_identity(ctx: &CheckCtx) -> Option<String> {
    let t = ctx.target();
    t.primary_identity
        .clone()
        .filter(|p| !privileged_name(p))
        .or_else(|| t.identities.iter().find(|i| !privileged_name(i)).cloned())
}

/// Another low-privilege identity besides `low` (the victim of a BOLA test).
pub fn peer_identity(ctx: &CheckCtx, low: &str) -> Option<String> {
    ctx.target()
        .identities
        .iter()
        .find(|i| i.as_str() != low && !privileged_name(i))
        .cloned()
}

/// The identity whose name says it is privileged (the admin of a BFLA comparison).
pub fn admin_identity(ctx: &CheckCtx) -> Option<String> {
    ctx.target()
        .identities
        .iter()
        .find(|i| privileged_name(i))
        .cloned()
}

/// The parsed JSON body of a successful answer that says (or looks like) it is JSON.
pub fn json_body(ex: &Exchange) -> Option<Value> {
    if !ex.response.is_success() {
        return None;
    }
    let declared = ex
        .response
        .content_type()
        .is_some_and(|c| c.contains("json"));
    let looks = ex
        .response
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[');
    if !(declared || looks) {
        return None;
    }
    serde_json::from_slice(&ex.response.body).ok()
}

/// Whether two answers are the same object: equal, or equal apart from fields that
/// change between calls (timestamps of "now", request ids), judged as at least 90%
/// of the top-level fields equal with the same `id`.
pub fn same_object(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let (Some(x), Some(y)) = (a.as_object(), b.as_object()) else {
        return false;
    };
    if x.is_empty() || x.get("id") != y.get("id") || x.len() != y.len() {
        return false;
    }
    let equal = x.iter().filter(|(k, v)| y.get(*k) == Some(v)).count();
    equal * 10 >= x.len() * 9
}

/// Whether the answer looks like "not found" on this target (404/410, or the
/// soft-404 page).
pub fn is_missing(ctx: &CheckCtx, ex: &Exchange) -> bool {
    ctx.target()
        .soft404
        .is_missing(ex.request.url.path(), &ex.response)
}

/// The scan's OpenAPI document, if any.
/// Whether a JSON answer is an API description rather than data: an OpenAPI or
/// Swagger document (`openapi`/`swagger` version beside `paths` or `info`), or a JSON
/// Schema (a `$schema` URL naming json-schema). Their property names and examples
/// describe fields; they are not anyone's values.
pub fn is_api_description(body: &Value) -> bool {
    let Value::Object(m) = body else {
        return false;
    };
    let version = ["openapi", "swagger"]
        .iter()
        .any(|k| m.get(*k).is_some_and(Value::is_string));
    let described =
        m.get("paths").is_some_and(Value::is_object) || m.get("info").is_some_and(Value::is_object);
    let schema = m
        .get("$schema")
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains("json-schema"));
    (version && described) || schema
}

pub fn spec(ctx: &CheckCtx) -> Option<&ApiSpec> {
    ctx.target().spec.as_deref()
}

/// The spec's write operations (POST, PUT, PATCH).
pub fn write_operations(
    model: &tollgate_spec::ApiModel,
) -> impl Iterator<Item = &tollgate_spec::Operation> {
    use tollgate_spec::Method;
    model
        .operations
        .iter()
        .filter(|o| matches!(o.method, Method::Post | Method::Put | Method::Patch))
}

/// The writable (not `readOnly`) request-body properties of an operation, by name.
pub fn writable_body_properties<'m>(
    model: &'m tollgate_spec::ApiModel,
    op: &tollgate_spec::Operation,
) -> Vec<(String, &'m tollgate_spec::Schema)> {
    let Some(body) = &op.request_body else {
        return Vec::new();
    };
    body.content
        .iter()
        .filter_map(|c| c.schema)
        .flat_map(|schema| model.properties(schema))
        .map(|(name, prop)| (name, model.schema(prop)))
        .filter(|(_, s)| !s.read_only)
        .collect()
}

/// A tentative, spec-only finding about an operation's request body: nothing was sent.
pub fn request_body_finding(
    ctx: &CheckCtx,
    meta: &'static tollgate_core::CheckMeta,
    model: &tollgate_spec::ApiModel,
    op: &tollgate_spec::Operation,
    title: String,
) -> Finding {
    let url = ctx.url(&format!(
        "{}{}",
        model.base_path(),
        op.path.replace(['{', '}'], "")
    ));
    Finding::new(
        meta,
        tollgate_core::Location::http(op.method.as_str(), url.to_string()),
        title,
    )
    .with_confidence(tollgate_core::Confidence::Tentative)
    .with_key(&op.path)
    .with_fact(format!("request body schema at {}/requestBody", op.pointer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        assert!(
            privileged_name("admin") && privileged_name("SuperUser") && privileged_name("root")
        );
        assert!(!privileged_name("alice") && !privileged_name("bob"));
    }

    #[test]
    fn objects_compare_by_content() {
        let a = json!({"id": 2, "owner": "bob", "total": "9.00"});
        assert!(same_object(&a, &a.clone()));
        assert!(!same_object(
            &a,
            &json!({"id": 3, "owner": "bob", "total": "9.00"})
        ));
        assert!(!same_object(&a, &json!({"detail": "Not found."})));
        let many: serde_json::Map<String, Value> =
            (0..20).map(|i| (format!("f{i}"), json!(i))).collect();
        let mut b = many.clone();
        b.insert("f19".into(), json!("changed"));
        assert!(same_object(&Value::Object(many), &Value::Object(b)));
    }
}
