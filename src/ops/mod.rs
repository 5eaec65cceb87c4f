//! The logic behind the commands (cargo's `ops`): each command in `commands/` parses its
//! arguments into a request and calls one function here. Phases and checks are shared, so
//! `upgrade` and `check` run the very steps `install` runs.

pub mod canary;
pub mod canary_state;
pub mod check;
pub mod checks;
pub mod error;
pub mod events;
pub mod fleet;
pub mod gateway;
pub mod injection;
pub mod install;
pub mod plan;
pub mod preflight;
pub mod proxy_reset;
pub mod render;
pub mod session;
pub mod signal;
pub mod uninstall;
pub mod upgrade;
pub mod version;
pub mod workloads;

/// A runtime for commands that talk to a cluster or a process; render needs none.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

pub use session::{Target, connect};
