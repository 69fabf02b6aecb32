//! CONT-003: responses that reveal the container runtime behind the API (DOCKER_HOST,
//! a docker.sock path, Kubernetes service variables and token paths, container-id
//! hostnames).

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::Exchange;
use async_trait::async_trait;
use regex::Regex;
use std::sync::{Arc, OnceLock};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};

pub struct RuntimeIndicators;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CONT-003"),
    name: "Container runtime details in responses",
    category: Category::ContainerHostExposure,
    severity: Severity::Medium,
    cwe: 200,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads every recorded answer of the target itself (error pages included; not the answers to SSRF probes, which show internal services on purpose) for `DOCKER_HOST` with a `tcp://`/`unix://`/`ssh://` value, the Docker socket path `/var/run/docker.sock`, `KUBERNETES_SERVICE_HOST` with an address, the service-account token path `/var/run/secrets/kubernetes.io/serviceaccount`, and `HOSTNAME` set to a 12-hex-digit container id. Each indicator is reported once, at the first response that shows it; the evidence is the matched text only.",
        why: "These details tell an attacker where the container runtime listens and that a path from the API to it exists: `DOCKER_HOST=tcp://…` names an unauthenticated Docker API to aim an SSRF or a leaked credential at, a docker.sock mount means whoever runs code in the container owns the host, and the service-account token path is the next file to read after a path traversal.",
        evidence: "GET /api/v2/products/abc/ → 500 technical error page listing `DOCKER_HOST` = `tcp://127.0.0.1:2375`.",
        remediation: "Stop serving environment dumps and stack traces (debug pages, `/env` endpoints), do not point applications at a TCP Docker daemon or mount docker.sock into them, and set `automountServiceAccountToken: false` for pods that do not call the Kubernetes API.",
        remediation_django: Some("Run with `DEBUG = False` in every deployed environment (the technical 500 page prints `os.environ` through `request.META` under runserver), and drop `DOCKER_HOST` from the web container's environment."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://docs.docker.com/engine/security/protect-access/",
            "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/",
            "https://cwe.mitre.org/data/definitions/200.html",
        ],
    },
};

const TABLE_TOML: &str = include_str!("runtime_indicators.toml");

/// One indicator of `runtime_indicators.toml`: a key, a pattern (capture 1 is the
/// value shown), severity, meaning.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Indicator {
    key: String,
    #[serde(deserialize_with = "crate::checks::kit::tables::regex")]
    pattern: Regex,
    severity: Severity,
    what: String,
    #[cfg_attr(not(test), allow(dead_code))]
    must_match: Vec<String>,
    #[cfg_attr(not(test), allow(dead_code))]
    must_not_match: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    indicator: Vec<Indicator>,
}

fn indicators() -> &'static [Indicator] {
    static TABLE: OnceLock<Vec<Indicator>> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str::<Table>(TABLE_TOML)
            .expect("runtime_indicators.toml is valid (checked by a test)")
            .indicator
    })
}

#[async_trait]
impl Check for RuntimeIndicators {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let responses = own_responses(ctx);
        let mut findings = Vec::new();
        for indicator in indicators() {
            let hits: Vec<(&Arc<Exchange>, String, String)> = responses
                .iter()
                .filter_map(|ex| {
                    let text = ex.response.text();
                    let c = indicator.pattern.captures(&text)?;
                    let value = c.get(1).map_or("", |m| m.as_str()).to_string();
                    Some((ex, c.get(0)?.as_str().to_string(), value))
                })
                .collect();
            if let Some((ex, matched, value)) = hits.first() {
                findings.push(finding(ctx, indicator, ex, matched, value, hits.len()));
            }
        }
        Ok(findings)
    }
}

/// The target's own answers: its origin, not sent by an SSRF or container probe.
fn own_responses(ctx: &CheckCtx) -> Vec<Arc<Exchange>> {
    let origin = ctx.target().url.origin();
    ctx.transcript()
        .into_iter()
        .filter(|e| e.request.url.origin() == origin)
        .filter(|e| {
            e.check.as_ref().is_none_or(|c| {
                let id = c.as_str();
                !(id.starts_with("SSRF-") || id.starts_with("CONT-") || id.starts_with("UC-"))
            })
        })
        .collect()
}

