//! `tollgate rules list|explain ID`.

use crate::args::RulesCommand;
use crate::commands::print;
use crate::exit::{usage, Failure};
use anyhow::anyhow;
use std::process::ExitCode;
use tollgate_scan::registry;

pub fn run(command: &RulesCommand) -> Result<ExitCode, Failure> {
    match command {
        RulesCommand::List => print(&list()),
        RulesCommand::Explain { id } => {
            let check = registry::find(id).ok_or_else(|| {
                usage(anyhow!(
                    "no check `{id}` — run `tollgate rules list` to see every ID"
                ))
            })?;
            print(&tollgate_report::rule_markdown(check.meta()))
        }
    }?;
    Ok(ExitCode::SUCCESS)
}

fn list() -> String {
    let mut out = format!(
        "{:<9} {:<9} {:<10} {:<36} {}\n",
        "ID", "SEVERITY", "SAFETY", "CATEGORY", "NAME"
    );
    for check in registry::all() {
        let m = check.meta();
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
