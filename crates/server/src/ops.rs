//! Operations: `tollgate worker` (workers without an HTTP listener, on the server's
//! database), the queue flags `serve` and `worker` share (lease, drain timeout), the
//! log format, the request log, and the first-admin-key banner.

use crate::guard::{Allow, Guard};
use crate::jobs::{JobConfig, Jobs};
use crate::store::Store;
use crate::Database;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tollgate_scan::CancelToken;

/// The shortest heartbeat: renewing a lease more often only loads the database.
const MIN_HEARTBEAT: Duration = Duration::from_millis(200);

/// How log lines are written to stderr. (The variants carry no doc comments: clap
/// would show them in a long list and switch every command's help to its long form.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    // Human-readable lines.
    #[default]
    Text,
    // One JSON object per line (for log shippers): `timestamp`, `level`, `message`
    // and the event's fields at the top level.
    Json,
}

/// Job-queue flags `tollgate serve` and `tollgate worker` share.
#[derive(Debug, Clone, clap::Args)]
pub struct QueueArgs {
    /// How long a worker's claim on a scan holds without a heartbeat. A worker that
    /// dies (crash, SIGKILL, lost machine) has its scan taken by another worker this
    /// long after its last heartbeat. Heartbeats are sent every lease/15 (at least
    /// every 200 ms).
    #[arg(long, env = "TOLLGATE_LEASE", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lease: u64,

    /// On SIGTERM or SIGINT, how long running scans may take to finish and store
    /// their results; those still running then go back to the queue.
    #[arg(long, env = "TOLLGATE_DRAIN_TIMEOUT", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=86400))]
    pub drain_timeout: u64,
}

impl QueueArgs {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease)
    }

    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.drain_timeout)
    }
}

/// The heartbeat for a lease: often enough that a few missed beats (a slow database)
/// do not lose the lease, rarely enough not to load the database.
pub fn heartbeat_for(lease: Duration) -> Duration {
    (lease / 15).max(MIN_HEARTBEAT)
}

/// `tollgate worker`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// The server's PostgreSQL database, e.g. postgres://tollgate@db.internal/tollgate
    /// (sqlite://PATH works too). `tollgate serve` must have created it.
    #[arg(
        long,
        env = "TOLLGATE_DATABASE_URL",
        value_name = "URL",
        conflicts_with = "data_dir",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// The server's data directory (SQLite), for workers on the server's machine.
    #[arg(long, env = "TOLLGATE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Scans run at once by this process.
    #[arg(long, env = "TOLLGATE_WORKERS", value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: u16,

    /// Let scans reach an internal range or host that the SSRF guard refuses by
    /// default: a CIDR (10.0.0.0/8), an address (127.0.0.1) or a host name. Repeat for
    /// more. Give workers the same list as the server.
    #[arg(long = "allow-target", value_name = "CIDR|HOST")]
    pub allow_target: Vec<Allow>,

    /// Scan only what --allow-target names (as `tollgate serve --only-allowed-targets`;
    /// give workers the same setting as the server).
    #[arg(long, env = "TOLLGATE_ONLY_ALLOWED_TARGETS")]
    pub only_allowed_targets: bool,

    #[command(flatten)]
    pub queue: QueueArgs,

    /// The server's secret key: needed to scan targets that have identities.
    #[command(flatten)]
    pub secret_key: crate::vault::SecretKeyArgs,
}

impl WorkerArgs {
    /// The database the flags name; a worker has no default (it must share the
    /// server's database, and a fresh one of its own would never see a scan).
    pub fn database(&self) -> anyhow::Result<Database> {
        if let Some(url) = &self.database_url {
            return Ok(Database::Url(url.clone()));
        }
        if let Some(dir) = &self.data_dir {
            return Ok(Database::DataDir(dir.clone()));
        }
        anyhow::bail!(
            "no database: pass --database-url postgres://… (the server's database) or \
             --data-dir DIR (the server's data directory on this machine)"
        )
    }
}

/// A running `tollgate worker`.
#[derive(Debug)]
pub struct WorkerProcess {
    pub store: Store,
    shutdown: CancelToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    jobs: Arc<Jobs>,
}

impl WorkerProcess {
    /// Stops taking jobs and waits for the running scans: they finish within the
    /// drain timeout or go back to the queue.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
        self.store.close().await;
    }
}

/// What [`start_worker`] needs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub database: Database,
    pub workers: usize,
    pub allow: Vec<Allow>,
    pub lease: Duration,
    pub drain: Duration,
    pub engine: tollgate_scan::engine::EngineConfig,
    /// `--only-allowed-targets`: nothing but `allow` may be reached.
    pub only_allowed: bool,
    /// Decrypts the targets' identities (the server's key).
    pub secret_key: Option<crate::vault::SecretKey>,
}

