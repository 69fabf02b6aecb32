//! The harness's one error type.

use std::path::PathBuf;

/// Why the harness could not start a testbed, read its ground truth or scan it.
#[derive(Debug, thiserror::Error)]
pub enum TestbedError {
    #[error(
        "the Django testbed's virtualenv could not be created ({reason}) — run `bash testbeds/django/setup.sh` by hand; it needs python3 (with venv) and, the first time, access to PyPI\n{output}"
    )]
    Setup { reason: String, output: String },

    #[error(
        "the Express testbed's npm packages could not be installed ({reason}) — run `bash testbeds/express/setup.sh` by hand; it needs node >= 20 and npm and, the first time, access to the npm registry\n{output}"
    )]
    NodeSetup { reason: String, output: String },

    #[error("logging {user} in to the {mode} testbed failed: {message}")]
    Login {
        mode: &'static str,
        user: String,
        message: String,
    },

    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the {mode} testbed did not come up within {secs} s (no `TESTBED READY` line, port {port} closed)\n{logs}"
    )]
    Timeout {
        mode: &'static str,
        secs: u64,
        port: u16,
        logs: String,
    },

    #[error("the {mode} testbed exited during startup ({status})\n{logs}")]
    Exited {
        mode: &'static str,
        status: String,
        logs: String,
    },

    #[error("the {mode} testbed wrote no token file {}: {source}", path.display())]
    Token {
        mode: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: {message}", path.display())]
    GroundTruth { path: PathBuf, message: String },

    #[error("scanning the {mode} testbed failed: {source}")]
    Scan {
        mode: &'static str,
        #[source]
        source: tollgate_scan::ScanError,
    },

    #[error("{0}")]
    Internal(String),
}

impl TestbedError {
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> TestbedError {
        let action = action.into();
        move |source| TestbedError::Io { action, source }
    }
}
