//! The HTTP layer: routing, discovery, verbs, watch streams, fault injection, the write log.

use std::borrow::Cow;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};

use crate::faults::{Decision, FaultState};
use crate::protobuf;
use crate::registry::{self, RESOURCES, ResourceType};
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{ApiError, DeleteOpts, Obj, PatchType, Store, WriteOpts};
use crate::table::{self, Include};
use crate::util::parse_query;

/// One write request (create, update, patch, delete, deletecollection) as the server saw it,
/// including refused and fault-injected ones (see `status`). SelfSubjectAccessReviews are not
/// writes and are not logged.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WriteRecord {
    pub method: String,
    /// Path without the query string.
    pub path: String,
    pub query: String,
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    pub content_type: String,
    /// The body as text; a protobuf body (kubectl's typed generators) is recorded as the JSON
    /// it was decoded to.
    pub body: String,
    /// The HTTP status answered (0 for a dropped connection).
    pub status: u16,
    /// The bearer token the client sent (the kubeconfig user: `kube-sim` or `kube-sim-alt`).
    pub user: Option<String>,
    pub dry_run: bool,
}

impl WriteRecord {
    /// The body parsed as JSON (or YAML for apply patches).
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_str(&self.body)
            .ok()
            .or_else(|| serde_saphyr::from_str(&self.body).ok())
    }

    /// True for writes that changed something (2xx and not a dry run).
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status) && !self.dry_run
    }
}

/// One request kube-sim served, reads included (see [`crate::KubeSim::requests`]): what a test
/// counts to prove how many round trips an operation costs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    /// `get`, `list`, `watch`, `create`, `patch`, ... (`get` for discovery and `/version`).
    pub verb: String,
    /// The resource's group and plural; empty for discovery and `/version`.
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// The client asked for `PartialObjectMetadata(List)`: metadata only.
    pub metadata_only: bool,
    /// The `limit` of a list, if any, and whether it continued an earlier page.
    pub limit: Option<usize>,
    pub continued: bool,
    pub user_agent: String,
}

pub(crate) struct Shared {
    pub store: Mutex<Store>,
    /// Wakes the controller thread ([`controller_manager`]) after an HTTP write.
    pub controllers: Condvar,
    /// Set when the server stops: the controller thread ends.
    pub stopping: std::sync::atomic::AtomicBool,
    pub faults: Mutex<FaultState>,
    pub denies: Mutex<Vec<(String, String, String)>>,
    pub writes: Mutex<Vec<WriteRecord>>,
    pub requests: AtomicU64,
    pub request_log: Mutex<Vec<RequestRecord>>,
    pub server_addr: String,
}

/// The store, with what deferred writes left settled: what a read sees (a client reading
/// after its write sees what the controllers made of it, as before they ran off the write's
/// response path).
pub(crate) fn settled(shared: &Shared) -> MutexGuard<'_, Store> {
    let mut store = lock(&shared.store);
    store.settle_pending();
    store
}

/// An HTTP write: stored and answered at once, as kube-apiserver answers once the object is
/// stored; the controllers react afterwards on the controller thread.
fn write<T>(shared: &Shared, f: impl FnOnce(&mut Store) -> T) -> T {
    let mut store = lock(&shared.store);
    store.defer_controllers = true;
    let out = f(&mut store);
    store.defer_controllers = false;
    let wake = !store.deferred.is_empty();
    drop(store);
    if wake {
        shared.controllers.notify_one();
    }
    out
}

/// kube-sim's kube-controller-manager: runs the controllers that HTTP writes left, one
/// write's at a time (the lock is let go between writes, so that requests arriving meanwhile
/// are not held up behind all of them). A thread of its own (not a task on the server's
/// runtime, which may have a single thread), until the server stops.
pub(crate) fn controller_manager(shared: Arc<Shared>) {
    background_priority();
    let mut store = lock(&shared.store);
    loop {
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        if store.settle_step() {
            drop(store);
            store = lock(&shared.store);
            continue;
        }
        store = shared
            .controllers
            .wait(store)
            .unwrap_or_else(|e| e.into_inner());
    }
}

