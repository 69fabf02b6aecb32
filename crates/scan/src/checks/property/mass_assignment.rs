//! PROP-004: privileged properties the request schema does not allow are stored
//! (mass assignment), proven by reading the object back.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body};
use crate::checks::kit::credential_fields;
use crate::checks::kit::write_support::{self as ws, read_object, send_json, show, stored_as};
use crate::engine::Exchange;
use crate::recon::spec::{ids_in, object_id, parent_template, ApiSpec};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::OnceLock;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::{ApiModel, Method, Operation};
use url::Url;

pub struct MassAssignment;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PROP-004"),
    name: "Privileged properties stored through mass assignment",
    category: Category::PropertyAuthorization,
    severity: Severity::High,
    cwe: 915,
    owasp: Owasp::Api3,
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
        what: "Intrusive (runs with `--allow intrusive`). For the OpenAPI document's create and update operations that have a read-back (`PATCH /me` with `GET /me`, `PUT /users/{id}` with `GET /users/{id}`, `POST /users` with `GET /users/{id}`, self-registration included), adds privileged properties the request schema does not allow or marks `readOnly`: `role`, `is_admin`, `is_staff`, `is_superuser`, `permissions`, `groups`, verified flags, owner ids, balance or price, from a data file (`privileged_properties.toml`), under the names the API itself shows. Updates go to the identity's own object (its `/me`, its own list, its account id) and add only privileged properties that object shows, so that their previous values can be written back; creates also try the common names in the API's style (camelCase when the API uses it) and use the document's example with unique usernames and e-mails. The object is then read back (a new one as its creator, else as the admin identity), and a finding is made only when a sent value was stored: on an update it must differ from the value before (confirmed); on a create it must not be the document's default for the property (firm, as there is no before). Updated values are restored and created objects deleted where the API documents a DELETE. At most 40 requests.",
        why: "Frameworks that bind request bodies straight onto models (`Object.assign`, `fields = \"__all__\"`, `@ModelAttribute`, `update(params)`) let any user make themselves an administrator, verify their own e-mail, credit their balance or take over other users' objects by adding one property to an ordinary request.",
        evidence: "`PATCH /api/me` as alice with `{\"role\": \"admin\", \"isAdmin\": true}` (neither in `UserUpdate`; `role` and `isAdmin` are `readOnly` in `User`) → 200; `GET /api/me` as alice: `role` \"user\" → \"admin\", `isAdmin` false → true.",
        remediation: "Bind request bodies through an explicit allow-list of client-writable fields per operation, refuse unknown properties (400), and set privileges, ownership and balances only in server code paths that authorize them.",
        remediation_django: Some("List `fields` explicitly in every DRF `ModelSerializer` (never `\"__all__\"` or `exclude`) and put `is_staff`, `is_superuser`, `role`, owner and balance fields in `read_only_fields`; set the owner in `perform_create` with `serializer.save(owner=self.request.user)`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
            "https://cwe.mitre.org/data/definitions/915.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html",
        ],
    },
};

const TABLE_TOML: &str = include_str!("privileged_properties.toml");

/// Operations tried at most.
const MAX_TARGETS: usize = 6;
/// Properties added to one request at most.
const MAX_EXTRAS: usize = 8;
/// Requests one operation may need (read before, write, read after, restore, and the
/// id it needs).
const PER_TARGET: u32 = 6;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// Read by the table's test.
    #[cfg_attr(not(test), allow(dead_code))]
    negative_examples: Vec<String>,
    property: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    names: Vec<String>,
    value: Value,
    guess: bool,
    /// Read by the table's test.
    #[cfg_attr(not(test), allow(dead_code))]
    examples: Vec<String>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| match toml::from_str(TABLE_TOML) {
        Ok(t) => t,
        // Checked by a test; an empty table only disables the check.
        Err(_) => Table {
            negative_examples: Vec::new(),
            property: Vec::new(),
        },
    })
}

/// A property name without case, `_` or `-`.
fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn entry_for(name: &str) -> Option<&'static Entry> {
    let n = norm(name);
    table()
        .property
        .iter()
        .find(|e| e.names.iter().any(|x| norm(x) == n))
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    for (i, w) in snake.split('_').enumerate() {
        if i == 0 {
            out.push_str(w);
        } else {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(c);
            }
        }
    }
    out
}

