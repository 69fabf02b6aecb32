//! RATE-004: a documented list operation has no pagination and returns long lists.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body};
use crate::checks::kit::common::target_responses;
use crate::recon::spec::list_items;
use async_trait::async_trait;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};
use tollgate_spec::{Method, Operation, ParamLocation};

pub struct MissingPagination;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("RATE-004"),
    name: "List operation without pagination",
    category: Category::RateLimitingResourceConsumption,
    severity: Severity::Low,
    cwe: 770,
    owasp: Owasp::Api4,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Finds GET operations in the OpenAPI document that return lists but take no pagination parameter (`page`, `page_size`, `limit`, `offset`, `cursor`, `per_page`, `after`, …) and reports those whose recorded answer already held 50 items or more: the whole collection comes back at once and grows with the data.",
        why: "An unpaginated collection costs more with every row added; the day it holds a million rows each call is a denial of service, and one request extracts everything.",
        evidence: "`GET /api/v2/customers/` takes no paging parameter; its answer held 2,400 objects.",
        remediation: "Paginate every collection with a server-side maximum page size and document the parameters.",
        remediation_django: Some("Set `DEFAULT_PAGINATION_CLASS` (and `PAGE_SIZE`) in `REST_FRAMEWORK`, or a `pagination_class` with `max_page_size` on the view; views that build `Response(list)` by hand should use `self.paginate_queryset()`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
            "https://cwe.mitre.org/data/definitions/770.html",
            "https://www.django-rest-framework.org/api-guide/pagination/",
        ],
    },
};

/// Query parameters that page through a collection.
const PAGING: &[&str] = &[
    "page",
    "page_size",
    "pagesize",
    "per_page",
    "perpage",
    "limit",
    "offset",
    "cursor",
    "after",
    "before",
    "start",
    "size",
    "skip",
    "take",
    "first",
    "last",
    "page_token",
    "pagetoken",
    "next",
    "since",
    "max_results",
];
/// Items in one answer from which an unpaginated list counts as long.
const LONG: usize = 50;

fn paginated(op: &Operation) -> bool {
    op.params_in(ParamLocation::Query).any(|p| {
        let n = p.name.to_ascii_lowercase();
        PAGING.contains(&n.as_str()) || n.starts_with("page[")
    })
}

#[async_trait]
impl Check for MissingPagination {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let mut done = BTreeSet::new();
        let mut findings = Vec::new();
        for ex in target_responses(ctx) {
            let Some(op) = spec.operation_for(Method::Get, &ex.request.url) else {
                continue;
            };
            if paginated(op) || op.is_templated() || done.contains(&op.path) {
                continue;
            }
            let n = json_body(&ex).map_or(0, |b| list_items(&b).len());
            if n < LONG {
                continue;
            }
            done.insert(op.path.clone());
            let title = format!(
                "GET {} returns {n} items and takes no pagination parameter",
                op.path
            );
            findings.push(
                ctx.finding(&ex, title, None)
                    .with_confidence(Confidence::Firm)
                    .with_key(&op.path)
                    .with_fact(format!(
                        "no paging parameter in the document at {}",
                        op.pointer
                    )),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const SPEC: &str = r#"{"openapi":"3.0.3","paths":{"/all/":{"get":{}},"/paged/":{"get":{"parameters":[{"name":"limit","in":"query"}]}},"/few/":{"get":{}}}}"#;

    fn list(path: &str, n: usize) -> crate::engine::Exchange {
        let items: Vec<String> = (0..n).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
        exchange(
            HttpMethod::Get,
            &format!("http://127.0.0.1:9{path}"),
            200,
            &[("content-type", "application/json")],
            &format!("[{}]", items.join(",")),
        )
    }

    #[tokio::test]
    async fn reports_long_unpaginated_lists() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .recorded(list("/all/", 120))
            .ctx(&META);
        let f = MissingPagination.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("returns 120 items"));
    }

    #[tokio::test]
    async fn silent_when_paginated_or_short() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .recorded(list("/paged/", 500))
            .recorded(list("/few/", 5))
            .ctx(&META);
        assert!(MissingPagination.run(&ctx).await.expect("run").is_empty());
    }
}
