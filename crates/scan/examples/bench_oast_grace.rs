//! What the callback grace period adds to a scan's wall time.
//!
//! Scans a loopback API (an index linking a fetch route, a `/me` route answering 401)
//! with every registered check, N times with the default grace period and N times with
//! none, and prints the median wall times and their difference. A third series scans an
//! API with no URL parameter and no bearer challenge, where no blind probe is sent and
//! the grace period must cost nothing.
//!
//! Usage: `cargo run -p tollgate-scan --example bench_oast_grace [--runs N]`

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};
use tollgate_scan::testkit::internals::DEFAULT_GRACE;
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_scan::ReachOptions;
use tollgate_scan::{registry, run_scan, ScanOptions};
use url::Url;

fn json(status: u16, body: &str) -> RawResponse {
    RawResponse::new(status, body.to_string()).header("content-type", "application/json")
}

async fn api(with_ssrf: bool) -> Url {
    let addr = serve(
        move |req| match (with_ssrf, req.path.split('?').next().unwrap_or("")) {
            (true, "/") => json(
                200,
                r#"{"preview":"/api/fetch/?url=https://example.com/a","me":"/api/me/"}"#,
            ),
            (true, "/api/fetch/") => json(400, r#"{"detail":"not allowed"}"#),
            (true, "/api/me/") => json(401, r#"{"detail":"authentication required"}"#),
            (false, "/") => json(200, r#"{"products":"/api/products/"}"#),
            (false, "/api/products/") => json(200, "[]"),
            _ => json(404, r#"{"detail":"not found"}"#),
        },
    )
    .await;
    Url::parse(&format!("http://{addr}/")).expect("url")
}

async fn wall(target: &Url, grace: Duration) -> Duration {
    let mut opts = ScanOptions::new(target.clone());
    opts.reach = ReachOptions {
        callback_grace: grace,
        host_ports: false,
        ..ReachOptions::default()
    };
    let clock = Instant::now();
    run_scan(opts, registry::all(), Arc::new(|_| {}))
        .await
        .expect("scan");
    clock.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn series(target: &Url, grace: Duration, runs: usize) -> Duration {
    let mut v = Vec::new();
    for _ in 0..runs {
        v.push(wall(target, grace).await);
    }
    median(v)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let ssrf = api(true).await;
    let plain = api(false).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let with = series(&ssrf, DEFAULT_GRACE, runs).await;
    let without = series(&ssrf, Duration::ZERO, runs).await;
    println!(
        "blind probes sent:  grace {:.0} ms -> median {:.0} ms; grace 0 -> median {:.0} ms; added {:.0} ms ({runs} runs each)",
        ms(DEFAULT_GRACE),
        ms(with),
        ms(without),
        ms(with.saturating_sub(without))
    );
    let with = series(&plain, DEFAULT_GRACE, runs).await;
    let without = series(&plain, Duration::ZERO, runs).await;
    println!(
        "no blind probe:     grace {:.0} ms -> median {:.0} ms; grace 0 -> median {:.0} ms; added {:.0} ms",
        ms(DEFAULT_GRACE),
        ms(with),
        ms(without),
        ms(with.saturating_sub(without))
    );
}
