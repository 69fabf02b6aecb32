//! K8S-003: a container may run as root.

use crate::parse::k8s::security_setting;
use crate::project::{AuditFile, Project};
use crate::rules::k8s::containers;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct RootUser;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-003"),
    name: "Container may run as root",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Containers whose effective `runAsUser` (container over pod `securityContext`) is 0, or that set neither `runAsNonRoot: true` nor a non-zero `runAsUser`, so the image's user — often root — applies.",
        why: "Root in the container owns every file the pod mounts, can use every capability the runtime left, and needs only one more mistake (a hostPath, a socket, a kernel bug) to be root on the node.",
        evidence: "k8s/deployment.yaml:20:11 Deployment/api container `web` sets no `runAsNonRoot: true` or `runAsUser`.",
        remediation: "Set `runAsNonRoot: true` and `runAsUser: 10001` (and `runAsGroup`, `fsGroup`) in the pod `securityContext`, and build the image with a numeric `USER`.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        ],
    },
};

impl Rule for RootUser {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in containers(file) {
            let user = security_setting(c.pod, c.node, "runAsUser");
            let non_root =
                security_setting(c.pod, c.node, "runAsNonRoot").is_some_and(|(v, _)| v.is_true());
            match user {
                Some((v, pos)) if v.as_int() == Some(0) => {
                    out.push(
                        file.source
                            .finding(&META, pos, format!("{} runs as UID 0", c.label()))
                            .with_key(&c.key("root")),
                    );
                }
                Some(_) => {}
                None if !non_root => {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                c.pos(),
                                format!(
                                    "{} sets neither `runAsNonRoot: true` nor `runAsUser`",
                                    c.label()
                                ),
                            )
                            .with_key(&c.key("root")),
                    );
                }
                None => {}
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
    fn fires_on_root_or_unset() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: a\n      securityContext: {runAsUser: 0}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n    - name: b\n";
        assert_eq!(lines(&run(&RootUser, &[("pod.yaml", pod)])), [9, 16]);
    }

    #[test]
    fn silent_for_non_root() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: a\n    - name: b\n      securityContext: {runAsUser: 1000}\n";
        assert!(run(&RootUser, &[("pod.yaml", pod)]).is_empty());
    }
}
