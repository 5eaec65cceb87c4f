//! `kyma-mesh install`: flags in, `ops::install` out.

use std::process::ExitCode;

use crate::cli::{GlobalArgs, InstallArgs};
use crate::ops::install::{self, InstallRequest};
use crate::ui::Ui;
use crate::util::fmt_duration;

pub fn run(args: &InstallArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
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
    match super::block_on(ui, install::install(&req, ui))? {
        Err(code) => Ok(code),
        Ok(s) if s.dry_run => Ok(ExitCode::SUCCESS),
        Ok(s) => {
            ui.info(&format!(
                "Istio {} installed with profile {} in {}: {} patches applied, {} unchanged, {} skipped.",
                s.version,
                s.profile,
                fmt_duration(s.elapsed),
                s.counts.applied,
                s.counts.unchanged,
                s.counts.skipped
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}
