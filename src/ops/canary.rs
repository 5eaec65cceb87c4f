//! Canary (revision-based) upgrades, Istio's model since 1.6: the target is installed as its
//! own revision beside the running control plane, the `default` tag moves to it, workloads
//! follow by restart (in waves if asked), and the old revision goes only when no pod uses it.
//!
//! * [`start`] (`upgrade --canary`): install's phases in canary mode (which call [`prepare`]
//!   before istioctl), then the tag, then proxy-reset's machinery wave by wave.
//! * [`rollback`]: the tag back, the gateways back, the workloads back, the new revision out.
//! * [`finish`]: refused while a pod uses the old revision; otherwise the old revision out.
//!
//! What a later step needs (old revision and version, the gateways istioctl upgrades in place,
//! the record before) lives in `istio-system/kyma-mesh-canary`, so each step can run in a new
//! process and every step is safe to run again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::cluster::kinds::{
    CONFIG_MAP, DEPLOYMENT, HPA, MUTATING_WEBHOOK, PDB, SERVICE, SERVICE_ACCOUNT,
};
use crate::cluster::record::{self, Canary, CanaryPhase};
use crate::cluster::revisions::{self, Revisions};
use crate::cluster::{Cluster, ClusterError, inventory, workloads};
use crate::istioctl::{self, Args, ClusterOptions, IstioctlError};
use crate::kyma;
use crate::names::{self, ISTIO_NAMESPACE};
use crate::ops::Target;
use crate::ops::canary_state::GATEWAY_SELECTOR;
use crate::ops::error::{ErrorKind, cluster_kind};
use crate::ops::events::{Events, Mark};
use crate::ops::install::{self, Summary};
use crate::ops::proxy_reset::run::{self as reset, RunError, RunResult};
use crate::ops::proxy_reset::{ProxyResetError, ScanOptions};
use crate::ops::signal::{self, Signal};
use crate::ops::upgrade::UpgradeRequest;
use crate::util::{capped, fmt_duration, indented, plural};

/// The gateways istioctl installs with a revision and upgrades in place.
/// Pods named in a refusal; the rest are counted.
const SHOWN_PODS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum CanaryError {
    #[error(transparent)]
    Connect(Box<ClusterError>),
    #[error(transparent)]
    Cluster(Box<ClusterError>),
    #[error(
        "no canary upgrade is in progress (ConfigMap {ISTIO_NAMESPACE}/{} does not exist): nothing to {action}; `kyma-mesh upgrade --canary` starts one",
        record::CANARY_NAME
    )]
    NoCanary { action: &'static str },
    #[error(
        "the default tag does not name revision {to} yet, so workloads have not moved to it: run `kyma-mesh upgrade --canary` again to complete the move, or go back with `kyma-mesh upgrade --rollback`. Nothing was changed."
    )]
    NotMoved { to: String },
    #[error(
        "{} still use revision {revision} (Istio {version}); nothing was removed:{}\nRestart them with `kyma-mesh proxy-reset --wait` (delete pods that have no controller), then run `kyma-mesh upgrade --finish` again.",
        plural(.pods.len(), "pod", "pods"), indented(&capped(.pods.clone(), SHOWN_PODS))
    )]
    PodsLeft {
        revision: String,
        version: String,
        pods: Vec<String>,
    },
    #[error(transparent)]
    Locate(IstioctlError),
    #[error("{what}: {cause}")]
    Istioctl { what: String, cause: IstioctlError },
    #[error("{0}")]
    Scan(ProxyResetError),
    /// install's phases, run in canary mode (`upgrade --canary`) or for the tag's webhooks.
    #[error(transparent)]
    Install(Box<install::InstallError>),
    #[error(transparent)]
    Reset(Box<RunError>),
    #[error("interrupted by {} {during}", .signal.name())]
    Interrupted { signal: Signal, during: String },
}

impl From<ClusterError> for CanaryError {
    fn from(e: ClusterError) -> Self {
        CanaryError::Cluster(Box::new(e))
    }
}

impl CanaryError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            CanaryError::Connect(c) => cluster_kind(c),
            CanaryError::Install(e) => e.kind(),
            CanaryError::Reset(e) => e.kind(),
            CanaryError::Interrupted { signal, .. } => ErrorKind::Interrupted(*signal),
            CanaryError::Cluster(_)
            | CanaryError::NoCanary { .. }
            | CanaryError::NotMoved { .. }
            | CanaryError::PodsLeft { .. }
            | CanaryError::Locate(_)
            | CanaryError::Istioctl { .. }
            | CanaryError::Scan(_) => ErrorKind::Failed,
        }
    }
}

