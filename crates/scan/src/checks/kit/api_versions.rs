//! API versions in paths: `/api/v2/users/` is version 2 under `/api/`, and the
//! versions an OpenAPI document covers (INV-003, INV-004).

use crate::recon::spec::ApiSpec;
use std::collections::BTreeSet;

/// `(prefix, n)` for a path with a `v<n>` segment: `/api/v2/users/` → (`/api/`, 2).
pub fn version_of(path: &str) -> Option<(String, u32)> {
    let mut prefix = String::from("/");
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let lower = seg.to_ascii_lowercase();
        if let Some(n) = lower.strip_prefix('v').and_then(|d| d.parse::<u32>().ok()) {
            return Some((prefix, n));
        }
        prefix.push_str(seg);
        prefix.push('/');
    }
    None
}

/// The versioned prefixes the document covers, with the server base path.
pub fn documented_versions(spec: &ApiSpec) -> BTreeSet<(String, u32)> {
    let base = spec.model.base_path();
    spec.model
        .operations
        .iter()
        .filter_map(|o| version_of(&format!("{base}{}", o.path)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_version_segment_and_its_prefix() {
        assert_eq!(version_of("/api/v2/users/"), Some(("/api/".into(), 2)));
        assert_eq!(version_of("/V1/items"), Some(("/".into(), 1)));
        assert_eq!(version_of("/api/users/"), None);
        assert_eq!(version_of("/api/vendors/"), None);
    }
}
