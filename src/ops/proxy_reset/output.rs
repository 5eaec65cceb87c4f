//! The JSON shape of `proxy-reset --output json` (README "proxy-reset": stable; fields are only
//! ever added). `upgrade --output json` embeds the same document.

use std::collections::BTreeMap;

use serde::Serialize;

use super::act::{Outcome, ResetReport, StillOutdated, Verification};
use super::pace::{Forecast, Forecasted};
use super::{Counts, ManualOwner, Plan, Problem, Workload};

pub const API_VERSION: &str = "kyma-mesh.kyma-project.io/v1alpha1";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document<'a> {
    pub api_version: &'static str,
    /// `ProxyResetPlan` (dry run) or `ProxyResetResult`.
    pub kind: &'static str,
    pub istio_version: String,
    pub expected_image: String,
    pub restarted_at: String,
    pub summary: Summary,
    /// Every pod that is outdated or missing a sidecar, in scan order.
    pub pods: PodsOut<'a>,
    /// Every workload kyma-mesh restarts (or restarted), `kyma-system` first.
    pub workloads: Vec<WorkloadOut>,
    /// What kyma-mesh does not restart, one entry per owner (a Job, a CronJob, an unknown
    /// owner; bare pods one entry per namespace), each with one command.
    pub manual: Vec<ManualOut>,
    /// After `--wait`: pods still outdated, each with the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_outdated: Option<Vec<StillOutdated>>,
    /// After `--wait`: the counts of the second scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_wait: Option<Counts>,
    /// After `--wait`: workloads whose controller removed `restartedAt` again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverted: Option<Vec<Workload>>,
    /// How the restarts are (or were) paced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pacing: Option<PacingOut>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PacingOut {
    /// `--max-unavailable` in pods.
    pub max_unavailable: usize,
    /// In a plan: `--concurrency` and the rounds expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<usize>,
    /// In a result: why no more restarts started (the deadline, `--timeout`), when work was
    /// left; `null` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Option<String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    #[serde(flatten)]
    pub counts: Counts,
    /// Pods per action (`rollout`, `delete-pod`, `restart-manually`, `skip`).
    pub actions: BTreeMap<&'static str, usize>,
    pub workloads: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarted: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_outdated: Option<usize>,
    /// In a result: workloads a PodDisruptionBudget held back, and those the deadline left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deferred: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_started: Option<usize>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodOut {
    pub namespace: String,
    pub name: String,
    pub problem: Problem,
    /// `null` when the sidecar is missing.
    pub current_image: Option<String>,
    pub expected_image: String,
    /// `Kind/name`, the pod first: `["Pod/orders-7c9-x", "ReplicaSet/orders-7c9", "Deployment/orders"]`.
    pub owner_chain: Vec<String>,
    /// `rollout`, `delete-pod`, `restart-manually` or `skip`.
    pub action: &'static str,
    /// What kyma-mesh restarts for this pod (rollout and delete-pod).
    pub workload: Option<Workload>,
    /// Why this action (OnDelete, no owner, bare pod, opt-out, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `restart-manually`: what to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadOut {
    #[serde(flatten)]
    pub workload: Workload,
    /// `rollout` or `delete-pods`.
    pub action: &'static str,
    /// The outdated pods it restarts.
    pub pods: Vec<String>,
    /// `restarted`, `already-restarting`, `failed`, `deferred` or `not-started` (absent in a
    /// plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `deferred`, `not-started`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `already-restarting`: the earlier restart's `restartedAt`, waited for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarted_at: Option<String>,
    /// In a plan: its round, its budgets, and why a budget holds it back now.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub pacing: Option<Forecasted>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualOut {
    /// `namespace`, `kind` (`Job`, `CronJob`, an unknown kind, `Pod` for bare pods), `name`
    /// (absent for bare pods), `apiVersion`.
    #[serde(flatten)]
    pub owner: ManualOwner,
    pub pod_count: usize,
    /// The pods' names, sorted.
    pub pods: Vec<String>,
    pub reason: String,
    /// One command for all of them.
    pub command: String,
}

/// The plan's pods, each turned into its [`PodOut`] as it is written: at 50,000 pods the
/// document held 12,477 of them at once, each a copy of its finding.
pub struct PodsOut<'a>(&'a Plan);

impl Serialize for PodsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.pods.iter().map(|p| pod_out(self.0, p)))
    }
}

impl std::fmt::Debug for PodsOut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} pods", self.0.pods.len())
    }
}

