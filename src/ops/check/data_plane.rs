//! data-plane: "Incompatible Istio sidecar version after Kyma upgrade" of Kyma's Service Mesh
//! troubleshooting guide. Sidecars on another version than the control plane, counted by
//! version, and the pods proxy-reset cannot restart.

use std::collections::BTreeMap;

use crate::cluster::image_tag;
use crate::cluster::inventory::Pod;
use crate::names::{PROXY_IMAGE, SIDECAR_STATUS};
use crate::ops::checks::{BoxFuture, Category, Check, Finding};
use crate::version::strip_flavour;

use super::mtls::workload_of;
use super::{Ctx, capped, plural};

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
fn proxy_version(p: &Pod) -> Option<String> {
    // Injected pods only: a gateway's istio-proxy is the gateway, upgraded by install.
    if !p.annotations.contains_key(SIDECAR_STATUS) || p.annotations.contains_key(PROXY_IMAGE) {
        return None;
    }
    let tag = image_tag(p.proxy_image.as_deref()?)?;
    Some(strip_flavour(&tag).to_string())
}

async fn outdated(c: &mut Ctx) -> Result<(String, usize, Vec<(Pod, String)>), String> {
    let target = c.istio_version().await?.unwrap_or_default();
    let pods = c.pods().await?;
    let mut total = 0;
    let mut out = Vec::new();
    for p in pods.iter().filter(|p| !p.deleting) {
        let Some(v) = proxy_version(p) else { continue };
        total += 1;
        if v != target {
            out.push((p.clone(), v));
        }
    }
    Ok((target, total, out))
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
        let mut by_version: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (p, v) in &old {
            by_version.entry(v).or_default().push(p.id());
        }
        let detail = by_version.iter().map(|(v, pods)| {
            let shown = capped(pods.iter().cloned(), 3).join(", ");
            format!("{v}: {} ({shown})", plural(pods.len(), "pod", "pods"))
        });
        Finding::warning(format!(
            "{} of {total} run another version than istiod {target}: mesh connectivity may break",
            plural(old.len(), "sidecar", "sidecars")
        ))
        .detail(detail.collect::<Vec<_>>())
        .hint("kyma-mesh proxy-reset")
    })
}

/// Owners proxy-reset restarts by itself (design: "Owner -> action").
fn restartable(p: &Pod) -> bool {
    matches!(
        p.owner.as_ref().map(|(k, _)| k.as_str()),
        Some("ReplicaSet" | "StatefulSet" | "DaemonSet" | "ReplicationController")
    )
}

fn manual_restarts<'a>(c: &'a mut Ctx) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let (_, _, old) = match outdated(c).await {
            Ok(x) => x,
            Err(e) => return Finding::error(e),
        };
        let manual: Vec<&Pod> = old
            .iter()
            .map(|(p, _)| p)
            .filter(|p| !restartable(p))
            .collect();
        if manual.is_empty() {
            return Finding::ok(if old.is_empty() {
                "no outdated pods".to_string()
            } else {
                format!(
                    "all {} belong to workloads proxy-reset restarts",
                    plural(old.len(), "outdated pod", "outdated pods")
                )
            });
        }
        let detail = manual.iter().map(|p| match &p.owner {
            Some((kind, _)) if kind == "Job" => format!(
                "{} ({}): let it finish, or delete the pod",
                p.id(),
                workload_of(p)
            ),
            None => format!("{}: a bare pod, not recreated when deleted", p.id()),
            Some(_) => format!("{} ({}): unknown owner", p.id(), workload_of(p)),
        });
        let first = manual[0];
        Finding::warning(format!(
            "{} must be restarted by hand",
            plural(manual.len(), "outdated pod", "outdated pods")
        ))
        .detail(capped(detail, 10))
        .hint(format!(
            "delete it and create it again from its own manifest (not from kubectl get -o yaml, which keeps the old sidecar):\nkubectl -n {} delete pod {}",
            first.namespace, first.name
        ))
    })
}
