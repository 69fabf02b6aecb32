//! Helpers of the intrusive write-side checks (PROP-004, BOLA-003, BFLA-002): JSON
//! writes as an identity, reads back, the operations of a collection, the account id
//! of an identity, and unique marker values.

use crate::check::{CheckCtx, CheckError};
use crate::checks::kit::api_support::json_body;
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::recon::spec::{operation_url, parent_template, ApiSpec};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_core::HttpMethod;
use tollgate_spec::{example, ApiModel, Method, Operation, SchemaId};
use url::Url;

/// Path segments of endpoints about the caller (`/me`, `/profile`).
pub const SELF_SEGMENTS: &[&str] = &["me", "whoami", "self", "profile", "account", "userinfo"];
/// Last segments of collections of user accounts.
pub const ACCOUNT_COLLECTIONS: &[&str] = &[
    "users",
    "user",
    "accounts",
    "members",
    "profiles",
    "customers",
    "people",
];

/// The credential of an identity, or none.
pub fn auth(who: Option<&str>) -> Auth {
    who.map_or(Auth::Anonymous, |w| Auth::Identity(w.to_string()))
}

/// The wire method of a spec method.
pub fn http_method(m: Method) -> HttpMethod {
    match m {
        Method::Get => HttpMethod::Get,
        Method::Put => HttpMethod::Put,
        Method::Post => HttpMethod::Post,
        Method::Delete => HttpMethod::Delete,
        Method::Options => HttpMethod::Options,
        Method::Head => HttpMethod::Head,
        Method::Patch => HttpMethod::Patch,
        Method::Trace => HttpMethod::Trace,
    }
}

/// Sends `method url` as `who`, with a JSON body when given.
pub async fn send_json(
    ctx: &CheckCtx,
    method: HttpMethod,
    url: &Url,
    who: Option<&str>,
    body: Option<&Value>,
) -> Result<Arc<Exchange>, CheckError> {
    let mut req = ProbeRequest::new(method, url.clone()).auth(auth(who));
    if let Some(b) = body {
        req = req.header("content-type", "application/json");
        req.body = Some(Bytes::from(b.to_string()));
    }
    ctx.send(req).await
}

/// GET `url` as `who`: the JSON object it answers, if any. Every read is a fresh
/// request (a unique `x-request-id`, `cache-control: no-cache`): the engine shares the
/// answers of identical GETs, and a read-back must see the state after a write.
pub async fn read_object(
    ctx: &CheckCtx,
    url: &Url,
    who: Option<&str>,
) -> Result<(Arc<Exchange>, Option<Map<String, Value>>), CheckError> {
    let req = ProbeRequest::get(url.clone())
        .auth(auth(who))
        .header("cache-control", "no-cache")
        .header("x-request-id", format!("tollgate-{}", tag()));
    let ex = ctx.send(req).await?;
    let obj = json_body(&ex).and_then(|v| match v {
        Value::Object(m) => Some(m),
        _ => None,
    });
    Ok((ex, obj))
}

/// The operation with `method` on exactly `path`.
pub fn op_at<'a>(model: &'a ApiModel, method: Method, path: &str) -> Option<&'a Operation> {
    model
        .operations
        .iter()
        .find(|o| o.method == method && o.path == path)
}

/// The item operation with `method` under the collection `collection` (`/notes` →
/// `/notes/{id}`), and its parameter name.
pub fn item_op<'a>(
    model: &'a ApiModel,
    method: Method,
    collection: &str,
) -> Option<(&'a Operation, String)> {
    model.operations.iter().find_map(|o| {
        let (parent, param) = parent_template(&o.path)?;
        (o.method == method && parent == collection).then_some((o, param))
    })
}

/// The URL of an operation with its single path parameter set to `id`.
pub fn url_with(
    ctx: &CheckCtx,
    spec: &ApiSpec,
    op: &Operation,
    param: &str,
    id: &str,
) -> Option<Url> {
    let values = HashMap::from([(param.to_string(), id.to_string())]);
    operation_url(&ctx.target().url, spec, op, &values)
}

/// The URL of an operation without path parameters.
pub fn plain_url(ctx: &CheckCtx, spec: &ApiSpec, op: &Operation) -> Option<Url> {
    if op.is_templated() {
        return None;
    }
    operation_url(&ctx.target().url, spec, op, &HashMap::new())
}

/// The JSON request-body schema of an operation.
pub fn json_body_schema(op: &Operation) -> Option<SchemaId> {
    op.request_body
        .as_ref()?
        .content
        .iter()
        .find(|c| c.media_type.to_ascii_lowercase().contains("json"))?
        .schema
}

/// A well-formed JSON body for an operation: the document's example for the media
/// type, else one built from the schema.
pub fn example_body(model: &ApiModel, op: &Operation) -> Option<Value> {
    let content = op
        .request_body
        .as_ref()?
        .content
        .iter()
        .find(|c| c.media_type.to_ascii_lowercase().contains("json"))?;
    content
        .example
        .clone()
        .or_else(|| {
            content
                .schema
                .map(|s| example::value_for(model, s, example::Direction::Request))
        })
        .filter(Value::is_object)
}

