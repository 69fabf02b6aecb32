//! The SARIF output validates against the SARIF 2.1.0 schema and carries what GitHub
//! code scanning reads.

mod common;

use serde_json::Value;
use tollgate_core::CheckMeta;
use tollgate_report::{render, Format, RenderOptions};

const SCHEMA: &str = include_str!("data/sarif-schema-2.1.0.json");

fn sarif() -> Value {
    let rules = common::rules();
    let refs: Vec<&CheckMeta> = rules.iter().collect();
    let text = render(
        Format::Sarif,
        &common::report(),
        &refs,
        &RenderOptions::default(),
    )
    .expect("SARIF renders");
    serde_json::from_str(&text).expect("SARIF is JSON")
}

fn run(log: &Value) -> &Value {
    &log["runs"][0]
}

fn result_for<'a>(log: &'a Value, rule: &str) -> &'a Value {
    run(log)["results"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["ruleId"] == rule))
        .expect("a result for the rule")
}

#[test]
fn validates_against_the_sarif_2_1_0_schema() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles as draft 4");
    let log = sarif();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_validator_is_not_vacuous() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles as draft 4");
    let mut bad_level = sarif();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad_level));
    let mut bad_uri = sarif();
    bad_uri["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri".into();
    assert!(!validator.is_valid(&bad_uri), "format checks are on");
}

#[test]
fn log_header_and_driver() {
    let log = sarif();
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let driver = &run(&log)["tool"]["driver"];
    assert_eq!(driver["name"], "tollgate");
    assert_eq!(driver["version"], "0.0.0-test");
    assert_eq!(
        driver["rules"].as_array().map(Vec::len),
        Some(common::rules().len())
    );
}

#[test]
fn every_registered_rule_is_described() {
    let log = sarif();
    let rule = &run(&log)["tool"]["driver"]["rules"][0];
    assert_eq!(
        rule["id"], "AUTH-001",
        "rules without findings are listed too"
    );
    let leak = &run(&log)["tool"]["driver"]["rules"][2];
    assert_eq!(leak["id"], "LEAK-002");
    assert_eq!(leak["name"], "DjangoTechnical500PageExposesSecrets");
    assert_eq!(
        leak["shortDescription"]["text"],
        "Django technical 500 page exposes secrets"
    );
    assert_eq!(leak["defaultConfiguration"]["level"], "error");
    assert_eq!(leak["properties"]["security-severity"], "9.5");
    assert_eq!(
        leak["properties"]["tags"],
        serde_json::json!(["security", "API8:2023", "CWE-215"])
    );
    assert_eq!(leak["properties"]["category"], "data-exposure");
    assert_eq!(leak["properties"]["precision"], "high");
    let md = leak["help"]["markdown"].as_str().unwrap_or_default();
    assert!(md.contains(common::DJANGO_FIX) && md.contains(common::GENERIC_FIX));
    assert!(leak["helpUri"]
        .as_str()
        .is_some_and(|u| u.ends_with("/docs/rules/LEAK-002.md")));
}

#[test]
fn http_result_carries_web_request_and_response() {
    let log = sarif();
    let r = result_for(&log, "LEAK-002");
    assert_eq!(r["ruleIndex"], 2);
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["message"]["text"],
        "Technical 500 page at /api/boom shows SECRET_KEY and settings"
    );
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        format!("{}/api/boom?id=%27", common::TARGET)
    );
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(r["webRequest"]["method"], "GET");
    assert_eq!(r["webRequest"]["protocol"], "HTTP");
    assert_eq!(r["webRequest"]["headers"]["Authorization"], "Bearer $TOKEN");
    assert_eq!(r["webResponse"]["statusCode"], 500);
    assert_eq!(r["webResponse"]["headers"]["Vary"], "Cookie, Origin");
    assert!(r["webResponse"]["body"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("SECRET_KEY")));
    assert_eq!(r["properties"]["confidence"], "confirmed");
    assert_eq!(r["properties"]["severity"], "critical");
    assert_eq!(
        r["partialFingerprints"]["tollgate/v1"]
            .as_str()
            .map(str::len),
        Some(16)
    );
}

#[test]
fn parameter_and_file_locations() {
    let log = sarif();
    let ssrf = result_for(&log, "SSRF-001");
    assert_eq!(ssrf["locations"][0]["logicalLocations"][0]["name"], "url");
    let dkr = result_for(&log, "DKR-001");
    let loc = &dkr["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "deploy/docker-compose.yml");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 14);
    assert_eq!(loc["region"]["startColumn"], 7);
    assert!(dkr.get("webRequest").is_none());
    assert_eq!(result_for(&log, "MISC-001")["level"], "note");
}

#[test]
fn errors_and_skipped_checks_become_notifications() {
    let log = sarif();
    let inv = &run(&log)["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    let err = &inv["toolExecutionNotifications"][0];
    assert_eq!(err["level"], "warning");
    assert_eq!(err["associatedRule"]["id"], "LEAK-002");
    assert!(err["message"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("connection reset")));
    let skip = &inv["toolConfigurationNotifications"][0];
    assert_eq!(skip["associatedRule"]["id"], "AUTH-009");
    assert_eq!(skip["associatedRule"]["index"], 1);
}
