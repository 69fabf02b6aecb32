//! CMP-003: a sensitive host path mounted into a service.

use crate::parse::compose::mounts;
use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{runtime_socket, sensitive_host_path, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct HostPath;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-003"),
    name: "Sensitive host path mounted",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Bind mounts of `/` or of host system paths (`/etc`, `/proc`, `/sys`, `/dev`, `/root`, `/home`, `/boot`, `/usr`, `/lib`, `/var/lib/docker`, `/var/lib/kubelet`, `/var/run`, `/var/log`, …). Read-write mounts are high, read-only ones medium. Runtime sockets are CMP-001.",
        why: "A writable host system path lets code in the container change the host (cron jobs, SSH keys, binaries); even read-only, `/etc`, `/root` or `/var/lib/kubelet` hand over credentials and tokens of the host and its other workloads.",
        evidence: "docker-compose.yml:16:9 `- /:/host` in service `agent` (read-write).",
        remediation: "Mount only the application's own data directories, read-only where possible, and prefer named volumes to host paths.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://docs.docker.com/engine/storage/bind-mounts/",
        ],
    },
};

impl Rule for HostPath {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in services(file) {
            for m in mounts(svc.node)
                .into_iter()
                .filter(|m| m.is_host_path() && m.source.starts_with('/'))
            {
                if runtime_socket(&m.source).is_some() || !sensitive_host_path(&m.source) {
                    continue;
                }
                let (mode, severity) = if m.read_only {
                    ("read-only", Severity::Medium)
                } else {
                    ("read-write", Severity::High)
                };
                let title = format!(
                    "Service `{}` mounts host path `{}` {mode}",
                    svc.name,
                    m.normalised_source()
                );
                out.push(
                    file.source
                        .finding(&META, m.pos, title)
                        .with_severity(severity)
                        .with_key(&format!("{}:{}", svc.name, m.source)),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_system_paths() {
        let c = "services:\n  a:\n    volumes:\n      - /:/host\n      - /etc/ssl:/etc/ssl:ro\n";
        let f = run(&HostPath, &[("docker-compose.yml", c)]);
        assert_eq!(lines(&f), [4, 5]);
        assert!(f.iter().any(|x| x.severity == Severity::Medium));
    }

    #[test]
    fn silent_for_app_paths() {
        let c = "services:\n  a:\n    volumes:\n      - ./src:/app\n      - /srv/data:/data\n      - logs:/var/log\n";
        assert!(run(&HostPath, &[("docker-compose.yml", c)]).is_empty());
    }
}