fn finding(
    ctx: &CheckCtx,
    indicator: &Indicator,
    ex: &Exchange,
    matched: &str,
    value: &str,
    count: usize,
) -> Finding {
    // The evidence is the matched text alone: the page around it (an environment dump)
    // may hold secrets this check does not know how to mask.
    let snippet = ctx.redactor().redact(&tidy(matched)).into_owned();
    let mut evidence = ex.evidence(ctx.redactor(), None);
    if let Some(resp) = evidence.response.as_mut() {
        resp.highlight = Some((0, snippet.len()));
        resp.body_excerpt = snippet;
    }
    let title = format!("Response reveals the container runtime: {}", tidy(value));
    let mut f = ctx.finding(ex, title, None);
    f.evidence.exchanges = vec![evidence];
    let mut f = f
        .with_key(indicator.key.as_str())
        .with_severity(indicator.severity)
        .with_confidence(Confidence::Firm)
        .with_fact(indicator.what.as_str());
    if count > 1 {
        f = f.with_fact(format!("shown by {count} responses in all"));
    }
    f
}

/// Markup between the name and the value collapsed, HTML entities for quotes dropped.
fn tidy(s: &str) -> String {
    static TAGS: OnceLock<Regex> = OnceLock::new();
    let tags = TAGS
        .get_or_init(|| Regex::new(r"<[^>]{0,80}>|&#x27;|&quot;|&#39;").expect("constant regex"));
    let text = tags.replace_all(s, " ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const DEBUG_PAGE: &str = r#"<tr><td>DEPLOY_GITHUB_PAT</td><td class="code"><pre>&#x27;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&#x27;</pre></td></tr>
<tr><td>DOCKER_HOST</td><td class="code"><pre>&#x27;tcp://127.0.0.1:5555&#x27;</pre></td></tr>
<tr><td>HOSTNAME</td><td class="code"><pre>&#x27;8dfafdbc3a40&#x27;</pre></td></tr>"#;

    fn page(url: &str, body: &str) -> Exchange {
        exchange(
            HttpMethod::Get,
            url,
            500,
            &[("content-type", "text/html")],
            body,
        )
    }

    #[test]
    fn table_examples() {
        let table = indicators();
        assert_eq!(table.len(), 5);
        for i in table {
            assert!(
                !i.must_match.is_empty() && !i.must_not_match.is_empty(),
                "{}",
                i.key
            );
            for ex in &i.must_match {
                assert!(i.pattern.is_match(ex), "{}: {ex:?}", i.key);
            }
            for ex in &i.must_not_match {
                assert!(!i.pattern.is_match(ex), "{}: {ex:?}", i.key);
            }
        }
    }

    #[tokio::test]
    async fn reports_each_indicator_once_with_only_the_match_as_evidence() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .recorded(page("http://127.0.0.1:9/a/", DEBUG_PAGE))
            .recorded(page("http://127.0.0.1:9/b/", DEBUG_PAGE))
            .ctx(&META);
        let f = RuntimeIndicators.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:#?}");
        let docker = f
            .iter()
            .find(|f| f.title.contains("tcp://127.0.0.1:5555"))
            .expect("docker");
        assert_eq!(docker.severity, Severity::Medium);
        assert!(docker
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("2 responses")));
        let all = serde_json::to_string(&f).expect("json");
        assert!(
            !all.contains("ghp_Tollgate"),
            "neighbouring secrets stay out: {all}"
        );
        assert!(f.iter().any(|f| f.severity == Severity::Info));
    }

    #[tokio::test]
    async fn silent_on_clean_responses_and_on_ssrf_probe_answers() {
        let mut probe = page(
            "http://127.0.0.1:9/fetch?url=x",
            r#"{"Mounts":[{"Source":"/var/run/docker.sock"}]}"#,
        );
        probe.check = Some(CheckId::new_static("CONT-002"));
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .recorded(page(
                "http://127.0.0.1:9/",
                "<p>HOSTNAME is set by the OS. Docker docs: see DOCKER_HOST.</p>",
            ))
            .recorded(probe)
            .recorded(page("http://127.0.0.1:10/", "/var/run/docker.sock"))
            .ctx(&META);
        assert!(RuntimeIndicators.run(&ctx).await.expect("run").is_empty());
    }
}
