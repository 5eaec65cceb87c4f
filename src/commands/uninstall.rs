//! `kyma-mesh uninstall`: flags in, `ops::uninstall` out.

use std::process::ExitCode;
use std::time::Duration;

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
    let rt = crate::ops::runtime()?;
    let result = rt.block_on(uninstall::uninstall(&req, ui));
    rt.shutdown_timeout(Duration::from_millis(100));
    match result {
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
        Err(e) => match e.interrupted() {
            Some(code) => {
                ui.error(&e.into());
                Ok(ExitCode::from(code))
            }
            None => Err(e.into()),
        },
    }
}
