//! BFLA-002: administrative write operations (create, replace, change, delete) that
//! succeed for an ordinary user, proven by reading the object back.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::admin_operations::{classify, Evidence};
use crate::checks::kit::api_support;
use crate::checks::kit::credential_fields;
use crate::checks::kit::write_support::{self as ws, read_object, send_json, show};
use crate::engine::safety::{words, ActionClass};
use crate::engine::Exchange;
use crate::recon::spec::{object_id, parent_template, ApiSpec};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::{ApiModel, Method, Operation};
use url::Url;

pub struct AdminWrites;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("BFLA-002"),
    name: "Administrative write operations allowed for ordinary users",
    category: Category::Bfla,
    severity: Severity::High,
    cwe: 285,
    owasp: Owasp::Api5,
    safety: SafetyClass::Intrusive,
    methods: &[
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ],
    budget: 40,
    docs: CheckDocs {
        what: "Intrusive (runs with `--allow intrusive`); needs an OpenAPI document and a low-privilege identity. Takes the document's `POST`, `PUT`, `PATCH` and `DELETE` operations that it marks administrative (an `admin` tag, an admin scope, \"administrators\"/\"staff only\" in the summary, or an administrative path segment) and that have a `GET` read-back at the item path (`/products/{id}`). With the low identity it creates an object through the collection's `POST`, changes one ordinary field of an object to a unique marker with `PATCH` (else `PUT` with the object's own values), and deletes an object, each proven by reading the object back (as the admin identity when there is one, else as the caller or anonymously) — never from the status code alone. Objects to change and delete are created for the test by the admin identity when there is one; without it existing objects are only changed (and restored), never deleted. Operations whose names are destructive on a whole collection (`reset`, `flush`, `drop all`) are not sent. Created objects are deleted and changed values written back.",
        why: "Function-level authorization is often enforced in the menu, not the API: the admin screens are hidden from ordinary users, but their endpoints accept any valid token, so every customer can change prices, delete products or create catalogue entries.",
        evidence: "`PUT /api/products/25` (tag `admin`, \"Replace a product (administrators)\") as alice → 200, and `GET /api/products/25` shows the marker name; `DELETE /api/products/25` as alice → 204, then 404.",
        remediation: "Check the caller's role or permission on the server for every privileged operation (a policy per route or controller, deny by default), not only in the user interface; test each admin operation with an ordinary user's token in CI.",
        remediation_django: Some("Put `permission_classes = [IsAdminUser]` (or a `DjangoModelPermissions`/custom permission) on the admin viewsets and on every write action (`get_permissions()` per action), and keep `DEFAULT_PERMISSION_CLASSES` deny-by-default."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",
            "https://cwe.mitre.org/data/definitions/285.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Authorization_Cheat_Sheet.html",
        ],
    },
};

/// Collections tried at most.
const MAX_COLLECTIONS: usize = 4;
/// Requests one collection may need.
const PER_COLLECTION: u32 = 12;

/// A collection with administrative writes and an item read-back.
struct Collection<'a> {
    parent: String,
    param: String,
    read: &'a Operation,
    create: Option<&'a Operation>,
    update: Option<&'a Operation>,
    delete: Option<&'a Operation>,
    evidence: Evidence,
}

/// Whether an operation is administrative and safe to try: not one whose name says it
/// destroys a whole collection.
fn admin_write(op: &Operation) -> Option<Evidence> {
    let evidence = classify(op)?;
    let destructive = words()
        .in_operation(op)
        .is_some_and(|h| h.class == ActionClass::Destructive);
    (!destructive || op.is_templated()).then_some(evidence)
}

fn collections(model: &ApiModel) -> Vec<Collection<'_>> {
    let mut out = Vec::new();
    for read in model.operations.iter().filter(|o| o.method == Method::Get) {
        let Some((parent, param)) = parent_template(&read.path) else {
            continue;
        };
        let pick = |m, path: &str| ws::op_at(model, m, path).filter(|o| admin_write(o).is_some());
        let create = pick(Method::Post, &parent).filter(|o| ws::json_body_schema(o).is_some());
        let update = pick(Method::Patch, &read.path).or_else(|| pick(Method::Put, &read.path));
        let delete = pick(Method::Delete, &read.path);
        let evidence = [create, update, delete]
            .into_iter()
            .flatten()
            .filter_map(admin_write)
            .max();
        let Some(evidence) = evidence else { continue };
        out.push(Collection {
            parent,
            param,
            read,
            create,
            update,
            delete,
            evidence,
        });
    }
    out.truncate(MAX_COLLECTIONS);
    out
}

