//! BOLA-003: one user changes or deletes another user's objects, proven by the
//! owner's read-back.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::checks::kit::credential_fields;
use crate::checks::kit::write_support::{self as ws, read_object, send_json, show};
use crate::engine::Exchange;
use crate::recon::spec::{ids_in, object_id, parent_template, ApiSpec};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::{ApiModel, Method, Operation};
use url::Url;

pub struct CrossUserWrite;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("BOLA-003"),
    name: "Objects of other users writable or deletable by id",
    category: Category::Bola,
    severity: Severity::High,
    cwe: 639,
    owasp: Owasp::Api1,
    safety: SafetyClass::Intrusive,
    methods: &[
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ],
    budget: 60,
    docs: CheckDocs {
        what: "Intrusive (runs with `--allow intrusive`); needs an OpenAPI document and two identities of the same role. For every item operation the document lets clients change (`PUT`/`PATCH`/`DELETE /notes/{id}` with a `GET` at the same path that is not public: objects anyone may read are shared, not owned) it takes an object of the second identity (the owner): one the owner creates for the test through the documented `POST` (preferred), the owner's account for user collections (`/users/{id}`, the id from its `/me`), else one from the owner's own list. The first identity then sends a `PATCH` (else a `PUT` with the object's own values) that changes one ordinary string field to a unique marker; on accounts, when neither is accepted, a documented e-mail action (`POST|PUT|PATCH /users/{id}/email`, also `change-email`) with a unique address; and, on objects created for the test only, a `DELETE`. The owner reads the object back: a finding needs the marker stored or the object gone, never a status code alone. Changed values are written back by the owner and objects created for the test deleted. Passwords are never changed (the account would be locked out); e-mail addresses are, and restored.",
        why: "APIs often check ownership on reads but not on writes: any user then edits or deletes everyone's notes, orders or carts by walking ids, or changes another user's e-mail address and takes the account over through a password reset.",
        evidence: "`PATCH /api/notes/7` as alice with `{\"title\": \"tollgate-tg1a2b3c\"}` → 200; `GET /api/notes/7` as bob (the owner): `title` \"Shopping\" → \"tollgate-tg1a2b3c\"; `DELETE /api/notes/7` as alice → 204, and bob's read-back answers 404.",
        remediation: "Authorize every write against the caller, exactly like reads: load the object through the caller's scope (`WHERE id = :id AND owner_id = :caller`) before updating or deleting it, and answer 404 otherwise. Actions on accounts (e-mail, password) must be allowed only on the caller's own account or to administrators.",
        remediation_django: Some("Filter `get_queryset()` by `self.request.user` in every viewset (updates and deletes use it through `get_object()`), or add an object-level permission (`has_object_permission` checking `obj.owner == request.user`); never look objects up with `Model.objects.get(pk=pk)` in update views."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
            "https://cwe.mitre.org/data/definitions/639.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Authorization_Cheat_Sheet.html",
        ],
    },
};

/// Collections tried at most.
const MAX_COLLECTIONS: usize = 5;
/// Requests one collection may need.
const PER_COLLECTION: u32 = 11;
/// Names of fields preferred for the marker (ordinary text).
const TEXT_FIELDS: &[&str] = &[
    "title",
    "name",
    "display_name",
    "displayname",
    "description",
    "body",
    "text",
    "content",
    "note",
    "comment",
    "bio",
    "first_name",
    "last_name",
    "nickname",
];

/// A collection whose items can be changed.
struct Collection<'a> {
    parent: String,
    param: String,
    read: &'a Operation,
    patch: Option<&'a Operation>,
    put: Option<&'a Operation>,
    delete: Option<&'a Operation>,
    /// Documented actions that change an account's e-mail address.
    email_actions: Vec<&'a Operation>,
}

/// `POST`/`PUT`/`PATCH {read}/email` (also `change-email`, `change_email`, `e-mail`)
/// with a JSON body: an action on one account, under an account collection.
fn email_actions<'m>(model: &'m ApiModel, read: &Operation) -> Vec<&'m Operation> {
    let base = read.path.trim_end_matches('/');
    model
        .operations
        .iter()
        .filter(|o| matches!(o.method, Method::Post | Method::Put | Method::Patch))
        .filter(|o| {
            let Some(seg) = o.path.strip_prefix(base).and_then(|r| r.strip_prefix('/')) else {
                return false;
            };
            let seg = seg.trim_end_matches('/').to_ascii_lowercase();
            !seg.contains(['/', '{']) && seg.replace(['-', '_'], "").contains("email")
        })
        .filter(|o| ws::json_body_schema(o).is_some())
        .collect()
}

