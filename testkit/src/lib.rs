//! # testkit: the test ground of kyma-mesh
//!
//! No real Kubernetes API server or istioctl runs on the build machines, so this crate
//! provides both (never linked into the product):
//!
//! * **kube-sim**, an in-memory Kubernetes API server over plain HTTP on 127.0.0.1, usable
//!   in-process ([`KubeSim`]) and as the binary `kube-sim`. Real `kubectl` and `kube::Client`
//!   work against it.
//! * **fake-istioctl**, a binary that behaves like istioctl >= 1.24 at its boundary
//!   (`version`, `install`/`upgrade -f`, `uninstall --purge`) and "installs" Istio into kube-sim.
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
//! connections reach the caller.
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
//! requestauthentications.
//!
//! Verbs: get; list (all namespaces or one; label selectors `=`, `==`, `!=`, `in`, `notin`,
//! exists, `!key`; field selectors `metadata.name`, `metadata.namespace`, `status.phase`,
//! `spec.nodeName` and a few more; `limit`/`continue` over a consistent snapshot, 410 Expired for
//! evicted tokens); watch (`watch=true`: ADDED for current objects, or the events after
//! `resourceVersion`, then a stream of ADDED/MODIFIED/DELETED; `sendInitialEvents` with the
//! initial-events-end bookmark; `timeoutSeconds`); create (`generateName`, AlreadyExists,
//! Invalid for bad names/selectors/containers, NotFound for a missing namespace); update with
//! `resourceVersion` (Conflict when stale), the `/status` subresource; patch as merge, JSON
//! patch, strategic merge (name-keyed lists for containers, env, ports, volumes, webhooks, ...;
//! 415 for custom resources, as Kubernetes does) and apply (`application/apply-patch+yaml`,
//! YAML or JSON body, `fieldManager` required, creates when absent, merges otherwise, records
//! the manager in `managedFields`); delete (preconditions, background cascading through
//! ownerReferences, `Orphan`, namespace deletion takes its contents, `default`/`kube-system`/
//! `kube-public` are protected); deletecollection; `dryRun=All`. Errors are `Status` objects.
//! `resourceVersion` is one global counter; `metadata.generation` moves when anything but
//! metadata and status changes.
//!
//! Simulated controllers run synchronously after each write: Deployment -> ReplicaSet (named
//! `<name>-<pod-template-hash>`) -> Pods, with status (`availableReplicas`, conditions
//! `Available`/`Progressing=NewReplicaSetAvailable`, `observedGeneration`); ReplicaSet and
//! ReplicationController -> Pods (a deleted pod is replaced); StatefulSet -> `<name>-<i>`;
//! DaemonSet -> one pod per Node (or one virtual node); Job -> one pod. A changed pod template
//! replaces the workload's pods. New pods are Running and Ready at once (see
//! [`KubeSim::set_new_pods_ready`] and [`KubeSim::make_pods_ready`]). The sidecar injector evaluates the
//! `*sidecar-injector.istio.io` webhooks' namespace/object selectors (so injection follows
//! namespace label `istio-injection`, `enableNamespacesByDefault` via the `auto.` webhook, and
//! `sidecar.istio.io/inject`), and injects the proxy image matching istiod's `discovery` image
//! (`<hub>/pilot:<tag>` -> `<hub>/proxyv2:<tag>`). If the webhook matches but istiod is gone,
//! pod creation fails as in a real cluster.
//!
//! ## What is NOT covered
//!
//! * TLS, authentication and authorization beyond bearer tokens being recorded and
//!   [`KubeSim::deny`] rules; no impersonation, no RBAC objects.
//! * Protobuf and CBOR: request bodies in them get 415, so kubectl's typed generators
//!   (`kubectl create namespace|deployment|...`) fail; `kubectl apply|create -f` (JSON) work.
//!   Responses are always JSON. No server-side `Table` output: `kubectl get` falls back to its
//!   own NAME/AGE printing.
//! * OpenAPI: `/openapi/v3` serves only PATCH operations with the `fieldValidation` parameter
//!   (so kubectl leaves validation to the server); no schemas, `/openapi/v2` is 404, so
//!   `kubectl explain` does not work and kube-sim does no schema validation.
//! * Subresources other than `status`: no `scale`, `log`, `exec`, `attach`, `portforward`,
//!   `eviction`, `binding`, `proxy`, `ephemeralcontainers`. `kubectl scale`, `logs`, `exec` and
//!   `drain` therefore fail.
//! * Server-side apply is a strategic merge plus a `managedFields` entry: no field ownership,
//!   no apply conflicts (everything behaves as `force=true`), no removal of fields a manager
//!   stopped applying.
//! * No graceful deletion (`deletionTimestamp`, finalizers, grace periods) and no foreground
//!   cascading: deletes are immediate; namespaces never sit in `Terminating`.
//! * No admission beyond name/label/selector/container validation, pod/service defaulting and
//!   the sidecar injector; no defaulting of most fields; no schema validation of CRs.
//! * Controllers are instantaneous: no rolling-update pacing (`maxSurge`/`maxUnavailable`),
//!   no progress deadlines, no HPA, no CronJob scheduling, no job completion, no endpoints.
//! * No custom resource definitions at runtime: creating a CRD object does not serve a new type.
//! * Watch: no bookmarks except the initial-events-end one; label-selector watches do not
//!   synthesize DELETED/ADDED when an object stops/starts matching; old-version watches beyond
//!   the last 50,000 events get 410.
//! * Field selectors: only the fields listed above.

