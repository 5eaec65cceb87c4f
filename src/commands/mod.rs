//! One module per subcommand. Each takes its parsed arguments and the `Ui`, and returns the
//! process exit code or an error (mapped to an exit code in `lib.rs`).

pub mod completions;
pub mod render;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::ui::Ui;

pub fn dispatch(cli: Cli, ui: &Ui) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Render(args) => render::run(&args, ui),
        Command::Completions(args) => completions::run(&args),
    }
}
