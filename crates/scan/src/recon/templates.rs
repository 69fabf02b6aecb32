//! Route templates: paths with parameters (`/api/users/{id}` from a HAL templated link,
//! Django's `books/<int:pk>/` and `^books/(?P<isbn>[0-9A-Z]+)/$`) and how they become
//! concrete routes without an OpenAPI document: identifiers harvested from the API's
//! own listings first ([`Harvest`]), a sample value that fits the parameter's pattern
//! otherwise.

use crate::engine::Exchange;
use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::OnceLock;
use url::Url;

/// A path parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    /// The regex a value must match in full (`[0-9]+`), when the template says.
    pub pattern: Option<String>,
    /// A value that fits the pattern.
    pub sample: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Param(Param),
}

/// A route with path parameters, resolved against the page that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The origin and query; its path is rebuilt from `parts`.
    base: Url,
    /// The absolute path: literals and parameters.
    parts: Vec<Part>,
}

/// Longest sample a regex piece may produce.
const MAX_SAMPLE: usize = 256;
/// Most repetitions of one regex atom in a sample.
const MAX_REPEAT: u32 = 64;

impl Template {
    /// A `{name}` template (RFC 6570 simple expansions), relative to `base`. `None`
    /// without a parameter or when it does not resolve.
    pub fn from_braces(base: &Url, raw: &str) -> Option<Template> {
        static BRACE: OnceLock<Regex> = OnceLock::new();
        let brace = BRACE.get_or_init(|| {
            Regex::new(r"\{([A-Za-z_][A-Za-z0-9_.-]{0,63})\}").expect("constant regex")
        });
        let mut params = Vec::new();
        let marked = brace.replace_all(raw, |c: &regex::Captures<'_>| {
            params.push(c[1].to_string());
            format!("tollgateparam{}x", params.len() - 1)
        });
        if params.is_empty() || marked.contains(['{', '}', ' ', '<', '>']) {
            return None;
        }
        let mut url = base.join(&marked).ok()?;
        url.set_fragment(None);
        let path = url.path().to_string();
        let mut parts = Vec::new();
        let mut rest = path.as_str();
        while let Some(i) = rest.find("tollgateparam") {
            let after = &rest[i + "tollgateparam".len()..];
            let end = after.find('x')?;
            let idx: usize = after[..end].parse().ok()?;
            if i > 0 {
                parts.push(Part::Lit(rest[..i].to_string()));
            }
            parts.push(Part::Param(Param {
                name: params.get(idx)?.clone(),
                pattern: None,
                sample: "1".into(),
            }));
            rest = &after[end + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        parts
            .iter()
            .any(|p| matches!(p, Part::Param(_)))
            .then_some(Template { base: url, parts })
    }

    /// A Django URL pattern as the debug 404 page prints it (included patterns
    /// joined): `path()` converters (`<int:pk>`) and regex `url()`/`re_path()` pieces
    /// (`^api/v1/^books/(?P<isbn>[0-9A-Z]+)/$`), resolved against `base`. `None` when
    /// a regex piece does not parse or its sample does not match it.
    pub fn from_django(base: &Url, pattern: &str) -> Option<Template> {
        let mut parts = vec![Part::Lit("/".into())];
        for piece in split_pieces(pattern.trim()) {
            if is_regex_piece(piece) {
                parts.extend(regex_parts(piece)?);
            } else {
                parts.extend(converter_parts(piece));
            }
        }
        let mut url = base.clone();
        url.set_query(None);
        url.set_fragment(None);
        let t = Template {
            base: url,
            parts: merge_literals(parts),
        };
        // The literal text must be a plain path.
        let lit = t.literal_text();
        (!lit.contains(['?', '#', ' ', '<', '>', '\\'])).then_some(t)
    }

    /// Whether the template has parameters.
    pub fn has_params(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Param(_)))
    }

    pub fn params(&self) -> impl Iterator<Item = &Param> {
        self.parts.iter().filter_map(|p| match p {
            Part::Param(p) => Some(p),
            Part::Lit(_) => None,
        })
    }

    /// The path before the first parameter, without a trailing slash: the collection
    /// that lists the objects (`/api/books` for `/api/books/{isbn}/`).
    pub fn collection(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(l) => out.push_str(l),
                Part::Param(_) => break,
            }
        }
        let trimmed = out.trim_end_matches('/');
        if trimmed.is_empty() {
            "/".into()
        } else {
            trimmed.to_string()
        }
    }

    fn literal_text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(l) => Some(l.as_str()),
                Part::Param(_) => None,
            })
            .collect()
    }

    /// The URL with each parameter replaced by `value(param)`.
    pub fn concrete(&self, mut value: impl FnMut(&Param) -> String) -> Option<Url> {
        let mut path = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(l) => path.push_str(l),
                Part::Param(p) => path.push_str(&value(p)),
            }
        }
        let mut url = self.base.clone();
        url.set_path(&path);
        Some(url)
    }

    /// The template with every parameter's sample value.
    pub fn sample(&self) -> Option<Url> {
        self.concrete(|p| p.sample.clone())
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            match p {
                Part::Lit(l) => f.write_str(l)?,
                Part::Param(p) => write!(f, "{{{}}}", p.name)?,
            }
        }
        Ok(())
    }
}

