//! AUTH-007: the login endpoint tells which accounts exist, or lets anyone guess
//! passwords without lockout or throttling. Intrusive: it sends failed logins.

use crate::check::{Check, CheckCtx, CheckError, Profile};
use crate::checks::kit::api_support;
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
    budget: 26,
    docs: CheckDocs {
        what: "Finds the login operations in the OpenAPI document (a POST whose path names login, signin, token or auth and whose JSON or form-encoded body has a user and a password field, such as an OAuth2 password grant `POST /token`) and sends, to each of at most two, at most 12 failed logins in the same encoding: one for a random user that cannot exist and one for a likely account (`admin`), compared for different status or message (user enumeration), then a short series of wrong passwords for that account, watching for 429, a lockout message, `Retry-After` or rate-limit headers. Other required fields take the value the document gives (`grant_type=password`). When `admin` is one of the scan's own login identities, the series uses the made-up user instead, so the scan never locks its own account out. Intrusive, so it runs only with `--allow intrusive`: it can trip real lockouts.",
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

/// Login operations examined per scan.
const MAX_OPERATIONS: usize = 2;

/// How a login body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Json,
    Form,
}

/// A login operation: where, how encoded, its user and password fields, and the other
/// required fields with the value the document gives them.
#[derive(Debug, Clone)]
struct LoginOp {
    url: Url,
    encoding: Encoding,
    user: String,
    password: String,
    fixed: Vec<(String, serde_json::Value)>,
}

/// The value the document gives a field: `const`, the first `enum` value, `default`
/// or `example`.
fn documented_value(
    model: &tollgate_spec::ApiModel,
    id: tollgate_spec::SchemaId,
) -> Option<serde_json::Value> {
    let schema = model.schema(id);
    schema
        .const_value
        .clone()
        .or_else(|| schema.enum_values.first().cloned())
        .or_else(|| schema.default.clone())
        .or_else(|| schema.example.clone())
}

/// The login operations of the document (JSON or form-encoded bodies), at most
/// [`MAX_OPERATIONS`].
fn login_operations(ctx: &CheckCtx) -> Vec<LoginOp> {
    let Some(spec) = api_support::spec(ctx) else {
        return Vec::new();
    };
    let model = &spec.model;
    let is_login = |op: &&Operation| {
        let p = op.path.to_ascii_lowercase();
        op.method == Method::Post
            && ["login", "signin", "sign-in", "token", "auth"]
                .iter()
                .any(|w| p.contains(w))
    };
    let mut ops: Vec<LoginOp> = Vec::new();
    for op in model.operations.iter().filter(is_login) {
        let Some(body) = op.request_body.as_ref() else {
            continue;
        };
        let Some((encoding, schema)) = body.content.iter().find_map(|c| {
            let mt = c.media_type.to_ascii_lowercase();
            let enc = if mt.contains("json") {
                Encoding::Json
            } else if mt.contains("x-www-form-urlencoded") {
                Encoding::Form
            } else {
                return None;
            };
            Some((enc, c.schema?))
        }) else {
            continue;
        };
        let props = model.properties(schema);
        let Some(password) = props
            .iter()
            .find(|(n, _)| n.to_ascii_lowercase().contains("password"))
            .map(|(n, _)| n.clone())
        else {
            continue;
        };
        let Some(user) = props
            .iter()
            .find(|(n, _)| {
                ["username", "user", "email", "login"].contains(&n.to_ascii_lowercase().as_str())
            })
            .map(|(n, _)| n.clone())
        else {
            continue;
        };
        // Other required fields need a documented value, or the request would be
        // refused for its shape rather than its credentials.
        let required = &model.schema(schema).required;
        let fixed: Option<Vec<_>> = props
            .iter()
            .filter(|(n, _)| *n != user && *n != password && required.contains(n))
            .map(|(n, id)| documented_value(model, *id).map(|v| (n.clone(), v)))
            .collect();
        let Some(fixed) = fixed else { continue };
        let url = ctx.url(&format!("{}{}", model.base_path(), op.path));
        if ops.iter().any(|o| o.url == url) {
            continue;
        }
        ops.push(LoginOp {
            url,
            encoding,
            user,
            password,
            fixed,
        });
        if ops.len() >= MAX_OPERATIONS {
            break;
        }
    }
    ops
}

/// The body of a failed login for `user`, in the operation's encoding.
fn login_body(op: &LoginOp, user: &str) -> (&'static str, String) {
    let wrong = format!("tollgate-wrong-{:08x}", fastrand::u32(..));
    match op.encoding {
        Encoding::Json => {
            let mut obj: serde_json::Map<String, serde_json::Value> =
                op.fixed.iter().cloned().collect();
            obj.insert(op.user.clone(), user.into());
            obj.insert(op.password.clone(), wrong.into());
            (
                "application/json",
                serde_json::Value::Object(obj).to_string(),
            )
        }
        Encoding::Form => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &op.fixed {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                form.append_pair(k, &text);
            }
            form.append_pair(&op.user, user)
                .append_pair(&op.password, &wrong);
            ("application/x-www-form-urlencoded", form.finish())
        }
    }
}

