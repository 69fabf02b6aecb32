//! The job queue: scans are jobs in the `scans` table, taken by workers under a lease.
//!
//! A worker claims the oldest queued scan (or one whose lease expired: its worker
//! died) and holds it with a heartbeat that extends `locked_until` and records
//! progress. The heartbeat also carries cancellation: it reads `cancel_requested` and
//! cancels the scan's [`CancelToken`]. A worker that finds it lost its lease stops and
//! stores nothing; results are stored once, by [`Store::finish`], only under the lease
//! (see docs/architecture.md for why this is a table and not a job framework).

use crate::guard::Guard;
use crate::store::{Outcome, ScanRow, Store, TargetRow};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tollgate_scan::engine::EngineConfig;
use tollgate_scan::{CancelToken, ProgressEvent, ScanOptions, Scanner};
use url::Url;

/// How workers run.
#[derive(Debug, Clone)]
pub struct JobConfig {
    pub workers: usize,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    pub heartbeat: Duration,
    /// How often an idle worker looks for work (a new scan on this server wakes it at once).
    pub poll: Duration,
    pub guard: Guard,
    /// The engine limits every scan runs with; the guard is added to them.
    pub engine: EngineConfig,
    /// Decrypts the targets' identities; `None`: targets with identities fail to scan.
    pub secret_key: Option<crate::vault::SecretKey>,
    /// After shutdown is asked for, how long running scans may take to finish and
    /// store their results before they go back to the queue.
    pub drain: Duration,
}

impl JobConfig {
    pub fn new(workers: usize, guard: Guard) -> JobConfig {
        JobConfig {
            workers,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(2),
            poll: Duration::from_secs(1),
            guard,
            engine: EngineConfig::default(),
            secret_key: None,
            drain: Duration::from_secs(30),
        }
    }

    /// Sets the lease and the heartbeat that goes with it (lease/15, at least 200 ms).
    pub fn set_lease(&mut self, lease: Duration) {
        self.lease = lease;
        self.heartbeat = crate::ops::heartbeat_for(lease);
    }
}

/// What the workers share.
#[derive(Debug)]
pub struct Jobs {
    store: Store,
    config: JobConfig,
    wake: Notify,
    shutdown: CancelToken,
    /// Cancelled to end the drain early (a second SIGINT or SIGTERM).
    drain_now: CancelToken,
}

impl Jobs {
    pub fn new(store: Store, config: JobConfig, shutdown: CancelToken) -> Arc<Jobs> {
        Arc::new(Jobs {
            store,
            config,
            wake: Notify::new(),
            shutdown,
            drain_now: CancelToken::new(),
        })
    }

    /// Wakes an idle worker (a scan was queued).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts the workers; each ends when the shutdown token is cancelled.
    pub fn spawn(self: &Arc<Self>, name_prefix: &str) -> Vec<tokio::task::JoinHandle<()>> {
        (0..self.config.workers)
            .map(|i| {
                let jobs = Arc::clone(self);
                let name = format!("{name_prefix}-{i}-{}", crate::store::new_id("w"));
                tokio::spawn(async move { jobs.worker(name).await })
            })
            .collect()
    }