impl WorkerConfig {
    pub fn from_args(args: &WorkerArgs) -> anyhow::Result<WorkerConfig> {
        Ok(WorkerConfig {
            database: args.database()?,
            workers: usize::from(args.workers),
            allow: args.allow_target.clone(),
            lease: args.queue.lease(),
            drain: args.queue.drain_timeout(),
            engine: tollgate_scan::engine::EngineConfig::default(),
            only_allowed: args.only_allowed_targets,
            secret_key: args.secret_key.load()?,
        })
    }
}

/// Opens the (already migrated) database and starts the workers.
pub async fn start_worker(config: WorkerConfig) -> anyhow::Result<WorkerProcess> {
    let store = Store::open_existing(&config.database).await?;
    // A worker with another key than the server's would fail every scan with identities.
    crate::vault::verify_key(&store, config.secret_key.as_ref()).await?;
    let shutdown = CancelToken::new();
    let guard = Guard::new(config.allow.clone()).only_allowed(config.only_allowed);
    let mut job_config = JobConfig::new(config.workers, guard);
    job_config.secret_key = config.secret_key.clone();
    job_config.set_lease(config.lease);
    job_config.drain = config.drain;
    job_config.engine = config.engine.clone();
    let jobs = Jobs::new(store.clone(), job_config, shutdown.clone());
    let prefix = format!("worker-{}", std::process::id());
    let tasks = jobs.spawn(&prefix);
    tracing::info!(
        workers = config.workers,
        lease_ms = duration_ms(config.lease),
        "tollgate worker started"
    );
    Ok(WorkerProcess {
        store,
        shutdown,
        tasks,
        jobs,
    })
}

/// `tollgate worker`: runs until SIGINT or SIGTERM, then drains.
pub async fn worker(args: &WorkerArgs) -> anyhow::Result<()> {
    let config = WorkerConfig::from_args(args)?;
    let drain = config.drain;
    let running = start_worker(config).await?;
    crate::wait_for_signal().await;
    tracing::info!(
        drain_timeout_ms = duration_ms(drain),
        "shutting down: no new jobs; running scans finish or go back to the queue"
    );
    let jobs = Arc::clone(&running.jobs);
    stop_on_second_signal(running.stop(), &jobs).await;
    tracing::info!("tollgate worker stopped");
    Ok(())
}

/// Waits for `stopping` (a drain); a second SIGINT or SIGTERM ends the drain at once,
/// and the scans still running go back to the queue.
pub async fn stop_on_second_signal(stopping: impl std::future::Future<Output = ()>, jobs: &Jobs) {
    tokio::pin!(stopping);
    tokio::select! {
        () = &mut stopping => {}
        () = crate::wait_for_signal() => {
            tracing::warn!("second signal: running scans go back to the queue now");
            jobs.end_drain();
            stopping.await;
        }
    }
}

/// Milliseconds, for log fields.
pub fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Logs each API request: method, path (without the query), status, duration. Never
/// headers, so never the API key.
pub async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        duration_ms = duration_ms(started.elapsed()),
        "request"
    );
    response
}

/// Writes the start banner to stderr: where the server listens and, on a new
/// database, the first admin key. In JSON mode the banner is one JSON line like the
/// log's, so that every stderr line parses; the key is then in exactly that line, under
/// `first_admin_key`. The banner bypasses the log filter: it is shown at every level.
pub fn print_banner(addr: SocketAddr, first_admin_key: Option<&str>, format: LogFormat) {
    let mut err = std::io::stderr().lock();
    match format {
        LogFormat::Text => {
            let _ = writeln!(err, "tollgate server listening on http://{addr}");
            if let Some(key) = first_admin_key {
                // Shown once, here, and nowhere else: only its hash is stored.
                let _ = writeln!(
                    err,
                    "first admin API key (shown once, store it now): {key}\n  use it as: Authorization: Bearer <key>"
                );
            }
        }
        LogFormat::Json => {
            // Where it listens is the log's own `tollgate server listening` event.
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            if let Some(key) = first_admin_key {
                let banner = serde_json::json!({
                    "timestamp": now,
                    "level": "WARN",
                    "message": "first admin API key (shown once, store it now); use it as: Authorization: Bearer <key>",
                    "first_admin_key": key,
                });
                let _ = writeln!(err, "{banner}");
            }
        }
    }
}
