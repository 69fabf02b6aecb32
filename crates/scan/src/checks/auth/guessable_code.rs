//! AUTH-018: a password-reset, OTP or PIN confirmation takes short numeric codes with
//! no attempt limit, shown with a small fixed number of wrong codes for the scan's own
//! account.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::checks::kit::request_bodies;
use crate::engine::{Auth, Exchange, ProbeRequest};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::{Arc, LazyLock};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};
use tollgate_spec::{ApiModel, Method, Operation, Schema, SchemaType};

pub struct GuessableCode;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-018"),
    name: "Short one-time codes without an attempt limit",
    category: Category::Authentication,
    severity: Severity::High,
    cwe: 307,
    owasp: Owasp::Api2,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post],
    budget: 24,
    docs: CheckDocs {
        what: "Finds the OpenAPI document's code confirmations: POST operations about password resets, OTPs, PINs or verification whose request body has a code field (`code`, `otp`, `pin`, `reset_code`, …) that the document shows to be a short number: a `pattern` such as `^[0-9]{4}$`, an integer `maximum`, or an all-digit example, 3 to 8 digits. For an account the scan itself logs in with (never anyone else's; without a login identity whose username the body can carry, the check is skipped), it first asks for a code through the sibling request operation (`POST /password-reset` next to `/password-reset/confirm`), then sends 10 wrong codes. It reports when all 10 were answered the same way and promptly, with no 429 or 423 (the engine retries a 429 after backing off, so an attempt that took a second or more counts as throttled), no `Retry-After`, and no words about too many attempts or a locked account. A one-in-10^K/10 chance remains that a wrong code is the issued one; the check then stops (a 2xx) and reports nothing. Intrusive: it triggers a code (an e-mail or SMS to the scan's own account) and wrong attempts.",
        why: "A 4-digit code has 10,000 values and a 6-digit code a million: without an attempt limit an attacker who requests a reset for a victim guesses the code in minutes and takes over the account. An attempt limit (or burning the code after a few failures) is what makes short codes safe.",
        evidence: "POST /api/password-reset `{\"username\": \"alice\"}` → 202; then POST /api/password-reset/confirm `{\"username\": \"alice\", \"code\": \"9999\", …}` and 9 more wrong codes → 400 `invalid or expired code` each time, no 429, no `Retry-After`; the code is 4 digits (`pattern: ^[0-9]{4}$`).",
        remediation: "Limit attempts per issued code (3 to 5), then invalidate it and require a new one; throttle per account and per client; use at least 6 digits (or a long random token for links) with a short expiry; answer throttled attempts with 429 and `Retry-After`.",
        remediation_django: Some("Store an attempt counter with the code (or use django-otp's throttling, `OTP_EMAIL_THROTTLE_FACTOR`), delete the code after a few failures, and add per-account throttling with django-axes or DRF `ScopedRateThrottle` on the confirmation view."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Forgot_Password_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/307.html",
        ],
    },
};

/// Wrong codes sent per confirmation endpoint.
pub const ATTEMPTS: usize = 10;
/// An attempt this slow was throttled and retried by the engine.
const BACKED_OFF: std::time::Duration = std::time::Duration::from_millis(900);
/// Confirmation endpoints tried per scan.
const MAX_FLOWS: usize = 2;

/// The word lists; the `*_match`/`*_no_match` examples are read by the test only.
#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct Words {
    flow_words: Vec<String>,
    flow_match: Vec<String>,
    flow_no_match: Vec<String>,
    code_fields: Vec<String>,
    code_match: Vec<String>,
    code_no_match: Vec<String>,
    account_fields: Vec<String>,
    account_match: Vec<String>,
    account_no_match: Vec<String>,
    lockout_words: Vec<String>,
    lockout_match: Vec<String>,
    lockout_no_match: Vec<String>,
}

static WORDS: LazyLock<Result<Words, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("guessable_code_words.toml")).map_err(|e| e.to_string())
});

fn words() -> Result<&'static Words, CheckError> {
    WORDS
        .as_ref()
        .map_err(|e| CheckError::Skipped(format!("guessable_code_words.toml: {e}")))
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_flow(w: &Words, text: &str) -> bool {
    let t = squash(text);
    w.flow_words.iter().any(|f| t.contains(f.as_str()))
}

fn is_code_field(w: &Words, name: &str) -> bool {
    w.code_fields.contains(&squash(name))
}

fn is_account_field(w: &Words, name: &str) -> bool {
    w.account_fields.contains(&squash(name))
}

fn says_lockout(w: &Words, text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    w.lockout_words.iter().any(|l| t.contains(l.as_str()))
}

