//! The attack-chain test: audit the Django testbed's own deployment files
//! (testbeds/django/deploy), scan the running vulnerable testbed with the real scanner,
//! and join the two. Skipped, loudly, only when there is no Python to run the testbed.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::path::Path;
use std::time::Duration;
use tollgate_audit::{audit_path, chain};
use tollgate_core::{AttackChain, ChainSide, Confidence, Location};
use tollgate_testbed::{ensure_venv, python_available, scan, Mode, Testbed};

const WHOLE_RUN: Duration = Duration::from_secs(110);

fn print_chain(c: &AttackChain) {
    println!("[{}] {} ({}, {})", c.kind, c.name, c.severity, c.confidence);
    for l in &c.links {
        println!(
            "    {:?} {} {} — {}",
            l.side, l.check_id, l.location, l.title
        );
    }
}

fn link_at(c: &AttackChain, check: &str, file: &str, line: u32) -> bool {
    c.links.iter().any(|l| {
        l.check_id.as_str() == check
            && l.side == ChainSide::Audit
            && matches!(&l.location, Location::File { path, line: at, .. } if path == file && *at == line)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_audit_joined_with_a_scan_of_the_vulnerable_testbed() {
    if !python_available() {
        eprintln!("\n## SKIPPED chain test: python3 is not installed, so the Django testbed cannot run.\n");
        return;
    }
    let run = tokio::time::timeout(WHOLE_RUN, async {
        let testbed = tokio::task::spawn_blocking(|| {
            ensure_venv().and_then(|()| Testbed::start(Mode::Vulnerable))
        })
        .await
        .expect("starting the testbed panicked")
        .unwrap_or_else(|e| panic!("{e}"));
        let run = scan(&testbed).await.unwrap_or_else(|e| panic!("{e}"));
        tokio::task::spawn_blocking(move || drop(testbed))
            .await
            .expect("stopping the testbed");
        run
    })
    .await
    .expect("testbed start + scan took too long");

    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testbeds/django/deploy");
    let audit = audit_path(&deploy).unwrap();
    let scan_ids: Vec<&str> = run
        .report
        .findings
        .iter()
        .map(|f| f.check_id.as_str())
        .collect();
    println!("scan: {} findings {:?}", scan_ids.len(), scan_ids);
    println!("audit: {} findings", audit.findings.len());
    let chains = chain::join(&audit.findings, &run.report.findings);
    for c in &chains {
        print_chain(c);
    }

    let leak = chains
        .iter()
        .find(|c| c.kind == "bearer-token-leak")
        .expect("a bearer-token-leak chain");
    assert!(
        link_at(leak, "CMP-010", "docker-compose.yml", 14),
        "the DEPLOY_GITHUB_PAT line is a link"
    );
    assert!(leak
        .links
        .iter()
        .any(|l| l.side == ChainSide::Scan && l.check_id.as_str() == "LEAK-002"));
    assert_eq!(
        leak.confidence,
        Confidence::Confirmed,
        "the scan saw the variable the audit found: {}",
        leak.summary
    );
    assert!(leak.summary.contains("DEPLOY_GITHUB_PAT"));

    let escape = chains
        .iter()
        .find(|c| c.kind == "container-escape")
        .expect("a container-escape chain");
    assert!(
        link_at(escape, "CMP-001", "docker-compose.yml", 18),
        "the docker.sock mount is a link"
    );
    assert!(escape.links.iter().any(|l| l.side == ChainSide::Scan
        && (l.check_id.as_str().starts_with("SSRF-") || l.check_id.as_str().starts_with("CONT-"))));
    for c in &chains {
        assert!(
            c.links.iter().any(|l| l.side == ChainSide::Audit)
                && c.links.iter().any(|l| l.side == ChainSide::Scan)
        );
    }
}
