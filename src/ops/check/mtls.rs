//! mtls: "Connection refused errors" of Kyma's Service Mesh troubleshooting guide. Mesh-wide
//! STRICT mTLS, the API server's DestinationRule, and the pods that cannot take part (no
//! sidecar in a meshed namespace), with the guide's two remedies as YAML to apply.

use serde_json::Value;

use crate::cluster::FIELD_MANAGER;
use crate::cluster::inventory::Pod;
use crate::cluster::kinds::{DESTINATION_RULE, PEER_AUTHENTICATION};
use crate::kyma::EXCLUDED_NAMESPACES;
use crate::names::{APP_LABEL, APP_NAME_LABEL, ISTIO_NAMESPACE};
use crate::ops::checks::{BoxFuture, Category, Check, Finding};

use super::{Ctx, ISTIO_NS, capped, namespace_injected, plural};

const REAPPLY: &str = "kyma-mesh upgrade (re-applies Kyma's configuration)";

pub fn category() -> Category<Ctx> {
    Category {
        id: "mtls",
        title: "mutual TLS",
        checks: vec![
            Check::new("mtls-strict", "mesh-wide mTLS is STRICT", strict).needs(&[ISTIO_NS]),
            Check::new(
                "api-server-rule",
                "the API server is reached without mTLS",
                api_server_rule,
            )
            .needs(&[ISTIO_NS]),
            Check::new(
                "pods-outside-mesh",
                "no pods without a sidecar in meshed namespaces",
                outside_mesh,
            )
            .needs(&[ISTIO_NS]),
        ],
    }
}

/// Who last wrote `spec.mtls.mode`, from `managedFields` (`kubectl-edit (Update at ...)`).
fn mode_writers(obj: &Value) -> Vec<String> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| !m["fieldsV1"]["f:spec"]["f:mtls"]["f:mode"].is_null())
        .filter(|m| m["manager"] != FIELD_MANAGER)
        .map(|m| {
            let who = m["manager"].as_str().unwrap_or("?");
            match m["time"].as_str() {
                Some(t) => format!(
                    "{who} ({} at {t})",
                    m["operation"].as_str().unwrap_or("write")
                ),
                None => who.to_string(),
            }
        })
        .collect()
}

fn strict<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let pa = match c
            .get(&PEER_AUTHENTICATION, Some(ISTIO_NAMESPACE), "default")
            .await
        {
            Ok(Some(pa)) => pa,
            Ok(None) => {
                return Finding::error(
                    "PeerAuthentication istio-system/default does not exist: mTLS is only opportunistic",
                )
                .hint(REAPPLY);
            }
            Err(e) => return Finding::error(e),
        };
        // Narrower PeerAuthentications are the troubleshooting guide's remedy; list them so nobody is surprised.
        let others: Vec<String> = c
            .list(&PEER_AUTHENTICATION)
            .await
            .unwrap_or_default()
            .iter()
            .filter(|p| {
                !(p["metadata"]["namespace"] == ISTIO_NAMESPACE
                    && p["metadata"]["name"] == "default")
            })
            .filter_map(|p| {
                let mode = p["spec"]["mtls"]["mode"].as_str()?;
                (mode != "STRICT").then(|| {
                    format!(
                        "PeerAuthentication {}/{} sets {mode}",
                        p["metadata"]["namespace"].as_str().unwrap_or_default(),
                        p["metadata"]["name"].as_str().unwrap_or_default()
                    )
                })
            })
            .collect();
        let mode = pa["spec"]["mtls"]["mode"].as_str().unwrap_or("UNSET");
        if mode == "STRICT" {
            return Finding::ok("").detail(capped(others, 10));
        }
        let writers = mode_writers(&pa);
        let by = if writers.is_empty() {
            String::new()
        } else {
            format!(", set by {}", writers.join(", "))
        };
        let mut detail = vec![format!(
            "PeerAuthentication istio-system/default has mtls.mode {mode}{by}; Kyma sets STRICT"
        )];
        detail.extend(others);
        Finding::warning(format!("{mode}: plain-text traffic is accepted"))
            .detail(capped(detail, 10))
            .hint(REAPPLY)
    })
}

fn api_server_rule<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let dr = match c
            .get(&DESTINATION_RULE, Some(ISTIO_NAMESPACE), "api-server")
            .await
        {
            Ok(Some(d)) => d,
            Ok(None) => {
                return Finding::error(
                    "DestinationRule istio-system/api-server does not exist: meshed pods cannot reach the Kubernetes API",
                )
                .hint(REAPPLY);
            }
            Err(e) => return Finding::error(e),
        };
        let host = dr["spec"]["host"].as_str().unwrap_or_default();
        let mode = dr["spec"]["trafficPolicy"]["tls"]["mode"]
            .as_str()
            .unwrap_or("unset");
        if host == "kubernetes.default.svc.cluster.local" && mode == "DISABLE" {
            Finding::ok("")
        } else {
            Finding::error(format!(
                "DestinationRule istio-system/api-server has host {host:?} and tls.mode {mode}; Kyma sets kubernetes.default.svc.cluster.local and DISABLE"
            ))
            .hint(REAPPLY)
        }
    })
}

