//! Out-of-band proof, and where a scan's probes may point beyond the target's origin.
//!
//! * The **callback listener** ([`Callbacks`]) is an HTTP listener the scan starts.
//!   Every probe that carries a callback URL gets its own unguessable token in the URL
//!   path, so a callback is matched to the exact probe, parameter and identity that
//!   caused it. The listener records method, path, redacted headers and source; hits
//!   that arrive after their probe are collected after a bounded grace period at the
//!   end of the scan.
//! * **Internal targets** ([`InternalTarget`]) are URLs of cloud metadata and
//!   container services. They only ever appear as parameter values sent to the
//!   in-scope target; tollgate never connects to them.
//! * **Host services** ([`HostService`]) are the Docker, kubelet, etcd and Kubernetes
//!   API ports of the target's own host. When enabled, their exact origins are added
//!   to the scope at scan start, so the engine's scope guard still sees every request.
//!
//! The callback listener's address is the only out-of-scope address inside probes.

#[cfg(test)]
pub(crate) mod fake_target;
mod listener;
mod registry;
mod targets;
mod token;

pub use registry::{Hit, HitJudge, Probe, ProbeKey, Registry, Summary};
pub use targets::{HostService, InternalTarget, Service, Signature};

use listener::Listener;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tollgate_core::{CheckId, CheckMeta, Finding, Redactor};
use url::Url;

/// How long the scan waits for late callbacks after the last callback probe.
pub const DEFAULT_GRACE: Duration = Duration::from_millis(1500);

/// What the scan may reach beyond the target's origin (part of `ScanOptions`).
#[derive(Debug, Clone)]
pub struct ReachOptions {
    /// Where the callback listener binds (`--callback-listen`). `None`: `127.0.0.1:0`
    /// when the target is on loopback, otherwise no listener.
    pub callback_listen: Option<SocketAddr>,
    /// The URL the target reaches the listener at (`--callback-url`), for a listener
    /// behind NAT or a tunnel. `None`: `http://` + the bound address.
    pub callback_url: Option<Url>,
    /// How long after the last callback probe the scan waits for late callbacks.
    pub callback_grace: Duration,
    /// The values SSRF probes put in URL parameters.
    pub internal_targets: Vec<InternalTarget>,
    /// Whether to probe the target host's container ports (`--no-host-ports` clears).
    pub host_ports: bool,
    /// The ports probed when `host_ports` is on.
    pub host_services: Vec<HostService>,
}

impl Default for ReachOptions {
    fn default() -> Self {
        ReachOptions {
            callback_listen: None,
            callback_url: None,
            callback_grace: DEFAULT_GRACE,
            internal_targets: InternalTarget::defaults(),
            host_ports: true,
            host_services: HostService::defaults(),
        }
    }
}

impl ReachOptions {
    /// The origins of the host services on the target's host, to add to the scope
    /// (empty when `host_ports` is off).
    pub fn host_origins(&self, target: &Url) -> Vec<Url> {
        if !self.host_ports {
            return Vec::new();
        }
        self.host_services
            .iter()
            .filter_map(|s| s.origin_on(target))
            .collect()
    }

    /// The defaults, for a test target whose Docker Engine API stand-in (if any)
    /// listens at `docker`: the only loopback SSRF probe value is the stand-in's
    /// `/version` and the only host port probed is the stand-in's, so a test never
    /// touches whatever listens on the machine's well-known ports.
    pub fn for_stand_ins(docker: Option<&Url>) -> ReachOptions {
        let docker_version = docker.and_then(|u| u.join("/version").ok());
        let stand_ins: Vec<(Service, Url)> = docker_version
            .map(|u| (Service::DockerEngine, u))
            .into_iter()
            .collect();
        ReachOptions {
            internal_targets: InternalTarget::with_stand_ins(&stand_ins),
            host_services: docker
                .and_then(Url::port)
                .map(HostService::docker)
                .into_iter()
                .collect(),
            ..ReachOptions::default()
        }
    }

    /// The address the listener binds, if any.
    fn listen_addr(&self, target: &Url) -> Option<SocketAddr> {
        self.callback_listen.or_else(|| {
            is_loopback(target).then(|| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0))
        })
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The running listener and its token registry.
pub struct Callbacks {
    base: Url,
    registry: Arc<Registry>,
    grace: Duration,
    _listener: Listener,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("base", &self.base.as_str())
            .finish()
    }
}

