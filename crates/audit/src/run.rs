//! Running every rule over a project and shaping the result as a [`Report`].

use crate::project::{Artefact, Project, PythonRole};
use crate::rules::registry;
use crate::AuditError;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use tollgate_core::{Coverage, Finding, Location, Report, ReportError, Target, Technology};

/// What an audit found, before it becomes a report.
#[derive(Debug, Clone, Default)]
pub struct AuditOutcome {
    pub findings: Vec<Finding>,
    pub errors: Vec<ReportError>,
    pub notes: Vec<String>,
    pub technologies: Vec<Technology>,
    pub files_audited: usize,
}

/// Walks `root`, parses what it recognises and runs every rule.
pub fn audit_path(root: &Path) -> Result<AuditOutcome, AuditError> {
    Ok(audit_project(&Project::load(root)?))
}

/// Runs every registered rule over every file of a loaded project (in parallel).
pub fn audit_project(project: &Project) -> AuditOutcome {
    let rules = registry::all();
    let findings: Vec<Finding> = project
        .files
        .par_iter()
        .flat_map_iter(|file| rules.iter().flat_map(move |r| r.check(file, project)))
        .collect();
    let errors = project
        .errors
        .iter()
        .map(|e| ReportError {
            check_id: None,
            url: Some(e.path.clone()),
            message: e.message.clone(),
        })
        .collect();
    AuditOutcome {
        findings,
        errors,
        notes: notes(project),
        technologies: technologies(project),
        files_audited: project.files.len(),
    }
}

fn notes(project: &Project) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &project.files {
        *counts.entry(f.artefact.label()).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let mut notes = vec![format!(
        "audited {} of {} files: {}",
        project.files.len(),
        project.files_seen,
        if parts.is_empty() {
            "no deployment artefacts recognised".to_string()
        } else {
            parts.join(", ")
        }
    )];
    for f in &project.files {
        if matches!(f.artefact, Artefact::Python(_, PythonRole::DevSettings)) {
            notes.push(format!(
                "{}: development/test settings module; the deployment checks (DJ-) were not applied",
                f.source.path
            ));
        }
    }
    notes
}

fn technologies(project: &Project) -> Vec<Technology> {
    let mut out: Vec<Technology> = Vec::new();
    let mut add = |name: &str, path: &str, what: &str| {
        if !out.iter().any(|t| t.name == name) {
            out.push(Technology {
                name: name.to_string(),
                version: None,
                evidence: format!("{what} `{path}`"),
            });
        }
    };
    for f in &project.files {
        let path = f.source.path.as_str();
        match &f.artefact {
            Artefact::Dockerfile(_) => add("docker", path, "Dockerfile"),
            Artefact::Compose(_) => add("docker-compose", path, "compose file"),
            Artefact::Kubernetes(_) => add("kubernetes", path, "manifest"),
            Artefact::Python(_, PythonRole::Settings | PythonRole::DevSettings) => {
                add("django", path, "settings module")
            }
            _ => {}
        }
    }
    out
}

/// The report of an audit. `display_root` names what was audited (the target);
/// `path_prefix` is put before every finding's path so paths read relative to the
/// directory the user ran from (fingerprints stay relative to the audit root, so a
/// baseline matches wherever it is run from).
pub fn report(
    outcome: AuditOutcome,
    display_root: &str,
    path_prefix: &str,
    started_at: String,
    duration_ms: u64,
) -> Report {
    let mut findings = outcome.findings;
    if !path_prefix.is_empty() {
        for f in &mut findings {
            if let Location::File { path, .. } = &mut f.location {
                *path = format!("{}/{}", path_prefix.trim_end_matches('/'), path);
            }
        }
    }
    let coverage = Coverage {
        checks_run: registry::all()
            .iter()
            .map(|r| r.meta().id.clone())
            .collect(),
        notes: outcome.notes,
        ..Coverage::default()
    };
    let target = Target {
        url: display_root.to_string(),
        technologies: outcome.technologies,
    };
    Report::new(
        target,
        started_at,
        duration_ms,
        findings,
        outcome.errors,
        coverage,
    )
}
