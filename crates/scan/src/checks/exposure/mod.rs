//! Data exposure checks.
pub mod cacheable_auth_response;
