//! Throughput of `tollgate audit` on a large generated repository: thousands of
//! manifests (Kubernetes, compose, Dockerfiles, entrypoints, Django settings, Python),
//! written to a temporary directory from the fixture files under testbeds/audit.
//!
//! ```sh
//! cargo run --release -p tollgate-audit --example audit_throughput -- [SERVICES] [KEEP_DIR]
//! ```
//!
//! Each service directory holds 9 files; the default 1,000 services make 9,000 files.
//! Prints files per second for the whole pipeline (walk + read + recognise + parse + all
//! rules) and for the parse stage alone. With KEEP_DIR the tree is written there and
//! kept (to time another tool on the same files).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tollgate_audit::{audit_project, Project};

const TEMPLATES: &[&str] = &[
    "Dockerfile",
    "docker-compose.yml",
    "entrypoint.sh",
    "k8s/deployment.yaml",
    "k8s/rbac.yaml",
    "k8s/config.yaml",
    "shop/settings.py",
    "shop/clients.py",
    "gunicorn.conf.py",
];

fn fixtures() -> Vec<(String, String, String)> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testbeds/audit");
    TEMPLATES
        .iter()
        .map(|t| {
            let read = |variant: &str| {
                std::fs::read_to_string(base.join(variant).join(t)).unwrap_or_default()
            };
            (t.to_string(), read("vulnerable"), read("hardened"))
        })
        .collect()
}

fn generate(root: &Path, services: usize) -> std::io::Result<(usize, u64)> {
    let templates = fixtures();
    let (mut files, mut bytes) = (0, 0);
    for i in 0..services {
        let dir = root.join(format!("services/team{}/svc{i:05}", i % 40));
        for (name, vulnerable, hardened) in &templates {
            let body = if i % 2 == 0 { vulnerable } else { hardened };
            let text = body
                .replace("shop", &format!("svc{i:05}"))
                .replace("name: api\n", &format!("name: api{i}\n"));
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &text)?;
            files += 1;
            bytes += text.len() as u64;
        }
    }
    Ok((files, bytes))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let services: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let keep: Option<PathBuf> = args.next().map(PathBuf::from);
    let temp = tempfile::tempdir()?;
    let root = keep.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let (files, bytes) = generate(&root, services)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "generated {files} files ({:.1} MiB) in {}",
        bytes as f64 / 1048576.0,
        root.display()
    )?;
    writeln!(out, "threads: {}", rayon_threads())?;

    // Warm the page cache and the compiled secret patterns once.
    let _ = Project::load(&root)?;
    for run in 1..=3 {
        let clock = Instant::now();
        let project = Project::load(&root)?;
        let parsed = clock.elapsed();
        let outcome = audit_project(&project);
        let total = clock.elapsed();
        writeln!(
            out,
            "run {run}: {} artefacts, {} findings; parse {:.3} s ({:.0} files/s), walk+parse+rules {:.3} s ({:.0} files/s)",
            project.files.len(),
            outcome.findings.len(),
            parsed.as_secs_f64(),
            files as f64 / parsed.as_secs_f64(),
            total.as_secs_f64(),
            files as f64 / total.as_secs_f64(),
        )?;
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
