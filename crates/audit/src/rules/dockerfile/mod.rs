//! Dockerfile rules (DKR-) and what they share: positions inside instructions and
//! the shell commands of `RUN` lines (shell form, exec form and heredocs).

pub mod add_remote;
pub mod cred_setup;
pub mod debug_server;
pub mod docker_socket;
pub mod env_file;
pub mod literal_token;
pub mod root_user;
pub mod secret_env;
pub mod secret_files;
pub mod sudo;

use crate::parse::dockerfile::{Dockerfile, Instruction, Text};
use crate::parse::shell::{self, Script};
use crate::project::AuditFile;
use crate::source::Pos;

/// The position of an offset in an instruction's argument text.
pub(crate) fn pos_in(file: &AuditFile, ins: &Instruction, at: usize) -> Pos {
    file.source.pos_at(ins.file_offset(at))
}

/// The position of an instruction's keyword.
pub(crate) fn pos_of(file: &AuditFile, ins: &Instruction) -> Pos {
    file.source.pos_at(ins.offset)
}

/// The shell commands of one `RUN` instruction (its command line, or a heredoc body
/// run by a shell).
pub(crate) struct RunScript<'a> {
    pub index: usize,
    pub ins: &'a Instruction,
    pub script: Script,
    text: Option<&'a Text>,
    adjust: usize,
}

impl RunScript<'_> {
    /// The file offset of an offset in the script.
    pub fn file_offset(&self, at: usize) -> usize {
        match self.text {
            Some(t) => t.file_offset(self.adjust + at),
            None => self.ins.offset,
        }
    }

    pub fn pos(&self, file: &AuditFile, at: usize) -> Pos {
        file.source.pos_at(self.file_offset(at))
    }

    /// Where this `RUN`'s secret mounts put their secrets: the mounted files
    /// (`target=`/`dst=`, or `/run/secrets/<id>` by default) and the variables of
    /// `env=` mounts. Empty without a `--mount=type=secret`.
    pub fn secret_sources(&self) -> SecretSources {
        let mut out = SecretSources::default();
        for flag in self.ins.flags().iter().filter(|f| f.name == "mount") {
            let opts: Vec<(&str, &str)> = flag
                .value
                .split(',')
                .map(|p| p.split_once('=').unwrap_or((p, "")))
                .collect();
            if !opts.contains(&("type", "secret")) {
                continue;
            }
            let get = |keys: &[&str]| {
                opts.iter()
                    .find(|(k, _)| keys.contains(k))
                    .map(|(_, v)| v.to_string())
            };
            let id = get(&["id"]).unwrap_or_default();
            let path = get(&["target", "dst", "destination"])
                .unwrap_or_else(|| format!("/run/secrets/{id}"));
            out.paths.push(path);
            out.vars.extend(get(&["env"]));
        }
        out
    }
}

/// The files and variables a `RUN`'s secret mounts provide.
#[derive(Debug, Default)]
pub(crate) struct SecretSources {
    pub paths: Vec<String>,
    pub vars: Vec<String>,
}

impl SecretSources {
    /// Whether a command takes its credential from a secret mount: it reads a mounted
    /// file (`$(cat /run/secrets/pw)`, `--key-file=/run/secrets/gcp`, `< /run/secrets/pw`)
    /// or uses a variable an `env=` secret mount sets.
    pub fn feed(&self, cmd: &shell::Command) -> bool {
        let texts = cmd
            .words
            .iter()
            .chain(cmd.redirects.iter().filter_map(|r| r.target.as_ref()))
            .map(|w| w.raw.as_str());
        texts.into_iter().any(|t| {
            self.paths
                .iter()
                .any(|p| !p.is_empty() && t.contains(p.as_str()))
                || crate::rules::shell::referenced_vars(t)
                    .iter()
                    .any(|v| self.vars.contains(v))
        })
    }
}

/// Interpreters whose heredoc body is a shell script.
fn runs_shell(command: &str) -> bool {
    let first = command.split_whitespace().next().unwrap_or("");
    first.starts_with("<<")
        || matches!(
            shell::basename(first),
            "sh" | "bash" | "dash" | "ash" | "zsh"
        )
}

/// Every `RUN` instruction's shell script(s).
pub(crate) fn run_scripts(df: &Dockerfile) -> Vec<RunScript<'_>> {
    let mut out = Vec::new();
    for (index, ins) in df
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == "RUN")
    {
        match ins.exec_form() {
            Some(words) => {
                let text = match words.as_slice() {
                    [sh, flag, script, ..] if runs_shell(sh) && flag == "-c" => script.clone(),
                    _ => words.join(" "),
                };
                out.push(RunScript {
                    index,
                    ins,
                    script: shell::parse(&text, 0),
                    text: None,
                    adjust: 0,
                });
            }
            None => {
                let start = ins.rest_start();
                let script = shell::parse(&ins.args.text[start..], 0);
                out.push(RunScript {
                    index,
                    ins,
                    script,
                    text: Some(&ins.args),
                    adjust: start,
                });
            }
        }
        if runs_shell(ins.rest()) {
            for h in &ins.heredocs {
                let script = shell::parse(&h.body.text, 0);
                out.push(RunScript {
                    index,
                    ins,
                    script,
                    text: Some(&h.body),
                    adjust: 0,
                });
            }
        }
    }
    out
}

/// Package managers' install commands and the packages they install.
pub(crate) fn installed_packages(words: &[crate::parse::shell::Word]) -> Vec<&str> {
    let Some(first) = words.first() else {
        return Vec::new();
    };
    let manager = shell::basename(&first.value);
    let verbs: &[&str] = match manager {
        "apt-get" | "apt" | "aptitude" | "yum" | "dnf" | "microdnf" | "zypper" | "tdnf" => {
            &["install", "in"]
        }
        "apk" => &["add"],
        "pip" | "pip3" => &["install"],
        _ => return Vec::new(),
    };
    let Some(verb_at) = words.iter().position(|w| verbs.contains(&w.value.as_str())) else {
        return Vec::new();
    };
    words[verb_at + 1..]
        .iter()
        .map(|w| w.value.as_str())
        .filter(|v| !v.starts_with('-'))
        .map(|v| v.split(['=', '>', '<']).next().unwrap_or(v))
        .collect()
}