impl Callbacks {
    /// Binds the listener; the callback URLs start with `public` or, without it, with
    /// `http://` + the bound address.
    pub async fn start(
        listen: SocketAddr,
        public: Option<&Url>,
        grace: Duration,
        redactor: Redactor,
    ) -> Result<Callbacks, String> {
        if public.is_none() && listen.ip().is_unspecified() {
            return Err(format!(
                "--callback-listen {listen} is no address a target can call back; pass --callback-url URL too"
            ));
        }
        let registry = Arc::new(Registry::default());
        let listener = Listener::bind(listen, Arc::clone(&registry), redactor)
            .await
            .map_err(|e| format!("the callback listener could not bind {listen}: {e}"))?;
        let bound = listener.local_addr();
        let base = match public {
            Some(url) => with_trailing_slash(url),
            None => Url::parse(&format!("http://{bound}/")).map_err(|e| e.to_string())?,
        };
        Ok(Callbacks {
            base,
            registry,
            grace,
            _listener: listener,
        })
    }

    /// The URL callback paths are appended to.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The probe for `key` (the same key always gets the same token).
    pub fn probe(&self, key: ProbeKey) -> Result<Probe, String> {
        self.registry
            .probe(key, &self.base)
            .map_err(|e| e.to_string())
    }

    pub fn attach(&self, probe: &Probe, exchange: Arc<crate::engine::Exchange>) {
        self.registry.attach(&probe.token, exchange);
    }

    pub fn subscribe(&self, probe: &Probe, meta: &'static CheckMeta, judge: HitJudge) {
        self.registry.subscribe(&probe.token, meta, judge);
    }

    pub fn hits(&self, probe: &Probe) -> Vec<Hit> {
        self.registry.hits(&probe.token)
    }

    /// Findings for hits received so far (only `check`'s, or every check's).
    pub fn collect(&self, check: Option<&CheckId>, redactor: &Redactor) -> Vec<Finding> {
        self.registry.collect(check, redactor)
    }

    pub fn summary(&self) -> Summary {
        self.registry.summary()
    }

    /// Time left of the grace period (zero when no callback probe was made).
    pub fn grace_remaining(&self) -> Duration {
        self.registry.grace_remaining(self.grace)
    }
}

fn with_trailing_slash(url: &Url) -> Url {
    let mut u = url.clone();
    if !u.path().ends_with('/') {
        let path = format!("{}/", u.path());
        u.set_path(&path);
    }
    u.set_query(None);
    u.set_fragment(None);
    u
}

/// What a scan's checks may reach beyond the target's origin.
#[derive(Debug, Default)]
pub struct Reach {
    callbacks: Option<Callbacks>,
    /// Why there is no listener (for the skipped checks and the coverage notes).
    unavailable: Option<String>,
    internal_targets: Vec<InternalTarget>,
    host_services: Vec<HostService>,
}

