//! [`IstioctlError`]: everything that can go wrong at the istioctl boundary.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use crate::util::fmt_duration;

use super::{ENV_VAR, IstioVersion, LocateSource, MIN_SUPPORTED, ParseVersionError, Signal};

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

    /// istioctl ran and exited non-zero, or was killed by a signal it did not get from us (the
    /// OOM killer, a user). It exits 1 for every failure, so `stderr_tail` (its last stderr lines,
    /// or its `Error...` stdout lines when stderr was empty) is the real message.
    #[error("{}{}", fmt_status(.status), fmt_tail(.stderr_tail))]
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

    /// kyma-mesh received SIGINT or SIGTERM (the caller's cancel future resolved) and stopped
    /// istioctl.
    #[error("istioctl was stopped because kyma-mesh received {signal}")]
    Cancelled { signal: Signal },
}

/// "istioctl failed (exit code 1)", or "istioctl was killed by signal 9 (SIGKILL)".
fn fmt_status(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("istioctl failed (exit code {code})");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let dumped = if status.core_dumped() {
                ", core dumped"
            } else {
                ""
            };
            return match signal_name(signal) {
                Some(name) => format!("istioctl was killed by signal {signal} ({name}{dumped})"),
                None => format!("istioctl was killed by signal {signal}{dumped}"),
            };
        }
    }
    format!("istioctl failed ({status})")
}

#[cfg(unix)]
fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => return None,
    })
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

    fn io_err(msg: &str) -> io::Error {
        io::Error::other(msg.to_owned())
    }

    #[test]
    fn every_message_reads_well() {
        let path = PathBuf::from("/opt/istio/bin/istioctl");
        let json_err = serde_json::from_str::<serde_json::Value>("x").unwrap_err();
        let cases: Vec<(IstioctlError, &str)> = vec![
            (
                IstioctlError::NotFound {
                    searched: "PATH is not set".into(),
                },
                "istioctl not found: --istioctl was not given, $ISTIOCTL is not set, and PATH is \
                 not set; install istioctl >= 1.24 (https://istio.io/latest/docs/setup/install/istioctl/) \
                 or pass --istioctl PATH",
            ),
            (
                IstioctlError::Unusable {
                    path: path.clone(),
                    from: LocateSource::Env,
                    reason: "is not executable (chmod +x it)".into(),
                },
                "istioctl from $ISTIOCTL (/opt/istio/bin/istioctl) is not executable (chmod +x it); \
                 fix it or install istioctl >= 1.24 (https://istio.io/latest/docs/setup/install/istioctl/) \
                 or pass --istioctl PATH",
            ),
            (
                IstioctlError::Spawn {
                    path: path.clone(),
                    source: io_err("exec format error"),
                },
                "could not start istioctl at /opt/istio/bin/istioctl",
            ),
            (
                IstioctlError::Wait {
                    source: io_err("x"),
                },
                "lost track of the istioctl process",
            ),
            (
                IstioctlError::TempFile {
                    action: "write the temporary file",
                    source: io_err("disk full"),
                },
                "could not write the temporary file for the rendered IstioOperator",
            ),
            (
                IstioctlError::VersionNotJson {
                    path: path.clone(),
                    output: "hello".into(),
                    source: json_err,
                },
                "`/opt/istio/bin/istioctl version --remote=false -o json` did not print JSON (is it \
                 really istioctl?); it printed: hello",
            ),
            (
                IstioctlError::VersionMissing {
                    path: path.clone(),
                    output: "{}".into(),
                },
                "`/opt/istio/bin/istioctl version --remote=false -o json` printed no \
                 .clientVersion.version; it printed: {}",
            ),
            (
                IstioctlError::InvalidVersion {
                    path: path.clone(),
                    source: "unknown".parse::<IstioVersion>().unwrap_err(),
                },
                "istioctl at /opt/istio/bin/istioctl reports a version kyma-mesh cannot read; \
                 install istioctl >= 1.24 (https://istio.io/latest/docs/setup/install/istioctl/) \
                 or pass --istioctl PATH",
            ),
            (
                IstioctlError::Unsupported {
                    version: "1.23.5".parse().unwrap(),
                },
                "istioctl 1.23.5 is not supported: kyma-mesh needs istioctl >= 1.24 because Istio \
                 rewrote its installer in 1.24; install istioctl >= 1.24 \
                 (https://istio.io/latest/docs/setup/install/istioctl/) or pass --istioctl PATH",
            ),
            (
                IstioctlError::TimedOut {
                    timeout: Duration::from_secs(90),
                },
                "istioctl did not finish within the 1m30s timeout and was stopped",
            ),
            (
                IstioctlError::TimedOut {
                    timeout: Duration::from_secs(5),
                },
                "istioctl did not finish within the 5s timeout and was stopped",
            ),
            (
                IstioctlError::Cancelled {
                    signal: Signal::Interrupt,
                },
                "istioctl was stopped because kyma-mesh received SIGINT",
            ),
            (
                IstioctlError::Cancelled {
                    signal: Signal::Terminate,
                },
                "istioctl was stopped because kyma-mesh received SIGTERM",
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(err.to_string(), expected, "{err:?}");
            assert!(!err.to_string().contains("kyma-mesh uninstall"));
        }
    }

    #[cfg(unix)]
    #[test]
    fn failures_say_exit_code_or_signal() {
        use std::os::unix::process::ExitStatusExt;
        let failed = |raw: i32, tail: &[&str]| {
            IstioctlError::Failed {
                status: ExitStatus::from_raw(raw),
                stderr_tail: tail.iter().map(|s| s.to_string()).collect(),
            }
            .to_string()
        };
        assert_eq!(
            failed(1 << 8, &["Error: failed to install manifests"]),
            "istioctl failed (exit code 1); its last output:\n  Error: failed to install manifests"
        );
        assert_eq!(
            failed(3 << 8, &[]),
            "istioctl failed (exit code 3) without any output"
        );
        assert_eq!(
            failed(libc::SIGKILL, &["- Processing resources for Istiod."]),
            "istioctl was killed by signal 9 (SIGKILL); its last output:\n  - Processing resources for Istiod."
        );
        assert_eq!(
            failed(libc::SIGSEGV | 0x80, &[]),
            "istioctl was killed by signal 11 (SIGSEGV, core dumped) without any output"
        );
        assert_eq!(
            failed(libc::SIGUSR1, &[]),
            format!(
                "istioctl was killed by signal {} without any output",
                libc::SIGUSR1
            )
        );
    }
}
