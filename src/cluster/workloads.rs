//! Workloads: the rollout restart kubectl does (a pod-template annotation), waiting for a
//! rollout to finish, the pods of a namespace and the workload that owns each pod.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::kinds::{DAEMON_SET, DEPLOYMENT, STATEFUL_SET};
use super::{Cluster, ClusterError, Gvk};
use crate::names::{RESTARTED_AT, SIDECAR_STATUS};

/// A workload whose pods can be restarted by changing its template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl WorkloadKind {
    pub fn gvk(self) -> Gvk {
        match self {
            WorkloadKind::Deployment => DEPLOYMENT,
            WorkloadKind::StatefulSet => STATEFUL_SET,
            WorkloadKind::DaemonSet => DAEMON_SET,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// Who restarts a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodOwner {
    Workload(Workload),
    /// Nothing kyma-mesh can roll out (bare pod, Job, ownerless ReplicaSet, ...): the pod must be
    /// deleted or re-created by hand. The text names the owner chain.
    Manual(String),
}

/// Patches the pod template's `restartedAt` annotation, which makes the controller replace the
/// pods one by one under the workload's own rolling-update rules.
pub async fn restart(cluster: &Cluster, w: &Workload, at: &str) -> Result<(), ClusterError> {
    cluster
        .merge_patch(
            &w.kind.gvk(),
            Some(&w.namespace),
            &w.name,
            &restart_patch(at),
        )
        .await
}

pub fn restart_patch(at: &str) -> Value {
    json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}})
}

pub async fn get_deployment(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<Deployment>, ClusterError> {
    let api: Api<Deployment> = Api::namespaced(cluster.client.clone(), namespace);
    api.get_opt(name).await.map_err(ClusterError::api(format!(
        "reading Deployment {namespace}/{name}"
    )))
}

/// A rollout is complete when the controller has seen the latest template, every desired
/// replica runs it and is available, and no pod of an older template is left
/// (`status.replicas` counts old and new pods).
pub fn rollout_complete(d: Option<&Deployment>) -> bool {
    super::readiness::is_available(d)
        && d.and_then(|d| d.status.as_ref()).is_some_and(|status| {
            status.replicas.unwrap_or(0) <= status.updated_replicas.unwrap_or(0)
        })
}

/// Waits until the Deployment's rollout is complete; on timeout says which pods hold it up.
pub async fn wait_rollout(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    deadline: Instant,
) -> Result<(), ClusterError> {
    super::readiness::wait_deployment(
        cluster,
        namespace,
        name,
        rollout_complete,
        "the rollout of ",
        deadline,
    )
    .await
}

/// The pods a Deployment selects, sorted by name.
pub async fn deployment_pods(cluster: &Cluster, d: &Deployment) -> Result<Vec<Pod>, ClusterError> {
    let namespace = d.metadata.namespace.as_deref().unwrap_or("default");
    let selector = d
        .spec
        .selector
        .match_labels
        .as_ref()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(cluster.client.clone(), namespace);
    let mut pods = api
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(ClusterError::api(format!(
            "listing the pods of Deployment {namespace}/{}",
            d.metadata.name.as_deref().unwrap_or("?")
        )))?
        .items;
    pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(pods)
}

/// Every pod of a namespace (or of all), page by page, sorted by namespace and name.
pub async fn list_pods(
    cluster: &Cluster,
    namespace: Option<&str>,
) -> Result<Vec<Pod>, ClusterError> {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(cluster.client.clone(), ns),
        None => Api::all(cluster.client.clone()),
    };
    let mut out = Vec::new();
    let mut params = ListParams::default().limit(500);
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(ClusterError::api("listing pods"))?;
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    out.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(out)
}

/// Whether the pod got Istio's sidecar: the injector's status annotation. (An `istio-proxy`
/// container alone is no sign: gateways run it as their main container.)
pub fn has_sidecar(pod: &Pod) -> bool {
    pod.metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(SIDECAR_STATUS))
}

