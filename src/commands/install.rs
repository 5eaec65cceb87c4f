//! `kyma-mesh install`: flags in, `ops::install` out.

use std::process::ExitCode;
use std::time::Duration;

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
        dry_run: args.dry_run,
        timeout: args.timeout,
        fix: args.fix,
        upgrade: None,
    };
    let rt = crate::ops::runtime()?;
    let result = rt.block_on(install::install(&req, ui));
    // Do not wait for a stuck watch or request after an interrupt or a timeout.
    rt.shutdown_timeout(Duration::from_millis(100));
    match result {
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
        Err(e) => match e.interrupted() {
            Some(code) => {
                ui.error(&e.into());
                Ok(ExitCode::from(code))
            }
            None => Err(e.into()),
        },
    }
}
