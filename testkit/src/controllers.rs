//! Simulated controllers (run after each API write: at once for an in-process write, on the
//! controller thread for an HTTP write, see `Store`; a read settles them first):
//! Deployment -> ReplicaSet -> Pods, ReplicaSet/ReplicationController -> Pods,
//! StatefulSet -> Pods, DaemonSet -> one Pod per node, Job -> Pod, Argo Rollouts' Rollout ->
//! ReplicaSet -> Pods (and its `spec.restartAt`), OpenKruise's CloneSet and Advanced
//! StatefulSet -> Pods (re-created or updated in place); plus the "kubelet" (new pods
//! are Running and, unless switched off, Ready), service IP allocation and the sidecar injector
//! (driven by the `*sidecar-injector.istio.io` webhooks' selectors and the installed istiod).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::istio;
use crate::registry::RESOURCES;
use crate::selector::LabelSelector;
use crate::store::{ApiError, EventType, Obj, Store, res_index};
use crate::util::{Rng, fnv1a, now_rfc3339, short_hash};

/// `"50%"` of `of`, rounded up (as the disruption controller resolves an int-or-percent).
fn percent_up(p: &str, of: i64) -> i64 {
    let pct = p.trim_end_matches('%').parse::<i64>().unwrap_or(0);
    (pct * of + 99) / 100
}

/// The hash that names a Deployment's ReplicaSet for a pod template (`pod-template-hash`).
pub fn template_hash(template: &Value) -> String {
    short_hash(&serde_json::to_vec(template).unwrap_or_default())
}

pub fn owner_ref(api_version: &str, kind: &str, name: &str, uid: &str) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": name, "uid": uid, "controller": true, "blockOwnerDeletion": true})
}

/// A pod from a template (not yet admitted: no sidecar, no status).
pub fn build_pod(
    ns: &str,
    name: &str,
    template: &Value,
    owner: Option<Value>,
    extra_labels: &[(&str, String)],
) -> Value {
    let tm = &template["metadata"];
    let mut labels = tm["labels"].as_object().cloned().unwrap_or_default();
    for (k, v) in extra_labels {
        labels.insert((*k).to_string(), json!(v));
    }
    let mut meta = json!({"name": name, "namespace": ns, "labels": labels});
    if let Some(a) = tm["annotations"].as_object().filter(|a| !a.is_empty()) {
        meta["annotations"] = json!(a);
    }
    if let Some(o) = owner {
        meta["ownerReferences"] = json!([o]);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"].clone()})
}

/// Defaults the API server and scheduler fill in.
pub fn pod_spec_defaults(pod: &mut Value, node: &str) {
    if !pod["spec"].is_object() {
        pod["spec"] = json!({});
    }
    let spec = pod["spec"].as_object_mut().expect("object");
    spec.entry("nodeName").or_insert_with(|| json!(node));
    spec.entry("restartPolicy")
        .or_insert_with(|| json!("Always"));
    spec.entry("dnsPolicy")
        .or_insert_with(|| json!("ClusterFirst"));
    spec.entry("schedulerName")
        .or_insert_with(|| json!("default-scheduler"));
    spec.entry("serviceAccountName")
        .or_insert_with(|| json!("default"));
    spec.entry("terminationGracePeriodSeconds")
        .or_insert_with(|| json!(30));
    spec.entry("enableServiceLinks")
        .or_insert_with(|| json!(true));
    spec.entry("preemptionPolicy")
        .or_insert_with(|| json!("PreemptLowerPriority"));
    spec.entry("priority").or_insert_with(|| json!(0));
    spec.entry("securityContext").or_insert_with(|| json!({}));
    spec.entry("tolerations").or_insert_with(|| {
        json!([
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
        ])
    });
}

fn image_id(image: &str) -> String {
    let repo = image.rsplit_once(':').map(|(r, _)| r).unwrap_or(image);
    let mut r = Rng::new(fnv1a(image.as_bytes()));
    format!("{repo}@sha256:{}", r.hex(64))
}

/// What the kubelet reports for a started pod: phase Running, conditions, container statuses.
pub fn kubelet_status(pod: &mut Value, ready: bool, rng: &mut Rng, ip: u32) {
    let now = now_rfc3339();
    let status_of = |c: &Value, rng: &mut Rng, init: bool| {
        let image = c["image"].as_str().unwrap_or_default();
        let sidecar = c["restartPolicy"] == "Always";
        let mut s = json!({
            "name": c["name"], "image": image, "imageID": image_id(image),
            "containerID": format!("containerd://{}", rng.hex(64)),
            "restartCount": 0,
        });
        if init && !sidecar {
            s["ready"] = json!(true);
            s["started"] = json!(false);
            s["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now,
                                               "containerID": s["containerID"]}});
        } else {
            s["ready"] = json!(ready);
            s["started"] = json!(true);
            s["state"] = json!({"running": {"startedAt": now}});
        }
        s
    };
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().map(|c| status_of(c, rng, false)).collect())
        .unwrap_or_default();
    let inits: Vec<Value> = pod["spec"]["initContainers"]
        .as_array()
        .map(|cs| cs.iter().map(|c| status_of(c, rng, true)).collect())
        .unwrap_or_default();
    let node_ip = format!(
        "10.250.0.{}",
        2 + (fnv1a(pod["spec"]["nodeName"].as_str().unwrap_or("").as_bytes()) % 200)
    );
    let pod_ip = format!("10.244.{}.{}", (ip / 250) % 250, 2 + ip % 250);
    let r = if ready { "True" } else { "False" };
    let cond = |t: &str, s: &str| json!({"type": t, "status": s, "lastProbeTime": null, "lastTransitionTime": now});
    let mut status = json!({
        "phase": "Running",
        "conditions": [cond("PodReadyToStartContainers", "True"), cond("Initialized", "True"), cond("Ready", r),
                       cond("ContainersReady", r), cond("PodScheduled", "True")],
        "hostIP": node_ip, "hostIPs": [{"ip": node_ip}],
        "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
        "startTime": now,
        "qosClass": "Burstable",
        "containerStatuses": containers,
    });
    if !inits.is_empty() {
        status["initContainerStatuses"] = json!(inits);
    }
    pod["status"] = status;
}

pub fn pod_is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

fn replicas_of(v: &Value) -> i64 {
    v["spec"]["replicas"].as_i64().unwrap_or(1).max(0)
}

/// A Deployment's status as the deployment controller reports it.
pub fn deployment_status(
    d: &Value,
    total: i64,
    updated: i64,
    ready: i64,
    rs_name: &str,
    old: &Value,
) -> Value {
    let want = replicas_of(d);
    let now = now_rfc3339();
    let keep_time = |t: &str, s: &str, reason: &str| {
        old["conditions"]
            .as_array()
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c["type"] == t && c["status"] == s && c["reason"] == reason)
            })
            .map(|c| c["lastTransitionTime"].clone())
            .unwrap_or(json!(now))
    };
    let available = ready >= want;
    let (a_s, a_r, a_m) = if available {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let complete = updated == want && ready >= want && total == want;
    let (p_r, p_m) = if complete {
        (
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
        )
    } else {
        (
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{rs_name}\" is progressing."),
        )
    };
    let mut s = Map::new();
    s.insert(
        "observedGeneration".into(),
        d["metadata"]["generation"].clone(),
    );
    for (k, v) in [
        ("replicas", total),
        ("updatedReplicas", updated),
        ("readyReplicas", ready),
        ("availableReplicas", ready.min(total)),
    ] {
        if v > 0 {
            s.insert(k.into(), json!(v));
        }
    }
    if want - ready > 0 {
        s.insert("unavailableReplicas".into(), json!(want - ready));
    }
    s.insert(
        "conditions".into(),
        json!([
            {"type": "Available", "status": a_s, "reason": a_r, "message": a_m,
             "lastUpdateTime": keep_time("Available", a_s, a_r), "lastTransitionTime": keep_time("Available", a_s, a_r)},
            {"type": "Progressing", "status": "True", "reason": p_r, "message": p_m,
             "lastUpdateTime": keep_time("Progressing", "True", p_r), "lastTransitionTime": keep_time("Progressing", "True", p_r)}
        ]),
    );
    Value::Object(s)
}

/// An injector webhook that matched a pod.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectionWebhook {
    pub name: String,
    pub service_namespace: String,
    pub service: String,
}

/// What an istiod injects.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectorConfig {
    pub image: String,
    pub resources: Option<Value>,
    pub native: bool,
    pub revision: String,
}

/// Test fixtures that stand in for other controllers in a cluster (see `KubeSim`).
#[derive(Debug, Default)]
pub(crate) struct Fixtures {
    /// Workloads whose pod-template annotations are restored after every write, as a custom
    /// controller that owns them would (the annotations at marking time).
    pub reverting: HashMap<(usize, String, String), Map<String, Value>>,
    /// Workloads whose new pods get this proxy image whatever the injector's version.
    pub pinned: HashMap<(usize, String, String), String>,
    /// The pod templates of OpenKruise revisions, `(namespace, revision)` (Kruise keeps them
    /// in ControllerRevisions): what an in-place update compares the new template with.
    pub revisions: HashMap<(String, String), Value>,
}

/// What OpenKruise does with one outdated pod.
enum KruiseUpdate {
    InPlace,
    Recreate,
    /// `InPlaceOnly` and a change that needs a new pod: nothing.
    Refused,
}

/// The API resource index of a workload kind that can own pods or ReplicaSets.
fn owner_res(kind: &str) -> Option<usize> {
    let plural = match kind {
        "ReplicaSet" => "replicasets",
        "ReplicationController" => "replicationcontrollers",
        "StatefulSet" => "statefulsets",
        "DaemonSet" => "daemonsets",
        "Job" => "jobs",
        "Deployment" => "deployments",
        "CronJob" => "cronjobs",
        "Rollout" => "rollouts",
        "CloneSet" => "clonesets",
        _ => return None,
    };
    Some(res_index(plural))
}

/// OpenKruise's Advanced StatefulSet (the kind `StatefulSet` in `apps.kruise.io`).
fn kruise_statefulsets() -> usize {
    crate::registry::find("apps.kruise.io", "statefulsets").expect("served")
}

/// `maxUnavailable` (a number or a percentage of `replicas`, rounded down) with its default,
/// at least 1.
fn max_unavailable(v: &Value, replicas: i64, default_percent: i64) -> i64 {
    let n = match v {
        Value::Number(n) => n.as_i64().unwrap_or(1),
        Value::String(p) => p
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .map_or(1, |p| replicas * p / 100),
        _ => replicas * default_percent / 100,
    };
    n.max(1)
}

/// A template change OpenKruise can apply to a running pod: only the metadata and container
/// images differ (docs "In-place update"); anything else re-creates the pod.
fn in_place_updatable(old: &Value, new: &Value) -> bool {
    let strip = |t: &Value| {
        let mut t = t.clone();
        t["metadata"] = json!({});
        for c in t["spec"]["containers"].as_array_mut().into_iter().flatten() {
            c["image"] = json!("");
        }
        t
    };
    strip(old) == strip(new)
}

