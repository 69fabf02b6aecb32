//! The audited repository: walking it (honouring `.gitignore`), recognising each file
//! by name and by content, parsing it, and the facts rules need across files.

use crate::parse::{self, compose, dockerfile, k8s, python, shell, yaml};
use crate::source::SourceFile;
use crate::AuditError;
use ignore::WalkBuilder;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

/// Files larger than this are not audited (deployment files are small).
pub const MAX_FILE_BYTES: u64 = 2 << 20;

/// Directories never walked, ignored or not: VCS metadata, virtualenvs and installed
/// third-party code (their settings templates and tests are not this project's).
const VENDORED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
];

/// What a Python file is to the auditor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonRole {
    /// A Django settings module meant for deployment.
    Settings,
    /// A settings module for development or tests (`dev.py`, `local.py`, `test.py`):
    /// the deployment checks do not apply.
    DevSettings,
    /// Any other module.
    Module,
}

/// A recognised and parsed artefact.
#[derive(Debug, Clone)]
pub enum Artefact {
    Dockerfile(dockerfile::Dockerfile),
    Compose(Vec<yaml::Node>),
    Kubernetes(Vec<k8s::Object>),
    Shell(shell::Script),
    Python(Box<python::Module>, PythonRole),
    DotEnv(Vec<parse::DotEnvLine>),
    DockerIgnore(Vec<String>),
    Requirements(Option<(u32, u32)>),
}

impl Artefact {
    /// A short name for coverage notes.
    pub fn label(&self) -> &'static str {
        match self {
            Artefact::Dockerfile(_) => "Dockerfile",
            Artefact::Compose(_) => "compose file",
            Artefact::Kubernetes(_) => "Kubernetes manifest",
            Artefact::Shell(_) => "shell script",
            Artefact::Python(_, PythonRole::Settings) => "Django settings module",
            Artefact::Python(_, PythonRole::DevSettings) => "Django development settings module",
            Artefact::Python(_, PythonRole::Module) => "Python module",
            Artefact::DotEnv(_) => "dotenv file",
            Artefact::DockerIgnore(_) => ".dockerignore",
            Artefact::Requirements(_) => "Python requirements",
        }
    }
}

/// One audited file.
#[derive(Debug, Clone)]
pub struct AuditFile {
    pub source: SourceFile,
    pub artefact: Artefact,
}

impl AuditFile {
    pub fn dockerfile(&self) -> Option<&dockerfile::Dockerfile> {
        match &self.artefact {
            Artefact::Dockerfile(d) => Some(d),
            _ => None,
        }
    }

    pub fn compose(&self) -> Option<&[yaml::Node]> {
        match &self.artefact {
            Artefact::Compose(d) => Some(d),
            _ => None,
        }
    }

    pub fn kubernetes(&self) -> Option<&[k8s::Object]> {
        match &self.artefact {
            Artefact::Kubernetes(o) => Some(o),
            _ => None,
        }
    }

    pub fn shell(&self) -> Option<&shell::Script> {
        match &self.artefact {
            Artefact::Shell(s) => Some(s),
            _ => None,
        }
    }

    /// Any Python module (settings included).
    pub fn python(&self) -> Option<&python::Module> {
        match &self.artefact {
            Artefact::Python(m, _) => Some(m),
            _ => None,
        }
    }

    /// A test file or fixture (`tests/`, `fixtures/`, `test_*.py`, `conftest.py`, …):
    /// its credentials are test data, not live secrets.
    pub fn is_test_or_fixture(&self) -> bool {
        is_test_path(&self.source.path)
    }

    /// A Django settings module meant for deployment.
    pub fn settings(&self) -> Option<&python::Module> {
        match &self.artefact {
            Artefact::Python(m, PythonRole::Settings) => Some(m),
            _ => None,
        }
    }
}

/// A file that was recognised but could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    pub message: String,
}

