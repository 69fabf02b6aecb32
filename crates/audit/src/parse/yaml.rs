//! YAML with a position on every node, keys included.
//!
//! Built on `saphyr` (the maintained successor of yaml-rust/yaml-rust2): it keeps a
//! span on every node (`MarkedYaml`), loads multi-document streams, and caps anchor
//! alias expansion, so a "billion laughs" file cannot exhaust memory. serde-based
//! crates (`serde_yaml` is archived; its forks `serde_yaml_ng` and `serde_norway`)
//! deserialise into types and drop positions, which findings need.
//!
//! Nodes are converted once into the small [`Node`] tree below, which resolves `<<`
//! merge keys (compose files use them a lot) and keeps the rules independent of the
//! parser crate.

use crate::source::{Pos, SourceFile};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// Nesting deeper than this is not converted (and deeper input is refused before
/// parsing): deployment files are shallow, and a hostile file must not exhaust the stack.
const MAX_DEPTH: usize = 128;
/// Lines whose leading indentation and block indicators are longer than this make the
/// file "too deeply nested" to parse.
const MAX_STRUCTURE_PREFIX: usize = 2_000;

/// A scalar, sequence or mapping with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys and values in document order; merge keys already folded in.
    Map(Vec<(Node, Node)>),
}

/// Why a YAML file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YamlError {
    #[error("line {line}: {message}")]
    Syntax { line: u32, message: String },
    #[error("nested too deeply to audit")]
    TooDeep,
}

/// Every document of a YAML stream.
pub fn parse_documents(src: &SourceFile) -> Result<Vec<Node>, YamlError> {
    let too_deep = src.text.lines().any(|l| {
        l.chars()
            .take_while(|c| matches!(c, ' ' | '\t' | '-' | '?' | ':'))
            .count()
            > MAX_STRUCTURE_PREFIX
    });
    if too_deep {
        return Err(YamlError::TooDeep);
    }
    let docs = MarkedYaml::load_from_str(&src.text).map_err(|e| YamlError::Syntax {
        line: u32::try_from(e.marker().line()).unwrap_or(0),
        message: e.info().to_string(),
    })?;
    Ok(docs.iter().map(|d| convert(src, d, 0)).collect())
}

fn pos_of(src: &SourceFile, node: &MarkedYaml<'_>) -> Pos {
    let m = node.span.start;
    let offset = src.offset_of(m.line(), m.col());
    src.pos_at(offset)
}

fn convert(src: &SourceFile, node: &MarkedYaml<'_>, depth: usize) -> Node {
    let pos = pos_of(src, node);
    if depth > MAX_DEPTH {
        return Node {
            pos,
            value: Value::Null,
        };
    }
    let value = match &node.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(text, _, _) => Value::Str(text.to_string()),
        YamlData::Tagged(_, inner) => return convert(src, inner, depth + 1),
        YamlData::Sequence(items) => {
            Value::Seq(items.iter().map(|n| convert(src, n, depth + 1)).collect())
        }
        YamlData::Mapping(map) => Value::Map(merged(
            map.iter()
                .map(|(k, v)| (convert(src, k, depth + 1), convert(src, v, depth + 1)))
                .collect(),
        )),
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    };
    Node { pos, value }
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Int(*i),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

/// Folds `<<: *anchor` and `<<: [*a, *b]` into the mapping: explicit keys win, then
/// earlier merge sources win over later ones (YAML merge key semantics).
fn merged(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| k.as_str() == Some("<<")) {
        return entries;
    }
    let mut own = Vec::new();
    let mut sources = Vec::new();
    for (k, v) in entries {
        if k.as_str() == Some("<<") {
            match v.value {
                Value::Seq(items) => sources.extend(items),
                _ => sources.push(v),
            }
        } else {
            own.push((k, v));
        }
    }
    for source in sources {
        if let Value::Map(pairs) = source.value {
            for (k, v) in pairs {
                let present = own.iter().any(|(o, _)| o.value == k.value);
                if !present {
                    own.push((k, v));
                }
            }
        }
    }
    own
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (`1` → "1", `true` → "true"); None for collections and null.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    /// `true`, and the strings Kubernetes' YAML 1.1 reader and Compose also take as true.
    pub fn is_true(&self) -> bool {
        match &self.value {
            Value::Bool(b) => *b,
            Value::Str(s) => matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "y"),
            _ => false,
        }
    }

    /// `false` (and its YAML 1.1 spellings).
    pub fn is_false(&self) -> bool {
        match &self.value {
            Value::Bool(b) => !*b,
            Value::Str(s) => matches!(
                s.to_ascii_lowercase().as_str(),
                "false" | "no" | "off" | "n"
            ),
            _ => false,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The value under `key`, if this is a mapping holding it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and the value under `key` (the key's position is where a finding
    /// about the setting points).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.scalar_text().as_deref() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a path of keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, k| node.get(k))
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Entries of a mapping (empty for anything else).
    pub fn pairs(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(pairs) => pairs,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Node> {
        parse_documents(&SourceFile::new("x.yml", text)).expect("valid yaml")
    }

    #[test]
    fn positions_of_keys_and_values() {
        let docs = parse("a: 1\nb:\n  c: [x, \"y\"]\n");
        let (k, v) = docs[0].entry("b").expect("b");
        assert_eq!(k.pos, Pos::new(2, 1));
        assert_eq!(v.get("c").expect("c").items()[1].pos, Pos::new(3, 10));
    }

    #[test]
    fn multi_document_and_merge_keys() {
        let docs = parse("x: &base\n  a: 1\n  b: 2\ny:\n  <<: *base\n  b: 3\n---\nkind: Pod\n");
        assert_eq!(docs.len(), 2);
        let y = docs[0].get("y").expect("y");
        assert_eq!(y.get("a").and_then(Node::as_int), Some(1));
        assert_eq!(y.get("b").and_then(Node::as_int), Some(3));
        assert_eq!(docs[1].get("kind").and_then(Node::as_str), Some("Pod"));
    }

    #[test]
    fn errors_and_depth() {
        assert!(parse_documents(&SourceFile::new("x", "a: [\n")).is_err());
        let deep = format!("{}x\n", "- ".repeat(5_000));
        assert_eq!(
            parse_documents(&SourceFile::new("x", deep)),
            Err(YamlError::TooDeep)
        );
    }

    #[test]
    fn booleans() {
        let docs = parse("a: true\nb: \"yes\"\nc: False\nd: 0\n");
        assert!(docs[0].get("a").is_some_and(Node::is_true));
        assert!(docs[0].get("b").is_some_and(Node::is_true));
        assert!(docs[0].get("c").is_some_and(Node::is_false));
        assert!(!docs[0].get("d").is_some_and(Node::is_true));
    }
}
