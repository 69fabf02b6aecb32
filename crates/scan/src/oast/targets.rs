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

    /// The signature of this service in `body`, if it is there. JSON may arrive escaped
    /// inside another JSON string (`\"ApiVersion\"`), so quotes may carry a backslash.
    pub fn recognise(self, body: &str) -> Option<Signature> {
        match self {
            Service::CloudMetadata => metadata(body),
            Service::DockerEngine => docker(body),
            Service::Kubelet => kubelet(body),
            Service::Etcd => etcd(body),
            Service::KubernetesApi => kubernetes(body),
        }
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("constant regex"))
}

/// A JSON key (`"Name"` or `\"Name\"`) followed by a colon.
macro_rules! key {
    ($name:literal) => {
        concat!(r#"\\?""#, $name, r#"\\?"\s*:\s*"#)
    };
}

fn docker(body: &str) -> Option<Signature> {
    static VERSION: OnceLock<Regex> = OnceLock::new();
    static COMPANION: OnceLock<Regex> = OnceLock::new();
    static CONTAINER: OnceLock<Regex> = OnceLock::new();
    let version = re(&VERSION, concat!(key!("ApiVersion"), r#"\\?"(1\.\d{1,2})"#));
    let companion = re(
        &COMPANION,
        key!("(?:MinAPIVersion|GoVersion|KernelVersion)"),
    );
    if let Some(c) = version.captures(body) {
        if companion.is_match(body) {
            return Some(Signature {
                matched: c.get(0).map_or("", |m| m.as_str()).to_string(),
                description: format!(
                    "Docker `/version` document (`ApiVersion` {})",
                    c.get(1).map_or("?", |m| m.as_str())
                ),
                full_access: true,
            });
        }
    }
    let container = re(
        &CONTAINER,
        concat!(key!("Id"), r#"\\?"[0-9a-f]{64}\\?"\s*,\s*"#, key!("Names")),
    );
    container.find(body).map(|m| Signature {
        matched: m.as_str().to_string(),
        description: "Docker `/containers/json` container list".into(),
        full_access: true,
    })
}

fn kubelet(body: &str) -> Option<Signature> {
    static POD_LIST: OnceLock<Regex> = OnceLock::new();
    let pods = re(&POD_LIST, concat!(key!("kind"), r#"\\?"PodList\\?""#));
    pods.find(body).map(|m| Signature {
        matched: m.as_str().to_string(),
        description: "kubelet pod list (`\"kind\": \"PodList\"`)".into(),
        full_access: true,
    })
}

fn etcd(body: &str) -> Option<Signature> {
    static SERVER: OnceLock<Regex> = OnceLock::new();
    static CLUSTER: OnceLock<Regex> = OnceLock::new();
    let server = re(&SERVER, concat!(key!("etcdserver"), r#"\\?"\d+\.\d+"#));
    let cluster = re(&CLUSTER, key!("etcdcluster"));
    let m = server.find(body)?;
    cluster.is_match(body).then(|| Signature {
        matched: m.as_str().to_string(),
        description: "etcd `/version` document (`etcdserver`, `etcdcluster`)".into(),
        full_access: true,
    })
}

fn kubernetes(body: &str) -> Option<Signature> {
    static VERSIONS: OnceLock<Regex> = OnceLock::new();
    static GIT: OnceLock<Regex> = OnceLock::new();
    static PLATFORM: OnceLock<Regex> = OnceLock::new();
    static STATUS: OnceLock<Regex> = OnceLock::new();
    let versions = re(&VERSIONS, concat!(key!("kind"), r#"\\?"APIVersions\\?""#));
    if let Some(m) = versions.find(body) {
        return Some(Signature {
            matched: m.as_str().to_string(),
            description: "Kubernetes API discovery document (`\"kind\": \"APIVersions\"`)".into(),
            full_access: true,
        });
    }
    let git = re(&GIT, concat!(key!("gitVersion"), r#"\\?"v\d+\.\d+"#));
    let platform = re(&PLATFORM, key!("platform"));
    if let Some(m) = git.find(body).filter(|_| platform.is_match(body)) {
        return Some(Signature {
            matched: m.as_str().to_string(),
            description: "Kubernetes `/version` document (`gitVersion`, `platform`)".into(),
            full_access: false,
        });
    }
    let status = re(&STATUS, concat!(key!("kind"), r#"\\?"Status\\?""#));
    let m = status.find(body)?;
    body.contains("system:anonymous").then(|| Signature {
        matched: m.as_str().to_string(),
        description: "Kubernetes API `Status` refusing `system:anonymous`".into(),
        full_access: false,
    })
}

/// AWS IMDS listing entries; three distinct ones prove a metadata listing.
const IMDS_ENTRIES: &[&str] = &[
    "ami-id",
    "ami-launch-index",
    "block-device-mapping/",
    "hostname",
    "iam/",
    "instance-action",
    "instance-id",
    "instance-type",
    "local-hostname",
    "local-ipv4",
    "mac",
    "network/",
    "placement/",
    "public-hostname",
    "public-ipv4",
    "public-keys/",
    "reservation-id",
    "security-groups",
    "services/",
];

fn metadata(body: &str) -> Option<Signature> {
    let text = body.replace("\\n", "\n");
    let found: Vec<&str> = IMDS_ENTRIES
        .iter()
        .copied()
        .filter(|e| text.lines().any(|l| l.trim() == *e))
        .collect();
    if found.len() >= 3 {
        return Some(Signature {
            matched: found[0].to_string(),
            description: format!("AWS instance metadata listing ({})", found.join(", ")),
            full_access: true,
        });
    }
    metadata_cloud_specific(body)
}

fn metadata_cloud_specific(body: &str) -> Option<Signature> {
    static AZURE: OnceLock<Regex> = OnceLock::new();
    static GCP: OnceLock<Regex> = OnceLock::new();
    let azure = re(&AZURE, concat!(key!("azEnvironment"), r#"\\?"[A-Za-z]"#));
    let gcp = re(&GCP, r"Metadata-Flavor:\s?Google");
    let sig = |m: &str, description: &str, full_access| Signature {
        matched: m.to_string(),
        description: description.to_string(),
        full_access,
    };
    if let Some(m) = azure.find(body) {
        return Some(sig(
            m.as_str(),
            "Azure instance metadata document (`azEnvironment`)",
            true,
        ));
    }
    if let Some(m) = gcp.find(body) {
        let what = "GCP metadata server asking for `Metadata-Flavor: Google`";
        return Some(sig(m.as_str(), what, false));
    }
    let azure_refusal = "Required metadata header not specified";
    body.contains(azure_refusal).then(|| {
        let what = "Azure IMDS refusing a request without `Metadata: true`";
        sig(azure_refusal, what, false)
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
