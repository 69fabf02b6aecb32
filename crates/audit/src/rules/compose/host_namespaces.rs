//! CMP-005: host namespaces shared with a service.

use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct HostNamespaces;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-005"),
    name: "Host namespaces shared",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`pid: host`, `ipc: host`, `network_mode: host`, `userns_mode: host`, `uts: host` or `cgroup: host` on a service.",
        why: "The host PID namespace shows (and with ptrace, reads) every process and its environment on the host; the host network reaches services bound to localhost, such as the kubelet, the Docker API on 2375 or a cloud metadata proxy; `userns_mode: host` undoes user-namespace remapping.",
        evidence: "docker-compose.yml:12:5 `network_mode: host` in service `api`.",
        remediation: "Remove the host namespace settings; publish ports with `ports:` and use a user-defined network between services.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://docs.docker.com/reference/compose-file/services/#pid",
        ],
    },
};

const KEYS: &[&str] = &["pid", "ipc", "network_mode", "userns_mode", "uts", "cgroup"];

impl Rule for HostNamespaces {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in services(file) {
            for key in KEYS {
                let Some((k, v)) = svc.node.entry(key) else {
                    continue;
                };
                if v.as_str() == Some("host") {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                k.pos,
                                format!(
                                    "Service `{}` shares the host's namespace: `{key}: host`",
                                    svc.name
                                ),
                            )
                            .with_key(&format!("{}:{key}", svc.name)),
                    );
                }
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
    fn fires_on_host_namespaces() {
        let c = "services:\n  a:\n    pid: host\n    network_mode: host\n";
        assert_eq!(
            lines(&run(&HostNamespaces, &[("docker-compose.yml", c)])),
            [3, 4]
        );
    }

    #[test]
    fn silent_otherwise() {
        let c = "services:\n  a:\n    network_mode: \"service:b\"\n    ipc: shareable\n";
        assert!(run(&HostNamespaces, &[("docker-compose.yml", c)]).is_empty());
    }
}
