//! MISC-005: Server / X-Powered-By headers that disclose versions.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::target_responses;
use async_trait::async_trait;
use regex::Regex;
use std::sync::OnceLock;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct VersionDisclosure;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-005"),
    name: "Server software version disclosed in headers",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Low,
    cwe: 200,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`Server`, `X-Powered-By`, `X-AspNet-Version` or `X-AspNetMvc-Version` headers that carry a version number, such as `Server: WSGIServer/0.2 CPython/3.11.7` or `X-Powered-By: PHP/8.1.2`. A product name without a version is not reported.",
        why: "Exact versions let an attacker pick known exploits without probing. `WSGIServer` or `Werkzeug` in `Server` also shows a development server is serving production traffic.",
        evidence: "GET / → `Server: WSGIServer/0.2 CPython/3.11.7`.",
        remediation: "Strip or genericise these headers at the reverse proxy (nginx: `server_tokens off;` and `proxy_hide_header X-Powered-By;`). Never serve traffic from a development server.",
        remediation_django: Some("Do not run `manage.py runserver` outside development: serve Django with gunicorn or uvicorn behind a proxy, which sends no Python version. Hide `Server` at the proxy (`server_tokens off;`)."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/200.html",
        ],
    },
};

const HEADERS: &[&str] = &[
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
];

fn version_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\d+\.\d+").expect("constant regex"))
}

#[async_trait]
impl Check for VersionDisclosure {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        let exchanges = target_responses(ctx);
        for header in HEADERS {
            let hit = exchanges.iter().find_map(|e| {
                let v = e.response.header(header)?;
                version_re().is_match(v).then(|| (e, v.to_string()))
            });
            if let Some((ex, value)) = hit {
                let f = ctx
                    .finding(
                        ex,
                        format!("`{header}` header discloses a version: {value}"),
                        None,
                    )
                    .with_key(header)
                    .with_fact(format!("{header}: {value}"));
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const T: &str = "http://127.0.0.1:9/";

    async fn run(headers: &[(&str, &str)]) -> Vec<Finding> {
        let ex = exchange(HttpMethod::Get, T, 200, headers, "{}");
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        VersionDisclosure.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_on_versions() {
        let f = run(&[
            ("server", "WSGIServer/0.2 CPython/3.11.7"),
            ("x-powered-by", "PHP/8.1.2"),
        ])
        .await;
        assert_eq!(f.len(), 2);
        assert_ne!(f[0].fingerprint, f[1].fingerprint);
    }

    #[tokio::test]
    async fn silent_on_bare_product_names() {
        assert!(run(&[("server", "gunicorn"), ("x-powered-by", "Express")])
            .await
            .is_empty());
    }
}
