//! The owners of pods, resolved in requests that grow with list pages, not with owners.
//!
//! A pod names its controller (a ReplicaSet, a StatefulSet, ...); a ReplicaSet names its
//! Deployment. Reading each owner with its own GET costs one round trip per owner, and real
//! clusters have many small workloads (1 to 3 replicas, up to 10 old ReplicaSets each): at a
//! real network's latency that is slower than listing everything. So an [`OwnerResolver`]
//! collects the owners a scan needs while the pod pages arrive and, per kind:
//!
//! * more than [`FEW`] owners: lists the kind (paged, metadata-only where the decision needs
//!   only metadata), started at once in the background, while the pod pages still arrive;
//! * at most [`FEW`]: GETs them in parallel once the pods are scanned. One round of parallel
//!   GETs costs one round trip and carries only those objects, where a list carries every
//!   object of the kind (a cluster-wide list of ReplicaSets is often many pages); above [`FEW`]
//!   the GETs take several rounds and as many requests as owners, and the list wins.
//!
//! A ReplicaSet list starts the Deployment list with it: nearly every ReplicaSet has one.
//! Listed owners are kept as 64-bit hashes of their names with their few facts, so memory
//! follows the owner objects, not their JSON. (ReplicaSets cannot be listed by
//! `status.replicas`, to leave out the old revisions at 0 replicas: kube-apiserver refuses that
//! field selector for ReplicaSets; testkit's `real_ground` tests show it.)

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use kube::api::ListParams;
use serde::Deserialize;
use tokio::task::JoinHandle;

use super::pods::{self, ListMeta, OwnerReference};
use super::workloads::{Workload, WorkloadKind, WorkloadObject};
use super::{Cluster, ClusterError, Listing};

/// Owners of one kind up to which parallel GETs are cheaper than a list (one round of GETs in
/// flight at once).
pub const FEW: usize = 16;
/// Objects per owner list page: whole objects as pods (kubectl's chunk size), and four times
/// that for metadata-only lists. A page is sized by its bytes: an owner's metadata is under
/// 1 KB where a pod is several KB, so 2,000 of them make a page of about 1.5 MB, a fifth of a
/// pod page, and the owner list (on real clusters 2 to 3 times as many objects as pods) takes
/// fewer round trips than the pod pages it runs beside instead of a longer chain of them.
/// (5,000 took fewer still, but several lists in flight at once held 3 to 4 MB each.)
fn page_size(kind: WorkloadKind) -> u32 {
    if metadata_suffices(kind) { 2000 } else { 500 }
}
/// List restarts after an expired continue token.
const MAX_RELISTS: usize = 3;

/// What a restart decision needs of one owner object.
#[derive(Debug, Clone, Default)]
pub struct OwnerFacts {
    /// Its own controller (a ReplicaSet's Deployment, a Job's CronJob).
    pub owner: Option<OwnerReference>,
    /// Annotated `kyma-mesh.kyma-project.io/proxy-reset: "false"`.
    pub opted_out: bool,
    /// A template change re-creates no pod: `OnDelete`, or OpenKruise's in-place updates
    /// (`WorkloadObject::updates_without_recreating`).
    pub on_delete: bool,
}

/// What the resolver found for one owner.
#[derive(Debug, Clone)]
pub enum Lookup {
    Found(OwnerFacts),
    Missing,
    /// The request failed: the error, as the user reads it.
    Failed(String),
}

/// `(namespace, name)`.
type Key = (String, String);
/// Listed owners by a 64-bit hash of `(namespace, name)` ([`key_hash`]): a list holds every
/// object of its kind (tens of thousands on a large cluster), and a hash costs 8 bytes where
/// the two names cost two allocations. A collision (about 1 in 10^10 at 100,000 owners) would
/// read another owner's facts; the facts carry no names of their own to mix up beyond that.
type Index = HashMap<u64, Stored>;

/// One listed owner's [`OwnerFacts`] in 16 bytes, with no allocation of its own in the usual
/// case: a Deployment's ReplicaSet (or a CronJob's Job, ...) is named after its owner
/// (`<deployment>-<hash>`), so the owner's name is kept as the length of that prefix of the
/// object's own name, and its `apiVersion` and `kind` as an index into [`KNOWN_OWNERS`]. Any
/// other owner is kept whole. (A list holds every object of its kind: 95,000 ReplicaSets at
/// 50,000 pods, where one allocation each was 6 MB.)
struct Stored {
    owner: StoredOwner,
    opted_out: bool,
    on_delete: bool,
}

