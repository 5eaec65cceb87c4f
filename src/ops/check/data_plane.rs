//! data-plane: "Incompatible Istio sidecar version after Kyma upgrade" of Kyma's Service Mesh
//! troubleshooting guide. Sidecars on another version than the control plane, counted by
//! version, and the pods proxy-reset cannot restart.

use crate::cluster::image_tag;
use crate::cluster::inventory::Pod;
use crate::names::{PROXY_IMAGE, SIDECAR_STATUS};
use crate::ops::checks::{BoxFuture, Category, Check, Finding};
use crate::version::strip_flavour;

use super::mtls::workload_of;
use super::pod_facts::{DETAIL, ManualPod, VersionPods};
use super::{Ctx, plural};

const VERSIONS: &str = "proxy-versions";

pub fn category() -> Category<Ctx> {
    Category {
        id: "data-plane",
        title: "Istio data plane",
        checks: vec![
            Check::new(
                VERSIONS,
                "sidecars run the control plane's version",
                versions,
            )
            .needs(&["istiod"]),
            Check::new(
                "manual-restarts",
                "outdated pods can be restarted automatically",
                manual_restarts,
            )
            .needs(&["istiod"]),
            Check::new(
                "stuck-pods",
                "no pods stuck in Pending, Failed or Unknown in meshed namespaces",
                stuck_pods,
            )
            .needs(&[super::API_REACHABLE]),
        ],
    }
}

fn stuck_pods<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(super::stuck::check(c))
}

/// A sidecar's version: its image tag without the flavour. Pods with a custom proxy image
/// (`sidecar.istio.io/proxyImage`) are not compared.
pub(super) fn proxy_version(p: &Pod) -> Option<String> {
    // Injected pods only: a gateway's istio-proxy is the gateway, upgraded by install.
    if !p.annotations.contains_key(SIDECAR_STATUS) || p.annotations.contains_key(PROXY_IMAGE) {
        return None;
    }
    let tag = image_tag(p.proxy_image.as_deref()?)?;
    Some(strip_flavour(&tag).to_string())
}

/// The injected pods on another version than istiod's: (istiod's version, all sidecars, the
/// other versions with their pods).
async fn outdated(c: &mut Ctx) -> Result<(String, usize, Vec<(String, VersionPods)>), String> {
    let target = c.istio_version().await?.unwrap_or_default();
    let pods = c.pods().await?;
    let total = pods.versions.values().map(|v| v.count).sum();
    let old = pods
        .versions
        .iter()
        .filter(|(v, _)| **v != target)
        .map(|(v, p)| (v.clone(), p.clone()))
        .collect();
    Ok((target, total, old))
}

fn versions<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let (target, total, old) = match outdated(c).await {
            Ok(x) => x,
            Err(e) => return Finding::error(e),
        };
        if old.is_empty() {
            return Finding::ok(format!(
                "{} on {target}",
                plural(total, "sidecar", "sidecars")
            ));
        }
        let count: usize = old.iter().map(|(_, p)| p.count).sum();
        let detail = old.iter().map(|(v, pods)| {
            let shown = pods.examples.lines().join(", ");
            format!("{v}: {} ({shown})", plural(pods.count, "pod", "pods"))
        });
        Finding::warning(format!(
            "{} of {total} run another version than istiod {target}: mesh connectivity may break",
            plural(count, "sidecar", "sidecars")
        ))
        .detail(detail.collect::<Vec<_>>())
        .hint("kyma-mesh proxy-reset")
    })
}

/// Owners proxy-reset restarts by itself (design: "Owner -> action").
pub(super) fn restartable(p: &Pod) -> bool {
    matches!(
        p.owner.as_ref().map(|(k, _)| k.as_str()),
        Some("ReplicaSet" | "StatefulSet" | "DaemonSet" | "ReplicationController")
    )
}

/// An outdated pod that must be restarted by hand, as the check's detail names it.
pub(super) fn manual_line(p: &Pod) -> String {
    match &p.owner {
        Some((kind, _)) if kind == "Job" => format!(
            "{} ({}): let it finish, or delete the pod",
            p.id(),
            workload_of(p)
        ),
        None => format!("{}: a bare pod, not recreated when deleted", p.id()),
        Some(_) => format!("{} ({}): unknown owner", p.id(), workload_of(p)),
    }
}

fn manual_restarts<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let (_, _, old) = match outdated(c).await {
            Ok(x) => x,
            Err(e) => return Finding::error(e),
        };
        // Each version kept its first ten in scan order: merged, the first ten of all.
        let mut manual: Vec<&ManualPod> = old.iter().flat_map(|(_, p)| &p.manual.first).collect();
        manual.sort_by_key(|m| m.seq);
        let count: usize = old.iter().map(|(_, p)| p.manual.count).sum();
        let Some(first) = manual.first() else {
            let outdated: usize = old.iter().map(|(_, p)| p.count).sum();
            return Finding::ok(if outdated == 0 {
                "no outdated pods".to_string()
            } else {
                format!(
                    "all {} belong to workloads proxy-reset restarts",
                    plural(outdated, "outdated pod", "outdated pods")
                )
            });
        };
        let mut detail: Vec<String> = manual.iter().take(DETAIL).map(|m| m.line.clone()).collect();
        if count > DETAIL {
            detail.push(format!("... and {} more", count - DETAIL));
        }
        Finding::warning(format!(
            "{} must be restarted by hand",
            plural(count, "outdated pod", "outdated pods")
        ))
        .detail(detail)
        .hint(format!(
            "delete it and create it again from its own manifest (not from kubectl get -o yaml, which keeps the old sidecar):\nkubectl -n {} delete pod {}",
            first.namespace, first.name
        ))
    })
}
