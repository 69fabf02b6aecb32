//! The scope chokepoint and redirects: nothing outside the target's origin is ever
//! contacted, whether a check asks for it directly or a server redirects there.

mod engine_support;

use engine_support::{config, engine, engine_with, http, response, sink, within};
use tollgate_core::HttpMethod;
use tollgate_scan::engine::{EngineError, ProbeRequest};
use url::Url;

#[tokio::test]
async fn a_redirect_loop_ends_with_too_many_redirects() {
    let s = http(|head, _| {
        let to = if head.path == "/a" { "/b" } else { "/a" };
        response(302, &[("location", to)], b"")
    })
    .await;
    let e = engine(&s.url("/"), config());
    let err = within(
        30,
        e.send(None, ProbeRequest::get(s.url("/a")).follow_redirects()),
    )
    .await
    .expect_err("loop");
    let limit = e.config().max_redirects;
    assert!(
        matches!(err, EngineError::TooManyRedirects { limit: l, .. } if l == limit),
        "{err:?}"
    );
    assert_eq!(
        s.requests(),
        usize::from(limit) + 1,
        "the first request and `limit` redirects"
    );
}

#[tokio::test]
async fn without_follow_the_redirect_itself_is_returned() {
    let s = http(|_, _| response(302, &[("location", "/b")], b"")).await;
    let e = engine(&s.url("/"), config());
    let ex = within(30, e.send(None, ProbeRequest::get(s.url("/a"))))
        .await
        .expect("3xx");
    assert_eq!(ex.response.status, 302);
    assert_eq!(ex.response.header("location"), Some("/b"));
    assert_eq!(ex.request.url, s.url("/a"));
    assert_eq!(s.requests(), 1);
}

#[tokio::test]
async fn in_scope_redirects_are_followed() {
    let s = http(|head, _| match head.path.as_str() {
        "/a" => response(301, &[("location", "/b")], b""),
        "/b" => response(307, &[("location", "b2?x=1")], b""),
        _ => response(200, &[], head.path.as_bytes()),
    })
    .await;
    let e = engine(&s.url("/"), config());
    let ex = within(
        30,
        e.send(None, ProbeRequest::get(s.url("/a")).follow_redirects()),
    )
    .await
    .expect("200");
    assert_eq!(ex.response.status, 200);
    assert_eq!(ex.response.text(), "/b2?x=1");
    assert_eq!(
        ex.request.url,
        s.url("/b2?x=1"),
        "the exchange records the final URL"
    );
}

#[tokio::test]
async fn out_of_scope_redirects_are_not_followed() {
    let other = sink().await;
    let locations = [
        other.url("/stolen").to_string(),
        format!("//{}/protocol-relative", other.addr),
        "http://127.0.0.2:1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "file:///etc/passwd".to_string(),
    ];
    for location in locations {
        let loc = location.clone();
        let s = http(move |_, _| response(302, &[("location", &loc)], b"")).await;
        let e = engine(&s.url("/"), config());
        let ex = within(
            30,
            e.send(None, ProbeRequest::get(s.url("/")).follow_redirects()),
        )
        .await
        .expect("3xx");
        assert_eq!(ex.response.status, 302, "{location}");
        assert_eq!(ex.response.header("location"), Some(location.as_str()));
        assert_eq!(s.requests(), 1);
    }
    assert_eq!(other.connections(), 0, "nothing was sent out of scope");
}

#[tokio::test]
async fn requests_out_of_scope_never_leave_the_engine() {
    let a = http(|_, _| response(200, &[], b"a")).await;
    let b = sink().await;
    let e = engine_with(&a.url("/"), config(), Vec::new(), true);
    let b_host = format!("127.0.0.1:{}", b.addr.port());
    let targets = [
        b.url("/"),
        b.url("/api?x=1"),
        Url::parse(&format!("http://localhost:{}/", b.addr.port())).expect("url"),
        Url::parse(&format!("https://{b_host}/")).expect("url"),
        // The target's port with another scheme is another origin.
        a.https_url("/"),
    ];
    for url in targets {
        for method in [
            HttpMethod::Get,
            HttpMethod::Head,
            HttpMethod::Post,
            HttpMethod::Delete,
        ] {
            let req = ProbeRequest::new(method, url.clone());
            let err = within(30, e.send(None, req))
                .await
                .expect_err("out of scope");
            assert!(
                matches!(err, EngineError::OutOfScope { .. }),
                "{method} {url}: {err:?}"
            );
            assert!(!err.is_transport());
        }
    }
    assert_eq!(b.connections(), 0);
    assert_eq!(a.connections(), 0);
    assert_eq!(e.stats().sent, 0, "refused requests cost no budget");
    // The target itself still works.
    let ex = within(30, e.send(None, ProbeRequest::get(a.url("/"))))
        .await
        .expect("in scope");
    assert_eq!(ex.response.text(), "a");
}

#[tokio::test]
async fn intrusive_methods_need_the_flag() {
    let a = http(|_, _| response(200, &[], b"a")).await;
    let e = engine(&a.url("/"), config());
    for method in [
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ] {
        let err = within(30, e.send(None, ProbeRequest::new(method, a.url("/"))))
            .await
            .expect_err("gated");
        assert!(
            matches!(err, EngineError::IntrusiveNotAllowed { .. }),
            "{err:?}"
        );
    }
    assert_eq!(a.connections(), 0);
}
