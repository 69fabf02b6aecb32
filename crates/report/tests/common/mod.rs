//! A realistic, clock-free report and rule set shared by the integration tests.

#![allow(dead_code)]

use tollgate_core::finding::{RequestEvidence, ResponseEvidence};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Coverage, Finding, HttpExchangeEvidence,
    HttpMethod, Location, Owasp, Report, ReportError, SafetyClass, Severity, SkippedCheck, Target,
    Technology,
};

pub const TARGET: &str = "http://127.0.0.1:8000";
pub const DJANGO_FIX: &str = "In settings.py set DEBUG = False for every deployed environment \
and read it from the environment; define ADMINS or a LOGGING handler instead of relying on \
the technical 500 page.";
pub const GENERIC_FIX: &str = "Turn off debug error pages in production and return a generic \
error body with a correlation ID.";

fn meta(id: &'static str, name: &'static str, category: Category, severity: Severity) -> CheckMeta {
    CheckMeta {
        id: CheckId::new_static(id),
        name,
        category,
        severity,
        cwe: 200,
        owasp: Owasp::Api8,
        safety: SafetyClass::Safe,
        methods: &[HttpMethod::Get],
        budget: 10,
        docs: CheckDocs {
            what: "Detects the problem this check is named after.",
            why: "An attacker learns something that helps the next step.",
            evidence: "GET /x → 200 with the tell-tale text.",
            remediation: "Fix the configuration.",
            remediation_django: None,
            references: &[
                "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            ],
        },
    }
}

/// Every registered rule, including some without findings.
pub fn rules() -> Vec<CheckMeta> {
    let mut leak = meta(
        "LEAK-002",
        "Django technical 500 page exposes secrets",
        Category::DataExposure,
        Severity::Critical,
    );
    leak.cwe = 215;
    leak.docs.remediation = GENERIC_FIX;
    leak.docs.remediation_django = Some(DJANGO_FIX);
    let mut ssrf = meta(
        "SSRF-001",
        "URL parameter fetches attacker-chosen hosts",
        Category::Ssrf,
        Severity::High,
    );
    ssrf.owasp = Owasp::Api7;
    ssrf.cwe = 918;
    let mut dkr = meta(
        "DKR-001",
        "Docker socket mounted into a container",
        Category::ContainerHostExposure,
        Severity::Critical,
    );
    dkr.safety = SafetyClass::Passive;
    vec![
        meta(
            "AUTH-001",
            "JWT accepted with alg none",
            Category::Authentication,
            Severity::Critical,
        ),
        meta(
            "AUTH-009",
            "Object IDs readable across identities",
            Category::Bola,
            Severity::High,
        ),
        leak,
        ssrf,
        dkr,
        meta(
            "MISC-001",
            "Security headers missing",
            Category::InputValidationMisconfiguration,
            Severity::Low,
        ),
    ]
}

fn find<'a>(rules: &'a [CheckMeta], id: &str) -> &'a CheckMeta {
    rules
        .iter()
        .find(|m| m.id.as_str() == id)
        .expect("fixture rule exists")
}

fn debug_page_exchange() -> HttpExchangeEvidence {
    let body = "<h1>ValueError at /api/boom</h1> SECRET_KEY = '********************' DEBUG = True";
    let start = body.find("SECRET_KEY").expect("fixture body has the key");
    HttpExchangeEvidence {
        request: RequestEvidence {
            method: "GET".into(),
            url: format!("{TARGET}/api/boom?id=%27"),
            headers: vec![
                ("Authorization".into(), "Bearer $TOKEN".into()),
                ("Accept".into(), "application/json".into()),
            ],
        },
        response: Some(ResponseEvidence {
            status: 500,
            headers: vec![
                ("Content-Type".into(), "text/html; charset=utf-8".into()),
                ("Vary".into(), "Cookie".into()),
                ("Vary".into(), "Origin".into()),
            ],
            body_excerpt: body.into(),
            highlight: Some((start, start + "SECRET_KEY = '********************'".len())),
        }),
    }
}

fn leak_finding(rules: &[CheckMeta]) -> Finding {
    Finding::new(
        find(rules, "LEAK-002"),
        Location::http("GET", format!("{TARGET}/api/boom?id=%27")),
        "Technical 500 page at /api/boom shows SECRET_KEY and settings",
    )
    .with_confidence(Confidence::Confirmed)
    .with_fact("DEBUG = True in the rendered settings")
    .with_fact("SECRET_KEY present (masked)")
    .with_exchange(debug_page_exchange())
    .with_curl(format!(
        "curl -H 'Authorization: Bearer $TOKEN' '{TARGET}/api/boom?id=%27'"
    ))
}

