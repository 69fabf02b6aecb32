//! Dockerfile rules (DKR-) and what they share: positions inside instructions and
//! the shell commands of `RUN` lines (shell form, exec form and heredocs).

pub mod add_remote;
pub mod cred_setup;
pub mod debug_server;
pub mod docker_socket;
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

    /// Whether the instruction has a `--mount=type=secret` flag.
    pub fn has_secret_mount(&self) -> bool {
        self.ins
            .flags()
            .iter()
            .any(|f| f.name == "mount" && f.value.split(',').any(|p| p == "type=secret"))
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
