//! docker-compose rules (CMP-).

pub mod capabilities;
pub mod confinement;
pub mod devices_api;
pub mod env_tokens;
pub mod host_namespaces;
pub mod host_path;
pub mod no_new_privileges;
pub mod privileged;
pub mod read_only;
pub mod root_user;
pub mod runtime_socket;

use crate::parse::compose::{self, Service};
use crate::project::AuditFile;

/// Every service of every document of a compose file.
pub(crate) fn services(file: &AuditFile) -> Vec<Service<'_>> {
    file.compose()
        .unwrap_or(&[])
        .iter()
        .flat_map(compose::services)
        .collect()
}
