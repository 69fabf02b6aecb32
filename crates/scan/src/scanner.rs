//! The scan: seed the transcript, learn the target, run the checks, build the report.

use crate::check::{Check, CheckCtx, CheckError, Phase, Profile};
use crate::engine::{Auth, Engine, EngineConfig, EngineError, Identity, ProbeRequest, Scope};
use crate::oast::{Reach, ReachOptions};
use crate::recon::templates::{Harvest, Template};
use crate::recon::{discovery, fingerprint, hidden_routes, Soft404, TargetInfo};
use futures::StreamExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::Notify;
use tollgate_core::{
    CheckId, Coverage, Finding, HttpMethod, Report, ReportError, SafetyClass, SkippedCheck,
    SkippedRoute, Target,
};
use url::Url;

/// Checks run at once.
const CHECK_CONCURRENCY: usize = 4;
/// Most routes discovery collects, the target included.
const MAX_ROUTES: usize = 40;
/// Link-following depth from the target.
const MAX_DEPTH: usize = 3;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub target: Url,
    pub extra_scope: Vec<Url>,
    /// The first identity is the primary one.
    pub identities: Vec<Identity>,
    pub profile: Profile,
    pub allow_intrusive: bool,
    pub engine: EngineConfig,
    /// The callback listener, the SSRF probe values and the host's service ports.
    pub reach: ReachOptions,
    /// The API's OpenAPI document (`--spec`); without one the scanner looks for the
    /// target's own (see [`crate::recon::spec::resolve`]).
    pub spec: Option<Arc<tollgate_spec::ApiModel>>,
}

impl ScanOptions {
    /// Options for scanning `target` with every default: no extra scope, no identity,
    /// the standard profile, read-only.
    pub fn new(target: Url) -> ScanOptions {
        ScanOptions {
            target,
            extra_scope: Vec::new(),
            identities: Vec::new(),
            profile: Profile::default(),
            allow_intrusive: false,
            engine: EngineConfig::default(),
            reach: ReachOptions::default(),
            spec: None,
        }
    }
}

/// Progress, for a progress bar.
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// The number of checks about to run.
    Planned(usize),
    CheckFinished {
        id: String,
        findings: usize,
    },
}

/// A callback receiving progress events.
pub type ProgressFn = Arc<dyn Fn(ProgressEvent) + Send + Sync>;

/// Why the scan could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("the target could not be scanned: {0}")]
    Unreachable(EngineError),
    #[error("{0}")]
    Setup(EngineError),
}

/// A token that stops a running scan: clone it, hand it to whoever may cancel, call
/// [`CancelToken::cancel`]. The scan stops promptly and returns the report of what it
/// finished, marked `cancelled`.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<CancelState>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: AtomicBool,
    notify: Notify,
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Stops the scan (idempotent).
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Resolves once [`CancelToken::cancel`] was called.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// One scan: build it from [`ScanOptions`], keep its [`CancelToken`] if the scan may be
/// stopped, then [`Scanner::run`] it. The redactor that keeps the identities' secrets
/// out of every output is built here, once, and shared by the engine and the caller.
pub struct Scanner {
    opts: ScanOptions,
    engine: Engine,
    checks: Vec<&'static dyn Check>,
    cancel: CancelToken,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("target", &self.opts.target.as_str())
            .field("checks", &self.checks.len())
            .finish_non_exhaustive()
    }
}

impl Scanner {
    /// Validates the options (scope, identities, engine limits) and prepares the engine.
    /// Sends nothing.
    pub fn new(opts: ScanOptions) -> Result<Scanner, ScanError> {
        // The target host's service ports are contacted only through the scope guard:
        // their exact origins join the scope here (none with `--no-host-ports`).
        let mut extra_scope = opts.extra_scope.clone();
        extra_scope.extend(opts.reach.host_origins(&opts.target));
        let scope = Scope::new(&opts.target, &extra_scope).map_err(ScanError::Setup)?;
        let engine = Engine::new(
            opts.engine.clone(),
            scope,
            opts.identities.clone(),
            opts.allow_intrusive,
        )
        .map_err(ScanError::Setup)?;
        Ok(Scanner {
            opts,
            engine,
            checks: crate::registry::all().to_vec(),
            cancel: CancelToken::new(),
        })
    }

