//! HTTP evidence as SARIF `webRequest` and `webResponse` objects.

use serde_json::{json, Map, Value};
use tollgate_core::finding::{RequestEvidence, ResponseEvidence};

/// A recorded request. Its headers were redacted before the report was built.
pub(crate) fn web_request(req: &RequestEvidence) -> Value {
    json!({
        "protocol": "HTTP",
        "version": "1.1",
        "method": req.method,
        "target": req.url,
        "headers": headers(&req.headers),
    })
}

/// A recorded response with its body excerpt, or a note that none arrived.
pub(crate) fn web_response(resp: Option<&ResponseEvidence>) -> Value {
    let Some(resp) = resp else {
        return json!({ "noResponseReceived": true });
    };
    json!({
        "protocol": "HTTP",
        "version": "1.1",
        "statusCode": resp.status,
        "headers": headers(&resp.headers),
        "body": { "text": resp.body_excerpt },
    })
}

/// Headers as an object; repeated names are joined with ", " as HTTP allows.
fn headers(pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (name, value) in pairs {
        match map.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                map.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_are_joined() {
        let pairs = vec![
            ("Vary".to_string(), "Origin".to_string()),
            ("Vary".to_string(), "Cookie".to_string()),
        ];
        assert_eq!(headers(&pairs), json!({ "Vary": "Origin, Cookie" }));
    }

    #[test]
    fn missing_response_is_marked() {
        assert_eq!(web_response(None), json!({ "noResponseReceived": true }));
    }
}
