//! Documented request bodies: the example body of an operation (the document's own
//! example, or one synthesised from the schema), its HTTP method, and the credential
//! it goes out with. Body probes (SSRF-005/006, INJ-001/003/005/006) start from these.

use crate::check::CheckCtx;
use crate::engine::Auth;
use serde_json::{Map, Value};
use tollgate_core::HttpMethod;
use tollgate_spec::{example, ApiModel, Method, Operation, SchemaId};

/// The HTTP method of an operation, for the methods a body probe may use.
pub fn http_method(m: Method) -> Option<HttpMethod> {
    match m {
        Method::Get => Some(HttpMethod::Get),
        Method::Head => Some(HttpMethod::Head),
        Method::Post => Some(HttpMethod::Post),
        Method::Put => Some(HttpMethod::Put),
        Method::Patch => Some(HttpMethod::Patch),
        _ => None,
    }
}

/// The HTTP method of a write operation (POST, PUT, PATCH).
pub fn write_method(m: Method) -> Option<HttpMethod> {
    http_method(m).filter(|h| matches!(h, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch))
}

/// Which media types a body may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// JSON only.
    Json,
    /// JSON or `application/x-www-form-urlencoded`.
    JsonOrForm,
}

/// An operation's documented body: an object, ready to have one field replaced.
#[derive(Debug, Clone)]
pub struct DocumentedBody {
    /// Form-encoded rather than JSON.
    pub form: bool,
    /// The body's schema, for its properties.
    pub schema: SchemaId,
    /// The example body.
    pub body: Map<String, Value>,
}

/// The first body of `op` of an accepted media type whose example (the document's, or
/// one built from the schema) is a JSON object.
pub fn documented_body(model: &ApiModel, op: &Operation, media: Media) -> Option<DocumentedBody> {
    let content = op.request_body.as_ref()?.content.iter().find(|c| {
        let t = c.media_type.to_ascii_lowercase();
        t.contains("json") || (media == Media::JsonOrForm && t.contains("x-www-form-urlencoded"))
    })?;
    let form = !content.media_type.to_ascii_lowercase().contains("json");
    let schema = content.schema?;
    let body = match content.example.clone() {
        Some(Value::Object(m)) => m,
        _ => match example::value_for(model, schema, example::Direction::Request) {
            Value::Object(m) => m,
            _ => return None,
        },
    };
    Some(DocumentedBody { form, schema, body })
}

/// How a probe of `op` authenticates: anonymously when the document allows it, else
/// as the primary identity (named); `None` when it needs a credential the scan lacks.
pub fn operation_auth(ctx: &CheckCtx, op: &Operation) -> Option<(Auth, Option<String>)> {
    if op.allows_anonymous() {
        return Some((Auth::Anonymous, None));
    }
    let id = ctx.target().primary_identity.clone()?;
    Some((Auth::Identity(id.clone()), Some(id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str = r#"{"openapi":"3.0.3","paths":{
      "/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"q":{"type":"string","example":"k"}}}}}}}},
      "/b":{"put":{"requestBody":{"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","properties":{"u":{"type":"string"}}},"example":{"u":"x"}}}}}},
      "/c":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"array","items":{"type":"string"}}}}}}}
    }}"#;

    #[test]
    fn bodies_by_media_type_with_examples() {
        let m = tollgate_spec::parse(DOC.as_bytes(), tollgate_spec::no_files).expect("spec");
        let op = |p: &str| m.operations.iter().find(|o| o.path == p).expect("op");
        let a = documented_body(&m, op("/a"), Media::Json).expect("json body");
        assert!(!a.form);
        assert_eq!(a.body.get("q"), Some(&json!("k")), "schema example");
        assert!(documented_body(&m, op("/b"), Media::Json).is_none());
        let b = documented_body(&m, op("/b"), Media::JsonOrForm).expect("form body");
        assert!(b.form);
        assert_eq!(b.body.get("u"), Some(&json!("x")), "the document's example");
        assert!(
            documented_body(&m, op("/c"), Media::Json).is_none(),
            "not an object"
        );
    }

    #[test]
    fn methods() {
        assert_eq!(write_method(Method::Put), Some(HttpMethod::Put));
        assert_eq!(write_method(Method::Get), None);
        assert_eq!(http_method(Method::Get), Some(HttpMethod::Get));
        assert_eq!(http_method(Method::Delete), None);
    }
}
