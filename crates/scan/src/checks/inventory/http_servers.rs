//! INV-005: the OpenAPI document lists servers reached over plain http.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use async_trait::async_trait;
use std::net::IpAddr;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Location, Owasp, SafetyClass,
    Severity,
};

pub struct HttpServers;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-005"),
    name: "OpenAPI servers over plain http",
    category: Category::Inventory,
    severity: Severity::Low,
    cwe: 319,
    owasp: Owasp::Api9,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads the OpenAPI document's `servers` (document, path and operation level; `schemes` + `host` in Swagger 2.0) and reports entries whose URL uses `http://` for a host other than loopback (`localhost`, `127.0.0.0/8`, `::1`). Sends nothing.",
        why: "Clients, generated SDKs and API consoles use the documented servers as they are: an http entry sends tokens and data in clear text, and shows that a plain-http deployment exists.",
        evidence: "`servers: [{url: \"http://api.example.com/v2\"}]` in the document, next to `https://api.example.com/v2`.",
        remediation: "List only https servers in the published document and redirect or close the plain-http listener.",
        remediation_django: Some("Generate `servers` from settings that only hold https URLs (drf-spectacular `SERVERS`), set `SECURE_SSL_REDIRECT = True` behind TLS, and let `SECURE_PROXY_SSL_HEADER` tell Django when a proxy terminated TLS."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/319.html",
            "https://spec.openapis.org/oas/v3.1.0#server-object",
        ],
    },
};

fn loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[async_trait]
impl Check for HttpServers {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let model = &spec.model;
        let all = model
            .servers
            .iter()
            .chain(model.operations.iter().flat_map(|o| o.servers.iter()));
        let mut findings: Vec<Finding> = Vec::new();
        for server in all {
            let plain = server.scheme().as_deref() == Some("http");
            let host = server.host().unwrap_or_default();
            if !plain || loopback(&host) || findings.iter().any(|f| f.title.contains(&server.url)) {
                continue;
            }
            let location = Location::http("GET", server.url.clone());
            let f = Finding::new(
                &META,
                location,
                format!(
                    "the OpenAPI document lists the plain-http server {}",
                    server.url
                ),
            )
            .with_confidence(Confidence::Confirmed)
            .with_key(&server.url)
            .with_fact(format!("document: {} `{}`", model.version, model.title));
            findings.push(f);
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fixture;

    #[tokio::test]
    async fn reports_http_servers_but_not_loopback() {
        let doc = r#"{"openapi":"3.0.3","servers":[{"url":"https://api.example.com"},{"url":"http://api.example.com/v2"},{"url":"http://localhost:8000"},{"url":"http://127.0.0.1"}],
          "paths":{"/a":{"get":{"servers":[{"url":"http://legacy.example.com"}]}}}}"#;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(doc).ctx(&META);
        let f = HttpServers.run(&ctx).await.expect("run");
        let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(titles.len(), 2, "{titles:?}");
        assert!(titles[0].ends_with("http://api.example.com/v2"));
        assert!(titles[1].ends_with("http://legacy.example.com"));
    }

    #[tokio::test]
    async fn silent_with_https_or_relative_servers() {
        let doc = r#"{"openapi":"3.0.3","servers":[{"url":"/"},{"url":"https://api.example.com"}],"paths":{"/a":{"get":{}}}}"#;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(doc).ctx(&META);
        assert!(HttpServers.run(&ctx).await.expect("run").is_empty());
    }
}
