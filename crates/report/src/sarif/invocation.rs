//! `runs[0].invocations[0]`: how the scan went, its errors and skipped checks.

use super::uri::uri_reference;
use super::RuleIndex;
use serde_json::{json, Map, Value};
use tollgate_core::{CheckId, Report, ReportError, SkippedCheck};

/// The invocation. A report exists only for a scan that completed, so execution was
/// successful; the non-fatal errors it recorded become warnings.
pub(crate) fn invocation(report: &Report, index: &RuleIndex<'_>) -> Value {
    let c = &report.coverage;
    let mut inv = Map::new();
    inv.insert("executionSuccessful".into(), json!(true));
    if looks_like_rfc3339(&report.started_at) {
        inv.insert("startTimeUtc".into(), json!(report.started_at));
    }
    let errors: Vec<Value> = report.errors.iter().map(|e| error(e, index)).collect();
    inv.insert("toolExecutionNotifications".into(), json!(errors));
    let skipped: Vec<Value> = c.checks_skipped.iter().map(|s| skip(s, index)).collect();
    inv.insert("toolConfigurationNotifications".into(), json!(skipped));
    inv.insert(
        "properties".into(),
        json!({
            "checksRun": c.checks_run,
            "requestsSent": c.requests_sent,
            "requestsDeduplicated": c.requests_deduplicated,
            "budgetExhausted": c.budget_exhausted,
            "durationMs": report.duration_ms,
            "notes": c.notes,
        }),
    );
    Value::Object(inv)
}

fn error(e: &ReportError, index: &RuleIndex<'_>) -> Value {
    let mut n = Map::new();
    n.insert("level".into(), json!("warning"));
    n.insert("message".into(), json!({ "text": e.message }));
    if let Some(id) = &e.check_id {
        n.insert("associatedRule".into(), rule_ref(id, index));
    }
    if let Some(url) = &e.url {
        let uri = uri_reference(url);
        let loc = json!({ "physicalLocation": { "artifactLocation": { "uri": uri } } });
        n.insert("locations".into(), json!([loc]));
    }
    Value::Object(n)
}

fn skip(s: &SkippedCheck, index: &RuleIndex<'_>) -> Value {
    json!({
        "level": "note",
        "message": { "text": format!("{} skipped: {}", s.check_id, s.reason) },
        "associatedRule": rule_ref(&s.check_id, index),
    })
}

fn rule_ref(id: &CheckId, index: &RuleIndex<'_>) -> Value {
    match index.get(id.as_str()) {
        Some(i) => json!({ "id": id.as_str(), "index": i }),
        None => json!({ "id": id.as_str() }),
    }
}

/// A cheap shape check (`YYYY-MM-DDTHH:MM:SS…`) so a malformed timestamp is left out
/// rather than making the log fail `date-time` validation.
fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11..13)
        && (s.ends_with('Z')
            || s.ends_with('z')
            || s.get(19..).is_some_and(|t| t.contains(['+', '-'])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_shape() {
        assert!(looks_like_rfc3339("2025-01-02T03:04:05Z"));
        assert!(looks_like_rfc3339("2025-01-02T03:04:05.123+01:00"));
        assert!(!looks_like_rfc3339("yesterday"));
        assert!(!looks_like_rfc3339(""));
        assert!(!looks_like_rfc3339("2025-01-02T03:04:0é-x"));
    }
}
