//! Writing reports: stdout in one format, plus `-o FORMAT=PATH` files. Every byte
//! goes through the redactor once more before it leaves the process.

use anyhow::{anyhow, Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use tollgate_core::{CheckMeta, Redactor, Report};
use tollgate_report::{render, Format, RenderOptions};

/// One `-o FORMAT=PATH`.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    pub format: Format,
    pub path: PathBuf,
}

/// Parses `FORMAT=PATH`.
pub fn parse_output(spec: &str) -> Result<OutputSpec> {
    let (format, path) = spec.split_once('=').ok_or_else(|| {
        anyhow!("-o `{spec}`: expected FORMAT=PATH, e.g. -o sarif=tollgate.sarif")
    })?;
    let format: Format = format.parse().map_err(|e| anyhow!("-o `{spec}`: {e}"))?;
    if path.is_empty() {
        return Err(anyhow!("-o `{spec}`: the path is empty"));
    }
    Ok(OutputSpec {
        format,
        path: PathBuf::from(path),
    })
}

/// Whether stdout gets ANSI colours.
pub fn stdout_color(choice: crate::args::ColorChoice) -> bool {
    use crate::args::ColorChoice;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

fn rendered(
    format: Format,
    report: &Report,
    rules: &[&CheckMeta],
    opts: &RenderOptions,
    redactor: &Redactor,
) -> Result<String> {
    let text = render(format, report, rules, opts)?;
    Ok(redactor.redact(&text).into_owned())
}

/// Writes the report to stdout and to every `-o` file.
pub fn write_all(
    report: &Report,
    rules: &[&CheckMeta],
    stdout_format: Format,
    opts: &RenderOptions,
    outputs: &[OutputSpec],
    redactor: &Redactor,
) -> Result<()> {
    let plain = RenderOptions {
        color: false,
        ..*opts
    };
    for out in outputs {
        let text = rendered(out.format, report, rules, &plain, redactor)?;
        std::fs::write(&out.path, text).with_context(|| {
            format!(
                "cannot write {} — check that its folder exists and is writable",
                out.path.display()
            )
        })?;
    }
    let stdout_opts = RenderOptions {
        color: opts.color && stdout_format == Format::Terminal,
        ..*opts
    };
    let text = rendered(stdout_format, report, rules, &stdout_opts, redactor)?;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A closed pipe (`tollgate scan … | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}
