//! Bytes to a JSON value: JSON when the document starts with `{` or `[`, YAML
//! otherwise. YAML keys become strings (`200:` → `"200"`), merge keys are applied.

use crate::error::{FileLabel, SpecError};
use serde_json::{Map, Number, Value};

/// Largest document (or referenced file) read.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Deepest nesting accepted in a YAML document (JSON has serde_json's own limit).
const MAX_DEPTH: usize = 256;

/// Parses one document.
pub fn parse_value(bytes: &[u8], file: &str) -> Result<Value, SpecError> {
    if bytes.len() > MAX_BYTES {
        return Err(SpecError::TooLarge {
            reason: format!(
                "{} bytes (the limit is {MAX_BYTES}){}",
                bytes.len(),
                if file.is_empty() {
                    String::new()
                } else {
                    format!(" in {file}")
                }
            ),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{') | Some(b'[')) {
        serde_json::from_slice(bytes).map_err(|e| SpecError::Json {
            file: FileLabel(file.into()),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })
    } else {
        parse_yaml(bytes, file)
    }
}

fn parse_yaml(bytes: &[u8], file: &str) -> Result<Value, SpecError> {
    let yaml_err = |e: serde_yaml_ng::Error| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        SpecError::Yaml {
            file: FileLabel(file.into()),
            line,
            column,
            message: strip_position(&e.to_string()),
        }
    };
    let mut value: serde_yaml_ng::Value = serde_yaml_ng::from_slice(bytes).map_err(yaml_err)?;
    value.apply_merge().map_err(yaml_err)?;
    to_json(value, 0).map_err(|message| SpecError::Yaml {
        file: FileLabel(file.into()),
        line: 0,
        column: 0,
        message,
    })
}

/// serde's messages end in "at line X column Y"; the error carries those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn to_json(value: serde_yaml_ng::Value, depth: usize) -> Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => number(&n),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(|v| to_json(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key_string(k), to_json(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => to_json(tagged.value, depth + 1)?,
    })
}

fn number(n: &serde_yaml_ng::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

/// A YAML mapping key as a JSON object key: `200` → `"200"`, `true` → `"true"`.
fn key_string(k: serde_yaml_ng::Value) -> String {
    use serde_yaml_ng::Value as Y;
    match k {
        Y::String(s) => s,
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => n.to_string(),
        Y::Null => "null".into(),
        Y::Tagged(t) => key_string(t.value),
        other => serde_yaml_ng::to_string(&other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_numeric_keys_become_strings() {
        let v = parse_value(b"responses:\n  200:\n    description: ok\n", "").expect("yaml");
        assert_eq!(v["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn json_error_has_line() {
        let e = parse_value(b"{\n  \"a\": 1,\n  \"b\": }", "").expect_err("bad json");
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn yaml_error_has_line() {
        let e = parse_value(b"openapi: 3.0.0\npaths:\n  /a: [\n", "").expect_err("bad yaml");
        assert!(e.line().is_some(), "{e}");
    }

    #[test]
    fn merge_keys_and_bom() {
        let v = parse_value(
            b"\xEF\xBB\xBFbase: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n",
            "",
        )
        .expect("yaml");
        assert_eq!(v["child"]["x"], 1);
        assert_eq!(v["child"]["y"], 2);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse_value(doc.as_bytes(), "").is_err());
    }
}
