//! `kyma-mesh injection enable|disable|status`: flags in, `ops::injection` out.

use crate::cli::{GlobalArgs, InjectionArgs, InjectionChangeArgs, InjectionCommand};
use crate::ops::error::{InvalidInput, OpError};
use crate::ops::events::Events;
use crate::ops::injection::{self, ChangeRequest, Subject};
use crate::ui;

use super::Done;

pub fn run(
    args: &InjectionArgs,
    global: &GlobalArgs,
    events: &dyn Events,
) -> Result<Done, OpError> {
    match &args.command {
        InjectionCommand::Enable(a) => change(a, true, global, events),
        InjectionCommand::Disable(a) => change(a, false, global, events),
        InjectionCommand::Status(a) => {
            let target = global.target();
            let status = super::block_on(async {
                Ok(injection::status(&target, a.namespace.as_deref(), events).await?)
            })?;
            match a.output {
                Some(format) => {
                    let value = serde_json::to_value(&status).map_err(|cause| {
                        crate::ops::error::OutputError::Json {
                            what: "injection status",
                            cause,
                        }
                    })?;
                    Done::document("injection status", value, format.into())
                }
                None => Ok(Done::data(ui::injection::status_table(&status))),
            }
        }
    }
}

fn change(
    a: &InjectionChangeArgs,
    enable: bool,
    global: &GlobalArgs,
    events: &dyn Events,
) -> Result<Done, OpError> {
    let subject = match (&a.namespace, &a.deployment) {
        (_, Some((namespace, name))) => Subject::Deployment {
            namespace: namespace.clone(),
            name: name.clone(),
        },
        (Some(ns), None) => Subject::Namespace(ns.clone()),
        // clap's group makes one of them required.
        (None, None) => {
            return Err(InvalidInput("pass --namespace NS or --deployment NS/NAME".into()).into());
        }
    };
    let req = ChangeRequest {
        target: global.target(),
        subject,
        enable,
        restart: a.restart,
        force: a.force,
        dry_run: a.dry_run,
    };
    let s = super::block_on(async { Ok(injection::change(&req, events).await?) })?;
    let mut done = Done::default();
    done = match &s.change {
        Some(c) if a.dry_run => done.closing(format!("dry run, nothing was changed: {c}")),
        Some(c) => done.closing(c.clone()),
        None => done.closing("nothing to change: the setting is already in place"),
    };
    if s.rolls_out {
        let would = if a.dry_run { "would be " } else { "" };
        done = done.closing(format!(
            "The Deployment's pod template {}changed, so it {}rolls out its pods with the new setting.",
            would,
            if a.dry_run { "would " } else { "" }
        ));
    }
    if !s.plan.is_empty() {
        let verb = if s.restarted {
            "Restarted for the change to take effect"
        } else {
            "To be restarted for the change to take effect"
        };
        let mut text = format!("{verb} ({} pods):", s.plan.pod_count());
        for line in s.plan.lines() {
            text.push_str(&format!("\n  {line}"));
        }
        if !s.restarted && !a.dry_run && !s.plan.workloads.is_empty() {
            text.push_str("\nRun the same command with --restart to restart them.");
        }
        done = done.closing(text);
    }
    Ok(done)
}
