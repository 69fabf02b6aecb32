//! The one explicit list of checks, in run order.

use super::{exposure, misconfig, transport};
use crate::check::Check;

static CHECKS: &[&'static dyn Check] = &[
    // Authentication, transport
    &transport::plain_http::PlainHttp,
    &transport::hsts::MissingHsts,
    // Input validation & misconfiguration
    &misconfig::nosniff::MissingNosniff,
    &misconfig::clickjacking::Clickjacking,
    &misconfig::cors::Cors,
    &misconfig::cookie_flags::CookieFlags,
    &misconfig::version_disclosure::VersionDisclosure,
    &misconfig::trace::TraceEnabled,
    &misconfig::dangerous_methods::DangerousMethods,
    // Data exposure
    &exposure::cacheable_auth_response::CacheableAuthResponse,
];

/// Every registered check.
pub fn all() -> &'static [&'static dyn Check] {
    CHECKS
}

/// The check with this ID.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CHECKS
        .iter()
        .copied()
        .find(|c| c.meta().id.as_str().eq_ignore_ascii_case(id))
}
