//! The kit: code the checks share, each part named for what it does.
//!
//! - `admin_operations`: which operations are administrative (BFLA-001, BFLA-002);
//! - `common`: the target's recorded answers in a stable order, header helpers;
//! - `api_support`: who the identities are, JSON answers, the API document's operations;
//! - `api_surface`: whether a route is an API operation (not a static asset or page);
//! - `credential_fields`: whether a field's name and value make it a credential;
//! - `error_probes`: safe requests planned to make a framework fail (LEAK-002);
//! - `tables`: loading the detection tables (TOML with examples) and checking them;
//! - `write_support`: creating, reading back and cleaning up objects (intrusive checks).

pub mod admin_operations;
pub mod api_support;
pub mod api_surface;
pub mod common;
pub mod credential_fields;
pub mod error_probes;
pub mod tables;
pub mod write_support;
