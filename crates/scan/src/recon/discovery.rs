//! Route discovery without a spec: links in what the target already answered.
//!
//! Same-origin paths are taken from JSON string values and object keys (API roots
//! and OpenAPI documents list routes that way), and from `href`/`src`/`action` in
//! HTML. Path templates (`{id}`) and paths that look like they change state on GET
//! (logout, delete) are left alone.
//!
//! Django's DEBUG technical 404 page lists every URL pattern of the project; those
//! patterns become concrete routes (`<int:pk>` → `1`), see [`django_debug_routes`].

use super::templates::Template;
use crate::engine::Exchange;
use regex::Regex;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;
use url::Url;

/// Whether a path names a state-changing action: the engine's word list
/// (`engine/state_words.toml`, the read-only gate's), so that discovery never queues
/// what the engine would refuse.
fn state_changing(path: &str) -> bool {
    crate::engine::safety::words().in_path(path).is_some()
}

/// Longest path text considered.
const MAX_PATH: usize = 512;

fn href_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)(href|src|action)\s*=\s*["']([^"'#\s]{1,512})"#).expect("constant regex")
    })
}

/// Candidate links in one response, resolved against its URL, not yet scope-checked.
///
/// JSON: absolute and root-relative strings in any field (`avatar_url`, `next`, a DRF
/// root view's name → URL map), object keys that are paths (OpenAPI `paths`), and the
/// hrefs of link objects, relative ones included: HAL `_links` (`{"x": {"href": …}}`,
/// also in `_embedded` items), JSON:API `links` (`"self": "…"` or `{"href": …}`) and
/// any `href` field. HTML: `href`/`src`/`action`, relative ones included
/// (`href="scenario"`, `../api/`).
pub fn links(ex: &Exchange) -> Vec<Url> {
    scan(ex).0
}

/// Links of an HTML page (`href`, `src`: what a browser fetches with GET) to paths
/// that name a state-changing action (`<a href="/logout">`). [`links`] leaves them
/// out; the scanner records them for INV-008 without following them.
pub fn state_changing_links(ex: &Exchange) -> Vec<Url> {
    scan(ex).2
}

/// Templated links in one response (`/api/users/{id}`, HAL `"templated": true`), with
/// RFC 6570 query expansions (`{?page}`) removed. See [`super::templates`].
pub fn templates(ex: &Exchange) -> Vec<Template> {
    scan(ex).1
}

/// A link found in a body: text, whether it may be relative (an `href`), and whether
/// a browser fetches it with GET (HTML `href`/`src`, not a form's `action`).
struct Raw {
    text: String,
    relative_ok: bool,
    get_link: bool,
}

/// Links, templates, and the HTML GET links to state-changing paths.
fn scan(ex: &Exchange) -> (Vec<Url>, Vec<Template>, Vec<Url>) {
    let base = &ex.request.url;
    let text = ex.response.text();
    let mut raw: Vec<Raw> = Vec::new();
    match ex.response.content_type().as_deref() {
        Some(ct) if ct.contains("json") => {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                collect_json(&v, &mut raw, 0, Place::Plain);
            }
        }
        Some(ct) if ct.contains("html") => {
            raw.extend(
                href_re()
                    .captures_iter(&text)
                    .filter_map(|c| Some((c.get(1)?, c.get(2)?)))
                    .map(|(attr, m)| Raw {
                        text: html_unescape(m.as_str()).into_owned(),
                        relative_ok: true,
                        get_link: !attr.as_str().eq_ignore_ascii_case("action"),
                    }),
            );
        }
        _ => {}
    }
    let mut urls = Vec::new();
    let mut templates = Vec::new();
    let mut gated = Vec::new();
    for r in &raw {
        if r.text.contains('{') {
            match template_candidate(base, &r.text, r.relative_ok) {
                Some(t) if !templates.contains(&t) => templates.push(t),
                Some(_) => {}
                // Only query expansions (`/search{?q}`): the path itself is a link.
                None => urls.extend(candidate_ref(
                    base,
                    &expansion_re().replace_all(&r.text, ""),
                    r.relative_ok,
                )),
            }
        } else if let Some(u) = candidate_ref(base, &r.text, r.relative_ok) {
            if !state_changing(u.path()) {
                urls.push(u);
            } else if r.get_link && !gated.contains(&u) {
                gated.push(u);
            }
        }
    }
    urls.retain(|u| !state_changing(u.path()));
    (urls, templates, gated)
}

