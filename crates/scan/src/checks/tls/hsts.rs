//! TLS-001: HTTPS responses without a strong Strict-Transport-Security.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::target_responses;
use crate::engine::Exchange;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct MissingHsts;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("TLS-001"),
    name: "HSTS missing or weak on HTTPS",
    category: Category::EncryptionTransport,
    severity: Severity::Medium,
    cwe: 319,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "HTTPS responses from the target without `Strict-Transport-Security`, or with a `max-age` under 180 days (15552000 seconds). Only https targets are examined.",
        why: "Without HSTS, the first request a client makes can go over plain http, where anyone on the network can strip TLS and read the bearer token or session cookie it carries.",
        evidence: "GET https://api.example/ → 200 without `Strict-Transport-Security`.",
        remediation: "Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` on every HTTPS response, and consider HSTS preload once every subdomain serves HTTPS.",
        remediation_django: Some("Set `SECURE_HSTS_SECONDS = 31536000`, `SECURE_HSTS_INCLUDE_SUBDOMAINS = True` and keep `django.middleware.security.SecurityMiddleware` enabled. `manage.py check --deploy` warns when it is missing (security.W004)."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/319.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html",
        ],
    },
};

const MIN_AGE: u64 = 15_552_000;

fn max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|d| {
        let (k, v) = d.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse().ok())?
    })
}

fn problem(ex: &Exchange) -> Option<String> {
    match ex.response.header("strict-transport-security") {
        None => Some("no `Strict-Transport-Security` header".into()),
        Some(v) => match max_age(v) {
            Some(age) if age >= MIN_AGE => None,
            Some(age) => Some(format!("`max-age={age}` is under 180 days")),
            None => Some(format!(
                "`Strict-Transport-Security: {v}` has no valid max-age"
            )),
        },
    }
}

#[async_trait]
impl Check for MissingHsts {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        if ctx.target().url.scheme() != "https" {
            return Err(CheckError::Skipped(
                "the target is not https; HSTS applies to https responses only".into(),
            ));
        }
        let hit = target_responses(ctx)
            .into_iter()
            .filter(|e| e.request.url.scheme() == "https")
            .find_map(|e| problem(&e).map(|p| (e, p)));
        Ok(hit
            .map(|(ex, p)| {
                ctx.finding(&ex, "HTTPS responses lack a strong HSTS policy", None)
                    .with_fact(p)
            })
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const T: &str = "https://127.0.0.1:9/";

    async fn run(target: &str, headers: &[(&str, &str)]) -> Result<Vec<Finding>, CheckError> {
        let ex = exchange(HttpMethod::Get, target, 200, headers, "{}");
        let (_e, ctx) = Fixture::new(target).recorded(ex).ctx(&META);
        MissingHsts.run(&ctx).await
    }

    #[tokio::test]
    async fn fires_when_missing_or_short() {
        assert_eq!(run(T, &[]).await.expect("run").len(), 1);
        assert_eq!(
            run(T, &[("strict-transport-security", "max-age=300")])
                .await
                .expect("run")
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn silent_with_long_max_age() {
        let ok = run(
            T,
            &[(
                "strict-transport-security",
                "max-age=31536000; includeSubDomains",
            )],
        )
        .await;
        assert!(ok.expect("run").is_empty());
    }

    #[tokio::test]
    async fn skipped_on_plain_http() {
        assert!(matches!(
            run("http://127.0.0.1:9/", &[]).await,
            Err(CheckError::Skipped(_))
        ));
    }
}
