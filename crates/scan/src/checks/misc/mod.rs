//! Input validation & misconfiguration checks.
pub mod clickjacking;
pub mod cookie_flags;
pub mod cors;
pub mod dangerous_methods;
pub mod drf_browsable;
pub mod nosniff;
pub mod trace;
pub mod version_disclosure;