#[async_trait]
impl Check for AdminWrites {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx).ok_or_else(|| {
            CheckError::Skipped("no OpenAPI document: pass --spec PATH|URL".into())
        })?;
        let low = api_support::low_identity(ctx).ok_or_else(|| {
            CheckError::Skipped("needs a low-privilege identity (pass --token-file)".into())
        })?;
        let t = Tester {
            ctx,
            spec,
            low: &low,
            admin: api_support::admin_identity(ctx),
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
    low: &'a str,
    admin: Option<String>,
}

struct Effect {
    exchange: Arc<Exchange>,
    fact: String,
    verb: &'static str,
}

impl Tester<'_> {
    fn model(&self) -> &ApiModel {
        &self.spec.model
    }

    fn item_url(&self, op: &Operation, c: &Collection<'_>, id: &str) -> Option<Url> {
        ws::url_with(self.ctx, self.spec, op, &c.param, id)
    }

    /// Reads an object back: as the admin identity, else as the low one.
    async fn read_back(
        &self,
        c: &Collection<'_>,
        id: &str,
    ) -> Result<Option<(Arc<Exchange>, Option<Map<String, Value>>)>, CheckError> {
        let Some(url) = self.item_url(c.read, c, id) else {
            return Ok(None);
        };
        let who = self.admin.as_deref().unwrap_or(self.low);
        Ok(Some(read_object(self.ctx, &url, Some(who)).await?))
    }

    /// Creates an object through the collection's POST as `who`: its id.
    async fn create(
        &self,
        c: &Collection<'_>,
        who: &str,
    ) -> Result<Option<(Arc<Exchange>, String)>, CheckError> {
        let model = self.model();
        let Some(post) = ws::op_at(model, Method::Post, &c.parent) else {
            return Ok(None);
        };
        let (Some(mut body), Some(url)) = (
            ws::example_body(model, post),
            ws::plain_url(self.ctx, self.spec, post),
        ) else {
            return Ok(None);
        };
        ws::uniquify(&mut body, &ws::tag());
        let ex = send_json(self.ctx, HttpMethod::Post, &url, Some(who), Some(&body)).await?;
        let id = match api_support::json_body(&ex) {
            Some(Value::Object(o)) => object_id(&o, &c.param),
            _ => None,
        };
        Ok(id.map(|id| (ex, id)))
    }

    async fn delete_as(
        &self,
        c: &Collection<'_>,
        id: &str,
        who: &str,
    ) -> Result<Option<Arc<Exchange>>, CheckError> {
        let Some(url) = ws::op_at(self.model(), Method::Delete, &c.read.path)
            .and_then(|d| self.item_url(d, c, id))
        else {
            return Ok(None);
        };
        Ok(Some(
            send_json(self.ctx, HttpMethod::Delete, &url, Some(who), None).await?,
        ))
    }

    async fn collection(&self, c: &Collection<'_>) -> Result<Option<Finding>, CheckError> {
        let mut effects: Vec<Effect> = Vec::new();
        let mut leftovers: Vec<String> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        // 1. The low identity creates.
        if c.create.is_some() {
            if let Some((ex, id)) = self.create(c, self.low).await? {
                if let Some((_, Some(_))) = self.read_back(c, &id).await? {
                    effects.push(Effect {
                        fact: format!(
                            "POST {} as {}: object {id} created, and it reads back",
                            ex.request.url.path(),
                            self.low
                        ),
                        exchange: ex,
                        verb: "creates",
                    });
                }
                leftovers.push(id);
            }
        }
        // 2. An object to change and delete: made by the admin for the test, else an
        // existing one (changed and restored, never deleted).
        let (target, created) = match &self.admin {
            Some(admin) if c.update.is_some() || c.delete.is_some() => {
                match self.create(c, admin).await? {
                    Some((_, id)) => (Some(id), true),
                    None => (None, false),
                }
            }
            _ => (None, false),
        };
        let target = match target {
            Some(t) => Some(t),
            None if c.update.is_some() => self.existing(c).await?,
            None => None,
        };
        if let Some(id) = &target {
            if created {
                leftovers.push(id.clone());
            }
            if let Some(op) = c.update {
                if let Some(e) = self.update(c, op, id, created, &mut notes).await? {
                    effects.push(e);
                }
            }
            if let (true, Some(_)) = (created, c.delete) {
                if let Some(ex) = self.delete_as(c, id, self.low).await? {
                    if let Some((back, obj)) = self.read_back(c, id).await? {
                        if obj.is_none() && api_support::is_missing(self.ctx, &back) {
                            effects.push(Effect {
                                fact: format!(
                                    "DELETE {} as {}: the object then answers HTTP {}",
                                    ex.request.url.path(),
                                    self.low,
                                    back.response.status
                                ),
                                exchange: ex,
                                verb: "deletes",
                            });
                            leftovers.retain(|l| l != id);
                        }
                    }
                }
            }
        }
        // Clean up what the test created.
        for id in &leftovers {
            let who = self.admin.as_deref().unwrap_or(self.low);
            let gone = match self.delete_as(c, id, who).await? {
                Some(ex) => ex.response.is_success(),
                None => false,
            };
            notes.push(if gone {
                format!("object {id}, created for the test, was deleted afterwards")
            } else {
                format!(
                    "object {id}, created for the test, could not be deleted: remove it by hand"
                )
            });
        }
        if effects.is_empty() {
            return Ok(None);
        }
        let verbs: Vec<&str> = effects.iter().map(|e| e.verb).collect();
        let title = format!(
            "{} (not an administrator) {} objects through the administrative operations of {}",
            self.low,
            verbs.join(", "),
            c.read.path
        );
        let confidence = match (c.evidence, &self.admin) {
            (Evidence::Documented, _) | (_, Some(_)) => Confidence::Confirmed,
            _ => Confidence::Firm,
        };
        let mut f = self
            .ctx
            .finding(&effects[0].exchange, title, None)
            .with_confidence(confidence)
            .with_key(&c.read.path)
            .with_fact(match c.evidence {
                Evidence::Documented => {
                    "the document reserves these operations for administrators (tag, scope or summary)"
                }
                Evidence::Path => "the operations' path is administrative",
            });
        for e in &effects {
            f = f.with_fact(e.fact.clone());
        }
        for n in notes {
            f = f.with_fact(n);
        }
        Ok(Some(f))
    }

    /// An existing object of the collection (listed anonymously or to the low identity).
    async fn existing(&self, c: &Collection<'_>) -> Result<Option<String>, CheckError> {
        let Some(url) = ws::op_at(self.model(), Method::Get, &c.parent)
            .and_then(|o| ws::plain_url(self.ctx, self.spec, o))
        else {
            return Ok(None);
        };
        let ex = send_json(self.ctx, HttpMethod::Get, &url, Some(self.low), None).await?;
        if !ex.response.is_success() {
            return Ok(None);
        }
        Ok(crate::recon::spec::ids_in(&ex.response.body, &c.param)
            .into_iter()
            .next())
    }

    /// The low identity changes one field; the read-back must show the marker.
    async fn update(
        &self,
        c: &Collection<'_>,
        op: &Operation,
        id: &str,
        created: bool,
        notes: &mut Vec<String>,
    ) -> Result<Option<Effect>, CheckError> {
        let Some((_, Some(before))) = self.read_back(c, id).await? else {
            return Ok(None);
        };
        let Some(field) = text_field(self.model(), op, &before) else {
            return Ok(None);
        };
        let Some(url) = self.item_url(op, c, id) else {
            return Ok(None);
        };
        let marker = format!("tollgate-{}", ws::tag());
        let body = ws::update_body(
            self.model(),
            op,
            &before,
            &field,
            Value::String(marker.clone()),
        );
        let method = ws::http_method(op.method);
        let ex = send_json(self.ctx, method, &url, Some(self.low), Some(&body)).await?;
        let Some((_, Some(after))) = self.read_back(c, id).await? else {
            return Ok(None);
        };
        if after.get(&field).and_then(Value::as_str) != Some(marker.as_str()) {
            return Ok(None);
        }
        if !created {
            if let Some(old) = before.get(&field) {
                let who = self.admin.as_deref().unwrap_or(self.low);
                let back = ws::update_body(self.model(), op, &before, &field, old.clone());
                let r = send_json(self.ctx, method, &url, Some(who), Some(&back)).await?;
                notes.push(if r.response.is_success() {
                    format!("the previous `{field}` of object {id} was written back afterwards")
                } else {
                    format!("restoring `{field}` of object {id} failed: restore it by hand")
                });
            }
        }
        Ok(Some(Effect {
            fact: format!(
                "{} {} as {}: `{field}` {} → {} on read-back",
                op.method,
                url.path(),
                self.low,
                show(before.get(&field)),
                show(after.get(&field))
            ),
            exchange: ex,
            verb: "changes",
        }))
    }
}

