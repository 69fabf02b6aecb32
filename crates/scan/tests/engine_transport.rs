//! The engine against targets that are down, speak something else, or misbehave at
//! the transport level. Each case ends in bounded time with a typed error or a
//! usable response, never a panic.

mod engine_support;

use engine_support::{
    config, engine, http, raw, read_head, refused_port, response, within, Server,
};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tollgate_scan::engine::{EngineConfig, EngineError, ProbeRequest};
use url::Url;

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let port = refused_port().await;
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let e = engine(&url, config());
    let err = within(30, e.send(None, ProbeRequest::get(url)))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, EngineError::Connect { .. }), "{err:?}");
    assert!(err.is_transport());
}

#[tokio::test]
async fn a_url_mentioning_tls_does_not_make_a_refusal_a_tls_error() {
    // The classification reads the error's causes, not the URL it quotes.
    let port = refused_port().await;
    let url = Url::parse(&format!(
        "http://127.0.0.1:{port}/tls/handshake/certificate"
    ))
    .expect("url");
    let e = engine(&url, config());
    let err = within(30, e.send(None, ProbeRequest::get(url)))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, EngineError::Connect { .. }), "{err:?}");
}

/// A server that writes `banner` as soon as a client connects, then closes.
async fn banner(bytes: &'static [u8]) -> Server {
    raw(move |mut sock, _| async move {
        let _ = sock.write_all(bytes).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = sock.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn an_ssh_port_is_a_protocol_error() {
    let s = banner(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n").await;
    let e = engine(&s.url("/"), config());
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("not HTTP");
    assert!(matches!(err, EngineError::Protocol { .. }), "{err:?}");
}

#[tokio::test]
async fn binary_garbage_is_a_protocol_error() {
    static GARBAGE: [u8; 512] = {
        let mut b = [0u8; 512];
        let mut i = 0;
        while i < 512 {
            b[i] = (i * 151 % 256) as u8;
            i += 1;
        }
        b
    };
    let s = banner(&GARBAGE).await;
    let e = engine(&s.url("/"), config());
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("not HTTP");
    assert!(matches!(err, EngineError::Protocol { .. }), "{err:?}");
}

#[tokio::test]
async fn a_server_that_closes_without_answering_is_a_typed_error() {
    let s = raw(|sock, _| async move { drop(sock) }).await;
    let e = engine(&s.url("/"), config());
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("no answer");
    assert!(err.is_transport(), "{err:?}");
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_error() {
    // The server reads the ClientHello as a (bad) HTTP request and answers 400.
    let s = raw(|mut sock, _| async move {
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::io::AsyncReadExt::read(&mut sock, &mut buf),
        )
        .await;
        let _ = sock.write_all(&response(400, &[], b"bad request")).await;
        let _ = sock.shutdown().await;
    })
    .await;
    let url = s.https_url("/");
    let e = engine(&url, config());
    let err = within(30, e.send(None, ProbeRequest::get(url)))
        .await
        .expect_err("not TLS");
    assert!(matches!(err, EngineError::Tls { .. }), "{err:?}");
    assert!(
        err.to_string().contains("--insecure"),
        "the message suggests the fix: {err}"
    );
}

#[tokio::test]
async fn https_to_a_garbage_server_is_a_tls_error() {
    let s = banner(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02\xff\xfe").await;
    let url = s.https_url("/");
    let e = engine(&url, config());
    let err = within(30, e.send(None, ProbeRequest::get(url)))
        .await
        .expect_err("not TLS");
    assert!(matches!(err, EngineError::Tls { .. }), "{err:?}");
}

#[tokio::test]
async fn https_to_a_server_that_hangs_up_mid_handshake_is_a_tls_error() {
    // Reads the ClientHello, then closes cleanly: the handshake sees EOF.
    let s = raw(|mut sock, _| async move {
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::io::AsyncReadExt::read(&mut sock, &mut buf),
        )
        .await;
        let _ = sock.shutdown().await;
    })
    .await;
    let url = s.https_url("/");
    let e = engine(&url, config());
    let err = within(30, e.send(None, ProbeRequest::get(url)))
        .await
        .expect_err("not TLS");
    assert!(matches!(err, EngineError::Tls { .. }), "{err:?}");
}

#[tokio::test]
async fn https_to_a_server_that_resets_is_a_transport_error() {
    // Closing with the ClientHello unread resets the connection (RST): the peer is
    // there but refuses to talk, reported as a connection failure.
    let s = raw(|sock, _| async move { drop(sock) }).await;
    let url = s.https_url("/");
    let e = engine(&url, config());
    let err = within(30, e.send(None, ProbeRequest::get(url)))
        .await
        .expect_err("not TLS");
    assert!(
        matches!(err, EngineError::Tls { .. } | EngineError::Connect { .. }),
        "{err:?}"
    );
}

/// Short limits for the slow-server tests.
fn impatient() -> EngineConfig {
    EngineConfig {
        read_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(2),
        ..config()
    }
}

#[tokio::test]
async fn a_server_dripping_its_body_times_out() {
    // One byte a second: every read is quick, so only the total timeout can stop it.
    let s = raw(|mut sock, _| async move {
        if read_head(&mut sock).await.is_none() {
            return;
        }
        if sock
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 60\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        for _ in 0..60 {
            if sock.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let e = engine(&s.url("/"), impatient());
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("too slow");
    assert!(
        matches!(err, EngineError::Timeout { phase: "total", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_server_dripping_its_head_times_out() {
    let s = raw(|mut sock, _| async move {
        if read_head(&mut sock).await.is_none() {
            return;
        }
        for b in b"HTTP/1.1 200 OK\r\nx-slow: "
            .iter()
            .chain([b'a'; 40].iter())
        {
            if sock.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let e = engine(&s.url("/"), impatient());
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("too slow");
    assert!(
        matches!(err, EngineError::Timeout { phase: "total", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_silent_server_hits_the_read_timeout() {
    let s = raw(|mut sock, _| async move {
        let _ = read_head(&mut sock).await;
        tokio::time::sleep(Duration::from_secs(20)).await;
    })
    .await;
    let cfg = EngineConfig {
        read_timeout: Duration::from_secs(1),
        ..config()
    };
    let e = engine(&s.url("/"), cfg);
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("silent");
    assert!(
        matches!(err, EngineError::Timeout { phase: "read", .. }),
        "{err:?}"
    );
    assert!(err.is_transport());
}

#[tokio::test]
async fn a_listener_that_never_accepts_hits_the_connect_timeout() {
    // A backlog of 1 that nobody accepts from: once it is full (two held connections
    // on Linux), the kernel drops further SYNs and connect() hangs.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    let _listener = socket.listen(1).expect("listen");
    let mut held = Vec::new();
    for _ in 0..4 {
        match tokio::time::timeout(
            Duration::from_millis(300),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => held.push(s),
            _ => break,
        }
    }
    let url = Url::parse(&format!("http://{addr}/")).expect("url");
    let cfg = EngineConfig {
        connect_timeout: Duration::from_secs(1),
        ..config()
    };
    let e = engine(&url, cfg);
    let err = within(30, e.send(None, ProbeRequest::get(url)))
        .await
        .expect_err("cannot connect");
    if held.len() < 4 {
        // The backlog filled up: the connect itself hung.
        assert!(
            matches!(
                err,
                EngineError::Timeout {
                    phase: "connect",
                    ..
                }
            ),
            "{err:?}"
        );
    } else {
        // A kernel that kept completing handshakes: the read timeout ends it instead.
        assert!(matches!(err, EngineError::Timeout { .. }), "{err:?}");
    }
    assert!(err.is_transport());
}

#[tokio::test]
async fn http_1_1_works() {
    let s = http(|head, _| {
        let body = format!("{} {} {}", head.method, head.path, head.version);
        response(200, &[("content-type", "text/plain")], body.as_bytes())
    })
    .await;
    let e = engine(&s.url("/"), config());
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/ping?x=1"))))
        .await
        .expect("200");
    assert_eq!(ex.response.status, 200);
    assert_eq!(ex.response.text(), "GET /ping?x=1 HTTP/1.1");
    assert!(!ex.response.truncated);
    assert_eq!(ex.response.content_type().as_deref(), Some("text/plain"));
    assert_eq!(e.stats().sent, 1);
    assert_eq!(e.transcript().len(), 1);
}

#[tokio::test]
async fn invalid_utf8_in_the_body_is_read_lossily() {
    let s = http(|_, _| {
        response(
            200,
            &[("content-type", "text/plain; charset=utf-8")],
            b"ok \xff\xfe\xc3\x28 end",
        )
    })
    .await;
    let e = engine(&s.url("/"), config());
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect("200");
    assert_eq!(&ex.response.body[..], b"ok \xff\xfe\xc3\x28 end");
    let text = ex.response.text();
    assert!(text.starts_with("ok ") && text.ends_with(" end"), "{text}");
    assert!(text.contains('\u{FFFD}'));
    // Evidence built from it is fine too.
    let ev = ex.evidence(e.redactor(), Some("end"));
    assert!(ev.response.expect("response").highlight.is_some());
}

#[tokio::test]
async fn a_100_kb_response_header_is_accepted_or_refused_cleanly() {
    let s = http(|_, _| {
        let big = "a".repeat(100 * 1024);
        response(200, &[("x-big", &big)], b"ok")
    })
    .await;
    let e = engine(&s.url("/"), config());
    match within(30, e.send(None, ProbeRequest::get(s.url("/")))).await {
        Ok(ex) => {
            assert_eq!(ex.response.status, 200);
            // The engine keeps a bounded amount of header text per response.
            let kept: usize = ex
                .response
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum();
            assert!(kept <= 64 * 1024, "kept {kept} bytes of headers");
            assert_eq!(ex.response.text(), "ok");
        }
        Err(err) => assert!(matches!(err, EngineError::Protocol { .. }), "{err:?}"),
    }
}

#[tokio::test]
async fn an_endless_response_head_is_a_protocol_error() {
    // 4 MiB of headers at most (bounded), far past what the client buffers.
    let s = raw(|mut sock, _| async move {
        if read_head(&mut sock).await.is_none() {
            return;
        }
        if sock.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
            return;
        }
        let line = format!("x-filler: {}\r\n", "b".repeat(1000));
        for _ in 0..4096 {
            if sock.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let e = engine(&s.url("/"), config());
    let err = within(30, e.send(None, ProbeRequest::get(s.url("/"))))
        .await
        .expect_err("head too large");
    assert!(matches!(err, EngineError::Protocol { .. }), "{err:?}");
}
