//! LEAK-004: deployment files and debug tooling served over HTTP.
//!
//! Each candidate path is fetched anonymously and counts as exposed only when the
//! answer is a success, differs from the soft-404 baseline, and its content has the
//! file's own shape (`KEY=value` lines for `.env`, `[core]` for `.git/config`,
//! `FROM` for a Dockerfile, …). Secrets inside raise the severity.

use crate::check::{Check, CheckCtx, CheckError, Profile};
use crate::checks::kit::common::is_html;
use crate::checks::kit::leaked_secrets::{self, Leaked};
use crate::engine::Exchange;
use async_trait::async_trait;
use futures::StreamExt;
use regex::Regex;
use std::sync::{Arc, OnceLock};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct ExposedFiles;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("LEAK-004"),
    name: "Exposed deployment file or debug tool",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 538,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 56,
    docs: CheckDocs {
        what: "Fetches well-known deployment files and debug endpoints anonymously: `.env` (and backups such as `.env.bak`, `.env~`, `.env.swp`), `.git/config`, `.git/HEAD`, `docker-compose.yml`, `Dockerfile`, `settings.py`, `local_settings.py`, SQL dumps and SQLite databases, `.aws/credentials`, `.npmrc`, `.docker/config.json`, `/proc/self/environ` through encoded path traversal, django-debug-toolbar (`/__debug__/`), the Werkzeug console, Spring `/actuator/env`, Go `/debug/vars` and `/debug/pprof/`, Apache `/server-status`, `phpinfo` and the Django admin login (15 paths in the quick profile, about 40 in standard, 56 in deep). A path counts only if the answer is a success, differs from the soft-404 baseline and has the file's own content shape, or, whatever its shape, is a non-HTML file that carries credentials (a credential in an exposed file counts whatever the file looks like); a page that merely answers 200 for every path never counts. Also reports django-debug-toolbar markup seen in any recorded response.",
        why: "These files hold the keys to everything behind the API: `.env` and settings files carry database passwords, signing keys and deploy tokens; `.git/` lets anyone download the source and its history; compose files and Dockerfiles describe the container escape surface (a mounted docker.sock, privileged mode); `/proc/self/environ`, `/actuator/env` and debug toolbars print the live environment. Debug consoles (Werkzeug) are remote code execution.",
        evidence: "GET /.env → 200 text/plain with `DJANGO_SECRET_KEY=dja…`, `DATABASE_URL=pos…`, `DEPLOY_GITHUB_PAT=ghp…` lines; the soft-404 baseline was a 404 JSON body.",
        remediation: "Serve only a dedicated public directory; never the project root. Keep `.env`, VCS metadata, build and compose files out of the web root and the image (`.dockerignore`). Disable debug tooling and management endpoints in production or bind them to localhost behind authentication. Rotate every secret the exposed file contained.",
        remediation_django: Some("Let the web server serve only `STATIC_ROOT`/`MEDIA_ROOT`; never map the project directory or add views that return files from it. Install django-debug-toolbar only in development settings (and keep `INTERNAL_IPS` to 127.0.0.1), keep `DEBUG = False`, and load secrets from the environment or a secrets manager rather than a `.env` inside the deployed tree. If the admin must stay reachable, move it off `/admin/` and put it behind SSO or an IP allow-list."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/538.html",
            "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information",
            "https://django-debug-toolbar.readthedocs.io/en/latest/installation.html",
        ],
    },
};

/// A response body, in the forms the shape tests need.
struct Body<'a> {
    text: &'a str,
    bytes: &'a [u8],
    html: bool,
}

type Shape = fn(&Body<'_>) -> bool;

/// One candidate: where, what, how bad, from which profile on, and its content shape.
struct Candidate {
    path: String,
    what: String,
    severity: Severity,
    profile: Profile,
    shape: Shape,
    /// A file of `NAME=value` lines: the evidence shows names with masked values.
    assignments: bool,
}

/// The candidates, from `exposed_files.toml` (checked by a test, so failing to read it
/// is a build defect: logged, and the check then has nothing to try).
fn all_candidates() -> &'static [Candidate] {
    static LIST: OnceLock<Vec<Candidate>> = OnceLock::new();
    LIST.get_or_init(|| match parse_table(TABLE) {
        Ok(t) => t.1,
        Err(e) => {
            tracing::error!("exposed_files.toml is invalid: {e}");
            Vec::new()
        }
    })
}

