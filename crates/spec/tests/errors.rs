//! Malformed documents: every error says where (a line or a JSON pointer) and why.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use tollgate_spec::{no_files, parse, SpecError};

fn err(doc: &str) -> SpecError {
    parse(doc.as_bytes(), no_files).expect_err("should fail")
}

#[test]
fn json_syntax_error_has_a_line() {
    let e = err("{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {\n    \"/a\": {,\n  }\n}");
    assert_eq!(e.line(), Some(4), "{e}");
    assert!(e.to_string().starts_with("not valid JSON at line 4"), "{e}");
}

#[test]
fn yaml_syntax_error_has_a_line() {
    let e = err("openapi: 3.0.0\ninfo:\n  title: x\npaths:\n  /a:\n    get: {responses: {200: {description: ok}}\n  bad: [\n");
    assert!(matches!(e, SpecError::Yaml { .. }), "{e}");
    assert!(e.line().is_some_and(|l| l >= 6), "{e}");
}

#[test]
fn not_openapi() {
    for doc in [
        "{\"hello\": 1}",
        "[1,2]",
        "just a string",
        "asyncapi: 2.6.0\nchannels: {}\n",
    ] {
        let e = err(doc);
        assert!(matches!(e, SpecError::NotOpenApi { .. }), "{doc}: {e}");
        assert!(e.to_string().contains("pass an OpenAPI"), "{e}");
    }
}

#[test]
fn unsupported_versions() {
    let e = err("{\"openapi\": \"4.0.0\", \"paths\": {}}");
    assert!(matches!(e, SpecError::UnsupportedVersion { .. }), "{e}");
    assert!(e.to_string().contains("/openapi"), "{e}");
    let e = err("swagger: '1.2'\npaths: {}\n");
    assert!(e.to_string().contains("`1.2`"), "{e}");
}

#[test]
fn wrong_shapes_have_pointers() {
    let cases = [
        ("{\"openapi\":\"3.0.0\",\"paths\":[]}", "/paths"),
        ("{\"openapi\":\"3.0.0\",\"paths\":{\"/a\":5}}", "/paths/~1a"),
        (
            "{\"openapi\":\"3.0.0\",\"paths\":{\"/a\":{\"get\":\"x\"}}}",
            "/paths/~1a/get",
        ),
        (
            "{\"openapi\":\"3.0.0\",\"paths\":{\"/a\":{\"get\":{\"parameters\":{}}}}}",
            "/paths/~1a/get/parameters",
        ),
        (
            "{\"openapi\":\"3.0.0\",\"security\":{},\"paths\":{\"/a\":{\"get\":{}}}}",
            "/security",
        ),
        (
            "{\"openapi\":\"3.0.0\",\"paths\":{\"/a\":{\"get\":{\"security\":5}}}}",
            "/paths/~1a/get/security",
        ),
    ];
    for (doc, pointer) in cases {
        let e = err(doc);
        assert_eq!(e.pointer(), Some(pointer), "{doc}: {e}");
        assert!(e.to_string().contains(pointer), "{e}");
    }
}

#[test]
fn zero_operations_say_why() {
    let e = err("openapi: 3.0.0\ninfo: {title: t, version: '1'}\n");
    assert!(e.to_string().contains("no `paths`"), "{e}");
    let e = err("openapi: 3.0.0\npaths: {}\n");
    assert!(e.to_string().contains("`paths` is empty"), "{e}");
    let e = err("openapi: 3.0.0\npaths:\n  /a: {summary: nothing}\n  /b: {parameters: []}\n");
    assert!(
        e.to_string()
            .contains("2 entries but none declares an HTTP method"),
        "{e}"
    );
    assert!(matches!(e, SpecError::NoOperations { .. }));
}

#[test]
fn dangling_and_cyclic_references_are_warnings() {
    let doc = r##"{"openapi":"3.0.0","paths":{
      "/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Missing"}}}}}}},
      "/b":{"get":{"parameters":[{"$ref":"#/components/parameters/Loop"}],"responses":{"200":{"$ref":"https://example.com/r.json"}}}},
      "/c":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/X"}}}}}}}},
      "components":{"parameters":{"Loop":{"$ref":"#/components/parameters/Loop2"},"Loop2":{"$ref":"#/components/parameters/Loop"}},
        "schemas":{"X":{"$ref":"#/components/schemas/Y"},"Y":{"$ref":"#/components/schemas/X"}}}}"##;
    let api = parse(doc.as_bytes(), no_files).expect("parses with warnings");
    assert_eq!(api.operations.len(), 3);
    let all = api.warnings.join("\n");
    assert!(all.contains("Missing"), "{all}");
    assert!(all.contains("cycle"), "{all}");
    assert!(all.contains("not fetched"), "{all}");
    let a = &api.operations.iter().find(|o| o.path == "/a").unwrap();
    let s = api.schema(a.success_schemas()[0]);
    assert_eq!(
        s.unresolved.as_deref(),
        Some("#/components/schemas/Missing")
    );
}

#[test]
fn huge_inputs_are_refused_not_read() {
    let big = vec![b' '; 65 * 1024 * 1024];
    let e = parse(&big, no_files).expect_err("too large");
    assert!(matches!(e, SpecError::TooLarge { .. }), "{e}");
}

#[test]
fn deep_nesting_does_not_overflow() {
    let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse(json.as_bytes(), no_files).is_err());
    let yaml = "- ".repeat(100_000) + "x\n";
    assert!(parse(yaml.as_bytes(), no_files).is_err());
    // Deep inline schemas inside a valid document: read to a bound, never recursing away.
    let mut schema = String::from("{\"type\":\"string\"}");
    for _ in 0..100 {
        schema = format!("{{\"type\":\"object\",\"properties\":{{\"a\":{schema}}}}}");
    }
    let doc = format!("{{\"openapi\":\"3.1.0\",\"paths\":{{\"/a\":{{\"get\":{{\"responses\":{{\"200\":{{\"description\":\"ok\",\"content\":{{\"application/json\":{{\"schema\":{schema}}}}}}}}}}}}}}}}}");
    match parse(doc.as_bytes(), no_files) {
        Ok(api) => assert!(!api.operations.is_empty()),
        Err(e) => assert!(e.line().is_some(), "nesting limit of the JSON parser: {e}"),
    }
}
