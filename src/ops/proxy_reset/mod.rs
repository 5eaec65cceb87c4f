//! `proxy-reset`: find the pods whose sidecar is not the installed Istio's, restart their
//! workloads once each, and verify (README "proxy-reset"; Kyma's Service Mesh
//! troubleshooting guide, "Incompatible Istio sidecar version after Kyma upgrade").
//!
//! The API: [`scan`] -> [`ScanReport`]; [`plan`] -> [`Plan`]; [`execute`] -> [`ResetReport`];
//! [`verify`] -> [`Verification`], in that order in [`run`] (which `proxy-reset`, `upgrade`
//! and the canary's waves call); the canary also scans alone. [`output`] turns them into the
//! documented JSON shape.

mod act;
mod image;
pub mod output;
pub mod pace;
pub mod run;
mod scan;
mod selector;

pub use act::{
    ActOptions, Outcome, Progress, ResetReport, Verification, WorkloadOutcome, execute, verify,
};
pub use image::Expected;
pub use scan::{ScanOptions, ScanReport, scan};

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cluster::ClusterError;
use crate::cluster::workloads::{Workload, WorkloadKind};
use crate::names::KYMA_SYSTEM;

#[derive(Debug, thiserror::Error)]
pub enum ProxyResetError {
    #[error(
        "istiod is not installed (no Deployment istio-system/istiod, nor one of a revision): there is no Istio version to compare sidecars with; install Istio first with 'kyma-mesh install'"
    )]
    NoIstiod,
    #[error(
        "cannot tell the Istio version from istiod's image {image:?} (expected <hub>/pilot:<version>)"
    )]
    IstiodImage { image: String },
    #[error("reading istiod's image: {0}")]
    Istiod(ClusterError),
    #[error("scanning pods: {0}")]
    List(ClusterError),
    #[error("reading the injector's configuration for --missing-sidecars: {0}")]
    Injection(ClusterError),
    #[error("reading the PodDisruptionBudgets that pace the restarts: {0}")]
    Budgets(ClusterError),
}

/// One link of a pod's owner chain (`ReplicaSet/orders-5d9`, `Rollout/orders`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerLink {
    pub kind: String,
    pub name: String,
}

/// Why a pod is in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// Its sidecar is not the expected image.
    Outdated,
    /// It should have a sidecar and has none (`--missing-sidecars`).
    MissingSidecar,
}

/// What restarts a pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
pub enum Target {
    /// Patch the workload's template (`kubectl rollout restart`); a Rollout's `spec.restartAt`.
    Rollout { workload: Workload },
    /// Delete the pod and let the workload replace it: OnDelete StatefulSets and DaemonSets,
    /// ReplicaSets and ReplicationControllers without an owner, OpenKruise workloads that update
    /// in place. One pod at a time.
    DeletePod { workload: Workload, why: String },
    /// Nothing kyma-mesh may restart: a Job, a CronJob, a bare pod, an unknown owner kind.
    RestartManually {
        why: String,
        command: String,
        /// What the manual list groups it under (boxed: the other targets are smaller).
        #[serde(skip)]
        owner: Box<ManualOwner>,
    },
    /// Left alone on purpose (opt-out, excluded namespace), or its owner could not be read.
    Skip { why: String },
}

impl Target {
    pub fn workload(&self) -> Option<&Workload> {
        match self {
            Target::Rollout { workload } | Target::DeletePod { workload, .. } => Some(workload),
            _ => None,
        }
    }

    pub fn action_name(&self) -> &'static str {
        match self {
            Target::Rollout { .. } => "rollout",
            Target::DeletePod { .. } => "delete-pod",
            Target::RestartManually { .. } => "restart-manually",
            Target::Skip { .. } => "skip",
        }
    }
}

/// Who restarts a pod kyma-mesh does not: the owner the user acts on (a Job, a Job's CronJob,
/// an owner of a kind kyma-mesh does not know), or for bare pods their namespace. The manual
/// list has one entry per `ManualOwner`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManualOwner {
    pub namespace: String,
    /// `Job`, `CronJob`, the unknown owner's kind, or `Pod` for bare pods.
    pub kind: String,
    /// The owner's name; absent for bare pods (one entry per namespace).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The owner's `apiVersion` (an unknown kind's says whose controller it is).
    pub api_version: String,
}

