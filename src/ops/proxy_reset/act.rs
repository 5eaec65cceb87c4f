//! Act and verify: each planned workload restarted once, with bounded concurrency, and what is
//! still outdated afterwards named with the reason.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Serialize;
use tokio::time::Instant;

use super::pace::{Gates, rolling};
use super::scan::{ScanOptions, scan_for};
use super::{Plan, ProxyResetError, ScanReport, WorkloadAction, WorkloadPlan};
use crate::cluster::disruption::Budget;
use crate::cluster::pods::{self, Deleted};
use crate::cluster::workloads::{self, Workload, WorkloadKind};
use crate::cluster::{Cluster, ClusterError};

#[derive(Debug, Clone)]
pub struct ActOptions {
    /// Workloads restarted at once.
    pub concurrency: usize,
    /// Deadline for the waits (each OnDelete replacement, each rollout under the cap, and
    /// `verify`); no restart starts after it either.
    pub deadline: Instant,
    /// `--until`/`--for`: no restart starts after it, with what the user said.
    pub start_until: Option<(Instant, String)>,
    /// Pods this run may have not ready at once (`--max-unavailable`, resolved).
    pub max_unavailable: usize,
    /// The PodDisruptionBudgets of the namespaces in scope, listed once for the run.
    pub budgets: Vec<Budget>,
}

/// How one workload's restart ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum Outcome {
    Restarted,
    /// An earlier restart (its `restartedAt`, e.g. by a run that stopped at its deadline) was
    /// still rolling out: waited for, not restarted again.
    AlreadyRestarting {
        restarted_at: String,
    },
    /// The API's answer (or what was waited for in vain).
    Failed {
        error: String,
    },
    /// Never started: a PodDisruptionBudget held it back until the run stopped.
    Deferred {
        reason: String,
    },
    /// Never started: the deadline came first.
    NotStarted {
        reason: String,
    },
}

impl Outcome {
    /// `restarted`, `already-restarting`, `failed`, `deferred` or `not-started`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Restarted => "restarted",
            Outcome::AlreadyRestarting { .. } => "already-restarting",
            Outcome::Failed { .. } => "failed",
            Outcome::Deferred { .. } => "deferred",
            Outcome::NotStarted { .. } => "not-started",
        }
    }

    /// Left for a re-run: deferred or not started.
    pub fn left(&self) -> bool {
        matches!(self, Outcome::Deferred { .. } | Outcome::NotStarted { .. })
    }

    /// The template carries this `restartedAt` once the restart was started.
    fn stamp<'a>(&'a self, run: &'a str) -> Option<&'a str> {
        match self {
            Outcome::Restarted => Some(run),
            Outcome::AlreadyRestarting { restarted_at } => Some(restarted_at),
            _ => None,
        }
    }
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
    /// Why no more restarts started (the deadline, `--timeout`), when work was left.
    pub stopped: Option<String>,
    /// The cap, in pods.
    pub max_unavailable: usize,
}

impl ResetReport {
    pub fn failed(&self) -> impl Iterator<Item = &WorkloadOutcome> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Failed { .. }))
    }

    /// Restarted by this run, or an earlier restart waited for.
    pub fn restarted(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.outcome.stamp("").is_some())
            .count()
    }

    /// Deferred or not started: what a re-run continues with.
    pub fn left(&self) -> impl Iterator<Item = &WorkloadOutcome> {
        self.outcomes.iter().filter(|o| o.outcome.left())
    }
}

/// What the scheduler reports as it goes.
pub struct Progress<'a> {
    pub done: &'a (dyn Fn(&WorkloadOutcome) + Sync),
    /// A workload held back, with the reason (said once per reason).
    pub deferred: &'a (dyn Fn(&Workload, &str) + Sync),
}

