//! INJ-007: a quote in a JSON body field of a POST operation makes the API answer
//! with a database parser error. INJ-001's probes, on bodies of requests that may
//! change state: intrusive.

use super::sql_errors::{probe_slot, PER_SLOT};
use super::{body_slots, for_each_slot};
use crate::check::{Check, CheckCtx, CheckError};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, HttpMethod, Owasp, SafetyClass, Severity,
};
use tollgate_spec::Method;

pub struct SqlErrorInjectionBody;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-007"),
    name: "SQL injection in a POST operation's JSON body (database error after a quote)",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 89,
    owasp: Owasp::Api8,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post],
    budget: 40,
    docs: CheckDocs {
        what: "INJ-001's probes on the JSON bodies of the OpenAPI document's POST operations without path parameters (never login, token, password-reset or sign-up flows; PUT and PATCH are left alone because they would overwrite existing objects; at most 5 top-level scalar fields with an example value and no enum, one per operation before a second of any): the documented example body is sent as the baseline, then with a single quote, a double quote, a backslash or a comment terminator after the field's value, looking for SQLite, PostgreSQL, MySQL/MariaDB, MSSQL and Oracle error signatures (data with examples). A field is reported only when the error is absent from the baseline, absent again with the character doubled and present again with three of them. Intrusive: each probe is a write that may create or change an object, so it runs only with `--allow intrusive`; INJ-001 covers GET parameters in the default profile.",
        why: "A body field pasted into SQL text lets an attacker rewrite the statement: read other tables through the error messages or a UNION, change rows the caller does not own, or, in an INSERT, set columns the API never exposes.",
        evidence: "POST /api/notes `{\"title\": \"Kettle'\"}` → 500 `{\"error\":\"SQLITE_ERROR: unrecognized token: \\\"'Kettle''\\\"\"}`; `{\"title\": \"Kettle\"}` → 201; `Kettle''` → 201; `Kettle'''` → 500 with the same error. Probe and baseline exchanges are attached.",
        remediation: "Bind every body value as a query parameter (placeholders, the ORM's query builder); never build INSERT or UPDATE text from request values. Validate the body against a strict schema, and answer database errors with a generic message.",
        remediation_django: Some("Save through serializers and the ORM (`serializer.save()`, `Model.objects.create(**validated_data)`); with raw SQL use `cursor.execute(sql, [value])`, never `%`-formatting or f-strings, and keep `DEBUG = False`."),
        references: &[
            "https://owasp.org/www-community/attacks/SQL_Injection",
            "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/89.html",
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
        ],
    },
};

#[async_trait]
impl Check for SqlErrorInjectionBody {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        if ctx.target().spec.is_none() {
            return Err(CheckError::Skipped("no OpenAPI document".into()));
        }
        // POST only: a PUT or PATCH probe would overwrite an existing object.
        let slots = body_slots(ctx, &[Method::Post]);
        Ok(for_each_slot(ctx, slots, PER_SLOT, |c, p| {
            Box::pin(probe_slot(c, p, &META))
        })
        .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const SPEC: &str = r##"{"openapi":"3.0.3","paths":{
      "/api/notes":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"title":{"type":"string","example":"Kettle"},"kind":{"type":"string","format":"uri","example":"http://e.example/"}}}}}}}},
      "/api/auth/login":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"username":{"type":"string","example":"alice"}}}}}}}}
    }}"##;

    /// A notes endpoint that pastes `title` into an INSERT (when `pastes`).
    fn notes(pastes: bool) -> impl Fn(&crate::testkit::RawRequest) -> RawResponse {
        move |r| {
            assert_ne!(
                r.path, "/api/auth/login",
                "authentication flows are left alone"
            );
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let t = body["title"].as_str().unwrap_or_default().to_string();
            if pastes && t.matches('\'').count() % 2 == 1 {
                RawResponse::new(
                    500,
                    format!(r#"{{"error":"SQLITE_ERROR: unrecognized token: \"'{t}')\""}}"#),
                )
            } else {
                RawResponse::new(201, r#"{"id":1}"#)
            }
        }
    }

    #[tokio::test]
    async fn fires_on_a_body_field_pasted_into_sql() {
        let addr = serve(notes(true)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .intrusive()
            .ctx(&META);
        let f = SqlErrorInjectionBody.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "SQL error from SQLite after a single quote in `title`"
        );
        assert!(
            matches!(&f[0].location, tollgate_core::Location::Http { method, parameter: Some(p), .. } if method == "POST" && p == "title")
        );
        assert_eq!(f[0].evidence.exchanges.len(), 2, "probe and baseline");
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_bound_or_intrusive_is_off() {
        let addr = serve(notes(false)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .intrusive()
            .ctx(&META);
        assert!(SqlErrorInjectionBody
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
        assert!(ctx.requests_made() > 1, "the title was probed");
        // Without --allow intrusive the engine sends none of the writes.
        let addr = serve(notes(true)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(SqlErrorInjectionBody
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
    }
}