impl ManualOwner {
    pub fn bare_pods(namespace: &str) -> ManualOwner {
        ManualOwner {
            namespace: namespace.to_string(),
            kind: "Pod".into(),
            name: None,
            api_version: "v1".into(),
        }
    }
}

impl std::fmt::Display for ManualOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} {}/{}", self.kind, self.namespace, name),
            None => write!(f, "bare pods in {}", self.namespace),
        }
    }
}

/// One entry of the manual list: an owner, its pods, why kyma-mesh leaves them, and the one
/// command that restarts them.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualGroup {
    pub owner: ManualOwner,
    /// Pod names, sorted.
    pub pods: Vec<String>,
    pub why: String,
    pub command: String,
}

impl ManualGroup {
    fn new(owner: ManualOwner, mut pods: Vec<String>) -> ManualGroup {
        pods.sort();
        let ns = &owner.namespace;
        let delete = format!("kubectl delete pod -n {ns} {}", pods.join(" "));
        let (why, command) = match (owner.kind.as_str(), &owner.name) {
            (_, None) => (
                "bare pods: no controller re-creates them".to_string(),
                format!("{delete}, then create them again from their manifests"),
            ),
            ("Job", Some(_)) if owner.api_version.starts_with("batch/") => (
                "a Job's pods: restarting them runs the Job's work again".to_string(),
                format!(
                    "{delete} (the Job starts replacements, counted against its backoffLimit), or let the Job finish"
                ),
            ),
            ("CronJob", Some(_)) if owner.api_version.starts_with("batch/") => (
                "pods of a CronJob's Jobs: its next run gets the new sidecar".to_string(),
                format!(
                    "wait for its next run, or {delete} (each Job starts a replacement, counted against its backoffLimit)"
                ),
            ),
            (kind, Some(name)) => (
                format!(
                    "owned by {kind} {name} ({}), which kyma-mesh does not restart",
                    owner.api_version
                ),
                format!(
                    "restart {kind} {ns}/{name} as its controller documents, or {delete} if it re-creates its pods"
                ),
            ),
        };
        ManualGroup {
            owner,
            pods,
            why,
            command,
        }
    }
}

/// A pod that needs (or was refused) a restart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodFinding {
    pub namespace: String,
    pub name: String,
    #[serde(skip)]
    pub uid: String,
    pub problem: Problem,
    /// The sidecar's image; `None` for a missing sidecar.
    pub current_image: Option<String>,
    /// Pod first (`Pod/x`), then each owner up the chain.
    pub owner_chain: Vec<OwnerLink>,
    pub target: Target,
    /// The owner lookup failed: the scan is incomplete (exit 1).
    #[serde(skip)]
    pub lookup_failed: bool,
    /// Its `creationTimestamp`, seconds since the epoch.
    #[serde(skip)]
    pub created: i64,
}

/// Counts of one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Pods listed (in scope).
    pub scanned: usize,
    /// Pods with a sidecar.
    pub meshed: usize,
    /// Meshed pods on the expected image.
    pub current: usize,
    pub outdated: usize,
    pub missing_sidecar: usize,
    /// Pods with `sidecar.istio.io/proxyImage`: skipped, they chose their proxy.
    pub custom_proxy_image: usize,
    /// Meshed pods not Running with every condition True, or being deleted: not touched.
    pub not_ready: usize,
    /// Outdated pods in an `--exclude-namespace` namespace.
    pub excluded: usize,
    /// Outdated pods opted out by annotation (on the pod or its workload).
    pub opted_out: usize,
    /// List restarts after an expired continue token.
    pub relists: usize,
    pub pages: usize,
}

