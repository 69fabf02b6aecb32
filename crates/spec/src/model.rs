//! The normalised API model: one shape for Swagger 2.0, OpenAPI 3.0 and 3.1.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Which specification the document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpecVersion {
    /// Swagger 2.0.
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
}

impl SpecVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::Swagger2 => "Swagger 2.0",
            SpecVersion::OpenApi30 => "OpenAPI 3.0",
            SpecVersion::OpenApi31 => "OpenAPI 3.1",
        }
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An HTTP method an operation can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// Every method, in the order OpenAPI lists them in a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The method for a path-item key (`get`, `post`, …), case-insensitively.
    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(key))
    }

    /// Upper-case, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A server the API is served from (3.x `servers`, or 2.0 `schemes` + `host` +
/// `basePath`). Server variables are replaced by their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Absolute (`https://api.example/v2`) or relative (`/v2`, `/`).
    pub url: String,
    pub description: Option<String>,
}

impl Server {
    /// The path part of the URL without a trailing slash (`""` for the root).
    pub fn base_path(&self) -> &str {
        let rest = match self.url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
            None => self.url.as_str(),
        };
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        rest.trim_end_matches('/')
    }

    /// The scheme of an absolute URL, lower-case.
    pub fn scheme(&self) -> Option<String> {
        let (scheme, _) = self.url.split_once("://")?;
        Some(scheme.to_ascii_lowercase())
    }

    /// The host of an absolute URL, lower-case, without port or brackets.
    pub fn host(&self) -> Option<String> {
        let (_, rest) = self.url.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next()?;
        let authority = authority.rsplit('@').next()?;
        let host = if let Some(v6) = authority.strip_prefix('[') {
            v6.split(']').next()?
        } else {
            authority.split(':').next()?
        };
        Some(host.to_ascii_lowercase())
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamLocation {
    fn parse(s: &str) -> Option<ParamLocation> {
        match s {
            "path" => Some(ParamLocation::Path),
            "query" => Some(ParamLocation::Query),
            "header" => Some(ParamLocation::Header),
            "cookie" => Some(ParamLocation::Cookie),
            _ => None,
        }
    }

    pub(crate) fn from_key(s: &str) -> Option<ParamLocation> {
        ParamLocation::parse(s)
    }
}

/// One parameter of an operation (path-item parameters merged in).
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub deprecated: bool,
    pub schema: Option<SchemaId>,
    /// `example`, or the first of `examples`, when the parameter itself gives one.
    pub example: Option<Value>,
}

/// A media type and its schema, in a request body or a response.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// `application/json`, `multipart/form-data`, `*/*`, …
    pub media_type: String,
    pub schema: Option<SchemaId>,
    /// The first example given for the media type, if any.
    pub example: Option<Value>,
}

/// An operation's request body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    pub content: Vec<Content>,
}

/// One documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseSpec {
    /// `200`, `2XX`, `default`.
    pub status: String,
    pub description: String,
    pub content: Vec<Content>,
}

impl ResponseSpec {
    /// Whether the status is a 2xx code or range.
    pub fn is_success(&self) -> bool {
        self.status.starts_with('2')
    }
}

/// One alternative of a `security` list: every scheme named must be satisfied.
/// An empty requirement (`{}`) means "no authentication needed".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityRequirement {
    /// Scheme name and the scopes (OAuth 2) or roles it asks for.
    pub schemes: Vec<(String, Vec<String>)>,
}

/// Where an operation's security requirements come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecuritySource {
    /// The operation's own `security`.
    Operation,
    /// The document's top-level `security`.
    Global,
    /// Neither says anything.
    Unspecified,
}

/// How a security scheme carries its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecuritySchemeKind {
    /// `in: header|query|cookie`, `name`.
    ApiKey {
        name: String,
        location: String,
    },
    /// `type: http` with `scheme: bearer|basic|…`; 2.0 `basic` maps here.
    Http {
        scheme: String,
        bearer_format: Option<String>,
    },
    /// OAuth 2 with every scope any flow declares.
    OAuth2 {
        scopes: Vec<String>,
    },
    OpenIdConnect {
        url: String,
    },
    MutualTls,
    /// A type this crate does not know.
    Other(String),
}

