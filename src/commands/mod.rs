//! One module per subcommand: each turns its parsed arguments into a request for `ops` and
//! returns the process exit code or an error (mapped to an exit code in `lib.rs`).

pub mod completions;
pub mod install;
pub mod render;
pub mod version;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::ui::Ui;

pub fn dispatch(cli: Cli, ui: &Ui) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Render(args) => render::run(&args, ui),
        Command::Install(args) => install::run(&args, &cli.global, ui),
        Command::Completions(args) => completions::run(&args),
        Command::Version(args) => version::run(&args, ui),
    }
}
