//! `tollgate audit` CLI wiring: exit codes, output formats, SARIF locations as real file paths
//! with regions (validated against SARIF 2.1.0), the JSON schema, and `--with-scan`. (The
//! chain test against a real scan of the Django testbed is crates/audit/tests/chain_testbed.rs.)
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;

const VULNERABLE: &str = "../../testbeds/audit/vulnerable";
const HARDENED: &str = "../../testbeds/audit/hardened";

fn run(args: &[&str]) -> std::process::Output {
    support::tollgate()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn exit_codes() {
    assert_eq!(
        run(&["audit", HARDENED, "--fail-on", "low"]).status.code(),
        Some(0)
    );
    assert_eq!(run(&["audit", VULNERABLE]).status.code(), Some(0));
    let gated = run(&["audit", VULNERABLE, "--fail-on", "critical"]);
    assert_eq!(gated.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gated.stderr).contains("gate failed"));
    assert_eq!(
        run(&["audit", VULNERABLE, "--fail-under", "90"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(run(&["audit", "no/such/dir"]).status.code(), Some(3));
    assert_eq!(
        run(&["audit", HARDENED, "--format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["audit", HARDENED, "--with-scan", "no-such.json"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn sarif_locations_are_file_paths_with_regions() {
    let dir = tempfile::tempdir().unwrap();
    let sarif_path = dir.path().join("audit.sarif");
    let spec = format!("sarif={}", sarif_path.display());
    let out = run(&["audit", VULNERABLE, "-o", &spec, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(include_str!(
        "../../report/tests/data/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    let validator = jsonschema::draft4::options().build(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 107);
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("../../testbeds/audit/vulnerable/") || uri.starts_with("testbeds/"),
            "{uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["snippet"]["text"].is_string());
    }
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "K8S-007"));
}

#[test]
fn json_report_matches_the_schema_and_with_scan_adds_chains() {
    let dir = tempfile::tempdir().unwrap();
    let scan_path = dir.path().join("scan.json");
    // A scan report of the vulnerable testbed: a DEBUG page that shows the planted token.
    let audit = run(&["audit", "../../testbeds/django/deploy", "--format", "json"]);
    let mut scan: Value = serde_json::from_slice(&audit.stdout).unwrap();
    scan["target"]["url"] = Value::from("http://127.0.0.1:8000/");
    scan["findings"] = serde_json::json!([{
        "check_id": "LEAK-002", "category": "data-exposure", "severity": "critical", "confidence": "confirmed",
        "title": "Django technical 500 page (DEBUG = True) leaks GitHub token",
        "location": {"kind": "http", "method": "GET", "url": "http://127.0.0.1:8000/api/v2/products/abc/"},
        "evidence": {"facts": ["environment variable `DEPLOY_GITHUB_PAT` = `ghp_…RM6r`"]},
        "fingerprint": "0123456789abcdef"
    }]);
    std::fs::write(&scan_path, serde_json::to_string(&scan).unwrap()).unwrap();
    let out = run(&[
        "audit",
        "../../testbeds/django/deploy",
        "--with-scan",
        scan_path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let chains = report["chains"].as_array().unwrap();
    assert_eq!(chains[0]["kind"], "bearer-token-leak");
    assert_eq!(chains[0]["confidence"], "confirmed");
    let text = run(&[
        "audit",
        "../../testbeds/django/deploy",
        "--with-scan",
        scan_path.to_str().unwrap(),
        "--color",
        "never",
    ]);
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(
        shown.contains("Attack chains (2)")
            && shown.contains("LEAK-002")
            && shown.contains("docker-compose.yml:14:7"),
        "{shown}"
    );
    assert!(
        !shown.contains("FAKEpat0000"),
        "a secret reached the terminal"
    );
}
