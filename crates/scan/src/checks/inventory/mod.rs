//! Improper inventory management: what the API runs versus what it documents.

pub mod deprecated_live;
pub mod http_servers;
pub mod public_spec;
pub mod sibling_versions;
pub mod state_changing_exposed;
pub mod undocumented_endpoints;
pub mod unsecured_operations;
pub mod unused_security_schemes;
