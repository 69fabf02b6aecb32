//! CLI behaviour: exit codes, errors with a next step, config layering, rules.
#![allow(clippy::unwrap_used)]

mod support;

use predicates::prelude::*;
use support::{closed_port, tollgate, Servers};
use tollgate_scan::testkit::RawResponse;

#[test]
fn malformed_url_is_a_usage_error() {
    tollgate()
        .args(["scan", "not a url"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("invalid target URL")
                .and(predicate::str::contains("https://api.example.com/")),
        );
    tollgate()
        .args(["scan", "ftp://127.0.0.1/"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("http or https"));
}

#[test]
fn missing_token_file_is_a_usage_error_with_a_next_step() {
    tollgate()
        .args([
            "scan",
            "http://127.0.0.1:9/",
            "--token-file",
            "/nonexistent/tok.txt",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("token file /nonexistent/tok.txt")
                .and(predicate::str::contains("TOLLGATE_TOKEN")),
        );
}

#[test]
fn empty_token_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let tok = dir.path().join("t.txt");
    std::fs::write(&tok, "  \n").unwrap();
    tollgate()
        .args(["scan", "http://127.0.0.1:9/", "--token-file"])
        .arg(&tok)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is empty"));
}

#[test]
fn connection_refused_means_the_target_could_not_be_scanned() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    tollgate()
        .args(["scan", &url])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("could not be scanned"));
}

