//! One module per subcommand.

mod audit;
mod config;
mod demo;
mod diff;
mod rules;
mod scan;
mod serve;
mod worker;

use crate::args::{Cli, Command, ConfigCommand};
use crate::exit::Failure;
use clap::CommandFactory;
use std::process::ExitCode;

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let color = cli.color;
    match cli.command {
        Command::Scan(args) => scan::run(cli.config.as_deref(), &args, color),
        Command::Demo(args) => demo::run(&args, color),
        Command::Rules { command } => rules::run(&command),
        Command::Config {
            command: ConfigCommand::Show(args),
        } => config::show(cli.config.as_deref(), &args),
        Command::Diff(args) => diff::run(&args),
        Command::Audit(args) => audit::run(&args, color),
        Command::Serve(args) => serve::run(&args, cli.log_format),
        Command::Worker(args) => worker::run(&args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "tollgate",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The real environment, for settings and identities.
pub fn real_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Writes to stdout, treating a closed pipe as success.
pub fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::exit::usage(e)),
        _ => Ok(()),
    }
}
