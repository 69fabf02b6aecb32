//! CMP-008: writable root filesystem.

use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct ReadOnly;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-008"),
    name: "Writable root filesystem",
    category: Category::ContainerHostExposure,
    severity: Severity::Medium,
    cwe: 732,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A compose service without `read_only: true` (absent or false), so its root filesystem is writable.",
        why: "A writable root filesystem lets an attacker with code execution drop tools, modify the application's code or configuration, and persist across requests; a read-only one confines writes to the volumes and tmpfs mounts you chose.",
        evidence: "docker-compose.yml:8:3 service `api` has no `read_only: true`.",
        remediation: "Set `read_only: true` and give the service `tmpfs:` mounts (e.g. `/tmp`) or volumes for the few paths it must write.",
        remediation_django: Some("Django needs no writable code directory: collect static files at build time, write uploads to a volume or object storage, and mount `/tmp` as tmpfs for gunicorn's worker heartbeat (`--worker-tmp-dir /dev/shm`)."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/732.html",
            "https://docs.docker.com/reference/compose-file/services/#read_only",
        ],
    },
};

impl Rule for ReadOnly {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        services(file)
            .into_iter()
            .filter(|svc| !svc.node.get("read_only").is_some_and(|v| v.is_true()))
            .map(|svc| {
                let pos = svc.node.entry("read_only").map_or(svc.pos, |(k, _)| k.pos);
                file.source
                    .finding(
                        &META,
                        pos,
                        format!("Service `{}` has a writable root filesystem", svc.name),
                    )
                    .with_key(&svc.name)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_when_writable() {
        let c = "services:\n  a:\n    image: x\n  b:\n    read_only: false\n";
        assert_eq!(lines(&run(&ReadOnly, &[("docker-compose.yml", c)])), [2, 5]);
    }

    #[test]
    fn silent_when_read_only() {
        assert!(run(
            &ReadOnly,
            &[(
                "docker-compose.yml",
                "services:\n  a:\n    read_only: true\n"
            )]
        )
        .is_empty());
    }
}
