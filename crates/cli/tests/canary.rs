//! The user's token never appears in any output: terminal, JSON, SARIF, logs, errors.
#![allow(clippy::unwrap_used)]

mod support;

use support::{tollgate, Servers};
use tollgate_scan::testkit::RawResponse;

const CANARY: &str = "tollgate-canary-7f3e9a1c5b2d4e6f8a0b";

/// A server that reflects the Authorization header everywhere it can.
fn echo_server(servers: &Servers) -> String {
    let addr = servers.serve(|req| {
        let auth = req.header("authorization").unwrap_or("none").to_string();
        let body = format!("<html><pre>you sent {auth}</pre> {}</html>", req.path);
        RawResponse::new(200, body)
            .header("content-type", "text/html")
            .header("x-echo", &auth)
            .header(
                "set-cookie",
                &format!("token={}; Path=/", auth.trim_start_matches("Bearer ")),
            )
            .header("access-control-allow-origin", "*")
    });
    format!("http://{addr}/")
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(CANARY), "{what} leaks the token");
    assert!(
        !text.contains(&CANARY[..24]),
        "{what} leaks a fragment of the token"
    );
}

fn run_and_check(cmd: &mut assert_cmd::Command, dir: &std::path::Path) {
    let json = dir.join("r.json");
    let sarif = dir.join("r.sarif");
    let out = cmd
        .arg("-vv")
        .arg("-o")
        .arg(format!("json={}", json.display()))
        .arg("-o")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean("stdout", &String::from_utf8_lossy(&out.stdout));
    assert_clean("stderr", &String::from_utf8_lossy(&out.stderr));
    let json_text = std::fs::read_to_string(&json).unwrap();
    assert_clean("json", &json_text);
    assert_clean("sarif", &std::fs::read_to_string(&sarif).unwrap());
    // The redaction must not hollow out the evidence: the reflection is still shown.
    assert!(
        json_text.contains("$TOKEN"),
        "redacted evidence should show the placeholder"
    );
}

#[test]
fn canary_token_from_env_never_leaks() {
    let servers = Servers::new();
    let url = echo_server(&servers);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = tollgate();
    cmd.env("TOLLGATE_TOKEN", CANARY).args(["scan", &url]);
    run_and_check(&mut cmd, dir.path());
}

#[test]
fn canary_token_from_file_never_leaks_in_any_format() {
    let servers = Servers::new();
    let url = echo_server(&servers);
    let dir = tempfile::tempdir().unwrap();
    let tok = dir.path().join("token.txt");
    std::fs::write(&tok, format!("{CANARY}\n")).unwrap();
    for format in ["terminal", "json", "sarif"] {
        let mut cmd = tollgate();
        cmd.args(["scan", &url, "--format", format, "--token-file"])
            .arg(&tok);
        run_and_check(&mut cmd, dir.path());
    }
}

#[test]
fn canary_token_never_leaks_from_config_show() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alice.token"), CANARY).unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "[identity.alice]\ntoken_file = \"alice.token\"\n",
    )
    .unwrap();
    let out = tollgate()
        .current_dir(dir.path())
        .env("TOLLGATE_TOKEN", CANARY)
        .args(["config", "show"])
        .output()
        .unwrap();
    assert_clean("config show", &String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("set (value hidden)"));
}

#[test]
fn canary_in_target_url_never_leaks_from_errors() {
    let port = support::closed_port();
    let dir = tempfile::tempdir().unwrap();
    let tok = dir.path().join("token.txt");
    std::fs::write(&tok, CANARY).unwrap();
    let out = tollgate()
        .args([
            "scan",
            &format!("http://127.0.0.1:{port}/?access_token={CANARY}"),
            "--token-file",
        ])
        .arg(&tok)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_clean("stderr", &String::from_utf8_lossy(&out.stderr));
}
