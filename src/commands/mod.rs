//! One module per subcommand. Each takes its parsed arguments and the `Ui`, and returns the
//! process exit code or an error (mapped to an exit code in `lib.rs`).

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

/// A runtime for commands that talk to a cluster or a process; render needs none.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Connects with the global flags, for every command that talks to a cluster; kubeconfig
/// problems are invalid input (exit 2).
pub async fn connect(global: &crate::cli::GlobalArgs) -> anyhow::Result<crate::cluster::Cluster> {
    use crate::cluster::{Cluster, ClusterError};
    Cluster::connect(global.kubeconfig.as_deref(), global.context.as_deref())
        .await
        .map_err(|e| match e {
            ClusterError::Kubeconfig(msg) => crate::InvalidInput(msg).into(),
            other => anyhow::Error::new(other),
        })
}