/// A ServiceAccount bound to a Role or ClusterRole with dangerous grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundAccount {
    pub namespace: String,
    pub name: String,
    pub role_kind: String,
    pub role_name: String,
    pub role_namespace: String,
}

/// Every audited file of a repository, and facts across files (computed once).
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub files: Vec<AuditFile>,
    pub errors: Vec<FileError>,
    /// Files the walker saw (recognised or not).
    pub files_seen: usize,
    by_path: OnceLock<HashMap<String, usize>>,
    base_settings: OnceLock<HashSet<String>>,
    bound: OnceLock<Vec<BoundAccount>>,
    loaded_settings: OnceLock<Vec<String>>,
}

impl Project {
    /// Walks `root` (a directory or one file), honouring `.gitignore`, `.ignore` and
    /// `.git/info/exclude` even outside a git checkout, and parses what it recognises.
    pub fn load(root: &Path) -> Result<Project, AuditError> {
        let meta = std::fs::metadata(root).map_err(|e| AuditError::Root {
            path: root.display().to_string(),
            source: e,
        })?;
        let mut paths = Vec::new();
        if meta.is_file() {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            paths.push((root.to_path_buf(), name));
        } else {
            let walker = WalkBuilder::new(root)
                .hidden(false)
                .require_git(false)
                .filter_entry(|e| !VENDORED_DIRS.iter().any(|d| e.file_name() == *d))
                .build();
            for entry in walker.flatten() {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
                let rel = rel.to_string_lossy().replace('\\', "/");
                paths.push((entry.path().to_path_buf(), rel));
            }
        }
        paths.sort_by(|a, b| a.1.cmp(&b.1));
        let files_seen = paths.len();
        let read: Vec<(String, String)> = paths
            .into_iter()
            .filter_map(|(abs, rel)| read_text(&abs).map(|t| (rel, t)))
            .collect();
        let mut project = Project::from_texts(read);
        project.files_seen = files_seen;
        Ok(project)
    }

    /// Recognises and parses files given as (relative path, text), in parallel.
    pub fn from_texts(files: Vec<(String, String)>) -> Project {
        let files_seen = files.len();
        let parsed: Vec<Option<Result<AuditFile, FileError>>> = files
            .into_par_iter()
            .map(|(path, text)| recognise_and_parse(path, text))
            .collect();
        let mut project = Project {
            files_seen,
            ..Project::default()
        };
        for p in parsed.into_iter().flatten() {
            match p {
                Ok(f) => project.files.push(f),
                Err(e) => project.errors.push(e),
            }
        }
        project
    }

    /// Every Dockerfile.
    pub fn dockerfiles(&self) -> impl Iterator<Item = (&AuditFile, &dockerfile::Dockerfile)> {
        self.files
            .iter()
            .filter_map(|f| f.dockerfile().map(|d| (f, d)))
    }

    /// Every Kubernetes object, with its file.
    pub fn k8s_objects(&self) -> impl Iterator<Item = (&AuditFile, &k8s::Object)> {
        self.files
            .iter()
            .flat_map(|f| f.kubernetes().unwrap_or(&[]).iter().map(move |o| (f, o)))
    }

