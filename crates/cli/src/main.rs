//! The `tollgate` binary. `main` calls `try_main` and reports errors in exactly one
//! place; only `main` exits.

mod args;
mod baseline;
mod commands;
mod demo_api;
mod exit;
mod identities;
mod output;
mod progress;
mod settings;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    init_tracing(cli.verbose);
    match commands::run(cli) {
        Ok(code) => code,
        Err(failure) => {
            let mut stderr = std::io::stderr().lock();
            // A closed stderr leaves nothing to report to.
            let _ = writeln!(stderr, "error: {:#}", failure.error());
            failure.exit_code()
        }
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,tollgate=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOLLGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
