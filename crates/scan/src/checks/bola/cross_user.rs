//! BOLA-001: one user reads another user's objects by id.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body, same_object};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::recon::spec::{ids_in, operation_url, parent_template, ApiSpec};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::{Method, Operation};
use url::Url;

pub struct CrossUserObjectAccess;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("BOLA-001"),
    name: "Objects of other users readable by id",
    category: Category::Bola,
    severity: Severity::High,
    cwe: 639,
    owasp: Owasp::Api1,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 60,
    docs: CheckDocs {
        what: "For every collection the OpenAPI document pairs with an item operation (`GET /orders/` and `GET /orders/{id}/`), takes an id from a second identity's own list (one the first identity's list does not contain), reads it as that second identity for a baseline, then as the first identity and anonymously. Identical bodies for the owner and the other user, while anonymous callers are refused, is a confirmed finding. With a single identity it requests ids adjacent to the identity's own and reports an answer with that object as tentative.",
        why: "Broken object level authorization is the most common API flaw: ids are sequential or guessable, so any user can walk the id space and read (often also change) every other user's orders, invoices or messages.",
        evidence: "`GET /api/v2/orders/2/` as alice → 200 with bob's order (`\"owner\": \"bob\"`), byte-for-byte what bob gets; alice's own list does not contain order 2; anonymous → 401.",
        remediation: "Authorize every object access against the caller: look objects up through the caller's own scope (`WHERE owner_id = :caller`) and answer 404 otherwise. Test it with two users in CI.",
        remediation_django: Some("Filter the queryset by the requesting user in `get_queryset()` (`Order.objects.filter(owner=self.request.user)`) and let `get_object_or_404` run on that queryset, or add an object-level permission (`has_object_permission`) to the view. Never call `Model.objects.get(pk=pk)` on an unfiltered queryset in an API view."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
            "https://cwe.mitre.org/data/definitions/639.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Authorization_Cheat_Sheet.html",
        ],
    },
};

/// Collections tested at most.
const MAX_COLLECTIONS: usize = 8;
/// Adjacent ids tried per collection with one identity.
const ADJACENT_PROBES: usize = 2;

/// An item operation, its collection, and the path parameter naming the item.
struct Pair<'a> {
    item: &'a Operation,
    list: &'a Operation,
    param: String,
}

fn pairs(spec: &ApiSpec) -> Vec<Pair<'_>> {
    let ops = &spec.model.operations;
    ops.iter()
        .filter(|o| o.method == Method::Get)
        .filter_map(|item| {
            let (parent, param) = parent_template(&item.path)?;
            let list = ops
                .iter()
                .find(|o| o.method == Method::Get && o.path == parent)?;
            Some(Pair { item, list, param })
        })
        .take(MAX_COLLECTIONS)
        .collect()
}

#[async_trait]
impl Check for CrossUserObjectAccess {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx).ok_or_else(|| {
            CheckError::Skipped("no OpenAPI document: pass --spec PATH|URL".into())
        })?;
        let attacker = api_support::low_identity(ctx)
            .ok_or_else(|| CheckError::Skipped("needs an identity (pass --token-file)".into()))?;
        let victim = api_support::peer_identity(ctx, &attacker);
        let mut findings = Vec::new();
        for pair in pairs(spec) {
            let t = Tester {
                ctx,
                spec,
                pair: &pair,
                attacker: &attacker,
            };
            let found = match &victim {
                Some(v) => t.two_users(v).await?,
                None => t.adjacent().await?,
            };
            findings.extend(found);
        }
        Ok(findings)
    }
}

struct Tester<'a> {
    ctx: &'a CheckCtx,
    spec: &'a ApiSpec,
    pair: &'a Pair<'a>,
    attacker: &'a str,
}

