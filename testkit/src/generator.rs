//! The cluster generator: namespaces, Istio, and workloads of every owner kind with realistic
//! pods (several containers, status, conditions, managedFields: several KB of JSON each).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::controllers::{
    build_pod, deployment_status, kubelet_status, owner_ref, pod_spec_defaults, template_hash,
};
use crate::istio::{self, IstioInstall};
use crate::patch::fields_v1;
use crate::store::Meta;
use crate::util::{Rng, fnv1a, rfc3339, unix_now};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Number of pods (system pods included; the last workload is trimmed to hit it).
    pub pods: usize,
    /// Fraction of the meshed workloads whose sidecars run an older version
    /// ([`GenOptions::outdated_version`]).
    pub outdated_fraction: f64,
    pub seed: u64,
    /// The installed Istio version (istiod's image tag, without the variant suffix).
    pub istio_version: String,
    /// The version of outdated sidecars; `None`: the previous minor's known release.
    pub outdated_version: Option<String>,
    /// Install the distroless variant (as Kyma does): proxies are `...:<version>-distroless`.
    pub distroless: bool,
    /// `values.sidecarInjectorWebhook.enableNamespacesByDefault` (Kyma: true).
    pub enable_namespaces_by_default: bool,
    /// Fraction of meshed pods whose proxy is a native sidecar (an init container with
    /// `restartPolicy: Always`; the `jq` recipe of Kyma's troubleshooting guide does not see those).
    pub native_sidecar_fraction: f64,
    /// Fraction of up-to-date meshed workloads whose proxy is the installed version in the
    /// other flavour (`1.28.0` instead of `1.28.0-distroless` or the reverse): not outdated.
    pub other_flavour_fraction: f64,
    /// Fraction of meshed workloads whose pod template sets `sidecar.istio.io/proxyImage` (a
    /// custom proxy image on an older version, from another registry).
    pub custom_proxy_image_fraction: f64,
    /// Fraction of workloads annotated `kyma-mesh.kyma-project.io/proxy-reset: "false"` (half
    /// on the workload, half on the pod template).
    pub reset_opt_out_fraction: f64,
    /// Fraction of workloads in injected namespaces whose pods opt out of injection
    /// (`sidecar.istio.io/inject: "false"`): no sidecar.
    pub unmeshed_fraction: f64,
    /// Number of outdated Deployments (in app namespaces, not opted out, no custom image)
    /// whose restarts a controller undoes ([`crate::KubeSim::revert_template_annotations`]):
    /// they stay outdated after a proxy reset.
    pub reverting_workloads: usize,
    /// Number of further such Deployments pinned to their old proxy image
    /// ([`crate::KubeSim::pin_proxy_image`]): restarted, their new pods still run it.
    pub pinned_workloads: usize,
    /// Number of Node objects (DaemonSets run one pod per node).
    pub nodes: usize,
    /// Number of application namespaces; `None` = about one per 100 pods ([`Shape::Classic`])
    /// or one per 25 ([`Shape::Realistic`]).
    pub namespaces: Option<usize>,
    /// How application workloads are shaped.
    pub shape: Shape,
}

/// How the generator shapes application workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Few, larger workloads (1 to 8 replicas per Deployment, one ReplicaSet each, about one
    /// namespace per 100 pods) and every edge case of the owner chain (custom kinds, a second
    /// non-controller owner): what the tests check decisions against.
    #[default]
    Classic,
    /// Shaped like real clusters, where owners are many and each owns few pods: 1 to 3
    /// replicas per Deployment and StatefulSet, each Deployment with 0 to 10 old ReplicaSets
    /// scaled to 0 (`revisionHistoryLimit: 10`), about one namespace per 25 pods, and a mix of
    /// Deployments, StatefulSets (RollingUpdate and OnDelete), DaemonSets, Jobs, CronJob ->
    /// Job, bare pods and ReplicationControllers.
    Realistic,
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> Result<Shape, String> {
        match s {
            "classic" => Ok(Shape::Classic),
            "realistic" => Ok(Shape::Realistic),
            _ => Err(format!(
                "unknown shape {s:?} (expected classic or realistic)"
            )),
        }
    }
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            pods: 100,
            outdated_fraction: 0.1,
            seed: 1,
            istio_version: istio::DEFAULT_VERSION.to_string(),
            outdated_version: None,
            distroless: true,
            enable_namespaces_by_default: true,
            native_sidecar_fraction: 0.05,
            other_flavour_fraction: 0.05,
            custom_proxy_image_fraction: 0.02,
            reset_opt_out_fraction: 0.02,
            unmeshed_fraction: 0.05,
            reverting_workloads: 0,
            pinned_workloads: 0,
            nodes: 3,
            namespaces: None,
            shape: Shape::Classic,
        }
    }
}

/// How proxy reset sees a pod's owner: the kind at the top of its controller chain, with the
/// update strategy where it decides the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OwnerKind {
    /// Through its ReplicaSet.
    Deployment,
    StatefulSet,
    StatefulSetOnDelete,
    DaemonSet,
    DaemonSetOnDelete,
    /// A ReplicaSet without owner.
    ReplicaSet,
    ReplicationController,
    /// A Job without owner.
    Job,
    /// A Job owned by a CronJob.
    CronJob,
    /// No owner at all.
    BarePod,
    /// A custom resource with a controller of its own: Argo Rollouts' `Rollout` (owning a
    /// ReplicaSet) or OpenKruise's `CloneSet` (owning pods directly).
    Custom,
}

/// Where a workload opted out of proxy reset (`kyma-mesh.kyma-project.io/proxy-reset: "false"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOut {
    /// On the pod (its template).
    Pod,
    /// On the top-level workload only (its pods do not carry it).
    Workload,
}

/// A fixture a generated workload is under (see [`GenOptions::reverting_workloads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenFixture {
    /// A controller undoes its restarts.
    RevertsRestarts,
    /// Its new pods keep the old proxy image.
    PinnedProxyImage,
}

/// The ground truth about one generated pod.
#[derive(Debug, Clone)]
pub struct GenPod {
    pub namespace: String,
    pub name: String,
    pub owner: OwnerKind,
    /// The controller chain, pod's controller first: `[("ReplicaSet", "web-5d8f9c7b4"),
    /// ("Deployment", "web")]`; empty for bare pods.
    pub owners: Vec<(String, String)>,
    /// The pod also has a non-controller ownerReference (listed before the controller).
    pub extra_owner: bool,
    /// The `istio-proxy` image; `None` without sidecar.
    pub proxy_image: Option<String>,
    /// The proxy is a native sidecar (an init container).
    pub native_sidecar: bool,
    /// Annotated `sidecar.istio.io/proxyImage` (its image is old, but it is not Istio's to move).
    pub custom_proxy_image: bool,
    pub opt_out: Option<OptOut>,
    /// Its Deployment is under a fixture that keeps it outdated after a restart.
    pub fixture: Option<GenFixture>,
    /// Its sidecar runs an older version than the installed one (custom images excluded; the
    /// flavour suffix does not count).
    pub outdated: bool,
}

impl GenPod {
    /// Outdated and not opted out: what a proxy reset should act on or report.
    pub fn needs_reset(&self) -> bool {
        self.outdated && self.opt_out.is_none()
    }
}

/// A generated object: a value, or a pod already serialized (`head` + resourceVersion + `tail`).
#[derive(Debug, Clone)]
pub(crate) enum GenDoc {
    Value(Value),
    Pod {
        head: String,
        tail: String,
        meta: Box<Meta>,
    },
}

