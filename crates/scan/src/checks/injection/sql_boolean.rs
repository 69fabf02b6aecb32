//! INJ-002: a true SQL condition appended to a parameter gives one answer, the same
//! condition made false gives another.

use super::{for_each_slot, same_answer, slot_finding, slots, Prepared};
use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::Exchange;
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct SqlBooleanInjection;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-002"),
    name: "SQL injection (boolean conditions change the answer)",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 89,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 96,
    docs: CheckDocs {
        what: "For query and path parameters of GET routes (OpenAPI document, or seen in use) sends the baseline value twice (the answer must be stable), then pairs of probes that differ in one character: the value followed by a true SQL condition (`' AND '1'='1`, or `AND 1=1` for numbers) and by a false one (`' AND '1'='2`). The parameter is reported when the true probe gives the baseline answer and the false one a different answer (or, for a value that matches nothing, `' OR '1'='1` differs and `' OR '1'='2` does not), and a second pair with other literals (`'x'='x` / `'x'='y`) repeats the result. Answers are compared by status and body, a probe's echo of its own value written back as the baseline value.",
        why: "When a condition written in the parameter decides what the API returns, the value runs as SQL. Errors may be hidden, but an attacker can still ask the database yes/no questions one request at a time and read any data the API's database account can read (password hashes, other users' records), or widen a lookup with `OR 1=1` to return every row.",
        evidence: "GET /api/products/lookup?sku=SKU-1001 → 200 (product); sku=SKU-1001' AND '1'='1 → 200, the same product; sku=SKU-1001' AND '1'='2 → 404; the pair `'x'='x` / `'x'='y` repeats it. The false probe's exchange and the baseline are attached.",
        remediation: "Pass request values to the database as bound parameters (placeholders) or through the ORM, never by formatting them into SQL text; validate the value's shape (an SKU, an integer) before using it, and map identifiers through an allow-list.",
        remediation_django: Some("Use the ORM (`Product.objects.filter(sku=sku)`) or `cursor.execute(\"SELECT … WHERE sku = %s\", [sku])`; never build the SQL with `%`, `.format()` or f-strings, and avoid `extra()`/`RawSQL` with request values."),
        references: &[
            "https://owasp.org/www-community/attacks/Blind_SQL_Injection",
            "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/89.html",
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
        ],
    },
};

/// Two baselines, two pairs for AND, two pairs for OR.
const PER_SLOT: u32 = 2 + 4 + 4;

/// A true and a false condition that differ in one character, for a value of a kind.
struct Pair {
    truthy: String,
    falsy: String,
}

fn pairs(value: &str, joiner: &str) -> Vec<[Pair; 2]> {
    let numeric =
        !value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit());
    let mut out = vec![[
        Pair {
            truthy: format!("{value}' {joiner} '1'='1"),
            falsy: format!("{value}' {joiner} '1'='2"),
        },
        Pair {
            truthy: format!("{value}' {joiner} 'x'='x"),
            falsy: format!("{value}' {joiner} 'x'='y"),
        },
    ]];
    if numeric {
        out.insert(
            0,
            [
                Pair {
                    truthy: format!("{value} {joiner} 1=1"),
                    falsy: format!("{value} {joiner} 1=2"),
                },
                Pair {
                    truthy: format!("{value} {joiner} 2=2"),
                    falsy: format!("{value} {joiner} 2=3"),
                },
            ],
        );
    }
    out
}

#[async_trait]
impl Check for SqlBooleanInjection {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        Ok(for_each_slot(ctx, slots(ctx), PER_SLOT, |c, p| Box::pin(probe_slot(c, p))).await)
    }
}

/// What a pair of probes showed against the baseline.
enum Outcome {
    /// True like the baseline, false different (AND on a matching value).
    FalseDiffers(Arc<Exchange>),
    /// True different, false like the baseline (OR on a value matching nothing).
    TrueDiffers(Arc<Exchange>),
    Nothing,
}

async fn try_pair(ctx: &CheckCtx, prep: &Prepared, pair: &Pair) -> Option<Outcome> {
    let base = &prep.baseline;
    let v = prep.slot.value.as_str();
    let t = prep.probe(ctx, &pair.truthy).await?;
    let f = prep.probe(ctx, &pair.falsy).await?;
    if t.response.status >= 500 || f.response.status >= 500 {
        return Some(Outcome::Nothing); // a broken query is INJ-001's business
    }
    let t_same = same_answer(&t, &pair.truthy, base, v);
    let f_same = same_answer(&f, &pair.falsy, base, v);
    Some(match (t_same, f_same) {
        (true, false) => Outcome::FalseDiffers(f),
        (false, true) => Outcome::TrueDiffers(t),
        _ => Outcome::Nothing,
    })
}