/// The code's length in digits and where the document says so (3 to 8 digits).
fn digits(schema: &Schema, example: Option<&Value>) -> Option<(u32, String)> {
    if let Some(p) = schema.pattern.as_deref() {
        let body = p.trim_start_matches('^').trim_end_matches('$');
        let rest = body
            .strip_prefix("[0-9]")
            .or_else(|| body.strip_prefix("\\d"))?;
        let inner = rest.strip_prefix('{')?.strip_suffix('}')?;
        let max = inner.rsplit(',').next()?.trim().parse::<u32>().ok()?;
        return (3..=8)
            .contains(&max)
            .then(|| (max, format!("`pattern: {p}`")));
    }
    if schema.types.contains(&SchemaType::Integer) {
        if let Some(m) = schema.maximum.filter(|m| *m >= 99.0 && *m < 1e8) {
            let k = format!("{}", m as u64).len() as u32;
            return Some((k, format!("integer with `maximum: {m}`")));
        }
    }
    let ex = example.or(schema.example.as_ref())?;
    let text = match ex {
        Value::String(s) => s.clone(),
        Value::Number(n) if schema.types.contains(&SchemaType::Integer) => n.to_string(),
        _ => return None,
    };
    let k = text.len() as u32;
    let numeric = text.chars().all(|c| c.is_ascii_digit());
    (numeric && (3..=8).contains(&k)).then(|| (k, format!("example value `{text}`")))
}

/// One code confirmation worth trying.
#[derive(Debug, Clone)]
struct Flow {
    confirm: Operation,
    request: Option<Operation>,
    code_field: String,
    integer: bool,
    digits: u32,
    digits_why: String,
    account_field: Option<String>,
    body: Map<String, Value>,
}

/// The operation's documented JSON body (an object) and its schema.
fn example_body(
    model: &ApiModel,
    op: &Operation,
) -> Option<(Map<String, Value>, tollgate_spec::SchemaId)> {
    let d = request_bodies::documented_body(model, op, request_bodies::Media::Json)?;
    Some((d.body, d.schema))
}

fn flows(w: &Words, model: &ApiModel) -> Vec<Flow> {
    let mut out = Vec::new();
    for op in model
        .operations
        .iter()
        .filter(|o| o.method == Method::Post && !o.is_templated())
    {
        let named = [
            Some(op.path.as_str()),
            op.operation_id.as_deref(),
            op.summary.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|t| is_flow(w, t));
        let Some((body, schema)) = named.then(|| example_body(model, op)).flatten() else {
            continue;
        };
        let props = model.properties(schema);
        let code = props.iter().find_map(|(name, id)| {
            let s = model.schema(*id);
            if !is_code_field(w, name) || s.read_only {
                return None;
            }
            let (k, why) = digits(s, body.get(name))?;
            Some((name.clone(), s.types.contains(&SchemaType::Integer), k, why))
        });
        let Some((code_field, integer, k, why)) = code else {
            continue;
        };
        let account_field = props
            .iter()
            .map(|(n, _)| n)
            .find(|n| is_account_field(w, n))
            .cloned();
        out.push(Flow {
            request: request_op(model, op, account_field.as_deref(), &code_field),
            confirm: op.clone(),
            code_field,
            integer,
            digits: k,
            digits_why: why,
            account_field,
            body,
        });
    }
    out
}

/// The operation that issues the code: a POST on the confirmation's parent path, or a
/// sibling named request/send/start/issue/forgot, taking the account but no code.
fn request_op(
    model: &ApiModel,
    confirm: &Operation,
    account: Option<&str>,
    code_field: &str,
) -> Option<Operation> {
    let trimmed = confirm.path.trim_end_matches('/');
    let parent = trimmed.rsplit_once('/')?.0;
    model
        .operations
        .iter()
        .filter(|o| o.method == Method::Post && o.path != confirm.path && !o.is_templated())
        .find(|o| {
            let p = o.path.trim_end_matches('/');
            let sibling = p.rsplit_once('/').is_some_and(|(dir, last)| {
                dir == parent
                    && ["request", "send", "start", "issue", "forgot", "init"]
                        .iter()
                        .any(|w| last.to_ascii_lowercase().contains(w))
            });
            let props = example_body(model, o).map(|(b, _)| b).unwrap_or_default();
            let takes_account = account.is_none_or(|a| props.contains_key(a));
            (p == parent || sibling) && takes_account && !props.contains_key(code_field)
        })
        .cloned()
}

/// The scan's own account name: an identity name or a username/e-mail the API showed
/// the primary identity, that one of the scan's login identities logs in with.
fn own_account(ctx: &CheckCtx) -> Option<String> {
    let mut names: Vec<String> = ctx.target().identities.clone();
    for ex in ctx.transcript() {
        if ex.request.identity.is_none() {
            continue;
        }
        if let Some(Value::Object(m)) = api_support::json_body(&ex) {
            for k in ["username", "user", "email", "login"] {
                if let Some(Value::String(s)) = m.get(k) {
                    names.push(s.clone());
                }
            }
        }
    }
    names.into_iter().find(|n| ctx.is_login_username(n))
}

