//! Canary tokens: the user's credential reaches the target and nothing else. Not the
//! recorded request, not the evidence, not the curl reproducer, not an error message.

mod engine_support;

use engine_support::{
    config, engine_with, http, raw, read_head, refused_port, rendered, response, sink, within,
};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tollgate_core::Secret;
use tollgate_scan::engine::{Auth, Credential, Engine, EngineConfig, Identity, ProbeRequest};
use url::Url;

fn canary() -> String {
    format!("tollgate-canary-{:016x}", fastrand::u64(..))
}

/// A server that echoes the request's Authorization, Cookie and X-Api-Key headers in
/// its body and in response headers, like a careless debug endpoint.
async fn echo() -> engine_support::Server {
    http(|head, _| {
        let auth = head.header("authorization").unwrap_or("-").to_string();
        let cookie = head.header("cookie").unwrap_or("-").to_string();
        let key = head.header("x-api-key").unwrap_or("-").to_string();
        let body = format!(
            "{{\"you_sent\":\"{auth}\",\"cookie\":\"{cookie}\",\"key\":\"{key}\",\"path\":\"{}\"}}",
            head.path
        );
        response(
            200,
            &[
                ("content-type", "application/json"),
                ("x-echo-auth", &auth),
                ("set-cookie", &cookie),
                ("x-echo-key", &key),
            ],
            body.as_bytes(),
        )
    })
    .await
}

fn identities(token: &str) -> Vec<Identity> {
    vec![
        Identity::bearer("alice", Secret::new(token)),
        Identity {
            name: "bob".into(),
            credential: Credential::Cookie {
                name: "sessionid".into(),
                value: Secret::new(format!("{token}-bob")),
            },
            login: None,
        },
        Identity {
            name: "carol".into(),
            credential: Credential::Header {
                name: "X-Api-Key".into(),
                value: Secret::new(format!("{token}-carol")),
            },
            login: None,
        },
    ]
}

fn assert_clean(what: &str, text: &str, token: &str) {
    assert!(!text.contains(token), "{what} leaks the canary: {text}");
    // The distinctive part alone must not survive either.
    let tail = &token["tollgate-canary-".len()..];
    assert!(
        !text.contains(tail),
        "{what} leaks part of the canary: {text}"
    );
}

