//! Kubernetes rules (K8S-) and the RBAC analysis K8S-009 and K8S-012 share.

pub mod capabilities;
pub mod debug_env;
pub mod escalation;
pub mod host_namespaces;
pub mod host_path;
pub mod manifest_tokens;
pub mod privileged;
pub mod rbac;
pub mod read_only;
pub mod root_user;
pub mod runtime_socket;
pub mod sa_token;

use crate::parse::k8s::Object;
use crate::parse::yaml::Node;
use crate::project::{AuditFile, BoundAccount, Project};
use crate::source::Pos;

/// A container of a workload in this file, with its pod spec.
pub(crate) struct Container<'a> {
    pub object: &'a Object,
    pub pod: Option<&'a Node>,
    pub node: &'a Node,
    pub name: String,
}

/// Every container of every workload of a file.
pub(crate) fn containers(file: &AuditFile) -> Vec<Container<'_>> {
    file.kubernetes()
        .unwrap_or(&[])
        .iter()
        .flat_map(|o| {
            o.containers().into_iter().map(move |c| Container {
                object: o,
                pod: o.pod_spec(),
                node: c,
                name: crate::parse::k8s::container_name(c),
            })
        })
        .collect()
}

impl Container<'_> {
    pub fn pos(&self) -> Pos {
        crate::parse::k8s::container_pos(self.node)
    }

    /// "Deployment/api container `web`" for titles.
    pub fn label(&self) -> String {
        format!(
            "{}/{} container `{}`",
            self.object.kind, self.object.name, self.name
        )
    }

    pub fn key(&self, what: &str) -> String {
        format!(
            "{}/{}/{}:{what}",
            self.object.kind, self.object.name, self.name
        )
    }
}

/// A dangerous permission an RBAC rule grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub what: String,
    pub pos: Pos,
    /// Permissions that amount to cluster takeover on their own.
    pub critical: bool,
}

fn list(node: Option<&Node>) -> Vec<String> {
    node.map(|n| n.items().iter().filter_map(Node::scalar_text).collect())
        .unwrap_or_default()
}

/// The dangerous grants of a Role or ClusterRole.
pub fn dangerous_grants(role: &Object) -> Vec<Grant> {
    let mut out = Vec::new();
    let Some(rules) = role.node.get("rules") else {
        return out;
    };
    for rule in rules.items() {
        let resources = list(rule.get("resources"));
        let verbs = list(rule.get("verbs"));
        let pos = rule.pairs().first().map_or(rule.pos, |(k, _)| k.pos);
        let has_verb = |v: &[&str]| verbs.iter().any(|x| x == "*" || v.contains(&x.as_str()));
        let has_res = |r: &str| resources.iter().any(|x| x == "*" || x == r);
        let mut grant = |what: String, critical: bool| {
            out.push(Grant {
                what,
                pos,
                critical,
            })
        };
        if resources.iter().any(|r| r == "*") && verbs.iter().any(|v| v == "*") {
            grant("`*` verbs on `*` resources".into(), true);
            continue;
        }
        if has_res("secrets") && has_verb(&["get", "list", "watch"]) {
            grant("read `secrets`".into(), true);
        }
        if (has_res("pods/exec") || has_res("pods/attach")) && has_verb(&["create", "get"]) {
            grant("`pods/exec`".into(), true);
        }
        for workload in [
            "pods",
            "deployments",
            "daemonsets",
            "statefulsets",
            "jobs",
            "cronjobs",
            "replicasets",
        ] {
            if has_res(workload) && has_verb(&["create", "update", "patch"]) {
                grant(format!("create or change `{workload}`"), true);
                break;
            }
        }
        if has_verb(&["bind", "escalate", "impersonate"]) {
            grant("`bind`/`escalate`/`impersonate`".into(), true);
        }
        if has_res("nodes/proxy") {
            grant("`nodes/proxy` (kubelet API)".into(), true);
        }
        if verbs.iter().any(|v| v == "*") && !resources.is_empty() {
            grant(format!("`*` verbs on {}", resources.join(", ")), false);
        } else if resources.iter().any(|r| r == "*") {
            grant("every resource (`*`)".into(), false);
        }
    }
    out
}

/// Service accounts bound to a role with dangerous grants (computed once per project,
/// see [`Project::bound_accounts`]).
pub fn bound_service_accounts(project: &Project) -> Vec<BoundAccount> {
    let mut out = Vec::new();
    let roles: Vec<&Object> = project
        .k8s_objects()
        .map(|(_, o)| o)
        .filter(|o| {
            (o.kind == "Role" || o.kind == "ClusterRole") && !dangerous_grants(o).is_empty()
        })
        .collect();
    for (_, binding) in project
        .k8s_objects()
        .filter(|(_, o)| o.kind == "RoleBinding" || o.kind == "ClusterRoleBinding")
    {
        let role_kind = binding
            .node
            .path(&["roleRef", "kind"])
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let role_name = binding
            .node
            .path(&["roleRef", "name"])
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let Some(role) = roles.iter().find(|r| {
            r.kind == role_kind
                && r.name == role_name
                && (r.kind == "ClusterRole" || r.namespace == binding.namespace)
        }) else {
            continue;
        };
        for subject in binding.node.get("subjects").map(Node::items).unwrap_or(&[]) {
            if subject.get("kind").and_then(Node::as_str) != Some("ServiceAccount") {
                continue;
            }
            out.push(BoundAccount {
                namespace: subject
                    .get("namespace")
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| binding.namespace.clone()),
                name: subject
                    .get("name")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
                role_kind: role.kind.clone(),
                role_name: role.name.clone(),
                role_namespace: role.namespace.clone(),
            });
        }
    }
    out
}
