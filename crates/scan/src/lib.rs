//! tollgate's black-box scanner: the probe engine, target analysis and the checks.

pub mod check;
pub mod checks;
pub mod engine;
mod grouping;
pub mod jwt;
mod mask;
pub mod oast;
pub mod scanner;
pub mod target;

pub use check::Profile;
pub use check::{Check, CheckCtx, CheckError};
pub use checks::registry;
pub use scanner::{run_scan, ProgressEvent, ProgressFn, ScanError, ScanOptions};

#[cfg(feature = "testkit")]
#[doc(hidden)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;
