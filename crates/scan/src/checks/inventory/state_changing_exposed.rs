//! INV-008: a function that changes state is reachable by GET, or a destructive one
//! without credentials. Reported from the API document and the links, never called.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::safety::{words, ActionClass, StateHit};
use async_trait::async_trait;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};
use tollgate_spec::{Method, Operation};

pub struct StateChangingExposed;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-008"),
    name: "State-changing function exposed",
    category: Category::Inventory,
    severity: Severity::High,
    cwe: 650,
    owasp: Owasp::Api9,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads the API's OpenAPI document and the links found while crawling, and reports functions whose name says they change state (path segments, `operationId`, `summary` or `description` naming an action such as reset, drop, seed, purge, delete, shutdown or logout; the word list is data, `engine/state_words.toml`) when they are reachable by `GET`/`HEAD`, or, for destructive actions, documented without any security requirement. The function is never called: in the read-only profile the engine refuses every request to such a route, whatever the method, and lists it under the report's coverage. Destructive actions (drop, wipe, seed, shutdown …) are high, other changes medium, ending a session low; a GET function open to anonymous callers is one level higher.",
        why: "GET must not change state (RFC 9110 §9.2.1): crawlers, link previewers, prefetching browsers, caches and scanners follow GET links freely, and a cross-site page can trigger one with an image tag, with the victim's cookies. A `GET /admin/reseed` that drops the database is one prefetch away from an outage, and a destructive function without authentication is one request away.",
        evidence: "`GET /api/admin/reseed` is documented with `operationId: resetDatabase`, summary \"Drop and re-seed the database\" and `security: []`; tollgate did not call it.",
        remediation: "Expose state changes only through POST, PUT, PATCH or DELETE, require authentication and an administrative role for destructive functions, protect cookie-authenticated ones against CSRF, and remove maintenance functions (reseed, reset, migrate) from production builds.",
        remediation_django: Some("Decorate function views with `@require_POST` (or give class-based views only a `post` method), keep maintenance actions in management commands instead of views, and guard what remains with `permission_classes = [IsAdminUser]`."),
        references: &[
            "https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1",
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/650.html",
        ],
    },
};

/// One level up, for a function open to anonymous callers.
fn raised(s: Severity) -> Severity {
    match s {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
    }
}

/// Why an operation of the document is reported, if it is: (method shown, anonymous).
fn exposure(op: &Operation, hit: &StateHit, has_schemes: bool) -> Option<(&'static str, bool)> {
    let anonymous = has_schemes && op.allows_anonymous();
    match op.method {
        Method::Get => Some(("GET", anonymous)),
        Method::Head => Some(("HEAD", anonymous)),
        Method::Post | Method::Put | Method::Patch | Method::Delete
            if anonymous && hit.class == ActionClass::Destructive =>
        {
            Some((op.method.as_str(), true))
        }
        _ => None,
    }
}

#[async_trait]
impl Check for StateChangingExposed {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        let mut done: BTreeSet<String> = BTreeSet::new();
        if let Some(spec) = ctx.target().spec.as_deref() {
            let model = &spec.model;
            let has_schemes = !model.security_schemes.is_empty();
            let base = model.base_path().trim_end_matches('/').to_string();
            for op in &model.operations {
                let Some(hit) = words().in_operation(op) else {
                    continue;
                };
                let Some((method, anonymous)) = exposure(op, &hit, has_schemes) else {
                    continue;
                };
                let path = format!("{base}{}", op.path);
                let mut severity = hit.severity();
                if anonymous && hit.class != ActionClass::Session {
                    severity = raised(severity);
                }
                let open = if anonymous {
                    " without authentication"
                } else {
                    ""
                };
                let title = if method == "GET" || method == "HEAD" {
                    format!(
                        "{} function exposed as {method}{open}: {method} {path}",
                        hit.class.as_str()
                    )
                } else {
                    format!("destructive function documented{open}: {method} {path}")
                };
                done.insert(path.clone());
                let url = ctx.redactor().redact(ctx.url(&path).as_str()).into_owned();
                findings.push(
                    Finding::new(&META, Location::http(method, url), title)
                        .with_severity(severity)
                        .with_confidence(Confidence::Firm)
                        .with_key(&format!("{method} {path}"))
                        .with_fact(format!(
                            "the OpenAPI document describes {method} {path} ({}); {}",
                            op.pointer,
                            hit.reason()
                        ))
                        .with_fact(if anonymous {
                            "the document gives it no security requirement".to_string()
                        } else {
                            "the document requires credentials for it".to_string()
                        })
                        .with_fact(
                            "tollgate did not call it: the read-only profile sends nothing to a state-changing route",
                        ),
                );
            }
        }
        let spec = ctx.target().spec.as_deref();
        for route in ctx.refused_routes() {
            // HTML links (`href`, `src`) the crawl found and did not follow.
            if route.origin != "discovery" || route.method != HttpMethod::Get {
                continue;
            }
            let Ok(url) = url::Url::parse(&route.url) else {
                continue;
            };
            // The document says which method it takes: judged above, by the document.
            if spec.is_some_and(|s| s.documents(&url)) {
                continue;
            }
            let path = url.path().to_string();
            if !done.insert(path.clone()) {
                continue;
            }
            let hit = route.hit;
            let title = format!("{} function linked for GET: GET {path}", hit.class.as_str());
            let shown = ctx.redactor().redact(url.as_str()).into_owned();
            findings.push(
                Finding::new(&META, Location::http("GET", shown), title)
                    .with_severity(hit.severity())
                    .with_confidence(Confidence::Firm)
                    .with_key(&format!("GET {path}"))
                    .with_fact(format!(
                        "an HTML link (`href`/`src`, which browsers fetch with GET) in one of the API's responses points to {path}; {}",
                        hit.reason()
                    ))
                    .with_fact(
                        "tollgate did not follow it: the read-only profile sends nothing to a state-changing route",
                    ),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fixture;

    const SPEC: &str = r#"{"openapi":"3.0.3","security":[{"b":[]}],
      "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "paths":{
        "/api/admin/maintenance":{"get":{"operationId":"resetDatabase","summary":"Drop and re-seed the database","security":[]}},
        "/api/jobs/{id}/run":{"get":{"operationId":"runJob"}},
        "/api/users":{"get":{"operationId":"listUsers"},"post":{"operationId":"createUser","security":[]}},
        "/api/password-reset":{"post":{"summary":"Send a reset e-mail","security":[]}},
        "/api/cache":{"delete":{"operationId":"flushCache","security":[]}},
        "/api/admin/reseed":{"post":{"summary":"Drop and re-seed the database"}}
      }}"#;

