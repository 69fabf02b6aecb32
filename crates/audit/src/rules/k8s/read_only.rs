//! K8S-004: writable root filesystem.

use crate::parse::k8s::security_setting;
use crate::project::{AuditFile, Project};
use crate::rules::k8s::containers;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct ReadOnly;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-004"),
    name: "Writable root filesystem",
    category: Category::ContainerHostExposure,
    severity: Severity::Medium,
    cwe: 732,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Containers without `securityContext.readOnlyRootFilesystem: true`.",
        why: "A writable root filesystem lets an attacker with code execution drop tools, alter the application's code or settings and persist until the pod is replaced.",
        evidence: "k8s/deployment.yaml:20:11 Deployment/api container `web` does not set `readOnlyRootFilesystem: true`.",
        remediation: "Set `readOnlyRootFilesystem: true` and mount `emptyDir` volumes for the paths the application writes (`/tmp`).",
        remediation_django: Some("Collect static files at build time, write uploads to object storage or a volume, and give gunicorn an `emptyDir` for `/tmp` (or `--worker-tmp-dir /dev/shm`)."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/732.html",
            "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
        ],
    },
};

impl Rule for ReadOnly {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        containers(file)
            .into_iter()
            .filter_map(
                |c| match security_setting(None, c.node, "readOnlyRootFilesystem") {
                    Some((v, _)) if v.is_true() => None,
                    Some((_, pos)) => Some(
                        file.source
                            .finding(
                                &META,
                                pos,
                                format!("{} has a writable root filesystem", c.label()),
                            )
                            .with_key(&c.key("rofs")),
                    ),
                    None => Some(
                        file.source
                            .finding(
                                &META,
                                c.pos(),
                                format!(
                                    "{} does not set `readOnlyRootFilesystem: true`",
                                    c.label()
                                ),
                            )
                            .with_key(&c.key("rofs")),
                    ),
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_when_writable() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n    - name: b\n      securityContext:\n        readOnlyRootFilesystem: false\n";
        assert_eq!(lines(&run(&ReadOnly, &[("pod.yaml", pod)])), [6, 9]);
    }

    #[test]
    fn silent_when_read_only() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      securityContext: {readOnlyRootFilesystem: true}\n";
        assert!(run(&ReadOnly, &[("pod.yaml", pod)]).is_empty());
    }
}
