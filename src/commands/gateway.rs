//! `kyma-mesh gateway restart|debug`: flags in, `ops::gateway` out.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{GatewayArgs, GatewayCommand, GlobalArgs, Toggle};
use crate::ops::gateway::{self, DebugRequest, RestartRequest};
use crate::ui::{self, Ui};
use crate::util::fmt_duration;

pub fn run(args: &GatewayArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let rt = crate::ops::runtime()?;
    let result = match &args.command {
        GatewayCommand::Restart(a) => {
            let req = RestartRequest {
                target: global.target(),
                wait: a.wait,
                timeout: a.timeout,
                dry_run: a.dry_run,
            };
            rt.block_on(gateway::restart(&req, ui)).map(|s| {
                let mut msg = String::new();
                if !s.dry_run {
                    msg = if s.waited {
                        format!(
                            "Ingress gateway restarted in {}: pods {} replaced by {}.",
                            fmt_duration(s.elapsed),
                            list(&s.old_pods),
                            list(&s.new_pods)
                        )
                    } else {
                        format!(
                            "Ingress gateway restart requested: its {} pods are replaced one by one (--wait waits for it).",
                            s.old_pods.len()
                        )
                    };
                }
                (s.stdout, msg)
            })
        }
        GatewayCommand::Debug(a) => {
            let req = DebugRequest {
                target: global.target(),
                enable: a.action == Toggle::Enable,
                wait: !a.no_wait,
                timeout: a.timeout,
                dry_run: a.dry_run,
            };
            rt.block_on(gateway::debug(&req, ui)).map(|s| {
                let msg = match (s.dry_run, s.changed) {
                    (true, _) => String::new(),
                    (false, true) => format!("Ingress gateway image: {} -> {}.", s.from, s.to),
                    (false, false) => String::new(),
                };
                (s.stdout, msg)
            })
        }
    };
    rt.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok((stdout, msg)) => {
            if !msg.is_empty() {
                ui.info(&msg);
            }
            ui::print(&stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => match super::Interruptible::interrupted(&e) {
            Some(code) => {
                ui.error(&e.into());
                Ok(ExitCode::from(code))
            }
            None => Err(e.into()),
        },
    }
}

fn list(pods: &[String]) -> String {
    if pods.is_empty() {
        "(none)".into()
    } else {
        pods.join(", ")
    }
}
