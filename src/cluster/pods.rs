//! Pods and the workloads that own them, read as small as the data-plane decisions need.
//!
//! Pod lists are decoded straight from the API's JSON into the minimal structs below (serde
//! skips every other field while parsing), never into `k8s_openapi::Pod`: a real pod is several
//! KB of JSON, and a page of 500 of them must not cost more than its few useful fields.
//! Every write here is idempotent, so the client's retries are safe: the restart patch carries
//! one time per run, and a pod delete names the pod's uid as a precondition.

use std::collections::BTreeMap;

use kube::api::{DeleteParams, GetParams, ListParams, Patch, PatchParams, Preconditions};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;

use super::{Cluster, ClusterError, FIELD_MANAGER, Gvk, kinds};
use crate::names::RESTARTED_AT;

/// Pods per list page, as kubectl's default chunk size.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// The annotations the decisions read; all others are skipped while parsing (some, like
/// `kubectl.kubernetes.io/last-applied-configuration`, are large).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Annotations {
    /// Present on every injected pod; its (long) value is not needed.
    #[serde(rename = "sidecar.istio.io/status")]
    pub sidecar_status: Option<IgnoredAny>,
    #[serde(rename = "sidecar.istio.io/proxyImage")]
    pub proxy_image: Option<String>,
    #[serde(rename = "sidecar.istio.io/inject")]
    pub inject: Option<String>,
    #[serde(rename = "kyma-mesh.kyma-project.io/proxy-reset")]
    pub proxy_reset: Option<String>,
}

impl Annotations {
    pub fn opted_out(&self) -> bool {
        self.proxy_reset.as_deref() == Some("false")
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OwnerReference {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: String,
    pub controller: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub generation: i64,
    pub deletion_timestamp: Option<String>,
    pub annotations: Annotations,
    pub labels: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerReference>,
}

impl Meta {
    /// The managing owner: the `controller: true` reference, else the first (a pod with two
    /// owner references and no controller flag is rare; the first is what kubectl shows).
    pub fn controller(&self) -> Option<&OwnerReference> {
        self.owner_references
            .iter()
            .find(|o| o.controller == Some(true))
            .or_else(|| self.owner_references.first())
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    pub restart_policy: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub host_network: bool,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PodStatus {
    pub phase: String,
    pub conditions: Vec<Condition>,
}

/// A pod, as far as the data plane is concerned.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub metadata: Meta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

impl Pod {
    /// The `istio-proxy` container: a regular container, or a native sidecar (an init container,
    /// `restartPolicy: Always`) as Istio injects with `ENABLE_NATIVE_SIDECARS`.
    pub fn proxy(&self) -> Option<&Container> {
        self.spec
            .containers
            .iter()
            .chain(self.spec.init_containers.iter())
            .find(|c| c.name == "istio-proxy")
    }

    /// Running, every condition True (Ready, ContainersReady, Initialized, PodScheduled), and
    /// not being deleted: a pod worth restarting, and one whose replacement is worth waiting for.
    pub fn is_healthy(&self) -> bool {
        self.status.phase == "Running"
            && !self.status.conditions.is_empty()
            && self.status.conditions.iter().all(|c| c.status == "True")
            && self.metadata.deletion_timestamp.is_none()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(rename = "continue")]
    pub continue_: Option<String>,
    pub resource_version: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PodPage {
    pub metadata: ListMeta,
    pub items: Vec<Pod>,
}

impl PodPage {
    /// The token for the next page; `None` on the last page.
    pub fn next(&self) -> Option<&str> {
        self.metadata.continue_.as_deref().filter(|c| !c.is_empty())
    }
}

/// One page of pods, in `namespace` or all. `continue_token` from the previous page.
pub async fn list_pods_page(
    cluster: &Cluster,
    namespace: Option<&str>,
    limit: u32,
    continue_token: Option<&str>,
) -> Result<PodPage, ClusterError> {
    let path = match namespace {
        Some(ns) => format!("/api/v1/namespaces/{ns}/pods"),
        None => "/api/v1/pods".to_string(),
    };
    let mut lp = ListParams::default().limit(limit);
    if let Some(token) = continue_token {
        lp = lp.continue_token(token);
    }
    let what = match namespace {
        Some(ns) => format!("listing pods in namespace {ns}"),
        None => "listing pods in all namespaces".to_string(),
    };
    let req = kube::core::Request::new(path)
        .list(&lp)
        .map_err(|e| ClusterError::Api {
            what: what.clone(),
            source: kube::Error::BuildRequest(e),
        })?;
    cluster
        .client
        .request::<PodPage>(req)
        .await
        .map_err(ClusterError::api(what))
}

/// Whether an error is the API's "continue token expired" (410 Gone, reason Expired): the list
/// has to start again.
pub fn is_expired(e: &ClusterError) -> bool {
    e.status_code() == Some(410)
}

/// The kinds that own pods and that kyma-mesh knows how to restart (or to name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
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
            _ => return None,
        })
    }

    pub fn gvk(self) -> Gvk {
        match self {
            WorkloadKind::Deployment => kinds::DEPLOYMENT,
            WorkloadKind::StatefulSet => Gvk::new("apps", "v1", "StatefulSet", "statefulsets"),
            WorkloadKind::DaemonSet => Gvk::new("apps", "v1", "DaemonSet", "daemonsets"),
            WorkloadKind::ReplicaSet => Gvk::new("apps", "v1", "ReplicaSet", "replicasets"),
            WorkloadKind::ReplicationController => {
                Gvk::new("", "v1", "ReplicationController", "replicationcontrollers")
            }
            WorkloadKind::Job => Gvk::new("batch", "v1", "Job", "jobs"),
            WorkloadKind::CronJob => Gvk::new("batch", "v1", "CronJob", "cronjobs"),
        }
    }

    pub fn name(self) -> &'static str {
        self.gvk().kind
    }

