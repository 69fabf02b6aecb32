//! AUTH-007: the login endpoint tells which accounts exist, or lets anyone guess
//! passwords without lockout or throttling. Intrusive: it sends failed logins.

use crate::check::{Check, CheckCtx, CheckError, Profile};
use crate::checks::api_support;
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::{Method, Operation};
use url::Url;

pub struct LoginSurface;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-007"),
    name: "Login endpoint enumerates users or allows unthrottled guessing",
    category: Category::Authentication,
    severity: Severity::Medium,
    cwe: 307,
    owasp: Owasp::Api2,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post],
    budget: 20,
    docs: CheckDocs {
        what: "Finds the login operation in the OpenAPI document (a POST whose path names login, signin, token or auth and whose JSON body has a password field) and sends at most 20 failed logins: one for a random user that cannot exist and one for a likely account (`admin`), compared for different status or message (user enumeration), then a short series of wrong passwords for that account, watching for 429, a lockout message, `Retry-After` or rate-limit headers. Intrusive, so it runs only with `--allow intrusive`: it can trip real lockouts.",
        why: "An endpoint that says \"no such user\" hands attackers the account list; one that never slows down lets them spray passwords until one works. Either turns the login into the start of account takeover, and a leaked username list plus no throttling is how credential stuffing succeeds.",
        evidence: "12 wrong passwords for `admin` at POST /api/v2/auth/login/ → 401 each, no 429, no `Retry-After`, no `RateLimit` headers.",
        remediation: "Answer every failed login with the same status, body and timing; throttle failed attempts per account and per source (429 with `Retry-After`), with lockout or step-up after a few failures, and alert on bursts.",
        remediation_django: Some("Add DRF throttling to the login view (`throttle_classes = [AnonRateThrottle]` with a low `login` scope rate, e.g. `5/minute`), or django-axes for per-account lockout; return one generic message such as \"Invalid username or password.\" for both unknown users and bad passwords."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/307.html",
        ],
    },
};

/// Wrong-password attempts for one account (the two enumeration probes come first).
const GUESSES: usize = 10;

/// The login operation: its URL and the names of its user and password fields.
fn login_operation(ctx: &CheckCtx) -> Option<(Url, String, String)> {
    let spec = api_support::spec(ctx)?;
    let model = &spec.model;
    let is_login = |op: &&Operation| {
        let p = op.path.to_ascii_lowercase();
        op.method == Method::Post
            && ["login", "signin", "sign-in", "token", "auth"]
                .iter()
                .any(|w| p.contains(w))
    };
    model.operations.iter().filter(is_login).find_map(|op| {
        let body = op.request_body.as_ref()?;
        let schema = body
            .content
            .iter()
            .find(|c| c.media_type.contains("json"))?
            .schema?;
        let names: Vec<String> = model
            .properties(schema)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let password = names
            .iter()
            .find(|n| n.to_ascii_lowercase().contains("password"))?
            .clone();
        let user = names
            .iter()
            .find(|n| {
                ["username", "user", "email", "login"].contains(&n.to_ascii_lowercase().as_str())
            })?
            .clone();
        Some((
            ctx.url(&format!("{}{}", model.base_path(), op.path)),
            user,
            password,
        ))
    })
}

async fn attempt(
    ctx: &CheckCtx,
    url: &Url,
    fields: (&str, &str),
    user: &str,
) -> Result<Arc<Exchange>, CheckError> {
    let body = serde_json::json!({ fields.0: user, fields.1: format!("tollgate-wrong-{:08x}", fastrand::u32(..)) });
    let mut req =
        ProbeRequest::new(HttpMethod::Post, url.clone()).header("content-type", "application/json");
    req.body = Some(Bytes::from(body.to_string()));
    ctx.send(req).await
}