    /// The file at a relative path (`.` and `..` segments resolved).
    pub fn file(&self, path: &str) -> Option<&AuditFile> {
        let index = self.by_path.get_or_init(|| {
            self.files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.source.path.clone(), i))
                .collect()
        });
        index
            .get(&normalise_rel(path))
            .and_then(|&i| self.files.get(i))
    }

    /// ServiceAccounts bound to roles with dangerous grants (K8S-009, K8S-012).
    pub fn bound_accounts(&self) -> &[BoundAccount] {
        self.bound
            .get_or_init(|| crate::rules::k8s::bound_service_accounts(self))
    }

    /// Settings modules (dotted) that production code paths load: the WSGI/ASGI
    /// module's `DJANGO_SETTINGS_MODULE` default, and `DJANGO_SETTINGS_MODULE` or
    /// `--settings` in Dockerfiles, compose files, manifests, env files and
    /// entrypoints (build and CI scripts excluded).
    pub fn loaded_settings(&self) -> &[String] {
        self.loaded_settings.get_or_init(|| {
            let mut out: Vec<String> = Vec::new();
            for f in &self.files {
                let name = f.source.file_name();
                let production_path = match &f.artefact {
                    Artefact::Python(..) => name.contains("wsgi") || name.contains("asgi"),
                    Artefact::Shell(_) => !is_build_or_ci_script(&f.source.path),
                    Artefact::Dockerfile(_)
                    | Artefact::Compose(_)
                    | Artefact::Kubernetes(_)
                    | Artefact::DotEnv(_) => true,
                    _ => false,
                };
                if !production_path || f.is_test_or_fixture() || is_dev_path(&f.source.path) {
                    continue;
                }
                match &f.artefact {
                    // Only what the running container gets: `ENV`, `ENTRYPOINT`, `CMD`
                    // (a `RUN` sets it for one build step).
                    Artefact::Dockerfile(df) => {
                        for ins in df
                            .instructions
                            .iter()
                            .filter(|i| matches!(i.keyword.as_str(), "ENV" | "ENTRYPOINT" | "CMD"))
                        {
                            out.extend(settings_modules_named(&ins.args.text));
                        }
                    }
                    _ => out.extend(settings_modules_named(&f.source.text)),
                }
            }
            out.sort();
            out.dedup();
            out
        })
    }

    /// Whether a settings module is meant for deployment: production code paths load
    /// it, or its name says production. With no loader in the repository at all,
    /// every settings module not named for development counts.
    pub fn is_deployment_settings(&self, file: &AuditFile) -> bool {
        if file.settings().is_none() {
            return false;
        }
        let stem = file.source.file_name().trim_end_matches(".py");
        let production_name = ["prod", "production", "live", "deploy", "deployment"]
            .iter()
            .any(|p| {
                stem == *p || stem.ends_with(&format!("_{p}")) || stem.starts_with(&format!("{p}_"))
            });
        let loaded = self.loaded_settings();
        if production_name || loaded.is_empty() {
            return true;
        }
        let path = file.source.path.trim_end_matches(".py");
        let dotted = path.trim_end_matches("/__init__").replace('/', ".");
        loaded.iter().any(|m| {
            dotted == *m || dotted.ends_with(&format!(".{m}")) || m.ends_with(&format!(".{dotted}"))
        })
    }

    /// The Django version pinned in a requirements file, if any.
    pub fn django_version(&self) -> Option<(u32, u32)> {
        self.files.iter().find_map(|f| match f.artefact {
            Artefact::Requirements(v) => v,
            _ => None,
        })
    }

    /// The `.dockerignore` patterns of a build context directory.
    pub fn dockerignore(&self, dir: &str) -> Option<&[String]> {
        let path = join(dir, ".dockerignore");
        self.file(&path).and_then(|f| match &f.artefact {
            Artefact::DockerIgnore(p) => Some(p.as_slice()),
            _ => None,
        })
    }

    /// Settings modules that another settings module star-imports (`from .base import *`).
    pub fn is_base_settings(&self, file: &AuditFile) -> bool {
        let bases = self.base_settings.get_or_init(|| {
            let by_dir: HashSet<(&str, &str)> = self
                .files
                .iter()
                .filter_map(|f| f.python().map(|m| (f, m)))
                .flat_map(|(f, m)| {
                    m.star_imports
                        .iter()
                        .map(move |s| (f.source.dir(), s.rsplit('.').next().unwrap_or(s)))
                })
                .collect();
            self.files
                .iter()
                .filter(|f| f.python().is_some())
                .filter(|f| {
                    by_dir.contains(&(f.source.dir(), f.source.file_name().trim_end_matches(".py")))
                })
                .map(|f| f.source.path.clone())
                .collect()
        });
        bases.contains(&file.source.path)
    }

    /// The settings modules a module star-imports, nearest first (at most 4 levels).
    pub fn base_settings<'a>(&'a self, file: &'a AuditFile) -> Vec<&'a AuditFile> {
        let mut out: Vec<&AuditFile> = Vec::new();
        let mut frontier = vec![file];
        for _ in 0..4 {
            let mut next = Vec::new();
            for f in frontier {
                let Some(m) = f.python() else { continue };
                for s in &m.star_imports {
                    let last = s.rsplit('.').next().unwrap_or(s);
                    let base = self
                        .file(&join(f.source.dir(), &format!("{last}.py")))
                        .filter(|o| o.python().is_some());
                    if let Some(b) = base.filter(|b| !out.iter().any(|o| std::ptr::eq(*o, *b))) {
                        out.push(b);
                        next.push(b);
                    }
                }
            }
            frontier = next;
        }
        out
    }

    /// The effective value of a setting for a leaf settings module: its own last
    /// assignment, else the nearest base module's.
    pub fn setting<'a>(
        &'a self,
        file: &'a AuditFile,
        name: &str,
    ) -> Option<(&'a AuditFile, &'a python::Assign)> {
        std::iter::once(file)
            .chain(self.base_settings(file))
            .find_map(|f| f.python().and_then(|m| m.setting(name)).map(|a| (f, a)))
    }
}