/// The restart plan: one entry per workload (each restarted once), `kyma-system` first.
#[derive(Debug, Clone)]
pub struct Plan {
    pub expected: Expected,
    /// The one `restartedAt` time of this run.
    pub restarted_at: String,
    pub workloads: Vec<WorkloadPlan>,
    /// Every pod of the scan, with its target.
    pub pods: Vec<PodFinding>,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadPlan {
    pub workload: Workload,
    pub action: WorkloadAction,
    /// The pods it restarts: `(name, uid)`.
    pub pods: Vec<(String, String)>,
    /// One of its pods' labels: which PodDisruptionBudgets guard it.
    pub labels: BTreeMap<String, String>,
    /// The newest of those pods' `creationTimestamp` (seconds since the epoch): a restart
    /// after it replaces them all.
    pub newest_pod: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadAction {
    Rollout,
    /// Delete the listed pods one at a time, each after the previous one's replacement is ready.
    DeletePods,
}

impl WorkloadAction {
    pub fn name(self) -> &'static str {
        match self {
            WorkloadAction::Rollout => "rollout",
            WorkloadAction::DeletePods => "delete-pods",
        }
    }
}

/// Groups the scan's pods by workload: each workload once, `kyma-system` first (Kyma's own
/// components before the users'), then by namespace and name.
pub fn plan(scan: ScanReport, restarted_at: String) -> Plan {
    #[allow(clippy::type_complexity)]
    let mut groups: BTreeMap<(bool, String, String, WorkloadKind), WorkloadPlan> = BTreeMap::new();
    for p in &scan.pods {
        let (action, w) = match &p.target {
            Target::Rollout { workload } => (WorkloadAction::Rollout, workload),
            Target::DeletePod { workload, .. } => (WorkloadAction::DeletePods, workload),
            _ => continue,
        };
        let key = (
            w.namespace != KYMA_SYSTEM,
            w.namespace.clone(),
            w.name.clone(),
            w.kind,
        );
        let entry = groups.entry(key).or_insert_with(|| WorkloadPlan {
            workload: w.clone(),
            action,
            pods: Vec::new(),
            labels: scan.labels.get(w).cloned().unwrap_or_default(),
            newest_pod: 0,
        });
        entry.newest_pod = entry.newest_pod.max(p.created);
        entry.pods.push((p.name.clone(), p.uid.clone()));
    }
    Plan {
        expected: scan.expected,
        restarted_at,
        workloads: groups.into_values().collect(),
        pods: scan.pods,
        counts: scan.counts,
    }
}

impl Plan {
    pub fn manual(&self) -> impl Iterator<Item = &PodFinding> {
        self.pods
            .iter()
            .filter(|p| matches!(p.target, Target::RestartManually { .. }))
    }

    /// The manual list: one entry per owner (bare pods: per namespace), `kyma-system` first,
    /// then by namespace, kind and name.
    pub fn manual_groups(&self) -> Vec<ManualGroup> {
        let mut groups: BTreeMap<(bool, ManualOwner), Vec<String>> = BTreeMap::new();
        for p in &self.pods {
            if let Target::RestartManually { owner, .. } = &p.target {
                groups
                    .entry((owner.namespace != KYMA_SYSTEM, (**owner).clone()))
                    .or_default()
                    .push(p.name.clone());
            }
        }
        groups
            .into_iter()
            .map(|((_, owner), pods)| ManualGroup::new(owner, pods))
            .collect()
    }

    pub fn skipped(&self) -> impl Iterator<Item = &PodFinding> {
        self.pods
            .iter()
            .filter(|p| matches!(p.target, Target::Skip { .. }))
    }

