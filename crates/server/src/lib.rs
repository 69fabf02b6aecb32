//! tollgate as a service: `tollgate serve`.
//!
//! - [`store`]: SQLite (data directory) or PostgreSQL behind one interface, with
//!   migrations per backend.
//! - [`guard`]: the server-side SSRF guard every submitted URL and every scan request
//!   passes.
//! - [`keys`]: API keys with roles.
//! - [`jobs`]: scans as leased jobs run by in-process workers.
//! - [`diff`]: what changed between two scans of a target.
//! - [`schedule`]: per-target schedules and the scheduler that queues their scans.
//! - [`monitor`]: finding triage applied to reports, and diffs that respect it.
//! - [`webhooks`]: signed webhook deliveries of each scan's events, with retries.
//! - [`api`]: the REST API under `/api/v1` and its OpenAPI document.
//! - [`vault`]: target credentials encrypted at rest under the operator's key.
//! - [`identities`]: the credentials a target's scans send.
//! - [`ops`]: `tollgate worker`, the queue flags (lease, drain), logs.

pub mod api;
pub mod diff;
pub mod guard;
pub mod identities;
pub mod jobs;
pub mod keys;
pub mod monitor;
pub mod ops;
pub mod schedule;
pub mod store;
pub mod vault;
pub mod webhooks;

use guard::{Allow, Guard};
use jobs::{JobConfig, Jobs};
use std::net::SocketAddr;
use std::path::PathBuf;
use store::Store;
use tollgate_scan::CancelToken;

pub use ops::{worker, LogFormat, WorkerArgs};

/// `tollgate serve`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on. The server speaks plain HTTP: keep it on
    /// 127.0.0.1 or put a TLS-terminating proxy in front of it.
    #[arg(
        long,
        env = "TOLLGATE_LISTEN",
        value_name = "ADDR:PORT",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,

    /// Directory of the embedded SQLite database (created if missing)
    /// [default: $XDG_DATA_HOME/tollgate, else ~/.local/share/tollgate].
    #[arg(long, env = "TOLLGATE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Use PostgreSQL instead of the embedded SQLite database, e.g.
    /// postgres://tollgate@db.internal/tollgate (sqlite://PATH works too).
    #[arg(
        long,
        env = "TOLLGATE_DATABASE_URL",
        value_name = "URL",
        conflicts_with = "data_dir",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Scans run at once by this process (in-process workers). 0: API only, scans
    /// are run by `tollgate worker` processes on the same database.
    #[arg(long, env = "TOLLGATE_WORKERS", value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(0..=64))]
    pub workers: u16,

    /// Let submitted targets, spec URLs and webhook URLs reach an internal range or host that the
    /// SSRF guard refuses by default (loopback, private, link-local/metadata, CGNAT,
    /// …): a CIDR (10.0.0.0/8), an address (127.0.0.1) or a host name
    /// (staging.internal). Repeat for more. The server's own listener stays refused.
    #[arg(long = "allow-target", value_name = "CIDR|HOST")]
    pub allow_target: Vec<Allow>,

    /// Scan only what --allow-target names: every destination (target, spec URL, each
    /// request and redirect hop) must be an address in an allowed range or a host name
    /// allowed by name (other names are not looked up); public addresses are refused
    /// too. For servers that must only scan internal systems.
    #[arg(long, env = "TOLLGATE_ONLY_ALLOWED_TARGETS")]
    pub only_allowed_targets: bool,

    #[command(flatten)]
    pub secret_key: vault::SecretKeyArgs,
    #[command(flatten)]
    pub queue: ops::QueueArgs,
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Database {
    DataDir(PathBuf),
    Url(String),
}

impl ServeArgs {
    /// The database the flags name (the XDG data directory by default).
    pub fn database(&self) -> anyhow::Result<Database> {
        if let Some(url) = &self.database_url {
            return Ok(Database::Url(url.clone()));
        }
        if let Some(dir) = &self.data_dir {
            return Ok(Database::DataDir(dir.clone()));
        }
        let base = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("share"))
            })
            .ok_or_else(|| {
                anyhow::anyhow!("neither XDG_DATA_HOME nor HOME is set: pass --data-dir")
            })?;
        Ok(Database::DataDir(base.join("tollgate")))
    }
}

/// What [`start`] needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub database: Database,
    pub workers: usize,
    pub allow: Vec<Allow>,
    /// Engine limits of every scan (the guard is added to them).
    pub engine: tollgate_scan::engine::EngineConfig,
    /// How often the scheduler looks for targets whose scheduled scan is due.
    pub schedule_tick: std::time::Duration,
    /// How webhook deliveries are sent and retried.
    pub webhooks: webhooks::WebhookConfig,
    /// `--only-allowed-targets`: nothing but `allow` may be reached.
    pub only_allowed: bool,
    /// The key target credentials are encrypted with; without one, targets cannot
    /// have identities.
    pub secret_key: Option<vault::SecretKey>,
    /// How long a worker's claim holds without a heartbeat (`--lease`).
    pub lease: std::time::Duration,
    /// On shutdown, how long running scans may take to finish (`--drain-timeout`).
    pub drain: std::time::Duration,
}