/// One wave of the data plane's move: its namespaces (empty: all) and what proxy-reset did.
pub struct Wave {
    pub namespaces: Vec<String>,
    pub result: RunResult,
}

pub struct CanarySummary {
    pub install: Summary,
    /// The old revision and version (`None` when the control plane already was the target).
    pub from: Option<(String, String)>,
    pub waves: Vec<Wave>,
    /// The waves planned; fewer ran when one did not verify.
    pub planned_waves: usize,
}

impl CanarySummary {
    /// A wave did not verify: the run stopped there.
    pub fn stopped(&self) -> bool {
        self.waves
            .last()
            .is_some_and(|w| w.result.failed() || w.result.stopped().is_some())
    }
}

/// `upgrade --canary`: the target beside the old control plane, the `default` tag moved to
/// it, then the data plane, `kyma-system` first, wave by wave.
pub async fn start(
    req: &UpgradeRequest,
    wave_size: Option<usize>,
    events: &dyn Events,
) -> Result<CanarySummary, CanaryError> {
    let summary = install::install(&req.install_request(true), events)
        .await
        .map_err(|e| CanaryError::Install(Box::new(e)))?;
    let mut out = CanarySummary {
        install: summary,
        from: None,
        waves: Vec::new(),
        planned_waves: 0,
    };
    if out.install.dry_run {
        return Ok(out);
    }
    let deadline = Instant::now() + req.install.timeout;
    let cluster = crate::ops::connect(&req.install.target, events)
        .await
        .map_err(|e| CanaryError::Connect(Box::new(e)))?;
    let Some(mut state) = record::read_canary(&cluster).await? else {
        events.note(
            Mark::Ok,
            &format!(
                "the control plane already is revision {}: nothing to move",
                out.install.revision
            ),
        );
        return Ok(out);
    };
    out.from = Some((state.from_revision.clone(), state.from_version.clone()));

    let tag = TagMove {
        istioctl: &out.install.istioctl,
        target: &req.install.target,
        revision: &state.to_revision,
        auto_inject: out.install.auto_inject,
    };
    tag.run(&cluster, deadline, events).await?;
    state.phase = CanaryPhase::Tagged;
    record::write_canary(&cluster, &state).await?;

    let waves = plan_waves(&cluster, wave_size).await?;
    out.planned_waves = waves.len();
    out.waves = move_waves(req, waves, deadline, events).await?;
    if !out.stopped() {
        state.phase = CanaryPhase::Moved;
        record::write_canary(&cluster, &state).await?;
    }
    Ok(out)
}

/// The data plane's move, wave by wave, each verified; a wave that does not verify stops the
/// move there.
async fn move_waves(
    req: &UpgradeRequest,
    waves: Vec<Vec<String>>,
    deadline: Instant,
    events: &dyn Events,
) -> Result<Vec<Wave>, CanaryError> {
    let planned = waves.len();
    let mut done = Vec::new();
    for (i, namespaces) in waves.into_iter().enumerate() {
        if planned > 1 {
            events.plain(&format!(
                "wave {} of {planned}: {}",
                i + 1,
                namespaces.join(", ")
            ));
        }
        let result = reset::run(
            &reset::Request::verified(
                req.install.target.clone(),
                namespaces.clone(),
                req.concurrency,
                deadline.saturating_duration_since(Instant::now()),
                req.pacing.clone(),
            ),
            events,
        )
        .await
        .map_err(|e| match e {
            RunError::Interrupted { signal, .. } => CanaryError::Interrupted {
                signal,
                during: format!(
                    "while moving wave {} of {planned}: the old control plane still runs; run `kyma-mesh upgrade --canary` again to go on, or `kyma-mesh upgrade --rollback`",
                    i + 1,
                ),
            },
            e => CanaryError::Reset(Box::new(e)),
        })?;
        // A wave that failed, or stopped at the deadline, is the last one.
        let last = result.failed() || result.stopped().is_some();
        done.push(Wave { namespaces, result });
        if last {
            break;
        }
    }
    Ok(done)
}

