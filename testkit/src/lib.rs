//! # testkit: the test ground of kyma-mesh
//!
//! Fast simulators for most tests (never linked into the product), and the real thing for the
//! rest:
//!
//! * **kube-sim**, an in-memory Kubernetes API server over plain HTTP on 127.0.0.1, usable
//!   in-process ([`KubeSim`]) and as the binary `kube-sim`. Real `kubectl` and `kube::Client`
//!   work against it.
//! * **fake-istioctl**, a binary that behaves like istioctl >= 1.24 at its boundary
//!   (`version`, `install`/`upgrade -f [--revision R]`, `uninstall --purge|--revision R`,
//!   `tag set|list|remove`) and "installs" Istio into kube-sim; failure modes through
//!   `FAKE_ISTIOCTL_FAIL` (see the binary's documentation).
//! * **the real ground** ([`realk8s`]): kube-apiserver, etcd, the controller-manager, the
//!   scheduler, kwok, pilot-discovery and istioctl built from pinned Go modules
//!   (`testkit/realk8s/`), started on loopback by [`realk8s::RealGround::start`].
//!
//! ## Using kube-sim from a test
//!
//! ```no_run
//! use serde_json::json;
//! use testkit::{KubeSim, GenOptions};
//!
//! let sim = KubeSim::builder().generate(GenOptions { pods: 200, ..Default::default() }).start().unwrap();
//! // point KUBECONFIG at it (contexts: `kube-sim` (current), `kube-sim-alt`, `unreachable`)
//! let kubeconfig = sim.kubeconfig_path();
//! sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})).unwrap();
//! let istiod = sim.get("deployment", Some("istio-system"), "istiod").unwrap();
//! sim.clear_writes();
//! // ... run `kyma-mesh` with KUBECONFIG=kubeconfig ...
//! assert!(sim.writes().iter().all(|w| !w.succeeded()), "a dry run writes nothing");
//! # let _ = (kubeconfig, istiod);
//! ```
//!
//! Note: `kube::Client` (kube 5) retries 429, 503 and 504 by itself (honouring Retry-After), so
//! such faults show up in [`KubeSim::writes`] as repeated attempts; 500 and dropped
//! connections reach the caller. kyma-mesh switches that off for its own policy
//! (`src/cluster/retry.rs`) and sends `User-Agent: kyma-mesh/<version>`, so
//! [`FaultRule::agent`]`("kyma-mesh/")` faults kyma-mesh's requests and spares fake-istioctl's.
//!
//! [`KubeSim::start`] runs the server on its own small tokio runtime, so it works from plain
//! `#[test]` functions that spawn processes and from `#[tokio::test]` alike; start-up takes about a
//! millisecond. Everything on the handle is synchronous. Dropping the handle stops the server.
//!
//! Binaries: [`bin_path`] finds `kube-sim` and `fake-istioctl` next to the running test
//! executable (`target/<profile>/`); [`install_fake_istioctl`] puts fake-istioctl into a
//! directory under the name `istioctl` for a test's `PATH`; [`read_istioctl_calls`] reads what
//! fake-istioctl recorded into `$FAKE_ISTIOCTL_RECORD`.
//!
//! ## Generated clusters
//!
//! [`generate_cluster`] (through [`KubeSimBuilder::generate`]) builds Nodes, namespaces
//! (`kyma-system`, `istio-system`, app namespaces with and without injection), Istio at
//! [`GenOptions::istio_version`] and pods of every owner kind [`OwnerKind`] names: Deployments
//! (through ReplicaSets), StatefulSets and DaemonSets with `RollingUpdate` and `OnDelete`,
//! ownerless ReplicaSets, ReplicationControllers, Jobs, CronJobs (-> Job), bare pods, and custom
//! resources (`argoproj.io` Rollout -> ReplicaSet, `apps.kruise.io` CloneSet -> pods, objects
//! with a status, their controllers below). Mixed in: outdated sidecars (a fraction of the
//! workloads, on the previous minor), native sidecars, the installed version in the other
//! flavour, pods annotated `sidecar.istio.io/proxyImage`, opt-outs
//! ([`RESET_OPT_OUT`]` = "false"` on the pod template or on the workload), pods that opted out
//! of injection, pods with a second, non-controller ownerReference. Pods are ~13 KB of JSON,
//! as in real clusters. The ground truth is in [`GeneratedCluster::inventory`] (one [`GenPod`]
//! per pod: owner kind and chain, proxy image, flags, [`GenPod::outdated`],
//! [`GenPod::needs_reset`]) and [`GeneratedCluster::outdated_by_owner`]. On request, some
//! outdated Deployments come under the fixtures below ([`GenOptions::reverting_workloads`],
//! [`GenOptions::pinned_workloads`], [`GenPod::fixture`]): they stay outdated after a restart.
//! ## Tests that need external tools
//!
//! testkit's conformance tests run the real `kubectl` (and `jq`) against kube-sim. A missing tool
//! FAILS those tests ("kubectl not found on PATH: install it, or set KYMA_MESH_SKIP_TOOL_TESTS=1
//! to skip these tests visibly"): a test that did not run must not count as passed. With
//! `KYMA_MESH_SKIP_TOOL_TESTS=1` they are skipped instead, each printing a `SKIPPED: ...` line to
//! stderr (shown by `cargo test -- --nocapture`).
//!
//! ## What kube-sim serves
//!
//! Discovery (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/{g}`, `/apis/{g}/{v}`) for
//! namespaces, nodes, pods, services, configmaps, secrets, serviceaccounts, events,
//! replicationcontrollers; apps deployments, replicasets, statefulsets, daemonsets; batch jobs,
//! cronjobs; autoscaling/v2 HPAs; policy/v1 PDBs; admissionregistration mutating/validating
//! webhook configurations; apiextensions CRDs; authorization selfsubjectaccessreviews
//! (allowed unless [`KubeSim::deny`]); networking.istio.io (v1, v1beta1, v1alpha3)
//! destinationrules, virtualservices, gateways, serviceentries, sidecars, envoyfilters;
//! security.istio.io (v1, v1beta1) peerauthentications, authorizationpolicies,
//! requestauthentications; operator.kyma-project.io (v1alpha2) istios, the Kyma Istio module's
//! resource; argoproj.io (v1alpha1) rollouts (Argo Rollouts); apps.kruise.io clonesets
//! (v1alpha1) and statefulsets (v1beta1, v1alpha1: OpenKruise's Advanced StatefulSet; plain
//! `statefulsets` still names Kubernetes' own).
//!
//! Verbs: get; list (all namespaces or one; label selectors `=`, `==`, `!=`, `in`, `notin`, exists,
//! `!key`; field selectors `metadata.name`, `metadata.namespace`, `status.phase`, `spec.nodeName`
//! and a few more; `limit`/`continue` over a consistent snapshot, 410 Expired for evicted tokens
//! and, with [`KubeSimBuilder::continue_token_ttl`], for old ones, see also
//! [`KubeSim::expire_continue_tokens`]); watch (`watch=true`: ADDED for current objects, or the
//! events after `resourceVersion`, then a stream of ADDED/MODIFIED/DELETED; `sendInitialEvents`
//! with the initial-events-end bookmark; `timeoutSeconds`); create (`generateName`, AlreadyExists,
//! Invalid for bad names/selectors/containers, NotFound for a missing namespace); update with
//! `resourceVersion` (Conflict when stale), the `/status` subresource; patch as merge, JSON
//! patch, strategic merge (name-keyed lists for containers, env, ports, volumes, webhooks, ...;
//! 415 for custom resources, as Kubernetes does) and server-side apply (below); delete
//! (preconditions, background cascading through ownerReferences, `Orphan`, namespace deletion
//! takes its contents, `default`/`kube-system`/`kube-public` are protected; graceful deletion,
//! below); deletecollection; `dryRun=All`. Errors are `Status` objects. `resourceVersion` is one
//! global counter; `metadata.generation` moves when anything but metadata and status changes.
//!
//! Content types: request bodies in JSON, YAML (apply) and protobuf
//! (`application/vnd.kubernetes.protobuf`, the `k8s\0` envelope, decoded for the kinds
//! kubectl's typed generators create: Namespace, ConfigMap, Secret, ServiceAccount, Service,
//! Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, PodDisruptionBudget; so
//! `kubectl create namespace|configmap|secret|deployment|service|job|cronjob|...` work; the
//! write log records the decoded JSON). Responses are JSON, which kubectl accepts in place of
//! protobuf. With `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get`
//! sends), get, list and watch answer `meta.k8s.io/v1` (or `v1beta1`) `Table`s with the columns
//! of Kubernetes' own printers: pods NAME READY STATUS (Running, Terminating, waiting reasons,
//! ...) RESTARTS AGE and, with `-o wide`, IP NODE NOMINATED NODE READINESS GATES; deployments,
//! replicasets, replicationcontrollers, statefulsets, daemonsets, jobs, cronjobs, services,
//! configmaps, secrets, namespaces, serviceaccounts, nodes, PDBs, webhook configurations, CRDs
//! (NAME CREATED AT); the Istio kinds by their CRDs' `additionalPrinterColumns`
//! (PeerAuthentication MODE, DestinationRule HOST, VirtualService GATEWAYS HOSTS, ServiceEntry
//! HOSTS LOCATION RESOLUTION, AuthorizationPolicy ACTION, the rest NAME AGE); other kinds NAME
//! AGE. Rows carry `PartialObjectMetadata`, the object or nothing (`includeObject`); list
//! Tables keep `continue`, so `--chunk-size` works. With
//! `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` (kube's
//! `list_metadata`, client-go's metadata client) a list answers `meta.k8s.io/v1`
//! `PartialObjectMetadataList` pages (metadata only, paged like full lists), and a get
//! `PartialObjectMetadata`. [`KubeSim::requests`] logs every request, reads included (verb,
//! resource, namespace, name, metadata-only, limit, continued, User-Agent), for tests that
//! count round trips.
//!
//! Server-side apply (`application/apply-patch+yaml`, YAML or JSON body, `fieldManager`
//! required, creates when absent) tracks field ownership in `managedFields` (`FieldsV1`, one
//! entry per manager and operation, `subresource: status` for status writes). Updates, patches
//! and creates record `operation: Update` for their manager (`fieldManager`, else the
//! User-Agent's first word, as a real server does) and take the fields they change from other
//! managers. An apply that would change a field another manager owns fails with 409 `Conflict`
//! (`details.causes` of reason `FieldManagerConflict`, message `Apply failed with 1 conflict:
//! conflict with "kubectl-client-side-apply" using v1: .data.key`) unless `force=true`, which
//! takes the field over; applying the same value shares it. Fields a manager applied before and
//! no longer applies are removed unless another manager owns them. `managedFields: [{}]` in a
//! write clears the entries. The ownership of list items follows kube-sim's strategic-merge keys
//! (containers, env, volumes by `name`, ports by `containerPort`/`port`, ...; other lists are
//! atomic), not OpenAPI schemas.
//!
//! Graceful deletion: deleting a scheduled, not yet finished pod sets `deletionTimestamp` (now
//! plus the grace period: `gracePeriodSeconds`, else `spec.terminationGracePeriodSeconds`) and
//! `deletionGracePeriodSeconds`; the pod stays, `Terminating`, until the simulated kubelet
//! removes it after the shorter of that grace period and [`KubeSimBuilder::pod_grace_period`]
//! (default 200 ms, [`DEFAULT_POD_GRACE`]); `gracePeriodSeconds=0` (`kubectl delete --force
//! --grace-period=0`) removes it at once, deleting again may shorten the wait. Objects of any
//! kind with `metadata.finalizers` stay (with `deletionTimestamp`) until an update removes the
//! last finalizer; no finalizer can be added meanwhile. Watches see MODIFIED, then DELETED;
//! garbage collection of dependents happens when the owner is finally gone. Controllers do not
//! count terminating pods and replace them at once.
//!
//! Simulated controllers run after each write. A write over HTTP is answered once it is
//! stored, as kube-apiserver answers, and its controllers run afterwards on kube-sim's
//! controller thread (one write's at a time, in the order of the writes, at a lower CPU
//! priority than the server and its clients), as kube-controller-manager
//! reacts through its watches; watches see their changes as they happen. A read (GET, list,
//! the start of a watch, and every method of the handle) first runs whatever is still pending,
//! so a client that reads after its write sees what the controllers made of it, and tests stay
//! deterministic. A write made through the handle runs its controllers before it returns.
//! The controllers: Deployment -> ReplicaSet (named
//! `<name>-<pod-template-hash>`) -> Pods, with status (`availableReplicas`, conditions
//! `Available`/`Progressing=NewReplicaSetAvailable`, `observedGeneration`); ReplicaSet and
//! ReplicationController -> Pods (a deleted pod is replaced); StatefulSet -> `<name>-<i>`
//! (`OrderedReady`: each once its predecessors are Ready; `Parallel`); DaemonSet -> one pod per
//! Node (or one virtual node); Job -> one pod. A changed pod template replaces the workload's pods:
//! a Deployment's new ReplicaSet gets every replica at once and the old ones scale down as its pods
//! become Ready (so with [`KubeSim::set_new_pods_ready`]`(false)` the old pods keep running until
//! [`KubeSim::make_pods_ready`]); a StatefulSet's (`RollingUpdate`, down to `partition`) and a
//! DaemonSet's one at a time, each once the others are Ready; with `updateStrategy.type: OnDelete`
//! none, until a pod is deleted (it comes back from the current template, so with the injector's
//! current sidecar). Argo Rollouts' Rollout -> ReplicaSet (`<name>-<hash>`, label
//! `rollouts-pod-template-hash`) -> Pods, and its `spec.restartAt` as Argo's restart: once due
//! (a future time is looked at again when it comes), the pods created before it are evicted,
//! at most `maxUnavailable` (canary or blue-green, default 25%, at least 1) unavailable at a
//! time, and `status.restartedAt` is set when none is left. OpenKruise's CloneSet
//! (`<name>-<suffix>` pods it owns itself, `updateStrategy` `ReCreate`, `InPlaceIfPossible`,
//! `InPlaceOnly`, `maxUnavailable` default 20%, `partition`, `paused`) and Advanced StatefulSet
//! (as a StatefulSet, plus `rollingUpdate.podUpdatePolicy`): a template change that touches only
//! metadata or images is applied in place under the in-place policies (the pod keeps its other
//! containers, an injected sidecar included), anything else re-creates (refused under
//! `InPlaceOnly`); status `updatedReplicas`, `updateRevision`, `currentRevision` and so on.
//! New pods are Running and Ready at once (see [`KubeSim::set_new_pods_ready`]
//! and [`KubeSim::make_pods_ready`]). The disruption controller keeps each PodDisruptionBudget's
//! `status` (`disruptionsAllowed`, `currentHealthy`, `desiredHealthy`, `expectedPods`,
//! `observedGeneration`) as `pkg/controller/disruption` computes it from `minAvailable` or
//! `maxUnavailable` (numbers and percentages, rounded up) after every write;
//! [`KubeSim::track_not_ready_pods`] remembers the most pods not ready at once. The sidecar injector evaluates the
//! `*sidecar-injector.istio.io` webhooks' namespace/object selectors (so injection follows
//! namespace label `istio-injection`, `enableNamespacesByDefault` via the `auto.` webhook,
//! `sidecar.istio.io/inject`, `istio.io/rev`), takes the first matching webhook (configurations in
//! name order, so `istio-revision-tag-default` before `istio-sidecar-injector`), and injects what
//! the istiod Deployment that webhook calls would: the proxy image matching its `discovery` image
//! (`<hub>/pilot:<tag>` -> `<hub>/proxyv2:<tag>`) or the pod's `sidecar.istio.io/proxyImage`, and
//! its revision (`istio.io/rev` annotation, `"revision"` in `sidecar.istio.io/status`). So
//! revisions (`istiod-<rev>`, `istio-sidecar-injector-<rev>`) and revision tags work as in a
//! cluster; [`KubeSim::injection_for`] tells what a new pod would get. If the webhook matches but
//! its istiod is gone, pod creation fails as in a real cluster.
//!
//! Fixtures standing in for other controllers: [`KubeSim::revert_template_annotations`] (a
//! controller that undoes `kubectl rollout restart`) and [`KubeSim::pin_proxy_image`] (new pods
//! that keep an old sidecar).
//!
//! ## What is NOT covered
//!
//! * TLS, authentication and authorization beyond bearer tokens being recorded and
//!   [`KubeSim::deny`] rules; no impersonation, no RBAC objects.
//! * CBOR bodies get 415; protobuf bodies of kinds (or fields, e.g. `affinity`, exotic volume
//!   sources) outside the decoder's table get 415 naming the kind or field. Responses are
//!   always JSON (also for protobuf `Accept`s and Tables). Table cells follow the real printers
//!   closely but not everywhere (e.g. HPA and Event columns are NAME AGE, the Job STATUS knows
//!   only the conditions kube-sim's jobs can have).
//! * OpenAPI: `/openapi/v3` serves only PATCH operations with the `fieldValidation` parameter
//!   (so kubectl leaves validation to the server); no schemas, `/openapi/v2` is 404, so
//!   `kubectl explain` does not work and kube-sim does no schema validation.
//! * Subresources other than `status`: no `scale`, `log`, `exec`, `attach`, `portforward`,
//!   `eviction`, `binding`, `proxy`, `ephemeralcontainers`. `kubectl scale`, `logs`, `exec` and
//!   `drain` therefore fail.
//! * Server-side apply: no OpenAPI schemas (list semantics as above, no `x-kubernetes-*`
//!   markers, no `listType=set` `v:` elements), no version conversion of field sets; a
//!   manager's own `Update` entry counts as another manager for its applies. Writes by kube-sim
//!   itself (controllers, [`KubeSim::put`]) and by clients with neither `fieldManager` nor
//!   User-Agent record no ownership.
//! * Deletion: only pods have a grace period; pods removed by controllers (scale-down, template
//!   changes), by garbage collection or with their namespace go at once, ignoring finalizers;
//!   no foreground cascading (`propagationPolicy=Foreground` acts as Background), no `orphan`
//!   finalizer (an orphaning delete of an object held by finalizers collects its dependents
//!   when it goes); namespaces never sit in `Terminating` (their `spec.finalizers` are not
//!   honoured); a terminating pod keeps its Running status until it is removed.
//! * No admission beyond name/label/selector/container validation, pod/service defaulting and
//!   the sidecar injector; no defaulting of most fields; no schema validation of CRs.
//! * Controllers are instantaneous: no rolling-update pacing beyond "one pod at a time, once
//!   Ready" for StatefulSets and DaemonSets (`maxSurge`/`maxUnavailable` are ignored),
//!   no progress deadlines, no HPA, no CronJob scheduling, no job completion, no endpoints.
//! * No custom resource definitions at runtime: creating a CRD object does not serve a new type.
//! * Watch: no bookmarks except the initial-events-end one; label-selector watches do not
//!   synthesize DELETED/ADDED when an object stops/starts matching; old-version watches beyond
//!   the last 50,000 events get 410.
//! * Field selectors: only the fields listed above.
//! * fake-istioctl: a revision-less `install` creates no `istio-revision-tag-default` (istioctl
//!   1.24+ does, pointing at the default revision); a `--revision` install into a cluster
//!   without any injector webhook does, as istioctl. No `tag generate`, no webhook conflict
//!   analysis, no `--istioNamespace` other than `istio-system` for revisions.
//! * An expired continue token's `Status` carries no `metadata.continue` (a real server offers
//!   one to go on with an inconsistent list); clients have to start a new list.
//! * Continue tokens expire by age ([`KubeSimBuilder::continue_token_ttl`]) or on demand. A real
//!   kube-apiserver (1.36, see `realk8s`) serves the next page of a kind in its watch cache from
//!   the cache's snapshot even after an etcd compaction, and answers 410 Expired only for pages
//!   it reads from etcd (`tests/suite/real_ground.rs` shows both).