/// Most strings read from one JSON body.
const MAX_STRINGS: usize = 2_000;

/// Where a JSON value sits, for link collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Plain,
    /// The value of `_links` (HAL) or `links` (JSON:API): relation → link.
    Links,
    /// A relation's value: a string link (JSON:API), a link object, or an array.
    Relation,
    /// The value of an `href` field.
    Href,
}

/// Collects link texts. Relative references count only as relation strings and
/// `href` values; elsewhere only absolute and root-relative strings are links.
fn collect_json(v: &Value, out: &mut Vec<Raw>, depth: usize, place: Place) {
    if depth > 12 || out.len() > MAX_STRINGS {
        return;
    }
    match v {
        Value::String(s) => out.push(Raw {
            text: s.clone(),
            relative_ok: matches!(place, Place::Relation | Place::Href),
            get_link: false,
        }),
        Value::Array(items) => items
            .iter()
            .for_each(|i| collect_json(i, out, depth + 1, place)),
        Value::Object(map) => {
            for (k, val) in map {
                if k.starts_with('/') {
                    out.push(Raw {
                        text: k.clone(),
                        relative_ok: false,
                        get_link: false,
                    });
                }
                let child = if k == "_links" || k == "links" {
                    Place::Links
                } else if place == Place::Links {
                    Place::Relation
                } else if k == "href" {
                    Place::Href
                } else {
                    Place::Plain
                };
                collect_json(val, out, depth + 1, child);
            }
        }
        _ => {}
    }
}

/// RFC 6570 query and fragment expansions: `{?q,page}`, `{&x}`, `{#f}`.
fn expansion_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{[?&#][^{}]*\}").expect("constant regex"))
}

fn scheme_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:").expect("constant regex"))
}

/// A link text that is an absolute http(s) URL or a root-relative path, or, when
/// `relative_ok`, any relative reference (`scenario`, `../api/`), resolved against
/// `base`. Other schemes (`mailto:`, `javascript:`, `data:`), protocol-relative and
/// fragment-only links, and paths that look like they change state, are not links.
fn candidate_ref(base: &Url, raw: &str, relative_ok: bool) -> Option<Url> {
    let raw = raw.trim();
    let absolute = raw.starts_with("http://") || raw.starts_with("https://");
    let rooted = raw.starts_with('/') && !raw.starts_with("//");
    let relative = relative_ok
        && !raw.is_empty()
        && !raw.starts_with(['#', '?', '/', '\\'])
        && !scheme_re().is_match(raw);
    if !(absolute || rooted || relative)
        || raw.len() > MAX_PATH
        || raw.contains(['{', '}', '<', '>', ' ', '*'])
    {
        return None;
    }
    let mut url = base.join(raw).ok()?;
    url.set_fragment(None);
    Some(url)
}

fn candidate(base: &Url, raw: &str) -> Option<Url> {
    candidate_ref(base, raw, false)
}

/// A templated link: `{name}` path parameters; RFC 6570 query and fragment expansions
/// (`{?page,size}`, `{&x}`, `{#f}`) are dropped.
fn template_candidate(base: &Url, raw: &str, relative_ok: bool) -> Option<Template> {
    let raw = expansion_re().replace_all(raw.trim(), "");
    let absolute = raw.starts_with("http://") || raw.starts_with("https://");
    let rooted = raw.starts_with('/') && !raw.starts_with("//");
    let relative = relative_ok && !raw.starts_with(['#', '?', '/']) && !scheme_re().is_match(&raw);
    if !(absolute || rooted || relative) || raw.len() > MAX_PATH {
        return None;
    }
    let t = Template::from_braces(base, &raw)?;
    (!state_changing(&t.to_string())).then_some(t)
}

/// Whether the response is Django's DEBUG technical 404 page (the URL-pattern listing).
pub fn is_django_debug_404(ex: &Exchange) -> bool {
    if ex.response.status != 404 {
        return false;
    }
    let text = ex.response.text();
    text.contains("Django tried these URL patterns") && text.contains("DEBUG = True")
}

