//! Route discovery without a spec: links in what the target already answered.
//!
//! Same-origin paths are taken from JSON string values and object keys (API roots
//! and OpenAPI documents list routes that way), and from `href`/`src`/`action` in
//! HTML. Path templates (`{id}`) and paths that look like they change state on GET
//! (logout, delete) are left alone.
//!
//! Django's DEBUG technical 404 page lists every URL pattern of the project; those
//! patterns become concrete routes (`<int:pk>` → `1`), see [`django_debug_routes`].

use crate::engine::Exchange;
use regex::Regex;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;
use url::Url;

/// Words in a path that suggest a GET changes state; such paths are not crawled.
const RISKY: &[&str] = &[
    "logout",
    "signout",
    "sign-out",
    "log-out",
    "delete",
    "remove",
    "destroy",
    "unsubscribe",
    "reset",
];

/// Longest path text considered.
const MAX_PATH: usize = 512;

fn href_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)(?:href|src|action)\s*=\s*["']([^"'#\s]{1,512})"#)
            .expect("constant regex")
    })
}

/// Candidate links in one response, resolved against its URL, not yet scope-checked.
pub fn links(ex: &Exchange) -> Vec<Url> {
    let base = &ex.request.url;
    let text = ex.response.text();
    let mut raw: Vec<String> = Vec::new();
    match ex.response.content_type().as_deref() {
        Some(ct) if ct.contains("json") => {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                collect_json(&v, &mut raw, 0);
            }
        }
        Some(ct) if ct.contains("html") => {
            raw.extend(
                href_re()
                    .captures_iter(&text)
                    .filter_map(|c| c.get(1))
                    .map(|m| m.as_str().to_string()),
            );
        }
        _ => {}
    }
    raw.iter().filter_map(|r| candidate(base, r)).collect()
}

fn collect_json(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 12 || out.len() > 2_000 {
        return;
    }
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect_json(i, out, depth + 1)),
        Value::Object(map) => {
            for (k, val) in map {
                if k.starts_with('/') {
                    out.push(k.clone());
                }
                collect_json(val, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn candidate(base: &Url, raw: &str) -> Option<Url> {
    let raw = raw.trim();
    let looks_like_link =
        raw.starts_with('/') || raw.starts_with("http://") || raw.starts_with("https://");
    if !looks_like_link
        || raw.starts_with("//")
        || raw.len() > MAX_PATH
        || raw.contains(['{', '}', '<', '>', ' ', '*'])
    {
        return None;
    }
    let mut url = base.join(raw).ok()?;
    url.set_fragment(None);
    let lower = url.path().to_ascii_lowercase();
    if RISKY.iter().any(|w| lower.contains(w)) {
        return None;
    }
    Some(url)
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

/// A concrete path for a Django URL pattern: path converters and named regex groups
/// become sample values (`1`, or the nil UUID), `^`/`$` anchors go. `None` when the
/// pattern keeps regex syntax that has no single obvious value.
pub fn concrete_path(pattern: &str) -> Option<String> {
    static GROUP: OnceLock<Regex> = OnceLock::new();
    static CONVERTER: OnceLock<Regex> = OnceLock::new();
    let group = GROUP.get_or_init(|| {
        Regex::new(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>[^()]*\)").expect("constant regex")
    });
    let converter = CONVERTER.get_or_init(|| {
        Regex::new(r"<(?:([A-Za-z_][A-Za-z0-9_]*):)?[A-Za-z_][A-Za-z0-9_]*>")
            .expect("constant regex")
    });
    let p = pattern.trim().trim_start_matches('^').trim_end_matches('$');
    let p = group.replace_all(p, "1");
    let p = converter.replace_all(&p, |c: &regex::Captures<'_>| {
        match c.get(1).map(|m| m.as_str()) {
            Some("uuid") => "00000000-0000-0000-0000-000000000000",
            _ => "1",
        }
    });
    let p = p
        .replace("\\.", ".")
        .replace("\\/", "/")
        .replace("\\-", "-");
    if p.contains([
        '(', ')', '[', ']', '{', '}', '*', '+', '?', '|', '\\', '<', '>', ' ',
    ]) {
        return None;
    }
    Some(format!("/{}", p.trim_start_matches('/')))
}

/// The routes a Django debug 404 page lists, resolved against its URL and filtered like
/// crawled links (no state-changing words). Empty for any other response.
pub fn django_debug_routes(ex: &Exchange) -> Vec<Url> {
    if !is_django_debug_404(ex) {
        return Vec::new();
    }
    let base = &ex.request.url;
    django_url_patterns(&ex.response.text())
        .iter()
        .filter_map(|p| concrete_path(p))
        .filter_map(|path| candidate(base, &path))
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
        let body = r#"<a href="/docs/">d</a><a href="/accounts/logout/">out</a><img src="https://cdn.example/x.png"><form action="/search">"#;
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
            all.iter().any(|u| u.host_str() == Some("cdn.example")),
            "scope is the caller's job"
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
                ".env"
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
                "/files/00000000-0000-0000-0000-000000000000/",
                "/.env"
            ],
            "logout is skipped, an unnamed regex has no single value"
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
}
