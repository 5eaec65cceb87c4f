//! The Kubernetes boundary: everything kyma-mesh reads from or writes to a cluster goes through
//! the one `kube::Client` made here. Nothing shells out to kubectl.

pub mod access;
pub mod inventory;
pub mod overrides;
pub mod patches;
pub mod readiness;
pub mod record;
pub mod secrets;
pub mod webhooks;

use std::fmt;
use std::path::Path;

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// The field manager of every write kyma-mesh makes (server-side apply).
pub const FIELD_MANAGER: &str = "kyma-mesh";
pub const ISTIO_NAMESPACE: &str = "istio-system";

/// What can fail at the cluster boundary: one variant per failed operation.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig file cannot be read or parsed.
    #[error("cannot read kubeconfig {path}: {}", innermost(.source))]
    KubeconfigUnreadable {
        path: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// `--context` names a context the kubeconfig does not have.
    #[error("context {context:?} is not in {file}; {}", list_contexts(.available))]
    UnknownContext {
        context: String,
        file: String,
        available: Vec<String>,
    },
    /// The context exists but cannot be turned into a client configuration.
    #[error("cannot use {}{file}: {}", .context.as_ref().map(|c| format!("context {c:?} of ")).unwrap_or_default(), innermost(.source))]
    KubeconfigUnusable {
        file: String,
        context: Option<String>,
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// Neither a kubeconfig nor an in-cluster service account was found.
    #[error(
        "no cluster to talk to: no kubeconfig at $KUBECONFIG or ~/.kube/config and not running in a cluster (set KUBECONFIG or pass --kubeconfig)"
    )]
    NoKubeconfig {
        #[source]
        source: kube::config::InferConfigError,
    },
    /// The client could not be built from a valid configuration (TLS material, proxy).
    #[error("cannot create a client for {server}: {}", innermost(.source))]
    Client {
        server: String,
        #[source]
        source: kube::Error,
    },
    /// An API call failed; `what` names the verb and the object.
    #[error("{what}: {}", describe_kube_error(.source))]
    Api {
        what: String,
        #[source]
        source: kube::Error,
    },
    /// An object the operation needs does not exist.
    #[error("{what} does not exist")]
    NotFound { what: String },
    /// An override ConfigMap without Kyma's key.
    #[error("ConfigMap {configmap} has no key {key}")]
    MissingKey { configmap: String, key: String },
    /// Watching an object for a condition failed.
    #[error("watching {what}: {}", innermost(.source))]
    Watch {
        what: String,
        #[source]
        source: kube::runtime::wait::Error,
    },
    /// A workload did not become available before the deadline.
    #[error("{what} is not available in time: {why}")]
    NotAvailable { what: String, why: String },
}

impl ClusterError {
    pub fn api(what: impl Into<String>) -> impl FnOnce(kube::Error) -> ClusterError {
        let what = what.into();
        move |source| ClusterError::Api { what, source }
    }