/// A declared security scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    pub name: String,
    pub kind: SecuritySchemeKind,
}

/// One operation: a method on a path template.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub method: Method,
    /// The path template as written (`/orders/{id}/`), without the server's base path.
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<ResponseSpec>,
    /// The effective requirements (the operation's own, else the global ones). Any one
    /// alternative suffices; empty means none applies.
    pub security: Vec<SecurityRequirement>,
    pub security_source: SecuritySource,
    /// Operation-level `servers`, overriding the document's.
    pub servers: Vec<Server>,
    /// Where the operation is in the document (`/paths/~1orders/get`).
    pub pointer: String,
}

impl Operation {
    /// Whether a caller without credentials is allowed by the document: no
    /// requirement at all, or an empty `{}` alternative.
    pub fn allows_anonymous(&self) -> bool {
        self.security.is_empty() || self.security.iter().any(|r| r.schemes.is_empty())
    }

    /// Every scope any requirement of the operation names.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.security
            .iter()
            .flat_map(|r| r.schemes.iter())
            .flat_map(|(_, scopes)| scopes.iter().map(String::as_str))
    }

    /// The parameters in one location.
    pub fn params_in(&self, location: ParamLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }

    /// The schemas of the 2xx responses, JSON media types first.
    pub fn success_schemas(&self) -> Vec<SchemaId> {
        let mut out: Vec<(bool, SchemaId)> = self
            .responses
            .iter()
            .filter(|r| r.is_success())
            .flat_map(|r| r.content.iter())
            .filter_map(|c| c.schema.map(|s| (!c.media_type.contains("json"), s)))
            .collect();
        out.sort_by_key(|(not_json, _)| *not_json);
        out.into_iter().map(|(_, s)| s).collect()
    }

    /// Whether the template has `{…}` segments.
    pub fn is_templated(&self) -> bool {
        self.path.contains('{')
    }

    /// Whether the template matches a concrete path (without the base path): literal
    /// segments equal, every `{param}` segment non-empty. A trailing slash must agree.
    pub fn matches_path(&self, path: &str) -> bool {
        template_matches(&self.path, path)
    }
}

/// Whether a path template (`/orders/{id}/`) matches a concrete path.
pub fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if t.contains('{') {
                segment_matches(t, p)
            } else {
                t == p
            }
        })
}

/// A template segment with `{…}` placeholders (`{id}`, `v{major}.json`) against a
/// concrete segment: the literal prefix and suffix agree and something fills the gap.
fn segment_matches(template: &str, segment: &str) -> bool {
    let prefix = template.split('{').next().unwrap_or_default();
    let suffix = template.rsplit('}').next().unwrap_or_default();
    segment.len() > prefix.len() + suffix.len()
        && segment.starts_with(prefix)
        && segment.ends_with(suffix)
}

/// An index into [`ApiModel::schemas`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaId(pub usize);

/// A JSON Schema type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchemaType {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
    Null,
    /// 2.0 `type: file`.
    File,
}

impl SchemaType {
    pub(crate) fn parse(s: &str) -> Option<SchemaType> {
        match s {
            "object" => Some(SchemaType::Object),
            "array" => Some(SchemaType::Array),
            "string" => Some(SchemaType::String),
            "integer" => Some(SchemaType::Integer),
            "number" => Some(SchemaType::Number),
            "boolean" => Some(SchemaType::Boolean),
            "null" => Some(SchemaType::Null),
            "file" => Some(SchemaType::File),
            _ => None,
        }
    }
}

/// `additionalProperties`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Additional {
    /// Not said: JSON Schema allows anything.
    Unspecified,
    Allowed,
    Forbidden,
    Schema(SchemaId),
}

