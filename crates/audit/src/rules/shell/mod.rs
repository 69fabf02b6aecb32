//! Shell-script rules (SH-) and the command detectors the Dockerfile rules reuse on
//! `RUN` lines.

pub mod dev_server;
pub mod dumps_env;
pub mod literal_creds;
pub mod no_priv_drop;
pub mod remote_exec;
pub mod runtime_access;
pub mod xtrace;

use crate::parse::shell::{basename, Command, Script, Word};

/// A detected problem in a script: where (offset of the word) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub at: usize,
    pub what: String,
}

fn hit(word: &Word, what: impl Into<String>) -> Hit {
    Hit {
        at: word.start,
        what: what.into(),
    }
}

const FETCHERS: &[&str] = &["curl", "wget", "fetch", "http", "aria2c"];
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "python", "python3", "perl", "ruby", "node", "php",
];

fn is_interpreter(name: &str) -> bool {
    INTERPRETERS.contains(&name) || name.starts_with("python3.")
}

/// Remote code run without being looked at: `curl … | sh`, `sh -c "$(curl …)"`,
/// `bash <(wget …)`, `eval "$(curl …)"`.
pub fn remote_exec(script: &Script) -> Vec<Hit> {
    let cmds = &script.commands;
    let mut out = Vec::new();
    for (i, cmd) in cmds.iter().enumerate() {
        let Some(name) = cmd.effective_name() else {
            continue;
        };
        let Some(first) = cmd.effective().first() else {
            continue;
        };
        if FETCHERS.contains(&name) && cmd.piped_to_next {
            let next = cmds[i + 1..].iter().find(|c| !c.nested || cmd.nested);
            if let Some(n) = next.filter(|n| n.piped_from_prev) {
                if let Some(interp) = n.effective_name().filter(|n| is_interpreter(n)) {
                    out.push(hit(
                        first,
                        format!("`{name} … | {interp}` runs a downloaded script"),
                    ));
                }
            }
        }
        let eval = cmd.name() == Some("eval");
        let words: &[Word] = if eval { &cmd.words } else { cmd.effective() };
        let substitutes_fetch = words.iter().skip(1).any(|w| {
            (w.raw.contains("$(") || w.raw.contains('`') || w.raw.contains("<("))
                && FETCHERS.iter().any(|f| w.raw.contains(f))
        });
        if substitutes_fetch && (eval || is_interpreter(name)) {
            let (at, shown) = if eval {
                (cmd.words.first().unwrap_or(first), "eval")
            } else {
                (first, name)
            };
            out.push(hit(at, format!("`{shown}` runs the output of a download")));
        }
    }
    out
}

/// TLS certificate verification switched off for one command.
pub fn tls_off(cmd: &Command) -> Option<Hit> {
    for a in &cmd.assignments {
        if let Some(what) = tls_env(&a.value) {
            return Some(hit(a, what));
        }
    }
    let words = cmd.effective();
    let name = words.first().map(|w| basename(&w.value))?;
    let args = &words[1..];
    let find = |flags: &[&str]| {
        args.iter().find(|w| {
            flags
                .iter()
                .any(|f| w.value == *f || w.value.starts_with(&format!("{f}=")))
        })
    };
    let found = match name {
        "curl" => find(&["-k", "--insecure"])
            .or_else(|| args.iter().find(|w| short_flag_has(&w.value, 'k'))),
        "wget" => find(&["--no-check-certificate"]),
        "pip" | "pip3" | "uv" | "poetry" => find(&["--trusted-host"]),
        "git" => args.iter().find(|w| {
            w.value.to_ascii_lowercase().contains("sslverify")
                && args.iter().any(|v| v.value == "false")
        }),
        "npm" | "yarn" | "pnpm" => args
            .iter()
            .find(|w| w.value.contains("strict-ssl") && args.iter().any(|v| v.value == "false")),
        "apk" => find(&["--allow-untrusted"]),
        "export" => {
            return args
                .iter()
                .find_map(|w| tls_env(&w.value).map(|what| hit(w, what)))
        }
        _ => None,
    };
    found.map(|w| {
        hit(
            w,
            format!("`{name} {}` turns off TLS verification", w.value),
        )
    })
}

