//! The one explicit list of checks, in run order.
//!
//! Each section below belongs to one category; add a check by adding one line in its
//! section (and nowhere else).

use super::*;
use crate::check::Check;

static CHECKS: &[&'static dyn Check] = &[
    // ---- Authentication (AUTH-)
    // ---- Encryption & transport (TLS-)
    &transport::plain_http::PlainHttp,
    &transport::hsts::MissingHsts,
    // ---- Input validation & misconfiguration (MISC-)
    &misconfig::nosniff::MissingNosniff,
    &misconfig::clickjacking::Clickjacking,
    &misconfig::cors::Cors,
    &misconfig::cookie_flags::CookieFlags,
    &misconfig::version_disclosure::VersionDisclosure,
    &misconfig::trace::TraceEnabled,
    &misconfig::dangerous_methods::DangerousMethods,
    // ---- Data exposure (LEAK-)
    &exposure::cacheable_auth_response::CacheableAuthResponse,
    // ---- SSRF and unsafe consumption (SSRF-, UC-)
    // ---- Container & host exposure (CONT-)
];

/// Every registered check.
pub fn all() -> &'static [&'static dyn Check] {
    CHECKS
}

/// The check with this ID.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CHECKS.iter().copied().find(|c| c.meta().id.as_str().eq_ignore_ascii_case(id))
}
