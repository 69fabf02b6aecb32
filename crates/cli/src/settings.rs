//! Configuration layering: defaults < tollgate.toml < TOLLGATE_* env < flags.
//!
//! Each layer is `Option`-typed, so "unset" is different from "set to the default",
//! and every effective value remembers where it came from (`tollgate config show`).

use crate::args::ScanSettingsArgs;
use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use tollgate_core::Severity;
use tollgate_report::Format;
use tollgate_scan::Profile;
use url::Url;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(n) => write!(f, "flag {n}"),
        }
    }
}

/// An effective value and its source.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// `[scan]` in tollgate.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileScan {
    pub profile: Option<String>,
    pub fail_on: Option<String>,
    pub fail_under: Option<u8>,
    pub max_requests: Option<u64>,
    pub max_time: Option<String>,
    pub rate: Option<u32>,
    pub concurrency: Option<usize>,
    pub timeout: Option<String>,
    pub insecure: Option<bool>,
    pub scope: Option<Vec<String>>,
    pub allow: Option<Vec<String>>,
    pub identity: Option<String>,
    pub format: Option<String>,
    pub token_file: Option<PathBuf>,
    pub spec: Option<String>,
}

/// `[identity.NAME]` in tollgate.toml.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileIdentity {
    /// File holding the secret (relative paths are relative to tollgate.toml).
    pub token_file: Option<PathBuf>,
    /// Environment variable holding the secret.
    pub token_env: Option<String>,
    /// Send the secret in this header instead of `Authorization: Bearer`.
    pub header: Option<String>,
    /// Send the secret as this cookie instead.
    pub cookie: Option<String>,
    /// `[identity.NAME.login]`: obtain the token by logging in instead.
    pub login: Option<FileLogin>,
}

/// `[identity.NAME.login]` in tollgate.toml: credentials and the login request that
/// turns them into a token. Secrets come from files or environment variables only.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLogin {
    /// The login endpoint: an absolute URL, or a path resolved against the target.
    pub url: String,
    /// json | form | oauth2-password | oauth2-client-credentials.
    pub kind: String,
    pub username: Option<String>,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub client_id: Option<String>,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// The OAuth2 `scope` parameter.
    pub scope: Option<String>,
    /// Field names of the json and form kinds (default username, password).
    pub username_field: Option<String>,
    pub password_field: Option<String>,
    /// JSON pointer to the token in the response (default /access_token).
    pub token_pointer: Option<String>,
}

/// The whole tollgate.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOptions {
    #[serde(default)]
    pub scan: FileScan,
    #[serde(default)]
    pub identity: BTreeMap<String, FileIdentity>,
}

/// Validated, merged settings, ready to use.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config_file: Option<PathBuf>,
    pub profile: Setting<Profile>,
    pub fail_on: Setting<Option<Severity>>,
    pub fail_under: Setting<Option<u8>>,
    pub max_requests: Setting<u64>,
    pub max_time: Setting<Duration>,
    pub rate: Setting<u32>,
    pub concurrency: Setting<usize>,
    pub timeout: Setting<Duration>,
    pub insecure: Setting<bool>,
    pub scope: Setting<Vec<Url>>,
    pub allow_intrusive: Setting<bool>,
    pub identity: Setting<Option<String>>,
    pub format: Setting<Format>,
    pub token_file: Setting<Option<PathBuf>>,
    /// OpenAPI document: a path (relative to tollgate.toml when set there) or a URL.
    pub spec: Setting<Option<String>>,
    /// Named identities, with token paths already resolved against the config file.
    pub identities: BTreeMap<String, FileIdentity>,
}

/// Reads an environment variable; injectable for tests.
pub type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Loads the config file (explicit path, or ./tollgate.toml if present).
pub fn load_file(explicit: Option<&Path>) -> Result<(Option<PathBuf>, FileOptions)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if Path::new("tollgate.toml").is_file() => PathBuf::from("tollgate.toml"),
        None => return Ok((None, FileOptions::default())),
    };
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read config file {} — check the path given to --config or TOLLGATE_CONFIG",
            path.display()
        )
    })?;
    let opts: FileOptions = toml::from_str(&text).map_err(|e| {
        anyhow!(
            "{}: {e}\nsee README \"Configuration\" for the keys tollgate.toml accepts",
            path.display()
        )
    })?;
    Ok((Some(path), opts))
}

