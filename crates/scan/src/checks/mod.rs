//! Every check, one file each, grouped by category. `registry.rs` lists them.

pub mod api_support;
pub mod api_surface;
pub mod auth;
pub mod bfla;
pub mod bola;
pub mod common;
pub mod container;
pub mod credential_fields;
pub mod exposure;
pub mod injection;
pub mod inventory;
pub mod leak;
pub mod misconfig;
pub mod property;
pub mod registry;
pub mod resource;
pub mod ssrf;
pub mod transport;