mod controllers;
mod faults;
mod generator;
pub mod istio;
mod managed;
mod patch;
mod protobuf;
pub mod realk8s;
mod registry;
mod selector;
mod server;
mod store;
mod table;
mod util;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub use faults::{Fault, FaultRule, Faults};
pub use generator::{
    GenFixture, GenOptions, GenPod, GeneratedCluster, OptOut, OwnerKind, RESET_OPT_OUT, Shape,
    generate_cluster,
};
pub use patch::{json_patch, merge_patch, strategic_merge};
pub use selector::{FieldSelector, LabelSelector};
pub use server::{RequestRecord, WriteRecord};
pub use store::{ApiError, DEFAULT_POD_GRACE};
pub use util::Rng;

use server::{Shared, lock};
use store::{DeleteOpts, Store, WriteOpts};

/// Builder for a [`KubeSim`].
#[derive(Debug, Clone, Default)]
pub struct KubeSimBuilder {
    port: u16,
    seed: u64,
    faults: Option<Faults>,
    generate: Option<GenOptions>,
    objects: Vec<Value>,
    istio_version: Option<String>,
    continue_ttl: Option<Duration>,
    pod_grace: Option<Duration>,
}

impl KubeSimBuilder {
    /// Port to listen on (0, the default, picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Seed for uids and names (fault injection has its own seed in [`Faults`]).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = Some(faults);
        self
    }

    /// Start with a generated cluster (see [`generate_cluster`]).
    pub fn generate(mut self, opts: GenOptions) -> Self {
        self.generate = Some(opts);
        self
    }

    /// Objects to load as they are (no admission, no controllers), in order.
    pub fn objects(mut self, objects: impl IntoIterator<Item = Value>) -> Self {
        self.objects.extend(objects);
        self
    }

    /// The injector's version while no istiod Deployment exists (see [`KubeSim::set_istio_version`]).
    pub fn istio_version(mut self, version: &str) -> Self {
        self.istio_version = Some(version.to_string());
        self
    }

    /// Continue tokens expire this long after the list's first page: using one later gets
    /// `410 Gone`, reason `Expired` (as from a real API server once etcd compacted the list's
    /// revision, after about five minutes). Default: no expiry (tokens are still evicted when
    /// more than 64 paginated lists are open).
    pub fn continue_token_ttl(mut self, ttl: Duration) -> Self {
        self.continue_ttl = Some(ttl);
        self
    }

    /// How long a deleted pod stays `Terminating` (with `deletionTimestamp` set) before the
    /// simulated kubelet removes it: the shorter of this and the grace period the delete asked
    /// for (`gracePeriodSeconds`, else the pod's `terminationGracePeriodSeconds`, 30 s by
    /// default). Default 200 ms ([`DEFAULT_POD_GRACE`]) so that test suites stay fast; `0`
    /// still shows the `Terminating` state but removes it at the next chance.
    pub fn pod_grace_period(mut self, grace: Duration) -> Self {
        self.pod_grace = Some(grace);
        self
    }

    pub fn start(self) -> std::io::Result<KubeSim> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kube-sim")
            .enable_all()
            .build()?;
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", self.port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let mut store = Store::new(self.seed);
        store.istio_version_override = self.istio_version.clone();
        store.continue_ttl = self.continue_ttl;
        store.pod_grace = self.pod_grace.unwrap_or(DEFAULT_POD_GRACE);
        let wake = store.wake.clone();
        let mut report = None;
        if let Some(g) = &self.generate {
            let mut cluster = generate_cluster(g);
            store
                .load_generated(std::mem::take(&mut cluster.docs))
                .map_err(std::io::Error::other)?;
            store.apply_generated_fixtures(&cluster.fixtures);
            report = Some(cluster);
        }
        for o in self.objects {
            store.load(o).map_err(std::io::Error::other)?;
        }
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            controllers: std::sync::Condvar::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            faults: Mutex::new(faults::FaultState::new(self.faults.unwrap_or_default())),
            denies: Mutex::new(Vec::new()),
            writes: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            request_log: Mutex::new(Vec::new()),
            server_addr: addr.to_string(),
        });
        let (tx, rx) = tokio::sync::watch::channel(false);
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        runtime.spawn(server::serve(listener, shared.clone(), rx.clone()));
        runtime.spawn(server::reaper(shared.clone(), wake, rx));
        let manager = shared.clone();
        std::thread::Builder::new()
            .name("kube-sim-controllers".into())
            .spawn(move || server::controller_manager(manager))?;
        let dir = tempfile::Builder::new().prefix("kube-sim-").tempdir()?;
        let url = format!("http://{addr}");
        let kubeconfig = dir.path().join("kubeconfig");
        let sim = KubeSim {
            shared,
            url,
            port: addr.port(),
            kubeconfig,
            _dir: dir,
            shutdown: tx,
            runtime: Some(runtime),
            generated: report,
        };
        sim.write_kubeconfig(&sim.kubeconfig, "kube-sim")?;
        sim.wait_ready()?;
        Ok(sim)
    }
}

