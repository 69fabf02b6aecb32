//! The one explicit list of audit rules, grouped by artefact.

use super::{compose, django, dockerfile, k8s, python, shell, Rule};

static RULES: &[&'static dyn Rule] = &[
    // ---- Dockerfile (DKR-)
    &dockerfile::root_user::RootUser,
    &dockerfile::secret_env::SecretEnv,
    &dockerfile::literal_token::LiteralToken,
    &dockerfile::cred_setup::CredSetup,
    &dockerfile::secret_files::SecretFiles,
    &dockerfile::add_remote::AddRemote,
    &dockerfile::sudo::Sudo,
    &dockerfile::docker_socket::DockerSocket,
    &dockerfile::debug_server::DebugServer,
    // ---- docker-compose (CMP-)
    &compose::runtime_socket::RuntimeSocket,
    &compose::privileged::Privileged,
    &compose::host_path::HostPath,
    &compose::capabilities::Capabilities,
    &compose::host_namespaces::HostNamespaces,
    &compose::no_new_privileges::NoNewPrivileges,
    &compose::confinement::Confinement,
    &compose::read_only::ReadOnly,
    &compose::root_user::RootUser,
    &compose::env_tokens::EnvTokens,
    &compose::devices_api::DevicesApi,
    // ---- Kubernetes (K8S-)
    &k8s::privileged::Privileged,
    &k8s::escalation::Escalation,
    &k8s::root_user::RootUser,
    &k8s::read_only::ReadOnly,
    &k8s::capabilities::Capabilities,
    &k8s::host_namespaces::HostNamespaces,
    &k8s::runtime_socket::RuntimeSocket,
    &k8s::host_path::HostPath,
    &k8s::sa_token::SaToken,
    &k8s::manifest_tokens::ManifestTokens,
    &k8s::rbac::Rbac,
    &k8s::debug_env::DebugEnv,
    // ---- Shell entrypoints (SH-)
    &shell::xtrace::Xtrace,
    &shell::dumps_env::DumpsEnv,
    &shell::literal_creds::LiteralCreds,
    &shell::remote_exec::RemoteExec,
    &shell::no_priv_drop::NoPrivDrop,
    &shell::runtime_access::RuntimeAccess,
    &shell::dev_server::DevServer,
    // ---- Django settings (DJ-)
    &django::debug::Debug,
    &django::secret_key::SecretKey,
    &django::allowed_hosts::AllowedHosts,
    &django::transport::Transport,
    &django::middleware_cookies::MiddlewareCookies,
    &django::reporter_filter::ReporterFilter,
    &django::logging::Logging,
    // ---- Python (PY-)
    &python::outbound_options::OutboundOptions,
    &python::tls_verify::TlsVerify,
    &python::ssrf::Ssrf,
    &python::deserialisation::Deserialisation,
    &python::command_injection::CommandInjection,
    &python::logging_tokens::LoggingTokens,
    &python::hardcoded_secret::HardcodedSecret,
    &python::eval_exec::EvalExec,
];

/// Every registered audit rule.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with this ID (case-insensitive).
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().id.as_str().eq_ignore_ascii_case(id))
}