fn merge_literals(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Lit(prev)), Part::Lit(l)) => {
                if prev.ends_with('/') {
                    prev.push_str(l.trim_start_matches('/'));
                } else {
                    prev.push_str(&l);
                }
            }
            (_, p) => out.push(p),
        }
    }
    out
}

/// Splits a joined Django pattern where an included regex piece starts (`^` that is
/// not the start of a negated class `[^…]`).
fn split_pieces(pattern: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let bytes = pattern.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'^' && i > start && bytes[i - 1] != b'[' && bytes[i - 1] != b'\\' {
            pieces.push(&pattern[start..i]);
            start = i;
        }
    }
    pieces.push(&pattern[start..]);
    pieces.into_iter().filter(|p| !p.is_empty()).collect()
}

fn is_regex_piece(piece: &str) -> bool {
    piece.starts_with('^') || piece.ends_with('$') || piece.contains("(?P<")
}

/// `path()` syntax: `books/<int:pk>/`.
fn converter_parts(piece: &str) -> Vec<Part> {
    static CONVERTER: OnceLock<Regex> = OnceLock::new();
    let converter = CONVERTER.get_or_init(|| {
        Regex::new(r"<(?:([A-Za-z_][A-Za-z0-9_]*):)?([A-Za-z_][A-Za-z0-9_]*)>")
            .expect("constant regex")
    });
    let mut parts = Vec::new();
    let mut last = 0;
    for c in converter.captures_iter(piece) {
        let Some(whole) = c.get(0) else { continue };
        parts.push(Part::Lit(piece[last..whole.start()].to_string()));
        let (pattern, sample) = match c.get(1).map(|m| m.as_str()) {
            Some("int") => (Some("[0-9]+"), "1"),
            Some("slug") => (Some("[-a-zA-Z0-9_]+"), "1"),
            Some("uuid") => (
                Some("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
                "00000000-0000-0000-0000-000000000000",
            ),
            Some("path") => (Some(".+"), "1"),
            // `str`, the default, and custom converters: one segment.
            _ => (Some("[^/]+"), "1"),
        };
        parts.push(Part::Param(Param {
            name: c[2].to_string(),
            pattern: pattern.map(String::from),
            sample: sample.into(),
        }));
        last = whole.end();
    }
    parts.push(Part::Lit(piece[last..].to_string()));
    parts
}

/// A regex piece: named groups become parameters (their sub-pattern and a sample
/// that fits it), everything else literal text that the regex matches. The whole
/// sample is checked against the piece.
fn regex_parts(piece: &str) -> Option<Vec<Part>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(piece)
        .ok()?;
    let mut parts = Vec::new();
    walk(&hir, &mut parts, 0)?;
    let parts = merge_literals(parts);
    let sample: String = parts
        .iter()
        .map(|p| match p {
            Part::Lit(l) => l.as_str(),
            Part::Param(p) => p.sample.as_str(),
        })
        .collect();
    if sample.len() > MAX_SAMPLE {
        return None;
    }
    let re = Regex::new(piece).ok()?;
    re.find(&sample)
        .is_some_and(|m| m.start() == 0 && m.end() == sample.len())
        .then_some(parts)
}