    /// Runs only these checks instead of the whole registry.
    #[doc(hidden)]
    pub fn with_checks(mut self, checks: &[&'static dyn Check]) -> Scanner {
        self.checks = checks.to_vec();
        self
    }

    /// The token that cancels this scan.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// The redactor of the identities' secrets (`$TOKEN`), for any text the caller
    /// prints itself (error messages).
    pub fn redactor(&self) -> &tollgate_core::Redactor {
        self.engine.redactor()
    }

    /// The options the scan runs with.
    pub fn options(&self) -> &ScanOptions {
        &self.opts
    }

    /// Sets the API description to use (see `tollgate_spec`).
    pub fn set_spec(&mut self, spec: Arc<tollgate_spec::ApiModel>) {
        self.opts.spec = Some(spec);
    }

    /// Scans, reporting progress to `progress`. A cancelled scan returns the report of
    /// what finished (checks that did not finish are listed as skipped) with
    /// `cancelled: true`.
    pub async fn run(self, progress: ProgressFn) -> Result<Report, ScanError> {
        let Scanner {
            opts,
            engine,
            checks,
            cancel,
        } = self;
        let started = SystemTime::now();
        let clock = tokio::time::Instant::now();
        let seeded = tokio::select! {
            s = seed(&engine, &opts) => Some(s?),
            () = cancel.cancelled() => None,
        };
        let target = Arc::new(seeded.unwrap_or_else(|| unseeded(&engine, &opts)));
        let (active, passive, mut skipped) = plan(&checks, &opts);
        if cancel.is_cancelled() {
            skipped.extend(active.iter().chain(&passive).map(|c| cancelled_check(*c)));
            let extras = Extras {
                late_findings: Vec::new(),
                notes: vec![CANCELLED_NOTE.into()],
            };
            let mut report = build_report(
                &engine,
                &target,
                started,
                clock,
                Vec::new(),
                skipped,
                extras,
            );
            report.cancelled = true;
            return Ok(report);
        }
        let redactor = engine.redactor().clone();
        let reach = Arc::new(Reach::start(&opts.reach, &opts.target, redactor).await);
        progress(ProgressEvent::Planned(active.len() + passive.len()));
        let run = |checks| {
            run_checks(
                &engine,
                &target,
                &reach,
                checks,
                opts.profile,
                &progress,
                &cancel,
            )
        };
        let mut results = run(&active).await;
        // Late callbacks get a bounded grace period, spent alongside the analysis phase.
        let grace = async {
            tokio::select! {
                w = reach.wait_for_late_callbacks() => Some(w),
                () = cancel.cancelled() => None,
            }
        };
        let (analysed, waited) = tokio::join!(run(&passive), grace);
        results.extend(analysed);
        tracing::debug!(?waited, "waited for late callbacks");
        let cancelled = cancel.is_cancelled();
        let mut notes = reach.coverage_notes();
        if cancelled {
            let done: Vec<&CheckId> = results.iter().map(|(c, _, _)| &c.meta().id).collect();
            skipped.extend(
                active
                    .iter()
                    .chain(&passive)
                    .filter(|c| !done.contains(&&c.meta().id))
                    .map(|c| cancelled_check(*c)),
            );
            notes.push(CANCELLED_NOTE.into());
        }
        let extras = Extras {
            late_findings: reach.late_findings(engine.redactor()),
            notes,
        };
        let mut report = build_report(&engine, &target, started, clock, results, skipped, extras);
        report.cancelled = cancelled;
        Ok(report)
    }
}

const CANCELLED_NOTE: &str = "the scan was cancelled: the report holds what finished before that";

fn cancelled_check(check: &'static dyn Check) -> SkippedCheck {
    SkippedCheck {
        check_id: check.meta().id.clone(),
        reason: "the scan was cancelled".into(),
    }
}

/// What is known of the target when the scan was cancelled before learning it.
fn unseeded(engine: &Engine, opts: &ScanOptions) -> TargetInfo {
    TargetInfo {
        url: opts.target.clone(),
        technologies: Vec::new(),
        soft404: Soft404::default(),
        primary_identity: opts.identities.first().map(|i| i.name.clone()),
        identities: engine.identity_names(),
        routes: vec![opts.target.clone()],
        spec: None,
    }
}

/// Runs a scan with the given checks (normally [`crate::registry::all`]).
#[doc(hidden)]
pub async fn run_scan(
    opts: ScanOptions,
    checks: &[&'static dyn Check],
    progress: ProgressFn,
) -> Result<Report, ScanError> {
    Scanner::new(opts)?.with_checks(checks).run(progress).await
}

/// What the callback listener adds to the report.
struct Extras {
    /// Findings for callbacks that arrived after their check finished.
    late_findings: Vec<Finding>,
    notes: Vec<String>,
}

/// The scanner's own requests: the target itself (anonymous and as the primary
/// identity) and a path that cannot exist, for the soft-404 baseline.
async fn seed(engine: &Engine, opts: &ScanOptions) -> Result<TargetInfo, ScanError> {
    let root = ProbeRequest::get(opts.target.clone()).follow_redirects();
    engine.send(None, root.clone()).await.map_err(unreachable)?;
    // The target answers: login identities log in before any authenticated request.
    // A scan whose credentials do not work stops here with the identity, the endpoint
    // and the status (never the password).
    engine.log_in_all().await.map_err(ScanError::Setup)?;
    let primary = opts.identities.first().map(|i| i.name.clone());
    if let Some(name) = &primary {
        engine
            .send(None, root.auth(Auth::Identity(name.clone())))
            .await
            .map_err(unreachable)?;
    }
    let mut soft404 = Soft404::default();
    let path = Soft404::random_path();
    let url = opts
        .target
        .join(&path)
        .map_err(|_| ScanError::Setup(EngineError::InvalidUrl(path.clone())))?;
    if let Ok(ex) = engine.send(None, ProbeRequest::get(url)).await {
        soft404.learn(&path, &ex.response);
    }
    // The document is looked for before crawling too, so that the state-changing
    // route gate knows its operations (`operationId: resetDatabase` on a harmless-
    // looking path) before any link to one is followed. Looked for again after the
    // crawl, which may have found it linked (repeated requests are de-duplicated).
    if let Some(s) = crate::recon::spec::resolve(engine, &opts.target, opts.spec.as_ref()).await {
        engine
            .gate()
            .learn_spec(s.model.base_path(), &s.model.operations);
    }
    let routes = discover(engine, &opts.target, primary.as_deref()).await;
    let spec = crate::recon::spec::resolve(engine, &opts.target, opts.spec.as_ref()).await;
    if let Some(s) = &spec {
        engine
            .gate()
            .learn_spec(s.model.base_path(), &s.model.operations);
        crate::recon::spec::exercise(engine, &opts.target, s, primary.as_deref()).await;
    }
    Ok(TargetInfo {
        url: opts.target.clone(),
        technologies: fingerprint(&engine.transcript().snapshot()),
        soft404,
        primary_identity: primary,
        identities: engine.identity_names(),
        routes,
        spec: spec.map(Arc::new),
    })
}

/// Follows same-origin links from the target, breadth first, bounded in depth and
/// count. Each route is fetched anonymously and as the primary identity, so later
/// checks find both answers in the transcript.
///
/// On a Django target with `DEBUG = True` the soft-404 baseline already fetched the
/// technical 404 page, which lists every URL pattern: those routes join first.
///
/// Then, in order: in-scope redirect targets replace the routes that redirect to them
/// (a route that redirects to its canonical path is examined there); the hidden-route
/// wordlist is tried under the root and each API prefix (at most
/// [`hidden_routes::MAX_REQUESTS`] requests, soft-404 aware, at most
/// [`hidden_routes::MAX_HITS`] routes); templated routes (debug listing, HAL templated
/// links) are filled with identifiers harvested from the listings fetched so far (at
/// most [`MAX_TEMPLATES`] templates, [`FILLS_PER_TEMPLATE`] routes each).
async fn discover(engine: &Engine, target: &Url, primary: Option<&str>) -> Vec<Url> {
    let mut routes = vec![target.clone()];
    let mut frontier = vec![target.clone()];
    let mut templates: Vec<Template> = Vec::new();
    let mut note_templates = |found: Vec<Template>| {
        for t in found {
            if t.has_params() && !templates.contains(&t) {
                templates.push(t);
            }
        }
    };
    let snapshot = engine.transcript().snapshot();
    let listed: Vec<Url> = snapshot
        .iter()
        .flat_map(|ex| discovery::django_debug_routes(ex))
        .collect();
    note_templates(
        snapshot
            .iter()
            .flat_map(|ex| discovery::django_debug_templates(ex))
            .collect(),
    );
    add_routes(engine, &mut routes, &mut frontier, listed, MAX_ROUTES);
    for depth in 0..=MAX_DEPTH {
        let fetched =
            futures::future::join_all(frontier.iter().map(|u| fetch_both(engine, u, primary)))
                .await;
        let asked = std::mem::take(&mut frontier);
        // Redirect targets: the canonical route replaces the one that redirected.
        for (url, exs) in asked.iter().zip(&fetched) {
            let finals: Vec<Url> = exs
                .iter()
                .map(|ex| ex.request.url.clone())
                .filter(|f| f != url)
                .collect();
            let mut none = Vec::new();
            add_routes(engine, &mut routes, &mut none, finals, MAX_ALL_ROUTES);
            let all_moved = !exs.is_empty() && exs.iter().all(|ex| &ex.request.url != url);
            if all_moved && url != target {
                routes.retain(|r| r != url);
            }
        }
        if depth == MAX_DEPTH {
            break;
        }
        let mut found = Vec::new();
        for ex in fetched.iter().flatten() {
            // HTML links to state-changing paths are never followed, in any profile
            // (a crawler that follows `/logout` ends its own session); INV-008 reports
            // them from this record.
            for link in discovery::state_changing_links(ex) {
                if let Some(hit) = engine
                    .scope()
                    .allows(&link)
                    .then(|| engine.gate().refusal(HttpMethod::Get, &link))
                    .flatten()
                {
                    engine
                        .gate()
                        .record(HttpMethod::Get, &link, hit, "discovery");
                }
            }
            found.extend(discovery::links(ex));
            found.extend(discovery::django_debug_routes(ex));
            note_templates(discovery::templates(ex));
            note_templates(discovery::django_debug_templates(ex));
        }
        add_routes(engine, &mut routes, &mut frontier, found, MAX_ROUTES);
    }
    let hits = hidden(engine, target, &routes).await;
    let mut hit_frontier = Vec::new();
    add_routes(engine, &mut routes, &mut hit_frontier, hits, MAX_ALL_ROUTES);
    futures::future::join_all(hit_frontier.iter().map(|u| fetch_both(engine, u, primary))).await;
    let mut harvest = Harvest::default();
    for ex in engine.transcript().snapshot().iter() {
        harvest.learn(ex);
    }
    let filled: Vec<Url> = templates
        .iter()
        .take(MAX_TEMPLATES)
        .flat_map(|t| harvest.fill(t, FILLS_PER_TEMPLATE))
        .collect();
    let mut filled_frontier = Vec::new();
    add_routes(
        engine,
        &mut routes,
        &mut filled_frontier,
        filled,
        MAX_ALL_ROUTES,
    );
    futures::future::join_all(
        filled_frontier
            .iter()
            .map(|u| fetch_both(engine, u, primary)),
    )
    .await;
    routes
}

/// Templated routes filled with harvested identifiers, at most.
const MAX_TEMPLATES: usize = 10;
/// Concrete routes per template, at most.
const FILLS_PER_TEMPLATE: usize = 2;
/// Most routes in all: crawled ones (`MAX_ROUTES`) plus redirect targets, wordlist
/// hits and filled templates.
const MAX_ALL_ROUTES: usize = MAX_ROUTES + hidden_routes::MAX_HITS + 12;
/// Wordlist probes in flight at once (the engine's per-host limit applies too).
const WORDLIST_CONCURRENCY: usize = 4;

/// The hidden-route wordlist: the routes it finds (the answers' final URLs after
/// in-scope redirects), in wordlist order.
async fn hidden(engine: &Engine, target: &Url, routes: &[Url]) -> Vec<Url> {
    let prefixes = hidden_routes::prefixes(target, routes);
    let mut baselines = Vec::new();
    for p in &prefixes {
        let path = format!("{p}{}", Soft404::random_path().trim_start_matches('/'));
        let mut baseline = Soft404::default();
        if let Ok(url) = target.join(&path) {
            if let Ok(ex) = engine
                .send(None, ProbeRequest::get(url).follow_redirects())
                .await
            {
                baseline.learn(&path, &ex.response);
            }
        }
        baselines.push(baseline);
    }
    let probes: Vec<(usize, Url)> = hidden_routes::plan(&prefixes)
        .into_iter()
        .filter_map(|(i, path)| Some((i, target.join(&path).ok()?)))
        .filter(|(_, u)| engine.scope().allows(u) && !routes.contains(u))
        .collect();
    let answers: Vec<Option<Url>> = futures::stream::iter(probes)
        .map(|(i, url)| {
            let baseline = &baselines[i];
            async move {
                let ex = engine
                    .send(None, ProbeRequest::get(url.clone()).follow_redirects())
                    .await
                    .ok()?;
                hidden_routes::found(baseline, url.path(), &ex.response)
                    .then(|| ex.request.url.clone())
            }
        })
        .buffered(WORDLIST_CONCURRENCY)
        .collect()
        .await;
    let mut hits: Vec<Url> = Vec::new();
    for u in answers.into_iter().flatten() {
        if hits.len() < hidden_routes::MAX_HITS && !hits.contains(&u) {
            hits.push(u);
        }
    }
    hits
}

/// Adds in-scope routes not seen yet, up to `cap` routes in all, to the routes and the
/// frontier.
fn add_routes(
    engine: &Engine,
    routes: &mut Vec<Url>,
    frontier: &mut Vec<Url>,
    found: impl IntoIterator<Item = Url>,
    cap: usize,
) {
    for link in found {
        if routes.len() >= cap {
            break;
        }
        if !engine.scope().allows(&link) || routes.contains(&link) {
            continue;
        }
        // A route the API document names as state-changing is recorded, not followed
        // (read-only profile).
        if let Some(hit) = engine.state_changing(HttpMethod::Get, &link) {
            engine.gate().record(HttpMethod::Get, &link, hit, "crawl");
            continue;
        }
        routes.push(link.clone());
        frontier.push(link);
    }
}

async fn fetch_both(
    engine: &Engine,
    url: &Url,
    primary: Option<&str>,
) -> Vec<Arc<crate::engine::Exchange>> {
    let req = ProbeRequest::get(url.clone()).follow_redirects();
    let mut out = Vec::new();
    let authed = primary.map(|p| req.clone().auth(Auth::Identity(p.to_string())));
    for r in std::iter::once(req).chain(authed) {
        match engine.send(None, r).await {
            Ok(ex) => out.push(ex),
            Err(e) => tracing::debug!(%url, error = %e, "discovery request failed"),
        }
    }
    out
}

fn unreachable(e: EngineError) -> ScanError {
    if e.is_transport() {
        ScanError::Unreachable(e)
    } else {
        ScanError::Setup(e)
    }
}

type Plan = (
    Vec<&'static dyn Check>,
    Vec<&'static dyn Check>,
    Vec<SkippedCheck>,
);

/// Splits the checks into the active and analysis phases and records what will not run.
fn plan(checks: &[&'static dyn Check], opts: &ScanOptions) -> Plan {
    let (mut active, mut passive, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for &check in checks {
        let meta = check.meta();
        let reason = if meta.safety == SafetyClass::Intrusive && !opts.allow_intrusive {
            Some("intrusive; run with --allow intrusive".to_string())
        } else if check.min_profile() > opts.profile {
            Some(format!(
                "runs from the `{}` profile up",
                check.min_profile().as_str()
            ))
        } else {
            None
        };
        match (reason, check.phase()) {
            (Some(reason), _) => skipped.push(SkippedCheck {
                check_id: meta.id.clone(),
                reason,
            }),
            (None, Phase::Analysis) => passive.push(check),
            (None, Phase::Active) => active.push(check),
        }
    }
    (active, passive, skipped)
}

/// A check, what it returned, and the requests it made.
type CheckResult = (&'static dyn Check, Result<Vec<Finding>, CheckError>, u32);

async fn run_checks(
    engine: &Engine,
    target: &Arc<TargetInfo>,
    reach: &Arc<Reach>,
    checks: &[&'static dyn Check],
    profile: Profile,
    progress: &ProgressFn,
    cancel: &CancelToken,
) -> Vec<CheckResult> {
    if cancel.is_cancelled() {
        return Vec::new();
    }
    // The checks' futures are built before the stream (owned, boxed, each building its
    // context when first polled), so that no closure is part of the scan's future type:
    // that keeps the future provably `Send` for embedders that spawn it (the server).
    let tasks: Vec<futures::future::BoxFuture<'static, CheckResult>> = checks
        .iter()
        .map(|&check| {
            let (engine, target, reach) = (engine.clone(), Arc::clone(target), Arc::clone(reach));
            let progress = Arc::clone(progress);
            futures::FutureExt::boxed(async move {
                let ctx = CheckCtx::new(engine, check.meta(), target, profile).with_reach(reach);
                let result = check.run(&ctx).await;
                let findings = result.as_ref().map_or(0, Vec::len);
                progress(ProgressEvent::CheckFinished {
                    id: check.meta().id.to_string(),
                    findings,
                });
                (check, result, ctx.requests_made())
            })
        })
        .collect();
    futures::stream::iter(tasks)
        .buffer_unordered(CHECK_CONCURRENCY)
        .take_until(cancel.cancelled())
        .collect()
        .await
}

fn build_report(
    engine: &Engine,
    target: &TargetInfo,
    started: SystemTime,
    clock: tokio::time::Instant,
    results: Vec<CheckResult>,
    mut skipped: Vec<SkippedCheck>,
    extras: Extras,
) -> Report {
    let mut findings = extras.late_findings;
    let mut errors = Vec::new();
    let mut run = Vec::new();
    let mut requests_by_check = std::collections::BTreeMap::new();
    for (check, result, requests) in results {
        let id = check.meta().id.clone();
        if requests > 0 {
            requests_by_check.insert(id.clone(), requests);
        }
        match result {
            Ok(f) => {
                findings.extend(f);
                run.push(id);
            }
            Err(CheckError::Skipped(reason)) => skipped.push(SkippedCheck {
                check_id: id,
                reason,
            }),
            Err(CheckError::Engine(e)) => {
                run.push(id.clone());
                errors.push(ReportError {
                    check_id: Some(id),
                    url: None,
                    message: engine.redactor().redact(&e.to_string()).into_owned(),
                });
            }
        }
    }
    run.sort();
    skipped.sort_by(|a, b| a.check_id.cmp(&b.check_id));
    let stats = engine.stats();
    let (gated, dropped_routes) = engine.gate().skipped();
    let routes_skipped = gated
        .into_iter()
        .map(|r| SkippedRoute {
            method: r.method.to_string(),
            url: engine.redactor().redact(&r.url).into_owned(),
            reason: r.hit.reason(),
        })
        .collect();
    let coverage = Coverage {
        checks_run: run,
        checks_skipped: skipped,
        requests_sent: stats.sent,
        requests_deduplicated: stats.deduplicated,
        budget_exhausted: stats.budget_exhausted,
        notes: coverage_notes(target, stats.budget_exhausted)
            .into_iter()
            .chain(extras.notes)
            .chain(skipped_routes_note(dropped_routes))
            .collect(),
        routes_skipped,
        requests_by_check,
    };
    let t = Target {
        url: engine.redactor().redact(target.url.as_str()).into_owned(),
        technologies: target.technologies.clone(),
    };
    let duration = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    // One finding per root cause (see `grouping`), then masked.
    let findings = crate::grouping::group(findings)
        .into_iter()
        .map(crate::mask::finding)
        .collect();
    Report::new(
        t,
        humantime::format_rfc3339_seconds(started).to_string(),
        duration,
        findings,
        errors,
        coverage,
    )
}

fn skipped_routes_note(dropped: u64) -> Option<String> {
    (dropped > 0).then(|| {
        format!("{dropped} more requests to state-changing routes were not sent (not listed)")
    })
}

fn coverage_notes(target: &TargetInfo, exhausted: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if target.primary_identity.is_none() {
        notes.push("no identity configured: authenticated checks ran anonymously or were skipped (pass --token-file or set TOLLGATE_TOKEN)".into());
    }
    if target.soft404.is_catch_all() {
        notes.push("the target answers unknown paths with a success status; existence checks compared bodies against that baseline".into());
    }
    if exhausted {
        notes.push("the request or time budget ran out before every check finished; raise --max-requests or --max-time".into());
    }
    notes
}