/// A running kube-sim. See the crate documentation.
pub struct KubeSim {
    shared: Arc<Shared>,
    url: String,
    port: u16,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
    shutdown: tokio::sync::watch::Sender<bool>,
    runtime: Option<tokio::runtime::Runtime>,
    generated: Option<GeneratedCluster>,
}

impl Drop for KubeSim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.shared.stopping.store(true, Ordering::Relaxed);
        {
            // Under the lock: the controller thread is either working (and sees the flag
            // next) or waiting (and is woken).
            let _store = lock(&self.shared.store);
            self.shared.controllers.notify_all();
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn resolve(resource: &str) -> Result<usize, ApiError> {
    registry::resolve(resource).ok_or_else(|| {
        ApiError::new(
            404,
            "NotFound",
            format!("the server doesn't have a resource type \"{resource}\""),
        )
    })
}

impl KubeSim {
    /// Starts an empty cluster (namespaces `default`, `kube-system`, `kube-public`,
    /// `kube-node-lease`) on a free port. Panics if no socket can be bound.
    pub fn start() -> KubeSim {
        KubeSim::builder().start().expect("kube-sim starts")
    }

    pub fn builder() -> KubeSimBuilder {
        KubeSimBuilder::default()
    }

    fn wait_ready(&self) -> std::io::Result<()> {
        let mut last = None;
        for _ in 0..200 {
            match std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                Ok(mut s) => {
                    s.set_read_timeout(Some(Duration::from_secs(5)))?;
                    s.write_all(
                        b"GET /healthz HTTP/1.1\r\nHost: kube-sim\r\nConnection: close\r\n\r\n",
                    )?;
                    let mut buf = String::new();
                    let _ = s.read_to_string(&mut buf);
                    if buf.starts_with("HTTP/1.1 200") {
                        return Ok(());
                    }
                }
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("kube-sim did not become ready")))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A kubeconfig for this server (in a temporary directory that lives as long as the handle)
    /// with contexts `kube-sim` (current; user token `kube-sim`), `kube-sim-alt` (same server,
    /// user token `kube-sim-alt`, namespace `default`) and `unreachable` (a closed port).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// The kubeconfig text, with the given current context.
    pub fn kubeconfig_yaml(&self, current_context: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\npreferences: {{}}\nclusters:\n- name: kube-sim\n  cluster:\n    server: {url}\n- name: kube-sim-unreachable\n  cluster:\n    server: http://127.0.0.1:1\nusers:\n- name: kube-sim\n  user:\n    token: kube-sim\n- name: kube-sim-alt\n  user:\n    token: kube-sim-alt\ncontexts:\n- name: kube-sim\n  context:\n    cluster: kube-sim\n    user: kube-sim\n- name: kube-sim-alt\n  context:\n    cluster: kube-sim\n    user: kube-sim-alt\n    namespace: default\n- name: unreachable\n  context:\n    cluster: kube-sim-unreachable\n    user: kube-sim\ncurrent-context: {current_context}\n",
            url = self.url
        )
    }

    /// Writes a kubeconfig (see [`KubeSim::kubeconfig_path`]) with another current context.
    pub fn write_kubeconfig(&self, path: &Path, current_context: &str) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml(current_context))
    }

    /// A `kube::Config` for this server (build the client inside a tokio runtime).
    pub fn kube_config(&self) -> kube::Config {
        let mut c = kube::Config::new(self.url.parse().expect("valid url"));
        c.default_namespace = "default".into();
        c
    }

    /// Creates or replaces an object (resourceVersion ignored) as a client would, with admission
    /// (defaults, sidecar injection, kubelet status for pods) and controllers, but without
    /// faults, deny rules or the write log. Namespaced objects without a namespace go to `default`.
    pub fn put(&self, obj: Value) -> Result<Value, ApiError> {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let res = registry::by_kind(api_version, kind).ok_or_else(|| {
            ApiError::bad_request(format!(
                "no kind \"{kind}\" is registered for version \"{api_version}\""
            ))
        })?;
        let rt = &registry::RESOURCES[res];
        let ns = if rt.namespaced {
            obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string()
        } else {
            String::new()
        };
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut store = server::settled(&self.shared);
        let o = if store.get(res, &ns, &name).is_some() {
            let mut v = obj;
            if let Some(m) = v["metadata"].as_object_mut() {
                m.remove("resourceVersion");
            }
            store.update(res, &ns, &name, v, &WriteOpts::default())?
        } else {
            store.create(res, &ns, obj, &WriteOpts::default())?
        };
        Ok(o.value().clone())
    }

    /// Loads objects as they are: no admission, no controllers (for fixtures).
    pub fn load(&self, objects: impl IntoIterator<Item = Value>) -> Result<usize, ApiError> {
        let mut store = server::settled(&self.shared);
        let mut n = 0;
        for o in objects {
            store.load(o)?;
            n += 1;
        }
        Ok(n)
    }

    /// Loads a fixture file: YAML (multi-document) or JSON, objects or `List`s of objects.
    pub fn load_file(&self, path: &Path) -> Result<usize, String> {
        let objects = read_objects_file(path)?;
        self.load(objects).map_err(|e| e.to_string())
    }

    /// One object. `resource` is resolved like kubectl does: `deploy`, `deployments.apps`,
    /// `Deployment`, `pod`, `dr`, ...; `namespace` is ignored for cluster-scoped types.
    pub fn get(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let res = registry::resolve(resource)?;
        let ns = if registry::RESOURCES[res].namespaced {
            namespace.unwrap_or("default")
        } else {
            ""
        };
        server::settled(&self.shared)
            .get(res, ns, name)
            .map(|o| o.value().clone())
    }

    /// All objects of a type (in one namespace or all), ordered by namespace and name.
    pub fn list(&self, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        self.list_selected(resource, namespace, "")
            .unwrap_or_default()
    }

    /// Like [`KubeSim::list`] with a label selector (`app=web,tier!=db`).
    pub fn list_selected(
        &self,
        resource: &str,
        namespace: Option<&str>,
        label_selector: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let res = resolve(resource)?;
        let sel = LabelSelector::parse(label_selector).map_err(ApiError::bad_request)?;
        let store = server::settled(&self.shared);
        Ok(store
            .iter(res, namespace)
            .filter(|o| sel.matches(o.labels()))
            .map(|o| o.value().clone())
            .collect())
    }

    /// Number of objects of a type.
    pub fn count(&self, resource: &str) -> usize {
        resolve(resource)
            .map(|r| server::settled(&self.shared).count(r))
            .unwrap_or(0)
    }

    /// Deletes an object (with cascading and controllers, as an API delete): a pod terminates
    /// gracefully (see [`KubeSimBuilder::pod_grace_period`]) and objects with finalizers stay
    /// until these are removed.
    pub fn delete(
        &self,
        resource: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let res = resolve(resource)?;
        let o = server::settled(&self.shared).delete(
            res,
            namespace.unwrap_or("default"),
            name,
            &DeleteOpts::default(),
        )?;
        Ok(o.value().clone())
    }

    /// The write log since start (or the last [`KubeSim::clear_writes`]).
    pub fn writes(&self) -> Vec<WriteRecord> {
        lock(&self.shared.writes).clone()
    }

    pub fn clear_writes(&self) {
        lock(&self.shared.writes).clear();
    }

    /// Requests served so far (all kinds, discovery included).
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Every request served since start (or the last [`KubeSim::clear_requests`]), reads
    /// included, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.request_log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.request_log).clear();
    }

    /// The current (global) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        server::settled(&self.shared).rv
    }

    /// Changes the continue-token lifetime (see [`KubeSimBuilder::continue_token_ttl`]); `None`:
    /// no expiry. Applies to tokens already handed out, too.
    pub fn set_continue_token_ttl(&self, ttl: Option<Duration>) {
        server::settled(&self.shared).continue_ttl = ttl;
    }

    /// Expires every continue token handed out so far (their next use gets 410 Expired), as if
    /// etcd had just compacted: for tests that must not sleep.
    pub fn expire_continue_tokens(&self) {
        server::settled(&self.shared).expire_continue_tokens();
    }

    /// Replaces the fault configuration (the PRNG restarts from `faults.seed`).
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.shared.faults) = faults::FaultState::new(faults);
    }

    pub fn clear_faults(&self) {
        self.set_faults(Faults::default());
    }

    /// Denies `verb` on `group`/`resource` (`"*"` matches any; core group is `""`): real
    /// requests get 403 Forbidden and SelfSubjectAccessReviews answer `allowed: false`.
    pub fn deny(&self, verb: &str, group: &str, resource: &str) {
        lock(&self.shared.denies).push((verb.into(), group.into(), resource.into()));
    }

    pub fn clear_denies(&self) {
        lock(&self.shared.denies).clear();
    }

    /// Moves the simulated Istio to `version`: the istiod Deployment's `discovery` image gets
    /// the new tag (keeping hub and `-distroless`), which replaces its pods; without istiod the
    /// injector uses `docker.io/istio/proxyv2:<version>` for as long as a sidecar-injector
    /// webhook exists.
    pub fn set_istio_version(&self, version: &str) {
        let mut store = server::settled(&self.shared);
        store.istio_version_override = Some(version.to_string());
        let dep = registry::find("apps", "deployments").expect("deployments");
        let Some(d) = store.get(dep, "istio-system", "istiod").cloned() else {
            return;
        };
        let mut v = d.value().clone();
        if let Some(cs) = v["spec"]["template"]["spec"]["containers"].as_array_mut() {
            for c in cs.iter_mut().filter(|c| c["name"] == "discovery") {
                let image = c["image"].as_str().unwrap_or_default();
                let (repo, tag) = image.rsplit_once(':').unwrap_or((image, ""));
                let suffix = if tag.ends_with("-distroless") {
                    "-distroless"
                } else {
                    ""
                };
                c["image"] = json!(format!("{repo}:{version}{suffix}"));
            }
        }
        let _ = store.update(dep, "istio-system", "istiod", v, &WriteOpts::default());
    }

    /// The reverting-controller fixture: from now on, after every write to this workload
    /// (`deployment`, `statefulset`, `daemonset`, ... resolved like [`KubeSim::get`]), its
    /// pod-template annotations are restored to what they are now, before the workload's
    /// controller sees the change. So `kubectl rollout restart` (which sets
    /// `kubectl.kubernetes.io/restartedAt`) leaves the template as it was and replaces no pod,
    /// as some custom controllers did to Kyma 1.x's restarts. The revert is a second write
    /// (a MODIFIED event; `metadata.generation` moves twice).
    pub fn revert_template_annotations(
        &self,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let res = resolve(resource)?;
        server::settled(&self.shared).mark_reverting(res, namespace, name)
    }

    /// The "new pods keep the old sidecar" fixture: pods created from now on for this
    /// workload (directly or through its ReplicaSets) get `image` as their proxy, whatever
    /// istiod's version (as if something outside Istio rewrote it). Pods annotated
    /// `sidecar.istio.io/proxyImage` get that image anyway, as with Istio's injector.
    pub fn pin_proxy_image(
        &self,
        resource: &str,
        namespace: &str,
        name: &str,
        image: &str,
    ) -> Result<(), ApiError> {
        let res = resolve(resource)?;
        let mut store = server::settled(&self.shared);
        if store.get(res, namespace, name).is_none() {
            return Err(ApiError::not_found(&registry::RESOURCES[res], name));
        }
        store.fixtures.pinned.insert(
            (res, namespace.to_string(), name.to_string()),
            image.to_string(),
        );
        Ok(())
    }

    /// Ends the reverting and pinned-image fixtures for every workload.
    pub fn clear_fixtures(&self) {
        server::settled(&self.shared).fixtures = Default::default();
    }

    /// Continue tokens expire (410 Expired) once `pages` more continued list requests have been
    /// served: the list that asks for page `pages + 1` has to start again.
    pub fn expire_continue_tokens_after(&self, pages: usize) {
        server::settled(&self.shared).hooks.expire_after_pages = Some(pages);
    }

    /// Deployment `namespace/name` gets a controller that removes the
    /// `kubectl.kubernetes.io/restartedAt` template annotation after every write.
    pub fn revert_restarted_at(&self, namespace: &str, name: &str) {
        server::settled(&self.shared)
            .hooks
            .reverting
            .push((namespace.to_string(), name.to_string()));
    }

    /// The proxy image the injector would use now (None: no istiod and no version set).
    pub fn injector_proxy_image(&self) -> Option<String> {
        server::settled(&self.shared)
            .injector_config()
            .map(|c| c.image)
    }

    /// What the sidecar injector would do to a new pod in `namespace` with these labels:
    /// `Some((proxy image, revision))` from the first matching injector webhook and the istiod
    /// it calls (revisions and revision tags included), `None` when no webhook matches or
    /// that istiod is gone (pod creation would fail then).
    pub fn injection_for(
        &self,
        namespace: &str,
        pod_labels: &BTreeMap<String, String>,
    ) -> Option<(String, String)> {
        let pod = json!({"metadata": {"namespace": namespace, "labels": pod_labels}});
        let store = server::settled(&self.shared);
        let wh = store.injection_webhook(&pod)?;
        store
            .injector_config_for(&wh.service_namespace, &wh.service)
            .map(|c| (c.image, c.revision))
    }

    /// The Istio version the injector would use now (the image tag without `-distroless`).
    pub fn istio_version(&self) -> Option<String> {
        self.injector_proxy_image()
            .and_then(|i| istio::version_of_image(&i))
    }

    /// Whether pods created from now on are Ready (default true). With false, new pods are
    /// Running but not Ready, so rollouts never become available.
    /// From now on, remember the most pods that were not ready (and not being deleted) at
    /// once, after any write: what a cap on unavailable pods is checked against.
    pub fn track_not_ready_pods(&self) {
        let mut store = server::settled(&self.shared);
        store.not_ready_peak = Some(0);
        store.settle();
    }

    /// The peak since [`KubeSim::track_not_ready_pods`].
    pub fn not_ready_peak(&self) -> Option<usize> {
        server::settled(&self.shared).not_ready_peak
    }

    pub fn set_new_pods_ready(&self, ready: bool) {
        server::settled(&self.shared).pods_ready = ready;
    }

    /// Makes every not-ready pod (in `namespace`, or all) Ready, updating the workloads'
    /// status (and so waking up watchers waiting for availability). Returns the number of pods.
    pub fn make_pods_ready(&self, namespace: Option<&str>) -> usize {
        server::settled(&self.shared).make_pods_ready(namespace)
    }

    /// What the generator reported, when started with [`KubeSimBuilder::generate`]
    /// (without the objects themselves: they are in the simulator).
    pub fn generated(&self) -> Option<&GeneratedCluster> {
        self.generated.as_ref()
    }

    /// Generates a cluster into this simulator (see [`generate_cluster`]).
    pub fn generate(&self, opts: &GenOptions) -> GeneratedCluster {
        let mut cluster = generate_cluster(opts);
        {
            let mut store = server::settled(&self.shared);
            let _ = store.load_generated(cluster.docs.clone());
            store.apply_generated_fixtures(&cluster.fixtures);
        }
        cluster.docs.shrink_to_fit();
        cluster
    }
}