#[tokio::test]
async fn the_credential_goes_on_the_wire_and_nowhere_else() {
    let token = canary();
    let s = echo().await;
    let e = engine_with(&s.url("/"), config(), identities(&token), false);
    let redactor = e.redactor().clone();

    // Bearer.
    let ex = within(
        30,
        e.send(
            None,
            ProbeRequest::get(s.url("/me")).auth(Auth::Identity("alice".into())),
        ),
    )
    .await
    .expect("200");
    assert!(
        ex.response.text().contains(&format!("Bearer {token}")),
        "the target got the real token"
    );
    assert_eq!(
        ex.response.header("x-echo-auth"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(ex.request.identity.as_deref(), Some("alice"));
    assert!(
        ex.request
            .headers
            .contains(&("authorization".to_string(), "Bearer $TOKEN".to_string())),
        "{:?}",
        ex.request.headers
    );
    assert_clean("recorded request", &format!("{:?}", ex.request), &token);
    let evidence = ex.evidence(&redactor, None);
    assert_clean("evidence", &format!("{evidence:?}"), &token);
    assert_clean(
        "evidence json",
        &serde_json::to_string(&evidence).expect("json"),
        &token,
    );
    assert!(evidence
        .response
        .as_ref()
        .expect("response")
        .body_excerpt
        .contains("Bearer $TOKEN"));
    assert_clean(
        "evidence highlighting the token",
        &format!("{:?}", ex.evidence(&redactor, Some(&token))),
        &token,
    );
    let curl = ex.curl(&redactor);
    assert_clean("curl", &curl, &token);
    assert!(curl.contains("authorization: Bearer $TOKEN"), "{curl}");

    // Cookie and custom header identities.
    for (name, header) in [("bob", "cookie"), ("carol", "x-api-key")] {
        let ex = within(
            30,
            e.send(
                None,
                ProbeRequest::get(s.url("/me")).auth(Auth::Identity(name.into())),
            ),
        )
        .await
        .expect("200");
        assert!(
            ex.response.text().contains(&token),
            "the target got {name}'s credential"
        );
        let recorded = ex
            .request
            .headers
            .iter()
            .find(|(k, _)| k == header)
            .expect("credential header recorded");
        assert!(recorded.1.contains("$TOKEN"), "{recorded:?}");
        assert_clean("recorded request", &format!("{:?}", ex.request), &token);
        assert_clean(
            "evidence",
            &format!("{:?}", ex.evidence(&redactor, None)),
            &token,
        );
        assert_clean("curl", &ex.curl(&redactor), &token);
    }

    // A check that copies the secret into the URL (it should not, but) is redacted too.
    let ex = within(
        30,
        e.send(None, ProbeRequest::get(s.url(&format!("/q?token={token}")))),
    )
    .await
    .expect("200");
    assert_clean(
        "evidence",
        &format!("{:?}", ex.evidence(&redactor, None)),
        &token,
    );
    assert_clean("curl", &ex.curl(&redactor), &token);
}

/// Sends `req` and asserts it fails with an error that does not mention the canary.
async fn fails_clean(e: &Engine, url: Url, token: &str) -> String {
    let req = ProbeRequest::get(url)
        .auth(Auth::Identity("alice".into()))
        .follow_redirects();
    let err = within(30, e.send(None, req)).await.expect_err("fails");
    let text = rendered(&err);
    assert_clean("error", &text, token);
    text
}

#[tokio::test]
async fn error_messages_never_carry_the_canary() {
    let token = canary();
    let query = format!("?api_key={token}&next={token}");

    // Connection refused.
    let port = refused_port().await;
    let target = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let e = engine_with(&target, config(), identities(&token), false);
    let msg = fails_clean(&e, target.join(&format!("/x{query}")).expect("url"), &token).await;
    assert!(msg.contains("$TOKEN"), "the URL is shown, redacted: {msg}");

    // Out of scope (the scope guard quotes the URL).
    let elsewhere = sink().await;
    fails_clean(&e, elsewhere.url(&format!("/x{query}")), &token).await;
    assert_eq!(elsewhere.connections(), 0);

    // Not HTTP.
    let garbage = raw(|mut sock, _| async move {
        let _ = sock.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
    })
    .await;
    let e = engine_with(&garbage.url("/"), config(), identities(&token), false);
    fails_clean(&e, garbage.url(&format!("/x{query}")), &token).await;

    // TLS failure.
    let e = engine_with(&garbage.https_url("/"), config(), identities(&token), false);
    fails_clean(&e, garbage.https_url(&format!("/x{query}")), &token).await;

    // Redirect loop that reflects the token in Location.
    let looping = http(|head, _| response(302, &[("location", &head.path)], b"")).await;
    let e = engine_with(&looping.url("/"), config(), identities(&token), false);
    fails_clean(&e, looping.url(&format!("/x{query}")), &token).await;

    // Timeout.
    let silent = raw(|mut sock, _| async move {
        let _ = read_head(&mut sock).await;
        tokio::time::sleep(Duration::from_secs(20)).await;
    })
    .await;
    let cfg = EngineConfig {
        read_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        ..config()
    };
    let e = engine_with(&silent.url("/"), cfg, identities(&token), false);
    fails_clean(&e, silent.url(&format!("/x{query}")), &token).await;

    // The budget.
    let ok = http(|_, _| response(200, &[], b"ok")).await;
    let e = engine_with(
        &ok.url("/"),
        EngineConfig {
            max_requests: 0,
            ..config()
        },
        identities(&token),
        false,
    );
    fails_clean(&e, ok.url(&format!("/x{query}")), &token).await;
}
