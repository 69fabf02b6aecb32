//! The document, whichever version, into the normalised model.

use crate::error::SpecError;
use crate::model::{
    ApiModel, Content, Method, Operation, ParamLocation, Parameter, RequestBody, ResponseSpec,
    Schema, SchemaType, SecurityRequirement, SecurityScheme, SecuritySchemeKind, SecuritySource,
    Server, SpecVersion,
};
use crate::resolve::{Docs, Loc};
use crate::schema::SchemaBuilder;
use serde_json::{Map, Value};
use std::rc::Rc;

/// What every operation of the document inherits.
struct Globals {
    security: Option<Vec<SecurityRequirement>>,
    /// 2.0 `consumes` / `produces`.
    consumes: Vec<String>,
    produces: Vec<String>,
}

pub struct Builder<'l> {
    docs: Docs<'l>,
    version: SpecVersion,
    schemas: SchemaBuilder,
    warnings: Vec<String>,
}

/// Reads the version field.
pub fn version_of(root: &Value) -> Result<(SpecVersion, String), SpecError> {
    let obj = match root {
        Value::Object(o) => o,
        Value::Array(_) => return not_openapi("the top level is a list, not an object"),
        _ => return not_openapi("the top level is not an object"),
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(v) = obj.get("openapi") {
        let s = text(v);
        return match s.as_str() {
            x if x.starts_with("3.0") => Ok((SpecVersion::OpenApi30, s)),
            x if x.starts_with("3.1") || x.starts_with("3.2") => Ok((SpecVersion::OpenApi31, s)),
            _ => Err(SpecError::UnsupportedVersion {
                field: "openapi".into(),
                version: s,
            }),
        };
    }
    if let Some(v) = obj.get("swagger") {
        let s = text(v);
        return match s.as_str() {
            "2.0" | "2" => Ok((SpecVersion::Swagger2, s)),
            _ => Err(SpecError::UnsupportedVersion {
                field: "swagger".into(),
                version: s,
            }),
        };
    }
    if obj.contains_key("asyncapi") {
        return not_openapi("it is an AsyncAPI document");
    }
    not_openapi("there is no `openapi` or `swagger` field at the top level")
}

fn not_openapi<T>(reason: &str) -> Result<T, SpecError> {
    Err(SpecError::NotOpenApi {
        reason: reason.to_string(),
    })
}

impl<'l> Builder<'l> {
    pub fn new(docs: Docs<'l>, version: SpecVersion) -> Builder<'l> {
        Builder {
            docs,
            version,
            schemas: SchemaBuilder::new(),
            warnings: Vec::new(),
        }
    }

    pub fn build(mut self, version_string: String) -> Result<ApiModel, SpecError> {
        let root = self.docs.root();
        let obj = root.as_object().cloned().unwrap_or_default();
        let info = obj.get("info");
        let field = |k: &str| {
            info.and_then(|i| i.get(k))
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .unwrap_or_default()
        };
        let globals = Globals {
            security: security_list(obj.get("security"), "/security", &mut self.warnings)?,
            consumes: strings(obj.get("consumes")),
            produces: strings(obj.get("produces")),
        };
        let servers = self.servers(&obj);
        let security_schemes = self.security_schemes(&obj)?;
        let operations = self.operations(&obj, &globals)?;
        self.schemas.drain(&mut self.docs)?;
        let mut warnings = self.warnings;
        warnings.append(&mut self.schemas.warnings);
        Ok(ApiModel {
            version: self.version,
            version_string,
            title: field("title"),
            api_version: field("version"),
            servers,
            operations,
            security_schemes,
            global_security: globals.security.unwrap_or_default(),
            schemas: self.schemas.schemas,
            warnings,
        })
    }

    fn servers(&mut self, obj: &Map<String, Value>) -> Vec<Server> {
        if self.version != SpecVersion::Swagger2 {
            return servers_3(obj.get("servers"));
        }
        let base = obj.get("basePath").and_then(Value::as_str).unwrap_or("");
        let Some(host) = obj.get("host").and_then(Value::as_str) else {
            let url = if base.is_empty() { "/" } else { base };
            return vec![Server {
                url: url.to_string(),
                description: None,
            }];
        };
        let mut schemes = strings(obj.get("schemes"));
        if schemes.is_empty() {
            schemes.push("https".into());
        }
        schemes
            .iter()
            .map(|s| Server {
                url: format!("{s}://{host}{base}"),
                description: None,
            })
            .collect()
    }

    fn security_schemes(
        &mut self,
        obj: &Map<String, Value>,
    ) -> Result<Vec<SecurityScheme>, SpecError> {
        let (map, loc) = if self.version == SpecVersion::Swagger2 {
            (
                obj.get("securityDefinitions"),
                root_loc().child("securityDefinitions"),
            )
        } else {
            (
                obj.get("components").and_then(|c| c.get("securitySchemes")),
                root_loc().child("components").child("securitySchemes"),
            )
        };
        let Some(Value::Object(map)) = map else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (name, v) in map {
            let Some((doc, at)) = self.deref(&loc.child(name), v)? else {
                continue;
            };
            let Some(Value::Object(def)) = doc.pointer(&at.pointer) else {
                continue;
            };
            out.push(SecurityScheme {
                name: name.clone(),
                kind: scheme_kind(def),
            });
        }
        Ok(out)
    }

    /// Follows `$ref`s to the value they name; `None` (with a warning) when dangling.
    fn deref(&mut self, loc: &Loc, value: &Value) -> Result<Option<(Rc<Value>, Loc)>, SpecError> {
        match self.docs.follow(loc, value)? {
            Ok(found) => Ok(Some(found)),
            Err(why) => {
                self.warnings
                    .push(format!("{}: {why}; skipped", loc.display()));
                Ok(None)
            }
        }
    }

    fn operations(
        &mut self,
        obj: &Map<String, Value>,
        g: &Globals,
    ) -> Result<Vec<Operation>, SpecError> {
        let paths = match obj.get("paths") {
            None => return Err(no_operations(obj, "there is no `paths` object")),
            Some(Value::Object(p)) => p,
            Some(_) => return Err(SpecError::invalid("/paths", "`paths` must be an object")),
        };
        let mut ops = Vec::new();
        let base = root_loc().child("paths");
        for (template, item) in paths {
            if template.starts_with("x-") {
                continue;
            }
            if !template.starts_with('/') {
                self.warnings.push(format!(
                    "{}: path `{template}` does not start with `/`; skipped",
                    base.child(template).display()
                ));
                continue;
            }
            let Some((doc, at)) = self.deref(&base.child(template), item)? else {
                continue;
            };
            let Some(item) = doc.pointer(&at.pointer) else {
                continue;
            };
            ops.extend(self.path_item(template, &at, item, g)?);
        }
        if ops.is_empty() {
            let reason = if paths.is_empty() {
                "`paths` is empty".to_string()
            } else {
                format!(
                    "`paths` has {} entr{} but none declares an HTTP method (get, put, post, delete, options, head, patch, trace)",
                    paths.len(),
                    if paths.len() == 1 { "y" } else { "ies" }
                )
            };
            return Err(no_operations(obj, &reason));
        }
        Ok(ops)
    }

    fn path_item(
        &mut self,
        template: &str,
        loc: &Loc,
        item: &Value,
        g: &Globals,
    ) -> Result<Vec<Operation>, SpecError> {
        let Value::Object(item) = item else {
            return Err(SpecError::invalid(
                &loc.display(),
                "a path item must be an object",
            ));
        };
        let shared = self.parameters(loc, item.get("parameters"))?;
        let path_servers = servers_3(item.get("servers"));
        let mut out = Vec::new();
        for (key, op) in item {
            let Some(method) = Method::from_key(key) else {
                continue;
            };
            let op_loc = loc.child(key);
            let Value::Object(op) = op else {
                return Err(SpecError::invalid(
                    &op_loc.display(),
                    "an operation must be an object",
                ));
            };
            let mut o = self.operation(method, template, &op_loc, op, g)?;
            for p in &shared {
                let overridden = o
                    .parameters
                    .iter()
                    .any(|q| q.name == p.name && q.location == p.location);
                if !overridden {
                    o.parameters.push(p.clone());
                }
            }
            if o.servers.is_empty() {
                o.servers = path_servers.clone();
            }
            out.push(o);
        }
        Ok(out)
    }

    fn operation(
        &mut self,
        method: Method,
        template: &str,
        loc: &Loc,
        op: &Map<String, Value>,
        g: &Globals,
    ) -> Result<Operation, SpecError> {
        let text = |k: &str| op.get(k).and_then(Value::as_str).map(str::to_string);
        let own = security_list(
            op.get("security"),
            &loc.child("security").display(),
            &mut self.warnings,
        )?;
        let (security, security_source) = match (own, &g.security) {
            (Some(s), _) => (s, SecuritySource::Operation),
            (None, Some(s)) => (s.clone(), SecuritySource::Global),
            (None, None) => (Vec::new(), SecuritySource::Unspecified),
        };
        let mut parameters = self.parameters(loc, op.get("parameters"))?;
        let request_body = if self.version == SpecVersion::Swagger2 {
            let consumes = strings(op.get("consumes"));
            let consumes = if consumes.is_empty() {
                g.consumes.clone()
            } else {
                consumes
            };
            self.body_2(loc, op.get("parameters"), &consumes)?
        } else {
            self.body_3(loc, op.get("requestBody"))?
        };
        parameters.retain(|p| !p.name.is_empty());
        let produces = strings(op.get("produces"));
        let produces = if produces.is_empty() {
            g.produces.clone()
        } else {
            produces
        };
        Ok(Operation {
            method,
            path: template.to_string(),
            operation_id: text("operationId"),
            summary: text("summary"),
            description: text("description"),
            tags: strings(op.get("tags")),
            deprecated: op
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            parameters,
            request_body,
            responses: self.responses(loc, op.get("responses"), &produces)?,
            security,
            security_source,
            servers: servers_3(op.get("servers")),
            pointer: loc.display(),
        })
    }

    fn parameters(&mut self, loc: &Loc, list: Option<&Value>) -> Result<Vec<Parameter>, SpecError> {
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let Value::Array(list) = list else {
            return Err(SpecError::invalid(
                &loc.child("parameters").display(),
                "`parameters` must be a list",
            ));
        };
        let mut out = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let ploc = loc.child("parameters").index(i);
            let Some((doc, at)) = self.deref(&ploc, p)? else {
                continue;
            };
            let Some(Value::Object(p)) = doc.pointer(&at.pointer) else {
                self.warnings.push(format!(
                    "{}: parameter is not an object; skipped",
                    ploc.display()
                ));
                continue;
            };
            if let Some(param) = self.parameter(&at, p)? {
                out.push(param);
            }
        }
        Ok(out)
    }

    /// One parameter; `None` for 2.0 `body`/`formData` (they become the request body)
    /// and for unknown locations.
    fn parameter(
        &mut self,
        loc: &Loc,
        p: &Map<String, Value>,
    ) -> Result<Option<Parameter>, SpecError> {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(location) = p
            .get("in")
            .and_then(Value::as_str)
            .and_then(ParamLocation::from_key)
        else {
            return Ok(None);
        };
        let schema = if self.version == SpecVersion::Swagger2 {
            Some(
                self.schemas
                    .at(&mut self.docs, loc, &Value::Object(p.clone()))?,
            )
        } else if let Some(s) = p.get("schema") {
            Some(self.schemas.at(&mut self.docs, &loc.child("schema"), s)?)
        } else {
            self.first_content(loc, p.get("content"))?
                .and_then(|c| c.schema)
        };
        let example = p
            .get("example")
            .cloned()
            .or_else(|| first_example(p.get("examples")));
        Ok(Some(Parameter {
            required: location == ParamLocation::Path
                || p.get("required").and_then(Value::as_bool).unwrap_or(false),
            deprecated: p
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            name,
            location,
            schema,
            example,
        }))
    }

    fn first_content(
        &mut self,
        loc: &Loc,
        content: Option<&Value>,
    ) -> Result<Option<Content>, SpecError> {
        Ok(self.content(loc, content)?.into_iter().next())
    }

    fn content(&mut self, loc: &Loc, content: Option<&Value>) -> Result<Vec<Content>, SpecError> {
        let Some(Value::Object(map)) = content else {
            return Ok(Vec::new());
        };
        let base = loc.child("content");
        let mut out = Vec::new();
        for (media, mt) in map {
            let mloc = base.child(media);
            let schema = match mt.get("schema") {
                Some(s) => Some(self.schemas.at(&mut self.docs, &mloc.child("schema"), s)?),
                None => None,
            };
            let example = mt
                .get("example")
                .cloned()
                .or_else(|| first_example(mt.get("examples")));
            out.push(Content {
                media_type: media.clone(),
                schema,
                example,
            });
        }
        Ok(out)
    }

    fn body_3(
        &mut self,
        loc: &Loc,
        body: Option<&Value>,
    ) -> Result<Option<RequestBody>, SpecError> {
        let Some(body) = body else { return Ok(None) };
        let Some((doc, at)) = self.deref(&loc.child("requestBody"), body)? else {
            return Ok(None);
        };
        let Some(body) = doc.pointer(&at.pointer) else {
            return Ok(None);
        };
        Ok(Some(RequestBody {
            required: body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            content: self.content(&at, body.get("content"))?,
        }))
    }

    /// 2.0: the `body` parameter, or the `formData` parameters as one object.
    fn body_2(
        &mut self,
        loc: &Loc,
        list: Option<&Value>,
        consumes: &[String],
    ) -> Result<Option<RequestBody>, SpecError> {
        let Some(Value::Array(list)) = list else {
            return Ok(None);
        };
        let mut form = Schema::empty();
        form.types.push(SchemaType::Object);
        let mut required = false;
        for (i, p) in list.iter().enumerate() {
            let ploc = loc.child("parameters").index(i);
            let Some((doc, at)) = self.deref(&ploc, p)? else {
                continue;
            };
            let Some(Value::Object(p)) = doc.pointer(&at.pointer) else {
                continue;
            };
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let req = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            match p.get("in").and_then(Value::as_str) {
                Some("body") => {
                    let schema = match p.get("schema") {
                        Some(s) => Some(self.schemas.at(&mut self.docs, &at.child("schema"), s)?),
                        None => None,
                    };
                    let media = if consumes.is_empty() {
                        vec!["application/json".to_string()]
                    } else {
                        consumes.to_vec()
                    };
                    let content = media
                        .into_iter()
                        .map(|m| Content {
                            media_type: m,
                            schema,
                            example: None,
                        })
                        .collect();
                    return Ok(Some(RequestBody {
                        required: req,
                        content,
                    }));
                }
                Some("formData") => {
                    let id = self
                        .schemas
                        .at(&mut self.docs, &at, &Value::Object(p.clone()))?;
                    form.properties.push((name.to_string(), id));
                    if req {
                        form.required.push(name.to_string());
                        required = true;
                    }
                }
                _ => {}
            }
        }
        if form.properties.is_empty() {
            return Ok(None);
        }
        let media = consumes
            .iter()
            .find(|m| m.contains("form"))
            .cloned()
            .unwrap_or_else(|| "application/x-www-form-urlencoded".into());
        let id = self.schemas.add(form)?;
        Ok(Some(RequestBody {
            required,
            content: vec![Content {
                media_type: media,
                schema: Some(id),
                example: None,
            }],
        }))
    }

    fn responses(
        &mut self,
        loc: &Loc,
        responses: Option<&Value>,
        produces: &[String],
    ) -> Result<Vec<ResponseSpec>, SpecError> {
        let Some(Value::Object(map)) = responses else {
            return Ok(Vec::new());
        };
        let base = loc.child("responses");
        let mut out = Vec::new();
        for (status, r) in map {
            if status.starts_with("x-") {
                continue;
            }
            let Some((doc, at)) = self.deref(&base.child(status), r)? else {
                continue;
            };
            let Some(r) = doc.pointer(&at.pointer) else {
                continue;
            };
            let content = if self.version == SpecVersion::Swagger2 {
                self.content_2(&at, r, produces)?
            } else {
                self.content(&at, r.get("content"))?
            };
            out.push(ResponseSpec {
                status: status.clone(),
                description: r
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                content,
            });
        }
        Ok(out)
    }

    fn content_2(
        &mut self,
        loc: &Loc,
        r: &Value,
        produces: &[String],
    ) -> Result<Vec<Content>, SpecError> {
        let Some(s) = r.get("schema") else {
            return Ok(Vec::new());
        };
        let schema = Some(self.schemas.at(&mut self.docs, &loc.child("schema"), s)?);
        let example = r
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|m| m.values().next().cloned());
        let media = if produces.is_empty() {
            vec!["application/json".to_string()]
        } else {
            produces.to_vec()
        };
        Ok(media
            .into_iter()
            .map(|m| Content {
                media_type: m,
                schema,
                example: example.clone(),
            })
            .collect())
    }
}

