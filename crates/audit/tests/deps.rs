//! The auditor pulls in no async runtime and no HTTP client: `cargo tree` of its
//! normal dependencies has neither tokio nor reqwest (nor hyper).
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn no_tokio_or_reqwest_in_the_dependency_tree() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "tollgate-audit",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        tree.contains("tollgate-secrets"),
        "unexpected tree:\n{tree}"
    );
    for banned in ["tokio ", "reqwest ", "hyper "] {
        assert!(
            !tree.lines().any(|l| l.starts_with(banned)),
            "{banned}is a dependency of tollgate-audit:\n{tree}"
        );
    }
}
