//! SSRF-003: validating a bearer token makes the API fetch a URL named in the token
//! (`jku`, `x5u`, or an `iss` used for discovery).

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::ssrf_probe::param_finding;
use crate::engine::{Auth, ProbeRequest};
use crate::jwt::{forge, Signer};
use crate::oast::{Hit, Probe, ProbeKey};
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::json;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, Redactor,
    SafetyClass, Severity,
};
use url::Url;

pub struct TokenFetch;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SSRF-003"),
    name: "Token validation fetches attacker-chosen URLs (jku/x5u/iss)",
    category: Category::Ssrf,
    severity: Severity::High,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 3,
    docs: CheckDocs {
        what: "Sends one GET per variant to a route that answered an anonymous request with 401 (preferring `/me`-like ones; the target itself when none did but the identity is a JWT; skipped when neither), each with a made-up bearer JWT whose header names a key URL on tollgate's callback listener (`jku`, `x5u`) or whose `iss` claim is such a URL (validators that do OpenID discovery fetch `iss` + `/.well-known/openid-configuration`). Each variant has its own unguessable token in the callback path. A callback proves the API fetches a URL chosen by whoever presents a token, while validating it. The forged tokens carry no valid signature and no real identity; the listener answers with an empty key set. Needs a callback address the target can reach; skipped otherwise.",
        why: "The validator fetches attacker-chosen URLs before it trusts anything: SSRF from an unauthenticated header. Worse, a validator that trusts the keys it fetched from `jku`/`x5u` accepts any token the attacker signs with their own key, a complete authentication bypass.",
        evidence: "GET /api/v2/me/ with `Authorization: Bearer eyJhbGciOiJSUzI1NiIsImprdSI6Imh0dHA6Ly8xMjcuMC4wLjE6NDEyMzEvOWYz…` → 401; the listener received `GET /9f3c…e1` from 127.0.0.1 with `User-Agent: python-urllib/3.11`.",
        remediation: "Take verification keys only from configuration: a pinned JWKS URL of your own issuer, fetched on a schedule. Ignore `jku`, `x5u`, `x5c` and `jwk` in token headers (or accept them only when they exactly match the pinned URL), accept only the expected `iss` before doing any discovery, and verify the signature before using any other claim.",
        remediation_django: Some("With PyJWT use `jwt.PyJWKClient(settings.JWKS_URL)` with a fixed URL and call `jwt.decode(token, key, algorithms=[\"RS256\"], audience=..., issuer=...)`; never build a `PyJWKClient` from `jwt.get_unverified_header(token)[\"jku\"]`. In djangorestframework-simplejwt set `JWK_URL` to your issuer's JWKS and leave token headers out of key selection."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
            "https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html",
            "https://portswigger.net/web-security/jwt#injecting-self-signed-jwts-via-the-jku-parameter",
            "https://cwe.mitre.org/data/definitions/918.html",
        ],
    },
};

/// The token field that carries the callback URL, one probe each.
const VARIANTS: &[&str] = &["jku", "x5u", "iss"];

/// Last path segments of routes that surely authenticate their caller.
const PREFERRED: &[&str] = &["me", "profile", "user", "whoami", "account", "self"];

#[async_trait]
impl Check for TokenFetch {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let callbacks = ctx.reach().callbacks().map_err(CheckError::Skipped)?;
        let route = probe_route(ctx).ok_or_else(|| {
            CheckError::Skipped(
                "no sign that the API validates bearer tokens (no 401 seen, no JWT identity)"
                    .into(),
            )
        })?;
        for field in VARIANTS {
            let key = ProbeKey {
                url: ctx.redactor().redact(route.as_str()).into_owned(),
                parameter: (*field).to_string(),
                identity: None,
            };
            let probe = callbacks.probe(key).map_err(CheckError::Skipped)?;
            callbacks.subscribe(&probe, &META, judge);
            let Some(token) = forged(field, probe.callback.as_str()) else {
                continue;
            };
            let auth = Auth::Custom {
                name: "authorization".into(),
                value: format!("Bearer {token}"),
            };
            match ctx.send(ProbeRequest::get(route.clone()).auth(auth)).await {
                Ok(ex) => callbacks.attach(&probe, Arc::clone(&ex)),
                Err(e) => tracing::debug!(error = %e, "token-fetch probe failed"),
            }
        }
        Ok(callbacks.collect(Some(&META.id), ctx.redactor()))
    }
}

