//! The object store: generic JSON objects keyed by (resource, namespace, name), a global
//! `resourceVersion` counter, an event log for watches, list snapshots for `continue`, and the
//! API semantics of create/update/patch/delete. The simulated controllers live in
//! `controllers.rs`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, broadcast};

use crate::managed::{self, Conflict, Scope};
use crate::patch;
use crate::registry::{RESOURCES, ResourceType};
use crate::selector::{FieldSelector, LabelSelector};
use crate::util::{Rng, now_rfc3339};

/// A Kubernetes `Status` error.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Box<Value>>,
    pub retry_after: Option<u32>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

fn details(rt: &ResourceType, name: &str) -> Value {
    let mut d = json!({"name": name, "kind": rt.plural});
    if !rt.group.is_empty() {
        d["group"] = json!(rt.group);
    }
    d
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        ApiError {
            details: Some(Box::new(details(rt, name))),
            ..Self::new(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", rt.qualified()),
            )
        }
    }
    pub fn namespace_not_found(ns: &str) -> Self {
        ApiError {
            details: Some(Box::new(json!({"name": ns, "kind": "namespaces"}))),
            ..Self::new(404, "NotFound", format!("namespaces \"{ns}\" not found"))
        }
    }
    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        ApiError {
            details: Some(Box::new(details(rt, name))),
            ..Self::new(
                409,
                "AlreadyExists",
                format!("{} \"{name}\" already exists", rt.qualified()),
            )
        }
    }
    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        ApiError {
            details: Some(Box::new(details(rt, name))),
            ..Self::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                    rt.qualified()
                ),
            )
        }
    }
    pub fn invalid(rt: &ResourceType, name: &str, field: &str, msg: &str) -> Self {
        let kind_group = if rt.group.is_empty() {
            rt.kind.to_string()
        } else {
            format!("{}.{}", rt.kind, rt.group)
        };
        let mut d = details(rt, name);
        d["kind"] = json!(rt.kind);
        d["causes"] = json!([{"reason": "FieldValueInvalid", "message": msg, "field": field}]);
        ApiError {
            details: Some(Box::new(d)),
            ..Self::new(
                422,
                "Invalid",
                format!("{kind_group} \"{name}\" is invalid: {field}: {msg}"),
            )
        }
    }
    /// 409 for server-side apply conflicts, naming each field and its manager.
    pub(crate) fn apply_conflict(conflicts: &[Conflict]) -> Self {
        let causes: Vec<Value> = conflicts
            .iter()
            .map(|c| json!({"reason": "FieldManagerConflict", "message": format!("conflict with {}", c.manager), "field": c.path}))
            .collect();
        ApiError {
            details: Some(Box::new(json!({"causes": causes}))),
            ..Self::new(409, "Conflict", managed::conflict_message(conflicts))
        }
    }
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", msg)
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::new(403, "Forbidden", msg)
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(500, "InternalError", msg)
    }

    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = (**d).clone();
        }
        if let Some(r) = self.retry_after {
            let d = s
                .as_object_mut()
                .expect("object")
                .entry("details")
                .or_insert(json!({}));
            d["retryAfterSeconds"] = json!(r);
        }
        s
    }
}

/// What lists, selectors and controllers need to know about an object without parsing it.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub api_version: String,
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub labels: Option<Map<String, Value>>,
    /// ownerReferences: (kind, name, uid, controller).
    pub owners: Vec<(String, String, String, bool)>,
    pub phase: Option<String>,
    pub node: Option<String>,
    /// `status.replicas` (a field selector of ReplicaSets and ReplicationControllers).
    pub replicas: Option<i64>,
}

impl Meta {
    pub fn of(v: &Value) -> Meta {
        let m = &v["metadata"];
        let s = |x: &Value| x.as_str().unwrap_or_default().to_string();
        Meta {
            api_version: s(&v["apiVersion"]),
            name: s(&m["name"]),
            namespace: s(&m["namespace"]),
            uid: s(&m["uid"]),
            labels: m["labels"].as_object().cloned(),
            owners: m["ownerReferences"]
                .as_array()
                .map(|os| {
                    os.iter()
                        .map(|o| {
                            (
                                s(&o["kind"]),
                                s(&o["name"]),
                                s(&o["uid"]),
                                o["controller"].as_bool().unwrap_or(false),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            phase: v["status"]["phase"].as_str().map(String::from),
            node: v["spec"]["nodeName"].as_str().map(String::from),
            replicas: v["status"]["replicas"].as_i64(),
        }
    }
}

/// A stored object: its serialized bytes (lists are built from them), an index, and the
/// parsed value. Either side is made from the other on first use: an object written through
/// the API keeps its value and is serialized when first read or watched (most of the versions
/// the controllers write never are), a generated one keeps its bytes and is parsed lazily.
#[derive(Debug)]
pub struct Obj {
    json: OnceLock<Bytes>,
    pub meta: Meta,
    value: OnceLock<Value>,
    partial: OnceLock<Bytes>,
}

impl Obj {
    pub fn new(value: Value) -> Arc<Obj> {
        let meta = Meta::of(&value);
        Arc::new(Obj {
            json: OnceLock::new(),
            meta,
            value: OnceLock::from(value),
            partial: OnceLock::new(),
        })
    }
    /// From serialized JSON and its (known) index; the value is parsed on first use.
    pub fn from_parts(json: Bytes, meta: Meta) -> Arc<Obj> {
        Arc::new(Obj {
            json: OnceLock::from(json),
            meta,
            value: OnceLock::new(),
            partial: OnceLock::new(),
        })
    }
    /// The serialized object (made once, on first use).
    pub fn json(&self) -> &Bytes {
        self.json.get_or_init(|| {
            Bytes::from(
                serde_json::to_vec(self.value.get().unwrap_or(&Value::Null)).unwrap_or_default(),
            )
        })
    }
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| {
            self.json
                .get()
                .and_then(|j| serde_json::from_slice(j).ok())
                .unwrap_or(Value::Null)
        })
    }
    /// The object as a `PartialObjectMetadata` (a metadata-only get or list item), as JSON:
    /// its stored JSON's `metadata` cut out as it is, made once. A real API server encodes only
    /// the metadata, which costs less than the whole object; building it through a `Value`
    /// (a deep copy of the metadata, managedFields and all, then encoding it) cost kube-sim ten
    /// times what the whole object costs it, and made every metadata-only list slow.
    pub fn partial_metadata_json(&self) -> &Bytes {
        self.partial.get_or_init(|| {
            #[derive(serde::Deserialize)]
            struct Doc<'a> {
                #[serde(borrow)]
                metadata: &'a serde_json::value::RawValue,
            }
            let metadata = serde_json::from_slice::<Doc>(self.json())
                .map(|d| d.metadata.get().to_string())
                .unwrap_or_else(|_| "{}".into());
            let mut out = Vec::with_capacity(metadata.len() + 72);
            out.extend_from_slice(
                br#"{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":"#,
            );
            out.extend_from_slice(metadata.as_bytes());
            out.push(b'}');
            Bytes::from(out)
        })
    }
    pub fn name(&self) -> &str {
        &self.meta.name
    }
    pub fn namespace(&self) -> &str {
        &self.meta.namespace
    }
    pub fn uid(&self) -> &str {
        &self.meta.uid
    }
    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.meta.labels.as_ref()
    }
    pub fn owned_by(&self, uid: &str) -> bool {
        self.meta.owners.iter().any(|o| o.2 == uid)
    }
    /// The controlling owner (kind, name, uid).
    pub fn controller(&self) -> Option<(String, String, String)> {
        self.meta
            .owners
            .iter()
            .find(|o| o.3)
            .map(|o| (o.0.clone(), o.1.clone(), o.2.clone()))
    }
}

pub type Key = (String, String);

/// The items of a paginated list, fixed at its first page.
type Snapshot = Arc<Vec<Arc<Obj>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub res: usize,
    pub kind: EventType,
    pub obj: Arc<Obj>,
}

