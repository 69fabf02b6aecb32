//! Throughput of the probe engine: sends N GETs through `Engine::send` with C in
//! flight, every request through the full path (scope, budget, limiter, client, capped
//! body, transcript). URLs are distinct (`?i=N`) so de-duplication cannot short-cut.
//!
//! Usage: `bench_engine --url http://127.0.0.1:PORT/ [--requests N] [--concurrency C]
//! [--runtime multi|current]`. `multi` (the default) is the multi-threaded runtime the
//! CLI scans on; `current` is a single-threaded one, which shows the engine's own cost
//! without cross-thread wake-ups. Prints one summary line:
//! `requests=N ok=.. errors=.. seconds=.. rps=..`.

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
}

fn parse_args() -> Result<Args, String> {
    let mut url = None;
    let mut requests = 10_000;
    let mut concurrency = 16;
    let mut multi_thread = true;
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
                    other => return Err(format!("--runtime: expected multi or current, not {other}")),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let url = url.ok_or("--url is required")?;
    if !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
        return Err("the benchmark only targets loopback".into());
    }
    Ok(Args { url, requests, concurrency: concurrency.max(1), multi_thread })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_engine: {e}");
            std::process::exit(2);
        }
    };
    let runtime = if args.multi_thread {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    };
    match runtime {
        Ok(rt) => rt.block_on(run(args)),
        Err(e) => {
            eprintln!("bench_engine: cannot start the runtime: {e}");
            std::process::exit(1);
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
    let scope = match Scope::new(&args.url, &[]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench_engine: {e}");
            std::process::exit(2);
        }
    };
    let engine = match Engine::new(config, scope, Vec::new(), false) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("bench_engine: {e}");
            std::process::exit(2);
        }
    };

    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (engine, next, ok, errors, base) = (
                engine.clone(),
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
                    match engine.send(None, ProbeRequest::get(url)).await {
                        Ok(ex) if ex.response.status == 200 => ok.fetch_add(1, Ordering::Relaxed),
                        Ok(_) | Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                    };
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
    let stats = engine.stats();
    println!(
        "requests={} ok={} errors={} seconds={:.3} rps={:.1} sent={} deduplicated={} transcript={}",
        args.requests,
        ok.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        secs,
        args.requests as f64 / secs,
        stats.sent,
        stats.deduplicated,
        engine.transcript().len(),
    );
}