enum StoredOwner {
    None,
    /// `KNOWN_OWNERS[kind]`, named by the first `len` bytes of the object's own name.
    Prefix {
        kind: u8,
        len: u16,
        controller: Option<bool>,
    },
    Other(Box<OwnerReference>),
}

/// The owners' `(apiVersion, kind)` that [`StoredOwner::Prefix`] names by index.
const KNOWN_OWNERS: [(&str, &str); 5] = [
    ("apps/v1", "Deployment"),
    ("argoproj.io/v1alpha1", "Rollout"),
    ("batch/v1", "CronJob"),
    ("apps.kruise.io/v1alpha1", "CloneSet"),
    ("apps/v1", "ReplicaSet"),
];

impl StoredOwner {
    /// `owner` of the object named `name`.
    fn of(
        name: &str,
        api_version: &str,
        kind: &str,
        owner: &str,
        controller: Option<bool>,
    ) -> Self {
        let known = KNOWN_OWNERS
            .iter()
            .position(|(a, k)| *a == api_version && *k == kind);
        match (known, u16::try_from(owner.len())) {
            (Some(i), Ok(len)) if name.starts_with(owner) => StoredOwner::Prefix {
                kind: i as u8,
                len,
                controller,
            },
            _ => StoredOwner::Other(Box::new(OwnerReference {
                api_version: api_version.into(),
                kind: kind.into(),
                name: owner.into(),
                uid: String::new(),
                controller,
            })),
        }
    }

    /// The owner again, of the object named `name` (the name it was stored under).
    fn reference(&self, name: &str) -> Option<OwnerReference> {
        match self {
            StoredOwner::None => None,
            StoredOwner::Prefix {
                kind,
                len,
                controller,
            } => {
                let (api_version, kind) = KNOWN_OWNERS.get(usize::from(*kind))?;
                Some(OwnerReference {
                    api_version: (*api_version).into(),
                    kind: (*kind).into(),
                    name: name.get(..usize::from(*len))?.into(),
                    uid: String::new(),
                    controller: *controller,
                })
            }
            StoredOwner::Other(o) => Some((**o).clone()),
        }
    }
}

impl Stored {
    /// The facts of the object named `name`.
    fn facts(&self, name: &str) -> OwnerFacts {
        OwnerFacts {
            owner: self.owner.reference(name),
            opted_out: self.opted_out,
            on_delete: self.on_delete,
        }
    }
}

/// The index key of `namespace/name` (SipHash with fixed keys).
fn key_hash(namespace: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    namespace.hash(&mut h);
    name.hash(&mut h);
    h.finish()
}

/// Whether a kind's facts are all in its metadata: everything but the update strategy.
fn metadata_suffices(kind: WorkloadKind) -> bool {
    !matches!(
        kind,
        WorkloadKind::StatefulSet
            | WorkloadKind::DaemonSet
            | WorkloadKind::CloneSet
            | WorkloadKind::AdvancedStatefulSet
    )
}

fn facts_of_object(o: &WorkloadObject) -> OwnerFacts {
    OwnerFacts {
        owner: o.metadata.controller().cloned().map(|mut r| {
            r.uid = String::new();
            r
        }),
        opted_out: o.metadata.annotations.opted_out(),
        on_delete: o.updates_without_recreating(),
    }
}

/// A page of owners, borrowed from its JSON: of each owner only what [`Stored`] keeps, so a
/// page of 2,000 decodes into 2,000 small structs and no string is copied (the generic
/// [`WorkloadObject`] would copy every label and parse every timestamp).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Page<'a> {
    metadata: ListMeta,
    #[serde(borrow)]
    items: Vec<Listed<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Listed<'a> {
    #[serde(borrow)]
    metadata: ListedMeta<'a>,
    spec: ListedSpec,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ListedMeta<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    namespace: Cow<'a, str>,
    #[serde(borrow)]
    owner_references: Vec<ListedRef<'a>>,
    #[serde(borrow)]
    annotations: ListedAnnotations<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ListedRef<'a> {
    #[serde(borrow)]
    api_version: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    controller: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListedAnnotations<'a> {
    #[serde(borrow, rename = "kyma-mesh.kyma-project.io/proxy-reset")]
    proxy_reset: Option<Cow<'a, str>>,
}

