//! kyma-mesh: Istio with Kyma's Service Mesh configuration, installed and kept healthy.
//!
//! Flow is one-directional: `cli` -> `commands/*` -> (`config`, `istioctl`, `cluster`, `ui`).
//! `config` is pure; `istioctl` is the only module that spawns istioctl.

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod istioctl;
pub mod ui;
pub mod util;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// Exit codes (README "Exit codes"): 0 success, 1 the operation failed, 2 invalid input.
pub mod exit {
    pub const FAILURE: u8 = 1;
    pub const INVALID_INPUT: u8 = 2;
    /// 128 + SIGINT, as shells report a Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

/// Invalid input that is not configuration: a malformed flag value, a bad NS/NAME.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// Parses the arguments, runs the command, prints errors and maps them to exit codes.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let ui = ui::Ui::new(&cli.global);
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
    let invalid = err
        .chain()
        .any(|e| e.is::<config::ConfigError>() || e.is::<InvalidInput>());
    if invalid {
        exit::INVALID_INPUT
    } else {
        exit::FAILURE
    }
}
