//! `proxy-reset`'s text on stdout: the plan, then (after a run) what happened.

use std::fmt::Write;

use crate::ops::proxy_reset::run::RunResult;
use crate::ops::proxy_reset::{Outcome, PodFinding, Target};
use crate::util::text::plural;

fn chain(p: &PodFinding) -> String {
    p.owner_chain
        .iter()
        .map(|l| format!("{}/{}", l.kind, l.name))
        .collect::<Vec<_>>()
        .join(" <- ")
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
                Some(Outcome::Failed { error }) => format!(" × FAILED: {error}"),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "  {} ({how}, {} outdated pods){result}",
                w.workload,
                w.pods.len()
            );
        }
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