/// `curl -sSkL` style combined short flags.
fn short_flag_has(word: &str, flag: char) -> bool {
    word.starts_with('-')
        && !word.starts_with("--")
        && word.len() > 2
        && word[1..].chars().all(|c| c.is_ascii_alphabetic())
        && word.contains(flag)
}

/// Environment settings that turn TLS verification off (`NAME=value`).
pub fn tls_env(assignment: &str) -> Option<String> {
    let (name, value) = assignment.split_once('=')?;
    let value = value.trim().trim_matches(['"', '\'']);
    let off = match name {
        "PYTHONHTTPSVERIFY" | "NODE_TLS_REJECT_UNAUTHORIZED" => value == "0",
        "GIT_SSL_NO_VERIFY" => !value.is_empty() && value != "0" && value != "false",
        "REQUESTS_CA_BUNDLE" | "CURL_CA_BUNDLE" => value.is_empty(),
        "PIP_TRUSTED_HOST" => !value.is_empty(),
        _ => false,
    };
    off.then(|| format!("`{name}={value}` turns off TLS verification"))
}

/// Values that look like a literal credential rather than a variable or a file.
pub fn literal_arg(word: &Word) -> bool {
    !word.value.is_empty() && !word.value.contains('$') && !word.value.starts_with('-')
}

/// Credentials handed to a CLI on its command line, or written to a credentials file.
pub fn credential_setup(cmd: &Command) -> Option<Hit> {
    let words = cmd.effective();
    let name = words.first().map(|w| basename(&w.value))?;
    let args: Vec<&str> = words.iter().skip(1).map(|w| w.value.as_str()).collect();
    let first = words.first()?;
    let has = |a: &str| {
        args.iter()
            .any(|x| *x == a || x.starts_with(&format!("{a}=")))
    };
    let what = match name {
        "aws"
            if has("configure")
                && args.iter().any(|a| {
                    a.contains("aws_secret_access_key") || a.contains("aws_access_key_id")
                }) =>
        {
            "`aws configure set` stores an AWS key"
        }
        "gcloud" if has("activate-service-account") => {
            "`gcloud auth activate-service-account` uses a key file"
        }
        "az" if has("login") && (has("-p") || has("--password")) => "`az login` with a password",
        "doctl" if has("init") && (has("-t") || has("--access-token")) => {
            "`doctl auth init` with a token"
        }
        "docker" | "podman" | "helm" if has("login") && (has("-p") || has("--password")) => {
            "registry login with a password on the command line"
        }
        "npm" | "yarn"
            if args
                .iter()
                .any(|a| a.contains("_authToken") || a.contains("_auth=")) =>
        {
            "npm registry token set"
        }
        "curl" if header_auth(&args) || has("-u") || has("--user") => "`curl` sends credentials",
        "wget"
            if header_auth(&args)
                || has("--password")
                || has("--http-password")
                || has("--http-passwd") =>
        {
            "`wget` sends credentials"
        }
        "git" | "pip" | "pip3" | "npm" | "curl" | "wget"
            if args.iter().any(|a| url_with_credentials(a)) =>
        {
            "a credential in a URL (`https://TOKEN@host/…`)"
        }
        _ => return credential_file_write(cmd),
    };
    Some(hit(first, what))
}

fn header_auth(args: &[&str]) -> bool {
    // A credential header with a value; `-H "Authorization:"` only removes the header.
    let auth = |v: &str| {
        let v = v.trim_start().to_ascii_lowercase();
        ["authorization:", "private-token:", "x-api-key:"]
            .iter()
            .any(|h| {
                v.strip_prefix(h)
                    .is_some_and(|rest| !rest.trim().is_empty())
            })
    };
    args.windows(2)
        .any(|w| matches!(w[0], "-H" | "--header") && auth(w[1]))
        || args.iter().any(|a| {
            a.strip_prefix("--header=")
                .or_else(|| a.strip_prefix("-H").filter(|r| !r.is_empty()))
                .is_some_and(auth)
        })
}

