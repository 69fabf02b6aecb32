//! `tollgate serve`: the REST API, the scan queue and its workers (crates/server).

use crate::exit::{usage, Failure};
use std::process::ExitCode;

pub fn run(
    args: &tollgate_server::ServeArgs,
    log: tollgate_server::LogFormat,
) -> Result<ExitCode, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(usage)?;
    runtime
        .block_on(tollgate_server::serve(args, log))
        .map_err(usage)?;
    Ok(ExitCode::SUCCESS)
}