impl ServerConfig {
    /// The defaults `tollgate serve` has without flags, on `listen` and `database`.
    pub fn new(listen: SocketAddr, database: Database) -> ServerConfig {
        ServerConfig {
            listen,
            database,
            workers: 2,
            allow: Vec::new(),
            engine: tollgate_scan::engine::EngineConfig::default(),
            schedule_tick: std::time::Duration::from_secs(15),
            webhooks: webhooks::WebhookConfig::default(),
            only_allowed: false,
            secret_key: None,
            lease: std::time::Duration::from_secs(30),
            drain: std::time::Duration::from_secs(30),
        }
    }

    pub fn from_args(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
        let mut config = ServerConfig::new(args.listen, args.database()?);
        config.workers = usize::from(args.workers);
        config.allow.clone_from(&args.allow_target);
        config.only_allowed = args.only_allowed_targets;
        config.secret_key = args.secret_key.load()?;
        config.lease = args.queue.lease();
        config.drain = args.queue.drain_timeout();
        Ok(config)
    }
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// Where it listens (the real port when the configuration said 0).
    pub addr: SocketAddr,
    /// The first admin key, when the database was new. Shown once.
    pub first_admin_key: Option<String>,
    pub store: Store,
    shutdown: CancelToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    jobs: std::sync::Arc<Jobs>,
}

impl Running {
    /// Stops taking requests and jobs; running scans get the drain timeout to finish,
    /// then go back to the queue.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
        self.store.close().await;
    }

    /// Resolves when a shutdown was asked for.
    pub async fn stopped(&self) {
        self.shutdown.cancelled().await;
    }

    pub fn shutdown_token(&self) -> CancelToken {
        self.shutdown.clone()
    }

    /// The workers, e.g. to end a drain early ([`Jobs::end_drain`]).
    pub fn jobs(&self) -> std::sync::Arc<Jobs> {
        std::sync::Arc::clone(&self.jobs)
    }
}

/// Opens the database, binds the listener, starts the workers and the API.
pub async fn start(config: ServerConfig) -> anyhow::Result<Running> {
    let store = match &config.database {
        Database::DataDir(dir) => Store::open_data_dir(dir).await?,
        Database::Url(url) => Store::connect(url).await?,
    };
    vault::verify_key(&store, config.secret_key.as_ref()).await?;
    if config.secret_key.is_none() {
        tracing::info!("no secret key (--secret-key-file): targets cannot be given identities");
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    // The last step that can fail before the key is shown: a key created by a start
    // that then failed would never be seen, and the database would have no usable admin.
    let first_admin_key = keys::first_admin_key(&store).await?;
    let guard = Guard::new(config.allow.clone())
        .with_own_listener(addr)
        .only_allowed(config.only_allowed);
    let shutdown = CancelToken::new();
    let mut job_config = JobConfig::new(config.workers, guard.clone());
    job_config.engine = config.engine.clone();
    job_config.secret_key = config.secret_key.clone();
    job_config.set_lease(config.lease);
    job_config.drain = config.drain;
    let jobs = Jobs::new(store.clone(), job_config, shutdown.clone());
    let mut tasks = jobs.spawn("worker");
    tasks.push(schedule::spawn(
        store.clone(),
        std::sync::Arc::clone(&jobs),
        config.schedule_tick,
        shutdown.clone(),
    ));
    tasks.extend(
        webhooks::Dispatcher::new(
            store.clone(),
            webhooks::WebhookConfig {
                secret_key: config.secret_key.clone(),
                ..config.webhooks.clone()
            },
            guard.clone(),
            shutdown.clone(),
        )
        .spawn(),
    );
    let app = api::router(api::AppState {
        store: store.clone(),
        jobs: std::sync::Arc::clone(&jobs),
        guard,
        secret_key: config.secret_key.clone(),
    })
    .layer(axum::middleware::from_fn(ops::log_request));
    let stop = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the HTTP server stopped");
        }
    }));
    tracing::info!(%addr, "tollgate server listening");
    Ok(Running {
        addr,
        first_admin_key,
        store,
        shutdown,
        tasks,
        jobs,
    })
}

/// `tollgate serve`: runs until SIGINT or SIGTERM; `log` is the format of stderr.
pub async fn serve(args: &ServeArgs, log: LogFormat) -> anyhow::Result<()> {
    let config = ServerConfig::from_args(args)?;
    if let Database::DataDir(dir) = &config.database {
        tracing::info!(dir = %dir.display(), "data directory");
    }
    let drain = config.drain;
    let running = start(config).await?;
    ops::print_banner(running.addr, running.first_admin_key.as_deref(), log);
    wait_for_signal().await;
    tracing::info!(
        drain_timeout_ms = ops::duration_ms(drain),
        "shutting down: no new jobs; running scans finish or go back to the queue"
    );
    let jobs = running.jobs();
    ops::stop_on_second_signal(running.stop(), &jobs).await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
