//! SSRF-006: a webhook, callback or subscription registration makes the server call a
//! caller-chosen URL, proven when tollgate's callback listener is called. The
//! registration is deleted again where the API documents how.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::checks::kit::body_urls::{body_candidates, is_registration_path, BodyCandidate};
use crate::checks::kit::common::send_quiet;
use crate::checks::kit::ssrf_probe::callback_hit_finding;
use crate::engine::{Exchange, ProbeRequest};
use crate::oast::{Hit, Probe};
use async_trait::async_trait;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, HttpMethod, Owasp, Redactor, SafetyClass,
    Severity,
};
use tollgate_spec::{Method, Operation};

pub struct WebhookRegistration;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SSRF-006"),
    name: "Webhook registration calls a caller-chosen URL",
    category: Category::Ssrf,
    severity: Severity::High,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Post, HttpMethod::Delete],
    budget: 12,
    docs: CheckDocs {
        what: "Finds the OpenAPI document's registration operations (POST on paths or operations named webhooks, hooks, callbacks, subscriptions) and registers a URL field (see SSRF-005 for how fields are chosen) pointing at tollgate's own callback listener, with an unguessable token per probe. Reported only when the listener is called with that token: at registration (a ping or verification request, waited for up to two seconds) or later in the scan's grace period. The registration is then deleted with the documented `DELETE` on the created object's id, when the document has one; the finding says whether it was. Intrusive: it creates a registration, so it runs only with `--allow intrusive`.",
        why: "A webhook is a server-side request to a URL the caller picked, sent later by a worker that usually sits inside the network and often carries signing secrets or credentials. Without an allow-list or address checks at send time it is SSRF into metadata services and internal endpoints, repeated on every event.",
        evidence: "POST /api/webhooks `{\"url\": \"http://127.0.0.1:41231/9f3c…e1\", \"event\": \"note.created\"}` → 201 `{\"id\": 7, \"ping\": \"delivered (200)\"}`; 40 ms later the listener received `POST /9f3c…e1` with `User-Agent: shop-webhooks/1.0`; `DELETE /api/webhooks/7` → 204.",
        remediation: "Accept webhook URLs only on https and on hosts the tenant has verified (or an allow-list, declared in the schema with a `pattern`); resolve the host and refuse loopback, private, link-local and IPv6-mapped addresses at every delivery, not only at registration; deliver from an egress proxy without access to internal networks; never forward credentials.",
        remediation_django: Some("Validate the URL in the serializer against verified hosts, re-check the resolved address in the Celery task that delivers the webhook (`ipaddress` is_private/is_loopback/is_link_local), disable redirects, and send deliveries through an egress proxy such as smokescreen."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/918.html",
        ],
    },
};

/// Registrations tried per scan.
const MAX_REGISTRATIONS: usize = 4;
/// How long to wait for a ping after registering.
const PING_WAIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(100);

fn is_registration(op: &Operation) -> bool {
    let named = [op.operation_id.as_deref(), op.summary.as_deref()]
        .into_iter()
        .flatten()
        .any(|t| {
            let t = t.to_ascii_lowercase();
            ["webhook", "subscription", "callback url", "registerhook"]
                .iter()
                .any(|w| t.contains(w))
        });
    op.method == Method::Post && (is_registration_path(&op.path) || named)
}

#[async_trait]
impl Check for WebhookRegistration {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let callbacks = ctx.reach().callbacks().map_err(CheckError::Skipped)?;
        if api_support::spec(ctx).is_none() {
            return Err(CheckError::Skipped("no OpenAPI document".into()));
        }
        let mut findings = Vec::new();
        for cand in body_candidates(ctx, is_registration, MAX_REGISTRATIONS) {
            if ctx.requests_made() + 2 > META.budget {
                break;
            }
            let Ok(mut probe) = callbacks.probe(cand.key(ctx.redactor())) else {
                continue;
            };
            let Some(ex) = send_quiet(ctx, cand.request(probe.callback.as_str())).await else {
                continue;
            };
            callbacks.attach(&probe, Arc::clone(&ex));
            probe.exchange = Some(Arc::clone(&ex));
            let mut hits = callbacks.hits(&probe);
            let deadline = tokio::time::Instant::now() + PING_WAIT;
            while hits.is_empty()
                && ex.response.is_success()
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(POLL).await;
                hits = callbacks.hits(&probe);
            }
            let cleanup = cleanup(ctx, &cand, &ex).await;
            match judge(&probe, &hits, ctx.redactor()) {
                Some(f) => findings.push(f.with_fact(cleanup)),
                // A later delivery is judged at the end of the scan.
                None => callbacks.subscribe(&probe, &META, judge),
            }
        }
        Ok(findings)
    }
}

