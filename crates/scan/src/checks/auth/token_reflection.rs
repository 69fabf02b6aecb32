//! AUTH-005: the bearer token reappears in a response (echo endpoints, error messages,
//! debug pages).

use crate::check::{Check, CheckCtx, CheckError, Phase};
use crate::checks::kit::token_probes::{bearer, recorded};
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct TokenReflection;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-005"),
    name: "Bearer token reflected in a response",
    category: Category::Authentication,
    severity: Severity::Medium,
    cwe: 200,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 10,
    docs: CheckDocs {
        what: "Sends a unique canary bearer token (`tollgate-canary-` and 32 random hex digits, never the user's token) to the discovered routes, echo- and debug-like paths first, and reports every response that repeats it, saying where: a response header, or the JSON path in the body. Many APIs refuse an unknown token before any handler runs, so the check also reads, after the other checks, every recorded response to a request made as one of the user's identities: when the identity's own JWT (or its signature) comes back, and the anonymous answer to the same URL does not hold it, the token was reflected. Evidence shows `$TOKEN`, never the token.",
        why: "A response that repeats the caller's token turns every other weakness into a token leak: a cached response, a log of response bodies, an XSS or a CORS misconfiguration that lets another site read the response, or a support ticket with a pasted error page now carries a working credential.",
        evidence: "GET /api/v2/debug/headers/ as alice → 200 `{\"headers\": {\"Authorization\": \"Bearer $TOKEN\", …}}`: the token sent reappears in the JSON body at `headers.Authorization`.",
        remediation: "Never echo request headers, cookies or credentials in responses or error messages; remove diagnostic endpoints from production, and mask `Authorization`, `Cookie` and token parameters in anything that renders a request.",
        remediation_django: Some("Delete header-echo debug views (or mount them only when `DEBUG` and on an internal host), and never return `request.META` or `request.headers` wholesale; Django's own error pages mask `HTTP_AUTHORIZATION`, custom ones must too."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://cwe.mitre.org/data/definitions/200.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html",
        ],
    },
};

/// Path words of routes that tend to echo requests, probed first.
const ECHO_WORDS: &[&str] = &[
    "debug", "echo", "header", "request", "whoami", "diag", "info", "test", "trace",
];

#[async_trait]
impl Check for TokenReflection {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn phase(&self) -> Phase {
        Phase::Analysis
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let canary = format!(
            "tollgate-canary-{:016x}{:016x}",
            fastrand::u64(..),
            fastrand::u64(..)
        );
        let mut findings = Vec::new();
        let mut reported = BTreeSet::new();
        for url in canary_routes(ctx) {
            let ex = ctx
                .send(ProbeRequest::get(url.clone()).auth(bearer(&canary)))
                .await?;
            if let Some(place) = where_found(&ex, &canary) {
                reported.insert(url.path().to_string());
                findings.push(
                    ctx.finding(
                        &ex,
                        "Canary bearer token reflected in the response",
                        Some(&canary),
                    )
                    .with_confidence(Confidence::Confirmed)
                    .with_fact(format!(
                        "the canary bearer token `{canary}` reappears in {place}"
                    )),
                );
            }
        }
        findings.extend(identity_reflections(ctx, &mut reported));
        Ok(findings)
    }
}

/// Routes to send the canary to, echo-like first, at most the budget.
fn canary_routes(ctx: &CheckCtx) -> Vec<Url> {
    let mut routes = ctx.target().routes.clone();
    routes.sort_by_key(|u| {
        let p = u.path().to_ascii_lowercase();
        !ECHO_WORDS.iter().any(|w| p.contains(w))
    });
    routes.truncate(META.budget as usize);
    routes
}

/// Where `needle` appears in a response: a header, a JSON path, or the body.
fn where_found(ex: &Exchange, needle: &str) -> Option<String> {
    if let Some((k, _)) = ex.response.headers.iter().find(|(_, v)| v.contains(needle)) {
        return Some(format!("the response header `{k}`"));
    }
    let text = ex.response.text();
    if !text.contains(needle) {
        return None;
    }
    let path = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| json_path(&v, needle, String::new(), 0));
    Some(match path {
        Some(p) => format!("the JSON body at `{p}`"),
        None => "the response body".into(),
    })
}

