//! Restarting the workloads of a set of pods: each owning Deployment, StatefulSet or DaemonSet
//! once, by a rollout restart; pods nothing can roll out are named for a manual restart.
//! (The minimal form of proxy-reset's machinery, used by `injection --restart` and `uninstall`.)

use std::collections::{BTreeMap, HashMap};

use crate::cluster::pods::{OwnerReference, Pod};
use crate::cluster::workloads::{self, PodOwner, Workload};
use crate::cluster::{Cluster, ClusterError, record};
use crate::ops::events::Events;

/// Which workloads to restart for which pods.
#[derive(Debug, Clone, Default)]
pub struct RestartPlan {
    /// Each workload once, with the pods (`ns/name`) it re-creates.
    pub workloads: BTreeMap<Workload, Vec<String>>,
    /// Pods (`ns/name`) nothing rolls out, with their owner chain.
    pub manual: Vec<(String, String)>,
}

impl RestartPlan {
    pub fn is_empty(&self) -> bool {
        self.workloads.is_empty() && self.manual.is_empty()
    }

    pub fn pod_count(&self) -> usize {
        self.workloads.values().map(Vec::len).sum::<usize>() + self.manual.len()
    }

    /// One line per workload and per manual pod, for messages and dry runs.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .workloads
            .iter()
            .map(|(w, pods)| format!("{w} ({})", pods.join(", ")))
            .collect();
        out.extend(self.manual.iter().map(|(pod, why)| {
            format!(
                "pod {pod}: {why}, restart it by hand (kubectl delete pod -n {})",
                pod.replacen('/', " ", 1)
            )
        }));
        out
    }
}

/// Resolves the owners of `pods` (in lists, or a few GETs: `cluster::owners`).
pub async fn plan(cluster: &Cluster, pods: &[&Pod]) -> Result<RestartPlan, ClusterError> {
    let owners = workloads::pod_owners(cluster, pods).await?;
    let mut plan = RestartPlan::default();
    for (pod, owner) in pods.iter().zip(owners) {
        let name = workloads::pod_name(pod);
        match owner {
            PodOwner::Workload(w) => plan.workloads.entry(w).or_default().push(name),
            PodOwner::Manual(why) => plan.manual.push((name, why)),
        }
    }
    Ok(plan)
}

/// Pods gathered for a plan while a scan passes: of each only its name and its controller
/// (pods of one controller share one entry), so a plan over every pod of a cluster does not
/// hold the pods.
#[derive(Debug, Default)]
pub struct PodGroups {
    /// A hash of (namespace, controller) -> its place in `groups`.
    index: HashMap<u64, usize>,
    groups: Vec<Group>,
}

#[derive(Debug)]
struct Group {
    namespace: String,
    /// The controller's apiVersion, kind and name; `None` for a bare pod.
    owner: Option<(String, String, String)>,
    /// `ns/name` of each pod.
    pods: Vec<String>,
}

impl PodGroups {
    pub fn add(&mut self, pod: &Pod) {
        use std::hash::{Hash, Hasher};
        let m = &pod.metadata;
        let owner = m.controller().map(|o| (&o.api_version, &o.kind, &o.name));
        let mut h = std::hash::DefaultHasher::new();
        (&m.namespace, owner).hash(&mut h);
        let i = *self.index.entry(h.finish()).or_insert_with(|| {
            self.groups.push(Group {
                namespace: m.namespace.clone(),
                owner: owner.map(|(a, k, n)| (a.clone(), k.clone(), n.clone())),
                pods: Vec::new(),
            });
            self.groups.len() - 1
        });
        self.groups[i].pods.push(workloads::pod_name(pod));
    }

    /// As [`plan`] of all the pods added: one owner lookup per controller, the pods of each
    /// workload and the manual ones by namespace and name.
    pub async fn plan(self, cluster: &Cluster) -> Result<RestartPlan, ClusterError> {
        drop(self.index);
        // One stand-in pod per controller: what the owner lookup reads of a pod.
        let owners = {
            let stand_ins: Vec<Pod> = self.groups.iter().map(Group::stand_in).collect();
            let refs: Vec<&Pod> = stand_ins.iter().collect();
            workloads::pod_owners(cluster, &refs).await?
        };
        let mut plan = RestartPlan::default();
        for (owner, group) in owners.into_iter().zip(self.groups) {
            match owner {
                PodOwner::Workload(w) => plan.workloads.entry(w).or_default().extend(group.pods),
                PodOwner::Manual(why) => {
                    let pods = group.pods.into_iter();
                    plan.manual.extend(pods.map(|p| (p, why.clone())));
                }
            }
        }
        // As the pods were listed: by namespace, then name.
        let key = |pod: &String| -> (String, String) {
            let (ns, name) = pod.split_once('/').unwrap_or((pod, ""));
            (ns.to_string(), name.to_string())
        };
        for pods in plan.workloads.values_mut() {
            pods.sort_by_cached_key(key);
        }
        plan.manual.sort_by_cached_key(|(pod, _)| key(pod));
        Ok(plan)
    }
}

impl Group {
    fn stand_in(&self) -> Pod {
        let mut p = Pod::default();
        p.metadata.namespace = self.namespace.clone();
        if let Some((api_version, kind, name)) = &self.owner {
            p.metadata.owner_references = vec![OwnerReference {
                api_version: api_version.clone(),
                kind: kind.clone(),
                name: name.clone(),
                controller: Some(true),
                ..OwnerReference::default()
            }];
        }
        p
    }
}

/// Restarts every workload of the plan; stops at the first failure, naming what was restarted.
pub async fn restart(
    cluster: &Cluster,
    plan: &RestartPlan,
    events: &dyn Events,
) -> Result<Vec<Workload>, RestartFailed> {
    let at = record::restart_stamp();
    let mut done = Vec::new();
    for w in plan.workloads.keys() {
        let step = events.step(format!("rollout restart of {w}"));
        match workloads::restart(cluster, w, &at).await {
            Ok(()) => {
                step.ok("requested");
                done.push(w.clone());
            }
            Err(source) => {
                step.fail("failed");
                return Err(RestartFailed {
                    workload: w.clone(),
                    done,
                    error: source,
                });
            }
        }
    }
    Ok(done)
}

/// The cluster error names the workload and the API's answer; this adds what was done.
#[derive(Debug, thiserror::Error)]
#[error("{error}{}", already(.done))]
pub struct RestartFailed {
    pub workload: Workload,
    pub done: Vec<Workload>,
    pub error: ClusterError,
}

impl RestartFailed {
    /// The restart step and what it had done, for a message that adds the error itself.
    pub fn step(&self) -> String {
        format!("rollout restarts{}", already(&self.done))
    }
}

fn already(done: &[Workload]) -> String {
    if done.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = done.iter().map(ToString::to_string).collect();
        format!(" (already restarted: {})", names.join(", "))
    }
}
