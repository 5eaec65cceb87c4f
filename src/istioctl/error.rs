//! [`IstioctlError`]: everything that can go wrong at the istioctl boundary.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use crate::util::fmt_duration;

use super::{ENV_VAR, IstioVersion, LocateSource, MIN_SUPPORTED, ParseVersionError};

/// The fix we suggest whenever no usable istioctl was found.
pub(super) const INSTALL_HINT: &str = "install istioctl >= 1.24 \
     (https://istio.io/latest/docs/setup/install/istioctl/) or pass --istioctl PATH";

/// Everything that can go wrong at the istioctl boundary. Each message says what happened and, where
/// there is one, what to do about it; the command layer adds what it was trying to achieve.
#[derive(Debug, thiserror::Error)]
pub enum IstioctlError {
    /// Nothing configured and nothing on `PATH`.
    #[error(
        "istioctl not found: --istioctl was not given, ${env} is not set, and {searched}; {hint}",
        env = ENV_VAR,
        hint = INSTALL_HINT
    )]
    NotFound {
        /// What the `PATH` lookup covered, e.g. "no `istioctl` in the 7 directories of PATH".
        searched: String,
    },

    /// `--istioctl` or `$ISTIOCTL` names something that cannot be run. We do not fall back to `PATH`
    /// then: the user asked for a specific binary, silently running another would be worse.
    #[error("istioctl from {from} ({path}) {reason}; fix it or {hint}", path = .path.display(), hint = INSTALL_HINT)]
    Unusable {
        path: PathBuf,
        from: LocateSource,
        reason: String,
    },

    /// The operating system refused to start istioctl (missing, not executable, wrong architecture).
    #[error("could not start istioctl at {}", .path.display())]
    Spawn {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Waiting for istioctl failed at the operating-system level (not istioctl's own failure).
    #[error("lost track of the istioctl process")]
    Wait {
        #[source]
        source: io::Error,
    },

    /// The rendered IstioOperator could not be written to its private temporary location.
    #[error("could not {action} for the rendered IstioOperator")]
    TempFile {
        action: &'static str,
        #[source]
        source: io::Error,
    },

    /// `istioctl version -o json` printed something that is not JSON: most likely the path points
    /// at something that is not istioctl, or a very old istioctl without `-o json`.
    #[error(
        "`{} version --remote=false -o json` did not print JSON (is it really istioctl?); it printed: {output}",
        .path.display()
    )]
    VersionNotJson {
        path: PathBuf,
        output: String,
        #[source]
        source: serde_json::Error,
    },

    /// The JSON had no `.clientVersion.version` string.
    #[error(
        "`{} version --remote=false -o json` printed no .clientVersion.version; it printed: {output}",
        .path.display()
    )]
    VersionMissing { path: PathBuf, output: String },

    /// `.clientVersion.version` is not a version (source builds say "unknown").
    #[error("istioctl at {} reports a version kyma-mesh cannot read; {hint}", .path.display(), hint = INSTALL_HINT)]
    InvalidVersion {
        path: PathBuf,
        #[source]
        source: ParseVersionError,
    },

    /// istioctl is older than [`MIN_SUPPORTED`].
    #[error(
        "istioctl {version} is not supported: kyma-mesh needs istioctl >= {MIN_SUPPORTED} because \
         Istio rewrote its installer in {MIN_SUPPORTED}; {hint}",
        hint = INSTALL_HINT
    )]
    Unsupported { version: IstioVersion },

    /// istioctl ran and exited non-zero. It exits 1 for every failure, so `stderr_tail` (its last
    /// stderr lines, or its `Error...` stdout lines when stderr was empty) is the real message.
    #[error("istioctl failed ({status}){}", fmt_tail(.stderr_tail))]
    Failed {
        status: ExitStatus,
        stderr_tail: Vec<String>,
    },

    /// istioctl ran longer than allowed and was stopped. `timeout` is the limit the user set (not
    /// what was left of it when istioctl started).
    #[error(
        "istioctl did not finish within the {} timeout and was stopped",
        fmt_duration(*.timeout)
    )]
    TimedOut { timeout: Duration },

    /// The caller's cancel future resolved (Ctrl-C) and istioctl was killed.
    #[error("istioctl was interrupted and stopped")]
    Cancelled,
}

fn fmt_tail(lines: &[String]) -> String {
    if lines.is_empty() {
        return " without any output".to_owned();
    }
    let mut out = String::from("; its last output:");
    for line in lines {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_read_well() {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            let err = IstioctlError::Failed {
                status: ExitStatus::from_raw(1 << 8),
                stderr_tail: vec!["Error: failed to install manifests".into()],
            };
            assert_eq!(
                err.to_string(),
                "istioctl failed (exit status: 1); its last output:\n  Error: failed to install manifests"
            );
        }
        let err = IstioctlError::TimedOut {
            timeout: Duration::from_secs(90),
        };
        assert!(
            err.to_string()
                .starts_with("istioctl did not finish within the 1m30s timeout"),
            "{err}"
        );
        let err = IstioctlError::NotFound {
            searched: "PATH is not set".into(),
        };
        assert_eq!(
            err.to_string(),
            "istioctl not found: --istioctl was not given, $ISTIOCTL is not set, and PATH is not set; \
             install istioctl >= 1.24 (https://istio.io/latest/docs/setup/install/istioctl/) or pass --istioctl PATH"
        );
    }
}
