//! Read-only listings for `check`: any kind as JSON (paged), and the pod facts the mesh checks
//! need (sidecar, proxy image, owner), decoded from the few fields that matter.
//!
//! [`scan_pods`] reads through the one paged pod scan (`pods::PodScan`, the minimal records
//! `proxy-reset` uses) and hands each pod to its caller's fold: no command holds every pod.

use std::collections::BTreeMap;

use kube::api::ListParams;
use serde_json::Value;

use super::kinds::NAMESPACE;
use super::{Cluster, ClusterError, Gvk, Listing};
use crate::names::{INJECT, SIDECAR_STATUS};

/// Page size of every list: big enough to be quick, small enough to keep replies bounded.
const PAGE: u32 = 500;

/// Every object of a kind (in one namespace or all), as JSON, in pages.
pub async fn list(
    cluster: &Cluster,
    gvk: &Gvk,
    namespace: Option<&str>,
) -> Result<Vec<Value>, ClusterError> {
    list_selected(cluster, gvk, namespace, "").await
}

/// As [`list`], only the objects a label selector matches.
pub async fn list_selected(
    cluster: &Cluster,
    gvk: &Gvk,
    namespace: Option<&str>,
    selector: &str,
) -> Result<Vec<Value>, ClusterError> {
    let api = cluster.dynamic(gvk, namespace);
    let mut out = Vec::new();
    let mut params = ListParams::default().limit(PAGE);
    if !selector.is_empty() {
        params = params.labels(selector);
    }
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|error| ClusterError::List {
                listing: Listing::of(gvk, namespace).selected(selector),
                error: Box::new(error),
            })?;
        out.extend(
            page.items
                .into_iter()
                .map(|o| serde_json::to_value(o).unwrap_or(Value::Null)),
        );
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    Ok(out)
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

pub async fn namespaces(cluster: &Cluster) -> Result<Vec<Namespace>, ClusterError> {
    Ok(list(cluster, &NAMESPACE, None)
        .await?
        .iter()
        .map(|n| Namespace {
            name: n["metadata"]["name"].as_str().unwrap_or_default().into(),
            labels: string_map(&n["metadata"]["labels"]),
        })
        .collect())
}

/// What the mesh checks need to know of one pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The annotations the checks read: `sidecar.istio.io/status` (its long value replaced by
    /// the empty string: [`Pod::revision`] is what it said), `sidecar.istio.io/proxyImage`,
    /// `sidecar.istio.io/inject`, `istio.io/rev`.
    pub annotations: BTreeMap<String, String>,
    /// The control plane's revision that injected the sidecar.
    pub revision: Option<String>,
    /// The controlling owner: (kind, name).
    pub owner: Option<(String, String)>,
    /// The `istio-proxy` container's image (also as a native-sidecar init container).
    pub proxy_image: Option<String>,
    pub running: bool,
    pub ready: bool,
    pub deleting: bool,
    pub host_network: bool,
}

impl Pod {
    pub fn has_sidecar(&self) -> bool {
        self.proxy_image.is_some() || self.annotations.contains_key(SIDECAR_STATUS)
    }

    /// `ns/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The pod's own opt-out (annotation or label `sidecar.istio.io/inject: "false"`).
    pub fn opted_out(&self) -> bool {
        self.annotations.get(INJECT).map(String::as_str) == Some("false")
            || self.labels.get(INJECT).map(String::as_str) == Some("false")
    }
}

impl From<super::pods::Pod> for Pod {
    fn from(p: super::pods::Pod) -> Pod {
        let proxy_image = p.proxy().map(|c| c.image.clone());
        let ready = p
            .status
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        let m = p.metadata;
        let a = &m.annotations;
        let revision = a.revision();
        let annotations = [
            (
                "sidecar.istio.io/status",
                a.sidecar_status.as_ref().map(|_| String::new()),
            ),
            ("sidecar.istio.io/proxyImage", a.proxy_image.clone()),
            ("sidecar.istio.io/inject", a.inject.clone()),
            ("istio.io/rev", a.rev.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?)))
        .collect();
        // The controller, else (no reference says `controller`) the first.
        let owner = m
            .owner_references
            .iter()
            .find(|o| o.controller != Some(false))
            .map(|o| (o.kind.clone(), o.name.clone()));
        Pod {
            namespace: m.namespace,
            name: m.name,
            labels: m.labels,
            annotations,
            revision,
            owner,
            proxy_image,
            running: p.status.phase == "Running",
            ready,
            deleting: m.deletion_timestamp.is_some(),
            host_network: p.spec.host_network,
        }
    }
}

