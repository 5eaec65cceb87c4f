//! `gateway restart` and `gateway debug enable|disable`: "Can't access Console UI or other
//! endpoints" (503) of Kyma's Service Mesh troubleshooting guide, done safely. The guide
//! deletes every gateway pod at once; a rolling restart replaces them one by one under the
//! Deployment's strategy, so the gateway keeps serving while it re-reads its configuration. The
//! guide's investigation swaps the distroless image for one with a shell by hand; `debug
//! enable` does that, and `disable` undoes it.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::cluster::kinds::{DEPLOYMENT, SERVICE};
use crate::cluster::pods::Pod;
use crate::cluster::revisions::Revisions;
use crate::cluster::workloads::{self, Workload, WorkloadKind};
use crate::cluster::{self, Cluster, ClusterError, record};
use crate::kyma::{GATEWAY, GATEWAY_CONTAINER, GATEWAY_SECRETS};
use crate::names::{DEBUG_IMAGE_ANNOTATION, ISTIO_NAMESPACE};
use crate::ops::Target;
use crate::ops::error::{ErrorKind, OutputError, cluster_kind};
use crate::ops::events::{Events, Mark};
use crate::ops::signal::{self, Signal};

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
    #[error(transparent)]
    Plan(#[from] OutputError),
    #[error("{0}")]
    Connect(ClusterError),
    #[error(
        "Deployment {ISTIO_NAMESPACE}/{GATEWAY} does not exist: is Istio installed with its ingress gateway? (kyma-mesh install)"
    )]
    NotInstalled,
    #[error("reading the ingress gateway: {0}")]
    Read(ClusterError),
    #[error("Deployment {ISTIO_NAMESPACE}/{GATEWAY} has no {GATEWAY_CONTAINER} container")]
    NoProxyContainer,
    #[error(
        "the gateway image {image} has no tag (it is pinned by digest), so its debug flavour cannot be derived; edit the Deployment by hand (kubectl edit deployment -n {ISTIO_NAMESPACE} {GATEWAY})"
    )]
    NoTag { image: String },
    #[error("restarting the ingress gateway: {0}; nothing was changed")]
    Restart(ClusterError),
    #[error("switching the ingress gateway to {image}: {cause}; nothing was changed")]
    SwitchImage { image: String, cause: ClusterError },
    #[error("{cause}. The change was made; the Deployment keeps rolling out on its own.")]
    Rollout { cause: ClusterError },
    #[error("interrupted by {} {state}", .signal.name())]
    Interrupted { signal: Signal, state: &'static str },
}

impl GatewayError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            GatewayError::Connect(c) => cluster_kind(c),
            GatewayError::Interrupted { signal, .. } => ErrorKind::Interrupted(*signal),
            GatewayError::Plan(_)
            | GatewayError::NotInstalled
            | GatewayError::Read(_)
            | GatewayError::NoProxyContainer
            | GatewayError::NoTag { .. }
            | GatewayError::Restart(_)
            | GatewayError::SwitchImage { .. }
            | GatewayError::Rollout { .. } => ErrorKind::Failed,
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
    events: &dyn Events,
    state: &'static str,
) -> Result<(), GatewayError> {
    let step = events.long_step(format!("rollout of Deployment {ISTIO_NAMESPACE}/{GATEWAY}"));
    tokio::select! {
        r = workloads::wait_rollout(cluster, ISTIO_NAMESPACE, GATEWAY, deadline) => match r {
            Ok(()) => {
                step.ok("new pods ready, old pods gone");
                Ok(())
            }
            Err(source) => {
                step.fail("not complete");
                Err(GatewayError::Rollout { cause: source })
            }
        },
        sig = signal::interrupted() => {
            step.fail("interrupted");
            Err(GatewayError::Interrupted { signal: sig, state })
        }
    }
}

