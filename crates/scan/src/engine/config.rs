//! Engine limits. Every one of them is bounded by default.

use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Limits and behaviour of the probe engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub connect_timeout: Duration,
    /// Longest wait between two reads of one response.
    pub read_timeout: Duration,
    /// Longest one request may take, body included.
    pub request_timeout: Duration,
    /// Largest (decompressed) body kept; the rest is cut off and the response marked truncated.
    pub body_cap: usize,
    pub max_redirects: u8,
    /// Requests the whole scan may send.
    pub max_requests: u64,
    /// Wall time the whole scan may take.
    pub max_time: Duration,
    /// Requests in flight to one host at once.
    pub per_host_concurrency: usize,
    /// Requests per second across the scan.
    pub rate_per_second: u32,
    /// Upper bound on a Retry-After the engine will honour.
    pub retry_after_cap: Duration,
    /// Retries of a request answered 429 or 503.
    pub max_retries: u8,
    /// Accept invalid TLS certificates (self-signed staging servers).
    pub insecure_tls: bool,
    pub user_agent: String,
    /// Bytes of each body the transcript keeps for passive checks.
    pub transcript_body_cap: usize,
    /// Bytes of bodies the transcript keeps in all.
    pub transcript_total_cap: usize,
    /// Where the engine may connect besides what the scope allows: an embedder that
    /// scans URLs submitted by others (the server's SSRF guard) vets every destination.
    /// `None` (the CLI) leaves it to the scope guard.
    pub destinations: Option<Destinations>,
}

/// A policy on destinations, applied to every request and redirect hop after the
/// scope guard: [`DestinationPolicy::vet`] refuses a URL (an IP literal the policy
/// denies, a denied host name), and the HTTP client resolves host names only through
/// [`DestinationPolicy::resolver`], which returns vetted addresses or fails, so the
/// connection goes to the address that was vetted.
pub trait DestinationPolicy: Send + Sync {
    /// Why `url` may not be contacted, if it may not.
    fn vet(&self, url: &Url) -> Result<(), String>;
    /// The resolver the HTTP client uses for host names.
    fn resolver(&self) -> Arc<dyn reqwest::dns::Resolve>;
}

/// A shared [`DestinationPolicy`].
#[derive(Clone)]
pub struct Destinations(pub Arc<dyn DestinationPolicy>);

impl std::fmt::Debug for Destinations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Destinations(..)")
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(20),
            body_cap: 1024 * 1024,
            max_redirects: 5,
            max_requests: 2_000,
            max_time: Duration::from_secs(300),
            per_host_concurrency: 8,
            rate_per_second: 100,
            retry_after_cap: Duration::from_secs(10),
            max_retries: 2,
            insecure_tls: false,
            user_agent: format!("tollgate/{}", env!("CARGO_PKG_VERSION")),
            transcript_body_cap: 256 * 1024,
            transcript_total_cap: 64 * 1024 * 1024,
            destinations: None,
        }
    }
}
