//! RATE-001: a page-size parameter has no upper bound.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::api_support::{self, json_body};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::target::spec::{list_items, operation_url, ApiSpec};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::{Method, ParamLocation};
use url::Url;

pub struct UnboundedPageSize;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("RATE-001"),
    name: "Unbounded page size",
    category: Category::RateLimitingResourceConsumption,
    severity: Severity::Low,
    cwe: 770,
    owasp: Owasp::Api4,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 16,
    docs: CheckDocs {
        what: "For list operations with a page-size parameter (`page_size`, `limit`, `per_page`, `size`, … from the OpenAPI document, or `page_size`/`limit` on discovered list routes), requests the default page and then a page of 10,000, as an identity the operation accepts. Reported when the big page holds more items than the default page and more than the documented maximum (100 when none is documented): the server honoured the size instead of capping it.",
        why: "A single request for everything makes the database, the serializer and the network do unbounded work. A few of them in parallel exhaust memory or workers, and they make bulk data extraction one request long.",
        evidence: "`GET /api/v2/orders/?page_size=10000` → 150 orders in one page; the default page holds 20 and the document says `maximum: 100`.",
        remediation: "Cap page sizes on the server (and reject or clamp larger values), whatever the client asks for; document the maximum.",
        remediation_django: Some("Set `max_page_size` on the DRF pagination class (`PageNumberPagination.max_page_size = 100`, or `LimitOffsetPagination.max_limit`) and never parse `page_size` yourself with a bare `int()`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
            "https://cwe.mitre.org/data/definitions/770.html",
            "https://www.django-rest-framework.org/api-guide/pagination/",
        ],
    },
};

/// Names of page-size parameters.
const SIZE_PARAMS: &[&str] = &[
    "page_size",
    "pagesize",
    "per_page",
    "perpage",
    "limit",
    "size",
    "max_results",
    "maxresults",
    "count",
    "take",
    "first",
    "page[size]",
    "page_limit",
];
/// The size asked for.
const HUGE: u32 = 10_000;
/// The cap assumed when the document gives none.
const DEFAULT_CAP: usize = 100;
/// Operations tried at most.
const MAX_OPERATIONS: usize = 6;

/// A list URL, its size parameter, the documented maximum, and who may call it.
struct Candidate {
    url: Url,
    param: String,
    max: Option<usize>,
    auth: Auth,
}

fn auth_for(ctx: &CheckCtx, anonymous_ok: bool) -> Option<Auth> {
    if anonymous_ok {
        return Some(Auth::Anonymous);
    }
    api_support::low_identity(ctx).map(Auth::Identity)
}

fn from_spec(ctx: &CheckCtx, spec: &ApiSpec) -> Vec<Candidate> {
    let mut out = Vec::new();
    for op in spec
        .model
        .operations
        .iter()
        .filter(|o| o.method == Method::Get && !o.is_templated())
    {
        let Some(p) = op
            .params_in(ParamLocation::Query)
            .find(|p| SIZE_PARAMS.contains(&p.name.to_ascii_lowercase().as_str()))
        else {
            continue;
        };
        let max = p
            .schema
            .and_then(|s| spec.model.schema(s).maximum)
            .map(|m| m.max(0.0) as usize);
        let (Some(url), Some(auth)) = (
            operation_url(&ctx.target().url, spec, op, &HashMap::new()),
            auth_for(ctx, op.allows_anonymous()),
        ) else {
            continue;
        };
        out.push(Candidate {
            url,
            param: p.name.clone(),
            max,
            auth,
        });
    }
    out
}

/// Without a document: recorded list answers that look paginated (`next`, `count`).
fn from_routes(ctx: &CheckCtx) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for ex in crate::checks::common::target_responses(ctx) {
        let Some(body) = json_body(&ex) else { continue };
        let paginated = body.get("next").is_some() || body.get("count").is_some();
        if !paginated
            || list_items(&body).is_empty()
            || out.iter().any(|c| c.url.path() == ex.request.url.path())
        {
            continue;
        }
        let mut url = ex.request.url.clone();
        url.set_query(None);
        let auth = ex
            .request
            .identity
            .clone()
            .map_or(Auth::Anonymous, Auth::Identity);
        out.push(Candidate {
            url,
            param: "page_size".into(),
            max: None,
            auth,
        });
    }
    out
}

#[async_trait]
impl Check for UnboundedPageSize {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut candidates = match api_support::spec(ctx) {
            Some(spec) => from_spec(ctx, spec),
            None => from_routes(ctx),
        };
        candidates.truncate(MAX_OPERATIONS);
        let mut findings = Vec::new();
        for c in candidates {
            findings.extend(test_one(ctx, &c).await?);
        }
        Ok(findings)
    }
}

async fn get(ctx: &CheckCtx, url: Url, auth: &Auth) -> Result<Arc<Exchange>, CheckError> {
    ctx.send(ProbeRequest::get(url).auth(auth.clone())).await
}

fn items(ex: &Exchange) -> Option<usize> {
    json_body(ex).map(|b| list_items(&b).len())
}

async fn test_one(ctx: &CheckCtx, c: &Candidate) -> Result<Option<Finding>, CheckError> {
    let default = get(ctx, c.url.clone(), &c.auth).await?;
    let Some(n_default) = items(&default).filter(|n| *n > 0) else {
        return Ok(None);
    };
    let mut big_url = c.url.clone();
    big_url
        .query_pairs_mut()
        .append_pair(&c.param, &HUGE.to_string());
    let big = get(ctx, big_url, &c.auth).await?;
    let Some(n_big) = items(&big) else {
        return Ok(None);
    };
    let cap = c.max.unwrap_or(DEFAULT_CAP);
    if n_big <= n_default || n_big <= cap {
        return Ok(None);
    }
    let title = format!(
        "{}={HUGE} returns {n_big} items in one page at {}",
        c.param,
        c.url.path()
    );
    let documented = match c.max {
        Some(m) => format!("the document says `maximum: {m}`"),
        None => format!("no maximum is documented (assumed {DEFAULT_CAP})"),
    };
    Ok(Some(
        ctx.finding(&big, title, None)
            .with_confidence(Confidence::Confirmed)
            .with_key(&c.param)
            .with_fact(format!("the default page holds {n_default} items"))
            .with_fact(documented)
            .with_fact(format!("the big page is {} bytes", big.response.body.len())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const SPEC: &str = r#"{"openapi":"3.0.3","paths":{"/items/":{"get":{"security":[],"parameters":[
      {"name":"page_size","in":"query","schema":{"type":"integer","maximum":100}}],"responses":{"200":{"description":"ok"}}}}}}"#;

    fn server(
        cap: usize,
    ) -> impl Fn(&crate::testkit::RawRequest) -> RawResponse + Send + Sync + 'static {
        move |req| {
            let size = req
                .path
                .split("page_size=")
                .nth(1)
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(20)
                .min(cap)
                .min(250);
            let items: Vec<String> = (1..=size).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
            RawResponse::new(
                200,
                format!(
                    r#"{{"count":250,"next":null,"results":[{}]}}"#,
                    items.join(",")
                ),
            )
            .header("content-type", "application/json")
        }
    }

    #[tokio::test]
    async fn fires_when_the_page_grows_past_the_documented_maximum() {
        let addr = serve(server(usize::MAX)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        let f = UnboundedPageSize.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].title.contains("returns 250 items"), "{}", f[0].title);
        assert_eq!(ctx.requests_made(), 2);
    }

    #[tokio::test]
    async fn silent_when_capped() {
        let addr = serve(server(100)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(UnboundedPageSize.run(&ctx).await.expect("run").is_empty());
    }
}
