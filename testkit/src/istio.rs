//! What Istio puts into a cluster: the objects `istioctl install` creates (shared by
//! fake-istioctl and the cluster generator) and the sidecar the injector adds to pods.

use serde_json::{Map, Value, json};

/// Istio versions the test ground knows (one per supported minor), oldest first.
pub const KNOWN_VERSIONS: &[&str] = &["1.24.6", "1.25.5", "1.26.4", "1.27.3", "1.28.0"];

/// The newest known version: fake-istioctl's default.
pub const DEFAULT_VERSION: &str = "1.28.0";

pub const DEFAULT_HUB: &str = "docker.io/istio";

/// The known release of the minor before `version`'s (`1.28.0` -> `1.27.3`); for unknown
/// versions `1.(m-1).0`.
pub fn previous_minor(version: &str) -> String {
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or("1");
    let minor: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(1);
    let prev = minor.saturating_sub(1);
    let prefix = format!("{major}.{prev}.");
    KNOWN_VERSIONS
        .iter()
        .find(|v| v.starts_with(&prefix))
        .map(|v| v.to_string())
        .unwrap_or_else(|| format!("{major}.{prev}.0"))
}

/// `docker.io/istio/pilot:1.28.0-distroless` -> `docker.io/istio/proxyv2:1.28.0-distroless`.
pub fn proxy_image_for_pilot(pilot_image: &str) -> Option<String> {
    let (repo, tag) = pilot_image.rsplit_once(':')?;
    let hub = repo.strip_suffix("/pilot")?;
    Some(format!("{hub}/proxyv2:{tag}"))
}

/// The version in an image tag: `...:1.28.0-distroless` -> `1.28.0`.
pub fn version_of_image(image: &str) -> Option<String> {
    let (_, tag) = image.rsplit_once(':')?;
    Some(tag.strip_suffix("-distroless").unwrap_or(tag).to_string())
}

/// The `sidecar.istio.io/status` annotation of a pod injected by the default revision.
pub const SIDECAR_STATUS: &str = r#"{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}"#;
pub const SIDECAR_STATUS_NATIVE: &str = r#"{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}"#;

/// The `sidecar.istio.io/status` annotation of a pod injected by `revision`.
pub fn sidecar_status(native: bool, revision: &str) -> String {
    let base = if native {
        SIDECAR_STATUS_NATIVE
    } else {
        SIDECAR_STATUS
    };
    base.replace(
        r#""revision":"default""#,
        &format!(r#""revision":"{revision}""#),
    )
}

/// The istiod Service (and Deployment) of a revision: `istiod`, `istiod-<revision>`.
pub fn istiod_name(revision: &str) -> String {
    if revision.is_empty() || revision == "default" {
        "istiod".to_string()
    } else {
        format!("istiod-{revision}")
    }
}

fn field_env(name: &str, path: &str) -> Value {
    json!({"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}})
}

/// The `istio-proxy` container as Istio's injector renders it.
pub fn proxy_container(
    image: &str,
    resources: Option<&Value>,
    pod: &Value,
    native: bool,
    revision: &str,
) -> Value {
    let meta = &pod["metadata"];
    let labels = meta["labels"].as_object();
    let app = labels
        .and_then(|l| l.get("app").or_else(|| l.get("app.kubernetes.io/name")))
        .and_then(Value::as_str)
        .unwrap_or_else(|| meta["name"].as_str().unwrap_or("pod"));
    let containers: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let resources = resources.cloned().unwrap_or_else(|| {
        json!({"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}})
    });
    let mut c = json!({
        "name": "istio-proxy",
        "image": image,
        "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                 "--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info"],
        "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        "env": [
            {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
            {"name": "CA_ADDR", "value": format!("{}.istio-system.svc:15012", istiod_name(revision))},
            field_env("POD_NAME", "metadata.name"),
            field_env("POD_NAMESPACE", "metadata.namespace"),
            field_env("INSTANCE_IP", "status.podIP"),
            field_env("SERVICE_ACCOUNT", "spec.serviceAccountName"),
            field_env("HOST_IP", "status.hostIP"),
            {"name": "ISTIO_CPU_LIMIT", "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.cpu"}}},
            {"name": "PROXY_CONFIG", "value": "{\"holdApplicationUntilProxyStarts\":true}\n"},
            {"name": "ISTIO_META_POD_PORTS", "value": "[\n]"},
            {"name": "ISTIO_META_APP_CONTAINERS", "value": containers.join(",")},
            {"name": "GOMEMLIMIT", "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.memory"}}},
            {"name": "GOMAXPROCS", "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.cpu"}}},
            {"name": "ISTIO_META_CLUSTER_ID", "value": "Kubernetes"},
            field_env("ISTIO_META_NODE_NAME", "spec.nodeName"),
            {"name": "ISTIO_META_INTERCEPTION_MODE", "value": "REDIRECT"},
            {"name": "ISTIO_META_WORKLOAD_NAME", "value": app},
            {"name": "ISTIO_META_MESH_ID", "value": "cluster.local"},
            {"name": "TRUST_DOMAIN", "value": "cluster.local"}
        ],
        "imagePullPolicy": "IfNotPresent",
        "readinessProbe": {"failureThreshold": 4, "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
                           "periodSeconds": 15, "successThreshold": 1, "timeoutSeconds": 3},
        "resources": resources,
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "privileged": false,
                            "readOnlyRootFilesystem": true, "runAsGroup": 1337, "runAsNonRoot": true, "runAsUser": 1337},
        "startupProbe": {"failureThreshold": 600, "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
                         "periodSeconds": 1, "successThreshold": 1, "timeoutSeconds": 3},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"mountPath": "/var/run/secrets/workload-spiffe-uds", "name": "workload-socket"},
            {"mountPath": "/var/run/secrets/credential-uds", "name": "credential-socket"},
            {"mountPath": "/var/run/secrets/workload-spiffe-credentials", "name": "workload-certs"},
            {"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"},
            {"mountPath": "/var/lib/istio/data", "name": "istio-data"},
            {"mountPath": "/etc/istio/proxy", "name": "istio-envoy"},
            {"mountPath": "/var/run/secrets/tokens", "name": "istio-token"},
            {"mountPath": "/etc/istio/pod", "name": "istio-podinfo"}
        ]
    });
    if native {
        c["restartPolicy"] = json!("Always");
    }
    c
}

