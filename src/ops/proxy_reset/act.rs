//! Act and verify: each planned workload restarted once, with bounded concurrency, and what is
//! still outdated afterwards named with the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use tokio::time::Instant;

use super::scan::{ScanOptions, scan_for};
use super::{Plan, ProxyResetError, ScanReport, WorkloadAction, WorkloadPlan};
use crate::cluster::pods::{self, Deleted};
use crate::cluster::workloads::{self, Workload, WorkloadKind};
use crate::cluster::{Cluster, ClusterError};
use crate::names::KYMA_SYSTEM;

#[derive(Debug, Clone)]
pub struct ActOptions {
    /// Workloads restarted at once.
    pub concurrency: usize,
    /// Deadline for the waits (each OnDelete replacement, and `verify`).
    pub deadline: Instant,
}

/// How one workload's restart ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum Outcome {
    Restarted,
    /// The API's answer (or what was waited for in vain).
    Failed {
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadOutcome {
    pub workload: Workload,
    pub action: WorkloadAction,
    pub pods: usize,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default)]
pub struct ResetReport {
    /// In the plan's order.
    pub outcomes: Vec<WorkloadOutcome>,
    pub elapsed: Duration,
}

impl ResetReport {
    pub fn failed(&self) -> impl Iterator<Item = &WorkloadOutcome> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Failed { .. }))
    }

    pub fn restarted(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.outcome == Outcome::Restarted)
            .count()
    }
}

/// Restarts every workload of the plan once: `kyma-system` first (all of it, then the rest),
/// at most `concurrency` at a time. A failure is recorded and the others go on.
pub async fn execute(
    cluster: &Cluster,
    plan: &Plan,
    opts: &ActOptions,
    on_done: &(dyn Fn(&WorkloadOutcome) + Sync),
) -> ResetReport {
    let started = std::time::Instant::now();
    let (kyma, rest): (Vec<&WorkloadPlan>, Vec<&WorkloadPlan>) = plan
        .workloads
        .iter()
        .partition(|w| w.workload.namespace == KYMA_SYSTEM);
    let mut outcomes = Vec::with_capacity(plan.workloads.len());
    for group in [kyma, rest] {
        let done: Vec<(usize, WorkloadOutcome)> =
            futures::stream::iter(group.into_iter().enumerate())
                .map(|(i, w)| async move {
                    let outcome = match act_one(cluster, w, &plan.restarted_at, opts.deadline).await
                    {
                        Ok(()) => Outcome::Restarted,
                        Err(e) => Outcome::Failed {
                            error: e.to_string(),
                        },
                    };
                    let o = WorkloadOutcome {
                        workload: w.workload.clone(),
                        action: w.action,
                        pods: w.pods.len(),
                        outcome,
                    };
                    on_done(&o);
                    (i, o)
                })
                .buffer_unordered(opts.concurrency.max(1))
                .collect()
                .await;
        let mut done = done;
        done.sort_by_key(|(i, _)| *i);
        outcomes.extend(done.into_iter().map(|(_, o)| o));
    }
    ResetReport {
        outcomes,
        elapsed: started.elapsed(),
    }
}

/// Why one workload's restart failed; the report keeps its text per workload.
#[derive(Debug, thiserror::Error)]
enum ActError {
    #[error("{0}")]
    Restart(ClusterError),
    #[error("{0}")]
    DeletePod(ClusterError),
    #[error("{0} was deleted while its pods were restarted")]
    WorkloadDeleted(String),
    #[error(
        "deleted pod {namespace}/{name}, but its replacement was not ready before the timeout ({last}); the remaining pods were left alone"
    )]
    NotReplaced {
        namespace: String,
        name: String,
        last: String,
    },
}

async fn act_one(
    cluster: &Cluster,
    w: &WorkloadPlan,
    restarted_at: &str,
    deadline: Instant,
) -> Result<(), ActError> {
    let r = &w.workload;
    match w.action {
        WorkloadAction::Rollout => workloads::restart(cluster, r, restarted_at)
            .await
            .map_err(ActError::Restart),
        WorkloadAction::DeletePods => {
            // One at a time: the next pod goes only when the previous one's replacement is
            // ready, so the workload never loses more than one pod to the reset.
            for (name, uid) in &w.pods {
                match pods::delete_pod(cluster, &r.namespace, name, uid).await {
                    Ok(Deleted::Deleted) => wait_replaced(cluster, r, name, uid, deadline).await?,
                    Ok(Deleted::AlreadyGone) => {}
                    Err(e) => return Err(ActError::DeletePod(e)),
                }
            }
            Ok(())
        }
    }
}

