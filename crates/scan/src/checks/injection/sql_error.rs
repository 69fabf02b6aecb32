//! INJ-001: a quote (or backslash, or comment terminator) in a parameter makes the API
//! answer with a database parser error.

use super::{for_each_slot, slot_finding, slots, Prepared};
use crate::check::{Check, CheckCtx, CheckError};
use async_trait::async_trait;
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

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
    budget: 64,
    docs: CheckDocs {
        what: "Sends GET requests that put a single quote, a double quote, a backslash or a comment terminator (`*/`) after the benign value of query and path parameters (from the OpenAPI document's GET operations, or seen in use) and looks for error messages that only a SQL parser or its driver writes: SQLite, PostgreSQL, MySQL/MariaDB, Microsoft SQL Server and Oracle signatures kept as data with test examples. A parameter is reported only when the error is absent from the baseline (the same request with the benign value), absent again when the character is doubled (`''` is an escaped quote, so a parser that chokes on `'` and accepts `''` is counting quotes), and present again with three of them.",
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

/// One way of breaking SQL text: a suffix that unbalances it, one that balances it
/// again, and a second, differently shaped unbalancing suffix.
struct Family {
    label: &'static str,
    breaks: &'static str,
    balanced: &'static str,
    breaks_again: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        label: "a single quote",
        breaks: "'",
        balanced: "''",
        breaks_again: "'''",
    },
    Family {
        label: "a double quote",
        breaks: "\"",
        balanced: "\"\"",
        breaks_again: "\"\"\"",
    },
    Family {
        label: "a backslash",
        breaks: "\\",
        balanced: "\\\\",
        breaks_again: "\\\\\\",
    },
    Family {
        label: "a comment terminator",
        breaks: "*/",
        balanced: "/**/",
        breaks_again: "*/*/",
    },
];

/// Baseline, the breaking probes, the balanced and second probes of one family.
const PER_SLOT: u32 = 1 + FAMILIES.len() as u32 + 2;

/// The examples are read only by the table test.
#[derive(Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct Table {
    benign: Benign,
    signature: Vec<SignatureRow>,
}

#[derive(Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct Benign {
    texts: Vec<String>,
}

#[derive(Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
struct SignatureRow {
    db: String,
    pattern: String,
    #[serde(default)]
    must_match: Vec<String>,
    #[serde(default)]
    must_not_match: Vec<String>,
}

/// A compiled database error signature.
pub struct Signature {
    pub db: String,
    pub regex: Regex,
}

const TABLE: &str = include_str!("sql_errors.toml");

fn table() -> Table {
    toml::from_str(TABLE).expect("sql_errors.toml parses (checked by a test)")
}

/// The signatures of `sql_errors.toml`.
pub fn signatures() -> &'static [Signature] {
    static SIGS: OnceLock<Vec<Signature>> = OnceLock::new();
    SIGS.get_or_init(|| {
        table()
            .signature
            .into_iter()
            .filter_map(|s| {
                Regex::new(&s.pattern)
                    .ok()
                    .map(|regex| Signature { db: s.db, regex })
            })
            .collect()
    })
}

/// The first database error in `text` (as served, or with JSON string escapes undone,
/// since APIs often return the message inside a JSON string): the database and the
/// matched text as it appears in `text`'s unescaped form.
pub fn database_error(text: &str) -> Option<(&'static str, String)> {
    let find = |t: &str| {
        signatures().iter().find_map(|s| {
            s.regex
                .find(t)
                .map(|m| (s.db.as_str(), m.as_str().to_string()))
        })
    };
    find(text).or_else(|| {
        let unescaped = text.replace("\\\"", "\"").replace("\\\\", "\\");
        (unescaped != text).then(|| find(&unescaped)).flatten()
    })
}

#[async_trait]
impl Check for SqlErrorInjection {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        Ok(for_each_slot(ctx, slots(ctx), PER_SLOT, |c, p| Box::pin(probe_slot(c, p))).await)
    }
}

async fn probe_slot(ctx: &CheckCtx, prep: &Prepared) -> Option<Finding> {
    if database_error(&prep.baseline.response.text()).is_some() {
        return None; // the route always shows a database error: nothing to prove
    }
    let v = &prep.slot.value;
    for family in FAMILIES {
        let value = format!("{v}{}", family.breaks);
        let Some(probe) = prep.probe(ctx, &value).await else {
            continue;
        };
        let Some((db, matched)) = database_error(&probe.response.text()) else {
            continue;
        };
        // Confirmation: the balanced form parses, the second unbalanced form does not.
        let balanced = prep.probe(ctx, &format!("{v}{}", family.balanced)).await?;
        if database_error(&balanced.response.text()).is_some() {
            return None;
        }
        let again = prep
            .probe(ctx, &format!("{v}{}", family.breaks_again))
            .await?;
        let (db2, _) = database_error(&again.response.text())?;
        let title = format!(
            "SQL error from {db} after {} in `{}`",
            family.label, prep.slot.param
        );
        let f = slot_finding(&META, prep, &probe, title, Some(&matched), ctx.redactor())
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!(
                "probe `{value}`: {} with the {db} error `{matched}`",
                probe.response.status
            ))
            .with_fact(format!(
                "baseline `{v}`: {} without any database error",
                prep.baseline.response.status
            ))
            .with_fact(format!(
                "balanced `{v}{}`: {} without the error; `{v}{}`: {} with a {db2} error again",
                family.balanced,
                balanced.response.status,
                family.breaks_again,
                again.response.status
            ));
        return Some(f);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[test]
    fn signature_table_examples() {
        let t = table();
        assert!(t.signature.len() >= 15);
        for db in ["SQLite", "PostgreSQL", "MySQL/MariaDB", "MSSQL", "Oracle"] {
            assert!(t.signature.iter().any(|s| s.db == db), "{db} covered");
        }
        for s in &t.signature {
            let re = Regex::new(&s.pattern).unwrap_or_else(|e| panic!("{}: {e}", s.pattern));
            assert!(!s.must_match.is_empty(), "{} has examples", s.pattern);
            for m in &s.must_match {
                assert!(re.is_match(m), "{} must match {m}", s.pattern);
            }
            for m in s.must_not_match.iter().chain(&t.benign.texts) {
                assert!(!re.is_match(m), "{} must not match {m}", s.pattern);
            }
        }
        assert_eq!(signatures().len(), t.signature.len(), "all compile");
    }

    #[test]
    fn errors_inside_json_strings_are_found() {
        let body = r#"{"error":"OperationalError: unrecognized token: \"'\""}"#;
        let (db, matched) = database_error(body).expect("found");
        assert_eq!(db, "SQLite");
        assert_eq!(matched, "unrecognized token: \"");
        assert!(database_error(r#"{"error":"not found"}"#).is_none());
    }

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
        assert_eq!(ctx.requests_made(), 1 + FAMILIES.len() as u32);
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