    fn path(self, namespace: &str) -> String {
        let g = self.gvk();
        if g.group.is_empty() {
            format!("/api/{}/namespaces/{namespace}/{}", g.version, g.plural)
        } else {
            format!(
                "/apis/{}/{}/namespaces/{namespace}/{}",
                g.group, g.version, g.plural
            )
        }
    }
}

impl std::fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Strategy {
    #[serde(rename = "type")]
    pub type_: Option<String>,
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
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkloadStatus {
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
}

/// A workload (any of [`WorkloadKind`]), as far as restarting it is concerned.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Workload {
    pub metadata: Meta,
    pub spec: WorkloadSpec,
    pub status: WorkloadStatus,
}

impl Workload {
    /// `OnDelete`: a template change restarts nothing; pods must be deleted.
    pub fn is_on_delete(&self) -> bool {
        self.spec.update_strategy.type_.as_deref() == Some("OnDelete")
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
            WorkloadKind::Deployment => {
                s.updated_replicas >= self.desired()
                    && s.available_replicas >= self.desired()
                    && s.replicas <= self.desired()
            }
            WorkloadKind::StatefulSet => {
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
}

async fn get_json<T: serde::de::DeserializeOwned>(
    cluster: &Cluster,
    path: String,
    name: &str,
    what: String,
) -> Result<Option<T>, ClusterError> {
    let req = kube::core::Request::new(path)
        .get(name, &GetParams::default())
        .map_err(|e| ClusterError::Api {
            what: what.clone(),
            source: kube::Error::BuildRequest(e),
        })?;
    match cluster.client.request::<T>(req).await {
        Ok(v) => Ok(Some(v)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(source) => Err(ClusterError::Api { what, source }),
    }
}

/// One workload; `None` when it does not exist.
pub async fn get_workload(
    cluster: &Cluster,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<Option<Workload>, ClusterError> {
    get_json(
        cluster,
        kind.path(namespace),
        name,
        format!("reading {kind} {namespace}/{name}"),
    )
    .await
}

/// One pod; `None` when it does not exist.
pub async fn get_pod(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<Pod>, ClusterError> {
    get_json(
        cluster,
        format!("/api/v1/namespaces/{namespace}/pods"),
        name,
        format!("reading pod {namespace}/{name}"),
    )
    .await
}

/// `kubectl rollout restart`: sets `restartedAt` on the pod template. A strategic-merge patch of
/// one annotation, with the same time for every workload of a run, so a retried or repeated
/// patch changes nothing more.
pub async fn restart(
    cluster: &Cluster,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    restarted_at: &str,
) -> Result<(), ClusterError> {
    let patch =
        json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: restarted_at}}}}});
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..Default::default()
    };
    cluster
        .dynamic(&kind.gvk(), Some(namespace))
        .patch(name, &params, &Patch::Strategic(patch))
        .await
        .map(|_| ())
        .map_err(ClusterError::api(format!(
            "restarting {kind} {namespace}/{name}"
        )))
}

/// What deleting a pod found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// Gone already, or the name now belongs to a new pod (uid precondition failed): nothing to
    /// do, which is also what a retried delete sees.
    AlreadyGone,
}

