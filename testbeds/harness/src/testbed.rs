//! One running testbed server, in its own process group.

use crate::TestbedError;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};
use tollgate_core::Secret;
use tollgate_scan::engine::Identity;
use url::Url;

/// Longest wait for a testbed to accept connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Wait between SIGTERM and SIGKILL of the process group.
const KILL_GRACE: Duration = Duration::from_secs(3);
/// Starts retried when the freshly picked port was taken in the meantime.
const START_ATTEMPTS: usize = 3;
/// Lines of each log file quoted in a startup error.
const LOG_TAIL_LINES: usize = 40;
/// Identities handed to the scanner, primary first: alice (low privilege), admin (for
/// function-level differentials), bob (a second low-privilege user, for BOLA).
const IDENTITIES: [&str; 3] = ["alice", "admin", "bob"];

/// Which build of the testbed to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Every weakness of `ground_truth.toml` planted, plus the fake Docker Engine API.
    Vulnerable,
    /// Every weakness fixed.
    Hardened,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Vulnerable => "vulnerable",
            Mode::Hardened => "hardened",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `testbeds/django`, found from this crate's manifest directory.
pub fn django_dir() -> PathBuf {
    let harness = Path::new(env!("CARGO_MANIFEST_DIR"));
    harness.parent().unwrap_or(harness).join("django")
}

/// The testbed virtualenv's interpreter.
pub fn venv_python() -> PathBuf {
    django_dir().join(".venv/bin/python")
}