/// The controller thread yields the CPU to the server's threads and to the clients under
/// test: on a real cluster kube-controller-manager runs in its own process, usually on other
/// machines, and its work does not take the client's CPU. Only this thread's nice value
/// changes (Linux schedules threads, and `setpriority` on a thread id sets that thread's).
fn background_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority only read and set this thread's scheduling priority.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Response body: a full buffer, or a channel (watch streams).
pub(crate) enum Body {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Bytes>),
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Stream(rx) => rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            Body::Full(Some(b)) => http_body::SizeHint::with_exact(b.len() as u64),
            Body::Full(None) => http_body::SizeHint::with_exact(0),
            Body::Stream(_) => http_body::SizeHint::default(),
        }
    }
}

type Resp = Response<Body>;

fn json_resp(code: u16, body: Bytes) -> Resp {
    let mut r = Response::new(Body::Full(Some(body)));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn value_resp(code: u16, v: &Value) -> Resp {
    json_resp(code, Bytes::from(serde_json::to_vec(v).unwrap_or_default()))
}

fn error_resp(e: &ApiError) -> Resp {
    let mut r = value_resp(e.code, &e.to_status());
    if let Some(s) = e.retry_after
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn not_found_path() -> ApiError {
    ApiError {
        details: Some(Box::new(json!({}))),
        ..ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }
}

/// A resolved resource path.
#[derive(Debug, Clone)]
struct Route {
    version: String,
    res: usize,
    ns: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

enum Target {
    Doc(Value),
    Text(&'static str),
    Resource(Route),
}

fn route(path: &str, server: &str) -> Result<Target, ApiError> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        [] => {
            return Ok(Target::Doc(
                json!({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"]}),
            ));
        }
        ["version"] => {
            return Ok(Target::Doc(json!({
                "major": "1", "minor": "32", "gitVersion": "v1.32.0-kube-sim", "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc",
                "platform": "linux/amd64", "emulationMajor": "1", "emulationMinor": "32"
            })));
        }
        ["healthz"] | ["livez"] | ["readyz"] => return Ok(Target::Text("ok")),
        ["api"] => return Ok(Target::Doc(registry::api_versions(server))),
        ["apis"] => return Ok(Target::Doc(registry::api_group_list())),
        ["api", "v1"] => {
            return registry::resource_list("", "v1")
                .map(Target::Doc)
                .ok_or_else(not_found_path);
        }
        ["apis", g] => {
            return registry::api_group(g)
                .map(Target::Doc)
                .ok_or_else(not_found_path);
        }
        ["apis", g, v] => {
            return registry::resource_list(g, v)
                .map(Target::Doc)
                .ok_or_else(not_found_path);
        }
        ["openapi", "v3"] => return Ok(Target::Doc(registry::openapi_v3_root())),
        ["openapi", "v3", gv @ ..] => {
            return registry::openapi_v3_doc(&gv.join("/"))
                .map(Target::Doc)
                .ok_or_else(not_found_path);
        }
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(not_found_path()),
    };
    let served =
        |plural: &str| registry::find(group, plural).filter(|i| RESOURCES[*i].serves(version));
    let namespaced = match rest {
        ["namespaces", ns, plural, tail @ ..]
            if served(plural).is_some_and(|i| RESOURCES[i].namespaced) =>
        {
            Some((ns.to_string(), served(plural).unwrap_or_default(), tail))
        }
        _ => None,
    };
    let (ns, res, tail) = match namespaced {
        Some((ns, res, tail)) => (Some(ns), res, tail),
        None => {
            let (plural, tail) = rest.split_first().ok_or_else(not_found_path)?;
            let res = served(plural).ok_or_else(not_found_path)?;
            if RESOURCES[res].namespaced && !tail.is_empty() {
                return Err(not_found_path());
            }
            (None, res, tail)
        }
    };
    let (name, sub) = match tail {
        [] => (None, None),
        [n] => (Some(n.to_string()), None),
        [n, "status"] if RESOURCES[res].status => (Some(n.to_string()), Some("status".to_string())),
        _ => return Err(not_found_path()),
    };
    Ok(Target::Resource(Route {
        version: version.to_string(),
        res,
        ns,
        name,
        sub,
    }))
}

fn verb_of(method: &Method, r: &Route, watch: bool) -> &'static str {
    match (method.as_str(), r.name.is_some()) {
        ("GET", _) if watch => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "unknown",
    }
}

fn is_write(verb: &str) -> bool {
    matches!(
        verb,
        "create" | "update" | "patch" | "delete" | "deletecollection"
    )
}

fn denied(denies: &[(String, String, String)], verb: &str, group: &str, resource: &str) -> bool {
    denies.iter().any(|(v, g, r)| {
        (v == "*" || v == verb) && (g == "*" || g == group) && (r == "*" || r == resource)
    })
}

/// The object as seen through a served version (Istio kinds are served in several).
fn render(obj: &Obj, api_version: &str) -> Bytes {
    if obj.meta.api_version == api_version {
        return obj.json().clone();
    }
    let mut v = obj.value().clone();
    v["apiVersion"] = json!(api_version);
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}

struct Q(Vec<(String, String)>);

impl Q {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
    fn flag(&self, k: &str) -> bool {
        self.get(k)
            .is_some_and(|v| v == "true" || v == "1" || v.is_empty())
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            acc = listener.accept() => {
                let Ok((stream, _)) = acc else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(shared.clone(), req));
                    let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc).await;
                });
            }
            _ = shutdown.changed() => break,
        }
    }
}

