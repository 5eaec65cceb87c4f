//! `uninstall`: `istioctl uninstall --purge -y`, then what kyma-mesh itself added (its patches'
//! objects, its record, its namespace labels), then the workloads that still run sidecars.
//! Refuses while Istio resources exist that kyma-mesh did not create: purging Istio's CRDs would
//! delete them with it.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::cluster::kinds::{
    AUTHORIZATION_POLICY, CONFIG_MAP, DESTINATION_RULE, ENVOY_FILTER, GATEWAY, NAMESPACE,
    PEER_AUTHENTICATION, VIRTUAL_SERVICE,
};
use crate::cluster::patches::PatchKind;
use crate::cluster::{Cluster, ClusterError, FIELD_MANAGER, Gvk, namespaces, record};
use crate::cluster::{inventory, revisions, workloads};
use crate::config::{InjectionMode, Profile};
use crate::istioctl::{self, InstallOptions as ClusterOptions, IstioctlError, OutputLine};
use crate::kyma::{self, EXCLUDED_NAMESPACES, OPT_IN_NAMESPACE};
use crate::names::{INJECTION_LABEL, ISTIO_NAMESPACE, MANAGED_BY_LABEL, OWNING_RESOURCE_LABEL};
use crate::ops::Target;
use crate::ops::error::{ErrorKind, cluster_kind};
use crate::ops::events::{Events, Mark};
use crate::ops::signal::{self, Signal};
use crate::ops::workloads::{self as restarts, RestartPlan};
use crate::util::fmt_duration;

/// The Istio kinds whose objects a user may have created.
pub const USER_KINDS: [Gvk; 6] = [
    VIRTUAL_SERVICE,
    DESTINATION_RULE,
    GATEWAY,
    AUTHORIZATION_POLICY,
    PEER_AUTHENTICATION,
    ENVOY_FILTER,
];

/// istioctl labels what it installs so.

#[derive(Debug, Clone)]
pub struct UninstallRequest {
    pub target: Target,
    pub istioctl: Option<PathBuf>,
    pub force: bool,
    pub no_restart: bool,
    pub dry_run: bool,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum UninstallError {
    #[error("{0}")]
    Connect(ClusterError),
    #[error("{0}")]
    Istioctl(IstioctlError),
    #[error("reading the cluster: {0}; nothing was changed")]
    Inventory(ClusterError),
    #[error(
        "{} that kyma-mesh did not create; uninstalling deletes them with Istio's CRDs:{}\nNothing was changed. Delete them first, or pass --force to delete them with Istio.",
        crate::util::plural(.0.len(), "Istio resource exists", "Istio resources exist"), crate::util::indented(.0)
    )]
    UserResources(Vec<String>),
    #[error(
        "{cause}\nNothing of kyma-mesh's own objects was removed yet; the cluster may hold a partially removed Istio: run kyma-mesh uninstall again."
    )]
    IstioctlFailed { cause: IstioctlError },
    #[error("{what}: {cause}\nDone: {}. Not done: {}. Run kyma-mesh uninstall again to finish.", .done.join(", "), .not_done.join(", "))]
    Step {
        what: String,
        done: Vec<String>,
        not_done: Vec<String>,
        cause: ClusterError,
    },
    #[error("interrupted by {}. Done: {}. Not done: {}. Run kyma-mesh uninstall again to finish.", .signal.name(), or_nothing(.done), or_nothing(.not_done))]
    Interrupted {
        signal: Signal,
        done: Vec<String>,
        not_done: Vec<String>,
    },
}

fn or_nothing(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

impl UninstallError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            UninstallError::Connect(c) => cluster_kind(c),
            UninstallError::Interrupted { signal, .. } => ErrorKind::Interrupted(*signal),
            UninstallError::Istioctl(_)
            | UninstallError::Inventory(_)
            | UninstallError::UserResources(_)
            | UninstallError::IstioctlFailed { .. }
            | UninstallError::Step { .. } => ErrorKind::Failed,
        }
    }
}

/// An object kyma-mesh will delete.
#[derive(Debug, Clone)]
pub struct Owned {
    pub gvk: Gvk,
    pub namespace: Option<String>,
    pub name: String,
    /// Fields someone else changed in it, per manager: `kubectl-patch: spec.mtls.mode`. It is
    /// still kyma-mesh's (it created it) and is deleted; this is said so nobody is surprised.
    pub changed_by_others: Vec<String>,
}

