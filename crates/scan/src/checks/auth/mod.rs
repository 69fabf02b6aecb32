//! Authentication checks: enforcement, token transport, token reflection, JWT weaknesses.
//!
//! `support` and `spec_hint` are shared helpers (baselines, the token-probe endpoint,
//! forging, the OpenAPI security hints); every other file is one check.

pub mod spec_hint;
pub mod support;
pub mod unauthenticated_data;
