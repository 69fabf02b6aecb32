//! The one explicit list of checks, in run order.

use super::{exposure, misconfig, transport};
use crate::check::Check;

static CHECKS: &[&'static dyn Check] = &[
    &misconfig::nosniff::MissingNosniff,
];

/// Every registered check.
pub fn all() -> &'static [&'static dyn Check] {
    CHECKS
}

/// The check with this ID.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CHECKS.iter().copied().find(|c| c.meta().id.as_str().eq_ignore_ascii_case(id))
}