/// The generated objects and what a test may want to know about them.
#[derive(Debug, Clone, Default)]
pub struct GeneratedCluster {
    pub(crate) docs: Vec<GenDoc>,
    pub pods: usize,
    /// Pods with a sidecar.
    pub meshed: usize,
    /// `(namespace, name)` of the pods whose sidecar is on an older version (see
    /// [`GenPod::outdated`]), in generation order.
    pub outdated: Vec<(String, String)>,
    /// The proxy image of up-to-date sidecars.
    pub current_proxy_image: String,
    /// The same version in the other flavour (some up-to-date pods run it).
    pub other_flavour_proxy_image: String,
    /// The proxy image(s) of outdated sidecars.
    pub outdated_proxy_images: Vec<String>,
    /// One entry per generated pod (system pods included), in generation order.
    pub inventory: Vec<GenPod>,
    /// Deployments under fixtures: (namespace, name, fixture, the pods' proxy image).
    pub(crate) fixtures: Vec<(String, String, GenFixture, String)>,
}

const APPS: &[&str] = &[
    "orders",
    "payments",
    "catalog",
    "cart",
    "checkout",
    "shipping",
    "users",
    "auth",
    "search",
    "reviews",
    "inventory",
    "notifications",
    "frontend",
    "billing",
    "reports",
    "recommendations",
    "media",
    "pricing",
];
const KYMA: &[&str] = &[
    "api-gateway-controller-manager",
    "eventing-manager",
    "serverless-ctrl-mngr",
    "telemetry-manager",
    "istio-controller-manager",
    "application-connector",
    "btp-manager-controller-manager",
    "nats",
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Deployment,
    /// A Deployment whose pods also carry a non-controller ownerReference.
    DeploymentTwoOwners,
    StatefulSet,
    StatefulSetOnDelete,
    DaemonSet,
    DaemonSetOnDelete,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    Pod,
    /// argoproj.io Rollout -> ReplicaSet -> pods.
    Rollout,
    /// apps.kruise.io CloneSet -> pods.
    CloneSet,
}

/// Application workloads cycle through this (Deployments are the most common).
const PATTERN: &[Kind] = &[
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::Deployment,
    Kind::Pod,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::Deployment,
    Kind::Job,
    Kind::Deployment,
    Kind::DaemonSet,
    Kind::Deployment,
    Kind::ReplicationController,
    Kind::Deployment,
    Kind::CronJob,
    Kind::Deployment,
    Kind::StatefulSetOnDelete,
    Kind::Deployment,
    Kind::DaemonSetOnDelete,
    Kind::Deployment,
    Kind::Rollout,
    Kind::Deployment,
    Kind::CloneSet,
    Kind::DeploymentTwoOwners,
    Kind::Deployment,
    Kind::Pod,
    Kind::StatefulSet,
    Kind::Deployment,
    Kind::Deployment,
];

/// [`Shape::Realistic`]: mostly Deployments, every served kind, no custom kinds.
const REALISTIC_PATTERN: &[Kind] = &[
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::Deployment,
    Kind::Deployment,
    Kind::CronJob,
    Kind::Deployment,
    Kind::Deployment,
    Kind::Pod,
    Kind::Deployment,
    Kind::StatefulSetOnDelete,
    Kind::Deployment,
    Kind::Deployment,
    Kind::Job,
    Kind::Deployment,
    Kind::DaemonSet,
    Kind::Deployment,
    Kind::Deployment,
    Kind::ReplicationController,
    Kind::Deployment,
    Kind::StatefulSet,
];

/// What the inventory records for every pod of one workload.
#[derive(Clone)]
struct Truth {
    owner: OwnerKind,
    owners: Vec<(String, String)>,
    extra_owner: Option<Value>,
    custom_image: bool,
    opt_out: Option<OptOut>,
    fixture: Option<GenFixture>,
}

impl Truth {
    fn new(owner: OwnerKind, owners: &[(&str, &str)]) -> Truth {
        Truth {
            owner,
            owners: owners
                .iter()
                .map(|(k, n)| (k.to_string(), n.to_string()))
                .collect(),
            extra_owner: None,
            custom_image: false,
            opt_out: None,
            fixture: None,
        }
    }
}

struct Gen {
    rng: Rng,
    out: Vec<GenDoc>,
    pods: usize,
    meshed: usize,
    outdated: Vec<(String, String)>,
    inventory: Vec<GenPod>,
    nodes: Vec<String>,
    current: String,
    other_flavour: String,
    old_images: [String; 2],
    native_fraction: f64,
    ip: u32,
    proxy_resources: Value,
    base_time: i64,
}

