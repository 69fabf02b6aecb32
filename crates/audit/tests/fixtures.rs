//! The fixture repositories under testbeds/audit: every rule fires on `vulnerable/`
//! at the expected file:line, and nothing fires on `hardened/`.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tollgate_audit::{audit_path, registry};
use tollgate_core::{Finding, Location};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testbeds/audit")
        .join(name)
}

fn key(f: &Finding) -> (String, String, u32) {
    match &f.location {
        Location::File { path, line, .. } => (f.check_id.to_string(), path.clone(), *line),
        Location::Http { .. } => panic!("audit findings are file locations"),
    }
}

/// (rule, file, line) of every finding expected in `vulnerable/`.
const EXPECTED: &[(&str, &str, u32)] = &[
    ("DKR-001", "Dockerfile", 26),
    ("DKR-002", "Dockerfile", 5),
    ("DKR-002", "Dockerfile", 11),
    ("DKR-003", "Dockerfile", 12),
    ("DKR-004", "Dockerfile", 17),
    ("DKR-005", "Dockerfile", 23),
    ("DKR-005", "Dockerfile", 24),
    ("DKR-006", "Dockerfile", 6),
    ("DKR-006", "Dockerfile", 16),
    ("DKR-006", "Dockerfile", 20),
    ("DKR-006", "Dockerfile", 22),
    ("DKR-007", "Dockerfile", 15),
    ("DKR-009", "Dockerfile", 13),
    ("DKR-009", "Dockerfile", 25),
    ("DKR-010", "Dockerfile", 10),
    ("DKR-010", "Dockerfile", 27),
    ("DKR-010", "Dockerfile", 29),
    ("DKR-004", "docker/worker.Dockerfile", 2),
    ("DKR-007", "docker/worker.Dockerfile", 3),
    ("DKR-009", "docker/worker.Dockerfile", 5),
    ("DKR-004", "docker/builder.Dockerfile", 2),
    ("DKR-004", "docker/builder.Dockerfile", 3),
    ("DKR-004", "docker/builder.Dockerfile", 4),
    ("DKR-011", "docker/builder.Dockerfile", 5),
    ("DKR-011", "docker/builder.Dockerfile", 6),
    ("SH-002", "docker/worker-entrypoint.sh", 3),
    ("PY-005", "shop/ops.py", 6),
    ("DJ-008", "shop/ops.py", 12),
    ("CMP-001", "docker-compose.yml", 16),
    ("CMP-001", "docker-compose.yml", 18),
    ("CMP-002", "docker-compose.yml", 3),
    ("CMP-002", "docker-compose.yml", 31),
    ("CMP-003", "docker-compose.yml", 20),
    ("CMP-004", "docker-compose.yml", 5),
    ("CMP-004", "docker-compose.yml", 22),
    ("CMP-004", "docker-compose.yml", 29),
    ("CMP-005", "docker-compose.yml", 25),
    ("CMP-005", "docker-compose.yml", 26),
    ("CMP-006", "docker-compose.yml", 23),
    ("CMP-006", "docker-compose.yml", 29),
    ("CMP-007", "docker-compose.yml", 24),
    ("CMP-008", "docker-compose.yml", 5),
    ("CMP-008", "docker-compose.yml", 29),
    ("CMP-009", "docker-compose.yml", 8),
    ("CMP-010", "app.env", 2),
    ("CMP-010", "docker-compose.yml", 12),
    ("CMP-010", "docker-compose.yml", 13),
    ("CMP-011", "docker-compose.yml", 14),
    ("CMP-011", "docker-compose.yml", 28),
    ("CMP-011", "docker-compose.yml", 33),
    ("K8S-001", "k8s/deployment.yaml", 24),
    ("K8S-002", "k8s/deployment.yaml", 18),
    ("K8S-002", "k8s/deployment.yaml", 21),
    ("K8S-003", "k8s/deployment.yaml", 25),
    ("K8S-004", "k8s/deployment.yaml", 26),
    ("K8S-005", "k8s/deployment.yaml", 21),
    ("K8S-005", "k8s/deployment.yaml", 28),
    ("K8S-005", "k8s/deployment.yaml", 28),
    ("K8S-006", "k8s/deployment.yaml", 15),
    ("K8S-006", "k8s/deployment.yaml", 16),
    ("K8S-007", "k8s/deployment.yaml", 43),
    ("K8S-008", "k8s/deployment.yaml", 45),
    ("K8S-009", "k8s/deployment.yaml", 14),
    ("K8S-010", "k8s/config.yaml", 8),
    ("K8S-010", "k8s/config.yaml", 17),
    ("K8S-010", "k8s/deployment.yaml", 33),
    ("K8S-010", "k8s/deployment.yaml", 36),
    ("K8S-012", "k8s/rbac.yaml", 12),
    ("K8S-012", "k8s/rbac.yaml", 15),
    ("K8S-014", "k8s/deployment.yaml", 31),
    ("SH-001", "entrypoint.sh", 2),
    ("SH-002", "entrypoint.sh", 3),
    ("SH-002", "entrypoint.sh", 4),
    ("SH-003", "entrypoint.sh", 5),
    ("SH-004", "entrypoint.sh", 6),
    ("SH-004", "entrypoint.sh", 7),
    ("SH-005", "entrypoint.sh", 12),
    ("SH-005", "entrypoint.sh", 12),
    ("SH-006", "entrypoint.sh", 8),
    ("SH-006", "entrypoint.sh", 9),
    ("SH-007", "entrypoint.sh", 10),
    ("SH-007", "entrypoint.sh", 12),
    ("DJ-001", "shop/settings.py", 4),
    ("DJ-002", "shop/settings.py", 5),
    ("DJ-003", "shop/settings.py", 6),
    ("DJ-004", "shop/settings.py", 1),
    ("DJ-004", "shop/settings.py", 13),
    ("DJ-005", "shop/settings.py", 1),
    ("DJ-005", "shop/settings.py", 8),
    ("DJ-005", "shop/settings.py", 8),
    ("DJ-005", "shop/settings.py", 14),
    ("DJ-007", "shop/settings.py", 4),
    ("DJ-008", "gunicorn.conf.py", 3),
    ("DJ-008", "shop/settings.py", 19),
    ("DJ-008", "shop/settings.py", 22),
    ("DJ-008", "shop/settings.py", 25),
    ("PY-001", "shop/clients.py", 19),
    ("PY-001", "shop/clients.py", 24),
    ("PY-002", "shop/clients.py", 13),
    ("PY-003", "shop/clients.py", 19),
    ("PY-004", "shop/clients.py", 33),
    ("PY-004", "shop/clients.py", 45),
    ("PY-005", "shop/clients.py", 37),
    ("PY-006", "shop/clients.py", 18),
    ("PY-007", "shop/clients.py", 11),
    ("PY-007", "shop/settings.py", 15),
    ("PY-009", "shop/clients.py", 41),
];

