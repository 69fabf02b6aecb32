//! Command-line flags. Every flag has help text; `tests/cli.rs` checks it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// API security scanner: finds how bearer tokens leak and what a leaked token reaches.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: ./tollgate.toml if present].
    #[arg(long, global = true, env = "TOLLGATE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug). TOLLGATE_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colour on the terminal.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Log line format on stderr: text, or json (one object per line with timestamp,
    /// level, message and the event's fields, for log shippers).
    #[arg(long, global = true, env = "TOLLGATE_LOG_FORMAT", value_enum, value_name = "FORMAT",
          default_value_t = tollgate_server::LogFormat::Text)]
    pub log_format: tollgate_server::LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a running HTTP API.
    Scan(ScanArgs),
    /// Start a small demo API on 127.0.0.1 with planted weaknesses and scan it.
    Demo(DemoArgs),
    /// List the checks or explain one.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Inspect the effective configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Compare two JSON reports: new, fixed and unchanged findings, and the score change.
    Diff(DiffArgs),
    /// Audit deployment files (Dockerfile, compose, Kubernetes, entrypoints, Django settings, Python) without running anything.
    Audit(AuditArgs),
    /// Run as a service: a REST API (/api/v1) with API keys, a scan queue and
    /// in-process workers, on SQLite or PostgreSQL (see docs/server.md).
    Serve(tollgate_server::ServeArgs),
    /// Run scans from a `tollgate serve` database without an HTTP listener: more
    /// workers on this or other machines (PostgreSQL), stopped gracefully by SIGTERM.
    Worker(tollgate_server::WorkerArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every check with its severity, category and safety class, sorted by ID.
    List {
        /// Output format: terminal (aligned columns) or json.
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
    },
    /// Print a check's documentation.
    Explain {
        /// The check ID, e.g. MISC-003.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print each effective setting and where it came from.
    Show(ScanSettingsArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The base URL of the API, e.g. https://api.example.com/
    pub url: String,

    #[command(flatten)]
    pub settings: ScanSettingsArgs,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The repository (or one file) to audit; .gitignore is honoured.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// A JSON scan report (`tollgate scan URL -o json=scan.json`) to join with the audit into attack chains.
    #[arg(long, value_name = "PATH")]
    pub with_scan: Option<PathBuf>,

    /// Output format on stdout: terminal, json, sarif, markdown, junit or html.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Also write FORMAT to PATH (repeatable), e.g. -o sarif=audit.sarif -o json=audit.json.
    #[arg(short = 'o', long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,

    /// Exit 1 if any finding or attack chain is at or above this severity (critical, high, medium, low, info).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,

    /// Exit 1 if the score is below this value (0-100).
    #[arg(long, value_name = "SCORE")]
    pub fail_under: Option<u8>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier JSON report (`tollgate scan … -o json=old.json`).
    pub old: PathBuf,
    /// The later JSON report.
    pub new: PathBuf,
    /// Output format: terminal or markdown.
    #[arg(long, value_name = "FORMAT", default_value = "terminal")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output format on stdout: terminal, json, sarif, markdown, junit or html.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Also write FORMAT to PATH (repeatable), e.g. -o html=demo.html -o json=demo.json.
    #[arg(short = 'o', long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,

    /// Only start the demo API: print its URL on stdout and serve until SIGINT or
    /// SIGTERM, without scanning (a target for `tollgate serve`, or for benchmarks).
    #[arg(long, conflicts_with_all = ["format", "outputs"])]
    pub serve_only: bool,
}

/// The flags that are also settings (config file and TOLLGATE_* env).
#[derive(Debug, Default, Args)]
pub struct ScanSettingsArgs {
    /// Scan depth: quick, standard or deep.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Exit 1 if any finding is at or above this severity (critical, high, medium, low, info).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,

    /// Exit 1 if the score is below this value (0-100).
    #[arg(long, value_name = "SCORE")]
    pub fail_under: Option<u8>,

    /// The API's OpenAPI 2.0/3.x document (JSON or YAML), as a file path or an in-scope URL. Without it, tollgate looks for the target's own document at the usual paths.
    #[arg(long, value_name = "PATH|URL")]
    pub spec: Option<String>,

    /// Where the callback listener for out-of-band (blind SSRF) proof binds [default: 127.0.0.1:0 for a loopback target; none otherwise].
    #[arg(long, value_name = "ADDR")]
    pub callback_listen: Option<std::net::SocketAddr>,

    /// The public URL that reaches the callback listener (when it sits behind NAT or a tunnel).
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,

    /// Do not probe the target host's container and orchestration ports (Docker 2375/2376, kubelet, etcd, Kubernetes API).
    #[arg(long)]
    pub no_host_ports: bool,

    /// Read the bearer token from this file (safer than the command line). TOLLGATE_TOKEN also works.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Use this named identity from tollgate.toml ([identity.NAME]) as the primary one.
    #[arg(long, value_name = "NAME")]
    pub identity: Option<String>,

    /// Also allow requests to this origin (repeatable). Only the target's origin is in scope otherwise.
    #[arg(long = "scope", value_name = "URL")]
    pub scope: Vec<String>,

    /// Allow a class of probes that is off by default. `intrusive` enables state-changing methods and bursts.
    #[arg(long = "allow", value_name = "CLASS")]
    pub allow: Vec<String>,

    /// Most requests the scan may send.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,

    /// Longest the scan may run, e.g. 90s, 5m.
    #[arg(long, value_name = "DURATION")]
    pub max_time: Option<String>,

    /// Requests per second, across the scan.
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,

    /// Requests in flight to one host at once.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,

    /// Longest one request may take, e.g. 20s.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Accept invalid TLS certificates (self-signed staging servers).
    #[arg(long)]
    pub insecure: bool,

    /// Output format on stdout: terminal, json or sarif.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Also write FORMAT to PATH (repeatable), e.g. -o sarif=tollgate.sarif -o json=report.json.
    #[arg(short = 'o', long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,

    /// Never show a progress bar (it is shown only on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,

    /// A previous JSON report: the gate then considers only findings that are new since it.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,

    /// Suppressions file [default: ./.tollgate-ignore.toml if present].
    #[arg(long, value_name = "PATH")]
    pub ignore_file: Option<PathBuf>,

    /// Also audit this repository's deployment files (see `tollgate audit`) and join both into attack chains.
    #[arg(long, value_name = "PATH")]
    pub audit: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::collections::HashSet;

    fn walk(cmd: &clap::Command, check: &mut dyn FnMut(&clap::Command)) {
        check(cmd);
        for sub in cmd.get_subcommands() {
            walk(sub, check);
        }
    }

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_flag_and_subcommand_is_documented() {
        walk(&Cli::command(), &mut |cmd| {
            if cmd.get_name() != "tollgate" {
                assert!(
                    cmd.get_about().is_some(),
                    "subcommand `{}` has no help",
                    cmd.get_name()
                );
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "`{} {id}` has no help text",
                    cmd.get_name()
                );
            }
        });
    }

    #[test]
    fn no_duplicate_flag_names() {
        walk(&Cli::command(), &mut |cmd| {
            let mut longs = HashSet::new();
            let mut shorts = HashSet::new();
            for arg in cmd.get_arguments() {
                if let Some(l) = arg.get_long() {
                    assert!(
                        longs.insert(l.to_string()),
                        "duplicate --{l} in `{}`",
                        cmd.get_name()
                    );
                }
                if let Some(s) = arg.get_short() {
                    assert!(shorts.insert(s), "duplicate -{s} in `{}`", cmd.get_name());
                }
            }
        });
    }
}
