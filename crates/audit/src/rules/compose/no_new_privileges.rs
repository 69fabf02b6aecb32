//! CMP-006: `no-new-privileges` not set.

use crate::parse::compose::strings;
use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct NoNewPrivileges;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-006"),
    name: "no-new-privileges not set",
    category: Category::ContainerHostExposure,
    severity: Severity::Medium,
    cwe: 269,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A service whose `security_opt` lacks `no-new-privileges:true` (absent, or listing other options only).",
        why: "Without it, a process in the container can gain privileges through setuid binaries (`su`, `sudo`, a planted binary) or file capabilities; code execution as the application user becomes root in the container.",
        evidence: "docker-compose.yml:8:3 service `api` has no `security_opt: [\"no-new-privileges:true\"]`.",
        remediation: "Add `security_opt: [\"no-new-privileges:true\"]` to every service (or set `\"no-new-privileges\": true` in the Docker daemon configuration).",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/269.html",
            "https://docs.docker.com/reference/cli/docker/container/run/#security-opt",
        ],
    },
};

fn sets_nnp(opt: &str) -> bool {
    let o = opt.replace('=', ":").to_ascii_lowercase();
    o == "no-new-privileges" || o == "no-new-privileges:true"
}

impl Rule for NoNewPrivileges {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        services(file)
            .into_iter()
            .filter(|svc| {
                !strings(svc.node.get("security_opt"))
                    .iter()
                    .any(|(o, _)| sets_nnp(o))
            })
            .map(|svc| {
                let pos = svc
                    .node
                    .entry("security_opt")
                    .map_or(svc.pos, |(k, _)| k.pos);
                file.source
                    .finding(
                        &META,
                        pos,
                        format!(
                            "Service `{}` does not set `no-new-privileges:true`",
                            svc.name
                        ),
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
    fn fires_without_the_option() {
        let c = "services:\n  a:\n    image: x\n  b:\n    security_opt:\n      - apparmor:docker-default\n";
        assert_eq!(
            lines(&run(&NoNewPrivileges, &[("docker-compose.yml", c)])),
            [2, 5]
        );
    }

    #[test]
    fn silent_with_the_option() {
        let c = "services:\n  a:\n    security_opt: [\"no-new-privileges:true\"]\n  b:\n    security_opt:\n      - no-new-privileges=true\n";
        assert!(run(&NoNewPrivileges, &[("docker-compose.yml", c)]).is_empty());
    }
}