/// The URL patterns a Django debug 404 page lists, in order, as Django prints them
/// (`api/v2/products/<str:pk>/`, `^legacy/(?P<id>[0-9]+)/$`). Included patterns are
/// joined (`admin/` + `login/`).
pub fn django_url_patterns(html: &str) -> Vec<String> {
    let Some(start) = html.find("Django tried these URL patterns") else {
        return Vec::new();
    };
    let rest = &html[start..];
    let list = match (rest.find("<ol>"), rest.find("</ol>")) {
        (Some(a), Some(b)) if a < b => &rest[a..b],
        _ => return Vec::new(),
    };
    list.split("<li>")
        .skip(1)
        .take(MAX_PATTERNS)
        .map(pattern_of_item)
        .collect()
}

/// Most patterns read from one listing.
const MAX_PATTERNS: usize = 500;

fn pattern_of_item(item: &str) -> String {
    let mut pattern = String::new();
    for code in item.split("<code>").skip(1) {
        let inner = code.split("</code>").next().unwrap_or_default();
        let text = inner.split("[name=").next().unwrap_or_default().trim();
        pattern.push_str(&html_unescape(text));
    }
    pattern
}

/// A concrete path for a Django URL pattern: path converters (`<int:pk>`) and regex
/// `url()`/`re_path()` pieces (`^books/(?P<isbn>[0-9A-Z]+)/$`) become a sample that
/// the pattern matches (`/books/1/`); see [`Template::from_django`]. `None` when a
/// regex piece does not parse.
pub fn concrete_path(pattern: &str) -> Option<String> {
    let base = Url::parse("http://django.invalid/").ok()?;
    let url = Template::from_django(&base, pattern)?.sample()?;
    Some(url.path().to_string())
}

/// The URL patterns of a Django debug 404 page as templates, resolved against its
/// URL; patterns whose path looks state-changing are left out. Empty for any other
/// response.
pub fn django_debug_templates(ex: &Exchange) -> Vec<Template> {
    if !is_django_debug_404(ex) {
        return Vec::new();
    }
    let base = &ex.request.url;
    django_url_patterns(&ex.response.text())
        .iter()
        .filter_map(|p| Template::from_django(base, p))
        .filter(|t| !state_changing(&t.to_string()))
        .collect()
}

/// The routes a Django debug 404 page lists (each pattern's sample), resolved against
/// its URL and filtered like crawled links (no state-changing words). Empty for any
/// other response.
pub fn django_debug_routes(ex: &Exchange) -> Vec<Url> {
    django_debug_templates(ex)
        .iter()
        .filter_map(Template::sample)
        .filter_map(|u| candidate(&u, u.path()))
        .collect()
}

