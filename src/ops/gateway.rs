//! `gateway restart` and `gateway debug enable|disable`: seed 000's "Can't access Console UI or
//! other endpoints" (503), done safely. The seed deletes every gateway pod at once; a rolling
//! restart replaces them one by one under the Deployment's strategy, so the gateway keeps
//! serving while it re-reads its configuration. The seed's investigation swaps the distroless
//! image for one with a shell by hand; `debug enable` does that, and `disable` undoes it.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::cluster::kinds::{DEPLOYMENT, SERVICE};
use crate::cluster::pods::Pod;
use crate::cluster::revisions::Revisions;
use crate::cluster::workloads::{self, Workload, WorkloadKind};
use crate::cluster::{self, Cluster, ClusterError, ISTIO_NAMESPACE, record};
use crate::kyma::{DEBUG_IMAGE_ANNOTATION, GATEWAY, GATEWAY_CONTAINER, GATEWAY_SECRETS};
use crate::ops::install::Target;
use crate::ops::signal::{self, Signal};
use crate::ui::progress::{OK, Progress};
use crate::ui::{self, Ui};

#[derive(Debug, Clone)]
pub struct RestartRequest {
    pub target: Target,
    pub wait: bool,
    pub timeout: Duration,
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub struct DebugRequest {
    pub target: Target,
    pub enable: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("{0}")]
    Connect(#[source] ClusterError),
    #[error(
        "Deployment {ISTIO_NAMESPACE}/{GATEWAY} does not exist: is Istio installed with its ingress gateway? (kyma-mesh install)"
    )]
    NotInstalled,
    #[error("reading the ingress gateway: {0}")]
    Read(#[source] ClusterError),
    #[error("Deployment {ISTIO_NAMESPACE}/{GATEWAY} has no {GATEWAY_CONTAINER} container")]
    NoProxyContainer,
    #[error(
        "the gateway image {image} has no tag (it is pinned by digest), so its debug flavour cannot be derived; edit the Deployment by hand (kubectl edit deployment -n {ISTIO_NAMESPACE} {GATEWAY})"
    )]
    NoTag { image: String },
    #[error("restarting the ingress gateway: {0}; nothing was changed")]
    Restart(#[source] ClusterError),
    #[error("switching the ingress gateway to {image}: {source}; nothing was changed")]
    SwitchImage {
        image: String,
        #[source]
        source: ClusterError,
    },
    #[error("{source}. The change was made; the Deployment keeps rolling out on its own.")]
    Rollout {
        #[source]
        source: ClusterError,
    },
    #[error("interrupted by {} {state}", .signal.name())]
    Interrupted { signal: Signal, state: &'static str },
}

impl GatewayError {
    pub fn interrupted(&self) -> Option<u8> {
        match self {
            GatewayError::Interrupted { signal, .. } => Some(signal.exit_code()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RestartSummary {
    pub old_pods: Vec<String>,
    pub new_pods: Vec<String>,
    pub waited: bool,
    pub elapsed: Duration,
    pub dry_run: bool,
    /// For stdout: the plan of a dry run.
    pub stdout: String,
}

fn gateway() -> Workload {
    Workload {
        kind: WorkloadKind::Deployment,
        namespace: ISTIO_NAMESPACE.into(),
        name: GATEWAY.into(),
    }
}

async fn read_gateway(cluster: &Cluster) -> Result<Deployment, GatewayError> {
    workloads::get_deployment(cluster, ISTIO_NAMESPACE, GATEWAY)
        .await
        .map_err(GatewayError::Read)?
        .ok_or(GatewayError::NotInstalled)
}

async fn pod_names(cluster: &Cluster, d: &Deployment) -> Result<Vec<String>, GatewayError> {
    Ok(workloads::deployment_pods(cluster, d)
        .await
        .map_err(GatewayError::Read)?
        .iter()
        .map(|p| p.metadata.name.clone())
        .collect())
}

/// Waits for the rollout; an interruption leaves the change in place and says so.
async fn wait_rollout(
    cluster: &Cluster,
    deadline: Instant,
    progress: &Progress,
    state: &'static str,
) -> Result<(), GatewayError> {
    let step = progress.long_step(format!("rollout of Deployment {ISTIO_NAMESPACE}/{GATEWAY}"));
    tokio::select! {
        r = workloads::wait_rollout(cluster, ISTIO_NAMESPACE, GATEWAY, deadline) => match r {
            Ok(()) => {
                step.ok("new pods ready, old pods gone");
                Ok(())
            }
            Err(source) => {
                step.fail("not complete");
                Err(GatewayError::Rollout { source })
            }
        },
        sig = signal::interrupted() => {
            step.fail("interrupted");
            Err(GatewayError::Interrupted { signal: sig, state })
        }
    }
}

pub async fn restart(req: &RestartRequest, ui: &Ui) -> Result<RestartSummary, GatewayError> {
    let started = Instant::now();
    let deadline = started + req.timeout;
    let progress = Progress::new(ui);
    let cluster = crate::ops::connect(&req.target, ui)
        .await
        .map_err(GatewayError::Connect)?;
    let d = read_gateway(&cluster).await?;
    let old_pods = pod_names(&cluster, &d).await?;
    let at = record::restart_stamp();
    if req.dry_run {
        let plan = format!(
            "# kyma-mesh gateway restart --dry-run: nothing was changed.\n\
             # A rolling restart of Deployment {ISTIO_NAMESPACE}/{GATEWAY} (as `kubectl rollout restart` does):\n\
             # its {} pods are replaced one by one under its rolling-update strategy.\n\
             # JSON merge patch:\n{}",
            old_pods.len(),
            ui::to_yaml(&workloads::restart_patch(&at)).unwrap_or_default()
        );
        return Ok(RestartSummary {
            stdout: plan,
            old_pods,
            dry_run: true,
            elapsed: started.elapsed(),
            ..Default::default()
        });
    }
    let step = progress.step(format!(
        "rollout restart of Deployment {ISTIO_NAMESPACE}/{GATEWAY}"
    ));
    if let Err(e) = workloads::restart(&cluster, &gateway(), &at).await {
        step.fail("failed");
        return Err(GatewayError::Restart(e));
    }
    step.ok(&format!("restartedAt {at}"));
    if req.wait {
        wait_rollout(
            &cluster,
            deadline,
            &progress,
            "while waiting for the rollout: the restart was requested and the Deployment completes it on its own.",
        )
        .await?;
    }
    let d = read_gateway(&cluster).await?;
    let new_pods = pod_names(&cluster, &d).await?;
    Ok(RestartSummary {
        old_pods,
        new_pods,
        waited: req.wait,
        elapsed: started.elapsed(),
        dry_run: false,
        stdout: String::new(),
    })
}

/// The debug flavour of an image: `...proxyv2:1.28.0-distroless` -> `...proxyv2:1.28.0-debug`,
/// a plain tag gets `-debug` appended; `None` for an image without a tag.
pub fn debug_image(image: &str) -> Option<String> {
    let tag = cluster::image_tag(image)?;
    if image.contains('@') {
        return None;
    }
    let repo = &image[..image.len() - tag.len() - 1];
    Some(format!("{repo}:{}-debug", cluster::strip_flavour(&tag)))
}

pub fn is_debug_image(image: &str) -> bool {
    cluster::image_tag(image).is_some_and(|t| t.ends_with("-debug"))
}

/// Back from the debug flavour, when kyma-mesh did not record the original: the flavour istiod
/// runs (Kyma's profiles install distroless everywhere).
pub fn non_debug_image(image: &str, distroless: bool) -> Option<String> {
    let tag = cluster::image_tag(image)?;
    if image.contains('@') {
        return None;
    }
    let repo = &image[..image.len() - tag.len() - 1];
    let base = cluster::strip_flavour(&tag);
    Some(if distroless {
        format!("{repo}:{base}-distroless")
    } else {
        format!("{repo}:{base}")
    })
}

/// The strategic-merge patch that swaps the proxy image (containers merge by name) and sets or
/// removes kyma-mesh's annotation.
pub fn image_patch(image: &str, annotation: Option<&str>) -> Value {
    json!({
        "metadata": {"annotations": {DEBUG_IMAGE_ANNOTATION: annotation}},
        "spec": {"template": {"spec": {"containers": [{"name": GATEWAY_CONTAINER, "image": image}]}}},
    })
}

fn proxy_image(d: &Deployment) -> Option<String> {
    d.spec
        .template
        .spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| c.name == GATEWAY_CONTAINER)?
        .image
        .clone()
}

fn annotation(d: &Deployment) -> Option<String> {
    d.metadata
        .annotations
        .as_ref()?
        .get(DEBUG_IMAGE_ANNOTATION)
        .cloned()
}

#[derive(Debug, Clone, Default)]
pub struct DebugSummary {
    pub from: String,
    pub to: String,
    pub changed: bool,
    pub dry_run: bool,
    /// For stdout: the commands to paste after `enable`, or the plan of a dry run.
    pub stdout: String,
}

pub async fn debug(req: &DebugRequest, ui: &Ui) -> Result<DebugSummary, GatewayError> {
    let deadline = Instant::now() + req.timeout;
    let progress = Progress::new(ui);
    let cluster = crate::ops::connect(&req.target, ui)
        .await
        .map_err(GatewayError::Connect)?;
    let d = read_gateway(&cluster).await?;
    let current = proxy_image(&d).ok_or(GatewayError::NoProxyContainer)?;
    let recorded = annotation(&d);
    // The target image and the annotation the Deployment carries afterwards.
    let (to, note) = if req.enable {
        if is_debug_image(&current) {
            (current.clone(), recorded.clone())
        } else {
            let to = debug_image(&current).ok_or_else(|| GatewayError::NoTag {
                image: current.clone(),
            })?;
            (to, Some(current.clone()))
        }
    } else if !is_debug_image(&current) {
        (current.clone(), None)
    } else if let Some(original) = recorded.clone().filter(|o| !is_debug_image(o)) {
        (original, None)
    } else {
        let distroless = istiod_is_distroless(&cluster).await?;
        let to = non_debug_image(&current, distroless).ok_or_else(|| GatewayError::NoTag {
            image: current.clone(),
        })?;
        (to, None)
    };
    let image_changes = to != current;
    let changes = image_changes || note != recorded;
    let mut summary = DebugSummary {
        from: current.clone(),
        to: to.clone(),
        changed: changes,
        dry_run: req.dry_run,
        stdout: String::new(),
    };
    if req.dry_run {
        let text = if changes {
            format!(
                "# kyma-mesh gateway debug {} --dry-run: nothing was changed.\n\
                 # Deployment {ISTIO_NAMESPACE}/{GATEWAY}, container {GATEWAY_CONTAINER}: {current} -> {to}\n\
                 # Strategic merge patch:\n{}",
                if req.enable { "enable" } else { "disable" },
                ui::to_yaml(&image_patch(&to, note.as_deref())).unwrap_or_default()
            )
        } else {
            format!("# nothing to change: the gateway runs {current}\n")
        };
        summary.stdout = text;
        return Ok(summary);
    }
    if changes {
        let step = progress.step(format!(
            "{GATEWAY_CONTAINER} image of Deployment {ISTIO_NAMESPACE}/{GATEWAY}"
        ));
        let patch = image_patch(&to, note.as_deref());
        if let Err(source) = strategic_patch(&cluster, &patch).await {
            step.fail("failed");
            return Err(GatewayError::SwitchImage { image: to, source });
        }
        step.ok(&if image_changes {
            format!("{current} -> {to}")
        } else {
            "annotation updated".into()
        });
        if image_changes && req.wait {
            wait_rollout(
                &cluster,
                deadline,
                &progress,
                "while waiting for the rollout: the image was switched and the Deployment completes the rollout on its own.",
            )
            .await?;
        }
    } else {
        progress.line(&format!(
            "{OK} the gateway already runs {current}: nothing to change"
        ));
    }
    if req.enable {
        let d = read_gateway(&cluster).await?;
        let pods = workloads::deployment_pods(&cluster, &d)
            .await
            .map_err(GatewayError::Read)?;
        let pod = pods
            .iter()
            .find(|p| proxy_image_of_pod(p).as_deref() == Some(to.as_str()))
            .or(pods.first());
        let service = cluster
            .get_opt(&SERVICE, Some(ISTIO_NAMESPACE), GATEWAY)
            .await
            .map_err(GatewayError::Read)?
            .map(|s| serde_json::to_value(s).unwrap_or_default());
        summary.stdout = investigation(
            &req.target,
            pod.map(|p| p.metadata.name.as_str()),
            pod.is_some_and(|p| has_container(p, "ingress-sds")),
            service.as_ref(),
        );
    }
    Ok(summary)
}

async fn strategic_patch(cluster: &Cluster, patch: &Value) -> Result<(), ClusterError> {
    let params = kube::api::PatchParams {
        field_manager: Some(cluster::FIELD_MANAGER.into()),
        ..Default::default()
    };
    cluster
        .dynamic(&DEPLOYMENT, Some(ISTIO_NAMESPACE))
        .patch(GATEWAY, &params, &kube::api::Patch::Strategic(patch))
        .await
        .map(|_| ())
        .map_err(|error| ClusterError::Patch {
            object: DEPLOYMENT.object(Some(ISTIO_NAMESPACE), GATEWAY),
            error: Box::new(error),
        })
}

async fn istiod_is_distroless(cluster: &Cluster) -> Result<bool, GatewayError> {
    // The active control plane's image (`istiod`, or `istiod-<revision>` after a canary).
    let image = Revisions::read(cluster)
        .await
        .map_err(GatewayError::Read)?
        .active()
        .and_then(|c| c.image.clone());
    // Kyma's profiles set values.global.variant: distroless; without istiod, assume them.
    Ok(image.is_none_or(|i| i.ends_with("-distroless")))
}

fn proxy_image_of_pod(p: &Pod) -> Option<String> {
    p.spec
        .containers
        .iter()
        .find(|c| c.name == GATEWAY_CONTAINER)
        .map(|c| c.image.clone())
}

fn has_container(p: &Pod, name: &str) -> bool {
    p.spec.containers.iter().any(|c| c.name == name)
}

/// The seed's investigation steps as commands to paste, with the pod name and the user's
/// kubeconfig and context filled in.
pub fn investigation(
    target: &Target,
    pod: Option<&str>,
    has_ingress_sds: bool,
    service: Option<&Value>,
) -> String {
    let mut kubectl = String::from("kubectl");
    if let Some(k) = &target.kubeconfig {
        kubectl.push_str(&format!(
            " --kubeconfig {}",
            crate::istioctl::shell_quote(&k.display().to_string())
        ));
    }
    if let Some(c) = &target.context {
        kubectl.push_str(&format!(" --context {}", crate::istioctl::shell_quote(c)));
    }
    let pod = pod.unwrap_or("<no gateway pod found>");
    let ns = ISTIO_NAMESPACE;
    let mut s = format!(
        "# The ingress gateway runs the debug image. The seed's investigation, for pod {pod}:\n#\n"
    );
    let ports: Vec<String> = service
        .and_then(|s| s["spec"]["ports"].as_array())
        .map(|ps| {
            ps.iter()
                .filter(|p| matches!(p["port"].as_i64(), Some(80 | 443)))
                .map(|p| {
                    let target = p["targetPort"].as_i64().or(p["port"].as_i64()).unwrap_or(0);
                    format!("{} (Service port {})", target, p["port"])
                })
                .collect()
        })
        .unwrap_or_default();
    s.push_str("# 1. The ports the gateway listens on");
    if ports.is_empty() {
        s.push_str(":\n");
    } else {
        s.push_str(&format!(": expect {}\n", ports.join(" and ")));
    }
    s.push_str(&format!(
        "{kubectl} exec -ti -n {ns} {pod} -c {GATEWAY_CONTAINER} -- netstat -lptnu\n#\n"
    ));
    s.push_str("# 2. If they are not listened on, certificate errors in the gateway's log:\n");
    if has_ingress_sds {
        s.push_str(&format!("{kubectl} logs -n {ns} {pod} -c ingress-sds\n#\n"));
    } else {
        s.push_str(
            "#    (the seed's ingress-sds container is gone since Istio 1.7: SDS runs in istio-proxy)\n",
        );
        s.push_str(&format!(
            "{kubectl} logs -n {ns} {pod} -c {GATEWAY_CONTAINER} | grep -iE 'sds|secret|cert'\n#\n"
        ));
    }
    s.push_str("# 3. The certificate Secrets must exist in istio-system and hold a proper certificate and key:\n");
    for secret in GATEWAY_SECRETS {
        s.push_str(&format!("{kubectl} get secrets -n {ns} {secret} -oyaml\n"));
    }
    s.push_str(
        "#\n# When done, switch back to the distroless image:\nkyma-mesh gateway debug disable\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_flavours() {
        assert_eq!(
            debug_image("docker.io/istio/proxyv2:1.28.0-distroless").as_deref(),
            Some("docker.io/istio/proxyv2:1.28.0-debug")
        );
        assert_eq!(
            debug_image("localhost:5000/istio/proxyv2:1.28.0").as_deref(),
            Some("localhost:5000/istio/proxyv2:1.28.0-debug")
        );
        assert_eq!(debug_image("istio/proxyv2@sha256:abc"), None);
        assert_eq!(debug_image("istio/proxyv2:1.28.0@sha256:abc"), None);
        assert!(is_debug_image("a/proxyv2:1.28.0-debug"));
        assert!(!is_debug_image("a/proxyv2:1.28.0-distroless"));
        assert_eq!(
            non_debug_image("a/proxyv2:1.28.0-debug", true).as_deref(),
            Some("a/proxyv2:1.28.0-distroless")
        );
        assert_eq!(
            non_debug_image("a/proxyv2:1.28.0-debug", false).as_deref(),
            Some("a/proxyv2:1.28.0")
        );
    }

    #[test]
    fn investigation_fills_in_pod_context_and_ports() {
        let target = Target {
            kubeconfig: None,
            context: Some("prod".into()),
        };
        let svc = json!({"spec": {"ports": [{"port": 15021}, {"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}});
        let s = investigation(&target, Some("gw-1"), false, Some(&svc));
        assert!(s.contains(
            "kubectl --context prod exec -ti -n istio-system gw-1 -c istio-proxy -- netstat -lptnu"
        ));
        assert!(s.contains("expect 8080 (Service port 80) and 8443 (Service port 443)"));
        assert!(s.contains(
            "kubectl --context prod get secrets -n istio-system kyma-gateway-certs -oyaml"
        ));
        assert!(s.contains("app-connector-certs"));
        assert!(s.contains("-c istio-proxy | grep"));
        let old = investigation(&Target::default(), Some("gw-1"), true, None);
        assert!(old.contains("kubectl logs -n istio-system gw-1 -c ingress-sds"));
    }
}
