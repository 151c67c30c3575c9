//! The `garita` binary: parses the command line, reads the configuration, sets
//! up logging, and wires the engine to the sled store and the connectors.
//!
//! This is the only crate that uses `anyhow`: errors from the libraries arrive
//! here already saying what went wrong and what to do; we add context and map
//! them to exit codes (0 success, 1 the work failed, 2 usage error).

mod app;
mod calendar_ics;
mod cli;
mod commands;
mod console;
mod control;
mod logging;
mod output;
mod usage;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // A plugin worker serves calls before anything else is set up: no
    // configuration, no logging of its own, no async runtime.
    if let cli::Command::Plugins {
        command:
            cli::PluginsCommand::Worker {
                lib,
                max_output,
                memory,
            },
    } = &cli.command
    {
        return ExitCode::from(garita_host::isolation::serve_worker(
            &garita_host::isolation::WorkerArgs {
                library: lib.clone(),
                max_output: *max_output,
                memory_mib: *memory,
            },
        ));
    }
    // The daemon's log is its output: every fire, wake and catch-up is at info.
    let verbose = match cli.command {
        cli::Command::Daemon { .. } => cli.global.verbose.max(1),
        _ => cli.global.verbose,
    };
    logging::init(verbose, cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(commands::dispatch(cli));
    // The command is over. A connector call it abandoned (past its step's
    // deadline, or left by a daemon's shutdown) may still sit on a blocking
    // thread, stuck in plugin code: dropping the runtime would wait for it
    // forever, so the runtime is given a moment and then left behind.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(code) => code,
        Err(err) => {
            eprint!("{}", output::error_text(&err));
            ExitCode::from(exit_code_for(&err))
        }
    }
}

/// The exit code a command's error ends the process with: 2 for a usage
/// error, 1 for work that failed. The daemon answers its clients with the same.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    let usage = err.downcast_ref::<usage::UsageError>().is_some()
        || err
            .downcast_ref::<garita_app::AppError>()
            .is_some_and(|e| e.class() == garita_app::ErrorClass::Usage);
    if usage {
        2
    } else {
        1
    }
}
