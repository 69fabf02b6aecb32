//! CMP-011: host devices or the Docker API exposed.

use crate::parse::compose::{environment, strings};
use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{env_var_fact, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct DevicesApi;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-011"),
    name: "Host devices or Docker API exposed",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`devices:` entries (raw host devices such as `/dev/mem`, `/dev/sda`), ports publishing the Docker API (2375, 2376), and `DOCKER_HOST=tcp://…` without `DOCKER_TLS_VERIFY` in a service's environment.",
        why: "A block or memory device gives direct access to the host's disks or RAM. A Docker API reachable over TCP without TLS client certificates lets anyone who reaches the port — including through an SSRF in the API — start privileged containers on the host.",
        evidence: "docker-compose.yml:18:9 `- \"2375:2375\"` in service `dind`.",
        remediation: "Remove `devices:` unless the workload is a device driver; never publish 2375/2376; if a remote Docker API is needed, require TLS client certificates (`DOCKER_TLS_VERIFY=1`, port 2376 with `--tlsverify`).",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://docs.docker.com/engine/security/protect-access/",
        ],
    },
};

/// Whether a port mapping (`[IP:][HOST:]CONTAINER[/proto]`) publishes the Docker API.
fn docker_api_port(spec: &str) -> bool {
    let spec = spec.split('/').next().unwrap_or(spec);
    let parts: Vec<&str> = spec.rsplit(':').take(2).collect();
    parts.iter().any(|p| *p == "2375" || *p == "2376")
}

impl Rule for DevicesApi {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in services(file) {
            for (dev, pos) in strings(svc.node.get("devices")) {
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            format!("Service `{}` gets host device `{dev}`", svc.name),
                        )
                        .with_key(&format!("{}:{dev}", svc.name)),
                );
            }
            for (port, pos) in strings(svc.node.get("ports"))
                .into_iter()
                .filter(|(p, _)| docker_api_port(p))
            {
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            format!(
                                "Service `{}` publishes the Docker API port (`{port}`)",
                                svc.name
                            ),
                        )
                        .with_key(&format!("{}:{port}", svc.name)),
                );
            }
            let env = environment(svc.node);
            let tls = env.iter().any(|v| {
                v.key == "DOCKER_TLS_VERIFY"
                    && v.value
                        .as_deref()
                        .is_some_and(|x| !x.is_empty() && x != "0")
            });
            for var in env.iter().filter(|v| v.key == "DOCKER_HOST" && !tls) {
                let Some(value) = var.value.as_deref().filter(|v| v.starts_with("tcp://")) else {
                    continue;
                };
                let f = file
                    .source
                    .finding(&META, var.pos, format!("Service `{}` talks to the Docker API over plain TCP (`DOCKER_HOST={value}`)", svc.name))
                    .with_key(&format!("{}:DOCKER_HOST", svc.name))
                    .with_fact(env_var_fact("DOCKER_HOST"));
                out.push(f);
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
    fn fires_on_devices_ports_and_docker_host() {
        let c = "services:\n  a:\n    devices:\n      - /dev/mem:/dev/mem\n    ports:\n      - \"127.0.0.1:2375:2375\"\n      - \"8000:8000\"\n    environment:\n      DOCKER_HOST: tcp://docker:2375\n";
        assert_eq!(
            lines(&run(&DevicesApi, &[("docker-compose.yml", c)])),
            [4, 6, 9]
        );
    }

    #[test]
    fn silent_with_tls_and_ordinary_ports() {
        let c = "services:\n  a:\n    ports: [\"8000:8000\", \"12375:80\"]\n    environment:\n      DOCKER_HOST: tcp://docker:2376\n      DOCKER_TLS_VERIFY: \"1\"\n";
        assert!(run(&DevicesApi, &[("docker-compose.yml", c)]).is_empty());
    }
}
