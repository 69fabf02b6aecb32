//! The SSRF guard inside the scan engine: redirect hops and host names are vetted
//! before any connection. Every address here is on loopback, so a guard that failed
//! would still send nothing off this machine.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use tollgate_scan::engine::{Engine, EngineConfig, EngineError, ProbeRequest, Scope};
use tollgate_scan::testkit::{serve, RawResponse};
use tollgate_server::guard::{Allow, Guard};
use url::Url;

fn engine(target: &Url, extra: &[Url], allow: &[&str]) -> Engine {
    let guard = Guard::new(
        allow
            .iter()
            .map(|a| a.parse::<Allow>().expect("allow"))
            .collect(),
    );
    let config = EngineConfig {
        destinations: Some(guard.policy()),
        ..EngineConfig::default()
    };
    Engine::new(
        config,
        Scope::new(target, extra).expect("scope"),
        Vec::new(),
        false,
    )
    .expect("engine")
}

#[tokio::test]
async fn a_redirect_to_a_denied_address_is_not_followed() {
    let port = 9; // discard: nothing listens there, and nothing may be sent either
    let addr = serve(move |req| match req.path.as_str() {
        "/mapped" => RawResponse::new(302, "")
            .header("location", &format!("http://[::ffff:127.0.0.2]:{port}/")),
        _ => RawResponse::new(302, "").header(
            "location",
            &format!("http://127.0.0.2:{port}/latest/meta-data/"),
        ),
    })
    .await;
    let target = Url::parse(&format!("http://{addr}/")).expect("url");
    let extra = [
        Url::parse(&format!("http://127.0.0.2:{port}/")).expect("url"),
        Url::parse(&format!("http://[::ffff:127.0.0.2]:{port}/")).expect("url"),
    ];
    let e = engine(&target, &extra, &["127.0.0.1"]);
    for (path, class) in [("/", "loopback"), ("/mapped", "IPv4-mapped")] {
        let err = e
            .send(
                None,
                ProbeRequest::get(target.join(path).expect("url")).follow_redirects(),
            )
            .await
            .expect_err("the hop is refused");
        match err {
            EngineError::DestinationRefused { reason, .. } => {
                assert!(reason.contains(class), "{reason}");
            }
            other => panic!("expected a refusal, got {other}"),
        }
    }
    // The first hop (127.0.0.1, allowed) was sent; the refused one was not.
    assert_eq!(e.stats().sent, 2);
}

#[tokio::test]
async fn a_target_on_a_denied_literal_is_refused_before_sending() {
    let addr = serve(|_| RawResponse::new(200, "ok")).await;
    let target = Url::parse(&format!("http://{addr}/")).expect("url");
    let e = engine(&target, &[], &[]);
    let err = e
        .send(None, ProbeRequest::get(target.clone()))
        .await
        .expect_err("loopback is denied by default");
    assert!(
        matches!(err, EngineError::DestinationRefused { .. }),
        "{err}"
    );
    assert_eq!(e.stats().sent, 0);
    let allowed = engine(&target, &[], &["127.0.0.0/8"]);
    let ex = allowed
        .send(None, ProbeRequest::get(target))
        .await
        .expect("allowed");
    assert_eq!(ex.response.status, 200);
}

/// `localhost` resolves locally (no DNS server): through the guard's resolver it is
/// refused, because it resolves to loopback, unless the name is allowed.
#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_at_resolution() {
    let addr = serve(|_| RawResponse::new(200, "ok")).await;
    let target = Url::parse(&format!("http://localhost:{}/", addr.port())).expect("url");
    let e = engine(&target, &[], &[]);
    let err = e
        .send(None, ProbeRequest::get(target.clone()))
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("loopback"), "{err}");
    let allowed = engine(&target, &[], &["localhost"]);
    let ex = allowed
        .send(None, ProbeRequest::get(target))
        .await
        .expect("allowed by name");
    assert_eq!(ex.response.status, 200);
}