#[test]
fn redirect_loop_means_the_target_could_not_be_scanned() {
    let servers = Servers::new();
    let addr = servers.serve(|req| {
        let next = if req.path == "/a" { "/b" } else { "/a" };
        RawResponse::new(302, "").header("location", next)
    });
    tollgate()
        .args(["scan", &format!("http://{addr}/a")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("too many redirects"));
}

#[test]
fn tls_failure_means_the_target_could_not_be_scanned() {
    // A plain-http server that answers at once, so the TLS client gets garbage.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut sock in listener.incoming().flatten().take(8) {
            use std::io::Write;
            let _ = sock.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    tollgate()
        .args(["scan", &format!("https://{addr}/"), "--timeout", "5s"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("TLS"));
}

fn weak_server(servers: &Servers) -> String {
    let addr = servers.serve(|_| {
        RawResponse::new(200, "<html>hi</html>")
            .header("content-type", "text/html")
            .header("server", "Thing/1.2.3")
    });
    format!("http://{addr}/")
}

#[test]
fn gate_fail_on_and_fail_under() {
    let servers = Servers::new();
    let url = weak_server(&servers);
    tollgate()
        .args(["scan", &url, "--fail-on", "low"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("gate failed"));
    tollgate()
        .args(["scan", &url, "--fail-on", "critical"])
        .assert()
        .code(0);
    tollgate()
        .args(["scan", &url, "--fail-under", "100"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("under 100"));
    tollgate()
        .args(["scan", &url, "--fail-under", "1"])
        .assert()
        .code(0);
    tollgate()
        .args(["scan", &url, "--fail-on", "severe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown severity"));
}

#[test]
fn json_and_sarif_outputs_in_one_run() {
    let servers = Servers::new();
    let url = weak_server(&servers);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let sarif = dir.path().join("r.sarif");
    tollgate()
        .args(["scan", &url, "--format", "json", "-o"])
        .arg(format!("json={}", json.display()))
        .arg("-o")
        .arg(format!("sarif={}", sarif.display()))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"schema_version\""));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["check_id"] == "MISC-005"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn bad_output_spec_is_a_usage_error() {
    tollgate()
        .args(["scan", "http://127.0.0.1:9/", "-o", "report.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("FORMAT=PATH"));
    tollgate()
        .args(["scan", "http://127.0.0.1:9/", "-o", "pdf=x.pdf"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown format"));
}

#[test]
fn config_show_names_each_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "[scan]\nprofile = \"deep\"\nrate = 7\n\n[identity.alice]\ntoken_file = \"alice.token\"\n",
    )
    .unwrap();
    tollgate()
        .current_dir(dir.path())
        .env("TOLLGATE_FAIL_ON", "high")
        .args(["config", "show", "--rate", "9", "--max-time", "2m"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("profile        deep")
                .and(predicate::str::contains("(tollgate.toml)"))
                .and(predicate::str::contains("(env TOLLGATE_FAIL_ON)"))
                .and(predicate::str::contains("9/s"))
                .and(predicate::str::contains("(flag --rate)"))
                .and(predicate::str::contains("2m "))
                .and(predicate::str::contains("concurrency    8"))
                .and(predicate::str::contains("(default)"))
                .and(predicate::str::contains("identity.alice")),
        );
}

#[test]
fn unknown_config_keys_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "[scan]\nprofle = \"deep\"\n",
    )
    .unwrap();
    tollgate()
        .current_dir(dir.path())
        .args(["config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown field `profle`"));
}

#[test]
fn named_identity_must_exist() {
    tollgate()
        .args(["scan", "http://127.0.0.1:9/", "--identity", "bob"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no identity named `bob`"));
}

#[test]
fn rules_list_and_explain() {
    tollgate().args(["rules", "list"]).assert().code(0).stdout(
        predicate::str::contains("MISC-003")
            .and(predicate::str::contains("LEAK-001"))
            .and(predicate::str::contains("DKR-001")),
    );
    tollgate()
        .args(["rules", "explain", "misc-003"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("# MISC-003")
                .and(predicate::str::contains("## Remediation"))
                .and(predicate::str::contains("API8:2023")),
        );
    tollgate()
        .args(["rules", "explain", "NOPE-001"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tollgate rules list"));
    let out = tollgate()
        .args(["rules", "list", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let at = |id: &str| ids.iter().position(|i| *i == id).unwrap();
    assert!(at("AUTH-005") < at("AUTH-006") && at("AUTH-006") < at("AUTH-007"));
    assert!(rules.iter().any(|r| r["kind"] == "audit"));
    tollgate()
        .args(["rules", "list", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn completions_are_generated() {
    tollgate()
        .args(["completions", "bash"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("tollgate"));
}

#[test]
fn demo_runs_and_finds_the_planted_weaknesses() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("demo.html");
    tollgate()
        .args(["demo", "--format", "json", "-o"])
        .arg(format!("html={}", html.display()))
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("MISC-003")
                .and(predicate::str::contains("MISC-005"))
                .and(predicate::str::contains("MISC-007"))
                .and(predicate::str::contains("LEAK-002"))
                .and(predicate::str::contains("LEAK-004"))
                .and(predicate::str::contains("LEAK-005"))
                .and(predicate::str::contains("TollgateTestbedFAKEpat").not()),
        );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("MISC-003") && !page.contains("TollgateTestbedFAKEpat"));
}

#[test]
fn spec_errors_are_usage_errors_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("openapi.json");
    std::fs::write(&bad, "{\"openapi\": \"3.0.3\", \"paths\": {}}").unwrap();
    tollgate()
        .args(["scan", "http://127.0.0.1:9/", "--spec"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("paths"));
    std::fs::write(&bad, "{\"openapi\": \"3.0.3\",\n \"paths\": [}").unwrap();
    tollgate()
        .args(["scan", "http://127.0.0.1:9/", "--spec"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line"));
    tollgate()
        .args([
            "scan",
            "http://127.0.0.1:9/",
            "--spec",
            "/nonexistent/openapi.yaml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the OpenAPI document"));
}

#[test]
fn spec_file_drives_the_scan() {
    let servers = Servers::new();
    let addr = servers.serve(|req| match req.path.as_str() {
        "/api/items/" => {
            RawResponse::new(200, "[{\"id\":1}]").header("content-type", "application/json")
        }
        _ => RawResponse::new(404, "{}").header("content-type", "application/json"),
    });
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("openapi.yaml");
    std::fs::write(&spec, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /api/items/:\n    get:\n      responses:\n        '200': {description: ok}\n").unwrap();
    let out = tollgate()
        .args([
            "scan",
            &format!("http://{addr}/"),
            "--format",
            "json",
            "--spec",
        ])
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tollgate()
        .args(["config", "show", "--spec"])
        .arg(&spec)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(flag --spec)"));
}