fn walk(hir: &Hir, out: &mut Vec<Part>, depth: usize) -> Option<()> {
    if depth > 32 {
        return None;
    }
    match hir.kind() {
        HirKind::Capture(c) => match &c.name {
            Some(name) => {
                let mut sample = String::new();
                generate(&c.sub, &mut sample, true, 0)?;
                out.push(Part::Param(Param {
                    name: name.to_string(),
                    pattern: Some(c.sub.to_string()),
                    sample,
                }));
            }
            None => walk(&c.sub, out, depth + 1)?,
        },
        HirKind::Concat(items) => {
            for h in items {
                walk(h, out, depth + 1)?;
            }
        }
        _ => {
            let mut s = String::new();
            generate(hir, &mut s, false, 0)?;
            out.push(Part::Lit(s));
        }
    }
    Some(())
}

/// The shortest plain string the expression matches, with readable choices
/// (`1`, `a`) in classes; inside a parameter, optional atoms appear once so the
/// value is not empty.
fn generate(hir: &Hir, out: &mut String, in_param: bool, depth: usize) -> Option<()> {
    if depth > 32 || out.len() > MAX_SAMPLE {
        return None;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => out.push_str(std::str::from_utf8(&l.0).ok()?),
        HirKind::Class(c) => out.push(class_sample(c)?),
        HirKind::Repetition(r) => {
            let n = if in_param { r.min.max(1) } else { r.min };
            if let Some(max) = r.max {
                if n > max {
                    return Some(());
                }
            }
            for _ in 0..n.min(MAX_REPEAT) {
                generate(&r.sub, out, in_param, depth + 1)?;
            }
        }
        HirKind::Capture(c) => generate(&c.sub, out, in_param, depth + 1)?,
        HirKind::Concat(items) => {
            for h in items {
                generate(h, out, in_param, depth + 1)?;
            }
        }
        HirKind::Alternation(alts) => generate(alts.first()?, out, in_param, depth + 1)?,
    }
    Some(())
}

fn class_sample(class: &Class) -> Option<char> {
    const PREFERRED: [char; 6] = ['1', 'a', 'A', 'x', '-', '_'];
    match class {
        Class::Unicode(u) => {
            let fits = |c: char| u.ranges().iter().any(|r| r.start() <= c && c <= r.end());
            PREFERRED.into_iter().find(|c| fits(*c)).or_else(|| {
                u.ranges()
                    .iter()
                    .map(|r| r.start())
                    .find(|c| c.is_ascii_graphic() && !"/?#%".contains(*c))
            })
        }
        Class::Bytes(b) => {
            let fits = |c: u8| b.ranges().iter().any(|r| r.start() <= c && c <= r.end());
            PREFERRED.into_iter().find(|c| fits(*c as u8)).or_else(|| {
                b.ranges()
                    .iter()
                    .map(|r| char::from(r.start()))
                    .find(|c| c.is_ascii_graphic() && !"/?#%".contains(*c))
            })
        }
    }
}

/// Identifiers seen in the API's own listings: the short scalar fields (`id`, `pk`,
/// `uuid`, `slug`, `*_id`, `isbn`, …) of the first objects of each array, with the
/// path of the answer that listed them.
#[derive(Debug, Clone, Default)]
pub struct Harvest {
    ids: Vec<Harvested>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Harvested {
    /// The listing's path without a trailing slash.
    collection: String,
    field: String,
    value: String,
}

/// Most identifiers kept in all.
const MAX_HARVEST: usize = 400;
/// Most objects read from one array.
const MAX_OBJECTS: usize = 5;
/// Identifier fields naming the object itself.
const OWN_ID_FIELDS: &[&str] = &["id", "pk", "uuid", "slug"];

impl Harvest {
    /// Reads the identifiers of one successful JSON answer.
    pub fn learn(&mut self, ex: &Exchange) {
        if !ex.response.is_success()
            || !ex
                .response
                .content_type()
                .is_some_and(|c| c.contains("json"))
        {
            return;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&ex.response.body) else {
            return;
        };
        let collection = ex.request.url.path().trim_end_matches('/').to_string();
        self.walk(&collection, &v, 0);
    }

