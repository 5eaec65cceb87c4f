//! Pacing (README "proxy-reset", "Paced restarts"): the cluster-wide cap on pods made
//! unavailable by the run, the PodDisruptionBudgets that gate a workload, the deadline for
//! new restarts, and the dry run's forecast of rounds. [`Gates`] is the scheduler's state;
//! `act::execute` drives it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::selector;
use super::{Plan, WorkloadAction, WorkloadPlan};
use crate::cluster::Cluster;
use crate::cluster::disruption::{self, Budget};
use crate::cluster::workloads::{WorkloadKind, WorkloadObject};
use crate::names::KYMA_SYSTEM;

/// `--max-unavailable`: a number of pods, or a percentage of the meshed pods the scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxUnavailable {
    Pods(usize),
    Percent(u8),
}

impl Default for MaxUnavailable {
    /// A tenth of the mesh: nine pods in ten keep serving while the rest move.
    fn default() -> Self {
        MaxUnavailable::Percent(10)
    }
}

impl MaxUnavailable {
    /// `N` or `N%` (1 to 100).
    pub fn parse(s: &str) -> Result<MaxUnavailable, String> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            match p.parse::<u8>() {
                Ok(n @ 1..=100) => Ok(MaxUnavailable::Percent(n)),
                _ => Err(format!(
                    "{s:?} is not a percentage from 1% to 100% (or a number of pods such as 5)"
                )),
            }
        } else {
            match s.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(MaxUnavailable::Pods(n)),
                _ => Err(format!(
                    "{s:?} is not a number of pods (1 or more) or a percentage such as 10%"
                )),
            }
        }
    }

    /// Pods, for a mesh of `meshed` pods: a percentage rounds up, and is at least 1.
    pub fn resolve(self, meshed: usize) -> usize {
        match self {
            MaxUnavailable::Pods(n) => n.max(1),
            MaxUnavailable::Percent(p) => (meshed * usize::from(p)).div_ceil(100).max(1),
        }
    }
}

impl fmt::Display for MaxUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxUnavailable::Pods(n) => write!(f, "{n}"),
            MaxUnavailable::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// The pacing flags, as `proxy-reset`, `upgrade` and the canary's waves take them.
#[derive(Debug, Clone, Default)]
pub struct Pacing {
    pub max_unavailable: MaxUnavailable,
    /// `--until` / `--for`: no restart starts after this time.
    pub until: Option<jiff::Timestamp>,
}

/// A workload's share of the cap: the pods its restart may have not ready at once. A rolling
/// Deployment under Kubernetes' default strategy (maxSurge 25% rounded up, maxUnavailable
/// 25% rounded down); a StatefulSet or DaemonSet rolls one pod at a time, as do deleted pods.
pub fn cost(w: &WorkloadPlan) -> usize {
    let n = w.pods.len().max(1);
    match (w.action, w.workload.kind) {
        (WorkloadAction::Rollout, WorkloadKind::Deployment) => (n.div_ceil(4) + n / 4).clamp(1, n),
        _ => 1,
    }
}

/// The budgets (indices into `budgets`) that select the workload's pods.
pub fn guarding(budgets: &[Budget], w: &WorkloadPlan) -> Vec<usize> {
    budgets
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            b.namespace == w.workload.namespace
                && !b.selector.is_null()
                && selector::matches(&b.selector, &w.labels)
        })
        .map(|(i, _)| i)
        .collect()
}

/// A rollout of the workload's template is under way (whatever changed it): its old pods
/// will be replaced without another restart.
pub fn rolling(wl: &WorkloadObject, kind: WorkloadKind) -> bool {
    let s = &wl.status;
    if s.observed_generation < wl.metadata.generation {
        return true;
    }
    match kind {
        WorkloadKind::Deployment => s.updated_replicas < s.replicas,
        WorkloadKind::StatefulSet => {
            !s.update_revision.is_empty() && s.current_revision != s.update_revision
        }
        WorkloadKind::DaemonSet => s.updated_number_scheduled < s.desired_number_scheduled,
        _ => false,
    }
}

/// What one pass of [`Gates::admit`] decided.
pub struct Admitted {
    /// To start now.
    pub started: Vec<usize>,
    /// Newly held back by a budget, with the reason.
    pub deferred: Vec<(usize, String)>,
    /// Something waits for a share of the cap, or for a budget another restart in flight
    /// uses: the rollouts in flight are worth reading.
    pub read_rollouts: bool,
    /// Something waits for a budget's status: worth looking at again in a while.
    pub recheck: bool,
}

