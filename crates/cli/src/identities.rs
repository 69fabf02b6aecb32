//! Loading identities: token files, TOLLGATE_TOKEN and `[identity.NAME]` tables.
//! Secret values go straight into `Secret`, whose Debug and Display never show them.

use crate::settings::{EnvFn, FileIdentity, FileLogin, Settings};
use anyhow::{anyhow, bail, Result};
use std::path::{Path, PathBuf};
use tollgate_core::Secret;
use tollgate_scan::engine::{Credential, Identity, Login, LoginKind};
use url::Url;

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

/// A secret from a file (one line) or an environment variable; `what` names it in
/// errors (`token`, `password`, `client_secret`).
fn secret_from(
    name: &str,
    what: &str,
    file: Option<&PathBuf>,
    var: Option<&String>,
    env: EnvFn,
    hint: &str,
) -> Result<Option<Secret>> {
    Ok(match (file, var) {
        (Some(path), _) => Some(read_token_file(path, hint)?),
        (None, Some(var)) => Some(
            env(var)
                .filter(|v| !v.trim().is_empty())
                .map(|v| Secret::new(v.trim()))
                .ok_or_else(|| anyhow!("identity `{name}`: environment variable {var} (its {what}) is not set — export it or {hint}"))?,
        ),
        (None, None) => None,
    })
}

/// The login of `[identity.NAME.login]`; a relative `url` is resolved against the target.
fn login(name: &str, spec: &FileLogin, env: EnvFn, target: &Url) -> Result<Login> {
    let hint = format!("fix [identity.{name}.login] in tollgate.toml");
    let kind: LoginKind = spec
        .kind
        .parse()
        .map_err(|e| anyhow!("identity `{name}`: {e} — {hint}"))?;
    let url = target.join(spec.url.trim()).map_err(|e| {
        anyhow!(
            "identity `{name}`: invalid login url `{}` ({e}) — {hint}",
            spec.url
        )
    })?;
    let username = match (&spec.username, &spec.username_env) {
        (Some(u), _) => Some(u.clone()),
        (None, Some(var)) => Some(env(var).filter(|v| !v.trim().is_empty()).map(|v| v.trim().to_string()).ok_or_else(|| {
            anyhow!("identity `{name}`: environment variable {var} (its username) is not set — export it or {hint}")
        })?),
        (None, None) => None,
    };
    let mut login = Login::new(url, kind);
    login.username = username;
    login.password = secret_from(
        name,
        "password",
        spec.password_file.as_ref(),
        spec.password_env.as_ref(),
        env,
        &hint,
    )?;
    login.client_id = spec.client_id.clone();
    login.client_secret = secret_from(
        name,
        "client_secret",
        spec.client_secret_file.as_ref(),
        spec.client_secret_env.as_ref(),
        env,
        &hint,
    )?;
    login.scope = spec.scope.clone();
    if let Some(f) = &spec.username_field {
        login.username_field = f.clone();
    }
    if let Some(f) = &spec.password_field {
        login.password_field = f.clone();
    }
    if let Some(p) = &spec.token_pointer {
        login.token_pointer = p.trim().to_string();
    }
    login.validate().map_err(|e| {
        anyhow!("identity `{name}`: {e} (password_env or password_file, client_secret_env or client_secret_file) — {hint}")
    })?;
    Ok(login)
}