fn wrong_code(k: u32, i: usize) -> u64 {
    let space = 10u64.pow(k);
    space - 1 - (i as u64 * 7919) % space
}

fn request(
    ctx: &CheckCtx,
    model: &ApiModel,
    op: &Operation,
    body: &Map<String, Value>,
    auth: &Auth,
) -> ProbeRequest {
    let url = ctx.url(&format!("{}{}", model.base_path(), op.path));
    let mut req = ProbeRequest::new(HttpMethod::Post, url)
        .header("content-type", "application/json")
        .auth(auth.clone());
    req.body = Some(
        serde_json::to_vec(&Value::Object(body.clone()))
            .unwrap_or_default()
            .into(),
    );
    req
}

async fn send(ctx: &CheckCtx, req: ProbeRequest) -> Option<Arc<Exchange>> {
    match ctx.send(req).await {
        Ok(ex) => Some(ex),
        Err(e) => {
            tracing::debug!(check = %META.id, error = %e, "code probe failed");
            None
        }
    }
}

/// Whether an answer says the attempt was throttled or the account locked.
fn throttled(w: &Words, ex: &Exchange) -> bool {
    matches!(ex.response.status, 423 | 429 | 503)
        || ex.response.header("retry-after").is_some()
        || says_lockout(w, &ex.response.text())
}