fn init_container(image: &str) -> Value {
    json!({
        "name": "istio-init",
        "image": image,
        "args": ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "",
                 "-b", "*", "-d", "15090,15021,15020", "--log_output_level=default:info"],
        "imagePullPolicy": "IfNotPresent",
        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "10m", "memory": "40Mi"}},
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
                            "privileged": false, "readOnlyRootFilesystem": false, "runAsGroup": 0, "runAsNonRoot": false, "runAsUser": 0},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File"
    })
}

fn sidecar_volumes() -> Vec<Value> {
    vec![
        json!({"emptyDir": {}, "name": "workload-socket"}),
        json!({"emptyDir": {}, "name": "credential-socket"}),
        json!({"emptyDir": {}, "name": "workload-certs"}),
        json!({"emptyDir": {"medium": "Memory"}, "name": "istio-envoy"}),
        json!({"emptyDir": {}, "name": "istio-data"}),
        json!({"downwardAPI": {"defaultMode": 420, "items": [
            {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"}, "path": "labels"},
            {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.annotations"}, "path": "annotations"}]}, "name": "istio-podinfo"}),
        json!({"name": "istio-token", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}]}}),
        json!({"configMap": {"defaultMode": 420, "name": "istio-ca-root-cert"}, "name": "istiod-ca-cert"}),
    ]
}

fn obj_mut<'a>(v: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !v[key].is_object() {
        v[key] = json!({});
    }
    v[key].as_object_mut().expect("object")
}

fn arr_mut<'a>(v: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
    if !v[key].is_array() {
        v[key] = json!([]);
    }
    v[key].as_array_mut().expect("array")
}

/// Adds the sidecar to a pod as Istio's injector does: the `istio-proxy` container (or a native
/// sidecar init container), `istio-init`, volumes, the `sidecar.istio.io/status` annotation and
/// the Istio labels.
pub fn inject_sidecar(pod: &mut Value, proxy_image: &str, resources: Option<&Value>, native: bool) {
    inject_sidecar_rev(pod, proxy_image, resources, native, "default");
}

/// [`inject_sidecar`] by the istiod of `revision` (`istio.io/rev` annotation, the status's
/// `revision`, the CA address).
pub fn inject_sidecar_rev(
    pod: &mut Value,
    proxy_image: &str,
    resources: Option<&Value>,
    native: bool,
    revision: &str,
) {
    let proxy = proxy_container(proxy_image, resources, pod, native, revision);
    let first_container = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or("app")
        .to_string();
    let app = pod["metadata"]["labels"]["app"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| {
            pod["metadata"]["generateName"]
                .as_str()
                .or(pod["metadata"]["name"].as_str())
                .unwrap_or("pod")
                .trim_end_matches('-')
                .to_string()
        });
    let canonical_revision = pod["metadata"]["labels"]["version"]
        .as_str()
        .unwrap_or("latest")
        .to_string();
    {
        let spec = &mut pod["spec"];
        let inits = arr_mut(spec, "initContainers");
        inits.insert(0, init_container(proxy_image));
        if native {
            inits.insert(1, proxy);
        } else {
            arr_mut(spec, "containers").push(proxy);
        }
        arr_mut(spec, "volumes").extend(sidecar_volumes());
    }
    let meta = &mut pod["metadata"];
    let ann = obj_mut(meta, "annotations");
    ann.insert("istio.io/rev".into(), json!(revision));
    ann.insert(
        "kubectl.kubernetes.io/default-container".into(),
        json!(first_container),
    );
    ann.insert(
        "kubectl.kubernetes.io/default-logs-container".into(),
        json!(first_container),
    );
    ann.insert("prometheus.io/path".into(), json!("/stats/prometheus"));
    ann.insert("prometheus.io/port".into(), json!("15020"));
    ann.insert("prometheus.io/scrape".into(), json!("true"));
    ann.insert(
        "sidecar.istio.io/status".into(),
        json!(sidecar_status(native, revision)),
    );
    let labels = obj_mut(meta, "labels");
    labels.insert("security.istio.io/tlsMode".into(), json!("istio"));
    labels.insert("service.istio.io/canonical-name".into(), json!(app));
    labels.insert(
        "service.istio.io/canonical-revision".into(),
        json!(canonical_revision),
    );
}

/// An ingress or egress gateway requested by the IstioOperator.
#[derive(Debug, Clone)]
pub struct GatewaySpec {
    pub name: String,
    pub namespace: String,
    pub ingress: bool,
    pub service_type: String,
    pub ports: Option<Value>,
    pub resources: Option<Value>,
    pub replicas: i64,
    pub labels: Map<String, Value>,
    /// HPA `(minReplicas, maxReplicas)`; `None` when autoscaling is off.
    pub autoscale: Option<(i64, i64)>,
    /// `k8s.hpaSpec` as given (merged over the HPA's spec, as istioctl's overlay does).
    pub hpa_spec: Value,
}

/// What `istioctl install` creates, derived from an IstioOperator and a version.
#[derive(Debug, Clone)]
pub struct IstioInstall {
    pub version: String,
    /// The control-plane revision (`spec.revision`, `--revision`); empty for the default one.
    pub revision: String,
    pub hub: String,
    /// The image tag: the version, `spec.tag` if set, `-distroless` appended for that variant.
    pub tag: String,
    pub enable_namespaces_by_default: bool,
    pub pilot_enabled: bool,
    pub pilot_env: Vec<Value>,
    pub pilot_resources: Value,
    pub pilot_replicas: i64,
    pub autoscale: Option<(i64, i64)>,
    /// `components.pilot.k8s.hpaSpec` as given.
    pub pilot_hpa_spec: Value,
    pub gateways: Vec<GatewaySpec>,
    pub proxy_resources: Option<Value>,
    pub values: Value,
    pub mesh_config: Value,
}

