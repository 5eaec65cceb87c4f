//! `install` as a sequence of named phases: validate locally, preflight, plan, istioctl,
//! patches, readiness, record. `upgrade` runs the same phases.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use crate::cluster::patches::{self, Outcome, Patch};
use crate::cluster::record::{self, Record};
use crate::cluster::revisions::{self, Revisions};
use crate::cluster::{Cluster, ClusterError, readiness};
use crate::config::{ConfigError, Rendered, components};
use crate::istioctl::{
    self, InstallOptions, IstioVersion, IstioctlError, OutputLine, RenderedFile, Stream,
};
use crate::kyma;
use crate::names;
use crate::ops::Target;
use crate::ops::canary_state::{self, CanaryStateError};
use crate::ops::checks::{self, EventsObserver, Status};
use crate::ops::error::{ErrorKind, OutputError, cluster_kind};
use crate::ops::events::{Events, Mark, Step};
use crate::ops::plan::Plan;
use crate::ops::preflight::{self, Preflight};
use crate::ops::render::{self, ConfigSource};
use crate::ops::signal::{self, Signal};
use crate::util::fmt_duration;

#[derive(Debug, Clone)]
pub struct InstallRequest {
    pub config: ConfigSource,
    pub target: Target,
    pub istioctl: Option<PathBuf>,
    pub from_configmap: Option<(String, String)>,
    /// `--from-istio-cr`: `Some(None)` the one in kyma-system, `Some(Some(..))` a named one.
    pub from_istio_cr: Option<Option<(String, String)>>,
    pub dry_run: bool,
    pub timeout: Duration,
    pub fix: bool,
    /// `upgrade`: refuse a cluster without Istio, show what changes against the record, wait
    /// for the new control plane to converge.
    pub upgrade: Option<UpgradeMode>,
}

#[derive(Debug, Clone)]
pub struct UpgradeMode {
    /// The configuration is the recorded one (no diff to show).
    pub reused: bool,
    /// `upgrade --canary`: install the target as its own revision beside the running control
    /// plane (the caller moves the `default` tag and the data plane afterwards).
    pub canary: bool,
    /// The workloads are restarted afterwards (proxy-reset's phase): its permissions are
    /// checked before anything changes, not found missing once the control plane moved.
    pub restarts: bool,
}

/// How an install failed; each message says what state the cluster is in and what to do.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Config(Box<ConfigError>),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Connect(Box<ClusterError>),
    /// `failed` names the checks; `detail` says what the progress lines did not (everything
    /// with `-q`, only the hints otherwise).
    #[error("preflight failed ({}), nothing was changed{}", .failed.join(", "), crate::util::indented(.detail))]
    Preflight {
        failed: Vec<String>,
        detail: Vec<String>,
    },
    #[error("writing the IstioOperator for istioctl: {0}")]
    RenderedFile(IstioctlError),
    #[error("{cause}\nNo Kyma patches were applied.")]
    Istioctl { cause: IstioctlError },
    #[error(
        "{cause}. The cluster may hold a partial Istio installation and no Kyma patches were applied: run install again with a longer --timeout."
    )]
    IstioctlTimedOut { cause: IstioctlError },
    #[error("applying Kyma's post-install patch {title:?}: {cause}")]
    Patch {
        title: String,
        cause: Box<ClusterError>,
    },
    #[error("{0}")]
    NotReady(Box<ClusterError>),
    #[error("reading the installed Istio version: {0}")]
    InstalledVersion(Box<ClusterError>),
    #[error("writing the record: {0}")]
    Record(Box<ClusterError>),
    /// The control planes on the cluster rule this install out (an unfinished canary, a
    /// revisioned control plane an in-place upgrade would duplicate); nothing was changed.
    #[error("{0}")]
    Revisions(String),
    #[error("reading the control-plane revisions: {0}")]
    ReadRevisions(Box<ClusterError>),
    #[error(transparent)]
    CanaryState(Box<CanaryStateError>),
    #[error(transparent)]
    Plan(#[from] OutputError),
    #[error("interrupted by {} {during}: {state}", .signal.name())]
    Interrupted {
        signal: Signal,
        during: &'static str,
        state: String,
    },
}

