//! INV-002: other versions of a documented, versioned API still answer.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body};
use crate::checks::kit::api_versions::{documented_versions, version_of};
use crate::engine::{Exchange, ProbeRequest};
use crate::recon::spec::ApiSpec;
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::Method;
use url::Url;

pub struct SiblingVersions;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-002"),
    name: "Undocumented API version still live",
    category: Category::Inventory,
    severity: Severity::Low,
    cwe: 1059,
    owasp: Owasp::Api9,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 30,
    docs: CheckDocs {
        what: "Reads the version segments of the documented paths (`/api/v2/…`) and requests the same routes under the neighbouring versions the document does not describe (`/api/v1/…`, `/api/v3/…`), anonymously. A version whose routes answer (anything but the target's not-found answer) is reported; medium when it hands anonymous callers JSON data on a route the documented version protects.",
        why: "Old versions keep old bugs and old access rules. They are rarely monitored or patched, and an attacker who finds `/v1` beside `/v2` gets the weaker of the two.",
        evidence: "`GET /api/v1/users/` → 200 JSON to an anonymous caller while `GET /api/v2/users/` is documented as bearer-protected; /api/v1 is not in the OpenAPI document.",
        remediation: "Retire old versions on a schedule: remove their routes, or put them behind the same gateway policies and document them until they are gone.",
        remediation_django: Some("Delete the legacy `path(\"api/v1/…\")` entries (or `include()`) from the URLconf once clients moved, or route them to the current views with the same permission classes; keep a list of supported versions and test that others return 404."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/1059.html",
        ],
    },
};

/// Routes tried per sibling version at most.
const PER_VERSION: usize = 12;

/// The path with its version segment replaced.
fn with_version(path: &str, prefix: &str, to: u32) -> Option<String> {
    let rest = path.strip_prefix(prefix)?;
    let (_, after) = rest.split_once('/').unwrap_or((rest, ""));
    Some(format!("{prefix}v{to}/{after}"))
}

#[async_trait]
impl Check for SiblingVersions {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx).ok_or_else(|| {
            CheckError::Skipped("no OpenAPI document says which versions are current".into())
        })?;
        let documented = documented_versions(spec);
        let mut findings = Vec::new();
        for (prefix, n) in &documented {
            let siblings = (n.saturating_sub(2).max(1)..=n + 1)
                .filter(|m| !documented.contains(&(prefix.clone(), *m)));
            for m in siblings.collect::<Vec<_>>() {
                if let Some(f) = probe_version(ctx, spec, prefix, *n, m).await? {
                    findings.push(f);
                }
            }
        }
        Ok(findings)
    }
}

/// The documented GET routes (no templates) under `prefix` v`n`, moved to v`m`,
/// paired with whether the document protects the original.
fn routes(ctx: &CheckCtx, spec: &ApiSpec, prefix: &str, n: u32, m: u32) -> Vec<(Url, bool)> {
    let base = spec.model.base_path();
    let mut out: Vec<(Url, bool)> = Vec::new();
    for op in spec
        .model
        .operations
        .iter()
        .filter(|o| o.method == Method::Get && !o.is_templated())
    {
        let full = format!("{base}{}", op.path);
        if version_of(&full) != Some((prefix.to_string(), n)) {
            continue;
        }
        let Some(moved) = with_version(&full, prefix, m) else {
            continue;
        };
        let url = ctx.url(&moved);
        if !out.iter().any(|(u, _)| *u == url) {
            out.push((url, !op.allows_anonymous()));
        }
    }
    out.truncate(PER_VERSION);
    out.push((ctx.url(&format!("{prefix}v{m}/")), false));
    out
}

async fn probe_version(
    ctx: &CheckCtx,
    spec: &ApiSpec,
    prefix: &str,
    n: u32,
    m: u32,
) -> Result<Option<Finding>, CheckError> {
    let mut live: Vec<(Arc<Exchange>, bool)> = Vec::new();
    for (url, protected) in routes(ctx, spec, prefix, n, m) {
        let ex = ctx.send(ProbeRequest::get(url)).await?;
        if !api_support::is_missing(ctx, &ex) && ex.response.status != 405 {
            let weaker = protected && json_body(&ex).is_some();
            live.push((ex, weaker));
        }
    }
    let Some(first) = live.iter().find(|(_, w)| *w).or_else(|| live.first()) else {
        return Ok(None);
    };
    let weaker = first.1;
    let ex = &first.0;
    let title =
        format!("undocumented API version {prefix}v{m}/ is live beside the documented v{n}");
    let mut f = ctx
        .finding(ex, title, None)
        .with_confidence(Confidence::Firm)
        .with_key(&format!("{prefix}v{m}"));
    if weaker {
        f = f.with_severity(Severity::Medium).with_fact(format!(
            "{} gives anonymous callers JSON; the documented v{n} route requires authentication",
            ex.request.url.path()
        ));
    }
    for (e, _) in &live {
        f = f.with_fact(format!(
            "GET {} → HTTP {}",
            e.request.url.path(),
            e.response.status
        ));
    }
    Ok(Some(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const SPEC: &str = r#"{"openapi":"3.0.3","security":[{"b":[]}],"paths":{"/api/v2/users/":{"get":{"responses":{"200":{"description":"ok"}}}},
      "/api/v2/items/":{"get":{"security":[],"responses":{"200":{"description":"ok"}}}}}}"#;

    #[test]
    fn versions() {
        assert_eq!(version_of("/api/v2/users/"), Some(("/api/".into(), 2)));
        assert_eq!(version_of("/v10/x"), Some(("/".into(), 10)));
        assert_eq!(version_of("/api/video/"), None);
        assert_eq!(
            with_version("/api/v2/users/", "/api/", 1).as_deref(),
            Some("/api/v1/users/")
        );
    }

    #[tokio::test]
    async fn reports_a_live_v1_with_weaker_controls() {
        let addr = serve(|req| match req.path.as_str() {
            "/api/v1/users/" => {
                RawResponse::new(200, r#"[{"id":1}]"#).header("content-type", "application/json")
            }
            "/api/v1/items/" => RawResponse::new(401, "{}"),
            _ => RawResponse::new(404, "nf"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        let f = SiblingVersions.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].title.contains("/api/v1/"), "{}", f[0].title);
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_other_versions_are_gone() {
        let addr = serve(|_| RawResponse::new(404, "nf")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(SiblingVersions.run(&ctx).await.expect("run").is_empty());
    }
}
