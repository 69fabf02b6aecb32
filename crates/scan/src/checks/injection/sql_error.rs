//! INJ-001: a quote (or backslash, or comment terminator) in a parameter makes the API
//! answer with a database parser error.

use super::sql_errors::{probe_slot, PER_SLOT};
use super::{body_slots, for_each_slot, slots};
use crate::check::{Check, CheckCtx, CheckError};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, HttpMethod, Owasp, SafetyClass, Severity,
};
use tollgate_spec::Method;

pub struct SqlErrorInjection;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-001"),
    name: "SQL injection (database error after a quote)",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 89,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 96,
    docs: CheckDocs {
        what: "Sends GET requests that put a single quote, a double quote, a backslash or a comment terminator (`*/`) after the benign value of query and path parameters (from the OpenAPI document's GET operations, or seen in use) and of top-level fields of JSON bodies the document gives GET operations (rare; at most 5 fields), and looks for error messages that only a SQL parser or its driver writes: SQLite, PostgreSQL, MySQL/MariaDB, Microsoft SQL Server and Oracle signatures kept as data with test examples. A parameter is reported only when the error is absent from the baseline (the same request with the benign value), absent again when the character is doubled (`''` is an escaped quote, so a parser that chokes on `'` and accepts `''` is counting quotes), and present again with three of them. Safe: it sends only GET. JSON bodies of POST operations are INJ-007's, which runs only with `--allow intrusive` because those requests may change state; HEAD is not probed (its answers carry no body to show an error in).",
        why: "A value that breaks the SQL text is pasted into it: the same parameter lets an attacker add conditions or UNION another SELECT and read every table the API's database account can read (other users' records, password hashes, tokens), and on many databases write or run commands. Error messages also hand out the query's shape, which makes the rest easy.",
        evidence: "GET /api/products/search?q=Kettle' → 500 `{\"error\":\"SQLITE_ERROR: unrecognized token: \\\"'%Kettle'%'\\\"\"}`; q=Kettle → 200; q=Kettle'' → 200; q=Kettle''' → 500 with the same error. Both exchanges (probe and baseline) are attached.",
        remediation: "Build every query with bound parameters (placeholders) or the ORM's query builder, never by formatting or concatenating request values into SQL text; for identifiers (sort columns, table names) map request values through an allow-list. Do not return database error messages to callers: log them and answer with a generic error.",
        remediation_django: Some("Use the ORM (`Model.objects.filter(name__icontains=q)`) or pass values as parameters: `cursor.execute(\"SELECT … WHERE name LIKE %s\", [f\"%{q}%\"])` and `Model.objects.raw(sql, [q])`; never `%`-format or f-string values into SQL, `extra()` or `RawSQL`. Keep `DEBUG = False` and let a handler turn `DatabaseError` into a plain 500."),
        references: &[
            "https://owasp.org/www-community/attacks/SQL_Injection",
            "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/89.html",
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
        ],
    },
};

#[async_trait]
impl Check for SqlErrorInjection {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        // Bodies only on GET: a body on another method may change state (INJ-007).
        let mut all = slots(ctx);
        all.extend(body_slots(ctx, &[Method::Get]));
        Ok(for_each_slot(ctx, all, PER_SLOT, |c, p| Box::pin(probe_slot(c, p, &META))).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};
    use std::sync::{Arc, Mutex};

