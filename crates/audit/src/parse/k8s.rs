//! Kubernetes manifests: multi-document YAML and `List` objects, and the pod spec of
//! every workload kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob).

use super::yaml::Node;
use crate::source::Pos;

/// One Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub node: Node,
}

/// Objects of the documents (documents without `apiVersion` and `kind` are skipped).
pub fn objects(docs: Vec<Node>) -> Vec<Object> {
    let mut out = Vec::new();
    for doc in docs {
        collect(doc, &mut out, 0);
    }
    out
}

fn collect(doc: Node, out: &mut Vec<Object>, depth: usize) {
    let kind = doc
        .get("kind")
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    if doc.get("apiVersion").is_none() || kind.is_empty() {
        return;
    }
    if kind.ends_with("List") && depth < 2 {
        let items: Vec<Node> = doc
            .get("items")
            .map(|i| i.items().to_vec())
            .unwrap_or_default();
        for item in items {
            collect(item, out, depth + 1);
        }
        return;
    }
    let meta = doc.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Node::scalar_text)
        .unwrap_or_default();
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| "default".to_string());
    out.push(Object {
        kind,
        name,
        namespace,
        node: doc,
    });
}

/// Whether a YAML document looks like a Kubernetes object.
pub fn is_object(doc: &Node) -> bool {
    doc.get("apiVersion").is_some() && doc.get("kind").is_some()
}

impl Object {
    /// The pod spec of a workload, if this is one.
    pub fn pod_spec(&self) -> Option<&Node> {
        let n = &self.node;
        match self.kind.as_str() {
            "Pod" => n.get("spec"),
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => n.path(&["spec", "template", "spec"]),
            "CronJob" => n.path(&["spec", "jobTemplate", "spec", "template", "spec"]),
            _ => None,
        }
    }

    /// Where a finding about the whole pod goes: the pod spec's `spec:` key line, or the
    /// `kind:` line.
    pub fn pod_pos(&self) -> Pos {
        self.pod_spec()
            .and_then(|s| s.pairs().first().map(|(k, _)| k.pos))
            .unwrap_or_else(|| self.kind_pos())
    }

    pub fn kind_pos(&self) -> Pos {
        self.node
            .entry("kind")
            .map_or(self.node.pos, |(k, _)| k.pos)
    }

    /// `containers`, `initContainers` and `ephemeralContainers` of the pod spec.
    pub fn containers(&self) -> Vec<&Node> {
        let Some(spec) = self.pod_spec() else {
            return Vec::new();
        };
        ["containers", "initContainers", "ephemeralContainers"]
            .iter()
            .filter_map(|k| spec.get(k))
            .flat_map(|list| list.items().iter())
            .filter(|c| c.is_map())
            .collect()
    }

    /// The service account the pod runs as (`default` when unset).
    pub fn service_account(&self) -> String {
        self.pod_spec()
            .and_then(|s| {
                s.get("serviceAccountName")
                    .or_else(|| s.get("serviceAccount"))
            })
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "default".to_string())
    }
}

/// A container's name, for titles.
pub fn container_name(container: &Node) -> String {
    container
        .get("name")
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| "?".to_string())
}

/// Position of a container's `name:` key (or of the container item).
pub fn container_pos(container: &Node) -> Pos {
    container
        .pairs()
        .first()
        .map_or(container.pos, |(k, _)| k.pos)
}

/// A security-context setting, container level first, then pod level; with the
/// position of the key that set it.
pub fn security_setting<'a>(
    pod: Option<&'a Node>,
    container: &'a Node,
    key: &str,
) -> Option<(&'a Node, Pos)> {
    let from = |n: Option<&'a Node>| {
        n.and_then(|n| n.get("securityContext"))
            .and_then(|sc| sc.entry(key))
    };
    from(Some(container))
        .or_else(|| from(pod))
        .map(|(k, v)| (v, k.pos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_documents;
    use crate::source::SourceFile;

    #[test]
    fn workloads_and_lists() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: sa\n          containers:\n            - name: a\n              image: x\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: p, namespace: n}\n    spec:\n      initContainers: [{name: i}]\n---\nfoo: bar\n";
        let objs = objects(parse_documents(&SourceFile::new("k.yaml", text)).expect("yaml"));
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].service_account(), "sa");
        assert_eq!(container_name(objs[0].containers()[0]), "a");
        assert_eq!(objs[0].pod_pos(), Pos::new(9, 11));
        assert_eq!(objs[1].namespace, "n");
        assert_eq!(objs[1].service_account(), "default");
        assert_eq!(objs[1].containers().len(), 1);
    }
}