/// The simulated kubelet's clock: removes terminating pods when their time is up.
pub(crate) async fn reaper(
    shared: Arc<Shared>,
    wake: Arc<tokio::sync::Notify>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let next = lock(&shared.store).reap(std::time::Instant::now());
        let until = next
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = tokio::time::sleep_until(until) => {}
            _ = wake.notified() => {}
            _ = shutdown.changed() => break,
        }
    }
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Dropped> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or_default().to_string();
    let q = Q(parse_query(Some(&raw_query)));
    let header_str = |h: header::HeaderName| {
        req.headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let content_type = header_str(header::CONTENT_TYPE);
    let accept = header_str(header::ACCEPT);
    let user_agent = header_str(header::USER_AGENT);
    let user = header_str(header::AUTHORIZATION)
        .strip_prefix("Bearer ")
        .map(String::from);
    let target = route(&path, &shared.server_addr);
    let route_info = match &target {
        Ok(Target::Resource(r)) => Some(r.clone()),
        _ => None,
    };
    let watch = q.flag("watch");
    let verb = route_info
        .as_ref()
        .map(|r| verb_of(&method, r, watch))
        .unwrap_or("get");
    let resource = route_info.as_ref().map(|r| RESOURCES[r.res].plural);
    let agent = header_str(header::USER_AGENT);
    let metadata_only = table::wants_table(&accept).is_none() && wants_metadata(&accept);
    lock(&shared.request_log).push(RequestRecord {
        method: method.to_string(),
        verb: verb.to_string(),
        group: route_info
            .as_ref()
            .map(|r| RESOURCES[r.res].group.to_string())
            .unwrap_or_default(),
        resource: resource.unwrap_or_default().to_string(),
        namespace: route_info.as_ref().and_then(|r| r.ns.clone()),
        name: route_info.as_ref().and_then(|r| r.name.clone()),
        metadata_only,
        limit: q.get("limit").and_then(|l| l.parse().ok()),
        continued: q.get("continue").is_some_and(|c| !c.is_empty()),
        user_agent: agent.clone(),
    });
    let (delay, decision) = lock(&shared.faults).decide_for(verb, resource, &agent);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(Dropped),
    };
    // kubectl's typed generators send protobuf: decode it to JSON up front (the write log
    // records the decoded JSON, with the original content type).
    let mut body_type = content_type.clone();
    let mut pb_error = None;
    if is_protobuf(&content_type)
        && !body.is_empty()
        && matches!(method, Method::POST | Method::PUT)
    {
        match protobuf::decode(&body) {
            Ok(v) => {
                body = Bytes::from(serde_json::to_vec(&v).unwrap_or_default());
                body_type = "application/json".to_string();
            }
            Err(e) => {
                pb_error = Some(if e.unsupported {
                    ApiError::new(415, "UnsupportedMediaType", e.message)
                } else {
                    ApiError::bad_request(e.message)
                })
            }
        }
    }
    let log = route_info
        .as_ref()
        .filter(|r| is_write(verb) && !RESOURCES[r.res].create_only)
        .map(|r| WriteRecord {
            method: method.to_string(),
            path: path.clone(),
            query: raw_query.clone(),
            verb: verb.to_string(),
            group: RESOURCES[r.res].group.to_string(),
            resource: RESOURCES[r.res].plural.to_string(),
            namespace: r.ns.clone(),
            name: r.name.clone(),
            subresource: r.sub.clone(),
            content_type: content_type.clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
            status: 0,
            user: user.clone(),
            dry_run: q.get("dryRun").is_some_and(|d| d == "All"),
        });
    let record = |status: u16| {
        if let Some(mut rec) = log.clone() {
            rec.status = status;
            lock(&shared.writes).push(rec);
        }
    };
    match decision {
        Decision::Drop => {
            record(0);
            return Err(Dropped);
        }
        Decision::Fail(e) => {
            record(e.code);
            return Ok(error_resp(&e));
        }
        Decision::Pass => {}
    }
    let resp = match target {
        Err(e) => error_resp(&e),
        Ok(Target::Doc(v)) => value_resp(200, &v),
        Ok(Target::Text(t)) => {
            let mut r = Response::new(Body::Full(Some(Bytes::from_static(t.as_bytes()))));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
        Ok(Target::Resource(r)) => {
            let rt = &RESOURCES[r.res];
            let denied_here = denied(&lock(&shared.denies), verb, rt.group, rt.plural);
            if denied_here {
                let scope =
                    r.ns.as_deref()
                        .map(|n| format!(" in the namespace \"{n}\""))
                        .unwrap_or_default();
                let subject = match &r.name {
                    Some(n) => format!("{} \"{n}\"", rt.qualified()),
                    None => rt.qualified(),
                };
                error_resp(&ApiError::forbidden(format!(
                    "{subject} is forbidden: User \"{}\" cannot {verb} resource \"{}\" in API group \"{}\"{scope}",
                    user.as_deref().unwrap_or("kube-sim"),
                    rt.plural,
                    rt.group
                )))
            } else {
                let result = match pb_error {
                    Some(e) => Err(e),
                    None => {
                        let req = Req {
                            method: &method,
                            route: &r,
                            q: &q,
                            body: &body,
                            content_type: &body_type,
                            table: table::wants_table(&accept),
                            metadata_only,
                            user_agent: &user_agent,
                        };
                        resource_request(&shared, &req, watch).await
                    }
                };
                match result {
                    Ok(resp) => resp,
                    Err(e) => error_resp(&e),
                }
            }
        }
    };
    record(resp.status().as_u16());
    Ok(resp)
}

