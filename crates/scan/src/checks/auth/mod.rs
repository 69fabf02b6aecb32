//! Authentication checks: enforcement, token transport, token reflection, JWT weaknesses.
//!
//! `support` and `spec_hint` are shared helpers (baselines, the token-probe endpoint,
//! forging, the OpenAPI security hints); every other file is one check.

pub mod guessable_code;
pub mod invalid_bearer;
pub mod jwt_alg_none;
pub mod jwt_aud_not_checked;
pub mod jwt_claims;
pub mod jwt_claims_trusted;
pub mod jwt_exp_not_checked;
pub mod jwt_kid_path;
pub mod jwt_signature_not_verified;
pub mod jwt_weak_secret;
pub mod login_surface;
pub mod method_bypass;
pub mod token_in_query;
pub mod token_reflection;
pub mod unauthenticated_data;
pub mod www_authenticate;

#[cfg(feature = "testkit")]
#[doc(hidden)]
pub mod test_support;
