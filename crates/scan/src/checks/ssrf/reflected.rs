//! SSRF-001: a URL parameter makes the API fetch a URL and return what it got.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::ssrf_probe::{
    callback_probe, candidates, first_reached, has_budget, param_finding, prepare, provenance,
    reached_finding, reflected, worth_internal_probes, Prepared, Reached, MAX_FORMS, SSRF_HUNT,
};
use crate::oast::{Probe, Service};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct ReflectedSsrf;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SSRF-001"),
    name: "Reflected SSRF through a URL parameter",
    category: Category::Ssrf,
    severity: Severity::High,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 120,
    docs: CheckDocs {
        what: "Finds query parameters that take URLs (OpenAPI `format: uri` or names such as `url`, `link`, `src`, `callback`, `webhook`, `image`; values seen in use; a few common names on fetch-like routes) and sends GET probes whose value is (1) a callback URL on tollgate's own listener, which answers with a random marker, and (2) cloud instance metadata addresses (169.254.169.254 in dotted, decimal, hex, octal and IPv6-mapped form, `metadata.google.internal`, the Azure IMDS path). It reports the parameter when the API's answer carries the listener's marker, or a metadata signature (AWS listing entries such as `ami-id`/`instance-id`, Azure `azEnvironment`, the GCP `Metadata-Flavor` refusal) that the control answer to a harmless value lacks. Status codes alone never count.",
        why: "An API that fetches a caller-chosen URL and returns the result is a proxy into its own network: cloud metadata hands out the instance's IAM credentials, and internal services (Docker, kubelet, admin panels) trust requests from the API host. A leaked or forged token for that API turns into the cloud account or the host.",
        evidence: "GET /api/v2/fetch/?url=http://127.0.0.1:41231/9f3c…e1 → 200 with body `{\"tollgate\":\"tollgate-oast-5b0e…\",\"keys\":[]}`: the listener's marker came back through the API. Or `?url=http://2852039166/latest/meta-data/` → `ami-id\\ninstance-id\\n…`.",
        remediation: "Do not fetch URLs supplied by callers. If the feature needs it, allow-list destination hosts, resolve the name yourself and refuse loopback, private, link-local (169.254.0.0/16) and IPv6-mapped addresses, re-check every redirect hop, send no credentials along, and return a summary rather than the raw body. Require IMDSv2 (token-bound) on AWS so a plain GET cannot read metadata.",
        remediation_django: Some("Validate the parameter with a form or serializer field that checks the host against `settings.FETCH_ALLOWED_HOSTS`, resolve it with `socket.getaddrinfo` and reject `ipaddress.ip_address(...).is_private/is_loopback/is_link_local`, disable redirects in `requests` (`allow_redirects=False`) or re-validate each hop, and route outbound fetches through an egress proxy (e.g. smokescreen) that enforces the same rules."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/918.html",
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html",
        ],
    },
};

/// Controls (anonymous and as the identity), one callback probe, the metadata forms.
const PER_CANDIDATE: u32 = 3 + MAX_FORMS as u32;

#[async_trait]
impl Check for ReflectedSsrf {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        for cand in candidates(ctx, &SSRF_HUNT) {
            if !has_budget(ctx, PER_CANDIDATE) {
                break;
            }
            let Some(prep) = prepare(ctx, cand).await else {
                continue;
            };
            let probe = callback_probe(ctx, &prep, None, None).await;
            if let Some(p) = probe.as_ref().filter(|p| reflected(p)) {
                findings.push(callback_finding(ctx, &prep, p));
            }
            if worth_internal_probes(ctx, &prep, probe.as_ref()) {
                if let Some(r) = first_reached(ctx, &prep, Service::CloudMetadata).await {
                    findings.push(metadata_finding(ctx, &prep, &r));
                }
            }
        }
        Ok(findings)
    }
}

fn callback_finding(ctx: &CheckCtx, prep: &Prepared, probe: &Probe) -> Finding {
    let title = format!(
        "`{}` makes the API fetch a caller-chosen URL and return its content",
        prep.cand.param
    );
    let [source, who] = provenance(prep);
    param_finding(
        &META,
        probe.exchange.as_deref(),
        &probe.key.url,
        &prep.cand.param,
        title,
        Some(&probe.marker),
        ctx.redactor(),
    )
    .with_key("callback")
    .with_confidence(Confidence::Confirmed)
    .with_fact(format!(
        "the answer carries the random marker that only tollgate's callback listener serves (callback {})",
        probe.callback
    ))
    .with_fact(source)
    .with_fact(who)
}

fn metadata_finding(ctx: &CheckCtx, prep: &Prepared, r: &Reached) -> Finding {
    let title = format!(
        "SSRF through `{}` reaches the cloud instance metadata service",
        prep.cand.param
    );
    reached_finding(&META, prep, r, title, ctx.redactor()).with_key("metadata")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oast::fake_target::{self, Fake, Mode};
    use crate::oast::InternalTarget;
    use crate::testkit::{serve, RawResponse};

    const IMDS: &str = "ami-id\nami-launch-index\nhostname\ninstance-id\nlocal-ipv4\n";

    async fn imds_stand_in() -> InternalTarget {
        let addr = serve(|_| RawResponse::new(200, IMDS)).await;
        InternalTarget::new(
            Service::CloudMetadata,
            format!("http://127.0.0.1:{}/latest/meta-data/", addr.port()),
            "stand-in",
        )
    }

    #[tokio::test]
    async fn fires_on_reflected_callback_and_metadata() {
        let (addr, _) = fake_target::serve(Fake::new(Mode::Reflect)).await;
        let internal = vec![imds_stand_in().await];
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://example.com/a"], internal, &META).await;
        let f = ReflectedSsrf.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.confidence == Confidence::Confirmed));
        let meta = f
            .iter()
            .find(|f| f.title.contains("metadata"))
            .expect("metadata");
        assert_eq!(meta.severity, Severity::Critical);
        assert!(
            matches!(&meta.location, tollgate_core::Location::Http { parameter: Some(p), .. } if p == "url")
        );
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_the_api_refuses_and_echoes_the_url() {
        let (addr, _) = fake_target::serve(Fake::new(Mode::Refuse)).await;
        let internal = InternalTarget::defaults()
            .into_iter()
            .filter(|t| t.service == Service::CloudMetadata)
            .collect();
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://example.com/a"], internal, &META).await;
        assert!(ReflectedSsrf.run(&ctx).await.expect("run").is_empty());
        assert!(ctx.requests_made() >= 9, "every metadata form was tried");
    }

    #[tokio::test]
    async fn blind_fetches_are_not_reflected_ssrf() {
        let (addr, _) = fake_target::serve(Fake::new(Mode::Blind)).await;
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://e.example/"], vec![], &META).await;
        assert!(ReflectedSsrf.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn a_route_that_always_shows_the_signature_proves_nothing() {
        let addr = serve(|_| RawResponse::new(200, IMDS)).await;
        let internal = vec![imds_stand_in().await];
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://e.example/"], internal, &META).await;
        assert!(ReflectedSsrf.run(&ctx).await.expect("run").is_empty());
    }
}
