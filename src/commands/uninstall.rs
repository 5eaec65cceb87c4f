//! `kyma-mesh uninstall`: flags in, `ops::uninstall` out.

use crate::cli::{GlobalArgs, UninstallArgs};
use crate::ops::error::OpError;
use crate::ops::events::Events;
use crate::ops::uninstall::{self, UninstallRequest};
use crate::util::fmt_duration;

use super::Done;

pub fn run(
    args: &UninstallArgs,
    global: &GlobalArgs,
    events: &dyn Events,
) -> Result<Done, OpError> {
    let req = UninstallRequest {
        target: global.target(),
        istioctl: args.istioctl.path.clone(),
        force: args.force,
        no_restart: args.no_restart,
        dry_run: args.dry_run,
        timeout: args.timeout,
    };
    let s = super::block_on(async { Ok(uninstall::uninstall(&req, events).await?) })?;
    if s.dry_run {
        return Ok(Done::data(s.stdout));
    }
    Ok(Done::default().closing(format!(
        "Istio uninstalled in {}: {} kyma-mesh objects deleted, {} namespace labels removed, {} workloads restarted without sidecars.",
        fmt_duration(s.elapsed),
        s.deleted,
        s.labels_removed,
        s.restarted.len()
    )))
}
