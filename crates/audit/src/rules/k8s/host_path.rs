//! K8S-008: sensitive (or any) hostPath volume.

use crate::project::{AuditFile, Project};
use crate::rules::{runtime_socket, sensitive_host_path, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct HostPath;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-008"),
    name: "hostPath volume",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`hostPath` volumes on `/` or system paths (`/etc`, `/proc`, `/sys`, `/dev`, `/root`, `/home`, `/var/lib/kubelet`, `/etc/kubernetes`, `/var/lib/docker`, `/var/log`, …) are high; any other hostPath is medium. Runtime sockets are K8S-007.",
        why: "A hostPath ties the pod to the node's filesystem: `/var/lib/kubelet` holds every pod's ServiceAccount tokens and secrets, `/etc/kubernetes` the node's credentials, `/proc` the host's processes. Writable, it lets a compromised pod plant code on the node.",
        evidence: "k8s/deployment.yaml:55:19 `path: /var/lib/kubelet` (hostPath volume `kubelet`).",
        remediation: "Use `emptyDir`, ConfigMap, Secret or PersistentVolumeClaim volumes instead; if a node agent genuinely needs a host path, mount the narrowest directory read-only in a dedicated namespace.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
        ],
    },
};

impl Rule for HostPath {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for o in file.kubernetes().unwrap_or(&[]) {
            let volumes = o.pod_spec().and_then(|s| s.get("volumes"));
            for v in volumes.map(|v| v.items()).unwrap_or(&[]) {
                let Some(path) = v.path(&["hostPath", "path"]) else {
                    continue;
                };
                let p = path.scalar_text().unwrap_or_default();
                if runtime_socket(&p).is_some() {
                    continue;
                }
                let (severity, kind) = if sensitive_host_path(&p) {
                    (Severity::High, "sensitive host path")
                } else {
                    (Severity::Medium, "host path")
                };
                out.push(
                    file.source
                        .finding(
                            &META,
                            path.pos,
                            format!("{}/{} mounts {kind} `{p}`", o.kind, o.name),
                        )
                        .with_severity(severity)
                        .with_key(&format!("{}/{}:{p}", o.kind, o.name)),
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
    fn fires_on_host_paths() {
        let d = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n    - name: k\n      hostPath: {path: /var/lib/kubelet}\n    - name: d\n      hostPath:\n        path: /srv/data\n";
        let f = run(&HostPath, &[("pod.yaml", d)]);
        assert_eq!(lines(&f), [8, 11]);
        assert!(f.iter().any(|x| x.severity == Severity::Medium));
    }

    #[test]
    fn silent_without_host_paths() {
        let d = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n    - name: t\n      emptyDir: {medium: Memory}\n";
        assert!(run(&HostPath, &[("pod.yaml", d)]).is_empty());
    }
}