#[test]
fn vulnerable_fixture_fires_every_rule_at_the_expected_lines() {
    let outcome = audit_path(&fixture("vulnerable")).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let mut got: Vec<(String, String, u32)> = outcome.findings.iter().map(key).collect();
    got.sort();
    let mut want: Vec<(String, String, u32)> = EXPECTED
        .iter()
        .map(|(c, p, l)| (c.to_string(), p.to_string(), *l))
        .collect();
    want.sort();
    if got != want {
        for f in &outcome.findings {
            eprintln!("{} {} {}", f.check_id, f.location, f.title);
        }
    }
    assert_eq!(got, want);
    let fired: BTreeSet<&str> = EXPECTED.iter().map(|(c, _, _)| *c).collect();
    for rule in registry::all() {
        assert!(
            fired.contains(rule.meta().id.as_str()),
            "{} never fires on the vulnerable fixture",
            rule.meta().id
        );
    }
}

#[test]
fn hardened_fixture_is_clean() {
    let outcome = audit_path(&fixture("hardened")).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    for f in &outcome.findings {
        eprintln!("unexpected: {} {} {}", f.check_id, f.location, f.title);
    }
    assert!(outcome.findings.is_empty());
    assert!(outcome.files_audited >= 10, "{}", outcome.files_audited);
}

#[test]
fn snippets_never_show_a_fixture_secret() {
    let outcome = audit_path(&fixture("vulnerable")).unwrap();
    for f in &outcome.findings {
        let shown = format!(
            "{} {:?} {:?}",
            f.title, f.evidence.snippet, f.evidence.facts
        );
        for secret in [
            "FAKEpat0000000110",
            "TollgateFakeStripeKey0000",
            "Sh0p-db-pass-2024",
            "change-me-in-prod",
            "tg_live_0123456789",
            "mailpass-2024",
            "7h1s-1s-n0t-a-r34l",
        ] {
            assert!(
                !shown.contains(secret),
                "{} at {} shows `{secret}`: {shown}",
                f.check_id,
                f.location
            );
        }
        assert!(
            f.evidence.snippet.is_some(),
            "{} has no snippet",
            f.check_id
        );
    }
}

#[test]
fn walker_honours_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::create_dir(dir.path().join("ignored")).unwrap();
    std::fs::write(dir.path().join("ignored/Dockerfile"), "FROM x\n").unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM x\nUSER 1000\n").unwrap();
    std::fs::create_dir_all(dir.path().join(".venv/lib/site-packages/pkg")).unwrap();
    std::fs::write(
        dir.path().join(".venv/lib/site-packages/pkg/settings.py"),
        "DEBUG = True\nSECRET_KEY = 'x'\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("build-image"),
        "# built by CI\nARG BASE=alpine\nFROM $BASE\nRUN apk add curl\n",
    )
    .unwrap();
    let outcome = audit_path(dir.path()).unwrap();
    let paths: Vec<String> = outcome.findings.iter().map(|f| key(f).1).collect();
    assert!(
        paths.iter().all(|p| !p.starts_with("ignored/")),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"build-image".to_string()),
        "recognised by content: {paths:?}"
    );
    assert_eq!(outcome.files_audited, 2);
}