/// One layer's candidate: a raw value and the source it came from.
type Candidate<T> = Option<(T, Source)>;

/// Takes the highest-precedence layer that is set.
fn pick<T>(default: T, layers: [Candidate<T>; 3]) -> Setting<T> {
    let [file, env, flag] = layers;
    let (value, source) = flag.or(env).or(file).unwrap_or((default, Source::Default));
    Setting { value, source }
}

fn parse_env<T: FromStr>(env: EnvFn, name: &'static str) -> Result<Candidate<T>>
where
    T::Err: fmt::Display,
{
    match env(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<T>()
            .map(|t| Some((t, Source::Env(name))))
            .map_err(|e| anyhow!("{name}={v}: {e}")),
    }
}

fn file_src<T>(v: Option<T>, file: &Option<PathBuf>) -> Candidate<T> {
    v.map(|v| (v, Source::File(file.clone().unwrap_or_default())))
}

fn flag_src<T>(v: Option<T>, name: &'static str) -> Candidate<T> {
    v.map(|v| (v, Source::Flag(name)))
}

/// A duration given as `90s`, `5m`, `1h30m` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(s)
        .map_err(|e| anyhow!("invalid duration `{s}` ({e}); write e.g. 90s, 5m or 300"))
}

/// A wrapper so durations parse from env vars with the same rules.
#[derive(Debug, Clone, Copy)]
struct Dur(Duration);

impl FromStr for Dur {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration(s).map(Dur).map_err(|e| e.to_string())
    }
}

fn dur(c: Candidate<String>) -> Result<Candidate<Duration>> {
    c.map(|(s, src)| parse_duration(&s).map(|d| (d, src)))
        .transpose()
}

fn parsed<T: FromStr>(c: Candidate<String>) -> Result<Candidate<T>>
where
    T::Err: fmt::Display,
{
    c.map(|(s, src)| {
        s.trim()
            .parse::<T>()
            .map(|v| (v, src))
            .map_err(|e| anyhow!("{e}"))
    })
    .transpose()
}

fn urls(c: Candidate<Vec<String>>) -> Result<Candidate<Vec<Url>>> {
    c.map(|(list, src)| {
        list.iter()
            .map(|u| Url::parse(u).map_err(|e| anyhow!("invalid --scope URL `{u}`: {e}")))
            .collect::<Result<Vec<_>>>()
            .map(|v| (v, src))
    })
    .transpose()
}

fn allow_intrusive(c: Candidate<Vec<String>>) -> Result<Candidate<bool>> {
    c.map(|(list, src)| {
        for class in &list {
            if class != "intrusive" {
                bail!("unknown --allow class `{class}`: the only class is `intrusive`");
            }
        }
        Ok((!list.is_empty(), src))
    })
    .transpose()
}

