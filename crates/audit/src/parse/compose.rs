//! docker-compose files (v2, v3 and the Compose specification): services, their
//! volumes in short (`SRC:DST[:MODE]`) and long (`type/source/target/read_only`)
//! syntax, `environment` as a map or a list, and `${VAR:-default}` interpolation.

use super::yaml::{Node, Value};
use crate::source::Pos;

/// One service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service<'a> {
    pub name: String,
    /// Position of the service's key.
    pub pos: Pos,
    pub node: &'a Node,
}

/// The services of a compose document (empty if it has none).
pub fn services(doc: &Node) -> Vec<Service<'_>> {
    doc.get("services")
        .map(|s| {
            s.pairs()
                .iter()
                .filter(|(_, v)| v.is_map())
                .map(|(k, v)| Service {
                    name: k.scalar_text().unwrap_or_default(),
                    pos: k.pos,
                    node: v,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A volume or bind mount of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The host path or volume name, interpolation defaults applied.
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub pos: Pos,
}

impl Mount {
    /// Whether the source is a host path rather than a named volume.
    pub fn is_host_path(&self) -> bool {
        let s = self.source.as_str();
        s.starts_with('/')
            || s.starts_with('.')
            || s.starts_with('~')
            || s.starts_with('$')
            || s.as_bytes().get(1) == Some(&b':')
    }

    /// The host path with `//`, `\` and trailing slashes normalised.
    pub fn normalised_source(&self) -> String {
        normalise_path(&self.source)
    }
}

/// `//var/run//docker.sock/` → `/var/run/docker.sock`.
pub fn normalise_path(path: &str) -> String {
    let unified = path.replace('\\', "/");
    let mut out = String::with_capacity(unified.len());
    for seg in unified.split('/') {
        if seg.is_empty() || seg == "." {
            continue;
        }
        out.push('/');
        out.push_str(seg);
    }
    if out.is_empty() {
        "/".to_string()
    } else {
        out
    }
}

/// Every mount of a service.
pub fn mounts(service: &Node) -> Vec<Mount> {
    service
        .get("volumes")
        .map(|v| v.items().iter().filter_map(mount).collect())
        .unwrap_or_default()
}

fn mount(item: &Node) -> Option<Mount> {
    match &item.value {
        Value::Str(s) => Some(short_mount(&interpolate(s), item.pos)),
        Value::Map(_) => {
            let source = item
                .get("source")
                .and_then(Node::scalar_text)
                .map(|s| interpolate(&s))?;
            let target = item
                .get("target")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let read_only = item.get("read_only").is_some_and(Node::is_true);
            let pos = item.entry("source").map_or(item.pos, |(k, _)| k.pos);
            Some(Mount {
                source,
                target,
                read_only,
                pos,
            })
        }
        _ => None,
    }
}

/// `SRC:DST[:MODE]`, `DST`, and Windows sources (`C:\x:/y`).
fn short_mount(spec: &str, pos: Pos) -> Mount {
    let drive = spec.len() > 2
        && spec.as_bytes()[0].is_ascii_alphabetic()
        && spec.as_bytes()[1] == b':'
        && matches!(spec.as_bytes()[2], b'\\' | b'/');
    let (prefix, rest) = if drive { spec.split_at(2) } else { ("", spec) };
    let parts: Vec<&str> = rest.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [dst] => (String::new(), dst.to_string(), ""),
        [src, dst] => (format!("{prefix}{src}"), dst.to_string(), ""),
        [src, dst, mode, ..] => (format!("{prefix}{src}"), dst.to_string(), *mode),
        [] => (String::new(), String::new(), ""),
    };
    let read_only = mode.split(',').any(|m| m == "ro");
    Mount {
        source,
        target,
        read_only,
        pos,
    }
}

/// Applies `${VAR:-default}` / `${VAR-default}` defaults; other references stay as
/// written (their value is not known statically).
pub fn interpolate(text: &str) -> String {
    crate::parse::dockerfile::expand(text, &|_| None)
}

/// One `environment` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub key: String,
    /// `None` for a bare `KEY` (passed through from the host).
    pub value: Option<String>,
    pub pos: Pos,
}

/// A service's `environment`, as a map or a list.
pub fn environment(service: &Node) -> Vec<EnvVar> {
    key_values(service.get("environment"))
}

/// `KEY: value` maps and `- KEY=value` lists (environment, build args, labels).
pub fn key_values(node: Option<&Node>) -> Vec<EnvVar> {
    let Some(node) = node else { return Vec::new() };
    match &node.value {
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| EnvVar {
                key: k.scalar_text().unwrap_or_default(),
                value: v.scalar_text(),
                pos: k.pos,
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let text = i.scalar_text()?;
                let (key, value) = match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (text, None),
                };
                Some(EnvVar {
                    key,
                    value,
                    pos: i.pos,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Scalars of a string-or-list field (`cap_add`, `security_opt`, `env_file`, `ports`).
pub fn strings(node: Option<&Node>) -> Vec<(String, Pos)> {
    let Some(node) = node else { return Vec::new() };
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| match &i.value {
                Value::Map(_) => i
                    .get("path")
                    .or_else(|| i.get("published"))
                    .and_then(Node::scalar_text)
                    .map(|t| (t, i.pos)),
                _ => i.scalar_text().map(|t| (t, i.pos)),
            })
            .collect(),
        _ => node
            .scalar_text()
            .map(|t| vec![(t, node.pos)])
            .unwrap_or_default(),
    }
}

/// The build context and Dockerfile of a service, relative to the compose file.
pub fn build(service: &Node) -> Option<(String, String)> {
    let build = service.get("build")?;
    match &build.value {
        Value::Str(ctx) => Some((ctx.clone(), "Dockerfile".to_string())),
        Value::Map(_) => {
            let ctx = build
                .get("context")
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| ".".into());
            let file = build
                .get("dockerfile")
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| "Dockerfile".into());
            Some((ctx, file))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::parse_documents;
    use crate::source::SourceFile;

    #[test]
    fn short_and_long_volumes() {
        let src = SourceFile::new(
            "docker-compose.yml",
            "services:\n  app:\n    volumes:\n      - ${SOCK:-/var/run/docker.sock}:/var/run/docker.sock:ro\n      - data:/data\n      - type: bind\n        source: //etc/\n        target: /host-etc\n        read_only: true\n      - /cache\n      - C:\\Users\\x:/y\n",
        );
        let docs = parse_documents(&src).expect("yaml");
        let svc = services(&docs[0]);
        assert_eq!(svc[0].name, "app");
        let m = mounts(svc[0].node);
        assert_eq!(m[0].source, "/var/run/docker.sock");
        assert!(m[0].read_only && m[0].is_host_path());
        assert_eq!(m[0].pos, Pos::new(4, 9));
        assert!(!m[1].is_host_path());
        assert_eq!(m[2].normalised_source(), "/etc");
        assert!(m[2].read_only);
        assert_eq!(m[2].pos.line, 7);
        assert_eq!(m[3].target, "/cache");
        assert_eq!(m[4].source, "C:\\Users\\x");
    }

    #[test]
    fn environment_forms() {
        let src = SourceFile::new("c.yml", "services:\n  a:\n    environment:\n      A: 1\n      B:\n  b:\n    environment:\n      - C=x=y\n      - D\n");
        let docs = parse_documents(&src).expect("yaml");
        let svc = services(&docs[0]);
        let a = environment(svc[0].node);
        assert_eq!((a[0].key.as_str(), a[0].value.as_deref()), ("A", Some("1")));
        assert_eq!(a[1].value, None);
        let b = environment(svc[1].node);
        assert_eq!(b[0].value.as_deref(), Some("x=y"));
        assert_eq!(b[1].key, "D");
        assert_eq!(b[0].pos, Pos::new(8, 9));
    }
}