const TABLE: &str = include_str!("exposed_files.toml");

/// Every shape by the name the table uses.
const SHAPES: &[(&str, Shape)] = &[
    ("actuator_env", actuator_env),
    ("actuator_index", actuator_index),
    ("aws_credentials", aws_credentials),
    ("compose_file", compose_file),
    ("debug_toolbar", debug_toolbar),
    ("django_admin", django_admin),
    ("django_settings", django_settings),
    ("docker_config", docker_config),
    ("dockerfile", dockerfile),
    ("env_file", env_file),
    ("expvar", expvar),
    ("git_config", git_config),
    ("git_head", git_head),
    ("git_log", git_log),
    ("hgrc", hgrc),
    ("htpasswd", htpasswd),
    ("npmrc", npmrc),
    ("phpinfo", phpinfo),
    ("pprof", pprof),
    ("private_key", private_key),
    ("proc_environ", proc_environ),
    ("server_status", server_status),
    ("sql_dump", sql_dump),
    ("sqlite_db", sqlite_db),
    ("svn_entries", svn_entries),
    ("vim_swap", vim_swap),
    ("werkzeug_console", werkzeug_console),
];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    shape: Vec<ShapeEntry>,
    file: Vec<FileEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ShapeEntry {
    name: String,
    /// Read by the table test only.
    #[cfg_attr(not(test), allow(dead_code))]
    examples: Vec<String>,
    #[cfg_attr(not(test), allow(dead_code))]
    negative_examples: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    path: String,
    what: String,
    severity: Severity,
    profile: String,
    shape: String,
    assignments: bool,
}

/// The shapes' examples and the candidates, or what is wrong with the table.
fn parse_table(text: &str) -> Result<(Vec<ShapeEntry>, Vec<Candidate>), String> {
    let file: TableFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let shape_of = |name: &str| {
        SHAPES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| format!("unknown shape `{name}`"))
    };
    for s in &file.shape {
        shape_of(&s.name)?;
    }
    let mut out = Vec::new();
    for f in file.file {
        if !file.shape.iter().any(|s| s.name == f.shape) {
            return Err(format!("{}: shape `{}` has no examples", f.path, f.shape));
        }
        let profile: Profile = f.profile.parse()?;
        out.push(Candidate {
            shape: shape_of(&f.shape)?,
            path: f.path,
            what: f.what,
            severity: f.severity,
            profile,
            assignments: f.assignments,
        });
    }
    Ok((file.shape, out))
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("constant regex"))
}

fn text_file(b: &Body<'_>) -> bool {
    let head = b
        .text
        .trim_start()
        .get(..64)
        .unwrap_or(b.text)
        .to_ascii_lowercase();
    !b.html
        && !head.starts_with("<!doctype")
        && !head.starts_with("<html")
        && !head.starts_with('{')
}

fn count_lines(b: &Body<'_>, re: &Regex) -> usize {
    b.text.lines().take(400).filter(|l| re.is_match(l)).count()
}

fn env_file(b: &Body<'_>) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let line = re(&RE, r"^\s*(?:export\s+)?[A-Z][A-Z0-9_]{1,64}\s*=");
    text_file(b) && count_lines(b, line) >= 2
}

fn git_config(b: &Body<'_>) -> bool {
    text_file(b) && b.text.contains("[core]") && b.text.contains("repositoryformatversion")
}

fn git_head(b: &Body<'_>) -> bool {
    let t = b.text.trim();
    text_file(b)
        && t.len() < 200
        && (t.starts_with("ref: refs/")
            || (t.len() == 40 && t.bytes().all(|c| c.is_ascii_hexdigit())))
}

fn git_log(b: &Body<'_>) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let line = re(
        &RE,
        r"^[0-9a-f]{40} [0-9a-f]{40} .+ <[^>]*> \d{9,11} [+-]\d{4}",
    );
    text_file(b) && count_lines(b, line) >= 1
}

