//! One running testbed server (Django or Express), in its own process group.

use crate::TestbedError;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};
use tollgate_core::Secret;
use tollgate_scan::engine::{Identity, Login, LoginKind};
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

/// Which testbed: the stack it is written on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stack {
    /// `testbeds/django`: Django 5.2 + DRF, token files written at start.
    Django,
    /// `testbeds/express`: Express 5 on Node, tokens obtained by a login request.
    Express,
}

impl Stack {
    /// Every testbed, in the order `cargo xtask eval` reports them.
    pub const ALL: [Stack; 2] = [Stack::Django, Stack::Express];

    pub fn as_str(self) -> &'static str {
        match self {
            Stack::Django => "django",
            Stack::Express => "express",
        }
    }

    /// The testbed's directory (`testbeds/<name>`).
    pub fn dir(self) -> PathBuf {
        match self {
            Stack::Django => django_dir(),
            Stack::Express => express_dir(),
        }
    }

    /// Whether the runtime the testbed needs is installed (python3, or node).
    pub fn available(self) -> bool {
        match self {
            Stack::Django => python_available(),
            Stack::Express => node_available(),
        }
    }

    /// Creates the testbed's virtualenv or `node_modules` when missing.
    pub fn ensure_setup(self) -> Result<(), TestbedError> {
        match self {
            Stack::Django => ensure_venv(),
            Stack::Express => ensure_node_modules(),
        }
    }
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `testbeds/django`, found from this crate's manifest directory.
pub fn django_dir() -> PathBuf {
    let harness = Path::new(env!("CARGO_MANIFEST_DIR"));
    harness.parent().unwrap_or(harness).join("django")
}

/// `testbeds/express`, found from this crate's manifest directory.
pub fn express_dir() -> PathBuf {
    let harness = Path::new(env!("CARGO_MANIFEST_DIR"));
    harness.parent().unwrap_or(harness).join("express")
}

