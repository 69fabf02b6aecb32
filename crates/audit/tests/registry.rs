//! Registry invariants of the audit rules, the same as the scan checks': IDs unique and
//! well-formed, prefixes match the artefact, metadata honest (passive, no methods, no
//! budget), docs complete.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use tollgate_audit::registry;
use tollgate_core::SafetyClass;

#[test]
fn ids_are_unique_well_formed_and_use_the_artefact_prefixes() {
    let mut seen = HashSet::new();
    for r in registry::all() {
        let id = &r.meta().id;
        assert!(id.is_well_formed(), "{id} is not PREFIX-NNN");
        assert!(seen.insert(id.clone()), "{id} registered twice");
        let prefix = id.as_str().split('-').next().unwrap();
        assert!(
            ["DKR", "CMP", "K8S", "SH", "DJ", "PY"].contains(&prefix),
            "{id} has an unknown prefix"
        );
    }
    assert!(registry::all().len() >= 50, "{}", registry::all().len());
}

#[test]
fn registry_is_grouped_by_prefix_in_order() {
    let order = ["DKR", "CMP", "K8S", "SH", "DJ", "PY"];
    let ranks: Vec<usize> = registry::all()
        .iter()
        .map(|r| {
            order
                .iter()
                .position(|p| r.meta().id.as_str().starts_with(&format!("{p}-")))
                .unwrap()
        })
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "rules are listed out of their sections"
    );
}

#[test]
fn every_rule_is_documented() {
    for r in registry::all() {
        let m = r.meta();
        let problems = m.doc_problems();
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(
            m.docs
                .references
                .iter()
                .any(|r| r.contains(&format!("cwe.mitre.org/data/definitions/{}.html", m.cwe))),
            "{} does not cite its CWE",
            m.id
        );
    }
}

#[test]
fn rules_are_passive_and_send_nothing() {
    for r in registry::all() {
        let m = r.meta();
        assert_eq!(m.safety, SafetyClass::Passive, "{} must be passive", m.id);
        assert!(m.methods.is_empty(), "{} declares HTTP methods", m.id);
        assert_eq!(m.budget, 0, "{} has a request budget", m.id);
    }
}

#[test]
fn find_is_case_insensitive() {
    assert!(registry::find("dkr-001").is_some());
    assert!(registry::find("K8S-012").is_some());
    assert!(registry::find("NOPE-001").is_none());
}