    async fn run(fixture: Fixture) -> Vec<Finding> {
        let (_engine, ctx) = fixture.ctx(&META);
        StateChangingExposed.run(&ctx).await.expect("runs")
    }

    #[tokio::test]
    async fn documented_get_and_anonymous_destructive_functions_are_reported() {
        let found = run(Fixture::new("http://127.0.0.1:9/").spec(SPEC)).await;
        let titles: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.title.as_str(), f.severity))
            .collect();
        assert!(titles.contains(&(
            "destructive function exposed as GET without authentication: GET /api/admin/maintenance",
            Severity::Critical
        )), "{titles:#?}");
        assert!(
            titles.contains(&(
                "modifying function exposed as GET: GET /api/jobs/{id}/run",
                Severity::Medium
            )),
            "{titles:#?}"
        );
        assert!(
            titles.contains(&(
                "destructive function documented without authentication: DELETE /api/cache",
                Severity::Critical
            )),
            "{titles:#?}"
        );
        assert_eq!(found.len(), 3, "{titles:#?}");
        assert!(found[0]
            .evidence
            .facts
            .iter()
            .any(|f| f.contains("did not call")));
    }

    #[tokio::test]
    async fn post_only_authenticated_and_ordinary_functions_are_not_reported() {
        // Hardened: maintenance behind POST with credentials; anonymous sign-up and
        // password reset are public by design; listings are read-only.
        let spec = r#"{"openapi":"3.0.3","security":[{"b":[]}],
          "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
          "paths":{
            "/api/admin/reseed":{"post":{"operationId":"resetDatabase"}},
            "/api/users":{"get":{"operationId":"listUsers","security":[]},"post":{"operationId":"createUser","security":[]}},
            "/api/password-reset":{"post":{"summary":"Reset a password","security":[]}},
            "/api/users/deleted":{"get":{"summary":"Deleted users are listed here"}}
          }}"#;
        let found = run(Fixture::new("http://127.0.0.1:9/").spec(spec)).await;
        assert!(found.is_empty(), "{found:#?}");
    }

    #[tokio::test]
    async fn a_linked_state_changing_route_is_reported_without_a_spec() {
        let (engine, ctx) = Fixture::new("http://127.0.0.1:9/").ctx(&META);
        let link = url::Url::parse("http://127.0.0.1:9/api/cache/flush?key=x").expect("url");
        let hit = engine
            .state_changing(HttpMethod::Get, &link)
            .expect("the gate refuses it");
        engine
            .gate()
            .record(HttpMethod::Get, &link, hit.clone(), "discovery");
        // A check's own guess is not evidence that the route exists.
        let guess = url::Url::parse("http://127.0.0.1:9/api/v1/reset").expect("url");
        engine
            .gate()
            .record(HttpMethod::Get, &guess, hit, "BOLA-001");
        let found = StateChangingExposed.run(&ctx).await.expect("runs");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].title,
            "destructive function linked for GET: GET /api/cache/flush"
        );
        assert_eq!(found[0].severity, Severity::High);
    }
}
