//! CMP-001: a container runtime socket mounted into a service.

use crate::parse::compose::mounts;
use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{runtime_socket, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct RuntimeSocket;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-001"),
    name: "Container runtime socket mounted into a service",
    category: Category::ContainerHostExposure,
    severity: Severity::Critical,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A service volume, in short (`/var/run/docker.sock:/var/run/docker.sock`) or long (`type: bind`, `source:`) syntax, whose host side is a runtime socket: `docker.sock`, `containerd.sock`, `crio.sock`, `podman.sock`, `cri-dockerd.sock`, a rootless socket under `/run/user/N`, or a directory holding one (`/var/run`, `/run`, `/run/containerd`). `${VAR:-default}` defaults and `//`-doubled paths are resolved first; `:ro` does not help, a socket is still writable.",
        why: "The runtime socket is root on the host: anyone who can talk to it can start a privileged container that mounts `/`. An SSRF, a leaked token to an admin endpoint or any code execution in the service becomes a host takeover.",
        evidence: "docker-compose.yml:14:9 `- /var/run/docker.sock:/var/run/docker.sock:ro` in service `api`.",
        remediation: "Remove the mount. If the service must manage containers, give it a narrowly scoped API through an authorising proxy (e.g. a socket proxy allowing only the needed read-only endpoints), or move the job to a rootless builder or a separate, isolated runner.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://docs.docker.com/engine/security/#docker-daemon-attack-surface",
            "https://docs.docker.com/reference/compose-file/services/#volumes",
        ],
    },
};

impl Rule for RuntimeSocket {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in services(file) {
            for m in mounts(svc.node).into_iter().filter(|m| m.is_host_path()) {
                if let Some(runtime) = runtime_socket(&m.source) {
                    let title = format!(
                        "Service `{}` mounts {} (`{}`)",
                        svc.name,
                        describe(runtime),
                        m.source
                    );
                    out.push(
                        file.source
                            .finding(&META, m.pos, title)
                            .with_key(&format!("{}:{}", svc.name, m.source))
                            .with_fact(format!("service `{}`", svc.name)),
                    );
                }
            }
        }
        out
    }
}

fn describe(runtime: &str) -> String {
    if runtime.starts_with("the ") {
        runtime.to_string()
    } else {
        format!("the {runtime} socket")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_every_runtime_socket_form() {
        let c = "services:\n  a:\n    volumes:\n      - ${SOCK:-/var/run/docker.sock}:/var/run/docker.sock:ro\n      - type: bind\n        source: /run/containerd/containerd.sock\n        target: /c.sock\n  b:\n    volumes: [\"/run/user/1000/podman/podman.sock:/p.sock\", \"/var/run:/host-run\"]\n";
        assert_eq!(
            lines(&run(&RuntimeSocket, &[("docker-compose.yml", c)])),
            [4, 6, 9, 9]
        );
    }

    #[test]
    fn silent_for_data_volumes() {
        let c = "services:\n  a:\n    volumes:\n      - data:/var/run/docker.sock\n      - ./sockets:/sockets\n";
        assert!(run(&RuntimeSocket, &[("docker-compose.yml", c)]).is_empty());
    }
}
