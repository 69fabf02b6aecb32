//! INJ-006: input-dependent slowness (ReDoS): a near-miss input of repeated characters
//! takes much longer than a short one on the same field, twice in a row.

use super::{fields_to_probe, Field, FieldOrder};
use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::send_quiet as send;
use async_trait::async_trait;
use std::time::Duration;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};

pub struct SlowInput;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INJ-006"),
    name: "Input-dependent slowness (ReDoS) in a request-body field",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Medium,
    cwe: 1333,
    owasp: Owasp::Api8,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post, HttpMethod::Put, HttpMethod::Patch],
    budget: 24,
    docs: CheckDocs {
        what: "Takes the free-form string fields of the OpenAPI document's JSON POST, PUT and PATCH bodies (fields of operations named validate, check, verify, search first, then names such as `username`, `email`, `slug`; never login, token, password or reset operations; at most 6) and times a near-miss of repeated characters up to the field's `maxLength` (at most 32: `aaa…a!`), the input that makes a backtracking regular expression with nested quantifiers explode, against a short near-miss (`aaaa!`). When the long near-miss takes at least 250 ms more and four times as long (a margin that scheduling noise on a loaded host does not reach), it is timed again against a matching input of the same length (`aaa…aa`, which does not backtrack); only when that difference holds too is it reported (so length alone, hashing or storage cost, does not count), and the check stops at the first such field. At most 6 requests per field (a control that looks slow is timed once more and the faster time kept). Intrusive: the probes are writes and deliberately slow, so it runs only with `--allow intrusive`.",
        why: "A regular expression that backtracks exponentially lets one small request hold a CPU for seconds; in a single-threaded server (Node's event loop) every other request waits. A handful of requests take the API down.",
        evidence: "POST /api/accounts/validate `{\"username\": \"aaaa!\"}` → 200 in 4 ms; `{\"username\": \"aaaaaaaaaaaaaaaaaaaaaaa!\"}` → 200 in 1 840 ms; again: 5 ms and 1 795 ms.",
        remediation: "Remove nested quantifiers (`^([a-z0-9]+)+$` is `^[a-z0-9]+$`), use a regex engine without backtracking (RE2, Rust `regex`) for input validation, cap input length before matching, and run expensive work off the request thread with a time limit.",
        remediation_django: Some("Check the pattern of `RegexValidator`s and serializer `RegexField`s for nested quantifiers, use the `re2`/`google-re2` package for untrusted input, and limit `max_length` on the field so the validator never sees long input."),
        references: &[
            "https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS",
            "https://cwe.mitre.org/data/definitions/1333.html",
            "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
        ],
    },
};

/// Fields timed per scan.
const MAX_FIELDS: usize = 6;
/// The longest near-miss sent.
const MAX_LONG: u64 = 32;
/// The least extra time, and the least ratio, that count as a signal.
const MIN_EXTRA: Duration = Duration::from_millis(250);
const MIN_RATIO: u32 = 4;

const SHORT: &str = "aaaa!";

fn long_values(field: &Field) -> (String, String) {
    let len = field.max_length.unwrap_or(MAX_LONG).clamp(8, MAX_LONG) as usize;
    let run = "a".repeat(len - 1);
    (format!("{run}!"), format!("{run}a"))
}

fn slow(short: Duration, long: Duration) -> bool {
    long >= short + MIN_EXTRA && long >= short * MIN_RATIO
}

#[async_trait]
impl Check for SlowInput {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        for field in fields_to_probe(ctx, FieldOrder::Validated, MAX_FIELDS)? {
            if ctx.requests_made() + 6 > META.budget {
                break;
            }
            if let Some(f) = time_field(ctx, &field).await {
                return Ok(vec![f]); // the first clear signal is enough
            }
        }
        Ok(Vec::new())
    }
}

async fn time_field(ctx: &CheckCtx, field: &Field) -> Option<Finding> {
    let (long, matching) = long_values(field);
    let mut rounds = Vec::new();
    // Round 1: a short near-miss against the long one. Round 2: a long input of the
    // same length that matches (no backtracking) against the long near-miss again.
    for control in [SHORT, matching.as_str()] {
        let s = send(ctx, field.request(control)).await?;
        let l = send(ctx, field.request(&long)).await?;
        let (mut ts, tl) = (s.response.elapsed, l.response.elapsed);
        if !slow(ts, tl) && tl >= MIN_EXTRA {
            // The control may have queued behind other requests: time it once more
            // and keep the faster of the two.
            let again = send(ctx, field.request(control)).await?;
            ts = ts.min(again.response.elapsed);
        }
        if !slow(ts, tl) {
            return None;
        }
        rounds.push((control.to_string(), ts, tl, l));
    }
    let (_, _, _, last) = rounds.last()?.clone();
    let times: Vec<String> = rounds
        .iter()
        .map(|(c, s, l, _)| format!("`{c}` {} ms vs {} ms", s.as_millis(), l.as_millis()))
        .collect();
    let url = ctx.redactor().redact(field.url.as_str()).into_owned();
    let title = format!(
        "Body field `{}` of {} {} is slow on a crafted input (possible ReDoS)",
        field.name,
        field.method.as_str(),
        field.path
    );
    Some(
        Finding::new(
            &META,
            Location::http_param(field.method.as_str(), url, &field.name),
            title,
        )
        .with_key(&format!(
            "{} {} {}",
            field.method.as_str(),
            field.path,
            field.name
        ))
        .with_confidence(Confidence::Firm)
        .with_exchange(crate::mask::exchange(last.evidence(ctx.redactor(), None)))
        .with_curl(last.curl(ctx.redactor()))
        .with_fact(format!(
            "near-miss `{long}` ({} characters) against controls: {}",
            long.len(),
            times.join("; then ")
        ))
        .with_fact(
            "the difference held twice in a row; timing, not a crash, so re-check under less load"
                .to_string(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};
    use serde_json::Value;

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "paths":{"/validate":{"post":{"requestBody":{"content":{"application/json":{
        "schema":{"type":"object","properties":{"username":{"type":"string","maxLength":24}}}}}}}}}}"##;

    /// Sleeps in proportion to the run of `a`s before a `!` when `slow`.
    async fn run(slow_server: bool) -> (Vec<Finding>, u32) {
        let addr = serve(move |req| {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let name = body["username"].as_str().unwrap_or("");
            if slow_server && name.len() > 10 && name.ends_with('!') {
                // Backtracking: only the long near-miss is slow.
                std::thread::sleep(Duration::from_millis(400));
            }
            RawResponse::new(200, r#"{"valid":false}"#)
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .intrusive()
            .ctx(&META);
        let f = SlowInput.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fires_when_the_near_miss_is_slow_twice() {
        let (f, sent) = run(true).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].evidence.facts[0].contains("(24 characters)"),
            "{:?}",
            f[0].evidence.facts
        );
        assert_eq!(sent, 4);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn silent_when_timing_does_not_depend_on_the_input() {
        let (f, sent) = run(false).await;
        assert!(f.is_empty(), "{f:#?}");
        assert_eq!(sent, 2, "stops after the first round");
    }

    #[test]
    fn thresholds() {
        let ms = Duration::from_millis;
        assert!(slow(ms(5), ms(400)));
        assert!(slow(ms(5), ms(300)));
        assert!(!slow(ms(5), ms(200)), "too little extra time");
        assert!(!slow(ms(300), ms(600)), "not four times slower");
    }
}