/// Reads YAML (multi-document) or JSON objects from a file; `List`s are flattened.
pub fn read_objects_file(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let docs: Vec<Value> = match serde_json::from_str::<Value>(&text) {
        Ok(v) => vec![v],
        Err(_) => serde_saphyr::from_multiple::<Value>(&text)
            .map_err(|e| format!("{}: {e}", path.display()))?,
    };
    let mut out = Vec::new();
    for d in docs {
        if d.is_null() {
            continue;
        }
        match d["items"].as_array() {
            Some(items) if d["kind"].as_str().is_some_and(|k| k.ends_with("List")) => {
                out.extend(items.iter().cloned())
            }
            _ => out.push(d),
        }
    }
    Ok(out)
}

/// Path of a workspace binary (`kube-sim`, `fake-istioctl`, `kyma-mesh`) next to the running
/// test executable: `target/<profile>/<name>` (test executables live in
/// `target/<profile>/deps/`). `TESTKIT_BIN_DIR` overrides the directory.
pub fn bin_path(name: &str) -> Result<PathBuf, String> {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let dir = match std::env::var_os("TESTKIT_BIN_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
            let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
            if dir.ends_with("deps") {
                dir.pop();
            }
            dir
        }
    };
    let p = dir.join(&file);
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "{} not found: build the test binaries first with `cargo build --workspace --bins` (or set TESTKIT_BIN_DIR)",
            p.display()
        ))
    }
}

