//! The Kubernetes boundary: everything kyma-mesh reads from or writes to a cluster goes through
//! the one `kube::Client` made here. Nothing shells out to kubectl.

pub mod access;
pub mod disruption;
pub mod inventory;
pub mod namespaces;
pub mod overrides;
pub mod owners;
pub mod patches;
pub mod pods;
pub mod readiness;
pub mod record;
pub mod retry;
pub mod revisions;
pub mod secrets;
pub mod webhooks;
pub mod workloads;

use std::fmt;
use std::path::Path;

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// The field manager of every write kyma-mesh makes (server-side apply).
pub const FIELD_MANAGER: &str = "kyma-mesh";

/// What can fail at the cluster boundary: one variant per failed operation, each naming the
/// object (or the listing) it failed on.
///
/// Every message ends with the API server's own words (`describe_kube_error`), so the
/// `kube::Error` is kept as a plain field (`error`, for [`ClusterError::status_code`]) and not
/// returned by `source()`: a message either says its cause or chains it, never both (the
/// standard library's guideline), and kube's own `Display` (which embeds the `Status`
/// structure) never reaches a user through a chain printer.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig file cannot be read or parsed.
    #[error("cannot read kubeconfig {path}: {}", innermost(.error))]
    KubeconfigUnreadable {
        path: String,
        error: kube::config::KubeconfigError,
    },
    /// `--context` names a context the kubeconfig does not have.
    #[error("context {context:?} is not in {file}; {}", list_contexts(.available))]
    UnknownContext {
        context: String,
        file: String,
        available: Vec<String>,
    },
    /// The context exists but cannot be turned into a client configuration.
    #[error("cannot use {}{file}: {}", .context.as_ref().map(|c| format!("context {c:?} of ")).unwrap_or_default(), innermost(.error))]
    KubeconfigUnusable {
        file: String,
        context: Option<String>,
        error: kube::config::KubeconfigError,
    },
    /// The kubeconfig named by `--kubeconfig` or `$KUBECONFIG` does not exist.
    #[error("the kubeconfig {path} (from {origin}) does not exist")]
    KubeconfigMissing { path: String, origin: &'static str },
    /// Neither a kubeconfig nor an in-cluster service account was found.
    #[error(
        "no cluster to talk to: no kubeconfig at $KUBECONFIG or ~/.kube/config and not running in a cluster (set KUBECONFIG or pass --kubeconfig)"
    )]
    NoKubeconfig {
        #[source]
        source: kube::config::InferConfigError,
    },
    /// The client could not be built from a valid configuration (TLS material, proxy).
    #[error("cannot create a client for {server}: {}", innermost(.error))]
    Client { server: String, error: kube::Error },
    /// The first request: `GET /version`.
    #[error("reading the server version: {}", describe_kube_error(.error))]
    ServerVersion { error: Box<kube::Error> },
    /// GET of one object.
    #[error("reading {object}: {}", describe_kube_error(.error))]
    Get {
        object: ObjectRef,
        error: Box<kube::Error>,
    },
    /// A list (one page of it).
    #[error("listing {listing}: {}", describe_kube_error(.error))]
    List {
        listing: Listing,
        error: Box<kube::Error>,
    },
    /// Server-side apply of one object.
    #[error("applying {object}: {}", describe_kube_error(.error))]
    Apply {
        object: ObjectRef,
        error: Box<kube::Error>,
    },
    /// A merge or strategic-merge patch of one object.
    #[error("patching {object}: {}", describe_kube_error(.error))]
    Patch {
        object: ObjectRef,
        error: Box<kube::Error>,
    },
    /// The `restartedAt` patch of a workload's pod template (`kubectl rollout restart`).
    #[error("restarting {object}: {}", describe_kube_error(.error))]
    Restart {
        object: ObjectRef,
        error: Box<kube::Error>,
    },
    /// DELETE of one object.
    #[error("deleting {object}: {}", describe_kube_error(.error))]
    Delete {
        object: ObjectRef,
        error: Box<kube::Error>,
    },
    /// A SelfSubjectAccessReview (`kubectl auth can-i`).
    #[error("asking whether the caller may {action}: {}", describe_kube_error(.error))]
    Review {
        action: String,
        error: Box<kube::Error>,
    },
    /// An object the operation needs does not exist.
    #[error("{what} does not exist")]
    NotFound { what: String },
    /// An override ConfigMap without Kyma's key.
    #[error("ConfigMap {configmap} has no key {key}")]
    MissingKey { configmap: String, key: String },
    /// Watching an object for a condition failed.
    #[error("watching {what}: {}", describe_error(.error))]
    Watch {
        what: String,
        error: kube::runtime::wait::Error,
    },
    /// A workload did not become available before the deadline.
    #[error("{what} is not available in time: {why}")]
    NotAvailable { what: String, why: String },
    /// An object kyma-mesh wrote holds something it cannot read back.
    #[error("{what} cannot be read: {problem}")]
    Malformed { what: String, problem: String },
}