/// `https://user:TOKEN@host/…` or `https://$TOKEN@host/…`: a credential in the URL's
/// user-info, stored in the layer's history (and in `.git/config` for a clone).
fn url_with_credentials(arg: &str) -> bool {
    let Some((scheme, rest)) = arg.split_once("://") else {
        return false;
    };
    if !matches!(scheme, "http" | "https" | "git+https" | "ssh") {
        return false;
    }
    let authority = rest.split('/').next().unwrap_or("");
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return false;
    };
    if host.is_empty() || userinfo.is_empty() {
        return false;
    }
    // `git@github.com` style users carry no secret; a token or `user:password` does.
    userinfo.contains(':') || userinfo.contains('$') || userinfo.len() >= 20
}

/// The literal secrets a credential-handing command carries (a password after `-p`,
/// the token of an `Authorization` header, the secret in a URL's user-info), so the
/// evidence can mask them even when no known token pattern matches. Variables
/// (`$TOKEN`) are not secrets and are left out.
pub fn credential_literals(cmd: &Command) -> Vec<String> {
    const VALUE_FLAGS: &[&str] = &[
        "-p",
        "--password",
        "-t",
        "--access-token",
        "-u",
        "--user",
        "--http-password",
        "--http-passwd",
    ];
    let words = cmd.effective();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate().skip(1) {
        let v = w.value.as_str();
        let prev = words[i - 1].value.as_str();
        let after_flag = VALUE_FLAGS.contains(&prev);
        // `-u NAME` alone is a user name, not a secret (`-u user:password` is).
        let user_only = matches!(prev, "-u" | "--user") && !v.contains(':');
        let inline = VALUE_FLAGS
            .iter()
            .filter(|f| f.starts_with("--"))
            .find_map(|f| v.strip_prefix(*f).and_then(|r| r.strip_prefix('=')));
        let header = v.strip_prefix("--header=").unwrap_or(v);
        let candidate = if user_only {
            None
        } else if let Some(val) = inline {
            Some(val)
        } else if after_flag && !v.to_ascii_lowercase().contains(':') {
            Some(v)
        } else if after_flag {
            // `-u user:password`, or an `Authorization: Bearer TOKEN` header.
            header.rsplit([' ', ':']).next()
        } else if header.contains(':') && header.to_ascii_lowercase().starts_with("authorization") {
            header.rsplit([' ', ':']).next()
        } else {
            url_secret(v)
        };
        out.extend(
            candidate
                .filter(|c| !c.is_empty() && !c.contains('$'))
                .map(str::to_string),
        );
    }
    out
}

/// The secret part of a URL's user-info (`user:SECRET@` or `TOKEN@`).
fn url_secret(arg: &str) -> Option<&str> {
    if !url_with_credentials(arg) {
        return None;
    }
    let authority = arg.split_once("://")?.1.split('/').next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':').map_or(userinfo, |(_, p)| p))
}

/// A command that writes the whole environment to a file (`env > f`, `printenv >> f`,
/// bare `set > f`, `export -p > f`, `cat /proc/self/environ > f`): what it writes and
/// the file. Output to `/dev/null` or piped onwards is not a dump.
pub fn env_dump_to_file(cmd: &Command) -> Option<String> {
    if cmd.nested || cmd.piped_to_next || !cmd.stdout_to_file() {
        return None;
    }
    let file = dump_file(cmd)?;
    Some(format!("{} to the file `{file}`", whole_env_dump(cmd)?))
}

/// `env`, `printenv`, `export -p`, `declare -p`, bare `set`, a `/proc/*/environ`
/// read: every variable at once.
fn whole_env_dump(cmd: &Command) -> Option<&'static str> {
    let words = cmd.effective();
    let name = basename(&words.first()?.value);
    let args: Vec<&str> = words[1..].iter().map(|w| w.value.as_str()).collect();
    match name {
        "env" if args.iter().all(|a| a.starts_with('-')) => {
            Some("`env` writes the whole environment")
        }
        "printenv" if args.is_empty() => Some("`printenv` writes the whole environment"),
        "export" | "declare" | "typeset"
            if !args.is_empty()
                && args
                    .iter()
                    .all(|a| matches!(*a, "-p" | "-x" | "-px" | "-xp")) =>
        {
            Some("the shell writes every exported variable")
        }
        "set" if args.is_empty() => Some("bare `set` writes every variable"),
        "cat" | "tr" | "strings" | "xargs"
            if args
                .iter()
                .any(|a| a.starts_with("/proc/") && a.ends_with("/environ")) =>
        {
            Some("a process environment read from /proc is written")
        }
        _ => None,
    }
}

