//! Login identities against a real local server whose tokens expire during the scan:
//! the engine logs in again before expiry (JWT `exp`) or after a 401 on a request that
//! had worked, and no request fails for an expired token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tollgate_core::{HttpMethod, Secret};
use tollgate_scan::engine::{
    Auth, Engine, EngineConfig, EngineError, Identity, Login, LoginKind, ProbeRequest, Scope,
};
use tollgate_scan::testkit::{serve, RawResponse};
use url::Url;

const PASSWORD: &str = "Canary-Passw0rd-4f1c9e";

/// Tokens issued by the test server and when.
#[derive(Default)]
struct Server {
    issued: Mutex<HashMap<String, Instant>>,
    logins: AtomicU64,
    expired_refusals: AtomicU64,
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A server whose `POST /token` issues a token living `life`; with `jwt`, the token is
/// a JWT whose `exp` says so, otherwise an opaque string the client cannot date.
async fn start(life: Duration, jwt: bool) -> (Url, Arc<Server>) {
    let state = Arc::new(Server::default());
    let s = Arc::clone(&state);
    let addr = serve(move |req| {
        if req.method == "POST" && req.path == "/token" {
            let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs_f64();
            let token = if jwt {
                format!(
                    "{}.{}.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
                    b64(r#"{"alg":"HS256","typ":"JWT"}"#),
                    b64(&format!(
                        r#"{{"sub":"alice","n":{n},"iat":{now},"exp":{}}}"#,
                        now + life.as_secs_f64()
                    ))
                )
            } else {
                format!("opaque-token-number-{n:04}")
            };
            s.issued
                .lock()
                .unwrap()
                .insert(token.clone(), Instant::now());
            return RawResponse::new(
                200,
                format!(r#"{{"access_token":"{token}","token_type":"bearer"}}"#),
            )
            .header("content-type", "application/json");
        }
        let token = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default();
        match s.issued.lock().unwrap().get(token) {
            Some(at) if at.elapsed() < life => RawResponse::new(200, r#"{"items":[1,2,3]}"#),
            Some(_) => {
                s.expired_refusals.fetch_add(1, Ordering::SeqCst);
                RawResponse::new(401, r#"{"detail":"token expired"}"#)
            }
            None => RawResponse::new(401, r#"{"detail":"no token"}"#),
        }
    })
    .await;
    (Url::parse(&format!("http://{addr}/")).unwrap(), state)
}

fn engine(target: &Url) -> Engine {
    let login = Login::with_password(
        target.join("/token").unwrap(),
        LoginKind::OAuth2Password,
        "alice",
        Secret::new(PASSWORD),
    );
    Engine::new(
        EngineConfig::default(),
        Scope::new(target, &[]).unwrap(),
        vec![Identity::logging_in("alice", login)],
        false,
    )
    .unwrap()
}

/// `GET /api/items` as alice; `n` varies a header so requests are not de-duplicated.
fn items(target: &Url, n: usize) -> ProbeRequest {
    ProbeRequest::get(target.join("/api/items").unwrap())
        .header("x-n", n.to_string())
        .auth(Auth::Identity("alice".into()))
}

#[tokio::test]
async fn logs_in_again_before_the_jwt_expires() {
    let (target, server) = start(Duration::from_millis(1500), true).await;
    let e = engine(&target);
    // The login is a POST, yet allowed in the read-only profile: it is the scanner's
    // own authentication request.
    e.log_in_all().await.expect("login");
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_millis(4500) {
        let ex = e.send(None, items(&target, n)).await.expect("send");
        assert_eq!(ex.response.status, 200, "request {n} failed");
        n += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logins = server.logins.load(Ordering::SeqCst);
    assert!(logins >= 3, "{logins} logins in 4.5 s of 1.5-s tokens");
    assert_eq!(server.expired_refusals.load(Ordering::SeqCst), 0);
    // The login went through the chokepoint: it is in the transcript, without its body.
    let snapshot = e.transcript().snapshot();
    let login_ex = snapshot
        .iter()
        .find(|x| x.request.method == HttpMethod::Post)
        .expect("login recorded");
    assert_eq!(login_ex.request.url.path(), "/token");
    // Every token obtained is masked in evidence.
    let ev = format!("{:?}", login_ex.evidence(e.redactor(), None));
    assert!(
        !ev.contains("eyJzdWIiOiJhbGljZSIsIm4iO"),
        "token leaked: {ev}"
    );
    assert!(ev.contains("$TOKEN"), "{ev}");
}

#[tokio::test]
async fn a_401_where_the_request_had_worked_means_a_new_login_and_one_retry() {
    let (target, server) = start(Duration::from_millis(800), false).await;
    let e = engine(&target);
    e.log_in_all().await.expect("login");
    let first = e.send(None, items(&target, 0)).await.expect("send");
    assert_eq!(first.response.status, 200);
    // The opaque token carries no expiry: the first sign is the server's 401.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let again = e.send(None, items(&target, 1)).await.expect("send");
    assert_eq!(again.response.status, 200, "the request was retried");
    assert_eq!(server.logins.load(Ordering::SeqCst), 2);
    assert_eq!(server.expired_refusals.load(Ordering::SeqCst), 1);
    // A route that never worked is not a reason to log in again.
    let other = ProbeRequest::get(target.join("/never-worked").unwrap())
        .auth(Auth::Identity("alice".into()));
    tokio::time::sleep(Duration::from_millis(900)).await;
    let refused = e.send(None, other).await.expect("send");
    assert_eq!(refused.response.status, 401);
    assert_eq!(server.logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failed_login_names_the_identity_and_status_never_the_password() {
    let addr = serve(|req| {
        if req.path == "/token" {
            // A server that quotes the submitted password back.
            RawResponse::new(401, format!(r#"{{"error":"bad password {PASSWORD}"}}"#))
        } else {
            RawResponse::new(200, "ok")
        }
    })
    .await;
    let target = Url::parse(&format!("http://{addr}/")).unwrap();
    let e = engine(&target);
    let err = e.log_in_all().await.expect_err("login must fail");
    let text = err.to_string();
    assert!(matches!(err, EngineError::LoginFailed { .. }), "{err:?}");
    assert!(text.contains("alice") && text.contains("401"), "{text}");
    assert!(
        text.contains("[identity.alice.login]"),
        "a next step: {text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!format!("{err:?}").contains(PASSWORD));
}

#[tokio::test]
async fn a_login_endpoint_out_of_scope_is_refused_before_anything_is_sent() {
    let target = Url::parse("http://127.0.0.1:9/").unwrap();
    let login = Login::with_password(
        Url::parse("http://127.0.0.2:9/token").unwrap(),
        LoginKind::Json,
        "alice",
        Secret::new(PASSWORD),
    );
    let err = Engine::new(
        EngineConfig::default(),
        Scope::new(&target, &[]).unwrap(),
        vec![Identity::logging_in("alice", login)],
        false,
    )
    .expect_err("out of scope");
    assert!(err.to_string().contains("out of scope"), "{err}");
}