/// One object, as messages name it: `Deployment shop/orders`, `Namespace shop`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// What a list asked for, as messages name it: `pods app=istiod in namespace istio-system`,
/// `pods in all namespaces`, `namespaces`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The resource (kubectl's word: `pods`, `deployments`).
    pub resource: &'static str,
    /// A label selector, or empty.
    pub selector: String,
    /// `None`: a cluster-scoped kind, or all namespaces (`all_namespaces`).
    pub namespace: Option<String>,
    pub all_namespaces: bool,
}

impl Listing {
    /// Objects of `gvk` in `namespace`, or in all namespaces (`None`, for a namespaced kind)
    /// or cluster-wide (`None`, for a cluster-scoped kind).
    pub fn of(gvk: &Gvk, namespace: Option<&str>) -> Listing {
        Listing {
            resource: gvk.plural,
            selector: String::new(),
            namespace: namespace.map(str::to_string),
            all_namespaces: namespace.is_none() && !gvk.cluster_scoped(),
        }
    }

    pub fn selected(mut self, selector: &str) -> Listing {
        self.selector = selector.to_string();
        self
    }
}

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.resource)?;
        if !self.selector.is_empty() {
            write!(f, " {}", self.selector)?;
        }
        match &self.namespace {
            Some(ns) => write!(f, " in namespace {ns}"),
            None if self.all_namespaces => f.write_str(" in all namespaces"),
            None => Ok(()),
        }
    }
}

impl ClusterError {
    /// A kubeconfig the user pointed at that cannot be used is invalid input (exit 2).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            ClusterError::KubeconfigUnreadable { .. }
                | ClusterError::KubeconfigMissing { .. }
                | ClusterError::UnknownContext { .. }
                | ClusterError::KubeconfigUnusable { .. }
                | ClusterError::NoKubeconfig { .. }
        )
    }

    /// The API's error behind a failed request, if a request failed.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        match self {
            ClusterError::ServerVersion { error }
            | ClusterError::Get { error, .. }
            | ClusterError::List { error, .. }
            | ClusterError::Apply { error, .. }
            | ClusterError::Patch { error, .. }
            | ClusterError::Restart { error, .. }
            | ClusterError::Delete { error, .. }
            | ClusterError::Review { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status the API server answered, if it answered.
    pub fn status_code(&self) -> Option<u16> {
        match self.kube_error() {
            Some(kube::Error::Api(s)) => Some(s.code),
            _ => None,
        }
    }
}

fn list_contexts(available: &[String]) -> String {
    if available.is_empty() {
        "it has no contexts".into()
    } else {
        format!("use one of: {}", available.join(", "))
    }
}

/// The API server's own words (`the API server answered 403 Forbidden: ...`), or the transport
/// error said as kubectl says it, naming the server. Never kube's `Display` (it embeds the
/// `Status` structure).
pub fn describe_kube_error(e: &kube::Error) -> String {
    describe_error(e)
}

