//! The check trait and the context a check runs in.

use crate::engine::{Auth, Engine, EngineError, Exchange, ProbeRequest};
use crate::oast::Reach;
use crate::recon::TargetInfo;
use async_trait::async_trait;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tollgate_core::{CheckMeta, Finding, HttpMethod, Location, Redactor};
use url::Url;

/// Why a check produced no result.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CheckError {
    /// The check could not run here; goes to the report's coverage notes.
    #[error("skipped: {0}")]
    Skipped(String),
    /// A request failed; goes to the report's errors.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Scan depth. Checks declare the lowest profile they run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Profile {
    /// Passive checks and a handful of cheap probes.
    Quick,
    /// Every safe check with moderate wordlists.
    #[default]
    Standard,
    /// Larger wordlists and more variants.
    Deep,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Standard => "standard",
            Profile::Deep => "deep",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "quick" => Ok(Profile::Quick),
            "standard" => Ok(Profile::Standard),
            "deep" => Ok(Profile::Deep),
            other => Err(format!(
                "unknown profile `{other}`: expected quick, standard or deep"
            )),
        }
    }
}

/// When a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// With the other probing checks, concurrently.
    Active,
    /// After every active check, over the complete transcript.
    Analysis,
}

/// One check. Each lives in its own file under `checks/<category>/` and is listed once
/// in `checks/registry.rs`.
#[async_trait]
pub trait Check: Send + Sync {
    /// Stable metadata, including the docs.
    fn meta(&self) -> &'static CheckMeta;

    /// The lowest profile this check runs in.
    fn min_profile(&self) -> Profile {
        Profile::Quick
    }

    /// When the check runs: passive checks default to the analysis phase.
    fn phase(&self) -> Phase {
        if self.meta().safety == tollgate_core::SafetyClass::Passive {
            Phase::Analysis
        } else {
            Phase::Active
        }
    }

    /// Runs the check. Passive checks read `ctx.transcript()` and send nothing.
    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError>;
}

/// What a check sees: the target, and an engine handle that enforces the check's
/// declared methods and request budget.
pub struct CheckCtx {
    engine: Engine,
    meta: &'static CheckMeta,
    target: Arc<TargetInfo>,
    profile: Profile,
    sent: AtomicU32,
    reach: Arc<Reach>,
}

impl CheckCtx {
    pub fn new(
        engine: Engine,
        meta: &'static CheckMeta,
        target: Arc<TargetInfo>,
        profile: Profile,
    ) -> Self {
        CheckCtx {
            engine,
            meta,
            target,
            profile,
            sent: AtomicU32::new(0),
            reach: Arc::default(),
        }
    }

    /// The same context with the scan's callback listener, internal targets and host
    /// services (see [`crate::oast`]); without it a check sees none of them.
    pub fn with_reach(mut self, reach: Arc<Reach>) -> Self {
        self.reach = reach;
        self
    }

    /// What the check may reach beyond the target's origin.
    pub fn reach(&self) -> &Reach {
        &self.reach
    }

    pub fn meta(&self) -> &'static CheckMeta {
        self.meta
    }

    pub fn target(&self) -> &TargetInfo {
        &self.target
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Requests this check has made so far (de-duplicated ones included).
    pub fn requests_made(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Sends a probe if the check declared its method and has budget left.
    pub async fn send(&self, req: ProbeRequest) -> Result<Arc<Exchange>, CheckError> {
        if !self.meta.methods.contains(&req.method) {
            return Err(EngineError::MethodNotDeclared {
                check: self.meta.id.clone(),
                method: req.method,
            }
            .into());
        }
        let prev = self.sent.fetch_add(1, Ordering::Relaxed);
        if prev >= self.meta.budget {
            return Err(EngineError::CheckBudgetExceeded {
                check: self.meta.id.clone(),
                budget: self.meta.budget,
            }
            .into());
        }
        Ok(self.engine.send(Some(&self.meta.id), req).await?)
    }

    /// GET a URL anonymously.
    pub async fn get(&self, url: Url) -> Result<Arc<Exchange>, CheckError> {
        self.send(ProbeRequest::get(url)).await
    }

    /// GET a URL with the primary identity, if one is configured.
    pub async fn get_as_primary(&self, url: Url) -> Result<Option<Arc<Exchange>>, CheckError> {
        match &self.target.primary_identity {
            Some(name) => Ok(Some(
                self.send(ProbeRequest::get(url).auth(Auth::Identity(name.clone())))
                    .await?,
            )),
            None => Ok(None),
        }
    }

    /// The named identity's credential parsed as a JWT, if it is one. The JWT checks
    /// decode, crack and re-sign it; the token it holds is a credential (its `Debug`
    /// hides it, evidence redaction covers it and its segments), so send forgeries as
    /// [`Auth::Custom`] and never put [`crate::jwt::Token::expose`] in a finding.
    pub fn identity_jwt(&self, name: &str) -> Option<crate::jwt::Token> {
        let secret = self.engine.identity_secret(name)?;
        crate::jwt::Token::parse(secret.expose()).ok()
    }

    /// Whether `username` is the account of one of the scan's login identities: a
    /// check that sends failed logins must not lock it out.
    pub fn is_login_username(&self, username: &str) -> bool {
        self.engine.is_login_username(username)
    }

    /// The target URL with `path` resolved against it.
    pub fn url(&self, path: &str) -> Url {
        self.target
            .url
            .join(path)
            .unwrap_or_else(|_| self.target.url.clone())
    }

    /// Every exchange recorded so far: the scanner's own requests (discovery, the
    /// spec's operations) first, then by URL, method, identity and check, the
    /// transcript's order among equals. Not in arrival order: requests run
    /// concurrently, so that order changes from one scan to the next, and a check that
    /// reports its first match would report it at another location each time.
    pub fn transcript(&self) -> Vec<Arc<Exchange>> {
        let mut all = self.engine.transcript().snapshot();
        all.sort_by_cached_key(|e| {
            (
                e.check.is_some(),
                e.request.url.as_str().to_owned(),
                e.request.method,
                e.request.identity.clone(),
                e.check.clone(),
            )
        });
        all
    }

    pub fn redactor(&self) -> &Redactor {
        self.engine.redactor()
    }

    /// Whether the URL is one tollgate may contact (passive checks use this to stay on
    /// the target's own responses).
    pub fn in_scope(&self, url: &Url) -> bool {
        self.engine.scope().allows(url)
    }

    /// A finding of this check at the exchange's location, with its redacted evidence
    /// and a curl reproducer.
    pub fn finding(
        &self,
        exchange: &Exchange,
        title: impl Into<String>,
        highlight: Option<&str>,
    ) -> Finding {
        let location = Location::http(
            exchange.request.method.as_str(),
            self.redactor().redact(exchange.request.url.as_str()),
        );
        Finding::new(self.meta, location, title)
            .with_exchange(exchange.evidence(self.redactor(), highlight))
            .with_curl(exchange.curl(self.redactor()))
    }

    /// Requests the read-only profile refused so far because the route's name says it
    /// changes state (see [`crate::engine::safety`]), with who asked.
    pub fn refused_routes(&self) -> Vec<crate::engine::safety::SkippedRoute> {
        self.engine.gate().skipped().0
    }

    /// Whether this check may send the method at all (used by tests and the harness).
    pub fn declares(&self, method: HttpMethod) -> bool {
        self.meta.methods.contains(&method)
    }
}