impl Tester<'_> {
    async fn get(&self, url: Url, who: Option<&str>) -> Result<Arc<Exchange>, CheckError> {
        let auth = who.map_or(Auth::Anonymous, |w| Auth::Identity(w.to_string()));
        self.ctx.send(ProbeRequest::get(url).auth(auth)).await
    }

    fn item_url(&self, id: &str) -> Option<Url> {
        let values = HashMap::from([(self.pair.param.clone(), id.to_string())]);
        operation_url(&self.ctx.target().url, self.spec, self.pair.item, &values)
    }

    /// The ids in an identity's own list.
    async fn ids_of(&self, who: &str) -> Result<Vec<String>, CheckError> {
        let Some(url) = operation_url(
            &self.ctx.target().url,
            self.spec,
            self.pair.list,
            &HashMap::new(),
        ) else {
            return Ok(Vec::new());
        };
        let ex = self.get(url, Some(who)).await?;
        Ok(ids_in(&ex.response.body, &self.pair.param))
    }

    /// The victim's object read by the attacker: confirmed when both bodies are the
    /// same object and anonymous callers are refused.
    async fn two_users(&self, victim: &str) -> Result<Option<Finding>, CheckError> {
        let theirs = self.ids_of(victim).await?;
        let mine = self.ids_of(self.attacker).await?;
        let Some(id) = theirs.iter().find(|i| !mine.contains(i)) else {
            return Ok(None);
        };
        let Some(url) = self.item_url(id) else {
            return Ok(None);
        };
        let owner = self.get(url.clone(), Some(victim)).await?;
        let Some(baseline) = json_body(&owner) else {
            return Ok(None);
        };
        let other = self.get(url.clone(), Some(self.attacker)).await?;
        let Some(body) = json_body(&other).filter(|b| same_object(b, &baseline)) else {
            return Ok(None);
        };
        if !self.anonymous_refused(url).await? {
            return Ok(None);
        }
        let title = format!(
            "{} reads {victim}'s object {id} at {} {}",
            self.attacker, other.request.method, self.pair.item.path
        );
        let f = self
            .ctx
            .finding(&other, title, None)
            .with_confidence(Confidence::Confirmed)
            .with_key(&self.pair.item.path)
            .with_fact(format!(
                "id {id} is in {victim}'s list of {} and not in {}'s",
                self.pair.list.path, self.attacker
            ))
            .with_fact(format!(
                "{} got the same object {victim} gets ({} bytes of JSON)",
                self.attacker,
                body.to_string().len()
            ))
            .with_fact("anonymous callers are refused, so the object is not public");
        Ok(Some(f))
    }

    /// Anonymous callers get no object at this URL.
    async fn anonymous_refused(&self, url: Url) -> Result<bool, CheckError> {
        let anon = self.get(url, None).await?;
        Ok(json_body(&anon).is_none() || api_support::is_missing(self.ctx, &anon))
    }

    /// One identity: ids next to its own that answer with an object it did not list.
    async fn adjacent(&self) -> Result<Option<Finding>, CheckError> {
        let mine = self.ids_of(self.attacker).await?;
        let numbers: Vec<i64> = mine.iter().filter_map(|i| i.parse().ok()).collect();
        let candidates = numbers
            .iter()
            .flat_map(|n| [n + 1, n - 1])
            .filter(|c| *c > 0 && !numbers.contains(c))
            .take(ADJACENT_PROBES);
        for candidate in candidates.collect::<Vec<_>>() {
            let id = candidate.to_string();
            let Some(url) = self.item_url(&id) else {
                continue;
            };
            let ex = self.get(url.clone(), Some(self.attacker)).await?;
            let object_id = json_body(&ex)
                .and_then(|b| b.get(&self.pair.param).or_else(|| b.get("id")).cloned());
            let is_that_object = object_id.is_some_and(|v| v.to_string().trim_matches('"') == id);
            if is_that_object
                && !api_support::is_missing(self.ctx, &ex)
                && self.anonymous_refused(url).await?
            {
                let title = format!(
                    "{} reads object {id}, which is not in its own list, at {} {}",
                    self.attacker, ex.request.method, self.pair.item.path
                );
                return Ok(Some(
                    self.ctx
                        .finding(&ex, title, None)
                        .with_confidence(Confidence::Tentative)
                        .with_key(&self.pair.item.path)
                        .with_fact(format!("{}'s own list ({}) holds ids {}", self.attacker, self.pair.list.path, preview(&mine)))
                        .with_fact("only one identity was given: pass a second user's token to confirm whose object this is"),
                ));
            }
        }
        Ok(None)
    }
}