/// Files for local development or tests by their path (`docker-compose.local.yml`,
/// `.envs/.local/`, `compose/dev/`).
pub fn is_dev_path(path: &str) -> bool {
    path.to_ascii_lowercase()
        .split(['/', '.', '-', '_'])
        .any(|t| {
            matches!(
                t,
                "local" | "dev" | "development" | "test" | "tests" | "testing"
            )
        })
}

/// Build, release and CI scripts: they run on a build machine, not in the container.
pub fn is_build_or_ci_script(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let stem = name.split('.').next().unwrap_or(name);
    lower.starts_with(".github/")
        || lower.starts_with(".gitlab")
        || lower.starts_with(".circleci/")
        || lower.starts_with(".buildkite/")
        || lower.split('/').any(|d| d == "ci" || d == ".ci")
        || [
            "build", "release", "publish", "push", "deploy", "bump", "ci", "lint", "test", "tests",
        ]
        .iter()
        .any(|w| {
            stem == *w
                || stem.starts_with(&format!("{w}_"))
                || stem.starts_with(&format!("{w}-"))
                || stem.ends_with(&format!("_{w}"))
                || stem.ends_with(&format!("-{w}"))
        })
}

/// Dotted settings modules named in a text: `DJANGO_SETTINGS_MODULE=x.y`,
/// `DJANGO_SETTINGS_MODULE: x.y`, a Kubernetes `name:`/`value:` pair,
/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.y")` and `--settings=x.y`.
fn settings_modules_named(text: &str) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r#"(?x)
            DJANGO_SETTINGS_MODULE["']?\s*(?:[:=,]|\n\s*value:)\s*["']?([A-Za-z_][\w.]*)
            | --settings[=\s]+["']?([A-Za-z_][\w.]*)"#,
        )
        .expect("the settings-module pattern compiles")
    });
    if !text.contains("DJANGO_SETTINGS_MODULE") && !text.contains("--settings") {
        return Vec::new();
    }
    re.captures_iter(text)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| m.as_str().trim_end_matches('.').to_string())
        .collect()
}

