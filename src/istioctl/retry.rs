//! istioctl's transient failures, retried in one place: [`super::run_args`], the runner of every
//! verb that talks to the cluster.
//!
//! istioctl's requests meet the same API hiccups kyma-mesh's own do (`cluster/retry.rs`), but
//! istioctl gives up on the first one and exits 1. Its exit status says nothing, so the failure is
//! classified from the last lines it wrote: an overloaded or restarting API server (HTTP 5xx and
//! 429 as client-go words them, `etcdserver: request timed out`), a connection reset or refused
//! mid-run, a TLS handshake timeout. Only the idempotent verbs (`install`, `uninstall`,
//! `tag set`: each converges on the same state when run twice) are run again, at most
//! [`RetryPolicy::retries`] times with a capped exponential backoff, and never past the caller's
//! time limit. A real error (validation, forbidden, not found, a webhook's denial) is never
//! retried, even when a transient phrase appears next to it.

use std::time::Duration;

use super::IstioctlError;

/// How often and how patiently a transient istioctl failure is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Runs after the first one.
    pub retries: u32,
    /// The wait before the first retry, doubled for each further one...
    pub base: Duration,
    /// ...up to this cap.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries (a test that must see the first failure).
    #[cfg(test)]
    pub const NONE: Self = Self {
        retries: 0,
        base: Duration::ZERO,
        cap: Duration::ZERO,
    };

    /// The wait before retry `n` (1-based).
    pub fn delay(&self, n: u32) -> Duration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1));
        self.base.saturating_mul(factor).min(self.cap)
    }
}

/// One retry about to happen, for the caller to say on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// This retry's number, 1-based.
    pub retry: u32,
    /// The most there will be.
    pub of: u32,
    /// How long it waits before running istioctl again.
    pub delay: Duration,
    /// The transient error, as istioctl said it (its line that names it).
    pub reason: String,
}

/// Phrases of an error that retrying cannot fix. Checked first: they win over a transient phrase
/// in the same output.
const REAL: &[&str] = &[
    "forbidden",
    "unauthorized",
    " is invalid",
    "invalid value",
    "unknown field",
    "validation",
    "not found",
    "could not find",
    "denied the request",
    "already exists",
];

/// Phrases of a transient API failure: client-go's wording of 500, 503, 504 and 429, etcd's
/// timeouts, proxies' 502/503/504, and connections lost mid-run.
const TRANSIENT: &[&str] = &[
    "etcdserver: request timed out",
    "etcdserver: leader changed",
    "etcdserver: too many requests",
    "internal error occurred",
    "the server is currently unable to handle the request",
    "the server was unable to return a response in the time allotted",
    "has prevented the request from succeeding",
    "the server has received too many requests",
    "too many requests",
    "service unavailable",
    "bad gateway",
    "gateway timeout",
    "connection reset by peer",
    "connection refused",
    "broken pipe",
    "http2: client connection lost",
    "tls handshake timeout",
];

/// The line of istioctl's output that says its failure was transient, or `None` for every other
/// failure (a real error, a timeout, a signal, a binary that could not start).
pub fn transient_reason(err: &IstioctlError) -> Option<String> {
    let IstioctlError::Failed {
        status,
        stderr_tail,
    } = err
    else {
        return None;
    };
    // Killed by a signal it did not get from us (the OOM killer): not an API hiccup.
    status.code()?;
    let lower: Vec<String> = stderr_tail.iter().map(|l| l.to_lowercase()).collect();
    if lower.iter().any(|l| REAL.iter().any(|p| l.contains(p))) {
        return None;
    }
    lower
        .iter()
        .zip(stderr_tail)
        .rev()
        .find(|(l, _)| TRANSIENT.iter().any(|p| l.contains(p)))
        .map(|(_, line)| line.trim().to_owned())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    use super::*;

    fn failed(lines: &[&str]) -> IstioctlError {
        IstioctlError::Failed {
            status: ExitStatus::from_raw(1 << 8),
            stderr_tail: lines.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn transient_api_errors_are_recognised() {
        for line in [
            "Error: failed to update resource with server-side apply for obj Deployment/istio-system/istiod: etcdserver: request timed out",
            "Error: failed to install manifests: Internal error occurred: injected fault",
            "Error: the server is currently unable to handle the request (get deployments.apps istiod)",
            "Error: the server was unable to return a response in the time allotted, but may still be processing the request",
            "Error: the server has received too many requests and has asked us to try again later",
            "Error: an error on the server (\"unknown\") has prevented the request from succeeding",
            "Error: Patch \"https://10.0.0.1/apis/apps/v1\": read tcp 10.1.1.1:5->10.0.0.1:443: read: connection reset by peer",
            "Error: Get \"https://api:6443/api\": dial tcp 10.0.0.1:6443: connect: connection refused",
            "Error: Get \"https://api:6443/api\": net/http: TLS handshake timeout",
        ] {
            let err = failed(&["✔ Istio core installed", line]);
            assert_eq!(transient_reason(&err).as_deref(), Some(line), "{line}");
        }
    }

    #[test]
    fn real_errors_are_never_retried() {
        for lines in [
            &["Error: failed to install manifests: simulated failure"][..],
            &["Error: deployments.apps \"istiod\" is forbidden: User \"dev\" cannot patch"],
            &["Error: IstioOperator.install.istio.io \"x\" is invalid: spec.foo: Invalid value"],
            &["Error: could not find target revision 1-27-0"],
            &[
                "Error: admission webhook \"validation.istio.io\" denied the request: configuration is invalid",
                "Internal error occurred: the webhook said so",
            ],
            &["Error: namespaces \"istio-system\" not found"],
            &[],
        ] {
            assert_eq!(transient_reason(&failed(lines)), None, "{lines:?}");
        }
        let killed = IstioctlError::Failed {
            status: ExitStatus::from_raw(libc::SIGKILL),
            stderr_tail: vec!["connection reset by peer".into()],
        };
        assert_eq!(transient_reason(&killed), None);
        let timed_out = IstioctlError::TimedOut {
            timeout: Duration::from_secs(1),
        };
        assert_eq!(transient_reason(&timed_out), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        let delays: Vec<_> = (1..=4).map(|n| p.delay(n)).collect();
        assert_eq!(
            delays,
            [1, 2, 4, 5].map(Duration::from_secs),
            "1s, 2s, 4s, then capped"
        );
        assert_eq!(p.retries, 3);
    }
}
