//! INJ-005: a JSON login accepts a query operator (`{"$ne": …}`) in place of the
//! password.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};
use tollgate_spec::{example, Method};
use url::Url;

pub struct NosqlOperatorLogin;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-005"),
    name: "NoSQL operator injection in a JSON login",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Critical,
    cwe: 943,
    owasp: Owasp::Api8,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post],
    budget: 16,
    docs: CheckDocs {
        what: "Finds JSON login operations (POST operations of the OpenAPI document whose JSON body has a user field such as `username`/`email`/`login` and a `password` field) and sends, with `--allow intrusive` only, a baseline login with the documented username and a random wrong password, then the same login with the password replaced by a query-operator object (`{\"$ne\": \"<random>\"}`, then with the username also `{\"$ne\": …}`), confirmed by a second operator (`{\"$gt\": \"\"}`). It reports the operation when the wrong-password baseline is refused and the operator login is answered 2xx with a token-like field or a new session cookie. At most four requests per operation; one of them is a failed login.",
        why: "Document databases (MongoDB, and query helpers that imitate it) treat an object with `$` keys as an operator: `{\"password\": {\"$ne\": \"x\"}}` means \"any password but x\" and logs in without knowing it, as any user, often the first one in the collection (an administrator). The same hole in filter bodies reads other users' data.",
        evidence: "POST /api/auth/login {\"username\":\"alice\",\"password\":\"tg-wrong-…\"} → 401; {\"username\":\"alice\",\"password\":{\"$ne\":\"tg-wrong-…\"}} → 200 `{\"access_token\":\"eyJ…(masked)\"}`; {\"$gt\":\"\"} → 200 too. Both exchanges are attached, the token masked.",
        remediation: "Validate the login body with a strict schema: both fields must be strings (reject objects and arrays with 400) before they reach the query; with MongoDB drivers, cast values (`String(x)`), use `$eq` explicitly, or enable the driver's sanitising option (`sanitizeFilter`, `express-mongo-sanitize`). Compare password hashes in code, never inside the query.",
        remediation_django: Some("Validate the body with a serializer (`serializers.CharField()` for username and password rejects objects) before querying; with djongo/pymongo build the filter from `str(value)` and compare the password with `check_password`, never as a query condition."),
        references: &[
            "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/05.6-Testing_for_NoSQL_Injection",
            "https://cwe.mitre.org/data/definitions/943.html",
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
        ],
    },
};

/// Login operations probed.
const MAX_LOGINS: usize = 3;
/// Baseline, two operator shapes, one confirmation.
const PER_LOGIN: u32 = 4;

const USER_FIELDS: &[&str] = &[
    "username",
    "user",
    "email",
    "login",
    "user_name",
    "userName",
];
const PASSWORD_FIELDS: &[&str] = &["password", "passwd", "pass", "pwd"];
/// Response fields that hold a credential after a successful login.
const TOKEN_FIELDS: &[&str] = &[
    "access_token",
    "accessToken",
    "token",
    "id_token",
    "idToken",
    "jwt",
    "auth_token",
    "authToken",
    "session",
    "sessionid",
    "session_id",
    "sessionId",
    "key",
];

/// A JSON login operation and the body it documents.
#[derive(Debug, Clone)]
pub struct LoginOp {
    pub url: Url,
    pub user_field: String,
    pub password_field: String,
    /// The documented example body (other required fields kept as they are).
    pub body: Map<String, Value>,
}

/// JSON login operations of the OpenAPI document.
pub fn login_ops(ctx: &CheckCtx) -> Vec<LoginOp> {
    let Some(spec) = ctx.target().spec.as_ref() else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut out = Vec::new();
    for op in model
        .operations
        .iter()
        .filter(|o| o.method == Method::Post && !o.is_templated())
    {
        let Some(content) = op
            .request_body
            .as_ref()
            .and_then(|b| b.content.iter().find(|c| c.media_type.contains("json")))
        else {
            continue;
        };
        let Some(schema) = content.schema else {
            continue;
        };
        let props: Vec<String> = model
            .properties(schema)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let pick = |names: &[&str]| {
            props
                .iter()
                .find(|p| names.iter().any(|n| n.eq_ignore_ascii_case(p)))
                .cloned()
        };
        let (Some(user_field), Some(password_field)) = (pick(USER_FIELDS), pick(PASSWORD_FIELDS))
        else {
            continue;
        };
        // A login body has few fields; a registration form has more (and creates users).
        if props.len() > 3 {
            continue;
        }
        let example = content
            .example
            .clone()
            .unwrap_or_else(|| example::value_for(model, schema, example::Direction::Request));
        let Value::Object(body) = example else {
            continue;
        };
        let Ok(url) = ctx
            .target()
            .url
            .join(&format!("{}{}", model.base_path(), op.path))
        else {
            continue;
        };
        if url.origin() == ctx.target().url.origin() && out.len() < MAX_LOGINS {
            out.push(LoginOp {
                url,
                user_field,
                password_field,
                body,
            });
        }
    }
    out
}

