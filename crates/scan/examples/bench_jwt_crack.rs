//! Guesses per second of the offline HS256/384/512 secret cracker.
//!
//! Builds a token shaped like a real access token (about 300 bytes of signing input,
//! signed with a secret that is not among the candidates, so every candidate is
//! tried), then searches N synthetic candidates of 6–20 bytes on one core and on every
//! core. Run it optimised:
//!
//! `cargo run --release -p tollgate-scan --example bench_jwt_crack [-- --candidates N]`
//!
//! Prints one line per (algorithm, threads): `alg=HS256 threads=2 guesses=.. seconds=..
//! guesses_per_sec=.. cpu_seconds=.. guesses_per_cpu_sec=..`. The wall-clock rate is what
//! a scan sees; the per-CPU-second rate is the per-core speed even on a busy machine
//! (multiply by the idle cores for the parallel figure).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use serde_json::json;
use std::time::Instant;
use tollgate_scan::testkit::internals::jwt::{forge, Candidates, HmacAlg, HmacJob, Signer, Token};

fn candidates(n: usize) -> Candidates {
    let mut c = Candidates::new();
    let mut buf = String::new();
    for i in 0..n {
        buf.clear();
        // 6–20 bytes, like wordlist entries and their variants.
        buf.push_str(&format!("pw{i:x}"));
        for _ in 0..(i % 12) {
            buf.push('x');
        }
        c.push(buf.as_bytes());
    }
    c
}

fn token(alg: HmacAlg) -> Token {
    let claims = json!({
        "iss": "tollgate-testbed-auth",
        "aud": "tollgate-testbed-api",
        "sub": "2",
        "username": "alice",
        "role": "user",
        "scope": "orders:read orders:write profile:read",
        "iat": 1_767_225_600,
        "exp": 1_767_268_800,
        "jti": "6f1c0b8e1f2d4c5a9e7b3a2d1c0f9e8d"
    });
    let signer = Signer::hmac(alg, b"not-in-the-candidate-list-0123456789".to_vec());
    let compact = forge(&json!({"alg": alg.name(), "typ": "JWT"}), &claims, &signer)
        .expect("forging the benchmark token");
    Token::parse(&compact).expect("parsing the benchmark token")
}

fn run(alg: HmacAlg, threads: usize, cands: &Candidates) {
    let tok = token(alg);
    let job = HmacJob::for_token(&tok).expect("an HMAC token");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let found = pool.install(|| job.search(cands));
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    assert!(found.is_none(), "the secret is not a candidate");
    let per_cpu = cpu.map_or("n/a".to_string(), |c| {
        format!("{:.0}", cands.len() as f64 / c.max(0.01))
    });
    println!(
        "alg={} threads={threads} signing_input_bytes={} guesses={} seconds={secs:.3} guesses_per_sec={:.0} cpu_seconds={} guesses_per_cpu_sec={per_cpu}",
        alg.name(),
        tok.signing_input().len(),
        cands.len(),
        cands.len() as f64 / secs,
        cpu.map_or("n/a".to_string(), |c| format!("{c:.2}")),
    );
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 100 ticks/s), so
/// the per-core rate can be read even when other processes share the cores.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() {
    let mut n = 4_000_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--candidates" => {
                n = args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    eprintln!("--candidates needs a number");
                    std::process::exit(2)
                })
            }
            other => {
                eprintln!("unknown argument {other}; usage: bench_jwt_crack [--candidates N]");
                std::process::exit(2)
            }
        }
    }
    let cands = candidates(n);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    for alg in HmacAlg::ALL {
        run(alg, 1, &cands);
        if cores > 1 {
            run(alg, cores, &cands);
        }
    }
}
