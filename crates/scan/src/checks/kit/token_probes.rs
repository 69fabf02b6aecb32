//! Helpers shared by the authentication checks: baselines per route (anonymous,
//! authenticated, invalid token), the protected endpoint the token checks probe, sibling
//! API versions, response equivalence, and sending forged tokens.

use crate::check::{CheckCtx, CheckError};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::jwt::{crack_builtin_blocking, Cracked, Signer, Token};
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

/// Most protected routes the verification checks try, one per path family.
pub const MAX_PROBE_ROUTES: usize = 6;

/// Every GET URL the scanner itself fetched while learning the target: the crawled
/// routes first, then the operations of the OpenAPI document it exercised (and any
/// other URL it fetched during seeding). Sends nothing.
pub fn known_routes(ctx: &CheckCtx) -> Vec<Url> {
    let mut out: Vec<Url> = ctx.target().routes.clone();
    let mut seen: std::collections::HashSet<Url> = out.iter().cloned().collect();
    for e in ctx.transcript() {
        if e.check.is_none()
            && e.request.method == HttpMethod::Get
            && ctx.in_scope(&e.request.url)
            && seen.insert(e.request.url.clone())
        {
            out.push(e.request.url.clone());
        }
    }
    out
}

/// Known routes (crawled or documented in the OpenAPI document) that refused
/// anonymous callers (401/403) and answered the primary identity with a success, best
/// token-probe target first (`/me`-like paths, then shorter ones). Uses only recorded
/// answers: it sends nothing.
pub fn protected_routes(ctx: &CheckCtx, identity: &str) -> Vec<Protected> {
    let mut out: Vec<Protected> =
        known_routes(ctx)
            .into_iter()
            .filter_map(|url| {
                let anon = recorded(ctx, &url, None)?;
                let authed = recorded(ctx, &url, Some(identity))?;
                (is_denied(anon.response.status) && authed.response.is_success())
                    .then_some(Protected { url, anon, authed })
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

/// The part of a path that usually picks the router or controller handling it: the
/// first segment that is not an `api` prefix or a version (`/api/v2/orders/5` →
/// `orders`). Routes of different families may be guarded by different middleware.
fn family(url: &Url) -> String {
    url.path_segments()
        .into_iter()
        .flatten()
        .map(str::to_ascii_lowercase)
        .find(|s| {
            let version = s.strip_prefix('v').is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.')
            });
            !s.is_empty() && !version && !matches!(s.as_str(), "api" | "apis" | "rest")
        })
        .unwrap_or_default()
}

/// The best protected routes, one per path family, at most [`MAX_PROBE_ROUTES`]:
/// APIs often guard different routers with different token verifiers, so a
/// weakness of one verifier shows only on its own routes.
pub fn probe_candidates(ctx: &CheckCtx, identity: &str) -> Vec<Protected> {
    let mut families: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for p in protected_routes(ctx, identity) {
        if out.len() >= MAX_PROBE_ROUTES {
            break;
        }
        let f = family(&p.url);
        if !families.contains(&f) {
            families.push(f);
            out.push(p);
        }
    }
    out
}

fn no_protected_route() -> CheckError {
    CheckError::Skipped(
        "no known route (crawled or documented) refuses anonymous callers and accepts the identity"
            .into(),
    )
}

/// Whether `p` refuses a made-up bearer token (the engine sends it once per URL).
pub async fn refuses_garbage(ctx: &CheckCtx, p: &Protected) -> Result<bool, CheckError> {
    let control = ctx
        .send(ProbeRequest::get(p.url.clone()).auth(bearer(garbage_bearer())))
        .await?;
    Ok(!accepted(&p.authed, &control))
}

/// The endpoint the token checks probe: the best protected route that refuses an
/// invalid token. `Skipped` when there is none, or when every candidate accepts
/// garbage (that is AUTH-002's finding, and makes forged-token results meaningless).
pub async fn probe_endpoint(ctx: &CheckCtx, identity: &str) -> Result<Protected, CheckError> {
    probe_endpoints(ctx, identity, 1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(no_protected_route)
}

/// Up to `max` of [`probe_candidates`] that refuse an invalid token, best first;
/// `Skipped` when there is none.
pub async fn probe_endpoints(
    ctx: &CheckCtx,
    identity: &str,
    max: usize,
) -> Result<Vec<Protected>, CheckError> {
    let candidates = probe_candidates(ctx, identity);
    let Some(first) = candidates.first().map(|p| p.url.path().to_string()) else {
        return Err(no_protected_route());
    };
    let mut out = Vec::new();
    for p in candidates {
        if out.len() >= max {
            break;
        }
        if refuses_garbage(ctx, &p).await? {
            out.push(p);
        }
    }
    if out.is_empty() {
        return Err(CheckError::Skipped(format!(
            "{first} accepts an invalid bearer token (see AUTH-002)"
        )));
    }
    Ok(out)
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
    if let Some(c) = crack_builtin_blocking(token).await {
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

    #[test]
    fn families_skip_api_and_version_prefixes() {
        let f = |u: &str| family(&Url::parse(u).expect("url"));
        assert_eq!(f("http://h/api/v2/orders/5"), "orders");
        assert_eq!(f("http://h/api/reports/summary"), "reports");
        assert_eq!(f("http://h/me"), "me");
        assert_eq!(f("http://h/"), "");
    }

    /// Routes known only from the OpenAPI document (nothing crawled) count as protected
    /// once the spec exercise fetched them both ways; public ones do not.
    #[tokio::test]
    async fn spec_exercised_routes_are_protected_routes() {
        use crate::engine::Identity;
        use crate::testkit::{serve, Fixture, RawResponse};
        let addr = serve(|req| {
            let authed = req.header("authorization").is_some();
            match req.path.as_str() {
                "/api/me" | "/api/notes/7" if authed => RawResponse::new(200, r#"{"id":2}"#),
                "/api/me" | "/api/notes/7" => RawResponse::new(401, r#"{"detail":"auth"}"#),
                "/api/products" => RawResponse::new(200, r#"[{"id":1}]"#),
                _ => RawResponse::new(404, "{}"),
            }
        })
        .await;
        let doc = r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
          "/api/me":{"get":{"responses":{"200":{"description":"ok"}}}},
          "/api/products":{"get":{"responses":{"200":{"description":"ok"}}}},
          "/api/notes/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,
            "schema":{"type":"integer"},"example":7}],"responses":{"200":{"description":"ok"}}}}}}"#;
        let (engine, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer(
                "alice",
                tollgate_core::Secret::new(String::from("t0k")),
            ))
            .spec(doc)
            .ctx(&crate::checks::kit::TEST_META);
        let spec = ctx.target().spec.clone().expect("spec");
        crate::recon::spec::exercise(&engine, &ctx.target().url, &spec, Some("alice")).await;
        let paths: Vec<String> = protected_routes(&ctx, "alice")
            .iter()
            .map(|p| p.url.path().to_string())
            .collect();
        assert_eq!(paths, ["/api/me", "/api/notes/7"]);
        let families: Vec<String> = probe_candidates(&ctx, "alice")
            .iter()
            .map(|p| family(&p.url))
            .collect();
        assert_eq!(families, ["me", "notes"]);
    }
}