/// One pod of the plan, as the document shows it.
fn pod_out(plan: &Plan, p: &super::PodFinding) -> PodOut {
    let (reason, command) = match &p.target {
        super::Target::Rollout { .. } => (None, None),
        super::Target::DeletePod { why, .. } | super::Target::Skip { why } => {
            (Some(why.clone()), None)
        }
        super::Target::RestartManually { why, command, .. } => {
            (Some(why.clone()), Some(command.clone()))
        }
    };
    PodOut {
        namespace: p.namespace.clone(),
        name: p.name.clone(),
        problem: p.problem,
        current_image: p.current_image.clone(),
        expected_image: plan.expected.image.clone(),
        owner_chain: p
            .owner_chain
            .iter()
            .map(|l| format!("{}/{}", l.kind, l.name))
            .collect(),
        action: p.target.action_name(),
        workload: p.target.workload().cloned(),
        reason,
        command,
    }
}

/// Each planned workload, with how its restart ended when it was tried, or its pacing in a
/// plan.
fn workload_outs(
    plan: &Plan,
    report: Option<&ResetReport>,
    forecast: Option<&Forecast>,
) -> Vec<WorkloadOut> {
    let outcomes: BTreeMap<&Workload, &Outcome> = report
        .map(|r| {
            r.outcomes
                .iter()
                .map(|o| (&o.workload, &o.outcome))
                .collect()
        })
        .unwrap_or_default();
    plan.workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let outcome = outcomes.get(&w.workload);
            let (error, reason, restarted_at) = match outcome {
                Some(Outcome::Failed { error }) => (Some(error.clone()), None, None),
                Some(Outcome::Deferred { reason } | Outcome::NotStarted { reason }) => {
                    (None, Some(reason.clone()), None)
                }
                Some(Outcome::AlreadyRestarting { restarted_at }) => {
                    (None, None, Some(restarted_at.clone()))
                }
                _ => (None, None, None),
            };
            WorkloadOut {
                workload: w.workload.clone(),
                action: w.action.name(),
                pods: w.pods.iter().map(|(n, _)| n.clone()).collect(),
                result: outcome.map(|o| o.name()),
                error,
                reason,
                restarted_at,
                pacing: forecast.and_then(|f| f.workloads.get(i).cloned()),
            }
        })
        .collect()
}

fn pacing_out(report: Option<&ResetReport>, forecast: Option<&Forecast>) -> Option<PacingOut> {
    if let Some(f) = forecast {
        return Some(PacingOut {
            max_unavailable: f.max_unavailable,
            concurrency: Some(f.concurrency),
            rounds: Some(f.rounds),
            stopped: None,
        });
    }
    report
        .filter(|r| !r.outcomes.is_empty())
        .map(|r| PacingOut {
            max_unavailable: r.max_unavailable,
            concurrency: None,
            rounds: None,
            stopped: Some(r.stopped.clone()),
        })
}

/// The plan alone (`--dry-run`), or with the result and the verification.
pub fn document<'a>(
    plan: &'a Plan,
    report: Option<&ResetReport>,
    verification: Option<&Verification>,
    forecast: Option<&Forecast>,
) -> Document<'a> {
    let mut actions = BTreeMap::new();
    for a in ["rollout", "delete-pod", "restart-manually", "skip"] {
        actions.insert(a, 0);
    }
    for p in &plan.pods {
        *actions.entry(p.target.action_name()).or_insert(0) += 1;
    }
    let pods = PodsOut(plan);
    let workloads = workload_outs(plan, report, forecast);
    let count = |name: &str| {
        report.map(|r| {
            r.outcomes
                .iter()
                .filter(|o| o.outcome.name() == name)
                .count()
        })
    };
    Document {
        api_version: API_VERSION,
        kind: if report.is_some() {
            "ProxyResetResult"
        } else {
            "ProxyResetPlan"
        },
        istio_version: plan.expected.version.clone(),
        expected_image: plan.expected.image.clone(),
        restarted_at: plan.restarted_at.clone(),
        summary: Summary {
            counts: plan.counts.clone(),
            actions,
            workloads: plan.workloads.len(),
            restarted: report.map(|r| r.restarted()),
            failed: report.map(|r| r.failed().count()),
            still_outdated: verification.map(|v| v.still_outdated.len()),
            deferred: count("deferred"),
            not_started: count("not-started"),
        },
        pods,
        workloads,
        manual: plan
            .manual_groups()
            .into_iter()
            .map(|g| ManualOut {
                owner: g.owner,
                pod_count: g.pods.len(),
                pods: g.pods,
                reason: g.why,
                command: g.command,
            })
            .collect(),
        still_outdated: verification.map(|v| v.still_outdated.clone()),
        after_wait: verification.map(|v| v.rescan.counts.clone()),
        reverted: verification.map(|v| v.reverted.clone()),
        pacing: pacing_out(report, forecast),
    }
}