async fn probe_slot(ctx: &CheckCtx, prep: &Prepared) -> Option<Finding> {
    let v = prep.slot.value.clone();
    // The baseline must be stable, or no difference means anything.
    let again = prep.baseline_again(ctx).await?;
    if !same_answer(&again, &v, &prep.baseline, &v) {
        return None;
    }
    for joiner in ["AND", "OR"] {
        for [first, second] in pairs(&v, joiner) {
            let Some(one) = try_pair(ctx, prep, &first).await else {
                continue;
            };
            let expected_and = joiner == "AND";
            let (differing, differing_value, same_value) = match one {
                Outcome::FalseDiffers(ex) if expected_and => (ex, &first.falsy, &first.truthy),
                Outcome::TrueDiffers(ex) if !expected_and => (ex, &first.truthy, &first.falsy),
                _ => continue,
            };
            // Repeated with other literals: the same split, or it was noise.
            let Some(two) = try_pair(ctx, prep, &second).await else {
                continue;
            };
            let repeated = matches!(
                (&two, expected_and),
                (Outcome::FalseDiffers(_), true) | (Outcome::TrueDiffers(_), false)
            );
            if !repeated {
                continue;
            }
            return Some(finding(
                ctx,
                prep,
                &differing,
                differing_value,
                same_value,
                &second,
            ));
        }
    }
    None
}

fn finding(
    ctx: &CheckCtx,
    prep: &Prepared,
    differing: &Exchange,
    differing_value: &str,
    same_value: &str,
    second: &Pair,
) -> Finding {
    let param = &prep.slot.param;
    let title = format!("SQL condition in `{param}` changes the API's answer");
    let base = &prep.baseline.response;
    slot_finding(&META, prep, differing, title, None, ctx.redactor())
        .with_confidence(Confidence::Firm)
        .with_fact(format!(
            "baseline `{}` answered {} ({} bytes), twice the same",
            prep.slot.value,
            base.status,
            base.body.len()
        ))
        .with_fact(format!("`{same_value}`: the baseline's answer"))
        .with_fact(format!(
            "`{differing_value}`: {} ({} bytes), a different answer",
            differing.response.status,
            differing.response.body.len()
        ))
        .with_fact(format!(
            "repeated with `{}` / `{}`: the same split",
            second.truthy, second.falsy
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const SPEC: &str = r##"{"openapi":"3.0.3","paths":{"/lookup":{"get":{"parameters":[{"name":"sku","in":"query","example":"SKU-1"}]}}}}"##;

    fn sku(path: &str) -> String {
        let q = path.split_once('?').map(|(_, q)| q).unwrap_or("");
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "sku")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    /// Evaluates `sku = '<value>'` the way a concatenated query would, for the shapes
    /// the check sends.
    fn vulnerable(path: &str) -> RawResponse {
        let s = sku(path);
        let found = if s == "SKU-1" {
            true
        } else if let Some((v, cond)) = s.split_once("' AND ") {
            v == "SKU-1" && (cond == "'1'='1" || cond == "'x'='x")
        } else {
            false
        };
        if found {
            RawResponse::new(200, r#"{"sku":"SKU-1","name":"Kettle"}"#)
        } else {
            RawResponse::new(404, r#"{"error":"not found"}"#)
        }
    }

    #[tokio::test]
    async fn fires_when_the_condition_decides() {
        let addr = serve(|r| vulnerable(&r.path)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        let f = SqlBooleanInjection.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].title,
            "SQL condition in `sku` changes the API's answer"
        );
        assert_eq!(f[0].evidence.exchanges.len(), 2);
        assert!(ctx.requests_made() <= PER_SLOT);
    }

    #[tokio::test]
    async fn silent_on_exact_matching_and_on_noise() {
        // Parameterised: only the exact SKU is found; the echo of the value is ignored.
        let addr = serve(|r| {
            if sku(&r.path) == "SKU-1" {
                RawResponse::new(200, r#"{"sku":"SKU-1"}"#)
            } else {
                RawResponse::new(404, format!(r#"{{"error":"no {}"}}"#, sku(&r.path)))
            }
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(SqlBooleanInjection.run(&ctx).await.expect("run").is_empty());
        // An answer that changes at every request (a counter).
        let n = std::sync::atomic::AtomicU32::new(0);
        let addr = serve(move |_| {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            RawResponse::new(200, format!("{{\"n\":{i}}}"))
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(SqlBooleanInjection.run(&ctx).await.expect("run").is_empty());
        assert_eq!(ctx.requests_made(), 2, "unstable baseline: no probes");
    }
}
