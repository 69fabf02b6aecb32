//! Prints every finding of an audit as `ID path:line:column title` (a debugging aid:
//! `cargo run -p tollgate-audit --example audit_dump -- testbeds/audit/vulnerable`).

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let outcome = tollgate_audit::audit_path(std::path::Path::new(&root))?;
    let mut findings = outcome.findings;
    findings.sort_by_key(|f| (f.location.to_string(), f.check_id.clone()));
    let mut out = std::io::stdout().lock();
    for f in &findings {
        writeln!(
            out,
            "{} {} {} [{}]",
            f.check_id, f.location, f.title, f.severity
        )?;
    }
    for e in &outcome.errors {
        writeln!(out, "error: {:?} {}", e.url, e.message)?;
    }
    writeln!(
        out,
        "{} findings; {}",
        findings.len(),
        outcome.notes.join("; ")
    )?;
    Ok(())
}
