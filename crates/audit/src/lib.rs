//! `tollgate audit`: a static posture audit of deployment artefacts, and attack
//! chains that join its findings with a scan's.
//!
//! It reads a repository without running anything: Dockerfiles (multi-stage, `ARG`
//! substitution, continuations, heredocs), docker-compose files (v2, v3, the Compose
//! spec), Kubernetes manifests, shell entrypoints, Django settings and `LOGGING`
//! dicts, and Python code that makes outbound HTTP calls. It looks for what turns a
//! leaked token into a container escape: a mounted runtime socket, privileged
//! containers, root, tokens in env vars, logs that print `Authorization`.
//!
//! Parsers are real ones:
//! - YAML: [`saphyr`], chosen because it is maintained (the successor of yaml-rust and
//!   yaml-rust2; `serde_yaml` is archived), keeps a line and column on every node
//!   including mapping keys (serde-based forks such as `serde_yaml_ng` and
//!   `serde_norway` drop positions, and findings need `file:line:column`), loads
//!   multi-document streams, and caps anchor-alias expansion ("billion laughs").
//! - Python: tree-sitter with tree-sitter-python, error-tolerant, never regexes.
//! - Dockerfile and shell: small hand-written readers ([`parse::dockerfile`],
//!   [`parse::shell`]) that handle continuations, heredocs, quoting and substitutions.
//!
//! Secrets inside artefacts are found by `tollgate-secrets`, the same pattern library
//! the scanner runs over responses (see [`secrets`]).
//!
//! No network, no async: this crate depends on neither tokio nor reqwest
//! (`tests/deps.rs` proves it).

pub mod chain;
pub(crate) mod names;
pub(crate) mod parse;
pub(crate) mod project;
pub mod rules;
mod run;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod no_panic_tests;
pub(crate) mod secrets;
pub(crate) mod source;

pub use project::{Artefact, AuditFile, Project};
pub use rules::{registry, Rule};
pub use run::{audit_path, audit_project, report, AuditOutcome};

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot read {path}: {source} — pass a directory or file that exists")]
    Root {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
