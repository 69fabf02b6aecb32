//! The probe engine: the only way checks reach the network.
//!
//! Every request passes, in order: the check's method allow-list and request budget
//! ([`crate::check::CheckCtx`]), the intrusive gate, the state-changing route gate
//! ([`safety`]: in the read-only profile no method reaches a route whose name says it
//! changes state), single-flight de-duplication, the
//! scope guard, the scan budget, the per-host limiter, the HTTP client with its
//! timeouts and body cap, manual in-scope redirect following, and the transcript.

mod body;
mod budget;
mod config;
mod dedupe;
mod error;
mod exchange;
mod identity;
mod limiter;
mod login;
pub(crate) mod safety;
mod scope;
mod transcript;

// What an embedder configures a scan with.
pub use config::{DestinationPolicy, Destinations, EngineConfig};
pub use error::EngineError;
pub use identity::{redactor_for, Credential, Identity};
pub use login::{Login, LoginKind};

// What the checks and the crate's own tests drive the engine with: public only with
// the `testkit` feature.
pub(crate) use budget::Budget;
#[cfg(feature = "testkit")]
pub use exchange::{Auth, ProbeRequest};
#[cfg(not(feature = "testkit"))]
pub(crate) use exchange::{Auth, ProbeRequest};
pub(crate) use exchange::{Exchange, RecordedRequest, Response};
pub(crate) use limiter::{parse_retry_after, Limiter};
#[cfg(feature = "testkit")]
pub use scope::Scope;
#[cfg(not(feature = "testkit"))]
pub(crate) use scope::Scope;
pub(crate) use transcript::Transcript;

use dedupe::{Dedupe, Key};
use std::sync::Arc;
use tokio::time::Instant;
use tollgate_core::{CheckId, HttpMethod, Redactor};
use url::Url;

/// Counters for the report's coverage section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub sent: u64,
    pub deduplicated: u64,
    pub budget_exhausted: bool,
}

struct Inner {
    client: reqwest::Client,
    config: EngineConfig,
    scope: Scope,
    budget: Budget,
    limiter: Limiter,
    dedupe: Dedupe,
    transcript: Transcript,
    identities: Vec<Identity>,
    /// Tokens of the login identities (engine/login.rs).
    sessions: login::Sessions,
    redactor: Redactor,
    allow_intrusive: bool,
    gate: safety::Gate,
}

/// A cheap, cloneable handle to the engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("scope", &self.inner.scope)
            .finish()
    }
}

impl Engine {
    /// Builds the engine. Fails only if the TLS stack cannot be set up.
    pub fn new(
        config: EngineConfig,
        scope: Scope,
        identities: Vec<Identity>,
        allow_intrusive: bool,
    ) -> Result<Engine, EngineError> {
        let client = build_client(&config)?;
        let redactor = redactor_for(&identities);
        login::check_logins(&identities, &scope).map_err(|e| e.redacted(&redactor))?;
        Ok(Engine {
            inner: Arc::new(Inner {
                budget: Budget::new(config.max_requests, config.max_time),
                limiter: Limiter::new(
                    config.per_host_concurrency,
                    config.rate_per_second,
                    config.retry_after_cap,
                ),
                transcript: Transcript::new(
                    config.transcript_body_cap,
                    config.transcript_total_cap,
                ),
                dedupe: Dedupe::new(config.transcript_total_cap),
                client,
                config,
                scope,
                sessions: login::Sessions::new(&identities),
                identities,
                redactor,
                allow_intrusive,
                gate: safety::Gate::default(),
            }),
        })
    }

