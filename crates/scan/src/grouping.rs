//! Grouping the scan's findings so that their count tracks the count of problems:
//!
//! 1. **One root cause, one finding per check.** Findings of one check with the same
//!    title, severity and confidence at several locations (the Django DEBUG page behind
//!    four URLs, the same missing `Cache-Control` on three routes) become one finding at
//!    the first location (in URL order) whose facts list the others.
//! 2. **A file is not also an undocumented endpoint.** An inventory finding at a URL
//!    another check already reported as an exposed file or log is dropped: the other
//!    finding says what the URL is and what it leaks.
//!
//! Both steps are deterministic (the result does not depend on the order in which the
//! checks finished) and only ever remove findings, so scores never drop because of them.

use tollgate_core::{Finding, Location};

/// `(check, checks)`: a finding of `check` is dropped where one of `checks` reported
/// the same URL path.
const SUBSUMED: &[(&str, &[&str])] = &[("INV-001", &["LEAK-004", "LEAK-005"])];

/// Other locations listed at most in a grouped finding's facts.
const MAX_LISTED: usize = 8;

fn path_of(location: &Location) -> Option<String> {
    match location {
        Location::Http { url, .. } => url::Url::parse(url).ok().map(|u| u.path().to_string()),
        Location::File { .. } => None,
    }
}

/// The findings grouped (see the module docs), in a stable order.
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let findings = drop_subsumed(findings);
    let mut sorted = findings;
    sorted.sort_by(|a, b| {
        (a.check_id.as_str(), &a.title, a.location.to_string()).cmp(&(
            b.check_id.as_str(),
            &b.title,
            b.location.to_string(),
        ))
    });
    let mut out: Vec<Finding> = Vec::with_capacity(sorted.len());
    let mut others: Vec<Vec<String>> = Vec::new();
    for f in sorted {
        let same = out.last().is_some_and(|g: &Finding| {
            g.check_id == f.check_id
                && g.title == f.title
                && g.severity == f.severity
                && g.confidence == f.confidence
                && matches!(g.location, Location::Http { .. })
                && g.location != f.location
        });
        match (same, others.last_mut()) {
            (true, Some(list)) => {
                let at = f.location.to_string();
                if !list.contains(&at) {
                    list.push(at);
                }
            }
            _ => {
                out.push(f);
                others.push(Vec::new());
            }
        }
    }
    out.into_iter()
        .zip(others)
        .map(|(mut f, list)| {
            if !list.is_empty() {
                let shown: Vec<&str> = list.iter().take(MAX_LISTED).map(String::as_str).collect();
                let more = list.len().saturating_sub(MAX_LISTED);
                let tail = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                f.evidence.facts.push(format!(
                    "the same problem at {} other location(s): {}{tail}",
                    list.len(),
                    shown.join(", ")
                ));
            }
            f
        })
        .collect()
}

fn drop_subsumed(findings: Vec<Finding>) -> Vec<Finding> {
    let reported = |checks: &[&str], path: &str, all: &[Finding]| {
        all.iter().any(|o| {
            checks.contains(&o.check_id.as_str()) && path_of(&o.location).as_deref() == Some(path)
        })
    };
    let keep: Vec<bool> = findings
        .iter()
        .map(|f| {
            let Some((_, by)) = SUBSUMED.iter().find(|(c, _)| *c == f.check_id.as_str()) else {
                return true;
            };
            path_of(&f.location).is_none_or(|p| !reported(by, &p, &findings))
        })
        .collect();
    findings
        .into_iter()
        .zip(keep)
        .filter_map(|(f, k)| k.then_some(f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::{
        Category, CheckDocs, CheckId, CheckMeta, Confidence, Owasp, SafetyClass, Severity,
    };

    const DOCS: CheckDocs = CheckDocs {
        what: "",
        why: "",
        evidence: "",
        remediation: "",
        remediation_django: None,
        references: &[],
    };

    fn meta(id: &'static str) -> &'static CheckMeta {
        Box::leak(Box::new(CheckMeta {
            id: CheckId::new_static(id),
            name: "test",
            category: Category::DataExposure,
            severity: Severity::High,
            cwe: 200,
            owasp: Owasp::Api8,
            safety: SafetyClass::Safe,
            methods: &[],
            budget: 0,
            docs: DOCS,
        }))
    }

    fn at(id: &'static str, url: &str, title: &str) -> Finding {
        Finding::new(meta(id), Location::http("GET", url), title)
    }

    #[test]
    fn one_root_cause_at_several_urls_is_one_finding() {
        let f = group(vec![
            at(
                "LEAK-002",
                "http://h/api/products/abc/",
                "DEBUG page leaks a token",
            ),
            at(
                "LEAK-002",
                "http://h/api/orders/abc/",
                "DEBUG page leaks a token",
            ),
            at(
                "LEAK-002",
                "http://h/api/orders/?page=x",
                "DEBUG page leaks a token",
            ),
            at(
                "LEAK-002",
                "http://h/api/other/",
                "DEBUG page leaks a password",
            ),
        ]);
        assert_eq!(f.len(), 2, "{f:?}");
        let grouped = f
            .iter()
            .find(|f| f.title.contains("token"))
            .expect("grouped");
        assert_eq!(
            grouped.location.to_string(),
            "GET http://h/api/orders/?page=x"
        );
        assert!(grouped.evidence.facts[0].contains("2 other location(s)"));
        assert!(grouped.evidence.facts[0].contains("/api/products/abc/"));
    }

    #[test]
    fn different_severity_or_confidence_stays_apart() {
        let a = at("AUTH-001", "http://h/a", "data without credentials");
        let b = at("AUTH-001", "http://h/b", "data without credentials")
            .with_severity(Severity::Medium);
        let c = at("AUTH-001", "http://h/c", "data without credentials")
            .with_confidence(Confidence::Tentative);
        assert_eq!(group(vec![a, b, c]).len(), 3);
    }

    #[test]
    fn the_order_findings_arrive_in_does_not_matter() {
        let make = || {
            vec![
                at("LEAK-001", "http://h/me", "cacheable"),
                at("LEAK-001", "http://h/orders", "cacheable"),
                at("INV-001", "http://h/x", "undocumented"),
            ]
        };
        let mut reversed = make();
        reversed.reverse();
        let titles = |v: Vec<Finding>| {
            v.iter()
                .map(|f| format!("{} {:?}", f.location, f.evidence.facts))
                .collect::<Vec<_>>()
        };
        assert_eq!(titles(group(make())), titles(group(reversed)));
    }

    #[test]
    fn an_exposed_file_is_not_also_an_undocumented_endpoint() {
        let f = group(vec![
            at(
                "INV-001",
                "http://h/.env",
                "undocumented endpoint /.env answers",
            ),
            at("LEAK-004", "http://h/.env", "Exposed `.env` file"),
            at(
                "INV-001",
                "http://h/api/debug/crash/",
                "undocumented endpoint",
            ),
            at("CONT-003", "http://h/api/debug/crash/", "runtime revealed"),
        ]);
        let ids: Vec<&str> = f.iter().map(|f| f.check_id.as_str()).collect();
        assert_eq!(ids, ["CONT-003", "INV-001", "LEAK-004"], "{f:?}");
        assert!(f[1].location.to_string().ends_with("/api/debug/crash/"));
    }
}