/// Makes fake-istioctl available as `dir/istioctl` (a symlink, or a copy where symlinks fail),
/// for a test's `PATH`. Returns the path.
pub fn install_fake_istioctl(dir: &Path) -> Result<PathBuf, String> {
    let src = bin_path("fake-istioctl")?;
    let dst = dir.join(format!("istioctl{}", std::env::consts::EXE_SUFFIX));
    let _ = std::fs::remove_file(&dst);
    #[cfg(unix)]
    let linked = std::os::unix::fs::symlink(&src, &dst).is_ok();
    #[cfg(not(unix))]
    let linked = false;
    if !linked {
        std::fs::copy(&src, &dst).map_err(|e| format!("copy {}: {e}", src.display()))?;
    }
    Ok(dst)
}

/// One recorded fake-istioctl invocation.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct IstioctlCall {
    pub args: Vec<String>,
    /// `-f` files: path as given -> content.
    pub files: BTreeMap<String, String>,
    /// `KUBECONFIG`, `FAKE_ISTIOCTL_VERSION`, `FAKE_ISTIOCTL_FAIL` as seen by the process.
    pub env: BTreeMap<String, String>,
    pub exit_code: Option<i32>,
}

/// Reads the calls fake-istioctl recorded into `dir` (`$FAKE_ISTIOCTL_RECORD`), oldest first.
pub fn read_istioctl_calls(dir: &Path) -> Vec<IstioctlCall> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("call-") && n.ends_with(".json"))
    });
    entries.sort();
    entries
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect()
}
