//! Attack chains: audit findings (what the deployment allows) joined with scan
//! findings (what the running API gives away) into named paths, each listing every
//! link with its check ID and location.
//!
//! | chain | audit links | scan links |
//! |---|---|---|
//! | `bearer-token-leak` | a token in an env var (DKR-002/003, CMP-010, K8S-010); debug on (DJ-001, DKR-010, K8S-014, SH-007, DJ-007) as support | the environment exposed: DEBUG 500 page (LEAK-002), `.env` served (LEAK-004) |
//! | `container-escape` | runtime socket or privileged container (CMP-001/002/011, K8S-001/007, DKR-009, SH-006); tokens in env as support | a way in: SSRF (SSRF-*), the runtime API reached (CONT-*), or a leaked token (LEAK-002/004/005/006, AUTH-005) |
//! | `cluster-takeover` | ServiceAccount token automounted (K8S-009) and over-privileged RBAC (K8S-012) | SSRF (SSRF-*) or a node/runtime API reached (CONT-*) |
//!
//! A chain is `confirmed` when both sides name the same thing: an environment variable
//! the audit found holding a token, or the token itself (both sides mask it the same
//! way, through `tollgate-secrets`), appears in the scan's evidence; or the scan reached
//! the runtime API the audit saw mounted.

use crate::rules::env_var_of;
use tollgate_core::{AttackChain, ChainLink, ChainSide, Confidence, Finding, Severity};

/// One kind of link a chain needs.
struct Step {
    side: ChainSide,
    role: &'static str,
    matches: fn(&str) -> bool,
    required: bool,
}

struct Spec {
    kind: &'static str,
    name: &'static str,
    summary: &'static str,
    steps: &'static [Step],
}

fn token_in_env(id: &str) -> bool {
    matches!(id, "DKR-002" | "DKR-003" | "CMP-010" | "K8S-010")
}

fn debug_on(id: &str) -> bool {
    matches!(id, "DJ-001" | "DKR-010" | "K8S-014" | "SH-007" | "DJ-007")
}

fn env_exposed(id: &str) -> bool {
    matches!(id, "LEAK-002" | "LEAK-004")
}

fn runtime_access(id: &str) -> bool {
    matches!(
        id,
        "CMP-001" | "CMP-002" | "CMP-011" | "K8S-001" | "K8S-007" | "DKR-009" | "SH-006"
    )
}

fn way_in(id: &str) -> bool {
    id.starts_with("SSRF-")
        || id.starts_with("CONT-")
        || matches!(
            id,
            "LEAK-002" | "LEAK-004" | "LEAK-005" | "LEAK-006" | "AUTH-005"
        )
}

fn sa_token(id: &str) -> bool {
    id == "K8S-009"
}

fn rbac(id: &str) -> bool {
    id == "K8S-012"
}

fn ssrf_or_node_api(id: &str) -> bool {
    id.starts_with("SSRF-") || id.starts_with("CONT-")
}

