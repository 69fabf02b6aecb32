//! The engine enforces every check's declared methods and budget, and the whole
//! registry, run against a server that records what it receives, sends only what the
//! checks declared.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use tollgate_core::{HttpMethod, Secret};
use tollgate_scan::engine::{EngineConfig, Identity, ProbeRequest};
use tollgate_scan::testkit::{serve, Fixture, RawResponse};
use tollgate_scan::{registry, run_scan, CheckError, Profile, ScanOptions};

#[tokio::test]
async fn undeclared_method_and_budget_are_refused() {
    let addr = serve(|_| RawResponse::new(200, "{}")).await;
    let meta = registry::find("MISC-006").unwrap().meta(); // TRACE only, budget 1
    let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(meta);
    let url = ctx.url("/");
    let get = ctx.send(ProbeRequest::get(url.clone())).await;
    assert!(matches!(
        get,
        Err(CheckError::Engine(
            tollgate_scan::engine::EngineError::MethodNotDeclared { .. }
        ))
    ));
    assert!(ctx
        .send(ProbeRequest::new(HttpMethod::Trace, url.clone()))
        .await
        .is_ok());
    let second = ctx.send(ProbeRequest::new(HttpMethod::Trace, url)).await;
    assert!(matches!(
        second,
        Err(CheckError::Engine(
            tollgate_scan::engine::EngineError::CheckBudgetExceeded { .. }
        ))
    ));
}

#[tokio::test]
async fn a_full_scan_sends_only_declared_safe_methods_within_budget() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&seen);
    let addr = serve(move |req| {
        log.lock().unwrap().push(req.method.clone());
        RawResponse::new(200, "<html>x</html>").header("content-type", "text/html")
    })
    .await;
    let opts = ScanOptions {
        target: url::Url::parse(&format!("http://{addr}/")).unwrap(),
        extra_scope: vec![],
        identities: vec![Identity::bearer(
            "alice",
            Secret::new("tok-0123456789abcdef"),
        )],
        profile: Profile::Deep,
        allow_intrusive: false,
        engine: EngineConfig::default(),
        reach: tollgate_scan::ReachOptions::default(),
        spec: None,
    };
    let report = run_scan(opts, registry::all(), Arc::new(|_| {}))
        .await
        .unwrap();
    let declared: Vec<&str> = registry::all()
        .iter()
        .flat_map(|c| c.meta().methods.iter().map(|m| m.as_str()))
        .chain(["GET"])
        .collect();
    let methods = seen.lock().unwrap().clone();
    assert!(
        methods.iter().all(|m| declared.contains(&m.as_str())),
        "undeclared method in {methods:?}"
    );
    assert!(
        methods
            .iter()
            .all(|m| ["GET", "HEAD", "OPTIONS", "TRACE"].contains(&m.as_str())),
        "unsafe method without --allow intrusive: {methods:?}"
    );
    let budget: u32 = registry::all().iter().map(|c| c.meta().budget).sum::<u32>() + 3; // + the scanner's seeding requests
    assert!(
        methods.len() as u32 <= budget,
        "{} requests > budget {budget}",
        methods.len()
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}
