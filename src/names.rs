//! The names kyma-mesh reads and writes on Kubernetes objects (namespaces, labels,
//! annotations), each defined once. Imports nothing, so every layer may use it.

// Namespaces.
/// Where Istio's control plane and gateways live.
pub const ISTIO_NAMESPACE: &str = "istio-system";
/// Kyma's own workloads: restarted first, and the one namespace the opt-in mode injects.
pub const KYMA_SYSTEM: &str = "kyma-system";
/// Where Kyma's installer kept its override ConfigMaps.
pub const KYMA_INSTALLER: &str = "kyma-installer";
pub const KUBE_SYSTEM: &str = "kube-system";
pub const KUBE_PUBLIC: &str = "kube-public";
pub const KUBE_NODE_LEASE: &str = "kube-node-lease";

// Labels.
/// The namespace switch of sidecar injection (`enabled` / `disabled`).
pub const INJECTION_LABEL: &str = "istio-injection";
/// The control-plane revision: a label on istiod and namespaces, an annotation on injected pods.
pub const REV_LABEL: &str = "istio.io/rev";
/// What istioctl marks every object of an installation with.
pub const OWNING_RESOURCE_LABEL: &str = "install.operator.istio.io/owning-resource";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const APP_NAME_LABEL: &str = "app.kubernetes.io/name";
pub const APP_LABEL: &str = "app";

// Annotations (`INJECT` is also read as a pod label).
/// A pod's (or pod template's) own injection choice, `"true"` / `"false"`.
pub const INJECT: &str = "sidecar.istio.io/inject";
/// Written by the injector on every injected pod.
pub const SIDECAR_STATUS: &str = "sidecar.istio.io/status";
/// A pod that chose its own proxy image.
pub const PROXY_IMAGE: &str = "sidecar.istio.io/proxyImage";
/// `kubectl rollout restart`'s pod-template stamp.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// `"false"` keeps a pod or workload out of `proxy-reset`.
pub const PROXY_RESET: &str = "kyma-mesh.kyma-project.io/proxy-reset";
/// On the gateway Deployment while `gateway debug enable` is in effect: the image it replaced,
/// so `disable` restores exactly that and `check` can warn.
pub const DEBUG_IMAGE_ANNOTATION: &str = "kyma-mesh.kyma-project.io/debug-image";
