//! Every check, one file each, grouped by category. `registry.rs` lists them.

pub mod auth;
pub mod common;
pub mod container;
pub mod exposure;
pub mod leak;
pub mod misconfig;
pub mod registry;
pub mod ssrf;
pub mod transport;
