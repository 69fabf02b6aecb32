//! The probe engine: the only way checks reach the network.
//!
//! Every request passes, in order: the check's method allow-list and request budget
//! ([`crate::check::CheckCtx`]), the intrusive gate, single-flight de-duplication, the
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
mod scope;
mod transcript;

pub use budget::Budget;
pub use config::EngineConfig;
pub use error::EngineError;
pub use exchange::{Auth, Exchange, ProbeRequest, RecordedRequest, Response};
pub use identity::{redactor_for, Credential, Identity};
pub use limiter::{parse_retry_after, Limiter};
pub use scope::Scope;
pub use transcript::Transcript;

use dedupe::{Dedupe, Key};
use std::sync::Arc;
use tokio::time::Instant;
use tollgate_core::{CheckId, Redactor};
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
    redactor: Redactor,
    allow_intrusive: bool,
}

/// A cheap, cloneable handle to the engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("scope", &self.inner.scope).finish()
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
        Ok(Engine {
            inner: Arc::new(Inner {
                budget: Budget::new(config.max_requests, config.max_time),
                limiter: Limiter::new(
                    config.per_host_concurrency,
                    config.rate_per_second,
                    config.retry_after_cap,
                ),
                transcript: Transcript::new(config.transcript_body_cap, config.transcript_total_cap),
                dedupe: Dedupe::new(usize::MAX),
                client,
                config,
                scope,
                identities,
                redactor,
                allow_intrusive,
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
        self.inner.identities.iter().map(|i| i.name.clone()).collect()
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
        match Key::of(&req) {
            Some(key) => {
                let this = self.clone();
                let check = check.cloned();
                self.inner
                    .dedupe
                    .run(key, move || async move { this.send_uncached(check, req).await })
                    .await
            }
            None => self.send_uncached(check.cloned(), req).await,
        }
    }

    async fn send_uncached(
        &self,
        check: Option<CheckId>,
        req: ProbeRequest,
    ) -> Result<Arc<Exchange>, EngineError> {
        let started = Instant::now();
        let mut url = req.url.clone();
        for _hop in 0..=self.inner.config.max_redirects {
            let response = self.send_one(&req, &url).await?;
            let next = redirect_target(&url, &response).filter(|_| req.follow_redirects);
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
        let host = url.host_str().unwrap_or_default().to_string();
        let mut attempt = 0;
        loop {
            self.inner.budget.take()?;
            let permit = self.inner.limiter.acquire(&host).await;
            let response = self.wire(req, url).await;
            drop(permit);
            let response = response?;
            let throttled = response.status == 429 || response.status == 503;
            if !throttled || attempt >= self.inner.config.max_retries {
                return Ok(response);
            }
            let retry_after = response.header("retry-after").and_then(parse_retry_after);
            let wait = self.inner.limiter.back_off(&host, retry_after);
            tracing::debug!(%url, status = response.status, ?wait, "target throttled us; backing off");
            attempt += 1;
        }
    }

    async fn wire(&self, req: &ProbeRequest, url: &Url) -> Result<Response, EngineError> {
        let total = self.inner.config.request_timeout.min(self.inner.budget.remaining());
        match tokio::time::timeout(total, self.wire_untimed(req, url)).await {
            Ok(r) => r,
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
            .map_err(|e| redact_error(&self.inner.redactor, EngineError::from_reqwest(&safe_url, &e)))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let (body, truncated) = body::read_capped(resp, self.inner.config.body_cap, &safe_url).await?;
        Ok(Response { status, headers, body, truncated, elapsed: started.elapsed() })
    }

    /// The headers as sent, the credential included.
    fn wire_headers(&self, req: &ProbeRequest) -> Vec<(String, String)> {
        let mut headers = req.headers.clone();
        match &req.auth {
            Auth::Anonymous => {}
            Auth::Identity(name) => {
                if let Some(id) = self.identity(name) {
                    headers.push(id.wire_header());
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
        self.inner.transcript.record(Exchange { seq: 0, check, request, response })
    }
}

fn redact_error(redactor: &Redactor, err: EngineError) -> EngineError {
    match err {
        EngineError::Connect { url, detail } => EngineError::Connect { url, detail: redactor.redact(&detail).into_owned() },
        EngineError::Tls { url, detail } => EngineError::Tls { url, detail: redactor.redact(&detail).into_owned() },
        EngineError::Protocol { url, detail } => EngineError::Protocol { url, detail: redactor.redact(&detail).into_owned() },
        other => other,
    }
}

/// Where a 3xx response points, resolved against the request URL.
fn redirect_target(url: &Url, response: &Response) -> Option<Url> {
    if !(300..400).contains(&response.status) {
        return None;
    }
    url.join(response.header("location")?).ok()
}

fn build_client(config: &EngineConfig) -> Result<reqwest::Client, EngineError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.read_timeout)
        .timeout(config.request_timeout)
        .pool_max_idle_per_host(config.per_host_concurrency.max(1))
        .danger_accept_invalid_certs(config.insecure_tls)
        .user_agent(config.user_agent.clone())
        .no_proxy()
        .build()
        .map_err(|e| EngineError::Protocol { url: String::new(), detail: format!("building the HTTP client: {e}") })
}

