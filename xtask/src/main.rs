//! `cargo xtask <command>`: the project's own chores.
//!
//! Plain argument parsing: one subcommand, then its own arguments.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod docs;
mod eval;

use std::process::ExitCode;

/// A subcommand: name, one-line help, entry point (its own arguments in, exit code out).
type Command = (
    &'static str,
    &'static str,
    fn(&[String]) -> anyhow::Result<ExitCode>,
);

/// Every subcommand; add new ones here.
const COMMANDS: &[Command] = &[
    (
        "eval",
        "scan every testbed (Django, Express) in both modes and score the results against their ground truth [--reports DIR] [--testbed NAME]",
        eval::run,
    ),
    (
        "docs",
        "generate docs/rules/*.md and docs/report.schema.json [--check: fail if stale]",
        docs::run,
    ),
];

fn usage() -> String {
    let mut s = String::from("usage: cargo xtask <command> [args]\n\ncommands:\n");
    for (name, help, _) in COMMANDS {
        s.push_str(&format!("  {name:<8} {help}\n"));
    }
    s
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first() else {
        eprint!("{}", usage());
        return ExitCode::from(2);
    };
    if matches!(name.as_str(), "help" | "-h" | "--help") {
        print!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let Some((_, _, run)) = COMMANDS.iter().find(|(n, _, _)| n == name) else {
        eprint!("error: unknown command `{name}`\n\n{}", usage());
        return ExitCode::from(2);
    };
    match run(&args[1..]) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