/// Restarts every workload of the plan once, paced: `kyma-system` first (all of it, then the
/// rest), at most `concurrency` at a time, never more than the cap's pods not ready because
/// of the run (a rollout holds its share until it is seen complete), none while a
/// PodDisruptionBudget that guards it allows no disruption (deferred, the others go on, it
/// is tried again). No restart starts after the deadline; the started ones finish. A failure
/// is recorded and the others go on. Rollouts are read only while a workload waits for
/// their share (or their budget): a run the cap never holds back sends no read for them.
pub async fn execute(
    cluster: &Cluster,
    plan: &Plan,
    opts: &ActOptions,
    progress: &Progress<'_>,
) -> ResetReport {
    let started = std::time::Instant::now();
    let mut gates = Gates::new(
        plan,
        opts.budgets.clone(),
        opts.concurrency,
        opts.max_unavailable,
    );
    let mut outcomes: Vec<Option<Outcome>> = vec![None; plan.workloads.len()];
    let known = read_ahead(cluster, plan).await;
    let mut starting = FuturesUnordered::new();
    // Rollouts started and not yet seen complete: they hold their share of the cap.
    let mut rolling: Vec<usize> = Vec::new();
    let mut stopped = None;
    let mut attempt = 0;
    loop {
        if stopped.is_none() {
            stopped = stop_reason(opts);
        }
        let (mut read, mut recheck) = (false, false);
        if stopped.is_some() {
            gates.pending.clear();
        } else {
            let admitted = gates.admit(cluster).await;
            (read, recheck) = (admitted.read_rollouts, admitted.recheck);
            for (idx, why) in admitted.deferred {
                (progress.deferred)(&plan.workloads[idx].workload, &why);
            }
            for idx in admitted.started {
                let w = &plan.workloads[idx];
                let known = &known;
                starting.push(async move { (idx, start_one(cluster, w, plan, opts, known).await) });
            }
        }
        if gates.pending.is_empty() && starting.is_empty() {
            break;
        }
        tokio::select! {
            Some((idx, r)) = starting.next(), if !starting.is_empty() => {
                let (outcome, roll) = started_outcome(r);
                let w = &plan.workloads[idx];
                (progress.done)(&outcome_of(w, outcome.clone()));
                if roll && outcome.stamp("").is_some() {
                    gates.started(idx);
                    rolling.push(idx);
                } else {
                    gates.release(idx);
                }
                outcomes[idx] = Some(outcome);
                if read {
                    // A share may be free now: look at once.
                    attempt = 0;
                }
            }
            _ = look_again(&mut attempt), if read || recheck => {
                if read {
                    release_complete(cluster, plan, opts, &mut rolling, &mut gates).await;
                }
            }
            else => pause(&mut attempt).await,
        }
    }
    let report_outcomes = left_over(plan, outcomes, &gates, stopped.as_deref());
    ResetReport {
        stopped: stopped.filter(|_| report_outcomes.iter().any(|o| o.outcome.left())),
        outcomes: report_outcomes,
        elapsed: started.elapsed(),
        max_unavailable: gates.cap,
    }
}

