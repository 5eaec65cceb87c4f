//! Find: pods in pages (`cluster::pods::PodScan`), each classified once; the owners of the
//! pods that need a restart resolved in lists (`cluster::owners`), then each such pod decided.
//!
//! Only the pods that need a decision are kept; the others are counted and dropped with their
//! page.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::image::Expected;
use super::{Counts, ManualOwner, OwnerLink, PodFinding, Problem, ProxyResetError, Target};
use crate::cluster::owners::{Lookup, OwnerResolver};
use crate::cluster::pods::{
    self, DEFAULT_PAGE_SIZE, InjectorWebhook, OwnerReference, Pod, PodScan,
};
use crate::cluster::revisions::Revisions;
use crate::cluster::workloads::{Workload, WorkloadKind};
use crate::cluster::{Cluster, ClusterError};
use crate::names::{self, INJECT, ISTIO_NAMESPACE, KUBE_SYSTEM};

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Only these namespaces (empty: all).
    pub namespaces: Vec<String>,
    pub exclude_namespaces: Vec<String>,
    /// Also report pods that should have a sidecar and have none.
    pub missing_sidecars: bool,
    pub page_size: u32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            namespaces: Vec::new(),
            exclude_namespaces: Vec::new(),
            missing_sidecars: false,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScanReport {
    pub expected: Expected,
    /// Outdated (or missing) sidecars, with what restarts each; current pods are only counted.
    pub pods: Vec<PodFinding>,
    pub counts: Counts,
    pub elapsed: Duration,
    /// One pod's labels per workload to restart (which PodDisruptionBudgets guard it): kept
    /// per owner, not per pod, since the pods of one owner share their template's labels.
    pub labels: HashMap<Workload, BTreeMap<String, String>>,
}

/// The image every sidecar should run, from the active control plane (the revision the
/// `default` tag names, else `istiod`): during a canary upgrade, the new one.
pub async fn expected_image(cluster: &Cluster) -> Result<Expected, ProxyResetError> {
    let image = Revisions::read(cluster)
        .await
        .map_err(ProxyResetError::Istiod)?
        .active()
        .and_then(|c| c.image.clone())
        .ok_or(ProxyResetError::NoIstiod)?;
    Expected::parse(&image).ok_or(ProxyResetError::IstiodImage { image })
}

/// Scans the cluster against the running istiod's version. The pod pages start at once,
/// beside the control plane's lookup.
pub async fn scan(cluster: &Cluster, opts: &ScanOptions) -> Result<ScanReport, ProxyResetError> {
    let started = Instant::now();
    let pods = PodScan::new(cluster, &opts.namespaces, opts.page_size);
    let expected = expected_image(cluster).await?;
    scan_pages(cluster, opts, expected, pods, started).await
}

/// Scans against a given expected image (upgrade knows it before istiod moved).
///
/// Requests: the pod pages, plus the owners' lists or a few GETs (`cluster::owners`), which
/// start while the pod pages still arrive; never one GET per owner.
pub async fn scan_for(
    cluster: &Cluster,
    opts: &ScanOptions,
    expected: Expected,
) -> Result<ScanReport, ProxyResetError> {
    let pods = PodScan::new(cluster, &opts.namespaces, opts.page_size);
    scan_pages(cluster, opts, expected, pods, Instant::now()).await
}

async fn scan_pages(
    cluster: &Cluster,
    opts: &ScanOptions,
    expected: Expected,
    mut pods: PodScan,
    started: Instant,
) -> Result<ScanReport, ProxyResetError> {
    let injection = if opts.missing_sidecars {
        Some(
            Injection::read(cluster)
                .await
                .map_err(ProxyResetError::Injection)?,
        )
    } else {
        None
    };
    let scopes = if opts.namespaces.is_empty() {
        vec![None]
    } else {
        opts.namespaces.iter().cloned().map(Some).collect()
    };
    let mut state = State {
        expected,
        opts: opts.clone(),
        injection,
        findings: Vec::new(),
        counts: Counts::default(),
        owner_labels: HashMap::new(),
    };
    let mut resolver = OwnerResolver::new(cluster, scopes);
    let mut pending = Vec::new();
    while let Some(page) = pods.next_page().await {
        for pod in page.map_err(ProxyResetError::List)? {
            state.counts.scanned += 1;
            if let Some(p) = state.classify(pod) {
                if let Some(o) = &p.owner
                    && let Some(kind) = WorkloadKind::of(&o.api_version, &o.kind)
                {
                    resolver.want(&Workload::new(kind, &p.namespace, &o.name));
                }
                pending.push(p);
            }
        }
    }
    state.counts.pages = pods.pages;
    state.counts.relists = pods.relists;
    let owners = resolver.resolve().await.lookups;
    let mut labels = HashMap::new();
    for p in pending {
        let owner = p
            .owner
            .as_ref()
            .map(|o| (p.namespace.clone(), o.name.clone()));
        let f = state.decide(&owners, p);
        if let (Some(w), Some(owner)) = (f.target.workload(), owner)
            && !labels.contains_key(w)
            && let Some(l) = state.owner_labels.get(&owner)
        {
            labels.insert(w.clone(), l.unpack());
        }
        state.findings.push(f);
    }
    Ok(ScanReport {
        expected: state.expected,
        pods: state.findings,
        counts: state.counts,
        elapsed: started.elapsed(),
        labels,
    })
}

