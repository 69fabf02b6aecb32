//! Fixture helpers shared by the integration tests and the benchmark.
#![allow(dead_code, clippy::expect_used)]

use std::io::Read;
use std::path::PathBuf;

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture's bytes, gunzipped when the name ends in `.gz`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if name.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .expect("gunzip fixture");
        out
    } else {
        raw
    }
}

/// A generated OpenAPI 3.0 document: `ops` list/detail operation pairs whose schemas
/// form reference chains `depth` long (`S0.next → S1 … → S{depth-1}.next → S0`, a
/// cycle), plus a chain of pure aliases `A0 → A1 → … → A{aliases}` ending in `S0`.
pub fn generated(ops: usize, depth: usize, aliases: usize) -> String {
    use std::fmt::Write as _;
    let mut paths = String::new();
    for i in 0..ops {
        let s = i % depth;
        let _ = write!(
            paths,
            r##""/r{i}/":{{"get":{{"operationId":"list{i}","parameters":[{{"$ref":"#/components/parameters/Page"}}],"responses":{{"200":{{"description":"ok","content":{{"application/json":{{"schema":{{"type":"array","items":{{"$ref":"#/components/schemas/S{s}"}}}}}}}}}}}}}}}},"/r{i}/{{id}}/":{{"get":{{"operationId":"get{i}","parameters":[{{"name":"id","in":"path","required":true,"schema":{{"type":"integer"}}}}],"responses":{{"200":{{"$ref":"#/components/responses/R{s}"}}}}}}}},"##
        );
    }
    paths.pop();
    let mut schemas = String::new();
    let mut responses = String::new();
    for s in 0..depth {
        let next = (s + 1) % depth;
        let _ = write!(
            schemas,
            r##""S{s}":{{"type":"object","properties":{{"id":{{"type":"integer"}},"name":{{"type":"string"}},"next":{{"$ref":"#/components/schemas/S{next}"}},"tags":{{"type":"array","items":{{"$ref":"#/components/schemas/A0"}}}}}}}},"##
        );
        let _ = write!(
            responses,
            r##""R{s}":{{"description":"ok","content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/S{s}"}}}}}}}},"##
        );
    }
    for a in 0..aliases {
        let _ = write!(
            schemas,
            r##""A{a}":{{"$ref":"#/components/schemas/A{}"}},"##,
            a + 1
        );
    }
    let _ = write!(
        schemas,
        r##""A{aliases}":{{"$ref":"#/components/schemas/S0"}}"##
    );
    responses.pop();
    format!(
        r##"{{"openapi":"3.0.3","info":{{"title":"generated","version":"1"}},"paths":{{{paths}}},"components":{{"parameters":{{"Page":{{"name":"page","in":"query","schema":{{"type":"integer"}}}}}},"responses":{{{responses}}},"schemas":{{{schemas}}}}}}}"##
    )
}
