//! The whole evaluation: start both modes, scan each, score the reports.

use crate::{evaluate, Evaluation, GroundTruth, Mode, Stack, Testbed, TestbedError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tollgate_core::{CheckId, Report};
use tollgate_scan::engine::EngineConfig;
use tollgate_scan::{registry, run_scan, Profile, ProgressFn, ScanOptions};

/// Wall-time cap of each scan, so that a whole evaluation (two scans) stays well under
/// two minutes even if a check runs away. A scan cut short says so in the notes. It is
/// also under the Express testbed's 60 s token lifetime: the harness logs in right
/// before each scan.
pub const SCAN_MAX_TIME: Duration = Duration::from_secs(45);

/// One mode's scan.
#[derive(Debug, Clone)]
pub struct ModeRun {
    pub report: Report,
    /// Wall time of `run_scan` alone (the testbed was already up).
    pub wall: Duration,
}

/// Both scans of one testbed and their evaluation.
#[derive(Debug, Clone)]
pub struct EvalRun {
    pub stack: Stack,
    pub evaluation: Evaluation,
    pub vulnerable: ModeRun,
    pub hardened: ModeRun,
}

impl EvalRun {
    /// The evaluation as printed by `cargo xtask eval` and the eval tests: the table,
    /// the summary, each mode's wall time and request count, and the pass/fail line.
    pub fn render(&self) -> String {
        let eval = &self.evaluation;
        let mut out = format!("{}\n{}", eval.render_table(), eval.render_summary());
        for (mode, m) in [
            ("vulnerable", &self.vulnerable),
            ("hardened", &self.hardened),
        ] {
            out.push_str(&format!(
                "{mode}-mode scan wall time: {:.2} s ({} requests sent)\n",
                m.wall.as_secs_f64(),
                m.report.coverage.requests_sent
            ));
            let mut costs: Vec<_> = m.report.coverage.requests_by_check.iter().collect();
            costs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let costs: Vec<String> = costs.iter().map(|(id, n)| format!("{id} {n}")).collect();
            out.push_str(&format!(
                "{mode}-mode requests by check: {}\n",
                costs.join(", ")
            ));
        }
        out.push_str(&format!("{}: {}\n", self.stack, eval.summary_line()));
        out
    }
}

/// The IDs of every registered check.
pub fn registered_checks() -> Vec<CheckId> {
    registry::all()
        .iter()
        .map(|c| c.meta().id.clone())
        .collect()
}

/// How the harness scans a testbed: its root as the target, the fake Docker Engine
/// API's origin as extra scope (Django, vulnerable mode), alice as the primary identity
/// then admin and bob, the `standard` profile.
///
/// Intrusive checks are allowed: the testbed is disposable (a fresh database at every
/// start, loopback only) and some planted weaknesses (a write with a read-only scope)
/// can only be shown by a write.
///
/// The scan works from the testbed's own OpenAPI document (`Testbed::spec_path`), read
/// by [`scan`]; these options leave it out. The identities are the tokens the testbed
/// had at start; [`scan`] replaces them with fresh ones.
pub fn scan_options(testbed: &Testbed) -> ScanOptions {
    ScanOptions {
        target: testbed.base_url().clone(),
        extra_scope: testbed.docker_url().into_iter().cloned().collect(),
        identities: testbed.identities(),
        profile: Profile::Standard,
        allow_intrusive: true,
        engine: EngineConfig {
            max_time: SCAN_MAX_TIME,
            ..EngineConfig::default()
        },
        reach: tollgate_scan::ReachOptions::for_stand_ins(testbed.docker_url()),
        spec: None,
    }
}

/// The testbed's OpenAPI document, parsed.
pub fn spec(testbed: &Testbed) -> Result<tollgate_spec::ApiModel, TestbedError> {
    let path = testbed.spec_path();
    let bytes = std::fs::read(&path)
        .map_err(|e| TestbedError::Internal(format!("reading {}: {e}", path.display())))?;
    tollgate_spec::parse(&bytes, tollgate_spec::no_files)
        .map_err(|e| TestbedError::Internal(format!("{}: {e}", path.display())))
}

/// Scans a running testbed with every registered check, its OpenAPI document and
/// its identities (Express: login identities the scanner logs in itself), intrusive
/// checks allowed.
pub async fn scan(testbed: &Testbed) -> Result<ModeRun, TestbedError> {
    scan_with(testbed, true).await
}

/// Like [`scan`] with the default, read-only settings: intrusive checks not allowed.
/// What a default scan of an unknown API does.
pub async fn scan_read_only(testbed: &Testbed) -> Result<ModeRun, TestbedError> {
    scan_with(testbed, false).await
}

async fn scan_with(testbed: &Testbed, allow_intrusive: bool) -> Result<ModeRun, TestbedError> {
    let progress: ProgressFn = Arc::new(|_| {});
    let mut opts = scan_options(testbed);
    opts.allow_intrusive = allow_intrusive;
    opts.spec = Some(Arc::new(spec(testbed)?));
    opts.identities = testbed.scan_identities()?;
    let clock = Instant::now();
    let report = run_scan(opts, registry::all(), progress)
        .await
        .map_err(|source| TestbedError::Scan {
            mode: testbed.mode().as_str(),
            source,
        })?;
    Ok(ModeRun {
        report,
        wall: clock.elapsed(),
    })
}

impl EvalRun {
    /// Whether grades rank the builds: the hardened mode scores strictly higher than
    /// the vulnerable mode, with a better grade (or an A) and fewer findings. A
    /// scanner whose grade does not move when every planted weakness is fixed is
    /// measuring noise. `Err` says what is wrong; `Ok` gives the figures.
    pub fn hardened_beats_vulnerable(&self) -> Result<String, String> {
        let (v, h) = (&self.vulnerable.report, &self.hardened.report);
        let figures = format!(
            "{:?}: vulnerable {} ({}) with {} findings, hardened {} ({}) with {} findings",
            self.stack,
            v.score.score,
            v.score.grade,
            v.findings.len(),
            h.score.score,
            h.score.grade,
            h.findings.len()
        );
        let better_grade =
            h.score.grade < v.score.grade || h.score.grade == tollgate_core::Grade::A;
        if h.score.score > v.score.score && better_grade && h.findings.len() < v.findings.len() {
            Ok(figures)
        } else {
            Err(format!(
                "{figures}: the hardened build must score strictly higher, with a better grade and fewer findings"
            ))
        }
    }
}

/// [`run_eval`] of the Django testbed.
pub async fn run_django_eval() -> Result<EvalRun, TestbedError> {
    run_eval(Stack::Django).await
}

/// [`run_eval`] of the Express testbed.
pub async fn run_express_eval() -> Result<EvalRun, TestbedError> {
    run_eval(Stack::Express).await
}

/// Starts both modes of `stack`'s testbed (at once), scans vulnerable then hardened
/// mode (one after the other, so the wall times are not skewed by each other), stops
/// them and evaluates the reports against its `ground_truth.toml`.
pub async fn run_eval(stack: Stack) -> Result<EvalRun, TestbedError> {
    let truth = GroundTruth::of(stack)?;
    let (vulnerable_bed, hardened_bed) = tokio::task::spawn_blocking(move || start_both(stack))
        .await
        .map_err(|e| TestbedError::Internal(format!("starting the testbeds panicked: {e}")))??;
    let vulnerable = scan(&vulnerable_bed).await?;
    let hardened = scan(&hardened_bed).await?;
    tokio::task::spawn_blocking(move || drop((vulnerable_bed, hardened_bed)))
        .await
        .map_err(|e| TestbedError::Internal(format!("stopping the testbeds panicked: {e}")))?;
    let evaluation = evaluate(
        &truth,
        &registered_checks(),
        &vulnerable.report,
        &hardened.report,
    );
    Ok(EvalRun {
        stack,
        evaluation,
        vulnerable,
        hardened,
    })
}

fn start_both(stack: Stack) -> Result<(Testbed, Testbed), TestbedError> {
    stack.ensure_setup()?;
    std::thread::scope(|s| {
        let hardened = s.spawn(|| Testbed::start_stack(stack, Mode::Hardened));
        let vulnerable = Testbed::start_stack(stack, Mode::Vulnerable);
        let hardened = hardened
            .join()
            .map_err(|_| TestbedError::Internal("starting the hardened testbed panicked".into()))?;
        Ok((vulnerable?, hardened?))
    })
}