/// The namespaces of each wave, `kyma-system` first: one wave of every namespace without a
/// wave size, else the namespaces with outdated sidecars in groups of that size.
async fn plan_waves(
    cluster: &Cluster,
    wave_size: Option<usize>,
) -> Result<Vec<Vec<String>>, CanaryError> {
    let Some(size) = wave_size else {
        return Ok(vec![Vec::new()]);
    };
    let scanned = crate::ops::proxy_reset::scan(cluster, &ScanOptions::default())
        .await
        .map_err(CanaryError::Scan)?;
    let found: BTreeSet<&str> = scanned.pods.iter().map(|p| p.namespace.as_str()).collect();
    let mut namespaces: Vec<String> = found.iter().map(|n| n.to_string()).collect();
    namespaces.sort_by_key(|n| n != kyma::OPT_IN_NAMESPACE);
    Ok(namespaces
        .chunks(size.max(1))
        .map(<[String]>::to_vec)
        .collect())
}

/// Moving the `default` tag: istioctl's `tag set`, then Kyma's tuning of the tag's webhooks
/// (istioctl writes them anew).
struct TagMove<'a> {
    istioctl: &'a Path,
    target: &'a Target,
    revision: &'a str,
    auto_inject: bool,
}

impl TagMove<'_> {
    async fn run(
        &self,
        cluster: &Cluster,
        deadline: Instant,
        events: &dyn Events,
    ) -> Result<(), CanaryError> {
        run_istioctl(
            events,
            format!("istioctl tag set default --revision {}", self.revision),
            self.istioctl,
            Args::tag_set_default(self.revision, self.auto_inject),
            self.target,
            deadline,
        )
        .await?;
        let tag = kyma::webhook_patch(revisions::DEFAULT_TAG_WEBHOOK, true);
        install::apply_patches(cluster, &[tag], events)
            .await
            .map(|_| ())
            .map_err(|e| CanaryError::Install(Box::new(e)))
    }
}

async fn run_istioctl(
    events: &dyn Events,
    title: String,
    istioctl: &Path,
    args: Args,
    target: &Target,
    deadline: Instant,
) -> Result<(), CanaryError> {
    let step = events.long_step(title.clone());
    let opts = ClusterOptions {
        kubeconfig: target.kubeconfig.clone(),
        context: target.context.clone(),
        timeout: deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1)),
        ..ClusterOptions::default()
    };
    let result = istioctl::run_args(
        istioctl,
        args,
        &opts,
        |line| install::on_istioctl_line(&step, line),
        |retry| install::on_istioctl_retry(&step, retry),
        signal::interrupted(),
    )
    .await;
    match result {
        Ok(r) => {
            step.ok(&format!("done in {}", fmt_duration(r.duration)));
            Ok(())
        }
        Err(IstioctlError::Cancelled { signal }) => {
            step.fail("interrupted");
            Err(CanaryError::Interrupted {
                signal,
                during: format!(
                    "during `{title}`: run the same kyma-mesh command again, each step is safe to repeat"
                ),
            })
        }
        Err(source) => {
            step.fail("failed");
            Err(CanaryError::Istioctl {
                what: title,
                cause: source,
            })
        }
    }
}

/// `--finish` and `--rollback`: which cluster and istioctl, and the limits.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: Target,
    pub istioctl: Option<PathBuf>,
    pub timeout: Duration,
    pub concurrency: usize,
    pub pacing: crate::ops::proxy_reset::pace::Pacing,
}

impl Request {
    /// A verified, paced restart of every outdated workload, within `deadline`.
    fn reset_all(&self, deadline: Instant) -> reset::Request {
        reset::Request::verified(
            self.target.clone(),
            Vec::new(),
            self.concurrency,
            deadline.saturating_duration_since(Instant::now()),
            self.pacing.clone(),
        )
    }
}

/// What `--finish` and `--rollback` start from.
struct Opened {
    started: Instant,
    deadline: Instant,
    cluster: Cluster,
    state: Canary,
    revs: Revisions,
}

async fn open(
    req: &Request,
    events: &dyn Events,
    action: &'static str,
) -> Result<Opened, CanaryError> {
    let started = Instant::now();
    let cluster = crate::ops::connect(&req.target, events)
        .await
        .map_err(|e| CanaryError::Connect(Box::new(e)))?;
    let state = record::read_canary(&cluster)
        .await?
        .ok_or(CanaryError::NoCanary { action })?;
    let revs = Revisions::read(&cluster).await?;
    Ok(Opened {
        started,
        deadline: started + req.timeout,
        cluster,
        state,
        revs,
    })
}

