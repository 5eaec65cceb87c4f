//! `kyma-mesh check`: Kyma's Service Mesh troubleshooting guide as checks for the one runner
//! (`ops::checks`), in linkerd's style. One file per category; every check reads the cluster
//! through `cluster::` and shares what it read through [`Ctx`], so the pods are listed once.

pub mod certs;
mod control_plane;
mod data_plane;
mod ingress_gateway;
mod injection;
mod kubernetes_api;
mod mesh_certs;
mod mtls;
mod pod_facts;
mod stuck;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::cluster::inventory::{self, Namespace, Pod};
use crate::cluster::record::{self, Record};
use crate::cluster::revisions::Revisions;
use crate::cluster::{self, Cluster, ClusterError};
use crate::names::{INJECT, INJECTION_LABEL, KUBE_NODE_LEASE, KUBE_PUBLIC, KUBE_SYSTEM, REV_LABEL};
use crate::ops::Target;
use crate::ops::checks::{self, Category, Observer, Report};
use crate::ops::error::{ErrorKind, cluster_kind};
use crate::ops::events::Events;
use crate::ops::preflight::{self, Preflight};
use pod_facts::PodFacts;

pub use kubernetes_api::API_REACHABLE;
/// Most checks mean nothing without Istio: they wait for this one.
pub const ISTIO_NS: &str = "istio-namespace";

#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub target: Target,
    pub istioctl: Option<PathBuf>,
    /// Only what install needs (`preflight::checks(false)`).
    pub pre: bool,
    /// Retry the whole run until it has no errors or this passes.
    pub wait: Option<Duration>,
    /// A certificate this close to its end is a warning (`--cert-warn-days`).
    pub cert_warn_days: i64,
    /// A pod Pending, Failed or Unknown this long is stuck (`--stuck-after`).
    pub stuck_after: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Connect(ClusterError),
}

impl CheckError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            CheckError::Connect(e) => cluster_kind(e),
        }
    }
}

/// `--stuck-after`'s default: longer than an image pull or a rollout normally takes.
pub const DEFAULT_STUCK_AFTER: Duration = Duration::from_secs(10 * 60);

/// Time between two runs of `--wait`.
const RETRY_EVERY: Duration = Duration::from_secs(2);

/// Runs the checks (again and again with `--wait`) and returns the last report.
/// `on_retry` hears about each failed run that will be retried.
pub async fn check(
    req: &CheckRequest,
    events: &dyn Events,
    on_retry: &mut dyn FnMut(&Report, Duration),
) -> Result<Report, CheckError> {
    let cluster = crate::ops::connect(&req.target, events)
        .await
        .map_err(CheckError::Connect)?;
    let deadline = req.wait.map(|w| Instant::now() + w);
    loop {
        let report = run_once(req, events, &cluster).await;
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match left {
            Some(left) if !report.success && !left.is_zero() => {
                on_retry(&report, left);
                tokio::time::sleep(RETRY_EVERY.min(left)).await;
            }
            _ => return Ok(report),
        }
    }
}

struct Quiet;
impl Observer for Quiet {
    fn finished(&mut self, _: &checks::CheckResult) {}
}

async fn run_once(req: &CheckRequest, events: &dyn Events, cluster: &Cluster) -> Report {
    if req.pre {
        let input = preflight::Input {
            istioctl_flag: req.istioctl.clone(),
            ..preflight::Input::default()
        };
        let mut pre = Preflight::new(events, cluster.clone(), input);
        return checks::run(&preflight::checks(false), &mut pre, &mut Quiet).await;
    }
    let mut ctx = Ctx::new(cluster.clone());
    ctx.cert_warn_days = req.cert_warn_days;
    ctx.stuck_after = req.stuck_after;
    checks::run(&categories(), &mut ctx, &mut Quiet).await
}

/// Every category, in the order a problem is best read: the API, the control plane, the
/// gateway, mTLS, injection, the data plane.
pub fn categories() -> Vec<Category<Ctx>> {
    vec![
        kubernetes_api::category(),
        control_plane::category(),
        mesh_certs::category(),
        ingress_gateway::category(),
        mtls::category(),
        injection::category(),
        data_plane::category(),
    ]
}

type Cached<T> = Option<Result<T, String>>;

/// What the checks share: the cluster and what was read from it, read once per run.
pub struct Ctx {
    pub cluster: Cluster,
    /// Seconds since the epoch, fixed for the run.
    pub now: i64,
    /// The server's version, learnt by the first check.
    pub server: Option<k8s_openapi::apimachinery::pkg::version::Info>,
    /// `--cert-warn-days`.
    pub cert_warn_days: i64,
    /// `--stuck-after`.
    pub stuck_after: Duration,
    revisions: Cached<Arc<Revisions>>,
    record: Cached<Option<Arc<Record>>>,
    pods: Cached<Arc<PodFacts>>,
    namespaces: Cached<Arc<Vec<Namespace>>>,
}