/// The file a command's standard output is redirected to (not `/dev/null`).
fn dump_file(cmd: &Command) -> Option<&str> {
    cmd.redirects
        .iter()
        .filter(|r| matches!(r.op.as_str(), ">" | ">>" | ">|" | "&>" | "&>>"))
        .filter_map(|r| r.target.as_ref())
        .map(|t| t.value.as_str())
        .find(|t| *t != "/dev/null")
}

/// `echo … > ~/.netrc` and the like.
fn credential_file_write(cmd: &Command) -> Option<Hit> {
    const FILES: &[&str] = &[
        ".netrc",
        ".npmrc",
        ".pypirc",
        ".git-credentials",
        ".docker/config.json",
        ".aws/credentials",
        ".pgpass",
    ];
    let target = cmd
        .redirects
        .iter()
        .filter(|r| r.op.starts_with('>'))
        .find_map(|r| r.target.as_ref())?;
    let name = cmd.effective_name()?;
    if !matches!(name, "echo" | "printf" | "cat" | "tee") {
        return None;
    }
    let file = FILES.iter().find(|f| target.value.ends_with(*f))?;
    let first = cmd.effective().first()?;
    Some(hit(first, format!("credentials written to `{file}`")))
}

/// The names a script reads through `$NAME` / `${NAME…}`.
pub fn referenced_vars(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = if bytes.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let end = start
                + bytes[start.min(bytes.len())..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
            if end > start && !bytes[start].is_ascii_digit() {
                out.push(text[start..end].to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::shell::parse;

    #[test]
    fn detectors() {
        let s = parse("curl -fsSL https://x | sudo bash\nsh -c \"$(wget -qO- https://y)\"\ncurl -sSk https://z\nGIT_SSL_NO_VERIFY=1 git clone x\ndocker login -u me -p secret reg\n", 0);
        assert_eq!(remote_exec(&s).len(), 2);
        let tls: Vec<Hit> = s.commands.iter().filter_map(tls_off).collect();
        assert_eq!(tls.len(), 2, "{tls:?}");
        assert!(s.commands.iter().any(|c| credential_setup(c).is_some()));
        assert_eq!(
            referenced_vars("a $TOKEN ${API_KEY:-x} $1"),
            ["TOKEN", "API_KEY"]
        );
    }

    #[test]
    fn credentials_in_urls_and_header_forms() {
        let s = parse("git clone https://x-access-token:${GH_TOKEN}@github.com/o/r.git\ngit clone https://$TOKEN@github.com/o/r\ncurl -H\"Authorization: Bearer $T\" https://x\ncurl --header=\"Authorization: token $T\" https://x\npip install git+https://oauth2:$T@gitlab.com/g/p.git\n", 0);
        let hits: Vec<Hit> = s.commands.iter().filter_map(credential_setup).collect();
        assert_eq!(hits.len(), 5, "{hits:?}");
        let quiet = parse("git clone https://github.com/o/r\ngit clone ssh://git@github.com/o/r\ncurl -H 'Accept: application/json' https://x\n", 0);
        assert!(quiet.commands.iter().all(|c| credential_setup(c).is_none()));
    }

    #[test]
    fn quiet_detectors() {
        let s = parse("curl -fsSL -o /tmp/x https://x\nsha256sum -c x.sha\nsh /tmp/x\ndocker login --password-stdin reg\n", 0);
        assert!(remote_exec(&s).is_empty());
        assert!(s
            .commands
            .iter()
            .all(|c| tls_off(c).is_none() && credential_setup(c).is_none()));
    }
}
