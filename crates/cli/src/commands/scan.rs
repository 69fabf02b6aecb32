//! `tollgate scan URL`.

use crate::args::{ColorChoice, ScanArgs};
use crate::baseline::{ignore_path, read_report, read_suppressions, today};
use crate::commands::real_env;
use crate::exit::{code, usage, Failure};
use crate::identities;
use crate::output::{parse_output, stdout_color, write_all, OutputSpec};
use crate::progress::Progress;
use crate::settings::{load_file, resolve, Settings};
use anyhow::anyhow;
use std::path::Path;
use std::process::ExitCode;
use tollgate_core::{diff, CheckMeta, Redactor, Report, Severity, Suppression};
use tollgate_report::{Format, RenderOptions};
use tollgate_scan::engine::{EngineConfig, Identity};
use tollgate_scan::{registry, ScanError, ScanOptions, Scanner};
use url::Url;

pub fn run(
    config: Option<&Path>,
    args: &ScanArgs,
    color: ColorChoice,
) -> Result<ExitCode, Failure> {
    let target = parse_target(&args.url).map_err(usage)?;
    let (path, file) = load_file(config).map_err(usage)?;
    let settings = resolve(path, file, &real_env, &args.settings).map_err(usage)?;
    let identities = identities::load(&settings, &real_env, &target).map_err(usage)?;
    let outputs = args
        .settings
        .outputs
        .iter()
        .map(|o| parse_output(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let baseline = args
        .settings
        .baseline
        .as_deref()
        .map(read_report)
        .transpose()
        .map_err(usage)?;
    let suppressions = ignore_path(args.settings.ignore_file.as_deref())
        .map(|p| read_suppressions(&p))
        .transpose()
        .map_err(usage)?
        .unwrap_or_default();
    let mut opts = scan_options(target, &settings, identities);
    apply_reach_flags(&mut opts, &args.settings).map_err(usage)?;
    let spec_url = match load_spec(settings.spec.value.as_deref()).map_err(usage)? {
        Some(SpecSource::File(model)) => {
            opts.spec = Some(std::sync::Arc::new(model));
            None
        }
        Some(SpecSource::Url(url)) => Some(url),
        None => None,
    };
    let sink = Sink {
        spec_url,
        format: settings.format.value,
        outputs,
        color: stdout_color(color),
        progress: !args.settings.no_progress,
        fail_on: settings.fail_on.value,
        baseline,
        suppressions,
        audit: args.settings.audit.clone(),
    };
    let report = scan_and_write(opts, &sink)?;
    Ok(gate(&report, &settings, sink.baseline.as_ref()))
}

/// `--callback-listen`, `--callback-url`, `--no-host-ports`.
fn apply_reach_flags(
    opts: &mut ScanOptions,
    flags: &crate::args::ScanSettingsArgs,
) -> anyhow::Result<()> {
    opts.reach.callback_listen = flags.callback_listen.or(opts.reach.callback_listen);
    if let Some(raw) = &flags.callback_url {
        let url = Url::parse(raw).map_err(|e| anyhow!("--callback-url `{raw}`: {e} — give the full public URL, e.g. https://cb.example.net/"))?;
        opts.reach.callback_url = Some(url);
    }
    if flags.no_host_ports {
        opts.reach.host_ports = false;
    }
    Ok(())
}

/// Where the OpenAPI document comes from.
enum SpecSource {
    /// Parsed from a local file (relative `$ref`s read beside it).
    File(tollgate_spec::ApiModel),
    /// Fetched through the engine, in scope, when the scan starts.
    Url(Url),
}

fn load_spec(raw: Option<&str>) -> anyhow::Result<Option<SpecSource>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if raw.starts_with("http://") || raw.starts_with("https://") {
        let url = Url::parse(raw).map_err(|e| anyhow!("--spec `{raw}` is not a valid URL: {e}"))?;
        return Ok(Some(SpecSource::Url(url)));
    }
    let path = Path::new(raw);
    let bytes = std::fs::read(path).map_err(|e| {
        anyhow!("cannot read the OpenAPI document {raw} ({e}) — pass --spec PATH or an http(s) URL")
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let model = tollgate_spec::parse(&bytes, tollgate_spec::dir_loader(dir))
        .map_err(|e| anyhow!("{raw}: {e}"))?;
    Ok(Some(SpecSource::File(model)))
}

/// Parses and checks the target URL.
pub fn parse_target(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        anyhow!(
            "invalid target URL `{raw}`: {e} — write the full URL, e.g. https://api.example.com/"
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(anyhow!(
            "invalid target URL `{raw}`: the scheme must be http or https"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(anyhow!("invalid target URL `{raw}`: it has no host"));
    }
    Ok(url)
}

/// Engine limits and scan options from the settings.
pub fn scan_options(target: Url, s: &Settings, identities: Vec<Identity>) -> ScanOptions {
    let engine = EngineConfig {
        max_requests: s.max_requests.value,
        max_time: s.max_time.value,
        rate_per_second: s.rate.value,
        per_host_concurrency: s.concurrency.value,
        request_timeout: s.timeout.value,
        insecure_tls: s.insecure.value,
        ..EngineConfig::default()
    };
    ScanOptions {
        target,
        extra_scope: s.scope.value.clone(),
        identities,
        profile: s.profile.value,
        allow_intrusive: s.allow_intrusive.value,
        engine,
        reach: tollgate_scan::ReachOptions::default(),
        spec: None,
    }
}

/// Where the report goes, and what shapes it on the way.
pub struct Sink {
    /// An OpenAPI document to fetch (in scope) before the scan.
    pub spec_url: Option<Url>,
    pub format: Format,
    pub outputs: Vec<OutputSpec>,
    pub color: bool,
    pub progress: bool,
    pub fail_on: Option<Severity>,
    pub baseline: Option<Report>,
    pub suppressions: Vec<Suppression>,
    /// `--audit PATH`: audit these deployment files and join them into attack chains.
    pub audit: Option<std::path::PathBuf>,
}

impl Sink {
    /// Terminal output on stdout, nothing else.
    pub fn terminal(format: Format, color: bool) -> Self {
        Sink {
            spec_url: None,
            format,
            outputs: Vec::new(),
            color,
            progress: true,
            fail_on: None,
            baseline: None,
            suppressions: Vec::new(),
            audit: None,
        }
    }
}

/// Runs the scan on a fresh runtime and writes every output.
pub fn scan_and_write(opts: ScanOptions, sink: &Sink) -> Result<Report, Failure> {
    let failure = |e: ScanError, redactor: &Redactor| match e {
        ScanError::Unreachable(_) => {
            Failure::Unscannable(anyhow!("{}", redactor.redact(&e.to_string())))
        }
        ScanError::Setup(_) => usage(anyhow!("{}", redactor.redact(&e.to_string()))),
    };
    let identities = opts.identities.clone();
    // The scanner builds the redactor once; every output below uses the same one.
    let mut scanner = Scanner::new(opts)
        .map_err(|e| failure(e, &tollgate_scan::engine::redactor_for(&identities)))?;
    let redactor = scanner.redactor().clone();
    if let Some(path) = sink.audit.as_deref().filter(|p| !p.exists()) {
        return Err(usage(anyhow!("--audit {}: no such file or directory — pass the repository holding the deployment files", path.display())));
    }
    let progress = Progress::new(sink.progress);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(usage)?;
    let result = runtime.block_on(async {
        if let Some(url) = sink.spec_url.clone() {
            let model = tollgate_scan::fetch_spec(scanner.options(), url)
                .await
                .map_err(|e| usage(anyhow!("{}", redactor.redact(&e.to_string()))))?;
            scanner.set_spec(std::sync::Arc::new(model));
        }
        Ok(scanner.run(progress.callback()).await)
    });
    let result = match result {
        Ok(r) => r,
        Err(f) => {
            progress.finish();
            return Err(f);
        }
    };
    progress.finish();
    let mut report = result.map_err(|e| failure(e, &redactor))?;
    if !sink.suppressions.is_empty() {
        report.apply_suppressions(&sink.suppressions, &today());
    }
    // ---- attack chains (`--audit PATH`): join the static audit with this scan
    if let Some(path) = &sink.audit {
        super::audit::join_into(&mut report, path)?;
    }
    let rules: Vec<&CheckMeta> = registry::all().iter().map(|c| c.meta()).collect();
    let opts = RenderOptions {
        color: sink.color,
        fail_on: sink.fail_on,
        baseline: sink.baseline.as_ref(),
    };
    write_all(
        &report,
        &rules,
        sink.format,
        &opts,
        &sink.outputs,
        &redactor,
    )
    .map_err(usage)?;
    Ok(report)
}

/// Applies `--fail-on` (to new findings only when a baseline is given) and
/// `--fail-under`, telling stderr why the gate failed.
fn gate(report: &Report, s: &Settings, baseline: Option<&Report>) -> ExitCode {
    let mut reasons = Vec::new();
    if let Some(threshold) = s.fail_on.value {
        let candidates = match baseline {
            Some(old) => diff(old, report).new,
            None => report.findings.clone(),
        };
        let n = candidates
            .iter()
            .filter(|f| f.severity >= threshold)
            .count();
        let new = if baseline.is_some() { "new " } else { "" };
        if n > 0 {
            reasons.push(format!(
                "{n} {new}finding(s) at or above {threshold} (--fail-on {threshold})"
            ));
        }
    }
    if let Some(min) = s.fail_under.value {
        if report.score.score < min {
            reasons.push(format!(
                "score {} is under {min} (--fail-under {min})",
                report.score.score
            ));
        }
    }
    if reasons.is_empty() {
        return ExitCode::from(code::OK);
    }
    eprintln_gate(&reasons);
    ExitCode::from(code::GATE_FAILED)
}

fn eprintln_gate(reasons: &[String]) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "gate failed: {}", reasons.join("; "));
}