/// Reads the rollouts that hold a share and frees those complete (or past the deadline, or
/// gone).
async fn release_complete(
    cluster: &Cluster,
    plan: &Plan,
    opts: &ActOptions,
    rolling: &mut Vec<usize>,
    gates: &mut Gates<'_>,
) {
    let past = Instant::now() >= opts.deadline;
    let done: Vec<usize> = futures::stream::iter(rolling.iter().copied())
        .map(|idx| async move {
            let w = &plan.workloads[idx].workload;
            let over = past
                || match workloads::get(cluster, w).await {
                    Ok(Some(wl)) => wl.rollout_complete(w.kind),
                    Ok(None) => true,
                    Err(_) => false,
                };
            over.then_some(idx)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .filter_map(|x| async move { x })
        .collect()
        .await;
    for idx in done {
        gates.release(idx);
        rolling.retain(|&r| r != idx);
    }
}

fn outcome_of(w: &WorkloadPlan, outcome: Outcome) -> WorkloadOutcome {
    WorkloadOutcome {
        workload: w.workload.clone(),
        action: w.action,
        pods: w.pods.len(),
        outcome,
    }
}

/// The deadline or `--timeout` has come: no restart starts any more.
fn stop_reason(opts: &ActOptions) -> Option<String> {
    let now = Instant::now();
    if let Some((until, said)) = &opts.start_until
        && now >= *until
    {
        return Some(format!("the deadline ({said}) came"));
    }
    (now >= opts.deadline).then(|| "--timeout ran out".to_string())
}

/// Each workload's outcome in the plan's order; those never started are deferred (with the
/// budget's reason) or not started (with why the run stopped).
fn left_over(
    plan: &Plan,
    outcomes: Vec<Option<Outcome>>,
    gates: &Gates<'_>,
    stopped: Option<&str>,
) -> Vec<WorkloadOutcome> {
    outcomes
        .into_iter()
        .enumerate()
        .map(|(idx, o)| {
            let outcome = o.unwrap_or_else(|| match gates.deferred.get(&idx) {
                Some((reason, _)) => Outcome::Deferred {
                    reason: format!(
                        "{reason}; {} before it allowed one",
                        stopped.unwrap_or("the run stopped")
                    ),
                },
                None => Outcome::NotStarted {
                    reason: format!("{} before it started", stopped.unwrap_or("the run stopped")),
                },
            });
            outcome_of(&plan.workloads[idx], outcome)
        })
        .collect()
}

/// How a start ended: the outcome, and whether its rollout is to be waited for.
fn started_outcome(r: Result<Started, ActError>) -> (Outcome, bool) {
    match r {
        Ok(Started::Patched) => (Outcome::Restarted, true),
        Ok(Started::Earlier(restarted_at)) => (Outcome::AlreadyRestarting { restarted_at }, true),
        Ok(Started::Replaced) => (Outcome::Restarted, false),
        Err(e) => (
            Outcome::Failed {
                error: e.to_string(),
            },
            false,
        ),
    }
}

enum Started {
    /// The template was patched: the controller rolls the pods.
    Patched,
    /// An earlier restart (this `restartedAt`) is still rolling: not patched again.
    Earlier(String),
    /// Deleted pods, each replacement ready.
    Replaced,
}

async fn start_one(
    cluster: &Cluster,
    w: &WorkloadPlan,
    plan: &Plan,
    opts: &ActOptions,
    known: &Known,
) -> Result<Started, ActError> {
    if w.action == WorkloadAction::Rollout
        && let Some(at) = earlier_restart(cluster, w, plan, known).await?
    {
        return Ok(Started::Earlier(at));
    }
    act_one(cluster, w, &plan.restarted_at, opts.deadline).await?;
    Ok(match w.action {
        WorkloadAction::Rollout => Started::Patched,
        WorkloadAction::DeletePods => Started::Replaced,
    })
}

/// The workloads to roll out, read before the first restart starts.
type Known = HashMap<Workload, workloads::WorkloadObject>;

/// Above this many rollouts of a kind, one paged list of the kind reads them all (a few
/// requests) instead of a GET each before its patch (a request per workload, each a round
/// trip the restart waits for); below, the GETs in flight cost less than a list of every
/// object of the kind.
const FEW: usize = 16;

/// Reads the workloads to roll out, kind by kind, where they are many. A list that fails
/// leaves its workloads to their own GETs.
async fn read_ahead(cluster: &Cluster, plan: &Plan) -> Known {
    let mut by_kind: BTreeMap<WorkloadKind, HashSet<&Workload>> = BTreeMap::new();
    for w in plan
        .workloads
        .iter()
        .filter(|w| w.action == WorkloadAction::Rollout)
    {
        by_kind
            .entry(w.workload.kind)
            .or_default()
            .insert(&w.workload);
    }
    let mut known = Known::new();
    for (kind, wanted) in by_kind.into_iter().filter(|(_, w)| w.len() > FEW) {
        let keep = |w: &Workload| wanted.contains(w);
        if let Ok(found) = workloads::list_objects(cluster, kind, &keep).await {
            known.extend(found);
        }
    }
    known
}

/// A restart of `w` that is already under way or done, so that nothing is restarted twice:
/// its template carries a `restartedAt` that is not this run's, and either that time is in a
/// later second than the newest of the outdated pods was created (`creationTimestamp` has
/// seconds only: that restart replaces them, a run that stopped at its deadline or someone
/// since the scan), or its rollout is still replacing pods. Returns that `restartedAt`.
/// Restarts older than the pods (the pods came after it and are outdated all the same), or
/// in the same second, do not count.
async fn earlier_restart(
    cluster: &Cluster,
    w: &WorkloadPlan,
    plan: &Plan,
    known: &Known,
) -> Result<Option<String>, ActError> {
    let r = &w.workload;
    let read = match known.get(r) {
        Some(o) => Some(o.clone()),
        None => workloads::get(cluster, r).await.map_err(ActError::Read)?,
    };
    let Some(wl) = read else {
        return Err(ActError::WorkloadDeleted(r.to_string()));
    };
    let Some(at) = wl.restarted_at().filter(|at| *at != plan.restarted_at) else {
        return Ok(None);
    };
    let after_pods = at
        .parse::<jiff::Timestamp>()
        .is_ok_and(|t| w.newest_pod > 0 && t.as_second() > w.newest_pod);
    Ok((after_pods || rolling(&wl, r.kind)).then(|| at.to_string()))
}

/// Why one workload's restart failed; the report keeps its text per workload.
#[derive(Debug, thiserror::Error)]
enum ActError {
    #[error("{0}")]
    Restart(ClusterError),
    #[error("{0}")]
    DeletePod(ClusterError),
    #[error("{0}")]
    Read(ClusterError),
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

/// At once the first time (a rollout kube-sim or a fast controller finished is seen without
/// a wait), then as [`pause`].
async fn look_again(attempt: &mut u32) {
    if *attempt == 0 {
        *attempt = 1;
        tokio::task::yield_now().await;
    } else {
        pause(attempt).await;
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
    // Left for a re-run: listed as such, not as still outdated.
    let left: BTreeSet<&Workload> = report.left().map(|o| &o.workload).collect();
    // The pods of rollouts that finished: a rescan that still shows one is looked at again.
    let restarted_uids: BTreeSet<&str> = plan
        .workloads
        .iter()
        .filter(|w| w.action == WorkloadAction::Rollout)
        .filter(|w| !left.contains(&w.workload))
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
            // Manual and skipped pods are in the plan's own lists, left ones in the report.
            let w = p.target.workload().filter(|w| !left.contains(w))?;
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
    let rollouts: Vec<(&Workload, &str)> = report
        .outcomes
        .iter()
        .filter(|o| o.action == WorkloadAction::Rollout)
        .filter_map(|o| Some((&o.workload, o.outcome.stamp(&plan.restarted_at)?)))
        .collect();
    let waited: Vec<(Workload, Waited)> =
        futures::stream::iter(rollouts)
            .map(|(w, stamp)| async move {
                (w.clone(), wait_rollout(cluster, w, stamp, deadline).await)
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
