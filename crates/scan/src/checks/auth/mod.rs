//! Authentication checks: enforcement, token transport, token reflection, JWT weaknesses.
//!
//! `support` and `spec_hint` are shared helpers (baselines, the token-probe endpoint,
//! forging, the OpenAPI security hints); every other file is one check.

pub mod invalid_bearer;
pub mod spec_hint;
pub mod support;
pub mod token_in_query;
pub mod token_reflection;
pub mod unauthenticated_data;
pub mod www_authenticate;

#[cfg(any(test, feature = "testkit"))]
#[doc(hidden)]
pub mod test_support;