impl Reach {
    /// Starts the listener as configured. A listener that cannot start is not an
    /// error: blind checks are skipped and the report says why.
    pub async fn start(opts: &ReachOptions, target: &Url, redactor: Redactor) -> Reach {
        let (callbacks, unavailable) = match opts.listen_addr(target) {
            None => (None, Some(NO_LISTENER.to_string())),
            Some(addr) => {
                match Callbacks::start(
                    addr,
                    opts.callback_url.as_ref(),
                    opts.callback_grace,
                    redactor,
                )
                .await
                {
                    Ok(c) => (Some(c), None),
                    Err(e) => (None, Some(e)),
                }
            }
        };
        Reach {
            callbacks,
            unavailable,
            internal_targets: opts.internal_targets.clone(),
            host_services: if opts.host_ports {
                opts.host_services.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// A reach with the given parts (tests, and callers that build their own).
    pub fn new(
        callbacks: Option<Callbacks>,
        internal_targets: Vec<InternalTarget>,
        host_services: Vec<HostService>,
    ) -> Reach {
        let unavailable = callbacks.is_none().then(|| NO_LISTENER.to_string());
        Reach {
            callbacks,
            unavailable,
            internal_targets,
            host_services,
        }
    }

    /// The listener, or why there is none.
    pub fn callbacks(&self) -> Result<&Callbacks, String> {
        self.callbacks.as_ref().ok_or_else(|| {
            self.unavailable
                .clone()
                .unwrap_or_else(|| NO_LISTENER.to_string())
        })
    }

    pub fn internal_targets(&self) -> &[InternalTarget] {
        &self.internal_targets
    }

    /// The target host's service ports to probe (empty with `--no-host-ports`).
    pub fn host_services(&self) -> &[HostService] {
        &self.host_services
    }

    /// Waits out what is left of the grace period for late callbacks; returns how long
    /// it waited.
    pub async fn wait_for_late_callbacks(&self) -> Duration {
        let wait = self
            .callbacks
            .as_ref()
            .map_or(Duration::ZERO, Callbacks::grace_remaining);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        wait
    }

    /// Findings for callbacks no check has reported yet (late hits).
    pub fn late_findings(&self, redactor: &Redactor) -> Vec<Finding> {
        self.callbacks
            .as_ref()
            .map(|c| c.collect(None, redactor))
            .unwrap_or_default()
    }

    /// Lines for the report's coverage notes.
    pub fn coverage_notes(&self) -> Vec<String> {
        match (&self.callbacks, &self.unavailable) {
            (None, Some(why)) => vec![format!("blind SSRF checks skipped: {why}")],
            (Some(c), _) => {
                let s = c.summary();
                if s.unmatched > 0 {
                    vec![format!(
                        "the callback listener received {} request(s) that matched no probe",
                        s.unmatched
                    )]
                } else {
                    Vec::new()
                }
            }
            (None, None) => Vec::new(),
        }
    }
}

const NO_LISTENER: &str = "no callback listener: the target is not on loopback and no --callback-listen ADDR was given (add --callback-url URL when the listener sits behind NAT or a tunnel)";

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[tokio::test]
    async fn loopback_targets_get_a_listener_by_default() {
        let reach = Reach::start(
            &ReachOptions::default(),
            &u("http://127.0.0.1:8000/"),
            Redactor::default(),
        )
        .await;
        let c = reach.callbacks().expect("listener");
        assert_eq!(c.base().host_str(), Some("127.0.0.1"));
        assert_ne!(c.base().port(), Some(0));
        assert!(reach.coverage_notes().is_empty());
    }

    #[tokio::test]
    async fn remote_targets_need_an_explicit_listener() {
        let reach = Reach::start(
            &ReachOptions::default(),
            &u("https://api.example/"),
            Redactor::default(),
        )
        .await;
        let why = reach.callbacks().expect_err("no listener");
        assert!(why.contains("--callback-listen"), "{why}");
        assert!(reach.coverage_notes()[0].starts_with("blind SSRF checks skipped"));
    }

    #[tokio::test]
    async fn public_url_is_used_for_callbacks() {
        let opts = ReachOptions {
            callback_listen: Some("127.0.0.1:0".parse().expect("addr")),
            callback_url: Some(u("https://cb.example/t1")),
            ..ReachOptions::default()
        };
        let reach = Reach::start(&opts, &u("https://api.example/"), Redactor::default()).await;
        let c = reach.callbacks().expect("listener");
        let p = c
            .probe(ProbeKey {
                url: "u".into(),
                parameter: "url".into(),
                identity: None,
            })
            .expect("probe");
        assert_eq!(
            p.callback.as_str(),
            format!("https://cb.example/t1/{}", p.token)
        );
    }

    #[tokio::test]
    async fn unspecified_listen_address_needs_a_public_url() {
        let opts = ReachOptions {
            callback_listen: Some("0.0.0.0:0".parse().expect("addr")),
            ..ReachOptions::default()
        };
        let reach = Reach::start(&opts, &u("http://127.0.0.1:1/"), Redactor::default()).await;
        assert!(reach
            .callbacks()
            .expect_err("no url")
            .contains("--callback-url"));
    }

    #[test]
    fn host_origins_follow_the_switch() {
        let t = u("http://127.0.0.1:8000/api/");
        let on = ReachOptions::default().host_origins(&t);
        assert_eq!(on.len(), 7);
        assert!(on.iter().all(|o| o.host_str() == Some("127.0.0.1")));
        let off = ReachOptions {
            host_ports: false,
            ..ReachOptions::default()
        };
        assert!(off.host_origins(&t).is_empty());
    }
}