/// The scheduler's bookkeeping: what is in flight, its share of the cap, which budgets are in
/// use, and why each waiting workload waits.
pub struct Gates<'a> {
    plan: &'a Plan,
    budgets: Vec<Budget>,
    /// Budgets per workload (plan index).
    guards: Vec<Vec<usize>>,
    /// The listed status of a budget is still the latest this run knows.
    listed: Vec<bool>,
    concurrency: usize,
    pub cap: usize,
    /// Plan indices not started yet, in the plan's order.
    pub pending: Vec<usize>,
    in_flight: BTreeSet<usize>,
    /// Those whose start (the patch, or the pod deletions) is still running: `concurrency`.
    starting: BTreeSet<usize>,
    reserved: usize,
    /// Budget -> the workload in flight under it.
    users: BTreeMap<usize, usize>,
    /// Why a pending workload waits (the latest reason), and whether it waits for another
    /// restart in flight under the same budget.
    pub deferred: BTreeMap<usize, (String, bool)>,
}

impl<'a> Gates<'a> {
    pub fn new(plan: &'a Plan, budgets: Vec<Budget>, concurrency: usize, cap: usize) -> Self {
        let guards = plan
            .workloads
            .iter()
            .map(|w| guarding(&budgets, w))
            .collect();
        Gates {
            plan,
            listed: vec![true; budgets.len()],
            budgets,
            guards,
            concurrency: concurrency.max(1),
            cap: cap.max(1),
            pending: (0..plan.workloads.len()).collect(),
            in_flight: BTreeSet::new(),
            starting: BTreeSet::new(),
            reserved: 0,
            users: BTreeMap::new(),
            deferred: BTreeMap::new(),
        }
    }

    /// The workloads that may start now, in order: kyma-system's before any other (all of
    /// them started first), at most `concurrency` starting at once, within the cap (a workload alone may exceed it), one per
    /// budget at a time, none while a budget that guards it allows no disruption.
    pub async fn admit(&mut self, cluster: &Cluster) -> Admitted {
        let mut admitted = Vec::new();
        let mut newly = Vec::new();
        let mut held = false;
        let mut i = 0;
        while i < self.pending.len() {
            let idx = self.pending[i];
            let w = &self.plan.workloads[idx];
            if self.starting.len() >= self.concurrency {
                break;
            }
            let kyma_busy = self
                .starting
                .iter()
                .any(|&f| self.plan.workloads[f].workload.namespace == KYMA_SYSTEM);
            // A start finishing frees this one, not a rollout: nothing to read meanwhile.
            if w.workload.namespace != KYMA_SYSTEM && kyma_busy {
                break;
            }
            if let Some((why, busy)) = self.gate(cluster, idx).await {
                if self.deferred.get(&idx).map(|(w, _)| w) != Some(&why) {
                    newly.push((idx, why.clone()));
                }
                self.deferred.insert(idx, (why, busy));
                i += 1;
                continue;
            }
            let c = cost(w);
            if !self.in_flight.is_empty() && self.reserved + c > self.cap {
                held = true;
                break;
            }
            self.pending.remove(i);
            self.deferred.remove(&idx);
            self.in_flight.insert(idx);
            self.starting.insert(idx);
            self.reserved += c;
            for &b in &self.guards[idx] {
                self.users.insert(b, idx);
                self.listed[b] = false;
            }
            admitted.push(idx);
        }
        Admitted {
            started: admitted,
            deferred: newly,
            read_rollouts: held || self.deferred.values().any(|(_, busy)| *busy),
            recheck: !self.deferred.is_empty(),
        }
    }

    /// Why workload `idx` may not start now, if it may not, and whether that is another
    /// restart in flight under the same budget.
    async fn gate(&mut self, cluster: &Cluster, idx: usize) -> Option<(String, bool)> {
        for b in self.guards[idx].clone() {
            if let Some(&other) = self.users.get(&b) {
                let why = format!(
                    "PodDisruptionBudget {} also guards {}, whose restart is in progress",
                    self.budgets[b].id(),
                    self.plan.workloads[other].workload
                );
                return Some((why, true));
            }
            if !self.listed[b] {
                let (ns, name) = (
                    self.budgets[b].namespace.clone(),
                    self.budgets[b].name.clone(),
                );
                match disruption::get(cluster, &ns, &name).await {
                    Ok(Some(fresh)) => self.budgets[b] = fresh,
                    Ok(None) => continue,
                    Err(e) => {
                        return Some((
                            format!("reading PodDisruptionBudget {ns}/{name}: {e}"),
                            false,
                        ));
                    }
                }
            }
            self.listed[b] = false;
            if let Some(why) = self.budgets[b].blocks() {
                return Some((why, false));
            }
        }
        None
    }