pub fn pod_name(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or("?"),
        pod.metadata.name.as_deref().unwrap_or("?")
    )
}

/// Resolves pod owners, reading each ReplicaSet once.
#[derive(Default)]
pub struct Owners {
    replica_sets: BTreeMap<(String, String), Option<(String, String)>>,
}

impl Owners {
    /// ReplicaSet of a Deployment -> the Deployment; StatefulSet and DaemonSet -> themselves;
    /// anything else has to be restarted by hand.
    pub async fn of(&mut self, cluster: &Cluster, pod: &Pod) -> Result<PodOwner, ClusterError> {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let Some(owner) = controller(pod.metadata.owner_references.as_deref()) else {
            return Ok(PodOwner::Manual("a bare pod (no owner)".into()));
        };
        let workload = |kind, name: &str| {
            PodOwner::Workload(Workload {
                kind,
                namespace: namespace.clone(),
                name: name.to_string(),
            })
        };
        match owner.0.as_str() {
            "StatefulSet" => Ok(workload(WorkloadKind::StatefulSet, &owner.1)),
            "DaemonSet" => Ok(workload(WorkloadKind::DaemonSet, &owner.1)),
            "ReplicaSet" => {
                let key = (namespace.clone(), owner.1.clone());
                if !self.replica_sets.contains_key(&key) {
                    let api: Api<ReplicaSet> = Api::namespaced(cluster.client.clone(), &namespace);
                    let rs = api
                        .get_opt(&owner.1)
                        .await
                        .map_err(ClusterError::api(format!(
                            "reading ReplicaSet {namespace}/{}",
                            owner.1
                        )))?;
                    let parent =
                        rs.and_then(|rs| controller(rs.metadata.owner_references.as_deref()));
                    self.replica_sets.insert(key.clone(), parent);
                }
                match self.replica_sets.get(&key).cloned().flatten() {
                    Some((kind, name)) if kind == "Deployment" => {
                        Ok(workload(WorkloadKind::Deployment, &name))
                    }
                    Some((kind, name)) => Ok(PodOwner::Manual(format!(
                        "ReplicaSet {} owned by {kind} {name}",
                        owner.1
                    ))),
                    None => Ok(PodOwner::Manual(format!(
                        "ReplicaSet {} without a Deployment",
                        owner.1
                    ))),
                }
            }
            kind => Ok(PodOwner::Manual(format!("{kind} {}", owner.1))),
        }
    }
}

fn controller(
    refs: Option<&[k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference]>,
) -> Option<(String, String)> {
    let refs = refs?;
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or(refs.first())
        .map(|r| (r.kind.clone(), r.name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentSpec, DeploymentStatus};

    fn deployment(
        generation: i64,
        observed: i64,
        replicas: i32,
        updated: i32,
        available: i32,
    ) -> Deployment {
        Deployment {
            metadata: kube::api::ObjectMeta {
                generation: Some(generation),
                ..Default::default()
            },
            spec: DeploymentSpec {
                replicas: Some(2),
                ..Default::default()
            },
            status: Some(DeploymentStatus {
                observed_generation: Some(observed),
                replicas: Some(replicas),
                updated_replicas: Some(updated),
                available_replicas: Some(available),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_rollout_is_complete_only_when_old_pods_are_gone() {
        assert!(rollout_complete(Some(&deployment(3, 3, 2, 2, 2))));
        assert!(
            !rollout_complete(Some(&deployment(3, 2, 2, 2, 2))),
            "not observed yet"
        );
        assert!(
            !rollout_complete(Some(&deployment(3, 3, 4, 2, 2))),
            "old pods left"
        );
        assert!(
            !rollout_complete(Some(&deployment(3, 3, 2, 1, 2))),
            "not all updated"
        );
        assert!(
            !rollout_complete(Some(&deployment(3, 3, 2, 2, 1))),
            "not available"
        );
        assert!(!rollout_complete(None));
    }
}
