//! tollgate's black-box scanner: the probe engine, target analysis and the checks.
//!
//! What an embedder needs: [`ScanOptions`], a [`Scanner`] built from them, its
//! [`CancelToken`], progress events ([`ProgressEvent`]), the [`registry`] of checks for
//! listing, and the [`tollgate_core::Report`] a scan returns.
//!
//! ```no_run
//! use std::sync::Arc;
//! use tollgate_scan::{ProgressEvent, ScanOptions, Scanner};
//!
//! # async fn scan() -> Result<(), Box<dyn std::error::Error>> {
//! let opts = ScanOptions::new(url::Url::parse("http://127.0.0.1:8000/api/")?);
//! let scanner = Scanner::new(opts)?;
//! let cancel = scanner.cancel_token(); // `cancel.cancel()` stops the scan
//! let report = scanner
//!     .run(Arc::new(|event| {
//!         if let ProgressEvent::CheckFinished { id, findings } = event {
//!             eprintln!("{id}: {findings} findings");
//!         }
//!     }))
//!     .await?;
//! println!("score {} ({} findings, cancelled: {})", report.score.score, report.findings.len(), report.cancelled);
//! # drop(cancel);
//! # Ok(())
//! # }
//! ```

pub(crate) mod check;
pub(crate) mod checks;
pub mod engine;
mod grouping;
pub(crate) mod jwt;
mod mask;
pub(crate) mod oast;
pub(crate) mod recon;
pub(crate) mod scanner;

pub use check::Profile;
pub use check::{Check, CheckCtx, CheckError};
pub use checks::registry;
pub use oast::ReachOptions;
pub use recon::spec::fetch as fetch_spec;
pub use scanner::{
    run_scan, CancelToken, ProgressEvent, ProgressFn, ScanError, ScanOptions, Scanner,
};

#[cfg(feature = "testkit")]
#[doc(hidden)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod testkit;
