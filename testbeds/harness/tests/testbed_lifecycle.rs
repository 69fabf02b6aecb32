//! A testbed starts on free ports, writes its tokens, and leaves nothing behind when
//! dropped. Skipped, loudly, only when there is no Python to run it.
#![allow(clippy::print_stderr, clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpStream;
use std::process::{Command, Stdio};
use tollgate_testbed::{python_available, Mode, Testbed};

fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .args(["-0", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn accepts(url: &url::Url) -> bool {
    TcpStream::connect(url.socket_addrs(|| None).expect("addr")[0]).is_ok()
}

#[test]
fn start_tokens_and_drop() {
    if !python_available() {
        eprintln!("\n##### SKIPPED start_tokens_and_drop: python3 is not installed #####\n");
        return;
    }
    for mode in [Mode::Vulnerable, Mode::Hardened] {
        let bed = Testbed::start(mode).unwrap_or_else(|e| panic!("{e}"));
        let (base, pgid, state) = (
            bed.base_url().clone(),
            bed.pgid(),
            bed.state_dir().to_path_buf(),
        );
        assert!(accepts(&base), "{mode}: {base} does not accept");
        assert_eq!(bed.docker_url().is_some(), mode == Mode::Vulnerable);
        if let Some(docker) = bed.docker_url() {
            assert!(accepts(docker), "docker port closed");
            assert_ne!(docker.port(), base.port());
        }
        assert!(bed.token("alice").starts_with("eyJ"));
        assert!(bed.try_token("alice_expired").is_some());
        let names: Vec<String> = bed.identities().into_iter().map(|i| i.name).collect();
        assert_eq!(names, ["alice", "admin", "bob"]);
        assert!(bed.spec_path().is_file());
        drop(bed);
        assert!(
            !group_alive(pgid),
            "{mode}: process group {pgid} survived the drop"
        );
        assert!(
            !accepts(&base),
            "{mode}: {base} still accepts after the drop"
        );
        assert!(!state.exists(), "{mode}: state dir left behind");
    }
}

#[test]
fn express_start_login_and_drop() {
    if !tollgate_testbed::node_available() {
        eprintln!(
            "\n##### SKIPPED express_start_login_and_drop: node >= 20 is not installed #####\n"
        );
        return;
    }
    for mode in [Mode::Vulnerable, Mode::Hardened] {
        let bed = Testbed::start_express(mode).unwrap_or_else(|e| panic!("{e}"));
        let (base, pgid, state) = (
            bed.base_url().clone(),
            bed.pgid(),
            bed.state_dir().to_path_buf(),
        );
        assert!(accepts(&base), "{mode}: {base} does not accept");
        assert!(bed.docker_url().is_none());
        assert!(bed.token("alice").starts_with("eyJ"));
        let names: Vec<&str> = bed.credentials().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["admin", "alice", "bob"]);
        let fresh = bed.log_in("bob").unwrap_or_else(|e| panic!("{e}"));
        assert!(fresh.starts_with("eyJ"));
        let ids: Vec<String> = bed
            .fresh_identities()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(ids, ["alice", "admin", "bob"]);
        assert!(bed.spec_path().starts_with(&state) && bed.spec_path().is_file());
        assert_eq!(bed.state_changes(), Some(vec![]));
        assert!(bed.requests_served().unwrap_or(0) >= 4, "logins are logged");
        let debug = format!("{bed:?}");
        assert!(
            !debug.contains("Express-2024"),
            "a password leaked: {debug}"
        );
        drop(bed);
        assert!(
            !group_alive(pgid),
            "{mode}: process group {pgid} survived the drop"
        );
        assert!(
            !accepts(&base),
            "{mode}: {base} still accepts after the drop"
        );
        assert!(!state.exists(), "{mode}: state dir left behind");
    }
}
