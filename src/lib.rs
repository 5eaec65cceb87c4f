//! kyma-mesh: Istio with Kyma's Service Mesh configuration, installed and kept healthy.
//!
//! Flow is one-directional: `cli` -> `commands/*` -> `ops` -> (`config`, `kyma`, `istioctl`,
//! `cluster`) with `ui` and `util` beside them; see ARCHITECTURE.md. `config` is pure;
//! `istioctl` is the only module that spawns a process, `cluster` the only one that talks to
//! the Kubernetes API.

// Data goes to stdout and messages to stderr only through `ui`.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub(crate) mod cli;
pub(crate) mod cluster;
pub(crate) mod commands;
pub(crate) mod config;
pub(crate) mod istioctl;
pub(crate) mod kyma;
pub(crate) mod names;
pub(crate) mod ops;
pub(crate) mod ui;
pub(crate) mod util;
pub(crate) mod version;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use ops::error::ErrorKind;
pub(crate) use ops::error::InvalidInput;

/// How the process ends, and the one mapping to exit codes (README "Exit codes"; uv's
/// `ExitStatus` is the model): 0 success, 1 the operation failed, 2 invalid input, 3 a paced restart stopped at its deadline with work left, 128 + the
/// signal number for an interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExitStatus {
    #[default]
    Success,
    Failure,
    Invalid,
    /// A paced restart stopped at its deadline (`--until`/`--for`, or `--timeout`) with
    /// workloads left, nothing failed: the same command again continues.
    Incomplete,
    Interrupted(istioctl::Signal),
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Invalid => 2,
            ExitStatus::Incomplete => 3,
            ExitStatus::Interrupted(signal) => signal.exit_code(),
        }
    }
}

impl From<ErrorKind> for ExitStatus {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Invalid => ExitStatus::Invalid,
            ErrorKind::Failed => ExitStatus::Failure,
            ErrorKind::Interrupted(signal) => ExitStatus::Interrupted(signal),
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(s.code())
    }
}

/// Parses the arguments, runs the command, prints its data and errors, and ends with its
/// exit status.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args = match cli::normalize_verbosity(args) {
        Ok(a) => a,
        Err(msg) => {
            ui::Ui::new(0).error(&InvalidInput(msg));
            return ExitStatus::Invalid.into();
        }
    };
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let ui = ui::Ui::new(cli.global.verbosity());
    let result = commands::dispatch(cli, &ui);
    commands::finish(&result, &ui, true).into()
}