const COMPONENTS: &[&str] = &[
    "base",
    "pilot",
    "cni",
    "ztunnel",
    "ingressGateways",
    "egressGateways",
    "istiodRemote",
];
const REMOVED: &[&str] = &[
    "policy",
    "telemetry",
    "citadel",
    "galley",
    "sidecarInjector",
    "nodeAgent",
    "proxy",
];

fn ptr<'a>(v: &'a Value, p: &str) -> Option<&'a Value> {
    v.pointer(p).filter(|x| !x.is_null())
}

impl IstioInstall {
    /// Istio's defaults for `version` (the `default` profile).
    pub fn defaults(version: &str) -> Self {
        Self::from_operator(
            &json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {}}),
            version,
        )
        .expect("the default operator is valid")
    }

    /// Validates an IstioOperator (as istioctl minimally would) and derives the install.
    pub fn from_operator(iop: &Value, version: &str) -> Result<Self, String> {
        if !iop.is_object() {
            return Err("the IstioOperator must be a YAML mapping".into());
        }
        match iop["kind"].as_str() {
            Some("IstioOperator") => {}
            Some(k) => return Err(format!("unknown kind {k:?}: expected IstioOperator")),
            None => return Err("missing kind: expected IstioOperator".into()),
        }
        if let Some(av) = iop["apiVersion"].as_str()
            && av != "install.istio.io/v1alpha1"
        {
            return Err(format!(
                "unknown apiVersion {av:?}: expected install.istio.io/v1alpha1"
            ));
        }
        let spec = &iop["spec"];
        if !spec.is_null() && !spec.is_object() {
            return Err("spec must be a mapping".into());
        }
        if let Some(comps) = spec["components"].as_object() {
            for k in comps.keys() {
                if REMOVED.contains(&k.as_str()) {
                    return Err(format!(
                        "component {k:?} was removed from Istio (IstioOperator.spec.components.{k}): remove it"
                    ));
                }
                if !COMPONENTS.contains(&k.as_str()) {
                    return Err(format!(
                        "unknown field \"{k}\" in IstioOperator.spec.components"
                    ));
                }
            }
        }
        let profile = spec["profile"].as_str().unwrap_or("default");
        if ![
            "default", "minimal", "demo", "empty", "remote", "preview", "ambient",
        ]
        .contains(&profile)
        {
            return Err(format!("unknown profile {profile:?}"));
        }
        let revision = match &spec["revision"] {
            Value::Null => String::new(),
            Value::String(r) if r == "default" => String::new(),
            Value::String(r) => r.clone(),
            other => return Err(format!("spec.revision must be a string, not {other}")),
        };
        if !revision.is_empty()
            && (revision.len() > 63
                || !revision
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                || revision.starts_with('-')
                || revision.ends_with('-'))
        {
            return Err(format!(
                "invalid revision {revision:?}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
            ));
        }
        let hub = spec["hub"].as_str().unwrap_or(DEFAULT_HUB).to_string();
        let mut tag = spec["tag"]
            .as_str()
            .map(String::from)
            .or_else(|| spec["tag"].as_f64().map(|f| f.to_string()))
            .unwrap_or_else(|| version.to_string());
        if spec
            .pointer("/values/global/variant")
            .and_then(Value::as_str)
            == Some("distroless")
            && !tag.ends_with("-distroless")
        {
            tag.push_str("-distroless");
        }
        let values = spec.get("values").cloned().unwrap_or(json!({}));
        let pilot_k8s = spec
            .pointer("/components/pilot/k8s")
            .cloned()
            .unwrap_or(json!({}));
        let mut pilot_env: Vec<Value> = vec![
            json!({"name": "REVISION", "value": if revision.is_empty() { "default" } else { revision.as_str() }}),
            json!({"name": "PILOT_CERT_PROVIDER", "value": "istiod"}),
            field_env("POD_NAME", "metadata.name"),
            field_env("POD_NAMESPACE", "metadata.namespace"),
            field_env("SERVICE_ACCOUNT", "spec.serviceAccountName"),
            json!({"name": "KUBECONFIG", "value": "/var/run/secrets/remote/config"}),
            json!({"name": "PILOT_TRACE_SAMPLING", "value": "1"}),
            json!({"name": "PILOT_ENABLE_ANALYSIS", "value": "false"}),
            json!({"name": "CLUSTER_ID", "value": "Kubernetes"}),
            json!({"name": "PLATFORM", "value": ""}),
        ];
        let mut set_env = |e: Value| {
            let name = e["name"].clone();
            match pilot_env.iter_mut().find(|x| x["name"] == name) {
                Some(x) => *x = e,
                None => pilot_env.push(e),
            }
        };
        if let Some(m) = values.pointer("/pilot/env").and_then(Value::as_object) {
            for (k, v) in m {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                set_env(json!({"name": k, "value": v}));
            }
        }
        if let Some(list) = pilot_k8s["env"].as_array() {
            for e in list {
                set_env(e.clone());
            }
        }
        let pilot_resources = ptr(&pilot_k8s, "/resources")
            .or_else(|| values.pointer("/pilot/resources"))
            .cloned()
            .unwrap_or_else(|| json!({"requests": {"cpu": "500m", "memory": "2048Mi"}}));
        let autoscale_enabled = values
            .pointer("/pilot/autoscaleEnabled")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let min = ptr(&pilot_k8s, "/hpaSpec/minReplicas")
            .or_else(|| values.pointer("/pilot/autoscaleMin"))
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let max = ptr(&pilot_k8s, "/hpaSpec/maxReplicas")
            .or_else(|| values.pointer("/pilot/autoscaleMax"))
            .and_then(Value::as_i64)
            .unwrap_or(5);
        let pilot_replicas = ptr(&pilot_k8s, "/replicaCount")
            .or_else(|| values.pointer("/pilot/replicaCount"))
            .and_then(Value::as_i64)
            .unwrap_or(min);
        let mut gateways = Vec::new();
        for (key, ingress) in [("ingressGateways", true), ("egressGateways", false)] {
            let default_enabled =
                ingress && profile != "minimal" && profile != "empty" && profile != "remote";
            let list = spec
                .pointer(&format!("/components/{key}"))
                .and_then(Value::as_array);
            let defaults = vec![
                json!({"name": if ingress { "istio-ingressgateway" } else { "istio-egressgateway" }}),
            ];
            let list = match list {
                Some(l) if !l.is_empty() => l.clone(),
                _ => defaults,
            };
            for g in list {
                let enabled = g["enabled"]
                    .as_bool()
                    .unwrap_or(default_enabled || (profile == "demo"));
                if !enabled {
                    continue;
                }
                let name = g["name"]
                    .as_str()
                    .unwrap_or(if ingress {
                        "istio-ingressgateway"
                    } else {
                        "istio-egressgateway"
                    })
                    .to_string();
                let k8s = &g["k8s"];
                let mut labels = Map::new();
                labels.insert("app".into(), json!(name));
                labels.insert(
                    "istio".into(),
                    json!(if ingress {
                        "ingressgateway"
                    } else {
                        "egressgateway"
                    }),
                );
                if let Some(l) = g["label"].as_object() {
                    for (k, v) in l {
                        labels.insert(k.clone(), v.clone());
                    }
                }
                let gw_values = values
                    .pointer(&format!(
                        "/gateways/{}",
                        if ingress {
                            "istio-ingressgateway"
                        } else {
                            "istio-egressgateway"
                        }
                    ))
                    .cloned()
                    .unwrap_or(Value::Null);
                let min = ptr(k8s, "/hpaSpec/minReplicas")
                    .or_else(|| ptr(&gw_values, "/autoscaleMin"))
                    .and_then(Value::as_i64)
                    .unwrap_or(1);
                let max = ptr(k8s, "/hpaSpec/maxReplicas")
                    .or_else(|| ptr(&gw_values, "/autoscaleMax"))
                    .and_then(Value::as_i64)
                    .unwrap_or(5)
                    .max(min);
                let autoscale_on = ptr(&gw_values, "/autoscaleEnabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                gateways.push(GatewaySpec {
                    autoscale: autoscale_on.then_some((min, max)),
                    hpa_spec: ptr(k8s, "/hpaSpec").cloned().unwrap_or(Value::Null),
                    namespace: g["namespace"]
                        .as_str()
                        .unwrap_or("istio-system")
                        .to_string(),
                    ingress,
                    service_type: k8s
                        .pointer("/service/type")
                        .and_then(Value::as_str)
                        .unwrap_or(if ingress { "LoadBalancer" } else { "ClusterIP" })
                        .to_string(),
                    ports: ptr(k8s, "/service/ports").cloned(),
                    resources: ptr(k8s, "/resources").cloned(),
                    replicas: ptr(k8s, "/replicaCount")
                        .or_else(|| ptr(&gw_values, "/replicaCount"))
                        .and_then(Value::as_i64)
                        .unwrap_or(if autoscale_on { min } else { 1 }),
                    labels,
                    name,
                });
            }
        }
        Ok(IstioInstall {
            version: version.to_string(),
            revision,
            hub,
            tag,
            enable_namespaces_by_default: values
                .pointer("/sidecarInjectorWebhook/enableNamespacesByDefault")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            pilot_enabled: spec
                .pointer("/components/pilot/enabled")
                .and_then(Value::as_bool)
                .unwrap_or(profile != "empty" && profile != "remote"),
            pilot_env,
            pilot_resources,
            pilot_replicas,
            autoscale: autoscale_enabled.then_some((min, max.max(min))),
            pilot_hpa_spec: ptr(&pilot_k8s, "/hpaSpec").cloned().unwrap_or(Value::Null),
            gateways,
            proxy_resources: values.pointer("/global/proxy/resources").cloned(),
            mesh_config: spec.get("meshConfig").cloned().unwrap_or(json!({})),
            values,
        })
    }

    pub fn pilot_image(&self) -> String {
        format!("{}/pilot:{}", self.hub, self.tag)
    }

    pub fn proxy_image(&self) -> String {
        format!("{}/proxyv2:{}", self.hub, self.tag)
    }

    /// The revision as labels carry it: `default` for the default revision.
    pub fn rev(&self) -> &str {
        if self.revision.is_empty() {
            "default"
        } else {
            &self.revision
        }
    }

    /// `istiod` or `istiod-<revision>`: the Deployment, Service, ServiceAccount, HPA, PDB.
    pub fn istiod_name(&self) -> String {
        istiod_name(&self.revision)
    }

    /// `base` or `base-<revision>` (the ConfigMaps `istio-<rev>`, `istio-sidecar-injector-<rev>`,
    /// the webhook configuration).
    fn revisioned(&self, base: &str) -> String {
        if self.revision.is_empty() {
            base.to_string()
        } else {
            format!("{base}-{}", self.revision)
        }
    }

    fn labels(&self, component: &str, app: &str) -> Value {
        json!({
            "app": app,
            "install.operator.istio.io/owning-resource": "unknown",
            "istio.io/rev": self.rev(),
            "operator.istio.io/component": component,
            "release": "istio",
        })
    }

    /// "Istio core": the namespace, CRDs and the base service account.
    pub fn core_objects(&self) -> Vec<Value> {
        let mut out = vec![json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "istio-system", "labels": {"kubernetes.io/metadata.name": "istio-system"}}
        })];
        let crds: &[(&str, &str, &str, &[&str])] = &[
            (
                "networking.istio.io",
                "destinationrules",
                "DestinationRule",
                &["v1", "v1beta1", "v1alpha3"],
            ),
            (
                "networking.istio.io",
                "virtualservices",
                "VirtualService",
                &["v1", "v1beta1", "v1alpha3"],
            ),
            (
                "networking.istio.io",
                "gateways",
                "Gateway",
                &["v1", "v1beta1", "v1alpha3"],
            ),
            (
                "networking.istio.io",
                "serviceentries",
                "ServiceEntry",
                &["v1", "v1beta1", "v1alpha3"],
            ),
            (
                "networking.istio.io",
                "sidecars",
                "Sidecar",
                &["v1", "v1beta1", "v1alpha3"],
            ),
            (
                "networking.istio.io",
                "envoyfilters",
                "EnvoyFilter",
                &["v1alpha3"],
            ),
            (
                "security.istio.io",
                "peerauthentications",
                "PeerAuthentication",
                &["v1", "v1beta1"],
            ),
            (
                "security.istio.io",
                "authorizationpolicies",
                "AuthorizationPolicy",
                &["v1", "v1beta1"],
            ),
            (
                "security.istio.io",
                "requestauthentications",
                "RequestAuthentication",
                &["v1", "v1beta1"],
            ),
        ];
        for (group, plural, kind, versions) in crds {
            let vs: Vec<Value> = versions
                .iter()
                .enumerate()
                .map(|(i, v)| json!({"name": v, "served": true, "storage": i == 0, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}))
                .collect();
            out.push(json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": format!("{plural}.{group}"), "labels": {"app": "istio-pilot", "chart": "istio", "heritage": "Tiller", "release": "istio"}},
                "spec": {"group": group, "scope": "Namespaced", "versions": vs,
                         "names": {"kind": kind, "listKind": format!("{kind}List"), "plural": plural,
                                   "singular": kind.to_ascii_lowercase(), "categories": ["istio-io"]}}
            }));
        }
        out.push(json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "istio-reader-service-account", "namespace": "istio-system", "labels": self.labels("Base", "istio-reader")}}));
        out
    }

    /// "Istiod": configmaps, the istiod Deployment/Service/HPA/PDB and the webhooks.
    pub fn istiod_objects(&self) -> Vec<Value> {
        if !self.pilot_enabled {
            return Vec::new();
        }
        let labels = self.labels("Pilot", "istiod");
        let mut dep_labels = labels.clone();
        dep_labels["istio"] = json!("pilot");
        let istiod = self.istiod_name();
        let rev = self.rev().to_string();
        let (selector, pod_istio_label) = if self.revision.is_empty() {
            (json!({"istio": "pilot"}), "pilot")
        } else {
            (json!({"app": "istiod", "istio.io/rev": rev}), "istiod")
        };
        let svc_selector = if self.revision.is_empty() {
            json!({"app": "istiod", "istio": "pilot"})
        } else {
            selector.clone()
        };
        let mesh = json!({"defaultConfig": {"discoveryAddress": format!("{istiod}.istio-system.svc:15012")}, "rootNamespace": "istio-system", "trustDomain": "cluster.local"});
        let mut mesh_merged = mesh;
        crate::patch::merge_patch(&mut mesh_merged, &self.mesh_config);
        let mesh_yaml = serde_json::to_string_pretty(&mesh_merged).unwrap_or_default();
        let mut out = vec![
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": istiod, "namespace": "istio-system", "labels": labels}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": self.revisioned("istio"), "namespace": "istio-system", "labels": labels},
                   "data": {"mesh": mesh_yaml, "meshNetworks": "networks: {}"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": self.revisioned("istio-sidecar-injector"), "namespace": "istio-system", "labels": labels},
                   "data": {"values": serde_json::to_string(&self.values).unwrap_or_default(),
                            "config": "defaultTemplates: [sidecar]\npolicy: enabled\n"}}),
            json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": istiod, "namespace": "istio-system", "labels": dep_labels},
                "spec": {
                    "replicas": self.pilot_replicas,
                    "selector": {"matchLabels": selector},
                    "strategy": {"rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                    "template": {
                        "metadata": {
                            "labels": {"app": "istiod", "istio": pod_istio_label, "istio.io/rev": rev,
                                       "install.operator.istio.io/owning-resource": "unknown",
                                       "operator.istio.io/component": "Pilot", "sidecar.istio.io/inject": "false",
                                       "istio.io/dataplane-mode": "none"},
                            "annotations": {"prometheus.io/port": "15014", "prometheus.io/scrape": "true",
                                            "sidecar.istio.io/inject": "false"}
                        },
                        "spec": {
                            "serviceAccountName": istiod,
                            "containers": [{
                                "name": "discovery",
                                "image": self.pilot_image(),
                                "args": ["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info",
                                         "--domain", "cluster.local", "--keepaliveMaxServerConnectionAge", "30m"],
                                "ports": [{"containerPort": 8080, "name": "http-debug", "protocol": "TCP"},
                                          {"containerPort": 15010, "name": "grpc-xds", "protocol": "TCP"},
                                          {"containerPort": 15012, "name": "tls-xds", "protocol": "TCP"},
                                          {"containerPort": 15017, "name": "https-webhooks", "protocol": "TCP"},
                                          {"containerPort": 15014, "name": "http-monitoring", "protocol": "TCP"}],
                                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
                                                   "initialDelaySeconds": 1, "periodSeconds": 3, "timeoutSeconds": 5},
                                "env": self.pilot_env,
                                "resources": self.pilot_resources,
                                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
                                                    "readOnlyRootFilesystem": true, "runAsNonRoot": true},
                                "volumeMounts": [{"mountPath": "/var/run/secrets/tokens", "name": "istio-token", "readOnly": true},
                                                 {"mountPath": "/var/run/secrets/istio-dns", "name": "local-certs"},
                                                 {"mountPath": "/etc/cacerts", "name": "cacerts", "readOnly": true}]
                            }],
                            "volumes": [{"emptyDir": {"medium": "Memory"}, "name": "local-certs"},
                                        {"name": "istio-token", "projected": {"sources": [{"serviceAccountToken": {"audience": "istio-ca", "expirationSeconds": 43200, "path": "istio-token"}}]}},
                                        {"name": "cacerts", "secret": {"optional": true, "secretName": "cacerts"}}]
                        }
                    }
                }
            }),
            json!({"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": istiod, "namespace": "istio-system", "labels": dep_labels},
                   "spec": {"type": "ClusterIP", "selector": svc_selector,
                            "ports": [{"name": "grpc-xds", "port": 15010, "protocol": "TCP", "targetPort": 15010},
                                      {"name": "https-dns", "port": 15012, "protocol": "TCP", "targetPort": 15012},
                                      {"name": "https-webhook", "port": 443, "protocol": "TCP", "targetPort": 15017},
                                      {"name": "http-monitoring", "port": 15014, "protocol": "TCP", "targetPort": 15014}]}}),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                   "metadata": {"name": istiod, "namespace": "istio-system", "labels": dep_labels},
                   "spec": {"minAvailable": 1, "selector": {"matchLabels": svc_selector}}}),
        ];
        if let Some((min, max)) = self.autoscale {
            out.push(hpa(
                &istiod,
                "istio-system",
                &dep_labels,
                (min, max),
                &self.pilot_hpa_spec,
            ));
        }
        out.push(self.injector_webhook());
        out.push(json!({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": format!("{}-istio-system", self.revisioned("istio-validator")), "labels": self.labels("Pilot", "istiod")},
            "webhooks": [{
                "name": "rev.validation.istio.io",
                // as istiod's webhook controller patches it in once it runs
                "clientConfig": {"service": {"name": istiod, "namespace": "istio-system", "path": "/validate", "port": 443},
                                 "caBundle": CA_BUNDLE},
                "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"],
                           "apiVersions": ["*"], "resources": ["*"]}],
                "failurePolicy": "Ignore", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                "objectSelector": {"matchExpressions": [{"key": "istio.io/rev", "operator": "In", "values": [rev]}]}
            }]
        }));
        out
    }

    /// The `istio-sidecar-injector` MutatingWebhookConfiguration, shaped as Istio's chart renders
    /// it: `rev.namespace.` and `rev.object.` for the revision, and for the default revision also
    /// `namespace.` and `object.` (plus `auto.` when `enableNamespacesByDefault` is on). A
    /// revision's is `istio-sidecar-injector-<revision>`. `timeoutSeconds` is left unset, as in
    /// the chart.
    pub fn injector_webhook(&self) -> Value {
        let default = self.revision.is_empty();
        json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": self.revisioned("istio-sidecar-injector"), "labels": self.labels("Pilot", "sidecar-injector")},
            "webhooks": injection_webhooks(self.rev(), &self.istiod_name(), default, default && self.enable_namespaces_by_default),
        })
    }

    /// "Ingress gateways" (and enabled egress gateways): Deployment, Service, HPA, PDB each.
    pub fn gateway_objects(&self) -> Vec<Value> {
        let mut out = Vec::new();
        for g in &self.gateways {
            let component = if g.ingress {
                "IngressGateways"
            } else {
                "EgressGateways"
            };
            let mut labels = Value::Object(g.labels.clone());
            labels["install.operator.istio.io/owning-resource"] = json!("unknown");
            labels["istio.io/rev"] = json!(self.rev());
            labels["operator.istio.io/component"] = json!(component);
            labels["release"] = json!("istio");
            let mut tpl_labels = labels.clone();
            tpl_labels["sidecar.istio.io/inject"] = json!("false");
            tpl_labels["service.istio.io/canonical-name"] = json!(g.name);
            tpl_labels["service.istio.io/canonical-revision"] = json!("latest");
            let ports = g.ports.clone().unwrap_or_else(|| {
                if g.ingress {
                    json!([{"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
                           {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 8080},
                           {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443}])
                } else {
                    json!([{"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 8080},
                           {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443}])
                }
            });
            let resources = g.resources.clone().unwrap_or_else(|| {
                json!({"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}})
            });
            let selector = Value::Object(g.labels.clone());
            out.push(json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": format!("{}-service-account", g.name), "namespace": g.namespace, "labels": labels}}));
            out.push(json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": g.name, "namespace": g.namespace, "labels": labels},
                "spec": {
                    "replicas": g.replicas,
                    "selector": {"matchLabels": selector},
                    "strategy": {"rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                    "template": {
                        "metadata": {"labels": tpl_labels,
                                     "annotations": {"prometheus.io/path": "/stats/prometheus", "prometheus.io/port": "15020",
                                                     "prometheus.io/scrape": "true", "sidecar.istio.io/inject": "false"}},
                        "spec": {
                            "serviceAccountName": format!("{}-service-account", g.name),
                            "containers": [{
                                "name": "istio-proxy",
                                "image": self.proxy_image(),
                                "args": ["proxy", "router", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                                         "--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info"],
                                "ports": [{"containerPort": 15021, "protocol": "TCP"}, {"containerPort": 8080, "protocol": "TCP"},
                                          {"containerPort": 8443, "protocol": "TCP"}, {"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
                                "env": [{"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
                                        {"name": "CA_ADDR", "value": "istiod.istio-system.svc:15012"},
                                        field_env("NODE_NAME", "spec.nodeName"), field_env("POD_NAME", "metadata.name"),
                                        field_env("POD_NAMESPACE", "metadata.namespace"), field_env("INSTANCE_IP", "status.podIP"),
                                        {"name": "ISTIO_META_WORKLOAD_NAME", "value": g.name},
                                        {"name": "ISTIO_META_CLUSTER_ID", "value": "Kubernetes"}],
                                "readinessProbe": {"failureThreshold": 30, "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
                                                   "initialDelaySeconds": 1, "periodSeconds": 2, "successThreshold": 1, "timeoutSeconds": 1},
                                "resources": resources,
                                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
                                                    "privileged": false, "readOnlyRootFilesystem": true}
                            }]
                        }
                    }
                }
            }));
            out.push(json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": g.name, "namespace": g.namespace, "labels": labels},
                "spec": {"type": g.service_type, "selector": selector, "ports": ports}
            }));
            out.push(
                json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": g.name, "namespace": g.namespace, "labels": labels},
                "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}}}),
            );
            if let Some(minmax) = g.autoscale {
                out.push(hpa(&g.name, &g.namespace, &labels, minmax, &g.hpa_spec));
            }
        }
        out
    }
}

/// The webhooks' `caBundle`: a real self-signed root (`O=cluster.local`, as istiod's own CA
/// names itself, EC P-256, valid until 2126), base64 as the API holds it, so `check` parses it.
const CA_BUNDLE: &str = concat!(
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJoekNDQVMyZ0F3SUJBZ0lVWm9UbXAvbjlNNDNVdHAvcDRPNG",
    "dmS0d2T2ZRd0NnWUlLb1pJemowRUF3SXcKR0RFV01CUUdBMVVFQ2d3TlkyeDFjM1JsY2k1c2IyTmhiREFnRncweU5q",
    "RXlNRGN3TURVMU1EQmFHQTh5TVRJMgpNVEV4TXpBd05UVXdNRm93R0RFV01CUUdBMVVFQ2d3TlkyeDFjM1JsY2k1c2",
    "IyTmhiREJaTUJNR0J5cUdTTTQ5CkFnRUdDQ3FHU000OUF3RUhBMElBQktlUjJ4bnZkRlc3bERhMVMwNHAvemc1M2p0",
    "UU9jMDdUYUc1SWx1YjRVb2MKaHpPMnZRR0NzYlB6OG5qdy9ldStOVkd5R0NtWm4xVDFjQXZDWnVESFdqeWpVekJSTU",
    "IwR0ExVWREZ1FXQkJSQwp3VGZUVHovZ1E4TTFtT1ZnWkZXVWtpRWRtREFmQmdOVkhTTUVHREFXZ0JSQ3dUZlRUei9n",
    "UThNMW1PVmdaRldVCmtpRWRtREFQQmdOVkhSTUJBZjhFQlRBREFRSC9NQW9HQ0NxR1NNNDlCQU1DQTBnQU1FVUNJRj",
    "hzdDdmbldwV0oKRk9wSXVYMytycEFBa0IweFg3T3U3d3NSbHh2cWg2ZS9BaUVBanhLU3dBL0ZZVWtyVzF6c1JkV1Fh",
    "K2d2Rmx5bwplS0swMTlmMkRSckVvV0U9Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K",
);

/// The sidecar-injector webhooks of Istio's charts, sending to `service`: `rev.namespace.` and
/// `rev.object.` for namespaces/objects labelled `istio.io/rev=<rev>`; with `default_hooks`
/// also `namespace.` (`istio-injection=enabled`), `object.` (`sidecar.istio.io/inject=true`)
/// and, with `auto`, `auto.` (every namespace without labels).
pub fn injection_webhooks(rev: &str, service: &str, default_hooks: bool, auto: bool) -> Vec<Value> {
    let core = |prefix: &str, ns_sel: Value, obj_sel: Value| {
        json!({
            "name": format!("{prefix}sidecar-injector.istio.io"),
            "clientConfig": {
                "service": {"name": service, "namespace": "istio-system", "path": "/inject", "port": 443},
                "caBundle": CA_BUNDLE
            },
            "sideEffects": "None",
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "scope": "*"}],
            "failurePolicy": "Fail",
            "matchPolicy": "Equivalent",
            "reinvocationPolicy": "Never",
            "admissionReviewVersions": ["v1"],
            "namespaceSelector": ns_sel,
            "objectSelector": obj_sel,
        })
    };
    let expr = |key: &str, op: &str, values: &[&str]| {
        if values.is_empty() {
            json!({"key": key, "operator": op})
        } else {
            json!({"key": key, "operator": op, "values": values})
        }
    };
    let mut hooks = vec![
        core(
            "rev.namespace.",
            json!({"matchExpressions": [expr("istio.io/rev", "In", &[rev]), expr("istio-injection", "DoesNotExist", &[])]}),
            json!({"matchExpressions": [expr("sidecar.istio.io/inject", "NotIn", &["false"])]}),
        ),
        core(
            "rev.object.",
            json!({"matchExpressions": [expr("istio.io/rev", "DoesNotExist", &[]), expr("istio-injection", "DoesNotExist", &[])]}),
            json!({"matchExpressions": [expr("sidecar.istio.io/inject", "NotIn", &["false"]), expr("istio.io/rev", "In", &[rev])]}),
        ),
    ];
    if default_hooks {
        hooks.push(core(
            "namespace.",
            json!({"matchExpressions": [expr("istio-injection", "In", &["enabled"])]}),
            json!({"matchExpressions": [expr("sidecar.istio.io/inject", "NotIn", &["false"])]}),
        ));
        hooks.push(core(
            "object.",
            json!({"matchExpressions": [expr("istio-injection", "DoesNotExist", &[]), expr("istio.io/rev", "DoesNotExist", &[])]}),
            json!({"matchExpressions": [expr("sidecar.istio.io/inject", "In", &["true"]), expr("istio.io/rev", "DoesNotExist", &[])]}),
        ));
        if auto {
            hooks.push(core(
                "auto.",
                json!({"matchExpressions": [
                    expr("istio-injection", "DoesNotExist", &[]),
                    expr("istio.io/rev", "DoesNotExist", &[]),
                    expr("kubernetes.io/metadata.name", "NotIn", &["kube-system", "kube-public", "kube-node-lease", "local-path-storage"])
                ]}),
                json!({"matchExpressions": [expr("sidecar.istio.io/inject", "DoesNotExist", &[]), expr("istio.io/rev", "DoesNotExist", &[])]}),
            ));
        }
    }
    hooks
}

