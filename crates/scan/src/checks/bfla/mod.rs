//! Broken function level authorization: privileged operations open to ordinary users.

pub mod admin_functions;
pub mod admin_writes;
