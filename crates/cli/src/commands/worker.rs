//! `tollgate worker`: scans from the server's database, no HTTP listener (crates/server).

use crate::exit::{usage, Failure};
use std::process::ExitCode;

pub fn run(args: &tollgate_server::WorkerArgs) -> Result<ExitCode, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(usage)?;
    runtime
        .block_on(tollgate_server::worker(args))
        .map_err(usage)?;
    Ok(ExitCode::SUCCESS)
}
