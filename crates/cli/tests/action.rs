//! The GitHub Action's run step, executed for real against a local API: it writes the
//! Markdown summary and the step outputs, and passes the gate's exit code through.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;
use support::Servers;
use tollgate_scan::testkit::RawResponse;

#[test]
fn action_run_step_writes_summary_outputs_and_gates() {
    let servers = Servers::new();
    let addr = servers.serve(|_| {
        RawResponse::new(200, "<html>x</html>")
            .header("content-type", "text/html")
            .header("server", "Thing/1.2.3")
    });
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_tollgate"))
        .parent()
        .unwrap()
        .to_path_buf();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../action/run.sh");
    let run = |fail_on: &str| {
        let summary = dir.path().join("summary.md");
        let outputs = dir.path().join("outputs.txt");
        let _ = std::fs::remove_file(&outputs);
        let status = Command::new("bash")
            .arg(script)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("TOLLGATE_URL", format!("http://{addr}/"))
            .env("TOLLGATE_FAIL_ON_INPUT", fail_on)
            .env("TOLLGATE_TOKEN", "")
            .env("RUNNER_TEMP", dir.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &outputs)
            .status()
            .unwrap();
        (
            status.code(),
            std::fs::read_to_string(&summary).unwrap_or_default(),
            std::fs::read_to_string(&outputs).unwrap_or_default(),
        )
    };
    let (code, summary, outputs) = run("critical");
    assert_eq!(code, Some(0));
    assert!(summary.contains("## tollgate: grade"), "{summary}");
    assert!(
        outputs.contains("score=")
            && outputs.contains("grade=")
            && outputs.contains("findings-count=")
            && outputs.contains("sarif="),
        "{outputs}"
    );
    let (code, _, _) = run("low");
    assert_eq!(code, Some(1), "the gate's exit code passes through");
}
