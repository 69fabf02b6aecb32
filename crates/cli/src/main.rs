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
    let service = matches!(
        cli.command,
        args::Command::Serve(_) | args::Command::Worker(_)
    );
    init_tracing(cli.verbose, cli.log_format, service);
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

/// Logs to stderr. A service (`serve`, `worker`) logs at info by default: its jobs
/// and requests are what an operator reads; a one-off command only warns.
fn init_tracing(verbose: u8, format: tollgate_server::LogFormat, service: bool) {
    let default = match (verbose, service) {
        (0, false) => "warn",
        (0, true) => "info",
        (1, _) => "info,tollgate=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOLLGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match format {
        tollgate_server::LogFormat::Text => builder.init(),
        tollgate_server::LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}