/// Whether `node` (version 20 or later, which the Express testbed needs) is on `PATH`.
pub fn node_available() -> bool {
    Command::new("node")
        .args([
            "-e",
            "process.exit(Number(process.versions.node.split('.')[0]) >= 20 ? 0 : 1)",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs the Express testbed's npm packages with its `setup.sh` (`npm ci`) when
/// they are missing.
pub fn ensure_node_modules() -> Result<(), TestbedError> {
    static SETUP: Mutex<()> = Mutex::new(());
    let _guard = SETUP
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = express_dir();
    if dir.join("node_modules/.package-lock.sha256").is_file() {
        return Ok(());
    }
    let out = Command::new("bash")
        .arg(dir.join("setup.sh"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| TestbedError::NodeSetup {
            reason: format!("cannot run bash: {e}"),
            output: String::new(),
        })?;
    if out.status.success() {
        return Ok(());
    }
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Err(TestbedError::NodeSetup {
        reason: format!("setup.sh {}", out.status),
        output: tail(&output, LOG_TAIL_LINES),
    })
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
    stack: Stack,
    mode: Mode,
    child: Child,
    base: Url,
    docker: Option<Url>,
    tokens: BTreeMap<String, String>,
    /// Login credentials of the identities (Express: from `DIR/identities.json`).
    credentials: Vec<Credentials>,
    // Dropped after `Drop::drop` has stopped the server.
    state: tempfile::TempDir,
}

impl Testbed {
    /// Starts the Django testbed in `mode` on free loopback ports (creating the
    /// virtualenv first if needed) and waits, at most [`START_TIMEOUT`], until it serves.
    pub fn start(mode: Mode) -> Result<Testbed, TestbedError> {
        Testbed::start_stack(Stack::Django, mode)
    }

    /// Starts the Express testbed in `mode` (see [`Testbed::start_stack`]).
    pub fn start_express(mode: Mode) -> Result<Testbed, TestbedError> {
        Testbed::start_stack(Stack::Express, mode)
    }

    /// Starts `stack`'s testbed in `mode` on a free loopback port (installing what it
    /// needs first), waits, at most [`START_TIMEOUT`], until it serves, and gets the
    /// identities' tokens: Django writes token files; for Express the harness logs in
    /// with each identity's credentials (`POST /token`, OAuth2 password grant).
    pub fn start_stack(stack: Stack, mode: Mode) -> Result<Testbed, TestbedError> {
        stack.ensure_setup()?;
        let mut attempt = 1;
        loop {
            match Testbed::start_once(stack, mode) {
                Err(TestbedError::Exited { logs, .. })
                    if attempt < START_ATTEMPTS && logs.contains("in use") =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn start_once(stack: Stack, mode: Mode) -> Result<Testbed, TestbedError> {
        let (port, docker_port) = free_port_pair()?;
        let with_docker = stack == Stack::Django && mode == Mode::Vulnerable;
        let state = tempfile::Builder::new()
            .prefix(&format!("tollgate-testbed-{stack}-{mode}-"))
            .tempdir()
            .map_err(TestbedError::io("creating the testbed state directory"))?;
        let stderr = File::create(state.path().join("serve.stderr"))
            .map_err(TestbedError::io("creating serve.stderr"))?;
        let (program, script) = match stack {
            Stack::Django => (venv_python(), django_dir().join("serve.py")),
            Stack::Express => (PathBuf::from("node"), express_dir().join("serve.js")),
        };
        let mut cmd = Command::new(&program);
        cmd.arg(script)
            .args([
                "--mode",
                mode.as_str(),
                "--port",
                &port.to_string(),
                "--state-dir",
            ])
            .arg(state.path());
        if with_docker {
            cmd.args(["--docker-port", &docker_port.to_string()]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(TestbedError::io(format!("spawning {}", program.display())))?;
        let ready = watch_stdout(&mut child);
        let mut testbed = Testbed {
            stack,
            mode,
            child,
            base: loopback_url(port)?,
            docker: if with_docker {
                Some(loopback_url(docker_port)?)
            } else {
                None
            },
            tokens: BTreeMap::new(),
            credentials: Vec::new(),
            state,
        };
        testbed.wait_ready(&ready, port, with_docker.then_some(docker_port))?;
        match stack {
            Stack::Django => testbed.tokens = read_tokens(mode, testbed.state.path())?,
            Stack::Express => {
                testbed.credentials = read_credentials(testbed.state.path())?;
                testbed.tokens = testbed.log_in_all()?;
            }
        }
        Ok(testbed)
    }

    /// Polls until the READY line arrives or the port(s) accept connections.
    fn wait_ready(
        &mut self,
        ready: &mpsc::Receiver<String>,
        port: u16,
        docker_port: Option<u16>,
    ) -> Result<(), TestbedError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let announced = ready.try_recv().is_ok();
            let docker_up = docker_port.is_none_or(accepts);
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

    pub fn stack(&self) -> Stack {
        self.stack
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

    /// The OpenAPI document to scan with: the document this run serves
    /// (`DIR/openapi.json`, written by both testbeds at start-up: this mode's build,
    /// its `servers` pointing at this port).
    pub fn spec_path(&self) -> PathBuf {
        self.state.path().join("openapi.json")
    }

    /// The identities' login credentials (Express; empty for Django, whose tokens
    /// come from files). Passwords are [`Secret`]s.
    pub fn credentials(&self) -> &[Credentials] {
        &self.credentials
    }

    /// Logs `name` in now with its credentials (Express: form-encoded
    /// `POST /token`, `grant_type=password`) and returns the fresh access token.
    pub fn log_in(&self, name: &str) -> Result<String, TestbedError> {
        let cred = self
            .credentials
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| TestbedError::Login {
                mode: self.mode.as_str(),
                user: name.to_string(),
                message: format!("the {} testbed has no credentials for it", self.stack),
            })?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "password")
            .append_pair("username", &cred.username)
            .append_pair("password", cred.password.expose())
            .finish();
        let fail = |message: String| TestbedError::Login {
            mode: self.mode.as_str(),
            user: name.to_string(),
            message,
        };
        let (status, text) =
            post_form(&self.base, "/token", &body).map_err(|e| fail(e.to_string()))?;
        if status != 200 {
            return Err(fail(format!("POST /token answered {status}")));
        }
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| fail(format!("POST /token: {e}")))?;
        json.get("access_token")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| fail("POST /token returned no access_token".into()))
    }

    fn log_in_all(&self) -> Result<BTreeMap<String, String>, TestbedError> {
        self.credentials
            .iter()
            .map(|c| Ok((c.name.clone(), self.log_in(&c.name)?)))
            .collect()
    }

    /// The identities with tokens valid now: Django's token files, or for Express a
    /// fresh login of each (its tokens expire after 60 s).
    pub fn fresh_identities(&self) -> Result<Vec<Identity>, TestbedError> {
        match self.stack {
            Stack::Django => Ok(self.identities()),
            Stack::Express => {
                let tokens = self.log_in_all()?;
                Ok(IDENTITIES
                    .iter()
                    .filter_map(|&name| {
                        tokens
                            .get(name)
                            .map(|t| Identity::bearer(name, Secret::new(t.clone())))
                    })
                    .collect())
            }
        }
    }

    /// The identities as a scan configures them: Django's token files; for Express,
    /// login identities (OAuth2 password grant at `POST /token`) that the scanner
    /// logs in itself, and again when their 60-s tokens expire during the scan.
    pub fn scan_identities(&self) -> Result<Vec<Identity>, TestbedError> {
        match self.stack {
            Stack::Django => Ok(self.identities()),
            Stack::Express => {
                let url = self.base.join("/token").map_err(|e| {
                    TestbedError::Internal(format!("the token URL of {}: {e}", self.base))
                })?;
                Ok(IDENTITIES
                    .iter()
                    .filter_map(|&name| {
                        let cred = self.credentials.iter().find(|c| c.name == name)?;
                        let login = Login::with_password(
                            url.clone(),
                            LoginKind::OAuth2Password,
                            &cred.username,
                            cred.password.clone(),
                        );
                        Some(Identity::logging_in(name, login))
                    })
                    .collect())
            }
        }
    }

    /// The requests that changed the testbed's state, one `METHOD URL what` line each,
    /// as the testbed recorded them (`DIR/state_changes.log`), whatever their method:
    /// the Express testbed's reseed route and the Django testbed's maintenance route
    /// change state on `GET`. Always `Some`; kept an `Option` for testbeds to come
    /// that record nothing.
    pub fn state_changes(&self) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.state.path().join("state_changes.log"))
            .unwrap_or_default();
        Some(text.lines().map(str::to_string).collect())
    }

    /// How many requests the testbed has answered (Express: `DIR/requests.log`).
    pub fn requests_served(&self) -> Option<usize> {
        (self.stack == Stack::Express).then(|| {
            std::fs::read_to_string(self.state.path().join("requests.log"))
                .map(|t| t.lines().count())
                .unwrap_or(0)
        })
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
            .field("stack", &self.stack)
            .field("mode", &self.mode)
            .field("pid", &self.child.id())
            .field("base", &self.base.as_str())
            .field("docker", &self.docker.as_ref().map(Url::as_str))
            .field("state", &self.state.path())
            .field("tokens", &self.tokens.keys().collect::<Vec<_>>())
            .field("credentials", &self.credentials)
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

/// One identity's login credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The identity's name in the scan (alice, bob, admin).
    pub name: String,
    pub username: String,
    pub password: Secret,
}

/// `DIR/identities.json` of the Express testbed: every user's name and password.
fn read_credentials(dir: &Path) -> Result<Vec<Credentials>, TestbedError> {
    let path = dir.join("identities.json");
    let text = std::fs::read_to_string(&path)
        .map_err(TestbedError::io(format!("reading {}", path.display())))?;
    let bad = |m: String| TestbedError::Internal(format!("{}: {m}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let users = json
        .get("users")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| bad("no `users` array".into()))?;
    users
        .iter()
        .map(|u| {
            let field = |k: &str| {
                u.get(k)
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("a user has no `{k}`")))
            };
            Ok(Credentials {
                name: field("name")?,
                username: field("username")?,
                password: Secret::new(field("password")?),
            })
        })
        .collect()
}

/// A form-encoded `POST` on the loopback testbed, over a plain HTTP/1.1 connection
/// (`Connection: close`); returns the status and the body.
fn post_form(base: &Url, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let port = base.port().unwrap_or(80);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream.take(1 << 20).read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP response");
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(invalid)?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .ok_or_else(invalid)?;
    Ok((status, body))
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
    fn express_dir_holds_the_testbed() {
        let dir = Stack::Express.dir();
        assert!(dir.join("serve.js").is_file(), "{}", dir.display());
        assert!(dir.join("ground_truth.toml").is_file());
        assert!(dir.join("setup.sh").is_file());
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