/// A route whose anonymous answer was 401 (or 403 with a challenge) during seeding,
/// preferring `/me`-like ones; else the target itself when the primary identity is a
/// JWT (the API validates JWTs somewhere); else none.
fn probe_route(ctx: &CheckCtx) -> Option<Url> {
    let origin = ctx.target().url.origin();
    let mut gated: Vec<Url> = ctx
        .transcript()
        .into_iter()
        .filter(|e| e.check.is_none() && e.request.identity.is_none())
        .filter(|e| e.request.method == HttpMethod::Get && e.request.url.origin() == origin)
        .filter(|e| {
            let r = &e.response;
            r.status == 401 || (r.status == 403 && r.header("www-authenticate").is_some())
        })
        .map(|e| e.request.url.clone())
        .collect();
    gated.sort();
    gated.dedup();
    let last = |u: &Url| {
        u.path_segments()
            .and_then(|s| s.rev().find(|p| !p.is_empty()).map(str::to_ascii_lowercase))
            .unwrap_or_default()
    };
    gated.sort_by_key(|u| (!PREFERRED.contains(&last(u).as_str()), u.path().len()));
    let jwt_identity = ctx
        .target()
        .primary_identity
        .as_ref()
        .is_some_and(|id| ctx.identity_jwt(id).is_some());
    gated
        .into_iter()
        .next()
        .or_else(|| jwt_identity.then(|| ctx.target().url.clone()))
}

/// A JWT that names `callback` in `field`, with a random (invalid) RS256 signature.
fn forged(field: &str, callback: &str) -> Option<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut header = json!({"alg": "RS256", "typ": "JWT", "kid": "tollgate-probe"});
    let mut claims = json!({
        "sub": "tollgate-probe",
        "iss": "https://tollgate-probe.invalid",
        "iat": now,
        "exp": now + 600,
    });
    match field {
        "iss" => claims["iss"] = json!(callback),
        other => header[other] = json!(callback),
    }
    let unsigned = forge(&header, &claims, &Signer::Unsigned).ok()?;
    let signature: Vec<u8> = (0..256).map(|_| fastrand::u8(..)).collect();
    Some(format!("{unsigned}{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// A finding when the token's URL was fetched.
pub fn judge(probe: &Probe, hits: &[Hit], redactor: &Redactor) -> Option<Finding> {
    let first = hits.first()?;
    let field = &probe.key.parameter;
    let title = format!(
        "Token validation fetches the `{field}` URL named in the bearer token (SSRF before authentication)"
    );
    let f = param_finding(&META, probe.exchange.as_deref(), &probe.key.url, field, title, None, redactor)
        .with_key(field)
        .with_confidence(Confidence::Confirmed)
        .with_fact(first.describe(probe))
        .with_fact(format!(
            "the forged token's `{field}` named {}; the token is unsigned garbage, so the fetch happened before any signature check",
            probe.callback
        ));
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oast::fake_target::{self, Fake, Mode};
    use crate::testkit::exchange;

    async fn run_against(jwt_fetch: Option<&'static str>) -> (Vec<Finding>, u32) {
        let mut fake = Fake::new(Mode::Refuse);
        fake.jwt_fetch = jwt_fetch;
        let (addr, _) = fake_target::serve(fake).await;
        let anon_me = exchange(
            HttpMethod::Get,
            &format!("http://{addr}/me"),
            401,
            &[],
            "{}",
        );
        let fx = crate::testkit::Fixture::new(&format!("http://{addr}/")).recorded(anon_me);
        let (_e, ctx) = fake_target::ctx_from(fx, vec![], &META).await;
        let f = TokenFetch.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test]
    async fn fires_when_jku_is_fetched() {
        let (f, sent) = run_against(Some("jku")).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("`jku`"));
        assert!(
            matches!(&f[0].location, tollgate_core::Location::Http { url, .. } if url.ends_with("/me"))
        );
        assert_eq!(sent, 3);
    }

    #[tokio::test]
    async fn fires_for_x5u_only_when_x5u_is_fetched() {
        let (f, _) = run_against(Some("x5u")).await;
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("`x5u`"));
    }

    #[tokio::test]
    async fn skipped_when_nothing_asks_for_a_bearer_token() {
        let (addr, _) = fake_target::serve(Fake::new(Mode::Refuse)).await;
        let fx = crate::testkit::Fixture::new(&format!("http://{addr}/"));
        let (_e, ctx) = fake_target::ctx_from(fx, vec![], &META).await;
        assert!(matches!(
            TokenFetch.run(&ctx).await,
            Err(CheckError::Skipped(_))
        ));
        assert_eq!(ctx.requests_made(), 0);
    }

    #[tokio::test]
    async fn silent_when_token_urls_are_ignored() {
        let (f, sent) = run_against(None).await;
        assert!(f.is_empty());
        assert_eq!(sent, 3);
    }

    #[test]
    fn forged_tokens_carry_the_callback() {
        let t = forged("jku", "http://127.0.0.1:9/abc").expect("token");
        let tok = crate::jwt::Token::parse(&t).expect("parse");
        assert_eq!(tok.header()["jku"], "http://127.0.0.1:9/abc");
        let t = forged("iss", "http://127.0.0.1:9/abc").expect("token");
        let tok = crate::jwt::Token::parse(&t).expect("parse");
        assert_eq!(tok.claims()["iss"], "http://127.0.0.1:9/abc");
        assert_eq!(tok.signature().expect("base64").len(), 256);
    }
}