pub struct FinishSummary {
    pub state: Canary,
    pub elapsed: Duration,
}

/// `upgrade --finish`: the old revision goes once no pod uses it.
pub async fn finish(req: &Request, events: &dyn Events) -> Result<FinishSummary, CanaryError> {
    let Opened {
        started,
        deadline,
        cluster,
        state,
        revs,
    } = open(req, events, "finish").await?;
    if revs.default_tag.as_deref() != Some(state.to_revision.as_str())
        || state.phase == CanaryPhase::Installing
    {
        return Err(CanaryError::NotMoved {
            to: state.to_revision,
        });
    }
    let located = istioctl::locate(req.istioctl.as_deref()).map_err(CanaryError::Locate)?;
    let step = events.long_step(format!("pods on revision {}", state.from_revision));
    let left = pods_on(&cluster, &state.from_revision).await?;
    if !left.is_empty() {
        step.fail(&format!("{} left", left.len()));
        return Err(CanaryError::PodsLeft {
            revision: state.from_revision,
            version: state.from_version,
            pods: left,
        });
    }
    step.ok("none");
    RevisionRemoval {
        istioctl: &located.path,
        target: &req.target,
        revision: &state.from_revision,
    }
    .run(&cluster, &revs, deadline, events)
    .await?;
    let step = events.step("canary state");
    record::delete_canary(&cluster).await?;
    step.ok(&format!(
        "removed; the record {ISTIO_NAMESPACE}/{} holds Istio {}",
        record::NAME,
        state.to_version
    ));
    Ok(FinishSummary {
        state,
        elapsed: started.elapsed(),
    })
}

pub struct RollbackSummary {
    pub state: Canary,
    pub gateways: usize,
    pub reset: Option<RunResult>,
    /// The new revision was removed (not when pods still use it).
    pub removed: bool,
    pub elapsed: Duration,
}

/// `upgrade --rollback`: the tag back to the old revision, the gateways back as they were,
/// the workloads restarted onto the old revision, then the new revision removed.
pub async fn rollback(req: &Request, events: &dyn Events) -> Result<RollbackSummary, CanaryError> {
    let Opened {
        started,
        deadline,
        cluster,
        state,
        revs,
    } = open(req, events, "roll back").await?;
    let located = istioctl::locate(req.istioctl.as_deref()).map_err(CanaryError::Locate)?;
    if revs.default_tag.as_deref() != Some(state.from_revision.as_str())
        && revs.get(&state.from_revision).is_some()
        && (revs.default_tag.is_some() || state.phase != CanaryPhase::Installing)
    {
        TagMove {
            istioctl: &located.path,
            target: &req.target,
            revision: &state.from_revision,
            auto_inject: state.from_auto_inject,
        }
        .run(&cluster, deadline, events)
        .await?;
    }
    let gateways = restore_gateways(&cluster, &state, deadline, events).await?;
    let reset = reset::run(&req.reset_all(deadline), events)
        .await
        .map_err(|e| CanaryError::Reset(Box::new(e)))?;
    let left = pods_on(&cluster, &state.to_revision).await?;
    if reset.failed() || !left.is_empty() {
        if !left.is_empty() {
            events.note(
                Mark::Warn,
                &format!(
                    "{} still on revision {}: it stays installed",
                    plural(left.len(), "pod", "pods"),
                    state.to_revision
                ),
            );
        }
        return Ok(RollbackSummary {
            state,
            gateways,
            reset: Some(reset),
            removed: false,
            elapsed: started.elapsed(),
        });
    }
    RevisionRemoval {
        istioctl: &located.path,
        target: &req.target,
        revision: &state.to_revision,
    }
    .run(&cluster, &revs, deadline, events)
    .await?;
    let step = events.step("record and canary state");
    if let Some(previous) = &state.previous_record {
        cluster
            .apply(&CONFIG_MAP, Some(ISTIO_NAMESPACE), record::NAME, previous)
            .await?;
    }
    record::delete_canary(&cluster).await?;
    step.ok(&format!(
        "the record holds Istio {} again; canary state removed",
        state.from_version
    ));
    Ok(RollbackSummary {
        state,
        gateways,
        reset: Some(reset),
        removed: true,
        elapsed: started.elapsed(),
    })
}

