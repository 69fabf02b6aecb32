//! AUTH-011: a JWT HMAC secret found in the built-in wordlist (cracked offline).

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    accepted, edited_claims, forged_facts, fresh_jti, probe_endpoint, send_token, Forger,
};
use crate::engine::Exchange;
use crate::jwt::{crack_builtin_blocking, crack_listed, find_in_text, Cracked, HmacJob, Token};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct JwtWeakSecret;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-011"),
    name: "JWT signed with a guessable HMAC secret",
    category: Category::Authentication,
    severity: Severity::High,
    cwe: 521,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 7,
    docs: CheckDocs {
        what: "Cracks the HS256/HS384/HS512 signature of every identity's JWT, of JWTs the API hands out in recorded responses and of JWTs shown in the OpenAPI document's examples, offline against the built-in wordlist of common JWT secrets (a few thousand candidates with case and suffix variants, plus guesses derived from the token's issuer and audience) and generated guesses (every number of 1 to 6 digits and every date from 1970 to 2035 as YYYYMMDD, YYYY-MM-DD and DDMMYYYY), on every core. No request is needed to crack. When the primary identity's secret is found, a forged copy of its token (a fresh `jti`, signed with the cracked secret) is sent to a route that refuses anonymous callers: acceptance proves the server verifies with that secret. The cracked secret is shown: it is the finding.",
        why: "Whoever knows the HMAC secret can mint valid tokens for any user, any role and any lifetime: a complete authentication bypass that leaves no trace of a stolen credential.",
        evidence: "alice's HS256 token verifies with the secret `secret` (wordlist entry); a forged token with a new `jti` signed with it → GET /api/v2/me/ 200, the same answer as alice's own token.",
        remediation: "Sign with a random key of at least 256 bits (HS256) from a secrets manager, never a word, a default or a sample value; rotate it now, since every token ever issued can be forged. Prefer asymmetric signatures (RS256/ES256/EdDSA) when several services verify tokens.",
        remediation_django: Some("Generate the key with `python -c \"import secrets; print(secrets.token_urlsafe(64))\"`, load it from the environment or a secrets manager (not settings.py or `.env` in the image), and pass it as the signing key (`SIMPLE_JWT[\"SIGNING_KEY\"]` or your `jwt.encode`/`jwt.decode` key); do not reuse `SECRET_KEY`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://www.rfc-editor.org/rfc/rfc8725#section-3.5",
            "https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/521.html",
        ],
    },
};

/// Most JWTs taken from responses.
const MAX_HANDED_OUT: usize = 6;
/// Most JWTs taken from the OpenAPI document's examples.
const MAX_FROM_SPEC: usize = 4;
/// Most key groups tried against the generated numbers and dates (each costs about a
/// million HMACs).
const MAX_GENERATED_GROUPS: usize = 3;

/// A token and where it came from.
struct Source {
    token: Token,
    /// `identity alice`, or `the response of GET /x`.
    label: String,
    exchange: Option<Arc<Exchange>>,
}

