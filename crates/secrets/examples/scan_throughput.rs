//! Scanning speed of the built-in rule set over large bodies, in MB/s.
//!
//! `cargo run --release -p tollgate-secrets --example scan_throughput [MiB]`
//!
//! Three bodies of the same size: API JSON (user records with emails and ids, a few
//! planted tokens), a Django-style HTML debug page, and plain prose without matches.
//! Prints figures; asserts nothing about time.
#![allow(clippy::print_stdout)]

use std::time::Instant;
use tollgate_secrets::Scanner;

fn json_body(target: usize) -> String {
    let mut s = String::from("{\"results\":[");
    let mut i = 0u64;
    while s.len() < target {
        s.push_str(&format!(
            "{{\"id\":{i},\"username\":\"user{i}\",\"email\":\"user{i}@shop.tollgate.test\",\"role\":\"user\",\"created\":\"2024-05-{:02}T10:00:00Z\",\"bio\":\"Buys lamps and backpacks; order #{}\"}},",
            i % 28 + 1,
            i * 7
        ));
        if i % 5_000 == 0 {
            s.push_str("{\"deploy\":\"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\"},");
        }
        i += 1;
    }
    s.push_str("{}]}");
    s
}

fn html_body(target: usize) -> String {
    let mut s = String::from("<!DOCTYPE html><html><body><table class=\"req\">");
    let mut i = 0u64;
    while s.len() < target {
        s.push_str(&format!(
            "<tr><td>HTTP_X_REQUEST_{i}</td><td class=\"code\"><pre>&#x27;value-{i}-abcdef&#x27;</pre></td></tr>\n"
        ));
        if i % 10_000 == 0 {
            s.push_str("<tr><td>DOCKER_HOST</td><td class=\"code\"><pre>DOCKER_HOST=tcp://127.0.0.1:2375</pre></td></tr>\n");
        }
        i += 1;
    }
    s
}

fn prose_body(target: usize) -> String {
    const TEXT: &str = "The quick brown fox jumps over the lazy dog while the scanner reads every byte of the response body once. ";
    TEXT.repeat(target / TEXT.len() + 1)
}

fn measure(name: &str, body: &str, rounds: u32) {
    let scanner = Scanner::builtin();
    let mut found = 0;
    let start = Instant::now();
    for _ in 0..rounds {
        found = scanner.scan(body).len();
    }
    let secs = start.elapsed().as_secs_f64() / f64::from(rounds);
    let mb = body.len() as f64 / 1e6;
    println!(
        "{name:<6} {mb:>7.1} MB  {:>8.1} ms  {:>8.1} MB/s  {found} matches",
        secs * 1e3,
        mb / secs
    );
}

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(32);
    let size = mib << 20;
    let start = Instant::now();
    let _ = Scanner::builtin();
    println!(
        "{} rules compiled in {:.1} ms",
        Scanner::builtin().rules().count(),
        start.elapsed().as_secs_f64() * 1e3
    );
    measure("json", &json_body(size), 3);
    measure("html", &html_body(size), 3);
    measure("prose", &prose_body(size), 3);
}
