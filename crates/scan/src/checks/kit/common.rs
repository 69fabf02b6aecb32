//! Helpers shared by several checks.

use crate::check::CheckCtx;
use crate::engine::{Exchange, ProbeRequest};
use std::sync::Arc;
use tollgate_core::HttpMethod;
use url::Url;

/// Recorded exchanges with the target (in scope, a real answer: not 5xx, not a
/// redirect), in the context's stable order ([`CheckCtx::transcript`]).
pub fn target_responses(ctx: &CheckCtx) -> Vec<Arc<Exchange>> {
    ctx.transcript()
        .into_iter()
        .filter(|e| ctx.in_scope(&e.request.url))
        .filter(|e| e.request.method == HttpMethod::Get)
        .filter(|e| e.response.status < 500 && !(300..400).contains(&e.response.status))
        .collect()
}

/// Whether a header's comma-separated list contains `token` (case-insensitive).
pub fn list_contains(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Whether a response body is HTML.
pub fn is_html(ex: &Exchange) -> bool {
    ex.response
        .content_type()
        .is_some_and(|c| c == "text/html" || c == "application/xhtml+xml")
}

/// The URL with query parameter `name` set to `value`: an existing value is replaced
/// where it stands, a new parameter goes last.
pub fn with_query_param(url: &Url, name: &str, value: &str) -> Url {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match pairs.iter_mut().find(|(k, _)| k == name) {
        Some(pair) => pair.1 = value.to_string(),
        None => pairs.push((name.to_string(), value.to_string())),
    }
    let mut out = url.clone();
    out.set_query(None);
    out.query_pairs_mut().extend_pairs(pairs);
    out
}

/// Sends a probe; a failure (refused by the engine, out of budget, a timeout while the
/// target works on it) is logged and otherwise ignored.
pub async fn send_quiet(ctx: &CheckCtx, req: ProbeRequest) -> Option<Arc<Exchange>> {
    match ctx.send(req).await {
        Ok(ex) => Some(ex),
        Err(e) => {
            tracing::debug!(check = %ctx.meta().id, error = %e, "probe not answered");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_query_param_replaces_in_place_or_appends() {
        let u = Url::parse("http://h/x?a=1&next=/home&b=2").expect("url");
        let v = with_query_param(&u, "next", "http://127.0.0.1:1/t");
        assert_eq!(
            v.as_str(),
            "http://h/x?a=1&next=http%3A%2F%2F127.0.0.1%3A1%2Ft&b=2"
        );
        let w = with_query_param(&Url::parse("http://h/x").expect("url"), "url", "v");
        assert_eq!(w.as_str(), "http://h/x?url=v");
        let q = with_query_param(&Url::parse("http://h/s?q=k").expect("url"), "q", "a'b");
        assert_eq!(q.query(), Some("q=a%27b"));
    }
}