#[async_trait]
impl Check for GuessableCode {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let w = words()?;
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let model = &spec.model;
        let found = flows(w, model);
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let account = own_account(ctx);
        let mut findings = Vec::new();
        for flow in found.into_iter().take(MAX_FLOWS) {
            let (auth, who) = match (&flow.account_field, &account) {
                (Some(_), Some(a)) => (Auth::Anonymous, a.clone()),
                (Some(_), None) => {
                    return Err(CheckError::Skipped(
                        "no login identity whose username the code confirmation can carry; codes are only tried on the scan's own account".into(),
                    ))
                }
                (None, _) => match ctx.target().primary_identity.clone() {
                    Some(id) => (Auth::Identity(id.clone()), format!("identity `{id}`")),
                    None => continue,
                },
            };
            if let Some(f) = try_flow(ctx, w, model, &flow, &auth, &who).await {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

async fn try_flow(
    ctx: &CheckCtx,
    w: &Words,
    model: &ApiModel,
    flow: &Flow,
    auth: &Auth,
    who: &str,
) -> Option<Finding> {
    if ctx.requests_made() + 1 + ATTEMPTS as u32 > META.budget {
        return None;
    }
    let mut facts = Vec::new();
    if let Some(op) = &flow.request {
        let (mut body, _) = example_body(model, op)?;
        if let Some(a) = &flow.account_field {
            body.insert(a.clone(), Value::String(who.to_string()));
        }
        let ex = send(ctx, request(ctx, model, op, &body, auth)).await?;
        if !ex.response.is_success() {
            return None; // no code was issued: wrong guesses would prove nothing
        }
        facts.push(format!(
            "a code was requested first: POST {} → {}",
            op.path, ex.response.status
        ));
    }
    let mut answers: Vec<Arc<Exchange>> = Vec::new();
    for i in 0..ATTEMPTS {
        let mut body = flow.body.clone();
        if let Some(a) = &flow.account_field {
            body.insert(a.clone(), Value::String(who.to_string()));
        }
        let code = wrong_code(flow.digits, i);
        let value = if flow.integer {
            Value::from(code)
        } else {
            Value::String(format!("{code:0width$}", width = flow.digits as usize))
        };
        body.insert(flow.code_field.clone(), value);
        let started = std::time::Instant::now();
        let ex = send(ctx, request(ctx, model, &flow.confirm, &body, auth)).await?;
        // The engine retries a 429/503 after backing off (at least a second without
        // Retry-After), so a throttled attempt shows as a slow one carrying the answer
        // to the retry: it counts as throttling.
        let backed_off = started.elapsed() >= BACKED_OFF;
        let stop = backed_off
            || throttled(w, &ex)
            || !matches!(ex.response.status, 400 | 401 | 403 | 409 | 410 | 422);
        let differs = answers
            .first()
            .is_some_and(|f| f.response.status != ex.response.status);
        if stop || differs {
            return None; // throttled, locked, accepted or not evaluated the same way
        }
        answers.push(ex);
    }
    let last = answers.last()?;
    let severity = if flow.digits <= 6 {
        Severity::High
    } else {
        Severity::Medium
    };
    let url = ctx
        .redactor()
        .redact(last.request.url.as_str())
        .into_owned();
    let title = format!(
        "POST {} took {ATTEMPTS} wrong {}-digit codes without lockout or throttling",
        flow.confirm.path, flow.digits
    );
    let mut f = Finding::new(&META, Location::http_param("POST", url, &flow.code_field), title)
        .with_key(&flow.confirm.path)
        .with_severity(severity)
        .with_confidence(Confidence::Firm)
        .with_exchange(crate::mask::exchange(last.evidence(ctx.redactor(), None)))
        .with_curl(last.curl(ctx.redactor()))
        .with_fact(format!(
            "the code is {} digits ({}): {} possible values",
            flow.digits,
            flow.digits_why,
            10u64.pow(flow.digits)
        ))
        .with_fact(format!(
            "{ATTEMPTS} wrong codes for the scan's own account ({who}) were all answered {} with no 429/423, no Retry-After and no lockout message",
            last.response.status
        ));
    for fact in facts {
        f = f.with_fact(fact);
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Identity, Login, LoginKind};
    use crate::testkit::{serve, Fixture, RawResponse};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tollgate_core::Secret;
    use url::Url;

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "paths":{
        "/reset":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"username":{"type":"string"}}}}}}}},
        "/reset/confirm":{"post":{"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"username":{"type":"string"},"code":{"type":"string","pattern":"^[0-9]{4}$"},"new_password":{"type":"string"}}}}}}}},
        "/products":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"country_code":{"type":"string","example":"0044"}}}}}}}}
      }}"##;

    async fn run(limit: Option<usize>, username: &str) -> Result<(Vec<Finding>, u32), CheckError> {
        let wrong = Arc::new(AtomicUsize::new(0));
        let addr = serve(move |req| match req.path.as_str() {
            "/reset" => RawResponse::new(202, r#"{"status":"sent"}"#),
            "/reset/confirm" => {
                let n = wrong.fetch_add(1, Ordering::SeqCst) + 1;
                match limit {
                    Some(l) if n >= l => RawResponse::new(429, r#"{"error":"too many attempts"}"#),
                    _ => RawResponse::new(400, r#"{"error":"invalid or expired code"}"#),
                }
            }
            _ => RawResponse::new(404, ""),
        })
        .await;
        let base = format!("http://{addr}/");
        let login = Login::with_password(
            Url::parse(&format!("{base}login")).expect("url"),
            LoginKind::Json,
            username,
            Secret::new("Passw0rd-canary-123"),
        );
        let (_e, ctx) = Fixture::new(&base)
            .spec(SPEC)
            .intrusive()
            .identity(Identity::logging_in("alice", login))
            .ctx(&META);
        let f = GuessableCode.run(&ctx).await?;
        Ok((f, ctx.requests_made()))
    }

    #[tokio::test]
    async fn fires_on_ten_wrong_codes_without_a_limit() {
        let (f, sent) = run(None, "alice").await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "POST /reset/confirm took 10 wrong 4-digit codes without lockout or throttling"
        );
        assert!(f[0].evidence.facts[0].contains("`pattern: ^[0-9]{4}$`"));
        assert_eq!(
            sent,
            1 + ATTEMPTS as u32,
            "one code request, ten guesses, no more"
        );
    }

    #[tokio::test]
    async fn silent_when_attempts_are_limited() {
        let (f, sent) = run(Some(5), "alice").await.expect("run");
        assert!(f.is_empty(), "{f:#?}");
        assert_eq!(sent, 1 + 5, "stops at the first 429");
    }

    #[tokio::test]
    async fn never_guesses_for_an_account_the_scan_does_not_own() {
        let err = run(None, "someone-else").await.expect_err("skipped");
        assert!(matches!(err, CheckError::Skipped(_)), "{err}");
    }

    #[test]
    fn word_lists_match_their_examples() {
        let w = words().expect("words");
        assert!(w.flow_match.iter().all(|x| is_flow(w, x)));
        assert!(!w.flow_no_match.iter().any(|x| is_flow(w, x)));
        assert!(w.code_match.iter().all(|x| is_code_field(w, x)));
        assert!(!w.code_no_match.iter().any(|x| is_code_field(w, x)));
        assert!(w.account_match.iter().all(|x| is_account_field(w, x)));
        assert!(!w.account_no_match.iter().any(|x| is_account_field(w, x)));
        assert!(w.lockout_match.iter().all(|x| says_lockout(w, x)));
        assert!(!w.lockout_no_match.iter().any(|x| says_lockout(w, x)));
    }

    #[test]
    fn wrong_codes_are_distinct_and_short() {
        let codes: std::collections::BTreeSet<u64> =
            (0..ATTEMPTS).map(|i| wrong_code(4, i)).collect();
        assert_eq!(codes.len(), ATTEMPTS);
        assert!(codes.iter().all(|c| *c < 10_000));
    }
}
