//! Login identities: credentials plus a login request instead of a static token.
//!
//! An identity may carry a [`Login`]: the engine then logs it in before its first
//! request, again a little before its token expires (the JWT's `exp`, or the login
//! response's `expires_in`), and again when a request that had worked with it is
//! refused with 401 (that request is retried once with the new token).
//!
//! The login request is the scanner's own authentication request, not a probe: it is
//! a `POST` even in the read-only profile, and it still passes the scope guard, the
//! scan budget, the per-host limiter and the transcript. Its body (the password) is
//! never recorded; the password, the client secret and every token obtained join the
//! engine's redactor, so none appears in any output.

use super::{Auth, Engine, EngineError, Exchange, ProbeRequest};
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;
use tollgate_core::{CheckId, HttpMethod, Secret};
use url::Url;

/// How the login request is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKind {
    /// `POST` a JSON object `{"<username_field>": …, "<password_field>": …}`.
    Json,
    /// The same two fields, form-encoded.
    Form,
    /// OAuth2 resource-owner password grant (RFC 6749 §4.3), form-encoded.
    OAuth2Password,
    /// OAuth2 client-credentials grant (RFC 6749 §4.4), form-encoded.
    OAuth2ClientCredentials,
}

impl LoginKind {
    pub const NAMES: &'static [&'static str] = &[
        "json",
        "form",
        "oauth2-password",
        "oauth2-client-credentials",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LoginKind::Json => "json",
            LoginKind::Form => "form",
            LoginKind::OAuth2Password => "oauth2-password",
            LoginKind::OAuth2ClientCredentials => "oauth2-client-credentials",
        }
    }
}

impl std::str::FromStr for LoginKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(LoginKind::Json),
            "form" => Ok(LoginKind::Form),
            "oauth2-password" => Ok(LoginKind::OAuth2Password),
            "oauth2-client-credentials" => Ok(LoginKind::OAuth2ClientCredentials),
            other => Err(format!(
                "unknown login kind `{other}`; use one of {}",
                LoginKind::NAMES.join(", ")
            )),
        }
    }
}

/// The default JSON pointer to the token in the login response.
pub const DEFAULT_TOKEN_POINTER: &str = "/access_token";

/// A login request and the credentials it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The login endpoint; must be in scope.
    pub url: Url,
    pub kind: LoginKind,
    /// The account name (json, form, oauth2-password).
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The OAuth2 client (required for client-credentials, optional for password).
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// The OAuth2 `scope` parameter, if the server wants one.
    pub scope: Option<String>,
    /// Field names of the json and form kinds.
    pub username_field: String,
    pub password_field: String,
    /// JSON pointer (RFC 6901) to the token in the response body.
    pub token_pointer: String,
}

impl Login {
    /// A login with the default fields (`username`, `password`, `/access_token`).
    pub fn new(url: Url, kind: LoginKind) -> Login {
        Login {
            url,
            kind,
            username: None,
            password: None,
            client_id: None,
            client_secret: None,
            scope: None,
            username_field: "username".into(),
            password_field: "password".into(),
            token_pointer: DEFAULT_TOKEN_POINTER.into(),
        }
    }

    /// A login with a username and password.
    pub fn with_password(url: Url, kind: LoginKind, username: &str, password: Secret) -> Login {
        Login {
            username: Some(username.to_string()),
            password: Some(password),
            ..Login::new(url, kind)
        }
    }

    /// Whether the fields this kind needs are all present; the message names what is
    /// missing.
    pub fn validate(&self) -> Result<(), String> {
        let need = |present: bool, what: &str| {
            if present {
                Ok(())
            } else {
                Err(format!("a `{}` login needs {what}", self.kind.as_str()))
            }
        };
        match self.kind {
            LoginKind::Json | LoginKind::Form | LoginKind::OAuth2Password => {
                need(self.username.is_some(), "a username")?;
                need(self.password.is_some(), "a password")?;
            }
            LoginKind::OAuth2ClientCredentials => {
                need(self.client_id.is_some(), "a client_id")?;
                need(self.client_secret.is_some(), "a client_secret")?;
            }
        }
        if !(self.token_pointer.is_empty() || self.token_pointer.starts_with('/')) {
            return Err(format!(
                "token_pointer `{}` is not a JSON pointer: write it like /access_token or /data/token",
                self.token_pointer
            ));
        }
        if !matches!(self.url.scheme(), "http" | "https") {
            return Err(format!("login url `{}` is not http(s)", self.url));
        }
        Ok(())
    }