impl Owned {
    fn describe(&self) -> String {
        self.gvk.describe(self.namespace.as_deref(), &self.name)
    }

    /// "PeerAuthentication istio-system/default (also changed by kubectl-patch: spec.mtls.mode)"
    pub fn describe_changes(&self) -> String {
        if self.changed_by_others.is_empty() {
            return self.describe();
        }
        format!(
            "{} (also changed by {})",
            self.describe(),
            self.changed_by_others.join("; ")
        )
    }
}

/// What the uninstall will do, decided before it changes anything.
#[derive(Debug, Clone)]
pub struct Plan {
    pub istioctl: Vec<String>,
    /// Istio resources kyma-mesh did not create (deleted with the CRDs under --force).
    pub user_resources: Vec<String>,
    pub owned: Vec<Owned>,
    /// (namespace, label value) to remove.
    pub labels: Vec<(String, String)>,
    /// Workloads whose pods run sidecars now.
    pub restarts: RestartPlan,
}

impl Plan {
    pub fn to_text(&self, no_restart: bool) -> String {
        let mut s =
            String::from("# kyma-mesh uninstall --dry-run: nothing below has been done.\n#\n");
        s.push_str(&format!("# 1. istioctl (removes Istio and its CRDs, and with them every Istio resource):\n{}\n#\n", istioctl::shell_join(&self.istioctl)));
        if !self.user_resources.is_empty() {
            s.push_str("#    Istio resources you created, deleted with the CRDs (--force):\n");
            for r in &self.user_resources {
                s.push_str(&format!("#      {r}\n"));
            }
            s.push_str("#\n");
        }
        s.push_str("# 2. kyma-mesh's own objects, deleted:\n");
        for o in &self.owned {
            s.push_str(&format!("#    {}\n", o.describe_changes()));
        }
        s.push_str("#\n# 3. kyma-mesh's namespace labels, removed:\n");
        if self.labels.is_empty() {
            s.push_str("#    (none)\n");
        }
        for (ns, v) in &self.labels {
            s.push_str(&format!("#    Namespace {ns}: {INJECTION_LABEL}={v}\n"));
        }
        s.push_str(&format!(
            "#\n# 4. Workloads still running sidecars, {}:\n",
            if no_restart {
                "listed (--no-restart)"
            } else {
                "restarted without them"
            }
        ));
        if self.restarts.is_empty() {
            s.push_str("#    (none)\n");
        }
        for l in self.restarts.lines() {
            s.push_str(&format!("#    {l}\n"));
        }
        s
    }
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub dry_run: bool,
    pub stdout: String,
    pub deleted: usize,
    pub labels_removed: usize,
    pub restarted: Vec<String>,
    /// Pods still running sidecars that were not restarted (manual, or --no-restart).
    pub remaining: Vec<String>,
    pub elapsed: Duration,
}