/// Every pod of the cluster (or of `namespace`), through the one paged pod scan, handed to
/// `each` one at a time as the minimal record. Nothing is collected here: what the caller keeps
/// of each pod (a count, an example) is all that grows with the number of pods.
pub async fn scan_pods(
    cluster: &Cluster,
    namespace: Option<&str>,
    mut each: impl FnMut(super::pods::Pod),
) -> Result<(), ClusterError> {
    let scopes: Vec<String> = namespace.map(str::to_string).into_iter().collect();
    let mut scan = super::pods::PodScan::new(cluster, &scopes, super::pods::DEFAULT_PAGE_SIZE);
    while let Some(page) = scan.next_page().await {
        page?.into_iter().for_each(&mut each);
    }
    Ok(())
}

/// The pods of one namespace matching a label selector.
pub async fn pods_selected(
    cluster: &Cluster,
    namespace: &str,
    selector: &str,
) -> Result<Vec<Pod>, ClusterError> {
    Ok(super::pods::list_selected(cluster, namespace, selector)
        .await?
        .into_iter()
        .map(Pod::from)
        .collect())
}

/// A pod that is neither Running nor Succeeded, as the stuck-pod check reads it: its phase and
/// why, from the fields `kubectl describe pod` shows. Read with a field selector, so a healthy
/// cluster answers with an empty list, and decoded from these fields only.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NotRunning {
    pub metadata: NotRunningMeta,
    pub status: NotRunningStatus,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NotRunningMeta {
    pub namespace: String,
    pub name: String,
    pub creation_timestamp: Option<String>,
    pub deletion_timestamp: Option<String>,
    pub owner_references: Vec<OwnerRef>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct OwnerRef {
    pub kind: String,
    pub name: String,
    pub controller: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NotRunningStatus {
    pub phase: String,
    /// `Evicted`, `NodeLost`, ...
    pub reason: Option<String>,
    pub message: Option<String>,
    pub conditions: Vec<PodCondition>,
    pub init_container_statuses: Vec<ContainerStatus>,
    pub container_statuses: Vec<ContainerStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub last_transition_time: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    pub name: String,
    pub image: String,
    pub state: ContainerState,
    pub last_state: ContainerState,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerState {
    pub waiting: Option<StateReason>,
    pub terminated: Option<StateReason>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StateReason {
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i32>,
}

/// Every pod whose phase is not Running or Succeeded (Pending, Failed, Unknown).
pub async fn not_running_pods(cluster: &Cluster) -> Result<Vec<NotRunning>, ClusterError> {
    let selector = "status.phase!=Running,status.phase!=Succeeded";
    decoded(cluster, &super::kinds::POD, selector).await
}

/// A `FailedCreate` event: a controller could not create a pod (a webhook that timed out or
/// refused it, a quota).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FailedCreate {
    pub involved_object: InvolvedObject,
    pub message: String,
    pub count: Option<i64>,
    pub last_timestamp: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct InvolvedObject {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// The `FailedCreate` events of every namespace (events live an hour by default: recent ones).
pub async fn failed_create_events(cluster: &Cluster) -> Result<Vec<FailedCreate>, ClusterError> {
    decoded(cluster, &super::kinds::EVENT, "reason=FailedCreate").await
}

/// A field-selected list, each object decoded into `T` (an object that does not decode is
/// skipped: these reads only inform a check).
async fn decoded<T: serde::de::DeserializeOwned>(
    cluster: &Cluster,
    gvk: &Gvk,
    fields: &str,
) -> Result<Vec<T>, ClusterError> {
    let api = cluster.dynamic(gvk, None);
    let mut out = Vec::new();
    let mut params = ListParams::default().fields(fields).limit(PAGE);
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|error| ClusterError::List {
                listing: Listing::of(gvk, None).selected(fields),
                error: Box::new(error),
            })?;
        out.extend(page.items.into_iter().filter_map(|o| {
            serde_json::to_value(o)
                .ok()
                .and_then(|v| serde_json::from_value(v).ok())
        }));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode_pod(v: &Value) -> Pod {
        Pod::from(serde_json::from_value::<crate::cluster::pods::Pod>(v.clone()).unwrap())
    }

    #[test]
    fn decodes_sidecar_owner_and_readiness() {
        let p = decode_pod(&json!({
            "metadata": {"namespace": "shop", "name": "web-1",
                         "annotations": {"sidecar.istio.io/status": "{}"},
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": true}]},
            "spec": {"initContainers": [{"name": "istio-proxy", "image": "istio/proxyv2:1.28.0"}],
                     "containers": [{"name": "web", "image": "nginx"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }));
        assert_eq!(p.proxy_image.as_deref(), Some("istio/proxyv2:1.28.0"));
        assert_eq!(p.owner, Some(("ReplicaSet".into(), "web-abc".into())));
        assert!(p.ready && p.running && p.has_sidecar() && !p.opted_out());
        let bare = decode_pod(&json!({"metadata": {"namespace": "a", "name": "b",
            "labels": {"sidecar.istio.io/inject": "false"}}, "spec": {"containers": []}}));
        assert!(!bare.has_sidecar() && bare.opted_out() && bare.owner.is_none() && !bare.ready);
    }
}