const SPECS: &[Spec] = &[
    Spec {
        kind: "bearer-token-leak",
        name: "Bearer token leak through an exposed environment",
        summary: "The deployment puts a token in the process environment, and the running API shows that environment to anyone (DEBUG error page or a served .env): the token is one request away.",
        steps: &[
            Step { side: ChainSide::Audit, role: "token in an environment variable", matches: token_in_env, required: true },
            Step { side: ChainSide::Audit, role: "debug mode on in the deployment", matches: debug_on, required: false },
            Step { side: ChainSide::Scan, role: "the environment exposed to callers", matches: env_exposed, required: true },
        ],
    },
    Spec {
        kind: "container-escape",
        name: "Container escape through the runtime socket",
        summary: "The container can drive the host's container runtime (mounted socket, Docker API or privileged mode), and the running API gives an attacker a way in (SSRF, the runtime API reached, or a leaked token): together, root on the host.",
        steps: &[
            Step { side: ChainSide::Audit, role: "container runtime reachable from the container", matches: runtime_access, required: true },
            Step { side: ChainSide::Audit, role: "token in an environment variable", matches: token_in_env, required: false },
            Step { side: ChainSide::Scan, role: "a way in: SSRF, runtime API or leaked token", matches: way_in, required: true },
        ],
    },
    Spec {
        kind: "cluster-takeover",
        name: "Cluster takeover through the pod's ServiceAccount token",
        summary: "Pods mount a ServiceAccount token whose RBAC allows reading secrets, exec into pods or creating workloads, and the running API has an SSRF (or reaches a node API) that can read or use that token: the cluster follows.",
        steps: &[
            Step { side: ChainSide::Audit, role: "ServiceAccount token mounted in the pod", matches: sa_token, required: true },
            Step { side: ChainSide::Audit, role: "RBAC lets that token take over", matches: rbac, required: true },
            Step { side: ChainSide::Scan, role: "SSRF or node API reachable", matches: ssrf_or_node_api, required: true },
        ],
    },
];

fn link(role: &str, side: ChainSide, f: &Finding) -> ChainLink {
    ChainLink {
        role: role.to_string(),
        side,
        check_id: f.check_id.clone(),
        fingerprint: f.fingerprint.clone(),
        location: f.location.clone(),
        title: f.title.clone(),
    }
}

/// The text of a scan finding the audit's names are looked for in.
fn evidence_text(f: &Finding) -> String {
    let mut text = f.title.clone();
    for fact in &f.evidence.facts {
        text.push('\n');
        text.push_str(fact);
    }
    for ex in &f.evidence.exchanges {
        if let Some(r) = &ex.response {
            text.push('\n');
            text.push_str(&r.body_excerpt);
        }
    }
    text
}

/// A masked secret quoted in a fact (`` value `ghp_…RM6r` ``): distinctive enough to
/// recognise the same token in the scan's (identically masked) evidence.
fn masked_value(fact: &str) -> Option<&str> {
    let start = fact.find('`')? + 1;
    let len = fact.get(start..)?.find('`')?;
    let value = fact.get(start..start + len)?;
    let (head, tail) = value.split_once('…')?;
    (head.chars().count() + tail.chars().count() >= 6).then_some(value)
}