    /// A search endpoint that pastes `q` into `LIKE '%q%'` and returns SQLite's error,
    /// counting quotes as SQLite does.
    fn vulnerable(path: &str) -> RawResponse {
        let q = path.split("q=").nth(1).unwrap_or("");
        let q = percent_decode(q);
        if q.matches('\'').count() % 2 == 1 {
            RawResponse::new(
                500,
                format!(r#"{{"error":"SQLITE_ERROR: unrecognized token: \"'%{q}%'\""}}"#),
            )
        } else {
            RawResponse::new(200, r#"{"results":[]}"#)
        }
    }

    fn percent_decode(s: &str) -> String {
        url::form_urlencoded::parse(format!("q={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    const SPEC: &str = r##"{"openapi":"3.0.3","paths":{"/search":{"get":{"parameters":[{"name":"q","in":"query","example":"Kettle"}]}}}}"##;

    #[tokio::test]
    async fn fires_on_a_quote_counting_sql_error() {
        let addr = serve(|r| vulnerable(&r.path)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        let f = SqlErrorInjection.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "SQL error from SQLite after a single quote in `q`"
        );
        assert_eq!(f[0].evidence.exchanges.len(), 2, "probe and baseline");
        assert!(f[0].evidence.exchanges[1].request.url.ends_with("q=Kettle"));
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_the_error_is_always_there_or_never() {
        // A route whose documentation page always quotes a SQL error.
        let addr = serve(|_| RawResponse::new(200, "ERROR: syntax error at or near \"x\"")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(SqlErrorInjection.run(&ctx).await.expect("run").is_empty());
        // A parameterised query: the quote is just a character.
        let addr = serve(|_| RawResponse::new(200, r#"{"results":[]}"#)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(SqlErrorInjection.run(&ctx).await.expect("run").is_empty());
        // The baseline and one breaking probe per family: the last two of a slot were not needed.
        assert_eq!(ctx.requests_made(), PER_SLOT - 2);
    }

    const BODY_SPEC: &str = r##"{"openapi":"3.0.3","paths":{
      "/reports":{"get":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"q":{"type":"string"},"limit":{"type":"integer"}}},"example":{"q":"Kettle","limit":5}}}}}},
      "/notes":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"q":{"type":"string","example":"Kettle"}}}}}}}}
    }}"##;

    /// A reports endpoint that pastes the JSON body's `q` into SQL text (when
    /// `pastes`) and logs every request's method.
    async fn body_server(pastes: bool, log: Arc<Mutex<Vec<String>>>) -> std::net::SocketAddr {
        serve(move |r| {
            log.lock().expect("log").push(r.method.clone());
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let q = body["q"].as_str().unwrap_or_default().to_string();
            if pastes && q.matches('\'').count() % 2 == 1 {
                RawResponse::new(500, format!("SQLITE_ERROR: unrecognized token: \"'{q}'\""))
            } else {
                RawResponse::new(200, r#"{"rows":[]}"#)
            }
        })
        .await
    }

    #[tokio::test]
    async fn fires_on_a_get_body_field_and_never_sends_a_write() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let addr = body_server(true, Arc::clone(&log)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(BODY_SPEC)
            .intrusive()
            .ctx(&META);
        let f = SqlErrorInjection.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "SQL error from SQLite after a single quote in `q`"
        );
        assert!(
            matches!(&f[0].location, tollgate_core::Location::Http { method, .. } if method == "GET")
        );
        let seen = log.lock().expect("log").clone();
        assert!(seen.iter().all(|m| m == "GET"), "{seen:?}");
    }

    #[tokio::test]
    async fn silent_on_a_get_body_bound_as_a_parameter() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let addr = body_server(false, Arc::clone(&log)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(BODY_SPEC)
            .intrusive()
            .ctx(&META);
        assert!(SqlErrorInjection.run(&ctx).await.expect("run").is_empty());
        let seen = log.lock().expect("log").clone();
        assert!(
            !seen.is_empty() && seen.iter().all(|m| m == "GET"),
            "{seen:?}"
        );
    }

    #[tokio::test]
    async fn an_error_for_any_odd_input_is_not_confirmed() {
        // Errors for every value that differs from the baseline, balanced or not.
        let addr = serve(|r| {
            if r.path.ends_with("q=Kettle") {
                RawResponse::new(200, "{}")
            } else {
                RawResponse::new(500, "ORA-00933: SQL command not properly ended")
            }
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(SqlErrorInjection.run(&ctx).await.expect("run").is_empty());
    }
}
