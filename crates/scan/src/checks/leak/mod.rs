//! Data exposure checks: tokens and secrets leaking through error pages, files, logs and responses.
//!
//! Secret detection comes from the `tollgate-secrets` pattern library; `support` turns
//! its matches into masked facts and masks them in the evidence.

pub mod cacheable_auth_response;
pub mod debug_error_page;
pub mod django_debug_404;
pub mod exposed_files;
pub mod exposed_logs;
pub mod secrets_in_responses;
