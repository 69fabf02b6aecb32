//! MISC-004: session, CSRF and token cookies without Secure / HttpOnly / SameSite.

use crate::check::{Check, CheckCtx, CheckError};
use async_trait::async_trait;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct CookieFlags;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-004"),
    name: "Sensitive cookie without Secure, HttpOnly or SameSite",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Medium,
    cwe: 614,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`Set-Cookie` for a session, token or CSRF cookie (names containing session, sess, sid, token, jwt, auth, csrf, xsrf) that lacks `Secure` or `SameSite`, and, for session and token cookies, `HttpOnly`. CSRF cookies are not required to be HttpOnly, since JavaScript reads them by design.",
        why: "A token cookie without `Secure` travels over any plain-http request; without `HttpOnly` any XSS can read it; without `SameSite` other sites can ride it (CSRF). A stolen session or token cookie is a stolen bearer credential.",
        evidence: "GET / → `Set-Cookie: sessionid=…; Path=/` (no Secure, no HttpOnly, no SameSite).",
        remediation: "Set `Secure; HttpOnly; SameSite=Lax` (or `Strict`) on session and token cookies, and `Secure; SameSite` on CSRF cookies.",
        remediation_django: Some("In settings: `SESSION_COOKIE_SECURE = True`, `SESSION_COOKIE_HTTPONLY = True` (default), `SESSION_COOKIE_SAMESITE = \"Lax\"`, `CSRF_COOKIE_SECURE = True`, `CSRF_COOKIE_SAMESITE = \"Lax\"`. For cookies set by hand, pass `secure=True, httponly=True, samesite=\"Lax\"` to `response.set_cookie()`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/614.html",
            "https://cwe.mitre.org/data/definitions/1004.html",
            "https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-secure",
        ],
    },
};

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Session,
    Csrf,
}

fn kind(name: &str) -> Option<Kind> {
    let n = name.to_ascii_lowercase();
    if n.contains("csrf") || n.contains("xsrf") {
        Some(Kind::Csrf)
    } else if ["session", "sess", "sid", "token", "jwt", "auth"]
        .iter()
        .any(|k| n.contains(k))
    {
        Some(Kind::Session)
    } else {
        None
    }
}

/// The flags a cookie is missing, or `None` if it is not sensitive or is fine.
fn missing_flags(set_cookie: &str) -> Option<(String, Vec<&'static str>)> {
    let mut parts = set_cookie.split(';');
    let name = parts.next()?.split('=').next()?.trim().to_string();
    let kind = kind(&name)?;
    let attrs: BTreeSet<String> = parts
        .map(|a| {
            a.split('=')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    let mut missing = Vec::new();
    if !attrs.contains("secure") {
        missing.push("Secure");
    }
    if kind == Kind::Session && !attrs.contains("httponly") {
        missing.push("HttpOnly");
    }
    if !attrs.contains("samesite") {
        missing.push("SameSite");
    }
    (!missing.is_empty()).then_some((name, missing))
}

#[async_trait]
impl Check for CookieFlags {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut seen = BTreeSet::new();
        let mut findings = Vec::new();
        for ex in ctx
            .transcript()
            .into_iter()
            .filter(|e| ctx.in_scope(&e.request.url))
        {
            for (name, missing) in ex
                .response
                .headers_all("set-cookie")
                .filter_map(missing_flags)
            {
                if !seen.insert(name.clone()) {
                    continue;
                }
                let severity = if missing.contains(&"HttpOnly") || missing.contains(&"Secure") {
                    Severity::Medium
                } else {
                    Severity::Low
                };
                let f = ctx
                    .finding(
                        &ex,
                        format!("Cookie `{name}` lacks {}", missing.join(", ")),
                        Some(&name),
                    )
                    .with_key(&name)
                    .with_severity(severity)
                    .with_fact(format!("cookie `{name}` missing: {}", missing.join(", ")));
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

    async fn run(cookie: &str) -> Vec<Finding> {
        let ex = exchange(HttpMethod::Get, T, 200, &[("set-cookie", cookie)], "");
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        CookieFlags.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_on_bare_session_cookie() {
        let f = run("sessionid=abc; Path=/").await;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].title.contains("Secure, HttpOnly, SameSite"));
    }

    #[tokio::test]
    async fn csrf_cookie_need_not_be_httponly() {
        assert!(run("csrftoken=abc; Secure; SameSite=Lax; Path=/")
            .await
            .is_empty());
    }

    #[tokio::test]
    async fn silent_on_flagged_or_unrelated_cookies() {
        assert!(run("sessionid=abc; Secure; HttpOnly; SameSite=Lax")
            .await
            .is_empty());
        assert!(run("theme=dark; Path=/").await.is_empty());
    }
}
