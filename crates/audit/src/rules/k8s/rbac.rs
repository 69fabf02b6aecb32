//! K8S-012: over-privileged RBAC.

use crate::project::{AuditFile, Project};
use crate::rules::k8s::dangerous_grants;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Rbac;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-012"),
    name: "Over-privileged RBAC role",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 269,
    owasp: Owasp::Api5,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Roles and ClusterRoles granting `get`/`list`/`watch` on `secrets`, `pods/exec` or `pods/attach`, creating or changing pods and workloads, `bind`/`escalate`/`impersonate`, `nodes/proxy`, or `*` verbs or resources. Critical when a binding in the audited manifests gives the role to a ServiceAccount.",
        why: "A ServiceAccount token is a bearer token: stolen through an SSRF, a path traversal or code execution in a pod, it acts with the role's permissions. Reading secrets yields every other credential; exec into pods or creating a privileged pod is cluster takeover.",
        evidence: "k8s/rbac.yaml:8:5 ClusterRole `ops` grants read `secrets`; bound to ServiceAccount `default/api`.",
        remediation: "Grant the least needed: named resources (`resourceNames`), read-only verbs, namespaced Roles instead of ClusterRoles, and no secrets access for application accounts. Review bindings of `system:` and wildcard roles.",
        remediation_django: None,
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/269.html",
            "https://kubernetes.io/docs/concepts/security/rbac-good-practices/",
        ],
    },
};

impl Rule for Rbac {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        let roles: Vec<_> = file
            .kubernetes()
            .unwrap_or(&[])
            .iter()
            .filter(|o| o.kind == "Role" || o.kind == "ClusterRole")
            .collect();
        if roles.is_empty() {
            return Vec::new();
        }
        let bound = project.bound_accounts();
        let mut out = Vec::new();
        for role in roles {
            let subjects: Vec<String> = bound
                .iter()
                .filter(|b| {
                    b.role_kind == role.kind
                        && b.role_name == role.name
                        && b.role_namespace == role.namespace
                })
                .map(|b| format!("{}/{}", b.namespace, b.name))
                .collect();
            // The workloads running as those accounts (the namespace's `default`
            // account when a pod names none).
            let workloads: Vec<String> = project
                .k8s_objects()
                .filter(|(_, o)| o.pod_spec().is_some())
                .filter(|(_, o)| {
                    subjects.contains(&format!("{}/{}", o.namespace, o.service_account()))
                })
                .map(|(f, o)| format!("{}/{} ({})", o.kind, o.name, f.source.path))
                .collect();
            for g in dangerous_grants(role) {
                let severity = if g.critical && !subjects.is_empty() {
                    Severity::Critical
                } else {
                    Severity::High
                };
                let mut f = file
                    .source
                    .finding(
                        &META,
                        g.pos,
                        format!("{} `{}` grants {}", role.kind, role.name, g.what),
                    )
                    .with_severity(severity)
                    .with_key(&format!("{}/{}:{}", role.kind, role.name, g.what));
                for s in &subjects {
                    f = f.with_fact(format!("bound to service account `{s}`"));
                }
                for w in &workloads {
                    f = f.with_fact(format!("used by {w}"));
                }
                out.push(f);
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
    fn fires_on_dangerous_grants() {
        let r = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: shop}\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"pods/exec\"]\n    verbs: [create]\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r, namespace: shop}\nroleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}\nsubjects: [{kind: ServiceAccount, name: api}]\n";
        let f = run(&Rbac, &[("rbac.yaml", r)]);
        assert_eq!(lines(&f), [5]);
        assert_eq!(f[0].severity, Severity::Critical);
    }

    #[test]
    fn lists_the_workloads_on_the_default_account() {
        let r = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: shop}\nrules:\n  - apiGroups: [\"\"]\n    resources: [secrets]\n    verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r, namespace: shop}\nroleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}\nsubjects: [{kind: ServiceAccount, name: default}]\n";
        let d = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: x}]\n";
        let f = run(&Rbac, &[("rbac.yaml", r), ("deploy.yaml", d)]);
        assert_eq!(lines(&f), [5]);
        assert!(f[0]
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("Deployment/api")));
    }

    #[test]
    fn silent_for_narrow_roles() {
        let r = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    resourceNames: [app]\n    verbs: [get, watch]\n";
        assert!(run(&Rbac, &[("rbac.yaml", r)]).is_empty());
    }
}