fn nonempty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// Merges defaults, the config file, the environment and the flags.
pub fn resolve(
    path: Option<PathBuf>,
    file: FileOptions,
    env: EnvFn,
    flags: &ScanSettingsArgs,
) -> Result<Settings> {
    let f = file.scan;
    let p = &path;
    let defaults = tollgate_scan::engine::EngineConfig::default();
    let env_dur = |name| -> Result<Candidate<Duration>> {
        Ok(parse_env::<Dur>(env, name)?.map(|(d, s)| (d.0, s)))
    };
    let settings = Settings {
        profile: pick(
            Profile::Standard,
            [
                parsed(file_src(f.profile, p))?,
                parse_env(env, "TOLLGATE_PROFILE")?,
                parsed(flag_src(flags.profile.clone(), "--profile"))?,
            ],
        ),
        fail_on: pick(
            None,
            [
                parsed::<Severity>(file_src(f.fail_on, p))?.map(some),
                parse_env::<Severity>(env, "TOLLGATE_FAIL_ON")?.map(some),
                parsed::<Severity>(flag_src(flags.fail_on.clone(), "--fail-on"))?.map(some),
            ],
        ),
        fail_under: pick(
            None,
            [
                file_src(f.fail_under, p).map(some),
                parse_env::<u8>(env, "TOLLGATE_FAIL_UNDER")?.map(some),
                flag_src(flags.fail_under, "--fail-under").map(some),
            ],
        ),
        max_requests: pick(
            defaults.max_requests,
            [
                file_src(f.max_requests, p),
                parse_env(env, "TOLLGATE_MAX_REQUESTS")?,
                flag_src(flags.max_requests, "--max-requests"),
            ],
        ),
        max_time: pick(
            defaults.max_time,
            [
                dur(file_src(f.max_time, p))?,
                env_dur("TOLLGATE_MAX_TIME")?,
                dur(flag_src(flags.max_time.clone(), "--max-time"))?,
            ],
        ),
        rate: pick(
            defaults.rate_per_second,
            [
                file_src(f.rate, p),
                parse_env(env, "TOLLGATE_RATE")?,
                flag_src(flags.rate, "--rate"),
            ],
        ),
        concurrency: pick(
            defaults.per_host_concurrency,
            [
                file_src(f.concurrency, p),
                parse_env(env, "TOLLGATE_CONCURRENCY")?,
                flag_src(flags.concurrency, "--concurrency"),
            ],
        ),
        timeout: pick(
            defaults.request_timeout,
            [
                dur(file_src(f.timeout, p))?,
                env_dur("TOLLGATE_TIMEOUT")?,
                dur(flag_src(flags.timeout.clone(), "--timeout"))?,
            ],
        ),
        insecure: pick(
            false,
            [
                file_src(f.insecure, p),
                parse_env(env, "TOLLGATE_INSECURE")?,
                flag_src(flags.insecure.then_some(true), "--insecure"),
            ],
        ),
        scope: pick(
            Vec::new(),
            [
                urls(file_src(f.scope, p))?,
                None,
                urls(flag_src(nonempty(flags.scope.clone()), "--scope"))?,
            ],
        ),
        allow_intrusive: pick(
            false,
            [
                allow_intrusive(file_src(f.allow, p))?,
                None,
                allow_intrusive(flag_src(nonempty(flags.allow.clone()), "--allow"))?,
            ],
        ),
        identity: pick(
            None,
            [
                file_src(f.identity, p).map(some),
                env("TOLLGATE_IDENTITY").map(|v| (Some(v), Source::Env("TOLLGATE_IDENTITY"))),
                flag_src(flags.identity.clone(), "--identity").map(some),
            ],
        ),
        format: pick(
            Format::Terminal,
            [
                parsed(file_src(f.format, p))?,
                parse_env(env, "TOLLGATE_FORMAT")?,
                parsed(flag_src(flags.format.clone(), "--format"))?,
            ],
        ),
        token_file: pick(
            None,
            [
                file_src(f.token_file.map(|t| relative_to(p, t)), p).map(some),
                env("TOLLGATE_TOKEN_FILE")
                    .map(|v| (Some(PathBuf::from(v)), Source::Env("TOLLGATE_TOKEN_FILE"))),
                flag_src(flags.token_file.clone(), "--token-file").map(some),
            ],
        ),
        spec: pick(
            None,
            [
                file_src(f.spec.map(|v| spec_relative_to(p, v)), p).map(some),
                env("TOLLGATE_SPEC")
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (Some(v), Source::Env("TOLLGATE_SPEC"))),
                flag_src(flags.spec.clone(), "--spec").map(some),
            ],
        ),
        identities: file
            .identity
            .into_iter()
            .map(|(k, v)| (k, resolve_identity_paths(p, v)))
            .collect(),
        config_file: path,
    };
    Ok(settings)
}

fn some<T>((v, s): (T, Source)) -> (Option<T>, Source) {
    (Some(v), s)
}

fn relative_to(config: &Option<PathBuf>, path: PathBuf) -> PathBuf {
    match config.as_ref().and_then(|c| c.parent()) {
        Some(dir) if path.is_relative() && !dir.as_os_str().is_empty() => dir.join(path),
        _ => path,
    }
}

/// A spec path from tollgate.toml is relative to that file; URLs stay as they are.
fn spec_relative_to(config: &Option<PathBuf>, spec: String) -> String {
    if spec.starts_with("http://") || spec.starts_with("https://") {
        return spec;
    }
    relative_to(config, PathBuf::from(spec))
        .display()
        .to_string()
}

fn resolve_identity_paths(config: &Option<PathBuf>, mut id: FileIdentity) -> FileIdentity {
    id.token_file = id.token_file.map(|t| relative_to(config, t));
    if let Some(login) = &mut id.login {
        login.password_file = login.password_file.take().map(|t| relative_to(config, t));
        login.client_secret_file = login
            .client_secret_file
            .take()
            .map(|t| relative_to(config, t));
    }
    id
}
