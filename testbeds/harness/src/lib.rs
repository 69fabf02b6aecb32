//! The evaluation harness: starts tollgate's testbeds, scans them with the real scanner
//! and scores the reports against the testbed's ground truth.
//!
//! * [`Testbed`] runs one mode of the Django testbed (`testbeds/django`) in its own
//!   process group and kills that group when dropped.
//! * [`GroundTruth`] is the typed `ground_truth.toml`.
//! * [`evaluate`] turns a vulnerable-mode and a hardened-mode report into an
//!   [`Evaluation`]: detected / missed / not covered per planted weakness, recall, and
//!   the hardened-mode false positives.
//! * [`run_django_eval`] does all of it in one call (used by `cargo xtask eval` and by
//!   this crate's integration test).

mod error;
mod eval;
mod run;
mod testbed;
mod truth;

pub use error::TestbedError;
pub use eval::{evaluate, Evaluation, FalsePositive, Outcome, Row};
pub use run::{
    registered_checks, run_django_eval, scan, scan_options, EvalRun, ModeRun, SCAN_MAX_TIME,
};
pub use testbed::{
    django_dir, ensure_venv, python_available, venv_python, Mode, Testbed, START_TIMEOUT,
};
pub use truth::{GroundTruth, HardenedAllowed, Route, Weakness};
