//! INJ-005: a JSON login accepts a query operator (`{"$ne": …}`) in place of the
//! password, or a JSON search/filter body takes one in place of a value and returns
//! records the value does not match.

use super::{route_has, words};
use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::send_quiet;
use crate::checks::kit::request_bodies::{documented_body, operation_auth, Media};
use crate::engine::{Auth, Exchange, ProbeRequest};
use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};
use tollgate_spec::{Method, Operation, SchemaType};
use url::Url;

pub struct NosqlOperatorLogin;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-005"),
    name: "NoSQL operator injection in a JSON login or filter body",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Critical,
    cwe: 943,
    owasp: Owasp::Api8,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post],
    budget: 32,
    docs: CheckDocs {
        what: "Finds JSON login operations (POST operations of the OpenAPI document whose JSON body has a user field such as `username`/`email`/`login` and a `password` field) and sends, with `--allow intrusive` only, a baseline login with the documented username and a random wrong password, then the same login with the password replaced by a query-operator object (`{\"$ne\": \"<random>\"}`, then with the username also `{\"$ne\": …}`), confirmed by a second operator (`{\"$gt\": \"\"}`). It reports the operation when the wrong-password baseline is refused and the operator login is answered 2xx with a token-like field or a new session cookie. At most four requests per login; one of them is a failed login. It also finds search and filter operations (POST operations whose path or operation id says search, filter, query, find or lookup, outside authentication flows) and, for up to three string fields of their documented JSON body, sends the documented body (baseline), the field set to a random value that matches nothing (control), to `{\"$ne\": null}` and to `{\"$gt\": \"\"}` (operators that match every record), and to `{\"$eq\": <the random value>}` (an operator that matches nothing). The field is reported only when both widening operators return more records than the baseline and the control, and the narrowing operator returns the control's answer: the operators were evaluated, not dropped or stringified. Records are counted in the top-level JSON array or the first array field of the answer; a 2xx alone never counts.",
        why: "Document databases (MongoDB, and query helpers that imitate it) treat an object with `$` keys as an operator: `{\"password\": {\"$ne\": \"x\"}}` means \"any password but x\" and logs in without knowing it, as any user, often the first one in the collection (an administrator). The same hole in search and filter bodies widens a query past its intended scope: `{\"owner\": {\"$ne\": null}}` returns every tenant's records.",
        evidence: "POST /api/auth/login {\"username\":\"alice\",\"password\":\"tg-wrong-…\"} → 401; {\"username\":\"alice\",\"password\":{\"$ne\":\"tg-wrong-…\"}} → 200 `{\"access_token\":\"eyJ…(masked)\"}`; {\"$gt\":\"\"} → 200 too. Or POST /api/notes/search {\"owner\":\"alice\"} → 2 records; {\"owner\":\"tg-none-…\"} → 0; {\"owner\":{\"$ne\":null}} → 9; {\"$gt\":\"\"} → 9; {\"$eq\":\"tg-none-…\"} → 0. Operator and baseline exchanges are attached, credentials masked.",
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
/// Filter-body fields probed.
const MAX_FILTER_FIELDS: usize = 3;
/// Baseline, control, two widening operators, one narrowing operator.
const PER_FILTER: u32 = 5;
/// Words (in the path or operation id) of search and filter operations.
const FILTER_WORDS: &[&str] = &["search", "filter", "query", "find", "lookup"];
/// Answer fields that hold the records, tried first.
const RECORD_FIELDS: &[&str] = &[
    "results", "items", "data", "records", "docs", "hits", "rows",
];
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
        let Some(documented) = documented_body(model, op, Media::Json) else {
            continue;
        };
        let props: Vec<String> = model
            .properties(documented.schema)
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
        let body = documented.body;
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
        for field in filter_fields(ctx) {
            if ctx.requests_made() + PER_FILTER > META.budget {
                break;
            }
            if let Some(f) = probe_filter(ctx, &field).await {
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
    post_json(ctx, &op.url, Auth::Anonymous, body).await
}

async fn post_json(ctx: &CheckCtx, url: &Url, auth: Auth, body: &Value) -> Option<Arc<Exchange>> {
    let mut req = ProbeRequest::new(HttpMethod::Post, url.clone())
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .auth(auth);
    req.body = Some(Bytes::from(body.to_string()));
    send_quiet(ctx, req).await
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

/// A string field of a search or filter operation's documented JSON body.
#[derive(Debug, Clone)]
pub struct FilterField {
    pub url: Url,
    pub path: String,
    pub field: String,
    pub body: Map<String, Value>,
    pub auth: Auth,
    pub identity: Option<String>,
}

impl FilterField {
    fn body_with(&self, value: Value) -> Value {
        let mut body = self.body.clone();
        body.insert(self.field.clone(), value);
        Value::Object(body)
    }
}

fn is_filter(op: &Operation) -> bool {
    let words_in = |t: &str| {
        t.to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| FILTER_WORDS.contains(&w))
    };
    let id = op
        .operation_id
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    op.method == Method::Post
        && !op.is_templated()
        && (words_in(&op.path) || FILTER_WORDS.iter().any(|w| id.contains(w)))
}

/// String fields (no enum, const, format or pattern) of search and filter bodies,
/// outside authentication flows and logins, at most [`MAX_FILTER_FIELDS`].
pub fn filter_fields(ctx: &CheckCtx) -> Vec<FilterField> {
    let (Some(spec), Ok(w)) = (ctx.target().spec.as_ref(), words()) else {
        return Vec::new();
    };
    let model = &spec.model;
    let mut out = Vec::new();
    for op in model
        .operations
        .iter()
        .filter(|o| is_filter(o) && !route_has(&w.skip_routes, &o.path))
    {
        let Some(doc) = documented_body(model, op, Media::Json).filter(|d| !d.form) else {
            continue;
        };
        let props = model.properties(doc.schema);
        if props
            .iter()
            .any(|(n, _)| PASSWORD_FIELDS.iter().any(|p| p.eq_ignore_ascii_case(n)))
        {
            continue; // a login: probed as one above
        }
        let Some((auth, identity)) = operation_auth(ctx, op) else {
            continue;
        };
        let url = ctx.url(&format!("{}{}", model.base_path(), op.path));
        for (name, id) in props {
            let s = model.schema(id);
            let plain = s.has_type(SchemaType::String)
                && s.enum_values.is_empty()
                && s.const_value.is_none()
                && s.format.is_none()
                && s.pattern.is_none()
                && !s.read_only;
            if !plain || out.len() >= MAX_FILTER_FIELDS {
                continue;
            }
            out.push(FilterField {
                url: url.clone(),
                path: op.path.clone(),
                field: name,
                body: doc.body.clone(),
                auth: auth.clone(),
                identity: identity.clone(),
            });
        }
    }
    out
}

/// How many records a 2xx JSON answer holds: the length of a top-level array, or of
/// the first records-like array field (then any array field). `None` otherwise.
pub fn record_count(ex: &Exchange) -> Option<usize> {
    if !ex.response.is_success() {
        return None;
    }
    match serde_json::from_slice::<Value>(&ex.response.body).ok()? {
        Value::Array(a) => Some(a.len()),
        Value::Object(m) => {
            let named = RECORD_FIELDS.iter().find_map(|f| m.get(*f)?.as_array());
            named
                .or_else(|| m.values().find_map(Value::as_array))
                .map(Vec::len)
        }
        _ => None,
    }
}

async fn probe_filter(ctx: &CheckCtx, field: &FilterField) -> Option<Finding> {
    let send = |value: Value| {
        let body = field.body_with(value);
        async move { post_json(ctx, &field.url, field.auth.clone(), &body).await }
    };
    let nothing = format!("tg-none-{:08x}", fastrand::u32(..));
    let baseline_body = Value::Object(field.body.clone());
    let baseline = post_json(ctx, &field.url, field.auth.clone(), &baseline_body).await?;
    let base_n = record_count(&baseline)?;
    let control = send(json!(nothing)).await?;
    let control_n = record_count(&control)?;
    let ne = send(json!({"$ne": null})).await?;
    let ne_n = record_count(&ne)?;
    if ne_n <= base_n.max(control_n) {
        return None;
    }
    let gt = send(json!({"$gt": ""})).await?;
    let gt_n = record_count(&gt)?;
    if gt_n <= base_n.max(control_n) {
        return None;
    }
    // An operator that matches nothing must give the control's answer: a server that
    // drops a non-string filter returns everything here too.
    let eq = send(json!({"$eq": nothing})).await?;
    if record_count(&eq) != Some(control_n) || eq.response.status != control.response.status {
        return None;
    }
    let redactor = ctx.redactor();
    let url = redactor.redact(field.url.as_str()).into_owned();
    let who = field
        .identity
        .as_ref()
        .map_or("anonymously".to_string(), |i| format!("as identity `{i}`"));
    let title = format!(
        "Filter field `{}` of POST {} evaluates a `$ne` operator object and returns records the value does not match",
        field.field, field.path
    );
    Some(
        Finding::new(&META, Location::http_param("POST", url, &field.field), title)
            .with_key(&format!("filter {} {}", field.path, field.field))
            .with_exchange(crate::mask::exchange(ne.evidence(redactor, None)))
            .with_exchange(crate::mask::exchange(baseline.evidence(redactor, None)))
            .with_curl(ne.curl(redactor))
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!(
                "baseline (documented body): {} with {base_n} records",
                baseline.response.status
            ))
            .with_fact(format!(
                "control `{nothing}` (matches nothing): {} with {control_n} records",
                control.response.status
            ))
            .with_fact(format!(
                "`{{\"$ne\": null}}`: {} with {ne_n} records; `{{\"$gt\": \"\"}}`: {} with {gt_n} records",
                ne.response.status, gt.response.status
            ))
            .with_fact(format!(
                "`{{\"$eq\": \"{nothing}\"}}`: {} with {control_n} records, the control's answer (the operator was evaluated)",
                eq.response.status
            ))
            .with_fact(format!("probes sent {who}")),
    )
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

    const FILTER_SPEC: &str = r##"{"openapi":"3.0.3","paths":{
      "/api/notes/search":{"post":{"requestBody":{"content":{"application/json":{
        "schema":{"type":"object","properties":{"owner":{"type":"string"},"sort":{"type":"string","enum":["new","old"]}}},
        "example":{"owner":"alice","sort":"new"}}}}}},
      "/api/notes":{"post":{"requestBody":{"content":{"application/json":{
        "schema":{"type":"object","properties":{"owner":{"type":"string"}}}}}}}}
    }}"##;

    /// How a fake search treats a filter value that is not a string.
    #[derive(Clone, Copy)]
    enum Objects {
        /// Evaluates `$ne`, `$gt` and `$eq` like a document database.
        Evaluated,
        /// Drops the filter and returns everything.
        Dropped,
        /// Refuses with 400.
        Refused,
    }

    /// Notes of three owners, searched by `owner`.
    fn search(objects: Objects) -> impl Fn(&crate::testkit::RawRequest) -> RawResponse {
        move |r| {
            assert_eq!(r.path, "/api/notes/search", "only the search is probed");
            let owners = ["alice", "alice", "bob", "bob", "bob", "carol"];
            let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let want = &body["owner"];
            let keep = |o: &str| -> Option<bool> {
                match want {
                    Value::String(s) => Some(o == s),
                    Value::Object(m) => match objects {
                        Objects::Refused => None,
                        Objects::Dropped => Some(true),
                        Objects::Evaluated => Some(match m.iter().next() {
                            Some((op, v)) if op == "$ne" => v.as_str() != Some(o),
                            Some((op, v)) if op == "$gt" => o > v.as_str().unwrap_or(""),
                            Some((op, v)) if op == "$eq" => v.as_str() == Some(o),
                            _ => false,
                        }),
                    },
                    _ => Some(true),
                }
            };
            let mut hits = Vec::new();
            for (i, o) in owners.iter().enumerate() {
                match keep(o) {
                    Some(true) => hits.push(json!({"id": i, "owner": o})),
                    Some(false) => {}
                    None => return RawResponse::new(400, r#"{"error":"owner must be a string"}"#),
                }
            }
            RawResponse::new(200, json!({"results": hits}).to_string())
        }
    }

    async fn run_filter(objects: Objects) -> (Vec<Finding>, u32) {
        let addr = serve(search(objects)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(FILTER_SPEC)
            .intrusive()
            .ctx(&META);
        let f = NosqlOperatorLogin.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test]
    async fn fires_when_a_filter_body_evaluates_operators() {
        let (f, sent) = run_filter(Objects::Evaluated).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0]
            .title
            .contains("Filter field `owner` of POST /api/notes/search"));
        let facts = f[0].evidence.facts.join("\n");
        assert!(
            facts.contains("baseline (documented body): 200 with 2 records"),
            "{facts}"
        );
        assert!(
            facts.contains("with 0 records, the control's answer"),
            "{facts}"
        );
        assert_eq!(
            sent, PER_FILTER,
            "one field (sort is an enum), five requests"
        );
    }

    #[tokio::test]
    async fn silent_when_operators_are_refused_or_the_filter_is_dropped() {
        for objects in [Objects::Refused, Objects::Dropped] {
            let (f, _) = run_filter(objects).await;
            assert!(f.is_empty(), "{f:#?}");
        }
    }

    #[test]
    fn records_are_counted_in_arrays_and_record_fields() {
        use crate::testkit::exchange;
        let ex = |status, body| exchange(HttpMethod::Post, "http://h/s", status, &[], body);
        assert_eq!(record_count(&ex(200, "[1,2,3]")), Some(3));
        assert_eq!(
            record_count(&ex(200, r#"{"total":9,"items":[1]}"#)),
            Some(1)
        );
        assert_eq!(
            record_count(&ex(200, r#"{"page":{"n":1},"notes":[1,2]}"#)),
            Some(2)
        );
        assert_eq!(record_count(&ex(200, r#"{"ok":true}"#)), None);
        assert_eq!(
            record_count(&ex(400, "[1]")),
            None,
            "a refusal holds no records"
        );
    }
}