    async fn worker(self: Arc<Self>, name: String) {
        tracing::info!(worker = %name, "worker started");
        while !self.shutdown.is_cancelled() {
            if let Err(e) = self.store.reap().await {
                tracing::warn!(error = %e, "reaping abandoned scans failed");
            }
            match self.store.claim(&name, self.config.lease).await {
                Ok(Some(scan)) => {
                    // Another idle worker may find the next job sooner.
                    self.wake.notify_one();
                    self.run(&name, scan).await;
                }
                Ok(None) => {
                    tokio::select! {
                        () = tokio::time::sleep(self.config.poll) => {}
                        () = self.wake.notified() => {}
                        () = self.shutdown.cancelled() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a scan failed");
                    tokio::select! {
                        () = tokio::time::sleep(self.config.poll) => {}
                        () = self.shutdown.cancelled() => {}
                    }
                }
            }
        }
        tracing::info!(worker = %name, "worker stopped");
    }

    /// Runs one claimed scan to its stored outcome.
    async fn run(&self, worker: &str, scan: ScanRow) {
        let started = Instant::now();
        let target = match self.store.target(&scan.target_id).await {
            Ok(Some(t)) => t,
            Ok(None) => {
                self.finish(
                    worker,
                    &scan.id,
                    Outcome::Failed("the target was not found".into()),
                    started,
                )
                .await;
                return;
            }
            Err(e) => {
                tracing::warn!(scan = %scan.id, error = %e, "loading the target failed; the lease will expire");
                return;
            }
        };
        let (mut opts, spec_url) = match scan_options(&target, &self.config) {
            Ok(o) => o,
            Err(why) => {
                self.finish(worker, &scan.id, Outcome::Failed(why), started)
                    .await;
                return;
            }
        };
        match self.identities(&target, &opts.target).await {
            Ok(Some(ids)) => opts.identities = ids,
            Ok(None) => {}
            Err(why) => {
                self.finish(worker, &scan.id, Outcome::Failed(why), started)
                    .await;
                return;
            }
        }
        let mut scanner = match Scanner::new(opts) {
            Ok(s) => s,
            Err(e) => {
                self.finish(worker, &scan.id, Outcome::Failed(e.to_string()), started)
                    .await;
                return;
            }
        };
        let redactor = scanner.redactor().clone();
        if let Some(url) = spec_url {
            match tollgate_scan::fetch_spec(scanner.options(), url).await {
                Ok(model) => scanner.set_spec(Arc::new(model)),
                Err(e) => {
                    let why = format!("the API description could not be loaded: {e}");
                    self.finish(
                        worker,
                        &scan.id,
                        Outcome::Failed(redactor.redact(&why).into_owned()),
                        started,
                    )
                    .await;
                    return;
                }
            }
        }
        let cancel = scanner.cancel_token();
        let done = Arc::new(AtomicI64::new(0));
        let total = Arc::new(AtomicI64::new(0));
        let (done_at_end, total_at_end) = (Arc::clone(&done), Arc::clone(&total));
        let progress = {
            let (done, total) = (Arc::clone(&done), Arc::clone(&total));
            Arc::new(move |event: ProgressEvent| match event {
                ProgressEvent::Planned(n) => {
                    total.store(i64::try_from(n).unwrap_or(i64::MAX), Ordering::Relaxed);
                }
                ProgressEvent::CheckFinished { .. } => {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let lost = Arc::new(AtomicBool::new(false));
        let stop_beat = CancelToken::new();
        let beat = {
            let store = self.store.clone();
            let (scan_id, worker) = (scan.id.clone(), worker.to_string());
            let (lease, every) = (self.config.lease, self.config.heartbeat);
            let (cancel, lost, stop) = (cancel.clone(), Arc::clone(&lost), stop_beat.clone());
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(every) => {}
                        () = stop.cancelled() => return,
                    }
                    let d = done.load(Ordering::Relaxed);
                    let t = total.load(Ordering::Relaxed);
                    match store.heartbeat(&scan_id, &worker, lease, d, t).await {
                        Ok(Some(true)) => cancel.cancel(),
                        Ok(Some(false)) => {}
                        Ok(None) => {
                            tracing::warn!(scan = %scan_id, "lease lost; stopping without storing a result");
                            lost.store(true, Ordering::SeqCst);
                            cancel.cancel();
                            return;
                        }
                        Err(e) => tracing::warn!(scan = %scan_id, error = %e, "heartbeat failed"),
                    }
                }
            })
        };
        tracing::info!(
            scan = %scan.id,
            target = %redactor.redact(&target.url),
            worker = %worker,
            attempt = scan.attempts,
            state = "running",
            queue_ms = scan.started_at.unwrap_or(scan.created_at).saturating_sub(scan.created_at),
            "scan started"
        );
        let result = tokio::select! {
            r = scanner.run(progress) => Some(r),
            () = self.drained() => None,
        };
        stop_beat.cancel();
        let _ = beat.await;
        let Some(result) = result else {
            // The drain timeout passed: the scan goes back to the queue for the next worker.
            match self.store.release(&scan.id, worker).await {
                Ok(_) => tracing::info!(
                    scan = %scan.id,
                    worker = %worker,
                    state = "queued",
                    duration_ms = crate::ops::duration_ms(started.elapsed()),
                    "scan released: the drain timeout passed"
                ),
                Err(e) => {
                    tracing::warn!(scan = %scan.id, worker = %worker, error = %e, "releasing the scan failed; its lease will expire")
                }
            }
            return;
        };
        if lost.load(Ordering::SeqCst) {
            return;
        }
        let outcome = match result {
            Ok(report) => Outcome::Report {
                cancelled: report.cancelled,
                report: Box::new(report),
            },
            Err(e) => Outcome::Failed(redactor.redact(&e.to_string()).into_owned()),
        };
        let progress = (
            done_at_end.load(Ordering::Relaxed),
            total_at_end.load(Ordering::Relaxed),
        );
        self.finish_with(worker, &scan.id, outcome, progress, started)
            .await;
    }

    /// The target's identities, decrypted (`None`: it has none).
    async fn identities(
        &self,
        target: &TargetRow,
        url: &Url,
    ) -> Result<Option<Vec<tollgate_scan::engine::Identity>>, String> {
        let sealed = self
            .store
            .identities(&target.id)
            .await
            .map_err(|e| format!("loading the target's identities failed: {e}"))?;
        sealed
            .map(|s| crate::identities::open(self.config.secret_key.as_ref(), &target.id, url, &s))
            .transpose()
    }

    /// Resolves when a shutdown was asked for and the drain timeout has passed since
    /// (or the drain was ended early).
    async fn drained(&self) {
        self.shutdown.cancelled().await;
        tokio::select! {
            () = tokio::time::sleep(self.config.drain) => {}
            () = self.drain_now.cancelled() => {}
        }
    }

    /// Ends the drain now: scans still running go back to the queue at once.
    pub fn end_drain(&self) {
        self.drain_now.cancel();
    }

    async fn finish(&self, worker: &str, scan_id: &str, outcome: Outcome, started: Instant) {
        self.finish_with(worker, scan_id, outcome, (0, 0), started)
            .await;
    }

    async fn finish_with(
        &self,
        worker: &str,
        scan_id: &str,
        outcome: Outcome,
        progress: (i64, i64),
        started: Instant,
    ) {
        match self.store.finish(scan_id, worker, &outcome, progress).await {
            Ok(true) => {
                tracing::info!(
                    scan = %scan_id,
                    worker = %worker,
                    state = outcome.state(),
                    duration_ms = crate::ops::duration_ms(started.elapsed()),
                    "scan finished"
                );
                crate::webhooks::queue_scan_events(&self.store, scan_id, &outcome).await;
            }
            Ok(false) => {
                tracing::warn!(scan = %scan_id, "the scan is no longer this worker's; nothing stored");
            }
            Err(e) => tracing::warn!(scan = %scan_id, error = %e, "storing the result failed"),
        }
    }
}

/// The scan's options: the target's settings, the server's engine limits, the guard.
fn scan_options(t: &TargetRow, config: &JobConfig) -> Result<(ScanOptions, Option<Url>), String> {
    let url = Url::parse(&t.url).map_err(|e| format!("the target URL is invalid: {e}"))?;
    config.guard.vet_url(&url)?;
    let spec_url = match &t.spec_url {
        Some(s) => {
            let u = Url::parse(s).map_err(|e| format!("the spec URL is invalid: {e}"))?;
            config.guard.vet_url(&u)?;
            Some(u)
        }
        None => None,
    };
    let mut opts = ScanOptions::new(url);
    opts.profile = t.profile.parse()?;
    opts.allow_intrusive = t.allow_intrusive;
    opts.engine = EngineConfig {
        destinations: Some(config.guard.clone().policy()),
        ..config.engine.clone()
    };
    if let Some(s) = &spec_url {
        opts.extra_scope.push(s.clone());
    }
    Ok((opts, spec_url))
}
