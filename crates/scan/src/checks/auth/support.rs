//! Helpers shared by the authentication checks: baselines per route (anonymous,
//! authenticated, invalid token), the protected endpoint the token checks probe, sibling
//! API versions, response equivalence, and sending forged tokens.

use crate::check::{CheckCtx, CheckError};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::jwt::{crack_builtin, Cracked, Signer, Token};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tollgate_core::HttpMethod;
use url::Url;

/// Most sibling-version routes derived from the known ones.
pub const MAX_SIBLINGS: usize = 16;

/// Skip reason of checks that need an identity.
pub fn no_identity() -> CheckError {
    CheckError::Skipped("needs an identity (--token-file or TOLLGATE_TOKEN)".into())
}

/// The primary identity's name and its token parsed as a JWT.
pub fn primary_jwt(ctx: &CheckCtx) -> Result<(String, Token), CheckError> {
    let name = ctx
        .target()
        .primary_identity
        .clone()
        .ok_or_else(no_identity)?;
    let token = ctx.identity_jwt(&name).ok_or_else(|| {
        CheckError::Skipped("the primary identity's credential is not a JWT".into())
    })?;
    Ok((name, token))
}

/// A bearer value that no API issues: random, so it cannot be a real credential, and
/// the same for every check of one scan, so the engine sends it once per URL.
pub fn garbage_bearer() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| format!("tollgate-invalid-{:016x}", fastrand::u64(..)))
}

/// `Authorization: Bearer <value>` for a value the check made up.
pub fn bearer(value: &str) -> Auth {
    Auth::Custom {
        name: "authorization".into(),
        value: format!("Bearer {value}"),
    }
}

/// The scanner's own recorded GET of `url` (seeding and discovery), anonymous when
/// `identity` is `None`. Other checks' exchanges carry probe headers, so they are not
/// used as baselines.
pub fn recorded(ctx: &CheckCtx, url: &Url, identity: Option<&str>) -> Option<Arc<Exchange>> {
    ctx.transcript().into_iter().find(|e| {
        e.check.is_none()
            && e.request.method == HttpMethod::Get
            && &e.request.url == url
            && e.request.identity.as_deref() == identity
    })
}

/// The GET answer to `url` as `auth`: the recorded one when there is one, else sent.
pub async fn answer(ctx: &CheckCtx, url: &Url, auth: Auth) -> Result<Arc<Exchange>, CheckError> {
    let identity = match &auth {
        Auth::Anonymous => None,
        Auth::Identity(n) => Some(n.as_str()),
        Auth::Custom { .. } => return ctx.send(ProbeRequest::get(url.clone()).auth(auth)).await,
    };
    if let Some(ex) = recorded(ctx, url, identity) {
        return Ok(ex);
    }
    ctx.send(ProbeRequest::get(url.clone()).auth(auth)).await
}

/// Whether a status says "credentials required or refused".
pub fn is_denied(status: u16) -> bool {
    status == 401 || status == 403
}

/// A route's answers anonymously and as the primary identity.
#[derive(Debug, Clone)]
pub struct Protected {
    pub url: Url,
    pub anon: Arc<Exchange>,
    pub authed: Arc<Exchange>,
}

/// Discovered routes that refuse anonymous callers (401/403) and answer the primary
/// identity with a success, best token-probe target first (`/me`-like paths, then
/// shorter ones). Uses only recorded answers: it sends nothing.
pub fn protected_routes(ctx: &CheckCtx, identity: &str) -> Vec<Protected> {
    let mut out: Vec<Protected> = ctx
        .target()
        .routes
        .iter()
        .filter_map(|url| {
            let anon = recorded(ctx, url, None)?;
            let authed = recorded(ctx, url, Some(identity))?;
            (is_denied(anon.response.status) && authed.response.is_success()).then(|| Protected {
                url: url.clone(),
                anon,
                authed,
            })
        })
        .collect();
    out.sort_by_key(|p| (probe_rank(&p.url), p.url.path().len()));
    out
}

/// Lower is a better place to test a token: an endpoint about the caller.
fn probe_rank(url: &Url) -> u8 {
    const SELF: &[&str] = &[
        "me", "whoami", "self", "profile", "account", "userinfo", "session",
    ];
    let segs: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    if segs.iter().any(|s| SELF.contains(&s.as_str())) {
        0
    } else if url.query().is_some() {
        2
    } else {
        1
    }
}

