//! `kyma-mesh install`: flags in, `ops::install` out.

use crate::cli::{GlobalArgs, InstallArgs};
use crate::ops::error::OpError;
use crate::ops::events::Events;
use crate::ops::install::{self, InstallRequest};
use crate::util::fmt_duration;

use super::Done;

pub fn run(args: &InstallArgs, global: &GlobalArgs, events: &dyn Events) -> Result<Done, OpError> {
    args.config.check_format_typo(None)?;
    let req = InstallRequest {
        config: args.config.source(),
        target: global.target(),
        istioctl: args.istioctl.path.clone(),
        from_configmap: args.from_configmap.clone(),
        from_istio_cr: args.from_istio_cr.clone(),
        dry_run: args.dry_run,
        timeout: args.timeout,
        fix: args.fix,
        upgrade: None,
    };
    let s = super::block_on(async { Ok(install::install(&req, events).await?) })?;
    if let Some(plan) = s.plan {
        return Ok(Done::data(plan));
    }
    Ok(Done::default().closing(format!(
        "Istio {} installed with profile {} in {}: {} patches applied, {} unchanged, {} skipped.",
        s.version,
        s.profile,
        fmt_duration(s.elapsed),
        s.counts.applied,
        s.counts.unchanged,
        s.counts.skipped
    )))
}
