//! The process boundary to istioctl: locate it, read its version, build its command lines, run
//! it, stream its output, enforce a timeout and stop it.
//!
//! This is the only module in kyma-mesh that starts a process (and `process.rs` the only file), so
//! every rule about running istioctl lives here:
//!
//! - istioctl is run directly (no shell), with stdin connected to `/dev/null`: `istioctl install`
//!   asks for a confirmation on stdin unless `-y` is given, and a prompt nobody can answer would
//!   hang the tool (or, for `tag set`/`tag remove`, make it exit 0 having done nothing). Every verb
//!   in [`Args`] that can prompt carries `-y`, *and* stdin is closed.
//! - istioctl exits 1 for every failure, so its exit status says nothing; the last lines it wrote to
//!   stderr are the message, and they are kept in [`IstioctlError::Failed`] (which also says when a
//!   signal killed it).
//! - Its output is streamed line by line (ANSI escapes removed) so the progress display can turn
//!   istioctl's component lines into steps.
//! - istioctl leads its own process group. A timeout, or the caller's cancel future
//!   (`interrupted()`: SIGINT or SIGTERM), stops the whole group: SIGTERM, a grace, then SIGKILL.
//!   The caller decides what to tell the user about the state of the cluster, and exits with
//!   [`Signal::exit_code`].
//! - The merged IstioOperator is handed over as a file in a private temporary directory
//!   ([`RenderedFile`]) because it may carry credentials or internal hostnames from overrides; it
//!   is removed when dropped, on every path that returns, including a SIGINT or SIGTERM.
//!
//! Map: `command.rs` (the command lines and the verbs that run them), `process.rs` (the runner and
//! signals), `retry.rs` (transient failures of idempotent verbs, run again), `output.rs` (line
//! cleaning, failure tail, version JSON), `locate.rs`, `rendered.rs`, `error.rs`. Version rules (support, ordering, the upgrade gate) are in [`crate::version`].

mod command;
mod error;
mod locate;
mod output;
mod process;
mod rendered;
mod retry;
#[cfg(test)]
mod test_support;

use std::time::Duration;

use crate::version;
pub use crate::version::{IstioVersion, MIN_SUPPORTED, ParseVersionError};

pub use command::{
    Args, ClusterOptions, InstallOptions, client_version, install, install_command_line, run_args,
    shell_join, shell_quote, uninstall, uninstall_command_line,
};
pub use error::IstioctlError;
pub use locate::{LocateSource, Located, locate};
pub use output::{OutputLine, Stream};
pub use process::{RunReport, Signal, interrupted};
pub use rendered::RenderedFile;
pub use retry::Retry;

/// Environment variable naming the istioctl binary, consulted when `--istioctl` is not given.
pub const ENV_VAR: &str = "ISTIOCTL";

/// How long `istioctl version --remote=false` may take. It does not talk to the cluster, so anything
/// slower than this is a hung or wrong binary, not a slow network.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(20);

/// Default overall timeout for `istioctl install`/`uninstall`. Longer than istioctl's own
/// `--readiness-timeout` default (5 minutes) so that istioctl normally reports a readiness failure
/// itself, with its own message, before we have to kill it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How many of istioctl's last stderr lines go into [`IstioctlError::Failed`]: enough for its
/// `Error: ...` line plus the context istioctl prints before it, short enough for a terminal.
pub const STDERR_TAIL_LINES: usize = 20;

/// Refuse istioctl older than [`MIN_SUPPORTED`] (see [`crate::version::check_supported`]).
pub fn check_supported(version: &IstioVersion) -> Result<(), IstioctlError> {
    version::check_supported(version).map_err(|u| IstioctlError::Unsupported { version: u.version })
}

#[cfg(test)]
mod tests {
    use super::*;
    use error::INSTALL_HINT;

    fn v(s: &str) -> IstioVersion {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn supports_1_24_and_later() {
        for ok in ["1.24.0", "1.24.0-beta.1", "1.28.0", "2.0.0"] {
            check_supported(&v(ok)).unwrap();
        }
        let err = check_supported(&v("1.23.5")).unwrap_err().to_string();
        assert!(err.contains("istioctl 1.23.5 is not supported"), "{err}");
        assert!(err.contains(">= 1.24"), "{err}");
        assert!(err.contains("rewrote its installer"), "{err}");
        assert!(INSTALL_HINT.contains(&format!(">= {MIN_SUPPORTED}")));
    }
}