/// A writable, non-credential string field the object has (names first).
fn text_field(model: &ApiModel, op: &Operation, before: &Map<String, Value>) -> Option<String> {
    let fields: Vec<String> = api_support::writable_body_properties(model, op)
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| credential_fields::field_kind(n).is_none())
        .filter(|n| before.get(n).is_some_and(Value::is_string))
        .filter(|n| !n.to_ascii_lowercase().contains("email"))
        .collect();
    ["name", "title", "description", "label"]
        .iter()
        .find_map(|w| fields.iter().find(|n| n.eq_ignore_ascii_case(w)).cloned())
        .or_else(|| fields.first().cloned())
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
        "schemas":{"In":{"type":"object","required":["name","price"],"properties":{"name":{"type":"string"},"price":{"type":"integer"}}}}},
      "paths":{"/products":{"get":{"security":[]},
                 "post":{"tags":["admin"],"summary":"Add a product (administrators)","requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/In"},"example":{"name":"Kettle","price":5}}}}}},
               "/products/{id}":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],
                 "get":{"security":[]},
                 "put":{"tags":["admin"],"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/In"}}}}},
                 "delete":{"tags":["admin"]}}}}"##;

    type Items = Arc<Mutex<Vec<Option<Map<String, Value>>>>>;

    /// Products; writes need the admin token when `enforced`.
    fn server(enforced: bool) -> impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static {
        let items: Items = Arc::default();
        move |req| {
            let json = |s: u16, v: Value| {
                RawResponse::new(s, v.to_string()).header("content-type", "application/json")
            };
            let who = req.header("authorization").unwrap_or("");
            let admin = who.contains("admin");
            if req.method != "GET" && (who.is_empty() || (enforced && !admin)) {
                return json(403, serde_json::json!({"error": "forbidden"}));
            }
            let body: Map<String, Value> = serde_json::from_slice(&req.body).unwrap_or_default();
            let mut items = items.lock().expect("lock");
            if req.path == "/products" {
                if req.method == "POST" {
                    let mut p = body;
                    p.insert("id".into(), Value::from(items.len() + 1));
                    items.push(Some(p.clone()));
                    return json(201, Value::Object(p));
                }
                let all: Vec<Value> = items.iter().flatten().cloned().map(Value::Object).collect();
                return json(200, Value::Array(all));
            }
            let id: usize = req.path[10..].parse().unwrap_or(0);
            let Some(slot) = items.get_mut(id.wrapping_sub(1)) else {
                return json(404, serde_json::json!({}));
            };
            let Some(p) = slot.as_mut() else {
                return json(404, serde_json::json!({}));
            };
            match req.method.as_str() {
                "GET" => json(200, Value::Object(p.clone())),
                "PUT" => {
                    p.extend(body);
                    json(200, Value::Object(p.clone()))
                }
                "DELETE" => {
                    *slot = None;
                    RawResponse::new(204, "")
                }
                _ => json(405, serde_json::json!({})),
            }
        }
    }

    fn fixture(addr: std::net::SocketAddr) -> Fixture {
        Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .intrusive()
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ))
            .identity(Identity::bearer(
                "admin",
                Secret::new("tok-admin-0123456789"),
            ))
    }

    #[tokio::test]
    async fn proves_admin_writes_by_read_back() {
        let addr = serve(server(false)).await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        let f = AdminWrites.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].title,
            "alice (not an administrator) creates, changes, deletes objects through the administrative operations of /products/{id}"
        );
        assert_eq!(f[0].confidence, Confidence::Confirmed);
        assert!(
            f[0].evidence
                .facts
                .iter()
                .any(|x| x.contains("`name` \"Kettle_tg") && x.contains("→ \"tollgate-tg")),
            "{:?}",
            f[0].evidence.facts
        );
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_writes_need_an_administrator() {
        let addr = serve(server(true)).await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        assert!(AdminWrites.run(&ctx).await.expect("run").is_empty());
        // What the admin created for the test is gone again.
        let (_e, ctx) = fixture(addr).ctx(&META);
        let list = ctx
            .send(crate::engine::ProbeRequest::get(ctx.url("/products")))
            .await
            .expect("list");
        assert_eq!(list.response.text(), "[]");
    }

    #[test]
    fn destructive_collection_operations_are_not_sent() {
        let doc = r#"{"openapi":"3.0.3","paths":{"/admin/reset-database":{"post":{"tags":["admin"]}},
          "/admin/things/{id}":{"delete":{"tags":["admin"],"summary":"Delete a thing"}}}}"#;
        let m = tollgate_spec::parse(doc.as_bytes(), tollgate_spec::no_files).expect("spec");
        assert!(admin_write(&m.operations[0]).is_none());
        assert!(admin_write(&m.operations[1]).is_some());
    }
}