/// Only in whole objects (not metadata-only lists): StatefulSets, DaemonSets, OpenKruise's.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ListedSpec {
    update_strategy: super::workloads::Strategy,
}

impl Listed<'_> {
    fn stored(&self) -> (u64, Stored) {
        let m = &self.metadata;
        let owner = pods::managing(&m.owner_references, |o| o.controller);
        let stored = Stored {
            owner: owner.map_or(StoredOwner::None, |o| {
                StoredOwner::of(&m.name, &o.api_version, &o.kind, &o.name, o.controller)
            }),
            opted_out: m.annotations.proxy_reset.as_deref() == Some("false"),
            on_delete: self.spec.update_strategy.recreates_no_pod(),
        };
        (key_hash(&m.namespace, &m.name), stored)
    }
}

/// One page of `kind` in `namespace` (or all), read into `buf`, its owners added to
/// `index`; the continue token.
async fn list_page(
    cluster: &Cluster,
    kind: WorkloadKind,
    namespace: Option<&str>,
    lp: &ListParams,
    buf: &mut Vec<u8>,
    index: &mut Index,
) -> Result<Option<String>, ClusterError> {
    let gvk = kind.gvk();
    let failed = |error| ClusterError::List {
        listing: Listing::of(&gvk, namespace),
        error: Box::new(error),
    };
    // Metadata-only (`PartialObjectMetadataList`, kube's `list_metadata` request) where that
    // suffices; either way decoded into the few fields of a `WorkloadObject`.
    let request = kube::core::Request::new(gvk.url_path(namespace));
    let req = if metadata_suffices(kind) {
        request.list_metadata(lp)
    } else {
        request.list(lp)
    }
    .map_err(|e| failed(kube::Error::BuildRequest(e)))?;
    cluster.request_into(req, buf).await.map_err(failed)?;
    let page: Page = serde_json::from_slice(buf).map_err(|e| failed(kube::Error::SerdeError(e)))?;
    // Sized once from the server's count, rather than grown (each growth holds the old table
    // and the new, twice as large, at once).
    let remaining = page.metadata.remaining_item_count.unwrap_or(0);
    index.reserve(page.items.len() + usize::try_from(remaining).unwrap_or(0));
    index.extend(page.items.iter().map(Listed::stored));
    Ok(page.metadata.continue_.filter(|c| !c.is_empty()))
}

