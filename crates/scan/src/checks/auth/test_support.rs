//! Test support for the authentication checks: a small JWT-protected API whose flaws
//! are switched one by one, and helpers that record what discovery would have.
//! Compiled for tests and with the `testkit` feature only.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::check::{Check, CheckCtx};
use crate::engine::{Auth, Engine, Identity, ProbeRequest};
use crate::jwt::{forge, hmac_sign, Alg, HmacAlg, Signer, Token};
use crate::testkit::{serve, Fixture, RawRequest, RawResponse};
use serde_json::{json, Value};
use tollgate_core::{CheckMeta, Finding, Secret};

/// The test API's signing secret: in the built-in wordlist.
pub const JWT_SECRET: &str = "secret";
/// A secret no wordlist holds.
pub const STRONG_SECRET: &str = "Zq8#vT1!pL0@rW6$kN3^mB9&xC4*hD7s";
pub const AUDIENCE: &str = "shop-api";
pub const ISSUER: &str = "shop-auth";

/// An HS256 token over `claims`.
pub fn jwt_identity(secret: &str, claims: Value) -> String {
    let signer = Signer::hmac(HmacAlg::Hs256, secret.as_bytes().to_vec());
    forge(&json!({"alg": "HS256", "typ": "JWT"}), &claims, &signer).expect("forge")
}

/// Claims of an ordinary user token, valid for an hour.
pub fn user_claims() -> Value {
    let now = crate::checks::kit::token_probes::now();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "2", "username": "alice",
        "role": "user", "scope": "orders:read orders:write profile:read",
        "iat": now, "exp": now + 3600, "jti": "abc123"
    })
}

/// Records an anonymous and an authenticated GET of every route, as discovery does.
pub async fn seed_routes(engine: &Engine, ctx: &CheckCtx) {
    for r in &ctx.target().routes {
        let req = ProbeRequest::get(r.clone());
        engine.send(None, req.clone()).await.expect("seed anon");
        if let Some(name) = &ctx.target().primary_identity {
            engine
                .send(None, req.auth(Auth::Identity(name.clone())))
                .await
                .expect("seed authed");
        }
    }
}

/// Which weaknesses the test API has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flaws {
    pub secret_is_weak: bool,
    pub alg_none: bool,
    pub skip_signature: bool,
    pub skip_exp: bool,
    pub skip_aud: bool,
    pub trust_role_claim: bool,
    pub ignore_scopes: bool,
    pub query_token: bool,
    pub echo_headers: bool,
    /// `/api/legacy/orders/`: any `Bearer …` passes, 401 without a challenge.
    pub legacy_any_bearer: bool,
    /// `/api/users/`: the user directory, open to anonymous callers.
    pub open_users: bool,
    /// The HMAC key is read from the file the token's `kid` names (`/dev/null` is empty).
    pub kid_path: bool,
    /// `/api/reports/summary`: its own router decodes tokens without verifying the
    /// signature or `exp` (alg none passes); other routes verify as the flags say.
    pub reports_decode_only: bool,
}

impl Flaws {
    pub fn all() -> Flaws {
        Flaws {
            secret_is_weak: true,
            alg_none: true,
            skip_signature: false,
            skip_exp: true,
            skip_aud: true,
            trust_role_claim: true,
            ignore_scopes: true,
            query_token: true,
            echo_headers: true,
            legacy_any_bearer: true,
            open_users: true,
            kid_path: true,
            reports_decode_only: false,
        }
    }

    pub fn secret(&self) -> &'static str {
        if self.secret_is_weak {
            JWT_SECRET
        } else {
            STRONG_SECRET
        }
    }
}

