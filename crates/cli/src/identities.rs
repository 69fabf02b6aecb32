//! Loading identities: token files, TOLLGATE_TOKEN and `[identity.NAME]` tables.
//! Secret values go straight into `Secret`, whose Debug and Display never show them.

use crate::settings::{EnvFn, FileIdentity, Settings};
use anyhow::{anyhow, bail, Result};
use std::path::Path;
use tollgate_core::Secret;
use tollgate_scan::engine::{Credential, Identity};

/// The name of the identity given by `--token-file` or `TOLLGATE_TOKEN`.
pub const DEFAULT_IDENTITY: &str = "default";

/// Reads a token file: one line, surrounding whitespace trimmed.
pub fn read_token_file(path: &Path, hint: &str) -> Result<Secret> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow!(
            "token file {} cannot be read ({e}) — {hint}",
            path.display()
        )
    })?;
    let token = text.trim();
    if token.is_empty() {
        bail!("token file {} is empty — {hint}", path.display());
    }
    if token.contains('\n') {
        bail!(
            "token file {} has several lines; it must hold one token — {hint}",
            path.display()
        );
    }
    Ok(Secret::new(token))
}

fn named(name: &str, spec: &FileIdentity, env: EnvFn) -> Result<Identity> {
    let hint = format!("fix [identity.{name}] in tollgate.toml");
    let secret = match (&spec.token_file, &spec.token_env) {
        (Some(path), _) => read_token_file(path, &hint)?,
        (None, Some(var)) => env(var)
            .filter(|v| !v.trim().is_empty())
            .map(|v| Secret::new(v.trim()))
            .ok_or_else(|| anyhow!("identity `{name}`: environment variable {var} is not set — export it or {hint}"))?,
        (None, None) => bail!("identity `{name}` has neither token_file nor token_env — {hint}"),
    };
    let credential = match (&spec.header, &spec.cookie) {
        (Some(_), Some(_)) => {
            bail!("identity `{name}` sets both header and cookie; choose one — {hint}")
        }
        (Some(header), None) => Credential::Header {
            name: header.clone(),
            value: secret,
        },
        (None, Some(cookie)) => Credential::Cookie {
            name: cookie.clone(),
            value: secret,
        },
        (None, None) => Credential::Bearer(secret),
    };
    Ok(Identity {
        name: name.to_string(),
        credential,
    })
}

/// Every configured identity, the primary one first.
///
/// Primary: `--identity NAME` (or `[scan] identity`, `TOLLGATE_IDENTITY`); else the
/// token from `--token-file`/`TOLLGATE_TOKEN`; else the first named identity.
pub fn load(settings: &Settings, env: EnvFn) -> Result<Vec<Identity>> {
    let mut ids = Vec::new();
    if let Some(path) = &settings.token_file.value {
        ids.push(Identity::bearer(
            DEFAULT_IDENTITY,
            read_token_file(path, "pass --token-file PATH or set TOLLGATE_TOKEN")?,
        ));
    } else if let Some(tok) = env("TOLLGATE_TOKEN").filter(|t| !t.trim().is_empty()) {
        ids.push(Identity::bearer(DEFAULT_IDENTITY, Secret::new(tok.trim())));
    }
    for (name, spec) in &settings.identities {
        ids.push(named(name, spec, env)?);
    }
    if let Some(want) = &settings.identity.value {
        let pos = ids.iter().position(|i| &i.name == want).ok_or_else(|| {
            let known: Vec<&str> = settings.identities.keys().map(String::as_str).collect();
            anyhow!("no identity named `{want}` (from {}); defined: {} — add [identity.{want}] to tollgate.toml", settings.identity.source, if known.is_empty() { "none".to_string() } else { known.join(", ") })
        })?;
        let primary = ids.remove(pos);
        ids.insert(0, primary);
    }
    Ok(ids)
}