    fn walk(&mut self, collection: &str, v: &Value, depth: usize) {
        if depth > 8 || self.ids.len() >= MAX_HARVEST {
            return;
        }
        match v {
            Value::Array(items) => {
                for obj in items.iter().filter_map(Value::as_object).take(MAX_OBJECTS) {
                    self.object(collection, obj);
                }
                for item in items.iter().take(MAX_OBJECTS) {
                    self.walk_children(collection, item, depth);
                }
            }
            Value::Object(_) => self.walk_children(collection, v, depth),
            _ => {}
        }
    }

    fn walk_children(&mut self, collection: &str, v: &Value, depth: usize) {
        if let Value::Object(m) = v {
            for child in m.values() {
                if child.is_array() || child.is_object() {
                    self.walk(collection, child, depth + 1);
                }
            }
        }
    }

    /// Every short identifier-like scalar of the object: the `id`/`pk`/`uuid`/`slug`
    /// fields fill the collection's own parameters, any field fills a parameter of
    /// its name (`isbn`, `user_id`).
    fn object(&mut self, collection: &str, obj: &Map<String, Value>) {
        for (k, v) in obj {
            let value = match v {
                Value::Number(n) if n.is_u64() => n.to_string(),
                Value::String(s) if is_id_text(s) => s.clone(),
                _ => continue,
            };
            let h = Harvested {
                collection: collection.to_string(),
                field: k.to_ascii_lowercase(),
                value,
            };
            if self.ids.len() < MAX_HARVEST && !self.ids.contains(&h) {
                self.ids.push(h);
            }
        }
    }

    /// Values for one parameter of `t`, in the order seen: a field of the parameter's
    /// own name (`isbn`, `user_id`) anywhere, then the object ids of the template's
    /// collection listing. Only values that fit the parameter's pattern.
    pub fn values_for(&self, t: &Template, p: &Param) -> Vec<String> {
        let name = p.name.to_ascii_lowercase();
        let collection = t.collection();
        let generic = OWN_ID_FIELDS.contains(&name.as_str());
        let by_name = self
            .ids
            .iter()
            .filter(|h| !generic && h.field == name)
            .map(|h| &h.value);
        let by_collection = self
            .ids
            .iter()
            .filter(|h| h.collection == collection && OWN_ID_FIELDS.contains(&h.field.as_str()))
            .filter(|h| generic || !is_specific_field(&h.field) || h.field == name)
            .map(|h| &h.value);
        let fits = p
            .pattern
            .as_deref()
            .and_then(|pat| Regex::new(&format!("^(?:{pat})$")).ok());
        let mut out: Vec<String> = Vec::new();
        for v in by_name.chain(by_collection) {
            if fits.as_ref().is_none_or(|re| re.is_match(v)) && !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }

    /// Up to `max` concrete routes for `t`: harvested values first, the samples when
    /// nothing fits.
    pub fn fill(&self, t: &Template, max: usize) -> Vec<Url> {
        let values: Vec<(String, Vec<String>)> = t
            .params()
            .map(|p| (p.name.clone(), self.values_for(t, p)))
            .collect();
        let mut out: Vec<Url> = Vec::new();
        for i in 0..max.max(1) {
            if i > 0 && values.iter().all(|(_, v)| v.len() <= i) {
                break;
            }
            let mut n = 0;
            let url = t.concrete(|p| {
                let v = values
                    .get(n)
                    .filter(|(name, _)| *name == p.name)
                    .and_then(|(_, v)| v.get(i.min(v.len().saturating_sub(1))))
                    .cloned()
                    .unwrap_or_else(|| p.sample.clone());
                n += 1;
                v
            });
            if let Some(u) = url {
                if !out.contains(&u) {
                    out.push(u);
                }
            }
        }
        out
    }
}

/// `slug` is an identifier field only for parameters named so.
fn is_specific_field(field: &str) -> bool {
    field == "slug"
}

/// A short URL-safe token (`42`, `SKU-1001`, a UUID), not prose.
fn is_id_text(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::exchange;
    use tollgate_core::HttpMethod;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:9/api/").expect("url")
    }

    fn paths(urls: &[Url]) -> Vec<String> {
        urls.iter().map(|u| u.path().to_string()).collect()
    }

