//! The scanner itself sends nothing outside scope: internal SSRF targets and the
//! callback listener only ever appear inside probe values sent to the target, and the
//! target host's service ports are contacted only when `host_ports` is on.
//!
//! Every destination is a loopback server that counts what it receives. The target
//! never fetches anything, so any request reaching a decoy or the callback listener
//! could only come from tollgate itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tollgate_scan::engine::Identity;
use tollgate_scan::testkit::internals::{HostService, InternalTarget, Service};
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_scan::ReachOptions;
use tollgate_scan::{registry, run_scan, ScanOptions};
use url::Url;

type Log = Arc<Mutex<Vec<String>>>;

/// A loopback server answering `body` to everything and logging each request target.
async fn counting(body: &'static str) -> (SocketAddr, Log) {
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    let addr = serve(move |req| {
        seen.lock().unwrap().push(req.path.clone());
        RawResponse::new(200, body).header("content-type", "application/json")
    })
    .await;
    (addr, log)
}

/// An API whose index links a fetch route; the route refuses every URL (and echoes it).
async fn target() -> (SocketAddr, Log) {
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    let addr = serve(move |req| {
        seen.lock().unwrap().push(req.path.clone());
        let json =
            |s: u16, b: String| RawResponse::new(s, b).header("content-type", "application/json");
        match req.path.split('?').next().unwrap_or("") {
            "/" => json(
                200,
                r#"{"preview":"/api/fetch/?url=https://example.com/a","me":"/api/me/"}"#.into(),
            ),
            "/api/fetch/" => json(
                400,
                format!(r#"{{"detail":"not allowed","request":{:?}}}"#, req.path),
            ),
            "/api/me/" => json(401, r#"{"detail":"authentication required"}"#.into()),
            _ => json(404, r#"{"detail":"not found"}"#.into()),
        }
    })
    .await;
    (addr, log)
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

struct Run {
    target_log: Vec<String>,
    internal_hits: usize,
    host_log: Vec<String>,
    listener: String,
    report: tollgate_core::Report,
}

async fn scan(host_ports: bool) -> Run {
    let (target, target_log) = target().await;
    let (metadata, metadata_log) = counting("ami-id\ninstance-id\nhostname\nlocal-ipv4\n").await;
    let (docker, docker_log) = counting(r#"{"ApiVersion":"1.43","MinAPIVersion":"1.12"}"#).await;
    let (host_docker, host_log) = counting(r#"{"ApiVersion":"1.43","MinAPIVersion":"1.12"}"#).await;
    let listener: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut opts = ScanOptions::new(Url::parse(&format!("http://{target}/")).unwrap());
    opts.identities = vec![Identity::bearer(
        "alice",
        tollgate_core::Secret::new("canary-token-0123456789abcdef"),
    )];
    opts.reach = ReachOptions {
        callback_listen: Some(listener),
        callback_grace: Duration::from_millis(200),
        internal_targets: vec![
            InternalTarget::new(
                Service::CloudMetadata,
                format!("http://{metadata}/latest/meta-data/"),
                "decoy",
            ),
            InternalTarget::new(
                Service::DockerEngine,
                format!("http://{docker}/version"),
                "decoy",
            ),
            InternalTarget::new(
                Service::CloudMetadata,
                "http://169.254.169.254/latest/meta-data/",
                "real",
            ),
        ],
        host_ports,
        host_services: vec![HostService::docker(host_docker.port())],
        ..ReachOptions::default()
    };
    let report = run_scan(opts, registry::all(), Arc::new(|_| {}))
        .await
        .unwrap();
    let internal_hits = metadata_log.lock().unwrap().len() + docker_log.lock().unwrap().len();
    let target_log = target_log.lock().unwrap().clone();
    let host_log = host_log.lock().unwrap().clone();
    Run {
        target_log,
        internal_hits,
        host_log,
        listener: listener.to_string(),
        report,
    }
}

/// Whether `needle` appears in the request target, and only inside query values.
fn only_in_query_values(request_target: &str, needle: &str) -> bool {
    let (path, query) = request_target
        .split_once('?')
        .unwrap_or((request_target, ""));
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    !path.contains(needle)
        && !pairs.iter().any(|(k, _)| k.contains(needle))
        && pairs.iter().any(|(_, v)| v.contains(needle))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scanner_contacts_only_the_target_and_its_host_ports() {
    let run = scan(true).await;
    assert_eq!(
        run.internal_hits, 0,
        "tollgate connected to an internal target itself"
    );
    // Every request the engine put on the wire reached the target or the host port.
    let received = (run.target_log.len() + run.host_log.len()) as u64;
    assert_eq!(
        run.report.coverage.requests_sent, received,
        "{:?}",
        run.report.coverage
    );
    let mut host_paths = run.host_log.clone();
    host_paths.sort();
    assert_eq!(
        host_paths,
        vec!["/containers/json", "/version"],
        "requests arrive in any order"
    );
    // The listener's address travels only inside parameter values...
    let carrying: Vec<&String> = run
        .target_log
        .iter()
        .filter(|t| t.contains(&run.listener) || decoded(t).contains(&run.listener))
        .collect();
    assert!(!carrying.is_empty(), "no callback probe was sent");
    assert!(
        carrying
            .iter()
            .all(|t| only_in_query_values(t, &run.listener)),
        "{carrying:?}"
    );
    // ...and nobody called it: a matched callback would be a finding, an unmatched one a note.
    let callbacks: Vec<_> = run
        .report
        .findings
        .iter()
        .filter(|f| ["SSRF-002", "SSRF-003", "SSRF-004"].contains(&f.check_id.as_str()))
        .collect();
    assert!(callbacks.is_empty(), "{callbacks:#?}");
    assert!(!run
        .report
        .coverage
        .notes
        .iter()
        .any(|n| n.contains("matched no probe")));
    // Internal targets were sent, as values, to the target only.
    assert!(run
        .target_log
        .iter()
        .any(|t| decoded(t).contains("169.254.169.254")));
    assert!(run
        .report
        .findings
        .iter()
        .any(|f| f.check_id.as_str() == "CONT-001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_host_ports_means_no_host_port_traffic() {
    let run = scan(false).await;
    assert!(run.host_log.is_empty(), "{:?}", run.host_log);
    assert_eq!(run.internal_hits, 0);
    assert_eq!(
        run.report.coverage.requests_sent,
        run.target_log.len() as u64
    );
    assert!(run
        .report
        .coverage
        .checks_skipped
        .iter()
        .any(|s| s.check_id.as_str() == "CONT-001"));
}

fn decoded(request_target: &str) -> String {
    let query = request_target.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}