/// Who gets a sidecar: Istio's injector webhooks evaluated against namespace and pod labels,
/// as the API server evaluates them (this covers `istio-injection=enabled`, `istio.io/rev` and
/// `enableNamespacesByDefault`, which is the `auto.` webhook).
struct Injection {
    namespaces: HashMap<String, BTreeMap<String, String>>,
    webhooks: Vec<InjectorWebhook>,
}

impl Injection {
    async fn read(cluster: &Cluster) -> Result<Injection, ClusterError> {
        let webhooks = pods::injector_webhooks(cluster).await?;
        let namespaces = pods::list_namespaces(cluster)
            .await?
            .into_iter()
            .map(|n| {
                let mut labels = n.metadata.labels;
                labels.insert(
                    "kubernetes.io/metadata.name".into(),
                    n.metadata.name.clone(),
                );
                (n.metadata.name, labels)
            })
            .collect();
        Ok(Injection {
            namespaces,
            webhooks,
        })
    }

    fn should_inject(&self, pod: &Pod) -> bool {
        let ns = pod.metadata.namespace.as_str();
        if matches!(ns, KUBE_SYSTEM | ISTIO_NAMESPACE) || pod.spec.host_network {
            return false;
        }
        if pod.metadata.annotations.inject.as_deref() == Some("false")
            || pod
                .metadata
                .labels
                .get(INJECT)
                .is_some_and(|v| v == "false")
        {
            return false;
        }
        let Some(ns_labels) = self.namespaces.get(ns) else {
            return false;
        };
        self.webhooks.iter().any(|w| {
            super::selector::matches(&w.namespace_selector, ns_labels)
                && super::selector::matches(&w.object_selector, &pod.metadata.labels)
        })
    }
}

/// A pod's labels in one allocation, `key=value` lines (neither a label's key nor its value
/// may hold `=` or a line break): kept for each owner of an outdated pod until the owners are
/// resolved (thousands on a large cluster), where a map costs two allocations per label.
struct PackedLabels(Box<str>);

impl PackedLabels {
    fn of(labels: &BTreeMap<String, String>) -> PackedLabels {
        let mut s = String::new();
        for (k, v) in labels {
            s.push_str(k);
            s.push('=');
            s.push_str(v);
            s.push('\n');
        }
        PackedLabels(s.into())
    }