/// A page of a list.
#[derive(Debug)]
pub struct ListPage {
    pub items: Vec<Arc<Obj>>,
    pub rv: u64,
    pub cont: Option<String>,
    pub remaining: Option<usize>,
}

/// How a patch body is to be interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Json,
    Strategic,
    Apply,
}

impl PatchType {
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let ct = ct.split(';').next().unwrap_or_default().trim();
        match ct {
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/json-patch+json" => Some(PatchType::Json),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct WriteOpts {
    pub dry_run: bool,
    pub field_manager: Option<String>,
    pub force: bool,
    pub subresource: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOpts {
    pub dry_run: bool,
    pub orphan: bool,
    /// `gracePeriodSeconds` (pods; None: the pod's `terminationGracePeriodSeconds`).
    pub grace_period: Option<i64>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
}

const EVENT_LOG: usize = 50_000;
const SNAPSHOTS: usize = 64;
pub const DEFAULT_NODE: &str = "kube-sim-node";

/// The store. All mutation happens under one lock. Controllers run after each write: at
/// once for a write made in-process (so test set-up is deterministic), and for a write over
/// HTTP on kube-sim's controller thread once the response is on its way, as
/// kube-controller-manager reacts to a stored write through its watches (see
/// [`Store::defer_controllers`]). A read settles what is still pending first, so what a
/// client reads after its write is as deterministic as before.
pub struct Store {
    pub rv: u64,
    tables: Vec<BTreeMap<Key, Arc<Obj>>>,
    events: VecDeque<Arc<Event>>,
    /// Watches from a resourceVersion older than this get 410 Gone.
    pub oldest_rv: u64,
    pub tx: broadcast::Sender<Arc<Event>>,
    /// List snapshots by id, with the time of the first page (for `continue_ttl`).
    snapshots: HashMap<u64, (Snapshot, Instant)>,
    /// Continue tokens older than this get 410 Expired (a real server's etcd compaction).
    pub continue_ttl: Option<Duration>,
    snapshot_order: VecDeque<u64>,
    next_snapshot: u64,
    pub rng: Rng,
    pub pods_ready: bool,
    /// The most pods not ready (and not being deleted) at once since tracking began.
    pub not_ready_peak: Option<usize>,
    pub istio_version_override: Option<String>,
    pub(crate) work: Vec<(usize, String, String)>,
    /// Set while an HTTP write runs: its controllers are left to the controller thread
    /// (`server::controller_manager`) instead of running before the response.
    pub(crate) defer_controllers: bool,
    /// The work of HTTP writes whose controllers have not run yet, a batch per write.
    pub(crate) deferred: VecDeque<Vec<(usize, String, String)>>,
    /// The last pod IP the kubelet gave (the pod network, 10.244.0.0/16).
    pub(crate) ip_counter: u32,
    /// The last Service IP allocated (the service network, 10.96.0.0/16): a counter of its
    /// own, so Services created one after another get the same IPs however far the
    /// controllers (which start pods) have got meanwhile.
    pub(crate) service_ips: u32,
    pub(crate) fixtures: crate::controllers::Fixtures,
    /// How long the simulated kubelet takes to stop a deleted pod (at most its grace period).
    pub pod_grace: Duration,
    /// Terminating pods to remove: (due, resource, namespace, name, uid).
    pending: Vec<(Instant, usize, String, String, String)>,
    /// Controllers to run again at a time (Argo's `restartAt` in the future): (due, resource,
    /// namespace, name).
    pub(crate) timers: Vec<(Instant, usize, String, String)>,
    /// Woken when `pending` gets an entry (the reaper task sleeps until the next due time).
    pub(crate) wake: Arc<Notify>,
    pub(crate) hooks: hooks::Hooks,
}

/// Real pods default to 30 s; kube-sim's simulated kubelet stops containers much faster so
/// that test suites stay fast.
pub const DEFAULT_POD_GRACE: Duration = Duration::from_millis(200);

#[path = "hooks.rs"]
pub(crate) mod hooks;

pub(crate) fn res_index(plural: &str) -> usize {
    RESOURCES
        .iter()
        .position(|r| r.plural == plural)
        .expect("known resource")
}

fn valid_name(name: &str, label: bool) -> Result<(), String> {
    let max = if label { 63 } else { 253 };
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (!label && c == '.'));
    let ends = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > max || !ok_chars || !ends {
        let what = if label {
            "RFC 1123 label"
        } else {
            "RFC 1123 subdomain"
        };
        return Err(format!(
            "Invalid value: \"{name}\": a lowercase {what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
        ));
    }
    Ok(())
}

/// A Secret's `type` defaults to `Opaque`.
fn secret_defaults(v: &mut Value) {
    if v["type"].as_str().is_none_or(str::is_empty) {
        v["type"] = json!("Opaque");
    }
}

fn finalizers(v: &Value) -> Vec<String> {
    v["metadata"]["finalizers"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A terminating object with no finalizers left and no grace period to wait for.
fn deletion_due(v: &Value) -> bool {
    !v["metadata"]["deletionTimestamp"].is_null()
        && finalizers(v).is_empty()
        && v["metadata"]["deletionGracePeriodSeconds"]
            .as_i64()
            .unwrap_or(0)
            == 0
}

/// The part of an object a write manages (field ownership).
fn scope(rt: &ResourceType, opts: &WriteOpts) -> Scope {
    if opts.subresource.as_deref() == Some("status") {
        Scope::Status
    } else {
        Scope::Main {
            status_subresource: rt.status || rt.plural == "namespaces",
        }
    }
}

/// Everything but metadata and status: what `generation` tracks.
fn spec_part(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind")
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        _ => Value::Null,
    }
}

impl Store {
    pub fn new(seed: u64) -> Self {
        let (tx, _) = broadcast::channel(16_384);
        let mut s = Store {
            rv: 1,
            tables: RESOURCES.iter().map(|_| BTreeMap::new()).collect(),
            events: VecDeque::new(),
            oldest_rv: 0,
            tx,
            snapshots: HashMap::new(),
            continue_ttl: None,
            snapshot_order: VecDeque::new(),
            next_snapshot: 1,
            rng: Rng::new(seed),
            pods_ready: true,
            not_ready_peak: None,
            istio_version_override: None,
            work: Vec::new(),
            defer_controllers: false,
            deferred: VecDeque::new(),
            ip_counter: 10,
            service_ips: 10,
            fixtures: Default::default(),
            pod_grace: DEFAULT_POD_GRACE,
            pending: Vec::new(),
            timers: Vec::new(),
            wake: Arc::new(Notify::new()),
            hooks: hooks::Hooks::default(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let _ =
                s.load(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        s
    }

    pub fn get(&self, res: usize, ns: &str, name: &str) -> Option<&Arc<Obj>> {
        self.tables[res].get(&(ns.to_string(), name.to_string()))
    }

    /// Objects of a type, in one namespace or all, ordered by (namespace, name).
    pub fn iter<'a>(
        &'a self,
        res: usize,
        ns: Option<&'a str>,
    ) -> Box<dyn Iterator<Item = &'a Arc<Obj>> + 'a> {
        let table = &self.tables[res];
        match ns {
            Some(ns) => Box::new(
                table
                    .range((ns.to_string(), String::new())..)
                    .take_while(move |((n, _), _)| n == ns)
                    .map(|(_, v)| v),
            ),
            None => Box::new(table.values()),
        }
    }

    pub fn count(&self, res: usize) -> usize {
        self.tables[res].len()
    }

    fn key_of(rt: &ResourceType, v: &Value) -> Key {
        let ns = if rt.namespaced {
            v["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else {
            String::new()
        };
        (
            ns,
            v["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }

    /// Writes an object (assigning the next resourceVersion) and records the event.
    pub(crate) fn commit(&mut self, res: usize, mut value: Value, kind: EventType) -> Arc<Obj> {
        self.rv += 1;
        value["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let key = Self::key_of(&RESOURCES[res], &value);
        let obj = Obj::new(value);
        self.tables[res].insert(key, obj.clone());
        self.emit(res, kind, obj.clone());
        obj
    }

    fn emit(&mut self, res: usize, kind: EventType, obj: Arc<Obj>) {
        let ev = Arc::new(Event {
            rv: self.rv,
            res,
            kind,
            obj,
        });
        self.events.push_back(ev.clone());
        while self.events.len() > EVENT_LOG {
            if let Some(old) = self.events.pop_front() {
                self.oldest_rv = old.rv;
            }
        }
        let _ = self.tx.send(ev);
    }

    /// Removes an object without side effects (but with a DELETED event).
    pub(crate) fn remove_raw(&mut self, res: usize, ns: &str, name: &str) -> Option<Arc<Obj>> {
        let old = self.tables[res].remove(&(ns.to_string(), name.to_string()))?;
        self.rv += 1;
        let mut v = old.value().clone();
        v["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let obj = Obj::new(v);
        self.emit(res, EventType::Deleted, obj.clone());
        Some(obj)
    }

    /// Fills in server-set metadata of a new object.
    fn init_metadata(&mut self, rt: &ResourceType, v: &mut Value) {
        if !v["metadata"].is_object() {
            v["metadata"] = json!({});
        }
        v["apiVersion"] = json!(
            v["apiVersion"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| rt.api_version())
        );
        v["kind"] = json!(rt.kind);
        let uid = self.rng.uid();
        let meta = v["metadata"].as_object_mut().expect("object");
        meta.insert("uid".into(), json!(uid));
        meta.entry("creationTimestamp")
            .or_insert_with(|| json!(now_rfc3339()));
        meta.insert("generation".into(), json!(1));
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
    }

    /// Inserts an object as-is (filling missing server metadata), without admission or
    /// controllers. Replaces an existing object of the same key.
    pub fn load(&mut self, mut v: Value) -> Result<Arc<Obj>, ApiError> {
        let api_version = v["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = v["kind"].as_str().unwrap_or_default().to_string();
        let res = crate::registry::by_kind(&api_version, &kind).ok_or_else(|| {
            ApiError::bad_request(format!(
                "no kind \"{kind}\" is registered for version \"{api_version}\""
            ))
        })?;
        let rt = &RESOURCES[res];
        if v["metadata"]["uid"].is_null() {
            let uid = self.rng.uid();
            v["metadata"]["uid"] = json!(uid);
        }
        if v["metadata"]["creationTimestamp"].is_null() {
            v["metadata"]["creationTimestamp"] = json!(now_rfc3339());
        }
        if v["metadata"]["generation"].is_null() {
            v["metadata"]["generation"] = json!(1);
        }
        if rt.plural == "namespaces" {
            self.namespace_defaults(&mut v);
        }
        if rt.plural == "services" && v["spec"]["clusterIP"].is_null() {
            self.admit_service(&mut v);
        }
        let key = Self::key_of(rt, &v);
        let kind = if self.tables[res].contains_key(&key) {
            EventType::Modified
        } else {
            EventType::Added
        };
        Ok(self.commit(res, v, kind))
    }

    /// Loads a pod serialized by the generator (`head` + resourceVersion + `tail`).
    pub(crate) fn load_serialized(&mut self, head: &str, tail: &str, meta: Meta) {
        self.rv += 1;
        let rv = self.rv.to_string();
        let mut json = Vec::with_capacity(head.len() + rv.len() + tail.len());
        json.extend_from_slice(head.as_bytes());
        json.extend_from_slice(rv.as_bytes());
        json.extend_from_slice(tail.as_bytes());
        let res = res_index("pods");
        let key = (meta.namespace.clone(), meta.name.clone());
        let obj = Obj::from_parts(Bytes::from(json), meta);
        self.tables[res].insert(key, obj.clone());
        self.emit(res, EventType::Added, obj);
    }

    /// Loads generated objects.
    pub(crate) fn load_generated(
        &mut self,
        docs: Vec<crate::generator::GenDoc>,
    ) -> Result<(), ApiError> {
        for d in docs {
            match d {
                crate::generator::GenDoc::Value(v) => {
                    self.load(v)?;
                }
                crate::generator::GenDoc::Pod { head, tail, meta } => {
                    self.load_serialized(&head, &tail, *meta)
                }
            }
        }
        Ok(())
    }

    fn namespace_defaults(&mut self, v: &mut Value) {
        let name = v["metadata"]["name"].clone();
        if !v["metadata"]["labels"].is_object() {
            v["metadata"]["labels"] = json!({});
        }
        v["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
        v["spec"] = json!({"finalizers": ["kubernetes"]});
        v["status"] = json!({"phase": "Active"});
    }

    fn validate(
        &self,
        rt: &ResourceType,
        name: &str,
        v: &Value,
        old: Option<&Value>,
    ) -> Result<(), ApiError> {
        let label_name = matches!(rt.plural, "namespaces" | "services");
        valid_name(name, label_name)
            .map_err(|m| ApiError::invalid(rt, name, "metadata.name", &m))?;
        if let Some(labels) = v["metadata"]["labels"].as_object() {
            for (k, val) in labels {
                let ok = val.as_str().is_some_and(|s| {
                    s.len() <= 63
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                });
                if !ok {
                    return Err(ApiError::invalid(
                        rt,
                        name,
                        &format!("metadata.labels.{k}"),
                        &format!(
                            "Invalid value: {val}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"
                        ),
                    ));
                }
            }
        }
        let check_containers = |spec: &Value, field: &str| -> Result<(), ApiError> {
            let cs = spec["containers"]
                .as_array()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid(rt, name, &format!("{field}.containers"), "Required value")
                })?;
            for (i, c) in cs.iter().enumerate() {
                if c["name"].as_str().is_none_or(str::is_empty) {
                    return Err(ApiError::invalid(
                        rt,
                        name,
                        &format!("{field}.containers[{i}].name"),
                        "Required value",
                    ));
                }
                if c["image"].as_str().is_none_or(str::is_empty) {
                    return Err(ApiError::invalid(
                        rt,
                        name,
                        &format!("{field}.containers[{i}].image"),
                        "Required value",
                    ));
                }
            }
            Ok(())
        };
        match rt.plural {
            "pods" => check_containers(&v["spec"], "spec")?,
            "deployments" | "replicasets" | "statefulsets" | "daemonsets" => {
                let sel = LabelSelector::from_object(&v["spec"]["selector"])
                    .map_err(|m| ApiError::invalid(rt, name, "spec.selector", &m))?;
                if sel.is_empty() {
                    return Err(ApiError::invalid(
                        rt,
                        name,
                        "spec.selector",
                        "Required value",
                    ));
                }
                if !sel.matches(
                    v.pointer("/spec/template/metadata/labels")
                        .and_then(Value::as_object),
                ) {
                    return Err(ApiError::invalid(
                        rt,
                        name,
                        "spec.template.metadata.labels",
                        "Invalid value: `selector` does not match template `labels`",
                    ));
                }
                check_containers(&v["spec"]["template"]["spec"], "spec.template.spec")?;
                if let Some(old) = old
                    && rt.plural != "replicasets"
                    && old["spec"]["selector"] != v["spec"]["selector"]
                {
                    return Err(ApiError::invalid(
                        rt,
                        name,
                        "spec.selector",
                        "field is immutable",
                    ));
                }
            }
            "jobs" => check_containers(&v["spec"]["template"]["spec"], "spec.template.spec")?,
            "cronjobs" => check_containers(
                &v["spec"]["jobTemplate"]["spec"]["template"]["spec"],
                "spec.jobTemplate.spec.template.spec",
            )?,
            _ => {}
        }
        Ok(())
    }

    fn check_namespace(&self, rt: &ResourceType, ns: &str) -> Result<(), ApiError> {
        if rt.namespaced && self.get(res_index("namespaces"), "", ns).is_none() {
            return Err(ApiError::namespace_not_found(ns));
        }
        Ok(())
    }

    /// POST.
    pub fn create(
        &mut self,
        res: usize,
        ns: &str,
        mut v: Value,
        opts: &WriteOpts,
    ) -> Result<Arc<Obj>, ApiError> {
        let rt = &RESOURCES[res];
        if !v.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request was not a JSON object",
            ));
        }
        if !v["metadata"].is_object() {
            v["metadata"] = json!({});
        }
        if rt.namespaced {
            match v["metadata"]["namespace"].as_str() {
                Some(n) if n != ns => {
                    return Err(ApiError::bad_request(
                        "the namespace of the provided object does not match the namespace sent on the request",
                    ));
                }
                _ => v["metadata"]["namespace"] = json!(ns),
            }
        } else if let Some(m) = v["metadata"].as_object_mut() {
            m.remove("namespace");
        }
        if v["metadata"]["name"].as_str().is_none_or(str::is_empty) {
            match v["metadata"]["generateName"].as_str() {
                Some(prefix) => {
                    let name = format!("{prefix}{}", self.rng.suffix(5));
                    v["metadata"]["name"] = json!(name);
                }
                None => {
                    return Err(ApiError::invalid(
                        rt,
                        "",
                        "metadata.name",
                        "Required value: name or generateName is required",
                    ));
                }
            }
        }
        let name = v["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.validate(rt, &name, &v, None)?;
        self.check_namespace(rt, ns)?;
        if self
            .get(res, if rt.namespaced { ns } else { "" }, &name)
            .is_some()
        {
            return Err(ApiError::already_exists(rt, &name));
        }
        if let Some(m) = v["metadata"].as_object_mut() {
            m.remove("resourceVersion");
        }
        self.init_metadata(rt, &mut v);
        match rt.plural {
            "namespaces" => self.namespace_defaults(&mut v),
            "pods" => self.admit_pod(&mut v)?,
            "services" => self.admit_service(&mut v),
            "secrets" => secret_defaults(&mut v),
            _ => {}
        }
        if let Some(fm) = &opts.field_manager {
            managed::record_update(None, &mut v, fm, scope(rt, opts), &now_rfc3339());
        }
        if opts.dry_run {
            return Ok(Obj::new(v));
        }
        let obj = self.commit(res, v, EventType::Added);
        self.after_write(res, &obj, None);
        Ok(obj)
    }

    /// PUT (also of `/status`).
    pub fn update(
        &mut self,
        res: usize,
        ns: &str,
        name: &str,
        mut v: Value,
        opts: &WriteOpts,
    ) -> Result<Arc<Obj>, ApiError> {
        let rt = &RESOURCES[res];
        if !v.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request was not a JSON object",
            ));
        }
        let ns = if rt.namespaced { ns } else { "" };
        if let Some(n) = v["metadata"]["name"].as_str()
            && n != name
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
        if rt.namespaced
            && let Some(n) = v["metadata"]["namespace"].as_str()
            && n != ns
        {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        let old = self
            .get(res, ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        if let Some(rv) = v["metadata"]["resourceVersion"].as_str()
            && !rv.is_empty()
            && Some(rv) != old.value()["metadata"]["resourceVersion"].as_str()
        {
            return Err(ApiError::conflict(rt, name));
        }
        if !v["metadata"].is_object() {
            v["metadata"] = json!({});
        }
        self.replace(res, &old, v, opts, true)
    }

    /// Stores `new` in place of `old`: keeps server-owned metadata, honours the status
    /// subresource, bumps `generation` when anything but metadata/status changed.
    /// `record`: record the write's field ownership (an apply has done so already).
    fn replace(
        &mut self,
        res: usize,
        old: &Arc<Obj>,
        mut new: Value,
        opts: &WriteOpts,
        record: bool,
    ) -> Result<Arc<Obj>, ApiError> {
        let rt = &RESOURCES[res];
        let name = old.name().to_string();
        let status_only = opts.subresource.as_deref() == Some("status");
        if status_only {
            let status = new.get("status").cloned();
            new = old.value().clone();
            match status {
                Some(s) => new["status"] = s,
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        } else if rt.status || rt.plural == "namespaces" {
            match old.value().get("status") {
                Some(s) => new["status"] = s.clone(),
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
        }
        {
            let om = &old.value()["metadata"];
            let m = new["metadata"].as_object_mut().expect("object");
            for k in [
                "uid",
                "creationTimestamp",
                "name",
                "namespace",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
            ] {
                match om.get(k) {
                    Some(v) => m.insert(k.into(), v.clone()),
                    None => m.remove(k),
                };
            }
            if om.get("managedFields").is_some() && !m.contains_key("managedFields") {
                m.insert("managedFields".into(), om["managedFields"].clone());
            }
        }
        new["apiVersion"] = old.value()["apiVersion"].clone();
        new["kind"] = json!(rt.kind);
        if rt.plural == "namespaces" {
            self.namespace_defaults(&mut new);
            new["status"] = old.value()["status"].clone();
        }
        if rt.plural == "secrets" {
            secret_defaults(&mut new);
        }
        if !status_only {
            self.validate(rt, &name, &new, Some(old.value()))?;
        }
        if !old.value()["metadata"]["deletionTimestamp"].is_null() {
            let had = finalizers(old.value());
            let added: Vec<String> = finalizers(&new)
                .into_iter()
                .filter(|f| !had.contains(f))
                .collect();
            if !added.is_empty() {
                return Err(ApiError::invalid(
                    rt,
                    &name,
                    "metadata.finalizers",
                    &format!(
                        "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {added:?}"
                    ),
                ));
            }
        }
        if spec_part(&new) != spec_part(old.value()) {
            let g = old.value()["metadata"]["generation"].as_i64().unwrap_or(1);
            new["metadata"]["generation"] = json!(g + 1);
        }
        if rt.plural == "services" {
            for k in ["clusterIP", "clusterIPs"] {
                if new["spec"][k].is_null() && !old.value()["spec"][k].is_null() {
                    new["spec"][k] = old.value()["spec"][k].clone();
                }
            }
        }
        if let Some(fm) = &opts.field_manager
            && record
        {
            managed::record_update(
                Some(old.value()),
                &mut new,
                fm,
                scope(rt, opts),
                &now_rfc3339(),
            );
        }
        if opts.dry_run {
            return Ok(Obj::new(new));
        }
        let obj = self.commit(res, new, EventType::Modified);
        self.after_write(res, &obj, Some(old.clone()));
        if deletion_due(obj.value()) {
            self.finalize(
                res,
                obj.namespace().to_string(),
                obj.name().to_string(),
                false,
            );
        }
        Ok(obj)
    }

    /// PATCH in the four content types; apply creates the object when absent.
    pub fn patch(
        &mut self,
        res: usize,
        ns: &str,
        name: &str,
        ptype: PatchType,
        body: &Value,
        opts: &WriteOpts,
    ) -> Result<(Arc<Obj>, bool), ApiError> {
        let rt = &RESOURCES[res];
        let ns = if rt.namespaced { ns } else { "" };
        if ptype == PatchType::Strategic && rt.custom {
            return Err(ApiError::new(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            ));
        }
        let manager = opts.field_manager.clone();
        if ptype == PatchType::Apply && manager.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::new(
                422,
                "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            ));
        }
        let existing = self.get(res, ns, name).cloned();
        let Some(old) = existing else {
            if ptype != PatchType::Apply {
                return Err(ApiError::not_found(rt, name));
            }
            let mut v = body.clone();
            if !v.is_object() {
                return Err(ApiError::bad_request(
                    "the applied configuration is not an object",
                ));
            }
            if v["metadata"]["name"].as_str().is_some_and(|n| n != name) {
                return Err(ApiError::bad_request(format!(
                    "the name of the object does not match the name on the URL ({name})"
                )));
            }
            v["metadata"]["name"] = json!(name);
            if let Some(m) = v["metadata"].as_object_mut() {
                m.remove("resourceVersion");
            }
            let v = managed::apply(
                None,
                &v,
                manager.as_deref().unwrap_or_default(),
                opts.force,
                scope(rt, opts),
                &now_rfc3339(),
                patch::strategic_merge,
            )
            .map_err(|c| ApiError::apply_conflict(&c))?;
            let mut create_opts = opts.clone();
            create_opts.field_manager = None;
            let obj = self.create(res, ns, v, &create_opts)?;
            return Ok((obj, true));
        };
        let mut v = old.value().clone();
        match ptype {
            PatchType::Merge => {
                if !body.is_object() {
                    return Err(ApiError::bad_request("a merge patch must be a JSON object"));
                }
                patch::merge_patch(&mut v, body)
            }
            PatchType::Strategic => {
                if !body.is_object() {
                    return Err(ApiError::bad_request(
                        "a strategic merge patch must be a JSON object",
                    ));
                }
                patch::strategic_merge(&mut v, body)
            }
            PatchType::Json => patch::json_patch(&mut v, body).map_err(|e| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
            })?,
            PatchType::Apply => {
                if !body.is_object() {
                    return Err(ApiError::bad_request(
                        "the applied configuration is not an object",
                    ));
                }
                v = managed::apply(
                    Some(old.value()),
                    body,
                    manager.as_deref().unwrap_or_default(),
                    opts.force,
                    scope(rt, opts),
                    &now_rfc3339(),
                    patch::strategic_merge,
                )
                .map_err(|c| ApiError::apply_conflict(&c))?;
            }
        }
        if !v.is_object() || !v["metadata"].is_object() {
            return Err(ApiError::new(
                422,
                "Invalid",
                "the patch removed the object's metadata",
            ));
        }
        // A patch that carries a resourceVersion is a precondition.
        let want_rv = match ptype {
            PatchType::Json => v["metadata"]["resourceVersion"].as_str().map(String::from),
            _ => body
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .map(String::from),
        };
        if let Some(rv) = want_rv
            && Some(rv.as_str()) != old.value()["metadata"]["resourceVersion"].as_str()
        {
            return Err(ApiError::conflict(rt, name));
        }
        let obj = self.replace(res, &old, v, opts, ptype != PatchType::Apply)?;
        Ok((obj, false))
    }

    /// DELETE of one object, with garbage collection of its dependents (unless orphaned).
    pub fn delete(
        &mut self,
        res: usize,
        ns: &str,
        name: &str,
        opts: &DeleteOpts,
    ) -> Result<Arc<Obj>, ApiError> {
        let rt = &RESOURCES[res];
        let ns = if rt.namespaced { ns } else { "" };
        let old = self
            .get(res, ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        if rt.plural == "namespaces" && ["default", "kube-system", "kube-public"].contains(&name) {
            return Err(ApiError::forbidden(format!(
                "namespaces \"{name}\" is forbidden: this namespace may not be deleted"
            )));
        }
        if let Some(uid) = &opts.precondition_uid
            && uid != old.uid()
        {
            return Err(ApiError::new(
                409,
                "Conflict",
                format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    old.uid()
                ),
            ));
        }
        if let Some(rv) = &opts.precondition_rv
            && Some(rv.as_str()) != old.value()["metadata"]["resourceVersion"].as_str()
        {
            return Err(ApiError::new(
                409,
                "Conflict",
                format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    old.value()["metadata"]["resourceVersion"]
                        .as_str()
                        .unwrap_or_default()
                ),
            ));
        }
        let v = old.value();
        let pod = rt.plural == "pods";
        // Pods terminate gracefully: unscheduled and finished ones go at once.
        let grace = if pod {
            let terminal = matches!(v["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
            if terminal || v["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
                0
            } else {
                opts.grace_period
                    .or(v["spec"]["terminationGracePeriodSeconds"].as_i64())
                    .unwrap_or(30)
                    .max(0)
            }
        } else {
            0
        };
        let blocked = !finalizers(v).is_empty();
        let terminating = !v["metadata"]["deletionTimestamp"].is_null();
        if terminating {
            // Deleting again may only shorten a pod's grace period.
            let current = v["metadata"]["deletionGracePeriodSeconds"]
                .as_i64()
                .unwrap_or(0);
            if opts.dry_run || !pod || grace >= current {
                return Ok(old);
            }
        }
        if opts.dry_run {
            return Ok(old);
        }
        if grace == 0 && !blocked {
            return Ok(self
                .finalize(res, ns.to_string(), name.to_string(), opts.orphan)
                .unwrap_or(old));
        }
        // Graceful: mark the object; the kubelet (pods) or finalizer removal finishes the job.
        let mut marked = v.clone();
        marked["metadata"]["deletionTimestamp"] =
            json!(crate::util::rfc3339(crate::util::unix_now() + grace));
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
        let obj = self.commit(res, marked, EventType::Modified);
        self.pending.retain(|p| p.4 != obj.uid());
        if grace > 0 {
            let secs = Duration::from_secs(grace as u64);
            let due = Instant::now() + secs.min(self.pod_grace);
            self.pending.push((
                due,
                res,
                ns.to_string(),
                name.to_string(),
                obj.uid().to_string(),
            ));
            self.wake.notify_one();
        }
        // owners see their pod terminating (and replace it at once, as real controllers do)
        self.after_delete(res, &obj);
        Ok(obj)
    }

    /// Removes an object for good: its namespace's contents (for a namespace) and its
    /// dependents (unless orphaned) go with it, and controllers react.
    fn finalize(&mut self, res: usize, ns: String, name: String, orphan: bool) -> Option<Arc<Obj>> {
        let gone = self.remove_raw(res, &ns, &name)?;
        self.pending.retain(|p| p.4 != gone.uid());
        if RESOURCES[res].plural == "namespaces" {
            for (r, rt) in RESOURCES.iter().enumerate() {
                if rt.namespaced {
                    let names: Vec<String> = self
                        .iter(r, Some(&name))
                        .map(|o| o.name().to_string())
                        .collect();
                    for n in names {
                        self.remove_raw(r, &name, &n);
                    }
                }
            }
        }
        if !orphan {
            self.collect_garbage(gone.uid().to_string());
        }
        self.after_delete(res, &gone);
        Some(gone)
    }

    /// The simulated kubelet: terminating pods whose time has come are removed (or, with
    /// finalizers left, wait for them with `deletionGracePeriodSeconds: 0`). Returns when the
    /// next one is due.
    pub fn reap(&mut self, now: Instant) -> Option<Instant> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.0 <= now);
        self.pending = later;
        for (_, res, ns, name, uid) in due {
            let Some(o) = self.get(res, &ns, &name).cloned() else {
                continue;
            };
            if o.uid() != uid || o.value()["metadata"]["deletionTimestamp"].is_null() {
                continue;
            }
            if finalizers(o.value()).is_empty() {
                self.finalize(res, ns, name, false);
            } else if o.value()["metadata"]["deletionGracePeriodSeconds"] != 0 {
                let mut v = o.value().clone();
                v["metadata"]["deletionGracePeriodSeconds"] = json!(0);
                self.commit(res, v, EventType::Modified);
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.timers)
            .into_iter()
            .partition(|t| t.0 <= now);
        self.timers = later;
        if !due.is_empty() {
            self.work
                .extend(due.into_iter().map(|(_, res, ns, name)| (res, ns, name)));
            self.settle();
        }
        self.pending
            .iter()
            .map(|p| p.0)
            .chain(self.timers.iter().map(|t| t.0))
            .min()
    }

    /// Deletes (recursively) everything owned by `uid`.
    pub(crate) fn collect_garbage(&mut self, uid: String) {
        let mut queue = vec![uid];
        while let Some(uid) = queue.pop() {
            for r in 0..RESOURCES.len() {
                let dependents: Vec<(String, String)> = self.tables[r]
                    .values()
                    .filter(|o| o.owned_by(&uid))
                    .map(|o| (o.namespace().to_string(), o.name().to_string()))
                    .collect();
                for (ns, n) in dependents {
                    if let Some(o) = self.remove_raw(r, &ns, &n) {
                        queue.push(o.uid().to_string());
                    }
                }
            }
        }
    }

    /// A list page. The first request takes a snapshot; `continue` tokens page through it, so
    /// pages are consistent even when objects change in between.
    #[allow(clippy::too_many_arguments)]
    pub fn list(
        &mut self,
        res: usize,
        ns: Option<&str>,
        labels: &LabelSelector,
        fields: &FieldSelector,
        limit: Option<usize>,
        cont: Option<&str>,
    ) -> Result<ListPage, ApiError> {
        let (snap, offset, rv) = match cont.filter(|c| !c.is_empty()) {
            Some(token) => {
                self.hook_continue();
                let parts: Vec<&str> = token.split('.').collect();
                let parsed = match parts.as_slice() {
                    ["ks1", id, off, rv] => id
                        .parse::<u64>()
                        .ok()
                        .zip(off.parse::<usize>().ok())
                        .zip(rv.parse::<u64>().ok()),
                    _ => None,
                };
                let ((id, off), rv) = parsed.ok_or_else(|| ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))?;
                let expired = || {
                    ApiError::new(
                        410,
                        "Expired",
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                    )
                };
                let (snap, born) = self.snapshots.get(&id).cloned().ok_or_else(expired)?;
                if self.continue_ttl.is_some_and(|ttl| born.elapsed() >= ttl) {
                    self.snapshots.remove(&id);
                    return Err(expired());
                }
                (Some((id, snap)), off, rv)
            }
            None => (None, 0, self.rv),
        };
        let (id, items) = match snap {
            Some((id, s)) => (id, s),
            None => {
                let items: Vec<Arc<Obj>> = self
                    .iter(res, ns)
                    .filter(|o| labels.matches(o.labels()) && fields.matches_obj(o))
                    .cloned()
                    .collect();
                (0, Arc::new(items))
            }
        };
        let total = items.len();
        let limit = limit.filter(|l| *l > 0);
        let end = match limit {
            Some(l) => (offset + l).min(total),
            None => total,
        };
        let offset = offset.min(total);
        let page: Vec<Arc<Obj>> = items[offset..end].to_vec();
        let (cont, remaining) = if end < total {
            let id = if id == 0 {
                let id = self.next_snapshot;
                self.next_snapshot += 1;
                self.snapshots.insert(id, (items.clone(), Instant::now()));
                self.snapshot_order.push_back(id);
                while self.snapshot_order.len() > SNAPSHOTS {
                    if let Some(old) = self.snapshot_order.pop_front() {
                        self.snapshots.remove(&old);
                    }
                }
                id
            } else {
                id
            };
            (Some(format!("ks1.{id}.{end}.{rv}")), Some(total - end))
        } else {
            (None, None)
        };
        Ok(ListPage {
            items: page,
            rv,
            cont,
            remaining,
        })
    }

    /// Forgets every list snapshot: the continue tokens handed out so far get 410 Expired.
    pub fn expire_continue_tokens(&mut self) {
        self.snapshots.clear();
        self.snapshot_order.clear();
    }

    /// For a watch: the events after `rv` (or the current objects as ADDED when `rv` is
    /// absent or 0), and a receiver for what follows.
    #[allow(clippy::type_complexity)]
    pub fn watch_from(
        &self,
        res: usize,
        ns: Option<&str>,
        rv: Option<u64>,
    ) -> Result<
        (
            Vec<(EventType, Arc<Obj>)>,
            broadcast::Receiver<Arc<Event>>,
            u64,
        ),
        ApiError,
    > {
        let rx = self.tx.subscribe();
        let backlog = match rv.filter(|r| *r > 0) {
            None => self
                .iter(res, ns)
                .map(|o| (EventType::Added, o.clone()))
                .collect(),
            Some(r) => {
                if r < self.oldest_rv {
                    return Err(ApiError::new(
                        410,
                        "Expired",
                        format!("too old resource version: {r} ({})", self.oldest_rv),
                    ));
                }
                self.events
                    .iter()
                    .filter(|e| {
                        e.rv > r && e.res == res && ns.is_none_or(|n| e.obj.namespace() == n)
                    })
                    .map(|e| (e.kind, e.obj.clone()))
                    .collect()
            }
        };
        Ok((backlog, rx, self.rv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "labels": {"n": name}}, "data": {"a": "1"}})
    }

    #[test]
    fn create_conflicts_and_generation() {
        let mut s = Store::new(1);
        let cmr = res_index("configmaps");
        let o = s
            .create(cmr, "default", cm("default", "a"), &WriteOpts::default())
            .unwrap();
        assert_eq!(o.value()["metadata"]["generation"], 1);
        let rv1 = o.value()["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string();
        let e = s
            .create(cmr, "default", cm("default", "a"), &WriteOpts::default())
            .unwrap_err();
        assert_eq!((e.code, e.reason), (409, "AlreadyExists"));
        let e = s
            .create(cmr, "nope", cm("nope", "a"), &WriteOpts::default())
            .unwrap_err();
        assert_eq!((e.code, e.reason), (404, "NotFound"));
        let e = s
            .create(
                cmr,
                "default",
                cm("default", "Bad_Name"),
                &WriteOpts::default(),
            )
            .unwrap_err();
        assert_eq!((e.code, e.reason), (422, "Invalid"));

        let mut upd = o.value().clone();
        upd["data"]["a"] = json!("2");
        let o2 = s
            .update(cmr, "default", "a", upd.clone(), &WriteOpts::default())
            .unwrap();
        assert_eq!(o2.value()["metadata"]["generation"], 2);
        let rv2: u64 = o2.value()["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(rv2 > rv1.parse().unwrap());
        // stale resourceVersion
        let e = s
            .update(cmr, "default", "a", upd, &WriteOpts::default())
            .unwrap_err();
        assert_eq!((e.code, e.reason), (409, "Conflict"));
        // label-only change: no generation bump
        let (o3, _) = s
            .patch(
                cmr,
                "default",
                "a",
                PatchType::Merge,
                &json!({"metadata": {"labels": {"x": "y"}}}),
                &WriteOpts::default(),
            )
            .unwrap();
        assert_eq!(o3.value()["metadata"]["generation"], 2);
        // stale rv in a patch
        let e = s
            .patch(
                cmr,
                "default",
                "a",
                PatchType::Merge,
                &json!({"metadata": {"resourceVersion": rv1}, "data": {"b": "1"}}),
                &WriteOpts::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, 409);
        let e = s
            .patch(
                cmr,
                "default",
                "zz",
                PatchType::Merge,
                &json!({}),
                &WriteOpts::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, 404);
    }

    #[test]
    fn apply_creates_and_merges() {
        let mut s = Store::new(1);
        let cmr = res_index("configmaps");
        let opts = WriteOpts {
            field_manager: Some("kyma-mesh".into()),
            force: true,
            ..Default::default()
        };
        let (o, created) = s
            .patch(
                cmr,
                "default",
                "cfg",
                PatchType::Apply,
                &cm("default", "cfg"),
                &opts,
            )
            .unwrap();
        assert!(created);
        assert_eq!(
            o.value()["metadata"]["managedFields"][0]["manager"],
            "kyma-mesh"
        );
        let b_only = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"b": "2"}});
        // another manager's apply merges (and shares nothing with kyma-mesh)
        let other = WriteOpts {
            field_manager: Some("other".into()),
            ..Default::default()
        };
        let (o, created) = s
            .patch(cmr, "default", "cfg", PatchType::Apply, &b_only, &other)
            .unwrap();
        assert!(!created);
        assert_eq!(o.value()["data"], json!({"a": "1", "b": "2"}));
        assert_eq!(
            o.value()["metadata"]["managedFields"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // the same manager no longer applying `a` (nor the label) removes them
        let (o, _) = s
            .patch(cmr, "default", "cfg", PatchType::Apply, &b_only, &opts)
            .unwrap();
        assert_eq!(o.value()["data"], json!({"b": "2"}));
        assert!(o.value()["metadata"].get("labels").is_none());
        // a conflicting apply without force is refused and changes nothing
        let e = s
            .patch(
                cmr,
                "default",
                "cfg",
                PatchType::Apply,
                &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"b": "3"}}),
                &WriteOpts {
                    field_manager: Some("third".into()),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!((e.code, e.reason), (409, "Conflict"));
        // kyma-mesh and other both own .data.b (they applied the same value)
        assert!(e.message.starts_with("Apply failed with 2 conflicts: conflicts with \"kyma-mesh\":\n- .data.b\nconflicts with \"other\":"), "{}", e.message);
        let mut causes: Vec<Value> = e.details.unwrap()["causes"].as_array().unwrap().clone();
        causes.sort_by_key(|c| c["message"].to_string());
        assert_eq!(
            causes,
            [
                json!({"reason": "FieldManagerConflict", "message": "conflict with \"kyma-mesh\"", "field": ".data.b"}),
                json!({"reason": "FieldManagerConflict", "message": "conflict with \"other\"", "field": ".data.b"})
            ]
        );
        assert_eq!(
            s.get(cmr, "default", "cfg").unwrap().value()["data"]["b"],
            "2"
        );
        let e = s
            .patch(
                cmr,
                "default",
                "cfg",
                PatchType::Apply,
                &json!({}),
                &WriteOpts::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, 422);
        let dr = res_index("destinationrules");
        let e = s
            .patch(
                dr,
                "default",
                "x",
                PatchType::Strategic,
                &json!({}),
                &WriteOpts::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, 415);
    }

    #[test]
    fn pagination_is_a_consistent_snapshot() {
        let mut s = Store::new(1);
        let cmr = res_index("configmaps");
        for i in 0..25 {
            s.create(
                cmr,
                "default",
                cm("default", &format!("c{i:02}")),
                &WriteOpts::default(),
            )
            .unwrap();
        }
        let all = LabelSelector::default();
        let nof = FieldSelector::default();
        let p1 = s
            .list(cmr, Some("default"), &all, &nof, Some(10), None)
            .unwrap();
        assert_eq!(p1.items.len(), 10);
        assert_eq!(p1.remaining, Some(15));
        // changes after the first page do not show up in later pages
        s.delete(cmr, "default", "c15", &DeleteOpts::default())
            .unwrap();
        s.create(cmr, "default", cm("default", "c99"), &WriteOpts::default())
            .unwrap();
        let p2 = s
            .list(
                cmr,
                Some("default"),
                &all,
                &nof,
                Some(10),
                p1.cont.as_deref(),
            )
            .unwrap();
        let p3 = s
            .list(
                cmr,
                Some("default"),
                &all,
                &nof,
                Some(10),
                p2.cont.as_deref(),
            )
            .unwrap();
        assert_eq!(p2.rv, p1.rv);
        assert!(p3.cont.is_none());
        let names: Vec<String> = p1
            .items
            .iter()
            .chain(&p2.items)
            .chain(&p3.items)
            .map(|o| o.name().to_string())
            .collect();
        assert_eq!(names.len(), 25);
        assert!(names.contains(&"c15".to_string()) && !names.contains(&"c99".to_string()));
        // a fresh list sees the changes
        let fresh = s
            .list(cmr, Some("default"), &all, &nof, None, None)
            .unwrap();
        assert_eq!(fresh.items.len(), 25);
        assert!(fresh.items.iter().any(|o| o.name() == "c99"));
        // selectors
        let sel = LabelSelector::parse("n in (c01,c02)").unwrap();
        assert_eq!(
            s.list(cmr, None, &sel, &nof, None, None)
                .unwrap()
                .items
                .len(),
            2
        );
        let f = FieldSelector::parse("metadata.name=c03").unwrap();
        assert_eq!(
            s.list(cmr, None, &all, &f, None, None).unwrap().items.len(),
            1
        );
        // bad and expired tokens
        assert_eq!(
            s.list(cmr, None, &all, &nof, Some(1), Some("garbage"))
                .unwrap_err()
                .code,
            400
        );
        assert_eq!(
            s.list(cmr, None, &all, &nof, Some(1), Some("ks1.999.1.1"))
                .unwrap_err()
                .code,
            410
        );
    }

    #[test]
    fn pods_terminate_gracefully_and_finalizers_hold_deletion() {
        let mut s = Store::new(1);
        let pods = res_index("pods");
        let pod = |name: &str| json!({"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        s.create(pods, "default", pod("p"), &WriteOpts::default())
            .unwrap();
        let rv = s.rv;
        let o = s
            .delete(pods, "default", "p", &DeleteOpts::default())
            .unwrap();
        assert!(o.value()["metadata"]["deletionTimestamp"].is_string());
        assert_eq!(o.value()["metadata"]["deletionGracePeriodSeconds"], 30);
        assert!(
            s.get(pods, "default", "p").is_some(),
            "still there, Terminating"
        );
        // deleting again with a longer grace period changes nothing
        let again = s
            .delete(
                pods,
                "default",
                "p",
                &DeleteOpts {
                    grace_period: Some(60),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(
            again.value()["metadata"]["resourceVersion"],
            o.value()["metadata"]["resourceVersion"]
        );
        let now = Instant::now();
        assert!(s.reap(now).is_some(), "not due yet");
        assert!(s.get(pods, "default", "p").is_some());
        assert_eq!(s.reap(now + DEFAULT_POD_GRACE), None);
        assert!(s.get(pods, "default", "p").is_none());
        let (events, _, _) = s.watch_from(pods, None, Some(rv)).unwrap();
        let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["MODIFIED", "DELETED"]);
        // grace 0 deletes at once, also a pod already terminating
        s.create(pods, "default", pod("q"), &WriteOpts::default())
            .unwrap();
        s.delete(pods, "default", "q", &DeleteOpts::default())
            .unwrap();
        s.delete(
            pods,
            "default",
            "q",
            &DeleteOpts {
                grace_period: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(s.get(pods, "default", "q").is_none());

        // finalizers hold any kind, and its dependents, until they are removed
        let cms = res_index("configmaps");
        let owner = s
            .create(
                cms,
                "default",
                json!({"metadata": {"name": "owner", "finalizers": ["example.com/x"]}}),
                &WriteOpts::default(),
            )
            .unwrap();
        let owner_ref =
            json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.uid()}]);
        s.create(
            cms,
            "default",
            json!({"metadata": {"name": "dep", "ownerReferences": owner_ref}}),
            &WriteOpts::default(),
        )
        .unwrap();
        let o = s
            .delete(cms, "default", "owner", &DeleteOpts::default())
            .unwrap();
        assert_eq!(o.value()["metadata"]["deletionGracePeriodSeconds"], 0);
        assert!(s.get(cms, "default", "owner").is_some());
        assert!(
            s.get(cms, "default", "dep").is_some(),
            "dependents wait for their owner"
        );
        let e = s
            .patch(
                cms,
                "default",
                "owner",
                PatchType::Merge,
                &json!({"metadata": {"finalizers": ["example.com/x", "example.com/y"]}}),
                &WriteOpts::default(),
            )
            .unwrap_err();
        assert_eq!(e.code, 422, "no new finalizers while deleting: {e}");
        s.patch(
            cms,
            "default",
            "owner",
            PatchType::Merge,
            &json!({"metadata": {"finalizers": null}}),
            &WriteOpts::default(),
        )
        .unwrap();
        assert!(s.get(cms, "default", "owner").is_none());
        assert!(s.get(cms, "default", "dep").is_none());
        // a pod with a finalizer outlives its grace period
        let mut p = pod("f");
        p["metadata"]["finalizers"] = json!(["example.com/x"]);
        s.create(pods, "default", p, &WriteOpts::default()).unwrap();
        s.delete(pods, "default", "f", &DeleteOpts::default())
            .unwrap();
        s.reap(Instant::now() + DEFAULT_POD_GRACE);
        let f = s.get(pods, "default", "f").unwrap();
        assert_eq!(f.value()["metadata"]["deletionGracePeriodSeconds"], 0);
        s.patch(
            pods,
            "default",
            "f",
            PatchType::Json,
            &json!([{"op": "remove", "path": "/metadata/finalizers"}]),
            &WriteOpts::default(),
        )
        .unwrap();
        assert!(s.get(pods, "default", "f").is_none());
    }

    #[test]
    fn namespace_deletion_cascades_and_protects_system() {
        let mut s = Store::new(1);
        let ns = res_index("namespaces");
        s.create(
            ns,
            "",
            json!({"metadata": {"name": "app"}}),
            &WriteOpts::default(),
        )
        .unwrap();
        s.create(
            res_index("configmaps"),
            "app",
            cm("app", "x"),
            &WriteOpts::default(),
        )
        .unwrap();
        s.delete(ns, "", "app", &DeleteOpts::default()).unwrap();
        assert!(s.get(res_index("configmaps"), "app", "x").is_none());
        assert_eq!(
            s.delete(ns, "", "default", &DeleteOpts::default())
                .unwrap_err()
                .code,
            403
        );
    }
}
