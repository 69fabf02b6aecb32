//! Baselines, suppressions (with an expired entry) and `tollgate diff`.
#![allow(clippy::unwrap_used)]

mod support;

use predicates::prelude::*;
use std::path::Path;
use support::{tollgate, Servers};
use tollgate_scan::testkit::RawResponse;

fn weak(servers: &Servers) -> String {
    let addr = servers.serve(|_| {
        RawResponse::new(200, "<html>hi</html>")
            .header("content-type", "text/html")
            .header("server", "Thing/1.2.3")
    });
    format!("http://{addr}/")
}

fn clean(servers: &Servers) -> String {
    let addr = servers.serve(|_| {
        RawResponse::new(200, "{}")
            .header("content-type", "application/json")
            .header("x-content-type-options", "nosniff")
            .header("location", "https://x/")
    });
    format!("http://{addr}/")
}

fn scan_json(url: &str, dir: &Path, name: &str, extra: &[&str]) -> serde_json::Value {
    let path = dir.join(name);
    tollgate()
        .current_dir(dir)
        .args(["scan", url, "-o"])
        .arg(format!("json={}", path.display()))
        .args(extra)
        .assert()
        .code(0);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn baseline_gates_only_new_findings() {
    let servers = Servers::new();
    let url = weak(&servers);
    let dir = tempfile::tempdir().unwrap();
    let old = scan_json(&url, dir.path(), "old.json", &[]);
    assert!(!old["findings"].as_array().unwrap().is_empty());
    tollgate()
        .args(["scan", &url, "--fail-on", "low", "--baseline"])
        .arg(dir.path().join("old.json"))
        .assert()
        .code(0);
    // Against a baseline of a clean API every finding is new.
    scan_json(&clean(&servers), dir.path(), "clean.json", &[]);
    tollgate()
        .args(["scan", &url, "--fail-on", "low", "--baseline"])
        .arg(dir.path().join("clean.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("new finding(s)"));
}

#[test]
fn suppressions_hide_findings_until_they_expire() {
    let servers = Servers::new();
    let url = weak(&servers);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".tollgate-ignore.toml"),
        "[[ignore]]\nrule = \"MISC-005\"\nreason = \"version banner accepted until the proxy lands\"\nexpires = \"2999-01-01\"\n\n[[ignore]]\nrule = \"MISC-001\"\nreason = \"old exception\"\nexpires = \"2001-01-01\"\n",
    )
    .unwrap();
    let r = scan_json(&url, dir.path(), "r.json", &[]);
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check_id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&"MISC-005"),
        "suppressed finding still reported"
    );
    assert!(
        ids.contains(&"MISC-001"),
        "an expired entry must stop suppressing"
    );
    assert_eq!(
        r["suppressed"][0]["reason"],
        "version banner accepted until the proxy lands"
    );
    let notes = r["coverage"]["notes"].to_string();
    assert!(notes.contains("expired on 2001-01-01"), "{notes}");
}

#[test]
fn suppression_entries_need_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ignore.toml");
    std::fs::write(&file, "[[ignore]]\nrule = \"MISC-005\"\n").unwrap();
    tollgate()
        .args(["scan", "http://127.0.0.1:9/", "--ignore-file"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("reason"));
}

#[test]
fn diff_prints_new_fixed_unchanged_and_score_delta() {
    let servers = Servers::new();
    let dir = tempfile::tempdir().unwrap();
    scan_json(&clean(&servers), dir.path(), "old.json", &[]);
    scan_json(&weak(&servers), dir.path(), "new.json", &[]);
    tollgate()
        .current_dir(dir.path())
        .args(["diff", "old.json", "new.json"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::is_match(r"score \d+ → \d+ \(-\d+\)")
                .unwrap()
                .and(predicate::str::contains("new ("))
                .and(predicate::str::contains("fixed (0)"))
                .and(predicate::str::contains("MISC-005")),
        );
    tollgate()
        .current_dir(dir.path())
        .args(["diff", "old.json", "new.json", "--format", "markdown"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("| new | fixed | remaining |"));
    tollgate()
        .current_dir(dir.path())
        .args(["diff", "old.json", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-o json=PATH"));
}