fn compose_file(b: &Body<'_>) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let root = re(&RE, r"(?m)^(?:services|version)\s*:");
    text_file(b)
        && root.is_match(b.text)
        && (b.text.contains("image:") || b.text.contains("build:"))
}

fn dockerfile(b: &Body<'_>) -> bool {
    static FROM: OnceLock<Regex> = OnceLock::new();
    static INSTR: OnceLock<Regex> = OnceLock::new();
    let from = re(&FROM, r"(?mi)^FROM\s+\S+");
    let instr = re(
        &INSTR,
        r"(?mi)^(?:RUN|CMD|COPY|ADD|ENTRYPOINT|WORKDIR|ENV|EXPOSE|USER)\s",
    );
    text_file(b) && from.is_match(b.text) && instr.is_match(b.text)
}

fn django_settings(b: &Body<'_>) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let setting = re(
        &RE,
        r"(?m)^(?:INSTALLED_APPS|SECRET_KEY|DATABASES|MIDDLEWARE|ALLOWED_HOSTS|ROOT_URLCONF)\s*=",
    );
    text_file(b) && setting.find_iter(b.text).take(2).count() >= 2
}

fn debug_toolbar(b: &Body<'_>) -> bool {
    b.text.contains("isn't available anymore") || b.text.contains("id=\"djDebug\"")
}

fn werkzeug_console(b: &Body<'_>) -> bool {
    (b.text.contains("Interactive Console") || b.text.contains("CONSOLE_MODE = true"))
        && (b.text.contains("Werkzeug") || b.text.contains("__debugger__"))
}

fn actuator_env(b: &Body<'_>) -> bool {
    b.text.contains("\"propertySources\"") || b.text.contains("\"activeProfiles\"")
}

fn actuator_index(b: &Body<'_>) -> bool {
    b.text.contains("\"_links\"") && b.text.contains("/actuator")
}

fn proc_environ(b: &Body<'_>) -> bool {
    let entries = b
        .bytes
        .split(|&c| c == 0)
        .filter(|e| {
            let name_len = e.iter().position(|&c| c == b'=').unwrap_or(0);
            name_len > 0
                && e[..name_len]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        })
        .count();
    entries >= 2
        && ["PATH=", "HOME=", "HOSTNAME="]
            .iter()
            .any(|k| b.text.contains(k))
}

fn expvar(b: &Body<'_>) -> bool {
    b.text.contains("\"cmdline\"") && b.text.contains("\"memstats\"")
}

fn pprof(b: &Body<'_>) -> bool {
    b.text.contains("Types of profiles available") || b.text.contains("/debug/pprof/goroutine")
}

fn server_status(b: &Body<'_>) -> bool {
    b.text.contains("Apache Server Status for")
        || (b.text.contains("Server uptime") && b.text.contains("Total accesses"))
}

fn phpinfo(b: &Body<'_>) -> bool {
    b.text.contains("phpinfo()") && b.text.contains("PHP Version")
}

fn django_admin(b: &Body<'_>) -> bool {
    b.html
        && (b.text.contains("Log in | Django site admin")
            || b.text
                .contains("<h1 id=\"site-name\"><a href=\"/admin/\">Django administration"))
}

fn vim_swap(b: &Body<'_>) -> bool {
    b.bytes.starts_with(b"b0VIM ")
}

fn sqlite_db(b: &Body<'_>) -> bool {
    b.bytes.starts_with(b"SQLite format 3\0")
}

fn sql_dump(b: &Body<'_>) -> bool {
    text_file(b)
        && (b.text.contains("CREATE TABLE") || b.text.contains("INSERT INTO"))
        && b.text.contains(';')
}

fn aws_credentials(b: &Body<'_>) -> bool {
    text_file(b) && b.text.contains("aws_access_key_id") && b.text.contains('[')
}

fn npmrc(b: &Body<'_>) -> bool {
    text_file(b) && (b.text.contains("_authToken") || b.text.contains("//registry."))
}

fn docker_config(b: &Body<'_>) -> bool {
    b.text.contains("\"auths\"") || b.text.contains("\"credsStore\"")
}

fn svn_entries(b: &Body<'_>) -> bool {
    let t = b.text.trim_start();
    text_file(b)
        && (t.starts_with("8\n")
            || t.starts_with("9\n")
            || t.starts_with("10\n")
            || t.starts_with("12\n"))
        && t.contains("dir\n")
}

