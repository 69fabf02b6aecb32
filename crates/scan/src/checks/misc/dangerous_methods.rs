//! MISC-007: state-changing or WebDAV methods advertised to anonymous callers
//! (informational: advertised is not accepted, and tollgate does not send them).

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::{Exchange, ProbeRequest};
use crate::recon::Soft404;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct DangerousMethods;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-007"),
    name: "Write or WebDAV methods advertised to anonymous callers",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Info,
    cwe: 749,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Options],
    budget: 2,
    docs: CheckDocs {
        what: "Sends one anonymous `OPTIONS` to the target and one to a path that cannot exist, and reports `Allow` or `Access-Control-Allow-Methods` listing PUT, PATCH, DELETE, CONNECT or WebDAV methods to a caller who is not authenticated. Advertising is not accepting: these methods change state, so tollgate never sends them to confirm, and the finding is informational and says so. When the non-existent path gets the same list, the list is the framework's generic answer (CORS middleware, a server default) and the finding says that too. TRACE is MISC-006's.",
        why: "An API that tells anonymous callers it accepts DELETE or PUT on a resource shows an attacker where to aim, and often means method-level authorization was never configured. It is a lead to verify, not a vulnerability on its own.",
        evidence: "OPTIONS / → 200, `Allow: GET, PUT, PATCH, DELETE, HEAD, OPTIONS`; OPTIONS on a path that does not exist → the same list (generic).",
        remediation: "Answer OPTIONS with only the methods the caller may use on that route, and require authentication before advertising write methods. Disable WebDAV at the server.",
        remediation_django: Some("In Django REST framework, give views `permission_classes` that deny anonymous writes (e.g. `IsAuthenticated`), and set `http_method_names` on views that should not accept PUT/PATCH/DELETE. DRF's OPTIONS answer then lists only what the view supports; CORS middleware should list only the methods the API really serves (`CORS_ALLOW_METHODS`)."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/749.html",
            "https://www.rfc-editor.org/rfc/rfc9110#section-10.2.1",
        ],
    },
};

const DANGEROUS: &[&str] = &[
    "PUT",
    "PATCH",
    "DELETE",
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
        let methods = listed(&ex);
        if methods.is_empty() {
            return Ok(Vec::new());
        }
        // The same list for a path that cannot exist: the framework's generic answer.
        let missing = ctx.url(&Soft404::random_path());
        let generic = match ctx
            .send(ProbeRequest::new(HttpMethod::Options, missing))
            .await
        {
            Ok(other) => other.response.is_success() && listed(&other) == methods,
            Err(CheckError::Engine(e)) if e.is_transport() => false,
            Err(e) => return Err(e),
        };
        let list = methods.join(", ");
        let title = if generic {
            format!("OPTIONS lists {list} for any path, to anonymous callers (a generic answer; not sent to confirm)")
        } else {
            format!("OPTIONS lists {list} to anonymous callers (advertised; not sent to confirm)")
        };
        let mut f = ctx
            .finding(&ex, title, None)
            .with_severity(Severity::Info)
            .with_confidence(Confidence::Tentative)
            .with_fact(format!("advertised: {list}"))
            .with_fact(
                "tollgate does not send state-changing methods to confirm that they are accepted",
            );
        if generic {
            f = f.with_fact("a path that does not exist gets the same list: the framework or a middleware answers OPTIONS for every path");
        }
        Ok(vec![f])
    }
}

/// The state-changing methods the answer lists, sorted.
fn listed(ex: &Exchange) -> Vec<String> {
    let mut methods: Vec<String> = ["allow", "access-control-allow-methods"]
        .iter()
        .filter_map(|h| ex.response.header(h))
        .flat_map(advertised)
        .collect();
    methods.sort();
    methods.dedup();
    methods
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[tokio::test]
    async fn advertised_delete_is_informational_and_says_it_was_not_sent() {
        let addr = serve(|req| {
            if req.path == "/" {
                RawResponse::new(200, "").header("allow", "GET, PUT, DELETE, HEAD, OPTIONS")
            } else {
                RawResponse::new(404, "")
            }
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = DangerousMethods.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].title.contains("DELETE, PUT"), "{}", f[0].title);
        assert!(f[0].title.contains("not sent to confirm"), "{}", f[0].title);
        assert!(!f[0].title.contains("generic"), "{}", f[0].title);
    }

    #[tokio::test]
    async fn a_frameworks_generic_allow_list_says_so() {
        let addr = serve(|_| {
            RawResponse::new(200, "").header(
                "access-control-allow-methods",
                "DELETE, GET, OPTIONS, PATCH, POST, PUT",
            )
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = DangerousMethods.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].title.contains("for any path"), "{}", f[0].title);
        assert_eq!(ctx.requests_made(), 2);
    }

    #[tokio::test]
    async fn silent_on_read_only_or_refused() {
        let addr =
            serve(|_| RawResponse::new(200, "").header("allow", "GET, HEAD, OPTIONS, POST, TRACE"))
                .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(DangerousMethods.run(&ctx).await.expect("run").is_empty());
        let addr = serve(|_| RawResponse::new(401, "").header("allow", "GET, DELETE")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(DangerousMethods.run(&ctx).await.expect("run").is_empty());
    }
}