/// As `describe_kube_error`, for any error that may wrap a kube error (watch errors do).
pub fn describe_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = Some(e);
    while let Some(x) = cur {
        if let Some(t) = x.downcast_ref::<retry::TransportError>() {
            return t.to_string();
        }
        if let Some(kube::Error::Api(s)) = x.downcast_ref::<kube::Error>() {
            let reason = if s.reason.is_empty() {
                String::new()
            } else {
                format!(" {}", s.reason)
            };
            let message = if s.message.is_empty() {
                String::new()
            } else {
                format!(": {}", s.message)
            };
            return format!("the API server answered {}{reason}{message}", s.code);
        }
        cur = x.source();
    }
    innermost(e)
}

/// The last, most specific cause of an error chain: transport errors nest their cause, and
/// the outer layers (`ServiceError: client error (Connect)`) tell a user nothing.
pub fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// A connected cluster.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    /// The API server URL, for messages.
    pub server: String,
    /// The context in use, if the kubeconfig named one.
    pub context: Option<String>,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &self.server)
            .field("context", &self.context)
            .finish()
    }
}

impl Cluster {
    /// Connects as kubectl would: `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`,
    /// else in-cluster; `--context` or the current context. No request is made yet.
    ///
    /// Every request of the client goes through the one retry policy (`retry`); `log`
    /// receives its lines (retries at `-v`, every request at `-vv`).
    pub async fn connect(
        kubeconfig: Option<&Path>,
        context: Option<&str>,
        log: retry::Log,
    ) -> Result<Cluster, ClusterError> {
        let opts = KubeConfigOptions {
            context: context.map(str::to_string),
            ..Default::default()
        };
        kubeconfig_exists(kubeconfig)?;
        let mut config = match (kubeconfig, context) {
            // The one place that infers a configuration (clippy.toml).
            #[allow(clippy::disallowed_methods)]
            (None, None) => Config::infer()
                .await
                .map_err(|source| ClusterError::NoKubeconfig { source })?,
            _ => {
                let (kc, file) = read_kubeconfig(kubeconfig)?;
                if let Some(c) = context
                    && !kc.contexts.iter().any(|n| n.name == c)
                {
                    return Err(ClusterError::UnknownContext {
                        context: c.to_string(),
                        file,
                        available: kc.contexts.iter().map(|n| n.name.clone()).collect(),
                    });
                }
                Config::from_custom_kubeconfig(kc, &opts)
                    .await
                    .map_err(|error| ClusterError::KubeconfigUnusable {
                        file,
                        context: context.map(str::to_string),
                        error,
                    })?
            }
        };
        let server = config.cluster_url.to_string();
        let address = config
            .cluster_url
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_else(|| server.clone());
        // kube's own retry (429/503/504 for every method, POST included) is replaced by ours.
        config.default_retry = false;
        let builder = kube::client::ClientBuilder::try_from(config).map_err(|error| {
            ClusterError::Client {
                server: server.clone(),
                error,
            }
        })?;
        let layer = retry::RetryLayer::new(retry::Policy::default(), log, address);
        // The one place that builds the client (clippy.toml).
        #[allow(clippy::disallowed_methods)]
        let client = builder.with_layer(&layer).build();
        Ok(Cluster {
            client,
            server,
            context: context.map(str::to_string),
        })
    }

    /// The server's version (`v1.31.2`), the first request: proves the cluster answers.
    pub async fn server_version(
        &self,
    ) -> Result<k8s_openapi::apimachinery::pkg::version::Info, ClusterError> {
        self.client
            .apiserver_version()
            .await
            .map_err(|error| ClusterError::ServerVersion {
                error: Box::new(error),
            })
    }

