//! Route discovery without a spec: links in what the target already answered.
//!
//! Same-origin paths are taken from JSON string values and object keys (API roots
//! and OpenAPI documents list routes that way), and from `href`/`src`/`action` in
//! HTML. Path templates (`{id}`) and paths that look like they change state on GET
//! (logout, delete) are left alone.

use crate::engine::Exchange;
use regex::Regex;
use serde_json::Value;
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
}
