//! `tollgate rules list|explain ID`: the scan checks and the audit rules.

use crate::args::RulesCommand;
use crate::commands::print;
use crate::exit::{usage, Failure};
use anyhow::anyhow;
use std::process::ExitCode;
use tollgate_core::CheckMeta;

/// Every scan check, then every audit rule.
fn all_meta() -> Vec<&'static CheckMeta> {
    let scan = tollgate_scan::registry::all().iter().map(|c| c.meta());
    let audit = tollgate_audit::registry::all().iter().map(|r| r.meta());
    scan.chain(audit).collect()
}

pub fn run(command: &RulesCommand) -> Result<ExitCode, Failure> {
    match command {
        RulesCommand::List => print(&list()),
        RulesCommand::Explain { id } => {
            let meta = all_meta()
                .into_iter()
                .find(|m| m.id.as_str().eq_ignore_ascii_case(id))
                .ok_or_else(|| {
                    usage(anyhow!(
                        "no check `{id}` — run `tollgate rules list` to see every ID"
                    ))
                })?;
            print(&tollgate_report::rule_markdown(meta))
        }
    }?;
    Ok(ExitCode::SUCCESS)
}

fn list() -> String {
    let mut out = format!(
        "{:<9} {:<9} {:<10} {:<36} {}\n",
        "ID", "SEVERITY", "SAFETY", "CATEGORY", "NAME"
    );
    for m in all_meta() {
        out.push_str(&format!(
            "{:<9} {:<9} {:<10} {:<36} {}\n",
            m.id,
            m.severity,
            m.safety.as_str(),
            m.category.name(),
            m.name
        ));
    }
    out
}
