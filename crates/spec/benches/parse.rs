//! Parse time of large documents: `cargo bench -p tollgate-spec`. Prints the median
//! of several runs per document; asserts nothing about time.
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};
use tollgate_spec::{no_files, parse};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn bench(name: &str, bytes: &[u8], runs: usize) {
    let mut times = Vec::with_capacity(runs);
    let mut summary = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        let api = parse(bytes, no_files).expect("parses");
        times.push(start.elapsed());
        summary = format!(
            "{} operations, {} schemas",
            api.operations.len(),
            api.schemas.len()
        );
    }
    let m = median(times);
    let mb = bytes.len() as f64 / 1_048_576.0;
    println!(
        "{name:<34} {mb:>7.2} MiB  {summary:<34} median {:>8.1} ms  ({:.0} MiB/s, {runs} runs)",
        m.as_secs_f64() * 1000.0,
        mb / m.as_secs_f64()
    );
}

fn main() {
    // `cargo test --benches` runs this too; keep that quick.
    let runs = if std::env::args().any(|a| a == "--bench") {
        7
    } else {
        1
    };
    bench(
        "github api.github.com (3.0, JSON)",
        &common::fixture("oas30/github-api.json.gz"),
        runs,
    );
    bench(
        "kubernetes 1.13 (2.0, JSON)",
        &common::fixture("swagger2/kubernetes-1.13.json.gz"),
        runs,
    );
    bench(
        "star trek (3.0, YAML)",
        &common::fixture("oas30/star-trek.yaml.gz"),
        runs,
    );
    bench(
        "readme (3.1, JSON)",
        &common::fixture("oas31/readme.json.gz"),
        runs,
    );
    let generated = common::generated(5_000, 20_000, 250);
    bench(
        "generated: 10k ops, 20k-deep chain",
        generated.as_bytes(),
        runs,
    );
}