/// The claims of a token the API accepts.
fn validate(f: &Flaws, raw: &str) -> Option<Value> {
    let t = Token::parse(raw).ok()?;
    match t.alg() {
        Alg::None if f.alg_none => {}
        Alg::Hmac(alg) => {
            let kid_file = t
                .header()
                .get("kid")
                .and_then(Value::as_str)
                .filter(|k| f.kid_path && k.ends_with("dev/null"));
            let key: &[u8] = if kid_file.is_some() {
                b""
            } else {
                f.secret().as_bytes()
            };
            let mac = hmac_sign(alg, key, t.signing_input().as_bytes()).ok()?;
            if !f.skip_signature && t.signature().ok()? != mac {
                return None;
            }
        }
        _ => return None,
    }
    let c = Value::Object(t.claims().clone());
    if !f.skip_exp
        && c["exp"]
            .as_i64()
            .is_none_or(|e| e < crate::checks::kit::token_probes::now())
    {
        return None;
    }
    if !f.skip_aud && (c["aud"] != AUDIENCE || c["iss"] != ISSUER) {
        return None;
    }
    Some(c)
}

fn token_of<'a>(f: &Flaws, req: &'a RawRequest) -> Option<&'a str> {
    if let Some(t) = req
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
    {
        return Some(t);
    }
    let (_, q) = req.path.split_once('?')?;
    q.split('&')
        .find_map(|p| p.strip_prefix("access_token="))
        .filter(|_| f.query_token)
}

fn json(status: u16, body: Value) -> RawResponse {
    let r = RawResponse::new(status, body.to_string()).header("content-type", "application/json");
    if status == 401 {
        r.header("www-authenticate", "Bearer realm=\"shop\"")
    } else {
        r
    }
}

/// The API: `/api/me/` (any valid token), `/api/admin/` (role admin; the "database"
/// says alice is not staff), `/api/orders/` (scope `orders:read`), and
/// `/api/debug/headers/` (echoes request headers when `echo_headers`).
pub fn api(f: Flaws) -> impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static {
    move |req| {
        let path = req.path.split('?').next().unwrap_or("");
        if let Some(r) = extra_routes(&f, req, path) {
            return r;
        }
        if path == "/api/reports/summary" {
            return reports(&f, req);
        }
        let known = [
            "/api/me/",
            "/api/admin/",
            "/api/orders/",
            "/api/debug/headers/",
        ];
        if !known.contains(&path) || (path == "/api/debug/headers/" && !f.echo_headers) {
            return json(404, json!({"detail": "not found"}));
        }
        let claims = match token_of(&f, req) {
            None => return json(401, json!({"detail": "credentials required"})),
            Some(raw) => match validate(&f, raw) {
                Some(c) => c,
                None => return json(401, json!({"detail": "invalid token"})),
            },
        };
        route(&f, req, path, &claims)
    }
}

/// The reports router: verifies as the other routes, unless `reports_decode_only`.
fn reports(f: &Flaws, req: &RawRequest) -> RawResponse {
    let Some(raw) = token_of(f, req) else {
        return json(401, json!({"detail": "credentials required"}));
    };
    let claims = if f.reports_decode_only {
        Token::parse(raw)
            .ok()
            .map(|t| Value::Object(t.claims().clone()))
    } else {
        validate(f, raw)
    };
    match claims {
        Some(c) => json(200, json!({"orders": 3, "user": c["sub"]})),
        None => json(401, json!({"detail": "invalid token"})),
    }
}