fn hgrc(b: &Body<'_>) -> bool {
    text_file(b) && b.text.contains("[paths]") && b.text.contains("default")
}

fn private_key(b: &Body<'_>) -> bool {
    b.text.contains("-----BEGIN") && b.text.contains("PRIVATE KEY-----")
}

fn htpasswd(b: &Body<'_>) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let line = re(
        &RE,
        r"^[A-Za-z0-9._@-]{1,64}:(?:\$apr1\$|\$2[aby]\$|\{SHA\}|[./A-Za-z0-9]{13}$)",
    );
    text_file(b) && count_lines(b, line) >= 1
}

/// Candidates for the profile, in list order.
fn candidates(profile: Profile) -> impl Iterator<Item = &'static Candidate> {
    all_candidates()
        .iter()
        .filter(move |c| c.profile <= profile)
}

/// Probes in flight at once.
const CONCURRENCY: usize = 6;

#[async_trait]
impl Check for ExposedFiles {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let pending: Vec<_> = candidates(ctx.profile()).map(|c| fetch(ctx, c)).collect();
        let answers = futures::stream::iter(pending)
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        let mut findings = Vec::new();
        for (cand, answer) in answers {
            let ex = match answer {
                Ok(ex) => ex,
                Err(CheckError::Engine(e)) if e.is_transport() => continue,
                Err(e) => return Err(e),
            };
            if let Some(f) = judge(ctx, cand, &ex) {
                findings.push(f);
            }
        }
        findings.extend(toolbar_in_transcript(ctx, &findings));
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Ok(findings)
    }
}

async fn fetch(
    ctx: &CheckCtx,
    cand: &'static Candidate,
) -> (&'static Candidate, Result<Arc<Exchange>, CheckError>) {
    (cand, ctx.get(ctx.url(&cand.path)).await)
}

/// Whether the answer is a real file: a success with a body that differs from the
/// soft-404 baseline.
fn present(ctx: &CheckCtx, ex: &Exchange) -> bool {
    if !ex.response.is_success() || ex.response.body.is_empty() {
        return false;
    }
    let soft404 = &ctx.target().soft404;
    let with_query = &ex.request.url[url::Position::BeforePath..];
    !(soft404.is_missing(ex.request.url.path(), &ex.response)
        || soft404.is_missing(with_query, &ex.response))
}

/// Whether the answer is the candidate file itself, in the file's own shape.
fn exposed(ctx: &CheckCtx, cand: &Candidate, ex: &Exchange) -> bool {
    if !present(ctx, ex) {
        return false;
    }
    let text = ex.response.text();
    let body = Body {
        text: &text,
        bytes: &ex.response.body,
        html: is_html(ex),
    };
    (cand.shape)(&body)
}

/// The finding for a candidate's answer: the file in its own shape, or, whatever its
/// shape, a served non-HTML file at that path that carries credentials.
fn judge(ctx: &CheckCtx, cand: &Candidate, ex: &Exchange) -> Option<Finding> {
    let shaped = exposed(ctx, cand, ex);
    let served_file = present(ctx, ex) && !is_html(ex);
    if !(shaped || served_file) {
        return None;
    }
    let leaks: Vec<Leaked> = leaked_secrets::find_leaks(&ex.response.text(), ctx.redactor(), &[])
        .into_iter()
        .filter(|l| l.kind != tollgate_secrets::Kind::Pii)
        .collect();
    if !shaped && !leaks.iter().any(Leaked::is_credential) {
        return None;
    }
    let severity = cand
        .severity
        .max(leaked_secrets::worst(&leaks).unwrap_or(Severity::Info));
    let title = match leaks.iter().filter(|l| l.is_credential()).count() {
        0 => format!("Exposed {}", cand.what),
        n => format!("Exposed {} with {n} credential(s)", cand.what),
    };
    let mut f = ctx
        .finding(ex, title, None)
        .with_key(&cand.path)
        .with_severity(severity)
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "{} answered {} ({} bytes) with the content of a {}; the soft-404 baseline differs",
            cand.path.split('?').next().unwrap_or(&cand.path),
            ex.response.status,
            ex.response.body.len(),
            cand.what
        ));
    if !shaped {
        f = f.with_fact(format!(
            "the content is not in the usual format of a {}, but the credentials in it are real",
            cand.what
        ));
    }
    f = leaked_secrets::with_leak_facts(f, &leaks);
    f = crate::mask::leaked(f, &leaked_secrets::known(&leaks));
    if cand.assignments {
        f = crate::mask::assignments(f);
    }
    Some(f)
}

