//! Workloads: the one model of a workload kyma-mesh restarts or names ([`WorkloadKind`],
//! [`Workload`], and [`WorkloadObject`], a workload read as small as a restart decision
//! needs), the one rollout restart kubectl does (a pod-template annotation), waiting for a
//! rollout to finish, the pods of a namespace and the workload that owns each pod.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::kinds::{
    ADVANCED_STATEFUL_SET, CLONE_SET, CRON_JOB, DAEMON_SET, DEPLOYMENT, JOB, REPLICA_SET,
    REPLICATION_CONTROLLER, ROLLOUT, STATEFUL_SET,
};
use super::owners::{Lookup, OwnerResolver};
use super::pods::{DEFAULT_PAGE_SIZE, Meta, Pod, PodScan};
use super::{Cluster, ClusterError, FIELD_MANAGER, Gvk, ObjectRef};
use crate::names::RESTARTED_AT;

/// The kinds that own pods and that kyma-mesh knows how to restart (or to name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    /// Argo Rollouts' `Rollout` (its pods' ReplicaSets are its own): restarted through
    /// `spec.restartAt`, as `kubectl argo rollouts restart` does.
    Rollout,
    /// OpenKruise's `CloneSet` (apps.kruise.io/v1alpha1).
    CloneSet,
    /// OpenKruise's Advanced StatefulSet (kind `StatefulSet` in apps.kruise.io/v1beta1).
    AdvancedStatefulSet,
}

impl WorkloadKind {
    /// The known kind for an owner reference (`apps/v1` `ReplicaSet`); other groups' kinds of
    /// the same name (an Argo `Rollout`'s are its own kind) are not these.
    pub fn of(api_version: &str, kind: &str) -> Option<WorkloadKind> {
        let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        Some(match (group, kind) {
            ("apps", "Deployment") => WorkloadKind::Deployment,
            ("apps", "StatefulSet") => WorkloadKind::StatefulSet,
            ("apps", "DaemonSet") => WorkloadKind::DaemonSet,
            ("apps", "ReplicaSet") => WorkloadKind::ReplicaSet,
            ("", "ReplicationController") => WorkloadKind::ReplicationController,
            ("batch", "Job") => WorkloadKind::Job,
            ("batch", "CronJob") => WorkloadKind::CronJob,
            ("argoproj.io", "Rollout") => WorkloadKind::Rollout,
            ("apps.kruise.io", "CloneSet") => WorkloadKind::CloneSet,
            ("apps.kruise.io", "StatefulSet") => WorkloadKind::AdvancedStatefulSet,
            _ => return None,
        })
    }

    pub fn gvk(self) -> Gvk {
        match self {
            WorkloadKind::Deployment => DEPLOYMENT,
            WorkloadKind::StatefulSet => STATEFUL_SET,
            WorkloadKind::DaemonSet => DAEMON_SET,
            WorkloadKind::ReplicaSet => REPLICA_SET,
            WorkloadKind::ReplicationController => REPLICATION_CONTROLLER,
            WorkloadKind::Job => JOB,
            WorkloadKind::CronJob => CRON_JOB,
            WorkloadKind::Rollout => ROLLOUT,
            WorkloadKind::CloneSet => CLONE_SET,
            WorkloadKind::AdvancedStatefulSet => ADVANCED_STATEFUL_SET,
        }
    }

    /// The kind as messages name it; Kruise's `StatefulSet` is told apart from Kubernetes' own.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::AdvancedStatefulSet => "AdvancedStatefulSet",
            _ => self.gvk().kind,
        }
    }
}

