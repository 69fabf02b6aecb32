//! Exit codes and the one error type `main` reports.

use std::process::ExitCode;

/// Exit codes (see README "Exit codes").
pub mod code {
    /// The gate passed (or there was no gate).
    pub const OK: u8 = 0;
    /// `--fail-on` or `--fail-under` failed.
    pub const GATE_FAILED: u8 = 1;
    /// Usage or configuration error.
    pub const USAGE: u8 = 2;
    /// The target could not be scanned.
    pub const UNSCANNABLE: u8 = 3;
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Bad flags, config, token file, output path: exit 2.
    Usage(anyhow::Error),
    /// The target could not be reached or scanned: exit 3.
    Unscannable(anyhow::Error),
}

impl Failure {
    pub fn error(&self) -> &anyhow::Error {
        match self {
            Failure::Usage(e) | Failure::Unscannable(e) => e,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Usage(_) => ExitCode::from(code::USAGE),
            Failure::Unscannable(_) => ExitCode::from(code::UNSCANNABLE),
        }
    }
}

/// Shorthand: a usage error from anything printable.
pub fn usage(e: impl Into<anyhow::Error>) -> Failure {
    Failure::Usage(e.into())
}