async fn attempt(ctx: &CheckCtx, op: &LoginOp, user: &str) -> Result<Arc<Exchange>, CheckError> {
    let (content_type, body) = login_body(op, user);
    let mut req =
        ProbeRequest::new(HttpMethod::Post, op.url.clone()).header("content-type", content_type);
    req.body = Some(Bytes::from(body));
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
        let ops = login_operations(ctx);
        if ops.is_empty() {
            return Err(CheckError::Skipped(
                "no login operation with a JSON or form-encoded username/password body in the OpenAPI document"
                    .into(),
            ));
        }
        let mut findings = Vec::new();
        for op in &ops {
            findings.extend(probe(ctx, op).await?);
        }
        Ok(findings)
    }
}

/// Enumeration and throttling probes of one login operation.
async fn probe(ctx: &CheckCtx, op: &LoginOp) -> Result<Vec<Finding>, CheckError> {
    let nobody = format!("tollgate-nouser-{:08x}", fastrand::u32(..));
    let ghost = attempt(ctx, op, &nobody).await?;
    let admin = attempt(ctx, op, "admin").await?;
    // Never lock the scan's own account out: guess for the made-up user then.
    let guessed = if ctx.is_login_username("admin") {
        nobody.as_str()
    } else {
        "admin"
    };
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
    let mut last = if guessed == "admin" { admin } else { ghost };
    for _ in 0..GUESSES {
        if throttled(&last) {
            return Ok(findings);
        }
        last = attempt(ctx, op, guessed).await?;
    }
    if !throttled(&last) {
        findings.push(
            ctx.finding(
                &last,
                format!(
                    "{} failed logins for one username met no lockout or throttling",
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

    /// An OAuth2 password grant, form-encoded, with a required `grant_type`.
    const FORM_DOC: &str = r#"{"openapi":"3.0.3","paths":{"/token":{"post":{"requestBody":{"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","required":["grant_type","username","password"],"properties":{"grant_type":{"type":"string","enum":["password"]},"username":{"type":"string"},"password":{"type":"string"}}}}}}}}}}"#;

    async fn run_form(
        handler: fn(&crate::testkit::RawRequest) -> RawResponse,
    ) -> (Vec<Finding>, u32) {
        let addr = serve(handler).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(FORM_DOC)
            .intrusive()
            .ctx(&META);
        let f = LoginSurface.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    /// Answers only form-encoded logins; a JSON body gets 415.
    fn form_only(req: &crate::testkit::RawRequest, vulnerable: bool) -> RawResponse {
        if req.header("content-type") != Some("application/x-www-form-urlencoded") {
            return RawResponse::new(415, "{\"error\":\"form only\"}");
        }
        // `grant_type=password&username=admin&password=tollgate-wrong-XXXXXXXX` is 67
        // bytes; the made-up user's body is longer.
        let unknown = req
            .header("content-length")
            .and_then(|l| l.parse::<usize>().ok())
            .is_some_and(|l| l > 75);
        if !vulnerable {
            return RawResponse::new(401, "{\"error\":\"invalid_grant\"}")
                .header("retry-after", "60");
        }
        let detail = if unknown {
            "Unknown username"
        } else {
            "Incorrect password"
        };
        RawResponse::new(
            401,
            format!("{{\"error\":\"invalid_grant\",\"detail\":\"{detail}\"}}"),
        )
    }

    #[tokio::test]
    async fn form_encoded_oauth2_login_is_probed() {
        let (f, sent) = run_form(|r| form_only(r, true)).await;
        let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(f.len(), 2, "{titles:?}");
        assert!(titles.iter().any(|t| t.contains("user enumeration")));
        assert!(titles.iter().any(|t| t.contains("no lockout")));
        assert!(sent <= META.budget);
    }

    #[tokio::test]
    async fn form_encoded_login_that_answers_alike_and_throttles_is_silent() {
        let (f, _) = run_form(|r| form_only(r, false)).await;
        assert!(f.is_empty(), "{f:#?}");
    }

    #[tokio::test]
    async fn never_guesses_passwords_for_the_scans_own_login_account() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static ADMIN_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
        let addr = serve(|req| {
            // 67 bytes: `admin` with a wrong password (see `form_only`).
            if req.header("content-length") == Some("67") {
                ADMIN_ATTEMPTS.fetch_add(1, Ordering::SeqCst);
            }
            form_only(req, true)
        })
        .await;
        let base = format!("http://{addr}/");
        let login = crate::engine::Login::with_password(
            Url::parse(&format!("{base}token")).expect("url"),
            crate::engine::LoginKind::OAuth2Password,
            "admin",
            tollgate_core::Secret::new("Admin-Passw0rd-canary"),
        );
        let (_e, ctx) = Fixture::new(&base)
            .spec(FORM_DOC)
            .intrusive()
            .identity(crate::engine::Identity::logging_in("admin", login))
            .ctx(&META);
        let f = LoginSurface.run(&ctx).await.expect("run");
        assert_eq!(
            ADMIN_ATTEMPTS.load(Ordering::SeqCst),
            1,
            "one enumeration probe for admin, the guesses for the made-up user"
        );
        assert!(f.iter().any(|f| f.title.contains("no lockout")), "{f:#?}");
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