/// Puts each gateway Deployment back as it was before the canary (istioctl upgraded it in
/// place), and relabels the gateway objects of the new revision so that uninstalling it
/// leaves them.
async fn restore_gateways(
    cluster: &Cluster,
    state: &Canary,
    deadline: Instant,
    events: &dyn Events,
) -> Result<usize, CanaryError> {
    let selector = format!(
        "{GATEWAY_SELECTOR},{}={}",
        names::REV_LABEL,
        state.to_revision
    );
    let relabel = json!({"metadata": {"labels": {names::REV_LABEL: state.from_revision}}});
    for gvk in [SERVICE, SERVICE_ACCOUNT, HPA, PDB] {
        for o in inventory::list_selected(cluster, &gvk, None, &selector).await? {
            let ns = o["metadata"]["namespace"].as_str();
            let name = o["metadata"]["name"].as_str().unwrap_or_default();
            cluster.merge_patch(&gvk, ns, name, &relabel).await?;
        }
    }
    let mut restored = 0;
    for g in &state.gateways {
        let (Some(ns), Some(name)) = (g["namespace"].as_str(), g["name"].as_str()) else {
            continue;
        };
        let step = events.long_step(format!(
            "gateway {ns}/{name} back to {}",
            state.from_version
        ));
        // A merge patch replaces the container lists whole: image and env as they were.
        let patch =
            json!({"metadata": {"labels": g["labels"]}, "spec": {"template": g["template"]}});
        let result = async {
            if cluster.get_opt(&DEPLOYMENT, Some(ns), name).await?.is_none() {
                cluster
                    .apply(
                        &DEPLOYMENT,
                        Some(ns),
                        name,
                        &json!({"apiVersion": "apps/v1", "kind": "Deployment",
                                "metadata": {"name": name, "namespace": ns, "labels": g["labels"]},
                                "spec": {"selector": {"matchLabels": g["template"]["metadata"]["labels"]},
                                         "template": g["template"]}}),
                    )
                    .await?;
            } else {
                cluster
                    .merge_patch(&DEPLOYMENT, Some(ns), name, &patch)
                    .await?;
            }
            workloads::wait_rollout(cluster, ns, name, deadline).await
        }
        .await;
        match result {
            Ok(()) => {
                step.ok("rolled out");
                restored += 1;
            }
            Err(e) => {
                step.fail("failed");
                return Err(e.into());
            }
        }
    }
    Ok(restored)
}

/// `ns/pod (Kind/owner)` of every pod whose sidecar the revision injected.
async fn pods_on(cluster: &Cluster, revision: &str) -> Result<Vec<String>, CanaryError> {
    let mut out = Vec::new();
    inventory::scan_pods(cluster, None, |pod| {
        let p = inventory::Pod::from(pod);
        if p.has_sidecar() && !p.deleting && p.revision.as_deref() == Some(revision) {
            out.push(match &p.owner {
                Some((kind, name)) => format!("{} ({kind}/{name})", p.id()),
                None => format!("{} (no controller)", p.id()),
            });
        }
    })
    .await?;
    out.sort();
    Ok(out)
}

/// `istioctl uninstall --revision R` (when R is still there), then R's injector webhook if
/// istioctl left it: one left behind would send pods to a control plane that is gone.
struct RevisionRemoval<'a> {
    istioctl: &'a Path,
    target: &'a Target,
    revision: &'a str,
}

impl RevisionRemoval<'_> {
    async fn run(
        &self,
        cluster: &Cluster,
        revs: &Revisions,
        deadline: Instant,
        events: &dyn Events,
    ) -> Result<(), CanaryError> {
        if revs.get(self.revision).is_some() {
            run_istioctl(
                events,
                format!("istioctl uninstall --revision {}", self.revision),
                self.istioctl,
                Args::uninstall_revision(self.revision),
                self.target,
                deadline,
            )
            .await?;
        }
        let name = revisions::injector_name(self.revision);
        if cluster.delete_opt(&MUTATING_WEBHOOK, None, &name).await? {
            events.note(
                Mark::Ok,
                &format!("MutatingWebhookConfiguration {name} removed (istioctl had left it)"),
            );
        }
        Ok(())
    }
}