fn collections(model: &ApiModel) -> Vec<Collection<'_>> {
    let mut out: Vec<Collection<'_>> = Vec::new();
    // Objects anyone may read (`security: []`) are shared, not owned by a user:
    // changing them is a question of function authorization (BFLA-002).
    let owned = model.operations.iter().filter(|o| {
        let public =
            o.allows_anonymous() && o.security_source != tollgate_spec::SecuritySource::Unspecified;
        o.method == Method::Get && !public
    });
    for read in owned {
        let Some((parent, param)) = parent_template(&read.path) else {
            continue;
        };
        let at = |m| ws::op_at(model, m, &read.path);
        let email_actions = if ws::is_account_collection(&parent) {
            email_actions(model, read)
        } else {
            Vec::new()
        };
        let c = Collection {
            parent,
            param,
            read,
            patch: at(Method::Patch),
            put: at(Method::Put),
            delete: at(Method::Delete),
            email_actions,
        };
        if c.patch.is_some() || c.put.is_some() || c.delete.is_some() || !c.email_actions.is_empty()
        {
            out.push(c);
        }
    }
    out.truncate(MAX_COLLECTIONS);
    out
}

#[async_trait]
impl Check for CrossUserWrite {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx).ok_or_else(|| {
            CheckError::Skipped("no OpenAPI document: pass --spec PATH|URL".into())
        })?;
        let attacker = api_support::low_identity(ctx).ok_or_else(|| {
            CheckError::Skipped("needs two identities (pass --token-file)".into())
        })?;
        let owner = api_support::peer_identity(ctx, &attacker).ok_or_else(|| {
            CheckError::Skipped("needs a second identity of the same role".into())
        })?;
        let t = Tester {
            ctx,
            spec,
            attacker: &attacker,
            owner: &owner,
        };
        let mut findings = Vec::new();
        for c in collections(&spec.model) {
            if ctx.requests_made() + PER_COLLECTION > META.budget {
                break;
            }
            if let Some(f) = t.collection(&c).await? {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

struct Tester<'a> {
    ctx: &'a CheckCtx,
    spec: &'a ApiSpec,
    attacker: &'a str,
    owner: &'a str,
}

/// An object of the owner to try.
struct Victim {
    id: String,
    /// Created by the owner for this test (so it may be deleted).
    created: bool,
}

/// What the attacker's requests did, as seen by the owner.
struct Effect {
    exchange: Arc<Exchange>,
    fact: String,
    verb: &'static str,
}

impl Tester<'_> {
    fn model(&self) -> &ApiModel {
        &self.spec.model
    }

    fn url(&self, op: &Operation, param: &str, id: &str) -> Option<Url> {
        ws::url_with(self.ctx, self.spec, op, param, id)
    }

    /// The owner's object: one it creates now, its account, or one of its list.
    async fn victim(&self, c: &Collection<'_>) -> Result<Option<Victim>, CheckError> {
        let model = self.model();
        if ws::is_account_collection(&c.parent) {
            let id = ws::account_id(self.ctx, self.spec, self.owner).await?;
            return Ok(id.map(|id| Victim { id, created: false }));
        }
        if let Some(post) = ws::op_at(model, Method::Post, &c.parent) {
            if let (Some(mut body), Some(url)) = (
                ws::example_body(model, post),
                ws::plain_url(self.ctx, self.spec, post),
            ) {
                ws::uniquify(&mut body, &ws::tag());
                let ex = send_json(
                    self.ctx,
                    HttpMethod::Post,
                    &url,
                    Some(self.owner),
                    Some(&body),
                )
                .await?;
                if let Some(Value::Object(o)) = api_support::json_body(&ex) {
                    if let Some(id) = object_id(&o, &c.param) {
                        return Ok(Some(Victim { id, created: true }));
                    }
                }
            }
        }
        let Some(list) = ws::op_at(model, Method::Get, &c.parent)
            .and_then(|o| ws::plain_url(self.ctx, self.spec, o))
        else {
            return Ok(None);
        };
        let ids = |ex: &Exchange| {
            if ex.response.is_success() {
                ids_in(&ex.response.body, &c.param)
            } else {
                Vec::new()
            }
        };
        let theirs =
            ids(&*send_json(self.ctx, HttpMethod::Get, &list, Some(self.owner), None).await?);
        if theirs.is_empty() {
            return Ok(None);
        }
        let mine =
            ids(&*send_json(self.ctx, HttpMethod::Get, &list, Some(self.attacker), None).await?);
        Ok(theirs
            .into_iter()
            .find(|i| !mine.contains(i))
            .map(|id| Victim { id, created: false }))
    }

    async fn collection(&self, c: &Collection<'_>) -> Result<Option<Finding>, CheckError> {
        let Some(victim) = self.victim(c).await? else {
            return Ok(None);
        };
        let Some(read) = self.url(c.read, &c.param, &victim.id) else {
            return Ok(None);
        };
        let (_, Some(before)) = read_object(self.ctx, &read, Some(self.owner)).await? else {
            return Ok(None);
        };
        let account = ws::is_account_collection(&c.parent);
        let mut effects = Vec::new();
        let mut changed: Option<(Arc<Exchange>, &Operation, String)> = None;
        for op in [c.patch, c.put].into_iter().flatten() {
            let Some(field) = marker_field(self.model(), op, &before, account) else {
                continue;
            };
            let Some(url) = self.url(op, &c.param, &victim.id) else {
                continue;
            };
            let marker = marker_for(&field, &ws::tag());
            let body = ws::update_body(
                self.model(),
                op,
                &before,
                &field,
                Value::String(marker.clone()),
            );
            let ex = send_json(
                self.ctx,
                ws::http_method(op.method),
                &url,
                Some(self.attacker),
                Some(&body),
            )
            .await?;
            let (_, after) = read_object(self.ctx, &read, Some(self.owner)).await?;
            let stored = after
                .as_ref()
                .and_then(|a| a.get(&field))
                .is_some_and(|v| v.as_str() == Some(marker.as_str()));
            if stored {
                effects.push(Effect {
                    fact: format!(
                        "{} {} as {}: `{field}` {} → {} when {} reads it back",
                        op.method,
                        url.path(),
                        self.attacker,
                        show(before.get(&field)),
                        show(after.as_ref().and_then(|a| a.get(&field))),
                        self.owner
                    ),
                    exchange: Arc::clone(&ex),
                    verb: "changes",
                });
                changed = Some((ex, op, field));
                break;
            }
        }
        if changed.is_none() {
            if let Some((effect, op, field)) = self.email_action(c, &victim, &read, &before).await?
            {
                changed = Some((Arc::clone(&effect.exchange), op, field));
                effects.push(effect);
            }
        }
        // Deleting is tried only on an object made for the test.
        let mut gone = false;
        if let (true, Some(del)) = (victim.created, c.delete) {
            if let Some(url) = self.url(del, &c.param, &victim.id) {
                let ex = send_json(
                    self.ctx,
                    HttpMethod::Delete,
                    &url,
                    Some(self.attacker),
                    None,
                )
                .await?;
                let (back, obj) = read_object(self.ctx, &read, Some(self.owner)).await?;
                gone = obj.is_none() && api_support::is_missing(self.ctx, &back);
                if gone {
                    effects.push(Effect {
                        fact: format!(
                            "DELETE {} as {}: {} then gets HTTP {} for its own object",
                            url.path(),
                            self.attacker,
                            self.owner,
                            back.response.status
                        ),
                        exchange: ex,
                        verb: "deletes",
                    });
                }
            }
        }
        let via = changed
            .as_ref()
            .map_or(c.read.path.clone(), |(_, op, _)| op.path.clone());
        let cleanup = self
            .clean_up(c, &victim, &before, changed.as_ref(), gone)
            .await?;
        if effects.is_empty() {
            return Ok(None);
        }
        if account && via == c.read.path {
            effects.push(Effect {
                fact: "password changes were not tried (the owner's login would break); the same operation takes them".into(),
                exchange: Arc::clone(&effects[0].exchange),
                verb: "",
            });
        }
        let verbs: Vec<&str> = effects
            .iter()
            .map(|e| e.verb)
            .filter(|v| !v.is_empty())
            .collect();
        let first = &effects[0];
        let what = if account { "account" } else { "object" };
        let title = format!(
            "{} {} {}'s {what} {} through {}",
            self.attacker,
            verbs.join(" and "),
            self.owner,
            victim.id,
            via
        );
        let mut f = self
            .ctx
            .finding(&first.exchange, title, None)
            .with_confidence(Confidence::Confirmed)
            .with_key(&c.read.path);
        for e in &effects {
            f = f.with_fact(e.fact.clone());
        }
        let origin = if victim.created {
            format!(
                "object {} was created by {} for this test",
                victim.id, self.owner
            )
        } else if account {
            format!(
                "{} is {}'s account id (from its own profile)",
                victim.id, self.owner
            )
        } else {
            format!("object {} is in {}'s own list", victim.id, self.owner)
        };
        Ok(Some(f.with_fact(origin).with_fact(cleanup)))
    }

    /// The documented e-mail action sent by the attacker on the owner's account, proven
    /// when the owner reads its new address back.
    async fn email_action<'o>(
        &self,
        c: &Collection<'o>,
        victim: &Victim,
        read: &Url,
        before: &Map<String, Value>,
    ) -> Result<Option<(Effect, &'o Operation, String)>, CheckError> {
        for &op in &c.email_actions {
            let field = api_support::writable_body_properties(self.model(), op)
                .into_iter()
                .map(|(n, _)| n)
                .filter(|n| credential_fields::field_kind(n).is_none())
                .find(|n| {
                    n.to_ascii_lowercase().contains("email")
                        && before.get(n).is_some_and(Value::is_string)
                });
            let (Some(field), Some(url)) = (field, self.url(op, &c.param, &victim.id)) else {
                continue;
            };
            let marker = marker_for(&field, &ws::tag());
            let body = ws::update_body(
                self.model(),
                op,
                before,
                &field,
                Value::String(marker.clone()),
            );
            let ex = send_json(
                self.ctx,
                ws::http_method(op.method),
                &url,
                Some(self.attacker),
                Some(&body),
            )
            .await?;
            let (_, after) = read_object(self.ctx, read, Some(self.owner)).await?;
            let now = after.as_ref().and_then(|a| a.get(&field));
            if now.is_some_and(|v| v.as_str() == Some(marker.as_str())) {
                let effect = Effect {
                    fact: format!(
                        "{} {} as {}: `{field}` {} → {} when {} reads its account back",
                        op.method,
                        url.path(),
                        self.attacker,
                        show(before.get(&field)),
                        show(now),
                        self.owner
                    ),
                    exchange: ex,
                    verb: "changes",
                };
                return Ok(Some((effect, op, field)));
            }
        }
        Ok(None)
    }

    /// Writes the changed value back as the owner, and deletes objects made for the
    /// test. Says what was done.
    async fn clean_up(
        &self,
        c: &Collection<'_>,
        victim: &Victim,
        before: &Map<String, Value>,
        changed: Option<&(Arc<Exchange>, &Operation, String)>,
        gone: bool,
    ) -> Result<String, CheckError> {
        if victim.created {
            if gone {
                return Ok("the test object is already deleted".into());
            }
            if let Some(url) = c.delete.and_then(|d| self.url(d, &c.param, &victim.id)) {
                let ex =
                    send_json(self.ctx, HttpMethod::Delete, &url, Some(self.owner), None).await?;
                if ex.response.is_success() {
                    return Ok(format!("{} deleted the test object afterwards", self.owner));
                }
            }
            return Ok(format!(
                "the test object {} could not be deleted: remove it by hand",
                victim.id
            ));
        }
        let Some((_, op, field)) = changed else {
            return Ok("nothing to restore".into());
        };
        let (Some(old), Some(url)) = (before.get(field), self.url(op, &c.param, &victim.id)) else {
            return Ok(format!("`{field}` had no previous value to restore"));
        };
        let body = ws::update_body(self.model(), op, before, field, old.clone());
        let ex = send_json(
            self.ctx,
            ws::http_method(op.method),
            &url,
            Some(self.owner),
            Some(&body),
        )
        .await?;
        Ok(if ex.response.is_success() {
            format!(
                "{} wrote the previous `{field}` back afterwards",
                self.owner
            )
        } else {
            format!(
                "restoring `{field}` failed (HTTP {}): restore it by hand",
                ex.response.status
            )
        })
    }
}