/// Whether a Python interpreter is there to run the testbed: the virtualenv's, or
/// `python3` on `PATH` to create it.
pub fn python_available() -> bool {
    let runs = |program: &Path| {
        Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    runs(&venv_python()) || runs(Path::new("python3"))
}

/// Creates the testbed virtualenv with `setup.sh` when it is missing.
pub fn ensure_venv() -> Result<(), TestbedError> {
    static SETUP: Mutex<()> = Mutex::new(());
    let _guard = SETUP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = django_dir();
    if venv_python().is_file() && dir.join(".venv/.requirements.sha256").is_file() {
        return Ok(());
    }
    let out = Command::new("bash")
        .arg(dir.join("setup.sh"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| TestbedError::Setup {
            reason: format!("cannot run bash: {e}"),
            output: String::new(),
        })?;
    if out.status.success() && venv_python().is_file() {
        return Ok(());
    }
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Err(TestbedError::Setup {
        reason: format!("setup.sh {}", out.status),
        output: tail(&output, LOG_TAIL_LINES),
    })
}

/// A running testbed. Dropping it kills its whole process group and deletes its state
/// directory.
pub struct Testbed {
    mode: Mode,
    child: Child,
    base: Url,
    docker: Option<Url>,
    tokens: BTreeMap<String, String>,
    // Dropped after `Drop::drop` has stopped the server.
    state: tempfile::TempDir,
}

impl Testbed {
    /// Starts the testbed in `mode` on free loopback ports (creating the virtualenv
    /// first if needed) and waits, at most [`START_TIMEOUT`], until it serves.
    pub fn start(mode: Mode) -> Result<Testbed, TestbedError> {
        ensure_venv()?;
        let mut attempt = 1;
        loop {
            match Testbed::start_once(mode) {
                Err(TestbedError::Exited { logs, .. })
                    if attempt < START_ATTEMPTS && logs.contains("in use") =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn start_once(mode: Mode) -> Result<Testbed, TestbedError> {
        let (port, docker_port) = free_port_pair()?;
        let state = tempfile::Builder::new()
            .prefix(&format!("tollgate-testbed-{mode}-"))
            .tempdir()
            .map_err(TestbedError::io("creating the testbed state directory"))?;
        let stderr = File::create(state.path().join("serve.stderr"))
            .map_err(TestbedError::io("creating serve.stderr"))?;
        let mut cmd = Command::new(venv_python());
        cmd.arg(django_dir().join("serve.py"))
            .args([
                "--mode",
                mode.as_str(),
                "--port",
                &port.to_string(),
                "--state-dir",
            ])
            .arg(state.path());
        if mode == Mode::Vulnerable {
            cmd.args(["--docker-port", &docker_port.to_string()]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .process_group(0);
        let mut child = cmd.spawn().map_err(TestbedError::io(format!(
            "spawning {}",
            venv_python().display()
        )))?;
        let ready = watch_stdout(&mut child);
        let mut testbed = Testbed {
            mode,
            child,
            base: loopback_url(port)?,
            docker: if mode == Mode::Vulnerable {
                Some(loopback_url(docker_port)?)
            } else {
                None
            },
            tokens: BTreeMap::new(),
            state,
        };
        testbed.wait_ready(&ready, port, docker_port)?;
        testbed.tokens = read_tokens(mode, testbed.state.path())?;
        Ok(testbed)
    }

    /// Polls until the READY line arrives or the port(s) accept connections.
    fn wait_ready(
        &mut self,
        ready: &mpsc::Receiver<String>,
        port: u16,
        docker_port: u16,
    ) -> Result<(), TestbedError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let announced = ready.try_recv().is_ok();
            let docker_up = self.mode == Mode::Hardened || accepts(docker_port);
            if (announced || accepts(port)) && docker_up {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(TestbedError::Exited {
                    mode: self.mode.as_str(),
                    status: status.to_string(),
                    logs: self.log_tails(),
                });
            }
            if Instant::now() >= deadline {
                return Err(TestbedError::Timeout {
                    mode: self.mode.as_str(),
                    secs: START_TIMEOUT.as_secs(),
                    port,
                    logs: self.log_tails(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The server's process group (its leader's pid); the whole group dies on drop.
    pub fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// The testbed's root, `http://127.0.0.1:P/`.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The fake Docker Engine API's root (vulnerable mode only).
    pub fn docker_url(&self) -> Option<&Url> {
        self.docker.as_ref()
    }

    /// The state directory (token files, `identities.json`, logs).
    pub fn state_dir(&self) -> &Path {
        self.state.path()
    }

    /// The OpenAPI document of the testbed (`testbeds/django/openapi.json`).
    pub fn spec_path(&self) -> PathBuf {
        django_dir().join("openapi.json")
    }

    /// The token of `name`, as written to `DIR/<name>.token` (alice, bob, admin and the
    /// `alice_*` probe tokens).
    ///
    /// # Panics
    /// If the testbed wrote no such token; see [`Testbed::try_token`].
    pub fn token(&self, name: &str) -> String {
        match self.try_token(name) {
            Some(t) => t.to_string(),
            None => panic!(
                "the {} testbed has no token `{name}`; it wrote: {}",
                self.mode,
                self.tokens
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    pub fn try_token(&self, name: &str) -> Option<&str> {
        self.tokens.get(name).map(String::as_str)
    }

    /// The identities to scan with, primary first: alice (low privilege), admin, bob.
    pub fn identities(&self) -> Vec<Identity> {
        IDENTITIES
            .iter()
            .filter_map(|&name| {
                self.try_token(name)
                    .map(|t| Identity::bearer(name, Secret::new(t)))
            })
            .collect()
    }

    /// The last lines of the server's log files, for error messages.
    pub fn log_tails(&self) -> String {
        let mut out = String::new();
        for name in ["serve.stderr", "django.log", "gunicorn.log"] {
            let path = self.state.path().join(name);
            if let Ok(text) = std::fs::read_to_string(&path) {
                if !text.trim().is_empty() {
                    out.push_str(&format!(
                        "--- tail of {} ---\n{}\n",
                        path.display(),
                        tail(&text, LOG_TAIL_LINES)
                    ));
                }
            }
        }
        if out.is_empty() {
            out.push_str("(the testbed wrote no log output)");
        }
        out
    }

    /// Kills the process group: SIGTERM, then SIGKILL after [`KILL_GRACE`].
    fn stop(&mut self) {
        let pgid = self.child.id();
        signal_group("TERM", pgid);
        let deadline = Instant::now() + KILL_GRACE;
        while Instant::now() < deadline {
            let child_gone = !matches!(self.child.try_wait(), Ok(None));
            if child_gone && !signal_group("0", pgid) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal_group("KILL", pgid);
        let _ = self.child.wait();
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for Testbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Testbed")
            .field("mode", &self.mode)
            .field("pid", &self.child.id())
            .field("base", &self.base.as_str())
            .field("docker", &self.docker.as_ref().map(Url::as_str))
            .field("state", &self.state.path())
            .field("tokens", &self.tokens.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `kill -SIG -- -PGID`; whether it succeeded (for signal 0: whether the group exists).
fn signal_group(signal: &str, pgid: u32) -> bool {
    Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Two distinct free ports on 127.0.0.1 (both held until both are picked).
fn free_port_pair() -> Result<(u16, u16), TestbedError> {
    let bind = || {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| Ok((l.local_addr()?.port(), l)))
            .map_err(TestbedError::io("finding a free port on 127.0.0.1"))
    };
    let (a, _la) = bind()?;
    let (b, _lb) = bind()?;
    Ok((a, b))
}

fn loopback_url(port: u16) -> Result<Url, TestbedError> {
    Url::parse(&format!("http://127.0.0.1:{port}/"))
        .map_err(|e| TestbedError::Internal(e.to_string()))
}

fn accepts(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Drains the child's stdout on a thread, forwarding the READY line.
fn watch_stdout(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("TESTBED READY") {
                    let _ = tx.send(line);
                }
            }
        });
    }
    rx
}

/// Every `DIR/*.token`; alice, bob and admin must be there.
fn read_tokens(mode: Mode, dir: &Path) -> Result<BTreeMap<String, String>, TestbedError> {
    let mut tokens = BTreeMap::new();
    for name in ["alice", "bob", "admin"] {
        let path = dir.join(format!("{name}.token"));
        let token = std::fs::read_to_string(&path).map_err(|source| TestbedError::Token {
            mode: mode.as_str(),
            path,
            source,
        })?;
        tokens.insert(name.to_string(), token.trim().to_string());
    }
    let entries =
        std::fs::read_dir(dir).map_err(TestbedError::io(format!("listing {}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".token"))
        else {
            continue;
        };
        if !tokens.contains_key(name) {
            if let Ok(token) = std::fs::read_to_string(&path) {
                tokens.insert(name.to_string(), token.trim().to_string());
            }
        }
    }
    Ok(tokens)
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
        assert_eq!(tail("", 5), "");
    }

    #[test]
    fn free_ports_are_distinct() {
        let (a, b) = free_port_pair().expect("ports");
        assert_ne!(a, b);
        assert!(a > 0 && b > 0);
    }

    #[test]
    fn django_dir_holds_the_testbed() {
        assert!(
            django_dir().join("serve.py").is_file(),
            "{}",
            django_dir().display()
        );
        assert!(django_dir().join("ground_truth.toml").is_file());
    }
}