    pub fn scope(&self) -> &Scope {
        &self.inner.scope
    }

    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    pub fn transcript(&self) -> &Transcript {
        &self.inner.transcript
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Names of the configured identities, in configuration order.
    pub fn identity_names(&self) -> Vec<String> {
        self.inner
            .identities
            .iter()
            .map(|i| i.name.clone())
            .collect()
    }

    /// The state-changing route gate (see [`safety`]).
    pub fn gate(&self) -> &safety::Gate {
        &self.inner.gate
    }

    /// Why the read-only profile must not send `method` to `url`, if it must not.
    /// `None` when intrusive requests are allowed.
    pub fn state_changing(&self, method: HttpMethod, url: &Url) -> Option<safety::StateHit> {
        if self.inner.allow_intrusive {
            return None;
        }
        self.inner.gate.refusal(method, url)
    }

    pub fn stats(&self) -> EngineStats {
        EngineStats {
            sent: self.inner.budget.sent(),
            deduplicated: self.inner.dedupe.hits(),
            budget_exhausted: self.inner.budget.exhausted(),
        }
    }

    /// Sends a probe on behalf of `check` (`None` for the scanner's own requests).
    /// Callers outside this crate go through [`crate::check::CheckCtx`], which also
    /// enforces the check's declared methods and budget.
    pub async fn send(
        &self,
        check: Option<&CheckId>,
        req: ProbeRequest,
    ) -> Result<Arc<Exchange>, EngineError> {
        if !req.method.is_safe() && !self.inner.allow_intrusive {
            return Err(EngineError::IntrusiveNotAllowed { method: req.method });
        }
        if let Some(hit) = self.state_changing(req.method, &req.url) {
            let origin = check.map_or_else(|| "scanner".to_string(), ToString::to_string);
            self.inner
                .gate
                .record(req.method, &req.url, hit.clone(), &origin);
            return Err(EngineError::StateChangingRoute {
                method: req.method,
                url: self.inner.redactor.redact(req.url.path()).into_owned(),
                reason: hit.reason(),
            });
        }
        // Every error leaves through here, so none can carry a credential: a secret in
        // a query string, a reflected token in a Location header, a reqwest message
        // quoting the URL.
        let redactor = &self.inner.redactor;
        let outcome = match Key::of(&req) {
            Some(key) => {
                let this = self.clone();
                let check = check.cloned();
                self.inner
                    .dedupe
                    .run(
                        key,
                        move || async move { this.send_uncached(check, req).await },
                    )
                    .await
            }
            None => self.send_uncached(check.cloned(), req).await,
        };
        outcome.map_err(|e| e.redacted(redactor))
    }

    async fn send_uncached(
        &self,
        check: Option<CheckId>,
        req: ProbeRequest,
    ) -> Result<Arc<Exchange>, EngineError> {
        // ---- login identities (engine/login.rs): a fresh token first; on a 401 where
        // the same request had worked, one new login and one retry.
        if let Some(outcome) = self.send_logged_in(&check, &req).await {
            return outcome;
        }
        // ----
        self.send_attempt(check, req).await
    }

    /// One request and its in-scope redirects, recorded.
    async fn send_attempt(
        &self,
        check: Option<CheckId>,
        req: ProbeRequest,
    ) -> Result<Arc<Exchange>, EngineError> {
        let started = Instant::now();
        let mut url = req.url.clone();
        for _hop in 0..=self.inner.config.max_redirects {
            let response = self.send_one(&req, &url).await?;
            let next = redirect_target(&url, &response).filter(|_| req.follow_redirects);
            // A redirect to a state-changing route is not followed in the read-only
            // profile: the 3xx itself is the answer.
            let next = next.filter(|n| {
                let Some(hit) = self.state_changing(req.method, n) else {
                    return true;
                };
                let origin = check
                    .as_ref()
                    .map_or_else(|| "scanner".into(), ToString::to_string);
                self.inner.gate.record(req.method, n, hit, &origin);
                false
            });
            match next {
                Some(next) if self.inner.scope.allows(&next) => url = next,
                _ => return Ok(self.record(check, &req, url, response, started)),
            }
        }
        Err(EngineError::TooManyRedirects {
            url: req.url.to_string(),
            limit: self.inner.config.max_redirects,
        })
    }

    /// One request on the wire, retried after back-off on 429/503.
    async fn send_one(&self, req: &ProbeRequest, url: &Url) -> Result<Response, EngineError> {
        self.inner.scope.check(url)?;
        if let Some(d) = &self.inner.config.destinations {
            d.0.vet(url)
                .map_err(|reason| EngineError::DestinationRefused {
                    url: url.to_string(),
                    reason,
                })?;
        }
        let host = url.host_str().unwrap_or_default().to_string();
        let mut attempt = 0;
        loop {
            self.inner.budget.take()?;
            let permit = self.inner.limiter.acquire(&host).await;
            let response = self.wire(req, url).await;
            drop(permit);
            let response = response?;
            let throttled = response.status == 429 || response.status == 503;
            // A write is never sent twice: the first may have taken effect (a one-time
            // code burnt, an object created), and the check must see the throttling.
            if !throttled || attempt >= self.inner.config.max_retries || !req.method.is_safe() {
                return Ok(response);
            }
            let retry_after = response.header("retry-after").and_then(parse_retry_after);
            let wait = self.inner.limiter.back_off(&host, retry_after);
            let safe_url = self.inner.redactor.redact(url.as_str());
            tracing::debug!(url = %safe_url, status = response.status, ?wait, "target throttled us; backing off");
            attempt += 1;
        }
    }

    async fn wire(&self, req: &ProbeRequest, url: &Url) -> Result<Response, EngineError> {
        let remaining = self.inner.budget.remaining();
        let request_timeout = self.inner.config.request_timeout;
        match tokio::time::timeout(request_timeout.min(remaining), self.wire_untimed(req, url))
            .await
        {
            Ok(r) => r,
            // The scan's deadline, not the target, cut this request short.
            Err(_) if remaining < request_timeout => Err(self.inner.budget.expire()),
            Err(_) => Err(EngineError::Timeout {
                url: self.inner.redactor.redact(url.as_str()).into_owned(),
                phase: "total",
            }),
        }
    }

    async fn wire_untimed(&self, req: &ProbeRequest, url: &Url) -> Result<Response, EngineError> {
        let started = Instant::now();
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes())
            .map_err(|_| EngineError::InvalidUrl(url.to_string()))?;
        let mut builder = self.inner.client.request(method, url.clone());
        for (k, v) in self.wire_headers(req) {
            builder = builder.header(k, v);
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let safe_url = self.inner.redactor.redact(url.as_str()).into_owned();
        let resp = builder
            .send()
            .await
            .map_err(|e| EngineError::from_reqwest(&safe_url, e))?;
        let status = resp.status().as_u16();
        let headers = capped_headers(resp.headers(), HEADER_CAP);
        let (body, truncated) =
            body::read_capped(resp, self.inner.config.body_cap, &safe_url).await?;
        Ok(Response {
            status,
            headers,
            body,
            truncated,
            elapsed: started.elapsed(),
        })
    }

    /// The headers as sent, the credential included.
    fn wire_headers(&self, req: &ProbeRequest) -> Vec<(String, String)> {
        let mut headers = req.headers.clone();
        match &req.auth {
            Auth::Anonymous => {}
            Auth::Identity(name) => {
                if let Some(id) = self.identity(name) {
                    match self.inner.sessions.token(name) {
                        Some(token) => headers.push(id.with_token(token).wire_header()),
                        None if self.inner.sessions.is_login(name) => {}
                        None => headers.push(id.wire_header()),
                    }
                }
            }
            Auth::Custom { name, value } => headers.push((name.clone(), value.clone())),
        }
        headers
    }

    /// The headers as recorded: the identity's credential replaced by `$TOKEN`.
    fn recorded_headers(&self, req: &ProbeRequest) -> Vec<(String, String)> {
        let mut headers = req.headers.clone();
        match &req.auth {
            Auth::Anonymous => {}
            Auth::Identity(name) => {
                if let Some(id) = self.identity(name) {
                    headers.push(id.redacted_header());
                }
            }
            Auth::Custom { name, value } => {
                headers.push((name.clone(), self.inner.redactor.redact(value).into_owned()));
            }
        }
        headers
    }

    /// The named identity's secret, for the JWT checks that analyse and re-sign the
    /// user's own token ([`crate::check::CheckCtx::identity_jwt`]). Never in output.
    pub(crate) fn identity_secret(&self, name: &str) -> Option<tollgate_core::Secret> {
        self.inner
            .sessions
            .token(name)
            .or_else(|| self.identity(name).map(|i| i.secret().clone()))
    }

    fn identity(&self, name: &str) -> Option<&Identity> {
        self.inner.identities.iter().find(|i| i.name == name)
    }

    fn record(
        &self,
        check: Option<CheckId>,
        req: &ProbeRequest,
        url: Url,
        mut response: Response,
        started: Instant,
    ) -> Arc<Exchange> {
        response.elapsed = started.elapsed();
        let identity = match &req.auth {
            Auth::Identity(n) => Some(n.clone()),
            _ => None,
        };
        let request = RecordedRequest {
            method: req.method,
            url,
            headers: self.recorded_headers(req),
            identity,
        };
        self.inner.transcript.record(Exchange {
            seq: 0,
            check,
            request,
            response,
        })
    }
}

/// Bytes of response headers (names and values) kept per response. hyper accepts
/// about 400 KiB of headers; a hostile server sending that on every response would
/// otherwise cost hundreds of MiB across the transcript.
const HEADER_CAP: usize = 64 * 1024;

/// The response headers, lower-case names in the order received, at most `cap` bytes
/// in all: a value that does not fit is cut (on a char boundary), later headers dropped.
fn capped_headers(map: &http::HeaderMap, cap: usize) -> Vec<(String, String)> {
    let mut left = cap;
    let mut out = Vec::new();
    for (k, v) in map {
        let name = k.as_str();
        if name.len() >= left {
            tracing::debug!(kept = out.len(), "response headers cut at the header cap");
            break;
        }
        left -= name.len();
        let mut value = String::from_utf8_lossy(v.as_bytes()).into_owned();
        if value.len() > left {
            let mut end = left;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            value.truncate(end);
        }
        left -= value.len();
        out.push((name.to_string(), value));
    }
    out
}

/// Where a 3xx response points, resolved against the request URL.
fn redirect_target(url: &Url, response: &Response) -> Option<Url> {
    if !(300..400).contains(&response.status) {
        return None;
    }
    url.join(response.header("location")?).ok()
}

fn build_client(config: &EngineConfig) -> Result<reqwest::Client, EngineError> {
    let mut builder = reqwest::Client::builder();
    if let Some(d) = &config.destinations {
        builder = builder.dns_resolver2(d.0.resolver());
    }
    builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.read_timeout)
        // No client-wide total timeout: `Engine::wire` enforces it (capped by the scan
        // deadline), so a request that runs too long is reported as phase "total",
        // and reqwest's own timeouts as "connect" or "read".
        .pool_max_idle_per_host(config.per_host_concurrency.max(1))
        .danger_accept_invalid_certs(config.insecure_tls)
        .user_agent(config.user_agent.clone())
        .no_proxy()
        .build()
        .map_err(|e| EngineError::Protocol {
            url: String::new(),
            detail: format!("building the HTTP client: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_headers_are_capped() {
        let mut map = http::HeaderMap::new();
        map.insert("x-small", http::HeaderValue::from_static("1"));
        let big = "é".repeat(100);
        map.insert(
            "x-big",
            http::HeaderValue::from_bytes(big.as_bytes()).expect("value"),
        );
        map.insert("x-after", http::HeaderValue::from_static("dropped"));
        let kept = capped_headers(&map, 60);
        let total: usize = kept.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(total <= 60, "{kept:?}");
        assert_eq!(kept[0], ("x-small".to_string(), "1".to_string()));
        assert_eq!(kept[1].0, "x-big");
        assert!(
            !kept[1].1.is_empty() && kept[1].1.chars().all(|c| c == 'é'),
            "cut on a char boundary"
        );
        assert_eq!(kept.len(), 2);
        // Under the cap nothing changes.
        assert_eq!(capped_headers(&map, HEADER_CAP).len(), 3);
    }

    #[test]
    fn invalid_utf8_header_values_are_kept_lossily() {
        let mut map = http::HeaderMap::new();
        map.insert(
            "x-bin",
            http::HeaderValue::from_bytes(b"a\xffb").expect("value"),
        );
        assert_eq!(capped_headers(&map, HEADER_CAP)[0].1, "a\u{FFFD}b");
    }
}