fn json_path(v: &Value, needle: &str, at: String, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let join = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match v {
        Value::String(s) if s.contains(needle) => Some(if at.is_empty() { "$".into() } else { at }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| json_path(x, needle, format!("{at}[{i}]"), depth + 1)),
        Value::Object(o) => o
            .iter()
            .find_map(|(k, x)| json_path(x, needle, join(k), depth + 1)),
        _ => None,
    }
}

/// Recorded answers to requests made as an identity that repeat that identity's JWT
/// (or its signature) while the anonymous answer to the same URL does not.
fn identity_reflections(ctx: &CheckCtx, reported: &mut BTreeSet<String>) -> Vec<Finding> {
    let mut needles: HashMap<String, Vec<String>> = HashMap::new();
    let mut findings = Vec::new();
    for ex in ctx.transcript() {
        let Some(name) = ex.request.identity.clone() else {
            continue;
        };
        if !ctx.in_scope(&ex.request.url) || reported.contains(ex.request.url.path()) {
            continue;
        }
        let list = needles
            .entry(name.clone())
            .or_insert_with(|| identity_needles(ctx, &name));
        let Some(place) = list.iter().find_map(|n| where_found(&ex, n)) else {
            continue;
        };
        if stored_data(ctx, &ex, list) {
            continue;
        }
        reported.insert(ex.request.url.path().to_string());
        findings.push(
            ctx.finding(&ex, "Bearer token reflected in the response", None)
                .with_confidence(Confidence::Confirmed)
                .with_fact(format!(
                    "the bearer token sent as identity `{name}` reappears in {place}"
                )),
        );
    }
    findings
}

/// The identity's token and its signature segment (long enough to be unique).
fn identity_needles(ctx: &CheckCtx, name: &str) -> Vec<String> {
    let Some(t) = ctx.identity_jwt(name) else {
        return Vec::new();
    };
    let sig = t.expose()[t.signing_input().len() + 1..].to_string();
    let mut out = vec![t.expose().to_string()];
    if sig.len() >= 16 {
        out.push(sig);
    }
    out
}

/// Whether the anonymous answer to the same URL holds the token too (stored data,
/// not a reflection).
fn stored_data(ctx: &CheckCtx, ex: &Arc<Exchange>, needles: &[String]) -> bool {
    recorded(ctx, &ex.request.url, None)
        .is_some_and(|anon| needles.iter().any(|n| where_found(&anon, n).is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{
        api, jwt_identity, seed_routes, user_claims, Flaws, JWT_SECRET,
    };
    use crate::engine::Identity;
    use crate::testkit::{serve, Fixture, RawResponse};
    use tollgate_core::Secret;

    #[tokio::test]
    async fn canary_echoed_by_an_open_endpoint() {
        let addr = serve(|req| {
            let auth = req.header("authorization").unwrap_or("").to_string();
            RawResponse::new(400, format!("{{\"error\":\"bad header {auth}\"}}"))
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/echo")
            .ctx(&META);
        let f = TokenReflection.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(
            f[0].evidence.facts[0].contains("the JSON body at `error`"),
            "{:?}",
            f[0].evidence.facts
        );
    }

    async fn with_identity(flaws: Flaws) -> (Vec<Finding>, String) {
        let token = jwt_identity(JWT_SECRET, user_claims());
        let addr = serve(api(flaws)).await;
        let (engine, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer("alice", Secret::new(token.clone())))
            .route("/api/me/")
            .route("/api/debug/headers/")
            .ctx(&META);
        seed_routes(&engine, &ctx).await;
        (TokenReflection.run(&ctx).await.expect("run"), token)
    }

    #[tokio::test]
    async fn identity_token_echoed_behind_authentication() {
        let (f, token) = with_identity(Flaws::all()).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        let json = serde_json::to_string(&f).expect("json");
        assert!(json.contains("headers.authorization"), "{json}");
        assert!(!json.contains(&token));
        let sig = token.rsplit('.').next().expect("sig");
        assert!(!json.contains(sig));
    }

    #[tokio::test]
    async fn silent_without_echo() {
        let flaws = Flaws {
            echo_headers: false,
            ..Flaws::all()
        };
        assert!(with_identity(flaws).await.0.is_empty());
    }
}
