//! Server-side printing: `meta.k8s.io/v1` `Table` responses, which `kubectl get` asks for with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. The columns and cells follow
//! Kubernetes' own printers (`pkg/printers/internalversion`) for the built-in kinds and the
//! CRDs' `additionalPrinterColumns` for Istio's kinds. As a real server does, every column is
//! sent (priority-1 columns too: kubectl shows them with `-o wide`), ages are rendered by the
//! server ("5m", "3h12m", ...), and each row carries the object as `PartialObjectMetadata`
//! (`includeObject=Metadata`, the default), in full (`Object`) or not at all (`None`).

use serde_json::{Map, Value, json};

use crate::registry::ResourceType;
use crate::util::{parse_rfc3339, unix_now};

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const CONTAINERS_DOC: &str = "Names of each container in the template.";
const IMAGES_DOC: &str = "Images referenced by each container in the template.";

/// What a row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Include {
    None,
    Metadata,
    Object,
}

impl Include {
    pub fn parse(q: Option<&str>) -> Result<Include, String> {
        match q {
            None | Some("") | Some("Metadata") => Ok(Include::Metadata),
            Some("None") => Ok(Include::None),
            Some("Object") => Ok(Include::Object),
            Some(other) => Err(format!(
                "unsupported includeObject value {other:?}: must be None, Metadata or Object"
            )),
        }
    }
}

/// The `meta.k8s.io` version of the Table a client accepts (`v1` or `v1beta1`), from an
/// `Accept` header; None when it does not ask for a Table (or only in protobuf).
pub fn wants_table(accept: &str) -> Option<&'static str> {
    for media in accept.split(',') {
        let mut parts = media.split(';').map(str::trim);
        let mime = parts.next().unwrap_or_default();
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let param = |k: &str| params.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        if param("as") != Some("Table") {
            if mime == "application/json" || mime == "*/*" {
                return None; // a plain JSON preference comes first
            }
            continue;
        }
        if mime != "application/json" || param("g") != Some("meta.k8s.io") {
            continue;
        }
        match param("v") {
            Some("v1") => return Some("v1"),
            Some("v1beta1") => return Some("v1beta1"),
            _ => continue,
        }
    }
    None
}

struct Col {
    name: &'static str,
    ty: &'static str,
    desc: &'static str,
    priority: u8,
}

const fn c(name: &'static str, ty: &'static str, desc: &'static str) -> Col {
    Col {
        name,
        ty,
        desc,
        priority: 0,
    }
}

const fn wide(name: &'static str, ty: &'static str, desc: &'static str) -> Col {
    Col {
        name,
        ty,
        desc,
        priority: 1,
    }
}

const NAME: Col = c("Name", "string", NAME_DOC);
const AGE: Col = c("Age", "string", AGE_DOC);

/// An Istio CRD column (`additionalPrinterColumns`): name, type, JSON path (`.a.b`), doc.
type CrdCol = (&'static str, &'static str, &'static str, &'static str);

fn istio_columns(kind: &str) -> &'static [CrdCol] {
    match kind {
        "DestinationRule" => &[(
            "Host",
            "string",
            ".spec.host",
            "The name of a service from the service registry",
        )],
        "VirtualService" => &[
            (
                "Gateways",
                "string",
                ".spec.gateways",
                "The names of gateways and sidecars that should apply these routes",
            ),
            (
                "Hosts",
                "string",
                ".spec.hosts",
                "The destination hosts to which traffic is being sent",
            ),
        ],
        "ServiceEntry" => &[
            (
                "Hosts",
                "string",
                ".spec.hosts",
                "The hosts associated with the ServiceEntry",
            ),
            (
                "Location",
                "string",
                ".spec.location",
                "Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)",
            ),
            (
                "Resolution",
                "string",
                ".spec.resolution",
                "Service resolution mode for the hosts (NONE, STATIC, or DNS)",
            ),
        ],
        "PeerAuthentication" => &[(
            "Mode",
            "string",
            ".spec.mtls.mode",
            "Defines the mTLS mode used for peer authentication.",
        )],
        "AuthorizationPolicy" => &[("Action", "string", ".spec.action", "The operation to take.")],
        _ => &[],
    }
}