fn is_protobuf(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim() == "application/vnd.kubernetes.protobuf")
}

fn parse_body(body: &[u8], yaml_ok: bool) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => Ok(v),
        Err(e) if yaml_ok => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad_request("body is not UTF-8"))?;
            serde_saphyr::from_str::<Value>(text).map_err(|y| {
                ApiError::bad_request(format!("error decoding YAML: {y} (as JSON: {e})"))
            })
        }
        Err(e) => Err(ApiError::bad_request(format!("error decoding JSON: {e}"))),
    }
}

/// The request's label and field selectors; a field label the kind does not support is a 400,
/// as on the API server.
fn selectors(q: &Q, rt: &ResourceType) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let l = LabelSelector::parse(q.get("labelSelector").unwrap_or_default())
        .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?;
    let f = FieldSelector::parse_for(
        q.get("fieldSelector").unwrap_or_default(),
        rt.group,
        rt.kind,
    )
    .map_err(ApiError::bad_request)?;
    Ok((l, f))
}

/// A resource request, as `resource_request` needs it.
struct Req<'a> {
    method: &'a Method,
    route: &'a Route,
    q: &'a Q,
    body: &'a [u8],
    content_type: &'a str,
    /// The Table version the client asked for (`Accept: ...;as=Table;v=v1;g=meta.k8s.io`).
    table: Option<&'static str>,
    /// `Accept: application/json;as=PartialObjectMetadata(List);g=meta.k8s.io;v=v1`.
    metadata_only: bool,
    user_agent: &'a str,
}

/// Whether the client prefers metadata only: the first media type of `Accept` that kube-sim
/// can serve is `application/json;as=PartialObjectMetadata` or `...List` of `meta.k8s.io`
/// `v1` (or `v1beta1`), as kube's `list_metadata`/`get_metadata` and client-go's metadata
/// client send. A plain JSON preference before it wins, as on a real server.
fn wants_metadata(accept: &str) -> bool {
    for media in accept.split(',') {
        let mut parts = media.split(';').map(str::trim);
        let mime = parts.next().unwrap_or_default();
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let param = |k: &str| params.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        match param("as") {
            None if mime == "application/json" || mime == "*/*" => return false,
            Some("PartialObjectMetadata" | "PartialObjectMetadataList")
                if mime == "application/json"
                    && param("g") == Some("meta.k8s.io")
                    && matches!(param("v"), Some("v1" | "v1beta1")) =>
            {
                return true;
            }
            _ => continue,
        }
    }
    false
}