/// One schema, its `$ref`s already resolved to other [`SchemaId`]s (so cycles are
/// just ids pointing back).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The component name when the schema is `#/components/schemas/X` or
    /// `#/definitions/X`.
    pub name: Option<String>,
    /// Empty means any type.
    pub types: Vec<SchemaType>,
    pub format: Option<String>,
    pub nullable: bool,
    pub enum_values: Vec<Value>,
    pub const_value: Option<Value>,
    pub example: Option<Value>,
    pub default: Option<Value>,
    pub properties: Vec<(String, SchemaId)>,
    pub required: Vec<String>,
    pub additional: Additional,
    pub items: Option<SchemaId>,
    pub all_of: Vec<SchemaId>,
    pub any_of: Vec<SchemaId>,
    pub one_of: Vec<SchemaId>,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub pattern: Option<String>,
    /// A `$ref` that could not be resolved (missing target, remote URL, no loader).
    pub unresolved: Option<String>,
}

impl Schema {
    pub(crate) fn empty() -> Schema {
        Schema {
            name: None,
            types: Vec::new(),
            format: None,
            nullable: false,
            enum_values: Vec::new(),
            const_value: None,
            example: None,
            default: None,
            properties: Vec::new(),
            required: Vec::new(),
            additional: Additional::Unspecified,
            items: None,
            all_of: Vec::new(),
            any_of: Vec::new(),
            one_of: Vec::new(),
            read_only: false,
            write_only: false,
            deprecated: false,
            minimum: None,
            maximum: None,
            min_length: None,
            max_length: None,
            min_items: None,
            max_items: None,
            pattern: None,
            unresolved: None,
        }
    }

    pub fn has_type(&self, t: SchemaType) -> bool {
        self.types.contains(&t)
    }
}

/// The whole API, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiModel {
    pub version: SpecVersion,
    /// The `openapi`/`swagger` field as written.
    pub version_string: String,
    pub title: String,
    pub api_version: String,
    pub servers: Vec<Server>,
    pub operations: Vec<Operation>,
    pub security_schemes: Vec<SecurityScheme>,
    /// The top-level `security`.
    pub global_security: Vec<SecurityRequirement>,
    /// Every schema, referenced by [`SchemaId`].
    pub schemas: Vec<Schema>,
    /// Things that did not stop parsing: unresolved references, skipped entries.
    pub warnings: Vec<String>,
}

/// Most levels [`ApiModel::properties`] and similar walks descend.
const WALK_DEPTH: usize = 32;

impl ApiModel {
    /// The schema behind an id. Ids come from this model, so this never fails for
    /// them; a foreign id yields an empty schema.
    pub fn schema(&self, id: SchemaId) -> &Schema {
        static EMPTY: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
        self.schemas
            .get(id.0)
            .unwrap_or_else(|| EMPTY.get_or_init(Schema::empty))
    }

    /// The properties of an object schema, `allOf` parts merged in (first wins on a
    /// duplicate name), cycles and depth bounded.
    pub fn properties(&self, id: SchemaId) -> Vec<(String, SchemaId)> {
        let mut out: Vec<(String, SchemaId)> = Vec::new();
        let mut seen = Vec::new();
        self.collect_properties(id, &mut out, &mut seen, 0);
        out
    }