fn short_kind_api(res: usize) -> (String, &'static str) {
    let rt = &RESOURCES[res];
    (rt.api_version(), rt.kind)
}

impl Store {
    pub(crate) fn after_write(&mut self, res: usize, obj: &Arc<Obj>, _old: Option<Arc<Obj>>) {
        self.revert_template_annotations(res, obj);
        self.hook_revert(res, obj);
        match RESOURCES[res].plural {
            "deployments"
            | "replicasets"
            | "statefulsets"
            | "daemonsets"
            | "replicationcontrollers"
            | "jobs"
            | "rollouts"
            | "clonesets" => {
                self.work
                    .push((res, obj.namespace().to_string(), obj.name().to_string()));
            }
            "nodes" => self.enqueue_all(res_index("daemonsets")),
            _ => {}
        }
        self.settle_or_defer();
    }

    /// Runs the controllers now, or (during an HTTP write) leaves them to the controller
    /// thread: the write's work becomes one batch, and batches run in the order of their
    /// writes, each as a whole, as they ran before the response when they were on it.
    fn settle_or_defer(&mut self) {
        if self.defer_controllers {
            let batch = std::mem::take(&mut self.work);
            self.deferred.push_back(batch);
        } else {
            self.settle_pending();
            self.settle();
        }
    }

    /// Runs what deferred writes left, if anything (before a read, and before an in-process
    /// write's own controllers).
    pub(crate) fn settle_pending(&mut self) {
        while self.settle_step() {}
    }

    /// One step of the controller thread: the controllers of the oldest deferred write. False
    /// when nothing is left.
    pub(crate) fn settle_step(&mut self) -> bool {
        match self.deferred.pop_front() {
            Some(batch) => {
                self.work.extend(batch);
                self.settle();
                true
            }
            None => false,
        }
    }