fn metadata_resp(kind: &str, body: Bytes) -> Resp {
    let mut r = json_resp(200, body);
    if let Ok(h) = HeaderValue::from_str(&format!("application/json;as={kind};g=meta.k8s.io;v=v1"))
    {
        r.headers_mut().insert(header::CONTENT_TYPE, h);
    }
    r
}

/// The field manager of a write: `fieldManager`, else (not for apply, which requires it) the
/// User-Agent up to its first `/` as a real server does (`kubectl`, `Go-http-client`, ...).
fn field_manager(q: &Q, user_agent: &str, content_type: &str) -> Option<String> {
    if let Some(m) = q.get("fieldManager").filter(|m| !m.is_empty()) {
        return Some(m.to_string());
    }
    if PatchType::from_content_type(content_type) == Some(PatchType::Apply) {
        return None;
    }
    let prefix: String = user_agent
        .split('/')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(128)
        .collect();
    (!prefix.is_empty()).then_some(prefix)
}

/// The object as a value in a served version (borrowed when it is the stored one).
fn value_as<'a>(obj: &'a Obj, api_version: &str) -> Cow<'a, Value> {
    if obj.meta.api_version == api_version {
        return Cow::Borrowed(obj.value());
    }
    let mut v = obj.value().clone();
    v["apiVersion"] = json!(api_version);
    Cow::Owned(v)
}

fn table_resp(version: &str, t: &Value) -> Resp {
    let mut r = value_resp(200, t);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "application/json;as=Table;v={version};g=meta.k8s.io"
    )) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

