//! K8S-005: dangerous capabilities added, or not all dropped.

use crate::parse::k8s::security_setting;
use crate::parse::yaml::Node;
use crate::project::{AuditFile, Project};
use crate::rules::k8s::containers;
use crate::rules::{capability_name, Rule, DANGEROUS_CAPS, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Capabilities;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-005"),
    name: "Dangerous capabilities or no capability drop",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`capabilities.add` with `SYS_ADMIN`, `NET_RAW`, `SYS_MODULE`, `SYS_PTRACE`, `ALL`, `DAC_READ_SEARCH`, `NET_ADMIN` and similar (high); containers whose `capabilities.drop` does not include `ALL` (low).",
        why: "`SYS_ADMIN` enables most known container escapes; `SYS_PTRACE` reads other processes' memory (tokens included); `NET_RAW` allows spoofing inside the cluster network. The runtime's default set is wider than an API needs.",
        evidence: "k8s/deployment.yaml:36:19 `- SYS_ADMIN` in `capabilities.add` of Deployment/api container `web`.",
        remediation: "`capabilities: {drop: [ALL]}` on every container, adding back only `NET_BIND_SERVICE` if the process binds a port below 1024.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container",
        ],
    },
};

impl Rule for Capabilities {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in containers(file) {
            let caps = security_setting(None, c.node, "capabilities").map(|(v, _)| v);
            for item in caps
                .and_then(|v| v.get("add"))
                .map(Node::items)
                .unwrap_or(&[])
            {
                let name = capability_name(&item.scalar_text().unwrap_or_default());
                if DANGEROUS_CAPS.contains(&name.as_str()) {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                item.pos,
                                format!("{} adds capability `{name}`", c.label()),
                            )
                            .with_key(&c.key(&name)),
                    );
                }
            }
            let drops_all = caps.and_then(|v| v.get("drop")).is_some_and(|d| {
                d.items().iter().any(|i| {
                    i.scalar_text()
                        .is_some_and(|s| capability_name(&s) == "ALL")
                })
            });
            if !drops_all {
                out.push(
                    file.source
                        .finding(
                            &META,
                            c.pos(),
                            format!("{} does not drop all capabilities", c.label()),
                        )
                        .with_severity(Severity::Low)
                        .with_key(&c.key("drop")),
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
    fn fires_on_added_caps_and_no_drop() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      securityContext:\n        capabilities:\n          add: [\"SYS_ADMIN\", NET_BIND_SERVICE]\n";
        assert_eq!(lines(&run(&Capabilities, &[("pod.yaml", pod)])), [6, 9]);
    }

    #[test]
    fn silent_when_dropped() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      securityContext:\n        capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}\n";
        assert!(run(&Capabilities, &[("pod.yaml", pod)]).is_empty());
    }
}
