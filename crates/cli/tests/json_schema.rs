//! The JSON report validates against the checked-in schema (docs/report.schema.json).
#![allow(clippy::unwrap_used)]

mod support;

#[test]
fn demo_json_report_matches_the_published_schema() {
    let out = support::tollgate()
        .args(["demo", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report["schema_version"], "1.5");
    assert!(!report["findings"].as_array().unwrap().is_empty());
    let costs = report["coverage"]["requests_by_check"].as_object().unwrap();
    assert!(costs.values().all(|n| n.as_u64().is_some_and(|n| n > 0)) && !costs.is_empty());
}
