//! RATE-001: a page-size parameter has no upper bound.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::recon::spec::{list_items, operation_url, ApiSpec};
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
        what: "For list operations with a page-size parameter (`page_size`, `limit`, `per_page`, `size`, … from the OpenAPI document, or `page_size`/`limit` on discovered list routes), requests the default page and then a page of 10,000, as an identity the operation accepts. Reported when the big page holds more items than the default page and more than the documented maximum (100 when none is documented): the server honoured the size instead of capping it. When the collection is smaller than the maximum, so no count can show it, it is reported (firm, not confirmed) only when the big page still holds more items than the default one and the answer's own pagination says it used the size asked for (a numeric `limit`/`page_size` field or a `self` link carrying it; `next` links are not trusted, frameworks copy the request's query into them). Size parameters are known names (`limit`, `page_size`, `per_page`, `size`, `count`, `top`, `take`, `first`, …) or integers with a documented `maximum` named like a size or limit; HAL `_embedded` lists are counted.",
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
    "top",
    "$top",
];

/// Whether a documented query parameter is a page size: a known name, or an integer
/// with a documented `maximum` whose name says size or limit (`maxItems`, `rows_limit`).
fn is_size_param(name: &str, schema: Option<&tollgate_spec::Schema>) -> bool {
    let n = name.to_ascii_lowercase();
    if SIZE_PARAMS.contains(&n.as_str()) {
        return true;
    }
    let bounded_integer = schema.is_some_and(|s| {
        s.maximum.is_some() && s.types.contains(&tollgate_spec::SchemaType::Integer)
    });
    bounded_integer
        && ["size", "limit", "per_page", "perpage", "max"]
            .iter()
            .any(|f| n.contains(f))
}
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
            .find(|p| is_size_param(&p.name, p.schema.map(|s| spec.model.schema(s))))
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
    for ex in crate::checks::kit::common::target_responses(ctx) {
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
    if n_big <= n_default {
        return Ok(None);
    }
    let documented = match c.max {
        Some(m) => format!("the document says `maximum: {m}`"),
        None => format!("no maximum is documented (assumed {DEFAULT_CAP})"),
    };
    let path = c.url.path();
    let finding = if n_big > cap {
        ctx.finding(
            &big,
            format!(
                "{}={HUGE} returns {n_big} items in one page at {path}",
                c.param
            ),
            None,
        )
        .with_confidence(Confidence::Confirmed)
    } else if (cap as u64) < u64::from(HUGE)
        && json_body(&big).is_some_and(|b| echoes_size(&b, &c.param, HUGE))
        && !json_body(&default).is_some_and(|b| echoes_size(&b, &c.param, HUGE))
    {
        // Fewer items exist than the cap, so the count cannot show it; the answer's own
        // pagination says the server used the size asked for instead of capping it.
        ctx.finding(
            &big,
            format!(
                "{}={HUGE} accepted above the maximum of {cap} at {path}",
                c.param
            ),
            None,
        )
        .with_confidence(Confidence::Firm)
        .with_fact(format!(
            "the answer's pagination reports a page size of {HUGE}, not a capped one; the big page holds {n_big} items (all the collection returned)"
        ))
    } else {
        return Ok(None);
    };
    Ok(Some(
        finding
            .with_key(&c.param)
            .with_fact(format!("the default page holds {n_default} items"))
            .with_fact(documented)
            .with_fact(format!("the big page is {} bytes", big.response.body.len())),
    ))
}

