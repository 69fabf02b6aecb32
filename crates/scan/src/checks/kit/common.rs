//! Helpers shared by several checks.

use crate::check::CheckCtx;
use crate::engine::Exchange;
use std::sync::Arc;
use tollgate_core::HttpMethod;

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
