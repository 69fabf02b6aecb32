//! Encryption & transport checks.
pub mod hsts;
pub mod plain_http;