/// Whether a list answer's own pagination metadata says it used page size `size`: a
/// number under the parameter's name (or `limit`, `page_size`, `per_page`,
/// `pageSize`) in the top-level object or its `meta`/`page`/`pagination` object, or a
/// `self` link (HAL `_links.self.href`, JSON:API `links.self`) whose query sets the
/// parameter to `size`. `next`/`prev` links are not read: frameworks copy the
/// request's query into them even when they cap the size.
fn echoes_size(body: &serde_json::Value, param: &str, size: u32) -> bool {
    use serde_json::Value;
    let Value::Object(top) = body else {
        return false;
    };
    let norm = |k: &str| {
        k.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let names = [
        norm(param),
        "limit".into(),
        "pagesize".into(),
        "perpage".into(),
    ];
    let number_says = |m: &serde_json::Map<String, Value>| {
        m.iter()
            .any(|(k, v)| names.contains(&norm(k)) && v.as_u64() == Some(u64::from(size)))
    };
    let nested = ["meta", "page", "pagination"]
        .iter()
        .filter_map(|k| top.get(*k).and_then(Value::as_object));
    if number_says(top) || nested.into_iter().any(number_says) {
        return true;
    }
    let self_link = ["_links", "links"]
        .iter()
        .filter_map(|k| top.get(*k)?.get("self"))
        .find_map(|v| match v {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("href").and_then(Value::as_str),
            _ => None,
        });
    let Some(link) = self_link else {
        return false;
    };
    let Ok(url) = Url::parse("http://self.invalid/").and_then(|b| b.join(link)) else {
        return false;
    };
    let wanted = size.to_string();
    url.query_pairs()
        .any(|(k, v)| k.eq_ignore_ascii_case(param) && v == wanted.as_str())
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

    const HAL_SPEC: &str = r#"{"openapi":"3.0.3","paths":{"/products":{"get":{"security":[],"parameters":[
      {"name":"limit","in":"query","schema":{"type":"integer","maximum":100}}],"responses":{"200":{"description":"ok"}}}}}}"#;

    /// 24 products, HAL answers; `capped` clamps `limit` to 100 as documented.
    fn hal_server(
        capped: bool,
    ) -> impl Fn(&crate::testkit::RawRequest) -> RawResponse + Send + Sync + 'static {
        move |req| {
            let asked = req
                .path
                .split("limit=")
                .nth(1)
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(10);
            let limit = if capped { asked.min(100) } else { asked };
            let items: Vec<String> = (1..=limit.min(24))
                .map(|i| format!(r#"{{"id":{i}}}"#))
                .collect();
            RawResponse::new(
                200,
                format!(
                    r#"{{"total":24,"_links":{{"self":{{"href":"/products?offset=0&limit={limit}"}}}},"_embedded":{{"products":[{}]}}}}"#,
                    items.join(",")
                ),
            )
            .header("content-type", "application/hal+json")
        }
    }

    #[tokio::test]
    async fn fires_when_the_answer_reports_the_uncapped_size() {
        let addr = serve(hal_server(false)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(HAL_SPEC)
            .ctx(&META);
        let f = UnboundedPageSize.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].title
                .contains("limit=10000 accepted above the maximum of 100"),
            "{}",
            f[0].title
        );
        assert_eq!(f[0].confidence, Confidence::Firm);
    }

    #[tokio::test]
    async fn silent_when_the_answer_reports_a_capped_size() {
        let addr = serve(hal_server(true)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(HAL_SPEC)
            .ctx(&META);
        assert!(UnboundedPageSize.run(&ctx).await.expect("run").is_empty());
    }

    #[test]
    fn echo_reads_self_links_and_size_fields_not_next_links() {
        use serde_json::json;
        assert!(echoes_size(
            &json!({"limit": 10000, "items": []}),
            "limit",
            10000
        ));
        assert!(echoes_size(
            &json!({"meta": {"pageSize": 10000}}),
            "page_size",
            10000
        ));
        assert!(echoes_size(
            &json!({"links": {"self": "/x?page%5Bsize%5D=10000"}}),
            "page[size]",
            10000
        ));
        assert!(!echoes_size(
            &json!({"next": "/x?page_size=10000&page=2"}),
            "page_size",
            10000
        ));
        assert!(!echoes_size(&json!({"limit": 100}), "limit", 10000));
        assert!(is_size_param("per_page", None));
        assert!(!is_size_param("offset", None));
    }
}
