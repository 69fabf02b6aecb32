//! K8S-002: privilege escalation allowed, or confinement weakened (merges checklist
//! K2 and K13: `allowPrivilegeEscalation`, seccomp, AppArmor, `procMount`).

use crate::parse::k8s::security_setting;
use crate::parse::yaml::Node;
use crate::project::{AuditFile, Project};
use crate::rules::k8s::{containers, Container};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Escalation;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-002"),
    name: "Privilege escalation allowed or confinement weakened",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 269,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Containers whose `allowPrivilegeEscalation` is not `false` (unset counts, high); whose seccomp profile is `Unconfined` or set nowhere (pod or container), whose `appArmorProfile.type` is `Unconfined`, or whose `procMount` is `Unmasked` (medium).",
        why: "With privilege escalation allowed, setuid binaries and file capabilities give a compromised process more rights than the container started with. Without seccomp or AppArmor, the system calls used by known container escapes are open; an unmasked `/proc` exposes the host's kernel knobs.",
        evidence: "k8s/deployment.yaml:24:13 Deployment/api container `web` does not set `allowPrivilegeEscalation: false`.",
        remediation: "Set `allowPrivilegeEscalation: false` on every container and `seccompProfile: {type: RuntimeDefault}` in the pod `securityContext`; never use `Unconfined` or `procMount: Unmasked`.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/269.html",
            "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
            "https://kubernetes.io/docs/tutorials/security/seccomp/",
        ],
    },
};

fn profile_type<'a>(c: &'a Container<'a>, key: &str) -> Option<(&'a Node, crate::source::Pos)> {
    security_setting(c.pod, c.node, key)
        .and_then(|(profile, pos)| profile.get("type").map(|t| (t, pos)))
}

fn container_findings(file: &AuditFile, c: &Container<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    match security_setting(None, c.node, "allowPrivilegeEscalation") {
        Some((v, _)) if v.is_false() => {}
        Some((_, pos)) => out.push(
            file.source
                .finding(
                    &META,
                    pos,
                    format!("{} allows privilege escalation", c.label()),
                )
                .with_key(&c.key("ape")),
        ),
        None => out.push(
            file.source
                .finding(
                    &META,
                    c.pos(),
                    format!(
                        "{} does not set `allowPrivilegeEscalation: false`",
                        c.label()
                    ),
                )
                .with_key(&c.key("ape")),
        ),
    }
    match profile_type(c, "seccompProfile") {
        Some((t, pos)) if t.as_str() == Some("Unconfined") => {
            out.push(
                file.source
                    .finding(
                        &META,
                        pos,
                        format!("{} runs with seccomp `Unconfined`", c.label()),
                    )
                    .with_severity(Severity::Medium)
                    .with_key(&c.key("seccomp")),
            );
        }
        Some(_) => {}
        None => out.push(
            file.source
                .finding(
                    &META,
                    c.pos(),
                    format!("{} has no seccomp profile (pod or container)", c.label()),
                )
                .with_severity(Severity::Medium)
                .with_key(&c.key("seccomp")),
        ),
    }
    if let Some((_, pos)) =
        profile_type(c, "appArmorProfile").filter(|(t, _)| t.as_str() == Some("Unconfined"))
    {
        out.push(
            file.source
                .finding(
                    &META,
                    pos,
                    format!("{} runs with AppArmor `Unconfined`", c.label()),
                )
                .with_severity(Severity::Medium)
                .with_key(&c.key("apparmor")),
        );
    }
    if let Some((_, pos)) =
        security_setting(None, c.node, "procMount").filter(|(v, _)| v.as_str() == Some("Unmasked"))
    {
        out.push(
            file.source
                .finding(
                    &META,
                    pos,
                    format!("{} mounts an unmasked /proc", c.label()),
                )
                .with_severity(Severity::Medium)
                .with_key(&c.key("procmount")),
        );
    }
    out
}

impl Rule for Escalation {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        containers(file)
            .iter()
            .flat_map(|c| container_findings(file, c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_escalation_and_unconfined() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    seccompProfile: {type: Unconfined}\n  containers:\n    - name: a\n      securityContext:\n        allowPrivilegeEscalation: true\n        procMount: Unmasked\n";
        assert_eq!(lines(&run(&Escalation, &[("pod.yaml", pod)])), [6, 10, 11]);
        let bare =
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n";
        assert_eq!(lines(&run(&Escalation, &[("pod.yaml", bare)])), [6, 6]);
    }

    #[test]
    fn silent_when_restricted() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    seccompProfile: {type: RuntimeDefault}\n  containers:\n    - name: a\n      securityContext:\n        allowPrivilegeEscalation: false\n";
        assert!(run(&Escalation, &[("pod.yaml", pod)]).is_empty());
    }
}
