//! tollgate's own Dockerfile passes `tollgate audit` clean (there is no Docker engine
//! here to build it, so the auditor is its test).
#![allow(clippy::unwrap_used)]

mod support;

#[test]
fn the_projects_dockerfile_audits_clean() {
    let dockerfile = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Dockerfile");
    let out = support::tollgate()
        .args(["audit", dockerfile, "--format", "json", "--fail-on", "info"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert!(
        report["coverage"]["notes"]
            .to_string()
            .contains("Dockerfile"),
        "the file was recognised and audited"
    );
}