    /// Owner lookups that failed: the plan is incomplete.
    pub fn lookup_failures(&self) -> usize {
        self.pods.iter().filter(|p| p.lookup_failed).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(ns: &str, pod: &str, target: Target) -> PodFinding {
        PodFinding {
            namespace: ns.into(),
            name: pod.into(),
            uid: format!("uid-{pod}"),
            problem: Problem::Outdated,
            current_image: Some("old".into()),
            owner_chain: vec![],
            target,
            lookup_failed: false,
            created: 0,
        }
    }

    fn w(kind: WorkloadKind, ns: &str, name: &str) -> Workload {
        Workload::new(kind, ns, name)
    }

    #[test]
    fn the_plan_has_each_workload_once_and_kyma_system_first() {
        let d = w(WorkloadKind::Deployment, "shop", "orders");
        let k = w(WorkloadKind::Deployment, "kyma-system", "eventing");
        let s = w(WorkloadKind::StatefulSet, "a-first", "db");
        let scan = ScanReport {
            expected: Expected::parse("hub/pilot:1.28.0").unwrap(),
            pods: vec![
                finding(
                    "shop",
                    "orders-1",
                    Target::Rollout {
                        workload: d.clone(),
                    },
                ),
                finding(
                    "shop",
                    "orders-2",
                    Target::Rollout {
                        workload: d.clone(),
                    },
                ),
                finding(
                    "a-first",
                    "db-0",
                    Target::DeletePod {
                        workload: s.clone(),
                        why: "OnDelete".into(),
                    },
                ),
                finding(
                    "a-first",
                    "db-1",
                    Target::DeletePod {
                        workload: s.clone(),
                        why: "OnDelete".into(),
                    },
                ),
                finding(
                    "kyma-system",
                    "ev-1",
                    Target::Rollout {
                        workload: k.clone(),
                    },
                ),
                finding(
                    "shop",
                    "bare",
                    Target::RestartManually {
                        why: "bare pod".into(),
                        command: "x".into(),
                        owner: Box::new(ManualOwner::bare_pods("shop")),
                    },
                ),
            ],
            counts: Counts::default(),
            elapsed: std::time::Duration::ZERO,
            labels: Default::default(),
        };
        let p = plan(scan, "2025-01-01T00:00:00Z".into());
        let order: Vec<_> = p.workloads.iter().map(|w| w.workload.to_string()).collect();
        assert_eq!(
            order,
            [
                "Deployment kyma-system/eventing",
                "StatefulSet a-first/db",
                "Deployment shop/orders"
            ]
        );
        assert_eq!(p.workloads[1].action, WorkloadAction::DeletePods);
        assert_eq!(p.workloads[1].pods.len(), 2);
        assert_eq!(p.workloads[2].pods.len(), 2);
        assert_eq!(p.manual().count(), 1);
    }

    fn manual(ns: &str, pod: &str, owner: ManualOwner) -> PodFinding {
        finding(
            ns,
            pod,
            Target::RestartManually {
                why: "w".into(),
                command: "c".into(),
                owner: Box::new(owner),
            },
        )
    }

    #[test]
    fn the_manual_list_has_one_entry_per_owner_with_one_command() {
        let job = |ns: &str, name: &str| ManualOwner {
            namespace: ns.into(),
            kind: "Job".into(),
            name: Some(name.into()),
            api_version: "batch/v1".into(),
        };
        let mut pods: Vec<PodFinding> = (0..5)
            .map(|i| manual("shop", &format!("import-{i}"), job("shop", "import")))
            .collect();
        pods.push(manual("shop", "b", ManualOwner::bare_pods("shop")));
        pods.push(manual("shop", "a", ManualOwner::bare_pods("shop")));
        pods.push(manual(
            "kyma-system",
            "k",
            ManualOwner::bare_pods("kyma-system"),
        ));
        let scan = ScanReport {
            expected: Expected::parse("hub/pilot:1.28.0").unwrap(),
            pods,
            counts: Counts::default(),
            elapsed: std::time::Duration::ZERO,
            labels: Default::default(),
        };
        let groups = plan(scan, "t".into()).manual_groups();
        let entries: Vec<(String, usize)> = groups
            .iter()
            .map(|g| (g.owner.to_string(), g.pods.len()))
            .collect();
        assert_eq!(
            entries,
            [
                ("bare pods in kyma-system".to_string(), 1),
                ("Job shop/import".to_string(), 5),
                ("bare pods in shop".to_string(), 2),
            ]
        );
        assert!(
            groups[2]
                .command
                .starts_with("kubectl delete pod -n shop a b, then create"),
            "{}",
            groups[2].command
        );
        assert!(
            groups[1]
                .command
                .contains("import-0 import-1 import-2 import-3 import-4 (")
        );
    }
}
