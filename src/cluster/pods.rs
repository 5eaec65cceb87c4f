//! Pods, read as small as the data-plane decisions need (the workloads that own them are
//! `workloads.rs`).
//!
//! Pod lists are decoded straight from the API's JSON into the minimal structs below (serde
//! skips every other field while parsing), never into `k8s_openapi::Pod`: a real pod is several
//! KB of JSON, and a page of 500 of them must not cost more than its few useful fields.
//! Every write here is idempotent, so the client's retries are safe: a pod delete names the
//! pod's uid as a precondition.

use std::collections::BTreeMap;

use kube::api::{DeleteParams, ListParams, Preconditions};
use serde::Deserialize;

use super::kinds::{self, POD};
use super::{Cluster, ClusterError, Listing};

/// Pods per list page, as kubectl's default chunk size.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// The annotations the decisions read; all others are skipped while parsing (some, like
/// `kubectl.kubernetes.io/last-applied-configuration`, are large).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Annotations {
    /// Present on every injected pod; of its (long) value only the revision is kept.
    #[serde(rename = "sidecar.istio.io/status")]
    pub sidecar_status: Option<SidecarStatus>,
    /// The revision a pod asks for (`istio.io/rev`).
    #[serde(rename = "istio.io/rev")]
    pub rev: Option<String>,
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

    /// The control plane's revision that injected the sidecar: `istio.io/rev`, else the one
    /// the injector recorded in its status.
    pub fn revision(&self) -> Option<String> {
        self.rev
            .clone()
            .filter(|r| !r.is_empty())
            .or_else(|| self.sidecar_status.as_ref()?.revision.clone())
    }
}

/// The injector's status annotation, a JSON document in a string; only its revision is kept.
#[derive(Debug, Default, Clone)]
pub struct SidecarStatus {
    pub revision: Option<String>,
}

impl<'de> Deserialize<'de> for SidecarStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Doc {
            revision: Option<String>,
        }
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        // A value that is not the injector's JSON still marks an injected pod.
        let revision = serde_json::from_str::<Doc>(&text)
            .ok()
            .and_then(|d| d.revision);
        Ok(SidecarStatus { revision })
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
    /// `creationTimestamp` in seconds since the epoch (0 when absent): whether a restart
    /// came after the pod, without keeping the text.
    #[serde(rename = "creationTimestamp", deserialize_with = "epoch_seconds")]
    pub created: i64,
}

fn epoch_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let s: Option<std::borrow::Cow<'de, str>> = Deserialize::deserialize(d)?;
    Ok(s.and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| t.as_second()))
}

impl Meta {
    /// The labels and the injection annotation as an `ObjectMeta`: what Istio's injector reads
    /// of a pod, in the shape the injection decisions take (shared with pod templates).
    pub fn injection_meta(&self) -> kube::api::ObjectMeta {
        kube::api::ObjectMeta {
            labels: Some(self.labels.clone()),
            annotations: self.annotations.inject.as_ref().map(|v| {
                [(crate::names::INJECT.to_string(), v.clone())]
                    .into_iter()
                    .collect()
            }),
            ..Default::default()
        }
    }

    /// The managing owner: the `controller: true` reference, else the first (a pod with two
    /// owner references and no controller flag is rare; the first is what kubectl shows).
    pub fn controller(&self) -> Option<&OwnerReference> {
        managing(&self.owner_references, |o| o.controller)
    }
}