/// The endpoint the token checks probe: the best protected route, with a control that
/// shows it refuses an invalid token. `Skipped` when there is none, or when it accepts
/// garbage (that is AUTH-002's finding, and makes forged-token results meaningless).
pub async fn probe_endpoint(ctx: &CheckCtx, identity: &str) -> Result<Protected, CheckError> {
    let p = protected_routes(ctx, identity)
        .into_iter()
        .next()
        .ok_or_else(|| {
            CheckError::Skipped(
                "no discovered route refuses anonymous callers and accepts the identity".into(),
            )
        })?;
    let control = ctx
        .send(ProbeRequest::get(p.url.clone()).auth(bearer(garbage_bearer())))
        .await?;
    if accepted(&p.authed, &control) {
        return Err(CheckError::Skipped(format!(
            "{} accepts an invalid bearer token (see AUTH-002)",
            p.url.path()
        )));
    }
    Ok(p)
}

/// Whether `probe` got the same answer as the identity's own request: a success with
/// the same status and the same (or the same-shaped, mostly equal) body.
pub fn accepted(authed: &Exchange, probe: &Exchange) -> bool {
    probe.response.is_success()
        && probe.response.status == authed.response.status
        && same_content(&authed.response.body, &probe.response.body)
}

/// Equal bytes, or two JSON objects with the same keys and at least half of the
/// top-level values equal (timestamps and nonces may differ).
pub fn same_content(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (Ok(Value::Object(x)), Ok(Value::Object(y))) = (
        serde_json::from_slice::<Value>(a),
        serde_json::from_slice::<Value>(b),
    ) else {
        return false;
    };
    if x.len() != y.len() || x.keys().any(|k| !y.contains_key(k)) {
        return false;
    }
    let equal = x.iter().filter(|(k, v)| y.get(*k) == Some(*v)).count();
    equal * 2 >= x.len()
}

