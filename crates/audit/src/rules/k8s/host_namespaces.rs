//! K8S-006: host namespaces shared with a pod.

use crate::project::{AuditFile, Project};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct HostNamespaces;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-006"),
    name: "Host namespaces shared",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Pod specs with `hostPID: true`, `hostIPC: true` or `hostNetwork: true`.",
        why: "`hostPID` shows every process on the node and, with ptrace, their memory and environment; `hostNetwork` puts the pod on the node's network, where the kubelet API, node-local services and cloud metadata endpoints answer, and where a single SSRF in the API reaches them.",
        evidence: "k8s/deployment.yaml:18:7 `hostNetwork: true` in Deployment/api.",
        remediation: "Remove the host namespace settings; expose the pod through a Service, and reserve host networking for node agents in their own, locked-down namespace.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
        ],
    },
};

impl Rule for HostNamespaces {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for o in file.kubernetes().unwrap_or(&[]) {
            let Some(spec) = o.pod_spec() else { continue };
            for key in ["hostPID", "hostIPC", "hostNetwork"] {
                if let Some((k, _)) = spec.entry(key).filter(|(_, v)| v.is_true()) {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                k.pos,
                                format!("{}/{} sets `{key}: true`", o.kind, o.name),
                            )
                            .with_key(&format!("{}/{}:{key}", o.kind, o.name)),
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
        let d = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      hostPID: true\n      hostNetwork: true\n      containers: [{name: a}]\n";
        assert_eq!(lines(&run(&HostNamespaces, &[("ds.yaml", d)])), [7, 8]);
    }

    #[test]
    fn silent_otherwise() {
        let d = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: false\n  containers: [{name: a}]\n";
        assert!(run(&HostNamespaces, &[("pod.yaml", d)]).is_empty());
    }
}
