//! Example values for schemas and parameters: what a request to the API needs to be
//! well-formed. The document's own `const`, `example`, `default` and `enum` come first,
//! then a value built from the type and format.

use crate::model::{ApiModel, Parameter, SchemaId, SchemaType};
use serde_json::{Map, Value};

/// Deepest nesting an example is built to; deeper parts are `null`.
const MAX_DEPTH: usize = 8;
/// Most properties an example object gets.
const MAX_PROPERTIES: usize = 64;

/// Whether an example is for a request (read-only properties left out) or a
/// response (write-only properties left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// An example value for a schema.
pub fn value_for(model: &ApiModel, id: SchemaId, direction: Direction) -> Value {
    build(model, id, direction, 0)
}

/// An example value for a parameter, as it goes into a URL (no quotes; arrays
/// comma-separated).
pub fn param_value(model: &ApiModel, param: &Parameter) -> String {
    let value = param
        .example
        .clone()
        .or_else(|| {
            param
                .schema
                .map(|s| value_for(model, s, Direction::Request))
        })
        .unwrap_or(Value::Null);
    match value {
        Value::Null => "1".to_string(),
        other => as_url_text(&other),
    }
}

/// A JSON value as query/path text: strings bare, arrays comma-joined.
pub fn as_url_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_url_text).collect::<Vec<_>>().join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn build(model: &ApiModel, id: SchemaId, dir: Direction, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    let s = model.schema(id);
    if let Some(v) = s
        .const_value
        .clone()
        .or_else(|| s.example.clone())
        .or_else(|| s.default.clone())
    {
        return v;
    }
    if let Some(first) = s.enum_values.iter().find(|v| !v.is_null()) {
        return first.clone();
    }
    if let Some(alt) = s.one_of.first().or_else(|| s.any_of.first()) {
        return build(model, *alt, dir, depth + 1);
    }
    let ty = s.types.first().copied().or_else(|| infer(model, id));
    match ty {
        Some(SchemaType::Object) | None if has_properties(model, id) => {
            object(model, id, dir, depth)
        }
        Some(SchemaType::Object) => Value::Object(Map::new()),
        Some(SchemaType::Array) => match s.items {
            Some(items) => Value::Array(vec![build(model, items, dir, depth + 1)]),
            None => Value::Array(Vec::new()),
        },
        Some(SchemaType::String) | Some(SchemaType::File) => Value::String(string(model, id)),
        Some(SchemaType::Integer) => Value::from(integer(s.minimum, s.maximum)),
        Some(SchemaType::Number) => Value::from(integer(s.minimum, s.maximum)),
        Some(SchemaType::Boolean) => Value::Bool(true),
        Some(SchemaType::Null) => Value::Null,
        None => Value::Null,
    }
}

fn has_properties(model: &ApiModel, id: SchemaId) -> bool {
    !model.properties(id).is_empty()
}

/// A type for an untyped schema: from its `allOf` parts, or object when it has
/// properties.
fn infer(model: &ApiModel, id: SchemaId) -> Option<SchemaType> {
    let s = model.schema(id);
    s.all_of
        .iter()
        .find_map(|p| model.schema(*p).types.first().copied())
        .or_else(|| has_properties(model, id).then_some(SchemaType::Object))
        .or_else(|| s.items.map(|_| SchemaType::Array))
}

fn object(model: &ApiModel, id: SchemaId, dir: Direction, depth: usize) -> Value {
    let mut out = Map::new();
    for (name, prop) in model.properties(id).into_iter().take(MAX_PROPERTIES) {
        let p = model.schema(prop);
        let skip = match dir {
            Direction::Request => p.read_only,
            Direction::Response => p.write_only,
        };
        if !skip {
            out.insert(name, build(model, prop, dir, depth + 1));
        }
    }
    Value::Object(out)
}

/// 1, clamped into the schema's range.
fn integer(min: Option<f64>, max: Option<f64>) -> i64 {
    let lo = min.map_or(f64::MIN, f64::ceil);
    let hi = max.map_or(f64::MAX, f64::floor);
    // `as` saturates; NaN (from a hostile document) becomes 0.
    1f64.max(lo).min(hi) as i64
}

fn string(model: &ApiModel, id: SchemaId) -> String {
    let s = model.schema(id);
    let base = match s.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("date-time") => "2024-01-01T00:00:00Z",
        Some("date") => "2024-01-01",
        Some("time") => "00:00:00Z",
        Some("email") | Some("idn-email") => "tollgate@example.com",
        Some("uuid") => "00000000-0000-4000-8000-000000000001",
        Some("uri") | Some("url") | Some("iri") => "https://example.com/",
        Some("hostname") | Some("idn-hostname") => "example.com",
        Some("ipv4") => "192.0.2.1",
        Some("ipv6") => "2001:db8::1",
        Some("byte") => "dG9sbGdhdGU=",
        Some("password") => "Tollgate-example-1",
        Some("int32") | Some("int64") => "1",
        _ => "tollgate",
    };
    let mut out = base.to_string();
    let min = usize::try_from(s.min_length.unwrap_or(0))
        .unwrap_or(usize::MAX)
        .min(1024);
    while out.len() < min {
        out.push('x');
    }
    if let Some(max) = s.max_length.and_then(|m| usize::try_from(m).ok()) {
        if out.len() > max && max > 0 && out.is_ascii() {
            out.truncate(max);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{no_files, parse};

    fn api() -> ApiModel {
        let doc = br#"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 10}}
        - {name: kind, in: query, schema: {type: string, enum: [red, blue]}}
        - {name: when, in: query, schema: {type: string, format: date-time}}
        - {name: ex, in: query, example: 42, schema: {type: integer}}
        - {name: tags, in: query, schema: {type: array, items: {type: string, minLength: 10}}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses: {'200': {description: ok}}
components:
  schemas:
    Thing:
      type: object
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, maxLength: 3}
        child: {$ref: '#/components/schemas/Thing'}
        email: {type: [string, 'null'], format: email}
"#;
        parse(doc, no_files).expect("valid")
    }

    #[test]
    fn parameters_get_typed_values() {
        let api = api();
        let op = &api.operations[0];
        let v: Vec<String> = op.parameters.iter().map(|p| param_value(&api, p)).collect();
        assert_eq!(v, ["10", "red", "2024-01-01T00:00:00Z", "42", "tollgatexx"]);
    }

    #[test]
    fn request_bodies_skip_read_only_and_stop_at_depth() {
        let api = api();
        let body = api.operations[0].request_body.as_ref().expect("body");
        let schema = body.content[0].schema.expect("schema");
        let v = value_for(&api, schema, Direction::Request);
        assert!(v.get("id").is_none(), "{v}");
        assert_eq!(v["name"], "tol");
        assert_eq!(v["email"], "tollgate@example.com");
        assert!(
            v["child"]["child"].is_object(),
            "recursion continues a few levels: {v}"
        );
        assert!(v.to_string().len() < 10_000);
    }

    #[test]
    fn integer_ranges() {
        assert_eq!(integer(None, None), 1);
        assert_eq!(integer(Some(5.0), None), 5);
        assert_eq!(integer(None, Some(0.0)), 0);
        assert_eq!(integer(Some(-3.0), Some(-1.0)), -1);
    }
}
