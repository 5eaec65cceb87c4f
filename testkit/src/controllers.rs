//! Simulated controllers (run synchronously after each API write, so they are deterministic):
//! Deployment -> ReplicaSet -> Pods, ReplicaSet/ReplicationController -> Pods,
//! StatefulSet -> Pods, DaemonSet -> one Pod per node, Job -> Pod; plus the "kubelet" (new pods
//! are Running and, unless switched off, Ready), service IP allocation and the sidecar injector
//! (driven by the `*sidecar-injector.istio.io` webhooks' selectors and the installed istiod).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::istio;
use crate::registry::RESOURCES;
use crate::selector::LabelSelector;
use crate::store::{ApiError, EventType, Obj, Store, res_index};
use crate::util::{Rng, fnv1a, now_rfc3339, short_hash};

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

fn short_kind_api(res: usize) -> (String, &'static str) {
    let rt = &RESOURCES[res];
    (rt.api_version(), rt.kind)
}

impl Store {
    pub(crate) fn after_write(&mut self, res: usize, obj: &Arc<Obj>, _old: Option<Arc<Obj>>) {
        self.hook_revert(res, obj);
        match RESOURCES[res].plural {
            "deployments"
            | "replicasets"
            | "statefulsets"
            | "daemonsets"
            | "replicationcontrollers"
            | "jobs" => {
                self.work
                    .push((res, obj.namespace().to_string(), obj.name().to_string()));
            }
            "nodes" => self.enqueue_all(res_index("daemonsets")),
            _ => {}
        }
        self.settle();
    }

    pub(crate) fn after_delete(&mut self, res: usize, gone: &Arc<Obj>) {
        let plural = RESOURCES[res].plural;
        match plural {
            "pods" | "replicasets" => {
                if let Some((kind, name, _)) = gone.controller() {
                    let owner = match kind.as_str() {
                        "ReplicaSet" => Some("replicasets"),
                        "ReplicationController" => Some("replicationcontrollers"),
                        "StatefulSet" => Some("statefulsets"),
                        "DaemonSet" => Some("daemonsets"),
                        "Job" => Some("jobs"),
                        "Deployment" => Some("deployments"),
                        _ => None,
                    };
                    if let Some(o) = owner {
                        self.work
                            .push((res_index(o), gone.namespace().to_string(), name));
                    }
                }
            }
            "nodes" => self.enqueue_all(res_index("daemonsets")),
            _ => {}
        }
        self.settle();
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
        while let Some((res, ns, name)) = self.work.pop() {
            guard += 1;
            if guard > 100_000 {
                self.work.clear();
                break;
            }
            match RESOURCES[res].plural {
                "deployments" => self.reconcile_deployment(&ns, &name),
                "replicasets" | "replicationcontrollers" => {
                    self.reconcile_replicas(res, &ns, &name, true)
                }
                "statefulsets" => self.reconcile_statefulset(&ns, &name),
                "daemonsets" => self.reconcile_daemonset(&ns, &name),
                "jobs" => self.reconcile_job(&ns, &name),
                _ => {}
            }
        }
    }

