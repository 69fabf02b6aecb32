//! Cross-registry invariant: no audit rule ID is also a scan check ID (the two
//! registries share one report, one baseline and one suppression list).
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use tollgate_audit::registry;

#[test]
fn ids_do_not_collide_with_scan_checks() {
    let scan: HashSet<String> = tollgate_scan::registry::all()
        .iter()
        .map(|c| c.meta().id.to_string())
        .collect();
    for r in registry::all() {
        assert!(
            !scan.contains(r.meta().id.as_str()),
            "{} is also a scan check",
            r.meta().id
        );
    }
}
