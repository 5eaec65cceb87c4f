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

/// Exit codes (README "Exit codes"): 0 success, 1 the operation failed, 2 invalid input.
pub mod exit {
    pub const FAILURE: u8 = 1;
    pub const INVALID_INPUT: u8 = 2;
    /// 128 + SIGINT, as shells report a Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
    /// 128 + SIGTERM.
    pub const TERMINATED: u8 = 143;
}

/// Invalid input that is not configuration: a malformed flag value, a bad NS/NAME.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// Parses the arguments, runs the command, prints errors and maps them to exit codes.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args = match cli::normalize_verbosity(args) {
        Ok(a) => a,
        Err(msg) => {
            ui::Ui::new(0).error(&anyhow::Error::new(InvalidInput(msg)));
            return ExitCode::from(exit::INVALID_INPUT);
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
    match commands::dispatch(cli, &ui) {
        Ok(code) => code,
        Err(err) => {
            ui.error(&err);
            ExitCode::from(exit_code_for(&err))
        }
    }
}

/// Invalid input anywhere in the chain means exit 2; everything else failed the operation.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    let invalid = err.chain().any(|e| {
        e.is::<config::ConfigError>()
            || e.is::<InvalidInput>()
            || e.downcast_ref::<cluster::ClusterError>()
                .is_some_and(|c| c.is_invalid_input())
            || e.downcast_ref::<ops::install::InstallError>()
                .is_some_and(|i| i.is_invalid_input())
            || e.downcast_ref::<ops::proxy_reset::run::RunError>()
                .is_some_and(|r| r.is_invalid_input())
            || e.downcast_ref::<ops::check::CheckError>()
                .is_some_and(|i| i.is_invalid_input())
            || e.downcast_ref::<ops::upgrade::UpgradeError>()
                .is_some_and(|u| u.is_invalid_input())
            || e.downcast_ref::<ops::canary::CanaryError>()
                .is_some_and(|c| c.is_invalid_input())
    });
    if invalid {
        exit::INVALID_INPUT
    } else {
        exit::FAILURE
    }
}