mod controllers;
mod faults;
mod generator;
pub mod istio;
mod patch;
mod registry;
mod selector;
mod server;
mod store;
mod util;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub use faults::{Fault, FaultRule, Faults};
pub use generator::{GenOptions, GeneratedCluster, generate_cluster};
pub use patch::{json_patch, merge_patch, strategic_merge};
pub use selector::{FieldSelector, LabelSelector};
pub use server::WriteRecord;
pub use store::ApiError;
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
        let mut report = None;
        if let Some(g) = &self.generate {
            let mut cluster = generate_cluster(g);
            store
                .load_generated(std::mem::take(&mut cluster.docs))
                .map_err(std::io::Error::other)?;
            report = Some(cluster);
        }
        for o in self.objects {
            store.load(o).map_err(std::io::Error::other)?;
        }
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            faults: Mutex::new(faults::FaultState::new(self.faults.unwrap_or_default())),
            denies: Mutex::new(Vec::new()),
            writes: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            server_addr: addr.to_string(),
        });
        let (tx, rx) = tokio::sync::watch::channel(false);
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        runtime.spawn(server::serve(listener, shared.clone(), rx));
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
        let mut store = lock(&self.shared.store);
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
        let mut store = lock(&self.shared.store);
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
        lock(&self.shared.store)
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
        let store = lock(&self.shared.store);
        Ok(store
            .iter(res, namespace)
            .filter(|o| sel.matches(o.labels()))
            .map(|o| o.value().clone())
            .collect())
    }

    /// Number of objects of a type.
    pub fn count(&self, resource: &str) -> usize {
        resolve(resource)
            .map(|r| lock(&self.shared.store).count(r))
            .unwrap_or(0)
    }

    /// Deletes an object (with cascading and controllers, as an API delete).
    pub fn delete(
        &self,
        resource: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let res = resolve(resource)?;
        let o = lock(&self.shared.store).delete(
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

    /// The current (global) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        lock(&self.shared.store).rv
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
        let mut store = lock(&self.shared.store);
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

    /// Continue tokens expire (410 Expired) once `pages` more continued list requests have been
    /// served: the list that asks for page `pages + 1` has to start again.
    pub fn expire_continue_tokens_after(&self, pages: usize) {
        lock(&self.shared.store).hooks.expire_after_pages = Some(pages);
    }

    /// Deployment `namespace/name` gets a controller that removes the
    /// `kubectl.kubernetes.io/restartedAt` template annotation after every write.
    pub fn revert_restarted_at(&self, namespace: &str, name: &str) {
        lock(&self.shared.store)
            .hooks
            .reverting
            .push((namespace.to_string(), name.to_string()));
    }

    /// The proxy image the injector would use now (None: no istiod and no version set).
    pub fn injector_proxy_image(&self) -> Option<String> {
        lock(&self.shared.store)
            .injector_config()
            .map(|(i, _, _)| i)
    }

    /// The Istio version the injector would use now (the image tag without `-distroless`).
    pub fn istio_version(&self) -> Option<String> {
        self.injector_proxy_image()
            .and_then(|i| istio::version_of_image(&i))
    }

    /// Whether pods created from now on are Ready (default true). With false, new pods are
    /// Running but not Ready, so rollouts never become available.
    pub fn set_new_pods_ready(&self, ready: bool) {
        lock(&self.shared.store).pods_ready = ready;
    }

    /// Makes every not-ready pod (in `namespace`, or all) Ready, updating the workloads'
    /// status (and so waking up watchers waiting for availability). Returns the number of pods.
    pub fn make_pods_ready(&self, namespace: Option<&str>) -> usize {
        lock(&self.shared.store).make_pods_ready(namespace)
    }

    /// What the generator reported, when started with [`KubeSimBuilder::generate`]
    /// (without the objects themselves: they are in the simulator).
    pub fn generated(&self) -> Option<&GeneratedCluster> {
        self.generated.as_ref()
    }

    /// Generates a cluster into this simulator (see [`generate_cluster`]).
    pub fn generate(&self, opts: &GenOptions) -> GeneratedCluster {
        let mut cluster = generate_cluster(opts);
        let _ = lock(&self.shared.store).load_generated(cluster.docs.clone());
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
