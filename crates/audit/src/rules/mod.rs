//! Audit rules: one file per rule under `rules/<artefact>/`, listed once in
//! [`registry`]. Each carries the same typed metadata and documentation as a scan
//! check (safety `passive`, no HTTP methods, budget 0: the auditor sends nothing).

use crate::project::{AuditFile, Project};
use tollgate_core::{CheckMeta, Finding};

pub(crate) mod compose;
pub(crate) mod django;
pub(crate) mod dockerfile;
pub(crate) mod k8s;
pub(crate) mod python;
pub mod registry;
pub(crate) mod shell;

/// One audit rule.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static CheckMeta;
    /// The findings of this rule in one file (other files of the project may be
    /// consulted: the Dockerfile a compose service builds, the RBAC bound to a pod).
    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding>;
}

/// The OWASP API Top 10 page every misconfiguration rule cites.
pub(crate) const OWASP_API8: &str =
    "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/";
pub(crate) const OWASP_API7: &str =
    "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/";
pub(crate) const OWASP_API10: &str =
    "https://owasp.org/API-Security/editions/2023/en/0xaa-unsafe-consumption-of-apis/";
pub(crate) const OWASP_API2: &str =
    "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/";

/// The fact every environment-variable finding carries, so attack chains can match
/// the variable the scan saw leak: `` env var `NAME` ``.
pub(crate) fn env_var_fact(name: &str) -> String {
    format!("env var `{name}`")
}

/// The variable named by an [`env_var_fact`], if the fact is one.
pub(crate) fn env_var_of(fact: &str) -> Option<&str> {
    fact.strip_prefix("env var `")?.strip_suffix('`')
}

/// Masks `value` in the finding's snippet (a literal the patterns do not know).
pub(crate) fn masking(mut f: Finding, value: &str) -> Finding {
    if let Some(s) = f.evidence.snippet.take() {
        f.evidence.snippet = Some(crate::secrets::masker().values_in(&s, &[value]));
    }
    f
}

/// A finding about a vendor's test-mode key (`sk_test_…`): reported low, and saying so.
pub(crate) fn demote_test_key(f: Finding, value: &str) -> Finding {
    if !crate::secrets::is_test_key(value) {
        return f;
    }
    let mut f = f.with_severity(tollgate_core::Severity::Low);
    f.title
        .push_str(" — a vendor test-mode key, not a live credential");
    f.with_fact("vendor test-mode key (works only against the vendor's sandbox)")
}

/// Why `key=value` holds a secret: the pattern it matches (name, masked value), or a
/// literal under a secret-looking name. `None` for references and ordinary values.
pub(crate) fn classify_secret(key: &str, value: &str) -> Option<(String, String)> {
    if let Some(hit) = crate::secrets::find_secrets(&format!("{key}={value}")).first() {
        return Some((hit.rule_name.clone(), hit.masked.clone()));
    }
    (crate::names::is_secret_name(key) && crate::names::is_literal_secret_value(value)).then(|| {
        (
            "literal value under a secret-looking name".to_string(),
            crate::secrets::masker().value(value),
        )
    })
}

/// Container runtime sockets and the directories holding them, as mounted into a
/// container. Upstream tools match only `/var/run/docker.sock`; a mounted
/// containerd, CRI-O or Podman socket, a rootless socket under `/run/user/N`, or the
/// whole `/var/run` is the same escape.
pub(crate) fn runtime_socket(path: &str) -> Option<&'static str> {
    let p = crate::parse::compose::normalise_path(path);
    const SOCKETS: &[(&str, &str)] = &[
        ("docker.sock", "Docker"),
        ("containerd.sock", "containerd"),
        ("crio.sock", "CRI-O"),
        ("podman.sock", "Podman"),
        ("cri-dockerd.sock", "cri-dockerd"),
        ("dockershim.sock", "dockershim"),
        ("buildkitd.sock", "BuildKit"),
    ];
    let name = p.rsplit('/').next().unwrap_or("");
    if let Some((_, runtime)) = SOCKETS.iter().find(|(s, _)| name == *s) {
        return Some(runtime);
    }
    const DIRS: &[&str] = &[
        "/var/run",
        "/run",
        "/var/run/docker",
        "/run/docker",
        "/run/containerd",
        "/var/run/containerd",
        "/run/crio",
        "/var/run/crio",
        "/run/podman",
        "/var/run/podman",
        "/run/buildkit",
    ];
    let rootless = p
        .strip_prefix("/run/user/")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()));
    (DIRS.contains(&p.as_str()) || rootless).then_some("the directory holding the runtime socket")
}

