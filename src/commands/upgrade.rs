//! `kyma-mesh upgrade`: flags in, `ops::upgrade` out, and the before -> after summary.

use std::process::ExitCode;

use crate::cli::{GlobalArgs, UpgradeArgs};
use crate::ops::install::InstallRequest;
use crate::ops::upgrade::{self, UpgradeRequest};
use crate::ui::{self, Ui};
use crate::util::fmt_duration;

pub fn run(args: &UpgradeArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let req = UpgradeRequest {
        install: InstallRequest {
            config: args.config.source(),
            target: global.target(),
            istioctl: args.istioctl.path.clone(),
            from_configmap: None,
            dry_run: args.dry_run,
            timeout: args.timeout,
            fix: false,
            upgrade: None,
        },
        skip_proxy_reset: args.skip_proxy_reset,
        concurrency: args.concurrency.into(),
    };
    let s = match super::block_on(ui, upgrade::upgrade(&req, ui))? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if s.install.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let i = &s.install;
    let before = i.before.as_deref().unwrap_or("none");
    ui.info(&format!(
        "control plane: Istio {before} -> {} (profile {}) in {}: {} patches applied, {} unchanged, {} skipped",
        i.version,
        i.profile,
        fmt_duration(i.elapsed),
        i.counts.applied,
        i.counts.unchanged,
        i.counts.skipped
    ));
    let Some(reset) = &s.reset else {
        ui.info("data plane: not restarted (--skip-proxy-reset); run `kyma-mesh proxy-reset --wait` to move the sidecars");
        return Ok(ExitCode::SUCCESS);
    };
    ui::print(&ui::proxy_reset::text(reset))?;
    if reset.failed() {
        Ok(ExitCode::from(crate::exit::FAILURE))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