/// Of an object's owner references (whatever struct they are decoded into), the managing one:
/// the one marked `controller: true`, else the first.
pub fn managing<T>(refs: &[T], controller: impl Fn(&T) -> Option<bool>) -> Option<&T> {
    refs.iter()
        .find(|o| controller(o) == Some(true))
        .or_else(|| refs.first())
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
    /// The objects after this page, when the server counts them (a list's first pages).
    pub remaining_item_count: Option<u64>,
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

/// One page of pods, in `namespace` or all, as JSON into `buf`, undecoded ([`decode_page`]).
/// `continue_token` from the previous page.
async fn pods_page_into(
    cluster: &Cluster,
    namespace: Option<&str>,
    limit: u32,
    continue_token: Option<&str>,
    buf: &mut Vec<u8>,
) -> Result<(), ClusterError> {
    let path = POD.url_path(namespace);
    let mut lp = ListParams::default().limit(limit);
    if let Some(token) = continue_token {
        lp = lp.continue_token(token);
    }
    let failed = |error| ClusterError::List {
        listing: Listing::of(&POD, namespace),
        error: Box::new(error),
    };
    let req = kube::core::Request::new(path)
        .list(&lp)
        .map_err(|e| failed(kube::Error::BuildRequest(e)))?;
    cluster.request_into(req, buf).await.map_err(failed)
}

fn decode_page(bytes: &[u8], namespace: Option<&str>) -> Result<PodPage, ClusterError> {
    serde_json::from_slice(bytes).map_err(|e| ClusterError::List {
        listing: Listing::of(&POD, namespace),
        error: Box::new(kube::Error::SerdeError(e)),
    })
}

/// A list page's `metadata`, read ahead of its items: the API server writes a list's
/// `metadata` before its `items` (`ListMeta` precedes `Items` in every list type), so the next
/// page's continue token is known before the page's several MB are decoded, and the next
/// request goes out while they are. `None` when the page is not laid out so (the caller then
/// decodes it first).
fn peek_list_meta(bytes: &[u8]) -> Option<ListMeta> {
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let start = find(head, b"\"metadata\":")? + b"\"metadata\":".len();
    let items = start + find(&head[start..], b"\"items\":")?;
    let meta = head[start..items].trim_ascii_end().strip_suffix(b",")?;
    serde_json::from_slice(meta).ok()
}

/// The pods of `namespace` a label selector matches, in one request (a workload's pods: few).
pub async fn list_selected(
    cluster: &Cluster,
    namespace: &str,
    selector: &str,
) -> Result<Vec<Pod>, ClusterError> {
    let failed = |error| ClusterError::List {
        listing: Listing::of(&POD, Some(namespace)).selected(selector),
        error: Box::new(error),
    };
    let req = kube::core::Request::new(POD.url_path(Some(namespace)))
        .list(&ListParams::default().labels(selector))
        .map_err(|e| failed(kube::Error::BuildRequest(e)))?;
    cluster
        .request_json::<PodPage>(req)
        .await
        .map(|p| p.items)
        .map_err(failed)
}

/// Whether an error is the API's "continue token expired" (410 Gone, reason Expired): the list
/// has to start again.
pub fn is_expired(e: &ClusterError) -> bool {
    e.status_code() == Some(410)
}

/// List restarts after expired continue tokens before giving up (each relist makes progress,
/// so this is only reached when tokens expire faster than a page is used).
const MAX_RELISTS: usize = 20;

/// The one paged pod scan: every pod of the scopes (namespaces, or all), page by page, each
/// decoded into the minimal [`Pod`] and handed out once, in order.
///
/// A pager task requests the pages one after another, each as soon as the page before it has
/// arrived and its continue token is read ([`peek_list_meta`]), and decodes each on the
/// blocking pool, so two pages decode at once on two cores while the caller works on a third.
/// (Decoding a page of 500 pods takes longer than a round trip to a nearby API server: one
/// page at a time, decoding would set the pace.) At most [`IN_FLIGHT`] pages are read or
/// decoded ahead, each in one of that many reused buffers: memory is flat in the number of
/// pods. An expired continue token starts the scope's list again, and pods already handed out
/// (by uid) are passed over: what the scan keeps per pod is a 64-bit hash of its uid.
pub struct PodScan {
    pages_rx: tokio::sync::mpsc::UnboundedReceiver<Paged>,
    pager: tokio::task::JoinHandle<()>,
    seen: std::collections::HashSet<u64>,
    done: bool,
    /// Page requests and list restarts, for the report.
    pub pages: usize,
    pub relists: usize,
}

/// Pages read or being decoded ahead of the caller, and buffers in use.
const IN_FLIGHT: usize = 2;

/// What the pager hands the scan, in order.
enum Paged {
    /// A page, decoded on the blocking pool; the permit frees its place when it is handed out.
    Page(
        tokio::task::JoinHandle<Result<PodPage, ClusterError>>,
        tokio::sync::OwnedSemaphorePermit,
    ),
    /// A continue token expired: the scope's list starts again (one request, no pods).
    Relisted,
    Failed(ClusterError),
}

/// The buffers the pages are read into, handed back after each decode.
type Buffers = std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>;

impl PodScan {
    /// All namespaces when `namespaces` is empty.
    pub fn new(cluster: &Cluster, namespaces: &[String], limit: u32) -> PodScan {
        let scopes = if namespaces.is_empty() {
            vec![None]
        } else {
            namespaces.iter().cloned().map(Some).collect()
        };
        let (tx, pages_rx) = tokio::sync::mpsc::unbounded_channel();
        let pager = tokio::spawn(pager(cluster.clone(), scopes, limit.max(1), tx));
        PodScan {
            pages_rx,
            pager,
            seen: std::collections::HashSet::new(),
            done: false,
            pages: 0,
            relists: 0,
        }
    }

    /// The next page's pods not handed out before; `None` when every scope is done.
    pub async fn next_page(&mut self) -> Option<Result<Vec<Pod>, ClusterError>> {
        loop {
            if self.done {
                return None;
            }
            // The pager is gone: every scope is done (or the runtime is going down).
            let Some(paged) = self.pages_rx.recv().await else {
                self.done = true;
                return None;
            };
            self.pages += 1;
            let (decoding, _place) = match paged {
                Paged::Page(decoding, place) => (decoding, place),
                Paged::Relisted => {
                    self.relists += 1;
                    continue;
                }
                Paged::Failed(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            // The decode panicked or was cancelled: the runtime is going down.
            let Ok(page) = decoding.await else {
                self.done = true;
                return None;
            };
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let fresh = page
                .items
                .into_iter()
                .filter(|p| self.seen.insert(uid_hash(&p.metadata.uid)))
                .collect();
            return Some(Ok(fresh));
        }
    }
}

impl Drop for PodScan {
    fn drop(&mut self) {
        self.pager.abort();
    }
}

/// Requests every page of every scope, in order, at most [`IN_FLIGHT`] ahead of the scan, and
/// sends each to be decoded; stops at the first failure (or when the scan is dropped).
async fn pager(
    cluster: Cluster,
    scopes: Vec<Option<String>>,
    limit: u32,
    tx: tokio::sync::mpsc::UnboundedSender<Paged>,
) {
    let places = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let buffers: Buffers = Default::default();
    for scope in scopes {
        let mut token: Option<String> = None;
        let mut relists = 0;
        loop {
            let Ok(place) = places.clone().acquire_owned().await else {
                return;
            };
            let mut buf = lock(&buffers).pop().unwrap_or_default();
            let fetched = pods_page_into(
                &cluster,
                scope.as_deref(),
                limit,
                token.as_deref(),
                &mut buf,
            )
            .await;
            match fetched {
                Ok(()) => {}
                Err(e) if is_expired(&e) && relists < MAX_RELISTS => {
                    relists += 1;
                    token = None;
                    lock(&buffers).push(buf);
                    if tx.send(Paged::Relisted).is_err() {
                        return;
                    }
                    continue;
                }
                Err(e) => {
                    let _ = tx.send(Paged::Failed(e));
                    return;
                }
            }
            let peeked = peek_list_meta(&buf);
            let (ns, back) = (scope.clone(), buffers.clone());
            let decoding = tokio::task::spawn_blocking(move || {
                let page = decode_page(&buf, ns.as_deref());
                lock(&back).push(buf);
                page
            });
            let next = match peeked {
                Some(meta) => {
                    if tx.send(Paged::Page(decoding, place)).is_err() {
                        return;
                    }
                    meta.continue_
                }
                // Not laid out as expected: the token is known once the page is decoded.
                None => {
                    let Ok(page) = decoding.await else {
                        return;
                    };
                    let next = page.as_ref().ok().and_then(|p| p.next().map(String::from));
                    let decoded = tokio::task::spawn_blocking(move || page);
                    if tx.send(Paged::Page(decoded, place)).is_err() {
                        return;
                    }
                    next
                }
            };
            match next.filter(|c| !c.is_empty()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
    }
}

fn lock(buffers: &Buffers) -> std::sync::MutexGuard<'_, Vec<Vec<u8>>> {
    // A decode that panicked left the buffers as they were: still usable.
    buffers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A uid's 64-bit hash (SipHash with fixed keys: the same in every run).
fn uid_hash(uid: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    uid.hash(&mut h);
    h.finish()
}

/// One pod; `None` when it does not exist.
pub async fn get_pod(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<Pod>, ClusterError> {
    cluster.get_as(&POD, Some(namespace), name).await
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
        Err(error) => Err(ClusterError::Delete {
            object: POD.object(Some(namespace), name),
            error: Box::new(error),
        }),
    }
}

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
    let failed = |error| ClusterError::List {
        listing: Listing::of(&kinds::NAMESPACE, None),
        error: Box::new(error),
    };
    let req = kube::core::Request::new(kinds::NAMESPACE.url_path(None))
        .list(&ListParams::default())
        .map_err(|e| failed(kube::Error::BuildRequest(e)))?;
    cluster
        .client
        .request::<NamespaceList>(req)
        .await
        .map(|l| l.items)
        .map_err(failed)
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
        .map_err(|error| ClusterError::List {
            listing: Listing::of(&kinds::MUTATING_WEBHOOK, None),
            error: Box::new(error),
        })?;
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
    fn a_list_page_s_continue_token_is_read_ahead_of_its_items() {
        let page = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"ks1.2.500.7"},"items":[{"metadata":{"name":"a"}}]}"#;
        let meta = peek_list_meta(page).unwrap();
        assert_eq!(meta.continue_.as_deref(), Some("ks1.2.500.7"));
        assert_eq!(meta.resource_version, "7");
        let last = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]}"#;
        assert_eq!(peek_list_meta(last).unwrap().continue_, None);
        // laid out otherwise: nothing read ahead (the page is decoded first)
        let items_first = br#"{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"x"}}"#;
        assert!(peek_list_meta(items_first).is_none());
        assert!(peek_list_meta(b"{}").is_none());
        let spaced = b"{\"metadata\": {\"continue\": \"x\"} ,\n \"items\": []}";
        assert_eq!(
            peek_list_meta(spaced).unwrap().continue_.as_deref(),
            Some("x")
        );
    }

    #[test]
    fn the_injecting_revision_comes_from_istio_io_rev_else_the_status() {
        let a: Annotations = serde_json::from_str(
            r#"{"sidecar.istio.io/status": "{\"revision\":\"1-28-0\",\"containers\":[\"istio-proxy\"]}"}"#,
        )
        .unwrap();
        assert_eq!(a.revision().as_deref(), Some("1-28-0"));
        let a: Annotations = serde_json::from_str(
            r#"{"sidecar.istio.io/status": "{\"revision\":\"1-28-0\"}", "istio.io/rev": "default"}"#,
        )
        .unwrap();
        assert_eq!(a.revision().as_deref(), Some("default"));
        let a: Annotations =
            serde_json::from_str(r#"{"sidecar.istio.io/status": "not json"}"#).unwrap();
        assert!(a.sidecar_status.is_some() && a.revision().is_none());
    }

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
}