fn preview(ids: &[String]) -> String {
    let mut s = ids.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 6 {
        s.push_str(", …");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{serve, Fixture, RawRequest, RawResponse};
    use tollgate_core::Secret;

    const SPEC: &str = r#"{"openapi":"3.0.3","security":[{"b":[]}],"components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "paths":{"/orders/":{"get":{"responses":{"200":{"description":"ok"}}}},
               "/orders/{id}/":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],"responses":{"200":{"description":"ok"}}}}}}"#;

    /// Orders 1 and 3 are alice's, 2 and 4 bob's; `owner_checked` decides whether the
    /// item route enforces ownership.
    fn shop(owner_checked: bool) -> impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static {
        move |req| {
            let who = match req.header("authorization") {
                Some("Bearer tok-alice-0123456789") => "alice",
                Some("Bearer tok-bob-0123456789") => "bob",
                _ => {
                    return RawResponse::new(401, r#"{"detail":"auth"}"#)
                        .header("content-type", "application/json")
                }
            };
            let owner = |id: u32| if id % 2 == 1 { "alice" } else { "bob" };
            let json =
                |b: String| RawResponse::new(200, b).header("content-type", "application/json");
            if req.path == "/orders/" {
                let ids: Vec<String> = (1..=4)
                    .filter(|i| owner(*i) == who)
                    .map(|i| format!(r#"{{"id":{i},"owner":"{who}"}}"#))
                    .collect();
                return json(format!(r#"{{"results":[{}]}}"#, ids.join(",")));
            }
            let id: u32 = req
                .path
                .trim_matches('/')
                .rsplit('/')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            if id == 0 || id > 4 || (owner_checked && owner(id) != who) {
                return RawResponse::new(404, r#"{"detail":"Not found."}"#)
                    .header("content-type", "application/json");
            }
            json(format!(
                r#"{{"id":{id},"owner":"{}","total":"9.00"}}"#,
                owner(id)
            ))
        }
    }

    fn fixture(addr: std::net::SocketAddr, two: bool) -> Fixture {
        let mut f = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ))
            .identity(Identity::bearer(
                "admin",
                Secret::new("tok-admin-0123456789"),
            ));
        if two {
            f = f.identity(Identity::bearer("bob", Secret::new("tok-bob-0123456789")));
        }
        f
    }

    #[tokio::test]
    async fn confirms_cross_user_read_with_two_identities() {
        let addr = serve(shop(false)).await;
        let (_e, ctx) = fixture(addr, true).ctx(&META);
        let f = CrossUserObjectAccess.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].confidence, Confidence::Confirmed);
        assert!(
            f[0].title.contains("alice reads bob's object 2"),
            "{}",
            f[0].title
        );
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_ownership_is_enforced() {
        let addr = serve(shop(true)).await;
        let (_e, ctx) = fixture(addr, true).ctx(&META);
        assert!(CrossUserObjectAccess
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
        let (_e, ctx) = fixture(addr, false).ctx(&META);
        assert!(CrossUserObjectAccess
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
    }

    #[tokio::test]
    async fn one_identity_probes_adjacent_ids_tentatively() {
        let addr = serve(shop(false)).await;
        let (_e, ctx) = fixture(addr, false).ctx(&META);
        let f = CrossUserObjectAccess.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].confidence, Confidence::Tentative);
        assert!(f[0].title.contains("object 2"), "{}", f[0].title);
    }

    #[tokio::test]
    async fn skipped_without_a_spec() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").ctx(&META);
        assert!(matches!(
            CrossUserObjectAccess.run(&ctx).await,
            Err(CheckError::Skipped(_))
        ));
    }
}
