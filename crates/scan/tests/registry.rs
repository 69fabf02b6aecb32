//! Registry invariants: IDs, metadata, docs, and that safety metadata is honest.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use tollgate_core::SafetyClass;
use tollgate_scan::registry;

#[test]
fn ids_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for c in registry::all() {
        let id = &c.meta().id;
        assert!(id.is_well_formed(), "{id} is not PREFIX-NNN");
        assert!(seen.insert(id.clone()), "{id} registered twice");
    }
    assert!(registry::all().len() >= 10);
}

#[test]
fn prefixes_match_categories() {
    use tollgate_core::Category::*;
    for c in registry::all() {
        let m = c.meta();
        let prefix = m.id.as_str().split('-').next().unwrap();
        let expected: &[&str] = match m.category {
            Authentication => &["AUTH"],
            Bola => &["BOLA"],
            Bfla => &["BFLA"],
            PropertyAuthorization => &["PROP"],
            // Injection has no OWASP API 2023 category of its own (docs/scoring.md).
            InputValidationMisconfiguration => &["MISC", "INJ"],
            RateLimitingResourceConsumption => &["RATE"],
            DataExposure => &["LEAK"],
            EncryptionTransport => &["TLS"],
            Ssrf => &["SSRF"],
            Inventory => &["INV"],
            UnsafeConsumption => &["UC"],
            ContainerHostExposure => &["CONT"],
        };
        assert!(
            expected.contains(&prefix),
            "{} is in {:?}",
            m.id,
            m.category
        );
    }
}

#[test]
fn every_check_is_documented() {
    let problems: Vec<String> = registry::all()
        .iter()
        .flat_map(|c| c.meta().doc_problems())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn safety_metadata_is_consistent() {
    for c in registry::all() {
        let m = c.meta();
        match m.safety {
            SafetyClass::Passive => {
                assert!(
                    m.methods.is_empty(),
                    "{} is passive but declares methods",
                    m.id
                );
                assert_eq!(m.budget, 0, "{} is passive but has a request budget", m.id);
            }
            SafetyClass::Safe => {
                assert!(
                    !m.methods.is_empty() && m.budget > 0,
                    "{} is safe but cannot send",
                    m.id
                );
                assert!(
                    m.methods.iter().all(|x| x.is_safe()),
                    "{} is safe but declares an unsafe method",
                    m.id
                );
            }
            SafetyClass::Intrusive => {
                assert!(m.budget > 0, "{} is intrusive without a budget", m.id)
            }
        }
    }
}

#[test]
fn find_is_case_insensitive() {
    assert!(registry::find("misc-001").is_some());
    assert!(registry::find("NOPE-001").is_none());
}