fn root_loc() -> Loc {
    Loc {
        file: String::new(),
        pointer: String::new(),
    }
}

fn no_operations(obj: &Map<String, Value>, reason: &str) -> SpecError {
    let webhooks = obj
        .get("webhooks")
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    let reason = if webhooks > 0 {
        format!("{reason}; it only describes {webhooks} webhook(s), which the API sends rather than serves")
    } else {
        reason.to_string()
    };
    SpecError::NoOperations {
        reason: format!("{reason}. Pass the document that describes the API's own endpoints"),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn first_example(v: Option<&Value>) -> Option<Value> {
    let first = v?.as_object()?.values().next()?;
    Some(first.get("value").cloned().unwrap_or_else(|| first.clone()))
}

/// 3.x `servers`, variables replaced by their defaults.
fn servers_3(v: Option<&Value>) -> Vec<Server> {
    let Some(Value::Array(list)) = v else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|s| {
            let mut url = s.get("url")?.as_str()?.to_string();
            if let Some(Value::Object(vars)) = s.get("variables") {
                for (name, var) in vars {
                    let default = var
                        .get("default")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    url = url.replace(&format!("{{{name}}}"), default);
                }
            }
            Some(Server {
                url,
                description: s
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect()
}

/// A `security` list: `None` when absent.
fn security_list(
    v: Option<&Value>,
    pointer: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<Vec<SecurityRequirement>>, SpecError> {
    let Some(v) = v else { return Ok(None) };
    let Value::Array(list) = v else {
        return Err(SpecError::invalid(
            pointer,
            "`security` must be a list of requirement objects",
        ));
    };
    let mut out = Vec::new();
    for (i, req) in list.iter().enumerate() {
        let Value::Object(req) = req else {
            warnings.push(format!(
                "{pointer}/{i}: security requirement is not an object; skipped"
            ));
            continue;
        };
        out.push(SecurityRequirement {
            schemes: req
                .iter()
                .map(|(name, scopes)| (name.clone(), strings(Some(scopes))))
                .collect(),
        });
    }
    Ok(Some(out))
}

fn scheme_kind(def: &Map<String, Value>) -> SecuritySchemeKind {
    let s = |k: &str| {
        def.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match s("type").as_str() {
        "apiKey" => SecuritySchemeKind::ApiKey {
            name: s("name"),
            location: s("in"),
        },
        "http" => SecuritySchemeKind::Http {
            scheme: s("scheme").to_ascii_lowercase(),
            bearer_format: def
                .get("bearerFormat")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        "basic" => SecuritySchemeKind::Http {
            scheme: "basic".into(),
            bearer_format: None,
        },
        "oauth2" => SecuritySchemeKind::OAuth2 {
            scopes: oauth_scopes(def),
        },
        "openIdConnect" => SecuritySchemeKind::OpenIdConnect {
            url: s("openIdConnectUrl"),
        },
        "mutualTLS" => SecuritySchemeKind::MutualTls,
        other => SecuritySchemeKind::Other(other.to_string()),
    }
}

/// 2.0 keeps scopes on the scheme, 3.x under each flow.
fn oauth_scopes(def: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = def
        .get("scopes")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(Value::Object(flows)) = def.get("flows") {
        for flow in flows.values() {
            if let Some(Value::Object(scopes)) = flow.get("scopes") {
                out.extend(scopes.keys().cloned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