impl From<ConfigError> for InstallError {
    fn from(e: ConfigError) -> Self {
        InstallError::Config(Box::new(e))
    }
}

impl InstallError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            InstallError::Config(_) => ErrorKind::Invalid,
            InstallError::Render(e) => e.kind(),
            InstallError::Connect(c) => cluster_kind(c),
            InstallError::CanaryState(c) => match c.as_ref() {
                CanaryStateError::OtherInProgress { .. } | CanaryStateError::Cluster(_) => {
                    ErrorKind::Failed
                }
            },
            InstallError::Interrupted { signal, .. } => ErrorKind::Interrupted(*signal),
            InstallError::Preflight { .. }
            | InstallError::RenderedFile(_)
            | InstallError::Istioctl { .. }
            | InstallError::IstioctlTimedOut { .. }
            | InstallError::Patch { .. }
            | InstallError::NotReady(_)
            | InstallError::InstalledVersion(_)
            | InstallError::Record(_)
            | InstallError::Revisions(_)
            | InstallError::ReadRevisions(_)
            | InstallError::Plan(_) => ErrorKind::Failed,
        }
    }
}

/// What an install did, for the closing line.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub version: String,
    /// The control-plane revision installed (`default` without `--revision`).
    pub revision: String,
    /// The IstioOperator injects namespaces without a label (Kyma's default mode): a revision
    /// tag must be set with `--auto-inject-namespaces`.
    pub auto_inject: bool,
    pub istioctl: PathBuf,
    /// The control plane's version before the run (`None`: none was installed).
    pub before: Option<String>,
    /// The profile in force (given, or kept from the record).
    pub profile: String,
    pub counts: Counts,
    pub elapsed: Duration,
    pub dry_run: bool,
    /// `--dry-run`: the plan, as YAML with comments.
    pub plan: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub applied: usize,
    pub unchanged: usize,
    pub skipped: usize,
    /// Objects of the previous profile's patches that the new one does not create.
    pub removed: usize,
}

/// What the preflight settled, for the phases after it.
struct Settled {
    rendered: Rendered,
    istioctl: PathBuf,
    /// The istioctl's (the target's) version.
    target: IstioVersion,
    /// The control plane's version before the run.
    before: Option<IstioVersion>,
    profile: crate::config::Profile,
    injection: crate::config::InjectionMode,
    recorded: Option<Record>,
    revisions: Revisions,
}

