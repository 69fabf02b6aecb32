//! Every check, one file each, grouped by category. `registry.rs` lists them.

pub mod common;
pub mod exposure;
pub mod misconfig;
pub mod registry;
pub mod transport;
