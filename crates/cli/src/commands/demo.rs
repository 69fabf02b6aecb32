//! `tollgate demo`: a demo API with planted weaknesses on 127.0.0.1, scanned at once.

use crate::args::{ColorChoice, DemoArgs};
use crate::commands::scan::{scan_and_write, Sink};
use crate::demo_api;
use crate::exit::{usage, Failure};
use crate::output::{parse_output, stdout_color};
use anyhow::anyhow;
use std::process::ExitCode;
use tollgate_report::Format;
use tollgate_scan::engine::EngineConfig;
use tollgate_scan::{Profile, ScanOptions};

pub fn run(args: &DemoArgs, color: ColorChoice) -> Result<ExitCode, Failure> {
    if args.serve_only {
        return serve_only();
    }
    let format = match &args.format {
        Some(f) => f.parse::<Format>().map_err(|e| usage(anyhow!("{e}")))?,
        None => Format::Terminal,
    };
    let outputs = args
        .outputs
        .iter()
        .map(|o| parse_output(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    // The demo server needs a runtime of its own that outlives the scan's.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(usage)?;
    let addr = server_rt
        .block_on(demo_api::start())
        .map_err(|e| usage(anyhow!("cannot start the demo API on 127.0.0.1: {e}")))?;
    let target = url::Url::parse(&format!("http://{addr}/")).map_err(usage)?;
    eprintln_banner(&format!("demo API listening on {target} — scanning it now"));
    let opts = ScanOptions {
        target,
        extra_scope: Vec::new(),
        identities: Vec::new(),
        profile: Profile::Standard,
        allow_intrusive: false,
        engine: EngineConfig::default(),
        reach: tollgate_scan::ReachOptions::default(),
        spec: None,
    };
    let mut sink = Sink::terminal(format, stdout_color(color));
    sink.outputs = outputs;
    scan_and_write(opts, &sink)?;
    server_rt.shutdown_background();
    Ok(ExitCode::SUCCESS)
}

fn eprintln_banner(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// `tollgate demo --serve-only`: the demo API until SIGINT or SIGTERM.
fn serve_only() -> Result<ExitCode, Failure> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(usage)?;
    rt.block_on(async {
        let addr = demo_api::start()
            .await
            .map_err(|e| usage(anyhow!("cannot start the demo API on 127.0.0.1: {e}")))?;
        crate::commands::print(&format!("http://{addr}/\n"))?;
        tollgate_server::wait_for_signal().await;
        Ok(ExitCode::SUCCESS)
    })
}