/// Paths of tests and test data.
pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut segments = lower.split('/');
    let name = segments.next_back().unwrap_or("");
    let dir_is_test = segments.any(|d| {
        matches!(
            d,
            "test"
                | "tests"
                | "testing"
                | "fixtures"
                | "testdata"
                | "test_data"
                | "__tests__"
                | "spec"
                | "e2e"
        )
    });
    let stem = name.split('.').next().unwrap_or(name);
    dir_is_test
        || name == "conftest.py"
        || stem == "tests"
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// `a/./b/../c` → `a/c`.
pub fn normalise_rel(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn read_text(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// What a file is, from its name and its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dockerfile,
    Yaml,
    Shell,
    Python,
    DotEnv,
    DockerIgnore,
    Requirements,
}

/// Recognises a file by name, then by content.
pub fn recognise(path: &str, text: &str) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let by_name = match lower.as_str() {
        n if n.starts_with("dockerfile")
            || n.starts_with("containerfile")
            || n.ends_with(".dockerfile") =>
        {
            Some(Kind::Dockerfile)
        }
        n if n.ends_with(".yml") || n.ends_with(".yaml") => Some(Kind::Yaml),
        n if n.ends_with(".sh") || n.ends_with(".bash") => Some(Kind::Shell),
        n if n.ends_with(".py") => Some(Kind::Python),
        ".dockerignore" => Some(Kind::DockerIgnore),
        n if n == ".env" || n.starts_with(".env.") || n.ends_with(".env") => Some(Kind::DotEnv),
        // cookiecutter-django's `.envs/.production/.django`
        n if n.starts_with('.') && path.contains(".envs/") => Some(Kind::DotEnv),
        n if (n.starts_with("requirements") && n.ends_with(".txt"))
            || (n.ends_with(".txt") && path.to_ascii_lowercase().contains("requirements/"))
            || matches!(
                n,
                "pyproject.toml" | "pipfile" | "pipfile.lock" | "poetry.lock" | "uv.lock"
            ) =>
        {
            Some(Kind::Requirements)
        }
        _ => None,
    };
    by_name.or_else(|| {
        if lower.contains('.') && !lower.starts_with("entrypoint") {
            None
        } else {
            sniff(text)
        }
    })
}

/// Content recognition for files without a telling name: shebangs and Dockerfile syntax.
fn sniff(text: &str) -> Option<Kind> {
    let head = text.get(..text.len().min(4096)).unwrap_or(text);
    let first = head.lines().next().unwrap_or("");
    if let Some(interp) = first.strip_prefix("#!") {
        let interp = interp.trim();
        let words: Vec<&str> = interp.split_whitespace().collect();
        let prog = match words.as_slice() {
            [env, p, ..] if env.ends_with("/env") => *p,
            [p, ..] => shell::basename(p),
            [] => "",
        };
        return match prog {
            "sh" | "bash" | "dash" | "ash" | "ksh" | "zsh" | "busybox" => Some(Kind::Shell),
            p if p.starts_with("python") => Some(Kind::Python),
            _ => None,
        };
    }
    let mut instructions = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase()
        });
    let first_instruction = instructions.next()?;
    let dockerish = |w: &str| {
        matches!(
            w,
            "FROM"
                | "ARG"
                | "RUN"
                | "COPY"
                | "ADD"
                | "ENV"
                | "USER"
                | "WORKDIR"
                | "CMD"
                | "ENTRYPOINT"
                | "EXPOSE"
                | "LABEL"
                | "VOLUME"
                | "HEALTHCHECK"
                | "SHELL"
                | "STOPSIGNAL"
                | "ONBUILD"
        )
    };
    let starts_right = first_instruction == "FROM" || first_instruction == "ARG";
    let has_from = head
        .lines()
        .any(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM "));
    let all_docker = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(char::is_whitespace))
        .take(5)
        .all(|l| {
            dockerish(
                &l.split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase(),
            ) || l.ends_with('\\')
        });
    (starts_right && has_from && all_docker).then_some(Kind::Dockerfile)
}

/// Django settings markers: a module assigning two of these is a settings module.
const SETTINGS_MARKERS: &[&str] = &[
    "INSTALLED_APPS",
    "MIDDLEWARE",
    "ROOT_URLCONF",
    "DATABASES",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "WSGI_APPLICATION",
    "DEBUG",
];

