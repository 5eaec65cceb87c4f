//! stuck-pods: "Pods stuck in Pending/Failed/Unknown state after upgrade" of Kyma's Service Mesh
//! troubleshooting guide. Pods in meshed namespaces that have been Pending, Failed or Unknown
//! for longer than `--stuck-after`, each with its owner and the reason as `kubectl describe`
//! would show it, and a hint per reason: the proxy image cannot be pulled, the `istio-init` or
//! `istio-validation` init container fails, or the controller cannot create pods at all because
//! the sidecar injector's webhook times out (its `FailedCreate` events).

use std::collections::BTreeMap;

use serde_json::json;

use crate::cluster::inventory::{self, ContainerStatus, FailedCreate, NotRunning};
use crate::ops::checks::Finding;

use super::{Ctx, capped, namespace_injected, plural};

/// Why a pod is stuck, most specific first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// The sidecar's image (or its init container's, the same proxyv2 image) cannot be pulled.
    ProxyImagePull { container: String, image: String },
    /// `istio-init` (iptables, needs NET_ADMIN and NET_RAW) fails.
    IstioInit,
    /// `istio-validation` (the CNI plugin's redirection is missing on the node) fails.
    IstioValidation,
    /// Not placed on a node; the scheduler's words.
    Unschedulable(String),
    /// Anything else: the pod's own reason or a container's.
    Other(String),
}

impl Reason {
    fn id(&self) -> &'static str {
        match self {
            Reason::ProxyImagePull { .. } => "proxy-image-pull",
            Reason::IstioInit => "istio-init",
            Reason::IstioValidation => "istio-validation",
            Reason::Unschedulable(_) => "unschedulable",
            Reason::Other(_) => "other",
        }
    }

    /// Whether the mesh is the cause (an error) or the workload (a warning).
    fn mesh(&self) -> bool {
        matches!(
            self,
            Reason::ProxyImagePull { .. } | Reason::IstioInit | Reason::IstioValidation
        )
    }

    fn said(&self) -> String {
        match self {
            Reason::ProxyImagePull { container, image } => {
                format!("the proxy image {image} cannot be pulled (container {container})")
            }
            Reason::IstioInit => "init container istio-init fails".into(),
            Reason::IstioValidation => "init container istio-validation fails".into(),
            Reason::Unschedulable(m) => format!("not scheduled: {m}"),
            Reason::Other(m) => m.clone(),
        }
    }

    fn hint(&self) -> &'static str {
        match self {
            Reason::ProxyImagePull { .. } => {
                "the nodes cannot pull Istio's proxy image: check that its registry is reachable \
                 from the nodes and the image exists (the hub and tag come from the configuration \
                 kyma-mesh render shows), then delete the pod so its owner creates it again"
            }
            Reason::IstioInit => {
                "istio-init sets up the traffic redirection with iptables and needs the NET_ADMIN \
                 and NET_RAW capabilities: allow them for the workload, or use the Istio CNI \
                 plugin (Kyma's default); its log says more: kubectl logs POD -c istio-init"
            }
            Reason::IstioValidation => {
                "the Istio CNI plugin has not set up the traffic redirection on the pod's node: \
                 check the istio-cni-node pod there (kubectl get pods -A -l k8s-app=istio-cni-node \
                 -o wide), then delete the stuck pod so it is created again"
            }
            Reason::Unschedulable(_) => {
                "no node fits the pod (resources, taints, affinity): kubectl describe pod says \
                 which; a sidecar adds its own requests"
            }
            Reason::Other(_) => "kubectl describe pod says why",
        }
    }
}

/// One stuck pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Stuck {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    /// Seconds in this phase (since creation for Pending, since Ready changed otherwise).
    pub for_secs: i64,
    pub owner: Option<(String, String)>,
    pub reason: Reason,
}

const IMAGE_PULL: [&str; 3] = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"];
const ISTIO_CONTAINERS: [&str; 3] = ["istio-proxy", "istio-init", "istio-validation"];

