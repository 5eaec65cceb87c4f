//! `kyma-mesh uninstall`: flags in, `ops::uninstall` out.

use std::process::ExitCode;

use crate::cli::{GlobalArgs, UninstallArgs};
use crate::ops::uninstall::{self, UninstallRequest};
use crate::ui::{self, Ui};
use crate::util::fmt_duration;

pub fn run(args: &UninstallArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let req = UninstallRequest {
        target: global.target(),
        istioctl: args.istioctl.path.clone(),
        force: args.force,
        no_restart: args.no_restart,
        dry_run: args.dry_run,
        timeout: args.timeout,
    };
    match super::block_on(ui, uninstall::uninstall(&req, ui))? {
        Err(code) => Ok(code),
        Ok(s) if s.dry_run => {
            ui::print(&s.stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(s) => {
            ui.info(&format!(
                "Istio uninstalled in {}: {} kyma-mesh objects deleted, {} namespace labels removed, {} workloads restarted without sidecars.",
                fmt_duration(s.elapsed),
                s.deleted,
                s.labels_removed,
                s.restarted.len()
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}