/// What both sides name: environment variables the audit found holding a token, and
/// masked token values, that also appear in the scan links' evidence.
fn shared_names(audit: &[&Finding], scan: &[&Finding]) -> Vec<String> {
    let texts: Vec<String> = scan.iter().map(|f| evidence_text(f)).collect();
    let mut names: Vec<String> = audit
        .iter()
        .flat_map(|f| {
            f.evidence
                .facts
                .iter()
                .filter_map(|x| env_var_of(x).or_else(|| masked_value(x)))
        })
        .filter(|name| texts.iter().any(|t| t.contains(name)))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Joins audit and scan findings into every chain they complete.
pub fn join(audit: &[Finding], scan: &[Finding]) -> Vec<AttackChain> {
    SPECS
        .iter()
        .filter_map(|spec| chain(spec, audit, scan))
        .collect()
}

fn chain(spec: &Spec, audit: &[Finding], scan: &[Finding]) -> Option<AttackChain> {
    let mut links = Vec::new();
    let mut audit_links: Vec<&Finding> = Vec::new();
    let mut scan_links: Vec<&Finding> = Vec::new();
    for step in spec.steps {
        let pool = match step.side {
            ChainSide::Audit => audit,
            ChainSide::Scan => scan,
        };
        let found: Vec<&Finding> = pool
            .iter()
            .filter(|f| (step.matches)(f.check_id.as_str()))
            .collect();
        if found.is_empty() && step.required {
            return None;
        }
        for f in &found {
            links.push(link(step.role, step.side, f));
        }
        match step.side {
            ChainSide::Audit => audit_links.extend(found),
            ChainSide::Scan => scan_links.extend(found),
        }
    }
    let shared = shared_names(&audit_links, &scan_links);
    let runtime_reached = spec.kind == "container-escape"
        && scan_links
            .iter()
            .any(|f| f.check_id.as_str().starts_with("CONT-"));
    let confidence = if !shared.is_empty() || runtime_reached {
        Confidence::Confirmed
    } else {
        Confidence::Firm
    };
    let mut summary = spec.summary.to_string();
    if !shared.is_empty() {
        summary.push_str(&format!(
            " The scan saw {}, which the audit found in the deployment files.",
            shared.join(", ")
        ));
    }
    Some(AttackChain {
        kind: spec.kind.to_string(),
        name: spec.name.to_string(),
        severity: Severity::Critical,
        confidence,
        summary,
        links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::{CheckId, Evidence, Fingerprint, Location};

    fn finding(id: &'static str, location: Location, facts: &[&str]) -> Finding {
        let check_id = CheckId::new_static(id);
        Finding {
            fingerprint: Fingerprint::compute(&check_id, &location, ""),
            check_id,
            category: tollgate_core::Category::DataExposure,
            severity: Severity::High,
            confidence: Confidence::Firm,
            title: format!("{id} finding"),
            location,
            evidence: Evidence {
                facts: facts.iter().map(|s| s.to_string()).collect(),
                ..Evidence::default()
            },
        }
    }

    fn file(line: u32) -> Location {
        Location::File {
            path: "deploy/docker-compose.yml".into(),
            line,
            column: 9,
        }
    }

    #[test]
    fn joins_token_and_debug_page_into_a_confirmed_leak() {
        let audit = [
            finding("CMP-010", file(12), &["env var `DEPLOY_GITHUB_PAT`"]),
            finding("CMP-001", file(20), &[]),
            finding("DJ-001", file(3), &[]),
        ];
        let scan = [finding(
            "LEAK-002",
            Location::http("GET", "http://t/api/v2/products/abc/"),
            &["DEPLOY_GITHUB_PAT=ghp_…RM6r on the 500 page"],
        )];
        let chains = join(&audit, &scan);
        let kinds: Vec<&str> = chains.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["bearer-token-leak", "container-escape"]);
        let leak = &chains[0];
        assert_eq!(leak.confidence, Confidence::Confirmed);
        assert_eq!(leak.links.len(), 3);
        assert!(leak
            .links
            .iter()
            .any(|l| l.side == ChainSide::Scan && l.check_id.as_str() == "LEAK-002"));
        assert!(leak.summary.contains("DEPLOY_GITHUB_PAT"));
    }

    #[test]
    fn the_same_masked_token_confirms_a_chain() {
        let audit = [finding(
            "K8S-010",
            file(33),
            &["env var `GH`", "value `ghp_…RM6r`"],
        )];
        let scan = [finding(
            "LEAK-004",
            Location::http("GET", "http://t/.env"),
            &["github.token `ghp_…RM6r`"],
        )];
        let chains = join(&audit, &scan);
        assert_eq!(chains[0].confidence, Confidence::Confirmed);
        assert!(chains[0].summary.contains("ghp_…RM6r"));
        assert_eq!(masked_value("value `…`"), None);
    }

    #[test]
    fn no_chain_without_both_sides() {
        let audit = [
            finding("CMP-010", file(12), &[]),
            finding("K8S-009", file(3), &[]),
            finding("K8S-012", file(9), &[]),
        ];
        assert!(join(&audit, &[]).is_empty());
        let scan = [finding("MISC-001", Location::http("GET", "http://t/"), &[])];
        assert!(join(&audit, &scan).is_empty());
        let ssrf = [finding(
            "SSRF-001",
            Location::http("GET", "http://t/fetch"),
            &[],
        )];
        let chains = join(&audit, &ssrf);
        assert_eq!(chains.len(), 1);
        assert_eq!(chains[0].kind, "cluster-takeover");
        assert_eq!(chains[0].confidence, Confidence::Firm);
    }
}