/// Every object of `kind` in each scope (a namespace, or `None` for all), paged; an expired
/// continue token starts that scope's list again.
async fn list(
    cluster: &Cluster,
    kind: WorkloadKind,
    scopes: &[Option<String>],
) -> Result<Index, ClusterError> {
    let mut index = Index::new();
    let mut buf = Vec::new();
    for scope in scopes {
        let mut relists = 0;
        let mut lp = ListParams::default().limit(page_size(kind));
        loop {
            match list_page(cluster, kind, scope.as_deref(), &lp, &mut buf, &mut index).await {
                Ok(next) => match next {
                    Some(token) => lp = lp.continue_token(&token),
                    None => break,
                },
                Err(e) if pods::is_expired(&e) && relists < MAX_RELISTS => {
                    relists += 1;
                    lp = ListParams::default().limit(page_size(kind));
                }
                // The kind is not served (Argo Rollouts or OpenKruise not installed): none of
                // its objects exists.
                Err(e) if e.status_code() == Some(404) => break,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(index)
}

/// One owner, read alone (metadata only where that suffices); `None` when it does not exist.
pub async fn get(cluster: &Cluster, w: &Workload) -> Result<Option<OwnerFacts>, ClusterError> {
    if !metadata_suffices(w.kind) {
        return Ok(super::workloads::get(cluster, w)
            .await?
            .map(|o| facts_of_object(&o)));
    }
    let failed = |error| ClusterError::Get {
        object: w.object(),
        error: Box::new(error),
    };
    let req = kube::core::Request::new(w.kind.gvk().url_path(Some(&w.namespace)))
        .get_metadata(&w.name, &kube::api::GetParams::default())
        .map_err(|e| failed(kube::Error::BuildRequest(e)))?;
    match cluster.request_json::<WorkloadObject>(req).await {
        Ok(o) => Ok(Some(facts_of_object(&o))),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(failed(e)),
    }
}

/// Collects the owners a scan needs and resolves them in a bounded number of requests (the
/// module's documentation says how).
pub struct OwnerResolver {
    cluster: Cluster,
    /// The scan's scopes: its namespaces, or `[None]` for all.
    scopes: Vec<Option<String>>,
    wanted: HashMap<WorkloadKind, HashSet<Key>>,
    lists: HashMap<WorkloadKind, JoinHandle<Result<Index, ClusterError>>>,
    error: Option<ClusterError>,
    /// Also resolve the Deployments of the wanted ReplicaSets (their facts, not only names).
    deployments: bool,
}

/// What [`OwnerResolver::resolve`] found: each owner's lookup, and the first failed request
/// (for callers that stop at any failure; the lookups say `Failed` for each owner it hit).
pub struct Resolved {
    pub lookups: HashMap<Workload, Lookup>,
    pub error: Option<ClusterError>,
}

impl OwnerResolver {
    pub fn new(cluster: &Cluster, scopes: Vec<Option<String>>) -> OwnerResolver {
        OwnerResolver {
            cluster: cluster.clone(),
            scopes,
            wanted: HashMap::new(),
            lists: HashMap::new(),
            error: None,
            deployments: true,
        }
    }

    /// Only the wanted owners: a ReplicaSet's Deployment is named by the ReplicaSet, and a
    /// caller that needs no more than its name saves the Deployments' lookups.
    pub fn without_deployments(mut self) -> OwnerResolver {
        self.deployments = false;
        self
    }

    /// A pod's owner the decision needs; past [`FEW`] of a kind, its list starts now.
    pub fn want(&mut self, w: &Workload) {
        let set = self.wanted.entry(w.kind).or_default();
        set.insert((w.namespace.clone(), w.name.clone()));
        if set.len() > FEW {
            self.start(w.kind);
            if w.kind == WorkloadKind::ReplicaSet && self.deployments {
                self.start(WorkloadKind::Deployment);
            }
        }
    }

    fn start(&mut self, kind: WorkloadKind) {
        if self.lists.contains_key(&kind) {
            return;
        }
        let cluster = self.cluster.clone();
        let scopes = self.scopes.clone();
        let task = tokio::spawn(async move { list(&cluster, kind, &scopes).await });
        self.lists.insert(kind, task);
    }

    /// Resolves every wanted owner, and the Deployments of the wanted ReplicaSets.
    pub async fn resolve(mut self) -> Resolved {
        let mut out = HashMap::new();
        // The first level, every kind at once (each a list, or one round of GETs).
        let kinds: Vec<WorkloadKind> = self
            .wanted
            .keys()
            .copied()
            .filter(|k| !matches!(k, WorkloadKind::Deployment | WorkloadKind::Rollout))
            .collect();
        self.resolve_kinds(&kinds, &mut out).await;
        // The second level: each wanted ReplicaSet's Deployment.
        let deployments: Vec<Workload> =
            out.iter()
                .filter(|(w, _)| self.deployments && w.kind == WorkloadKind::ReplicaSet)
                .filter_map(|(w, l)| match l {
                    // A Deployment, or an Argo Rollout (which owns ReplicaSets the same way).
                    Lookup::Found(f) => f.owner.as_ref().and_then(|o| {
                        match WorkloadKind::of(&o.api_version, &o.kind) {
                            Some(k @ (WorkloadKind::Deployment | WorkloadKind::Rollout)) => {
                                Some(Workload::new(k, &w.namespace, &o.name))
                            }
                            _ => None,
                        }
                    }),
                    _ => None,
                })
                .collect();
        for d in &deployments {
            self.want(d);
        }
        let second: Vec<WorkloadKind> = [WorkloadKind::Deployment, WorkloadKind::Rollout]
            .into_iter()
            .filter(|k| self.wanted.contains_key(k))
            .collect();
        if !second.is_empty() {
            self.resolve_kinds(&second, &mut out).await;
        }
        // A list started for nothing (none wanted after all) is not waited for.
        for (_, task) in self.lists.drain() {
            task.abort();
        }
        Resolved {
            lookups: out,
            error: self.error,
        }
    }

    async fn resolve_kinds(&mut self, kinds: &[WorkloadKind], out: &mut HashMap<Workload, Lookup>) {
        let jobs: Vec<_> = kinds
            .iter()
            .map(|&kind| {
                let wanted = self.wanted.remove(&kind).unwrap_or_default();
                (kind, wanted, self.lists.remove(&kind))
            })
            .collect();
        let cluster = &self.cluster;
        let done = futures::future::join_all(
            jobs.into_iter()
                .map(|(kind, wanted, task)| fetch_kind(cluster, kind, wanted, task)),
        )
        .await;
        for (lookups, error) in done {
            out.extend(lookups);
            if let Some(e) = error {
                self.error.get_or_insert(e);
            }
        }
    }
}

/// The wanted owners of one kind, from its list (`task`) or by parallel GETs; and the first
/// failed request.
async fn fetch_kind(
    cluster: &Cluster,
    kind: WorkloadKind,
    wanted: HashSet<Key>,
    task: Option<JoinHandle<Result<Index, ClusterError>>>,
) -> (Vec<(Workload, Lookup)>, Option<ClusterError>) {
    let workloads: Vec<Workload> = wanted
        .into_iter()
        .map(|(ns, name)| Workload {
            kind,
            namespace: ns,
            name,
        })
        .collect();
    let Some(task) = task else {
        return gets(cluster, workloads).await;
    };
    match task.await {
        Ok(Ok(index)) => (from_index(&index, workloads), None),
        Ok(Err(e)) => failed_all(workloads, e),
        Err(e) => {
            let text = format!("listing {}: {e}", kind.gvk().plural);
            let lookups = workloads
                .into_iter()
                .map(|w| (w, Lookup::Failed(text.clone())))
                .collect();
            (lookups, None)
        }
    }
}

/// Each workload's facts from a list's index; `Missing` when the list does not hold it.
fn from_index(index: &Index, workloads: Vec<Workload>) -> Vec<(Workload, Lookup)> {
    workloads
        .into_iter()
        .map(|w| {
            let l = index
                .get(&key_hash(&w.namespace, &w.name))
                .map_or(Lookup::Missing, |f| Lookup::Found(f.facts(&w.name)));
            (w, l)
        })
        .collect()
}

/// Every workload `Failed` with `e`'s text; and `e`.
fn failed_all(
    workloads: Vec<Workload>,
    e: ClusterError,
) -> (Vec<(Workload, Lookup)>, Option<ClusterError>) {
    let text = e.to_string();
    let lookups = workloads
        .into_iter()
        .map(|w| (w, Lookup::Failed(text.clone())))
        .collect();
    (lookups, Some(e))
}

/// The workloads read by GETs, [`FEW`] in flight at once; and the first failed request.
async fn gets(
    cluster: &Cluster,
    workloads: Vec<Workload>,
) -> (Vec<(Workload, Lookup)>, Option<ClusterError>) {
    let got: Vec<(Workload, Result<Option<OwnerFacts>, ClusterError>)> =
        futures::stream::iter(workloads)
            .map(|w| async move {
                let r = get(cluster, &w).await;
                (w, r)
            })
            .buffer_unordered(FEW)
            .collect()
            .await;
    let mut error = None;
    let lookups = got
        .into_iter()
        .map(|(w, r)| {
            let l = match r {
                Ok(Some(f)) => Lookup::Found(f),
                Ok(None) => Lookup::Missing,
                Err(e) => {
                    let l = Lookup::Failed(e.to_string());
                    error.get_or_insert(e);
                    l
                }
            };
            (w, l)
        })
        .collect();
    (lookups, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use testkit::KubeSim;

    /// `n` Deployments in `shop`, each with one ReplicaSet `<name>-rs`; one opted out.
    fn cluster(n: usize) -> KubeSim {
        let sim = KubeSim::builder().start().unwrap();
        sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}))
            .unwrap();
        for i in 0..n {
            let name = format!("web-{i}");
            let mut meta = json!({"name": name, "namespace": "shop"});
            if i == 0 {
                meta["annotations"] = json!({crate::names::PROXY_RESET: "false"});
            }
            let d = sim
                .put(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
                             "template": {"metadata": {"labels": {"app": name}},
                                          "spec": {"containers": [{"name": "app", "image": "app:1"}]}}}}))
                .unwrap();
            sim.put(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": format!("{name}-rs"), "namespace": "shop",
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                                         "uid": d["metadata"]["uid"], "controller": true}]},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}},
                                      "spec": {"containers": [{"name": "app", "image": "app:1"}]}}}}))
                .unwrap();
        }
        sim
    }

    /// Resolves `wanted` ReplicaSets (and one that does not exist); returns the lookups and
    /// the requests kube-sim saw for ReplicaSets and Deployments: `(lists, gets)`.
    fn resolve(sim: &KubeSim, wanted: usize) -> (HashMap<Workload, Lookup>, (usize, usize)) {
        sim.clear_requests();
        let lookups = resolve_wanted(
            sim,
            (0..wanted)
                .map(|i| format!("web-{i}-rs"))
                .chain(["gone".into()]),
            WorkloadKind::ReplicaSet,
        )
        .lookups;
        let reqs = sim.requests();
        let owners = reqs
            .iter()
            .filter(|r| r.resource == "replicasets" || r.resource == "deployments");
        let lists = owners.clone().filter(|r| r.verb == "list").count();
        let gets = owners.filter(|r| r.verb == "get").count();
        assert!(reqs.iter().all(|r| r.metadata_only), "{reqs:#?}");
        (lookups, (lists, gets))
    }

    /// The owners of `kind` named `names` in `shop`, resolved against `sim`.
    fn resolve_wanted(
        sim: &KubeSim,
        names: impl Iterator<Item = String>,
        kind: WorkloadKind,
    ) -> Resolved {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let c = Cluster::connect(
                Some(sim.kubeconfig_path()),
                None,
                super::super::retry::Log::silent(),
            )
            .await
            .unwrap();
            let mut r = OwnerResolver::new(&c, vec![None]);
            for name in names {
                r.want(&Workload::new(kind, "shop", &name));
            }
            r.resolve().await
        })
    }

    fn deployment_of(lookups: &HashMap<Workload, Lookup>, rs: &str) -> Option<String> {
        match lookups.get(&Workload::new(WorkloadKind::ReplicaSet, "shop", rs))? {
            Lookup::Found(f) => f.owner.as_ref().map(|o| o.name.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_kind_that_is_not_served_has_no_owners_and_is_no_error() {
        use testkit::{Fault, FaultRule, Faults};
        let sim = cluster(0);
        // As if Argo Rollouts' CRD were not installed: its list answers 404.
        sim.set_faults(Faults::none().with_rule(FaultRule::new(
            Some("list"),
            Some("rollouts"),
            1.0,
            Fault::Status(404),
        )));
        let resolved = resolve_wanted(
            &sim,
            (0..=FEW).map(|i| format!("ro-{i}")),
            WorkloadKind::Rollout,
        );
        assert!(resolved.error.is_none());
        assert_eq!(resolved.lookups.len(), FEW + 1);
        assert!(
            resolved
                .lookups
                .values()
                .all(|l| matches!(l, Lookup::Missing))
        );
        assert!(
            sim.requests()
                .iter()
                .any(|r| r.resource == "rollouts" && r.verb == "list")
        );
    }

    #[test]
    fn few_owners_are_read_by_gets() {
        let sim = cluster(30);
        let (lookups, (lists, gets)) = resolve(&sim, 3);
        assert_eq!(
            (lists, gets),
            (0, 4 + 3),
            "4 ReplicaSets, then 3 Deployments"
        );
        assert_eq!(
            deployment_of(&lookups, "web-2-rs").as_deref(),
            Some("web-2")
        );
        assert!(matches!(
            lookups.get(&Workload::new(WorkloadKind::ReplicaSet, "shop", "gone")),
            Some(Lookup::Missing)
        ));
        assert!(matches!(
            lookups.get(&Workload::new(WorkloadKind::Deployment, "shop", "web-0")),
            Some(Lookup::Found(OwnerFacts {
                opted_out: true,
                ..
            }))
        ));
    }

    #[test]
    fn many_owners_are_read_by_one_list_per_kind_whatever_their_number() {
        let sim = cluster(40);
        for wanted in [FEW + 1, 40] {
            let (lookups, (lists, gets)) = resolve(&sim, wanted);
            assert_eq!((lists, gets), (2, 0), "{wanted} owners");
            assert_eq!(deployment_of(&lookups, "web-39-rs").is_some(), wanted == 40);
            assert!(matches!(
                lookups.get(&Workload::new(WorkloadKind::Deployment, "shop", "web-0")),
                Some(Lookup::Found(OwnerFacts {
                    opted_out: true,
                    ..
                }))
            ));
        }
    }
}