#[async_trait]
impl Check for JwtWeakSecret {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let sources = sources(ctx);
        if sources.is_empty() {
            return Err(CheckError::Skipped(
                "no HMAC-signed JWT among the identities or the recorded responses".into(),
            ));
        }
        let cracked = crack_all(&sources).await;
        let mut findings = Vec::new();
        for (c, list) in cracked {
            if let Some(f) = report(ctx, &c, &list).await? {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

/// The secrets that crack the sources, each with the sources it signs. Every token is
/// tried against the secrets already found and the listed guesses (milliseconds);
/// the generated numbers and dates (about a million guesses) are tried once per
/// issuer, algorithm and key id (one issuer's tokens share a key), for at most
/// [`MAX_GENERATED_GROUPS`] of them, identities first.
async fn crack_all(sources: &[Source]) -> Vec<(Cracked, Vec<&Source>)> {
    let mut cracked: Vec<(Cracked, Vec<&Source>)> = Vec::new();
    let mut generated_tried: Vec<String> = Vec::new();
    for s in sources {
        let Some(job) = HmacJob::for_token(&s.token) else {
            continue;
        };
        if let Some((_, list)) = cracked
            .iter_mut()
            .find(|(c, _)| c.alg == job.alg() && job.test(&c.secret))
        {
            list.push(s);
            continue;
        }
        let group = key_group(&s.token);
        let c = match crack_listed(&s.token) {
            Some(c) => Some(c),
            None if !generated_tried.contains(&group)
                && generated_tried.len() < MAX_GENERATED_GROUPS =>
            {
                generated_tried.push(group);
                crack_builtin_blocking(&s.token).await
            }
            None => None,
        };
        if let Some(c) = c {
            cracked.push((c, vec![s]));
        }
    }
    cracked
}

/// Tokens likely signed with one key: the same algorithm, issuer and key id.
fn key_group(t: &Token) -> String {
    let text = |v: Option<&serde_json::Value>| v.map(ToString::to_string).unwrap_or_default();
    format!(
        "{:?}|{}|{}",
        t.alg(),
        text(t.claims().get("iss")),
        text(t.header().get("kid"))
    )
}

/// Every identity's JWT, then JWTs in recorded responses from the target.
fn sources(ctx: &CheckCtx) -> Vec<Source> {
    let mut out: Vec<Source> = ctx
        .target()
        .identities
        .iter()
        .filter_map(|name| {
            Some(Source {
                token: ctx.identity_jwt(name)?,
                label: format!("identity `{name}`"),
                exchange: None,
            })
        })
        .collect();
    for token in spec_tokens(ctx) {
        if out.iter().all(|s| s.token != token) {
            out.push(Source {
                token,
                label: "an example in the OpenAPI document".into(),
                exchange: None,
            });
        }
    }
    let mut handed_out = 0;
    for ex in ctx.transcript() {
        if handed_out >= MAX_HANDED_OUT || !ctx.in_scope(&ex.request.url) {
            continue;
        }
        for token in find_in_text(&ex.response.text(), 2) {
            if out.iter().all(|s| s.token != token) && handed_out < MAX_HANDED_OUT {
                handed_out += 1;
                out.push(Source {
                    token,
                    label: format!(
                        "the response of {} {}",
                        ex.request.method,
                        ex.request.url.path()
                    ),
                    exchange: Some(Arc::clone(&ex)),
                });
            }
        }
    }
    out
}

/// JWT-shaped strings anywhere in the OpenAPI document's examples, defaults and
/// enumerations (parameters, request and response bodies, schemas): sample tokens
/// in documentation are often real ones, signed with the real secret.
fn spec_tokens(ctx: &CheckCtx) -> Vec<Token> {
    let Some(spec) = ctx.target().spec.as_ref() else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut values: Vec<&serde_json::Value> = Vec::new();
    for op in &model.operations {
        values.extend(op.parameters.iter().filter_map(|p| p.example.as_ref()));
        let bodies = op.request_body.iter().flat_map(|b| b.content.iter());
        let answers = op.responses.iter().flat_map(|r| r.content.iter());
        values.extend(bodies.chain(answers).filter_map(|c| c.example.as_ref()));
    }
    for schema in &model.schemas {
        values.extend(schema.example.iter().chain(schema.default.iter()));
        values.extend(schema.const_value.iter().chain(schema.enum_values.iter()));
    }
    let mut out: Vec<Token> = Vec::new();
    for v in values {
        if out.len() >= MAX_FROM_SPEC {
            break;
        }
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        for t in find_in_text(&text, MAX_FROM_SPEC) {
            if out.len() < MAX_FROM_SPEC && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// One finding per cracked secret; confirmed by a forgery when the primary identity's
/// token is among the cracked ones.
async fn report(
    ctx: &CheckCtx,
    c: &Cracked,
    list: &[&Source],
) -> Result<Option<Finding>, CheckError> {
    let primary = ctx.target().primary_identity.clone();
    let primary_label = primary.as_ref().map(|n| format!("identity `{n}`"));
    let mut labels: Vec<String> = Vec::new();
    for s in list {
        if !labels.contains(&s.label) {
            labels.push(s.label.clone());
        }
    }
    let fact = format!(
        "{} token(s) verify with the {} secret `{}` (a built-in guess: common secrets, short numbers, dates): {}",
        list.len(),
        c.alg.name(),
        c.secret_text(),
        labels.join("; ")
    );
    let own = list
        .iter()
        .find(|s| Some(&s.label) == primary_label.as_ref());
    if let (Some(name), Some(src)) = (primary.as_deref(), own) {
        if let Some(f) = confirm(ctx, name, &src.token, c).await? {
            return Ok(Some(f.with_fact(fact).with_key(&c.secret_text())));
        }
    }
    let Some(ex) = list
        .iter()
        .find_map(|s| s.exchange.clone())
        .or_else(|| seed_exchange(ctx))
    else {
        return Ok(None);
    };
    Ok(Some(
        ctx.finding(&ex, "JWT signed with a guessable HMAC secret", None)
            .with_confidence(Confidence::Firm)
            .with_fact(fact)
            .with_key(&c.secret_text()),
    ))
}

/// A forged copy of the identity's token, sent to the probe endpoint.
async fn confirm(
    ctx: &CheckCtx,
    name: &str,
    token: &Token,
    c: &Cracked,
) -> Result<Option<Finding>, CheckError> {
    let Ok(probe) = probe_endpoint(ctx, name).await else {
        return Ok(None);
    };
    let forger = Forger::Cracked(c.clone());
    let forged = forger.forge(token, &edited_claims(token, fresh_jti))?;
    let ex = send_token(ctx, &probe.url, &forged).await?;
    if !accepted(&probe.authed, &ex) {
        return Ok(None);
    }
    let mut f = ctx
        .finding(&ex, "JWT signed with a guessable HMAC secret: forged tokens accepted", None)
        .with_severity(Severity::Critical)
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "a token forged with the cracked secret got the same answer ({}) as identity `{name}`'s own token",
            ex.response.status
        ));
    for fact in forged_facts(&forged) {
        f = f.with_fact(fact);
    }
    Ok(Some(f))
}

/// Any recorded exchange with the target, for evidence when no forgery was sent.
fn seed_exchange(ctx: &CheckCtx) -> Option<Arc<Exchange>> {
    ctx.transcript()
        .into_iter()
        .find(|e| ctx.in_scope(&e.request.url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{assert_token_absent, run_with, Flaws};

    #[tokio::test]
    async fn cracks_and_confirms_with_a_forgery() {
        let (f, token) = run_with(Flaws::all(), &META, &JwtWeakSecret).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Critical);
        let facts = f[0].evidence.facts.join("\n");
        assert!(facts.contains("HS256 secret `secret`"), "{facts}");
        assert!(facts.contains("forged claims:"), "{facts}");
        assert_token_absent(&f, &token);
    }

    #[tokio::test]
    async fn silent_with_a_strong_secret() {
        let flaws = Flaws {
            secret_is_weak: false,
            ..Flaws::all()
        };
        assert!(run_with(flaws, &META, &JwtWeakSecret).await.0.is_empty());
    }

    /// An API whose token secret is a date, and whose OpenAPI document shows a token
    /// signed with it in a response example; the scanner's identity has a strong one.
    fn spec_with_example(token: &str) -> String {
        serde_json::json!({
            "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/token": {"post": {"responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"example": {
                    "access_token": token, "token_type": "bearer"}}}}}}}}
        })
        .to_string()
    }

    async fn run_on_spec(example_secret: &str) -> Vec<Finding> {
        use crate::checks::auth::test_support::{jwt_identity, user_claims, STRONG_SECRET};
        use crate::engine::Identity;
        use crate::testkit::{serve, Fixture, RawResponse};
        let addr = serve(|_| RawResponse::new(200, "{}")).await;
        let own = jwt_identity(STRONG_SECRET, user_claims());
        let example = jwt_identity(
            example_secret,
            serde_json::json!({"sub": "2", "iss": "docs-example"}),
        );
        let (_engine, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer(
                "alice",
                tollgate_core::Secret::new(own.clone()),
            ))
            .spec(&spec_with_example(&example))
            .recorded(crate::testkit::exchange(
                HttpMethod::Get,
                &format!("http://{addr}/"),
                200,
                &[],
                "{}",
            ))
            .ctx(&META);
        let f = JwtWeakSecret.run(&ctx).await.expect("run");
        assert_token_absent(&f, &own);
        assert_token_absent(&f, &example);
        f
    }

    #[tokio::test]
    async fn cracks_a_date_secret_from_the_spec_example() {
        let f = run_on_spec("20240614").await;
        assert_eq!(f.len(), 1, "{f:#?}");
        let facts = f[0].evidence.facts.join("\n");
        assert!(facts.contains("secret `20240614`"), "{facts}");
        assert!(
            facts.contains("an example in the OpenAPI document"),
            "{facts}"
        );
    }

    #[tokio::test]
    async fn silent_when_the_spec_example_uses_a_strong_secret() {
        assert!(run_on_spec("k7#Qw9!zR2@xV5$mN8^pL1&dF4*gH6sT")
            .await
            .is_empty());
    }
}
