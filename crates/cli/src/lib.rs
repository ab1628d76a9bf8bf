//! # recount (the command-line tool)
//!
//! Parses arguments, sets up logging and progress bars, calls the libraries, and turns their
//! errors into messages and exit codes. No statistics or file formats live here.
//!
//! Exit codes: 0 success; 2 usage error; 3 bad input (a file, column or configuration that
//! cannot be used); 4 outputs could not be written; 5 `--fail-on flagged` and a force is
//! flagged; 1 anything else.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

mod args;
mod commands;
mod logging;
mod progress;

/// Exit code for bad input.
pub const EXIT_BAD_INPUT: u8 = 3;
/// Exit code for outputs that could not be written.
pub const EXIT_OUTPUT: u8 = 4;
/// Exit code for `--fail-on flagged` with a flagged force.
pub const EXIT_FLAGGED: u8 = 5;

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// The error, with its causes.
    pub error: anyhow::Error,
}

impl Failure {
    pub(crate) fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: EXIT_BAD_INPUT,
            error: error.into(),
        }
    }

    pub(crate) fn output(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: EXIT_OUTPUT,
            error: error.into(),
        }
    }
}

/// Runs the tool with the given arguments (the first is the program name).
pub fn run(arguments: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version are not failures.
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    logging::init(cli.verbose, cli.log_format);
    if let Some(threads) = cli.threads
        && let Err(error) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
    {
        tracing::warn!(%error, "could not set the number of threads");
    }
    match commands::dispatch(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}
