//! `kyma-mesh gateway restart|debug`: flags in, `ops::gateway` out.

use crate::cli::{GatewayArgs, GatewayCommand, GlobalArgs, Toggle};
use crate::ops::error::OpError;
use crate::ops::events::Events;
use crate::ops::gateway::{self, DebugRequest, RestartRequest};
use crate::util::fmt_duration;

use super::Done;

pub fn run(args: &GatewayArgs, global: &GlobalArgs, events: &dyn Events) -> Result<Done, OpError> {
    match &args.command {
        GatewayCommand::Restart(a) => {
            let req = RestartRequest {
                target: global.target(),
                wait: a.wait,
                timeout: a.timeout,
                dry_run: a.dry_run,
            };
            let s = super::block_on(async { Ok(gateway::restart(&req, events).await?) })?;
            let done = Done::data(s.stdout);
            Ok(match (s.dry_run, s.waited) {
                (true, _) => done,
                (false, true) => done.closing(format!(
                    "Ingress gateway restarted in {}: pods {} replaced by {}.",
                    fmt_duration(s.elapsed),
                    list(&s.old_pods),
                    list(&s.new_pods)
                )),
                (false, false) => done.closing(format!(
                    "Ingress gateway restart requested: its {} pods are replaced one by one (--wait waits for it).",
                    s.old_pods.len()
                )),
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
            let s = super::block_on(async { Ok(gateway::debug(&req, events).await?) })?;
            let done = Done::data(s.stdout);
            Ok(if !s.dry_run && s.changed {
                done.closing(format!("Ingress gateway image: {} -> {}.", s.from, s.to))
            } else {
                done
            })
        }
    }
}

fn list(pods: &[String]) -> String {
    if pods.is_empty() {
        "(none)".into()
    } else {
        pods.join(", ")
    }
}