    /// An API for any kind, namespaced or cluster-wide, without discovery.
    pub fn dynamic(&self, gvk: &Gvk, namespace: Option<&str>) -> Api<DynamicObject> {
        let ar = gvk.api_resource();
        match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &ar),
            None => Api::all_with(self.client.clone(), &ar),
        }
    }

    /// GET that maps 404 to `None`.
    pub async fn get_opt(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<DynamicObject>, ClusterError> {
        self.dynamic(gvk, namespace)
            .get_opt(name)
            .await
            .map_err(|error| ClusterError::Get {
                object: gvk.object(namespace, name),
                error: Box::new(error),
            })
    }

    /// Deletes a named object; `false` when it was already gone.
    pub async fn delete_opt(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<bool, ClusterError> {
        match self
            .dynamic(gvk, namespace)
            .delete(name, &Default::default())
            .await
        {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(error) => Err(ClusterError::Delete {
                object: gvk.object(namespace, name),
                error: Box::new(error),
            }),
        }
    }

    /// Server-side apply with kyma-mesh's field manager, forcing ownership of the fields it sets
    /// (they are kyma-mesh's by design: Kyma's post-install configuration).
    pub async fn apply(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        name: &str,
        object: &serde_json::Value,
    ) -> Result<(), ClusterError> {
        let params = PatchParams::apply(FIELD_MANAGER).force();
        self.dynamic(gvk, namespace)
            .patch(name, &params, &kube::api::Patch::Apply(object))
            .await
            .map(|_| ())
            .map_err(|error| ClusterError::Apply {
                object: gvk.object(namespace, name),
                error: Box::new(error),
            })
    }
}

impl Cluster {
    /// A request whose JSON answer is decoded straight from the response's bytes into `T`.
    /// kube's `Client::request` copies a body twice (bytes, then a `Vec`, then a `String`)
    /// before decoding it: for a page of 500 pods (several MB) that triples the page's peak
    /// memory. Errors are kube's: `Api` with the server's `Status` for 4xx/5xx.
    pub async fn request_json<T: serde::de::DeserializeOwned>(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<T, kube::Error> {
        let mut buf = Vec::new();
        self.request_into(req, &mut buf).await?;
        serde_json::from_slice(&buf).map_err(kube::Error::SerdeError)
    }

    /// A request's body into `buf`, which is cleared first and keeps its capacity: a caller
    /// reading page after page (the pod scan, the owner lists) reuses one buffer, where a new
    /// one per page (kube's `collect_bytes`: the frames, then one copy) maps several MB of
    /// fresh memory each time, and faulting them in cost the scan a third of its CPU time.
    /// An error status is [`kube::Error::Api`].
    pub async fn request_into(
        &self,
        req: http::Request<Vec<u8>>,
        buf: &mut Vec<u8>,
    ) -> Result<(), kube::Error> {
        use http_body_util::BodyExt;
        /// At most this much is reserved ahead on a `Content-Length`; beyond it the buffer
        /// grows as the body arrives.
        const RESERVE_AT_MOST: u64 = 64 << 20;
        let res = self.client.send(req.map(kube::client::Body::from)).await?;
        let status = res.status();
        let mut body = res.into_body();
        buf.clear();
        // Exactly: `reserve` would double a buffer that is a little short (a page a few
        // bytes longer than the last), and two pod page buffers would take four pages' memory.
        if let Some(n) = hyper::body::Body::size_hint(&body).exact() {
            buf.reserve_exact(n.min(RESERVE_AT_MOST) as usize);
        }
        while let Some(frame) = body.frame().await {
            if let Some(data) = frame?.data_ref() {
                buf.extend_from_slice(data);
            }
        }
        if status.is_client_error() || status.is_server_error() {
            let s = serde_json::from_slice::<kube::core::Status>(buf).unwrap_or_else(|_| {
                let text = String::from_utf8_lossy(buf);
                kube::core::Status::failure(text.trim(), "Failed to parse error data")
                    .with_code(status.as_u16())
            });
            return Err(kube::Error::Api(s.boxed()));
        }
        Ok(())
    }

    /// GET of one object decoded into `T`, a minimal struct (serde skips every field `T` does
    /// not name while parsing); `None` when it does not exist.
    pub async fn get_as<T: serde::de::DeserializeOwned>(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<T>, ClusterError> {
        let failed = |error| ClusterError::Get {
            object: gvk.object(namespace, name),
            error: Box::new(error),
        };
        let req = kube::core::Request::new(gvk.url_path(namespace))
            .get(name, &kube::api::GetParams::default())
            .map_err(|e| failed(kube::Error::BuildRequest(e)))?;
        match self.request_json::<T>(req).await {
            Ok(v) => Ok(Some(v)),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
            Err(error) => Err(failed(error)),
        }
    }

    /// JSON merge patch (RFC 7386: `null` removes a key) with kyma-mesh's field manager: the
    /// edits kubectl makes (`rollout restart`, `label`, `annotate`) on objects kyma-mesh does
    /// not own.
    pub async fn merge_patch(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        name: &str,
        patch: &serde_json::Value,
    ) -> Result<(), ClusterError> {
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.into()),
            ..Default::default()
        };
        self.dynamic(gvk, namespace)
            .patch(name, &params, &kube::api::Patch::Merge(patch))
            .await
            .map(|_| ())
            .map_err(|error| ClusterError::Patch {
                object: gvk.object(namespace, name),
                error: Box::new(error),
            })
    }

    /// Every object of a kind in `namespace` (or all), paged (`DEFAULT_PAGE_SIZE`), each page
    /// decoded into only the fields `T` names and handed over item by item: the one loop over
    /// continue tokens for the small typed lists (workloads, PodDisruptionBudgets).
    pub async fn list_each<T: serde::de::DeserializeOwned>(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
        mut each: impl FnMut(T),
    ) -> Result<(), ClusterError> {
        #[derive(serde::Deserialize)]
        #[serde(bound = "T: serde::de::DeserializeOwned")]
        struct Page<T> {
            #[serde(default)]
            metadata: pods::ListMeta,
            #[serde(default = "Vec::new")]
            items: Vec<T>,
        }
        let failed = |error| ClusterError::List {
            listing: Listing::of(gvk, namespace),
            error: Box::new(error),
        };
        let mut lp = kube::api::ListParams::default().limit(pods::DEFAULT_PAGE_SIZE);
        loop {
            let req = kube::core::Request::new(gvk.url_path(namespace))
                .list(&lp)
                .map_err(|e| failed(kube::Error::BuildRequest(e)))?;
            let page: Page<T> = self.request_json(req).await.map_err(failed)?;
            page.items.into_iter().for_each(&mut each);
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => lp = lp.continue_token(&token),
                None => return Ok(()),
            }
        }
    }

    /// Every object of a kind, in all namespaces (or one), page by page.
    pub async fn list_all(
        &self,
        gvk: &Gvk,
        namespace: Option<&str>,
    ) -> Result<Vec<DynamicObject>, ClusterError> {
        let api = self.dynamic(gvk, namespace);
        let mut out = Vec::new();
        let mut params = kube::api::ListParams::default().limit(500);
        loop {
            let page = api
                .list(&params)
                .await
                .map_err(|error| ClusterError::List {
                    listing: Listing::of(gvk, namespace),
                    error: Box::new(error),
                })?;
            out.extend(page.items);
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(out),
            }
        }
    }
}

