//! `upgrade`: install's phases in upgrade mode (the version gate refuses a cluster without
//! Istio; the recorded configuration is reused unless a new one is given; the new control
//! plane must converge), then proxy-reset's machinery moves every sidecar.

use crate::ops::error::ErrorKind;
use crate::ops::events::Events;
use crate::ops::install::{self, InstallError, InstallRequest, UpgradeMode};
use crate::ops::proxy_reset::pace::Pacing;
use crate::ops::proxy_reset::run::{self as reset, RunError, RunResult};

#[derive(Debug, Clone)]
pub struct UpgradeRequest {
    pub install: InstallRequest,
    pub skip_proxy_reset: bool,
    pub concurrency: usize,
    pub pacing: Pacing,
}

#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    #[error(transparent)]
    Install(Box<InstallError>),
    #[error("the control plane was upgraded, but restarting the workloads failed: {0}")]
    ProxyReset(Box<RunError>),
}

impl UpgradeError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            UpgradeError::Install(e) => e.kind(),
            UpgradeError::ProxyReset(e) => e.kind(),
        }
    }
}

impl UpgradeRequest {
    /// install's request in upgrade mode: the recorded configuration is reused when no new one
    /// is given.
    pub fn install_request(&self, canary: bool) -> InstallRequest {
        let c = &self.install.config;
        let reused =
            c.files.is_empty() && c.sets.is_empty() && !c.profile_given && !c.injection_given;
        InstallRequest {
            upgrade: Some(UpgradeMode {
                reused,
                canary,
                restarts: !canary && !self.skip_proxy_reset,
            }),
            ..self.install.clone()
        }
    }
}

pub struct UpgradeSummary {
    pub install: install::Summary,
    /// `None` with `--skip-proxy-reset` or `--dry-run`.
    pub reset: Option<RunResult>,
}

pub async fn upgrade(
    req: &UpgradeRequest,
    events: &dyn Events,
) -> Result<UpgradeSummary, UpgradeError> {
    let summary = install::install(&req.install_request(false), events)
        .await
        .map_err(|e| UpgradeError::Install(Box::new(e)))?;
    if summary.dry_run || req.skip_proxy_reset {
        return Ok(UpgradeSummary {
            install: summary,
            reset: None,
        });
    }
    // The control plane has converged (install waited for every istiod pod on the target):
    // now every sidecar moves, kyma-system first, verified.
    let reset = reset::run(
        &reset::Request::verified(
            req.install.target.clone(),
            Vec::new(),
            req.concurrency,
            req.install.timeout,
            req.pacing.clone(),
        ),
        events,
    )
    .await
    .map_err(|e| UpgradeError::ProxyReset(Box::new(e)))?;
    Ok(UpgradeSummary {
        install: summary,
        reset: Some(reset),
    })
}