/// django-debug-toolbar markup in any recorded HTML page (once per scan), unless the
/// toolbar endpoint was already reported.
fn toolbar_in_transcript(ctx: &CheckCtx, found: &[Finding]) -> Option<Finding> {
    if found
        .iter()
        .any(|f| f.title.contains("django-debug-toolbar"))
    {
        return None;
    }
    let ex: Arc<Exchange> = ctx.transcript().into_iter().find(|e| {
        ctx.in_scope(&e.request.url)
            && e.response.is_success()
            && is_html(e)
            && e.response.text().contains("id=\"djDebug\"")
    })?;
    Some(
        ctx.finding(&ex, "Exposed django-debug-toolbar", Some("id=\"djDebug\""))
            .with_key("djdt-markup")
            .with_severity(Severity::High)
            .with_confidence(Confidence::Confirmed)
            .with_fact("the page carries the django-debug-toolbar panel (`id=\"djDebug\"`): SQL, settings, headers and templates of each request"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_every_shape_example_behaves() {
        let (shapes, files) = parse_table(TABLE).expect("exposed_files.toml is valid");
        assert_eq!(files.len(), all_candidates().len());
        assert!(files.len() >= 50, "{} candidates", files.len());
        let mut wrong = Vec::new();
        for s in &shapes {
            let (_, shape) = SHAPES.iter().find(|(n, _)| *n == s.name).expect("shape");
            let judge = |text: &str| {
                shape(&Body {
                    text,
                    bytes: text.as_bytes(),
                    html: text.trim_start().starts_with('<'),
                })
            };
            assert!(
                !s.examples.is_empty() && !s.negative_examples.is_empty(),
                "{}",
                s.name
            );
            for e in &s.examples {
                if !judge(e) {
                    wrong.push(format!("{} rejects {e:?}", s.name));
                }
            }
            for e in &s.negative_examples {
                if judge(e) {
                    wrong.push(format!("{} accepts {e:?}", s.name));
                }
            }
        }
        for (name, _) in SHAPES {
            if !shapes.iter().any(|s| s.name == *name) {
                wrong.push(format!("shape {name} has no examples in the table"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        // Per profile: 15 quick, about 40 standard, 56 deep (the docs say so).
        let count = |p: Profile| files.iter().filter(|c| c.profile <= p).count();
        assert_eq!(
            (count(Profile::Quick), count(Profile::Deep)),
            (15, 56),
            "update META.docs and the budget if the table changes"
        );
        let bad = TABLE.replacen("shape = \"env_file\"", "shape = \"no_such_shape\"", 1);
        assert!(parse_table(&bad).is_err());
    }
    use crate::testkit::{RawRequest, RawResponse};

    const DOTENV: &str = "# production\nDJANGO_SECRET_KEY=django-insecure-7q$z!tollgate-testbed-fake-key-k3v9#x2m@w8p^r5n0b\nDATABASE_URL=postgres://tollgate_app:Tg-db-P4ssw0rd-2024@db.internal.tollgate.test:5432/tollgate\nJWT_SECRET=secret\nDEPLOY_GITHUB_PAT=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\nDOCKER_HOST=tcp://127.0.0.1:2375\n";

    async fn ctx_for(
        handler: impl Fn(&RawRequest) -> RawResponse + Send + Sync + 'static,
    ) -> (crate::engine::Engine, CheckCtx) {
        leaked_secrets::tests::ctx_with_baseline(&META, handler).await
    }

    #[tokio::test]
    async fn finds_the_dotenv_and_masks_every_value() {
        let (_e, ctx) = ctx_for(|req| match req.path.as_str() {
            "/.env" => RawResponse::new(200, DOTENV).header("content-type", "text/plain"),
            _ => RawResponse::new(404, r#"{"detail":"Not found."}"#)
                .header("content-type", "application/json"),
        })
        .await;
        let f = ExposedFiles.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].title.starts_with("Exposed `.env` file with"),
            "{}",
            f[0].title
        );
        let all = serde_json::to_string(&f).expect("json");
        for secret in [
            "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",
            "Tg-db-P4ssw0rd-2024",
            "JWT_SECRET=secret",
            "tcp://127.0.0.1:2375",
            "k3v9#x2m",
        ] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        assert!(all.contains("ghp_…RM6r"));
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn a_credential_counts_whatever_the_files_shape() {
        let (_e, ctx) = ctx_for(|req| match req.path.as_str() {
            // Not `KEY=value` lines, but the token in it is real.
            "/.env" => RawResponse::new(
                200,
                r#"{"deploy":{"github":"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"}}"#,
            )
            .header("content-type", "application/json"),
            // Neither the shape nor a credential: nothing.
            "/.git/config" => RawResponse::new(200, "welcome to our site\n"),
            _ => RawResponse::new(404, "nope"),
        })
        .await;
        let f = ExposedFiles.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].title.contains("1 credential"), "{}", f[0].title);
        assert_eq!(f[0].severity, Severity::Critical);
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains("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"));
        assert!(all.contains("not in the usual format"), "{all}");
    }

    #[tokio::test]
    async fn catch_all_200_server_reports_nothing() {
        let page = "<!doctype html><html><head><title>Shop</title></head><body><div id=\"app\">Loading…</div></body></html>";
        let (_e, ctx) =
            ctx_for(move |_| RawResponse::new(200, page).header("content-type", "text/html")).await;
        assert!(ctx.target().soft404.is_catch_all());
        assert!(ExposedFiles.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn catch_all_that_echoes_the_path_reports_nothing() {
        let (_e, ctx) = ctx_for(|req| {
            RawResponse::new(200, format!("FOO=bar\nBAR=baz\nrequested {}\n", req.path))
                .header("content-type", "text/plain")
        })
        .await;
        assert!(ExposedFiles.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn debug_tooling_is_recognised_by_content() {
        let (_e, ctx) = ctx_for(|req| match req.path.as_str() {
            "/actuator/env" => {
                RawResponse::new(200, r#"{"activeProfiles":["prod"],"propertySources":[]}"#)
                    .header("content-type", "application/json")
            }
            "/.git/HEAD" => RawResponse::new(200, "ref: refs/heads/main\n"),
            "/Dockerfile" => RawResponse::new(200, "<html>FROM the blog: RUN fast</html>")
                .header("content-type", "text/html"),
            _ => RawResponse::new(404, "nope"),
        })
        .await;
        let f = ExposedFiles.run(&ctx).await.expect("run");
        let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(f.len(), 2, "{titles:?}");
        assert!(titles.iter().any(|t| t.contains("actuator")));
        assert!(titles.iter().any(|t| t.contains(".git/HEAD")));
    }

    #[test]
    fn shapes_reject_lookalikes() {
        let b = |text: &'static str, html: bool| Body {
            text,
            bytes: text.as_bytes(),
            html,
        };
        assert!(env_file(&b("DEBUG=1\nHOST=db\n", false)));
        assert!(!env_file(&b("DEBUG=1\nHOST=db\n", true)));
        assert!(!env_file(&b("{\"A\":1}", false)));
        assert!(proc_environ(&b(
            "PATH=/usr/bin\0HOME=/root\0HOSTNAME=x\0",
            false
        )));
        assert!(!proc_environ(&b("PATH=/usr/bin HOME=/root", false)));
        assert!(dockerfile(&b(
            "FROM python:3.12\nRUN pip install x\n",
            false
        )));
        assert!(!git_head(&b("<html>ref: refs/heads/main</html>", true)));
        assert!(django_settings(&b(
            "SECRET_KEY = 'x'\nINSTALLED_APPS = []\n",
            false
        )));
    }

    #[test]
    fn budget_covers_the_deep_profile() {
        assert!(candidates(Profile::Deep).count() as u32 <= META.budget);
        assert!(candidates(Profile::Quick).count() < candidates(Profile::Standard).count());
    }
}