/// The Deployment (or other owner) a pod belongs to, for messages: a ReplicaSet's name less its
/// template hash.
pub fn workload_of(pod: &Pod) -> String {
    match &pod.owner {
        Some((kind, name)) if kind == "ReplicaSet" => {
            let base = name.rsplit_once('-').map(|(b, _)| b).unwrap_or(name);
            format!("Deployment {}/{base}", pod.namespace)
        }
        Some((kind, name)) => format!("{kind} {}/{name}", pod.namespace),
        None => format!("Pod {}/{}", pod.namespace, pod.name),
    }
}

/// The troubleshooting guide's two remedies ("Connection refused errors"), for one sidecar-less workload, as YAML to apply.
fn remedies(pod: &Pod) -> String {
    let ns = &pod.namespace;
    let app = pod
        .labels
        .get(APP_LABEL)
        .or(pod.labels.get(APP_NAME_LABEL))
        .cloned()
        .unwrap_or_else(|| "SERVICE".into());
    format!(
        "either give it a sidecar (remove its sidecar.istio.io/inject: \"false\" and restart it),\n\
         or let meshed clients call it without mTLS (a DestinationRule with TLS disabled):\n\
         kubectl apply -f - <<EOF\n\
         apiVersion: networking.istio.io/v1\n\
         kind: DestinationRule\n\
         metadata:\n\
         \x20 name: {app}-no-mtls\n\
         \x20 namespace: {ns}\n\
         spec:\n\
         \x20 host: {app}.{ns}.svc.cluster.local\n\
         \x20 trafficPolicy:\n\
         \x20   tls:\n\
         \x20     mode: DISABLE\n\
         EOF\n\
         or let it call a meshed service (a PERMISSIVE PeerAuthentication for that service):\n\
         kubectl apply -f - <<EOF\n\
         apiVersion: security.istio.io/v1\n\
         kind: PeerAuthentication\n\
         metadata:\n\
         \x20 name: accept-plain-text\n\
         \x20 namespace: {ns}\n\
         spec:\n\
         \x20 selector:\n\
         \x20   matchLabels:\n\
         \x20     app: SERVER-APP\n\
         \x20 mtls:\n\
         \x20   mode: PERMISSIVE\n\
         EOF"
    )
}

fn outside_mesh<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let by_default = c.injection_by_default().await;
        let (pods, namespaces) = match (c.pods().await, c.namespaces().await) {
            (Ok(p), Ok(n)) => (p, n),
            (Err(e), _) | (_, Err(e)) => return Finding::error(e),
        };
        let meshed = namespaces
            .iter()
            .filter(|n| !EXCLUDED_NAMESPACES.contains(&n.name.as_str()))
            .filter(|n| namespace_injected(n, by_default).0)
            .count();
        // Pods that opted out on purpose: they cannot talk to STRICT services, nor those to them.
        let outside = &pods.outside;
        let Some(first) = &outside.first else {
            return Finding::ok(format!(
                "{} meshed",
                plural(meshed, "namespace", "namespaces")
            ));
        };
        Finding::warning(format!(
            "{} without a sidecar in meshed namespaces: with STRICT mTLS, connections between {} and meshed pods are reset",
            plural(outside.count, "pod", "pods"),
            if outside.count == 1 { "it" } else { "them" },
        ))
        .detail(outside.workloads.lines())
        .hint(format!("for {}: {}", workload_of(first), remedies(first)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_who_set_the_mode() {
        let pa = json!({"metadata": {"managedFields": [
            {"manager": "kyma-mesh", "operation": "Apply", "fieldsV1": {"f:spec": {"f:mtls": {"f:mode": {}}}}},
            {"manager": "kubectl-edit", "operation": "Update", "time": "2026-01-02T03:04:05Z",
             "fieldsV1": {"f:spec": {"f:mtls": {"f:mode": {}}}}},
            {"manager": "other", "fieldsV1": {"f:metadata": {}}}
        ]}});
        assert_eq!(
            mode_writers(&pa),
            ["kubectl-edit (Update at 2026-01-02T03:04:05Z)"]
        );
    }

    #[test]
    fn remedies_are_yaml() {
        let pod = Pod {
            namespace: "shop".into(),
            name: "legacy-abc-1".into(),
            labels: [("app".to_string(), "legacy".to_string())].into(),
            annotations: Default::default(),
            revision: None,
            owner: Some(("ReplicaSet".into(), "legacy-abc".into())),
            proxy_image: None,
            running: true,
            ready: true,
            deleting: false,
            host_network: false,
        };
        assert_eq!(workload_of(&pod), "Deployment shop/legacy");
        let text = remedies(&pod);
        let docs: Vec<&str> = text
            .split("<<EOF\n")
            .skip(1)
            .map(|d| d.split("EOF").next().unwrap())
            .collect();
        assert_eq!(docs.len(), 2);
        let dr: Value = serde_saphyr::from_str(docs[0]).unwrap();
        assert_eq!(dr["spec"]["host"], "legacy.shop.svc.cluster.local");
        assert_eq!(dr["spec"]["trafficPolicy"]["tls"]["mode"], "DISABLE");
        let pa: Value = serde_saphyr::from_str(docs[1]).unwrap();
        assert_eq!(pa["spec"]["mtls"]["mode"], "PERMISSIVE");
        assert_eq!(pa["metadata"]["namespace"], "shop");
    }
}