/// Deletes pod `namespace/name` if it still is the pod with `uid`.
pub async fn delete_pod(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    uid: &str,
) -> Result<Deleted, ClusterError> {
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some(uid.to_string()),
            resource_version: None,
        }),
        ..Default::default()
    };
    let api: kube::Api<kube::api::DynamicObject> = cluster.dynamic(&POD, Some(namespace));
    match api.delete(name, &params).await {
        Ok(_) => Ok(Deleted::Deleted),
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => Ok(Deleted::AlreadyGone),
        Err(source) => Err(ClusterError::Api {
            what: format!("deleting pod {namespace}/{name}"),
            source,
        }),
    }
}

const POD: Gvk = Gvk::new("", "v1", "Pod", "pods");

/// A namespace's name and labels.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Namespace {
    pub metadata: Meta,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NamespaceList {
    items: Vec<Namespace>,
}

/// All namespaces (a small list: one request).
pub async fn list_namespaces(cluster: &Cluster) -> Result<Vec<Namespace>, ClusterError> {
    let what = "listing namespaces".to_string();
    let req = kube::core::Request::new("/api/v1/namespaces")
        .list(&ListParams::default())
        .map_err(|e| ClusterError::Api {
            what: what.clone(),
            source: kube::Error::BuildRequest(e),
        })?;
    cluster
        .client
        .request::<NamespaceList>(req)
        .await
        .map(|l| l.items)
        .map_err(ClusterError::api(what))
}

/// One webhook of Istio's injector: its name and selectors, as JSON label selectors.
#[derive(Debug, Clone)]
pub struct InjectorWebhook {
    pub namespace_selector: serde_json::Value,
    pub object_selector: serde_json::Value,
}

/// The `*sidecar-injector.istio.io` webhooks of every MutatingWebhookConfiguration: they decide
/// which new pods get a sidecar.
pub async fn injector_webhooks(cluster: &Cluster) -> Result<Vec<InjectorWebhook>, ClusterError> {
    let list = cluster
        .dynamic(&kinds::MUTATING_WEBHOOK, None)
        .list(&ListParams::default())
        .await
        .map_err(ClusterError::api(
            "listing MutatingWebhookConfigurations".to_string(),
        ))?;
    let mut out = Vec::new();
    for cfg in list.items {
        let hooks = cfg.data["webhooks"].as_array().cloned().unwrap_or_default();
        for h in hooks {
            let name = h["name"].as_str().unwrap_or_default();
            if name.ends_with("sidecar-injector.istio.io") {
                out.push(InjectorWebhook {
                    namespace_selector: h["namespaceSelector"].clone(),
                    object_selector: h["objectSelector"].clone(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_decodes_to_its_few_fields_and_finds_a_native_sidecar() {
        let text = r#"{"metadata": {"name": "a", "namespace": "shop", "uid": "u1",
            "annotations": {"sidecar.istio.io/status": "{\"x\":1}", "kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a-1", "uid": "r", "controller": true}],
            "managedFields": [{"manager": "kubectl"}]},
          "spec": {"initContainers": [{"name": "istio-proxy", "image": "hub/proxyv2:1.28.0", "restartPolicy": "Always", "env": [{"name": "X"}]}],
                   "containers": [{"name": "app", "image": "app:1", "ports": [{"containerPort": 80}]}]},
          "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": []}}"#;
        let pod: Pod = serde_json::from_str(text).unwrap();
        assert!(pod.metadata.annotations.sidecar_status.is_some());
        assert_eq!(
            pod.proxy().map(|c| c.image.as_str()),
            Some("hub/proxyv2:1.28.0")
        );
        assert!(pod.is_healthy());
        assert_eq!(
            pod.metadata.controller().map(|o| o.kind.as_str()),
            Some("ReplicaSet")
        );
    }

    #[test]
    fn owner_kinds_are_known_only_in_their_group() {
        assert_eq!(
            WorkloadKind::of("apps/v1", "ReplicaSet"),
            Some(WorkloadKind::ReplicaSet)
        );
        assert_eq!(WorkloadKind::of("argoproj.io/v1alpha1", "Rollout"), None);
        assert_eq!(WorkloadKind::of("example.com/v1", "Deployment"), None);
        assert_eq!(
            WorkloadKind::of("v1", "ReplicationController"),
            Some(WorkloadKind::ReplicationController)
        );
        assert_eq!(
            WorkloadKind::ReplicationController.path("a"),
            "/api/v1/namespaces/a/replicationcontrollers"
        );
    }
}