/// The phases, in order: validate locally, connect, preflight, plan, (dry run: stop), the
/// canary's saved state (canary mode), istioctl, then Kyma's phases after it.
pub async fn install(req: &InstallRequest, events: &dyn Events) -> Result<Summary, InstallError> {
    let started = Instant::now();
    let deadline = started + req.timeout;
    // Everything that needs no cluster is checked before the first request: exit 2, no network.
    let local = render::prepare(&req.config)?;
    validate_locally(&local, req)?;
    let cluster = crate::ops::connect(&req.target, events)
        .await
        .map_err(|e| InstallError::Connect(Box::new(e)))?;
    let settled = preflight_phase(req, &cluster, local, events).await?;
    let canary = req.upgrade.as_ref().is_some_and(|u| u.canary);
    let revision = choose_revision(&settled.revisions, &settled.target, canary)?;
    let plan = plan_phase(req, &settled, &revision, deadline)?;
    let mut summary = Summary {
        before: settled.before.as_ref().map(ToString::to_string),
        revision: revision.clone(),
        istioctl: settled.istioctl.clone(),
        profile: settled.profile.to_string(),
        auto_inject: components::injects_by_default(&plan.operator),
        ..Summary::default()
    };
    if req.dry_run {
        summary.plan = Some(plan.to_yaml()?);
        summary.dry_run = true;
        summary.elapsed = started.elapsed();
        events.note(Mark::Ok, "dry run: nothing was changed");
        return Ok(summary);
    }
    if canary {
        let target = settled.target.to_string();
        let at = (revision.as_str(), target.as_str());
        canary_state::prepare(
            &cluster,
            &settled.revisions,
            at,
            settled.recorded.as_ref(),
            events,
        )
        .await
        .map_err(|e| InstallError::CanaryState(Box::new(e)))?;
    }
    run_istioctl(&plan, deadline, events).await?;
    let (counts, version) =
        after_istioctl(req, &cluster, &settled, &plan, deadline, events).await?;
    summary.counts = counts;
    summary.version = version;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The preflight, and what it settled: the configuration in force, istioctl, the versions.
async fn preflight_phase(
    req: &InstallRequest,
    cluster: &Cluster,
    local: crate::config::RenderRequest,
    events: &dyn Events,
) -> Result<Settled, InstallError> {
    let input = preflight::Input {
        istioctl_flag: req.istioctl.clone(),
        config: Some(local),
        from_configmap: req.from_configmap.clone(),
        fix: req.fix,
        dry_run: req.dry_run,
        upgrade: req.upgrade.is_some(),
        restarts: req.upgrade.as_ref().is_some_and(|u| u.restarts),
        profile_given: req.config.profile_given,
        injection_given: req.config.injection_given,
        reuse_recorded: req.upgrade.as_ref().is_some_and(|u| u.reused),
        from_istio_cr: req.from_istio_cr.clone(),
        compatibility_given: req.config.compatibility_version.is_some(),
    };
    let mut pre = Preflight::new(events, cluster.clone(), input);
    let (rendered, istioctl) = run_preflight(&mut pre, events).await?;
    let learnt = pre.learnt;
    let (profile, injection) = learnt
        .config
        .as_ref()
        .map(|c| (c.profile, c.injection))
        .unwrap_or((req.config.profile, req.config.injection));
    if let (Some(UpgradeMode { reused: false, .. }), Some(rec)) = (&req.upgrade, &learnt.recorded) {
        show_changes(rec, &rendered, events);
    }
    // Read by the version gate; a preflight that passed has run it.
    let revisions = match learnt.revisions {
        Some(r) => r,
        None => Revisions::read(cluster)
            .await
            .map_err(|e| InstallError::ReadRevisions(Box::new(e)))?,
    };
    Ok(Settled {
        rendered,
        istioctl,
        target: learnt
            .istioctl
            .as_ref()
            .map(|(_, v)| v.clone())
            .ok_or_else(|| InstallError::Preflight {
                failed: vec!["istioctl".into()],
                detail: vec!["the preflight did not read istioctl's version".into()],
            })?,
        before: learnt.installed.clone(),
        profile,
        injection,
        recorded: learnt.recorded,
        revisions,
    })
}

/// What istioctl and the patches will do, decided before anything runs.
fn plan_phase(
    req: &InstallRequest,
    settled: &Settled,
    revision: &str,
    deadline: Instant,
) -> Result<Plan, InstallError> {
    Ok(Plan::new(
        &settled.rendered,
        settled.istioctl.clone(),
        (revision != revisions::DEFAULT).then(|| revision.to_string()),
        InstallOptions {
            kubeconfig: req.target.kubeconfig.clone(),
            context: req.target.context.clone(),
            timeout: req.timeout,
            configured_timeout: Some(req.timeout),
            extra_args: readiness_timeout_args(deadline.saturating_duration_since(Instant::now())),
            ..InstallOptions::default()
        },
        kyma::post_install(settled.profile, settled.injection, revision),
    )?)
}

/// Kyma's phases after istioctl: patches, the previous profile's left-overs, readiness,
/// convergence, the record. An interruption says how far they got.
async fn after_istioctl(
    req: &InstallRequest,
    cluster: &Cluster,
    settled: &Settled,
    plan: &Plan,
    deadline: Instant,
    events: &dyn Events,
) -> Result<(Counts, String), InstallError> {
    let (profile, injection) = (settled.profile, settled.injection);
    let revision = plan.revision.as_deref().unwrap_or(revisions::DEFAULT);
    let canary = req.upgrade.as_ref().is_some_and(|u| u.canary);
    let done = RefCell::new(Done::default());
    let work = async {
        let mut counts = apply_patches_tracked(cluster, &plan.patches, events, &done).await?;
        if let Some(old) = settled
            .recorded
            .as_ref()
            .and_then(|r| preflight::parse_profile(&r.profile))
            .filter(|old| *old != profile)
        {
            counts.removed = remove_left_over(cluster, old, profile, injection, events).await?;
        }
        wait_ready(cluster, &plan.operator, revision, deadline, events).await?;
        if settled.before.as_ref() != Some(&settled.target) || canary {
            wait_converged(
                cluster,
                &settled.target.to_string(),
                revision,
                deadline,
                events,
            )
            .await?;
        }
        done.borrow_mut().ready = true;
        let version = write_record(
            cluster,
            req,
            (profile, injection),
            &settled.rendered,
            plan,
            events,
        )
        .await?;
        Ok::<_, InstallError>((counts, version))
    };
    tokio::select! {
        r = work => r,
        sig = signal::interrupted() => Err(InstallError::Interrupted {
            signal: sig,
            during: "after istioctl install",
            state: done.borrow().describe(&plan.patches),
        }),
    }
}

/// The `--set` values the record keeps: the ones given, or (reused) the recorded ones, which
/// the render lists as `--set #N raw` sources.
fn rendered_sets(rendered: &Rendered, req: &InstallRequest) -> Vec<String> {
    if !req.config.sets.is_empty() {
        return req.config.sets.clone();
    }
    rendered
        .sources
        .iter()
        .filter_map(|s| s.strip_prefix("--set #"))
        .filter_map(|s| s.split_once(' ').map(|(_, raw)| raw.to_string()))
        .collect()
}

/// A profile switch removes what the old profile's patches created and the new one does not
/// (the local-only DestinationRule istio-system/istio-ingressgateway).
async fn remove_left_over(
    cluster: &Cluster,
    old: crate::config::Profile,
    new: crate::config::Profile,
    injection: crate::config::InjectionMode,
    events: &dyn Events,
) -> Result<usize, InstallError> {
    let keep: Vec<String> = kyma::post_install(new, injection, revisions::DEFAULT)
        .iter()
        .map(Patch::target)
        .collect();
    let mut removed = 0;
    for patch in kyma::post_install(old, injection, revisions::DEFAULT) {
        let patches::PatchKind::Apply {
            gvk,
            namespace,
            name,
            only_if_exists: false,
            ..
        } = &patch.kind
        else {
            continue;
        };
        if keep.contains(&patch.target()) {
            continue;
        }
        let step = events.step(format!("profile {old} -> {new}: remove {}", patch.target()));
        match cluster.delete_opt(gvk, namespace.as_deref(), name).await {
            Ok(true) => {
                removed += 1;
                step.ok("removed");
            }
            Ok(false) => step.ok("already gone"),
            Err(source) => {
                step.fail("failed");
                return Err(InstallError::Patch {
                    title: format!("removing {}", patch.target()),
                    cause: Box::new(source),
                });
            }
        }
    }
    Ok(removed)
}

/// What the new configuration changes against the recorded one, leaf by leaf, before
/// anything runs.
fn show_changes(rec: &Record, rendered: &Rendered, events: &dyn Events) {
    let Ok(recorded) = serde_saphyr::from_str::<serde_json::Value>(&rec.merged_yaml) else {
        events.note(
            Mark::Warn,
            "the recorded IstioOperator cannot be read; no comparison with the last install",
        );
        return;
    };
    let changes = crate::config::diff::leaf_changes(&recorded, &rendered.to_json());
    if changes.is_empty() {
        events.note(
            Mark::Ok,
            &format!(
                "configuration: no change against the install recorded at {}",
                rec.installed_at
            ),
        );
        return;
    }
    events.plain(&format!(
        "configuration changes against the install recorded at {} ({}):",
        rec.installed_at,
        changes.len()
    ));
    for c in changes.iter().take(40) {
        events.plain(&format!("  {c}"));
    }
    if changes.len() > 40 {
        events.plain(&format!("  ... and {} more", changes.len() - 40));
    }
}

/// The new control plane has converged when every istiod pod is ready and runs the target
/// version: only then may workloads be restarted onto it.
async fn wait_converged(
    cluster: &Cluster,
    target: &str,
    revision: &str,
    deadline: Instant,
    events: &dyn Events,
) -> Result<(), InstallError> {
    let step = events.long_step(format!("istiod pods on {target}"));
    // Only this revision's pods: during a canary the old control plane keeps its version.
    let selector = if revision == revisions::DEFAULT {
        format!("{}=istiod", names::APP_LABEL)
    } else {
        format!(
            "{}=istiod,{}={revision}",
            names::APP_LABEL,
            names::REV_LABEL
        )
    };
    match readiness::wait_pods_on_version(
        cluster,
        names::ISTIO_NAMESPACE,
        &selector,
        "discovery",
        target,
        deadline,
    )
    .await
    {
        Ok(n) => {
            step.ok(&format!("{n} ready"));
            Ok(())
        }
        Err(e) => {
            step.fail("not converged");
            Err(InstallError::NotReady(Box::new(e)))
        }
    }
}

/// The revision to install, or why none may be: an unfinished canary (two control planes)
/// must be finished or rolled back first; a revisioned control plane is reconciled under its
/// revision, and moves to another version only by a canary (its name carries the version).
fn choose_revision(
    revs: &Revisions,
    target: &IstioVersion,
    canary: bool,
) -> Result<String, InstallError> {
    let unfinished = || {
        InstallError::Revisions(format!(
            "{} control planes are installed: {}. A canary upgrade is unfinished: complete it with `kyma-mesh upgrade --finish`, or go back with `kyma-mesh upgrade --rollback`. Nothing was changed.",
            revs.control_planes.len(),
            revs.describe_all(" and ")
        ))
    };
    if canary {
        let revision = target.revision();
        if revs
            .control_planes
            .iter()
            .filter(|c| c.revision != revision)
            .count()
            > 1
        {
            return Err(unfinished());
        }
        return Ok(revision);
    }
    if revs.control_planes.len() > 1 {
        return Err(unfinished());
    }
    match revs.active() {
        None => Ok(revisions::DEFAULT.to_string()),
        Some(a) if a.revision == revisions::DEFAULT => Ok(a.revision.clone()),
        Some(a)
            if a.version
                .as_deref()
                .and_then(|v| v.parse::<IstioVersion>().ok())
                == Some(target.clone()) =>
        {
            Ok(a.revision.clone())
        }
        Some(a) => Err(InstallError::Revisions(format!(
            "the control plane is {}: installing Istio {target} in place would put a second control plane beside it. Upgrade it with `kyma-mesh upgrade --canary`. Nothing was changed.",
            revs.describe(a)
        ))),
    }
}

/// Files and `--set` rendered without the cluster. Schema-level problems are held back when
/// overrides may still come from the cluster (they come first and can make the result
/// valid); structural ones (syntax, a bad `--set`) never can.
fn validate_locally(
    local: &crate::config::RenderRequest,
    req: &InstallRequest,
) -> Result<(), InstallError> {
    use crate::config::{InjectionMode, Profile};
    // Cluster overrides come first and can make a schema-level problem go away, so with them
    // only structural problems (syntax, a bad --set) are final here.
    let cluster_may_add =
        req.from_configmap.is_some() || req.from_istio_cr.is_some() || req.config.files.is_empty();
    match render::validate_quietly(local) {
        Ok(_) => Ok(()),
        Err(ConfigError::Invalid(_)) if cluster_may_add => Ok(()),
        // The recorded profile or injection mode may replace the default: the input is invalid
        // for certain only when it is invalid with every profile and mode it could meet.
        Err(e @ ConfigError::Invalid(_))
            if !req.config.profile_given || !req.config.injection_given =>
        {
            let profiles = if req.config.profile_given {
                vec![local.profile]
            } else {
                Profile::ALL.to_vec()
            };
            let modes = if req.config.injection_given {
                vec![local.injection]
            } else {
                vec![InjectionMode::Default, InjectionMode::OptIn]
            };
            for profile in profiles {
                for &injection in &modes {
                    let mut other = local.clone();
                    other.profile = profile;
                    other.injection = injection;
                    if render::validate_quietly(&other).is_ok() {
                        return Ok(());
                    }
                }
            }
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs the preflight checks; every failure is reported, then the run stops before any change.
async fn run_preflight(
    pre: &mut Preflight<'_>,
    events: &dyn Events,
) -> Result<(Rendered, PathBuf), InstallError> {
    let list = preflight::checks(true);
    let report = checks::run(&list, pre, &mut EventsObserver::new(events)).await;
    if let Some(e) = pre.learnt.config_error.take() {
        return Err(e.into());
    }
    if !report.success {
        // The progress lines said each failure and its detail; the error adds the hints. With
        // -q nothing was said, so the error says it all.
        let shown = events.shown();
        let failed: Vec<_> = report
            .results()
            .filter(|r| r.result == Status::Error)
            .collect();
        let detail = failed
            .iter()
            .filter_map(|r| {
                let mut s = String::new();
                if !shown {
                    s.push_str(&format!("{}: {}", r.description, r.message));
                    for d in &r.detail {
                        s.push_str(&format!("\n    {d}"));
                    }
                }
                if let Some(h) = &r.hint {
                    if !s.is_empty() {
                        s.push_str("\n  ");
                    }
                    s.push_str(&format!("hint: {}", h.replace('\n', "\n    ")));
                }
                (!s.is_empty()).then_some(s)
            })
            .collect();
        return Err(InstallError::Preflight {
            failed: failed.iter().map(|r| r.description.to_string()).collect(),
            detail,
        });
    }
    match (pre.learnt.rendered.take(), pre.learnt.istioctl.clone()) {
        (Some(r), Some((located, _))) => Ok((r, located.path)),
        // Unreachable while the runner reports success only when every check passed.
        _ => Err(InstallError::Preflight {
            failed: vec!["configuration".into()],
            detail: vec!["the preflight did not produce a configuration".into()],
        }),
    }
}

/// istioctl waits for its components itself (5 minutes by default). Giving it a little less
/// than our own deadline lets it say which resource is not ready before we would have to kill it.
fn readiness_timeout_args(remaining: Duration) -> Vec<String> {
    let secs = (remaining.as_secs_f64() * 0.9).floor().max(1.0) as u64;
    vec!["--readiness-timeout".into(), format!("{secs}s")]
}

async fn run_istioctl(
    plan: &Plan,
    deadline: Instant,
    events: &dyn Events,
) -> Result<(), InstallError> {
    let file = RenderedFile::write(&plan.operator_yaml).map_err(InstallError::RenderedFile)?;
    let step = events.long_step(match &plan.revision {
        Some(r) => format!("istioctl install --revision {r}"),
        None => "istioctl install".into(),
    });
    let remaining = deadline.saturating_duration_since(Instant::now());
    let opts = InstallOptions {
        timeout: remaining,
        extra_args: readiness_timeout_args(remaining),
        ..plan.options.clone()
    };
    let on_line = |line: OutputLine| on_istioctl_line(&step, line);
    let result = istioctl::install(
        &plan.istioctl,
        file.path(),
        plan.revision.as_deref(),
        &opts,
        on_line,
        |retry| on_istioctl_retry(&step, retry),
        signal::interrupted(),
    )
    .await;
    drop(file);
    match result {
        Ok(report) => {
            step.ok(&format!("done in {}", fmt_duration(report.duration)));
            Ok(())
        }
        Err(IstioctlError::Cancelled { signal }) => {
            step.fail("interrupted");
            Err(InstallError::Interrupted {
                signal,
                during: "while istioctl was installing",
                state: "istioctl was stopped; the cluster may hold a partial Istio installation and no Kyma patches were applied. Run `kyma-mesh install` again to complete it.".into(),
            })
        }
        Err(source @ IstioctlError::TimedOut { .. }) => {
            step.fail("timed out");
            Err(InstallError::IstioctlTimedOut { cause: source })
        }
        Err(source) => {
            step.fail("failed");
            Err(InstallError::Istioctl { cause: source })
        }
    }
}

/// A transient istioctl failure about to be retried, kept on screen under the step.
pub(crate) fn on_istioctl_retry(step: &Step, retry: &istioctl::Retry) {
    step.sub(
        Mark::Warn,
        // istioctl's own line (`retry.reason`) is already on screen, as every stderr line is.
        &format!(
            "a transient API error: running istioctl again in {} (retry {} of {})",
            fmt_duration(retry.delay),
            retry.retry,
            retry.of
        ),
    );
}

pub(crate) fn on_istioctl_line(step: &Step, line: OutputLine) {
    step.trace(&format!("istioctl: {}", line.text.trim_end()));
    let text = line.text.trim();
    if text.is_empty() {
        return;
    }
    // istioctl marks finished components with ✔ and problems with ✘ / "Error". It writes all
    // of its install output to stderr, with its logo and "- Processing resources for ..."
    // progress lines: those are neither results nor warnings.
    if let Some(done) = text.strip_prefix('✔') {
        step.sub(Mark::Ok, done.trim());
    } else if text.starts_with("- ") {
        step.update(text);
    } else if text.chars().all(|c| " |/\\_".contains(c)) {
        // the logo: traced above, nothing to show
    } else if line.stream == Stream::Stderr || text.starts_with('✘') {
        step.sub(Mark::Warn, text.trim_start_matches('✘').trim());
    } else {
        step.update(text);
    }
}

/// How far the phases after istioctl got, for the message of an interruption.
#[derive(Debug, Default)]
pub struct Done {
    /// Patches finished (applied, unchanged or skipped), in order.
    pub patches: usize,
    /// A patch request was under way.
    pub in_flight: bool,
    pub ready: bool,
}

impl Done {
    /// What was done and what was not, and what to do.
    pub fn describe(&self, list: &[Patch]) -> String {
        let name = |p: &Patch| format!("{} ({})", p.title, p.target());
        let mut done = vec!["istioctl install".to_string()];
        done.extend(list.iter().take(self.patches).map(name));
        let mut not_done: Vec<String> = Vec::new();
        for (i, p) in list.iter().enumerate().skip(self.patches) {
            if i == self.patches && self.in_flight {
                not_done.push(format!(
                    "{} (was being applied: it may have landed)",
                    name(p)
                ));
            } else {
                not_done.push(name(p));
            }
        }
        if !self.ready {
            not_done.push("the wait for istiod and the gateways".into());
        }
        not_done.push(format!(
            "the record {}/{}",
            names::ISTIO_NAMESPACE,
            record::NAME
        ));
        format!(
            "Istio is installed, Kyma's post-install configuration is incomplete.\n  done: {}\n  not done: {}\nRun `kyma-mesh install` again: it finishes what is missing and changes nothing else.",
            done.join("; "),
            not_done.join("; ")
        )
    }
}

/// Applies every patch, each only where its fields differ (for steps that need no report of
/// an interruption, such as the canary's tag webhooks).
pub async fn apply_patches(
    cluster: &Cluster,
    list: &[Patch],
    events: &dyn Events,
) -> Result<Counts, InstallError> {
    apply_patches_tracked(cluster, list, events, &RefCell::default()).await
}

/// As `apply_patches`, noting in `done` how far it got.
async fn apply_patches_tracked(
    cluster: &Cluster,
    list: &[Patch],
    events: &dyn Events,
    done: &RefCell<Done>,
) -> Result<Counts, InstallError> {
    let mut counts = Counts::default();
    for patch in list {
        let step = events.step(format!("{} ({})", patch.title, patch.target()));
        done.borrow_mut().in_flight = true;
        let result = patches::apply_patch(cluster, patch).await;
        {
            let mut d = done.borrow_mut();
            d.in_flight = false;
            if result.is_ok() {
                d.patches += 1;
            }
        }
        match result {
            Ok(outcome) => {
                match outcome {
                    Outcome::Applied => counts.applied += 1,
                    Outcome::Unchanged => counts.unchanged += 1,
                    Outcome::Skipped(_) => counts.skipped += 1,
                }
                step.ok(&outcome.describe());
            }
            Err(source) => {
                step.fail("failed");
                return Err(InstallError::Patch {
                    title: patch.title.clone(),
                    cause: Box::new(source),
                });
            }
        }
    }
    Ok(counts)
}

/// istiod and every enabled ingress gateway of the IstioOperator must become available before
/// the deadline.
pub async fn wait_ready(
    cluster: &Cluster,
    operator: &serde_json::Value,
    revision: &str,
    deadline: Instant,
    events: &dyn Events,
) -> Result<(), InstallError> {
    let mut deployments = vec![(
        names::ISTIO_NAMESPACE.to_string(),
        revisions::istiod_name(revision),
    )];
    deployments.extend(components::enabled_ingress_gateways(operator));
    for (ns, name) in deployments {
        let step = events.long_step(format!("{name} ready"));
        match readiness::wait_available(cluster, &ns, &name, deadline).await {
            Ok(()) => step.ok("available"),
            Err(e) => {
                step.fail("not available");
                return Err(InstallError::NotReady(Box::new(e)));
            }
        }
    }
    Ok(())
}

async fn write_record(
    cluster: &Cluster,
    req: &InstallRequest,
    (profile, injection): (crate::config::Profile, crate::config::InjectionMode),
    rendered: &Rendered,
    plan: &Plan,
    events: &dyn Events,
) -> Result<String, InstallError> {
    let revision = plan.revision.as_deref().unwrap_or(revisions::DEFAULT);
    // The version of the revision just installed (during a canary, not yet the active one).
    let version = Revisions::read(cluster)
        .await
        .map_err(|e| InstallError::InstalledVersion(Box::new(e)))?
        .get(revision)
        .and_then(|c| c.version.clone())
        .unwrap_or_default();
    let step = events.step("record");
    let rec = Record {
        profile: profile.to_string(),
        sidecar_injection: injection.to_string(),
        overrides_yaml: plan.overrides_yaml.clone(),
        sets: rendered_sets(rendered, req),
        sources: rendered.sources.clone(),
        merged_yaml: plan.operator_yaml.clone(),
        istio_version: version.clone(),
        installed_at: record::now_rfc3339(),
        compatibility_version: rendered.to_json()["spec"]["compatibilityVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    };
    if let Err(e) = record::write(cluster, &rec).await {
        step.fail("failed");
        return Err(InstallError::Record(Box::new(e)));
    }
    step.ok(&format!("{}/{}", names::ISTIO_NAMESPACE, record::NAME));
    Ok(version)
}