async fn resource_request(
    shared: &Arc<Shared>,
    req: &Req<'_>,
    watch: bool,
) -> Result<Resp, ApiError> {
    let (method, r, q, body, content_type) =
        (req.method, req.route, req.q, req.body, req.content_type);
    let include = Include::parse(q.get("includeObject")).map_err(ApiError::bad_request)?;
    let rt = &RESOURCES[r.res];
    let api_version = registry::api_version(rt.group, &r.version);
    let ns = r.ns.as_deref().unwrap_or_default();
    if !body.is_empty() && (content_type.contains("protobuf") || content_type.contains("cbor")) {
        return Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {content_type:?})"
            ),
        ));
    }
    let dry_run = q.get("dryRun").is_some_and(|d| d == "All");
    let opts = WriteOpts {
        dry_run,
        field_manager: field_manager(q, req.user_agent, content_type),
        force: q.flag("force"),
        subresource: r.sub.clone(),
    };
    if rt.create_only && *method != Method::POST {
        return Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!(
                "the server does not allow this method on the requested resource ({})",
                rt.qualified()
            ),
        ));
    }
    match (method.as_str(), r.name.as_deref()) {
        ("GET", _) if watch => watch_stream(shared, r, q, &api_version, req.table, include),
        ("GET", Some(name)) => {
            let store = settled(shared);
            let obj = store
                .get(r.res, ns, name)
                .ok_or_else(|| ApiError::not_found(rt, name))?;
            if let Some(tv) = req.table {
                let v = value_as(obj, &api_version);
                let meta = json!({"resourceVersion": v["metadata"]["resourceVersion"]});
                return Ok(table_resp(
                    tv,
                    &table::table(rt, tv, [v.as_ref()], meta, include, true),
                ));
            }
            if req.metadata_only {
                return Ok(metadata_resp(
                    "PartialObjectMetadata",
                    obj.partial_metadata_json().clone(),
                ));
            }
            Ok(json_resp(200, render(obj, &api_version)))
        }
        ("GET", None) => {
            let (l, f) = selectors(q, rt)?;
            let limit = q.get("limit").and_then(|l| l.parse::<usize>().ok());
            let page =
                settled(shared).list(r.res, r.ns.as_deref(), &l, &f, limit, q.get("continue"))?;
            if let Some(tv) = req.table {
                let mut meta = json!({"resourceVersion": page.rv.to_string()});
                if let Some(c) = &page.cont {
                    meta["continue"] = json!(c);
                }
                if let Some(n) = page.remaining {
                    meta["remainingItemCount"] = json!(n);
                }
                let values: Vec<Cow<Value>> = page
                    .items
                    .iter()
                    .map(|o| value_as(o, &api_version))
                    .collect();
                let rows = values.iter().map(|v| v.as_ref());
                return Ok(table_resp(
                    tv,
                    &table::table(rt, tv, rows, meta, include, true),
                ));
            }
            if req.metadata_only {
                let mut meta = json!({"resourceVersion": page.rv.to_string()});
                if let Some(c) = &page.cont {
                    meta["continue"] = json!(c);
                }
                if let Some(n) = page.remaining {
                    meta["remainingItemCount"] = json!(n);
                }
                let mut body = format!(
                    r#"{{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{meta},"items":["#
                )
                .into_bytes();
                for (i, o) in page.items.iter().enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    body.extend_from_slice(o.partial_metadata_json());
                }
                body.extend_from_slice(b"]}");
                return Ok(metadata_resp("PartialObjectMetadataList", body.into()));
            }
            Ok(json_resp(
                200,
                list_body(
                    rt.kind,
                    &api_version,
                    &page.items,
                    page.rv,
                    page.cont.as_deref(),
                    page.remaining,
                ),
            ))
        }
        ("POST", None) => {
            let v = parse_body(body, content_type.contains("yaml"))?;
            check_kind(&v, rt, &api_version)?;
            if rt.create_only {
                return Ok(value_resp(201, &access_review(shared, v)));
            }
            if rt.namespaced && r.ns.is_none() {
                return Err(ApiError::new(
                    405,
                    "MethodNotAllowed",
                    "the server does not allow this method on the requested resource",
                ));
            }
            let obj = write(shared, |s| s.create(r.res, ns, v, &opts))?;
            Ok(json_resp(201, render(&obj, &api_version)))
        }
        ("PUT", Some(name)) => {
            let v = parse_body(body, content_type.contains("yaml"))?;
            check_kind(&v, rt, &api_version)?;
            let obj = write(shared, |s| s.update(r.res, ns, name, v, &opts))?;
            Ok(json_resp(200, render(&obj, &api_version)))
        }
        ("PATCH", Some(name)) => {
            let ptype = PatchType::from_content_type(content_type).ok_or_else(|| {
                ApiError::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {content_type:?})"))
            })?;
            let v = parse_body(body, ptype == PatchType::Apply)?;
            if ptype == PatchType::Apply {
                check_kind(&v, rt, &api_version)?;
            }
            let (obj, created) = write(shared, |s| s.patch(r.res, ns, name, ptype, &v, &opts))?;
            Ok(json_resp(
                if created { 201 } else { 200 },
                render(&obj, &api_version),
            ))
        }
        ("DELETE", Some(name)) => {
            let dopts = delete_opts(q, body)?;
            let obj = write(shared, |s| s.delete(r.res, ns, name, &dopts))?;
            Ok(json_resp(200, render(&obj, &api_version)))
        }
        ("DELETE", None) => {
            let dopts = delete_opts(q, body)?;
            let (l, f) = selectors(q, rt)?;
            let (gone, rv) = write(shared, |store| {
                store.settle_pending();
                let page = store.list(r.res, r.ns.as_deref(), &l, &f, None, None)?;
                let mut gone = Vec::new();
                for o in &page.items {
                    if let Ok(g) = store.delete(r.res, o.namespace(), o.name(), &dopts) {
                        gone.push(g);
                    }
                }
                Ok::<_, ApiError>((gone, store.rv))
            })?;
            Ok(json_resp(
                200,
                list_body(rt.kind, &api_version, &gone, rv, None, None),
            ))
        }
        _ => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )),
    }
}

fn check_kind(v: &Value, rt: &registry::ResourceType, api_version: &str) -> Result<(), ApiError> {
    if let Some(k) = v["kind"].as_str()
        && k != rt.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({k}) does not match the expected kind ({})",
            rt.kind
        )));
    }
    if let Some(av) = v["apiVersion"].as_str() {
        let group = av.split_once('/').map(|(g, _)| g).unwrap_or("");
        let version = av.rsplit('/').next().unwrap_or_default();
        if group != rt.group || !rt.serves(version) {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({api_version})"
            )));
        }
    }
    Ok(())
}