    /// The secrets this login carries (password, client secret).
    pub fn secrets(&self) -> impl Iterator<Item = &Secret> {
        self.password.iter().chain(self.client_secret.iter())
    }

    /// The content type and body of the login request. The body holds the password.
    fn body(&self) -> (&'static str, String) {
        let user = self.username.as_deref().unwrap_or_default();
        let pass = self.password.as_ref().map_or("", Secret::expose);
        match self.kind {
            LoginKind::Json => {
                let mut obj = serde_json::Map::new();
                obj.insert(self.username_field.clone(), user.into());
                obj.insert(self.password_field.clone(), pass.into());
                (
                    "application/json",
                    serde_json::Value::Object(obj).to_string(),
                )
            }
            LoginKind::Form => (
                FORM,
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair(&self.username_field, user)
                    .append_pair(&self.password_field, pass)
                    .finish(),
            ),
            LoginKind::OAuth2Password | LoginKind::OAuth2ClientCredentials => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                if self.kind == LoginKind::OAuth2Password {
                    form.append_pair("grant_type", "password")
                        .append_pair("username", user)
                        .append_pair("password", pass);
                } else {
                    form.append_pair("grant_type", "client_credentials");
                }
                if let Some(id) = &self.client_id {
                    form.append_pair("client_id", id);
                }
                if let Some(secret) = &self.client_secret {
                    form.append_pair("client_secret", secret.expose());
                }
                if let Some(scope) = &self.scope {
                    form.append_pair("scope", scope);
                }
                (FORM, form.finish())
            }
        }
    }

    /// The login request, anonymous, redirects not followed.
    fn request(&self) -> ProbeRequest {
        let (content_type, body) = self.body();
        let mut req = ProbeRequest::new(HttpMethod::Post, self.url.clone())
            .header("content-type", content_type)
            .header("accept", "application/json");
        req.body = Some(Bytes::from(body));
        req
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// The token at `pointer` in a JSON response body. A number is taken as its text; an
/// empty pointer means the whole body is the token (a JSON string or plain text).
pub fn extract_token(body: &[u8], pointer: &str) -> Result<String, String> {
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(body);
    let token = match (parsed, pointer.is_empty()) {
        (Ok(v), _) => match v.pointer(pointer) {
            Some(serde_json::Value::String(s)) => s.trim().to_string(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(_) => return Err(format!("the value at {pointer} is not a string")),
            None => {
                return Err(format!(
                    "the response has no value at {}",
                    if pointer.is_empty() { "\"\"" } else { pointer }
                ))
            }
        },
        (Err(_), true) => String::from_utf8_lossy(body).trim().to_string(),
        (Err(_), false) => return Err("the response is not JSON".into()),
    };
    if token.is_empty() || token.contains(['\r', '\n']) {
        return Err(format!("the value at {pointer} is not a usable token"));
    }
    Ok(token)
}

/// How long a fresh token stays valid: its JWT `exp` (measured from its `iat` when it
/// has one, so a skewed clock does not matter) and the response's `expires_in`,
/// whichever is shorter. `None` when neither says, or when they make no sense.
pub fn token_lifetime(token: &str, expires_in: Option<u64>, now_unix: u64) -> Option<Duration> {
    let from_jwt = crate::jwt::Token::parse(token).ok().and_then(|jwt| {
        let claims = jwt.claims();
        let exp = claims.get("exp")?.as_f64()?;
        let start = claims
            .get("iat")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(now_unix as f64);
        let secs = exp - start;
        (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
    });
    let from_response = expires_in
        .filter(|&s| s > 0)
        .map(|s| Duration::from_secs(s.min(1_000_000_000)));
    match (from_jwt, from_response) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When to log in again, after a login whose token lives `lifetime`: a little before
/// it expires (a fifth of its life, at most 30 s early).
pub fn refresh_after(lifetime: Duration) -> Duration {
    let margin = (lifetime / 5).min(Duration::from_secs(30));
    lifetime.saturating_sub(margin)
}

/// A token younger than this is not replaced on a 401: the server refused a fresh
/// token, so logging in again would only repeat the refusal.
const MIN_TOKEN_AGE_FOR_RELOGIN: Duration = Duration::from_secs(2);
/// After a failed login, requests fail with that error for this long before the next
/// attempt, so a broken login does not turn every request into a login.
const LOGIN_RETRY_PAUSE: Duration = Duration::from_secs(5);
/// Requests remembered per identity as having worked with it.
const WORKED_CAP: usize = 20_000;
/// Bytes of a failed login's response quoted in the error.
const EXCERPT: usize = 160;

#[derive(Default)]
struct State {
    token: Option<Secret>,
    obtained: Option<Instant>,
    refresh_at: Option<Instant>,
    generation: u64,
    /// `(method, url)` of requests that got a 2xx with this identity.
    worked: HashSet<(HttpMethod, String)>,
    failed: Option<(Instant, EngineError)>,
}

/// One login identity's session.
pub(super) struct Session {
    name: String,
    login: Arc<Login>,
    state: Mutex<State>,
    /// Held while logging in, so concurrent requests wait for one login.
    gate: tokio::sync::Mutex<()>,
}

impl Session {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current token's generation, if it is present and not due for refresh.
    fn usable(&self, now: Instant) -> Option<u64> {
        let s = self.state();
        let fresh = s.refresh_at.is_none_or(|at| now < at);
        (s.token.is_some() && fresh).then_some(s.generation)
    }
}

/// Checks each login before the scan sends anything: its fields, and its URL in scope.
pub(super) fn check_logins(
    identities: &[super::Identity],
    scope: &super::Scope,
) -> Result<(), EngineError> {
    for id in identities {
        let Some(login) = &id.login else { continue };
        let fail = |detail: String| EngineError::LoginFailed {
            identity: id.name.clone(),
            url: login.url.to_string(),
            detail,
        };
        login
            .validate()
            .map_err(|e| fail(format!("{e} — fix [identity.{}.login]", id.name)))?;
        if !scope.allows(&login.url) {
            return Err(fail(
                "the login endpoint is out of scope — log in at the target's origin or add the endpoint's origin with --scope".into(),
            ));
        }
    }
    Ok(())
}

/// Every login identity's session, by name.
#[derive(Default)]
pub(super) struct Sessions(HashMap<String, Arc<Session>>);

impl Sessions {
    pub(super) fn new(identities: &[super::Identity]) -> Sessions {
        Sessions(
            identities
                .iter()
                .filter_map(|id| {
                    let login = id.login.clone()?;
                    Some((
                        id.name.clone(),
                        Arc::new(Session {
                            name: id.name.clone(),
                            login,
                            state: Mutex::new(State::default()),
                            gate: tokio::sync::Mutex::new(()),
                        }),
                    ))
                })
                .collect(),
        )
    }

    fn get(&self, auth: &Auth) -> Option<Arc<Session>> {
        match auth {
            Auth::Identity(name) => self.0.get(name).cloned(),
            _ => None,
        }
    }

    /// The current token of a login identity (`None` before its first login).
    pub(super) fn token(&self, name: &str) -> Option<Secret> {
        self.0.get(name).and_then(|s| s.state().token.clone())
    }

    pub(super) fn is_login(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

impl Engine {
    /// Logs every login identity in, in configuration order: the scan's first step.
    /// The error names the identity, the endpoint and the status, never the password.
    pub async fn log_in_all(&self) -> Result<(), EngineError> {
        for id in &self.inner.identities {
            if let Some(session) = self.inner.sessions.0.get(&id.name) {
                self.log_in(session, None).await?;
            }
        }
        Ok(())
    }

    /// Whether `username` (case-insensitive) logs one of the identities in.
    pub fn is_login_username(&self, username: &str) -> bool {
        self.inner.identities.iter().any(|id| {
            id.login
                .as_ref()
                .and_then(|l| l.username.as_deref())
                .is_some_and(|u| u.eq_ignore_ascii_case(username))
        })
    }

    /// The hook of [`Engine::send_uncached`] for requests made as a login identity:
    /// `None` for every other request.
    pub(super) async fn send_logged_in(
        &self,
        check: &Option<CheckId>,
        req: &ProbeRequest,
    ) -> Option<Result<Arc<Exchange>, EngineError>> {
        let session = self.inner.sessions.get(&req.auth)?;
        Some(self.send_with_session(&session, check, req).await)
    }

    async fn send_with_session(
        &self,
        session: &Session,
        check: &Option<CheckId>,
        req: &ProbeRequest,
    ) -> Result<Arc<Exchange>, EngineError> {
        let generation = match session.usable(Instant::now()) {
            Some(g) => g,
            None => self.log_in(session, None).await?,
        };
        let exchange = self.send_attempt(check.clone(), req.clone()).await?;
        let key = (req.method, req.url.to_string());
        if exchange.response.is_success() {
            let mut s = session.state();
            if s.worked.len() < WORKED_CAP {
                s.worked.insert(key);
            }
            return Ok(exchange);
        }
        if exchange.response.status != 401 || !session.state().worked.contains(&key) {
            return Ok(exchange);
        }
        // Refused where the same request had worked: the token expired or was revoked.
        tracing::debug!(identity = %session.name, "401 on a request that had worked; logging in again");
        match self.log_in(session, Some(generation)).await {
            Ok(g) if g != generation => self.send_attempt(check.clone(), req.clone()).await,
            Ok(_) => Ok(exchange),
            Err(e) => Err(e),
        }
    }

    /// Logs `session` in and returns the new token's generation. With `replacing`,
    /// another task that already replaced that generation wins (no second login), and
    /// a token too young to have expired is kept.
    async fn log_in(&self, session: &Session, replacing: Option<u64>) -> Result<u64, EngineError> {
        let _gate = session.gate.lock().await;
        let now = Instant::now();
        {
            let s = session.state();
            match replacing {
                Some(g) if s.generation != g && s.token.is_some() => return Ok(s.generation),
                Some(_)
                    if s.obtained
                        .is_some_and(|t| now - t < MIN_TOKEN_AGE_FOR_RELOGIN) =>
                {
                    return Ok(s.generation)
                }
                None if s.token.is_some() && s.refresh_at.is_none_or(|at| now < at) => {
                    return Ok(s.generation)
                }
                _ => {}
            }
            if let Some((at, e)) = &s.failed {
                if now - *at < LOGIN_RETRY_PAUSE {
                    return Err(e.clone());
                }
            }
        }
        let outcome = self.login_request(session).await;
        let mut s = session.state();
        match outcome {
            Ok((token, lifetime)) => {
                self.inner.redactor.learn(token.expose());
                let now = Instant::now();
                s.token = Some(token);
                s.obtained = Some(now);
                s.refresh_at = lifetime.map(|l| now + refresh_after(l));
                s.generation += 1;
                s.failed = None;
                tracing::debug!(identity = %session.name, ?lifetime, "logged in");
                Ok(s.generation)
            }
            Err(e) => {
                let e = e.redacted(&self.inner.redactor);
                s.failed = Some((Instant::now(), e.clone()));
                Err(e)
            }
        }
    }

    /// Sends the login request and takes the token from the answer.
    async fn login_request(
        &self,
        session: &Session,
    ) -> Result<(Secret, Option<Duration>), EngineError> {
        let login = &session.login;
        let url = self.inner.redactor.redact(login.url.as_str()).into_owned();
        let fail = |detail: String| EngineError::LoginFailed {
            identity: session.name.clone(),
            url: url.clone(),
            detail,
        };
        let exchange = self
            .send_attempt(None, login.request())
            .await
            .map_err(|e| fail(e.to_string()))?;
        let response = &exchange.response;
        if !response.is_success() {
            // Whatever sits where the token would be is treated as one, even on a
            // refusal.
            if let Ok(token) = extract_token(&response.body, &login.token_pointer) {
                self.inner.redactor.learn(&token);
            }
            // Redacted whole, then cut: a cut first could leave part of a quoted
            // password that the redactor no longer recognises.
            let text = response.text();
            let excerpt: String = self
                .inner
                .redactor
                .redact(&text)
                .chars()
                .take(EXCERPT)
                .collect();
            return Err(fail(format!(
                "the login endpoint answered {} ({}) — check the credentials and the `kind` of [identity.{}.login]",
                response.status,
                excerpt.trim(),
                session.name
            )));
        }
        let token = extract_token(&response.body, &login.token_pointer).map_err(|e| {
            fail(format!(
                "{e} — set token_pointer in [identity.{}.login] to where the response holds the token",
                session.name
            ))
        })?;
        let expires_in = serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .and_then(|v| v.get("expires_in").and_then(serde_json::Value::as_u64));
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let lifetime = token_lifetime(&token, expires_in, now_unix);
        Ok((Secret::new(token), lifetime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn url() -> Url {
        Url::parse("http://127.0.0.1:9/token").expect("url")
    }

    fn jwt(claims: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.c2lnbmF0dXJlc2lnbmF0dXJl",
            b(r#"{"alg":"HS256","typ":"JWT"}"#),
            b(claims)
        )
    }

    #[test]
    fn kinds_parse_and_unknown_kinds_are_explained() {
        for name in LoginKind::NAMES {
            let kind: LoginKind = name.parse().expect("kind");
            assert_eq!(kind.as_str(), *name);
        }
        let err = "saml".parse::<LoginKind>().expect_err("unknown");
        assert!(err.contains("oauth2-password"), "{err}");
    }

    #[test]
    fn bodies_per_kind() {
        let pw = Secret::new("p&ss word");
        let json = Login::with_password(url(), LoginKind::Json, "alice", pw.clone());
        let (ct, body) = json.body();
        assert_eq!(ct, "application/json");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["username"], "alice");
        assert_eq!(v["password"], "p&ss word");

        let mut form = Login::with_password(url(), LoginKind::Form, "alice", pw.clone());
        form.username_field = "email".into();
        let (ct, body) = form.body();
        assert_eq!(ct, FORM);
        assert_eq!(body, "email=alice&password=p%26ss+word");

        let mut grant = Login::with_password(url(), LoginKind::OAuth2Password, "alice", pw);
        grant.scope = Some("read write".into());
        assert_eq!(
            grant.body().1,
            "grant_type=password&username=alice&password=p%26ss+word&scope=read+write"
        );

        let mut cc = Login::new(url(), LoginKind::OAuth2ClientCredentials);
        cc.client_id = Some("svc".into());
        cc.client_secret = Some(Secret::new("s3cret-value"));
        assert_eq!(
            cc.body().1,
            "grant_type=client_credentials&client_id=svc&client_secret=s3cret-value"
        );
        assert_eq!(cc.secrets().count(), 1);
    }

    #[test]
    fn validation_names_what_is_missing() {
        let mut l = Login::new(url(), LoginKind::OAuth2Password);
        assert!(l.validate().expect_err("no user").contains("username"));
        l.username = Some("alice".into());
        assert!(l.validate().expect_err("no password").contains("password"));
        l.password = Some(Secret::new("pw"));
        assert!(l.validate().is_ok());
        l.token_pointer = "access_token".into();
        assert!(l.validate().expect_err("pointer").contains("JSON pointer"));
        let cc = Login::new(url(), LoginKind::OAuth2ClientCredentials);
        assert!(cc.validate().expect_err("no client").contains("client_id"));
    }

    #[test]
    fn token_by_pointer() {
        let body = br#"{"access_token":"abc.def","data":{"token":"t-123"},"n":42,"o":{}}"#;
        assert_eq!(
            extract_token(body, "/access_token").as_deref(),
            Ok("abc.def")
        );
        assert_eq!(extract_token(body, "/data/token").as_deref(), Ok("t-123"));
        assert_eq!(extract_token(body, "/n").as_deref(), Ok("42"));
        assert!(extract_token(body, "/o")
            .expect_err("object")
            .contains("not a string"));
        assert!(extract_token(body, "/missing")
            .expect_err("missing")
            .contains("/missing"));
        assert!(extract_token(b"<html>", "/access_token")
            .expect_err("html")
            .contains("not JSON"));
        assert_eq!(
            extract_token(b"plain-token\n", "").as_deref(),
            Ok("plain-token")
        );
        assert_eq!(extract_token(br#""quoted""#, "").as_deref(), Ok("quoted"));
        assert!(extract_token(br#"{"access_token":""}"#, "/access_token").is_err());
    }

    #[test]
    fn lifetime_from_exp_iat_and_expires_in() {
        let now = 1_700_000_000;
        // exp - iat, whatever our clock says.
        let t = jwt(r#"{"sub":"2","iat":1000,"exp":1060}"#);
        assert_eq!(token_lifetime(&t, None, now), Some(Duration::from_secs(60)));
        // No iat: measured from now.
        let t = jwt(&format!(r#"{{"exp":{}}}"#, now + 90));
        assert_eq!(token_lifetime(&t, None, now), Some(Duration::from_secs(90)));
        // The shorter of exp and expires_in.
        let t = jwt(r#"{"iat":1000,"exp":1600}"#);
        assert_eq!(
            token_lifetime(&t, Some(60), now),
            Some(Duration::from_secs(60))
        );
        // Opaque token: expires_in alone; nothing at all: unknown.
        assert_eq!(
            token_lifetime("opaque-token", Some(300), now),
            Some(Duration::from_secs(300))
        );
        assert_eq!(token_lifetime("opaque-token", None, now), None);
        // Already expired by our clock or nonsense: unknown, not "refresh at once".
        let t = jwt(&format!(r#"{{"exp":{}}}"#, now - 5));
        assert_eq!(token_lifetime(&t, None, now), None);
        assert_eq!(token_lifetime("opaque-token", Some(0), now), None);
    }

    #[test]
    fn refresh_a_little_before_expiry() {
        assert_eq!(
            refresh_after(Duration::from_secs(60)),
            Duration::from_secs(48)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(3600)),
            Duration::from_secs(3570)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(5)),
            Duration::from_secs(4)
        );
    }
}
