//! K8S-007: a container runtime socket mounted through `hostPath`.

use crate::project::{AuditFile, Project};
use crate::rules::{runtime_socket, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct RuntimeSocket;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-007"),
    name: "Container runtime socket mounted via hostPath",
    category: Category::ContainerHostExposure,
    severity: Severity::Critical,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`volumes[].hostPath.path` naming a runtime socket — `/var/run/docker.sock`, `/run/docker.sock`, `/run/containerd/containerd.sock`, `/var/run/crio/crio.sock`, `/run/podman/podman.sock`, `cri-dockerd.sock` — or a directory holding one (`/var/run`, `/run`, `/run/containerd`). Upstream tools match only the first, exactly.",
        why: "The runtime socket controls every container on the node: through it, a compromised pod starts a privileged container with the node's filesystem, reads other pods' secrets and the kubelet's credentials. An SSRF or a leaked token that reaches the pod becomes node and then cluster takeover.",
        evidence: "k8s/deployment.yaml:52:19 `path: /run/containerd/containerd.sock` (hostPath volume `runtime`).",
        remediation: "Remove the hostPath volume. Build images with a rootless builder, and read container metadata through the Kubernetes API with a narrowly scoped ServiceAccount instead of the runtime.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
        ],
    },
};

impl Rule for RuntimeSocket {
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
                if let Some(runtime) = runtime_socket(&p) {
                    let what = if runtime.starts_with("the ") {
                        runtime.to_string()
                    } else {
                        format!("the {runtime} socket")
                    };
                    out.push(
                        file.source
                            .finding(
                                &META,
                                path.pos,
                                format!("{}/{} mounts {what} (`{p}`)", o.kind, o.name),
                            )
                            .with_key(&format!("{}/{}:{p}", o.kind, o.name)),
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
    fn fires_on_runtime_sockets() {
        let d = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n    - name: s\n      hostPath:\n        path: /run/containerd/containerd.sock\n    - name: r\n      hostPath: {path: /var/run/}\n";
        assert_eq!(lines(&run(&RuntimeSocket, &[("pod.yaml", d)])), [9, 11]);
    }

    #[test]
    fn silent_for_other_volumes() {
        let d = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n    - name: s\n      emptyDir: {}\n    - name: d\n      hostPath: {path: /srv/data}\n";
        assert!(run(&RuntimeSocket, &[("pod.yaml", d)]).is_empty());
    }
}
