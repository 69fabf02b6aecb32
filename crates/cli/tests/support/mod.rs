//! Shared helpers for the CLI tests: servers on 127.0.0.1 and the binary.
#![allow(dead_code, clippy::unwrap_used)]

use assert_cmd::Command;
use std::net::SocketAddr;
use tollgate_scan::testkit::{serve, RawRequest, RawResponse};

/// A runtime that keeps test servers alive while the binary runs.
pub struct Servers {
    rt: tokio::runtime::Runtime,
}

impl Servers {
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Servers { rt }
    }

    pub fn serve<F>(&self, handler: F) -> SocketAddr
    where
        F: Fn(&RawRequest) -> RawResponse + Send + Sync + 'static,
    {
        self.rt.block_on(serve(handler))
    }
}

/// The tollgate binary with a clean environment (no user config or token leaks in).
pub fn tollgate() -> Command {
    let mut cmd = Command::cargo_bin("tollgate").unwrap();
    for var in [
        "TOLLGATE_TOKEN",
        "TOLLGATE_CONFIG",
        "TOLLGATE_TOKEN_FILE",
        "TOLLGATE_IDENTITY",
        "TOLLGATE_LOG",
        "TOLLGATE_FAIL_ON",
        "TOLLGATE_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A port with nothing listening on it.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