fn kubeconfig_exists(kubeconfig: Option<&Path>) -> Result<(), ClusterError> {
    if let Some(path) = kubeconfig
        && !path.exists()
    {
        return Err(ClusterError::KubeconfigMissing {
            path: path.display().to_string(),
            origin: "--kubeconfig",
        });
    }
    if kubeconfig.is_none()
        && let Some(env) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty())
        && !std::env::split_paths(&env).any(|p| p.exists())
    {
        return Err(ClusterError::KubeconfigMissing {
            path: env.to_string_lossy().into_owned(),
            origin: "$KUBECONFIG",
        });
    }
    Ok(())
}

/// The kubeconfig `--kubeconfig` names, else `$KUBECONFIG`'s files merged, else
/// `~/.kube/config`; and how messages name it.
fn read_kubeconfig(kubeconfig: Option<&Path>) -> Result<(Kubeconfig, String), ClusterError> {
    Ok(match kubeconfig {
        Some(path) => (
            Kubeconfig::read_from(path).map_err(|error| ClusterError::KubeconfigUnreadable {
                path: path.display().to_string(),
                error,
            })?,
            format!("kubeconfig {}", path.display()),
        ),
        None => (
            Kubeconfig::read().map_err(|error| ClusterError::KubeconfigUnreadable {
                path: std::env::var("KUBECONFIG").unwrap_or_else(|_| "~/.kube/config".into()),
                error,
            })?,
            "the kubeconfig".to_string(),
        ),
    })
}

