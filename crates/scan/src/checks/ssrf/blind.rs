//! SSRF-002: a URL parameter makes the API call tollgate's callback listener, without
//! returning what it fetched (blind SSRF, proven out of band).

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::ssrf_probe::{
    callback_probe, candidates, has_budget, param_finding, prepare, reflected, SSRF_HUNT,
};
use crate::oast::{Hit, Probe};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, Redactor,
    SafetyClass, Severity,
};

pub struct BlindSsrf;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SSRF-002"),
    name: "Blind SSRF proven by a callback",
    category: Category::Ssrf,
    severity: Severity::High,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 32,
    docs: CheckDocs {
        what: "Sends each URL-taking query parameter (see SSRF-001 for how they are found) a callback URL on tollgate's own listener, with an unguessable token per probe in the path. A request to that URL proves the API fetches caller-chosen URLs; the token ties it to the exact route, parameter and identity. Reported when the callback arrives (during the scan, or within the grace period at its end) and the API's answer does not contain the fetched content (that is SSRF-001). Needs a callback address the target can reach: automatic for loopback targets, `--callback-listen` / `--callback-url` otherwise; without one the check is skipped and the report says so.",
        why: "Blind SSRF still lets an attacker make the API send requests into its own network: port scans by timing, state-changing GETs on internal admin endpoints, cloud metadata requests whose answers leak through side channels, and every request may carry the API's own credentials (SSRF-004).",
        evidence: "GET /api/v1/import/?url=http://callback.example/3fa2…c9 → 202 `{\"status\":\"queued\"}`; 1.2 s later the listener received `GET /3fa2…c9` from 10.0.3.17 with `User-Agent: python-requests/2.31`.",
        remediation: "Do not fetch URLs supplied by callers. Where a feature needs it (webhooks, imports), allow-list destination hosts, refuse loopback, private and link-local addresses after resolving the name and after every redirect, send no credentials, and run the fetcher in a network segment that cannot reach internal services.",
        remediation_django: Some("Validate the URL in the serializer against an allow-list, resolve it and reject private/loopback/link-local addresses with `ipaddress`, disable redirects in `requests` (or re-validate each hop), and send outbound traffic from Celery workers through an egress proxy such as smokescreen."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/918.html",
        ],
    },
};

/// Controls (anonymous and as the identity) and one callback probe.
const PER_CANDIDATE: u32 = 3;

#[async_trait]
impl Check for BlindSsrf {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let callbacks = ctx.reach().callbacks().map_err(CheckError::Skipped)?;
        for cand in candidates(ctx, &SSRF_HUNT) {
            if !has_budget(ctx, PER_CANDIDATE) {
                break;
            }
            if let Some(prep) = prepare(ctx, cand).await {
                callback_probe(ctx, &prep, None, Some(judge)).await;
            }
        }
        // Callbacks that come later are collected by the scanner after the grace period.
        Ok(callbacks.collect(Some(&META.id), ctx.redactor()))
    }
}

/// A blind-SSRF finding when the probe got callbacks but its answer did not carry the
/// fetched content.
pub fn judge(probe: &Probe, hits: &[Hit], redactor: &Redactor) -> Option<Finding> {
    let first = hits.first()?;
    if reflected(probe) {
        return None; // SSRF-001 reports it, with stronger evidence
    }
    let param = &probe.key.parameter;
    let title = format!("`{param}` makes the API request a caller-chosen URL (blind SSRF)");
    let who = probe
        .key
        .identity
        .as_ref()
        .map_or("anonymously".to_string(), |i| format!("as identity `{i}`"));
    let mut f = param_finding(
        &META,
        probe.exchange.as_deref(),
        &probe.key.url,
        param,
        title,
        None,
        redactor,
    )
    .with_key("callback")
    .with_confidence(Confidence::Confirmed)
    .with_fact(first.describe(probe))
    .with_fact(format!("probe sent {who}; callback URL {}", probe.callback));
    if let Some(ua) = first.header("user-agent") {
        f = f.with_fact(format!("the callback's User-Agent: {ua}"));
    }
    if hits.len() > 1 {
        f = f.with_fact(format!("{} callbacks in all for this probe", hits.len()));
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oast::fake_target::{self, Fake, Mode};
    use crate::testkit::Fixture;
    use std::time::Duration;

    #[tokio::test]
    async fn fires_on_a_callback_without_reflection() {
        let (addr, _) = fake_target::serve(Fake::new(Mode::Blind)).await;
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://e.example/"], vec![], &META).await;
        let f = BlindSsrf.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].evidence.facts[0].starts_with("callback received: GET /"));
        assert_eq!(f[0].confidence, Confidence::Confirmed);
    }

    #[tokio::test]
    async fn late_callbacks_are_collected_after_the_grace_period() {
        let fake = Fake::new(Mode::Late(Duration::from_millis(300)));
        let (addr, _) = fake_target::serve(fake).await;
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://e.example/"], vec![], &META).await;
        assert!(
            BlindSsrf.run(&ctx).await.expect("run").is_empty(),
            "not yet"
        );
        let waited = ctx.reach().wait_for_late_callbacks().await;
        assert!(waited > Duration::ZERO);
        let late = ctx.reach().late_findings(ctx.redactor());
        assert_eq!(late.len(), 1, "{late:#?}");
        assert!(late[0].evidence.facts[0].contains("ms after the probe"));
    }

    #[tokio::test]
    async fn silent_when_nothing_calls_back_or_content_is_reflected() {
        for mode in [Mode::Refuse, Mode::Reflect] {
            let (addr, _) = fake_target::serve(Fake::new(mode)).await;
            let (_e, ctx) =
                fake_target::ctx(addr, &["/fetch?url=https://e.example/"], vec![], &META).await;
            assert!(
                BlindSsrf.run(&ctx).await.expect("run").is_empty(),
                "{mode:?}"
            );
            assert!(
                ctx.reach().late_findings(ctx.redactor()).is_empty(),
                "{mode:?}"
            );
        }
    }

    #[tokio::test]
    async fn skipped_without_a_listener() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").ctx(&META);
        let err = BlindSsrf.run(&ctx).await.expect_err("skipped");
        assert!(
            matches!(err, CheckError::Skipped(ref why) if why.contains("--callback-listen")),
            "{err}"
        );
    }
}
