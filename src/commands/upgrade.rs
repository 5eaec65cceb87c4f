//! `kyma-mesh upgrade`: flags in, `ops::upgrade` (in place) or `ops::canary` (`--canary`,
//! `--finish`, `--rollback`) out, and the before -> after summary.

use std::process::ExitCode;

use crate::cli::{GlobalArgs, UpgradeArgs};
use crate::ops::canary;
use crate::ops::install::InstallRequest;
use crate::ops::proxy_reset::run::RunResult;
use crate::ops::upgrade::{self, UpgradeRequest};
use crate::ui::{self, Ui};
use crate::util::fmt_duration;

pub fn run(args: &UpgradeArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    if args.finish || args.rollback {
        return finish_or_rollback(args, global, ui);
    }
    let req = UpgradeRequest {
        install: InstallRequest {
            config: args.config.source(),
            target: global.target(),
            istioctl: args.istioctl.path.clone(),
            from_configmap: None,
            from_istio_cr: None,
            dry_run: args.dry_run,
            timeout: args.timeout,
            fix: false,
            upgrade: None,
        },
        skip_proxy_reset: args.skip_proxy_reset,
        concurrency: args.concurrency.into(),
    };
    if args.canary {
        return canary_start(&req, args.wave_size.map(usize::from), ui);
    }
    let s = match super::block_on(ui, upgrade::upgrade(&req, ui))? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if s.install.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let i = &s.install;
    let moved = match i.before.as_deref() {
        Some(b) if b == i.version => format!("Istio {b} (reconciled)"),
        b => format!("Istio {} -> {}", b.unwrap_or("none"), i.version),
    };
    ui.info(&format!(
        "control plane: {moved} (profile {}) in {}: {} patches applied, {} unchanged, {} skipped",
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
    show_reset(reset)?;
    if reset.failed() {
        Ok(ExitCode::from(crate::exit::FAILURE))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// What proxy-reset did, on stdout, and (in a fleet run) what of it needs a hand.
fn show_reset(r: &RunResult) -> anyhow::Result<()> {
    ui::print(&ui::proxy_reset::text(r))?;
    r.needs_a_hand()
        .into_iter()
        .for_each(ui::fleet::needs_a_hand);
    Ok(())
}

fn canary_start(
    req: &UpgradeRequest,
    wave_size: Option<usize>,
    ui: &Ui,
) -> anyhow::Result<ExitCode> {
    let s = match super::block_on(ui, canary::start(req, wave_size, ui))? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let i = &s.install;
    if i.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    for w in &s.waves {
        show_reset(&w.result)?;
    }
    let Some((from_rev, from_version)) = &s.from else {
        ui.info(&format!(
            "control plane: Istio {} (revision {}) reconciled in {}; nothing to move",
            i.version,
            i.revision,
            fmt_duration(i.elapsed)
        ));
        return Ok(ExitCode::SUCCESS);
    };
    ui.info(&format!(
        "canary: Istio {} (revision {}) runs beside Istio {from_version} (revision {from_rev}); the default tag names {}",
        i.version, i.revision, i.revision
    ));
    if s.stopped() {
        let wave = s
            .waves
            .last()
            .map(|w| w.namespaces.join(", "))
            .unwrap_or_default();
        ui.error(&anyhow::anyhow!(
            "wave {} of {} ({}) did not verify (see above); the later waves were not started. The old control plane still runs: fix what is named and run `kyma-mesh upgrade --canary` again to go on, or go back with `kyma-mesh upgrade --rollback`",
            s.waves.len(),
            s.planned_waves,
            if wave.is_empty() { "every namespace".to_string() } else { wave }
        ));
        return Ok(ExitCode::from(crate::exit::FAILURE));
    }
    ui::fleet::needs_a_hand(format!(
        "canary: `kyma-mesh upgrade --finish` removes Istio {from_version}"
    ));
    ui.info(&format!(
        "data plane: moved to {} in {} wave(s). When satisfied, remove Istio {from_version} with `kyma-mesh upgrade --finish`; to go back, `kyma-mesh upgrade --rollback`",
        i.revision,
        s.waves.len()
    ));
    Ok(ExitCode::SUCCESS)
}

fn finish_or_rollback(
    args: &UpgradeArgs,
    global: &GlobalArgs,
    ui: &Ui,
) -> anyhow::Result<ExitCode> {
    let req = canary::Request {
        target: global.target(),
        istioctl: args.istioctl.path.clone(),
        timeout: args.timeout,
        concurrency: args.concurrency.into(),
    };
    if args.finish {
        let s = match super::block_on(ui, canary::finish(&req, ui))? {
            Ok(s) => s,
            Err(code) => return Ok(code),
        };
        ui.info(&format!(
            "canary finished in {}: Istio {} (revision {}) removed; Istio {} (revision {}) is the only control plane",
            fmt_duration(s.elapsed),
            s.state.from_version,
            s.state.from_revision,
            s.state.to_version,
            s.state.to_revision
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let s = match super::block_on(ui, canary::rollback(&req, ui))? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if let Some(r) = &s.reset {
        show_reset(r)?;
    }
    if !s.removed {
        ui.error(&anyhow::anyhow!(
            "the default tag and {} gateway(s) are back on Istio {} (revision {}), but some workloads did not move back (see above), so revision {} stays installed. Fix what is named, then run `kyma-mesh upgrade --rollback` again",
            s.gateways,
            s.state.from_version,
            s.state.from_revision,
            s.state.to_revision
        ));
        return Ok(ExitCode::from(crate::exit::FAILURE));
    }
    ui.info(&format!(
        "rolled back in {}: Istio {} (revision {}) injects again, {} gateway(s) restored, Istio {} (revision {}) removed",
        fmt_duration(s.elapsed),
        s.state.from_version,
        s.state.from_revision,
        s.gateways,
        s.state.to_version,
        s.state.to_revision
    ));
    Ok(ExitCode::SUCCESS)
}