pub async fn restart(
    req: &RestartRequest,
    events: &dyn Events,
) -> Result<RestartSummary, GatewayError> {
    let started = Instant::now();
    let deadline = started + req.timeout;
    let cluster = crate::ops::connect(&req.target, events)
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
            patch_yaml(&workloads::restart_patch(&at))?
        );
        return Ok(RestartSummary {
            stdout: plan,
            old_pods,
            dry_run: true,
            elapsed: started.elapsed(),
            ..Default::default()
        });
    }
    let step = events.step(format!(
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
            events,
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

pub async fn debug(req: &DebugRequest, events: &dyn Events) -> Result<DebugSummary, GatewayError> {
    let deadline = Instant::now() + req.timeout;
    let cluster = crate::ops::connect(&req.target, events)
        .await
        .map_err(GatewayError::Connect)?;
    let d = read_gateway(&cluster).await?;
    let current = proxy_image(&d).ok_or(GatewayError::NoProxyContainer)?;
    let recorded = annotation(&d);
    let (to, note) = debug_target(&cluster, req.enable, &current, recorded.clone()).await?;
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
        summary.stdout = if changes {
            format!(
                "# kyma-mesh gateway debug {} --dry-run: nothing was changed.\n\
                 # Deployment {ISTIO_NAMESPACE}/{GATEWAY}, container {GATEWAY_CONTAINER}: {current} -> {to}\n\
                 # Strategic merge patch:\n{}",
                if req.enable { "enable" } else { "disable" },
                patch_yaml(&image_patch(&to, note.as_deref()))?
            )
        } else {
            format!("# nothing to change: the gateway runs {current}\n")
        };
        return Ok(summary);
    }
    if changes {
        switch_image(&cluster, (&current, &to), note.as_deref(), events).await?;
        if image_changes && req.wait {
            wait_rollout(
                &cluster,
                deadline,
                events,
                "while waiting for the rollout: the image was switched and the Deployment completes the rollout on its own.",
            )
            .await?;
        }
    } else {
        events.note(
            Mark::Ok,
            &format!("the gateway already runs {current}: nothing to change"),
        );
    }
    if req.enable {
        summary.stdout = investigation_of(&cluster, &req.target, &to).await?;
    }
    Ok(summary)
}

/// The image the gateway gets and the annotation it carries afterwards (the image to go back
/// to, while the debug image runs).
async fn debug_target(
    cluster: &Cluster,
    enable: bool,
    current: &str,
    recorded: Option<String>,
) -> Result<(String, Option<String>), GatewayError> {
    let no_tag = || GatewayError::NoTag {
        image: current.to_string(),
    };
    if enable {
        if is_debug_image(current) {
            return Ok((current.to_string(), recorded));
        }
        let to = debug_image(current).ok_or_else(no_tag)?;
        return Ok((to, Some(current.to_string())));
    }
    if !is_debug_image(current) {
        return Ok((current.to_string(), None));
    }
    if let Some(original) = recorded.filter(|o| !is_debug_image(o)) {
        return Ok((original, None));
    }
    let distroless = istiod_is_distroless(cluster).await?;
    let to = non_debug_image(current, distroless).ok_or_else(no_tag)?;
    Ok((to, None))
}

async fn switch_image(
    cluster: &Cluster,
    (current, to): (&str, &str),
    note: Option<&str>,
    events: &dyn Events,
) -> Result<(), GatewayError> {
    let step = events.step(format!(
        "{GATEWAY_CONTAINER} image of Deployment {ISTIO_NAMESPACE}/{GATEWAY}"
    ));
    let patch = image_patch(to, note);
    if let Err(source) = strategic_patch(cluster, &patch).await {
        step.fail("failed");
        return Err(GatewayError::SwitchImage {
            image: to.to_string(),
            cause: source,
        });
    }
    step.ok(&if current != to {
        format!("{current} -> {to}")
    } else {
        "annotation updated".into()
    });
    Ok(())
}

/// The investigation commands for the pod that runs the debug image (Kyma's troubleshooting
/// guide's), on stdout.
async fn investigation_of(
    cluster: &Cluster,
    target: &Target,
    to: &str,
) -> Result<String, GatewayError> {
    let d = read_gateway(cluster).await?;
    let pods = workloads::deployment_pods(cluster, &d)
        .await
        .map_err(GatewayError::Read)?;
    let pod = pods
        .iter()
        .find(|p| proxy_image_of_pod(p).as_deref() == Some(to))
        .or(pods.first());
    let service = cluster
        .get_opt(&SERVICE, Some(ISTIO_NAMESPACE), GATEWAY)
        .await
        .map_err(GatewayError::Read)?
        .map(|s| serde_json::to_value(s).unwrap_or_default());
    Ok(investigation(
        target,
        pod.map(|p| p.metadata.name.as_str()),
        pod.is_some_and(|p| has_container(p, "ingress-sds")),
        service.as_ref(),
    ))
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

/// The troubleshooting guide's investigation steps as commands to paste, with the pod name and the user's
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
        "# The ingress gateway runs the debug image. The investigation of Kyma's troubleshooting guide, for pod {pod}:\n#\n"
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
            "#    (the guide's ingress-sds container is gone since Istio 1.7: SDS runs in istio-proxy)\n",
        );
        s.push_str(&format!(
            "{kubectl} logs -n {ns} {pod} -c {GATEWAY_CONTAINER} | grep -iE 'sds|secret|cert'\n#\n"
        ));
    }
    s.push_str(&format!(
        "# 3. The certificate Secrets must exist in {ns} and hold a proper certificate and key:\n"
    ));
    for secret in GATEWAY_SECRETS {
        s.push_str(&format!("{kubectl} get secrets -n {ns} {secret} -oyaml\n"));
    }
    s.push_str(
        "#\n# When done, switch back to the distroless image:\nkyma-mesh gateway debug disable\n",
    );
    s
}

/// A patch as the dry run shows it.
fn patch_yaml(patch: &serde_json::Value) -> Result<String, OutputError> {
    crate::util::serialize::to_yaml(patch).map_err(|cause| OutputError::Yaml {
        what: "patch",
        cause,
    })
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
