//! `tollgate diff old.json new.json`.

use crate::args::DiffArgs;
use crate::baseline::read_report;
use crate::commands::print;
use crate::exit::{usage, Failure};
use anyhow::anyhow;
use std::process::ExitCode;
use tollgate_core::{diff, Diff, Finding};
use tollgate_report::{render, Format, RenderOptions};

pub fn run(args: &DiffArgs) -> Result<ExitCode, Failure> {
    let old = read_report(&args.old).map_err(usage)?;
    let new = read_report(&args.new).map_err(usage)?;
    let text = match args.format.as_str() {
        "terminal" | "text" => terminal(&diff(&old, &new)),
        "markdown" | "md" => render(
            Format::Markdown,
            &new,
            &[],
            &RenderOptions {
                baseline: Some(&old),
                ..Default::default()
            },
        )
        .map_err(usage)?,
        other => {
            return Err(usage(anyhow!(
                "diff --format `{other}`: use terminal or markdown"
            )))
        }
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn section(out: &mut String, title: &str, findings: &[Finding]) {
    out.push_str(&format!("{title} ({})\n", findings.len()));
    for f in findings {
        out.push_str(&format!(
            "  [{}] {} {} — {}\n",
            f.severity,
            f.check_id,
            f.location,
            f.title.replace(['\n', '\r'], " ")
        ));
    }
}

fn terminal(d: &Diff) -> String {
    let delta = d.score_delta();
    let mut out = format!(
        "score {} → {} ({}{delta})\n\n",
        d.score_before,
        d.score_after,
        if delta > 0 { "+" } else { "" }
    );
    section(&mut out, "new", &d.new);
    section(&mut out, "fixed", &d.fixed);
    section(&mut out, "unchanged", &d.unchanged);
    out
}
