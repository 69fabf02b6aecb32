//! What tollgate learns about the target before the checks run.

pub mod discovery;
pub mod fingerprint;
pub mod hidden_routes;
pub mod soft404;
pub mod spec;
pub mod templates;

pub use fingerprint::fingerprint;
pub use soft404::Soft404;

use tollgate_core::Technology;
use url::Url;

/// Facts about the target shared by every check.
#[derive(Debug, Clone)]
pub struct TargetInfo {
    pub url: Url,
    pub technologies: Vec<Technology>,
    pub soft404: Soft404,
    /// The identity used for authenticated probes (the first configured one).
    pub primary_identity: Option<String>,
    /// Every configured identity name.
    pub identities: Vec<String>,
    /// Same-origin routes found while seeding (the target itself first).
    pub routes: Vec<Url>,
    /// The OpenAPI document: supplied (`--spec`) or found on the target.
    pub spec: Option<std::sync::Arc<spec::ApiSpec>>,
}

impl TargetInfo {
    pub fn is(&self, tech: &str) -> bool {
        self.technologies.iter().any(|t| t.name == tech)
    }
}