/// The kubeconfig's contexts, in file order, and how messages name the file (fleet runs).
pub fn context_names(kubeconfig: Option<&Path>) -> Result<(Vec<String>, String), ClusterError> {
    kubeconfig_exists(kubeconfig)?;
    let (kc, file) = read_kubeconfig(kubeconfig)?;
    Ok((kc.contexts.into_iter().map(|c| c.name).collect(), file))
}

/// A kind kyma-mesh touches: group, version, kind and plural, known without discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gvk {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
}

impl Gvk {
    pub const fn new(
        group: &'static str,
        version: &'static str,
        kind: &'static str,
        plural: &'static str,
    ) -> Gvk {
        Gvk {
            group,
            version,
            kind,
            plural,
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The collection's URL path: `/apis/apps/v1/namespaces/shop/deployments`, or without
    /// `namespaces/..` for all namespaces and cluster-scoped kinds.
    pub fn url_path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) => format!("{base}/namespaces/{ns}/{}", self.plural),
            None => format!("{base}/{}", self.plural),
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, self.version, self.kind),
            self.plural,
        )
    }

    /// `PeerAuthentication istio-system/default`.
    pub fn describe(&self, namespace: Option<&str>, name: &str) -> String {
        self.object(namespace, name).to_string()
    }

    /// The object `name` of this kind, for messages.
    pub fn object(&self, namespace: Option<&str>, name: &str) -> ObjectRef {
        ObjectRef {
            kind: self.kind,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// The kinds kyma-mesh lists without a namespace because they have none (messages say
    /// "in all namespaces" for the others).
    pub fn cluster_scoped(&self) -> bool {
        matches!(
            self.kind,
            "Namespace"
                | "Node"
                | "MutatingWebhookConfiguration"
                | "ValidatingWebhookConfiguration"
                | "CustomResourceDefinition"
                | "ClusterRole"
                | "ClusterRoleBinding"
        )
    }
}

pub mod kinds {
    //! The kinds kyma-mesh reads or writes.
    use super::Gvk;

    pub const NAMESPACE: Gvk = Gvk::new("", "v1", "Namespace", "namespaces");
    pub const CONFIG_MAP: Gvk = Gvk::new("", "v1", "ConfigMap", "configmaps");
    pub const SERVICE: Gvk = Gvk::new("", "v1", "Service", "services");
    pub const POD: Gvk = Gvk::new("", "v1", "Pod", "pods");
    pub const EVENT: Gvk = Gvk::new("", "v1", "Event", "events");
    pub const DEPLOYMENT: Gvk = Gvk::new("apps", "v1", "Deployment", "deployments");
    pub const STATEFUL_SET: Gvk = Gvk::new("apps", "v1", "StatefulSet", "statefulsets");
    pub const DAEMON_SET: Gvk = Gvk::new("apps", "v1", "DaemonSet", "daemonsets");
    pub const REPLICA_SET: Gvk = Gvk::new("apps", "v1", "ReplicaSet", "replicasets");
    pub const REPLICATION_CONTROLLER: Gvk =
        Gvk::new("", "v1", "ReplicationController", "replicationcontrollers");
    pub const JOB: Gvk = Gvk::new("batch", "v1", "Job", "jobs");
    pub const CRON_JOB: Gvk = Gvk::new("batch", "v1", "CronJob", "cronjobs");
    pub const SERVICE_ACCOUNT: Gvk = Gvk::new("", "v1", "ServiceAccount", "serviceaccounts");
    pub const HPA: Gvk = Gvk::new(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
    );
    pub const PDB: Gvk = Gvk::new(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
    );
    pub const MUTATING_WEBHOOK: Gvk = Gvk::new(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
    );
    pub const VALIDATING_WEBHOOK: Gvk = Gvk::new(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
    );
    // Istio serves v1 of its APIs since 1.22; kyma-mesh supports 1.24 and later.
    pub const PEER_AUTHENTICATION: Gvk = Gvk::new(
        "security.istio.io",
        "v1",
        "PeerAuthentication",
        "peerauthentications",
    );
    pub const DESTINATION_RULE: Gvk = Gvk::new(
        "networking.istio.io",
        "v1",
        "DestinationRule",
        "destinationrules",
    );
    pub const VIRTUAL_SERVICE: Gvk = Gvk::new(
        "networking.istio.io",
        "v1",
        "VirtualService",
        "virtualservices",
    );
    pub const GATEWAY: Gvk = Gvk::new("networking.istio.io", "v1", "Gateway", "gateways");
    pub const AUTHORIZATION_POLICY: Gvk = Gvk::new(
        "security.istio.io",
        "v1",
        "AuthorizationPolicy",
        "authorizationpolicies",
    );
    /// Argo Rollouts' `Rollout` (github argoproj/argo-rollouts): owns ReplicaSets.
    pub const ROLLOUT: Gvk = Gvk::new("argoproj.io", "v1alpha1", "Rollout", "rollouts");
    /// OpenKruise's `CloneSet` (github openkruise/kruise): owns its pods directly.
    pub const CLONE_SET: Gvk = Gvk::new("apps.kruise.io", "v1alpha1", "CloneSet", "clonesets");
    /// OpenKruise's Advanced StatefulSet: the kind `StatefulSet` in Kruise's group.
    pub const ADVANCED_STATEFUL_SET: Gvk =
        Gvk::new("apps.kruise.io", "v1beta1", "StatefulSet", "statefulsets");
    /// The Kyma Istio module's resource (github kyma-project/istio).
    pub const ISTIO_CR: Gvk = Gvk::new("operator.kyma-project.io", "v1alpha2", "Istio", "istios");
    // EnvoyFilter never left v1alpha3.
    pub const ENVOY_FILTER: Gvk = Gvk::new(
        "networking.istio.io",
        "v1alpha3",
        "EnvoyFilter",
        "envoyfilters",
    );
}

/// The installed Istio version: the tag of the active control plane's `discovery` image (the
/// revision the `default` tag names, else `istiod`), without a flavour suffix
/// (`1.28.0-distroless` -> `1.28.0`). `None` when no istiod is installed.
pub async fn installed_istio_version(cluster: &Cluster) -> Result<Option<String>, ClusterError> {
    Ok(revisions::Revisions::read(cluster).await?.active_version())
}

/// The tag of an image reference (`docker.io/istio/pilot:1.28.0` -> `1.28.0`), ignoring a
/// registry port and a digest.
pub fn image_tag(image: &str) -> Option<String> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split_once(':').map(|(_, t)| t.to_string())
}

pub use crate::version::strip_flavour;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(
            image_tag("docker.io/istio/pilot:1.28.0-distroless").as_deref(),
            Some("1.28.0-distroless")
        );
        assert_eq!(
            image_tag("localhost:5000/istio/pilot:1.27.1").as_deref(),
            Some("1.27.1")
        );
        assert_eq!(image_tag("istio/pilot@sha256:abc").as_deref(), None);
        assert_eq!(
            image_tag("istio/pilot:1.2@sha256:abc").as_deref(),
            Some("1.2")
        );
        assert_eq!(strip_flavour("1.28.0-distroless"), "1.28.0");
        assert_eq!(strip_flavour("1.28.0"), "1.28.0");
    }
}