/// Polls with a growing pause: kube-sim answers at once, a real controller takes seconds.
async fn pause(attempt: &mut u32) {
    let ms = (100u64 << (*attempt).min(4)).min(2000);
    *attempt += 1;
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Waits until pod `name` (uid `uid`) is gone and its workload has every pod ready again (for
/// a StatefulSet: the new pod of the same name is up).
async fn wait_replaced(
    cluster: &Cluster,
    w: &Workload,
    name: &str,
    uid: &str,
    deadline: Instant,
) -> Result<(), ActError> {
    let mut attempt = 0;
    let mut last = String::from("not checked yet");
    loop {
        let pod = pods::get_pod(cluster, &w.namespace, name).await;
        let gone = match &pod {
            Ok(Some(p)) if p.metadata.uid == uid => {
                last = "the deleted pod is still terminating".into();
                false
            }
            // A StatefulSet's replacement has the same name.
            Ok(Some(p))
                if matches!(
                    w.kind,
                    WorkloadKind::StatefulSet | WorkloadKind::AdvancedStatefulSet
                ) && !p.is_healthy() =>
            {
                last = format!("its replacement {name} is not ready");
                false
            }
            Ok(_) => true,
            Err(e) => {
                last = e.to_string();
                false
            }
        };
        if gone {
            match workloads::get(cluster, w).await {
                Ok(Some(wl)) if wl.all_ready(w.kind) => return Ok(()),
                Ok(Some(wl)) => last = wl.progress(w.kind),
                Ok(None) => return Err(ActError::WorkloadDeleted(w.to_string())),
                Err(e) => last = e.to_string(),
            }
        }
        if Instant::now() >= deadline {
            return Err(ActError::NotReplaced {
                namespace: w.namespace.clone(),
                name: name.to_string(),
                last,
            });
        }
        pause(&mut attempt).await;
    }
}

/// A pod still outdated after the reset, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StillOutdated {
    pub namespace: String,
    pub name: String,
    pub current_image: Option<String>,
    pub workload: Option<Workload>,
    pub why: String,
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub still_outdated: Vec<StillOutdated>,
    /// Rollouts that did not finish before the deadline, with the controller's numbers.
    pub unfinished: Vec<(Workload, String)>,
    pub reverted: Vec<Workload>,
    pub rescan: ScanReport,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.still_outdated.is_empty() && self.unfinished.is_empty() && self.reverted.is_empty()
    }
}

/// Waits for every restarted rollout to finish (until `deadline`), checks the `restartedAt`
/// annotation is still there, re-scans, and names every pod still outdated with the reason.
pub async fn verify(
    cluster: &Cluster,
    plan: &Plan,
    report: &ResetReport,
    scan_opts: &ScanOptions,
    concurrency: usize,
    deadline: Instant,
) -> Result<Verification, ProxyResetError> {
    let (unfinished, reverted) = wait_rollouts(cluster, plan, report, concurrency, deadline).await;
    let failed: BTreeMap<&Workload, &str> = report
        .outcomes
        .iter()
        .filter_map(|o| match &o.outcome {
            Outcome::Failed { error } => Some((&o.workload, error.as_str())),
            _ => None,
        })
        .collect();
    // The pods of rollouts that finished: a rescan that still shows one is looked at again.
    let restarted_uids: BTreeSet<&str> = plan
        .workloads
        .iter()
        .filter(|w| w.action == WorkloadAction::Rollout)
        .filter(|w| !reverted.contains(&w.workload) && !failed.contains_key(&w.workload))
        .filter(|w| !unfinished.iter().any(|(u, _)| u == &w.workload))
        .flat_map(|w| w.pods.iter().map(|(_, uid)| uid.as_str()))
        .collect();
    let rescan = rescan(cluster, plan, scan_opts, &restarted_uids, deadline).await?;
    let after = After {
        plan,
        failed,
        reverted: &reverted,
        unfinished: &unfinished,
    };
    let still = rescan
        .pods
        .iter()
        .filter_map(|p| {
            // Manual and skipped pods are in the plan's own lists.
            let w = p.target.workload()?;
            Some(StillOutdated {
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                current_image: p.current_image.clone(),
                workload: Some(w.clone()),
                why: after.why(w, p.current_image.as_deref()),
            })
        })
        .collect();
    Ok(Verification {
        still_outdated: still,
        unfinished,
        reverted: reverted.into_iter().collect(),
        rescan,
    })
}