fn named(name: &str, spec: &FileIdentity, env: EnvFn, target: &Url) -> Result<Identity> {
    let hint = format!("fix [identity.{name}] in tollgate.toml");
    let token = secret_from(
        name,
        "token",
        spec.token_file.as_ref(),
        spec.token_env.as_ref(),
        env,
        &hint,
    )?;
    let login = spec
        .login
        .as_ref()
        .map(|l| login(name, l, env, target))
        .transpose()?;
    let secret = match (token, &login) {
        (Some(_), Some(_)) => bail!("identity `{name}` has both a token and a [identity.{name}.login]; choose one — {hint}"),
        (Some(t), None) => t,
        (None, Some(_)) => Secret::new(""),
        (None, None) => bail!("identity `{name}` has neither token_file, token_env nor [identity.{name}.login] — {hint}"),
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
    let identity = Identity::new(name, credential);
    Ok(match login {
        Some(l) => identity.with_login(l),
        None => identity,
    })
}

/// Every configured identity, the primary one first.
///
/// Primary: `--identity NAME` (or `[scan] identity`, `TOLLGATE_IDENTITY`); else the
/// token from `--token-file`/`TOLLGATE_TOKEN`; else the first named identity.
pub fn load(settings: &Settings, env: EnvFn, target: &Url) -> Result<Vec<Identity>> {
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
        ids.push(named(name, spec, env, target)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Url {
        Url::parse("http://127.0.0.1:8000/api/").unwrap_or_else(|e| panic!("{e}"))
    }

    fn spec(toml_text: &str) -> FileIdentity {
        toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "ALICE_PW" => Some("Canary-Pw-123456".into()),
            "SVC_SECRET" => Some("svc-secret-abcdef".into()),
            _ => None,
        }
    }

    #[test]
    fn oauth2_password_login_with_defaults() {
        let id = spec(
            "[login]\nurl = \"/token\"\nkind = \"oauth2-password\"\nusername = \"alice\"\npassword_env = \"ALICE_PW\"\n",
        );
        let id = named("alice", &id, &env, &target()).unwrap_or_else(|e| panic!("{e}"));
        let login = id.login.as_ref().unwrap_or_else(|| panic!("a login"));
        assert_eq!(login.url.as_str(), "http://127.0.0.1:8000/token");
        assert_eq!(login.kind, LoginKind::OAuth2Password);
        assert_eq!(login.username.as_deref(), Some("alice"));
        assert_eq!(
            login.password.as_ref().map(Secret::expose),
            Some("Canary-Pw-123456")
        );
        assert_eq!(login.token_pointer, "/access_token");
        assert_eq!(id.credential, Credential::Bearer(Secret::new("")));
        assert!(!format!("{id:?}").contains("Canary-Pw"));
    }

    #[test]
    fn json_login_with_fields_pointer_and_header() {
        let id = spec(
            "header = \"X-Auth\"\n[login]\nurl = \"https://127.0.0.1:8000/auth/login\"\nkind = \"json\"\nusername = \"a@b.c\"\nusername_field = \"email\"\npassword_env = \"ALICE_PW\"\ntoken_pointer = \"/data/jwt\"\n",
        );
        let id = named("admin", &id, &env, &target()).unwrap_or_else(|e| panic!("{e}"));
        let login = id.login.as_ref().unwrap_or_else(|| panic!("a login"));
        assert_eq!(login.username_field, "email");
        assert_eq!(login.token_pointer, "/data/jwt");
        assert!(matches!(&id.credential, Credential::Header { name, .. } if name == "X-Auth"));
    }

    #[test]
    fn client_credentials_from_env() {
        let id = spec(
            "[login]\nurl = \"/oauth/token\"\nkind = \"oauth2-client-credentials\"\nclient_id = \"svc\"\nclient_secret_env = \"SVC_SECRET\"\nscope = \"read\"\n",
        );
        let id = named("svc", &id, &env, &target()).unwrap_or_else(|e| panic!("{e}"));
        let login = id.login.as_ref().unwrap_or_else(|| panic!("a login"));
        assert_eq!(
            login.client_secret.as_ref().map(Secret::expose),
            Some("svc-secret-abcdef")
        );
        assert_eq!(login.scope.as_deref(), Some("read"));
    }

    #[test]
    fn bad_login_configurations_are_explained() {
        let err = |text: &str| {
            named("alice", &spec(text), &env, &target())
                .map(|_| ())
                .expect_err("must fail")
                .to_string()
        };
        let e = err("[login]\nurl = \"/token\"\nkind = \"saml\"\nusername = \"a\"\npassword_env = \"ALICE_PW\"\n");
        assert!(
            e.contains("unknown login kind") && e.contains("[identity.alice.login]"),
            "{e}"
        );
        let e = err("[login]\nurl = \"/token\"\nkind = \"json\"\nusername = \"a\"\npassword_env = \"NOPE\"\n");
        assert!(e.contains("NOPE") && e.contains("not set"), "{e}");
        let e = err("[login]\nurl = \"/token\"\nkind = \"json\"\nusername = \"a\"\n");
        assert!(e.contains("needs a password"), "{e}");
        let e = err("token_env = \"ALICE_PW\"\n[login]\nurl = \"/token\"\nkind = \"json\"\nusername = \"a\"\npassword_env = \"ALICE_PW\"\n");
        assert!(e.contains("both a token and"), "{e}");
        // An inline password is not accepted: secrets come from files or the environment.
        let inline: Result<FileIdentity, _> = toml::from_str(
            "[login]\nurl = \"/token\"\nkind = \"json\"\nusername = \"a\"\npassword = \"x\"\n",
        );
        assert!(inline.is_err());
    }
}