/// Deletes the registration with the documented `DELETE {path}/{id}`, if there is one
/// and the answer names the created id. Says what happened.
async fn cleanup(ctx: &CheckCtx, cand: &BodyCandidate, ex: &Exchange) -> String {
    if !ex.response.is_success() {
        return "the registration was refused; nothing to remove".into();
    }
    let Some(spec) = api_support::spec(ctx) else {
        return "not removed: no OpenAPI document".into();
    };
    let model = &spec.model;
    let delete = model.operations.iter().find(|o| {
        o.method == Method::Delete
            && o.path
                .strip_prefix(cand.path.trim_end_matches('/'))
                .is_some_and(|rest| {
                    let seg = rest.trim_matches('/');
                    seg.starts_with('{') && seg.ends_with('}') && !seg[1..].contains('{')
                })
    });
    let Some(delete) = delete else {
        return "not removed: the API documents no DELETE for it; remove it by hand".into();
    };
    let id = api_support::json_body(ex).and_then(|v| match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    });
    let Some(id) = id.filter(|i| !i.is_empty() && i.len() <= 100 && !i.contains(['/', '?', '#']))
    else {
        return "not removed: the answer names no id; remove it by hand".into();
    };
    let seg = delete
        .path
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_string();
    let path = delete.path.replace(&seg, &id);
    let url = ctx.url(&format!("{}{}", model.base_path(), path));
    let req = ProbeRequest::new(HttpMethod::Delete, url).auth(cand.auth.clone());
    match send_quiet(ctx, req).await {
        Some(d) if d.response.is_success() => {
            format!(
                "registration {id} removed again (DELETE {path} → {})",
                d.response.status
            )
        }
        Some(d) => format!(
            "removing registration {id} failed (DELETE {path} → {}); remove it by hand",
            d.response.status
        ),
        None => format!("removing registration {id} failed; remove it by hand"),
    }
}

/// A finding once the listener was called for the probe's token.
fn judge(probe: &Probe, hits: &[Hit], redactor: &Redactor) -> Option<Finding> {
    let first = hits.first()?;
    let ex = probe.exchange.as_deref()?;
    let field = probe.key.parameter.strip_prefix("body:")?;
    let route = ex.request.url.path().to_string();
    let title = format!(
        "Registering a webhook at {} {route} makes the server call a caller-chosen URL (`{field}`)",
        ex.request.method.as_str()
    );
    let who = probe
        .key
        .identity
        .as_ref()
        .map_or("anonymously".to_string(), |i| format!("as identity `{i}`"));
    let fact = format!("registered {who} with callback URL {}", probe.callback);
    Some(
        callback_hit_finding(&META, probe, first, field, title, fact, redactor)?
            .with_key(&format!("{route} {field}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::oast::fake_target;
    use crate::testkit::{serve, Fixture, RawResponse};
    use std::sync::Mutex;
    use tollgate_core::Secret;

    const SPEC: &str = r##"{"openapi":"3.0.3","servers":[{"url":"/"}],
      "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "security":[{"b":[]}],
      "paths":{
        "/api/webhooks":{"post":{"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"url":{"type":"string","format":"uri"},"event":{"type":"string","enum":["a","b"]}}}}}}}},
        "/api/webhooks/{id}":{"delete":{"parameters":[{"name":"id","in":"path","required":true}]}},
        "/api/previews":{"post":{"requestBody":{"content":{"application/json":{
          "schema":{"type":"object","properties":{"url":{"type":"string"}}}}}}}}
      }}"##;

    /// A registration endpoint that pings the URL (loopback only) when `ping`.
    async fn hooks(ping: bool, log: Arc<Mutex<Vec<String>>>) -> std::net::SocketAddr {
        serve(move |req| {
            log.lock()
                .expect("log")
                .push(format!("{} {}", req.method, req.path));
            if req.method == "DELETE" {
                return RawResponse::new(204, "");
            }
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let url = body["url"].as_str().unwrap_or("").to_string();
            if ping && url.starts_with("http://127.0.0.1:") {
                let u = url::Url::parse(&url).expect("url");
                // The handler is synchronous and runs on a runtime worker: hand the
                // worker's other tasks (the listener among them) to another thread while
                // this one blocks, and bound every step.
                tokio::task::block_in_place(|| ping_once(u.port().unwrap_or(80), u.path()));
            }
            RawResponse::new(201, r#"{"id":7,"url":"x"}"#)
                .header("content-type", "application/json")
        })
        .await
    }

    /// One blocking loopback POST to the listener; every step gives up after
    /// [`IO_LIMIT`].
    fn ping_once(port: u16, path: &str) {
        use std::io::{Read, Write};
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let Ok(mut s) = std::net::TcpStream::connect_timeout(&addr, IO_LIMIT) else {
            return;
        };
        let _ = s.set_read_timeout(Some(IO_LIMIT));
        let _ = s.set_write_timeout(Some(IO_LIMIT));
        let _ = write!(
            s,
            "POST {path} HTTP/1.0\r\nHost: x\r\nUser-Agent: hooks/1\r\nContent-Length: 0\r\n\r\n"
        );
        let _ = s.read_to_end(&mut Vec::new());
    }

    /// The longest a fake server's own connection may block on one step.
    const IO_LIMIT: Duration = Duration::from_secs(2);

    async fn run(ping: bool) -> (Vec<Finding>, Vec<String>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let addr = hooks(ping, Arc::clone(&log)).await;
        let fx = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("t0ken-alice-0123456789"),
            ))
            .intrusive();
        let (_e, ctx) = fake_target::ctx_from(fx, vec![], &META).await;
        let f = WebhookRegistration.run(&ctx).await.expect("run");
        let seen = log.lock().expect("log").clone();
        (f, seen)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fires_when_the_registration_pings_the_listener_and_cleans_up() {
        let (f, seen) = run(true).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("POST /api/webhooks"), "{}", f[0].title);
        assert!(f[0]
            .evidence
            .facts
            .iter()
            .any(|x| x.starts_with("callback received: POST /")));
        assert!(f[0]
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("registration 7 removed again")));
        assert_eq!(
            seen,
            ["POST /api/webhooks", "DELETE /api/webhooks/7"],
            "previews are SSRF-005's"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn silent_when_nothing_calls_back_but_still_cleans_up() {
        let (f, seen) = run(false).await;
        assert!(f.is_empty(), "{f:#?}");
        assert_eq!(seen, ["POST /api/webhooks", "DELETE /api/webhooks/7"]);
    }
}
