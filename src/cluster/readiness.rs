//! Readiness: wait until a Deployment is available, and say why it is not when time runs out.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::runtime::wait::await_condition;
use tokio::time::Instant;

use super::{Cluster, ClusterError, Listing};

/// Available: the controller has seen the latest spec, and every desired replica is updated
/// and available. (kube's `is_deployment_completed` needs the Progressing condition's reason,
/// which istiod's HPA-driven rollouts do not always set.)
pub fn is_available(d: Option<&Deployment>) -> bool {
    let Some(d) = d else { return false };
    let Some(status) = &d.status else {
        return false;
    };
    let want = d.spec.replicas.unwrap_or(1);
    let generation = d.metadata.generation.unwrap_or(0);
    status.observed_generation.unwrap_or(0) >= generation
        && status.updated_replicas.unwrap_or(0) >= want
        && status.available_replicas.unwrap_or(0) >= want
}

/// Waits for `namespace/name` to be available until `deadline`.
pub async fn wait_available(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    deadline: Instant,
) -> Result<(), ClusterError> {
    wait_deployment(cluster, namespace, name, is_available, "", deadline).await
}

/// Waits until `condition` holds for Deployment `namespace/name` (kube-runtime's
/// `await_condition`); on timeout says which pods hold it up. `what` prefixes the object in
/// messages (`the rollout of `).
pub async fn wait_deployment(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    condition: fn(Option<&Deployment>) -> bool,
    what: &str,
    deadline: Instant,
) -> Result<(), ClusterError> {
    let api: Api<Deployment> = Api::namespaced(cluster.client.clone(), namespace);
    let wait = await_condition(api.clone(), name, condition);
    let what = format!("{what}Deployment {namespace}/{name}");
    match tokio::time::timeout_at(deadline, wait).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(ClusterError::Watch { what, error }),
        Err(_) => Err(ClusterError::NotAvailable {
            what,
            why: why_not_ready(cluster, &api, namespace, name).await,
        }),
    }
}

/// Waits until every pod matching `selector` is ready and its `container` runs `version`
/// (flavour suffix ignored); returns how many there are. Polled: a pod list is one request,
/// and the condition spans pods, which kube-runtime's single-object waiters do not cover.
pub async fn wait_pods_on_version(
    cluster: &Cluster,
    namespace: &str,
    selector: &str,
    container: &str,
    version: &str,
    deadline: Instant,
) -> Result<usize, ClusterError> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), namespace);
    let what = format!("pods {selector} in {namespace}");
    loop {
        let list = pods
            .list(&ListParams::default().labels(selector))
            .await
            .map_err(|error| ClusterError::List {
                listing: Listing::of(&super::kinds::POD, Some(namespace)).selected(selector),
                error: Box::new(error),
            })?;
        let mut behind = Vec::new();
        for pod in &list.items {
            let name = pod.metadata.name.as_deref().unwrap_or("?");
            let tag = pod
                .spec
                .as_ref()
                .and_then(|s| s.containers.iter().find(|c| c.name == container))
                .and_then(|c| c.image.as_deref())
                .and_then(super::image_tag)
                .map(|t| super::strip_flavour(&t).to_string())
                .unwrap_or_default();
            if pod.metadata.deletion_timestamp.is_some() {
                if tag != version {
                    continue; // an old pod on its way out
                }
            } else if tag != version {
                behind.push(format!("pod {name} runs {tag}"));
            } else if let Some(problem) = pod_problem(pod) {
                behind.push(format!("pod {name}: {problem}"));
            }
        }
        let current = list
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .count();
        if behind.is_empty() && current > 0 {
            return Ok(current);
        }
        if Instant::now() >= deadline {
            let why = if current == 0 {
                "no pods".to_string()
            } else {
                behind.join("; ")
            };
            return Err(ClusterError::NotAvailable {
                what: format!("{what} on {version}"),
                why,
            });
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Names the pods that are not ready and why (waiting reasons, failing conditions).
pub(super) async fn why_not_ready(
    cluster: &Cluster,
    api: &Api<Deployment>,
    namespace: &str,
    name: &str,
) -> String {
    let deployment = match api.get_opt(name).await {
        Ok(Some(d)) => d,
        Ok(None) => return "it does not exist".into(),
        Err(e) => return format!("it cannot be read ({})", super::describe_kube_error(&e)),
    };
    let selector = deployment
        .spec
        .selector
        .match_labels
        .as_ref()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), namespace);
    let list = match pods.list(&ListParams::default().labels(&selector)).await {
        Ok(l) => l.items,
        Err(e) => {
            return format!(
                "its pods cannot be listed ({})",
                super::describe_kube_error(&e)
            );
        }
    };
    if list.is_empty() {
        return format!("no pods match {selector}");
    }
    let mut reasons = Vec::new();
    for pod in &list {
        if let Some(r) = pod_problem(pod) {
            reasons.push(format!(
                "pod {}: {r}",
                pod.metadata.name.as_deref().unwrap_or("?")
            ));
        }
    }
    if reasons.is_empty() {
        "its pods are ready, but the Deployment does not report them available yet".into()
    } else {
        reasons.join("; ")
    }
}

/// Why a pod is not ready, if it is not.
pub fn pod_problem(pod: &Pod) -> Option<String> {
    let status = pod.status.as_ref()?;
    let ready = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    if ready {
        return None;
    }
    let waiting: Vec<String> = status
        .container_statuses
        .iter()
        .flatten()
        .filter_map(|c| {
            let w = c.state.as_ref()?.waiting.as_ref()?;
            Some(format!(
                "container {} waiting: {}{}",
                c.name,
                w.reason.as_deref().unwrap_or("unknown reason"),
                w.message
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ))
        })
        .collect();
    if !waiting.is_empty() {
        return Some(waiting.join(", "));
    }
    Some(format!(
        "phase {}, not ready",
        status.phase.as_deref().unwrap_or("Unknown")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readiness_wait_names_the_pods_that_are_not_ready() {
        let c = testkit::KubeSim::builder().start().unwrap();
        c.set_new_pods_ready(false);
        c.put(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}),
        )
        .unwrap();
        c.put(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "istiod", "namespace": "istio-system"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "istiod"}},
                     "template": {"metadata": {"labels": {"app": "istiod"}},
                                  "spec": {"containers": [{"name": "discovery", "image": "docker.io/istio/pilot:1.28.0"}]}}},
        })).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = rt.block_on(async {
            let kube = crate::cluster::Cluster::connect(
                Some(c.kubeconfig_path()),
                None,
                crate::cluster::retry::Log::silent(),
            )
            .await
            .unwrap();
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(800);
            wait_available(&kube, "istio-system", "istiod", deadline)
                .await
                .unwrap_err()
        });
        let msg = err.to_string();
        assert!(
            msg.contains("Deployment istio-system/istiod is not available in time"),
            "{msg}"
        );
        assert!(msg.contains("pod istiod-"), "names the pod: {msg}");
    }
}