/// The field to change: a writable, non-credential string property the object has,
/// ordinary text first (for accounts the e-mail address first).
fn marker_field(
    model: &ApiModel,
    op: &Operation,
    before: &Map<String, Value>,
    account: bool,
) -> Option<String> {
    let fields: Vec<String> = api_support::writable_body_properties(model, op)
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| credential_fields::field_kind(n).is_none())
        .filter(|n| before.get(n).is_some_and(Value::is_string))
        .collect();
    let is_email = |n: &str| n.to_ascii_lowercase().contains("email");
    // Ordinary text, in the order of TEXT_FIELDS (a title before a body).
    let text = || {
        TEXT_FIELDS.iter().find_map(|t| {
            fields
                .iter()
                .find(|n| n.to_ascii_lowercase().replace('-', "_") == *t)
                .cloned()
        })
    };
    let pick = |f: &dyn Fn(&str) -> bool| fields.iter().find(|n| f(n)).cloned();
    if account {
        pick(&is_email)
            .or_else(text)
            .or_else(|| fields.first().cloned())
    } else {
        text()
            .or_else(|| pick(&|n| !is_email(n)))
            .or_else(|| fields.first().cloned())
    }
}

/// A unique value for the field (an e-mail address for e-mail fields).
fn marker_for(field: &str, tag: &str) -> String {
    if field.to_ascii_lowercase().contains("email") {
        format!("tollgate-{tag}@example.com")
    } else {
        format!("tollgate-{tag}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{serve, Fixture, RawRequest, RawResponse};
    use std::sync::Mutex;
    use tollgate_core::Secret;

    const SPEC: &str = r##"{"openapi":"3.0.3","security":[{"b":[]}],
      "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}},
        "schemas":{"In":{"type":"object","properties":{"title":{"type":"string"},"body":{"type":"string"}}}}},
      "paths":{"/notes":{"get":{},"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/In"},"example":{"title":"t","body":"b"}}}}}},
               "/notes/{id}":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],
                 "get":{},"delete":{},
                 "patch":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/In"}}}}}}}}"##;

    type Notes = Arc<Mutex<Vec<Option<(String, Map<String, Value>)>>>>;

    /// Notes with owners; reads always check the owner, writes only when `checked`.
    fn server(checked: bool) -> impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static {
        let notes: Notes = Arc::default();
        move |req| {
            let json = |s: u16, v: Value| {
                RawResponse::new(s, v.to_string()).header("content-type", "application/json")
            };
            let Some(who) = req.header("authorization").map(str::to_string) else {
                return json(401, serde_json::json!({}));
            };
            let body: Map<String, Value> = serde_json::from_slice(&req.body).unwrap_or_default();
            let mut notes = notes.lock().expect("lock");
            if req.path == "/notes" {
                return match req.method.as_str() {
                    "POST" => {
                        let mut n = body;
                        n.insert("id".into(), Value::from(notes.len() + 1));
                        notes.push(Some((who, n.clone())));
                        json(201, Value::Object(n))
                    }
                    _ => json(200, serde_json::json!([])),
                };
            }
            let id: usize = req.path[7..].parse().unwrap_or(0);
            let Some(slot) = notes.get_mut(id.wrapping_sub(1)) else {
                return json(404, serde_json::json!({}));
            };
            let Some((owner, note)) = slot.as_mut() else {
                return json(404, serde_json::json!({}));
            };
            let own = *owner == who;
            match req.method.as_str() {
                "GET" if own => json(200, Value::Object(note.clone())),
                "PATCH" if own || !checked => {
                    note.extend(body);
                    json(200, Value::Object(note.clone()))
                }
                "DELETE" if own || !checked => {
                    *slot = None;
                    RawResponse::new(204, "")
                }
                _ => json(404, serde_json::json!({})),
            }
        }
    }

    fn fixture(addr: std::net::SocketAddr) -> Fixture {
        fixture_with(addr, SPEC)
    }

    /// alice and bob (same role), intrusive checks allowed, the given document.
    fn fixture_with(addr: std::net::SocketAddr, spec: &str) -> Fixture {
        Fixture::new(&format!("http://{addr}/"))
            .spec(spec)
            .intrusive()
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ))
            .identity(Identity::bearer("bob", Secret::new("tok-bob-0123456789")))
    }

    #[tokio::test]
    async fn proves_change_and_delete_by_the_owner_read_back() {
        let addr = serve(server(false)).await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        let f = CrossUserWrite.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].title,
            "alice changes and deletes bob's object 1 through /notes/{id}"
        );
        assert!(
            f[0].evidence
                .facts
                .iter()
                .any(|x| x.contains("PATCH /notes/1 as alice: `title` \"t_tg")
                    && x.contains("→ \"tollgate-tg")),
            "{:?}",
            f[0].evidence.facts
        );
        assert!(f[0]
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("bob then gets HTTP 404")));
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_writes_check_the_owner() {
        let addr = serve(server(true)).await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        assert!(CrossUserWrite.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn silent_when_a_2xx_changes_nothing() {
        // Every write answers 200, nothing is stored: status codes are not proof.
        let addr = serve(|req: &RawRequest| {
            let json = |s: u16, b: &str| {
                RawResponse::new(s, b.to_string()).header("content-type", "application/json")
            };
            match req.method.as_str() {
                "POST" => json(201, r#"{"id":1,"title":"t","body":"b"}"#),
                "DELETE" => json(200, "{}"),
                _ => json(200, r#"{"id":1,"title":"t","body":"b"}"#),
            }
        })
        .await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        assert!(CrossUserWrite.run(&ctx).await.expect("run").is_empty());
    }

    /// Accounts: `/me`, `GET /users/{id}` (the owner only) and a documented
    /// `POST /users/{id}/email` action, which checks the caller only when `checked`.
    const ACCOUNT_SPEC: &str = r##"{"openapi":"3.0.3","security":[{"b":[]}],
      "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "paths":{"/me":{"get":{}},
        "/users/{id}":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],"get":{}},
        "/users/{id}/email":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],
          "post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"email":{"type":"string","format":"email"}}}}}}}}}}"##;

    fn accounts(checked: bool) -> impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static {
        let emails = Mutex::new(vec![
            "alice@example.com".to_string(),
            "bob@example.com".to_string(),
        ]);
        move |req| {
            let json = |s: u16, v: Value| {
                RawResponse::new(s, v.to_string()).header("content-type", "application/json")
            };
            let caller: usize = match req.header("authorization") {
                Some(a) if a.contains("alice") => 1,
                Some(a) if a.contains("bob") => 2,
                _ => return json(401, serde_json::json!({})),
            };
            let mut emails = emails.lock().expect("lock");
            let user = |id: usize, emails: &[String]| serde_json::json!({"id": id, "email": emails[id - 1]});
            if req.path == "/me" {
                return json(200, user(caller, &emails));
            }
            let rest = req.path.trim_start_matches("/users/");
            let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
            let id: usize = id.parse().unwrap_or(0);
            if !(1..=2).contains(&id) {
                return json(404, serde_json::json!({}));
            }
            match (req.method.as_str(), action) {
                ("GET", "") if id == caller => json(200, user(id, &emails)),
                ("POST", "email") if id == caller || !checked => {
                    let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
                    if let Some(e) = body.get("email").and_then(Value::as_str) {
                        emails[id - 1] = e.to_string();
                    }
                    json(200, serde_json::json!({"ok": true}))
                }
                _ => json(404, serde_json::json!({})),
            }
        }
    }

    #[tokio::test]
    async fn proves_an_email_action_on_another_account_and_restores_it() {
        let addr = serve(accounts(false)).await;
        let (_e, ctx) = fixture_with(addr, ACCOUNT_SPEC).ctx(&META);
        let f = CrossUserWrite.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].title,
            "alice changes bob's account 2 through /users/{id}/email"
        );
        let facts = f[0].evidence.facts.join("\n");
        assert!(
            facts.contains(
                "POST /users/2/email as alice: `email` \"bob@example.com\" → \"tollgate-tg"
            ),
            "{facts}"
        );
        assert!(
            facts.contains("bob wrote the previous `email` back"),
            "{facts}"
        );
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_the_email_action_checks_the_caller() {
        let addr = serve(accounts(true)).await;
        let (_e, ctx) = fixture_with(addr, ACCOUNT_SPEC).ctx(&META);
        assert!(CrossUserWrite.run(&ctx).await.expect("run").is_empty());
    }

    #[test]
    fn public_objects_are_not_owned() {
        let public = SPEC.replace(r#""get":{},"delete""#, r#""get":{"security":[]},"delete""#);
        let m = tollgate_spec::parse(public.as_bytes(), tollgate_spec::no_files).expect("spec");
        assert!(collections(&m).is_empty());
        let m = tollgate_spec::parse(SPEC.as_bytes(), tollgate_spec::no_files).expect("spec");
        assert_eq!(collections(&m).len(), 1);
    }

    #[tokio::test]
    async fn skipped_with_one_identity() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ))
            .ctx(&META);
        assert!(matches!(
            CrossUserWrite.run(&ctx).await,
            Err(CheckError::Skipped(_))
        ));
    }
}
