//! The logic behind the commands (cargo's `ops`): each command in `commands/` parses its
//! arguments into a request and calls one function here. Phases and checks are shared, so
//! `upgrade` and `check` run the very steps `install` runs.

pub mod canary;
pub mod check;
pub mod checks;
pub mod gateway;
pub mod injection;
pub mod install;
pub mod plan;
pub mod preflight;
pub mod proxy_reset;
pub mod render;
pub mod signal;
pub mod uninstall;
pub mod upgrade;
pub mod version;
pub mod workloads;

use crate::cluster::{Cluster, ClusterError};
use crate::ui::Ui;

/// A runtime for commands that talk to a cluster or a process; render needs none.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Connects as the global flags say. No request is made yet. The client's retries show at
/// `-v`, every request at `-vv`.
pub async fn connect(target: &install::Target, ui: &Ui) -> Result<Cluster, ClusterError> {
    let out = ui.clone();
    let log = crate::cluster::retry::Log::new(ui.verbosity, move |line| out.info(line));
    Cluster::connect(target.kubeconfig.as_deref(), target.context.as_deref(), log).await
}