fn delete_opts(q: &Q, body: &[u8]) -> Result<DeleteOpts, ApiError> {
    let b = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        parse_body(body, false)?
    };
    let policy = b["propagationPolicy"]
        .as_str()
        .or(q.get("propagationPolicy"))
        .unwrap_or("Background");
    let dry = b["dryRun"]
        .as_array()
        .is_some_and(|d| d.iter().any(|x| x == "All"))
        || q.get("dryRun").is_some_and(|d| d == "All");
    let grace =
        match b["gracePeriodSeconds"].as_i64() {
            Some(g) => Some(g),
            None => match q.get("gracePeriodSeconds") {
                Some(g) => Some(g.parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!("invalid gracePeriodSeconds {g:?}"))
                })?),
                None => None,
            },
        };
    Ok(DeleteOpts {
        grace_period: grace,
        dry_run: dry,
        orphan: policy == "Orphan" || b["orphanDependents"].as_bool() == Some(true),
        precondition_uid: b["preconditions"]["uid"].as_str().map(String::from),
        precondition_rv: b["preconditions"]["resourceVersion"]
            .as_str()
            .map(String::from),
    })
}

fn list_body(
    kind: &str,
    api_version: &str,
    items: &[Arc<Obj>],
    rv: u64,
    cont: Option<&str>,
    remaining: Option<usize>,
) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some(c) = cont {
        meta["continue"] = json!(c);
    }
    if let Some(r) = remaining {
        meta["remainingItemCount"] = json!(r);
    }
    let head = format!(
        "{{\"kind\":\"{kind}List\",\"apiVersion\":\"{api_version}\",\"metadata\":{},\"items\":[",
        serde_json::to_string(&meta).unwrap_or_default()
    );
    let size: usize = items.iter().map(|o| o.json().len() + 1).sum::<usize>() + head.len() + 2;
    let mut out = BytesMut::with_capacity(size);
    out.extend_from_slice(head.as_bytes());
    for (i, o) in items.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",");
        }
        out.extend_from_slice(&render(o, api_version));
    }
    out.extend_from_slice(b"]}");
    out.freeze()
}

fn access_review(shared: &Shared, mut v: Value) -> Value {
    let attrs = &v["spec"]["resourceAttributes"];
    let verb = attrs["verb"].as_str().unwrap_or_default().to_string();
    let group = attrs["group"].as_str().unwrap_or_default().to_string();
    let resource = attrs["resource"].as_str().unwrap_or_default().to_string();
    let deny = denied(&lock(&shared.denies), &verb, &group, &resource);
    v["apiVersion"] = json!("authorization.k8s.io/v1");
    v["kind"] = json!("SelfSubjectAccessReview");
    if !v["metadata"].is_object() {
        v["metadata"] = json!({});
    }
    v["status"] = if deny {
        json!({"allowed": false, "denied": true, "reason": format!("kube-sim denies {verb} on {resource}.{group}")})
    } else {
        json!({"allowed": true, "reason": "kube-sim allows everything not denied"})
    };
    v
}