    fn collect_properties(
        &self,
        id: SchemaId,
        out: &mut Vec<(String, SchemaId)>,
        seen: &mut Vec<SchemaId>,
        depth: usize,
    ) {
        if depth > WALK_DEPTH || seen.contains(&id) {
            return;
        }
        seen.push(id);
        let s = self.schema(id);
        for (name, prop) in &s.properties {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.clone(), *prop));
            }
        }
        for part in &s.all_of {
            self.collect_properties(*part, out, seen, depth + 1);
        }
    }

    /// Whether an object schema admits properties it does not name: no properties
    /// are declared anywhere in it, or `additionalProperties` allows them, or it
    /// combines alternatives (`anyOf`/`oneOf`) this walk does not follow.
    pub fn is_open(&self, id: SchemaId) -> bool {
        let mut seen = Vec::new();
        self.open_walk(id, &mut seen, 0)
    }

    fn open_walk(&self, id: SchemaId, seen: &mut Vec<SchemaId>, depth: usize) -> bool {
        if depth > WALK_DEPTH || seen.contains(&id) {
            return false;
        }
        seen.push(id);
        let s = self.schema(id);
        if s.unresolved.is_some() || !s.any_of.is_empty() || !s.one_of.is_empty() {
            return true;
        }
        if matches!(s.additional, Additional::Allowed | Additional::Schema(_)) {
            return true;
        }
        s.all_of.iter().any(|p| self.open_walk(*p, seen, depth + 1))
            || (s.all_of.is_empty() && s.properties.is_empty())
    }

    /// The schema of the array items when `id` is an array (or `allOf` around one).
    pub fn array_items(&self, id: SchemaId) -> Option<SchemaId> {
        let s = self.schema(id);
        s.items
            .or_else(|| s.all_of.iter().find_map(|p| self.schema(*p).items))
    }

    /// Operations matching a concrete path (without base path) and method.
    pub fn find_operation(&self, method: Method, path: &str) -> Option<&Operation> {
        // A literal template wins over a templated one (`/users/me` over `/users/{id}`).
        let mut hits: Vec<&Operation> = self
            .operations
            .iter()
            .filter(|o| o.method == method && o.matches_path(path))
            .collect();
        hits.sort_by_key(|o| o.path.matches('{').count());
        hits.into_iter().next()
    }

    /// Whether any operation (any method) has a template matching the path.
    pub fn documents_path(&self, path: &str) -> bool {
        self.operations.iter().any(|o| o.matches_path(path))
    }

    /// The base path of the first server (`""` for none or the root).
    pub fn base_path(&self) -> &str {
        self.servers.first().map_or("", Server::base_path)
    }

    /// Names of security schemes that no requirement (global or operation) uses.
    pub fn unused_security_schemes(&self) -> Vec<&str> {
        let used = |name: &str| {
            self.global_security
                .iter()
                .chain(self.operations.iter().flat_map(|o| o.security.iter()))
                .any(|r| r.schemes.iter().any(|(n, _)| n == name))
        };
        self.security_schemes
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| !used(n))
            .collect()
    }

    /// Counts of operations per method, for summaries.
    pub fn method_counts(&self) -> BTreeMap<Method, usize> {
        let mut out = BTreeMap::new();
        for o in &self.operations {
            *out.entry(o.method).or_insert(0) += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_concrete_paths() {
        assert!(template_matches("/orders/{id}/", "/orders/12/"));
        assert!(!template_matches("/orders/{id}/", "/orders/12"));
        assert!(!template_matches("/orders/{id}/", "/orders//"));
        assert!(template_matches("/files/{name}.json", "/files/a.json"));
        assert!(!template_matches("/files/{name}.json", "/files/.json"));
        assert!(template_matches("/a/b", "/a/b"));
        assert!(!template_matches("/a/b", "/a/c"));
    }

    #[test]
    fn server_parts() {
        let s = Server {
            url: "https://user@API.example:8443/v2/?x".into(),
            description: None,
        };
        assert_eq!(s.base_path(), "/v2");
        assert_eq!(s.scheme().as_deref(), Some("https"));
        assert_eq!(s.host().as_deref(), Some("api.example"));
        let rel = Server {
            url: "/".into(),
            description: None,
        };
        assert_eq!(rel.base_path(), "");
        assert_eq!(rel.host(), None);
        let v6 = Server {
            url: "http://[::1]:80".into(),
            description: None,
        };
        assert_eq!(v6.host().as_deref(), Some("::1"));
        assert_eq!(v6.base_path(), "");
    }
}