/// The MutatingWebhookConfiguration `istioctl tag set <tag> --revision <revision>` creates:
/// `istio-revision-tag-<tag>`, labelled `istio.io/tag=<tag>` and `istio.io/rev=<revision>`, whose
/// `rev.*` webhooks select `istio.io/rev=<tag>`; the `default` tag also takes over
/// `istio-injection=enabled`, `sidecar.istio.io/inject=true` and (with `auto_inject`, istioctl's
/// `--auto-inject-namespaces`) unlabelled namespaces. User-managed: no operator labels.
pub fn tag_webhook(tag: &str, revision: &str, auto_inject: bool) -> Value {
    let default = tag == "default";
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {
            "name": format!("istio-revision-tag-{tag}"),
            "labels": {"app": "sidecar-injector", "istio.io/rev": revision, "istio.io/tag": tag, "release": "istio"}
        },
        "webhooks": injection_webhooks(tag, &istiod_name(revision), default, default && auto_inject),
    })
}

/// The `istiod-default-validator` ValidatingWebhookConfiguration the `default` tag brings.
pub fn default_validator(revision: &str) -> Value {
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "istiod-default-validator",
                     "labels": {"app": "istiod", "istio": "istiod", "istio.io/rev": revision, "istio.io/tag": "default", "release": "istio"}},
        "webhooks": [{
            "name": "validation.istio.io",
            "clientConfig": {"service": {"name": istiod_name(revision), "namespace": "istio-system", "path": "/validate", "port": 443},
                             "caBundle": CA_BUNDLE},
            "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"],
                       "apiVersions": ["*"], "resources": ["*"]}],
            "failurePolicy": "Ignore", "sideEffects": "None", "admissionReviewVersions": ["v1"]
        }]
    })
}

