//! CMP-002: a privileged service.

use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Privileged;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-002"),
    name: "Privileged service",
    category: Category::ContainerHostExposure,
    severity: Severity::Critical,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A compose service with `privileged: true` (also through a `<<:` merge of an anchor that sets it).",
        why: "A privileged container has every capability, every device and no seccomp or AppArmor confinement: mounting the host's disk or loading a kernel module is one command. Code execution in the service is root on the host.",
        evidence: "docker-compose.yml:21:5 `privileged: true` in service `worker`.",
        remediation: "Remove `privileged: true`; grant the single capability or device the service needs (`cap_add: [NET_BIND_SERVICE]`, `devices:`) after `cap_drop: [ALL]`.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://docs.docker.com/reference/compose-file/services/#privileged",
        ],
    },
};

impl Rule for Privileged {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        services(file)
            .into_iter()
            .filter_map(|svc| {
                let (k, v) = svc.node.entry("privileged")?;
                v.is_true().then(|| {
                    file.source
                        .finding(
                            &META,
                            k.pos,
                            format!("Service `{}` runs privileged", svc.name),
                        )
                        .with_key(&svc.name)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_privileged_services_and_merges() {
        let c = "x-base: &base\n  privileged: true\nservices:\n  a:\n    <<: *base\n  b:\n    privileged: \"yes\"\n";
        assert_eq!(lines(&run(&Privileged, &[("compose.yaml", c)])), [2, 7]);
    }

    #[test]
    fn silent_when_not_privileged() {
        assert!(run(
            &Privileged,
            &[(
                "compose.yaml",
                "services:\n  a:\n    privileged: false\n  b:\n    image: x\n"
            )]
        )
        .is_empty());
    }
}
