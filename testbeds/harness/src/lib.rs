//! The evaluation harness: starts tollgate's testbeds, scans them with the real scanner
//! and scores the reports against the testbed's ground truth.
//!
//! * [`Testbed`] runs one mode of a testbed ([`Stack`]: the Django one in
//!   `testbeds/django`, the Express one in `testbeds/express`) in its own process group
//!   and kills that group when dropped. Express identities log in with credentials.
//! * [`GroundTruth`] is the typed `ground_truth.toml`.
//! * [`evaluate`] turns a vulnerable-mode and a hardened-mode report into an
//!   [`Evaluation`]: detected / missed / not covered per planted weakness, recall, and
//!   the hardened-mode false positives.
//! * [`run_eval`] does all of it for one testbed in one call (used by `cargo xtask
//!   eval` and by this crate's integration tests).

mod error;
mod eval;
mod run;
mod testbed;
mod truth;

pub use error::TestbedError;
pub use eval::{evaluate, Evaluation, FalsePositive, Outcome, Row};
pub use run::{
    registered_checks, run_django_eval, run_eval, run_express_eval, scan, scan_options,
    scan_read_only, spec, EvalRun, ModeRun, SCAN_MAX_TIME,
};
pub use testbed::{
    django_dir, ensure_node_modules, ensure_venv, express_dir, node_available, python_available,
    venv_python, Credentials, Mode, Stack, Testbed, START_TIMEOUT,
};
pub use truth::{GroundTruth, HardenedAllowed, Route, Weakness};