/// Signs that the endpoint slows guessing down.
fn throttled(ex: &Exchange) -> bool {
    let r = &ex.response;
    let text = r.text().to_ascii_lowercase();
    r.status == 429
        || r.header("retry-after").is_some()
        || r.headers
            .iter()
            .any(|(k, _)| k.contains("ratelimit") || k.contains("rate-limit"))
        || ["locked", "too many", "try again later"]
            .iter()
            .any(|w| text.contains(w))
}

#[async_trait]
impl Check for LoginSurface {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn min_profile(&self) -> Profile {
        Profile::Standard
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (url, user_field, pass_field) = login_operation(ctx).ok_or_else(|| {
            CheckError::Skipped(
                "no login operation with a JSON username/password body in the OpenAPI document"
                    .into(),
            )
        })?;
        let fields = (user_field.as_str(), pass_field.as_str());
        let ghost = attempt(
            ctx,
            &url,
            fields,
            &format!("tollgate-nouser-{:08x}", fastrand::u32(..)),
        )
        .await?;
        let admin = attempt(ctx, &url, fields, "admin").await?;
        let mut findings = Vec::new();
        if ghost.response.status != admin.response.status
            || ghost.response.text() != admin.response.text()
        {
            findings.push(
                ctx.finding(
                    &admin,
                    "Failed logins differ for existing and unknown users (user enumeration)",
                    None,
                )
                .with_key("enumeration")
                .with_confidence(Confidence::Tentative)
                .with_fact(format!(
                    "unknown user → {}, `admin` → {}",
                    ghost.response.status, admin.response.status
                )),
            );
        }
        let mut last = admin;
        for _ in 0..GUESSES {
            if throttled(&last) {
                return Ok(findings);
            }
            last = attempt(ctx, &url, fields, "admin").await?;
        }
        if !throttled(&last) {
            findings.push(
                ctx.finding(
                    &last,
                    format!(
                        "{} failed logins for one account met no lockout or throttling",
                        GUESSES + 1
                    ),
                    None,
                )
                .with_key("no-throttle")
                .with_confidence(Confidence::Firm)
                .with_fact("no 429, no Retry-After, no rate-limit headers, no lockout message"),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const DOC: &str = r#"{"openapi":"3.0.3","paths":{"/auth/login/":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"username":{"type":"string"},"password":{"type":"string"}}}}}}}}}}"#;

    async fn run(handler: fn(&crate::testkit::RawRequest) -> RawResponse) -> (Vec<Finding>, u32) {
        let addr = serve(handler).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(DOC)
            .intrusive()
            .ctx(&META);
        let f = LoginSurface.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test]
    async fn fires_on_unthrottled_guessing() {
        let (f, sent) =
            run(|_| RawResponse::new(401, "{\"detail\":\"Invalid username or password.\"}")).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("no lockout"));
        assert!(sent <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_throttled() {
        let (f, _) =
            run(|_| RawResponse::new(401, "{}").header("x-ratelimit-remaining", "4")).await;
        assert!(f.is_empty());
    }

    #[tokio::test]
    async fn reports_user_enumeration() {
        // The request head is all the test server reads; the unknown user's body is
        // longer (`tollgate-nouser-…` vs `admin`), which is enough to answer differently.
        let (f, _) = run(|req| {
            let long = req
                .header("content-length")
                .and_then(|l| l.parse::<usize>().ok())
                .is_some_and(|l| l > 65);
            let body = if long {
                "{\"detail\":\"No such user.\"}"
            } else {
                "{\"detail\":\"Wrong password.\"}"
            };
            RawResponse::new(401, body).header("retry-after", "30")
        })
        .await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("user enumeration"));
    }

    #[tokio::test]
    async fn silent_when_everyone_gets_the_same_refusal() {
        let (f, _) = run(|_| RawResponse::new(429, "{\"detail\":\"slow down\"}")).await;
        assert!(f.is_empty(), "same answer for everyone: no enumeration");
        let (f, _) =
            run(|_| RawResponse::new(401, "no such user").header("retry-after", "1")).await;
        assert!(f.is_empty());
    }
}
