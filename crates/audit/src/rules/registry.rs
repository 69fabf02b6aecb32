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
    &dockerfile::env_file::EnvFile,
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

/// Which items of tollgate's container-posture checklist (D1–D10, C1–C11, K1–K14,
/// E1–E7, S1–S8, P1–P9) each rule implements. The checklist is the catalogue the audit
/// is measured against: every item has at least one rule (a test proves it).
pub const CHECKLIST: &[(&str, &[&str])] = &[
    ("DKR-001", &["D1"]),
    ("DKR-002", &["D2"]),
    ("DKR-003", &["D3"]),
    ("DKR-004", &["D4"]),
    ("DKR-005", &["D5"]),
    ("DKR-006", &["D6", "D8"]),
    ("DKR-007", &["D7"]),
    ("DKR-009", &["D9"]),
    ("DKR-010", &["D10"]),
    ("DKR-011", &["E2"]),
    ("CMP-001", &["C1"]),
    ("CMP-002", &["C2"]),
    ("CMP-003", &["C3"]),
    ("CMP-004", &["C4"]),
    ("CMP-005", &["C5"]),
    ("CMP-006", &["C6"]),
    ("CMP-007", &["C7"]),
    ("CMP-008", &["C8"]),
    ("CMP-009", &["C9"]),
    ("CMP-010", &["C10"]),
    ("CMP-011", &["C11"]),
    ("K8S-001", &["K1"]),
    ("K8S-002", &["K2", "K13"]),
    ("K8S-003", &["K3"]),
    ("K8S-004", &["K4"]),
    ("K8S-005", &["K5"]),
    ("K8S-006", &["K6"]),
    ("K8S-007", &["K7"]),
    ("K8S-008", &["K8"]),
    ("K8S-009", &["K9"]),
    ("K8S-010", &["K10", "K11"]),
    ("K8S-012", &["K12"]),
    ("K8S-014", &["K14"]),
    ("SH-001", &["E1"]),
    ("SH-002", &["E2"]),
    ("SH-003", &["E3"]),
    ("SH-004", &["E4"]),
    ("SH-005", &["E5"]),
    ("SH-006", &["E6"]),
    ("SH-007", &["E7"]),
    ("DJ-001", &["S1"]),
    ("DJ-002", &["S2"]),
    ("DJ-003", &["S3"]),
    ("DJ-004", &["S4"]),
    ("DJ-005", &["S5", "S6"]),
    ("DJ-007", &["S7"]),
    ("DJ-008", &["S8"]),
    ("PY-001", &["P1", "P8"]),
    ("PY-002", &["P2"]),
    ("PY-003", &["P3"]),
    ("PY-004", &["P4"]),
    ("PY-005", &["P5"]),
    ("PY-006", &["P6"]),
    ("PY-007", &["P7"]),
    ("PY-009", &["P9"]),
];

/// The checklist items a rule implements (empty for an unknown ID).
pub fn checklist(id: &str) -> &'static [&'static str] {
    CHECKLIST
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(id))
        .map_or(&[], |(_, items)| *items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_checklist_item_has_a_rule_and_every_rule_an_item() {
        let items: Vec<String> = [
            ("D", 10),
            ("C", 11),
            ("K", 14),
            ("E", 7),
            ("S", 8),
            ("P", 9),
        ]
        .iter()
        .flat_map(|(p, n)| (1..=*n).map(move |i| format!("{p}{i}")))
        .collect();
        assert_eq!(items.len(), 59);
        for item in &items {
            assert!(
                CHECKLIST
                    .iter()
                    .any(|(_, its)| its.contains(&item.as_str())),
                "checklist item {item} has no rule"
            );
        }
        for r in all() {
            let id = r.meta().id.as_str();
            assert!(!checklist(id).is_empty(), "{id} names no checklist item");
        }
        for (id, _) in CHECKLIST {
            assert!(find(id).is_some(), "{id} is not a registered rule");
        }
    }
}