    fn owned_pods(&self, ns: &str, uid: &str) -> Vec<Arc<Obj>> {
        self.iter(res_index("pods"), Some(ns))
            .filter(|p| p.owned_by(uid))
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
        for old in owned.iter().filter(|o| o.name() != rs_name) {
            if replicas_of(old.value()) != 0 {
                let mut v = old.value().clone();
                v["spec"]["replicas"] = json!(0);
                self.commit(rsr, v, EventType::Modified);
            }
            self.reconcile_replicas(rsr, ns, old.name(), false);
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
        if notify_owner
            && let Some((kind, owner, _)) = rs.controller()
            && kind == "Deployment"
        {
            self.work
                .push((res_index("deployments"), ns.to_string(), owner));
        }
    }

    fn reconcile_statefulset(&mut self, ns: &str, name: &str) {
        let sts = res_index("statefulsets");
        let pods_r = res_index("pods");
        let Some(s) = self.get(sts, ns, name).cloned() else {
            return;
        };
        let want = replicas_of(s.value());
        let template = s.value()["spec"]["template"].clone();
        let rev = format!("{name}-{}", template_hash(&template));
        let nodes = self.node_names();
        for i in 0..want {
            let pname = format!("{name}-{i}");
            if let Some(p) = self.get(pods_r, ns, &pname).cloned() {
                if p.value()["metadata"]["labels"]["controller-revision-hash"] == rev.as_str() {
                    continue;
                }
                self.remove_raw(pods_r, ns, &pname);
            }
            let mut pod = build_pod(
                ns,
                &pname,
                &template,
                Some(owner_ref("apps/v1", "StatefulSet", name, s.uid())),
                &[
                    ("controller-revision-hash", rev.clone()),
                    ("apps.kubernetes.io/pod-index", i.to_string()),
                    ("statefulset.kubernetes.io/pod-name", pname.clone()),
                ],
            );
            pod["spec"]["hostname"] = json!(pname);
            if let Some(svc) = s.value()["spec"]["serviceName"].as_str() {
                pod["spec"]["subdomain"] = json!(svc);
            }
            let node = nodes[i as usize % nodes.len()].clone();
            self.spawn_pod(pod, &node);
        }
        for p in self.owned_pods(ns, s.uid()) {
            let ord = p
                .name()
                .rsplit('-')
                .next()
                .and_then(|o| o.parse::<i64>().ok());
            if ord.is_none_or(|o| o >= want) {
                self.remove_raw(pods_r, ns, p.name());
            }
        }
        let pods = self.owned_pods(ns, s.uid());
        let n = pods.len() as i64;
        let r = pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
        let status = json!({"observedGeneration": s.value()["metadata"]["generation"], "replicas": n, "readyReplicas": r,
            "currentReplicas": n, "updatedReplicas": n, "availableReplicas": r, "currentRevision": rev,
            "updateRevision": rev, "collisionCount": 0});
        let s = self.get(sts, ns, name).cloned().unwrap_or(s);
        self.set_status(sts, &s, status);
    }

    fn reconcile_daemonset(&mut self, ns: &str, name: &str) {
        let ds = res_index("daemonsets");
        let pods_r = res_index("pods");
        let Some(d) = self.get(ds, ns, name).cloned() else {
            return;
        };
        let template = d.value()["spec"]["template"].clone();
        let rev = template_hash(&template);
        let nodes = self.node_names();
        let pods = self.owned_pods(ns, d.uid());
        for p in &pods {
            let node = p.value()["spec"]["nodeName"].as_str().unwrap_or_default();
            if !nodes.iter().any(|n| n == node)
                || p.value()["metadata"]["labels"]["controller-revision-hash"] != rev.as_str()
            {
                self.remove_raw(pods_r, ns, p.name());
            }
        }
        let pods = self.owned_pods(ns, d.uid());
        for node in &nodes {
            if pods
                .iter()
                .any(|p| p.value()["spec"]["nodeName"] == node.as_str())
            {
                continue;
            }
            let pname = format!("{name}-{}", self.rng.suffix(5));
            let mut pod = build_pod(
                ns,
                &pname,
                &template,
                Some(owner_ref("apps/v1", "DaemonSet", name, d.uid())),
                &[
                    ("controller-revision-hash", rev.clone()),
                    (
                        "pod-template-generation",
                        d.value()["metadata"]["generation"].to_string(),
                    ),
                ],
            );
            pod["spec"]["nodeName"] = json!(node);
            self.spawn_pod(pod, node);
        }
        let pods = self.owned_pods(ns, d.uid());
        let n = pods.len() as i64;
        let r = pods.iter().filter(|p| pod_is_ready(p.value())).count() as i64;
        let status = json!({"currentNumberScheduled": n, "desiredNumberScheduled": nodes.len(), "numberAvailable": r,
            "numberMisscheduled": 0, "numberReady": r, "observedGeneration": d.value()["metadata"]["generation"],
            "updatedNumberScheduled": n});
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

    /// The webhook (name) of Istio's injector that matches a new pod, if any.
    pub fn injection_webhook(&self, pod: &Value) -> Option<String> {
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
                    return Some(name.to_string());
                }
            }
        }
        None
    }

    /// The proxy image (and resources, and native-sidecar mode) the injector uses: from the
    /// `discovery` container of `istio-system/istiod`, else the version set with
    /// `KubeSim::set_istio_version`.
    pub fn injector_config(&self) -> Option<(String, Option<Value>, bool)> {
        let resources = self
            .get(
                res_index("configmaps"),
                "istio-system",
                "istio-sidecar-injector",
            )
            .and_then(|cm| cm.value()["data"]["values"].as_str().map(String::from))
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .and_then(|v| v.pointer("/global/proxy/resources").cloned());
        if let Some(d) = self.get(res_index("deployments"), "istio-system", "istiod") {
            let c = d.value()["spec"]["template"]["spec"]["containers"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["name"] == "discovery"))?;
            let image = istio::proxy_image_for_pilot(c["image"].as_str()?)?;
            let native = c["env"].as_array().is_some_and(|e| {
                e.iter()
                    .any(|e| e["name"] == "ENABLE_NATIVE_SIDECARS" && e["value"] == "true")
            });
            return Some((image, resources, native));
        }
        self.istio_version_override.as_ref().map(|v| {
            (
                format!("{}/proxyv2:{v}", istio::DEFAULT_HUB),
                resources,
                false,
            )
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
                let (image, resources, native) = self.injector_config().ok_or_else(|| {
                    ApiError::internal(format!(
                        "Internal error occurred: failed calling webhook \"{webhook}\": failed to call webhook: Post \"https://istiod.istio-system.svc:443/inject?timeout=10s\": service \"istiod\" not found"
                    ))
                })?;
                istio::inject_sidecar(pod, &image, resources.as_ref(), native);
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
            if let Some((kind, name, _)) = p.controller() {
                let owner = match kind.as_str() {
                    "ReplicaSet" => "replicasets",
                    "ReplicationController" => "replicationcontrollers",
                    "StatefulSet" => "statefulsets",
                    "DaemonSet" => "daemonsets",
                    "Job" => "jobs",
                    _ => continue,
                };
                self.work
                    .push((res_index(owner), p.namespace().to_string(), name));
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
            self.ip_counter += 1;
            let n = self.ip_counter;
            let ip = format!("10.96.{}.{}", (n / 250) % 250, 1 + n % 250);
            svc["spec"]["clusterIP"] = json!(ip);
            svc["spec"]["clusterIPs"] = json!([ip]);
        }
        svc["spec"]["ipFamilies"] = json!(["IPv4"]);
        svc["spec"]["ipFamilyPolicy"] = json!("SingleStack");
        svc["spec"]["sessionAffinity"] = json!("None");
        let node_ports = ty == "NodePort" || ty == "LoadBalancer";
        if let Some(ports) = svc["spec"]["ports"].as_array_mut() {
            for (i, p) in ports.iter_mut().enumerate() {
                if p["protocol"].is_null() {
                    p["protocol"] = json!("TCP");
                }
                if p["targetPort"].is_null() {
                    p["targetPort"] = p["port"].clone();
                }
                if node_ports && p["nodePort"].is_null() {
                    p["nodePort"] = json!(30000 + (self.ip_counter as usize * 3 + i) % 2767);
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
}