    fn unpack(&self) -> BTreeMap<String, String> {
        self.0
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// A pod waiting for its owners to be looked up.
struct Pending {
    namespace: String,
    name: String,
    uid: String,
    problem: Problem,
    image: Option<String>,
    owner: Option<OwnerReference>,
    created: i64,
}

struct State {
    expected: Expected,
    opts: ScanOptions,
    injection: Option<Injection>,
    findings: Vec<PodFinding>,
    counts: Counts,
    /// `(namespace, owner name)` -> the labels of its first outdated pod.
    owner_labels: HashMap<(String, String), PackedLabels>,
}

type Owners = HashMap<Workload, Lookup>;

impl State {
    /// Counts the pod, and returns it when it needs a restart (or an explicit skip).
    fn classify(&mut self, pod: Pod) -> Option<Pending> {
        let ns = pod.metadata.namespace.clone();
        let meshed = pod.metadata.annotations.sidecar_status.is_some();
        let (problem, image) = if meshed {
            self.counts.meshed += 1;
            if pod.metadata.annotations.proxy_image.is_some() {
                self.counts.custom_proxy_image += 1;
                return None;
            }
            if !pod.is_healthy() {
                self.counts.not_ready += 1;
                return None;
            }
            let image = pod.proxy()?.image.clone();
            if self.expected.is_current(&image) {
                self.counts.current += 1;
                return None;
            }
            self.counts.outdated += 1;
            (Problem::Outdated, Some(image))
        } else {
            let inject = pod.proxy().is_none()
                && pod.is_healthy()
                && self
                    .injection
                    .as_ref()
                    .is_some_and(|i| i.should_inject(&pod));
            if !inject {
                return None;
            }
            self.counts.missing_sidecar += 1;
            (Problem::MissingSidecar, None)
        };
        let pending = Pending {
            namespace: ns,
            name: pod.metadata.name.clone(),
            uid: pod.metadata.uid.clone(),
            problem,
            image,
            // Without its uid, which no decision reads.
            owner: pod.metadata.controller().map(|o| OwnerReference {
                api_version: o.api_version.clone(),
                kind: o.kind.clone(),
                name: o.name.clone(),
                uid: String::new(),
                controller: o.controller,
            }),
            created: pod.metadata.created,
        };
        // What a PodDisruptionBudget's selector is matched against: the first pod's labels
        // per owner, not every pod's.
        if let Some(o) = &pending.owner {
            self.owner_labels
                .entry((pending.namespace.clone(), o.name.clone()))
                .or_insert_with(|| PackedLabels::of(&pod.metadata.labels));
        }
        let skip = if self.opts.exclude_namespaces.contains(&pending.namespace) {
            self.counts.excluded += 1;
            Some("namespace excluded by --exclude-namespace".to_string())
        } else if pod.metadata.annotations.opted_out() {
            self.counts.opted_out += 1;
            Some(format!("pod annotated {}: \"false\"", names::PROXY_RESET))
        } else {
            None
        };
        if let Some(why) = skip {
            let chain = chain_start(&pending);
            self.findings
                .push(finding(pending, chain, Target::Skip { why }, false));
            return None;
        }
        Some(pending)
    }

    fn decide(&mut self, owners: &Owners, p: Pending) -> PodFinding {
        let mut chain = chain_start(&p);
        let Some(owner) = p.owner.clone() else {
            let target = Target::RestartManually {
                why: "a bare pod: no controller re-creates it".into(),
                command: format!(
                    "kubectl delete pod -n {} {}, then create it again from its manifest",
                    p.namespace, p.name
                ),
                owner: Box::new(ManualOwner::bare_pods(&p.namespace)),
            };
            return finding(p, chain, target, false);
        };
        let Some(kind) = WorkloadKind::of(&owner.api_version, &owner.kind) else {
            let target = manual_unknown(&p.namespace, &p.name, &owner);
            return finding(p, chain, target, false);
        };
        let this = Workload::new(kind, &p.namespace, &owner.name);
        let target = match self.owner_of(owners, &this) {
            Err(skip) => Err(skip),
            Ok((next, on_delete)) => match kind {
                WorkloadKind::ReplicaSet | WorkloadKind::ReplicationController => {
                    self.replica_set_target(owners, this, next, &mut chain, &p.name)
                }
                WorkloadKind::StatefulSet
                | WorkloadKind::DaemonSet
                | WorkloadKind::CloneSet
                | WorkloadKind::AdvancedStatefulSet
                    if on_delete =>
                {
                    Ok(Target::DeletePod {
                        why: delete_pod_why(this.kind).into(),
                        workload: this,
                    })
                }
                WorkloadKind::Deployment
                | WorkloadKind::StatefulSet
                | WorkloadKind::DaemonSet
                | WorkloadKind::Rollout
                | WorkloadKind::CloneSet
                | WorkloadKind::AdvancedStatefulSet => Ok(Target::Rollout { workload: this }),
                WorkloadKind::Job | WorkloadKind::CronJob => {
                    Ok(job_target(&this, &p.name, next, &mut chain))
                }
            },
        };
        match target {
            Ok(target) => finding(p, chain, target, false),
            Err((target, lookup_failed)) => finding(p, chain, target, lookup_failed),
        }
    }

    /// What the lookup of `w` found: its own owner and whether it updates `OnDelete`; or the
    /// skip that ends the decision (with `true` when the lookup failed: the scan is then
    /// incomplete).
    fn owner_of(
        &mut self,
        owners: &Owners,
        w: &Workload,
    ) -> Result<(Option<OwnerReference>, bool), (Target, bool)> {
        let skip = |why: String, failed: bool| Err((Target::Skip { why }, failed));
        match owners.get(w) {
            Some(Lookup::Found(f)) if f.opted_out => {
                self.counts.opted_out += 1;
                skip(
                    format!("{w} annotated {}: \"false\"", crate::names::PROXY_RESET),
                    false,
                )
            }
            Some(Lookup::Found(f)) => Ok((f.owner.clone(), f.on_delete)),
            Some(Lookup::Missing) => skip(format!("its {w} no longer exists"), false),
            Some(Lookup::Failed(e)) => skip(format!("its owner could not be read: {e}"), true),
            None => skip("its owner could not be read: not looked up".into(), true),
        }
    }

    /// A ReplicaSet (or ReplicationController): its Deployment's rollout; without an owner,
    /// its pods deleted one at a time; under any other owner, a manual restart.
    fn replica_set_target(
        &mut self,
        owners: &Owners,
        this: Workload,
        next: Option<OwnerReference>,
        chain: &mut Vec<OwnerLink>,
        pod: &str,
    ) -> Result<Target, (Target, bool)> {
        let Some(up) = next else {
            return Ok(Target::DeletePod {
                why: format!("{} without an owner", this.kind),
                workload: this,
            });
        };
        chain.push(link(&up));
        match WorkloadKind::of(&up.api_version, &up.kind) {
            Some(kind @ (WorkloadKind::Deployment | WorkloadKind::Rollout))
                if this.kind == WorkloadKind::ReplicaSet =>
            {
                let deployment = Workload::new(kind, &this.namespace, &up.name);
                self.owner_of(owners, &deployment)?;
                Ok(Target::Rollout {
                    workload: deployment,
                })
            }
            _ => Ok(manual_unknown(&this.namespace, pod, &up)),
        }
    }
}

/// Why a workload's pods are deleted rather than its template changed.
fn delete_pod_why(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::CloneSet => {
            "updateStrategy in place (InPlaceIfPossible or InPlaceOnly): a template change would update the pods in place and keep the old sidecar"
        }
        WorkloadKind::AdvancedStatefulSet => {
            "updateStrategy OnDelete or podUpdatePolicy in place: a template change would re-create no pod"
        }
        _ => "updateStrategy OnDelete: a template change restarts nothing",
    }
}

/// A Job's pod (of a CronJob's Job, or of a Job alone): restarting it runs the Job again.
fn job_target(
    job: &Workload,
    pod: &str,
    next: Option<OwnerReference>,
    chain: &mut Vec<OwnerLink>,
) -> Target {
    let ns = job.namespace.as_str();
    let cron = next.filter(|n| n.kind == "CronJob");
    if let Some(c) = &cron {
        chain.push(link(c));
    }
    // Grouped under the CronJob when there is one: its Jobs come and go.
    let (kind, name) = match &cron {
        Some(c) => ("CronJob", c.name.clone()),
        None => (job.kind.name(), job.name.clone()),
    };
    let owner = ManualOwner {
        namespace: ns.to_string(),
        kind: kind.to_string(),
        name: Some(name),
        api_version: job.kind.gvk().api_version(),
    };
    Target::RestartManually {
        owner: Box::new(owner),
        why: match &cron {
            Some(c) => format!(
                "a pod of CronJob {ns}/{}'s Job: its next run gets the new sidecar",
                c.name
            ),
            None => "a Job's pod: restarting it would run the Job again".into(),
        },
        command: format!(
            "kubectl delete pod -n {ns} {pod} (the Job starts a replacement, counted against its backoffLimit), or let the Job finish"
        ),
    }
}

fn manual_unknown(ns: &str, pod: &str, owner: &OwnerReference) -> Target {
    Target::RestartManually {
        owner: Box::new(ManualOwner {
            namespace: ns.to_string(),
            kind: owner.kind.clone(),
            name: Some(owner.name.clone()),
            api_version: owner.api_version.clone(),
        }),
        why: format!(
            "owned by {} {} ({}), which kyma-mesh does not restart",
            owner.kind, owner.name, owner.api_version
        ),
        command: format!(
            "restart {} {ns}/{} as its controller documents, or kubectl delete pod -n {ns} {pod} if it re-creates its pods",
            owner.kind, owner.name
        ),
    }
}

fn link(o: &OwnerReference) -> OwnerLink {
    OwnerLink {
        kind: o.kind.clone(),
        name: o.name.clone(),
    }
}

/// `Pod/<name>` and its direct owner, as far as known without a lookup.
fn chain_start(p: &Pending) -> Vec<OwnerLink> {
    let mut chain = vec![OwnerLink {
        kind: "Pod".into(),
        name: p.name.clone(),
    }];
    chain.extend(p.owner.as_ref().map(link));
    chain
}

fn finding(p: Pending, chain: Vec<OwnerLink>, target: Target, lookup_failed: bool) -> PodFinding {
    PodFinding {
        namespace: p.namespace,
        name: p.name,
        uid: p.uid,
        problem: p.problem,
        current_image: p.image,
        owner_chain: chain,
        target,
        lookup_failed,
        created: p.created,
    }
}
