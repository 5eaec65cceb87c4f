//! `proxy-reset`'s text on stdout: the plan, then (after a run) what happened.

use std::fmt::Write;

use crate::ops::proxy_reset::run::RunResult;
use crate::ops::proxy_reset::{Outcome, PodFinding, Target, WorkloadPlan};
use crate::util::text::plural;

fn chain(p: &PodFinding) -> String {
    p.owner_chain
        .iter()
        .map(|l| format!("{}/{}", l.kind, l.name))
        .collect::<Vec<_>>()
        .join(" <- ")
}

/// In a plan: `round 2  `, or `deferred ` when a budget holds it back now.
fn round(r: &RunResult, w: &WorkloadPlan) -> String {
    let Some(f) = r
        .forecast
        .as_ref()
        .and_then(|f| f.workloads.get(index(r, w)))
    else {
        return String::new();
    };
    match f.round {
        Some(n) => format!("round {n:<3} "),
        None => "deferred  ".to_string(),
    }
}

fn index(r: &RunResult, w: &WorkloadPlan) -> usize {
    r.plan
        .workloads
        .iter()
        .position(|p| p.workload == w.workload)
        .unwrap_or(usize::MAX)
}

/// In a plan: the PodDisruptionBudgets that gate the workload, and what holds it back now.
fn gates(out: &mut String, r: &RunResult, w: &WorkloadPlan) {
    let Some(f) = r
        .forecast
        .as_ref()
        .and_then(|f| f.workloads.get(index(r, w)))
    else {
        return;
    };
    if !f.budgets.is_empty() {
        let _ = writeln!(
            out,
            "            gated by PodDisruptionBudget {}",
            f.budgets.join(", ")
        );
    }
    if let Some(why) = &f.deferred {
        let _ = writeln!(out, "            held back now: {why}");
    }
}

/// The pacing in a sentence: the plan's rounds, or why a run stopped.
fn pacing(out: &mut String, r: &RunResult) {
    if let Some(f) = &r.forecast {
        let deferred = f.workloads.iter().filter(|w| w.round.is_none()).count();
        let _ = writeln!(
            out,
            "Pacing: {} expected ({} at a time, at most {} not ready at once){}",
            plural(f.rounds, "round", "rounds"),
            f.concurrency,
            plural(f.max_unavailable, "pod", "pods"),
            if deferred > 0 {
                format!(
                    "; {} held back by a PodDisruptionBudget now, tried again as it allows",
                    plural(deferred, "workload", "workloads")
                )
            } else {
                String::new()
            }
        );
    }
    if let Some(rep) = &r.report
        && let Some(why) = &rep.stopped
    {
        let _ = writeln!(
            out,
            "\nStopped: {why}; {} left. Run the same command again to continue: nothing is restarted twice.",
            plural(rep.left().count(), "workload", "workloads")
        );
    }
}

pub fn text(r: &RunResult) -> String {
    let plan = &r.plan;
    let c = &plan.counts;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Expected sidecar: {} (Istio {})",
        plan.expected.image, plan.expected.version
    );
    let _ = writeln!(
        out,
        "Pods: {} scanned, {} with a sidecar, {} current, {} outdated, {} missing a sidecar, {} with a custom proxy image, {} not ready (left alone)",
        c.scanned,
        c.meshed,
        c.current,
        c.outdated,
        c.missing_sidecar,
        c.custom_proxy_image,
        c.not_ready
    );
    let outcome = |w| {
        r.report
            .as_ref()
            .and_then(|rep| rep.outcomes.iter().find(|o| &o.workload == w))
            .map(|o| &o.outcome)
    };
    if !plan.workloads.is_empty() {
        let verb = if r.report.is_some() {
            "Restarted"
        } else {
            "To restart"
        };
        let _ = writeln!(out, "\n{verb} ({} workloads):", plan.workloads.len());
        for w in &plan.workloads {
            let how = match w.action {
                crate::ops::proxy_reset::WorkloadAction::Rollout => "rollout restart".to_string(),
                crate::ops::proxy_reset::WorkloadAction::DeletePods => {
                    "delete pods one at a time".to_string()
                }
            };
            let result = match outcome(&w.workload) {
                Some(Outcome::Restarted) => " √".to_string(),
                Some(Outcome::AlreadyRestarting { restarted_at }) => format!(
                    " √ (restarted at {restarted_at} by an earlier run: waited for, not restarted again)"
                ),
                Some(Outcome::Failed { error }) => format!(" × FAILED: {error}"),
                Some(Outcome::Deferred { reason }) => format!(" ‼ DEFERRED: {reason}"),
                Some(Outcome::NotStarted { reason }) => format!(" ‼ NOT STARTED: {reason}"),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "  {}{} ({how}, {} outdated pods){result}",
                round(r, w),
                w.workload,
                w.pods.len()
            );
            gates(&mut out, r, w);
        }
        pacing(&mut out, r);
    }
    // One entry per owner, not per pod: a large cluster has hundreds of Job pods.
    let manual = plan.manual_groups();
    if !manual.is_empty() {
        let pods: usize = manual.iter().map(|g| g.pods.len()).sum();
        let _ = writeln!(
            out,
            "\nRestart manually ({}, {}):",
            plural(pods, "pod", "pods"),
            plural(manual.len(), "owner", "owners")
        );
        for g in &manual {
            let _ = writeln!(
                out,
                "  {} ({}): {}",
                g.owner,
                plural(g.pods.len(), "pod", "pods"),
                g.why
            );
            let _ = writeln!(out, "    {}", g.command);
        }
    }
    let skipped: Vec<_> = plan.skipped().collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nSkipped ({} pods):", skipped.len());
        for p in skipped {
            if let Target::Skip { why } = &p.target {
                let _ = writeln!(out, "  {}/{} ({}): {why}", p.namespace, p.name, chain(p));
            }
        }
    }
    if let Some(v) = &r.verification {
        for w in &v.reverted {
            let _ = writeln!(
                out,
                "\n{w}: its controller removed the {} again; restart it through that controller",
                w.kind.restart_mark()
            );
        }
        for (w, why) in &v.unfinished {
            let _ = writeln!(out, "\n{w}: the rollout did not finish in time ({why})");
        }
        if v.still_outdated.is_empty() {
            let _ = writeln!(
                out,
                "\nVerified: no restarted workload has an outdated pod."
            );
        } else {
            let _ = writeln!(out, "\nStill outdated ({} pods):", v.still_outdated.len());
            for s in &v.still_outdated {
                let _ = writeln!(out, "  {}/{}: {}", s.namespace, s.name, s.why);
            }
        }
    }
    if plan.workloads.is_empty() && plan.manual().count() == 0 {
        let _ = writeln!(out, "\nNothing to restart.");
    } else if r.report.is_none() {
        let _ = writeln!(out, "\nDry run: nothing was changed.");
    }
    out
}
