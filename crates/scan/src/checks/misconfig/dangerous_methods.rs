//! MISC-007: state-changing or debugging methods advertised to anonymous callers.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::ProbeRequest;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct DangerousMethods;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-007"),
    name: "Dangerous HTTP methods advertised to anonymous callers",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Low,
    cwe: 749,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Options],
    budget: 1,
    docs: CheckDocs {
        what: "Sends one anonymous `OPTIONS` to the target and reports `Allow` or `Access-Control-Allow-Methods` listing PUT, PATCH, DELETE, TRACE, CONNECT or WebDAV methods while the caller is not authenticated. It is reported as tentative: advertising is not the same as accepting, and tollgate never sends these methods without `--allow intrusive`.",
        why: "An API that tells anonymous callers it accepts DELETE or PUT on a resource shows an attacker where to aim, and often means method-level authorization was never configured.",
        evidence: "OPTIONS / → 200, `Allow: GET, PUT, PATCH, DELETE, HEAD, OPTIONS`.",
        remediation: "Answer OPTIONS with only the methods the caller may use, and require authentication before advertising write methods. Disable WebDAV and TRACE at the server.",
        remediation_django: Some("In Django REST framework, give views `permission_classes` that deny anonymous writes (e.g. `IsAuthenticated`), and set `http_method_names` on views that should not accept PUT/PATCH/DELETE. DRF's OPTIONS answer then lists only what the view supports."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/749.html",
        ],
    },
};

const DANGEROUS: &[&str] = &[
    "PUT",
    "PATCH",
    "DELETE",
    "TRACE",
    "CONNECT",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
];

fn advertised(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| DANGEROUS.contains(&m.as_str()))
        .collect()
}

#[async_trait]
impl Check for DangerousMethods {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let ex = ctx
            .send(ProbeRequest::new(
                HttpMethod::Options,
                ctx.target().url.clone(),
            ))
            .await?;
        if !ex.response.is_success() {
            return Ok(Vec::new());
        }
        let mut methods: Vec<String> = ["allow", "access-control-allow-methods"]
            .iter()
            .filter_map(|h| ex.response.header(h))
            .flat_map(advertised)
            .collect();
        methods.sort();
        methods.dedup();
        if methods.is_empty() {
            return Ok(Vec::new());
        }
        let list = methods.join(", ");
        Ok(vec![ctx
            .finding(
                &ex,
                format!("OPTIONS advertises {list} to anonymous callers"),
                None,
            )
            .with_confidence(Confidence::Tentative)
            .with_fact(format!("advertised: {list}"))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[tokio::test]
    async fn fires_on_advertised_delete() {
        let addr =
            serve(|_| RawResponse::new(200, "").header("allow", "GET, PUT, DELETE, HEAD, OPTIONS"))
                .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = DangerousMethods.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("DELETE, PUT"));
    }

    #[tokio::test]
    async fn silent_on_read_only_or_refused() {
        let addr =
            serve(|_| RawResponse::new(200, "").header("allow", "GET, HEAD, OPTIONS, POST")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(DangerousMethods.run(&ctx).await.expect("run").is_empty());
        let addr = serve(|_| RawResponse::new(401, "").header("allow", "GET, DELETE")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(DangerousMethods.run(&ctx).await.expect("run").is_empty());
    }
}
