//! K8S-009: the ServiceAccount token is automounted into the pod.

use crate::parse::k8s::Object;
use crate::project::{AuditFile, Project};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct SaToken;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-009"),
    name: "ServiceAccount token automounted",
    category: Category::ContainerHostExposure,
    severity: Severity::Medium,
    cwe: 522,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Workloads whose pod spec does not set `automountServiceAccountToken: false` while their ServiceAccount (when it is in the audited manifests) does not set it either. High when that ServiceAccount is bound to a Role or ClusterRole with dangerous grants (K8S-012).",
        why: "The automounted token is a bearer token for the Kubernetes API at `/var/run/secrets/kubernetes.io/serviceaccount/token`. A path traversal, an SSRF to a `file://` URL or any code execution in the API hands it over, with every permission bound to the account.",
        evidence: "k8s/deployment.yaml:17:7 Deployment/api (ServiceAccount `api`, bound to ClusterRole `ops` that can read secrets) mounts its token.",
        remediation: "Set `automountServiceAccountToken: false` on the ServiceAccount and the pod spec; where the application calls the API, mount a short-lived projected token with a specific audience instead.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/522.html",
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
        ],
    },
};

/// Whether the pod gets a token, and where a finding about it points.
fn automounted(project: &Project, o: &Object) -> Option<crate::source::Pos> {
    let spec = o.pod_spec()?;
    match spec.entry("automountServiceAccountToken") {
        Some((_, v)) if v.is_false() => return None,
        Some((k, _)) => return Some(k.pos),
        None => {}
    }
    let sa = o.service_account();
    let sa_opts_out = project.k8s_objects().any(|(_, s)| {
        s.kind == "ServiceAccount"
            && s.name == sa
            && s.namespace == o.namespace
            && s.node
                .get("automountServiceAccountToken")
                .is_some_and(|v| v.is_false())
    });
    if sa_opts_out {
        return None;
    }
    Some(
        spec.entry("serviceAccountName")
            .map_or_else(|| o.pod_pos(), |(k, _)| k.pos),
    )
}

impl Rule for SaToken {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        let bound = project.bound_accounts();
        let mut out = Vec::new();
        for o in file
            .kubernetes()
            .unwrap_or(&[])
            .iter()
            .filter(|o| o.pod_spec().is_some())
        {
            let Some(pos) = automounted(project, o) else {
                continue;
            };
            let sa = o.service_account();
            let role = bound
                .iter()
                .find(|b| b.namespace == o.namespace && b.name == sa);
            let mut f = file
                .source
                .finding(
                    &META,
                    pos,
                    format!(
                        "{}/{} mounts the token of ServiceAccount `{sa}`",
                        o.kind, o.name
                    ),
                )
                .with_key(&format!("{}/{}", o.kind, o.name))
                .with_fact(format!("service account `{}/{sa}`", o.namespace));
            if let Some(b) = role {
                f = f.with_severity(Severity::High).with_fact(format!(
                    "bound to {} `{}` with dangerous grants (K8S-012)",
                    b.role_kind, b.role_name
                ));
            }
            out.push(f);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      serviceAccountName: api\n      containers: [{name: a}]\n";

    #[test]
    fn fires_and_escalates_with_rbac() {
        let rbac = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ops}\nrules:\n  - apiGroups: [\"\"]\n    resources: [secrets]\n    verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ops}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}\nsubjects:\n  - {kind: ServiceAccount, name: api, namespace: default}\n";
        let f = run(&SaToken, &[("deploy.yaml", DEPLOY), ("rbac.yaml", rbac)]);
        assert_eq!(lines(&f), [7]);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn silent_when_opted_out() {
        let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api}\nautomountServiceAccountToken: false\n";
        assert!(run(&SaToken, &[("deploy.yaml", DEPLOY), ("sa.yaml", sa)]).is_empty());
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  automountServiceAccountToken: false\n  containers: [{name: a}]\n";
        assert!(run(&SaToken, &[("pod.yaml", pod)]).is_empty());
    }
}