    /// A kubeconfig the user pointed at that cannot be used is invalid input (exit 2).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            ClusterError::KubeconfigUnreadable { .. }
                | ClusterError::UnknownContext { .. }
                | ClusterError::KubeconfigUnusable { .. }
                | ClusterError::NoKubeconfig { .. }
        )
    }

    /// The HTTP status the API server answered, if it answered.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            ClusterError::Api {
                source: kube::Error::Api(s),
                ..
            } => Some(s.code),
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
/// error said as kubectl says it.
pub fn describe_kube_error(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() {
                String::new()
            } else {
                format!(" {}", s.reason)
            };
            format!("the API server answered {}{reason}: {}", s.code, s.message)
        }
        other => {
            let text = innermost(other);
            if text.contains("Connection refused") || text.contains("connection refused") {
                "the connection to the server was refused: is the cluster running, and is this the right context?".into()
            } else {
                text
            }
        }
    }
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
    pub async fn connect(
        kubeconfig: Option<&Path>,
        context: Option<&str>,
    ) -> Result<Cluster, ClusterError> {
        let opts = KubeConfigOptions {
            context: context.map(str::to_string),
            ..Default::default()
        };
        let config = match (kubeconfig, context) {
            // The one place that infers a configuration (clippy.toml).
            #[allow(clippy::disallowed_methods)]
            (None, None) => Config::infer()
                .await
                .map_err(|source| ClusterError::NoKubeconfig { source })?,
            _ => {
                let (kc, file) = match kubeconfig {
                    Some(path) => (
                        Kubeconfig::read_from(path).map_err(|source| {
                            ClusterError::KubeconfigUnreadable {
                                path: path.display().to_string(),
                                source,
                            }
                        })?,
                        format!("kubeconfig {}", path.display()),
                    ),
                    None => (
                        Kubeconfig::read().map_err(|source| {
                            ClusterError::KubeconfigUnreadable {
                                path: std::env::var("KUBECONFIG")
                                    .unwrap_or_else(|_| "~/.kube/config".into()),
                                source,
                            }
                        })?,
                        "the kubeconfig".to_string(),
                    ),
                };
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
                    .map_err(|source| ClusterError::KubeconfigUnusable {
                        file,
                        context: context.map(str::to_string),
                        source,
                    })?
            }
        };
        let server = config.cluster_url.to_string();
        let client = Client::try_from(config).map_err(|source| ClusterError::Client {
            server: server.clone(),
            source,
        })?;
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
            .map_err(ClusterError::api(format!(
                "reading the server version of {}",
                self.server
            )))
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
            .map_err(ClusterError::api(format!(
                "reading {}",
                gvk.describe(namespace, name)
            )))
    }

    /// Server-side apply with kyma-mesh's field manager, forcing ownership of the fields it sets
    /// (they are kyma-mesh's by design: the seed's post-install configuration).
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
            .map_err(ClusterError::api(format!(
                "applying {}",
                gvk.describe(namespace, name)
            )))
    }
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

    pub fn api_resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, self.version, self.kind),
            self.plural,
        )
    }

    /// `PeerAuthentication istio-system/default`.
    pub fn describe(&self, namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(ns) => format!("{} {ns}/{name}", self.kind),
            None => format!("{} {name}", self.kind),
        }
    }
}

pub mod kinds {
    //! The kinds kyma-mesh reads or writes.
    use super::Gvk;

    pub const NAMESPACE: Gvk = Gvk::new("", "v1", "Namespace", "namespaces");
    pub const CONFIG_MAP: Gvk = Gvk::new("", "v1", "ConfigMap", "configmaps");
    pub const SERVICE: Gvk = Gvk::new("", "v1", "Service", "services");
    pub const POD: Gvk = Gvk::new("", "v1", "Pod", "pods");
    pub const DEPLOYMENT: Gvk = Gvk::new("apps", "v1", "Deployment", "deployments");
    pub const MUTATING_WEBHOOK: Gvk = Gvk::new(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
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
}

/// The installed Istio version: the tag of istiod's `discovery` image, without a flavour
/// suffix (`1.28.0-distroless` -> `1.28.0`). `None` when istiod is not installed.
pub async fn installed_istio_version(cluster: &Cluster) -> Result<Option<String>, ClusterError> {
    let Some(d) = cluster
        .get_opt(&kinds::DEPLOYMENT, Some(ISTIO_NAMESPACE), "istiod")
        .await?
    else {
        return Ok(None);
    };
    let v = serde_json::to_value(&d).unwrap_or_default();
    let containers = v["spec"]["template"]["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let image = containers
        .iter()
        .find(|c| c["name"] == "discovery")
        .or(containers.first())
        .and_then(|c| c["image"].as_str())
        .unwrap_or_default();
    Ok(image_tag(image).map(|t| strip_flavour(&t).to_string()))
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