    /// The reverting fixture: restores a marked workload's pod-template annotations.
    fn revert_template_annotations(&mut self, res: usize, obj: &Arc<Obj>) {
        let key = (res, obj.namespace().to_string(), obj.name().to_string());
        let Some(want) = self.fixtures.reverting.get(&key) else {
            return;
        };
        let have = obj.value()["spec"]["template"]["metadata"]["annotations"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if &have == want {
            return;
        }
        let mut v = obj.value().clone();
        if want.is_empty() {
            if let Some(m) = v["spec"]["template"]["metadata"].as_object_mut() {
                m.remove("annotations");
            }
        } else {
            v["spec"]["template"]["metadata"]["annotations"] = Value::Object(want.clone());
        }
        let g = v["metadata"]["generation"].as_i64().unwrap_or(1);
        v["metadata"]["generation"] = json!(g + 1);
        self.commit(res, v, EventType::Modified);
    }

    /// Marks a workload for the reverting fixture (see `KubeSim::revert_template_annotations`).
    pub(crate) fn mark_reverting(
        &mut self,
        res: usize,
        ns: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        let o = self
            .get(res, ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&RESOURCES[res], name))?;
        let annotations = o.value()["spec"]["template"]["metadata"]["annotations"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        self.fixtures
            .reverting
            .insert((res, ns.to_string(), name.to_string()), annotations);
        Ok(())
    }

    /// Puts a generated cluster's Deployments under their fixtures.
    pub(crate) fn apply_generated_fixtures(
        &mut self,
        fixtures: &[(String, String, crate::generator::GenFixture, String)],
    ) {
        let dep = res_index("deployments");
        for (ns, name, fixture, image) in fixtures {
            match fixture {
                crate::generator::GenFixture::RevertsRestarts => {
                    let _ = self.mark_reverting(dep, ns, name);
                }
                crate::generator::GenFixture::PinnedProxyImage => {
                    self.fixtures
                        .pinned
                        .insert((dep, ns.clone(), name.clone()), image.clone());
                }
            }
        }
    }

    /// The proxy image pinned for the workload that (transitively) controls a new pod.
    fn pinned_proxy_image(&self, pod: &Value) -> Option<String> {
        if self.fixtures.pinned.is_empty() {
            return None;
        }
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
        let mut owners = pod["metadata"]["ownerReferences"].clone();
        for _ in 0..4 {
            let (kind, name) = owners
                .as_array()?
                .iter()
                .find(|o| o["controller"] == true)
                .map(|o| {
                    (
                        o["kind"].as_str().unwrap_or_default().to_string(),
                        o["name"].as_str().unwrap_or_default().to_string(),
                    )
                })?;
            let res = owner_res(&kind)?;
            if let Some(image) = self
                .fixtures
                .pinned
                .get(&(res, ns.to_string(), name.clone()))
            {
                return Some(image.clone());
            }
            owners = self.get(res, ns, &name)?.value()["metadata"]["ownerReferences"].clone();
        }
        None
    }

    pub(crate) fn after_delete(&mut self, res: usize, gone: &Arc<Obj>) {
        let plural = RESOURCES[res].plural;
        match plural {
            "pods" | "replicasets" => {
                if let Some((kind, name, uid)) = gone.controller()
                    && let Some(o) = self.owner_res_of(&kind, gone.namespace(), &name, &uid)
                    && kind != "CronJob"
                {
                    self.work.push((o, gone.namespace().to_string(), name));
                }
            }
            "nodes" => self.enqueue_all(res_index("daemonsets")),
            _ => {}
        }
        self.settle_or_defer();
    }

    /// The resource of a pod's owner: by kind, and for `StatefulSet` (Kubernetes' or
    /// OpenKruise's) by the owner's uid.
    fn owner_res_of(&self, kind: &str, ns: &str, name: &str, uid: &str) -> Option<usize> {
        let o = owner_res(kind)?;
        if kind == "StatefulSet" {
            let kruise = kruise_statefulsets();
            if self.get(kruise, ns, name).is_some_and(|s| s.uid() == uid) {
                return Some(kruise);
            }
        }
        Some(o)
    }

    fn enqueue_all(&mut self, res: usize) {
        let items: Vec<(String, String)> = self
            .iter(res, None)
            .map(|o| (o.namespace().to_string(), o.name().to_string()))
            .collect();
        for (ns, n) in items {
            self.work.push((res, ns, n));
        }
    }

    pub(crate) fn settle(&mut self) {
        let mut guard = 0;
        while let Some(item) = self.work.pop() {
            guard += 1;
            if guard > 100_000 {
                self.work.clear();
                break;
            }
            self.reconcile(item);
        }
        self.settled();
    }

    fn reconcile(&mut self, (res, ns, name): (usize, String, String)) {
        match RESOURCES[res].plural {
            "deployments" => self.reconcile_deployment(&ns, &name),
            "replicasets" | "replicationcontrollers" => {
                self.reconcile_replicas(res, &ns, &name, true)
            }
            "statefulsets" => self.reconcile_statefulset(res, &ns, &name),
            "rollouts" => self.reconcile_rollout(&ns, &name),
            "clonesets" => self.reconcile_cloneset(&ns, &name),
            "daemonsets" => self.reconcile_daemonset(&ns, &name),
            "jobs" => self.reconcile_job(&ns, &name),
            _ => {}
        }
    }

    /// The end of every settle: the disruption controller, and the not-ready peak.
    fn settled(&mut self) {
        self.reconcile_budgets();
        if let Some(peak) = self.not_ready_peak {
            let now = self
                .iter(res_index("pods"), None)
                .filter(|p| p.value()["metadata"]["deletionTimestamp"].is_null())
                .filter(|p| !pod_is_ready(p.value()))
                .count();
            self.not_ready_peak = Some(peak.max(now));
        }
    }

    /// The disruption controller: each PodDisruptionBudget's status from the pods its selector
    /// matches, as `pkg/controller/disruption` computes it. `minAvailable` as a number: the
    /// pods are expected; otherwise the expected count is the scale of the pods' controllers
    /// (a Deployment's, a StatefulSet's, a ReplicaSet's replicas; a pod without one counts
    /// itself), and a percentage rounds up. Healthy: Ready and not being deleted.
    fn reconcile_budgets(&mut self) {
        let pdbs = res_index("poddisruptionbudgets");
        let budgets: Vec<Arc<Obj>> = self.iter(pdbs, None).cloned().collect();
        for b in budgets {
            let status = self.budget_status(&b);
            self.set_status(pdbs, &b, status);
        }
    }

    fn budget_status(&self, b: &Arc<Obj>) -> Value {
        let ns = b.namespace();
        let spec = &b.value()["spec"];
        let selected: Vec<Arc<Obj>> = match &spec["selector"] {
            Value::Null => Vec::new(),
            sel => match LabelSelector::from_object(sel) {
                Ok(sel) => self
                    .iter(res_index("pods"), Some(ns))
                    .filter(|p| sel.matches(p.labels()))
                    .cloned()
                    .collect(),
                Err(_) => Vec::new(),
            },
        };
        let healthy = selected
            .iter()
            .filter(|p| p.value()["metadata"]["deletionTimestamp"].is_null())
            .filter(|p| pod_is_ready(p.value()))
            .count() as i64;
        let scale = self.controllers_scale(ns, &selected);
        let (expected, desired) = match (&spec["minAvailable"], &spec["maxUnavailable"]) {
            (Value::Number(n), _) => (selected.len() as i64, n.as_i64().unwrap_or(0)),
            (Value::String(p), _) => (scale, percent_up(p, scale)),
            (_, Value::Number(n)) => (scale, (scale - n.as_i64().unwrap_or(0)).max(0)),
            (_, Value::String(p)) => (scale, (scale - percent_up(p, scale)).max(0)),
            _ => (selected.len() as i64, 1),
        };
        json!({
            "observedGeneration": b.value()["metadata"]["generation"].as_i64().unwrap_or(1),
            "disruptionsAllowed": (healthy - desired).max(0),
            "currentHealthy": healthy,
            "desiredHealthy": desired,
            "expectedPods": expected,
            "conditions": [{"type": "DisruptionAllowed",
                            "status": if healthy > desired { "True" } else { "False" },
                            "reason": if healthy > desired { "SufficientPods" } else { "InsufficientPods" },
                            "lastTransitionTime": "2026-01-01T00:00:00Z", "message": ""}]
        })
    }

    /// The summed scale of the distinct controllers of `pods` (a Deployment through its
    /// ReplicaSet); a pod without a known controller counts 1.
    fn controllers_scale(&self, ns: &str, pods: &[Arc<Obj>]) -> i64 {
        let mut seen = std::collections::BTreeSet::new();
        let mut total = 0;
        for p in pods {
            let Some((kind, name, _)) = p.controller() else {
                total += 1;
                continue;
            };
            let (res, name) = match kind.as_str() {
                "ReplicaSet" => {
                    let rs = self.get(res_index("replicasets"), ns, &name);
                    match rs.and_then(|rs| rs.controller()) {
                        Some((k, n, _)) if k == "Deployment" => (res_index("deployments"), n),
                        _ => (res_index("replicasets"), name),
                    }
                }
                other => match owner_res(other) {
                    Some(r) => (r, name),
                    None => {
                        total += 1;
                        continue;
                    }
                },
            };
            if seen.insert((res, name.clone())) {
                total += self
                    .get(res, ns, &name)
                    .map(|o| replicas_of(o.value()))
                    .unwrap_or(1);
            }
        }
        total
    }

    /// The live (not terminating) pods a controller owns: terminating pods do not count as
    /// replicas, so a deleted pod is replaced at once, as real controllers do.
    fn owned_pods(&self, ns: &str, uid: &str) -> Vec<Arc<Obj>> {
        self.iter(res_index("pods"), Some(ns))
            .filter(|p| p.owned_by(uid) && p.value()["metadata"]["deletionTimestamp"].is_null())
            .cloned()
            .collect()
    }

    pub(crate) fn node_names(&self) -> Vec<String> {
        let nodes: Vec<String> = self
            .iter(res_index("nodes"), None)
            .map(|n| n.name().to_string())
            .collect();
        if nodes.is_empty() {
            vec![crate::store::DEFAULT_NODE.to_string()]
        } else {
            nodes
        }
    }

    /// Admits and stores a controller-made pod; `false` when admission refused it
    /// (e.g. the injector webhook matches but istiod is gone).
    fn spawn_pod(&mut self, mut pod: Value, node: &str) -> bool {
        pod_spec_defaults(&mut pod, node);
        if self.admit_pod(&mut pod).is_err() {
            return false;
        }
        let uid = self.rng.uid();
        let meta = pod["metadata"].as_object_mut().expect("object");
        meta.insert("uid".into(), json!(uid));
        meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        meta.insert("generation".into(), json!(1));
        self.commit(res_index("pods"), pod, EventType::Added);
        true
    }

    fn set_status(&mut self, res: usize, obj: &Arc<Obj>, status: Value) {
        if obj.value()["status"] == status {
            return;
        }
        let mut v = obj.value().clone();
        v["status"] = status;
        self.commit(res, v, EventType::Modified);
    }

    fn reconcile_deployment(&mut self, ns: &str, name: &str) {
        let dep = res_index("deployments");
        let rsr = res_index("replicasets");
        let Some(d) = self.get(dep, ns, name).cloned() else {
            return;
        };
        let uid = d.uid().to_string();
        let want = replicas_of(d.value());
        let mut template = d.value()["spec"]["template"].clone();
        let hash = template_hash(&template);
        let owned: Vec<Arc<Obj>> = self
            .iter(rsr, Some(ns))
            .filter(|o| o.owned_by(&uid))
            .cloned()
            .collect();
        let max_rev = owned
            .iter()
            .filter_map(|o| {
                o.value()["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()?
                    .parse::<i64>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        let current = owned
            .iter()
            .find(|o| o.value()["metadata"]["labels"]["pod-template-hash"] == hash.as_str());
        let rs_name = format!("{name}-{hash}");
        match current {
            None => {
                template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
                let mut selector = d.value()["spec"]["selector"].clone();
                selector["matchLabels"]["pod-template-hash"] = json!(hash);
                let mut labels = template["metadata"]["labels"].clone();
                labels["pod-template-hash"] = json!(hash);
                let rs = json!({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": rs_name, "namespace": ns, "labels": labels,
                                 "annotations": {"deployment.kubernetes.io/desired-replicas": want.to_string(),
                                                 "deployment.kubernetes.io/max-replicas": (want + 1).to_string(),
                                                 "deployment.kubernetes.io/revision": (max_rev + 1).to_string()},
                                 "ownerReferences": [owner_ref("apps/v1", "Deployment", name, &uid)],
                                 "uid": self.rng.uid(), "creationTimestamp": now_rfc3339(), "generation": 1},
                    "spec": {"replicas": want, "minReadySeconds": 0, "selector": selector, "template": template}
                });
                self.commit(rsr, rs, EventType::Added);
            }
            Some(c) if replicas_of(c.value()) != want => {
                let mut v = c.value().clone();
                v["spec"]["replicas"] = json!(want);
                let g = v["metadata"]["generation"].as_i64().unwrap_or(1);
                v["metadata"]["generation"] = json!(g + 1);
                if v["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str()
                    != Some(&max_rev.to_string())
                    && owned.len() > 1
                {
                    v["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                        json!((max_rev + 1).to_string());
                }
                self.commit(rsr, v, EventType::Modified);
            }
            Some(_) => {}
        }
        self.reconcile_replicas(rsr, ns, &rs_name, false);
        // Old ReplicaSets keep serving until the new one's pods are Ready (newest first).
        let new_ready = self
            .get(rsr, ns, &rs_name)
            .map(|rs| {
                self.owned_pods(ns, rs.uid())
                    .iter()
                    .filter(|p| pod_is_ready(p.value()))
                    .count() as i64
            })
            .unwrap_or(0);
        let mut budget = (want - new_ready).max(0);
        let revision = |o: &Arc<Obj>| {
            o.value()["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                .as_str()
                .and_then(|r| r.parse::<i64>().ok())
                .unwrap_or(0)
        };
        let mut olds: Vec<String> = owned
            .iter()
            .filter(|o| o.name() != rs_name)
            .map(|o| o.name().to_string())
            .collect();
        olds.sort_by_key(|n| std::cmp::Reverse(self.get(rsr, ns, n).map(&revision).unwrap_or(0)));
        for old in olds {
            let Some(o) = self.get(rsr, ns, &old).cloned() else {
                continue;
            };
            let have = replicas_of(o.value());
            let keep = have.min(budget);
            budget -= keep;
            if have != keep {
                let mut v = o.value().clone();
                v["spec"]["replicas"] = json!(keep);
                self.commit(rsr, v, EventType::Modified);
            }
            self.reconcile_replicas(rsr, ns, &old, false);
        }
        // status
        let Some(d) = self.get(dep, ns, name).cloned() else {
            return;
        };
        let all_rs: Vec<Arc<Obj>> = self
            .iter(rsr, Some(ns))
            .filter(|o| o.owned_by(&uid))
            .cloned()
            .collect();
        let (mut total, mut updated, mut ready) = (0, 0, 0);
        for rs in &all_rs {
            let pods = self.owned_pods(ns, rs.uid());
            total += pods.len() as i64;
            let r = pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
            ready += r;
            if rs.name() == rs_name {
                updated += pods.len() as i64;
            }
        }
        let status = deployment_status(
            d.value(),
            total,
            updated,
            ready,
            &rs_name,
            &d.value()["status"],
        );
        self.set_status(dep, &d, status);
    }

    /// ReplicaSet or ReplicationController: keep `spec.replicas` pods (templates changes do
    /// not replace existing pods, as in Kubernetes).
    pub(crate) fn reconcile_replicas(
        &mut self,
        res: usize,
        ns: &str,
        name: &str,
        notify_owner: bool,
    ) {
        let Some(rs) = self.get(res, ns, name).cloned() else {
            return;
        };
        let want = replicas_of(rs.value()) as usize;
        let mut pods = self.owned_pods(ns, rs.uid());
        let (api, kind) = short_kind_api(res);
        if pods.len() < want {
            let template = rs.value()["spec"]["template"].clone();
            let nodes = self.node_names();
            for i in pods.len()..want {
                let pname = format!("{name}-{}", self.rng.suffix(5));
                let pod = build_pod(
                    ns,
                    &pname,
                    &template,
                    Some(owner_ref(&api, kind, name, rs.uid())),
                    &[],
                );
                let node = nodes[i % nodes.len()].clone();
                self.spawn_pod(pod, &node);
            }
        } else if pods.len() > want {
            pods.sort_by(|a, b| b.name().cmp(a.name()));
            for p in pods.iter().take(pods.len() - want) {
                self.remove_raw(res_index("pods"), ns, p.name());
            }
        }
        let pods = self.owned_pods(ns, rs.uid());
        let n = pods.len() as i64;
        let r = pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
        let mut status = json!({"replicas": n, "fullyLabeledReplicas": n, "observedGeneration": rs.value()["metadata"]["generation"]});
        if r > 0 {
            status["readyReplicas"] = json!(r);
            status["availableReplicas"] = json!(r);
        }
        let rs = self.get(res, ns, name).cloned().unwrap_or(rs);
        self.set_status(res, &rs, status);
        if notify_owner && let Some((kind, owner, _)) = rs.controller() {
            match kind.as_str() {
                "Deployment" => self
                    .work
                    .push((res_index("deployments"), ns.to_string(), owner)),
                "Rollout" => self
                    .work
                    .push((res_index("rollouts"), ns.to_string(), owner)),
                _ => {}
            }
        }
    }

    /// StatefulSet: pods `<name>-<ordinal>`. `OrderedReady` (the default) creates them in order,
    /// each once its predecessors are Ready; `Parallel` creates them at once. A changed
    /// template replaces pods from the highest ordinal down to `partition`, one at a time and
    /// only while every pod is Ready (`RollingUpdate`, the default), or not at all (`OnDelete`:
    /// a deleted pod comes back from the current template).
    ///
    /// OpenKruise's Advanced StatefulSet (`res` in `apps.kruise.io`) rolls the same way, and with
    /// `rollingUpdate.podUpdatePolicy` `InPlaceIfPossible` or `InPlaceOnly` updates a pod in
    /// place when only metadata or images changed (`InPlaceOnly` never re-creates one).
    fn reconcile_statefulset(&mut self, sts: usize, ns: &str, name: &str) {
        let pods_r = res_index("pods");
        let Some(s) = self.get(sts, ns, name).cloned() else {
            return;
        };
        let spec = &s.value()["spec"];
        let want = replicas_of(s.value());
        let template = spec["template"].clone();
        let rev = format!("{name}-{}", template_hash(&template));
        let on_delete = spec["updateStrategy"]["type"] == "OnDelete";
        let policy = spec["updateStrategy"]["rollingUpdate"]["podUpdatePolicy"]
            .as_str()
            .unwrap_or("ReCreate")
            .to_string();
        let (api, kind) = short_kind_api(sts);
        if api.starts_with("apps.kruise.io/") {
            self.fixtures
                .revisions
                .insert((ns.to_string(), rev.clone()), template.clone());
        }
        let partition = spec["updateStrategy"]["rollingUpdate"]["partition"]
            .as_i64()
            .unwrap_or(0)
            .max(0);
        let ordered = spec["podManagementPolicy"] != "Parallel";
        let nodes = self.node_names();
        let uid = s.uid().to_string();
        let service = spec["serviceName"].as_str().map(String::from);
        let spawn = |store: &mut Store, i: i64| {
            let pname = format!("{name}-{i}");
            let mut pod = build_pod(
                ns,
                &pname,
                &template,
                Some(owner_ref(&api, kind, name, &uid)),
                &[
                    ("controller-revision-hash", rev.clone()),
                    ("apps.kubernetes.io/pod-index", i.to_string()),
                    ("statefulset.kubernetes.io/pod-name", pname.clone()),
                ],
            );
            pod["spec"]["hostname"] = json!(pname);
            if let Some(svc) = &service {
                pod["spec"]["subdomain"] = json!(svc);
            }
            let node = nodes[i as usize % nodes.len()].clone();
            store.spawn_pod(pod, &node);
        };
        let pod_at = |store: &Store, i: i64| store.get(pods_r, ns, &format!("{name}-{i}")).cloned();
        // scale down: ordinals beyond `replicas` go (and pods that are not ours by name)
        for p in self.owned_pods(ns, s.uid()) {
            let ord = p
                .name()
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|o| o.parse::<i64>().ok());
            if ord.is_none_or(|o| o >= want) {
                self.remove_raw(pods_r, ns, p.name());
            }
        }
        // create missing pods
        for i in 0..want {
            match pod_at(self, i) {
                Some(p) if ordered && !pod_is_ready(p.value()) => break,
                Some(_) => {}
                None => {
                    spawn(self, i);
                    if ordered && !pod_at(self, i).is_some_and(|p| pod_is_ready(p.value())) {
                        break;
                    }
                }
            }
        }
        // rolling update, highest ordinal first, one pod at a time
        if !on_delete {
            for i in (partition..want).rev() {
                let all_ready =
                    (0..want).all(|j| pod_at(self, j).is_some_and(|p| pod_is_ready(p.value())));
                if !all_ready {
                    break;
                }
                let Some(p) = pod_at(self, i) else { break };
                if p.value()["metadata"]["labels"]["controller-revision-hash"] == rev.as_str() {
                    continue;
                }
                match self.kruise_update(&p, &template, &rev, &policy) {
                    KruiseUpdate::InPlace | KruiseUpdate::Refused => continue,
                    KruiseUpdate::Recreate => {}
                }
                self.remove_raw(pods_r, ns, p.name());
                spawn(self, i);
            }
        }
        let pods = self.owned_pods(ns, s.uid());
        let n = pods.len() as i64;
        let r = pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
        let rev_of = |p: &Arc<Obj>| {
            p.value()["metadata"]["labels"]["controller-revision-hash"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let updated = pods.iter().filter(|p| rev_of(p) == rev).count() as i64;
        let current_rev = if updated == n {
            rev.clone()
        } else {
            s.value()["status"]["currentRevision"]
                .as_str()
                .filter(|c| *c != rev && pods.iter().any(|p| rev_of(p) == *c))
                .map(String::from)
                .or_else(|| pods.iter().map(rev_of).find(|c| *c != rev))
                .unwrap_or_else(|| rev.clone())
        };
        let current = pods.iter().filter(|p| rev_of(p) == current_rev).count() as i64;
        let status = json!({"observedGeneration": s.value()["metadata"]["generation"], "replicas": n, "readyReplicas": r,
            "currentReplicas": current, "updatedReplicas": updated, "availableReplicas": r, "currentRevision": current_rev,
            "updateRevision": rev, "collisionCount": 0});
        let s = self.get(sts, ns, name).cloned().unwrap_or(s);
        self.set_status(sts, &s, status);
    }

    /// How OpenKruise updates pod `p` to `template` (revision `rev`) under `policy`
    /// (`ReCreate`, `InPlaceIfPossible`, `InPlaceOnly`): in place when only metadata or images
    /// changed (labels, annotations and images are written onto the running pod, every other
    /// container, an injected sidecar included, stays as it is); else re-created, unless
    /// `InPlaceOnly` (Kruise's webhook refuses such a change; here the pod is left alone).
    fn kruise_update(
        &mut self,
        p: &Arc<Obj>,
        template: &Value,
        rev: &str,
        policy: &str,
    ) -> KruiseUpdate {
        if !matches!(policy, "InPlaceIfPossible" | "InPlaceOnly") {
            return KruiseUpdate::Recreate;
        }
        let ns = p.namespace().to_string();
        let old_rev = p.value()["metadata"]["labels"]["controller-revision-hash"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let updatable = self
            .fixtures
            .revisions
            .get(&(ns, old_rev))
            .is_some_and(|old| in_place_updatable(old, template));
        if !updatable {
            return if policy == "InPlaceOnly" {
                KruiseUpdate::Refused
            } else {
                KruiseUpdate::Recreate
            };
        }
        let mut v = p.value().clone();
        for field in ["labels", "annotations"] {
            for (k, val) in template["metadata"][field]
                .as_object()
                .into_iter()
                .flatten()
            {
                v["metadata"][field][k] = val.clone();
            }
        }
        v["metadata"]["labels"]["controller-revision-hash"] = json!(rev);
        for c in template["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for pc in v["spec"]["containers"].as_array_mut().into_iter().flatten() {
                if pc["name"] == c["name"] {
                    pc["image"] = c["image"].clone();
                }
            }
        }
        self.commit(res_index("pods"), v, EventType::Modified);
        KruiseUpdate::InPlace
    }

    /// OpenKruise's CloneSet: pods `<name>-<suffix>` owned by the CloneSet itself, labelled with
    /// their revision. A changed template updates the pods not of the current revision, at most
    /// `maxUnavailable` (default 20%) unavailable at a time, down to `partition` old pods,
    /// unless `paused`: re-created (`ReCreate`, the default) or in place (`kruise_update`). A
    /// deleted pod comes back from the current template.
    fn reconcile_cloneset(&mut self, ns: &str, name: &str) {
        let cs_r = res_index("clonesets");
        let pods_r = res_index("pods");
        let Some(cs) = self.get(cs_r, ns, name).cloned() else {
            return;
        };
        let spec = cs.value()["spec"].clone();
        let want = replicas_of(cs.value());
        let template = spec["template"].clone();
        let rev = format!("{name}-{}", template_hash(&template));
        self.fixtures
            .revisions
            .insert((ns.to_string(), rev.clone()), template.clone());
        let strategy = &spec["updateStrategy"];
        let policy = strategy["type"].as_str().unwrap_or("ReCreate").to_string();
        let max = max_unavailable(&strategy["maxUnavailable"], want, 20);
        let partition = strategy["partition"].as_i64().unwrap_or(0).max(0);
        let uid = cs.uid().to_string();
        let nodes = self.node_names();
        let spawn = |store: &mut Store, i: usize| {
            let pname = format!("{name}-{}", store.rng.suffix(5));
            let pod = build_pod(
                ns,
                &pname,
                &template,
                Some(owner_ref("apps.kruise.io/v1alpha1", "CloneSet", name, &uid)),
                &[("controller-revision-hash", rev.clone())],
            );
            let node = nodes[i % nodes.len()].clone();
            store.spawn_pod(pod, &node);
        };
        let mut pods = self.owned_pods(ns, &uid);
        pods.sort_by(|a, b| a.name().cmp(b.name()));
        for p in pods.iter().skip(want.max(0) as usize) {
            self.remove_raw(pods_r, ns, p.name());
        }
        for i in pods.len() as i64..want {
            spawn(self, i as usize);
        }
        let rev_of = |p: &Arc<Obj>| {
            p.value()["metadata"]["labels"]["controller-revision-hash"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        if spec["updateStrategy"]["paused"] != true {
            let mut olds: Vec<Arc<Obj>> = self
                .owned_pods(ns, &uid)
                .into_iter()
                .filter(|p| rev_of(p) != rev)
                .collect();
            olds.sort_by(|a, b| a.name().cmp(b.name()));
            let keep_old = partition.min(olds.len() as i64) as usize;
            for p in olds.iter().skip(keep_old) {
                let unavailable = want
                    - self
                        .owned_pods(ns, &uid)
                        .iter()
                        .filter(|p| pod_is_ready(p.value()))
                        .count() as i64;
                if unavailable >= max {
                    break;
                }
                match self.kruise_update(p, &template, &rev, &policy) {
                    KruiseUpdate::InPlace | KruiseUpdate::Refused => {}
                    KruiseUpdate::Recreate => {
                        self.remove_raw(pods_r, ns, p.name());
                        spawn(self, 0);
                    }
                }
            }
        }
        let pods = self.owned_pods(ns, &uid);
        let ready = |p: &&Arc<Obj>| pod_is_ready(p.value());
        let updated: Vec<&Arc<Obj>> = pods.iter().filter(|p| rev_of(p) == rev).collect();
        let current_rev = if updated.len() == pods.len() {
            rev.clone()
        } else {
            pods.iter()
                .map(rev_of)
                .find(|r| *r != rev)
                .unwrap_or_default()
        };
        let status = json!({"observedGeneration": cs.value()["metadata"]["generation"],
            "replicas": pods.len(), "readyReplicas": pods.iter().filter(ready).count(),
            "availableReplicas": pods.iter().filter(ready).count(),
            "updatedReplicas": updated.len(), "updatedReadyReplicas": updated.iter().filter(|p| ready(p)).count(),
            "expectedUpdatedReplicas": want - partition.min(want),
            "updateRevision": rev, "currentRevision": current_rev});
        let cs = self.get(cs_r, ns, name).cloned().unwrap_or(cs);
        self.set_status(cs_r, &cs, status);
    }

    /// Argo Rollouts' Rollout: one ReplicaSet per template (`<name>-<hash>`, labelled
    /// `rollouts-pod-template-hash`), the old ones scaled down as the new one's pods are ready
    /// (no canary steps or analysis: kyma-mesh never changes a Rollout's template). Its
    /// `spec.restartAt`, once due, evicts the pods created before it (second precision, as
    /// Kubernetes keeps them), at most `maxUnavailable` (default 25%, at least 1) unavailable
    /// at a time, and sets `status.restartedAt` when none is left (argo-rollouts
    /// `rollout/restart.go`). A `restartAt` still in the future is looked at again when due.
    fn reconcile_rollout(&mut self, ns: &str, name: &str) {
        let ro_r = res_index("rollouts");
        let rsr = res_index("replicasets");
        let Some(ro) = self.get(ro_r, ns, name).cloned() else {
            return;
        };
        let uid = ro.uid().to_string();
        let want = replicas_of(ro.value());
        let mut template = ro.value()["spec"]["template"].clone();
        let hash = template_hash(&template);
        let rs_name = format!("{name}-{hash}");
        let owned: Vec<Arc<Obj>> = self
            .iter(rsr, Some(ns))
            .filter(|o| o.owned_by(&uid))
            .cloned()
            .collect();
        match owned.iter().find(|o| o.name() == rs_name) {
            None => {
                template["metadata"]["labels"]["rollouts-pod-template-hash"] = json!(hash);
                let mut selector = ro.value()["spec"]["selector"].clone();
                selector["matchLabels"]["rollouts-pod-template-hash"] = json!(hash);
                let rs = json!({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": rs_name, "namespace": ns,
                                 "labels": template["metadata"]["labels"].clone(),
                                 "ownerReferences": [owner_ref("argoproj.io/v1alpha1", "Rollout", name, &uid)],
                                 "uid": self.rng.uid(), "creationTimestamp": now_rfc3339(), "generation": 1},
                    "spec": {"replicas": want, "selector": selector, "template": template}
                });
                self.commit(rsr, rs, EventType::Added);
            }
            Some(c) if replicas_of(c.value()) != want => {
                let mut v = c.value().clone();
                v["spec"]["replicas"] = json!(want);
                self.commit(rsr, v, EventType::Modified);
            }
            Some(_) => {}
        }
        self.reconcile_replicas(rsr, ns, &rs_name, false);
        let ready_of = |store: &Store, rs: &str| {
            store
                .get(rsr, ns, rs)
                .map(|rs| {
                    store
                        .owned_pods(ns, rs.uid())
                        .iter()
                        .filter(|p| pod_is_ready(p.value()))
                        .count() as i64
                })
                .unwrap_or(0)
        };
        let new_ready = ready_of(self, &rs_name);
        for old in owned.iter().filter(|o| o.name() != rs_name) {
            let keep = (want - new_ready).max(0).min(replicas_of(old.value()));
            if keep != replicas_of(old.value()) {
                let mut v = old.value().clone();
                v["spec"]["replicas"] = json!(keep);
                self.commit(rsr, v, EventType::Modified);
            }
            self.reconcile_replicas(rsr, ns, old.name(), false);
        }
        let restarted = self.restart_rollout_pods(&ro, want);
        let Some(ro) = self.get(ro_r, ns, name).cloned() else {
            return;
        };
        let rss: Vec<Arc<Obj>> = self
            .iter(rsr, Some(ns))
            .filter(|o| o.owned_by(&uid))
            .cloned()
            .collect();
        let (mut total, mut updated, mut ready) = (0, 0, 0);
        for rs in &rss {
            let pods = self.owned_pods(ns, rs.uid());
            total += pods.len() as i64;
            ready += pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
            if rs.name() == rs_name {
                updated += pods.len() as i64;
            }
        }
        let generation = ro.value()["metadata"]["generation"].as_i64().unwrap_or(1);
        let mut status = json!({"observedGeneration": generation.to_string(),
            "replicas": total, "updatedReplicas": updated, "readyReplicas": ready,
            "availableReplicas": ready, "currentPodHash": hash, "stableRS": hash,
            "phase": if ready >= want && total == want { "Healthy" } else { "Progressing" }});
        let previous = &ro.value()["status"]["restartedAt"];
        match restarted {
            Some(at) => status["restartedAt"] = json!(at),
            None if !previous.is_null() => status["restartedAt"] = previous.clone(),
            None => {}
        }
        self.set_status(ro_r, &ro, status);
    }

    /// Evicts a Rollout's pods created before its due `restartAt`, while fewer than
    /// `maxUnavailable` are unavailable; the `restartAt` once no such pod is left.
    fn restart_rollout_pods(&mut self, ro: &Arc<Obj>, want: i64) -> Option<String> {
        let (ns, name) = (ro.namespace().to_string(), ro.name().to_string());
        let at = ro.value()["spec"]["restartAt"].as_str()?.to_string();
        if ro.value()["status"]["restartedAt"] == at.as_str() {
            return Some(at);
        }
        let due = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(crate::util::parse_rfc3339(&at)?.max(0) as u64);
        if let Ok(wait) = due.duration_since(std::time::SystemTime::now()) {
            let key = (res_index("rollouts"), ns.clone(), name.clone());
            self.timers
                .retain(|t| (t.1, t.2.as_str(), t.3.as_str()) != (key.0, &key.1, &key.2));
            self.timers.push((
                std::time::Instant::now() + wait,
                res_index("rollouts"),
                ns.clone(),
                name.clone(),
            ));
            self.wake.notify_one();
            return None;
        }
        let strategy = &ro.value()["spec"]["strategy"];
        let limit = if strategy["canary"].is_object() {
            &strategy["canary"]["maxUnavailable"]
        } else {
            &strategy["blueGreen"]["maxUnavailable"]
        };
        let max = max_unavailable(limit, want, 25);
        let rsr = res_index("replicasets");
        let rss: Vec<Arc<Obj>> = self
            .iter(rsr, Some(&ns))
            .filter(|o| o.owned_by(ro.uid()))
            .cloned()
            .collect();
        let pods_of = |store: &Store| -> Vec<Arc<Obj>> {
            rss.iter()
                .flat_map(|rs| store.owned_pods(&ns, rs.uid()))
                .collect()
        };
        let old = |p: &Arc<Obj>| {
            p.value()["metadata"]["creationTimestamp"]
                .as_str()
                .is_some_and(|c| c < at.as_str())
        };
        let mut olds: Vec<Arc<Obj>> = pods_of(self).into_iter().filter(old).collect();
        olds.sort_by(|a, b| a.name().cmp(b.name()));
        for p in &olds {
            let ready = pods_of(self)
                .iter()
                .filter(|p| pod_is_ready(p.value()))
                .count() as i64;
            if want - ready >= max {
                break;
            }
            self.remove_raw(res_index("pods"), &ns, p.name());
            if let Some((_, rs, _)) = p.controller() {
                self.reconcile_replicas(rsr, &ns, &rs, false);
            }
        }
        pods_of(self).iter().all(|p| !old(p)).then_some(at)
    }

    /// DaemonSet: one pod per node. A changed template replaces pods one at a time while every
    /// pod is Ready (`RollingUpdate`, the default), or not at all (`OnDelete`: a deleted pod
    /// comes back from the current template).
    fn reconcile_daemonset(&mut self, ns: &str, name: &str) {
        let ds = res_index("daemonsets");
        let pods_r = res_index("pods");
        let Some(d) = self.get(ds, ns, name).cloned() else {
            return;
        };
        let template = d.value()["spec"]["template"].clone();
        let rev = template_hash(&template);
        let on_delete = d.value()["spec"]["updateStrategy"]["type"] == "OnDelete";
        let generation = d.value()["metadata"]["generation"].to_string();
        let uid = d.uid().to_string();
        let nodes = self.node_names();
        let spawn = |store: &mut Store, node: &str| {
            let pname = format!("{name}-{}", store.rng.suffix(5));
            let mut pod = build_pod(
                ns,
                &pname,
                &template,
                Some(owner_ref("apps/v1", "DaemonSet", name, &uid)),
                &[
                    ("controller-revision-hash", rev.clone()),
                    ("pod-template-generation", generation.clone()),
                ],
            );
            pod["spec"]["nodeName"] = json!(node);
            store.spawn_pod(pod, node);
        };
        let node_of = |p: &Arc<Obj>| {
            p.value()["spec"]["nodeName"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        for p in self.owned_pods(ns, d.uid()) {
            if !nodes.contains(&node_of(&p)) {
                self.remove_raw(pods_r, ns, p.name());
            }
        }
        let pods = self.owned_pods(ns, d.uid());
        for node in &nodes {
            if !pods.iter().any(|p| node_of(p) == *node) {
                spawn(self, node);
            }
        }
        if !on_delete {
            loop {
                let pods = self.owned_pods(ns, d.uid());
                if pods.len() < nodes.len() || !pods.iter().all(|p| pod_is_ready(p.value())) {
                    break;
                }
                let Some(old) = pods.iter().find(|p| {
                    p.value()["metadata"]["labels"]["controller-revision-hash"] != rev.as_str()
                }) else {
                    break;
                };
                self.remove_raw(pods_r, ns, old.name());
                spawn(self, &node_of(old));
            }
        }
        let pods = self.owned_pods(ns, d.uid());
        let n = pods.len() as i64;
        let r = pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
        let updated = pods
            .iter()
            .filter(|p| p.value()["metadata"]["labels"]["controller-revision-hash"] == rev.as_str())
            .count();
        let status = json!({"currentNumberScheduled": n, "desiredNumberScheduled": nodes.len(), "numberAvailable": r,
            "numberMisscheduled": 0, "numberReady": r, "observedGeneration": d.value()["metadata"]["generation"],
            "updatedNumberScheduled": updated});
        let d = self.get(ds, ns, name).cloned().unwrap_or(d);
        self.set_status(ds, &d, status);
    }

    fn reconcile_job(&mut self, ns: &str, name: &str) {
        let jobs = res_index("jobs");
        let Some(j) = self.get(jobs, ns, name).cloned() else {
            return;
        };
        if j.value()["status"]["succeeded"].as_i64().unwrap_or(0) > 0
            || !j.value()["status"]["completionTime"].is_null()
        {
            return;
        }
        if self.owned_pods(ns, j.uid()).is_empty() {
            let template = j.value()["spec"]["template"].clone();
            let pname = format!("{name}-{}", self.rng.suffix(5));
            let uid = j.uid().to_string();
            let pod = build_pod(
                ns,
                &pname,
                &template,
                Some(owner_ref("batch/v1", "Job", name, &uid)),
                &[
                    ("batch.kubernetes.io/controller-uid", uid.clone()),
                    ("batch.kubernetes.io/job-name", name.to_string()),
                    ("controller-uid", uid.clone()),
                    ("job-name", name.to_string()),
                ],
            );
            let node = self.node_names()[0].clone();
            self.spawn_pod(pod, &node);
        }
        let pods = self.owned_pods(ns, j.uid());
        let r = pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
        let start = j.value()["status"]["startTime"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(now_rfc3339);
        let status = json!({"active": pods.len(), "ready": r, "startTime": start, "terminating": 0, "uncountedTerminatedPods": {}});
        let j = self.get(jobs, ns, name).cloned().unwrap_or(j);
        self.set_status(jobs, &j, status);
    }

    /// The first of Istio's injector webhooks (`*sidecar-injector.istio.io`, configurations in
    /// name order, as the API server calls them) that matches a new pod: its name and the
    /// istiod Service it calls (`istio-system/istiod`, `istio-system/istiod-<revision>`).
    pub fn injection_webhook(&self, pod: &Value) -> Option<InjectionWebhook> {
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
        let mut ns_labels = self
            .get(res_index("namespaces"), "", ns)
            .and_then(|n| n.value()["metadata"]["labels"].as_object().cloned())
            .unwrap_or_default();
        ns_labels.insert("kubernetes.io/metadata.name".into(), json!(ns));
        let pod_labels = pod["metadata"]["labels"].as_object();
        for cfg in self.iter(res_index("mutatingwebhookconfigurations"), None) {
            for wh in cfg.value()["webhooks"].as_array().into_iter().flatten() {
                let Some(name) = wh["name"].as_str() else {
                    continue;
                };
                if !name.ends_with("sidecar-injector.istio.io") {
                    continue;
                }
                let ns_sel = LabelSelector::from_object(&wh["namespaceSelector"]).ok();
                let obj_sel = LabelSelector::from_object(&wh["objectSelector"]).ok();
                if let (Some(n), Some(o)) = (ns_sel, obj_sel)
                    && n.matches(Some(&ns_labels))
                    && o.matches(pod_labels)
                {
                    let svc = &wh["clientConfig"]["service"];
                    return Some(InjectionWebhook {
                        name: name.to_string(),
                        service_namespace: svc["namespace"]
                            .as_str()
                            .unwrap_or("istio-system")
                            .to_string(),
                        service: svc["name"].as_str().unwrap_or("istiod").to_string(),
                    });
                }
            }
        }
        None
    }

    /// The default revision's injector configuration (see [`Store::injector_config_for`]).
    pub fn injector_config(&self) -> Option<InjectorConfig> {
        self.injector_config_for("istio-system", "istiod")
    }

    /// What the istiod behind `namespace/service` injects: the proxy image from the
    /// `discovery` container of the Deployment of that name, the proxy resources from its
    /// `istio-sidecar-injector[-<revision>]` ConfigMap, native-sidecar mode, its revision.
    /// Without that Deployment: the version set with `KubeSim::set_istio_version`, if any.
    pub fn injector_config_for(&self, namespace: &str, service: &str) -> Option<InjectorConfig> {
        let suffix = service.strip_prefix("istiod").unwrap_or_default();
        let resources = self
            .get(
                res_index("configmaps"),
                namespace,
                &format!("istio-sidecar-injector{suffix}"),
            )
            .and_then(|cm| cm.value()["data"]["values"].as_str().map(String::from))
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .and_then(|v| v.pointer("/global/proxy/resources").cloned());
        let rev_of_name = suffix
            .strip_prefix('-')
            .filter(|r| !r.is_empty())
            .unwrap_or("default")
            .to_string();
        if let Some(d) = self.get(res_index("deployments"), namespace, service) {
            let c = d.value()["spec"]["template"]["spec"]["containers"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["name"] == "discovery"))?;
            let image = istio::proxy_image_for_pilot(c["image"].as_str()?)?;
            let env = |name: &str| {
                c["env"].as_array().and_then(|e| {
                    e.iter()
                        .find(|e| e["name"] == name)
                        .and_then(|e| e["value"].as_str())
                })
            };
            let native = env("ENABLE_NATIVE_SIDECARS") == Some("true");
            let revision = env("REVISION").map(String::from).unwrap_or(rev_of_name);
            return Some(InjectorConfig {
                image,
                resources,
                native,
                revision,
            });
        }
        self.istio_version_override
            .as_ref()
            .map(|v| InjectorConfig {
                image: format!("{}/proxyv2:{v}", istio::DEFAULT_HUB),
                resources,
                native: false,
                revision: rev_of_name,
            })
    }

    /// Admission for a new pod: defaults, the sidecar injector, and the simulated kubelet.
    pub(crate) fn admit_pod(&mut self, pod: &mut Value) -> Result<(), ApiError> {
        let node = self.node_names()[0].clone();
        pod_spec_defaults(pod, &node);
        let already = !pod["metadata"]["annotations"]["sidecar.istio.io/status"].is_null();
        let host_network = pod["spec"]["hostNetwork"].as_bool().unwrap_or(false);
        if !already
            && !host_network
            && let Some(webhook) = self.injection_webhook(pod)
        {
            let off = |v: &Value| v.as_str() == Some("false");
            let disabled = off(&pod["metadata"]["annotations"]["sidecar.istio.io/inject"])
                || off(&pod["metadata"]["labels"]["sidecar.istio.io/inject"]);
            if !disabled {
                let (svc_ns, svc) = (&webhook.service_namespace, &webhook.service);
                let cfg = self.injector_config_for(svc_ns, svc).ok_or_else(|| {
                    ApiError::internal(format!(
                        "Internal error occurred: failed calling webhook \"{}\": failed to call webhook: Post \"https://{svc}.{svc_ns}.svc:443/inject?timeout=10s\": service \"{svc}\" not found",
                        webhook.name
                    ))
                })?;
                // `sidecar.istio.io/proxyImage` wins, as with Istio's injector; then a pinned image
                let image = pod["metadata"]["annotations"]["sidecar.istio.io/proxyImage"]
                    .as_str()
                    .filter(|i| !i.is_empty())
                    .map(String::from)
                    .or_else(|| self.pinned_proxy_image(pod))
                    .unwrap_or(cfg.image);
                istio::inject_sidecar_rev(
                    pod,
                    &image,
                    cfg.resources.as_ref(),
                    cfg.native,
                    &cfg.revision,
                );
            }
        }
        if pod["status"]["phase"].is_null() {
            self.ip_counter += 1;
            let ip = self.ip_counter;
            kubelet_status(pod, self.pods_ready, &mut self.rng, ip);
        }
        Ok(())
    }

    /// Marks not-ready pods Ready (as a kubelet whose probes start passing would) and lets
    /// their controllers update workload status. Returns how many pods changed.
    pub fn make_pods_ready(&mut self, ns: Option<&str>) -> usize {
        let pods_r = res_index("pods");
        let pending: Vec<Arc<Obj>> = self
            .iter(pods_r, ns)
            .filter(|p| !pod_is_ready(p.value()))
            .cloned()
            .collect();
        for p in &pending {
            let mut v = p.value().clone();
            for c in v["status"]["conditions"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                if c["type"] == "Ready" || c["type"] == "ContainersReady" {
                    c["status"] = json!("True");
                    c["lastTransitionTime"] = json!(now_rfc3339());
                }
            }
            for c in v["status"]["containerStatuses"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                c["ready"] = json!(true);
            }
            self.commit(pods_r, v, EventType::Modified);
            if let Some((kind, name, uid)) = p.controller()
                && kind != "CronJob"
                && let Some(owner) = self.owner_res_of(&kind, p.namespace(), &name, &uid)
            {
                self.work.push((owner, p.namespace().to_string(), name));
            }
        }
        self.work.dedup();
        self.settle();
        pending.len()
    }

    pub(crate) fn admit_service(&mut self, svc: &mut Value) {
        if !svc["spec"].is_object() {
            svc["spec"] = json!({});
        }
        let ty = svc["spec"]["type"]
            .as_str()
            .unwrap_or("ClusterIP")
            .to_string();
        svc["spec"]["type"] = json!(ty);
        if ty != "ExternalName" && svc["spec"]["clusterIP"].is_null() {
            self.service_ips += 1;
            let n = self.service_ips;
            let ip = format!("10.96.{}.{}", (n / 250) % 250, 1 + n % 250);
            svc["spec"]["clusterIP"] = json!(ip);
            svc["spec"]["clusterIPs"] = json!([ip]);
        }
        svc["spec"]["ipFamilies"] = json!(["IPv4"]);
        svc["spec"]["ipFamilyPolicy"] = json!("SingleStack");
        svc["spec"]["sessionAffinity"] = json!("None");
        let node_ports = ty == "NodePort" || ty == "LoadBalancer";
        if let Some(ports) = svc["spec"].get_mut("ports").and_then(Value::as_array_mut) {
            for (i, p) in ports.iter_mut().enumerate() {
                if p["protocol"].is_null() {
                    p["protocol"] = json!("TCP");
                }
                if p["targetPort"].is_null() {
                    p["targetPort"] = p["port"].clone();
                }
                if node_ports && p["nodePort"].is_null() {
                    p["nodePort"] = json!(30000 + (self.service_ips as usize * 3 + i) % 2767);
                }
            }
        }
        svc["status"] = if ty == "LoadBalancer" {
            json!({"loadBalancer": {"ingress": [{"ip": "172.18.255.200", "ipMode": "VIP"}]}})
        } else {
            json!({"loadBalancer": {}})
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DeleteOpts, PatchType, WriteOpts};

    fn deployment(ns: &str, name: &str, replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}}}})
    }

    fn pods_of(s: &Store, ns: &str, prefix: &str) -> Vec<Arc<Obj>> {
        s.iter(res_index("pods"), Some(ns))
            .filter(|p| p.name().starts_with(prefix))
            .cloned()
            .collect()
    }

    #[test]
    fn deployment_rollout_replaces_pods_and_injects_current_version() {
        let mut s = Store::new(3);
        let install = istio::IstioInstall::defaults("1.27.3");
        for o in install
            .core_objects()
            .into_iter()
            .chain(install.istiod_objects())
        {
            s.load(o).unwrap();
        }
        s.patch(
            res_index("namespaces"),
            "",
            "default",
            PatchType::Merge,
            &json!({"metadata": {"labels": {"istio-injection": "enabled"}}}),
            &WriteOpts::default(),
        )
        .unwrap();
        let dep = res_index("deployments");
        s.create(
            dep,
            "default",
            deployment("default", "web", 2),
            &WriteOpts::default(),
        )
        .unwrap();
        let pods = pods_of(&s, "default", "web-");
        assert_eq!(pods.len(), 2);
        let proxy = |p: &Arc<Obj>| {
            p.value()["spec"]["containers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == "istio-proxy")
                .map(|c| c["image"].as_str().unwrap().to_string())
        };
        assert_eq!(
            proxy(&pods[0]).as_deref(),
            Some("docker.io/istio/proxyv2:1.27.3")
        );
        let d = s.get(dep, "default", "web").unwrap();
        assert_eq!(d.value()["status"]["availableReplicas"], 2);
        assert_eq!(
            d.value()["status"]["conditions"][1]["reason"],
            "NewReplicaSetAvailable"
        );

        // upgrade istiod, then restart the deployment
        let mut istiod = s
            .get(dep, "istio-system", "istiod")
            .unwrap()
            .value()
            .clone();
        istiod["spec"]["template"]["spec"]["containers"][0]["image"] =
            json!("docker.io/istio/pilot:1.28.0");
        s.update(dep, "istio-system", "istiod", istiod, &WriteOpts::default())
            .unwrap();
        s.patch(dep, "default", "web", PatchType::Strategic,
            &json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z"}}}}}),
            &WriteOpts::default()).unwrap();
        let pods = pods_of(&s, "default", "web-");
        assert_eq!(pods.len(), 2);
        assert!(
            pods.iter()
                .all(|p| proxy(p).as_deref() == Some("docker.io/istio/proxyv2:1.28.0"))
        );
        let d = s.get(dep, "default", "web").unwrap();
        assert_eq!(d.value()["metadata"]["generation"], 2);
        assert_eq!(d.value()["status"]["observedGeneration"], 2);
        assert_eq!(d.value()["status"]["updatedReplicas"], 2);
        let rss: Vec<_> = s.iter(res_index("replicasets"), Some("default")).collect();
        assert_eq!(rss.len(), 2);

        // deleting a pod of a ReplicaSet brings a replacement
        let victim = pods[0].name().to_string();
        s.delete(
            res_index("pods"),
            "default",
            &victim,
            &DeleteOpts::default(),
        )
        .unwrap();
        // it terminates (deletionTimestamp set) and is replaced at once ...
        let pods = pods_of(&s, "default", "web-");
        assert_eq!(pods.len(), 3);
        let terminating: Vec<&str> = pods
            .iter()
            .filter(|p| !p.value()["metadata"]["deletionTimestamp"].is_null())
            .map(|p| p.name())
            .collect();
        assert_eq!(terminating, [victim.as_str()]);
        let d = s.get(dep, "default", "web").unwrap();
        assert_eq!(
            d.value()["status"]["replicas"],
            2,
            "terminating pods do not count"
        );
        // ... and is gone once the kubelet is done
        s.reap(std::time::Instant::now() + s.pod_grace);
        let pods = pods_of(&s, "default", "web-");
        assert_eq!(pods.len(), 2);
        assert!(pods.iter().all(|p| p.name() != victim));

        // deleting the deployment collects RS and pods
        s.delete(dep, "default", "web", &DeleteOpts::default())
            .unwrap();
        assert!(pods_of(&s, "default", "web-").is_empty());
        assert_eq!(s.iter(res_index("replicasets"), Some("default")).count(), 0);
    }

    #[test]
    fn injection_rules() {
        let mut s = Store::new(4);
        let install = istio::IstioInstall::from_operator(
            &json!({"kind": "IstioOperator", "spec": {"values": {"sidecarInjectorWebhook": {"enableNamespacesByDefault": true}}}}),
            "1.28.0",
        ).unwrap();
        for o in install
            .core_objects()
            .into_iter()
            .chain(install.istiod_objects())
        {
            s.load(o).unwrap();
        }
        let pods = res_index("pods");
        let ns = res_index("namespaces");
        s.create(
            ns,
            "",
            json!({"metadata": {"name": "off", "labels": {"istio-injection": "disabled"}}}),
            &WriteOpts::default(),
        )
        .unwrap();
        let pod = |name: &str, ns: &str, ann: Option<&str>| {
            let mut p = json!({"metadata": {"name": name, "namespace": ns}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
            if let Some(a) = ann {
                p["metadata"]["annotations"] = json!({"sidecar.istio.io/inject": a});
            }
            p
        };
        let injected = |o: &Arc<Obj>| {
            o.value()["metadata"]["annotations"]["sidecar.istio.io/status"].is_string()
        };
        assert!(injected(
            &s.create(
                pods,
                "default",
                pod("a", "default", None),
                &WriteOpts::default()
            )
            .unwrap()
        ));
        assert!(!injected(
            &s.create(
                pods,
                "default",
                pod("b", "default", Some("false")),
                &WriteOpts::default()
            )
            .unwrap()
        ));
        assert!(!injected(
            &s.create(pods, "off", pod("c", "off", None), &WriteOpts::default())
                .unwrap()
        ));
        assert!(!injected(
            &s.create(
                pods,
                "kube-system",
                pod("d", "kube-system", None),
                &WriteOpts::default()
            )
            .unwrap()
        ));
        let a = s.get(pods, "default", "a").unwrap();
        assert_eq!(a.value()["status"]["phase"], "Running");
        assert!(pod_is_ready(a.value()));

        // istiod gone but webhook left behind: pod creation fails like in a real cluster
        s.delete(
            res_index("deployments"),
            "istio-system",
            "istiod",
            &DeleteOpts::default(),
        )
        .unwrap();
        let e = s
            .create(
                pods,
                "default",
                pod("e", "default", None),
                &WriteOpts::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, 500);
        assert!(e.message.contains("failed calling webhook"));
    }

    #[test]
    fn statefulset_daemonset_job() {
        let mut s = Store::new(5);
        for n in ["node-a", "node-b"] {
            s.create(
                res_index("nodes"),
                "",
                json!({"metadata": {"name": n}}),
                &WriteOpts::default(),
            )
            .unwrap();
        }
        let tpl = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}});
        s.create(res_index("statefulsets"), "default", json!({"metadata": {"name": "db"}, "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "x"}}, "template": tpl}}), &WriteOpts::default()).unwrap();
        let names: Vec<String> = pods_of(&s, "default", "db-")
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        assert_eq!(names, ["db-0", "db-1", "db-2"]);
        s.create(res_index("daemonsets"), "default", json!({"metadata": {"name": "agent"}, "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": tpl}}), &WriteOpts::default()).unwrap();
        assert_eq!(pods_of(&s, "default", "agent-").len(), 2);
        s.create(
            res_index("nodes"),
            "",
            json!({"metadata": {"name": "node-c"}}),
            &WriteOpts::default(),
        )
        .unwrap();
        assert_eq!(pods_of(&s, "default", "agent-").len(), 3);
        let ds = s.get(res_index("daemonsets"), "default", "agent").unwrap();
        assert_eq!(ds.value()["status"]["numberReady"], 3);
        s.create(res_index("jobs"), "default", json!({"metadata": {"name": "once"}, "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}), &WriteOpts::default()).unwrap();
        let jp = pods_of(&s, "default", "once-");
        assert_eq!(jp.len(), 1);
        assert_eq!(jp[0].value()["metadata"]["labels"]["job-name"], "once");
    }

    fn istio_store(seed: u64, version: &str) -> Store {
        let mut s = Store::new(seed);
        let install = istio::IstioInstall::defaults(version);
        for o in install
            .core_objects()
            .into_iter()
            .chain(install.istiod_objects())
        {
            s.load(o).unwrap();
        }
        s.patch(
            res_index("namespaces"),
            "",
            "default",
            PatchType::Merge,
            &json!({"metadata": {"labels": {"istio-injection": "enabled"}}}),
            &WriteOpts::default(),
        )
        .unwrap();
        s
    }

    fn set_istiod_version(s: &mut Store, version: &str) {
        let dep = res_index("deployments");
        let mut istiod = s
            .get(dep, "istio-system", "istiod")
            .unwrap()
            .value()
            .clone();
        istiod["spec"]["template"]["spec"]["containers"][0]["image"] =
            json!(format!("docker.io/istio/pilot:{version}"));
        s.update(dep, "istio-system", "istiod", istiod, &WriteOpts::default())
            .unwrap();
    }

    fn restart(s: &mut Store, plural: &str, name: &str, at: &str) {
        s.patch(res_index(plural), "default", name, PatchType::Strategic,
            &json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": at}}}}}),
            &WriteOpts::default()).unwrap();
    }

    fn proxy_of(p: &Arc<Obj>) -> String {
        p.value()["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "istio-proxy")
            .map(|c| c["image"].as_str().unwrap().to_string())
            .unwrap_or_default()
    }

    fn workload(kind: &str, name: &str, strategy: &str) -> Value {
        let tpl = json!({"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}});
        let mut w = json!({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": tpl, "updateStrategy": {"type": strategy}}});
        if kind == "StatefulSet" {
            w["spec"]["replicas"] = json!(3);
            w["spec"]["serviceName"] = json!(name);
        }
        w
    }

    fn kruise(kind: &str, api: &str, name: &str, strategy: Value) -> Value {
        let tpl = json!({"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}});
        json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": 3, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                     "template": tpl, "updateStrategy": strategy}})
    }

    fn owned(s: &Store, owner: &str) -> Vec<Arc<Obj>> {
        s.iter(res_index("pods"), Some("default"))
            .filter(|p| p.controller().is_some_and(|(_, n, _)| n == owner))
            .filter(|p| p.value()["metadata"]["deletionTimestamp"].is_null())
            .cloned()
            .collect()
    }

    /// `(uid, proxy image, app container image)` of each pod of `owner`.
    fn states(s: &Store, owner: &str) -> Vec<(String, String, String)> {
        owned(s, owner)
            .iter()
            .map(|p| {
                let app = p.value()["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap()
                    .to_string();
                (p.uid().to_string(), proxy_of(p), app)
            })
            .collect()
    }

    fn annotate(s: &mut Store, res: usize, name: &str) {
        s.patch(res, "default", name, PatchType::Merge,
            &json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}}}}}),
            &WriteOpts::default()).unwrap();
    }

    #[test]
    fn kruise_updates_metadata_in_place_keeping_the_old_sidecar_and_recreates_otherwise() {
        let mut s = istio_store(11, "1.27.3");
        let clonesets = res_index("clonesets");
        let asts = kruise_statefulsets();
        let cases = [
            (
                clonesets,
                "CloneSet",
                "apps.kruise.io/v1alpha1",
                "cs-recreate",
                json!({}),
            ),
            (
                clonesets,
                "CloneSet",
                "apps.kruise.io/v1alpha1",
                "cs-inplace",
                json!({"type": "InPlaceIfPossible"}),
            ),
            (
                clonesets,
                "CloneSet",
                "apps.kruise.io/v1alpha1",
                "cs-only",
                json!({"type": "InPlaceOnly"}),
            ),
            (
                asts,
                "StatefulSet",
                "apps.kruise.io/v1beta1",
                "asts-recreate",
                json!({"type": "RollingUpdate"}),
            ),
            (
                asts,
                "StatefulSet",
                "apps.kruise.io/v1beta1",
                "asts-inplace",
                json!({"type": "RollingUpdate", "rollingUpdate": {"podUpdatePolicy": "InPlaceIfPossible"}}),
            ),
        ];
        for (res, kind, api, name, strategy) in &cases {
            s.create(
                *res,
                "default",
                kruise(kind, api, name, strategy.clone()),
                &WriteOpts::default(),
            )
            .unwrap();
            assert_eq!(owned(&s, name).len(), 3, "{name}");
        }
        set_istiod_version(&mut s, "1.28.0");
        let old = "docker.io/istio/proxyv2:1.27.3";
        let new = "docker.io/istio/proxyv2:1.28.0";
        let before: Vec<_> = cases.iter().map(|c| states(&s, c.3)).collect();
        for (res, _, _, name, _) in &cases {
            annotate(&mut s, *res, name);
        }
        // A metadata change: re-created (new uids, new sidecar) under ReCreate; in place (same
        // pods, old sidecar, the annotation written onto them) otherwise.
        for (i, (_, _, _, name, _)) in cases.iter().enumerate() {
            let after = states(&s, name);
            let recreated = name.ends_with("recreate");
            assert_eq!(after.len(), 3, "{name}");
            for (uid, proxy, _) in &after {
                let was = before[i].iter().any(|(u, _, _)| u == uid);
                assert_eq!(!was, recreated, "{name}: {after:?}");
                assert_eq!(proxy, if recreated { new } else { old }, "{name}");
            }
            if !recreated {
                assert!(owned(&s, name).iter().all(|p| {
                    p.value()["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
                        == "2025-01-01T00:00:00Z"
                }));
            }
        }
        let status = s.get(clonesets, "default", "cs-inplace").unwrap().value()["status"].clone();
        assert_eq!(status["updatedReplicas"], 3);
        // An image change is in place too; any other change re-creates with InPlaceIfPossible
        // and is refused by InPlaceOnly.
        for (name, image_only) in [("cs-inplace", true), ("cs-only", false)] {
            let before = states(&s, name);
            let patch = if image_only {
                json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:2"}]}}}})
            } else {
                json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:1", "env": [{"name": "A", "value": "1"}]}]}}}})
            };
            s.patch(
                clonesets,
                "default",
                name,
                PatchType::Merge,
                &patch,
                &WriteOpts::default(),
            )
            .unwrap();
            let after = states(&s, name);
            assert_eq!(
                after.iter().map(|a| &a.0).collect::<Vec<_>>(),
                before.iter().map(|b| &b.0).collect::<Vec<_>>(),
                "{name} keeps its pods"
            );
            let app = if image_only { "i:2" } else { "i:1" };
            assert!(after.iter().all(|a| a.2 == app), "{name}: {after:?}");
        }
        let env = json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:2", "env": [{"name": "A", "value": "1"}]}]}}}});
        let before = states(&s, "cs-inplace");
        s.patch(
            clonesets,
            "default",
            "cs-inplace",
            PatchType::Merge,
            &env,
            &WriteOpts::default(),
        )
        .unwrap();
        let after = states(&s, "cs-inplace");
        assert!(
            after
                .iter()
                .all(|a| !before.iter().any(|b| b.0 == a.0) && a.1 == new)
        );
        // A deleted pod comes back from the current template, with the new sidecar.
        let victim = owned(&s, "cs-only")[0].name().to_string();
        s.delete(res_index("pods"), "default", &victim, &Default::default())
            .unwrap();
        s.reap(std::time::Instant::now() + s.pod_grace);
        let cs_only = states(&s, "cs-only");
        assert_eq!(cs_only.len(), 3);
        assert_eq!(
            cs_only.iter().filter(|a| a.1 == new).count(),
            1,
            "{cs_only:?}"
        );
    }

    #[test]
    fn a_rollouts_restart_at_evicts_older_pods_and_is_reported_done() {
        let mut s = istio_store(12, "1.27.3");
        let rollouts = res_index("rollouts");
        let mut ro = kruise("Rollout", "argoproj.io/v1alpha1", "web", json!(null));
        ro["spec"]["strategy"] = json!({"canary": {"maxUnavailable": 1}});
        s.create(rollouts, "default", ro, &WriteOpts::default())
            .unwrap();
        let rss: Vec<Arc<Obj>> = s
            .iter(res_index("replicasets"), Some("default"))
            .cloned()
            .collect();
        assert_eq!(rss.len(), 1);
        assert_eq!(rss[0].controller().unwrap().0, "Rollout");
        let pods = |s: &Store| -> Vec<Arc<Obj>> {
            s.iter(res_index("pods"), Some("default"))
                .filter(|p| p.value()["metadata"]["deletionTimestamp"].is_null())
                .filter(|p| p.name().starts_with("web-"))
                .cloned()
                .collect()
        };
        assert_eq!(pods(&s).len(), 3);
        let status = s.get(rollouts, "default", "web").unwrap().value()["status"].clone();
        assert_eq!(status["availableReplicas"], 3);
        assert!(status["restartedAt"].is_null());
        set_istiod_version(&mut s, "1.28.0");
        // A restartAt in the future: nothing yet (the reaper's timer looks again when due).
        let later = crate::util::rfc3339(crate::util::unix_now() + 3600);
        let patch = |s: &mut Store, at: &str| {
            s.patch(
                rollouts,
                "default",
                "web",
                PatchType::Merge,
                &json!({"spec": {"restartAt": at}}),
                &WriteOpts::default(),
            )
            .unwrap();
        };
        let uids =
            |s: &Store| -> Vec<String> { pods(s).iter().map(|p| p.uid().to_string()).collect() };
        let before = uids(&s);
        patch(&mut s, &later);
        assert_eq!(uids(&s), before);
        assert_eq!(s.timers.len(), 1);
        // Due, after every pod's creation second: each pod is replaced, on the new sidecar.
        let due = crate::util::unix_now() + 1;
        let at = crate::util::rfc3339(due);
        patch(&mut s, &at);
        assert_eq!(uids(&s), before, "not due yet");
        while crate::util::unix_now() < due {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        s.reap(std::time::Instant::now());
        let after = pods(&s);
        assert_eq!(after.len(), 3);
        assert!(after.iter().all(|p| !before.contains(&p.uid().to_string())));
        assert!(
            after
                .iter()
                .all(|p| proxy_of(p) == "docker.io/istio/proxyv2:1.28.0")
        );
        let status = s.get(rollouts, "default", "web").unwrap().value()["status"].clone();
        assert_eq!(status["restartedAt"], at.as_str());
        assert_eq!(s.iter(res_index("replicasets"), Some("default")).count(), 1);
    }

    #[test]
    fn on_delete_keeps_pods_until_deleted_rolling_update_replaces_them() {
        let mut s = istio_store(6, "1.27.3");
        for n in ["node-a", "node-b"] {
            s.create(
                res_index("nodes"),
                "",
                json!({"metadata": {"name": n}}),
                &WriteOpts::default(),
            )
            .unwrap();
        }
        let old = "docker.io/istio/proxyv2:1.27.3";
        let new = "docker.io/istio/proxyv2:1.28.0";
        for (kind, plural, name, strategy) in [
            ("StatefulSet", "statefulsets", "db", "RollingUpdate"),
            ("StatefulSet", "statefulsets", "db-od", "OnDelete"),
            ("DaemonSet", "daemonsets", "agent", "RollingUpdate"),
            ("DaemonSet", "daemonsets", "agent-od", "OnDelete"),
        ] {
            s.create(
                res_index(plural),
                "default",
                workload(kind, name, strategy),
                &WriteOpts::default(),
            )
            .unwrap();
        }
        let pods = |s: &Store, owner: &str| -> Vec<Arc<Obj>> {
            s.iter(res_index("pods"), Some("default"))
                .filter(|p| p.controller().is_some_and(|(_, n, _)| n == owner))
                .cloned()
                .collect()
        };
        assert_eq!(pods(&s, "db").len(), 3);
        assert_eq!(pods(&s, "agent-od").len(), 2);
        assert!(pods(&s, "db-od").iter().all(|p| proxy_of(p) == old));
        set_istiod_version(&mut s, "1.28.0");
        for (plural, name) in [
            ("statefulsets", "db"),
            ("statefulsets", "db-od"),
            ("daemonsets", "agent"),
            ("daemonsets", "agent-od"),
        ] {
            restart(&mut s, plural, name, "2025-01-01T00:00:00Z");
        }
        // RollingUpdate: every pod replaced, on the injector's new version
        assert!(pods(&s, "db").iter().all(|p| proxy_of(p) == new));
        assert!(pods(&s, "agent").iter().all(|p| proxy_of(p) == new));
        assert_eq!(pods(&s, "agent").len(), 2);
        let db = s.get(res_index("statefulsets"), "default", "db").unwrap();
        assert_eq!(db.value()["status"]["updatedReplicas"], 3);
        assert_eq!(
            db.value()["status"]["currentRevision"],
            db.value()["status"]["updateRevision"]
        );
        // OnDelete: nothing replaced, the status says so
        let before: Vec<String> = pods(&s, "db-od")
            .iter()
            .map(|p| p.uid().to_string())
            .collect();
        let od = s
            .get(res_index("statefulsets"), "default", "db-od")
            .unwrap();
        assert_eq!(od.value()["status"]["updatedReplicas"], 0);
        assert_eq!(od.value()["status"]["currentReplicas"], 3);
        assert_ne!(
            od.value()["status"]["currentRevision"],
            od.value()["status"]["updateRevision"]
        );
        assert_eq!(
            pods(&s, "db-od")
                .iter()
                .map(|p| p.uid().to_string())
                .collect::<Vec<_>>(),
            before
        );
        assert!(pods(&s, "db-od").iter().all(|p| proxy_of(p) == old));
        assert!(pods(&s, "agent-od").iter().all(|p| proxy_of(p) == old));
        let ds = s
            .get(res_index("daemonsets"), "default", "agent-od")
            .unwrap();
        assert_eq!(ds.value()["status"]["updatedNumberScheduled"], 0);
        // ... until a pod is deleted: it comes back from the current template
        // Grace 0: the pod is gone at once (graceful deletion has its own tests).
        let now = DeleteOpts {
            grace_period: Some(0),
            ..DeleteOpts::default()
        };
        s.delete(res_index("pods"), "default", "db-od-1", &now)
            .unwrap();
        s.reap(std::time::Instant::now());
        let p1 = s.get(res_index("pods"), "default", "db-od-1").unwrap();
        assert!(!before.contains(&p1.uid().to_string()));
        assert_eq!(proxy_of(p1), new);
        assert_eq!(
            proxy_of(s.get(res_index("pods"), "default", "db-od-0").unwrap()),
            old
        );
        let od = s
            .get(res_index("statefulsets"), "default", "db-od")
            .unwrap();
        assert_eq!(od.value()["status"]["updatedReplicas"], 1);
        let victim = pods(&s, "agent-od")[0].name().to_string();
        s.delete(res_index("pods"), "default", &victim, &now)
            .unwrap();
        s.reap(std::time::Instant::now());
        let agents = pods(&s, "agent-od");
        assert_eq!(agents.len(), 2);
        assert_eq!(agents.iter().filter(|p| proxy_of(p) == new).count(), 1);
    }

    #[test]
    fn statefulset_rolls_one_ready_pod_at_a_time() {
        let mut s = istio_store(7, "1.27.3");
        s.create(
            res_index("statefulsets"),
            "default",
            workload("StatefulSet", "db", "RollingUpdate"),
            &WriteOpts::default(),
        )
        .unwrap();
        s.pods_ready = false;
        restart(&mut s, "statefulsets", "db", "2025-01-01T00:00:00Z");
        let sts = s.get(res_index("statefulsets"), "default", "db").unwrap();
        let update = sts.value()["status"]["updateRevision"]
            .as_str()
            .unwrap()
            .to_string();
        let rev = |s: &Store, i: usize| {
            s.get(res_index("pods"), "default", &format!("db-{i}"))
                .unwrap()
                .value()["metadata"]["labels"]["controller-revision-hash"]
                .as_str()
                .unwrap()
                .to_string()
        };
        // the highest ordinal first; the next waits for it to be Ready
        assert_eq!(rev(&s, 2), update);
        assert_ne!(rev(&s, 1), update);
        assert_eq!(sts.value()["status"]["updatedReplicas"], 1);
        s.make_pods_ready(Some("default"));
        assert_eq!(rev(&s, 1), update);
        assert_ne!(rev(&s, 0), update);
        s.make_pods_ready(Some("default"));
        s.make_pods_ready(Some("default"));
        assert_eq!(rev(&s, 0), update);
        let sts = s.get(res_index("statefulsets"), "default", "db").unwrap();
        assert_eq!(sts.value()["status"]["currentRevision"], update.as_str());
        assert_eq!(sts.value()["status"]["readyReplicas"], 3);
    }
}
