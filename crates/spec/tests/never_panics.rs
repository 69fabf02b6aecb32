//! The parser never panics: arbitrary bytes, mutated real documents, and real
//! documents with random subtrees replaced.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use proptest::prelude::*;
use serde_json::Value;
use tollgate_spec::{no_files, parse};

fn seeds() -> Vec<Vec<u8>> {
    vec![
        common::fixture("oas30/uspto.yaml"),
        common::fixture("swagger2/api-with-examples.yaml"),
        common::fixture("swagger2/schema-circular.yaml"),
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../testbeds/django/openapi.json"),
        )
        .expect("testbed spec"),
        common::generated(3, 4, 3).into_bytes(),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..256, any::<usize>())
            .prop_map(|(i, n, j)| Mutation::Duplicate(i, n, j)),
    ]
}

fn apply(doc: &mut Vec<u8>, m: &Mutation) {
    if doc.is_empty() {
        return;
    }
    let at = |i: usize, len: usize| i % len;
    match m {
        Mutation::Flip(i, b) => {
            let i = at(*i, doc.len());
            doc[i] ^= b | 1;
        }
        Mutation::Delete(i, n) => {
            let i = at(*i, doc.len());
            let end = (i + n).min(doc.len());
            doc.drain(i..end);
        }
        Mutation::Insert(i, bytes) => {
            let i = at(*i, doc.len());
            doc.splice(i..i, bytes.iter().copied());
        }
        Mutation::Duplicate(i, n, j) => {
            let i = at(*i, doc.len());
            let end = (i + n).min(doc.len());
            let chunk = doc[i..end].to_vec();
            let j = at(*j, doc.len());
            doc.splice(j..j, chunk);
        }
    }
}

/// Arbitrary JSON values, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z$#/{}~.]{0,12}".prop_map(Value::String),
        Just(Value::String("#/components/schemas/Order".into())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("$ref".to_string()),
                    Just("type".to_string()),
                    Just("properties".to_string()),
                    Just("items".to_string()),
                    Just("allOf".to_string()),
                    Just("get".to_string()),
                    Just("parameters".to_string()),
                    Just("in".to_string()),
                    "[a-z/]{1,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every node's pointer in a document, for picking one to replace.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| {
            pointers(
                c,
                format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")),
                out,
            )
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| pointers(c, format!("{here}/{i}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&bytes, no_files);
    }

    #[test]
    fn arbitrary_text_with_openapi_header(body in "[ -~\n]{0,400}") {
        let _ = parse(format!("openapi: 3.1.0\npaths:\n{body}").as_bytes(), no_files);
        let _ = parse(format!("{{\"swagger\":\"2.0\",\"paths\":{body}}}").as_bytes(), no_files);
    }

    #[test]
    fn mutated_real_documents(seed in 0usize..5, muts in prop::collection::vec(mutation(), 1..8)) {
        let mut doc = seeds()[seed].clone();
        for m in &muts {
            apply(&mut doc, m);
        }
        let _ = parse(&doc, no_files);
    }

    #[test]
    fn real_documents_with_replaced_subtrees(seed in 3usize..5, pick in any::<usize>(), value in json()) {
        let mut doc: Value = serde_json::from_slice(&seeds()[seed]).expect("json seed");
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let target = all[pick % all.len()].clone();
        if let Some(slot) = doc.pointer_mut(&target) {
            *slot = value;
        }
        let bytes = serde_json::to_vec(&doc).expect("serialise");
        let _ = parse(&bytes, no_files);
    }
}
