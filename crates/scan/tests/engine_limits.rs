//! The engine's bounds: body and decompression caps, the scan budget, and retries on
//! 429/503. A hostile server cannot make a request cost unbounded memory or time.

mod engine_support;

use engine_support::{config, engine, engine_with, http, raw, read_head, response, within};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tollgate_core::HttpMethod;
use tollgate_scan::engine::{EngineConfig, EngineError, ProbeRequest};

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn a_50_mb_body_is_cut_at_the_cap() {
    let written = Arc::new(AtomicUsize::new(0));
    let w = Arc::clone(&written);
    let s = raw(move |mut sock, _| {
        let w = Arc::clone(&w);
        async move {
            if read_head(&mut sock).await.is_none() {
                return;
            }
            let total = 50 * MIB;
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {total}\r\ncontent-type: application/octet-stream\r\n\r\n");
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'z'; 64 * 1024];
            for _ in 0..total / chunk.len() {
                if sock.write_all(&chunk).await.is_err() {
                    return;
                }
                w.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
    })
    .await;
    let e = engine(&s.url("/"), config());
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/big"))))
        .await
        .expect("response");
    assert_eq!(ex.response.status, 200);
    assert_eq!(ex.response.body.len(), e.config().body_cap);
    assert_eq!(e.config().body_cap, MIB, "the default cap is 1 MiB");
    assert!(ex.response.truncated);
    // The engine hung up: the server could not push the whole 50 MB (socket buffers
    // hold a few MiB at most).
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        written.load(Ordering::SeqCst) < 40 * MIB,
        "wrote {}",
        written.load(Ordering::SeqCst)
    );
    // The transcript keeps even less.
    let kept = e.transcript().snapshot();
    assert_eq!(kept[0].response.body.len(), e.config().transcript_body_cap);
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_at_the_cap() {
    let s = raw(|mut sock, _| async move {
        if read_head(&mut sock).await.is_none() {
            return;
        }
        if sock
            .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        let mut chunk = format!("{:x}\r\n", 16 * 1024).into_bytes();
        chunk.extend_from_slice(&[b'c'; 16 * 1024]);
        chunk.extend_from_slice(b"\r\n");
        // 128 MiB at most: bounded, and far past the cap.
        for _ in 0..8192 {
            if sock.write_all(&chunk).await.is_err() {
                return;
            }
        }
    })
    .await;
    let cfg = EngineConfig {
        body_cap: 100_000,
        ..config()
    };
    let e = engine(&s.url("/"), cfg);
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect("response");
    assert_eq!(ex.response.body.len(), 100_000);
    assert!(ex.response.truncated);
}

#[tokio::test]
async fn a_body_of_exactly_the_cap_is_not_truncated_and_one_more_byte_is() {
    let s = http(|head, _| {
        let n: usize = head.path.trim_start_matches("/n/").parse().unwrap_or(0);
        response(200, &[], &vec![b'a'; n])
    })
    .await;
    let cap = 1000;
    let e = engine(
        &s.url("/"),
        EngineConfig {
            body_cap: cap,
            ..config()
        },
    );
    for (n, truncated) in [
        (0, false),
        (999, false),
        (1000, false),
        (1001, true),
        (5000, true),
    ] {
        let ex = within(
            30,
            e.send(None, ProbeRequest::get(s.url(&format!("/n/{n}")))),
        )
        .await
        .expect("response");
        assert_eq!(ex.response.body.len(), n.min(cap), "body of {n}");
        assert_eq!(ex.response.truncated, truncated, "body of {n}");
    }
}

#[tokio::test]
async fn a_body_cut_short_by_the_server_keeps_what_arrived() {
    let s = raw(|mut sock, _| async move {
        if read_head(&mut sock).await.is_none() {
            return;
        }
        let _ = sock
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial")
            .await;
        let _ = sock.shutdown().await;
    })
    .await;
    let e = engine(&s.url("/"), config());
    match within(30, e.send(None, ProbeRequest::get(s.url("/")))).await {
        Ok(ex) => {
            assert_eq!(&ex.response.body[..], b"partial");
            assert!(ex.response.truncated);
        }
        // hyper may hand the short body over as one failed read.
        Err(err) => assert!(matches!(err, EngineError::Protocol { .. }), "{err:?}"),
    }
}

/// 1 GiB of zeros, gzip-compressed (about 1 MiB), built once.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::with_capacity(2 * MIB), Compression::best());
        let zeros = vec![0u8; MIB];
        for _ in 0..1024 {
            enc.write_all(&zeros).expect("compress");
        }
        enc.finish().expect("compress")
    })
}

