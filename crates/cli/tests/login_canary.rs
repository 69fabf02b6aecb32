//! A login identity's password and client secret, and the tokens its logins return,
//! never appear in any output: terminal, JSON, SARIF, Markdown, JUnit, HTML, logs,
//! errors, `config show`.
#![allow(clippy::unwrap_used)]

mod support;

use support::{tollgate, Servers};
use tollgate_scan::testkit::RawResponse;

const PASSWORD: &str = "Canary-Login-Passw0rd-9d2e71b4c6";
const CLIENT_SECRET: &str = "canary-client-secret-5e8a03f1d7";
const TOKEN: &str = "canary-login-token-0c4b7e2a9f13d865";

/// A login endpoint that issues `TOKEN` and quotes the password back; every other
/// route reflects the credential it receives, and the password too.
fn login_server(servers: &Servers, login_status: u16) -> String {
    let addr = servers.serve(move |req| {
        if req.path == "/token" {
            return RawResponse::new(
                login_status,
                format!(
                    r#"{{"access_token":"{TOKEN}","token_type":"bearer","expires_in":3600,"note":"welcome back, your password is {PASSWORD}"}}"#
                ),
            )
            .header("content-type", "application/json");
        }
        let auth = req.header("authorization").unwrap_or("none").to_string();
        let body = format!("<html><pre>you sent {auth}; password {PASSWORD}</pre> {}</html>", req.path);
        RawResponse::new(200, body)
            .header("content-type", "text/html")
            .header("x-echo", &auth)
            .header("access-control-allow-origin", "*")
    });
    format!("http://{addr}/")
}

fn assert_clean(what: &str, text: &str) {
    for canary in [PASSWORD, CLIENT_SECRET, TOKEN] {
        assert!(!text.contains(canary), "{what} leaks {canary}:\n{text}");
        assert!(
            !text.contains(&canary[..20]),
            "{what} leaks a fragment of {canary}"
        );
    }
}

fn config(dir: &std::path::Path) {
    std::fs::write(dir.join("alice.password"), format!("{PASSWORD}\n")).unwrap();
    std::fs::write(
        dir.join("tollgate.toml"),
        "[identity.alice.login]\nurl = \"/token\"\nkind = \"oauth2-password\"\nusername = \"alice\"\npassword_file = \"alice.password\"\n\n\
         [identity.svc.login]\nurl = \"/token\"\nkind = \"oauth2-client-credentials\"\nclient_id = \"reporting\"\nclient_secret_env = \"SVC_SECRET\"\n",
    )
    .unwrap();
}

#[test]
fn canary_login_password_never_leaks_in_any_format() {
    let servers = Servers::new();
    let url = login_server(&servers, 200);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path());
    let files: Vec<(&str, std::path::PathBuf)> = ["json", "sarif", "markdown", "junit", "html"]
        .iter()
        .map(|f| (*f, dir.path().join(format!("report.{f}"))))
        .collect();
    let mut cmd = tollgate();
    cmd.current_dir(dir.path())
        .env("SVC_SECRET", CLIENT_SECRET)
        .args(["scan", &url, "-vv"]);
    for (format, path) in &files {
        cmd.arg("-o").arg(format!("{format}={}", path.display()));
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert_clean("stdout", &String::from_utf8_lossy(&out.stdout));
    assert_clean("stderr", &stderr);
    for (format, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        assert_clean(format, &text);
    }
    // The scan did log in and use the token: the reflection shows the placeholder.
    let json = std::fs::read_to_string(&files[0].1).unwrap();
    assert!(
        json.contains("$TOKEN"),
        "redacted evidence shows the placeholder"
    );

    let show = tollgate()
        .current_dir(dir.path())
        .env("SVC_SECRET", CLIENT_SECRET)
        .args(["config", "show"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert_clean("config show", &text);
    assert!(text.contains("login oauth2-password /token"), "{text}");
    assert!(text.contains("password file"), "{text}");
}

#[test]
fn a_failed_login_says_which_identity_and_status_but_not_the_password() {
    let servers = Servers::new();
    let url = login_server(&servers, 401);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path());
    let out = tollgate()
        .current_dir(dir.path())
        .env("SVC_SECRET", CLIENT_SECRET)
        .args(["scan", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("identity `alice`") && stderr.contains("401"),
        "{stderr}"
    );
    assert_clean("stderr", &stderr);
    assert_clean("stdout", &String::from_utf8_lossy(&out.stdout));
}
