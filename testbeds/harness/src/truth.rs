//! The typed ground truth of a testbed (`ground_truth.toml`).

use crate::{Stack, TestbedError};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tollgate_core::{CheckId, Severity};

/// Everything planted in vulnerable mode, and what hardened mode may still report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundTruth {
    #[serde(rename = "weakness", default)]
    pub weaknesses: Vec<Weakness>,
    #[serde(default)]
    pub hardened_allowed: Vec<HardenedAllowed>,
}

/// One planted weakness.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weakness {
    /// Stable kebab-case id.
    pub id: String,
    /// Where it lives; `docker:/path` is on the fake Docker Engine API's port.
    pub route: String,
    /// Checks that satisfy it: any one of them, or every one when `all` is set.
    pub checks: Vec<CheckId>,
    #[serde(default)]
    pub all: bool,
    /// Lowest acceptable reported severity.
    pub min_severity: Severity,
    /// Whether a scanner needs one of the supplied tokens to find it.
    pub needs_token: bool,
    /// Which supplied identity (alice, bob, admin), when `needs_token`.
    #[serde(default)]
    pub identity: Option<String>,
    pub description: String,
}

/// A finding legitimately expected in hardened mode.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardenedAllowed {
    pub check: CheckId,
    pub reason: String,
    /// Narrows the allowance to one route (path prefix).
    #[serde(default)]
    pub route: Option<String>,
}

/// A ground-truth route reduced to what a finding's URL is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// On the fake Docker Engine API's origin rather than the target's.
    pub docker: bool,
    /// The path, without the query (`/api/v2/orders/`).
    pub path: String,
}

impl Route {
    pub fn parse(route: &str) -> Route {
        let (docker, rest) = match route.strip_prefix("docker:") {
            Some(rest) => (true, rest),
            None => (false, route),
        };
        let path = rest.split(['?', '#']).next().unwrap_or(rest);
        let path = if path.is_empty() { "/" } else { path };
        Route {
            docker,
            path: path.to_string(),
        }
    }

    /// Whether `path` is this route's path or below it.
    pub fn covers(&self, path: &str) -> bool {
        path == self.path
            || (path.starts_with(&self.path)
                && (self.path.ends_with('/') || path[self.path.len()..].starts_with('/')))
    }
}

impl Weakness {
    pub fn route(&self) -> Route {
        Route::parse(&self.route)
    }
}

impl GroundTruth {
    /// `testbeds/django/ground_truth.toml`.
    pub fn django() -> Result<GroundTruth, TestbedError> {
        GroundTruth::load(&GroundTruth::django_path())
    }

    /// Where the Django testbed's ground truth lives.
    pub fn django_path() -> PathBuf {
        GroundTruth::path_of(Stack::Django)
    }

    /// `testbeds/<stack>/ground_truth.toml`.
    pub fn of(stack: Stack) -> Result<GroundTruth, TestbedError> {
        GroundTruth::load(&GroundTruth::path_of(stack))
    }

    /// Where a testbed's ground truth lives.
    pub fn path_of(stack: Stack) -> PathBuf {
        stack.dir().join("ground_truth.toml")
    }

    pub fn load(path: &Path) -> Result<GroundTruth, TestbedError> {
        let text = std::fs::read_to_string(path)
            .map_err(TestbedError::io(format!("reading {}", path.display())))?;
        GroundTruth::parse(&text).map_err(|message| TestbedError::GroundTruth {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses and validates the TOML text.
    pub fn parse(text: &str) -> Result<GroundTruth, String> {
        let truth: GroundTruth = toml::from_str(text).map_err(|e| e.to_string())?;
        truth.validate()?;
        Ok(truth)
    }

    /// Unique ids, well-formed check IDs, `identity` present exactly when `needs_token`.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for w in &self.weaknesses {
            if !seen.insert(w.id.as_str()) {
                return Err(format!("weakness `{}` is listed twice", w.id));
            }
            if w.checks.is_empty() {
                return Err(format!("weakness `{}` names no check", w.id));
            }
            if let Some(bad) = w.checks.iter().find(|c| !c.is_well_formed()) {
                return Err(format!("weakness `{}`: malformed check ID `{bad}`", w.id));
            }
            if w.needs_token != w.identity.is_some() {
                return Err(format!(
                    "weakness `{}`: `identity` must be set exactly when `needs_token` is true",
                    w.id
                ));
            }
            if !w.route.starts_with('/') && !w.route.starts_with("docker:/") {
                return Err(format!(
                    "weakness `{}`: route `{}` must start with `/` or `docker:/`",
                    w.id, w.route
                ));
            }
        }
        if let Some(bad) = self
            .hardened_allowed
            .iter()
            .find(|a| !a.check.is_well_formed())
        {
            return Err(format!(
                "hardened_allowed: malformed check ID `{}`",
                bad.check
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_django_ground_truth_parses() {
        let truth = GroundTruth::django().expect("ground truth");
        assert!(truth.weaknesses.len() >= 30, "{}", truth.weaknesses.len());
        assert!(truth
            .hardened_allowed
            .iter()
            .any(|a| a.check.as_str() == "TLS-002"));
        let products = truth
            .hardened_allowed
            .iter()
            .find(|a| a.check.as_str() == "AUTH-001")
            .expect("AUTH-001 allowance");
        assert_eq!(products.route.as_deref(), Some("/api/v2/products/"));
        let docker = truth
            .weaknesses
            .iter()
            .find(|w| w.id == "docker-engine-exposed")
            .expect("docker row");
        assert_eq!(
            docker.route(),
            Route {
                docker: true,
                path: "/version".into()
            }
        );
        assert!(GroundTruth::django_path().is_file());
    }

    #[test]
    fn the_express_ground_truth_parses() {
        let truth = GroundTruth::of(Stack::Express).expect("ground truth");
        assert!(truth.weaknesses.len() >= 30, "{}", truth.weaknesses.len());
        assert!(truth.weaknesses.iter().all(|w| !w.route().docker));
        for id in ["INV-008", "BOLA-003", "INJ-001", "SSRF-006", "AUTH-018"] {
            assert!(
                truth
                    .weaknesses
                    .iter()
                    .any(|w| w.checks.iter().any(|c| c.as_str() == id)),
                "no row for {id}"
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = GroundTruth::parse("[[weakness]]\nid='a'\nroute='/'\nchecks=['MISC-001']\nmin_severity='low'\nneeds_token=false\ndescription='d'\ncheck='x'\n")
            .expect_err("unknown field");
        assert!(err.contains("unknown field"), "{err}");
    }

    #[test]
    fn identity_must_match_needs_token() {
        let err = GroundTruth::parse("[[weakness]]\nid='a'\nroute='/'\nchecks=['MISC-001']\nmin_severity='low'\nneeds_token=true\ndescription='d'\n")
            .expect_err("identity missing");
        assert!(err.contains("identity"), "{err}");
    }

    #[test]
    fn routes_drop_the_query_and_match_by_prefix() {
        let r = Route::parse("/api/v2/orders/?page=abc");
        assert_eq!(r.path, "/api/v2/orders/");
        assert!(r.covers("/api/v2/orders/"));
        assert!(r.covers("/api/v2/orders/2/"));
        assert!(!r.covers("/api/v2/order"));
        let env = Route::parse("/.env");
        assert!(env.covers("/.env"));
        assert!(!env.covers("/.envrc"));
        assert!(Route::parse("/").covers("/anything"));
        assert!(Route::parse("docker:/version").docker);
    }
}
