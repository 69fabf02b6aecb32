//! tollgate's secret, PII and infrastructure pattern library.
//!
//! - The patterns are data: `patterns.toml`, compiled into the binary. Every rule has
//!   positive and negative examples, and `tests/examples.rs` runs them all.
//! - One [`regex::bytes::RegexSet`] pass per body says which rules match; only those
//!   rules then locate their values, and validators (entropy, Luhn, JWT structure, SSN
//!   ranges, placeholders, GitHub's checksum) filter them.
//! - Values are shown masked (`ghp_…XyZ1`), never in full. [`Masker`] is the one masker
//!   every output goes through: these patterns plus the credential shapes of
//!   `credential_shapes.toml` (JWTs, auth-scheme values, credential-named fields, URL
//!   passwords), one output shape.
//!
//! No I/O and no async: the black-box scanner and the static auditor share it.
//!
//! ```
//! let text = "DEPLOY_GITHUB_PAT=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";
//! let found = tollgate_secrets::Scanner::builtin().scan(text);
//! assert_eq!(found[0].rule.id, "github.token");
//! assert_eq!(found[0].masked(), "ghp_…RM6r");
//! ```

mod mask;
mod masker;
mod rule;
mod scanner;
pub mod validate;

pub use mask::{mask, mask_within};
pub use masker::{Masker, CREDENTIAL_SHAPES};
pub use rule::{parse_rules, Kind, Level, Rule, RuleError, Validator, BUILTIN_PATTERNS};
pub use scanner::{Match, Scanner};
pub use validate::{is_placeholder, jwt, luhn, shannon_entropy, JwtInfo};