/// The selector istioctl puts on a default-revision injector it deactivates (`tag set default`).
pub fn never_match() -> Value {
    json!({"matchLabels": {"istio.io/deactivated": "never-match"}})
}

/// A HorizontalPodAutoscaler for a Deployment; `hpa_spec` (a component's `k8s.hpaSpec`) is
/// merged over its spec.
fn hpa(name: &str, ns: &str, labels: &Value, (min, max): (i64, i64), hpa_spec: &Value) -> Value {
    let mut h = json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"minReplicas": min, "maxReplicas": max,
                 "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]}
    });
    if hpa_spec.is_object() {
        crate::patch::merge_patch(&mut h["spec"], hpa_spec);
        h["spec"]["minReplicas"] = json!(min);
        h["spec"]["maxReplicas"] = json!(max);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(previous_minor("1.28.0"), "1.27.3");
        assert_eq!(previous_minor("1.24.1"), "1.23.0");
        assert_eq!(
            proxy_image_for_pilot("docker.io/istio/pilot:1.28.0-distroless").as_deref(),
            Some("docker.io/istio/proxyv2:1.28.0-distroless")
        );
        assert_eq!(
            version_of_image("docker.io/istio/proxyv2:1.28.0-distroless").as_deref(),
            Some("1.28.0")
        );
    }

    #[test]
    fn operator_validation() {
        let ok = |v: Value| IstioInstall::from_operator(&v, "1.28.0");
        assert!(ok(json!({"kind": "ConfigMap"})).is_err());
        assert!(ok(json!("text")).is_err());
        assert!(ok(json!({"kind": "IstioOperator", "spec": {"components": {"policy": {"enabled": true}}}})).unwrap_err().contains("removed"));
        assert!(
            ok(json!({"kind": "IstioOperator", "spec": {"components": {"pilott": {}}}}))
                .unwrap_err()
                .contains("unknown field")
        );
        let i = ok(json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {
            "values": {"global": {"variant": "distroless"}, "sidecarInjectorWebhook": {"enableNamespacesByDefault": true}},
            "components": {"pilot": {"k8s": {"env": [{"name": "PILOT_HTTP10", "value": "1"}]}},
                           "ingressGateways": [{"name": "istio-ingressgateway", "enabled": true, "k8s": {"service": {"type": "NodePort"}}}]}
        }})).unwrap();
        assert_eq!(i.pilot_image(), "docker.io/istio/pilot:1.28.0-distroless");
        assert_eq!(i.gateways[0].service_type, "NodePort");
        assert!(i.pilot_env.iter().any(|e| e["name"] == "PILOT_HTTP10"));
        let wh = i.injector_webhook();
        let names: Vec<&str> = wh["webhooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "rev.namespace.sidecar-injector.istio.io",
                "rev.object.sidecar-injector.istio.io",
                "namespace.sidecar-injector.istio.io",
                "object.sidecar-injector.istio.io",
                "auto.sidecar-injector.istio.io"
            ]
        );
        let d = IstioInstall::defaults("1.27.3");
        assert_eq!(
            d.injector_webhook()["webhooks"].as_array().unwrap().len(),
            4
        );
        assert_eq!(d.gateways.len(), 1);
    }

    #[test]
    fn injection_shape() {
        let mut pod = json!({"metadata": {"name": "p", "labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}});
        inject_sidecar(&mut pod, "docker.io/istio/proxyv2:1.28.0", None, false);
        assert_eq!(pod["spec"]["containers"][1]["name"], "istio-proxy");
        assert_eq!(pod["spec"]["initContainers"][0]["name"], "istio-init");
        assert!(
            pod["metadata"]["annotations"]["sidecar.istio.io/status"]
                .as_str()
                .unwrap()
                .contains("istio-proxy")
        );
        let mut native = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}});
        inject_sidecar(&mut native, "docker.io/istio/proxyv2:1.28.0", None, true);
        assert_eq!(
            native["spec"]["initContainers"][1]["restartPolicy"],
            "Always"
        );
        assert_eq!(native["spec"]["containers"].as_array().unwrap().len(), 1);
    }
}