#[async_trait]
impl Check for NosqlOperatorLogin {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        for op in login_ops(ctx) {
            if ctx.requests_made() + PER_LOGIN > META.budget {
                break;
            }
            if let Some(f) = probe_login(ctx, &op).await {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

/// A random wrong password (never anyone's).
fn wrong_password() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("tg-wrong-{:016x}", h.finish())
}

fn body_with(op: &LoginOp, user: Value, password: Value) -> Value {
    let mut body = op.body.clone();
    body.insert(op.user_field.clone(), user);
    body.insert(op.password_field.clone(), password);
    Value::Object(body)
}

async fn post(ctx: &CheckCtx, op: &LoginOp, body: &Value) -> Option<Arc<Exchange>> {
    let mut req = ProbeRequest::new(HttpMethod::Post, op.url.clone())
        .header("content-type", "application/json")
        .header("accept", "application/json");
    req.body = Some(Bytes::from(body.to_string()));
    match ctx.send(req).await {
        Ok(ex) => Some(ex),
        Err(e) => {
            tracing::debug!(check = %META.id, error = %e, "login probe failed");
            None
        }
    }
}

/// The credential a login answer carries: a token-like field's value, or a cookie.
pub fn issued_credential(ex: &Exchange) -> Option<(String, String)> {
    if !ex.response.is_success() {
        return None;
    }
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&ex.response.body) {
        let nested = map.get("data").and_then(Value::as_object);
        for m in std::iter::once(&map).chain(nested) {
            for field in TOKEN_FIELDS {
                if let Some(Value::String(v)) = m.get(*field) {
                    if v.len() >= 8 {
                        return Some((format!("field `{field}`"), v.clone()));
                    }
                }
            }
        }
    }
    // A session cookie, not any cookie (a tracking or CSRF cookie proves nothing).
    ex.response.headers_all("set-cookie").find_map(|cookie| {
        let (name, rest) = cookie.split_once('=')?;
        let name = name.trim();
        let lower = name.to_ascii_lowercase();
        let session = ["sess", "sid", "auth", "token", "jwt"]
            .iter()
            .any(|w| lower.contains(w));
        let value = rest.split(';').next().unwrap_or_default();
        (session && value.len() >= 8).then(|| (format!("cookie `{name}`"), value.to_string()))
    })
}

async fn probe_login(ctx: &CheckCtx, op: &LoginOp) -> Option<Finding> {
    let user = op
        .body
        .get(&op.user_field)
        .filter(|v| v.is_string())
        .cloned()
        .unwrap_or_else(|| json!("admin"));
    let wrong = wrong_password();
    let baseline_body = body_with(op, user.clone(), json!(wrong));
    let baseline = post(ctx, op, &baseline_body).await?;
    if issued_credential(&baseline).is_some() || baseline.response.status >= 500 {
        return None; // a wrong password is not refused: nothing to compare with
    }
    let shapes = [
        (user.clone(), json!({"$ne": wrong})),
        (json!({"$ne": wrong}), json!({"$ne": wrong})),
    ];
    for (u, p) in shapes {
        let probe_body = body_with(op, u.clone(), p);
        let Some(probe) = post(ctx, op, &probe_body).await else {
            continue;
        };
        let Some((what, credential)) = issued_credential(&probe) else {
            continue;
        };
        let confirm_body = body_with(op, u, json!({"$gt": ""}));
        let confirm = post(ctx, op, &confirm_body).await?;
        let (_, credential2) = issued_credential(&confirm)?;
        let title = format!(
            "Login at `{}` accepts a `$ne` operator object as `{}`",
            op.url.path(),
            op.password_field
        );
        let redactor = ctx.redactor();
        let url = redactor.redact(op.url.as_str()).into_owned();
        let f = Finding::new(
            &META,
            Location::http_param("POST", url, &op.password_field),
            title,
        )
        .with_exchange(crate::mask::exchange(probe.evidence(redactor, None)))
        .with_exchange(crate::mask::exchange(baseline.evidence(redactor, None)))
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "probe body {probe_body}: {} with a credential in {what}",
            probe.response.status
        ))
        .with_fact(format!(
            "baseline body {baseline_body}: {} without a credential",
            baseline.response.status
        ))
        .with_fact(format!(
            "confirmed with {confirm_body}: {} with a credential",
            confirm.response.status
        ));
        return Some(crate::mask::known_values(f, &[credential, credential2]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};
    use std::sync::atomic::{AtomicU32, Ordering};

    const SPEC: &str = r##"{"openapi":"3.0.3","paths":{
      "/login":{"post":{"requestBody":{"content":{"application/json":{
        "schema":{"type":"object","properties":{"username":{"type":"string"},"password":{"type":"string"}}},
        "example":{"username":"alice","password":"pw"}}}}}},
      "/register":{"post":{"requestBody":{"content":{"application/json":{
        "schema":{"type":"object","properties":{"username":{},"password":{},"email":{},"role":{}}}}}}}}
    }}"##;

    const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl";

    #[test]
    fn finds_the_login_not_the_registration() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(SPEC).ctx(&META);
        let ops = login_ops(&ctx);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].url.path(), "/login");
        assert_eq!(ops[0].body.get("username"), Some(&json!("alice")));
    }

    #[test]
    fn only_session_cookies_count_as_credentials() {
        use crate::testkit::exchange;
        let session = exchange(
            HttpMethod::Post,
            "http://h/login",
            200,
            &[("set-cookie", "sessionid=abcdef0123456789; HttpOnly")],
            "{}",
        );
        assert!(issued_credential(&session).is_some());
        let tracking = exchange(
            HttpMethod::Post,
            "http://h/login",
            200,
            &[("set-cookie", "_ga=GA1.2.123456789; Path=/")],
            r#"{"error":"invalid"}"#,
        );
        assert!(issued_credential(&tracking).is_none());
        let refused = exchange(
            HttpMethod::Post,
            "http://h/login",
            401,
            &[],
            r#"{"token":"abcdefghijkl"}"#,
        );
        assert!(issued_credential(&refused).is_none());
    }

    #[tokio::test]
    async fn fires_when_an_operator_logs_in() {
        // The test server sees only the request head: the first request is the
        // baseline (a string password), the others carry operators.
        let n = AtomicU32::new(0);
        let addr = serve(move |_| {
            if n.fetch_add(1, Ordering::Relaxed) > 0 {
                RawResponse::new(200, format!(r#"{{"access_token":"{TOKEN}"}}"#))
            } else {
                RawResponse::new(401, r#"{"error":"invalid credentials"}"#)
            }
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .intrusive()
            .ctx(&META);
        let f = NosqlOperatorLogin.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].evidence.exchanges.len(), 2);
        let shown = serde_json::to_string(&f[0]).expect("json");
        assert!(!shown.contains(TOKEN), "the issued token is masked");
        assert_eq!(ctx.requests_made(), 3);
    }

    #[tokio::test]
    async fn silent_when_objects_are_refused_or_intrusive_is_off() {
        let n = AtomicU32::new(0);
        let addr = serve(move |_| {
            if n.fetch_add(1, Ordering::Relaxed) > 0 {
                RawResponse::new(400, r#"{"error":"username and password must be strings"}"#)
            } else {
                RawResponse::new(401, r#"{"error":"invalid credentials"}"#)
            }
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .intrusive()
            .ctx(&META);
        assert!(NosqlOperatorLogin.run(&ctx).await.expect("run").is_empty());
        // Without --allow intrusive the engine refuses the POST: nothing is sent.
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(NosqlOperatorLogin.run(&ctx).await.expect("run").is_empty());
    }
}
