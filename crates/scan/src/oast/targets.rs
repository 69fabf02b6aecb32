//! Internal services an SSRF or an exposed port can reach, and how to recognise them by
//! the content they answer with (never by status alone).

use regex::Regex;
use std::sync::OnceLock;
use url::Url;

/// A service worth reaching: cloud metadata, a container runtime, an orchestrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// A cloud instance metadata service (AWS, GCP or Azure IMDS).
    CloudMetadata,
    /// The Docker Engine API.
    DockerEngine,
    /// The kubelet API.
    Kubelet,
    /// etcd, the Kubernetes data store.
    Etcd,
    /// The Kubernetes API server.
    KubernetesApi,
}

/// What in a response proved that a service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The text that matched, for the evidence highlight.
    pub matched: String,
    /// What the match means, e.g. "Docker `/version` document (`ApiVersion` 1.43)".
    pub description: String,
    /// Whether the service handed out data (not just an "access denied" that still
    /// proves it is there).
    pub full_access: bool,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::CloudMetadata => "cloud instance metadata service",
            Service::DockerEngine => "Docker Engine API",
            Service::Kubelet => "kubelet API",
            Service::Etcd => "etcd",
            Service::KubernetesApi => "Kubernetes API server",
        }
    }

    /// A short stable key (fingerprints, finding keys).
    pub fn key(self) -> &'static str {
        match self {
            Service::CloudMetadata => "metadata",
            Service::DockerEngine => "docker",
            Service::Kubelet => "kubelet",
            Service::Etcd => "etcd",
            Service::KubernetesApi => "kubernetes-api",
        }
    }

    /// The paths a host-port probe requests (one GET each).
    pub fn host_paths(self) -> &'static [&'static str] {
        match self {
            Service::CloudMetadata => &[],
            Service::DockerEngine => &["/version", "/containers/json"],
            Service::Kubelet => &["/pods"],
            Service::Etcd => &["/version"],
            Service::KubernetesApi => &["/api"],
        }
    }

    /// The signature of this service in `body`, if it is there (the rules of
    /// `service_signatures.toml`). JSON may arrive escaped inside another JSON string
    /// (`\"ApiVersion\"`), so quotes may carry a backslash.
    pub fn recognise(self, body: &str) -> Option<Signature> {
        let table = signature_table();
        table
            .listings
            .iter()
            .filter(|l| l.service == self)
            .find_map(|l| l.recognise(body))
            .or_else(|| {
                table
                    .signatures
                    .iter()
                    .filter(|s| s.service == self)
                    .find_map(|s| s.recognise(body))
            })
    }

    fn from_key(key: &str) -> Option<Service> {
        [
            Service::CloudMetadata,
            Service::DockerEngine,
            Service::Kubelet,
            Service::Etcd,
            Service::KubernetesApi,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

const SIGNATURES_TOML: &str = include_str!("service_signatures.toml");

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    listing: Vec<RawListing>,
    #[serde(default)]
    signature: Vec<RawSignature>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListing {
    service: String,
    description: String,
    full_access: bool,
    min_entries: usize,
    entries: Vec<String>,
    #[allow(dead_code)]
    must_match: Vec<String>,
    #[allow(dead_code)]
    must_not_match: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    service: String,
    description: String,
    full_access: bool,
    pattern: String,
    #[serde(default)]
    also: Vec<String>,
    #[allow(dead_code)]
    must_match: Vec<String>,
    #[allow(dead_code)]
    must_not_match: Vec<String>,
}

/// A plain-text listing rule: enough known entries as whole lines.
struct Listing {
    service: Service,
    description: String,
    full_access: bool,
    min_entries: usize,
    entries: Vec<String>,
}

impl Listing {
    fn recognise(&self, body: &str) -> Option<Signature> {
        let text = body.replace("\\n", "\n");
        let found: Vec<&str> = self
            .entries
            .iter()
            .map(String::as_str)
            .filter(|e| text.lines().any(|l| l.trim() == *e))
            .collect();
        (found.len() >= self.min_entries).then(|| Signature {
            matched: found[0].to_string(),
            description: format!("{} ({})", self.description, found.join(", ")),
            full_access: self.full_access,
        })
    }
}

/// A content rule: `pattern` (capture 1 may be quoted in the description) plus `also`.
struct ContentRule {
    service: Service,
    description: String,
    full_access: bool,
    pattern: Regex,
    also: Vec<Regex>,
}

impl ContentRule {
    fn recognise(&self, body: &str) -> Option<Signature> {
        let c = self.pattern.captures(body)?;
        if !self.also.iter().all(|r| r.is_match(body)) {
            return None;
        }
        let mut description = String::new();
        c.expand(&self.description, &mut description);
        Some(Signature {
            matched: c.get(0).map_or("", |m| m.as_str()).to_string(),
            description,
            full_access: self.full_access,
        })
    }
}

struct SignatureTable {
    listings: Vec<Listing>,
    signatures: Vec<ContentRule>,
}

/// `«Name»`: a JSON key (`"Name"` or `\"Name\"`) followed by a colon.
fn expand_keys(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut rest = pattern;
    while let Some(open) = rest.find('«') {
        out.push_str(&rest[..open]);
        let after = &rest[open + '«'.len_utf8()..];
        let Some(close) = after.find('»') else {
            out.push_str(&rest[open..]);
            return out;
        };
        out.push_str(r#"\\?""#);
        out.push_str(&after[..close]);
        out.push_str(r#"\\?"\s*:\s*"#);
        rest = &after[close + '»'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

fn parse_table(text: &str) -> Result<SignatureTable, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| e.to_string())?;
    let service =
        |key: &str| Service::from_key(key).ok_or_else(|| format!("unknown service `{key}`"));
    let regex = |p: &str| Regex::new(&expand_keys(p)).map_err(|e| format!("{p}: {e}"));
    let listings = raw
        .listing
        .into_iter()
        .map(|l| {
            Ok(Listing {
                service: service(&l.service)?,
                description: l.description,
                full_access: l.full_access,
                min_entries: l.min_entries.max(1),
                entries: l.entries,
            })
        })
        .collect::<Result<_, String>>()?;
    let signatures = raw
        .signature
        .into_iter()
        .map(|s| {
            Ok(ContentRule {
                service: service(&s.service)?,
                description: s.description,
                full_access: s.full_access,
                pattern: regex(&s.pattern)?,
                also: s.also.iter().map(|a| regex(a)).collect::<Result<_, _>>()?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(SignatureTable {
        listings,
        signatures,
    })
}

fn signature_table() -> &'static SignatureTable {
    static TABLE: OnceLock<SignatureTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse_table(SIGNATURES_TOML).expect("service_signatures.toml is valid (checked by a test)")
    })
}

/// One value an SSRF probe puts in a URL parameter. tollgate never contacts it itself:
/// it only appears inside probes sent to the in-scope target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalTarget {
    pub service: Service,
    /// The value as sent. A string, not a [`Url`]: URL parsing would normalise the
    /// decimal, hex and octal address forms that are the point of some probes.
    pub value: String,
    /// How this form differs from the others ("decimal IPv4", "IPv6-mapped", …).
    pub label: String,
}

impl InternalTarget {
    pub fn new(service: Service, value: impl Into<String>, label: impl Into<String>) -> Self {
        InternalTarget {
            service,
            value: value.into(),
            label: label.into(),
        }
    }

    /// The production list: cloud metadata in several address forms, and the container
    /// services on loopback variants and the usual in-cluster names.
    pub fn defaults() -> Vec<InternalTarget> {
        use Service::*;
        let t = InternalTarget::new;
        vec![
            t(
                CloudMetadata,
                "http://169.254.169.254/latest/meta-data/",
                "AWS IMDS",
            ),
            t(
                CloudMetadata,
                "http://2852039166/latest/meta-data/",
                "AWS IMDS, decimal IPv4",
            ),
            t(
                CloudMetadata,
                "http://0xa9fea9fe/latest/meta-data/",
                "AWS IMDS, hex IPv4",
            ),
            t(
                CloudMetadata,
                "http://0251.0376.0251.0376/latest/meta-data/",
                "AWS IMDS, octal IPv4",
            ),
            t(
                CloudMetadata,
                "http://[::ffff:169.254.169.254]/latest/meta-data/",
                "AWS IMDS, IPv6-mapped",
            ),
            t(
                CloudMetadata,
                "http://[fd00:ec2::254]/latest/meta-data/",
                "AWS IMDS, IPv6",
            ),
            t(
                CloudMetadata,
                "http://metadata.google.internal/computeMetadata/v1/",
                "GCP metadata",
            ),
            t(
                CloudMetadata,
                "http://169.254.169.254/metadata/instance?api-version=2021-02-01",
                "Azure IMDS",
            ),
            t(DockerEngine, "http://127.0.0.1:2375/version", "loopback"),
            t(
                DockerEngine,
                "http://localhost:2375/version",
                "localhost name",
            ),
            t(DockerEngine, "http://[::1]:2375/version", "IPv6 loopback"),
            t(
                DockerEngine,
                "http://2130706433:2375/version",
                "decimal loopback",
            ),
            t(
                DockerEngine,
                "http://172.17.0.1:2375/version",
                "docker0 bridge gateway",
            ),
            t(
                DockerEngine,
                "http://host.docker.internal:2375/version",
                "host.docker.internal",
            ),
            t(
                Kubelet,
                "http://127.0.0.1:10255/pods",
                "read-only kubelet port",
            ),
            t(Kubelet, "https://127.0.0.1:10250/pods", "kubelet port"),
            t(Etcd, "http://127.0.0.1:2379/version", "loopback"),
            t(
                KubernetesApi,
                "https://kubernetes.default.svc/version",
                "in-cluster service name",
            ),
            t(KubernetesApi, "https://127.0.0.1:6443/version", "loopback"),
        ]
    }

    /// The defaults without any loopback destination, plus `stand_ins`: what a test
    /// uses so that every loopback probe reaches a local stand-in service instead of
    /// whatever happens to listen on the test machine's well-known ports.
    pub fn with_stand_ins(stand_ins: &[(Service, Url)]) -> Vec<InternalTarget> {
        let mut out: Vec<InternalTarget> = InternalTarget::defaults()
            .into_iter()
            .filter(|t| !value_is_loopback(&t.value))
            .collect();
        for (service, url) in stand_ins {
            out.push(InternalTarget::new(*service, url.as_str(), "stand-in"));
        }
        out
    }
}

/// Whether a probe value names a loopback host (as the URL parser reads it).
fn value_is_loopback(value: &str) -> bool {
    Url::parse(value).is_ok_and(|u| match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    })
}

/// A service port on the target's own host that the host-exposure check asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostService {
    pub service: Service,
    /// `http` or `https`.
    pub scheme: String,
    pub port: u16,
}

impl HostService {
    pub fn new(service: Service, scheme: &str, port: u16) -> Self {
        HostService {
            service,
            scheme: scheme.to_string(),
            port,
        }
    }

    /// A plain-http Docker Engine API on `port`.
    pub fn docker(port: u16) -> Self {
        HostService::new(Service::DockerEngine, "http", port)
    }

    /// Docker on 2375/2376, the kubelet on 10250/10255, etcd on 2379 and the
    /// Kubernetes API on 6443/8080.
    pub fn defaults() -> Vec<HostService> {
        use Service::*;
        vec![
            HostService::new(DockerEngine, "http", 2375),
            HostService::new(DockerEngine, "https", 2376),
            HostService::new(Kubelet, "https", 10250),
            HostService::new(Kubelet, "http", 10255),
            HostService::new(Etcd, "http", 2379),
            HostService::new(KubernetesApi, "https", 6443),
            HostService::new(KubernetesApi, "http", 8080),
        ]
    }

    /// The origin of this service on the target's host (`scheme://host:port/`).
    pub fn origin_on(&self, target: &Url) -> Option<Url> {
        let mut url = target.clone();
        url.set_scheme(&self.scheme).ok()?;
        url.set_port(Some(self.port)).ok()?;
        url.set_path("/");
        url.set_query(None);
        url.set_fragment(None);
        url.set_username("").ok()?;
        url.set_password(None).ok()?;
        Some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER_VERSION: &str = r#"{"Platform":{"Name":"Docker Engine - Community"},"Version":"24.0.7","ApiVersion":"1.43","MinAPIVersion":"1.12","GoVersion":"go1.20.10","Os":"linux"}"#;

    /// Every rule recognises its `must_match` examples (with its own description) and
    /// no rule of its service recognises its `must_not_match` examples.
    #[test]
    fn signature_table_examples() {
        let raw: RawTable = toml::from_str(SIGNATURES_TOML).expect("table parses");
        let table = parse_table(SIGNATURES_TOML).expect("table compiles");
        let mut checked = 0;
        for (l, rule) in raw.listing.iter().zip(&table.listings) {
            for ex in &l.must_match {
                assert!(rule.recognise(ex).is_some(), "{}: {ex:?}", l.description);
                checked += 1;
            }
            for ex in &l.must_not_match {
                assert_eq!(
                    rule.service.recognise(ex),
                    None,
                    "{}: {ex:?}",
                    l.description
                );
                checked += 1;
            }
        }
        for (s, rule) in raw.signature.iter().zip(&table.signatures) {
            for ex in &s.must_match {
                assert!(rule.recognise(ex).is_some(), "{}: {ex:?}", s.pattern);
                checked += 1;
            }
            for ex in &s.must_not_match {
                assert_eq!(rule.service.recognise(ex), None, "{}: {ex:?}", s.pattern);
                checked += 1;
            }
        }
        assert!(raw
            .signature
            .iter()
            .all(|s| !s.must_match.is_empty() && !s.must_not_match.is_empty()));
        assert!(checked >= 20, "{checked}");
    }

    #[test]
    fn docker_version_and_container_list() {
        let s = Service::DockerEngine
            .recognise(DOCKER_VERSION)
            .expect("docker");
        assert!(s.description.contains("1.43"), "{s:?}");
        let escaped = serde_json::to_string(DOCKER_VERSION).expect("json");
        assert!(Service::DockerEngine.recognise(&escaped).is_some());
        let list = r#"[{"Id":"8dfafdbc3a40c1b6f4e0b3a3c7e1f0e2d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4","Names":["/api"]}]"#;
        assert!(Service::DockerEngine.recognise(list).is_some());
    }

    #[test]
    fn echoed_probe_urls_and_prose_do_not_match() {
        let echo = r#"{"detail":"upstream fetch failed","url":"http://127.0.0.1:2375/version","error":"not contacted: 169.254.169.254/latest/meta-data/ ApiVersion"}"#;
        for s in [
            Service::DockerEngine,
            Service::CloudMetadata,
            Service::Kubelet,
            Service::Etcd,
            Service::KubernetesApi,
        ] {
            assert_eq!(s.recognise(echo), None, "{s:?}");
        }
        assert_eq!(
            Service::DockerEngine.recognise(r#"{"ApiVersion":"1.43"}"#),
            None
        );
    }

    #[test]
    fn metadata_forms() {
        let aws = "ami-id\nami-launch-index\nhostname\ninstance-id\nlocal-ipv4\n";
        assert!(Service::CloudMetadata
            .recognise(aws)
            .is_some_and(|s| s.full_access));
        assert!(Service::CloudMetadata
            .recognise("ami-id\nhostname\n")
            .is_none());
        let gcp = "Missing Metadata-Flavor:Google header.";
        assert!(Service::CloudMetadata
            .recognise(gcp)
            .is_some_and(|s| !s.full_access));
        let azure = r#"{"compute":{"azEnvironment":"AzurePublicCloud"}}"#;
        assert!(Service::CloudMetadata.recognise(azure).is_some());
    }

    #[test]
    fn kubernetes_family() {
        assert!(Service::Kubelet
            .recognise(r#"{"kind":"PodList","apiVersion":"v1","items":[]}"#)
            .is_some());
        assert!(Service::Etcd
            .recognise(r#"{"etcdserver":"3.5.9","etcdcluster":"3.5.0"}"#)
            .is_some());
        let api = r#"{"kind":"APIVersions","versions":["v1"]}"#;
        assert!(Service::KubernetesApi
            .recognise(api)
            .is_some_and(|s| s.full_access));
        let denied = r#"{"kind":"Status","message":"forbidden: User \"system:anonymous\" cannot get path \"/api\""}"#;
        assert!(Service::KubernetesApi
            .recognise(denied)
            .is_some_and(|s| !s.full_access));
    }

    #[test]
    fn stand_ins_replace_loopback_defaults() {
        let stand_in = Url::parse("http://127.0.0.1:41234/version").expect("url");
        let list = InternalTarget::with_stand_ins(&[(Service::DockerEngine, stand_in)]);
        let loopback: Vec<_> = list
            .iter()
            .filter(|t| value_is_loopback(&t.value))
            .collect();
        assert_eq!(loopback.len(), 1);
        assert_eq!(loopback[0].value, "http://127.0.0.1:41234/version");
        assert!(
            value_is_loopback("http://2130706433:2375/version"),
            "decimal loopback"
        );
        assert!(list.iter().any(|t| t.value.contains("2852039166")));
    }

    #[test]
    fn host_service_origin_keeps_the_target_host() {
        let t = Url::parse("https://user:pw@api.example:8443/v1/?q=1").expect("url");
        let o = HostService::docker(2375).origin_on(&t).expect("origin");
        assert_eq!(o.as_str(), "http://api.example:2375/");
        let t6 = Url::parse("http://[::1]:8000/").expect("url");
        let o6 = HostService::new(Service::Kubelet, "https", 10250).origin_on(&t6);
        assert_eq!(o6.expect("origin").as_str(), "https://[::1]:10250/");
    }
}
