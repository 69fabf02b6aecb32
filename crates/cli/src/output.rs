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

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_core::{
        AttackChain, ChainLink, ChainSide, CheckId, Confidence, Coverage, Fingerprint, Location,
        Secret, Severity, Target,
    };

    const CANARY: &str = "tollgate-canary-chain-5f0c9d2e7a1b";

    /// A report whose only text holding the canary is an attack chain's.
    fn report_with_a_chain() -> Report {
        let target = Target {
            url: "http://127.0.0.1:9/".into(),
            technologies: Vec::new(),
        };
        let mut report = Report::new(
            target,
            "2026-12-03T00:00:00Z".into(),
            1,
            Vec::new(),
            Vec::new(),
            Coverage::default(),
        );
        let id = CheckId::new_static("LEAK-002");
        let location = Location::http("GET", format!("http://127.0.0.1:9/debug?t={CANARY}"));
        report.chains.push(AttackChain {
            kind: "bearer-token-leak".into(),
            name: "Leaked token reaches the Docker socket".into(),
            severity: Severity::Critical,
            confidence: Confidence::Confirmed,
            summary: format!("the page prints {CANARY}, which the compose file also holds"),
            links: vec![ChainLink {
                role: "token on an error page".into(),
                side: ChainSide::Scan,
                check_id: id.clone(),
                fingerprint: Fingerprint::compute(&id, &location, ""),
                location,
                title: format!("DEBUG page shows DEPLOY_TOKEN={CANARY}"),
            }],
        });
        report
    }

    #[test]
    fn attack_chains_reach_every_format_and_file_only_redacted() {
        let report = report_with_a_chain();
        let redactor = Redactor::new([&Secret::new(CANARY)]);
        let opts = RenderOptions {
            color: false,
            fail_on: None,
            baseline: None,
        };
        let formats = [
            Format::Terminal,
            Format::Json,
            Format::Sarif,
            Format::Markdown,
            Format::Junit,
            Format::Html,
        ];
        for format in formats {
            let text = rendered(format, &report, &[], &opts, &redactor).expect("renders");
            assert!(!text.contains(CANARY), "{format:?} leaks the canary");
        }
        let terminal = rendered(Format::Terminal, &report, &[], &opts, &redactor).expect("renders");
        assert!(
            terminal.contains("Attack chains (1)") && terminal.contains("$TOKEN"),
            "the terminal report shows the chain, redacted:\n{terminal}"
        );
        // `-o` files go through the same pass.
        let dir = tempfile::tempdir().expect("tempdir");
        let outputs: Vec<OutputSpec> = formats
            .iter()
            .map(|f| OutputSpec {
                format: *f,
                path: dir.path().join(format!("report-{f:?}")),
            })
            .collect();
        write_all(&report, &[], Format::Json, &opts, &outputs, &redactor).expect("writes");
        for out in &outputs {
            let text = std::fs::read_to_string(&out.path).expect("written");
            assert!(
                !text.contains(CANARY),
                "{} leaks the canary",
                out.path.display()
            );
            if out.format == Format::Terminal {
                assert!(text.contains("Attack chains (1)"), "{text}");
            }
        }
    }
}
