//! AUTH-015: what the JWTs in play say about themselves: algorithm, missing expiry,
//! audience and issuer, very long lifetimes, sensitive claims.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::Exchange;
use crate::jwt::{find_in_text, Alg, Token};
use async_trait::async_trait;
use serde_json::Value;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};

pub struct JwtClaims;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-015"),
    name: "JWT claim weaknesses",
    category: Category::Authentication,
    severity: Severity::Low,
    cwe: 613,
    owasp: Owasp::Api2,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Decodes every identity's JWT and the JWTs the API hands out in recorded responses (no request is sent) and reports, per token: an unsigned token (`alg: none`, medium), no `exp` (low), a lifetime over 24 hours (low), sensitive claims (low): e-mail addresses, credential-named claims (password, secret, api_key), internal hostnames or private IP addresses; and, as info, a token with neither `aud` nor `iss`. Each finding lists the algorithm and which of `exp`, `nbf`, `aud`, `iss` are missing. A token with only a missing `nbf` is not reported.",
        why: "A token that never expires stays useful to whoever finds it in a log; anything in the payload is readable by every client, proxy and log that sees the token (it is only base64), so personal data or internal host names in claims leak with it; tokens without an audience or issuer can be replayed against other services that share the key.",
        evidence: "Token handed out in the response of GET /api/v2/fetch/: alg HS256; lifetime 30 days (`iat` → `exp`); missing: nbf.",
        remediation: "Issue short-lived access tokens (minutes to hours) with `exp`, `iat`, `aud` and `iss`; put only identifiers and authorization data in claims, never personal data, credentials or infrastructure details; sign every token.",
        remediation_django: Some("With djangorestframework-simplejwt set `ACCESS_TOKEN_LIFETIME` to minutes, `AUDIENCE` and `ISSUER`, and keep custom claims added in `get_token()` to ids and roles; with PyJWT set `exp`, `aud` and `iss` in the payload passed to `jwt.encode`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://www.rfc-editor.org/rfc/rfc8725#section-3.10",
            "https://www.rfc-editor.org/rfc/rfc7519#section-4.1",
            "https://cwe.mitre.org/data/definitions/613.html",
        ],
    },
};

/// Longest lifetime not reported.
const MAX_LIFETIME: i64 = 24 * 3600;
/// Most tokens taken from responses.
const MAX_HANDED_OUT: usize = 8;

/// One problem with a token.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub severity: Severity,
    pub text: String,
}

fn issue(severity: Severity, text: impl Into<String>) -> Issue {
    Issue {
        severity,
        text: text.into(),
    }
}

/// What is wrong with a token's header and claims.
pub fn issues(t: &Token) -> Vec<Issue> {
    let mut out = Vec::new();
    if t.alg() == Alg::None {
        out.push(issue(Severity::Medium, "unsigned token (`alg: none`)"));
    }
    match (t.numeric_claim("exp"), t.numeric_claim("iat")) {
        (None, _) => out.push(issue(Severity::Low, "no `exp`: the token never expires")),
        (Some(exp), Some(iat)) if exp - iat > MAX_LIFETIME => out.push(issue(
            Severity::Low,
            format!("lifetime of {} (`iat` → `exp`)", human(exp - iat)),
        )),
        (Some(exp), None) if exp - crate::checks::kit::token_probes::now() > 30 * MAX_LIFETIME => {
            out.push(issue(
                Severity::Low,
                format!(
                    "expires in {} and has no `iat`",
                    human(exp - crate::checks::kit::token_probes::now())
                ),
            ))
        }
        _ => {}
    }
    out.extend(sensitive(t));
    if !t.claims().contains_key("aud") && !t.claims().contains_key("iss") {
        out.push(issue(
            Severity::Info,
            "neither `aud` nor `iss`: the token is not bound to a service or issuer",
        ));
    }
    out
}

fn human(secs: i64) -> String {
    if secs >= 2 * 86400 {
        format!("{} days", secs / 86400)
    } else {
        format!("{} hours", secs / 3600)
    }
}

/// Sensitive claims, named by claim, never with their values.
fn sensitive(t: &Token) -> Vec<Issue> {
    let mut out = Vec::new();
    for (k, v) in t.claims() {
        let Some(s) = v.as_str() else { continue };
        let key = k.to_ascii_lowercase();
        let what = if s.contains('@') && s.contains('.') && !s.contains(' ') {
            Some("an e-mail address")
        } else if [
            "password", "passwd", "secret", "api_key", "apikey", "private",
        ]
        .iter()
        .any(|n| key.contains(n))
        {
            Some("a credential")
        } else if internal_host(s) {
            Some("an internal hostname or address")
        } else {
            None
        };
        if let Some(what) = what {
            out.push(issue(Severity::Low, format!("claim `{k}` holds {what}")));
        }
    }
    out
}

fn internal_host(s: &str) -> bool {
    let host = s
        .split("://")
        .nth(1)
        .unwrap_or(s)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    let suffixes = [
        ".internal",
        ".local",
        ".corp",
        ".lan",
        ".intranet",
        ".svc.cluster.local",
    ];
    if suffixes.iter().any(|x| host.ends_with(x)) {
        return true;
    }
    match host.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => ip.is_private() || ip.is_loopback() || ip.is_link_local(),
        Err(_) => false,
    }
}