/// How the operation's object is reached.
enum Kind {
    /// An update of an object read back at `read` (the caller's own).
    Update { read: Url, write: Url },
    /// A create whose object is read back at the item operation.
    Create { write: Url, param: String },
}

struct Target<'a> {
    op: &'a Operation,
    kind: Kind,
    /// The object holds an account (guessed names are sent only there).
    account: bool,
    /// Who writes (`None`: anonymously, like self-registration).
    who: Option<String>,
}

#[async_trait]
impl Check for MassAssignment {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx).ok_or_else(|| {
            CheckError::Skipped("no OpenAPI document: pass --spec PATH|URL".into())
        })?;
        let low = api_support::low_identity(ctx);
        let run = Run {
            ctx,
            spec,
            low: low.clone(),
            other_id: OnceLock::new(),
        };
        let mut findings = Vec::new();
        for target in run.targets().await? {
            if ctx.requests_made() + PER_TARGET > META.budget {
                break;
            }
            if let Some(f) = run.test(&target).await? {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

struct Run<'a> {
    ctx: &'a CheckCtx,
    spec: &'a ApiSpec,
    low: Option<String>,
    /// Another identity's account id, for ownership fields.
    other_id: OnceLock<Option<String>>,
}

impl Run<'_> {
    fn model(&self) -> &ApiModel {
        &self.spec.model
    }

    /// The operations to try: updates of the caller's own object first, then creates
    /// with an item read-back, then updates of the caller's listed objects.
    async fn targets(&self) -> Result<Vec<Target<'_>>, CheckError> {
        let model = self.model();
        let writes: Vec<&Operation> = model
            .operations
            .iter()
            .filter(|o| matches!(o.method, Method::Post | Method::Put | Method::Patch))
            .filter(|o| ws::json_body_schema(o).is_some())
            .collect();
        let mut out = Vec::new();
        // Updates of the caller itself (`PATCH /me`).
        if let Some(low) = &self.low {
            for op in writes.iter().filter(|o| o.method != Method::Post) {
                if op.is_templated() || ws::op_at(model, Method::Get, &op.path).is_none() {
                    continue;
                }
                let Some(url) = ws::plain_url(self.ctx, self.spec, op) else {
                    continue;
                };
                out.push(Target {
                    op,
                    kind: Kind::Update {
                        read: url.clone(),
                        write: url,
                    },
                    account: ws::self_operation(model).is_some_and(|s| s.path == op.path),
                    who: Some(low.clone()),
                });
            }
        }
        // Creates with a read-back (`POST /users` + `GET /users/{id}`).
        for op in writes.iter().filter(|o| o.method == Method::Post) {
            let Some((_, param)) = ws::item_op(model, Method::Get, &op.path) else {
                continue;
            };
            let who = if op.allows_anonymous() {
                None
            } else {
                match &self.low {
                    Some(l) => Some(l.clone()),
                    None => continue,
                }
            };
            let Some(url) = ws::plain_url(self.ctx, self.spec, op) else {
                continue;
            };
            out.push(Target {
                op,
                kind: Kind::Create { write: url, param },
                account: ws::is_account_collection(&op.path),
                who,
            });
        }
        // Updates of the caller's own listed object or account (`PATCH /users/{id}`).
        if let Some(low) = &self.low {
            for op in writes.iter().filter(|o| o.method != Method::Post) {
                let Some((parent, param)) = parent_template(&op.path) else {
                    continue;
                };
                if ws::op_at(model, Method::Get, &op.path).is_none() {
                    continue;
                }
                let account = ws::is_account_collection(&parent);
                let id = if account {
                    ws::account_id(self.ctx, self.spec, low).await?
                } else {
                    self.first_own_id(&parent, &param, low).await?
                };
                let Some(id) = id else { continue };
                let Some(url) = ws::url_with(self.ctx, self.spec, op, &param, &id) else {
                    continue;
                };
                out.push(Target {
                    op,
                    kind: Kind::Update {
                        read: url.clone(),
                        write: url,
                    },
                    account,
                    who: Some(low.clone()),
                });
            }
        }
        out.truncate(MAX_TARGETS);
        Ok(out)
    }

    async fn first_own_id(
        &self,
        collection: &str,
        param: &str,
        who: &str,
    ) -> Result<Option<String>, CheckError> {
        let Some(list) = ws::op_at(self.model(), Method::Get, collection) else {
            return Ok(None);
        };
        let Some(url) = ws::plain_url(self.ctx, self.spec, list) else {
            return Ok(None);
        };
        let ex = send_json(self.ctx, HttpMethod::Get, &url, Some(who), None).await?;
        if !ex.response.is_success() {
            return Ok(None);
        }
        Ok(ids_in(&ex.response.body, param).into_iter().next())
    }

    /// Another identity's account id (the peer, else the admin), looked up once.
    async fn other_user(&self) -> Result<Option<String>, CheckError> {
        if let Some(v) = self.other_id.get() {
            return Ok(v.clone());
        }
        let low = self.low.clone().unwrap_or_default();
        let other = api_support::peer_identity(self.ctx, &low)
            .or_else(|| api_support::admin_identity(self.ctx));
        let id = match other {
            Some(o) => ws::account_id(self.ctx, self.spec, &o).await?,
            None => None,
        };
        let _ = self.other_id.set(id.clone());
        Ok(id)
    }

    /// The privileged properties to add: those the API shows (in `before` or the
    /// read operation's response schema, or `readOnly` in the request schema) under
    /// their own names, then (for accounts) guessed names in the API's style.
    async fn extras(
        &self,
        t: &Target<'_>,
        before: Option<&Map<String, Value>>,
    ) -> Result<Vec<(String, Value)>, CheckError> {
        let model = self.model();
        let writable: HashSet<String> = api_support::writable_body_properties(model, t.op)
            .into_iter()
            .map(|(n, _)| norm(&n))
            .collect();
        let mut known: Vec<String> = before
            .map(|b| b.keys().cloned().collect())
            .unwrap_or_default();
        let read_path = match &t.kind {
            Kind::Update { .. } => t.op.path.clone(),
            Kind::Create { .. } => ws::item_op(model, Method::Get, &t.op.path)
                .map(|(o, _)| o.path.clone())
                .unwrap_or_default(),
        };
        if let Some(read) = ws::op_at(model, Method::Get, &read_path) {
            for s in read.success_schemas() {
                known.extend(model.properties(s).into_iter().map(|(n, _)| n));
            }
        }
        if let Some(s) = ws::json_body_schema(t.op) {
            known.extend(model.properties(s).into_iter().map(|(n, _)| n));
        }
        let camel_style = known
            .iter()
            .chain(writable.iter())
            .any(|n| n.chars().any(|c| c.is_ascii_uppercase()));
        let mut out: Vec<(String, Value)> = Vec::new();
        let mut used: HashSet<&'static str> = HashSet::new();
        for name in &known {
            if writable.contains(&norm(name)) || out.iter().any(|(n, _)| n == name) {
                continue;
            }
            // An existing object gets only properties it shows: their previous
            // values can be written back, and nothing is changed unseen.
            if before.is_some_and(|b| !b.contains_key(name)) {
                continue;
            }
            let Some(entry) = entry_for(name) else {
                continue;
            };
            let Some(value) = self.value_of(entry).await? else {
                continue;
            };
            if before
                .and_then(|b| b.get(name))
                .is_some_and(|v| stored_as(&value, v))
            {
                continue; // already that value: nothing to prove
            }
            used.insert(entry.names.first().map_or("", String::as_str));
            out.push((name.clone(), value));
        }
        if t.account && before.is_none() {
            for entry in table().property.iter().filter(|e| e.guess) {
                if used.contains(entry.names.first().map_or("", String::as_str))
                    || entry.names.iter().any(|n| writable.contains(&norm(n)))
                {
                    continue;
                }
                let Some(first) = entry.names.first() else {
                    continue;
                };
                let name = if camel_style {
                    camel(first)
                } else {
                    first.clone()
                };
                if let Some(value) = self.value_of(entry).await? {
                    out.push((name, value));
                }
            }
        }
        out.truncate(MAX_EXTRAS);
        Ok(out)
    }

    async fn value_of(&self, entry: &Entry) -> Result<Option<Value>, CheckError> {
        if entry.value.as_str() == Some("$other_user") {
            let Some(id) = self.other_user().await? else {
                return Ok(None);
            };
            return Ok(Some(
                id.parse::<i64>().map_or(Value::String(id), Value::from),
            ));
        }
        Ok(Some(entry.value.clone()))
    }

    async fn test(&self, t: &Target<'_>) -> Result<Option<Finding>, CheckError> {
        match &t.kind {
            Kind::Update { read, write } => self.update(t, read, write).await,
            Kind::Create { write, param } => self.create(t, write, param).await,
        }
    }

    async fn update(
        &self,
        t: &Target<'_>,
        read: &Url,
        write: &Url,
    ) -> Result<Option<Finding>, CheckError> {
        let who = t.who.as_deref();
        let (_, Some(before)) = read_object(self.ctx, read, who).await? else {
            return Ok(None);
        };
        let extras = self.extras(t, Some(&before)).await?;
        if extras.is_empty() {
            return Ok(None);
        }
        let method = ws::http_method(t.op.method);
        let body = self.update_body(t, &before, &extras);
        let ex = send_json(self.ctx, method, write, who, Some(&body)).await?;
        if !ex.response.is_success() {
            return Ok(None);
        }
        let (_, after) = read_object(self.ctx, read, who).await?;
        let Some(after) = after else { return Ok(None) };
        let stored: Vec<&(String, Value)> = extras
            .iter()
            .filter(|(n, v)| after.get(n).is_some_and(|a| stored_as(v, a)))
            .collect();
        if stored.is_empty() {
            return Ok(None);
        }
        // Put back what had a value before.
        let restore: Vec<(String, Value)> = stored
            .iter()
            .filter_map(|(n, _)| Some((n.clone(), before.get(n)?.clone())))
            .collect();
        let mut restored = false;
        if !restore.is_empty() {
            let body = self.update_body(t, &before, &restore);
            let back = send_json(self.ctx, method, write, who, Some(&body)).await?;
            restored = back.response.is_success();
        }
        let facts = stored
            .iter()
            .map(|(n, v)| {
                format!(
                    "`{n}`: before {}, sent {v}, read back {} (GET {} as {})",
                    show(before.get(n)),
                    show(after.get(n)),
                    read.path(),
                    who.unwrap_or("anonymous")
                )
            })
            .collect();
        let cleanup = if restored {
            "the previous values were written back afterwards".to_string()
        } else if restore.is_empty() {
            "the properties had no previous value; nothing could be restored".to_string()
        } else {
            "restoring the previous values failed: check the object by hand".to_string()
        };
        Ok(Some(self.finding(
            t,
            &ex,
            &stored,
            facts,
            cleanup,
            Confidence::Confirmed,
        )))
    }

    /// The update's body: the added properties, for `PUT` with the object's current
    /// documented writable values (a full replacement that changes nothing else).
    fn update_body(
        &self,
        t: &Target<'_>,
        before: &Map<String, Value>,
        extras: &[(String, Value)],
    ) -> Value {
        let mut body = Map::new();
        if t.op.method == Method::Put {
            for (name, _) in api_support::writable_body_properties(self.model(), t.op) {
                if credential_fields::field_kind(&name).is_some() {
                    continue;
                }
                if let Some(v) = before.get(&name) {
                    body.insert(name, v.clone());
                }
            }
        }
        for (n, v) in extras {
            body.insert(n.clone(), v.clone());
        }
        Value::Object(body)
    }

    async fn create(
        &self,
        t: &Target<'_>,
        write: &Url,
        param: &str,
    ) -> Result<Option<Finding>, CheckError> {
        let model = self.model();
        let Some(mut body) = ws::example_body(model, t.op) else {
            return Ok(None);
        };
        ws::uniquify(&mut body, &ws::tag());
        let extras = self.extras(t, None).await?;
        if extras.is_empty() {
            return Ok(None);
        }
        if let Value::Object(m) = &mut body {
            for (n, v) in &extras {
                m.insert(n.clone(), v.clone());
            }
        }
        let who = t.who.as_deref();
        let ex = send_json(self.ctx, HttpMethod::Post, write, who, Some(&body)).await?;
        let Some(Value::Object(created)) = json_body(&ex) else {
            return Ok(None);
        };
        let Some(id) = object_id(&created, param) else {
            return Ok(None);
        };
        let Some((item, _)) = ws::item_op(model, Method::Get, &t.op.path) else {
            return Ok(None);
        };
        let Some(read) = ws::url_with(self.ctx, self.spec, item, param, &id) else {
            return Ok(None);
        };
        // Read back as the creator, else as the admin identity.
        let admin = api_support::admin_identity(self.ctx);
        let mut reader = who.map(str::to_string);
        let (_, mut after) = read_object(self.ctx, &read, who).await?;
        if after.is_none() {
            if let Some(a) = &admin {
                reader = Some(a.clone());
                after = read_object(self.ctx, &read, Some(a)).await?.1;
            }
        }
        let stored: Vec<&(String, Value)> = match &after {
            Some(after) => extras
                .iter()
                .filter(|(n, v)| after.get(n).is_some_and(|a| stored_as(v, a)))
                .filter(|(n, v)| !documented_default(model, t.op, n, v))
                .collect(),
            None => Vec::new(),
        };
        let deleted = self
            .delete_created(t, param, &id, who, admin.as_deref())
            .await?;
        let Some(after) = after.filter(|_| !stored.is_empty()) else {
            return Ok(None);
        };
        let facts = stored
            .iter()
            .map(|(n, v)| {
                format!(
                    "`{n}`: not in the request schema (or readOnly), sent {v}; the new object {id} read back {} (GET {} as {})",
                    show(after.get(n)),
                    read.path(),
                    reader.as_deref().unwrap_or("anonymous")
                )
            })
            .collect();
        let cleanup = if deleted {
            format!("the created object {id} was deleted afterwards")
        } else {
            format!("the created object {id} could not be deleted (no documented DELETE, or it was refused): remove it by hand")
        };
        Ok(Some(self.finding(
            t,
            &ex,
            &stored,
            facts,
            cleanup,
            Confidence::Firm,
        )))
    }

    async fn delete_created(
        &self,
        t: &Target<'_>,
        param: &str,
        id: &str,
        who: Option<&str>,
        admin: Option<&str>,
    ) -> Result<bool, CheckError> {
        let Some((del, _)) = ws::item_op(self.model(), Method::Delete, &t.op.path) else {
            return Ok(false);
        };
        let Some(url) = ws::url_with(self.ctx, self.spec, del, param, id) else {
            return Ok(false);
        };
        let mut tried: Vec<Option<&str>> = vec![who];
        if admin.is_some() && admin != who {
            tried.push(admin);
        }
        for w in tried {
            if w.is_none() {
                continue;
            }
            let ex = send_json(self.ctx, HttpMethod::Delete, &url, w, None).await?;
            if ex.response.is_success() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn finding(
        &self,
        t: &Target<'_>,
        ex: &Exchange,
        stored: &[&(String, Value)],
        facts: Vec<String>,
        cleanup: String,
        confidence: Confidence,
    ) -> Finding {
        let names: Vec<&str> = stored.iter().map(|(n, _)| n.as_str()).collect();
        let sent: Map<String, Value> = stored.iter().map(|(n, v)| (n.clone(), v.clone())).collect();
        let title = format!(
            "{} {} stores {} sent by {} (not writable by the schema)",
            t.op.method,
            t.op.path,
            names.join(", "),
            t.who.as_deref().unwrap_or("an anonymous caller")
        );
        let mut f = self
            .ctx
            .finding(ex, title, None)
            .with_confidence(confidence)
            .with_key(&t.op.path)
            .with_fact(format!(
                "added to the request body: {}",
                Value::Object(sent)
            ));
        for fact in facts {
            f = f.with_fact(fact);
        }
        f.with_fact(cleanup)
    }
}

/// Whether the document gives the sent value as the property's default (then a
/// new object holding it proves nothing).
fn documented_default(model: &ApiModel, op: &Operation, name: &str, value: &Value) -> bool {
    let schemas = ws::json_body_schema(op)
        .into_iter()
        .chain(op.success_schemas());
    for s in schemas {
        for (n, prop) in model.properties(s) {
            if n == name {
                let p = model.schema(prop);
                if p.default.as_ref().is_some_and(|d| stored_as(value, d)) {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{serve, Fixture, RawRequest, RawResponse};
    use std::sync::{Arc, Mutex};
    use tollgate_core::Secret;

    #[test]
    fn table_examples() {
        let t = table();
        assert!(!t.property.is_empty(), "the table parses");
        for e in &t.property {
            for ex in &e.examples {
                assert!(
                    entry_for(ex).is_some_and(|f| std::ptr::eq(f, e)),
                    "{ex} must match {:?}",
                    e.names
                );
            }
        }
        for n in &t.negative_examples {
            assert!(entry_for(n).is_none(), "{n} must match nothing");
        }
        assert_eq!(camel("is_admin"), "isAdmin");
    }

    const SPEC: &str = r##"{"openapi":"3.0.3","security":[{"b":[]}],
      "components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}},
        "schemas":{"User":{"type":"object","properties":{"id":{"type":"integer","readOnly":true},"name":{"type":"string"},"role":{"type":"string","readOnly":true}}},
                   "Upd":{"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":false}}},
      "paths":{"/me":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/User"}}}}}},
                      "patch":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Upd"}}}}}},
               "/users":{"post":{"security":[],"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"name":{"type":"string"},"password":{"type":"string"}}},"example":{"name":"carol","password":"pw-123456"}}}}}},
               "/users/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}]}}}}"##;

    /// A server with one account per token; `strict` refuses unknown properties.
    fn server(strict: bool) -> impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static {
        let users: Arc<Mutex<Vec<Map<String, Value>>>> =
            Arc::new(Mutex::new(vec![serde_json::from_str(
                r#"{"id":1,"name":"alice","role":"user","is_admin":false}"#,
            )
            .expect("json")]));
        move |req| {
            let json = |s: u16, v: &Value| {
                RawResponse::new(s, v.to_string()).header("content-type", "application/json")
            };
            let body: Map<String, Value> = serde_json::from_slice(&req.body).unwrap_or_default();
            let allowed = ["name", "password"];
            if strict && body.keys().any(|k| !allowed.contains(&k.as_str())) {
                return json(400, &serde_json::json!({"error": "unknown property"}));
            }
            let mut users = users.lock().expect("lock");
            let authed = req.header("authorization").is_some();
            match (req.method.as_str(), req.path.as_str()) {
                ("GET", "/me") if authed => json(200, &Value::Object(users[0].clone())),
                ("PATCH", "/me") if authed => {
                    for (k, v) in body {
                        users[0].insert(k, v);
                    }
                    json(200, &Value::Object(users[0].clone()))
                }
                ("POST", "/users") => {
                    let mut u: Map<String, Value> =
                        serde_json::from_str(r#"{"role":"user","is_admin":false}"#).expect("json");
                    u.extend(body);
                    u.remove("password");
                    u.insert("id".into(), Value::from(users.len() + 1));
                    users.push(u.clone());
                    json(201, &Value::Object(u))
                }
                ("GET", p) if p.starts_with("/users/") && authed => {
                    let id: usize = p[7..].parse().unwrap_or(0);
                    match users.get(id.wrapping_sub(1)) {
                        Some(u) => json(200, &Value::Object(u.clone())),
                        None => json(404, &serde_json::json!({})),
                    }
                }
                _ => json(401, &serde_json::json!({"error": "auth"})),
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
    async fn proves_stored_privileged_properties() {
        let addr = serve(server(false)).await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        let f = MassAssignment.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:?}");
        let me = f
            .iter()
            .find(|f| f.title.starts_with("PATCH /me"))
            .expect("me");
        assert_eq!(me.confidence, Confidence::Confirmed);
        assert!(
            me.title.contains("role") && me.title.contains("is_admin"),
            "{}",
            me.title
        );
        assert!(
            me.evidence
                .facts
                .iter()
                .any(|x| x.contains("before \"user\", sent \"admin\", read back \"admin\"")),
            "{:?}",
            me.evidence.facts
        );
        assert!(me.evidence.facts.iter().any(|x| x.contains("written back")));
        let reg = f
            .iter()
            .find(|f| f.title.starts_with("POST /users"))
            .expect("register");
        assert!(reg.title.contains("an anonymous caller"), "{}", reg.title);
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn silent_when_unknown_properties_are_refused() {
        let addr = serve(server(true)).await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        assert!(MassAssignment.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn silent_when_properties_are_ignored() {
        // Accepts anything, stores nothing new: the answer echoes, the read-back does not.
        let addr = serve(|req: &RawRequest| {
            let json = |s: u16, b: &str| {
                RawResponse::new(s, b.to_string()).header("content-type", "application/json")
            };
            match (req.method.as_str(), req.path.as_str()) {
                ("PATCH", "/me") => RawResponse::new(200, req.body.clone())
                    .header("content-type", "application/json"),
                ("POST", "/users") => json(201, r#"{"id":7,"name":"x","role":"admin"}"#),
                ("GET", "/users/7") => json(200, r#"{"id":7,"name":"x","role":"user"}"#),
                _ => json(200, r#"{"id":1,"name":"alice","role":"user"}"#),
            }
        })
        .await;
        let (_e, ctx) = fixture(addr).ctx(&META);
        assert!(MassAssignment.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn refused_without_intrusive() {
        let addr = serve(server(false)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ))
            .ctx(&META);
        assert!(MassAssignment.run(&ctx).await.is_err());
    }
}
