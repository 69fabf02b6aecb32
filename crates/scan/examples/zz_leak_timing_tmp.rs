#![allow(clippy::print_stdout, clippy::unwrap_used)]
use std::sync::Arc;
use std::time::Instant;
use tollgate_core::Secret;
use tollgate_scan::engine::Identity;
use tollgate_scan::{registry, run_scan, ScanOptions};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = &args[1];
    let dir = &args[2];
    let mine = ["LEAK-002", "LEAK-003", "LEAK-004", "LEAK-005", "LEAK-006", "MISC-008"];
    for mode in ["none", "LEAK-002", "LEAK-003", "LEAK-004", "LEAK-005", "LEAK-006", "MISC-008", "mine"] {
        let checks: Vec<_> = registry::all()
            .iter()
            .copied()
            .filter(|c| match mode {
                "all" => true,
                "none" => false,
                "mine" => mine.contains(&c.meta().id.as_str()),
                "others" => !mine.contains(&c.meta().id.as_str()),
                id => c.meta().id.as_str() == id,
            })
            .collect();
        let mut opts = ScanOptions::new(url::Url::parse(base).unwrap());
        opts.allow_intrusive = true;
        for name in ["alice", "admin", "bob"] {
            let t = std::fs::read_to_string(format!("{dir}/{name}.token")).unwrap();
            opts.identities.push(Identity::bearer(name, Secret::new(t)));
        }
        let t = Instant::now();
        let report = run_scan(opts, &checks, Arc::new(|_| {})).await.unwrap();
        println!("{mode}: {:.2}s {} requests {} findings", t.elapsed().as_secs_f64(), report.coverage.requests_sent, report.findings.len());
    }
}