fn secs(ts: Option<&str>) -> Option<i64> {
    ts?.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

fn waiting_reason(c: &ContainerStatus) -> Option<&str> {
    c.state.waiting.as_ref()?.reason.as_deref()
}

/// An init container that failed: waiting in CrashLoopBackOff after a failed run, or ended
/// with a non-zero exit code.
fn init_failed(c: &ContainerStatus) -> bool {
    let failed = |s: &crate::cluster::inventory::ContainerState| {
        s.terminated
            .as_ref()
            .is_some_and(|t| t.exit_code.unwrap_or(0) != 0)
    };
    failed(&c.state)
        || failed(&c.last_state)
        || matches!(
            waiting_reason(c),
            Some("CrashLoopBackOff" | "RunContainerError")
        )
}

/// Why this pod is not running.
pub fn reason(p: &NotRunning) -> Reason {
    let s = &p.status;
    let all = s
        .init_container_statuses
        .iter()
        .chain(&s.container_statuses);
    for c in all.clone() {
        let istio = ISTIO_CONTAINERS.contains(&c.name.as_str()) || c.image.contains("/proxyv2");
        if istio && waiting_reason(c).is_some_and(|r| IMAGE_PULL.contains(&r)) {
            return Reason::ProxyImagePull {
                container: c.name.clone(),
                image: c.image.clone(),
            };
        }
    }
    for c in &s.init_container_statuses {
        if init_failed(c) {
            match c.name.as_str() {
                "istio-init" => return Reason::IstioInit,
                "istio-validation" => return Reason::IstioValidation,
                _ => {}
            }
        }
    }
    if let Some(c) = s
        .conditions
        .iter()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
    {
        return Reason::Unschedulable(
            c.message
                .clone()
                .or_else(|| c.reason.clone())
                .unwrap_or_else(|| "no reason given".into()),
        );
    }
    let container = all
        .filter_map(|c| Some((c, waiting_reason(c)?)))
        .map(|(c, r)| format!("container {}: {r}", c.name))
        .next();
    Reason::Other(
        s.reason
            .clone()
            .map(|r| match &s.message {
                Some(m) => format!("{r}: {m}"),
                None => r,
            })
            .or(container)
            .unwrap_or_else(|| format!("{} without a reason", s.phase)),
    )
}

/// The pods of `pods` in `meshed` namespaces stuck for at least `after` seconds at `now`.
/// Failed pods of Jobs are a Job's spent attempts, not stuck.
pub fn stuck(pods: &[NotRunning], meshed: &[String], now: i64, after: i64) -> Vec<Stuck> {
    let mut out: Vec<Stuck> = pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| meshed.contains(&p.metadata.namespace))
        .filter_map(|p| {
            let owner = p
                .metadata
                .owner_references
                .iter()
                .find(|o| o.controller != Some(false))
                .map(|o| (o.kind.clone(), o.name.clone()));
            let job = owner.as_ref().is_some_and(|(k, _)| k == "Job");
            if job && p.status.phase == "Failed" {
                return None;
            }
            let created = secs(p.metadata.creation_timestamp.as_deref())?;
            let since = match p.status.phase.as_str() {
                "Pending" => created,
                _ => p
                    .status
                    .conditions
                    .iter()
                    .find(|c| c.type_ == "Ready")
                    .and_then(|c| secs(c.last_transition_time.as_deref()))
                    .unwrap_or(created),
            };
            let for_secs = now - since;
            (for_secs >= after).then(|| Stuck {
                namespace: p.metadata.namespace.clone(),
                name: p.metadata.name.clone(),
                phase: p.status.phase.clone(),
                for_secs,
                owner,
                reason: reason(p),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.reason, &a.namespace, &a.name).cmp(&(&b.reason, &b.namespace, &b.name)));
    out
}

/// Controllers in meshed namespaces that cannot create pods because Istio's injector webhook
/// timed out or could not be reached: (kind, namespace/name, its message).
pub fn webhook_failures(
    events: &[FailedCreate],
    meshed: &[String],
) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = events
        .iter()
        .filter(|e| meshed.contains(&e.involved_object.namespace))
        .filter(|e| {
            let m = e.message.to_lowercase();
            m.contains("sidecar-injector.istio.io")
                && [
                    "deadline exceeded",
                    "timeout",
                    "timed out",
                    "connection refused",
                    "no endpoints available",
                ]
                .iter()
                .any(|p| m.contains(p))
        })
        .map(|e| {
            let o = &e.involved_object;
            (
                o.kind.clone(),
                format!("{}/{}", o.namespace, o.name),
                e.message.clone(),
            )
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    out
}

const WEBHOOK_HINT: &str = "the sidecar injector did not answer in time, so no pod of these \
     workloads is created: check istiod (kubectl -n istio-system get pods -l app=istiod) and \
     that the API server reaches it on port 15017; Kyma's tuning keeps the webhook's timeout at \
     10s (kyma-mesh check, control-plane section)";

fn human(secs: i64) -> String {
    crate::util::fmt_duration(std::time::Duration::from_secs(secs.max(0) as u64))
}

/// The check: every stuck pod with its owner and reason, a hint per reason, and the
/// controllers the injector's timeouts keep from creating pods.
pub async fn check(c: &mut Ctx) -> Finding {
    let by_default = c.injection_by_default().await;
    let meshed: Vec<String> = match c.namespaces().await {
        Ok(nss) => nss
            .iter()
            .filter(|ns| namespace_injected(ns, by_default).0)
            .map(|ns| ns.name.clone())
            .collect(),
        Err(e) => return Finding::error(e),
    };
    let pods = match inventory::not_running_pods(&c.cluster).await {
        Ok(p) => p,
        Err(e) => return Finding::error(e.to_string()),
    };
    let events = match inventory::failed_create_events(&c.cluster).await {
        Ok(e) => e,
        Err(e) => return Finding::error(e.to_string()),
    };
    let after = c.stuck_after.as_secs() as i64;
    let found = stuck(&pods, &meshed, c.now, after);
    let hooks = webhook_failures(&events, &meshed);
    if found.is_empty() && hooks.is_empty() {
        return Finding::ok(format!(
            "none Pending, Failed or Unknown for {} or more",
            human(after)
        ));
    }
    finding(&found, &hooks)
}

fn finding(found: &[Stuck], hooks: &[(String, String, String)]) -> Finding {
    let mut detail = Vec::new();
    let mut by_reason: BTreeMap<&'static str, Vec<&Stuck>> = BTreeMap::new();
    for s in found {
        by_reason.entry(s.reason.id()).or_default().push(s);
    }
    for group in by_reason.values() {
        let lines = group.iter().map(|s| {
            let owner = s
                .owner
                .as_ref()
                .map(|(k, n)| format!(" ({k} {n})"))
                .unwrap_or_else(|| " (no owner)".into());
            format!(
                "{}/{}{owner}: {} for {}: {}",
                s.namespace,
                s.name,
                s.phase,
                human(s.for_secs),
                s.reason.said()
            )
        });
        detail.extend(capped(lines, 10));
        detail.push(format!("  hint: {}", group[0].reason.hint()));
    }
    if !hooks.is_empty() {
        detail.extend(capped(
            hooks
                .iter()
                .map(|(k, n, m)| format!("{k} {n} cannot create pods: {m}")),
            10,
        ));
        detail.push(format!("  hint: {WEBHOOK_HINT}"));
    }
    let data = json!({
        "stuck_pods": found.iter().map(|s| json!({
            "namespace": s.namespace,
            "name": s.name,
            "phase": s.phase,
            "for_seconds": s.for_secs,
            "owner": s.owner.as_ref().map(|(k, n)| json!({"kind": k, "name": n})),
            "reason": s.reason.id(),
            "detail": s.reason.said(),
            "hint": s.reason.hint(),
        })).collect::<Vec<_>>(),
        "webhook_failures": hooks.iter().map(|(k, n, m)| json!({
            "kind": k, "object": n, "message": m, "reason": "injector-webhook", "hint": WEBHOOK_HINT,
        })).collect::<Vec<_>>(),
    });
    let mut parts = Vec::new();
    if !found.is_empty() {
        parts.push(format!(
            "{} stuck in Pending, Failed or Unknown",
            plural(found.len(), "pod", "pods")
        ));
    }
    if !hooks.is_empty() {
        parts.push(format!(
            "{} cannot create pods (the injector webhook timed out)",
            plural(hooks.len(), "workload", "workloads")
        ));
    }
    let message = parts.join("; ");
    let mesh = !hooks.is_empty() || found.iter().any(|s| s.reason.mesh());
    let f = if mesh {
        Finding::error(message)
    } else {
        Finding::warning(message)
    };
    f.detail(detail).data(data).hint(
        "fix the cause named under each group; pods stuck since an upgrade are also left out of \
         its restarts: kyma-mesh proxy-reset after the fix",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const NOW: i64 = 1_800_000_000;

    fn ts(ago: i64) -> String {
        jiff::Timestamp::from_second(NOW - ago).unwrap().to_string()
    }

    fn pod(phase: &str, age: i64, status: Value) -> NotRunning {
        let mut v = json!({
            "metadata": {"namespace": "shop", "name": "web-1", "creationTimestamp": ts(age),
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d9", "controller": true}]},
            "status": status
        });
        v["status"]["phase"] = phase.into();
        serde_json::from_value(v).unwrap()
    }

    fn one(p: NotRunning) -> Option<Stuck> {
        stuck(&[p], &["shop".into()], NOW, 600).into_iter().next()
    }

    #[test]
    fn each_reason_is_told_apart() {
        let pull = pod(
            "Pending",
            3600,
            json!({"initContainerStatuses": [{"name": "istio-init",
            "image": "europe-docker.pkg.dev/kyma-project/prod/external/istio/proxyv2:1.28.0-distroless",
            "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}),
        );
        assert!(
            matches!(one(pull).unwrap().reason, Reason::ProxyImagePull { ref container, .. } if container == "istio-init")
        );

        let init = pod(
            "Pending",
            3600,
            json!({"initContainerStatuses": [{"name": "istio-init", "image": "x/proxyv2:1.28.0",
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
        );
        assert_eq!(one(init).unwrap().reason, Reason::IstioInit);

        let validation = pod(
            "Pending",
            3600,
            json!({"initContainerStatuses": [{"name": "istio-validation", "image": "x/proxyv2:1.28.0",
            "state": {"terminated": {"exitCode": 126}}}]}),
        );
        assert_eq!(one(validation).unwrap().reason, Reason::IstioValidation);

        let unsched = pod(
            "Pending",
            3600,
            json!({"conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient cpu."}]}),
        );
        assert_eq!(
            one(unsched).unwrap().reason,
            Reason::Unschedulable("0/3 nodes are available: 3 Insufficient cpu.".into())
        );

        let lost = pod(
            "Unknown",
            86_400,
            json!({"reason": "NodeLost", "message": "node n1 is unreachable",
            "conditions": [{"type": "Ready", "status": "Unknown", "lastTransitionTime": ts(7200)}]}),
        );
        let s = one(lost).unwrap();
        assert_eq!(
            s.reason,
            Reason::Other("NodeLost: node n1 is unreachable".into())
        );
        assert_eq!(s.for_secs, 7200, "since Ready changed, not since creation");
        assert_eq!(s.owner, Some(("ReplicaSet".into(), "web-5d9".into())));
    }

    #[test]
    fn young_failed_job_and_unmeshed_pods_are_not_stuck() {
        assert!(
            one(pod("Pending", 60, json!({}))).is_none(),
            "younger than --stuck-after"
        );
        let mut job = pod("Failed", 3600, json!({}));
        job.metadata.owner_references[0].kind = "Job".into();
        assert!(one(job).is_none(), "a Job's spent attempt");
        let p = pod("Pending", 3600, json!({}));
        assert!(stuck(&[p], &["other".into()], NOW, 600).is_empty());
    }

    #[test]
    fn injector_timeouts_from_failed_create_events() {
        let ev = |ns: &str, msg: &str| -> FailedCreate {
            serde_json::from_value(
                json!({"involvedObject": {"kind": "ReplicaSet", "namespace": ns, "name": "web-5d9"},
                "reason": "FailedCreate", "message": msg}),
            )
            .unwrap()
        };
        let timeout = "Error creating: Internal error occurred: failed calling webhook \"namespace.sidecar-injector.istio.io\": failed to call webhook: Post \"https://istiod.istio-system.svc:443/inject?timeout=10s\": context deadline exceeded";
        let events = [
            ev("shop", timeout),
            ev("shop", timeout),
            ev("other", timeout),
            ev(
                "shop",
                "Error creating: pods \"web-\" is forbidden: exceeded quota",
            ),
        ];
        let got = webhook_failures(&events, &["shop".into()]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].0.as_str(), got[0].1.as_str()),
            ("ReplicaSet", "shop/web-5d9")
        );
        let f = finding(&[], &got);
        assert_eq!(f.status, crate::ops::checks::Status::Error);
        assert!(
            f.detail.iter().any(|d| d.contains("port 15017")),
            "{:?}",
            f.detail
        );
    }
}