/// The fields each manager other than kyma-mesh owns in the object, from its managedFields:
/// `kubectl-patch: spec.mtls.mode`. Metadata bookkeeping (labels and annotations kubectl adds)
/// is left out unless it is all a manager touched.
fn changed_by_others(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in v["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(manager) = entry["manager"].as_str() else {
            continue;
        };
        if manager == FIELD_MANAGER {
            continue;
        }
        let mut leaves = Vec::new();
        field_leaves(&entry["fieldsV1"], String::new(), &mut leaves);
        let spec: Vec<&String> = leaves
            .iter()
            .filter(|l| !l.starts_with("metadata."))
            .collect();
        let shown: Vec<&String> = if spec.is_empty() {
            leaves.iter().collect()
        } else {
            spec
        };
        let fields = shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let line = if fields.is_empty() {
            manager.to_string()
        } else {
            format!("{manager}: {fields}")
        };
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The leaf paths of a `fieldsV1` set (`{"f:spec":{"f:mtls":{"f:mode":{}}}}` -> `spec.mtls.mode`;
/// list items keyed `k:{...}` or `v:...` are shown as `[...]`).
fn field_leaves(set: &Value, prefix: String, out: &mut Vec<String>) {
    let Some(map) = set.as_object() else { return };
    let children: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| k.as_str() != ".").collect();
    if children.is_empty() {
        if !prefix.is_empty() {
            out.push(prefix);
        }
        return;
    }
    for (key, child) in children {
        let path = match key.split_once(':') {
            Some(("f", name)) if prefix.is_empty() => name.to_string(),
            Some(("f", name)) => format!("{prefix}.{name}"),
            Some((_, item)) => format!("{prefix}[{item}]"),
            None => format!("{prefix}.{key}"),
        };
        field_leaves(child, path, out);
    }
}

fn managers(v: &Value) -> Vec<String> {
    v["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["manager"].as_str().map(str::to_string))
        .collect()
}

/// The objects Kyma's patches create (every profile and mode), as (kind, namespace, name).
fn patch_objects() -> Vec<Owned> {
    kyma::post_install(Profile::Local, InjectionMode::OptIn, revisions::DEFAULT)
        .into_iter()
        .filter_map(|p| match p.kind {
            PatchKind::Apply {
                gvk,
                namespace,
                name,
                ..
            } if gvk != NAMESPACE => Some(Owned {
                gvk,
                namespace,
                name,
                changed_by_others: Vec::new(),
            }),
            _ => None,
        })
        .collect()
}

/// Splits the cluster's Istio resources into kyma-mesh's own (a patch's object kyma-mesh
/// wrote, even when someone else changed a field of it since: said, and deleted) and everyone
/// else's; istioctl's own are neither (it removes them).
async fn inventory(cluster: &Cluster) -> Result<(Vec<Owned>, Vec<String>), ClusterError> {
    let ours = patch_objects();
    let mut owned = Vec::new();
    let mut users = Vec::new();
    for gvk in USER_KINDS {
        let items = match cluster.list_all(&gvk, None).await {
            Ok(items) => items,
            // The CRD is gone (Istio already uninstalled): nothing of that kind exists.
            Err(e) if e.status_code() == Some(404) => continue,
            Err(e) => return Err(e),
        };
        for item in items {
            let v = serde_json::to_value(&item).unwrap_or_default();
            let ns = item.metadata.namespace.clone();
            let name = item.metadata.name.clone().unwrap_or_default();
            if v["metadata"]["labels"][OWNING_RESOURCE_LABEL].is_string() {
                continue;
            }
            let by = managers(&v);
            let is_patch = ours
                .iter()
                .any(|o| o.gvk == gvk && o.namespace == ns && o.name == name);
            let what = gvk.describe(ns.as_deref(), &name);
            // Kyma's object, written by kyma-mesh: its own, whoever changed a field since.
            let labelled = v["metadata"]["labels"][MANAGED_BY_LABEL] == kyma::MANAGED_BY;
            if is_patch && (labelled || by.is_empty() || by.iter().any(|m| m == FIELD_MANAGER)) {
                owned.push(Owned {
                    gvk: gvk.clone(),
                    namespace: ns,
                    name,
                    changed_by_others: changed_by_others(&v),
                });
            } else if by.is_empty() {
                users.push(what);
            } else {
                users.push(format!("{what} (by {})", by.join(", ")));
            }
        }
    }
    Ok((owned, users))
}

/// kyma-mesh's namespace labels that are still in place.
async fn own_labels(cluster: &Cluster) -> Result<Vec<(String, String)>, ClusterError> {
    // kyma-system's label is kyma-mesh's only when the last install was in opt-in mode.
    let opt_in = record::read(cluster)
        .await?
        .is_some_and(|r| r.sidecar_injection == InjectionMode::OptIn.to_string());
    let mut wanted: Vec<(&str, &str)> = EXCLUDED_NAMESPACES
        .iter()
        .map(|n| (*n, "disabled"))
        .collect();
    if opt_in {
        wanted.push((OPT_IN_NAMESPACE, "enabled"));
    }
    let mut out = Vec::new();
    for (ns, value) in wanted {
        if let Some(n) = namespaces::get(cluster, ns).await?
            && namespaces::label(&n, INJECTION_LABEL) == Some(value)
        {
            out.push((ns.to_string(), value.to_string()));
        }
    }
    Ok(out)
}

/// Pods outside istio-system that run an injected sidecar, and who restarts them.
async fn sidecar_workloads(cluster: &Cluster) -> Result<RestartPlan, ClusterError> {
    let mut with = restarts::PodGroups::default();
    inventory::scan_pods(cluster, None, |p| {
        if p.metadata.namespace != ISTIO_NAMESPACE
            && p.metadata.deletion_timestamp.is_none()
            && workloads::has_sidecar(&p)
        {
            with.add(&p);
        }
    })
    .await?;
    with.plan(cluster).await
}

/// The steps after the inventory, in order; an error or an interruption names what is done
/// and what is not.
const STEPS: [&str; 4] = [
    "istioctl uninstall --purge",
    "delete kyma-mesh's objects",
    "remove kyma-mesh's namespace labels",
    "restart workloads with sidecars",
];

fn step_names(no_restart: bool) -> Vec<String> {
    let mut all: Vec<String> = STEPS.iter().map(|s| s.to_string()).collect();
    if no_restart {
        all[3] = "list workloads with sidecars".into();
    }
    all
}

pub async fn uninstall(
    req: &UninstallRequest,
    events: &dyn Events,
) -> Result<Summary, UninstallError> {
    let started = Instant::now();
    let deadline = started + req.timeout;
    let cluster = crate::ops::connect(&req.target, events)
        .await
        .map_err(UninstallError::Connect)?;
    let located = istioctl::locate(req.istioctl.as_deref()).map_err(UninstallError::Istioctl)?;
    let options = ClusterOptions {
        kubeconfig: req.target.kubeconfig.clone(),
        context: req.target.context.clone(),
        timeout: req.timeout,
        ..ClusterOptions::default()
    };
    let plan = take_inventory(&cluster, req.force, events).await?;
    let plan = Plan {
        istioctl: istioctl::uninstall_command_line(&located.path, &options),
        ..plan
    };
    if req.dry_run {
        return Ok(Summary {
            dry_run: true,
            stdout: plan.to_text(req.no_restart),
            elapsed: started.elapsed(),
            ..Default::default()
        });
    }
    let mut sig = Box::pin(signal::interrupted());
    let remaining = deadline.saturating_duration_since(Instant::now());
    let opts = ClusterOptions {
        timeout: remaining,
        ..options
    };
    run_istioctl(&located.path, &opts, req.no_restart, &mut sig, events).await?;
    let mut summary = remove_own(&cluster, &plan, req.no_restart, &mut sig, events).await?;
    if !summary.remaining.is_empty() {
        events.note(
            Mark::Warn,
            &format!(
                "{} still run sidecars{}:",
                summary.remaining.len(),
                if req.no_restart {
                    " (--no-restart)"
                } else {
                    ""
                }
            ),
        );
        for r in &summary.remaining {
            events.plain(&format!("    {r}"));
        }
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// What there is to remove, and the user's own Istio resources (which stop the uninstall
/// unless `--force`).
async fn take_inventory(
    cluster: &Cluster,
    force: bool,
    events: &dyn Events,
) -> Result<Plan, UninstallError> {
    let step = events.step("inventory");
    let (mut owned, user_resources) = inventory(cluster)
        .await
        .map_err(UninstallError::Inventory)?;
    if !user_resources.is_empty() && !force {
        step.fail(&format!(
            "{} Istio resources of yours",
            user_resources.len()
        ));
        return Err(UninstallError::UserResources(user_resources));
    }
    if cluster
        .get_opt(&CONFIG_MAP, Some(ISTIO_NAMESPACE), record::NAME)
        .await
        .map_err(UninstallError::Inventory)?
        .is_some()
    {
        owned.push(Owned {
            gvk: CONFIG_MAP,
            namespace: Some(ISTIO_NAMESPACE.into()),
            name: record::NAME.into(),
            changed_by_others: Vec::new(),
        });
    }
    for o in owned.iter().filter(|o| !o.changed_by_others.is_empty()) {
        step.sub(
            Mark::Warn,
            &format!(
                "{}: kyma-mesh's, removed although {} changed it",
                o.describe(),
                o.changed_by_others.join("; ")
            ),
        );
    }
    let labels = own_labels(cluster)
        .await
        .map_err(UninstallError::Inventory)?;
    let restarts = sidecar_workloads(cluster)
        .await
        .map_err(UninstallError::Inventory)?;
    step.ok(&format!(
        "{} own objects, {} labels, {} pods with sidecars{}",
        owned.len(),
        labels.len(),
        restarts.pod_count(),
        if user_resources.is_empty() {
            String::new()
        } else {
            format!(
                ", {} Istio resources of yours (--force)",
                user_resources.len()
            )
        }
    ));
    Ok(Plan {
        istioctl: Vec::new(),
        user_resources,
        owned,
        labels,
        restarts,
    })
}

/// Step 1: `istioctl uninstall --purge`.
async fn run_istioctl(
    istioctl: &std::path::Path,
    opts: &ClusterOptions,
    no_restart: bool,
    sig: &mut std::pin::Pin<Box<impl std::future::Future<Output = signal::Signal>>>,
    events: &dyn Events,
) -> Result<(), UninstallError> {
    let step = events.long_step(STEPS[0]);
    let on_line = |line: OutputLine| {
        let t = line.text.trim();
        if let Some(ok) = t.strip_prefix('✔') {
            step.sub(Mark::Ok, ok.trim());
        } else if !t.is_empty() {
            step.update(t);
        }
    };
    let on_retry = |retry: &istioctl::Retry| crate::ops::install::on_istioctl_retry(&step, retry);
    match istioctl::uninstall(istioctl, opts, on_line, on_retry, sig).await {
        Ok(r) => {
            step.ok(&format!("done in {}", fmt_duration(r.duration)));
            Ok(())
        }
        Err(IstioctlError::Cancelled { signal }) => {
            step.fail("interrupted");
            Err(UninstallError::Interrupted {
                signal,
                done: Vec::new(),
                not_done: step_names(no_restart),
            })
        }
        Err(source) => {
            step.fail("failed");
            Err(UninstallError::IstioctlFailed { cause: source })
        }
    }
}

/// Steps 2-4: kyma-mesh's own objects and labels, then the workloads that still run sidecars.
/// Each can be interrupted between requests.
async fn remove_own(
    cluster: &Cluster,
    plan: &Plan,
    no_restart: bool,
    sig: &mut std::pin::Pin<Box<impl std::future::Future<Output = signal::Signal>>>,
    events: &dyn Events,
) -> Result<Summary, UninstallError> {
    let names = step_names(no_restart);
    let mut summary = Summary::default();
    let work = async {
        let step = events.step("kyma-mesh's objects");
        for o in &plan.owned {
            if cluster
                .delete_opt(&o.gvk, o.namespace.as_deref(), &o.name)
                .await
                .map_err(|e| (1, format!("deleting {}", o.describe()), e))?
            {
                summary.deleted += 1;
            }
        }
        step.ok(&format!(
            "{} deleted ({} already gone with Istio's CRDs)",
            summary.deleted,
            plan.owned.len() - summary.deleted
        ));
        let step = events.step("kyma-mesh's namespace labels");
        for (ns, _) in &plan.labels {
            namespaces::set_label(cluster, ns, INJECTION_LABEL, None)
                .await
                .map_err(|e| {
                    (
                        2,
                        format!("removing label {INJECTION_LABEL} of Namespace {ns}"),
                        e,
                    )
                })?;
            summary.labels_removed += 1;
        }
        step.ok(&format!("{} removed", summary.labels_removed));
        // Re-read: istioctl removed the gateways, and pods may have come and gone.
        let now = sidecar_workloads(cluster)
            .await
            .map_err(|e| (3, "listing the pods with sidecars".to_string(), e))?;
        if no_restart {
            summary.remaining = now.lines();
        } else {
            restarts::restart(cluster, &now, events)
                .await
                .map_err(|e| (3, e.step(), e.error))?;
            summary.restarted = now.workloads.keys().map(ToString::to_string).collect();
            summary.remaining = now
                .manual
                .iter()
                .map(|(pod, why)| format!("pod {pod}: {why}"))
                .collect();
        }
        Ok::<_, (usize, String, ClusterError)>(())
    };
    let outcome = tokio::select! {
        r = work => r,
        s = sig => {
            // Steps 2-4 are quick; which one was cut short is not tracked finer than this.
            return Err(UninstallError::Interrupted {
                signal: s,
                done: names[..1].to_vec(),
                not_done: names[1..].iter().map(|s| format!("{s} (possibly in part)")).collect(),
            });
        }
    };
    if let Err((failed, what, cause)) = outcome {
        return Err(UninstallError::Step {
            not_done: names[failed..].to_vec(),
            what,
            done: names[..failed].to_vec(),
            cause,
        });
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_objects_are_kymas_three() {
        let names: Vec<String> = patch_objects().iter().map(Owned::describe).collect();
        assert_eq!(
            names,
            [
                "PeerAuthentication istio-system/default",
                "DestinationRule istio-system/api-server",
                "DestinationRule istio-system/istio-ingressgateway",
            ]
        );
    }
}