fn ssrf_finding(rules: &[CheckMeta]) -> Finding {
    Finding::new(
        find(rules, "SSRF-001"),
        Location::http_param("GET", format!("{TARGET}/api/preview?url=x"), "url"),
        "Parameter `url` made the server call the callback listener",
    )
    .with_confidence(Confidence::Confirmed)
    .with_fact("callback received from 127.0.0.1 within 1.2 s")
}

fn docker_finding(rules: &[CheckMeta]) -> Finding {
    let mut f = Finding::new(
        find(rules, "DKR-001"),
        Location::File {
            path: "deploy/docker-compose.yml".into(),
            line: 14,
            column: 7,
        },
        "Service `api` mounts /var/run/docker.sock",
    );
    f.evidence.snippet =
        Some("    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock".into());
    f
}

fn header_findings(rules: &[CheckMeta]) -> Vec<Finding> {
    [
        "/",
        "/api/",
        "/api/users/",
        "/api/orders/",
        "/api/boom",
        "/admin/",
        "/static/app.js",
    ]
    .iter()
    .map(|path| {
        Finding::new(
            find(rules, "MISC-001"),
            Location::http("GET", format!("{TARGET}{path}")),
            "Security headers missing",
        )
        .with_fact("header `Strict-Transport-Security` absent")
    })
    .collect()
}

fn coverage() -> Coverage {
    Coverage {
        checks_run: ["AUTH-001", "LEAK-002", "SSRF-001", "DKR-001", "MISC-001"]
            .iter()
            .map(|id| CheckId::from(id.to_string()))
            .collect(),
        checks_skipped: vec![SkippedCheck {
            check_id: CheckId::new_static("AUTH-009"),
            reason: "needs two identities: add [identity.alice] and [identity.bob]".into(),
        }],
        requests_sent: 214,
        requests_deduplicated: 37,
        budget_exhausted: false,
        notes: vec!["OpenAPI document not given: endpoints came from discovery only".into()],
        routes_skipped: vec![tollgate_core::SkippedRoute {
            method: "GET".into(),
            url: "https://api.example.test/api/admin/reseed".into(),
            reason: "its path segment `reseed` names a destructive action".into(),
        }],
        requests_by_check: [("AUTH-001", 12), ("LEAK-002", 24), ("SSRF-001", 31)]
            .into_iter()
            .map(|(id, n)| (CheckId::new_static(id), n))
            .collect(),
    }
}

fn target(technologies: &[&str]) -> Target {
    Target {
        url: TARGET.into(),
        technologies: technologies
            .iter()
            .map(|name| Technology {
                name: (*name).into(),
                version: (*name == "django").then(|| "4.2".to_string()),
                evidence: "fixture".into(),
            })
            .collect(),
    }
}

/// A report of the fixture scan against a target with the given technologies.
pub fn report_for(technologies: &[&str]) -> Report {
    let rules = rules();
    let mut findings = header_findings(&rules);
    findings.extend([
        leak_finding(&rules),
        ssrf_finding(&rules),
        docker_finding(&rules),
    ]);
    let errors = vec![ReportError {
        check_id: Some(CheckId::new_static("LEAK-002")),
        url: Some(format!("{TARGET}/api/export")),
        message: "connection reset by peer after 3 attempts".into(),
    }];
    let mut report = Report::new(
        target(technologies),
        "2025-06-01T12:00:00Z".into(),
        12_345,
        findings,
        errors,
        coverage(),
    );
    report.tool.version = "0.0.0-test".into();
    report
}

/// The fixture scan of a Django target.
pub fn report() -> Report {
    report_for(&["django", "drf", "gunicorn"])
}

/// The report re-scored with only the findings `keep` accepts.
pub fn keep_only(report: Report, keep: impl Fn(&tollgate_core::Finding) -> bool) -> Report {
    let findings = report.findings.into_iter().filter(|f| keep(f)).collect();
    Report::new(
        report.target,
        report.started_at,
        report.duration_ms,
        findings,
        report.errors,
        report.coverage,
    )
}
