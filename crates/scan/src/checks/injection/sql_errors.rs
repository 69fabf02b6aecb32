//! Error-based SQL injection probing, shared by INJ-001 (GET parameters) and INJ-007
//! (JSON bodies of write operations): the database error signatures of
//! `sql_errors.toml` (kept as data with examples) and the quote-counting probes.

use super::{slot_finding, Prepared};
use crate::check::CheckCtx;
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;
use tollgate_core::{CheckMeta, Confidence, Finding};

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
pub const PER_SLOT: u32 = 1 + FAMILIES.len() as u32 + 2;

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

/// INJ-001's and INJ-007's probes of one slot: each family's breaking suffix until one
/// gives a database error absent from the baseline, then its balanced form (no error)
/// and a second breaking form (the error again). The finding is `meta`'s.
pub async fn probe_slot(ctx: &CheckCtx, prep: &Prepared, meta: &CheckMeta) -> Option<Finding> {
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
        let f = slot_finding(meta, prep, &probe, title, Some(&matched), ctx.redactor())
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
}