fn python_role(path: &str, module: &python::Module) -> PythonRole {
    let markers = SETTINGS_MARKERS
        .iter()
        .filter(|m| module.setting(m).is_some())
        .count();
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_settings_dir = path.split('/').rev().nth(1) == Some("settings");
    let named = name == "settings.py" || (in_settings_dir && name != "__init__.py");
    if markers < 2 && !(named && markers >= 1) {
        return PythonRole::Module;
    }
    let stem = name.trim_end_matches(".py");
    let dev = [
        "dev",
        "development",
        "local",
        "test",
        "tests",
        "testing",
        "ci",
    ]
    .iter()
    .any(|d| stem == *d || stem.ends_with(&format!("_{d}")) || stem.starts_with(&format!("{d}_")));
    if dev {
        PythonRole::DevSettings
    } else {
        PythonRole::Settings
    }
}

/// Recognises and parses one file. `None`: not an artefact the auditor reads.
pub fn recognise_and_parse(path: String, text: String) -> Option<Result<AuditFile, FileError>> {
    let kind = recognise(&path, &text)?;
    let source = SourceFile::new(path, text);
    let artefact = match kind {
        Kind::Dockerfile => Artefact::Dockerfile(dockerfile::parse(&source.text)),
        Kind::Shell => Artefact::Shell(shell::parse(&source.text, 0)),
        Kind::DotEnv => Artefact::DotEnv(parse::dotenv(&source.text)),
        Kind::DockerIgnore => Artefact::DockerIgnore(parse::dockerignore(&source.text)),
        Kind::Requirements => Artefact::Requirements(parse::django_version(&source.text)),
        Kind::Python => match python::parse(&source.text) {
            Some(m) => {
                let role = python_role(&source.path, &m);
                Artefact::Python(Box::new(m), role)
            }
            None => return Some(Err(error(&source, "the Python parser gave up".into()))),
        },
        Kind::Yaml => return yaml_artefact(source),
    };
    Some(Ok(AuditFile { source, artefact }))
}

fn error(source: &SourceFile, message: String) -> FileError {
    FileError {
        path: source.path.clone(),
        message,
    }
}

/// Compose if a document has `services`, Kubernetes if one has `apiVersion` and
/// `kind`; other YAML (CI configs, Helm values) is not audited.
fn yaml_artefact(source: SourceFile) -> Option<Result<AuditFile, FileError>> {
    let name = source.file_name().to_ascii_lowercase();
    let named_compose = name.starts_with("docker-compose") || name.starts_with("compose");
    if source.text.contains("{{") && !named_compose {
        return None;
    }
    let docs = match yaml::parse_documents(&source) {
        Ok(d) => d,
        Err(e) if named_compose || looks_like_k8s(&source.text) => {
            return Some(Err(error(&source, format!("not valid YAML: {e}"))))
        }
        Err(_) => return None,
    };
    let artefact = if docs.iter().any(k8s::is_object) {
        Artefact::Kubernetes(k8s::objects(docs))
    } else if docs.iter().any(|d| !compose::services(d).is_empty()) {
        Artefact::Compose(docs)
    } else {
        return None;
    };
    Some(Ok(AuditFile { source, artefact }))
}