#[tokio::test]
async fn a_gzip_bomb_is_cut_at_the_cap() {
    let bomb = tokio::task::spawn_blocking(gzip_bomb).await.expect("bomb");
    assert!(bomb.len() < 4 * MIB, "compressed size {}", bomb.len());
    let s = http(move |_, _| {
        response(
            200,
            &[
                ("content-encoding", "gzip"),
                ("content-type", "application/json"),
            ],
            bomb,
        )
    })
    .await;
    let e = engine(&s.url("/"), config());
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/bomb"))))
        .await
        .expect("response");
    assert_eq!(ex.response.status, 200);
    assert_eq!(ex.response.body.len(), e.config().body_cap);
    assert!(ex.response.truncated);
    assert!(ex.response.body.iter().all(|b| *b == 0), "decompressed");
}

#[tokio::test]
async fn the_request_budget_stops_the_fourth_request() {
    let s = http(|_, _| response(200, &[], b"ok")).await;
    let e = engine(
        &s.url("/"),
        EngineConfig {
            max_requests: 3,
            ..config()
        },
    );
    for i in 0..3 {
        within(30, e.send(None, ProbeRequest::get(s.url(&format!("/{i}")))))
            .await
            .expect("within budget");
    }
    assert!(!e.stats().budget_exhausted);
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/3"))))
        .await
        .expect_err("over budget");
    assert!(matches!(err, EngineError::BudgetExhausted(_)), "{err:?}");
    assert!(!err.is_transport());
    let stats = e.stats();
    assert!(stats.budget_exhausted);
    assert_eq!(stats.sent, 3);
    assert_eq!(s.requests(), 3);
}

#[tokio::test]
async fn the_scan_deadline_cuts_a_request_short_as_budget_not_target_failure() {
    // The target never answers; the scan's --max-time ends first.
    let s = raw(|mut sock, _| async move {
        let _ = read_head(&mut sock).await;
        tokio::time::sleep(Duration::from_secs(20)).await;
    })
    .await;
    let cfg = EngineConfig {
        max_time: Duration::from_secs(1),
        ..config()
    };
    let e = engine(&s.url("/"), cfg);
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("deadline");
    assert!(matches!(err, EngineError::BudgetExhausted(_)), "{err:?}");
    assert!(e.stats().budget_exhausted);
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/next"))))
        .await
        .expect_err("deadline");
    assert!(matches!(err, EngineError::BudgetExhausted(_)), "{err:?}");
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried() {
    let s = http(|_, i| match i {
        0 => response(429, &[("retry-after", "1")], b"slow down"),
        _ => response(200, &[], b"ok"),
    })
    .await;
    let e = engine(&s.url("/"), config());
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect("response");
    assert_eq!(ex.response.status, 200);
    assert_eq!(ex.response.text(), "ok");
    assert_eq!(e.stats().sent, 2);
    assert_eq!(s.requests(), 2);
    // Only the final exchange is recorded.
    assert_eq!(e.transcript().len(), 1);
}

#[tokio::test]
async fn a_write_that_gets_a_429_is_not_sent_again() {
    // The first POST may have taken effect (a one-time code burnt, an object made):
    // the check gets the 429 and decides.
    let s = http(|_, i| match i {
        0 => response(429, &[("retry-after", "1")], b"slow down"),
        _ => response(200, &[], b"ok"),
    })
    .await;
    let e = engine_with(&s.url("/"), config(), Vec::new(), true);
    let req = ProbeRequest::new(HttpMethod::Post, s.url("/codes"));
    let ex = within(30, e.send(None, req)).await.expect("response");
    assert_eq!(ex.response.status, 429);
    assert_eq!(s.requests(), 1);
}

#[tokio::test]
async fn a_503_forever_gives_up_after_max_retries() {
    let s = http(|_, _| response(503, &[("retry-after", "1")], b"down")).await;
    let cfg = EngineConfig {
        max_retries: 2,
        retry_after_cap: Duration::from_millis(200),
        ..config()
    };
    let e = engine(&s.url("/"), cfg);
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect("the 503 itself");
    assert_eq!(ex.response.status, 503);
    assert_eq!(e.stats().sent, 3, "the first try and two retries");
    assert_eq!(s.requests(), 3);
}