#[async_trait]
impl Check for JwtClaims {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        for (token, label, ex) in tokens(ctx) {
            let list = issues(&token);
            let Some(worst) = list.iter().map(|i| i.severity).max() else {
                continue;
            };
            let mut f = ctx
                .finding(&ex, format!("JWT claim weaknesses in {label}"), None)
                .with_severity(worst)
                .with_confidence(Confidence::Confirmed)
                .with_key(&label)
                .with_fact(summary(&token));
            for i in list {
                f = f.with_fact(i.text);
            }
            findings.push(f);
        }
        Ok(findings)
    }
}

/// `alg HS256; missing: nbf, aud` (claim names only).
fn summary(t: &Token) -> String {
    let alg = t
        .header()
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("(none)");
    let missing: Vec<&str> = ["exp", "nbf", "aud", "iss"]
        .into_iter()
        .filter(|k| !t.claims().contains_key(*k))
        .collect();
    let missing = if missing.is_empty() {
        "none".to_string()
    } else {
        missing.join(", ")
    };
    format!("alg {alg}; missing registered claims: {missing}")
}

/// (token, where it came from, an exchange to show) for every identity's JWT and the
/// JWTs in recorded responses; one token per response.
fn tokens(ctx: &CheckCtx) -> Vec<(Token, String, Arc<Exchange>)> {
    let transcript = ctx.transcript();
    let mut out: Vec<(Token, String, Arc<Exchange>)> = Vec::new();
    for name in &ctx.target().identities {
        let sent = transcript
            .iter()
            .find(|e| e.request.identity.as_deref() == Some(name.as_str()));
        if let (Some(t), Some(ex)) = (ctx.identity_jwt(name), sent) {
            out.push((t, format!("identity `{name}`'s token"), Arc::clone(ex)));
        }
    }
    let mut handed_out = 0;
    for ex in transcript.iter().filter(|e| ctx.in_scope(&e.request.url)) {
        if handed_out >= MAX_HANDED_OUT {
            break;
        }
        let label = format!(
            "a token in the response of {} {}",
            ex.request.method,
            ex.request.url.path()
        );
        let Some(t) = find_in_text(&ex.response.text(), 1).into_iter().next() else {
            continue;
        };
        if out.iter().all(|(o, l, _)| *o != t && *l != label) {
            handed_out += 1;
            out.push((t, label, Arc::clone(ex)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{jwt_identity, user_claims, JWT_SECRET};
    use crate::engine::{Auth, Identity, ProbeRequest};
    use crate::testkit::{serve, Fixture, RawResponse};
    use serde_json::json;
    use tollgate_core::Secret;

    fn tok(claims: Value) -> Token {
        Token::parse(&jwt_identity(JWT_SECRET, claims)).expect("parse")
    }

    #[test]
    fn reports_missing_exp_long_lifetime_and_sensitive_claims() {
        let t =
            tok(json!({"sub": "1", "email": "a@b.test", "db": "postgres://db.internal:5432/x"}));
        let texts: Vec<String> = issues(&t).into_iter().map(|i| i.text).collect();
        assert!(
            texts.iter().any(|x| x.contains("never expires")),
            "{texts:?}"
        );
        assert!(
            texts.iter().any(|x| x.contains("`email` holds an e-mail")),
            "{texts:?}"
        );
        assert!(
            texts.iter().any(|x| x.contains("`db` holds an internal")),
            "{texts:?}"
        );
        assert!(
            texts.iter().any(|x| x.contains("neither `aud` nor `iss`")),
            "{texts:?}"
        );
        let long = tok(json!({"iss": "a", "iat": 0, "exp": 30 * 86400}));
        assert_eq!(issues(&long)[0].text, "lifetime of 30 days (`iat` → `exp`)");
        assert!(!issues(&long)[0].text.contains("a@b"));
    }

    #[test]
    fn a_well_formed_short_lived_token_is_clean() {
        assert!(issues(&tok(user_claims())).is_empty());
    }

    async fn run(handed_out: String, identity_claims: Value) -> Vec<Finding> {
        let addr =
            serve(move |_| RawResponse::new(200, format!("{{\"token\":\"{handed_out}\"}}"))).await;
        let token = jwt_identity(JWT_SECRET, identity_claims);
        let (engine, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer("alice", Secret::new(token)))
            .ctx(&META);
        let root = ctx.target().url.clone();
        engine
            .send(None, ProbeRequest::get(root.clone()))
            .await
            .expect("seed");
        engine
            .send(
                None,
                ProbeRequest::get(root).auth(Auth::Identity("alice".into())),
            )
            .await
            .expect("seed");
        JwtClaims.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_on_a_handed_out_token_that_never_expires() {
        let f = run(
            jwt_identity(JWT_SECRET, json!({"iss": "x", "sub": "9"})),
            user_claims(),
        )
        .await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("response of GET /"), "{}", f[0].title);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[tokio::test]
    async fn silent_on_well_formed_tokens() {
        assert!(run(jwt_identity(JWT_SECRET, user_claims()), user_claims())
            .await
            .is_empty());
    }
}
