//! Throughput of the probe engine: sends N GETs through `Engine::send` with C in
//! flight, every request through the full path (scope, budget, limiter, client, capped
//! body, transcript). URLs are distinct (`?i=N`) so de-duplication cannot short-cut.
//!
//! Usage: `bench_engine --url http://127.0.0.1:PORT/ [--requests N] [--concurrency C]
//! [--runtime multi|current] [--client engine|reqwest]`
//!
//! - `--runtime multi` (the default) is the multi-threaded runtime the CLI scans on;
//!   `current` is single-threaded, which shows the per-request cost without
//!   cross-thread wake-ups.
//! - `--client reqwest` sends the same requests through a bare `reqwest::Client` with
//!   the engine's settings and no engine: the ceiling the engine is measured against.
//!
//! Prints one summary line: `requests=N ok=.. errors=.. seconds=.. rps=..`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tollgate_scan::engine::{Engine, EngineConfig, ProbeRequest, Scope};
use url::Url;

struct Args {
    url: Url,
    requests: u64,
    concurrency: usize,
    multi_thread: bool,
    bare_reqwest: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut url = None;
    let mut requests = 10_000;
    let mut concurrency = 16;
    let mut multi_thread = true;
    let mut bare_reqwest = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--url" => url = Some(Url::parse(&value()?).map_err(|e| format!("--url: {e}"))?),
            "--requests" => requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?,
            "--concurrency" => {
                concurrency = value()?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--runtime" => {
                multi_thread = match value()?.as_str() {
                    "multi" => true,
                    "current" => false,
                    other => {
                        return Err(format!("--runtime: expected multi or current, not {other}"))
                    }
                }
            }
            "--client" => {
                bare_reqwest = match value()?.as_str() {
                    "engine" => false,
                    "reqwest" => true,
                    other => {
                        return Err(format!("--client: expected engine or reqwest, not {other}"))
                    }
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let url = url.ok_or("--url is required")?;
    if !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
        return Err("the benchmark only targets loopback".into());
    }
    Ok(Args {
        url,
        requests,
        concurrency: concurrency.max(1),
        multi_thread,
        bare_reqwest,
    })
}

fn fail(code: i32, msg: impl std::fmt::Display) -> ! {
    eprintln!("bench_engine: {msg}");
    std::process::exit(code)
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| fail(2, e));
    let runtime = if args.multi_thread {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let runtime = runtime.unwrap_or_else(|e| fail(1, format!("cannot start the runtime: {e}")));
    runtime.block_on(run(args));
}

/// What sends one request: the engine, or a bare client for the baseline.
#[derive(Clone)]
enum Sender {
    Engine(Engine),
    Reqwest(reqwest::Client),
}

impl Sender {
    /// Sends a GET; `true` if it came back 200.
    async fn get(&self, url: Url) -> bool {
        match self {
            Sender::Engine(e) => {
                matches!(e.send(None, ProbeRequest::get(url)).await, Ok(ex) if ex.response.status == 200)
            }
            Sender::Reqwest(c) => match c.get(url).send().await {
                Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                Err(_) => false,
            },
        }
    }
}

async fn run(args: Args) {
    let config = EngineConfig {
        rate_per_second: 10_000_000,
        per_host_concurrency: args.concurrency,
        max_requests: args.requests + 1,
        max_time: Duration::from_secs(3600),
        ..EngineConfig::default()
    };
    let sender = if args.bare_reqwest {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .pool_max_idle_per_host(config.per_host_concurrency)
            .user_agent(config.user_agent.clone())
            .no_proxy()
            .build()
            .unwrap_or_else(|e| fail(1, e));
        Sender::Reqwest(client)
    } else {
        let scope = Scope::new(&args.url, &[]).unwrap_or_else(|e| fail(2, e));
        Sender::Engine(Engine::new(config, scope, Vec::new(), false).unwrap_or_else(|e| fail(1, e)))
    };

    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (sender, next, ok, errors, base) = (
                sender.clone(),
                Arc::clone(&next),
                Arc::clone(&ok),
                Arc::clone(&errors),
                args.url.clone(),
            );
            let total = args.requests;
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let mut url = base.clone();
                    url.set_query(Some(&format!("i={i}")));
                    let counter = if sender.get(url).await { &ok } else { &errors };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in workers {
        if w.await.is_err() {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let mut line = format!(
        "requests={} ok={} errors={} seconds={:.3} rps={:.1}",
        args.requests,
        ok.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        secs,
        args.requests as f64 / secs,
    );
    if let Sender::Engine(engine) = &sender {
        let stats = engine.stats();
        line.push_str(&format!(
            " sent={} deduplicated={} transcript={}",
            stats.sent,
            stats.deduplicated,
            engine.transcript().len()
        ));
    }
    println!("{line}");
}
