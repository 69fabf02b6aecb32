//! Attack chains: findings from the static audit and the live scan that together make
//! one path an attacker can walk (a leaked token, the page that leaks it, the socket it
//! reaches).

use crate::{CheckId, Confidence, Fingerprint, Location, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which side of tollgate produced a linked finding.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ChainSide {
    /// `tollgate audit`: a deployment artefact (file:line).
    Audit,
    /// `tollgate scan`: the running API (method + URL).
    Scan,
}

/// One finding taking part in a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChainLink {
    /// What this finding contributes, e.g. "token in an environment variable".
    pub role: String,
    pub side: ChainSide,
    pub check_id: CheckId,
    pub fingerprint: Fingerprint,
    pub location: Location,
    /// The finding's own title.
    pub title: String,
}

/// A named path from a foothold to a worse outcome, with every link that makes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AttackChain {
    /// Stable kind: `bearer-token-leak`, `container-escape`, `cluster-takeover`.
    pub kind: String,
    /// Human name of the chain.
    pub name: String,
    pub severity: Severity,
    /// `confirmed` when both sides name the same thing (the variable the audit found is
    /// the one the scan saw leak), `firm` when the links only fit together by kind.
    pub confidence: Confidence,
    /// How the links combine, in one or two sentences.
    pub summary: String,
    /// Every finding in the chain, in the order an attacker uses them.
    pub links: Vec<ChainLink>,
}