fn columns(rt: &ResourceType) -> Vec<Col> {
    match rt.plural {
        "pods" => vec![
            NAME,
            c(
                "Ready",
                "string",
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            c(
                "Status",
                "string",
                "The aggregate status of the containers in this pod.",
            ),
            c(
                "Restarts",
                "string",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            AGE,
            wide(
                "IP",
                "string",
                "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
            ),
            wide(
                "Node",
                "string",
                "NodeName indicates in which node this pod is scheduled.",
            ),
            wide(
                "Nominated Node",
                "string",
                "nominatedNodeName is set only when this pod preempts other pods on the node.",
            ),
            wide(
                "Readiness Gates",
                "string",
                "If specified, all readiness gates will be evaluated for pod readiness.",
            ),
        ],
        "deployments" => vec![
            NAME,
            c("Ready", "string", "Number of the pod with ready state"),
            c(
                "Up-to-date",
                "string",
                "Total number of non-terminating pods targeted by this deployment that have the desired template spec.",
            ),
            c(
                "Available",
                "string",
                "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            AGE,
            wide("Containers", "string", CONTAINERS_DOC),
            wide("Images", "string", IMAGES_DOC),
            wide(
                "Selector",
                "string",
                "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
            ),
        ],
        "replicasets" | "replicationcontrollers" => vec![
            NAME,
            c(
                "Desired",
                "integer",
                "Replicas is the number of desired pods.",
            ),
            c(
                "Current",
                "integer",
                "Replicas is the most recently observed number of non-terminating pods.",
            ),
            c(
                "Ready",
                "integer",
                "The number of non-terminating pods targeted by this controller with a Ready Condition.",
            ),
            AGE,
            wide("Containers", "string", CONTAINERS_DOC),
            wide("Images", "string", IMAGES_DOC),
            wide(
                "Selector",
                "string",
                "Selector is a label query over pods that should match the replica count.",
            ),
        ],
        "statefulsets" => vec![
            NAME,
            c("Ready", "string", "Number of the pod with ready state"),
            AGE,
            wide("Containers", "string", CONTAINERS_DOC),
            wide("Images", "string", IMAGES_DOC),
        ],
        "daemonsets" => vec![
            NAME,
            c(
                "Desired",
                "integer",
                "The total number of nodes that should be running the daemon pod.",
            ),
            c(
                "Current",
                "integer",
                "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
            ),
            c(
                "Ready",
                "integer",
                "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
            ),
            c(
                "Up-to-date",
                "integer",
                "The total number of nodes that are running updated daemon pod",
            ),
            c(
                "Available",
                "integer",
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
            ),
            c(
                "Node Selector",
                "string",
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            AGE,
            wide("Containers", "string", CONTAINERS_DOC),
            wide("Images", "string", IMAGES_DOC),
            wide(
                "Selector",
                "string",
                "A label query over pods that are managed by the daemon set.",
            ),
        ],
        "jobs" => vec![
            NAME,
            c("Status", "string", "Status of the job."),
            c("Completions", "string", "The completion status of the job."),
            c("Duration", "string", "Time required to complete the job."),
            AGE,
            wide("Containers", "string", CONTAINERS_DOC),
            wide("Images", "string", IMAGES_DOC),
            wide(
                "Selector",
                "string",
                "A label query over pods that should match the pod count.",
            ),
        ],
        "cronjobs" => vec![
            NAME,
            c(
                "Schedule",
                "string",
                "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
            ),
            c(
                "Timezone",
                "string",
                "The time zone name for the given schedule.",
            ),
            c(
                "Suspend",
                "boolean",
                "This flag tells the controller to suspend subsequent executions.",
            ),
            c(
                "Active",
                "integer",
                "A list of pointers to currently running jobs.",
            ),
            c(
                "Last Schedule",
                "string",
                "Information when was the last time the job was successfully scheduled.",
            ),
            AGE,
            wide("Containers", "string", CONTAINERS_DOC),
            wide("Images", "string", IMAGES_DOC),
            wide(
                "Selector",
                "string",
                "A label query over pods that should match the pod count.",
            ),
        ],
        "services" => vec![
            NAME,
            c(
                "Type",
                "string",
                "type determines how the Service is exposed.",
            ),
            c(
                "Cluster-IP",
                "string",
                "clusterIP is the IP address of the service and is usually assigned randomly.",
            ),
            c(
                "External-IP",
                "string",
                "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
            ),
            c(
                "Port(s)",
                "string",
                "The list of ports that are exposed by this service.",
            ),
            AGE,
            wide(
                "Selector",
                "string",
                "Route service traffic to pods with label keys and values matching this selector.",
            ),
        ],
        "configmaps" => vec![
            NAME,
            c("Data", "string", "Data contains the configuration data."),
            AGE,
        ],
        "secrets" => vec![
            NAME,
            c(
                "Type",
                "string",
                "Used to facilitate programmatic handling of secret data.",
            ),
            c("Data", "string", "Data contains the secret data."),
            AGE,
        ],
        "namespaces" => vec![
            NAME,
            c("Status", "string", "The status of the namespace"),
            AGE,
        ],
        "serviceaccounts" => vec![
            NAME,
            c(
                "Secrets",
                "string",
                "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
            ),
            AGE,
        ],
        "nodes" => vec![
            NAME,
            c("Status", "string", "The status of the node"),
            c("Roles", "string", "The roles of the node"),
            AGE,
            c("Version", "string", "Kubelet Version reported by the node."),
            wide(
                "Internal-IP",
                "string",
                "List of addresses reachable to the node.",
            ),
            wide(
                "External-IP",
                "string",
                "List of addresses reachable to the node.",
            ),
            wide(
                "OS-Image",
                "string",
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
            ),
            wide(
                "Kernel-Version",
                "string",
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            wide(
                "Container-Runtime",
                "string",
                "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ],
        "poddisruptionbudgets" => vec![
            NAME,
            c(
                "Min Available",
                "string",
                "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
            ),
            c(
                "Max Unavailable",
                "string",
                "The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
            ),
            c(
                "Allowed Disruptions",
                "integer",
                "Calculated number of pods that may be disrupted at this time.",
            ),
            AGE,
        ],
        "mutatingwebhookconfigurations" | "validatingwebhookconfigurations" => vec![
            NAME,
            c(
                "Webhooks",
                "integer",
                "Webhooks is a list of webhooks and the affected resources and operations.",
            ),
            AGE,
        ],
        "customresourcedefinitions" => vec![NAME, c("Created At", "date", AGE_DOC)],
        _ if rt.custom => {
            let mut cols = vec![NAME];
            cols.extend(
                istio_columns(rt.kind)
                    .iter()
                    .map(|(name, ty, _, desc)| c(name, ty, desc)),
            );
            cols.push(c("Age", "date", AGE_DOC));
            cols
        }
        _ => vec![NAME, AGE],
    }
}

/// Go's `duration.HumanDuration`, as kubectl's AGE column shows it.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 120 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        let s = secs % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = secs / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// `translateTimestampSince`: "<unknown>" for a missing timestamp.
fn since(ts: &Value, now: i64) -> Value {
    match ts.as_str().and_then(parse_rfc3339) {
        Some(t) => json!(human_duration(now - t)),
        None => json!("<unknown>"),
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn len(v: &Value) -> i64 {
    match v {
        Value::Array(a) => a.len() as i64,
        Value::Object(m) => m.len() as i64,
        _ => 0,
    }
}

/// `labels.FormatLabels`: `k=v,...` sorted by key, `<none>` when empty.
fn format_labels(m: &Value) -> String {
    let mut kv: Vec<String> = m
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    kv.sort();
    if kv.is_empty() {
        "<none>".into()
    } else {
        kv.join(",")
    }
}

/// `metav1.LabelSelectorAsSelector(...).String()`: requirements sorted by key.
fn selector_string(sel: &Value) -> String {
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(m) = sel["matchLabels"].as_object() {
        for (k, v) in m {
            reqs.push((k.clone(), format!("{k}={}", v.as_str().unwrap_or_default())));
        }
    }
    for e in sel["matchExpressions"].as_array().into_iter().flatten() {
        let k = e["key"].as_str().unwrap_or_default().to_string();
        let mut vals: Vec<&str> = e["values"]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        vals.sort_unstable();
        let s = match e["operator"].as_str().unwrap_or_default() {
            "In" => format!("{k} in ({})", vals.join(",")),
            "NotIn" => format!("{k} notin ({})", vals.join(",")),
            "Exists" => k.clone(),
            "DoesNotExist" => format!("!{k}"),
            _ => return "<invalid>".into(),
        };
        reqs.push((k, s));
    }
    reqs.sort();
    reqs.into_iter()
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(",")
}

/// `layoutContainerCells`: container names and images, comma-separated.
fn containers_images(pod_spec: &Value) -> (Value, Value) {
    let cs = pod_spec["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = cs.iter().filter_map(|c| c["name"].as_str()).collect();
    let images: Vec<&str> = cs.iter().filter_map(|c| c["image"].as_str()).collect();
    (json!(names.join(",")), json!(images.join(",")))
}

fn pod_cells(p: &Value, now: i64) -> Vec<Value> {
    let spec = &p["spec"];
    let status = &p["status"];
    let phase = status["phase"].as_str().unwrap_or_default();
    let mut reason = status["reason"]
        .as_str()
        .filter(|r| !r.is_empty())
        .unwrap_or(phase)
        .to_string();
    for cond in status["conditions"].as_array().into_iter().flatten() {
        if cond["type"] == "PodScheduled" && cond["reason"] == "SchedulingGated" {
            reason = "SchedulingGated".into();
        }
    }
    let init_specs = spec["initContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let sidecar = |name: &Value| {
        init_specs
            .iter()
            .any(|c| &c["name"] == name && c["restartPolicy"] == "Always")
    };
    let mut total = len(&spec["containers"]);
    total += init_specs
        .iter()
        .filter(|c| c["restartPolicy"] == "Always")
        .count() as i64;
    let mut ready = 0;
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut initializing = false;
    let inits = status["initContainerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, c) in inits.iter().enumerate() {
        restarts += int(&c["restartCount"]);
        let is_sidecar = sidecar(&c["name"]);
        if is_sidecar {
            sidecar_restarts += int(&c["restartCount"]);
        }
        let term = &c["state"]["terminated"];
        let waiting = &c["state"]["waiting"];
        if term.is_object() && int(&term["exitCode"]) == 0 {
            continue;
        }
        if is_sidecar && c["started"] == true {
            if c["ready"] == true {
                ready += 1;
            }
            continue;
        }
        if term.is_object() {
            reason = match term["reason"].as_str().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None if int(&term["signal"]) != 0 => {
                    format!("Init:Signal:{}", int(&term["signal"]))
                }
                None => format!("Init:ExitCode:{}", int(&term["exitCode"])),
            };
        } else if let Some(r) = waiting["reason"]
            .as_str()
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }
    let initialized = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Initialized" && c["status"] == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        let mut has_running = false;
        let cs = status["containerStatuses"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for c in cs.iter().rev() {
            restarts += int(&c["restartCount"]);
            let waiting = &c["state"]["waiting"];
            let term = &c["state"]["terminated"];
            if let Some(r) = waiting["reason"].as_str().filter(|r| !r.is_empty()) {
                reason = r.to_string();
            } else if let Some(r) = term["reason"].as_str().filter(|r| !r.is_empty()) {
                reason = r.to_string();
            } else if term.is_object() {
                reason = if int(&term["signal"]) != 0 {
                    format!("Signal:{}", int(&term["signal"]))
                } else {
                    format!("ExitCode:{}", int(&term["exitCode"]))
                };
            } else if c["ready"] == true && c["state"]["running"].is_object() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let has_ready = status["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            reason = if has_ready { "Running" } else { "NotReady" }.into();
        }
    }
    let deleting = !p["metadata"]["deletionTimestamp"].is_null();
    if deleting && status["reason"] == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }
    let none = |v: &Value| json!(v.as_str().filter(|s| !s.is_empty()).unwrap_or("<none>"));
    let gates = spec["readinessGates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conds = status["conditions"].as_array().cloned().unwrap_or_default();
        let true_count = gates
            .iter()
            .filter(|g| {
                conds
                    .iter()
                    .any(|c| c["type"] == g["conditionType"] && c["status"] == "True")
            })
            .count();
        format!("{true_count}/{}", gates.len())
    };
    vec![
        p["metadata"]["name"].clone(),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts.to_string()),
        since(&p["metadata"]["creationTimestamp"], now),
        none(&status["podIPs"][0]["ip"]),
        none(&spec["nodeName"]),
        none(&status["nominatedNodeName"]),
        json!(gates),
    ]
}

fn service_cells(s: &Value) -> Vec<Value> {
    let spec = &s["spec"];
    let ty = spec["type"].as_str().unwrap_or("ClusterIP");
    let cluster_ip = spec["clusterIPs"][0]
        .as_str()
        .or(spec["clusterIP"].as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("<none>");
    let external: Vec<&str> = spec["externalIPs"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let external_ip = match ty {
        "ClusterIP" | "NodePort" if !external.is_empty() => external.join(","),
        "ClusterIP" | "NodePort" => "<none>".into(),
        "LoadBalancer" => {
            let mut ips: Vec<String> = s["status"]["loadBalancer"]["ingress"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            ips.extend(external.iter().map(|s| s.to_string()));
            if ips.is_empty() {
                "<pending>".into()
            } else {
                ips.join(",")
            }
        }
        "ExternalName" => spec["externalName"].as_str().unwrap_or_default().into(),
        _ => "<unknown>".into(),
    };
    let ports: Vec<String> = spec["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match int(&p["nodePort"]) {
                0 => format!("{}/{proto}", int(&p["port"])),
                n => format!("{}:{n}/{proto}", int(&p["port"])),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(",")
    };
    vec![
        json!(ty),
        json!(cluster_ip),
        json!(external_ip),
        json!(ports),
    ]
}

fn job_cells(j: &Value, now: i64) -> Vec<Value> {
    let spec = &j["spec"];
    let status = &j["status"];
    let cond = |t: &str| {
        status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == t && c["status"] == "True")
    };
    let state = if cond("Complete") {
        "Complete"
    } else if cond("Failed") {
        "Failed"
    } else if !j["metadata"]["deletionTimestamp"].is_null() {
        "Terminating"
    } else if cond("FailureTarget") {
        "FailureTarget"
    } else if cond("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else if cond("Suspended") {
        "Suspended"
    } else {
        "Running"
    };
    let succeeded = int(&status["succeeded"]);
    let completions = if !spec["completions"].is_null() {
        format!("{succeeded}/{}", int(&spec["completions"]))
    } else if int(&spec["parallelism"]) > 1 {
        format!("{succeeded}/1 of {}", int(&spec["parallelism"]))
    } else {
        format!("{succeeded}/1")
    };
    let start = status["startTime"].as_str().and_then(parse_rfc3339);
    let end = status["completionTime"]
        .as_str()
        .and_then(parse_rfc3339)
        .unwrap_or(now);
    let duration = start.map(|s| human_duration(end - s)).unwrap_or_default();
    vec![json!(state), json!(completions), json!(duration)]
}

fn node_cells(n: &Value) -> Vec<Value> {
    let conds = n["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut status: Vec<String> = match conds.iter().find(|c| c["type"] == "Ready") {
        Some(c) if c["status"] == "True" => vec!["Ready".into()],
        Some(c) if c["status"] == "False" => vec!["NotReady".into()],
        _ => vec!["Unknown".into()],
    };
    if n["spec"]["unschedulable"] == true {
        status.push("SchedulingDisabled".into());
    }
    let mut roles: Vec<String> = n["metadata"]["labels"]
        .as_object()
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("node-role.kubernetes.io/")
                        .filter(|r| !r.is_empty())
                        .map(String::from)
                        .or_else(|| {
                            (k == "kubernetes.io/role")
                                .then(|| v.as_str().unwrap_or_default().to_string())
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    roles.dedup();
    let addr = |t: &str| {
        n["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["type"] == t)
            .and_then(|a| a["address"].as_str())
            .unwrap_or("<none>")
            .to_string()
    };
    let info = &n["status"]["nodeInfo"];
    let s = |v: &Value| json!(v.as_str().filter(|s| !s.is_empty()).unwrap_or("<unknown>"));
    vec![
        json!(status.join(",")),
        json!(if roles.is_empty() {
            "<none>".into()
        } else {
            roles.join(",")
        }),
        Value::Null, // AGE, filled in by the caller
        json!(info["kubeletVersion"].as_str().unwrap_or_default()),
        json!(addr("InternalIP")),
        json!(addr("ExternalIP")),
        s(&info["osImage"]),
        s(&info["kernelVersion"]),
        s(&info["containerRuntimeVersion"]),
    ]
}

/// A JSON path like `.spec.mtls.mode` in an object.
fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.trim_start_matches('.')
        .split('.')
        .try_fold(v, |cur, seg| cur.get(seg))
}

/// The cells of one row, in the order of [`columns`].
fn cells(rt: &ResourceType, o: &Value, now: i64) -> Vec<Value> {
    let name = o["metadata"]["name"].clone();
    let age = since(&o["metadata"]["creationTimestamp"], now);
    let spec = &o["spec"];
    let status = &o["status"];
    let tpl = &spec["template"]["spec"];
    let mut row = vec![name];
    match rt.plural {
        "pods" => return pod_cells(o, now),
        "deployments" => {
            let (cs, is) = containers_images(tpl);
            row.extend([
                json!(format!(
                    "{}/{}",
                    int(&status["readyReplicas"]),
                    spec["replicas"].as_i64().unwrap_or(1)
                )),
                json!(int(&status["updatedReplicas"])),
                json!(int(&status["availableReplicas"])),
                age,
                cs,
                is,
                json!(selector_string(&spec["selector"])),
            ]);
        }
        "replicasets" | "replicationcontrollers" => {
            let (cs, is) = containers_images(tpl);
            let selector = if rt.plural == "replicasets" {
                selector_string(&spec["selector"])
            } else {
                format_labels(&spec["selector"])
            };
            row.extend([
                json!(spec["replicas"].as_i64().unwrap_or(1)),
                json!(int(&status["replicas"])),
                json!(int(&status["readyReplicas"])),
                age,
                cs,
                is,
                json!(selector),
            ]);
        }
        "statefulsets" => {
            let (cs, is) = containers_images(tpl);
            row.extend([
                json!(format!(
                    "{}/{}",
                    int(&status["readyReplicas"]),
                    spec["replicas"].as_i64().unwrap_or(1)
                )),
                age,
                cs,
                is,
            ]);
        }
        "daemonsets" => {
            let (cs, is) = containers_images(tpl);
            row.extend([
                json!(int(&status["desiredNumberScheduled"])),
                json!(int(&status["currentNumberScheduled"])),
                json!(int(&status["numberReady"])),
                json!(int(&status["updatedNumberScheduled"])),
                json!(int(&status["numberAvailable"])),
                json!(format_labels(&tpl["nodeSelector"])),
                age,
                cs,
                is,
                json!(selector_string(&spec["selector"])),
            ]);
        }
        "jobs" => {
            let (cs, is) = containers_images(tpl);
            row.extend(job_cells(o, now));
            row.extend([age, cs, is, json!(selector_string(&spec["selector"]))]);
        }
        "cronjobs" => {
            let job_tpl = &spec["jobTemplate"]["spec"];
            let (cs, is) = containers_images(&job_tpl["template"]["spec"]);
            let last = if status["lastScheduleTime"].is_string() {
                since(&status["lastScheduleTime"], now)
            } else {
                json!("<none>")
            };
            row.extend([
                spec["schedule"].clone(),
                json!(spec["timeZone"].as_str().unwrap_or("<none>")),
                json!(spec["suspend"].as_bool().unwrap_or(false)),
                json!(len(&status["active"])),
                last,
                age,
                cs,
                is,
                json!(selector_string(&job_tpl["selector"])),
            ]);
        }
        "services" => {
            row.extend(service_cells(o));
            row.push(age);
            row.push(json!(format_labels(&spec["selector"])));
        }
        "configmaps" => {
            row.push(json!(len(&o["data"]) + len(&o["binaryData"])));
            row.push(age);
        }
        "secrets" => {
            row.push(json!(o["type"].as_str().unwrap_or("Opaque")));
            row.push(json!(len(&o["data"])));
            row.push(age);
        }
        "namespaces" => {
            row.push(json!(status["phase"].as_str().unwrap_or("Active")));
            row.push(age);
        }
        "serviceaccounts" => {
            row.push(json!(len(&o["secrets"])));
            row.push(age);
        }
        "nodes" => {
            let mut n = node_cells(o);
            n[2] = age;
            row.extend(n);
        }
        "poddisruptionbudgets" => {
            let or_na = |v: &Value| match v {
                Value::Null => json!("N/A"),
                Value::String(s) => json!(s),
                other => json!(other.to_string()),
            };
            row.extend([
                or_na(&spec["minAvailable"]),
                or_na(&spec["maxUnavailable"]),
                json!(int(&status["disruptionsAllowed"])),
                age,
            ]);
        }
        "mutatingwebhookconfigurations" | "validatingwebhookconfigurations" => {
            row.push(json!(len(&o["webhooks"])));
            row.push(age);
        }
        "customresourcedefinitions" => {
            row.push(o["metadata"]["creationTimestamp"].clone());
        }
        _ if rt.custom => {
            for (_, ty, path, _) in istio_columns(rt.kind) {
                let cell = match at_path(o, path) {
                    None | Some(Value::Null) => Value::Null,
                    // string columns print the JSON path's result as kubectl's jsonpath
                    // printer does: strings bare, anything else as JSON
                    Some(Value::String(s)) if *ty == "string" => json!(s),
                    Some(v) if *ty == "string" => json!(v.to_string()),
                    Some(v) => v.clone(),
                };
                row.push(cell);
            }
            row.push(age);
        }
        _ => row.push(age),
    }
    row
}

fn column_definitions(rt: &ResourceType) -> Value {
    Value::Array(
        columns(rt)
            .iter()
            .map(|c| {
                let format = if c.name == "Name" { "name" } else { "" };
                json!({"name": c.name, "type": c.ty, "format": format, "description": c.desc, "priority": c.priority})
            })
            .collect(),
    )
}

/// One row for an object.
pub fn row(rt: &ResourceType, obj: &Value, include: Include, now: i64) -> Value {
    let mut r = Map::new();
    r.insert("cells".into(), Value::Array(cells(rt, obj, now)));
    match include {
        Include::None => {}
        Include::Metadata => {
            r.insert(
                "object".into(),
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                       "metadata": obj["metadata"].clone()}),
            );
        }
        Include::Object => {
            r.insert("object".into(), obj.clone());
        }
    }
    Value::Object(r)
}

/// A Table of objects; `list_meta` is the list's metadata (resourceVersion, continue, ...).
/// Without `headers` the column definitions are left out (watch events after the first).
pub fn table<'a>(
    rt: &ResourceType,
    table_version: &str,
    objects: impl IntoIterator<Item = &'a Value>,
    list_meta: Value,
    include: Include,
    headers: bool,
) -> Value {
    let now = unix_now();
    let rows: Vec<Value> = objects
        .into_iter()
        .map(|o| row(rt, o, include, now))
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{table_version}"),
        "metadata": list_meta,
        "columnDefinitions": if headers { column_definitions(rt) } else { Value::Null },
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{RESOURCES, resolve};

    fn rt(name: &str) -> &'static ResourceType {
        &RESOURCES[resolve(name).unwrap()]
    }

    #[test]
    fn accept_negotiation() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(wants_table(kubectl), Some("v1"));
        assert_eq!(
            wants_table("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json"),
            Some("v1beta1")
        );
        assert_eq!(wants_table("application/json"), None);
        assert_eq!(
            wants_table("application/vnd.kubernetes.protobuf,application/json"),
            None
        );
        assert_eq!(
            wants_table("application/json, application/json;as=Table;v=v1;g=meta.k8s.io"),
            None
        );
        assert_eq!(
            wants_table(
                "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io"
            ),
            Some("v1")
        );
        assert_eq!(
            wants_table("application/json;as=Table;v=v2;g=meta.k8s.io"),
            None
        );
        assert_eq!(Include::parse(Some("Object")), Ok(Include::Object));
        assert!(Include::parse(Some("All")).is_err());
    }

    #[test]
    fn human_durations_match_kubectl() {
        for (secs, want) in [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (600, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 120, "3h2m"),
            (8 * 3600, "8h"),
            (48 * 3600, "2d"),
            (50 * 3600, "2d2h"),
            (9 * 86_400, "9d"),
            (3 * 365 * 86_400, "3y"),
            (3 * 365 * 86_400 + 86_400, "3y1d"),
            (9 * 365 * 86_400, "9y"),
        ] {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn pod_status_column() {
        let pod = |status: Value| {
            json!({"metadata": {"name": "p", "creationTimestamp": "2020-01-01T00:00:00Z"},
                "spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeName": "n1"}, "status": status})
        };
        let now = parse_rfc3339("2020-01-01T00:05:00Z").unwrap();
        let running = pod(json!({"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}],
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 1, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}));
        assert_eq!(
            pod_cells(&running, now),
            json!([
                "p",
                "1/2",
                "CrashLoopBackOff",
                "3",
                "5m",
                "10.0.0.1",
                "n1",
                "<none>",
                "<none>"
            ])
            .as_array()
            .unwrap()
            .clone()
        );
        let mut deleting = pod(json!({"phase": "Running"}));
        deleting["metadata"]["deletionTimestamp"] = json!("2020-01-01T00:06:00Z");
        assert_eq!(pod_cells(&deleting, now)[2], "Terminating");
        let pending = pod(json!({"phase": "Pending"}));
        assert_eq!(pod_cells(&pending, now)[1], "0/2");
        assert_eq!(pod_cells(&pending, now)[5], "<none>");
        // a native sidecar counts as a container
        let mut sc = pod(
            json!({"phase": "Running", "conditions": [{"type": "Initialized", "status": "True"}],
            "initContainerStatuses": [{"name": "istio-proxy", "ready": true, "started": true, "restartCount": 0, "state": {"running": {}}}],
            "containerStatuses": [{"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}}]}),
        );
        sc["spec"]["containers"] = json!([{"name": "a"}]);
        sc["spec"]["initContainers"] = json!([{"name": "istio-proxy", "restartPolicy": "Always"}]);
        assert_eq!(pod_cells(&sc, now)[1], "2/2");
        assert_eq!(pod_cells(&sc, now)[2], "Running");
    }

    #[test]
    fn cells_of_other_kinds() {
        let now = unix_now();
        let dep = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3, "selector": {"matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [{"key": "c", "operator": "In", "values": ["y", "x"]}]},
            "template": {"spec": {"containers": [{"name": "app", "image": "nginx"}, {"name": "side", "image": "envoy"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let c = cells(rt("deployments"), &dep, now);
        assert_eq!(c[..4], [json!("web"), json!("2/3"), json!(3), json!(2)]);
        assert_eq!(c[4], "<unknown>", "no creationTimestamp");
        assert_eq!(
            c[5..],
            [
                json!("app,side"),
                json!("nginx,envoy"),
                json!("a=1,b=2,c in (x,y)")
            ]
        );
        let svc = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.5", "clusterIPs": ["10.96.0.5"],
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}], "selector": {"app": "x"}},
            "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}});
        let c = cells(rt("svc"), &svc, now);
        assert_eq!(
            c[1..5],
            [
                json!("LoadBalancer"),
                json!("10.96.0.5"),
                json!("1.2.3.4"),
                json!("80:30080/TCP,53/UDP")
            ]
        );
        assert_eq!(c[6], "app=x");
        let secret = json!({"metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}});
        assert_eq!(
            cells(rt("secrets"), &secret, now)[1..3],
            [json!("kubernetes.io/tls"), json!(2)]
        );
        let vs = json!({"metadata": {"name": "vs"}, "spec": {"hosts": ["a", "b"]}});
        let c = cells(rt("virtualservices"), &vs, now);
        assert_eq!(c[..3], [json!("vs"), Value::Null, json!("[\"a\",\"b\"]")]);
        let pa = json!({"metadata": {"name": "default"}, "spec": {"mtls": {"mode": "STRICT"}}});
        assert_eq!(cells(rt("peerauthentications"), &pa, now)[1], "STRICT");
        let cols: Vec<&str> = columns(rt("peerauthentications"))
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(cols, ["Name", "Mode", "Age"]);
        let cols: Vec<&str> = columns(rt("gateways")).iter().map(|c| c.name).collect();
        assert_eq!(cols, ["Name", "Age"]);
        assert_eq!(columns(rt("events")).len(), 2, "NAME AGE for the rest");
        for r in RESOURCES.iter() {
            assert_eq!(
                columns(r).len(),
                cells(r, &json!({"metadata": {"name": "x"}}), now).len(),
                "{}: one cell per column",
                r.plural
            );
        }
    }
}
