//! UC-003: operations documented as JSON-only that also accept XML bodies.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::engine::{Auth, ProbeRequest};
use async_trait::async_trait;
use bytes::Bytes;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::{Method, Operation};

pub struct XmlAccepted;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("UC-003"),
    name: "XML accepted where only JSON is documented",
    category: Category::UnsafeConsumption,
    severity: Severity::Medium,
    cwe: 436,
    owasp: Owasp::Api8,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post, HttpMethod::Put, HttpMethod::Patch],
    budget: 5,
    docs: CheckDocs {
        what: "For up to five write operations whose OpenAPI request body lists only JSON media types, sends the operation once with `Content-Type: application/xml` and an empty, entity-free XML document, as the primary identity. A 2xx answer means an XML parser the documentation does not mention reads request bodies. Only the surface is reported: no XXE payload is ever sent. Intrusive (it sends writes), so it runs only with `--allow intrusive`.",
        why: "An undocumented XML parser is attack surface nobody tests: XML external entities read local files (service-account tokens, `.env`) or make the server fetch internal URLs, and billion-laughs documents exhaust memory. Frameworks often enable XML parsers by default alongside JSON.",
        evidence: "POST /api/orders/ with `Content-Type: application/xml` and `<?xml version=\"1.0\"?><tollgate-probe/>` → 201, where the spec documents only `application/json`.",
        remediation: "Register only the parsers the API documents; answer other content types with 415. If XML is needed, use a parser with DTDs and external entities disabled (defusedxml in Python).",
        remediation_django: Some("Set `REST_FRAMEWORK[\"DEFAULT_PARSER_CLASSES\"]` to `[\"rest_framework.parsers.JSONParser\"]` (and per-view `parser_classes`), and remove `rest_framework_xml.parsers.XMLParser` unless it is documented; if XML stays, parse with defusedxml."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/436.html",
        ],
    },
};

const XML: &str = "<?xml version=\"1.0\"?><tollgate-probe/>";

fn json_only(op: &Operation) -> bool {
    op.request_body.as_ref().is_some_and(|b| {
        !b.content.is_empty()
            && b.content
                .iter()
                .all(|c| c.media_type.to_ascii_lowercase().contains("json"))
    })
}

fn method(m: Method) -> Option<HttpMethod> {
    match m {
        Method::Post => Some(HttpMethod::Post),
        Method::Put => Some(HttpMethod::Put),
        Method::Patch => Some(HttpMethod::Patch),
        _ => None,
    }
}

#[async_trait]
impl Check for XmlAccepted {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let model = &spec.model;
        let auth = ctx
            .target()
            .primary_identity
            .clone()
            .map_or(Auth::Anonymous, Auth::Identity);
        let mut findings = Vec::new();
        let ops = model
            .operations
            .iter()
            .filter(|o| json_only(o) && !o.path.contains('{'));
        for op in ops.take(META.budget as usize) {
            let Some(m) = method(op.method) else { continue };
            let url = ctx.url(&format!("{}{}", model.base_path(), op.path));
            let mut req = ProbeRequest::new(m, url)
                .header("content-type", "application/xml")
                .auth(auth.clone());
            req.body = Some(Bytes::from_static(XML.as_bytes()));
            let ex = ctx.send(req).await?;
            if ex.response.is_success() {
                findings.push(
                    ctx.finding(
                        &ex,
                        format!(
                            "{} {} accepts an XML body; the spec documents only JSON",
                            op.method, op.path
                        ),
                        None,
                    )
                    .with_key(&op.path)
                    .with_confidence(Confidence::Firm)
                    .with_fact(format!(
                        "`Content-Type: application/xml` answered {}",
                        ex.response.status
                    )),
                );
            }
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, RawResponse};

    const DOC: &str = r#"{"openapi":"3.0.3","paths":{"/orders/":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object"}}}}}}}}"#;

    async fn run(status_for_xml: u16) -> Vec<Finding> {
        let addr = serve(move |req| match req.header("content-type") {
            Some(ct) if ct.contains("xml") => RawResponse::new(status_for_xml, "{}"),
            _ => RawResponse::new(400, "{}"),
        })
        .await;
        let (_e, ctx) = crate::testkit::Fixture::new(&format!("http://{addr}/"))
            .spec(DOC)
            .intrusive()
            .ctx(&META);
        XmlAccepted.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_when_xml_is_accepted() {
        assert_eq!(run(201).await.len(), 1);
    }

    #[tokio::test]
    async fn silent_on_415() {
        assert!(run(415).await.is_empty());
    }
}