fn watch_stream(
    shared: &Arc<Shared>,
    r: &Route,
    q: &Q,
    api_version: &str,
    table_version: Option<&'static str>,
    include: Include,
) -> Result<Resp, ApiError> {
    let rt = &RESOURCES[r.res];
    let (labels, mut fields) = selectors(q, rt)?;
    if let Some(name) = &r.name {
        fields = FieldSelector::parse(&format!("metadata.name={name}"))
            .map_err(ApiError::bad_request)?;
    }
    let initial = q.flag("sendInitialEvents");
    let rv = if initial {
        None
    } else {
        match q.get("resourceVersion").filter(|s| !s.is_empty()) {
            Some(s) => Some(
                s.parse::<u64>()
                    .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {s:?}")))?,
            ),
            None => None,
        }
    };
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let (backlog, mut rx, start_rv) = settled(shared).watch_from(r.res, r.ns.as_deref(), rv)?;
    let (tx, body_rx) = mpsc::channel::<Bytes>(256);
    let res = r.res;
    let ns = r.ns.clone();
    let api_version = api_version.to_string();
    let kind = rt.kind;
    let matches = move |o: &Obj| labels.matches(o.labels()) && fields.matches_obj(o);
    // With a Table, each event carries a one-row Table; only the first has the column
    // definitions (kubectl reuses them, as for a real server).
    let mut headers = true;
    let mut line = move |t: &str, obj: &Obj, av: &str| {
        let mut b = BytesMut::new();
        b.extend_from_slice(b"{\"type\":\"");
        b.extend_from_slice(t.as_bytes());
        b.extend_from_slice(b"\",\"object\":");
        match table_version {
            Some(tv) => {
                let v = value_as(obj, av);
                let meta = json!({"resourceVersion": v["metadata"]["resourceVersion"]});
                let t = table::table(&RESOURCES[res], tv, [v.as_ref()], meta, include, headers);
                headers = false;
                b.extend_from_slice(&serde_json::to_vec(&t).unwrap_or_default());
            }
            None => b.extend_from_slice(&render(obj, av)),
        }
        b.extend_from_slice(b"}\n");
        b.freeze()
    };
    tokio::spawn(async move {
        for (t, o) in &backlog {
            if matches(o) && tx.send(line(t.as_str(), o, &api_version)).await.is_err() {
                return;
            }
        }
        if initial {
            let bm = json!({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version,
                "metadata": {"resourceVersion": start_rv.to_string(), "annotations": {"k8s.io/initial-events-end": "true"}}}});
            let mut b = serde_json::to_vec(&bm).unwrap_or_default();
            b.push(b'\n');
            if tx.send(Bytes::from(b)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(Duration::from_secs(timeout));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(ev) => {
                        if ev.res != res || ev.rv <= start_rv || ns.as_deref().is_some_and(|n| ev.obj.namespace() != n) || !matches(&ev.obj) {
                            continue;
                        }
                        if tx.send(line(ev.kind.as_str(), &ev.obj, &api_version)).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let st = ApiError::new(410, "Expired", "too old resource version: the watch fell behind").to_status();
                        let mut b = serde_json::to_vec(&json!({"type": "ERROR", "object": st})).unwrap_or_default();
                        b.push(b'\n');
                        let _ = tx.send(Bytes::from(b)).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = &mut deadline => return,
                _ = tx.closed() => return,
            }
        }
    });
    let mut resp = Response::new(Body::Stream(body_rx));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> Route {
        match route(path, "x") {
            Ok(Target::Resource(r)) => r,
            _ => panic!("no resource route for {path}"),
        }
    }

    #[test]
    fn routing() {
        let r = resource("/api/v1/namespaces/default/pods/p1");
        assert_eq!(
            (RESOURCES[r.res].plural, r.ns.as_deref(), r.name.as_deref()),
            ("pods", Some("default"), Some("p1"))
        );
        let r = resource("/api/v1/pods");
        assert_eq!((RESOURCES[r.res].plural, r.ns.as_deref()), ("pods", None));
        let r = resource("/api/v1/namespaces/kube-system");
        assert_eq!(
            (RESOURCES[r.res].plural, r.name.as_deref()),
            ("namespaces", Some("kube-system"))
        );
        let r = resource("/api/v1/namespaces/x/status");
        assert_eq!(
            (RESOURCES[r.res].plural, r.sub.as_deref()),
            ("namespaces", Some("status"))
        );
        let r = resource("/apis/apps/v1/namespaces/d/deployments/web/status");
        assert_eq!(
            (RESOURCES[r.res].plural, r.sub.as_deref()),
            ("deployments", Some("status"))
        );
        let r = resource("/apis/networking.istio.io/v1beta1/namespaces/d/destinationrules");
        assert_eq!(r.version, "v1beta1");
        assert!(route("/apis/apps/v2/deployments", "x").is_err());
        assert!(route("/api/v1/pods/p1", "x").is_err());
        assert!(route("/apis/apps/v1/namespaces/d/deployments/web/scale", "x").is_err());
        assert!(route("/openapi/v2", "x").is_err());
        assert!(matches!(route("/apis/apps/v1", "x"), Ok(Target::Doc(_))));
    }

    #[test]
    fn deny_rules() {
        let d = vec![
            ("delete".to_string(), "".to_string(), "pods".to_string()),
            ("*".into(), "apps".into(), "*".into()),
        ];
        assert!(denied(&d, "delete", "", "pods"));
        assert!(!denied(&d, "get", "", "pods"));
        assert!(denied(&d, "patch", "apps", "deployments"));
    }
}