impl WorkloadKind {
    /// What a restart writes, for messages: `spec.restartAt` or the template annotation.
    pub fn restart_mark(self) -> &'static str {
        match self {
            WorkloadKind::Rollout => "spec.restartAt",
            _ => "restartedAt annotation",
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A workload kyma-mesh acts on (or names): `Deployment shop/orders`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
}

impl Workload {
    pub fn new(kind: WorkloadKind, namespace: &str, name: &str) -> Workload {
        Workload {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    pub fn object(&self) -> ObjectRef {
        self.kind.gvk().object(Some(&self.namespace), &self.name)
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Strategy {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(rename = "rollingUpdate")]
    pub rolling_update: RollingUpdate,
}

impl Strategy {
    /// `OnDelete`, or one of OpenKruise's in-place updates
    /// ([`WorkloadObject::updates_without_recreating`] says why).
    pub fn recreates_no_pod(&self) -> bool {
        let in_place = |t: Option<&str>| matches!(t, Some("InPlaceIfPossible" | "InPlaceOnly"));
        self.type_.as_deref() == Some("OnDelete")
            || in_place(self.type_.as_deref())
            || in_place(self.rolling_update.pod_update_policy.as_deref())
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RollingUpdate {
    /// OpenKruise's Advanced StatefulSet: `ReCreate`, `InPlaceIfPossible` or `InPlaceOnly`.
    pub pod_update_policy: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TemplateMeta {
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Template {
    pub metadata: TemplateMeta,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkloadSpec {
    pub replicas: Option<i64>,
    /// StatefulSet and DaemonSet.
    pub update_strategy: Strategy,
    pub template: Template,
    /// Argo Rollouts: pods created before this time are replaced.
    pub restart_at: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkloadStatus {
    /// A number; Argo Rollouts writes it as a string (a hash before v0.10).
    #[serde(deserialize_with = "generation")]
    pub observed_generation: i64,
    pub replicas: i64,
    pub updated_replicas: i64,
    pub ready_replicas: i64,
    pub available_replicas: i64,
    pub current_revision: String,
    pub update_revision: String,
    pub desired_number_scheduled: i64,
    pub updated_number_scheduled: i64,
    pub number_ready: i64,
    pub number_available: i64,
    /// Argo Rollouts: the `spec.restartAt` whose restart is complete.
    pub restarted_at: Option<String>,
}

/// `observedGeneration` as a number, from a number or a numeric string; a string that is no
/// number (an old Argo Rollouts hash) tells nothing, so it holds no wait up.
fn generation<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(i64::MAX),
        _ => 0,
    })
}

/// A workload object (any of [`WorkloadKind`]) as far as restarting it is concerned, decoded
/// from the API's JSON into these few fields.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct WorkloadObject {
    pub metadata: Meta,
    pub spec: WorkloadSpec,
    pub status: WorkloadStatus,
}

impl WorkloadObject {
    /// A template change re-creates no pod, so only deleting pods gives them a new sidecar:
    /// `OnDelete` (StatefulSet, DaemonSet, Advanced StatefulSet), and OpenKruise's in-place
    /// updates (CloneSet `updateStrategy.type`, Advanced StatefulSet
    /// `rollingUpdate.podUpdatePolicy`: `InPlaceIfPossible` or `InPlaceOnly`). Kruise applies
    /// a change of the template's metadata (a `restartedAt` annotation) to the running pod in
    /// place: the pod keeps its containers, the old sidecar included, and `InPlaceOnly` never
    /// re-creates at all. A deleted pod is re-created from the template by both controllers.
    pub fn updates_without_recreating(&self) -> bool {
        self.spec.update_strategy.recreates_no_pod()
    }

    fn desired(&self) -> i64 {
        self.spec.replicas.unwrap_or(1)
    }

    /// The rollout after a template change is complete: the controller saw the change, every
    /// pod is updated and available, and no old pod is left.
    pub fn rollout_complete(&self, kind: WorkloadKind) -> bool {
        let s = &self.status;
        if s.observed_generation < self.metadata.generation {
            return false;
        }
        match kind {
            WorkloadKind::Rollout => {
                // Argo sets `status.restartedAt` once every pod is newer than `restartAt`.
                self.spec.restart_at.is_some()
                    && s.restarted_at == self.spec.restart_at
                    && s.available_replicas >= self.desired()
            }
            WorkloadKind::Deployment | WorkloadKind::CloneSet => {
                s.updated_replicas >= self.desired()
                    && s.available_replicas >= self.desired()
                    && s.replicas <= self.desired()
            }
            WorkloadKind::StatefulSet | WorkloadKind::AdvancedStatefulSet => {
                s.updated_replicas >= self.desired()
                    && s.ready_replicas >= self.desired()
                    && (s.update_revision.is_empty() || s.current_revision == s.update_revision)
            }
            WorkloadKind::DaemonSet => {
                s.updated_number_scheduled >= s.desired_number_scheduled
                    && s.number_available >= s.desired_number_scheduled
            }
            _ => self.all_ready(kind),
        }
    }

    /// Every desired pod is ready (after deleting one pod: its replacement is).
    pub fn all_ready(&self, kind: WorkloadKind) -> bool {
        let s = &self.status;
        match kind {
            WorkloadKind::DaemonSet => s.number_ready >= s.desired_number_scheduled,
            _ => s.ready_replicas >= self.desired(),
        }
    }

    /// Why the rollout is not complete, in the controller's numbers.
    pub fn progress(&self, kind: WorkloadKind) -> String {
        let s = &self.status;
        match kind {
            WorkloadKind::DaemonSet => format!(
                "{} of {} pods updated, {} available",
                s.updated_number_scheduled, s.desired_number_scheduled, s.number_available
            ),
            _ => format!(
                "{} of {} pods updated, {} ready",
                s.updated_replicas,
                self.desired(),
                s.ready_replicas
            ),
        }
    }

    /// The restart of this run (`at`) is still asked for: a controller that removes it again
    /// undoes the restart.
    pub fn carries_restart(&self, kind: WorkloadKind, at: &str) -> bool {
        match kind {
            WorkloadKind::Rollout => {
                self.spec.restart_at.as_deref() == Some(&*rollout_restart_at(at))
            }
            _ => self.restarted_at() == Some(at),
        }
    }

    /// The pod template's `restartedAt`, if set.
    pub fn restarted_at(&self) -> Option<&str> {
        self.spec
            .template
            .metadata
            .annotations
            .get(RESTARTED_AT)
            .map(String::as_str)
    }
}

/// A workload's name and its pod template's metadata (labels, annotations): what injection
/// decisions read of it, decoded without the rest of the (often large) object.
#[derive(Debug, Clone)]
pub struct Templated {
    pub namespace: String,
    pub name: String,
    pub template: kube::api::ObjectMeta,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TemplatedItem {
    metadata: Meta,
    spec: TemplatedSpec,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TemplatedSpec {
    template: TemplatedTemplate,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TemplatedTemplate {
    metadata: kube::api::ObjectMeta,
}

/// The workloads of `kind` in `namespace` (or all) whose pod template sets
/// `sidecar.istio.io/inject` (label or annotation), paged, as [`Templated`] records: the only
/// ones an injection decision reads, and few, so the list stays small on any cluster.
pub async fn templates_setting_injection(
    cluster: &Cluster,
    kind: WorkloadKind,
    namespace: Option<&str>,
) -> Result<Vec<Templated>, ClusterError> {
    let sets = |m: &Option<BTreeMap<String, String>>| {
        m.as_ref()
            .is_some_and(|m| m.contains_key(crate::names::INJECT))
    };
    let mut out = Vec::new();
    cluster
        .list_each(&kind.gvk(), namespace, |i: TemplatedItem| {
            let t = &i.spec.template.metadata;
            if sets(&t.labels) || sets(&t.annotations) {
                out.push(Templated {
                    namespace: i.metadata.namespace,
                    name: i.metadata.name,
                    template: i.spec.template.metadata,
                });
            }
        })
        .await?;
    Ok(out)
}

/// The workloads of `kind` that `keep` wants, from one paged cluster-wide list, decoded small:
/// for many workloads, a few pages cost less than a GET each. A kind the cluster does not
/// serve (Argo Rollouts or OpenKruise not installed) has none.
pub async fn list_objects(
    cluster: &Cluster,
    kind: WorkloadKind,
    keep: &(dyn Fn(&Workload) -> bool + Sync),
) -> Result<Vec<(Workload, WorkloadObject)>, ClusterError> {
    let mut out = Vec::new();
    let listed = cluster
        .list_each(&kind.gvk(), None, |o: WorkloadObject| {
            let w = Workload::new(kind, &o.metadata.namespace, &o.metadata.name);
            if keep(&w) {
                out.push((w, o));
            }
        })
        .await;
    match listed {
        Err(e) if e.status_code() != Some(404) => Err(e),
        _ => Ok(out),
    }
}

/// One workload, decoded small; `None` when it does not exist.
pub async fn get(cluster: &Cluster, w: &Workload) -> Result<Option<WorkloadObject>, ClusterError> {
    cluster
        .get_as(&w.kind.gvk(), Some(&w.namespace), &w.name)
        .await
}

/// Who restarts a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodOwner {
    Workload(Workload),
    /// Nothing kyma-mesh can roll out (bare pod, Job, ownerless ReplicaSet, ...): the pod must be
    /// deleted or re-created by hand. The text names the owner chain.
    Manual(String),
}

/// `kubectl rollout restart`, the one restart path: patches the pod template's `restartedAt`
/// annotation, which makes the controller replace the pods under the workload's own
/// rolling-update rules. A JSON merge patch of one annotation, with the same time for every
/// workload of a run, so a retried or repeated patch changes nothing more. An Argo `Rollout`
/// gets `spec.restartAt` instead (`kubectl argo rollouts restart`): a template change would
/// start a canary or blue-green update with its steps and analysis, where `restartAt` makes
/// the controller evict every pod created before it, at most `maxUnavailable` at a time.
pub async fn restart(cluster: &Cluster, w: &Workload, at: &str) -> Result<(), ClusterError> {
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..Default::default()
    };
    cluster
        .dynamic(&w.kind.gvk(), Some(&w.namespace))
        .patch(
            &w.name,
            &params,
            &Patch::Merge(restart_patch_for(w.kind, at)),
        )
        .await
        .map(|_| ())
        .map_err(|error| ClusterError::Restart {
            object: w.object(),
            error: Box::new(error),
        })
}

pub fn restart_patch(at: &str) -> Value {
    json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}})
}

fn restart_patch_for(kind: WorkloadKind, at: &str) -> Value {
    match kind {
        WorkloadKind::Rollout => json!({"spec": {"restartAt": rollout_restart_at(at)}}),
        _ => restart_patch(at),
    }
}

/// The run's restart time as a Rollout's `restartAt`: whole seconds (a `metav1.Time`, the
/// form Argo writes back into `status.restartedAt`), rounded up. Argo replaces the pods whose
/// creation time (whole seconds) is before it: rounded down, a pod created earlier in the same
/// second would be kept; rounded up, the controller waits the fraction of a second until the
/// time has come.
pub fn rollout_restart_at(at: &str) -> String {
    let Ok(t) = at.parse::<jiff::Timestamp>() else {
        return at.to_string();
    };
    let whole = if t.subsec_nanosecond() > 0 {
        t.checked_add(jiff::SignedDuration::from_nanos(
            1_000_000_000 - i64::from(t.subsec_nanosecond()),
        ))
        .unwrap_or(t)
    } else {
        t
    };
    whole.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub async fn get_deployment(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<Deployment>, ClusterError> {
    let api: Api<Deployment> = Api::namespaced(cluster.client.clone(), namespace);
    api.get_opt(name).await.map_err(|error| ClusterError::Get {
        object: DEPLOYMENT.object(Some(namespace), name),
        error: Box::new(error),
    })
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

/// The pods a Deployment selects, sorted by name (minimal records).
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
    let mut pods = super::pods::list_selected(cluster, namespace, &selector).await?;
    pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Ok(pods)
}

/// Every pod of a namespace (or of all), through the one paged scan, as minimal records,
/// sorted by namespace and name.
pub async fn list_pods(
    cluster: &Cluster,
    namespace: Option<&str>,
) -> Result<Vec<Pod>, ClusterError> {
    let namespaces: Vec<String> = namespace.map(str::to_string).into_iter().collect();
    let mut scan = PodScan::new(cluster, &namespaces, DEFAULT_PAGE_SIZE);
    let mut out = Vec::new();
    while let Some(page) = scan.next_page().await {
        out.extend(page?);
    }
    out.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(out)
}

/// Whether the pod got Istio's sidecar: the injector's status annotation. (An `istio-proxy`
/// container alone is no sign: gateways run it as their main container.)
pub fn has_sidecar(pod: &Pod) -> bool {
    pod.metadata.annotations.sidecar_status.is_some()
}

pub fn pod_name(pod: &Pod) -> String {
    format!("{}/{}", pod.metadata.namespace, pod.metadata.name)
}

/// Who restarts each pod: ReplicaSet of a Deployment -> the Deployment; StatefulSet and
/// DaemonSet -> themselves; anything else has to be restarted by hand. The owners are
/// resolved by an [`OwnerResolver`] (lists, or a few GETs); the first failed lookup fails the
/// whole answer.
pub async fn pod_owners(cluster: &Cluster, pods: &[&Pod]) -> Result<Vec<PodOwner>, ClusterError> {
    // One namespace: its lists; several: cluster-wide lists.
    let first = pods.first().map(|p| p.metadata.namespace.clone());
    let scope = first.filter(|ns| pods.iter().all(|p| &p.metadata.namespace == ns));
    let mut resolver = OwnerResolver::new(cluster, vec![scope]).without_deployments();
    for pod in pods {
        if let Some(o) = pod.metadata.controller()
            && let Some(kind @ WorkloadKind::ReplicaSet) = WorkloadKind::of(&o.api_version, &o.kind)
        {
            resolver.want(&Workload::new(kind, &pod.metadata.namespace, &o.name));
        }
    }
    let resolved = resolver.resolve().await;
    if let Some(e) = resolved.error {
        return Err(e);
    }
    Ok(pods
        .iter()
        .map(|pod| owner_of(pod, &resolved.lookups))
        .collect())
}

fn owner_of(pod: &Pod, lookups: &std::collections::HashMap<Workload, Lookup>) -> PodOwner {
    let namespace = &pod.metadata.namespace;
    let Some(owner) = pod.metadata.controller() else {
        return PodOwner::Manual("a bare pod (no owner)".into());
    };
    match WorkloadKind::of(&owner.api_version, &owner.kind) {
        Some(kind @ (WorkloadKind::StatefulSet | WorkloadKind::DaemonSet)) => {
            PodOwner::Workload(Workload::new(kind, namespace, &owner.name))
        }
        Some(WorkloadKind::ReplicaSet) => {
            let rs = Workload::new(WorkloadKind::ReplicaSet, namespace, &owner.name);
            match lookups.get(&rs) {
                Some(Lookup::Found(f)) => match &f.owner {
                    Some(up)
                        if WorkloadKind::of(&up.api_version, &up.kind)
                            == Some(WorkloadKind::Deployment) =>
                    {
                        PodOwner::Workload(Workload::new(
                            WorkloadKind::Deployment,
                            namespace,
                            &up.name,
                        ))
                    }
                    Some(up) => PodOwner::Manual(format!(
                        "ReplicaSet {} owned by {} {}",
                        owner.name, up.kind, up.name
                    )),
                    None => {
                        PodOwner::Manual(format!("ReplicaSet {} without a Deployment", owner.name))
                    }
                },
                _ => PodOwner::Manual(format!("ReplicaSet {} without a Deployment", owner.name)),
            }
        }
        _ => PodOwner::Manual(format!("{} {}", owner.kind, owner.name)),
    }
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
    fn owner_kinds_are_known_only_in_their_group() {
        assert_eq!(
            WorkloadKind::of("apps/v1", "ReplicaSet"),
            Some(WorkloadKind::ReplicaSet)
        );
        assert_eq!(
            WorkloadKind::of("argoproj.io/v1alpha1", "Rollout"),
            Some(WorkloadKind::Rollout)
        );
        assert_eq!(
            WorkloadKind::of("apps.kruise.io/v1beta1", "StatefulSet"),
            Some(WorkloadKind::AdvancedStatefulSet)
        );
        assert_eq!(WorkloadKind::of("example.com/v1", "Rollout"), None);
        assert_eq!(WorkloadKind::of("example.com/v1", "Deployment"), None);
        assert_eq!(
            WorkloadKind::of("v1", "ReplicationController"),
            Some(WorkloadKind::ReplicationController)
        );
        assert_eq!(
            WorkloadKind::ReplicationController
                .gvk()
                .url_path(Some("a")),
            "/api/v1/namespaces/a/replicationcontrollers"
        );
    }

    #[test]
    fn a_rollouts_restart_time_is_whole_seconds_rounded_up() {
        assert_eq!(
            rollout_restart_at("2026-12-07T02:19:06.000000001Z"),
            "2026-12-07T02:19:07Z"
        );
        assert_eq!(
            rollout_restart_at("2026-12-07T02:19:59.5Z"),
            "2026-12-07T02:20:00Z"
        );
        assert_eq!(
            rollout_restart_at("2026-12-07T02:19:06Z"),
            "2026-12-07T02:19:06Z"
        );
    }

    fn object(v: Value) -> WorkloadObject {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn kruise_in_place_strategies_restart_by_deleting_pods() {
        let strategy = |s: Value| object(json!({"spec": {"updateStrategy": s}}));
        assert!(!strategy(json!({})).updates_without_recreating());
        assert!(!strategy(json!({"type": "ReCreate"})).updates_without_recreating());
        assert!(strategy(json!({"type": "OnDelete"})).updates_without_recreating());
        assert!(strategy(json!({"type": "InPlaceIfPossible"})).updates_without_recreating());
        assert!(strategy(json!({"type": "InPlaceOnly"})).updates_without_recreating());
        assert!(
            strategy(json!({"type": "RollingUpdate",
                             "rollingUpdate": {"podUpdatePolicy": "InPlaceIfPossible"}}))
            .updates_without_recreating()
        );
        assert!(
            !strategy(json!({"type": "RollingUpdate",
                              "rollingUpdate": {"podUpdatePolicy": "ReCreate"}}))
            .updates_without_recreating()
        );
    }

    #[test]
    fn a_rollouts_restart_is_complete_when_argo_says_so() {
        let at = "2026-12-07T02:19:07Z";
        let rollout = |restarted: Option<&str>, available: i64| {
            object(json!({"metadata": {"generation": 4},
                "spec": {"replicas": 2, "restartAt": at},
                "status": {"observedGeneration": "4", "availableReplicas": available,
                           "restartedAt": restarted}}))
        };
        assert!(rollout(Some(at), 2).rollout_complete(WorkloadKind::Rollout));
        assert!(!rollout(None, 2).rollout_complete(WorkloadKind::Rollout));
        assert!(!rollout(Some(at), 1).rollout_complete(WorkloadKind::Rollout));
        assert!(rollout(None, 2).carries_restart(WorkloadKind::Rollout, "2026-12-07T02:19:06.4Z"));
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