/// Waits for the rollouts that were requested: those that did not finish in time (with the
/// controller's numbers) and those whose `restartedAt` was taken away again.
async fn wait_rollouts(
    cluster: &Cluster,
    plan: &Plan,
    report: &ResetReport,
    concurrency: usize,
    deadline: Instant,
) -> (Vec<(Workload, String)>, BTreeSet<Workload>) {
    let rollouts: Vec<&Workload> = report
        .outcomes
        .iter()
        .filter(|o| o.action == WorkloadAction::Rollout && o.outcome == Outcome::Restarted)
        .map(|o| &o.workload)
        .collect();
    let waited: Vec<(Workload, Waited)> = futures::stream::iter(rollouts)
        .map(|w| async move {
            (
                w.clone(),
                wait_rollout(cluster, w, &plan.restarted_at, deadline).await,
            )
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut unfinished = Vec::new();
    let mut reverted = BTreeSet::new();
    for (w, r) in waited {
        match r {
            Waited::Done => {}
            Waited::Reverted => {
                reverted.insert(w);
            }
            Waited::Unfinished(why) => unfinished.push((w, why)),
        }
    }
    unfinished.sort();
    (unfinished, reverted)
}

/// Scans again. A finished rollout can still show an old pod for a moment (its deletion is
/// graceful, or the old ReplicaSet is scaled down after the new one is available): while a
/// pod the plan restarted is still there and the deadline allows, look again rather than
/// blame the injector.
async fn rescan(
    cluster: &Cluster,
    plan: &Plan,
    scan_opts: &ScanOptions,
    restarted_uids: &BTreeSet<&str>,
    deadline: Instant,
) -> Result<ScanReport, ProxyResetError> {
    let mut rescan = scan_for(cluster, scan_opts, plan.expected.clone()).await?;
    // Bounded: a pod that stays is reported, not waited for until the deadline.
    let patience = deadline.min(Instant::now() + Duration::from_secs(10));
    while Instant::now() < patience
        && rescan
            .pods
            .iter()
            .any(|p| restarted_uids.contains(p.uid.as_str()))
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
        rescan = scan_for(cluster, scan_opts, plan.expected.clone()).await?;
    }
    Ok(rescan)
}

/// What the act phase did, to say why a pod is still outdated.
struct After<'a> {
    plan: &'a Plan,
    failed: BTreeMap<&'a Workload, &'a str>,
    reverted: &'a BTreeSet<Workload>,
    unfinished: &'a [(Workload, String)],
}

impl After<'_> {
    fn why(&self, w: &Workload, current_image: Option<&str>) -> String {
        if let Some(e) = self.failed.get(w) {
            format!("restarting {w} failed: {e}")
        } else if self.reverted.contains(w) {
            format!(
                "{w}'s controller removed the {} again, undoing the restart: restart it through that controller",
                w.kind.restart_mark()
            )
        } else if let Some((_, why)) = self.unfinished.iter().find(|(u, _)| u == w) {
            format!("the rollout of {w} did not finish in time: {why}")
        } else if self.plan.workloads.iter().any(|p| &p.workload == w) {
            match current_image {
                Some(image) => format!(
                    "{w} was restarted, but its new pod still runs {image}: is the sidecar injector on {}? (kubectl get mutatingwebhookconfigurations; istiod's logs)",
                    self.plan.expected.version
                ),
                None => format!(
                    "{w} was restarted, but its new pod still has no sidecar: check the namespace's injection label and the injector webhook"
                ),
            }
        } else {
            format!("{w} was not in the plan: its pod appeared during the run")
        }
    }
}

enum Waited {
    Done,
    Reverted,
    Unfinished(String),
}

async fn wait_rollout(
    cluster: &Cluster,
    w: &Workload,
    restarted_at: &str,
    deadline: Instant,
) -> Waited {
    let mut attempt = 0;
    loop {
        let last = match workloads::get(cluster, w).await {
            Ok(Some(wl)) => {
                if !wl.carries_restart(w.kind, restarted_at) {
                    return Waited::Reverted;
                }
                if wl.rollout_complete(w.kind) {
                    return Waited::Done;
                }
                wl.progress(w.kind)
            }
            Ok(None) => "it was deleted".to_string(),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Waited::Unfinished(last);
        }
        pause(&mut attempt).await;
    }
}