/// Host paths whose exposure gives away the host: `/`, system directories, the
/// container runtime's and kubelet's state.
pub(crate) fn sensitive_host_path(path: &str) -> bool {
    let p = crate::parse::compose::normalise_path(path);
    if p == "/" {
        return true;
    }
    const PREFIXES: &[&str] = &[
        "/etc",
        "/proc",
        "/sys",
        "/dev",
        "/root",
        "/home",
        "/boot",
        "/lib",
        "/lib64",
        "/usr",
        "/bin",
        "/sbin",
        "/var/lib/docker",
        "/var/lib/kubelet",
        "/var/lib/containerd",
        "/var/lib/etcd",
        "/etc/kubernetes",
        "/var/run",
        "/run",
        "/var/log",
    ];
    PREFIXES
        .iter()
        .any(|pre| p == *pre || p.starts_with(&format!("{pre}/")))
}

/// Linux capabilities that break container isolation when added.
pub const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "NET_ADMIN",
    "SYS_RAWIO",
    "NET_RAW",
    "SYS_BOOT",
    "BPF",
    "PERFMON",
    "SYS_CHROOT",
];

/// `cap_add`/`capabilities.add` spelled with or without `CAP_`.
pub(crate) fn capability_name(raw: &str) -> String {
    let up = raw.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// Values of a DEBUG-like variable that switch debugging on.
pub(crate) fn is_truthy_flag(value: &str) -> bool {
    matches!(
        value
            .trim()
            .trim_matches(['"', '\''])
            .to_ascii_lowercase()
            .as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// Environment variables that switch a framework's debug mode on.
pub(crate) fn is_debug_var(name: &str) -> bool {
    matches!(name, "DEBUG" | "DJANGO_DEBUG" | "FLASK_DEBUG" | "APP_DEBUG")
}

#[cfg(test)]
pub(crate) mod testing {
    use super::Rule;
    use crate::project::Project;
    use tollgate_core::Finding;

    /// Runs one rule over a small project of (path, text) files.
    pub fn run(rule: &dyn Rule, files: &[(&str, &str)]) -> Vec<Finding> {
        let project = Project::from_texts(
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        );
        assert!(project.errors.is_empty(), "{:?}", project.errors);
        project
            .files
            .iter()
            .flat_map(|f| rule.check(f, &project))
            .collect()
    }

    /// The lines of the findings, in order.
    pub fn lines(findings: &[Finding]) -> Vec<u32> {
        let mut out: Vec<u32> = findings
            .iter()
            .map(|f| match &f.location {
                tollgate_core::Location::File { line, .. } => *line,
                tollgate_core::Location::Http { .. } => 0,
            })
            .collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_sockets_beyond_docker_sock() {
        for p in [
            "/var/run/docker.sock",
            "//var/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/var/run/crio/crio.sock",
            "/run/podman/podman.sock",
            "/run/user/1000/docker.sock",
            "/run/user/1000",
            "/var/run/",
            "/run",
        ] {
            assert!(runtime_socket(p).is_some(), "{p}");
        }
        for p in ["/var/run/app", "./docker.sock.bak", "/data", "/run/secrets"] {
            assert!(runtime_socket(p).is_none(), "{p}");
        }
    }

    #[test]
    fn sensitive_paths() {
        assert!(sensitive_host_path("/"));
        assert!(sensitive_host_path("/etc/"));
        assert!(sensitive_host_path("/var/lib/kubelet/pods"));
        assert!(!sensitive_host_path("/srv/data"));
        assert!(!sensitive_host_path("/etcetera"));
    }
}