fn app_template(app: &str, version: &str, rng: &mut Rng, extra_containers: usize) -> Value {
    let mut containers = vec![json!({
        "name": app,
        "image": format!("europe-docker.pkg.dev/shop-prod/apps/{app}:{version}"),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}, {"containerPort": 9090, "name": "metrics", "protocol": "TCP"}],
        "env": [
            {"name": "APP_NAME", "value": app}, {"name": "LOG_LEVEL", "value": "info"}, {"name": "LOG_FORMAT", "value": "json"},
            {"name": "HTTP_PORT", "value": "8080"}, {"name": "METRICS_PORT", "value": "9090"},
            {"name": "DB_HOST", "value": format!("{app}-db.{app}.svc.cluster.local")},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"key": "password", "name": format!("{app}-db")}}},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
            {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://telemetry-otlp-traces.kyma-system:4317"}
        ],
        "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": format!("{}m", 50 + rng.below(200)), "memory": "128Mi"}},
        "livenessProbe": {"failureThreshold": 3, "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"}, "initialDelaySeconds": 10, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
        "readinessProbe": {"failureThreshold": 3, "httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"}, "periodSeconds": 5, "successThreshold": 1, "timeoutSeconds": 1},
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 1000},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/config", "name": "config", "readOnly": true}, {"mountPath": "/tmp", "name": "tmp"},
                         {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true}]
    })];
    let extras = [
        json!({"name": "log-shipper", "image": "docker.io/fluent/fluent-bit:3.2.4", "imagePullPolicy": "IfNotPresent",
               "resources": {"limits": {"memory": "64Mi"}, "requests": {"cpu": "10m", "memory": "32Mi"}},
               "volumeMounts": [{"mountPath": "/var/log/app", "name": "tmp"}],
               "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}),
        json!({"name": "metrics-exporter", "image": "quay.io/prometheus/statsd-exporter:v0.28.0", "imagePullPolicy": "IfNotPresent",
               "args": ["--statsd.listen-udp=:9125", "--web.listen-address=:9102"],
               "ports": [{"containerPort": 9102, "name": "exporter", "protocol": "TCP"}],
               "resources": {"limits": {"memory": "64Mi"}, "requests": {"cpu": "5m", "memory": "16Mi"}},
               "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}),
    ];
    containers.extend(extras.into_iter().take(extra_containers));
    json!({
        "metadata": {"labels": {"app": app, "version": version, "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "shop"},
                     "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}},
        "spec": {
            "containers": containers,
            "serviceAccountName": app,
            "securityContext": {"fsGroup": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": [{"configMap": {"defaultMode": 420, "name": format!("{app}-config")}, "name": "config"},
                        {"emptyDir": {}, "name": "tmp"},
                        {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}}]}}]
        }
    })
}

impl Gen {
    fn uid(&mut self) -> String {
        self.rng.uid()
    }

    fn time(&mut self, max_days: u64) -> String {
        rfc3339(self.base_time - self.rng.below(max_days * 86_400 + 1) as i64)
    }

    fn meta(&mut self, ns: &str, name: &str, labels: &Value) -> Value {
        let uid = self.uid();
        let t = self.time(90);
        let mut m = json!({"name": name, "uid": uid, "creationTimestamp": t, "generation": 1, "labels": labels});
        if !ns.is_empty() {
            m["namespace"] = json!(ns);
        }
        m
    }

    /// Pods for a workload; `proxy` = None for unmeshed ones.
    #[allow(clippy::too_many_arguments)]
    fn pods_for(
        &mut self,
        ns: &str,
        names: Vec<String>,
        template: &Value,
        owner: Option<Value>,
        extra_labels: &[(&str, String)],
        proxy: Option<&str>,
        node_of: &dyn Fn(usize) -> Option<String>,
        managed: &Value,
        truth: &Truth,
    ) {
        // One prototype per workload (admission is the same for all its pods), serialized once
        // with placeholders; per pod only identity, placement and status are filled in.
        let Some(first) = names.first() else { return };
        let mut proto = build_pod(ns, first, template, owner, extra_labels);
        if let Some(extra) = &truth.extra_owner
            && let Some(refs) = proto["metadata"]["ownerReferences"].as_array_mut()
        {
            refs.insert(0, extra.clone());
        }
        pod_spec_defaults(&mut proto, "@@H@@");
        let mut native = false;
        if let Some(image) = proxy {
            native = self.rng.chance(self.native_fraction);
            istio::inject_sidecar(&mut proto, image, Some(&self.proxy_resources), native);
        }
        let outdated = proxy.is_some_and(|image| {
            !truth.custom_image && image != self.current && image != self.other_flavour
        });
        {
            let meta = proto["metadata"].as_object_mut().expect("object");
            meta.insert("name".into(), json!("@@N@@"));
            meta.insert("uid".into(), json!("@@U@@"));
            meta.insert("resourceVersion".into(), json!("@@RV@@"));
            meta.insert("creationTimestamp".into(), json!("@@T@@"));
            meta.insert("generation".into(), json!(1));
            meta.insert("managedFields".into(), managed.clone());
        }
        if proto["spec"]["hostname"].is_string() {
            proto["spec"]["hostname"] = json!("@@N@@");
        }
        // the kubelet's status, with placeholders for what differs per pod
        // (the kubelet only looks at container names, images and restart policies)
        let slim = |key: &str| -> Value {
            proto["spec"][key]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| json!({"name": c["name"], "image": c["image"], "restartPolicy": c["restartPolicy"]}))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut with_status =
            json!({"spec": {"containers": slim("containers"), "nodeName": "@@H@@"}});
        let inits = slim("initContainers");
        if inits.as_array().is_some_and(|a| !a.is_empty()) {
            with_status["spec"]["initContainers"] = inits;
        }
        kubelet_status(&mut with_status, true, &mut self.rng, 0);
        let mut status = with_status["status"].take();
        status["podIP"] = json!("@@IP@@");
        status["podIPs"] = json!([{"ip": "@@IP@@"}]);
        status["hostIP"] = json!("@@HIP@@");
        status["hostIPs"] = json!([{"ip": "@@HIP@@"}]);
        let mut ids = 0usize;
        for key in ["containerStatuses", "initContainerStatuses"] {
            for c in status[key].as_array_mut().into_iter().flatten() {
                let id = format!("containerd://@@C{ids}@@");
                ids += 1;
                if c["state"]["terminated"].is_object() {
                    c["state"]["terminated"]["containerID"] = json!(id);
                }
                c["containerID"] = json!(id);
            }
        }
        let mut pod_tpl = serde_json::to_string(&proto).unwrap_or_default();
        pod_tpl.pop(); // the closing brace: the status goes before it
        let status_tpl = serde_json::to_string(&status).unwrap_or_default();
        let labels = proto["metadata"]["labels"].as_object().cloned();
        let owners: Vec<(String, String, String, bool)> = proto["metadata"]["ownerReferences"]
            .as_array()
            .map(|os| {
                os.iter()
                    .map(|o| {
                        let s = |k: &str| o[k].as_str().unwrap_or_default().to_string();
                        (
                            s("kind"),
                            s("name"),
                            s("uid"),
                            o["controller"].as_bool().unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (i, name) in names.into_iter().enumerate() {
            let node = node_of(i).unwrap_or_else(|| {
                self.nodes[self.rng.below(self.nodes.len() as u64) as usize].clone()
            });
            if proxy.is_some() {
                self.meshed += 1;
            }
            if outdated {
                self.outdated.push((ns.to_string(), name.clone()));
            }
            self.inventory.push(GenPod {
                namespace: ns.to_string(),
                name: name.clone(),
                owner: truth.owner,
                owners: truth.owners.clone(),
                extra_owner: truth.extra_owner.is_some(),
                proxy_image: proxy.map(String::from),
                native_sidecar: native,
                custom_proxy_image: truth.custom_image,
                opt_out: truth.opt_out,
                fixture: truth.fixture,
                outdated,
            });
            self.ip += 1;
            let ip = format!("10.244.{}.{}", (self.ip / 250) % 250, 2 + self.ip % 250);
            let hip = format!("10.250.0.{}", 2 + (fnv1a(node.as_bytes()) % 200));
            let uid = self.uid();
            let t = self.time(30);
            let cids: Vec<String> = (0..ids).map(|_| self.rng.hex(64)).collect();
            let lookup = |var: &str| -> String {
                match var {
                    "N" => name.clone(),
                    "U" => uid.clone(),
                    "T" => t.clone(),
                    "H" => node.clone(),
                    "IP" => ip.clone(),
                    "HIP" => hip.clone(),
                    "RV" => "@@RV@@".to_string(),
                    v => v
                        .strip_prefix('C')
                        .and_then(|n| n.parse::<usize>().ok())
                        .and_then(|n| cids.get(n).cloned())
                        .unwrap_or_default(),
                }
            };
            let mut doc = String::with_capacity(pod_tpl.len() + status_tpl.len() + 256);
            render(&pod_tpl, &lookup, &mut doc);
            doc.push_str(",\"status\":");
            render(&status_tpl, &lookup, &mut doc);
            doc.push('}');
            let (head, tail) = match doc.find("@@RV@@") {
                Some(at) => (doc[..at].to_string(), doc[at + 6..].to_string()),
                None => (doc, String::new()),
            };
            let mut labels = labels.clone();
            if let Some(l) = labels.as_mut() {
                for v in l.values_mut() {
                    if v == "@@N@@" {
                        *v = json!(name);
                    }
                }
            }
            let meta = Meta {
                api_version: "v1".into(),
                name: name.clone(),
                namespace: ns.to_string(),
                uid: uid.clone(),
                labels,
                owners: owners.clone(),
                phase: Some("Running".into()),
                node: Some(node.clone()),
                replicas: None,
            };
            self.out.push(GenDoc::Pod {
                head,
                tail,
                meta: Box::new(meta),
            });
            self.pods += 1;
        }
    }

    fn push(&mut self, v: Value) {
        self.out.push(GenDoc::Value(v));
    }
}

/// Expands `@@VAR@@` placeholders.
fn render(tpl: &str, lookup: &dyn Fn(&str) -> String, out: &mut String) {
    for (i, part) in tpl.split("@@").enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        } else {
            out.push_str(&lookup(part));
        }
    }
}

fn managed_fields(template: &Value, time: &str) -> Value {
    let mut mf = json!([
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": time,
         "fieldsType": "FieldsV1", "fieldsV1": null},
        {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": time, "subresource": "status",
         "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:hostIP": {},
            "f:hostIPs": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}}
    ]);
    // the template is exactly {metadata, spec}: its fields are the pod's
    mf[0]["fieldsV1"] = fields_v1(template);
    mf
}

impl GeneratedCluster {
    /// The generated objects as JSON values (pods with resourceVersion "1").
    pub fn objects(&self) -> Vec<Value> {
        self.docs
            .iter()
            .map(|d| match d {
                GenDoc::Value(v) => v.clone(),
                GenDoc::Pod { head, tail, .. } => {
                    serde_json::from_str(&format!("{head}1{tail}")).unwrap_or(Value::Null)
                }
            })
            .collect()
    }

    /// The ground truth of one pod.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<&GenPod> {
        self.inventory
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }

    /// The outdated pods (see [`GenPod::outdated`]) grouped by owner kind.
    pub fn outdated_by_owner(&self) -> BTreeMap<OwnerKind, Vec<&GenPod>> {
        let mut m: BTreeMap<OwnerKind, Vec<&GenPod>> = BTreeMap::new();
        for p in self.inventory.iter().filter(|p| p.outdated) {
            m.entry(p.owner).or_default().push(p);
        }
        m
    }

    /// Number of generated objects.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// Builds a cluster: Nodes, namespaces (`kyma-system`, `istio-system`, `kube-system`, app
/// namespaces, some with injection disabled), Istio (istiod, ingress gateway, the injector
/// webhook) at `istio_version` with Kyma's STRICT PeerAuthentication and api-server
/// DestinationRule, and workloads of every owner kind. Deterministic per seed
/// (names, uids, placement, which workloads are outdated).
pub fn generate_cluster(opts: &GenOptions) -> GeneratedCluster {
    let mut rng = Rng::new(opts.seed);
    let version = opts.istio_version.clone();
    let old_version = opts
        .outdated_version
        .clone()
        .unwrap_or_else(|| istio::previous_minor(&version));
    let iop = json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {
        "values": {"global": {"variant": if opts.distroless { "distroless" } else { "" },
                              "proxy": {"resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}}},
                   "sidecarInjectorWebhook": {"enableNamespacesByDefault": opts.enable_namespaces_by_default}},
        "components": {"pilot": {"k8s": {"env": [{"name": "PILOT_HTTP10", "value": "1"}]}},
                       "ingressGateways": [{"name": "istio-ingressgateway", "enabled": true}]}
    }});
    let install = IstioInstall::from_operator(&iop, &version).expect("generator operator is valid");
    let current = install.proxy_image();
    let other_flavour = match current.strip_suffix("-distroless") {
        Some(plain) => plain.to_string(),
        None => format!("{current}-distroless"),
    };
    let old_images = [
        format!("{}/proxyv2:{old_version}-distroless", install.hub),
        format!("{}/proxyv2:{old_version}", install.hub),
    ];
    let nodes: Vec<String> = (0..opts.nodes.max(1))
        .map(|i| format!("node-{i}"))
        .collect();
    let mut g = Gen {
        rng: Rng::new(rng.next_u64()),
        out: Vec::with_capacity(opts.pods + opts.pods / 2 + 100),
        pods: 0,
        meshed: 0,
        outdated: Vec::new(),
        inventory: Vec::with_capacity(opts.pods),
        nodes: nodes.clone(),
        current: current.clone(),
        other_flavour: other_flavour.clone(),
        old_images: old_images.clone(),
        native_fraction: opts.native_sidecar_fraction,
        ip: 0,
        proxy_resources: install.proxy_resources.clone().unwrap_or(json!({})),
        base_time: unix_now() - 3600,
    };
    for (i, n) in nodes.iter().enumerate() {
        let meta = g.meta("", n, &json!({"kubernetes.io/hostname": n, "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m5.xlarge",
                                          "topology.kubernetes.io/zone": format!("eu-central-1{}", ["a", "b", "c"][i % 3])}));
        g.push(json!({"apiVersion": "v1", "kind": "Node", "metadata": meta,
            "spec": {"podCIDR": format!("10.244.{i}.0/24")},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
                       "addresses": [{"type": "InternalIP", "address": format!("10.250.0.{}", 10 + i)}, {"type": "Hostname", "address": n}],
                       "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}, "allocatable": {"cpu": "3920m", "memory": "14Gi", "pods": "110"},
                       "nodeInfo": {"kubeletVersion": "v1.32.0", "containerRuntimeVersion": "containerd://1.7.24", "osImage": "Garden Linux", "architecture": "amd64", "operatingSystem": "linux"}}}));
    }
    // namespaces
    let realistic = opts.shape == Shape::Realistic;
    let n_apps = opts.namespaces.unwrap_or(if realistic {
        (opts.pods / 25).clamp(1, 4000)
    } else {
        (opts.pods / 100).clamp(1, 200)
    });
    let mut namespaces: Vec<(String, Option<&str>)> = vec![
        ("kube-system".into(), Some("disabled")),
        ("istio-system".into(), Some("disabled")),
        ("kyma-system".into(), Some("enabled")),
        ("default".into(), None),
        ("kube-public".into(), None),
        ("kube-node-lease".into(), None),
    ];
    for i in 0..n_apps {
        let label = match i % 7 {
            3 => Some("enabled"),
            6 => Some("disabled"),
            _ => None,
        };
        namespaces.push((format!("{}-{i:03}", APPS[i % APPS.len()]), label));
    }
    for (ns, label) in &namespaces {
        let mut labels = json!({"kubernetes.io/metadata.name": ns});
        if let Some(l) = label {
            labels["istio-injection"] = json!(l);
        }
        let meta = g.meta("", ns, &labels);
        g.push(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta,
                          "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        );
    }
    // Istio
    let mut istio_objects = install.core_objects();
    istio_objects.retain(|o| o["kind"] != "Namespace");
    istio_objects.extend(install.istiod_objects());
    istio_objects.extend(install.gateway_objects());
    for mut o in istio_objects {
        let uid = g.uid();
        o["metadata"]["uid"] = json!(uid);
        o["metadata"]["creationTimestamp"] = json!(rfc3339(g.base_time - 86_400 * 7));
        if o["kind"] == "Deployment" {
            let ns = o["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let name = o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let replicas = o["spec"]["replicas"].as_i64().unwrap_or(1) as usize;
            expand_deployment(
                &mut g,
                o,
                &ns,
                &name,
                replicas,
                None,
                Truth::new(OwnerKind::Deployment, &[]),
                0,
            );
        } else {
            g.push(o);
        }
    }
    // kube-system: coredns and kube-proxy
    let core_tpl = json!({"metadata": {"labels": {"k8s-app": "kube-dns"}}, "spec": {"containers": [{"name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.11.3", "args": ["-conf", "/etc/coredns/Corefile"]}], "priorityClassName": "system-cluster-critical"}});
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": g.meta("kube-system", "coredns", &json!({"k8s-app": "kube-dns"})),
                     "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}}, "template": core_tpl}});
    expand_deployment(
        &mut g,
        dep,
        "kube-system",
        "coredns",
        2,
        None,
        Truth::new(OwnerKind::Deployment, &[]),
        0,
    );
    let proxy_tpl = json!({"metadata": {"labels": {"k8s-app": "kube-proxy"}}, "spec": {"hostNetwork": true, "containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.32.0"}]}});
    let meta = g.meta(
        "kube-system",
        "kube-proxy",
        &proxy_tpl["metadata"]["labels"],
    );
    expand_daemonset(
        &mut g,
        meta,
        proxy_tpl,
        None,
        false,
        Truth::new(OwnerKind::DaemonSet, &[]),
    );

    // application workloads
    let target = opts.pods.max(g.pods);
    let mut slot = 0usize;
    let mut app_i = 0usize;
    let mut kyma_i = 0usize;
    let app_namespaces: Vec<(String, Option<&str>)> = namespaces[6..].to_vec();
    let mut reverting_left = opts.reverting_workloads;
    let mut pinned_left = opts.pinned_workloads;
    let mut fixtures = Vec::new();
    let custom_image =
        format!("europe-docker.pkg.dev/shop-prod/mirror/istio/proxyv2:{old_version}-distroless");
    while g.pods < target {
        let remaining = target - g.pods;
        let kyma = kyma_i < KYMA.len() && slot.is_multiple_of(4);
        slot += 1;
        let (ns, label, app, version, kind) = if kyma {
            kyma_i += 1;
            (
                "kyma-system".to_string(),
                Some("enabled"),
                KYMA[kyma_i - 1].to_string(),
                "1.4.2".to_string(),
                Kind::Deployment,
            )
        } else {
            let i = app_i;
            app_i += 1;
            let (ns, label) = app_namespaces[i % app_namespaces.len().max(1)].clone();
            let app = format!("{}-{}", APPS[(i / 3) % APPS.len()], i);
            (
                ns,
                label,
                app,
                format!("v{}.{}.{}", 1 + i % 3, i % 10, i % 7),
                if realistic {
                    REALISTIC_PATTERN[i % REALISTIC_PATTERN.len()]
                } else {
                    PATTERN[i % PATTERN.len()]
                },
            )
        };
        let kind = match kind {
            Kind::DaemonSet | Kind::DaemonSetOnDelete if remaining < g.nodes.len() => Kind::Pod,
            k => k,
        };
        let ns_meshed = label != Some("disabled");
        // kyma-system's first workload is outdated whenever any is (proxy reset goes there first)
        let force_outdated = kyma && kyma_i == 1 && opts.outdated_fraction > 0.0;
        let unmeshed = !force_outdated && g.rng.chance(opts.unmeshed_fraction);
        let custom = ns_meshed
            && !unmeshed
            && !force_outdated
            && g.rng.chance(opts.custom_proxy_image_fraction);
        let opt_out = g.rng.chance(opts.reset_opt_out_fraction).then(|| {
            if g.rng.chance(0.5) {
                OptOut::Pod
            } else {
                OptOut::Workload
            }
        });
        // where no served workload object is above the pods, the opt-out goes on the pods
        let opt_out = match (opt_out, kind) {
            (Some(OptOut::Workload), Kind::Pod | Kind::CloneSet | Kind::Rollout) => {
                Some(OptOut::Pod)
            }
            (o, _) => o,
        };
        let proxy = if !ns_meshed || unmeshed {
            None
        } else if custom {
            Some(custom_image.clone())
        } else if rng.chance(opts.outdated_fraction) || force_outdated {
            Some(g.old_images[(g.rng.below(2)) as usize].clone())
        } else if g.rng.chance(opts.other_flavour_fraction) {
            Some(other_flavour.clone())
        } else {
            Some(current.clone())
        };
        let extra = g.rng.below(3) as usize;
        let mut tpl = app_template(&app, &version, &mut g.rng, extra);
        if unmeshed {
            tpl["metadata"]["annotations"]["sidecar.istio.io/inject"] = json!("false");
        }
        if custom {
            tpl["metadata"]["annotations"]["sidecar.istio.io/proxyImage"] = json!(custom_image);
        }
        if opt_out == Some(OptOut::Pod) {
            tpl["metadata"]["annotations"][RESET_OPT_OUT] = json!("false");
        }
        // the top-level object's metadata, with the workload-level opt-out
        let top_meta = |g: &mut Gen, name: &str, labels: &Value| {
            let mut m = g.meta(&ns, name, labels);
            if opt_out == Some(OptOut::Workload) {
                m["annotations"] = json!({RESET_OPT_OUT: "false"});
            }
            m
        };
        let truth = |owner: OwnerKind, owners: &[(&str, &str)]| Truth {
            custom_image: custom,
            opt_out,
            ..Truth::new(owner, owners)
        };
        let want = |n: usize| n.min(remaining).max(1);
        let labels = tpl["metadata"]["labels"].clone();
        let managed = managed_fields(&tpl, &rfc3339(g.base_time));
        let proxy = proxy.as_deref();
        match kind {
            Kind::Deployment | Kind::DeploymentTwoOwners => {
                let replicas = want(1 + g.rng.below(if realistic { 3 } else { 8 }) as usize);
                let meta = top_meta(&mut g, &app, &labels);
                let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                    "spec": {"replicas": replicas, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                             "selector": {"matchLabels": {"app": app}},
                             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                             "template": null}});
                d["spec"]["template"] = tpl;
                let mut t = truth(OwnerKind::Deployment, &[]);
                if !kyma
                    && opt_out.is_none()
                    && let Some(image) = proxy.filter(|p| g.old_images.iter().any(|o| o == p))
                {
                    let fx = if reverting_left > 0 {
                        reverting_left -= 1;
                        Some(GenFixture::RevertsRestarts)
                    } else if pinned_left > 0 {
                        pinned_left -= 1;
                        Some(GenFixture::PinnedProxyImage)
                    } else {
                        None
                    };
                    if let Some(f) = fx {
                        t.fixture = Some(f);
                        fixtures.push((ns.clone(), app.clone(), f, image.to_string()));
                    }
                }
                if kind == Kind::DeploymentTwoOwners {
                    let wf = format!("{app}-nightly");
                    let uid = g.uid();
                    let mut o = owner_ref("argoproj.io/v1alpha1", "Workflow", &wf, &uid);
                    o["controller"] = json!(false);
                    o["blockOwnerDeletion"] = json!(false);
                    t.extra_owner = Some(o);
                }
                let history = if realistic {
                    g.rng.below(11) as usize
                } else {
                    0
                };
                expand_deployment(&mut g, d, &ns, &app, replicas, proxy, t, history);
                let meta = g.meta(&ns, &app, &labels);
                g.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": meta,
                    "spec": {"type": "ClusterIP", "selector": {"app": app},
                             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}}));
            }
            Kind::StatefulSet | Kind::StatefulSetOnDelete => {
                let on_delete = kind == Kind::StatefulSetOnDelete;
                let replicas = want(1 + g.rng.below(if realistic { 3 } else { 4 }) as usize);
                let rev = format!("{app}-{}", template_hash(&tpl));
                let meta = top_meta(&mut g, &app, &labels);
                let uid = meta["uid"].as_str().unwrap_or_default().to_string();
                let owner = if on_delete {
                    OwnerKind::StatefulSetOnDelete
                } else {
                    OwnerKind::StatefulSet
                };
                let t = truth(owner, &[("StatefulSet", &app)]);
                for i in 0..replicas {
                    let name = format!("{app}-{i}");
                    let mut pt = tpl.clone();
                    pt["spec"]["hostname"] = json!(name);
                    pt["spec"]["subdomain"] = json!(app);
                    g.pods_for(
                        &ns,
                        vec![name.clone()],
                        &pt,
                        Some(owner_ref("apps/v1", "StatefulSet", &app, &uid)),
                        &[
                            ("controller-revision-hash", rev.clone()),
                            ("apps.kubernetes.io/pod-index", i.to_string()),
                            ("statefulset.kubernetes.io/pod-name", name.clone()),
                        ],
                        proxy,
                        &|_| None,
                        &managed,
                        &t,
                    );
                }
                let strategy = if on_delete {
                    json!({"type": "OnDelete"})
                } else {
                    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
                };
                let mut sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
                    "spec": {"replicas": replicas, "serviceName": app, "selector": {"matchLabels": {"app": app}}, "template": null,
                             "podManagementPolicy": "OrderedReady", "updateStrategy": strategy},
                    "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas, "currentReplicas": replicas,
                               "updatedReplicas": replicas, "availableReplicas": replicas, "currentRevision": rev, "updateRevision": rev, "collisionCount": 0}});
                sts["spec"]["template"] = tpl;
                g.push(sts);
            }
            Kind::DaemonSet | Kind::DaemonSetOnDelete => {
                let on_delete = kind == Kind::DaemonSetOnDelete;
                let owner = if on_delete {
                    OwnerKind::DaemonSetOnDelete
                } else {
                    OwnerKind::DaemonSet
                };
                let meta = top_meta(&mut g, &app, &labels);
                expand_daemonset(&mut g, meta, tpl, proxy, on_delete, truth(owner, &[]));
            }
            Kind::ReplicaSet | Kind::ReplicationController | Kind::Rollout => {
                let replicas = want(1 + g.rng.below(2) as usize);
                let (api, k, sel, owner) = match kind {
                    Kind::ReplicaSet => (
                        "apps/v1",
                        "ReplicaSet",
                        json!({"matchLabels": {"app": app}}),
                        OwnerKind::ReplicaSet,
                    ),
                    Kind::Rollout => (
                        "apps/v1",
                        "ReplicaSet",
                        json!({"matchLabels": {"app": app}}),
                        OwnerKind::Custom,
                    ),
                    _ => (
                        "v1",
                        "ReplicationController",
                        json!({"app": app}),
                        OwnerKind::ReplicationController,
                    ),
                };
                let (name, meta, t) = if kind == Kind::Rollout {
                    // Argo Rollouts' Rollout -> ReplicaSet -> pods
                    let hash = template_hash(&tpl);
                    let rs = format!("{app}-{hash}");
                    let mut m = g.meta(&ns, &rs, &labels);
                    let rollout_uid = g.uid();
                    m["ownerReferences"] = json!([owner_ref(
                        "argoproj.io/v1alpha1",
                        "Rollout",
                        &app,
                        &rollout_uid
                    )]);
                    m["labels"]["rollouts-pod-template-hash"] = json!(hash);
                    // The Rollout itself (no rng drawn: the rest of the cluster stays the same).
                    let rm = json!({"name": app, "namespace": ns, "uid": rollout_uid,
                        "creationTimestamp": m["creationTimestamp"].clone(), "generation": 1,
                        "labels": labels.clone()});
                    g.push(json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": rm,
                        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
                                 "template": tpl.clone(), "strategy": {"canary": {"maxUnavailable": 1}}},
                        "status": {"observedGeneration": "1", "replicas": replicas, "updatedReplicas": replicas,
                                   "readyReplicas": replicas, "availableReplicas": replicas,
                                   "currentPodHash": hash, "stableRS": hash, "phase": "Healthy"}}));
                    let t = truth(owner, &[("ReplicaSet", &rs), ("Rollout", &app)]);
                    (rs, m, t)
                } else {
                    let name = format!("{app}-{}", g.rng.suffix(5));
                    let m = top_meta(&mut g, &name, &labels);
                    let t = truth(owner, &[(k, &name)]);
                    (name, m, t)
                };
                if kind == Kind::Rollout {
                    tpl["metadata"]["labels"]["rollouts-pod-template-hash"] =
                        meta["labels"]["rollouts-pod-template-hash"].clone();
                }
                let uid = meta["uid"].as_str().unwrap_or_default().to_string();
                let names: Vec<String> = (0..replicas)
                    .map(|_| format!("{name}-{}", g.rng.suffix(5)))
                    .collect();
                g.pods_for(
                    &ns,
                    names,
                    &tpl,
                    Some(owner_ref(api, k, &name, &uid)),
                    &[],
                    proxy,
                    &|_| None,
                    &managed,
                    &t,
                );
                let mut rs = json!({"apiVersion": api, "kind": k, "metadata": meta,
                    "spec": {"replicas": replicas, "selector": sel, "template": null},
                    "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "observedGeneration": 1}});
                rs["spec"]["template"] = tpl;
                g.push(rs);
            }
            Kind::CloneSet => {
                // OpenKruise's CloneSet owning its pods directly
                let replicas = want(1 + g.rng.below(3) as usize);
                let uid = g.uid();
                g.push(json!({"apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet",
                    "metadata": {"name": app, "namespace": ns, "uid": uid, "generation": 1, "labels": labels.clone()},
                    "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
                             "template": tpl.clone()},
                    "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas,
                               "availableReplicas": replicas, "updatedReplicas": replicas,
                               "updatedReadyReplicas": replicas}}));
                let names: Vec<String> = (0..replicas)
                    .map(|_| format!("{app}-{}", g.rng.suffix(5)))
                    .collect();
                g.pods_for(
                    &ns,
                    names,
                    &tpl,
                    Some(owner_ref("apps.kruise.io/v1alpha1", "CloneSet", &app, &uid)),
                    &[],
                    proxy,
                    &|_| None,
                    &managed,
                    &truth(OwnerKind::Custom, &[("CloneSet", &app)]),
                );
            }
            Kind::Job | Kind::CronJob => {
                let mut jt = tpl.clone();
                jt["spec"]["restartPolicy"] = json!("OnFailure");
                let (job_name, job_owner) = if kind == Kind::CronJob {
                    let meta = top_meta(&mut g, &app, &labels);
                    let uid = meta["uid"].as_str().unwrap_or_default().to_string();
                    g.push(json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
                        "spec": {"schedule": "*/30 * * * *", "concurrencyPolicy": "Forbid", "suspend": false,
                                 "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                                 "jobTemplate": {"spec": {"backoffLimit": 2, "template": jt}}},
                        "status": {"lastScheduleTime": rfc3339(g.base_time)}}));
                    (
                        format!("{app}-{}", 28_900_000 + g.rng.below(99_999)),
                        Some(owner_ref("batch/v1", "CronJob", &app, &uid)),
                    )
                } else {
                    (app.clone(), None)
                };
                let mut meta = if job_owner.is_some() {
                    g.meta(&ns, &job_name, &labels)
                } else {
                    top_meta(&mut g, &job_name, &labels)
                };
                let t = if let Some(o) = job_owner {
                    meta["ownerReferences"] = json!([o]);
                    truth(OwnerKind::CronJob, &[("Job", &job_name), ("CronJob", &app)])
                } else {
                    truth(OwnerKind::Job, &[("Job", &job_name)])
                };
                let uid = meta["uid"].as_str().unwrap_or_default().to_string();
                let t0 = rfc3339(g.base_time);
                let managed = managed_fields(&jt, &t0);
                let pod_name = format!("{job_name}-{}", g.rng.suffix(5));
                g.pods_for(
                    &ns,
                    vec![pod_name],
                    &jt,
                    Some(owner_ref("batch/v1", "Job", &job_name, &uid)),
                    &[
                        ("batch.kubernetes.io/controller-uid", uid.clone()),
                        ("batch.kubernetes.io/job-name", job_name.clone()),
                        ("controller-uid", uid.clone()),
                        ("job-name", job_name.clone()),
                    ],
                    proxy,
                    &|_| None,
                    &managed,
                    &t,
                );
                let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
                    "spec": {"backoffLimit": 2, "completions": 1, "parallelism": 1, "template": null},
                    "status": {"active": 1, "ready": 1, "startTime": t0, "terminating": 0, "uncountedTerminatedPods": {}}});
                job["spec"]["template"] = jt;
                g.push(job);
            }
            Kind::Pod => {
                g.pods_for(
                    &ns,
                    vec![app.clone()],
                    &tpl,
                    None,
                    &[],
                    proxy,
                    &|_| None,
                    &managed,
                    &truth(OwnerKind::BarePod, &[]),
                );
            }
        }
    }
    // Kyma's mesh configuration, as the Istio module (kyma-system/istio-controller-manager
    // above) keeps it on every Kyma cluster: STRICT mTLS mesh-wide, and the API server reached
    // without it. Added last so the generator's random draws (names, uids) stay as they were.
    let t = rfc3339(g.base_time - 86_400 * 7);
    g.push(json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": "istio-system", "uid": "4b7d2c1e-0000-4000-8000-000000000001", "creationTimestamp": t, "generation": 1},
        "spec": {"mtls": {"mode": "STRICT"}}}));
    g.push(json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
        "metadata": {"name": "api-server", "namespace": "istio-system", "uid": "4b7d2c1e-0000-4000-8000-000000000002", "creationTimestamp": t, "generation": 1},
        "spec": {"host": "kubernetes.default.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "DISABLE"}}}}));
    GeneratedCluster {
        docs: g.out,
        pods: g.pods,
        meshed: g.meshed,
        outdated: g.outdated,
        current_proxy_image: current,
        other_flavour_proxy_image: other_flavour,
        outdated_proxy_images: old_images.to_vec(),
        inventory: g.inventory,
        fixtures,
    }
}

/// The opt-out annotation of proxy reset.
pub const RESET_OPT_OUT: &str = "kyma-mesh.kyma-project.io/proxy-reset";

/// Deployment + its ReplicaSet (named by the pod-template hash, as the simulated controller
/// would) + pods + status, and `history` old ReplicaSets scaled to 0 (earlier revisions: the
/// template with an older image of the app).
#[allow(clippy::too_many_arguments)]
fn expand_deployment(
    g: &mut Gen,
    mut d: Value,
    ns: &str,
    name: &str,
    replicas: usize,
    proxy: Option<&str>,
    mut truth: Truth,
    history: usize,
) {
    let hash = template_hash(&d["spec"]["template"]);
    let rs_name = format!("{name}-{hash}");
    let duid = d["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut rs_tpl = d["spec"]["template"].clone();
    rs_tpl["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut sel = d["spec"]["selector"].clone();
    sel["matchLabels"]["pod-template-hash"] = json!(hash);
    let mut rs_meta = g.meta(ns, &rs_name, &rs_tpl["metadata"]["labels"]);
    rs_meta["ownerReferences"] = json!([owner_ref("apps/v1", "Deployment", name, &duid)]);
    rs_meta["annotations"] = json!({"deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                                    "deployment.kubernetes.io/max-replicas": (replicas + 1).to_string(),
                                    "deployment.kubernetes.io/revision": (history + 1).to_string()});
    for rev in 1..=history {
        let mut old_tpl = d["spec"]["template"].clone();
        if let Some(c) = old_tpl["spec"]["containers"].get_mut(0) {
            let image = c["image"].as_str().unwrap_or_default().to_string();
            c["image"] = json!(format!("{image}-r{rev}"));
        }
        let old_hash = template_hash(&old_tpl);
        old_tpl["metadata"]["labels"]["pod-template-hash"] = json!(old_hash);
        let mut old_sel = d["spec"]["selector"].clone();
        old_sel["matchLabels"]["pod-template-hash"] = json!(old_hash);
        let old_name = format!("{name}-{old_hash}");
        let mut m = g.meta(ns, &old_name, &old_tpl["metadata"]["labels"]);
        m["ownerReferences"] = json!([owner_ref("apps/v1", "Deployment", name, &duid)]);
        m["annotations"] = json!({"deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                                  "deployment.kubernetes.io/max-replicas": (replicas + 1).to_string(),
                                  "deployment.kubernetes.io/revision": rev.to_string()});
        let mut rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": m,
            "spec": {"replicas": 0, "minReadySeconds": 0, "selector": old_sel, "template": null},
            "status": {"replicas": 0, "observedGeneration": 2}});
        rs["spec"]["template"] = old_tpl;
        g.push(rs);
    }
    let rs_uid = rs_meta["uid"].as_str().unwrap_or_default().to_string();
    let names: Vec<String> = (0..replicas)
        .map(|_| format!("{rs_name}-{}", g.rng.suffix(5)))
        .collect();
    let managed = managed_fields(&rs_tpl, &rfc3339(g.base_time));
    truth.owners = vec![
        ("ReplicaSet".to_string(), rs_name.clone()),
        ("Deployment".to_string(), name.to_string()),
    ];
    g.pods_for(
        ns,
        names,
        &rs_tpl,
        Some(owner_ref("apps/v1", "ReplicaSet", &rs_name, &rs_uid)),
        &[],
        proxy,
        &|_| None,
        &managed,
        &truth,
    );
    let mut rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": rs_meta,
        "spec": {"replicas": replicas, "minReadySeconds": 0, "selector": sel, "template": null},
        "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "observedGeneration": 1}});
    rs["spec"]["template"] = rs_tpl;
    g.push(rs);
    d["spec"]["replicas"] = json!(replicas);
    let r = replicas as i64;
    d["status"] = deployment_status(&d, r, r, r, &rs_name, &Value::Null);
    g.push(d);
}

/// DaemonSet (metadata given) + one pod per node + status.
fn expand_daemonset(
    g: &mut Gen,
    meta: Value,
    tpl: Value,
    proxy: Option<&str>,
    on_delete: bool,
    mut truth: Truth,
) {
    let ns = meta["namespace"].as_str().unwrap_or_default().to_string();
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    let labels = tpl["metadata"]["labels"].clone();
    let sel = json!({"matchLabels": labels});
    let uid = meta["uid"].as_str().unwrap_or_default().to_string();
    let rev = template_hash(&tpl);
    let n = g.nodes.len();
    let names: Vec<String> = (0..n)
        .map(|_| format!("{name}-{}", g.rng.suffix(5)))
        .collect();
    let nodes = g.nodes.clone();
    let managed = managed_fields(&tpl, &rfc3339(g.base_time));
    truth.owners = vec![("DaemonSet".to_string(), name.clone())];
    g.pods_for(
        &ns,
        names,
        &tpl,
        Some(owner_ref("apps/v1", "DaemonSet", &name, &uid)),
        &[
            ("controller-revision-hash", rev),
            ("pod-template-generation", "1".into()),
        ],
        proxy,
        &|i| Some(nodes[i % nodes.len()].clone()),
        &managed,
        &truth,
    );
    let strategy = if on_delete {
        json!({"type": "OnDelete"})
    } else {
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    };
    let mut ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta,
        "spec": {"selector": sel, "template": null, "updateStrategy": strategy},
        "status": {"currentNumberScheduled": n, "desiredNumberScheduled": n, "numberAvailable": n, "numberMisscheduled": 0,
                   "numberReady": n, "observedGeneration": 1, "updatedNumberScheduled": n}});
    ds["spec"]["template"] = tpl;
    g.push(ds);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap};

    /// The injected proxy (gateways run `istio-proxy` too, without being injected).
    fn proxy(p: &Value) -> Option<(String, bool)> {
        p["metadata"]["annotations"]["sidecar.istio.io/status"].as_str()?;
        for (key, native) in [("containers", false), ("initContainers", true)] {
            if let Some(c) = p["spec"][key]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["name"] == "istio-proxy"))
            {
                return Some((c["image"].as_str().unwrap().to_string(), native));
            }
        }
        None
    }

    #[test]
    fn generates_every_owner_kind_and_tells_the_truth_about_each_pod() {
        let opts = GenOptions {
            pods: 900,
            outdated_fraction: 0.3,
            reset_opt_out_fraction: 0.1,
            custom_proxy_image_fraction: 0.05,
            seed: 9,
            ..Default::default()
        };
        let c = generate_cluster(&opts);
        assert_eq!(c.pods, 900);
        assert_eq!(c.inventory.len(), 900);
        let objects = c.objects();
        let kinds: BTreeSet<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
        for k in [
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "ReplicationController",
            "Job",
            "CronJob",
            "Pod",
            "Namespace",
            "Node",
            "MutatingWebhookConfiguration",
            "Service",
        ] {
            assert!(kinds.contains(k), "missing {k}");
        }
        let by_key: HashMap<(String, String), &Value> = objects
            .iter()
            .map(|o| {
                let m = &o["metadata"];
                let k = (
                    format!(
                        "{}/{}",
                        o["kind"].as_str().unwrap(),
                        m["namespace"].as_str().unwrap_or("")
                    ),
                    m["name"].as_str().unwrap().to_string(),
                );
                (k, o)
            })
            .collect();
        let get = |kind: &str, ns: &str, name: &str| {
            by_key
                .get(&(format!("{kind}/{ns}"), name.to_string()))
                .copied()
        };
        let mut owners_seen = BTreeSet::new();
        for t in &c.inventory {
            let p = get("Pod", &t.namespace, &t.name).expect("inventory pods exist");
            owners_seen.insert(t.owner);
            // the controller chain is what the ownerReferences say
            let refs = p["metadata"]["ownerReferences"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let ctrl: Vec<&Value> = refs.iter().filter(|r| r["controller"] == true).collect();
            assert_eq!(
                refs.len(),
                ctrl.len() + usize::from(t.extra_owner),
                "{}",
                t.name
            );
            if t.extra_owner {
                assert_eq!(
                    refs[0]["controller"], false,
                    "the non-controller reference comes first"
                );
            }
            match (ctrl.first(), t.owners.first()) {
                (None, None) => assert_eq!(t.owner, OwnerKind::BarePod),
                (Some(r), Some((k, n))) => assert_eq!(
                    (r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()),
                    (k.as_str(), n.as_str())
                ),
                other => panic!("{}: {other:?}", t.name),
            }
            for w in t.owners.windows(2) {
                let (k, n) = &w[0];
                let above = &w[1];
                if let Some(o) = get(k, &t.namespace, n) {
                    let r = &o["metadata"]["ownerReferences"][0];
                    assert_eq!(
                        (r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()),
                        (above.0.as_str(), above.1.as_str())
                    );
                } else {
                    assert_eq!(
                        t.owner,
                        OwnerKind::Custom,
                        "only custom kinds are not served"
                    );
                }
            }
            let top = t.owners.last();
            let strategy = top.and_then(|(k, n)| get(k, &t.namespace, n)).map(|o| {
                o["spec"]["updateStrategy"]["type"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            });
            match t.owner {
                OwnerKind::StatefulSetOnDelete | OwnerKind::DaemonSetOnDelete => {
                    assert_eq!(strategy.as_deref(), Some("OnDelete"))
                }
                OwnerKind::StatefulSet | OwnerKind::DaemonSet => {
                    assert_eq!(strategy.as_deref(), Some("RollingUpdate"))
                }
                OwnerKind::Custom => {
                    assert!(["Rollout", "CloneSet"].contains(&top.unwrap().0.as_str()))
                }
                _ => {}
            }
            // proxy image, native sidecar, annotations
            let px = proxy(p);
            assert_eq!(
                px.as_ref().map(|(i, _)| i.clone()),
                t.proxy_image,
                "{}",
                t.name
            );
            assert_eq!(px.as_ref().is_some_and(|(_, n)| *n), t.native_sidecar);
            let ann = &p["metadata"]["annotations"];
            assert_eq!(
                ann["sidecar.istio.io/proxyImage"].is_string(),
                t.custom_proxy_image
            );
            assert_eq!(
                ann[RESET_OPT_OUT] == "false",
                t.opt_out == Some(OptOut::Pod),
                "{}",
                t.name
            );
            if t.opt_out == Some(OptOut::Workload) {
                let (k, n) = top.unwrap();
                assert_eq!(
                    get(k, &t.namespace, n).unwrap()["metadata"]["annotations"][RESET_OPT_OUT],
                    "false"
                );
            }
            let expect_outdated = t.proxy_image.as_ref().is_some_and(|i| {
                !t.custom_proxy_image
                    && i != &c.current_proxy_image
                    && i != &c.other_flavour_proxy_image
            });
            assert_eq!(t.outdated, expect_outdated);
            if t.outdated {
                assert!(
                    c.outdated_proxy_images
                        .contains(t.proxy_image.as_ref().unwrap())
                );
            }
        }
        assert_eq!(
            owners_seen.into_iter().collect::<Vec<_>>(),
            [
                OwnerKind::Deployment,
                OwnerKind::StatefulSet,
                OwnerKind::StatefulSetOnDelete,
                OwnerKind::DaemonSet,
                OwnerKind::DaemonSetOnDelete,
                OwnerKind::ReplicaSet,
                OwnerKind::ReplicationController,
                OwnerKind::Job,
                OwnerKind::CronJob,
                OwnerKind::BarePod,
                OwnerKind::Custom
            ]
        );
        let inv = &c.inventory;
        let count = |f: &dyn Fn(&GenPod) -> bool| inv.iter().filter(|p| f(p)).count();
        assert!(count(&|p| p.extra_owner) > 0);
        assert!(count(&|p| p.native_sidecar && p.outdated) > 0);
        assert!(count(&|p| p.custom_proxy_image) > 0);
        assert!(count(&|p| p.opt_out == Some(OptOut::Pod)) > 0);
        assert!(count(&|p| p.opt_out == Some(OptOut::Workload)) > 0);
        assert!(count(&|p| p.proxy_image.as_deref() == Some(&c.other_flavour_proxy_image)) > 0);
        assert!(count(&|p| p.namespace == "kyma-system" && p.outdated) > 0);
        // pods without sidecar in namespaces that inject
        let injected_ns: BTreeSet<&str> = objects
            .iter()
            .filter(|o| {
                o["kind"] == "Namespace" && o["metadata"]["labels"]["istio-injection"] != "disabled"
            })
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert!(
            count(&|p| p.proxy_image.is_none() && injected_ns.contains(p.namespace.as_str())) > 0
        );
        let by_owner = c.outdated_by_owner();
        assert!(by_owner.len() >= 8, "{:?}", by_owner.keys());
        assert_eq!(
            by_owner.values().map(Vec::len).sum::<usize>(),
            c.outdated.len()
        );
        let frac = c.outdated.len() as f64 / c.meshed as f64;
        assert!((0.15..0.45).contains(&frac), "outdated fraction {frac}");
        let pods: Vec<&Value> = objects.iter().filter(|o| o["kind"] == "Pod").collect();
        let avg = pods
            .iter()
            .map(|p| serde_json::to_vec(p).unwrap().len())
            .sum::<usize>()
            / pods.len();
        assert!(avg > 10_000, "pods are ~13 KB (avg {avg})");
        // deterministic
        let again = generate_cluster(&opts);
        assert_eq!(again.outdated, c.outdated);
        assert_eq!(
            again
                .inventory
                .iter()
                .map(|p| (p.name.clone(), p.owner))
                .collect::<Vec<_>>(),
            c.inventory
                .iter()
                .map(|p| (p.name.clone(), p.owner))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn small_clusters_still_have_every_kind() {
        let c = generate_cluster(&GenOptions {
            pods: 160,
            seed: 3,
            ..Default::default()
        });
        let kinds: BTreeSet<OwnerKind> = c.inventory.iter().map(|p| p.owner).collect();
        assert_eq!(kinds.len(), 11, "{kinds:?}");
    }

    #[test]
    fn realistic_shape_has_small_deployments_old_replicasets_and_many_namespaces() {
        let c = generate_cluster(&GenOptions {
            pods: 2_000,
            shape: Shape::Realistic,
            ..Default::default()
        });
        let objects = c.objects();
        let of = |kind: &'static str| objects.iter().filter(move |o| o["kind"] == kind);
        // app Deployments (outside the system namespaces) run 1 to 3 replicas
        let system = ["kube-system", "istio-system", "kyma-system"];
        let apps: Vec<&Value> = of("Deployment")
            .filter(|d| !system.contains(&d["metadata"]["namespace"].as_str().unwrap()))
            .collect();
        assert!(apps.len() > 300, "{} app deployments", apps.len());
        assert!(
            apps.iter()
                .all(|d| (1..=3).contains(&d["spec"]["replicas"].as_i64().unwrap())),
            "replicas within 1..=3"
        );
        // old ReplicaSets at 0 replicas, up to revisionHistoryLimit (10) per Deployment
        let mut per_deployment: HashMap<String, (usize, usize)> = HashMap::new();
        for rs in of("ReplicaSet") {
            let Some(owner) = rs["metadata"]["ownerReferences"][0]["uid"].as_str() else {
                continue;
            };
            let e = per_deployment.entry(owner.to_string()).or_default();
            if rs["spec"]["replicas"] == 0 {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        assert!(
            per_deployment
                .values()
                .all(|(old, live)| *old <= 10 && *live == 1)
        );
        let old: usize = per_deployment.values().map(|(o, _)| o).sum();
        assert!(
            old > apps.len() * 3,
            "{old} old ReplicaSets for {} deployments",
            apps.len()
        );
        // hundreds of small namespaces (about one per 25 pods)
        assert!(of("Namespace").count() >= 80, "{}", of("Namespace").count());
        // every served owner kind, nothing custom
        let kinds: BTreeSet<OwnerKind> = c.inventory.iter().map(|p| p.owner).collect();
        for k in [
            OwnerKind::Deployment,
            OwnerKind::StatefulSet,
            OwnerKind::StatefulSetOnDelete,
            OwnerKind::DaemonSet,
            OwnerKind::Job,
            OwnerKind::CronJob,
            OwnerKind::BarePod,
            OwnerKind::ReplicationController,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing from {kinds:?}");
        }
        assert!(!kinds.contains(&OwnerKind::Custom));
        // sidecars of two Istio versions
        let images: BTreeSet<&str> = c
            .inventory
            .iter()
            .filter_map(|p| p.proxy_image.as_deref())
            .collect();
        assert!(images.contains(c.current_proxy_image.as_str()));
        assert!(!c.outdated.is_empty());
        assert_eq!(c.pods, 2_000);
    }
}