/// Field names whose values must be unique per object (a second account with the
/// same username is refused).
const UNIQUE_FIELDS: &[&str] = &[
    "username", "login", "email", "name", "handle", "slug", "sku", "code", "title",
];

/// The body with unique values in the fields that must be unique: `carol` →
/// `carol_tg1a2b3c`, `carol@example.com` → `carol+tg1a2b3c@example.com`.
pub fn uniquify(body: &mut Value, tag: &str) {
    let Value::Object(m) = body else { return };
    for (k, v) in m.iter_mut() {
        let lower = k.to_ascii_lowercase();
        if !UNIQUE_FIELDS
            .iter()
            .any(|u| lower == *u || lower.ends_with(&format!("_{u}")))
        {
            continue;
        }
        if let Value::String(s) = v {
            *s = match s.split_once('@') {
                Some((local, domain)) => format!("{local}+{tag}@{domain}"),
                None => format!("{s}_{tag}"),
            };
        }
    }
}

/// A short tag unique to this scan and call (`tg` and 6 hex digits).
pub fn tag() -> String {
    format!("tg{:06x}", fastrand::u32(..0x0100_0000))
}

/// The account id of an identity: the `id` of its answer to the document's GET
/// operation about the caller (`/me`, `/profile`).
pub async fn account_id(
    ctx: &CheckCtx,
    spec: &ApiSpec,
    who: &str,
) -> Result<Option<String>, CheckError> {
    let Some(url) = self_operation(&spec.model).and_then(|o| plain_url(ctx, spec, o)) else {
        return Ok(None);
    };
    let (_, obj) = read_object(ctx, &url, Some(who)).await?;
    Ok(obj.and_then(|o| {
        ["id", "pk", "user_id", "uuid"]
            .iter()
            .find_map(|k| scalar(o.get(*k)?))
    }))
}

/// The document's GET operation about the caller, if any.
pub fn self_operation(model: &ApiModel) -> Option<&Operation> {
    model.operations.iter().find(|o| {
        o.method == Method::Get
            && !o.is_templated()
            && o.path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .is_some_and(|s| SELF_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()))
    })
}

/// Whether a collection path holds user accounts (`/api/users`).
pub fn is_account_collection(path: &str) -> bool {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .is_some_and(|s| ACCOUNT_COLLECTIONS.contains(&s.to_ascii_lowercase().as_str()))
}

/// A number or non-empty string as text.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether a stored value is the one sent: equal, or the same number or flag in
/// another JSON type (`987654` and `"987654.00"`, `true` and `1`).
pub fn stored_as(sent: &Value, stored: &Value) -> bool {
    if sent == stored {
        return true;
    }
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    match (sent, stored) {
        (Value::Bool(_), Value::Number(_)) | (Value::Number(_), _) => {
            matches!((num(sent), num(stored)), (Some(a), Some(b)) if (a - b).abs() < 1e-9)
        }
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Array(a), Value::Array(b)) => {
            !a.is_empty() && a.iter().all(|x| b.iter().any(|y| stored_as(x, y)))
        }
        (Value::String(a), Value::Array(b)) => {
            b.iter().any(|y| stored_as(&Value::String(a.clone()), y))
        }
        _ => false,
    }
}

/// A value shown briefly in a finding (strings cut at 60 characters).
pub fn show(v: Option<&Value>) -> String {
    match v {
        None => "absent".into(),
        Some(Value::String(s)) if s.chars().count() > 60 => {
            format!("\"{}…\"", s.chars().take(60).collect::<String>())
        }
        Some(v) => v.to_string(),
    }
}

/// The write's body: the one field for `PATCH`; for `PUT` the object's own values of
/// the documented writable (non-credential) properties with the field replaced.
pub fn update_body(
    model: &ApiModel,
    op: &Operation,
    before: &Map<String, Value>,
    field: &str,
    value: Value,
) -> Value {
    let mut body = Map::new();
    if op.method == Method::Put {
        for (name, _) in super::api_support::writable_body_properties(model, op) {
            if super::credential_fields::field_kind(&name).is_some() {
                continue;
            }
            if let Some(v) = before.get(&name) {
                body.insert(name, v.clone());
            }
        }
    }
    body.insert(field.to_string(), value);
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_values_compare_loosely() {
        assert!(stored_as(&json!(true), &json!(true)));
        assert!(stored_as(&json!(true), &json!(1)));
        assert!(stored_as(&json!(987654), &json!("987654.00")));
        assert!(stored_as(&json!("admin"), &json!("Admin")));
        assert!(stored_as(&json!(["admin"]), &json!(["user", "admin"])));
        assert!(!stored_as(&json!(true), &json!(false)));
        assert!(!stored_as(&json!("admin"), &json!("user")));
        assert!(!stored_as(&json!(true), &json!("yes")));
    }

    #[test]
    fn unique_values() {
        let mut b = json!({"username": "carol", "email": "c@x.test", "password": "p", "n": 1});
        uniquify(&mut b, "tg0001");
        assert_eq!(b["username"], "carol_tg0001");
        assert_eq!(b["email"], "c+tg0001@x.test");
        assert_eq!(b["password"], "p");
    }

    #[test]
    fn collections() {
        assert!(is_account_collection("/api/users/") && is_account_collection("/v1/accounts"));
        assert!(!is_account_collection("/api/notes"));
    }
}