impl Ctx {
    pub fn new(cluster: Cluster) -> Ctx {
        Ctx {
            cluster,
            now: jiff::Timestamp::now().as_second(),
            server: None,
            cert_warn_days: mesh_certs::DEFAULT_WARN_DAYS,
            stuck_after: DEFAULT_STUCK_AFTER,
            revisions: None,
            record: None,
            pods: None,
            namespaces: None,
        }
    }

    /// The active control plane's version (istiod's image tag), `None` without istiod.
    pub async fn istio_version(&mut self) -> Result<Option<String>, String> {
        Ok(self.revisions().await?.active_version())
    }

    /// The control planes and the `default` tag.
    pub async fn revisions(&mut self) -> Result<Arc<Revisions>, String> {
        if self.revisions.is_none() {
            let r = Revisions::read(&self.cluster).await;
            self.revisions = Some(r.map(Arc::new).map_err(|e| e.to_string()));
        }
        cached(&self.revisions)
    }

    pub async fn record(&mut self) -> Result<Option<Arc<Record>>, String> {
        if self.record.is_none() {
            let r = record::read(&self.cluster).await;
            self.record = Some(r.map(|o| o.map(Arc::new)).map_err(|e| e.to_string()));
        }
        cached(&self.record)
    }

    /// What the checks need of the pods, folded in one scan (it needs the namespaces and the
    /// injection mode first: which pods should carry a sidecar depends on them).
    pub async fn pods(&mut self) -> Result<Arc<PodFacts>, String> {
        if self.pods.is_none() {
            let by_default = self.injection_by_default().await;
            let r = match self.namespaces().await {
                Ok(nss) => pod_facts::read(&self.cluster, &nss, by_default)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            self.pods = Some(r.map(Arc::new));
        }
        cached(&self.pods)
    }

    pub async fn namespaces(&mut self) -> Result<Arc<Vec<Namespace>>, String> {
        if self.namespaces.is_none() {
            let r = inventory::namespaces(&self.cluster).await;
            self.namespaces = Some(r.map(Arc::new).map_err(|e| e.to_string()));
        }
        cached(&self.namespaces)
    }

    /// Whether namespaces without a label get sidecars: the recorded mode, else Kyma's default.
    pub async fn injection_by_default(&mut self) -> bool {
        match self.record().await {
            Ok(Some(r)) => r.sidecar_injection != "opt-in",
            _ => true,
        }
    }

    /// One object as JSON, `None` when absent.
    pub async fn get(
        &self,
        gvk: &cluster::Gvk,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, String> {
        self.cluster
            .get_opt(gvk, namespace, name)
            .await
            .map(|o| o.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)))
            .map_err(|e| e.to_string())
    }

    pub async fn list(&self, gvk: &cluster::Gvk) -> Result<Vec<Value>, String> {
        inventory::list(&self.cluster, gvk, None)
            .await
            .map_err(|e| e.to_string())
    }
}

fn cached<T: Clone>(c: &Cached<T>) -> Result<T, String> {
    match c {
        Some(Ok(v)) => Ok(v.clone()),
        Some(Err(e)) => Err(e.clone()),
        None => Err("not read".into()),
    }
}

/// Namespaces Kubernetes keeps for itself: never injected by default.
const SYSTEM_NAMESPACES: [&str; 3] = [KUBE_SYSTEM, KUBE_PUBLIC, KUBE_NODE_LEASE];

/// Whether pods created in this namespace get a sidecar, and why.
pub fn namespace_injected(ns: &Namespace, by_default: bool) -> (bool, &'static str) {
    match ns.labels.get(INJECTION_LABEL).map(String::as_str) {
        Some("enabled") => (true, "label istio-injection=enabled"),
        Some(_) => (false, "label istio-injection=disabled"),
        None if ns.labels.contains_key(REV_LABEL) => (true, "label istio.io/rev"),
        None if SYSTEM_NAMESPACES.contains(&ns.name.as_str()) => (false, "system namespace"),
        None if by_default => (true, "injection by default"),
        None => (false, "opt-in mode, no label"),
    }
}

/// Whether this pod should carry a sidecar: its namespace is injected (or it asks for one)
/// and it did not opt out. Host-network pods never get one.
pub fn should_have_sidecar(pod: &Pod, ns_injected: bool) -> bool {
    if pod.host_network || pod.opted_out() {
        return false;
    }
    ns_injected || pod.labels.get(INJECT).map(String::as_str) == Some("true")
}

pub use crate::util::{capped, plural};

#[cfg(test)]
mod tests {
    use super::*;

    /// A misspelt `needs` id would silently never skip: every list a command runs is checked.
    #[test]
    fn every_need_names_a_check_that_runs_before_it() {
        assert_eq!(
            checks::id_problems(&categories()),
            Vec::<String>::new(),
            "check"
        );
        for with_config in [true, false] {
            assert_eq!(
                checks::id_problems(&preflight::checks(with_config)),
                Vec::<String>::new(),
                "preflight (with configuration: {with_config})"
            );
        }
    }
}