fn looks_like_k8s(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("apiVersion:"))
        && text.lines().any(|l| l.starts_with("kind:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognition_by_name_and_content() {
        assert_eq!(recognise("a/Dockerfile.prod", ""), Some(Kind::Dockerfile));
        assert_eq!(
            recognise(
                "build/app",
                "# syntax=docker/dockerfile:1\nARG X=1\nFROM python:3.12\nRUN x\n"
            ),
            Some(Kind::Dockerfile)
        );
        assert_eq!(
            recognise("bin/start", "#!/usr/bin/env bash\nset -e\n"),
            Some(Kind::Shell)
        );
        assert_eq!(
            recognise("bin/manage", "#!/usr/bin/env python3\n"),
            Some(Kind::Python)
        );
        assert_eq!(recognise("README", "FROM here we go\nthe text\n"), None);
        assert_eq!(recognise("notes.txt", "FROM x\n"), None);
        assert_eq!(recognise("x/.env.production", ""), Some(Kind::DotEnv));
    }

    #[test]
    fn yaml_kinds() {
        let k = recognise_and_parse(
            "deploy/app.yaml".into(),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n".into(),
        );
        assert!(matches!(
            k,
            Some(Ok(AuditFile {
                artefact: Artefact::Kubernetes(_),
                ..
            }))
        ));
        let c = recognise_and_parse(
            "stack.yml".into(),
            "services:\n  web:\n    image: x\n".into(),
        );
        assert!(matches!(
            c,
            Some(Ok(AuditFile {
                artefact: Artefact::Compose(_),
                ..
            }))
        ));
        assert!(recognise_and_parse(
            ".github/workflows/ci.yml".into(),
            "on: push\njobs: {}\n".into()
        )
        .is_none());
        let bad = recognise_and_parse("docker-compose.yml".into(), "services: [\n".into());
        assert!(matches!(bad, Some(Err(_))));
    }

    #[test]
    fn settings_roles() {
        let text = "DEBUG = False\nINSTALLED_APPS = []\n";
        for (path, role) in [
            ("proj/settings.py", PythonRole::Settings),
            ("proj/settings/production.py", PythonRole::Settings),
            ("proj/settings/dev.py", PythonRole::DevSettings),
            ("proj/views.py", PythonRole::Settings),
        ] {
            let m = python::parse(text).expect("parses");
            assert_eq!(python_role(path, &m), role, "{path}");
        }
        let plain = python::parse("import requests\n").expect("parses");
        assert_eq!(python_role("proj/views.py", &plain), PythonRole::Module);
    }

    #[test]
    fn settings_loaded_by_production_paths() {
        let p = Project::from_texts(vec![
            ("config/wsgi.py".into(), "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.production')\n".into()),
            ("manage.py".into(), "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.local')\n".into()),
            ("config/settings/production.py".into(), "DEBUG = False\nSECRET_KEY = 'x'\n".into()),
            ("config/settings/staging2.py".into(), "DEBUG = True\nSECRET_KEY = 'x'\n".into()),
            ("config/settings/review.py".into(), "DEBUG = True\nSECRET_KEY = 'x'\n".into()),
            ("compose.yml".into(), "services:\n  web:\n    environment:\n      DJANGO_SETTINGS_MODULE: config.settings.review\n".into()),
            ("docker-compose.local.yml".into(), "services:\n  web:\n    environment:\n      DJANGO_SETTINGS_MODULE: config.settings.staging2\n".into()),
            ("Dockerfile".into(), "FROM x\nRUN DJANGO_SETTINGS_MODULE=config.settings.staging2 python manage.py compilemessages\n".into()),
        ]);
        assert_eq!(
            p.loaded_settings(),
            ["config.settings.production", "config.settings.review"]
        );
        let dep = |path: &str| p.file(path).is_some_and(|f| p.is_deployment_settings(f));
        assert!(dep("config/settings/production.py"));
        assert!(dep("config/settings/review.py"));
        assert!(!dep("config/settings/staging2.py"));
    }

    #[test]
    fn build_and_ci_scripts() {
        for p in [
            "scripts/build.sh",
            ".github/workflows/x.sh",
            "ci/run.sh",
            "docker-build.sh",
            "release.sh",
        ] {
            assert!(is_build_or_ci_script(p), "{p}");
        }
        for p in ["docker/entrypoint.sh", "start.sh", "bin/run-web.sh"] {
            assert!(!is_build_or_ci_script(p), "{p}");
        }
    }

    #[test]
    fn test_paths() {
        for p in [
            "tests/settings.py",
            "app/tests/test_api.py",
            "conftest.py",
            "shop/test_views.py",
            "fixtures/app.env",
            "api/tests.py",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "shop/settings.py",
            "latest/app.py",
            "contest.py",
            "testimonials/views.py",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn normalises_relative_paths() {
        assert_eq!(normalise_rel("./a/b/../c"), "a/c");
    }
}