/// Decodes the HTML character references Django and most templates emit: the five
/// named XML ones and numeric (`&#39;`, `&#x27;`) references.
pub fn html_unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match decode_entity(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character an entity at the start of `s` stands for, and the entity's length.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let end = s.get(..12).unwrap_or(s).find(';')?;
    let name = &s[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::exchange;
    use tollgate_core::HttpMethod;

    fn paths(ex: &Exchange) -> Vec<String> {
        links(ex).iter().map(|u| u.path().to_string()).collect()
    }

    #[test]
    fn finds_paths_in_json_values_and_openapi_keys() {
        let body = r#"{"api":"/api/v2/","openapi":"/api/schema/openapi.json","paths":{"/api/v2/me/":{},"/api/v2/orders/{id}/":{}},"n":3,"name":"mug"}"#;
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/",
            200,
            &[("content-type", "application/json")],
            body,
        );
        let p = paths(&ex);
        assert!(p.contains(&"/api/v2/".to_string()));
        assert!(p.contains(&"/api/schema/openapi.json".to_string()));
        assert!(p.contains(&"/api/v2/me/".to_string()));
        assert!(
            !p.iter().any(|x| x.contains('{') || x.contains("%7B")),
            "{p:?}"
        );
        assert!(!p.contains(&"mug".to_string()));
    }

    #[test]
    fn finds_html_links_and_skips_risky_ones() {
        let body = r#"<a href="/docs/">d</a><a href="/accounts/logout/">out</a><a href="admin/reseed">r</a><a href="/db/drop">x</a><img src="https://cdn.example/x.png"><form action="/search">"#;
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/",
            200,
            &[("content-type", "text/html")],
            body,
        );
        let all = links(&ex);
        let p: Vec<&str> = all.iter().map(|u| u.path()).collect();
        assert!(p.contains(&"/docs/") && p.contains(&"/search"));
        assert!(!p.contains(&"/accounts/logout/"));
        assert!(
            !p.iter().any(|x| x.contains("reseed") || x.contains("drop")),
            "{p:?}"
        );
        assert!(
            all.iter().any(|u| u.host_str() == Some("cdn.example")),
            "scope is the caller's job"
        );
        let gated: Vec<String> = state_changing_links(&ex)
            .iter()
            .map(|u| u.path().to_string())
            .collect();
        assert_eq!(gated, ["/accounts/logout/", "/admin/reseed", "/db/drop"]);
        let form = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/",
            200,
            &[("content-type", "text/html")],
            r#"<form method="post" action="/api/cache/flush"></form>"#,
        );
        assert!(
            state_changing_links(&form).is_empty() && links(&form).is_empty(),
            "a form's action is not a GET link, and not followed"
        );
    }

    #[test]
    fn ignores_other_content_types_and_garbage() {
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/",
            200,
            &[("content-type", "text/plain")],
            "/etc/passwd",
        );
        assert!(links(&ex).is_empty());
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/",
            200,
            &[("content-type", "application/json")],
            "{not json",
        );
        assert!(links(&ex).is_empty());
    }

    const DEBUG_404: &str = r#"<title>Page not found at /x/</title>
      Using the URLconf defined in <code>testbed.urls</code>,
      Django tried these URL patterns, in this order:
      <ol>
          <li>
              <code>
                [name='index']
              </code>
          </li>
          <li>
              <code>
                api/v2/products/&lt;str:pk&gt;/
                [name='product-detail']
              </code>
          </li>
          <li>
              <code>admin/</code>
              <code>logout/ [name='logout']</code>
          </li>
          <li><code>^legacy/(?P&lt;id&gt;[0-9]+)/$</code></li>
          <li><code>^static/(?:.*)$</code></li>
          <li><code>files/&lt;uuid:key&gt;/</code></li>
          <li><code>.env [name='dotenv']</code></li>
          <li><code>^api/v1/</code> <code>^books/(?P&lt;isbn&gt;[0-9A-Z]+)/$ [name='book']</code></li>
      </ol>
      You’re seeing this error because you have <code>DEBUG = True</code> in"#;

    #[test]
    fn parses_the_django_debug_404_listing() {
        let pats = django_url_patterns(DEBUG_404);
        assert_eq!(
            pats,
            [
                "",
                "api/v2/products/<str:pk>/",
                "admin/logout/",
                "^legacy/(?P<id>[0-9]+)/$",
                "^static/(?:.*)$",
                "files/<uuid:key>/",
                ".env",
                "^api/v1/^books/(?P<isbn>[0-9A-Z]+)/$",
            ]
        );
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/tollgate-x-missing",
            404,
            &[("content-type", "text/html")],
            DEBUG_404,
        );
        let p = paths(&ex);
        let routes: Vec<String> = django_debug_routes(&ex)
            .iter()
            .map(|u| u.path().to_string())
            .collect();
        assert_eq!(
            routes,
            [
                "/",
                "/api/v2/products/1/",
                "/legacy/1/",
                "/static/",
                "/files/00000000-0000-0000-0000-000000000000/",
                "/.env",
                "/api/v1/books/1/",
            ],
            "logout is skipped; regex patterns get a sample that fits"
        );
        let templates: Vec<String> = django_debug_templates(&ex)
            .iter()
            .filter(|t| t.has_params())
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            templates,
            [
                "/api/v2/products/{pk}/",
                "/legacy/{id}/",
                "/files/{key}/",
                "/api/v1/books/{isbn}/"
            ]
        );
        assert!(p.is_empty(), "no href links on the page");
    }

    #[test]
    fn other_404_pages_list_nothing() {
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/x",
            404,
            &[("content-type", "application/json")],
            r#"{"detail":"Not found."}"#,
        );
        assert!(django_debug_routes(&ex).is_empty());
        assert!(django_url_patterns("<ol><li><code>x</code></li></ol>").is_empty());
    }

    #[test]
    fn unescapes_entities() {
        assert_eq!(
            html_unescape("&#x27;a&#39; &lt;b&gt; &amp;amp; &bogus; &"),
            "'a' <b> &amp; &bogus; &"
        );
        assert_eq!(html_unescape("plain"), "plain");
    }

    fn json_at(url: &str, ct: &str, body: &str) -> Exchange {
        exchange(HttpMethod::Get, url, 200, &[("content-type", ct)], body)
    }

    #[test]
    fn follows_relative_html_links() {
        let body = r##"<a href="scenario">s</a><a href="../api/status">st</a><a href="./x?y=1#top">x</a>
            <a href="mailto:a@b.c">m</a><a href="javascript:void(0)">j</a><a href="#frag">f</a>
            <a href="//cdn.example/x">p</a><a href="data:text/plain,hi">d</a><a href="../accounts/logout">o</a>"##;
        let ex = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/docs/",
            200,
            &[("content-type", "text/html; charset=utf-8")],
            body,
        );
        let all: Vec<String> = links(&ex).iter().map(ToString::to_string).collect();
        assert_eq!(
            all,
            [
                "http://127.0.0.1:9/docs/scenario",
                "http://127.0.0.1:9/api/status",
                "http://127.0.0.1:9/docs/x?y=1",
            ]
        );
    }

    #[test]
    fn reads_hal_jsonapi_and_url_valued_fields() {
        let hal = r#"{"name":"shop","_links":{"self":{"href":"/api"},"directory":{"href":"/api/directory"},
            "orders":{"href":"orders"},"user":{"href":"/api/users/{id}","templated":true},
            "search":{"href":"/api/search{?q,page}","templated":true},"curies":[{"href":"rels/{rel}","name":"x"}]},
            "_embedded":{"items":[{"sku":"A-1","_links":{"self":{"href":"/api/items/1"}}}]}}"#;
        let ex = json_at("http://127.0.0.1:9/api", "application/hal+json", hal);
        let p = paths(&ex);
        for want in [
            "/api",
            "/api/directory",
            "/orders",
            "/api/items/1",
            "/api/search",
        ] {
            assert!(p.contains(&want.to_string()), "{want} in {p:?}");
        }
        let t: Vec<String> = templates(&ex).iter().map(ToString::to_string).collect();
        assert_eq!(
            t,
            ["/rels/{rel}", "/api/users/{id}"],
            "serde_json keeps keys sorted"
        );

        let jsonapi = r#"{"data":[{"type":"articles","id":"1","attributes":{"title":"see docs/x","body":"hello"},
            "links":{"self":"/api/articles/1"}}],"links":{"self":"/api/articles","export":"/api/articles/export","related":{"href":"export/v2"}}}"#;
        let ex = json_at(
            "http://127.0.0.1:9/api/articles",
            "application/vnd.api+json",
            jsonapi,
        );
        let p = paths(&ex);
        for want in ["/api/articles/1", "/api/articles/export", "/api/export/v2"] {
            assert!(p.contains(&want.to_string()), "{want} in {p:?}");
        }
        assert!(
            !p.iter().any(|x| x.contains("docs")),
            "prose is no link: {p:?}"
        );

        let me = r#"{"id":2,"username":"alice","bio":"tea/coffee","avatar_url":"http://127.0.0.1:9/api/media/proxy?src=%2Fimg%2Fa.png",
            "next":"/api/users?page=2","homepage":"https://blog.example/alice","drf":{"users":"http://127.0.0.1:9/api/v1/users/"}}"#;
        let ex = json_at("http://127.0.0.1:9/api/me", "application/json", me);
        let all: Vec<String> = links(&ex).iter().map(ToString::to_string).collect();
        assert!(
            all.contains(&"http://127.0.0.1:9/api/media/proxy?src=%2Fimg%2Fa.png".to_string()),
            "{all:?}"
        );
        assert!(all.contains(&"http://127.0.0.1:9/api/users?page=2".to_string()));
        assert!(all.contains(&"http://127.0.0.1:9/api/v1/users/".to_string()));
        assert!(
            !all.iter().any(|u| u.contains("tea")),
            "relative text outside links is no link"
        );
    }
}
