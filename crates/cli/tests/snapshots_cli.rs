//! Snapshots of the CLI's help texts: a flag that changes meaning shows up in review.
#![allow(clippy::unwrap_used)]

mod support;

fn stdout(args: &[&str]) -> String {
    let out = support::tollgate()
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!("help", stdout(&["--help"]));
}

#[test]
fn scan_help() {
    insta::assert_snapshot!("scan_help", stdout(&["scan", "--help"]));
}
