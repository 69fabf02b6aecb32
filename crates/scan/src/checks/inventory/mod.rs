//! Improper inventory management: what the API runs versus what it documents.

pub mod public_spec;
pub mod sibling_versions;
pub mod undocumented_endpoints;