    /// Workload `idx`'s start is over: another may start (its share stays taken).
    pub fn started(&mut self, idx: usize) {
        self.starting.remove(&idx);
    }

    /// Workload `idx` is over (its pods ready again, or it failed): its share is free.
    pub fn release(&mut self, idx: usize) {
        self.starting.remove(&idx);
        if self.in_flight.remove(&idx) {
            self.reserved -= cost(&self.plan.workloads[idx]);
            self.users.retain(|_, w| *w != idx);
        }
    }
}

/// The dry run's pacing: each workload's round, the budgets that gate it, and those a budget
/// holds back now.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Forecast {
    /// `--max-unavailable` resolved to pods.
    pub max_unavailable: usize,
    pub concurrency: usize,
    /// Rounds expected if every restart takes as long as the others and no budget holds one
    /// back; deferred workloads come after them.
    pub rounds: usize,
    /// Per plan workload, in the plan's order.
    pub workloads: Vec<Forecasted>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Forecasted {
    /// 1-based; `None` when a budget holds it back now.
    pub round: Option<usize>,
    /// Its share of the cap.
    pub cost: usize,
    /// `namespace/name` of each PodDisruptionBudget that selects its pods.
    pub budgets: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deferred: Option<String>,
}

/// Simulates the scheduler round by round with the budgets as listed now.
pub fn forecast(plan: &Plan, budgets: &[Budget], concurrency: usize, cap: usize) -> Forecast {
    let concurrency = concurrency.max(1);
    let cap = cap.max(1);
    let mut out: Vec<Forecasted> = plan
        .workloads
        .iter()
        .map(|w| {
            let guards = guarding(budgets, w);
            Forecasted {
                round: None,
                cost: cost(w),
                budgets: guards.iter().map(|&b| budgets[b].id()).collect(),
                deferred: guards.iter().find_map(|&b| budgets[b].blocks()),
            }
        })
        .collect();
    let mut left: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].deferred.is_none())
        .collect();
    let mut round = 0;
    while !left.is_empty() {
        round += 1;
        let (mut n, mut reserved, mut used, mut kyma) = (0, 0, BTreeSet::new(), false);
        let mut i = 0;
        while i < left.len() && n < concurrency {
            let idx = left[i];
            let w = &plan.workloads[idx];
            let in_kyma = w.workload.namespace == KYMA_SYSTEM;
            if !in_kyma && kyma {
                break;
            }
            let guards = &out[idx].budgets;
            if guards.iter().any(|b| used.contains(b)) {
                i += 1;
                continue;
            }
            if n > 0 && reserved + out[idx].cost > cap {
                break;
            }
            kyma |= in_kyma;
            n += 1;
            reserved += out[idx].cost;
            used.extend(guards.iter().cloned());
            out[idx].round = Some(round);
            left.remove(i);
        }
    }
    Forecast {
        max_unavailable: cap,
        concurrency,
        rounds: round,
        workloads: out,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::cluster::workloads::Workload;
    use crate::ops::proxy_reset::{Counts, Expected};

    #[test]
    fn max_unavailable_takes_pods_or_a_percentage_of_the_mesh() {
        assert_eq!(MaxUnavailable::parse("3"), Ok(MaxUnavailable::Pods(3)));
        assert_eq!(
            MaxUnavailable::parse("25%"),
            Ok(MaxUnavailable::Percent(25))
        );
        for bad in ["0", "0%", "101%", "-1", "x", "", "5 %"] {
            assert!(MaxUnavailable::parse(bad).is_err(), "{bad}");
        }
        // Rounded up, at least one pod.
        assert_eq!(MaxUnavailable::Percent(10).resolve(1703), 171);
        assert_eq!(MaxUnavailable::Percent(10).resolve(0), 1);
        assert_eq!(MaxUnavailable::Percent(10).resolve(5), 1);
        assert_eq!(MaxUnavailable::Pods(7).resolve(0), 7);
        assert_eq!(MaxUnavailable::default().to_string(), "10%");
    }

    fn wp(
        kind: WorkloadKind,
        ns: &str,
        name: &str,
        pods: usize,
        labels: &[(&str, &str)],
    ) -> WorkloadPlan {
        WorkloadPlan {
            workload: Workload::new(kind, ns, name),
            action: WorkloadAction::Rollout,
            pods: (0..pods)
                .map(|i| (format!("{name}-{i}"), format!("uid-{name}-{i}")))
                .collect(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            newest_pod: 0,
        }
    }

    #[test]
    fn a_deployments_share_is_its_default_surge_and_unavailable() {
        let d = |n| cost(&wp(WorkloadKind::Deployment, "a", "d", n, &[]));
        assert_eq!([d(1), d(3), d(4), d(10), d(100)], [1, 1, 2, 5, 50]);
        assert_eq!(cost(&wp(WorkloadKind::StatefulSet, "a", "s", 10, &[])), 1);
        assert_eq!(cost(&wp(WorkloadKind::DaemonSet, "a", "s", 50, &[])), 1);
    }

    fn budget(ns: &str, name: &str, selector: serde_json::Value, allowed: i64) -> Budget {
        Budget {
            namespace: ns.into(),
            name: name.into(),
            selector,
            disruptions_allowed: allowed,
            current_healthy: 2,
            desired_healthy: 2 - allowed,
            expected_pods: 2,
            stale: false,
        }
    }

    #[test]
    fn budgets_select_by_namespace_and_labels_and_say_why_they_block() {
        let w = wp(
            WorkloadKind::Deployment,
            "shop",
            "web",
            2,
            &[("app", "web")],
        );
        let budgets = [
            budget("shop", "web", json!({"matchLabels": {"app": "web"}}), 1),
            budget("other", "web", json!({"matchLabels": {"app": "web"}}), 1),
            budget("shop", "none", serde_json::Value::Null, 1),
            budget("shop", "all", json!({}), 0),
            budget("shop", "api", json!({"matchLabels": {"app": "api"}}), 1),
        ];
        assert_eq!(guarding(&budgets, &w), [0, 3]);
        assert_eq!(budgets[0].blocks(), None);
        assert_eq!(
            budgets[3].blocks().as_deref(),
            Some(
                "PodDisruptionBudget shop/all allows no disruption now (2 of 2 pods healthy, 2 required)"
            )
        );
        let mut unhealthy = budgets[0].clone();
        unhealthy.current_healthy = 1;
        assert!(
            unhealthy
                .blocks()
                .unwrap()
                .contains("not all ready (1 of 2 healthy)")
        );
    }

    #[test]
    fn the_forecast_keeps_kyma_system_first_one_per_budget_and_the_cap() {
        let plan = Plan {
            expected: Expected::parse("hub/pilot:1.28.0").unwrap(),
            restarted_at: String::new(),
            workloads: vec![
                wp(WorkloadKind::Deployment, "kyma-system", "k", 1, &[]),
                wp(WorkloadKind::Deployment, "shop", "a", 1, &[("tier", "db")]),
                wp(WorkloadKind::Deployment, "shop", "b", 1, &[("tier", "db")]),
                wp(WorkloadKind::Deployment, "shop", "c", 1, &[]),
                wp(WorkloadKind::Deployment, "shop", "big", 8, &[]),
                wp(
                    WorkloadKind::Deployment,
                    "shop",
                    "held",
                    1,
                    &[("app", "held")],
                ),
            ],
            pods: vec![],
            counts: Counts::default(),
        };
        let budgets = [
            budget("shop", "db", json!({"matchLabels": {"tier": "db"}}), 1),
            budget("shop", "held", json!({"matchLabels": {"app": "held"}}), 0),
        ];
        let f = forecast(&plan, &budgets, 3, 3);
        let rounds: Vec<Option<usize>> = f.workloads.iter().map(|w| w.round).collect();
        // k alone (kyma-system first); a and c (b shares a's budget); b; big (share 4 > 3,
        // alone); held is deferred.
        assert_eq!(rounds, [Some(1), Some(2), Some(3), Some(2), Some(4), None]);
        assert_eq!(f.rounds, 4);
        assert!(f.workloads[5].deferred.is_some());
        assert_eq!(f.workloads[1].budgets, ["shop/db"]);
    }

    #[test]
    fn a_rollout_under_way_is_told_from_a_settled_workload() {
        let obj = |v: serde_json::Value| -> WorkloadObject { serde_json::from_value(v).unwrap() };
        let settled = obj(json!({"metadata": {"generation": 2},
            "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3}}));
        assert!(!rolling(&settled, WorkloadKind::Deployment));
        let surging = obj(json!({"metadata": {"generation": 2},
            "status": {"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1}}));
        assert!(rolling(&surging, WorkloadKind::Deployment));
        let unseen = obj(json!({"metadata": {"generation": 3},
            "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3}}));
        assert!(rolling(&unseen, WorkloadKind::Deployment));
        let sts = obj(json!({"metadata": {"generation": 1},
            "status": {"observedGeneration": 1, "currentRevision": "a", "updateRevision": "b"}}));
        assert!(rolling(&sts, WorkloadKind::StatefulSet));
        let ds = obj(json!({"metadata": {"generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 2}}));
        assert!(rolling(&ds, WorkloadKind::DaemonSet));
    }
}
