//! CMP-007: seccomp, AppArmor or SELinux confinement disabled.

use crate::parse::compose::strings;
use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Confinement;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-007"),
    name: "Confinement disabled",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 693,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`security_opt` entries `seccomp:unconfined`, `apparmor:unconfined`, `label:disable` or `label:type:spc_t` (also written with `=`).",
        why: "Seccomp and AppArmor/SELinux block the system calls and file accesses that known container escapes use (`mount`, `unshare`, `keyctl`, writing `/proc/sys`). Turning them off removes the layer that stops a kernel bug from becoming a host compromise.",
        evidence: "docker-compose.yml:15:9 `- seccomp:unconfined` in service `api`.",
        remediation: "Remove the `unconfined`/`disable` options; if a system call is genuinely needed, ship a custom seccomp profile that allows just that call.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/693.html",
            "https://docs.docker.com/engine/security/seccomp/",
        ],
    },
};

fn disables(opt: &str) -> bool {
    let o = opt.replace('=', ":").to_ascii_lowercase();
    matches!(
        o.as_str(),
        "seccomp:unconfined" | "apparmor:unconfined" | "label:disable" | "label:type:spc_t"
    )
}

impl Rule for Confinement {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in services(file) {
            for (opt, pos) in strings(svc.node.get("security_opt"))
                .into_iter()
                .filter(|(o, _)| disables(o))
            {
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            format!("Service `{}` runs with `{opt}`", svc.name),
                        )
                        .with_key(&format!("{}:{opt}", svc.name)),
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
    fn fires_on_unconfined() {
        let c = "services:\n  a:\n    security_opt:\n      - seccomp:unconfined\n      - label=disable\n";
        assert_eq!(
            lines(&run(&Confinement, &[("docker-compose.yml", c)])),
            [4, 5]
        );
    }

    #[test]
    fn silent_with_profiles() {
        let c = "services:\n  a:\n    security_opt:\n      - seccomp:./profile.json\n      - no-new-privileges:true\n";
        assert!(run(&Confinement, &[("docker-compose.yml", c)]).is_empty());
    }
}
