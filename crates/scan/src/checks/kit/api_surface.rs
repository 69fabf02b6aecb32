//! What is an API operation and what is not: static assets (stylesheets, scripts,
//! images, fonts, the favicon, source maps) and HTML pages are served by most web
//! stacks beside the API, and are not operations for the inventory, size and rate
//! checks. Judged by content type first, then by the path's extension.

use crate::engine::Exchange;
use url::Url;

/// Extensions of static assets, with an example path each (tested below).
const ASSET_EXTENSIONS: &[(&str, &str)] = &[
    ("css", "/static/site.css"),
    ("js", "/static/app.js"),
    ("mjs", "/assets/chunk.mjs"),
    ("map", "/static/app.js.map"),
    ("ico", "/favicon.ico"),
    ("png", "/img/logo.png"),
    ("jpg", "/media/photo.jpg"),
    ("jpeg", "/media/photo.jpeg"),
    ("gif", "/img/spinner.gif"),
    ("svg", "/img/icon.svg"),
    ("webp", "/img/hero.webp"),
    ("avif", "/img/hero.avif"),
    ("bmp", "/img/old.bmp"),
    ("woff", "/fonts/inter.woff"),
    ("woff2", "/fonts/inter.woff2"),
    ("ttf", "/fonts/inter.ttf"),
    ("otf", "/fonts/inter.otf"),
    ("eot", "/fonts/inter.eot"),
    ("webmanifest", "/site.webmanifest"),
    ("html", "/about.html"),
    ("htm", "/index.htm"),
];

/// Content types of static assets (prefixes).
const ASSET_TYPES: &[&str] = &[
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "image/",
    "font/",
    "application/font",
    "application/x-font",
    "application/vnd.ms-fontobject",
    "application/manifest+json",
];

/// Whether the URL's path names a static asset by its extension.
pub fn is_asset_path(url: &Url) -> bool {
    let last = url.path().rsplit('/').next().unwrap_or("");
    last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && ASSET_EXTENSIONS
                .iter()
                .any(|(e, _)| ext.eq_ignore_ascii_case(e))
    })
}

/// Whether the answer is a static asset, by its content type or its path.
pub fn is_static_asset(ex: &Exchange) -> bool {
    let typed = ex.response.content_type().is_some_and(|ct| {
        let ct = ct.to_ascii_lowercase();
        ASSET_TYPES.iter().any(|t| ct.starts_with(t))
    });
    typed || is_asset_path(&ex.request.url)
}

/// Whether the answer is an HTML page (a CMS page, a single-page app's shell).
pub fn is_html_page(ex: &Exchange) -> bool {
    let typed = ex
        .response
        .content_type()
        .is_some_and(|c| c == "text/html" || c == "application/xhtml+xml");
    let head = ex
        .response
        .body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect::<Vec<u8>>();
    typed || head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

/// Whether the answer is an API operation's: neither a static asset nor an HTML page.
pub fn is_api_answer(ex: &Exchange) -> bool {
    !is_static_asset(ex) && !is_html_page(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::exchange;
    use tollgate_core::HttpMethod;

    fn get(url: &str, ct: &str, body: &str) -> Exchange {
        exchange(HttpMethod::Get, url, 200, &[("content-type", ct)], body)
    }

    #[test]
    fn every_listed_extension_is_an_asset() {
        for (ext, example) in ASSET_EXTENSIONS {
            let url = Url::parse(&format!("http://127.0.0.1:9{example}")).expect("url");
            assert!(is_asset_path(&url), "{ext}: {example}");
        }
    }

    #[test]
    fn assets_and_pages_are_not_api_answers() {
        for ex in [
            get(
                "http://127.0.0.1:9/favicon.ico",
                "image/x-icon",
                "\0\0\u{1}",
            ),
            get("http://127.0.0.1:9/static/site.css", "text/css", "body{}"),
            get(
                "http://127.0.0.1:9/bundle",
                "application/javascript",
                "var a;",
            ),
            get("http://127.0.0.1:9/fonts/x", "font/woff2", "wOF2"),
            get(
                "http://127.0.0.1:9/blog/hello-world/",
                "text/html; charset=utf-8",
                "<!DOCTYPE html><html><body>Hello</body></html>",
            ),
            get(
                "http://127.0.0.1:9/page",
                "application/octet-stream",
                "  <html><body>x</body></html>",
            ),
        ] {
            assert!(!is_api_answer(&ex), "{}", ex.request.url);
        }
    }

    #[test]
    fn json_operations_are_api_answers() {
        for ex in [
            get("http://127.0.0.1:9/api/v2/users/", "application/json", "[]"),
            get(
                "http://127.0.0.1:9/api/export.json",
                "application/json",
                "{}",
            ),
            get("http://127.0.0.1:9/api/v1/.well-known", "text/plain", "ok"),
            get(
                "http://127.0.0.1:9/metrics",
                "text/plain; version=0.0.4",
                "up 1",
            ),
        ] {
            assert!(is_api_answer(&ex), "{}", ex.request.url);
        }
    }
}
