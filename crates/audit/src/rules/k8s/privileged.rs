//! K8S-001: a privileged container.

use crate::parse::k8s::security_setting;
use crate::project::{AuditFile, Project};
use crate::rules::k8s::containers;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Privileged;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-001"),
    name: "Privileged container",
    category: Category::ContainerHostExposure,
    severity: Severity::Critical,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`securityContext.privileged: true` on a container, init container or ephemeral container of any workload kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob).",
        why: "A privileged container sees every host device and runs without seccomp, AppArmor or capability limits: mounting the node's disk or loading a kernel module takes one command. Code execution in the pod is root on the node, and from there the node's kubelet credentials.",
        evidence: "k8s/deployment.yaml:31:15 `privileged: true` in Deployment/api container `web`.",
        remediation: "Remove `privileged: true`; enforce the Pod Security Standards `restricted` (or at least `baseline`) profile on the namespace so it cannot come back.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
        ],
    },
};

impl Rule for Privileged {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        containers(file)
            .into_iter()
            .filter_map(|c| {
                let (v, pos) = security_setting(None, c.node, "privileged")?;
                v.is_true().then(|| {
                    file.source
                        .finding(&META, pos, format!("{} is privileged", c.label()))
                        .with_key(&c.key("privileged"))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      securityContext:\n        privileged: PRIV\n";

    #[test]
    fn fires_when_privileged() {
        assert_eq!(
            lines(&run(
                &Privileged,
                &[("pod.yaml", &POD.replace("PRIV", "true"))]
            )),
            [8]
        );
    }

    #[test]
    fn silent_otherwise() {
        assert!(run(&Privileged, &[("pod.yaml", &POD.replace("PRIV", "false"))]).is_empty());
    }
}
