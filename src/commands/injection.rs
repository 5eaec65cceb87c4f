//! `kyma-mesh injection enable|disable|status`: flags in, `ops::injection` out.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{GlobalArgs, InjectionArgs, InjectionChangeArgs, InjectionCommand};
use crate::ops::injection::{self, ChangeRequest, Subject};
use crate::ui::{self, Ui};

pub fn run(args: &InjectionArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let rt = crate::ops::runtime()?;
    let result = match &args.command {
        InjectionCommand::Enable(a) => change(&rt, a, true, global, ui),
        InjectionCommand::Disable(a) => change(&rt, a, false, global, ui),
        InjectionCommand::Status(a) => {
            let status = rt.block_on(injection::status(
                &global.target(),
                a.namespace.as_deref(),
                ui,
            ))?;
            let text = match a.output {
                Some(format) => ui::format_value(&status, format.into())?,
                None => injection::status_table(&status),
            };
            ui::print(&text).map(|()| ExitCode::SUCCESS)
        }
    };
    rt.shutdown_timeout(Duration::from_millis(100));
    result
}

fn change(
    rt: &tokio::runtime::Runtime,
    a: &InjectionChangeArgs,
    enable: bool,
    global: &GlobalArgs,
    ui: &Ui,
) -> anyhow::Result<ExitCode> {
    let subject = match (&a.namespace, &a.deployment) {
        (_, Some((namespace, name))) => Subject::Deployment {
            namespace: namespace.clone(),
            name: name.clone(),
        },
        (Some(ns), None) => Subject::Namespace(ns.clone()),
        // clap's group makes one of them required.
        (None, None) => {
            return Err(
                crate::InvalidInput("pass --namespace NS or --deployment NS/NAME".into()).into(),
            );
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
    let s = rt.block_on(injection::change(&req, ui))?;
    let would = if a.dry_run { "would be " } else { "" };
    match &s.change {
        Some(c) if a.dry_run => ui.info(&format!("dry run, nothing was changed: {c}")),
        Some(c) => ui.info(c),
        None => ui.info("nothing to change: the setting is already in place"),
    }
    if s.rolls_out {
        ui.info(&format!(
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
        ui.info(&text);
    }
    Ok(ExitCode::SUCCESS)
}
