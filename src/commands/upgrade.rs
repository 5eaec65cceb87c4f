//! `kyma-mesh upgrade`: flags in, `ops::upgrade` (in place) or `ops::canary` (`--canary`,
//! `--finish`, `--rollback`) out, and the before -> after summary.

use crate::cli::{GlobalArgs, UpgradeArgs};
use crate::ops::canary;
use crate::ops::error::OpError;
use crate::ops::events::Events;
use crate::ops::install::InstallRequest;
use crate::ops::proxy_reset::run::RunResult;
use crate::ops::upgrade::{self, UpgradeRequest};
use crate::ui;
use crate::util::{fmt_duration, plural};

use super::Done;

pub fn run(args: &UpgradeArgs, global: &GlobalArgs, events: &dyn Events) -> Result<Done, OpError> {
    if args.finish || args.rollback {
        return finish_or_rollback(args, global, events);
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
        pacing: args.pacing.pacing(),
    };
    if args.canary {
        return canary_start(&req, args.wave_size.map(usize::from), events);
    }
    let s = super::block_on(async { Ok(upgrade::upgrade(&req, events).await?) })?;
    let i = &s.install;
    if let Some(plan) = &i.plan {
        return Ok(Done::data(plan.clone()));
    }
    let moved = match i.before.as_deref() {
        Some(b) if b == i.version => format!("Istio {b} (reconciled)"),
        b => format!("Istio {} -> {}", b.unwrap_or("none"), i.version),
    };
    let line = format!(
        "control plane: {moved} (profile {}) in {}: {} patches applied, {} unchanged, {} skipped",
        i.profile,
        fmt_duration(i.elapsed),
        i.counts.applied,
        i.counts.unchanged,
        i.counts.skipped
    );
    let Some(reset) = &s.reset else {
        return Ok(Done::default().closing(line).closing(
            "data plane: not restarted (--skip-proxy-reset); run `kyma-mesh proxy-reset --wait` to move the sidecars",
        ));
    };
    let mut done = Done::default().closing(line);
    add_reset(&mut done, reset);
    Ok(done)
}

/// What proxy-reset did, on stdout, and what of it needs a hand.
fn add_reset(done: &mut Done, r: &RunResult) {
    done.stdout.push_str(&ui::proxy_reset::text(r));
    done.needs_a_hand.extend(r.needs_a_hand());
    done.failed |= r.failed();
    done.incomplete |= r.stopped().is_some();
}

fn canary_start(
    req: &UpgradeRequest,
    wave_size: Option<usize>,
    events: &dyn Events,
) -> Result<Done, OpError> {
    let s = super::block_on(async { Ok(canary::start(req, wave_size, events).await?) })?;
    let i = &s.install;
    if let Some(plan) = &i.plan {
        return Ok(Done::data(plan.clone()));
    }
    let mut done = Done::default();
    for w in &s.waves {
        add_reset(&mut done, &w.result);
    }
    let Some((from_rev, from_version)) = &s.from else {
        return Ok(done.closing(format!(
            "control plane: Istio {} (revision {}) reconciled in {}; nothing to move",
            i.version,
            i.revision,
            fmt_duration(i.elapsed)
        )));
    };
    done = done.closing(format!(
        "canary: Istio {} (revision {}) runs beside Istio {from_version} (revision {from_rev}); the default tag names {}",
        i.version, i.revision, i.revision
    ));
    if s.stopped() && !done.failed {
        return Ok(done.closing(format!(
            "wave {} of {}: the deadline came with workloads left (see above); the later waves were not started. The old control plane still runs: run `kyma-mesh upgrade --canary` again to go on (nothing is restarted twice)",
            s.waves.len(),
            s.planned_waves
        )));
    }
    if s.stopped() {
        let wave = s
            .waves
            .last()
            .map(|w| w.namespaces.join(", "))
            .unwrap_or_default();
        return Ok(done.fail(format!(
            "wave {} of {} ({}) did not verify (see above); the later waves were not started. The old control plane still runs: fix what is named and run `kyma-mesh upgrade --canary` again to go on, or go back with `kyma-mesh upgrade --rollback`",
            s.waves.len(),
            s.planned_waves,
            if wave.is_empty() { "every namespace".to_string() } else { wave }
        )));
    }
    done.needs_a_hand.push(format!(
        "canary: `kyma-mesh upgrade --finish` removes Istio {from_version}"
    ));
    Ok(done.closing(format!(
        "data plane: moved to {} in {}. When satisfied, remove Istio {from_version} with `kyma-mesh upgrade --finish`; to go back, `kyma-mesh upgrade --rollback`",
        i.revision,
        plural(s.waves.len(), "wave", "waves")
    )))
}

fn finish_or_rollback(
    args: &UpgradeArgs,
    global: &GlobalArgs,
    events: &dyn Events,
) -> Result<Done, OpError> {
    let req = canary::Request {
        target: global.target(),
        istioctl: args.istioctl.path.clone(),
        timeout: args.timeout,
        concurrency: args.concurrency.into(),
        pacing: args.pacing.pacing(),
    };
    if args.finish {
        let s = super::block_on(async { Ok(canary::finish(&req, events).await?) })?;
        return Ok(Done::default().closing(format!(
            "canary finished in {}: Istio {} (revision {}) removed; Istio {} (revision {}) is the only control plane",
            fmt_duration(s.elapsed),
            s.state.from_version,
            s.state.from_revision,
            s.state.to_version,
            s.state.to_revision
        )));
    }
    let s = super::block_on(async { Ok(canary::rollback(&req, events).await?) })?;
    let mut done = Done::default();
    if let Some(r) = &s.reset {
        add_reset(&mut done, r);
    }
    if !s.removed {
        return Ok(done.fail(format!(
            "the default tag and {} are back on Istio {} (revision {}), but some workloads did not move back (see above), so revision {} stays installed. Fix what is named, then run `kyma-mesh upgrade --rollback` again",
            plural(s.gateways, "gateway", "gateways"),
            s.state.from_version,
            s.state.from_revision,
            s.state.to_revision
        )));
    }
    Ok(done.closing(format!(
        "rolled back in {}: Istio {} (revision {}) injects again, {} restored, Istio {} (revision {}) removed",
        fmt_duration(s.elapsed),
        s.state.from_version,
        s.state.from_revision,
        plural(s.gateways, "gateway", "gateways"),
        s.state.to_version,
        s.state.to_revision
    )))
}