/// Same path under the older API versions (`/api/v2/x` → `/api/v1/x`), not already
/// known, at most [`MAX_SIBLINGS`]. Old versions often stay deployed with weaker auth.
pub fn sibling_versions(routes: &[Url]) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    for url in routes {
        for candidate in siblings_of(url) {
            if out.len() >= MAX_SIBLINGS {
                return out;
            }
            if !routes.contains(&candidate) && !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

fn siblings_of(url: &Url) -> Vec<Url> {
    let segs: Vec<&str> = url.path().split('/').collect();
    let Some((i, n)) = segs.iter().enumerate().find_map(|(i, s)| {
        let n: u32 = s.strip_prefix('v')?.parse().ok()?;
        (n < 20 && s.len() <= 3).then_some((i, n))
    }) else {
        return Vec::new();
    };
    (1..n)
        .rev()
        .map(|v| {
            let mut s = segs.clone();
            let version = format!("v{v}");
            s[i] = &version;
            let mut u = url.clone();
            u.set_path(&s.join("/"));
            u.set_query(None);
            u
        })
        .collect()
}

/// Sends `token` as the bearer of a GET to `url`.
pub async fn send_token(
    ctx: &CheckCtx,
    url: &Url,
    token: &str,
) -> Result<Arc<Exchange>, CheckError> {
    ctx.send(ProbeRequest::get(url.clone()).auth(bearer(token)))
        .await
}

/// How the token checks can sign a forgery the API accepts: the cracked HMAC secret,
/// else `alg: none` if the endpoint accepts an unsigned copy of the identity's token.
#[derive(Debug, Clone)]
pub enum Forger {
    Cracked(Cracked),
    Unsigned,
}

impl Forger {
    pub fn signer(&self) -> Signer {
        match self {
            Forger::Cracked(c) => Signer::hmac(c.alg, c.secret.clone()),
            Forger::Unsigned => Signer::Unsigned,
        }
    }

    /// A fact saying how forgeries were signed (the cracked secret is the AUTH-011
    /// finding itself, so naming it is right).
    pub fn describe(&self) -> String {
        match self {
            Forger::Cracked(c) => format!(
                "forged tokens signed {} with the cracked secret `{}`",
                c.alg.name(),
                c.secret_text()
            ),
            Forger::Unsigned => "forged tokens sent unsigned (`alg: none` is accepted)".into(),
        }
    }

    /// Signs a forgery of `token` with `claims`, keeping the original header fields
    /// (with `alg` set to match the signer).
    pub fn forge(&self, token: &Token, claims: &Value) -> Result<String, CheckError> {
        let signer = self.signer();
        let header = header_with_alg(token, signer.alg_name());
        crate::jwt::forge(&header, claims, &signer)
            .map_err(|e| CheckError::Skipped(format!("cannot forge a token: {e}")))
    }
}

/// The token's header with `alg` replaced.
pub fn header_with_alg(token: &Token, alg: &str) -> Value {
    let mut h = token.header().clone();
    h.insert("alg".into(), Value::from(alg));
    Value::Object(h)
}

/// Finds a way to forge tokens for `probe`: crack the token offline (no request), else
/// try one unsigned copy.
pub async fn forger(
    ctx: &CheckCtx,
    token: &Token,
    probe: &Protected,
) -> Result<Forger, CheckError> {
    if let Some(c) = crack_builtin(token) {
        return Ok(Forger::Cracked(c));
    }
    let unsigned = token
        .forge_header(&header_with_alg(token, "none"), &Signer::Unsigned)
        .map_err(|e| CheckError::Skipped(format!("cannot forge a token: {e}")))?;
    let ex = send_token(ctx, &probe.url, &unsigned).await?;
    if accepted(&probe.authed, &ex) {
        return Ok(Forger::Unsigned);
    }
    Err(CheckError::Skipped(
        "cannot forge tokens: the HMAC secret is not in the wordlist and alg none is refused"
            .into(),
    ))
}

/// The claims of `token` as a JSON object value, with `edit` applied.
pub fn edited_claims(
    token: &Token,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Value {
    let mut c = token.claims().clone();
    edit(&mut c);
    Value::Object(c)
}

/// A fresh `jti` so a forgery is never byte-identical to the original token.
pub fn fresh_jti(claims: &mut serde_json::Map<String, Value>) {
    claims.insert(
        "jti".into(),
        Value::from(format!("tollgate-{:016x}", fastrand::u64(..))),
    );
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Facts showing a forgery's header and claims (never its signature or the original).
pub fn forged_facts(forged: &str) -> Vec<String> {
    match Token::parse(forged) {
        Ok(t) => vec![
            format!("forged header: {}", Value::Object(t.header().clone())),
            format!("forged claims: {}", Value::Object(t.claims().clone())),
        ],
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_replace_the_version_segment() {
        let routes = vec![
            Url::parse("http://h/api/v2/orders/").expect("url"),
            Url::parse("http://h/api/v2/users/?x=1").expect("url"),
            Url::parse("http://h/api/v1/orders/").expect("url"),
        ];
        let s: Vec<String> = sibling_versions(&routes)
            .iter()
            .map(|u| u.path().to_string())
            .collect();
        assert!(!s.contains(&"/api/v3/orders/".to_string()), "{s:?}");
        assert!(s.contains(&"/api/v1/users/".to_string()), "{s:?}");
        assert!(
            !s.contains(&"/api/v1/orders/".to_string()),
            "known routes are not repeated"
        );
        assert!(sibling_versions(&[Url::parse("http://h/vault/x").expect("url")]).is_empty());
    }

    #[test]
    fn content_equivalence() {
        assert!(same_content(b"abc", b"abc"));
        assert!(same_content(
            br#"{"user":"alice","time":1,"id":2}"#,
            br#"{"user":"alice","time":2,"id":2}"#
        ));
        assert!(!same_content(br#"{"user":"alice"}"#, br#"{"detail":"no"}"#));
        assert!(!same_content(b"<html>a</html>", b"<html>b</html>"));
    }

    #[test]
    fn me_like_paths_rank_first() {
        let me = Url::parse("http://h/api/v2/me/").expect("url");
        let orders = Url::parse("http://h/api/v2/orders/").expect("url");
        assert!(probe_rank(&me) < probe_rank(&orders));
    }
}
