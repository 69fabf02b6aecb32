//! `tollgate config show`: every effective value and where it came from.

use crate::args::ScanSettingsArgs;
use crate::commands::{print, real_env};
use crate::exit::{usage, Failure};
use crate::settings::{load_file, resolve, Setting, Settings};
use std::fmt::Display;
use std::path::Path;
use std::process::ExitCode;

pub fn show(config: Option<&Path>, args: &ScanSettingsArgs) -> Result<ExitCode, Failure> {
    let (path, file) = load_file(config).map_err(usage)?;
    let settings = resolve(path, file, &real_env, args).map_err(usage)?;
    print(&render(&settings))?;
    Ok(ExitCode::SUCCESS)
}

fn row<T>(out: &mut String, name: &str, s: &Setting<T>, show: impl Fn(&T) -> String) {
    out.push_str(&format!(
        "{name:<14} {:<28} ({})\n",
        show(&s.value),
        s.source
    ));
}

fn opt<T: Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("unset".to_string(), ToString::to_string)
}

/// The table `config show` prints. Token values are never shown, only their origin.
pub fn render(s: &Settings) -> String {
    let mut out = format!(
        "config file    {}\n",
        s.config_file
            .as_ref()
            .map_or("none".into(), |p| p.display().to_string())
    );
    row(&mut out, "profile", &s.profile, |p| p.as_str().to_string());
    row(&mut out, "fail_on", &s.fail_on, opt);
    row(&mut out, "fail_under", &s.fail_under, opt);
    row(
        &mut out,
        "max_requests",
        &s.max_requests,
        ToString::to_string,
    );
    row(&mut out, "max_time", &s.max_time, |d| {
        humantime::format_duration(*d).to_string()
    });
    row(&mut out, "rate", &s.rate, |r| format!("{r}/s"));
    row(&mut out, "concurrency", &s.concurrency, ToString::to_string);
    row(&mut out, "timeout", &s.timeout, |d| {
        humantime::format_duration(*d).to_string()
    });
    row(&mut out, "insecure", &s.insecure, ToString::to_string);
    row(&mut out, "scope", &s.scope, |v| {
        if v.is_empty() {
            "target origin only".into()
        } else {
            v.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ")
        }
    });
    row(&mut out, "allow", &s.allow_intrusive, |a| {
        if *a {
            "intrusive".into()
        } else {
            "safe only".into()
        }
    });
    row(&mut out, "format", &s.format, ToString::to_string);
    row(&mut out, "identity", &s.identity, opt);
    row(&mut out, "spec", &s.spec, opt);
    row(&mut out, "token_file", &s.token_file, |t| {
        t.as_ref()
            .map_or("unset".into(), |p| p.display().to_string())
    });
    let env_token = real_env("TOLLGATE_TOKEN").is_some_and(|t| !t.trim().is_empty());
    out.push_str(&format!(
        "{:<14} {:<28} (env TOLLGATE_TOKEN)\n",
        "token",
        if env_token {
            "set (value hidden)"
        } else {
            "unset"
        }
    ));
    for (name, id) in &s.identities {
        let from = match (&id.token_file, &id.token_env, &id.login) {
            (Some(p), _, _) => format!("file {}", p.display()),
            (None, Some(v), _) => format!("env {v}"),
            (None, None, Some(l)) => login_summary(l),
            (None, None, None) => "no secret configured".into(),
        };
        let how = id
            .header
            .as_ref()
            .map(|h| format!("header {h}"))
            .or(id.cookie.as_ref().map(|c| format!("cookie {c}")))
            .unwrap_or("bearer".into());
        out.push_str(&format!(
            "{:<14} {:<28} ({})\n",
            format!("identity.{name}"),
            format!("{how}, {from}"),
            s.config_file
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string())
        ));
    }
    out
}

/// How a login identity logs in, secrets named by where they come from, never shown.
fn login_summary(l: &crate::settings::FileLogin) -> String {
    let mut parts = vec![format!("login {} {}", l.kind, l.url)];
    if let Some(u) = &l.username {
        parts.push(format!("username {u}"));
    } else if let Some(v) = &l.username_env {
        parts.push(format!("username env {v}"));
    }
    match (&l.password_file, &l.password_env) {
        (Some(p), _) => parts.push(format!("password file {} (value hidden)", p.display())),
        (None, Some(v)) => parts.push(format!("password env {v} (value hidden)")),
        (None, None) => {}
    }
    if let Some(c) = &l.client_id {
        parts.push(format!("client_id {c}"));
    }
    match (&l.client_secret_file, &l.client_secret_env) {
        (Some(p), _) => parts.push(format!("client_secret file {} (value hidden)", p.display())),
        (None, Some(v)) => parts.push(format!("client_secret env {v} (value hidden)")),
        (None, None) => {}
    }
    parts.push(format!(
        "token at {}",
        l.token_pointer.as_deref().unwrap_or("/access_token")
    ));
    parts.join(", ")
}
