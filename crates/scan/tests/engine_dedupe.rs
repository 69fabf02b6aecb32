//! Single-flight de-duplication: identical safe requests go on the wire once;
//! requests that may change state never share an outcome.

mod engine_support;

use engine_support::{config, engine, engine_with, http, response, within};
use futures::future::join_all;
use std::time::Duration;
use tollgate_core::HttpMethod;
use tollgate_scan::engine::ProbeRequest;

/// A server slow enough (100 ms) that concurrent requests overlap in flight.
async fn slow_ok() -> engine_support::Server {
    engine_support::raw(|mut sock, requests| async move {
        if engine_support::read_head(&mut sock).await.is_some() {
            requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _ =
                tokio::io::AsyncWriteExt::write_all(&mut sock, &response(200, &[], b"ok")).await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_identical_gets_go_out_once() {
    let s = slow_ok().await;
    let e = engine(&s.url("/"), config());
    let sends = (0..20).map(|_| {
        let e = e.clone();
        let url = s.url("/same");
        tokio::spawn(async move { e.send(None, ProbeRequest::get(url)).await })
    });
    let results = within(30, join_all(sends)).await;
    let mut seqs = Vec::new();
    for r in results {
        let ex = r.expect("task").expect("response");
        assert_eq!(ex.response.text(), "ok");
        seqs.push(ex.seq);
    }
    seqs.dedup();
    assert_eq!(seqs.len(), 1, "every caller shares one exchange");
    assert_eq!(s.requests(), 1);
    let stats = e.stats();
    assert_eq!(stats.sent, 1);
    assert_eq!(stats.deduplicated, 19);
    assert_eq!(e.transcript().len(), 1);
}

#[tokio::test]
async fn requests_that_differ_are_not_shared() {
    let s = http(|_, _| response(200, &[], b"ok")).await;
    let e = engine_with(&s.url("/"), config(), Vec::new(), false);
    let reqs = [
        ProbeRequest::get(s.url("/x")),
        ProbeRequest::get(s.url("/x?a=1")),
        ProbeRequest::get(s.url("/x")).header("x-probe", "1"),
        ProbeRequest::get(s.url("/x")).follow_redirects(),
        ProbeRequest::new(HttpMethod::Head, s.url("/x")),
    ];
    for r in reqs {
        within(30, e.send(None, r)).await.expect("response");
    }
    assert_eq!(s.requests(), 5);
    assert_eq!(e.stats().deduplicated, 0);
    // The same again: all answered from the first outcomes.
    within(30, e.send(None, ProbeRequest::get(s.url("/x"))))
        .await
        .expect("response");
    assert_eq!(s.requests(), 5);
    assert_eq!(e.stats().deduplicated, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_are_never_deduplicated() {
    let s = slow_ok().await;
    let e = engine_with(&s.url("/"), config(), Vec::new(), true);
    let sends = (0..5).map(|_| {
        let e = e.clone();
        let url = s.url("/same");
        tokio::spawn(async move {
            let mut req = ProbeRequest::new(HttpMethod::Post, url);
            req.body = Some(bytes::Bytes::from_static(b"{}"));
            e.send(None, req).await
        })
    });
    for r in within(30, join_all(sends)).await {
        r.expect("task").expect("response");
    }
    // A body-less POST is not shared either.
    within(
        30,
        e.send(None, ProbeRequest::new(HttpMethod::Post, s.url("/same"))),
    )
    .await
    .expect("response");
    within(
        30,
        e.send(None, ProbeRequest::new(HttpMethod::Post, s.url("/same"))),
    )
    .await
    .expect("response");
    assert_eq!(s.requests(), 7);
    assert_eq!(e.stats().deduplicated, 0);
    assert_eq!(e.stats().sent, 7);
}
