//! The view model the HTML template renders: plain strings and numbers only.

use serde::Serialize;
use tollgate_core::{CheckMeta, Finding, HttpExchangeEvidence, Report, Severity};

#[derive(Serialize)]
pub struct Page {
    target: String,
    technologies: Vec<String>,
    grade: String,
    score: u8,
    started_at: String,
    duration: String,
    categories: Vec<CategoryBar>,
    groups: Vec<Group>,
    chains: Vec<ChainView>,
    coverage: CoverageView,
    errors: Vec<String>,
    suppressed: usize,
    script_hash: String,
    script: &'static str,
    version: String,
}

#[derive(Serialize)]
struct CategoryBar {
    name: String,
    score: u8,
    findings: usize,
    /// Bar width in SVG units (0–300).
    width: u32,
    y: u32,
    tone: &'static str,
}

#[derive(Serialize)]
struct ChainView {
    name: String,
    severity: &'static str,
    confidence: &'static str,
    summary: String,
    /// (role, check, location, title) in attack order.
    links: Vec<(String, String, String, String)>,
}

#[derive(Serialize)]
struct Group {
    severity: &'static str,
    findings: Vec<FindingView>,
}

#[derive(Serialize)]
struct FindingView {
    check_id: String,
    check_name: String,
    title: String,
    location: String,
    confidence: &'static str,
    fingerprint: String,
    facts: Vec<String>,
    exchanges: Vec<ExchangeView>,
    curl: Option<String>,
    snippet: Option<String>,
    remediation: String,
}

#[derive(Serialize)]
struct ExchangeView {
    request: String,
    response_head: String,
    body: String,
}

#[derive(Serialize)]
struct CoverageView {
    run: Vec<String>,
    skipped: Vec<(String, String)>,
    routes_skipped: Vec<(String, String, String)>,
    requests_sent: u64,
    deduplicated: u64,
    budget_exhausted: bool,
    notes: Vec<String>,
}

impl Page {
    pub fn build(
        report: &Report,
        rules: &[&CheckMeta],
        script_hash: String,
        script: &'static str,
    ) -> Page {
        let django = report.target.is("django");
        Page {
            target: report.target.url.clone(),
            technologies: report
                .target
                .technologies
                .iter()
                .map(|t| t.name.clone())
                .collect(),
            grade: report.score.grade.to_string(),
            score: report.score.score,
            started_at: report.started_at.clone(),
            duration: format!("{:.1} s", report.duration_ms as f64 / 1000.0),
            categories: bars(report),
            groups: Severity::ALL
                .iter()
                .filter_map(|s| group(report, rules, *s, django))
                .collect(),
            chains: report.chains.iter().map(chain).collect(),
            coverage: coverage(report),
            errors: report.errors.iter().map(|e| e.message.clone()).collect(),
            suppressed: report.suppressed.len(),
            script_hash,
            script,
            version: report.tool.version.clone(),
        }
    }
}

fn chain(c: &tollgate_core::AttackChain) -> ChainView {
    ChainView {
        name: c.name.clone(),
        severity: c.severity.as_str(),
        confidence: c.confidence.as_str(),
        summary: c.summary.clone(),
        links: c
            .links
            .iter()
            .map(|l| {
                (
                    l.role.clone(),
                    l.check_id.to_string(),
                    l.location.to_string(),
                    l.title.clone(),
                )
            })
            .collect(),
    }
}

fn bars(report: &Report) -> Vec<CategoryBar> {
    report
        .score
        .categories
        .iter()
        .zip(0u32..)
        .map(|(c, i)| CategoryBar {
            name: c.category.name().to_string(),
            score: c.score,
            findings: c.findings,
            width: u32::from(c.score) * 3,
            y: i * 26,
            tone: match c.score {
                90.. => "good",
                70..=89 => "warn",
                _ => "bad",
            },
        })
        .collect()
}

fn group(report: &Report, rules: &[&CheckMeta], severity: Severity, django: bool) -> Option<Group> {
    let findings: Vec<FindingView> = report
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .map(|f| finding(f, rules, django))
        .collect();
    (!findings.is_empty()).then_some(Group {
        severity: severity.as_str(),
        findings,
    })
}

fn finding(f: &Finding, rules: &[&CheckMeta], django: bool) -> FindingView {
    let meta = rules.iter().find(|m| m.id == f.check_id);
    FindingView {
        check_id: f.check_id.to_string(),
        check_name: meta.map_or_else(|| f.check_id.to_string(), |m| m.name.to_string()),
        title: f.title.clone(),
        location: f.location.to_string(),
        confidence: f.confidence.as_str(),
        fingerprint: f.fingerprint.to_string(),
        facts: f.evidence.facts.clone(),
        exchanges: f.evidence.exchanges.iter().map(exchange).collect(),
        curl: f.evidence.curl.clone(),
        snippet: f.evidence.snippet.clone(),
        remediation: meta.map_or_else(String::new, |m| m.remediation_for(django).to_string()),
    }
}

fn headers(h: &[(String, String)]) -> String {
    h.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

fn exchange(e: &HttpExchangeEvidence) -> ExchangeView {
    let request = format!(
        "{} {}\n{}",
        e.request.method,
        e.request.url,
        headers(&e.request.headers)
    );
    match &e.response {
        Some(r) => ExchangeView {
            request,
            response_head: format!("HTTP {}\n{}", r.status, headers(&r.headers)),
            body: r.body_excerpt.clone(),
        },
        None => ExchangeView {
            request,
            response_head: "no response".into(),
            body: String::new(),
        },
    }
}

fn coverage(report: &Report) -> CoverageView {
    let c = &report.coverage;
    CoverageView {
        run: c.checks_run.iter().map(ToString::to_string).collect(),
        skipped: c
            .checks_skipped
            .iter()
            .map(|s| (s.check_id.to_string(), s.reason.clone()))
            .collect(),
        routes_skipped: c
            .routes_skipped
            .iter()
            .map(|r| (r.method.clone(), r.url.clone(), r.reason.clone()))
            .collect(),
        requests_sent: c.requests_sent,
        deduplicated: c.requests_deduplicated,
        budget_exhausted: c.budget_exhausted,
        notes: c.notes.clone(),
    }
}
