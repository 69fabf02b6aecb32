//! `runs[0].results`: one SARIF result per finding.

use super::rules::level;
use super::uri::{file_uri, uri_reference};
use super::web::{web_request, web_response};
use super::RuleIndex;
use serde_json::{json, Map, Value};
use tollgate_core::{Finding, Location};

/// The SARIF result of one finding.
pub(crate) fn result(f: &Finding, index: &RuleIndex<'_>) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.check_id.as_str()));
    if let Some(i) = index.get(f.check_id.as_str()) {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": f.title }));
    r.insert("locations".into(), json!([location(f)]));
    r.insert(
        "partialFingerprints".into(),
        json!({ "tollgate/v1": f.fingerprint.0 }),
    );
    r.insert("properties".into(), properties(f));
    if let Some(exchange) = f.evidence.exchanges.first() {
        r.insert("webRequest".into(), web_request(&exchange.request));
        r.insert(
            "webResponse".into(),
            web_response(exchange.response.as_ref()),
        );
    }
    Value::Object(r)
}

fn properties(f: &Finding) -> Value {
    let mut p = Map::new();
    p.insert("severity".into(), json!(f.severity.as_str()));
    p.insert("confidence".into(), json!(f.confidence.as_str()));
    p.insert("category".into(), json!(f.category.slug()));
    if !f.evidence.facts.is_empty() {
        p.insert("facts".into(), json!(f.evidence.facts));
    }
    if let Some(curl) = &f.evidence.curl {
        p.insert("reproducer".into(), json!(curl));
    }
    Value::Object(p)
}

/// GitHub needs a physical location on every result: for HTTP it is the URL at line 1,
/// with the method and parameter in the location's message.
fn location(f: &Finding) -> Value {
    match &f.location {
        Location::Http { url, parameter, .. } => {
            let mut loc = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri_reference(url) },
                    "region": { "startLine": 1 },
                },
                "message": { "text": f.location.to_string() },
            });
            if let (Some(param), Some(obj)) = (parameter, loc.as_object_mut()) {
                let logical = json!([{ "name": param, "kind": "parameter" }]);
                obj.insert("logicalLocations".into(), logical);
            }
            loc
        }
        Location::File { path, line, column } => {
            let snippet = f.evidence.snippet.as_deref();
            json!({ "physicalLocation": file_location(path, *line, *column, snippet) })
        }
    }
}

fn file_location(path: &str, line: u32, column: u32, snippet: Option<&str>) -> Value {
    let mut region = Map::new();
    region.insert("startLine".into(), json!(line.max(1)));
    if column >= 1 {
        region.insert("startColumn".into(), json!(column));
    }
    if let Some(text) = snippet {
        region.insert("snippet".into(), json!({ "text": text }));
    }
    json!({ "artifactLocation": file_uri(path), "region": region })
}