/// The index (links to every route), the legacy route and the user directory.
fn extra_routes(f: &Flaws, req: &RawRequest, path: &str) -> Option<RawResponse> {
    let bearer = req
        .header("authorization")
        .is_some_and(|a| a.starts_with("Bearer"));
    Some(match path {
        "/" => json(
            200,
            json!({"links": ["/api/me/", "/api/admin/", "/api/orders/", "/api/debug/headers/", "/api/legacy/orders/", "/api/users/"]}),
        ),
        "/api/legacy/orders/" if f.legacy_any_bearer && bearer => {
            json(200, json!({"orders": [{"id": 1, "owner": "bob"}]}))
        }
        "/api/legacy/orders/" if f.legacy_any_bearer => {
            RawResponse::new(401, r#"{"error":"unauthorized"}"#)
        }
        "/api/users/" if f.open_users => json(
            200,
            json!({"results": [{"id": 2, "username": "alice", "email": "alice@shop.test"}]}),
        ),
        _ => return None,
    })
}

fn route(f: &Flaws, req: &RawRequest, path: &str, claims: &Value) -> RawResponse {
    let scopes = claims["scope"].as_str().unwrap_or("");
    match path {
        "/api/me/" => json(
            200,
            json!({"id": claims["sub"], "username": "alice", "email": "alice@shop.test"}),
        ),
        "/api/admin/" if f.trust_role_claim && claims["role"] == "admin" => {
            json(200, json!({"maintenance": false, "signup_open": true}))
        }
        "/api/admin/" => json(403, json!({"detail": "admins only"})),
        "/api/orders/" if f.ignore_scopes || scopes.split(' ').any(|s| s == "orders:read") => json(
            200,
            json!({"count": 1, "results": [{"id": 1, "total": "9.50"}]}),
        ),
        "/api/orders/" => json(403, json!({"detail": "scope orders:read required"})),
        _ => {
            let headers: serde_json::Map<String, Value> = req
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect();
            json(200, json!({"headers": headers}))
        }
    }
}

/// Runs `check` against the test API with `flaws`, alice (an ordinary user token signed
/// with the API's secret) as the primary identity, and `/api/me/`, `/api/admin/`,
/// `/api/orders/` discovered. Returns the findings and alice's token.
pub async fn run_with(
    flaws: Flaws,
    meta: &'static CheckMeta,
    check: &dyn Check,
) -> (Vec<Finding>, String) {
    let token = jwt_identity(flaws.secret(), user_claims());
    let addr = serve(api(flaws)).await;
    let (engine, ctx) = Fixture::new(&format!("http://{addr}/"))
        .identity(Identity::bearer("alice", Secret::new(token.clone())))
        .route("/api/me/")
        .route("/api/admin/")
        .route("/api/orders/")
        .ctx(meta);
    seed_routes(&engine, &ctx).await;
    let f = check.run(&ctx).await.expect("run");
    assert!(ctx.requests_made() <= meta.budget, "over budget");
    (f, token)
}

/// As [`run_with`], but nothing was crawled: `/api/me/` and `/api/reports/summary`
/// were fetched anonymously and as alice only because an OpenAPI document lists
/// them (the scanner's own exchanges, not in the target's routes).
pub async fn run_spec_only(
    flaws: Flaws,
    meta: &'static CheckMeta,
    check: &dyn Check,
) -> (Vec<Finding>, String) {
    let token = jwt_identity(flaws.secret(), user_claims());
    let addr = serve(api(flaws)).await;
    let (engine, ctx) = Fixture::new(&format!("http://{addr}/"))
        .identity(Identity::bearer("alice", Secret::new(token.clone())))
        .ctx(meta);
    for path in ["/api/me/", "/api/reports/summary"] {
        let req = ProbeRequest::get(ctx.target().url.join(path).expect("url"));
        engine.send(None, req.clone()).await.expect("anon");
        engine
            .send(None, req.auth(Auth::Identity("alice".into())))
            .await
            .expect("authed");
    }
    let f = check.run(&ctx).await.expect("run");
    assert!(ctx.requests_made() <= meta.budget, "over budget");
    (f, token)
}

/// A check that forges tokens finds exactly the one route whose router skips
/// verification when `vulnerable` has `reports_decode_only` set, and nothing with `safe`
/// (the same flaws otherwise), the token never shown.
pub async fn assert_finds_the_unverifying_router(
    vulnerable: Flaws,
    safe: Flaws,
    meta: &'static CheckMeta,
    check: &dyn Check,
) {
    let (f, token) = run_spec_only(vulnerable, meta, check).await;
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        format!("{:?}", f[0].location).contains("/api/reports/summary"),
        "{f:#?}"
    );
    assert_token_absent(&f, &token);
    assert!(run_spec_only(safe, meta, check).await.0.is_empty());
}

/// Asserts that neither the token nor its signature appears in the findings.
pub fn assert_token_absent(findings: &[Finding], token: &str) {
    let json = serde_json::to_string(findings).expect("json");
    assert!(!json.contains(token), "token in findings: {json}");
    let sig = token.rsplit('.').next().unwrap_or(token);
    assert!(
        sig.len() < 16 || !json.contains(sig),
        "signature in findings: {json}"
    );
}