    #[test]
    fn brace_templates_resolve_relative_and_absolute() {
        let t = Template::from_braces(&base(), "users/{id}/notes/{note_id}").expect("t");
        assert_eq!(t.to_string(), "/api/users/{id}/notes/{note_id}");
        assert_eq!(t.collection(), "/api/users");
        let t = Template::from_braces(&base(), "/orders/{id}").expect("t");
        assert_eq!(t.to_string(), "/orders/{id}");
        assert!(Template::from_braces(&base(), "/orders/").is_none());
        assert!(Template::from_braces(&base(), "/orders/{ bad }").is_none());
    }

    #[test]
    fn django_regex_patterns_get_samples_that_fit() {
        let t = Template::from_django(&base(), "^api/v1/books/(?P<isbn>[0-9A-Z]+)/$")
            .expect("regex pattern");
        assert_eq!(t.to_string(), "/api/v1/books/{isbn}/");
        assert_eq!(t.sample().expect("url").path(), "/api/v1/books/1/");
        let t = Template::from_django(&base(), "^api/^codes/(?P<code>[A-Z]{3})\\.json$")
            .expect("included regex pieces");
        assert_eq!(t.sample().expect("url").path(), "/api/codes/AAA.json");
        let t = Template::from_django(&base(), "^v/(?P<fmt>json|xml)/(?P<n>\\d{2,4})/$")
            .expect("alternation");
        assert_eq!(t.sample().expect("url").path(), "/v/json/11/");
        let t = Template::from_django(&base(), "api/items/<int:pk>/").expect("path()");
        assert_eq!(t.sample().expect("url").path(), "/api/items/1/");
        let t = Template::from_django(&base(), "^static/(?:.*)$").expect("catch-all");
        assert_eq!(t.sample().expect("url").path(), "/static/");
        // Python-only syntax does not parse: no guess.
        assert!(Template::from_django(&base(), "^x/(?P=name)/$").is_none());
    }

    fn listing(url: &str, body: &str) -> Exchange {
        exchange(
            HttpMethod::Get,
            url,
            200,
            &[("content-type", "application/json")],
            body,
        )
    }

    #[test]
    fn harvested_ids_fill_parameters_bounded_and_fitting() {
        let mut h = Harvest::default();
        h.learn(&listing(
            "http://127.0.0.1:9/api/v1/books/",
            r#"{"results":[{"isbn":"9780132350884X","title":"Clean"},{"id":7,"isbn":"0201633612"},{"id":8},{"id":9}]}"#,
        ));
        h.learn(&listing(
            "http://127.0.0.1:9/api/v1/orders",
            r#"[{"id":"ord-1","user_id":42},{"id":"ord 2"}]"#,
        ));
        let t = Template::from_django(&base(), "^api/v1/books/(?P<isbn>[0-9A-Z]+)/$").expect("t");
        assert_eq!(
            paths(&h.fill(&t, 2)),
            ["/api/v1/books/9780132350884X/", "/api/v1/books/0201633612/"]
        );
        let t = Template::from_braces(&base(), "/api/v1/books/{id}").expect("t");
        assert_eq!(
            paths(&h.fill(&t, 2)),
            ["/api/v1/books/7", "/api/v1/books/8"],
            "ids of the template's own collection"
        );
        let t = Template::from_braces(&base(), "/api/v1/orders/{id}").expect("t");
        assert_eq!(
            paths(&h.fill(&t, 3)),
            ["/api/v1/orders/ord-1"],
            "prose is no id"
        );
        let t = Template::from_braces(&base(), "/api/v1/users/{user_id}").expect("t");
        assert_eq!(paths(&h.fill(&t, 2)), ["/api/v1/users/42"]);
        let t = Template::from_django(&base(), "api/v1/shelves/<int:pk>/").expect("t");
        assert_eq!(
            paths(&h.fill(&t, 2)),
            ["/api/v1/shelves/1/"],
            "nothing harvested: the sample"
        );
    }

    #[test]
    fn failed_or_non_json_answers_harvest_nothing() {
        let mut h = Harvest::default();
        let mut ex = listing("http://127.0.0.1:9/api/x", r#"[{"id":1}]"#);
        ex.response.status = 404;
        h.learn(&ex);
        h.learn(&exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/api/x",
            200,
            &[("content-type", "text/html")],
            r#"[{"id":1}]"#,
        ));
        let t = Template::from_braces(&base(), "/api/x/{id}").expect("t");
        assert_eq!(paths(&h.fill(&t, 2)), ["/api/x/1"], "the sample only");
    }
}
