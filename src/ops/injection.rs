//! `injection enable|disable|status`: "Issues with Istio sidecar injection" of Kyma's Service
//! Mesh troubleshooting guide. Who gets a sidecar is decided when a pod is created, from the
//! namespace label `istio-injection`, the injector's default (`enableNamespacesByDefault`,
//! visible as its `auto.` webhook) and the pod's `sidecar.istio.io/inject`; so every change
//! names the pods that must be re-created.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::Namespace;
use serde::Serialize;
use serde_json::json;

use crate::cluster::kinds::{DEPLOYMENT, MUTATING_WEBHOOK};
use crate::cluster::pods::Pod;
use crate::cluster::revisions::Revisions;
use crate::cluster::workloads::{self, WorkloadKind};
use crate::cluster::{Cluster, ClusterError, inventory, namespaces};
use crate::kyma::{EXCLUDED_NAMESPACES, INJECTOR_SUFFIX, injector_configs};
// `LABEL`: the namespace switch this command flips.
use crate::names::{INJECT, INJECTION_LABEL as LABEL, REV_LABEL};
use crate::ops::Target;
use crate::ops::error::{ErrorKind, cluster_kind};
use crate::ops::events::Events;
use crate::ops::workloads::{self as restarts, RestartFailed, RestartPlan};

/// What to switch.
#[derive(Debug, Clone)]
pub enum Subject {
    Namespace(String),
    Deployment { namespace: String, name: String },
}

#[derive(Debug, Clone)]
pub struct ChangeRequest {
    pub target: Target,
    pub subject: Subject,
    pub enable: bool,
    pub restart: bool,
    pub force: bool,
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum InjectionError {
    #[error("{0}")]
    Connect(ClusterError),
    #[error("{0}")]
    Protected(crate::InvalidInput),
    #[error("{what} does not exist; nothing was changed")]
    NotFound { what: String },
    #[error("reading the cluster: {0}")]
    Read(ClusterError),
    #[error("{0}; nothing was changed")]
    Write(ClusterError),
    #[error(
        "{cause}\nThe injection change was made; restart the remaining workloads again with --restart."
    )]
    Restart { cause: RestartFailed },
}

impl InjectionError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            InjectionError::Connect(c) => cluster_kind(c),
            InjectionError::Protected(_) => ErrorKind::Invalid,
            InjectionError::NotFound { .. }
            | InjectionError::Read(_)
            | InjectionError::Write(_)
            | InjectionError::Restart { .. } => ErrorKind::Failed,
        }
    }
}

/// The injector as installed: whether it exists and whether namespaces without a label get
/// sidecars (Istio adds the `auto.` webhook exactly when `enableNamespacesByDefault` is true).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Injector {
    pub installed: bool,
    pub enable_namespaces_by_default: bool,
}

impl Injector {
    pub fn mode(&self) -> &'static str {
        match (self.installed, self.enable_namespaces_by_default) {
            (false, _) => "no injector",
            (true, true) => "default",
            (true, false) => "opt-in",
        }
    }
}

pub async fn injector(cluster: &Cluster) -> Result<Injector, ClusterError> {
    let mut out = Injector {
        installed: false,
        enable_namespaces_by_default: false,
    };
    let revs = Revisions::read(cluster).await?;
    for (config, _) in injector_configs(revs.active_revision()) {
        let Some(wh) = cluster.get_opt(&MUTATING_WEBHOOK, None, &config).await? else {
            continue;
        };
        let v = serde_json::to_value(wh).unwrap_or_default();
        for hook in v["webhooks"].as_array().into_iter().flatten() {
            let name = hook["name"].as_str().unwrap_or_default();
            if name.ends_with(INJECTOR_SUFFIX) {
                out.installed = true;
                if name.starts_with("auto.") {
                    out.enable_namespaces_by_default = true;
                }
            }
        }
    }
    Ok(out)
}

/// A namespace's effective injection and the reason, from its labels.
pub fn namespace_injection(
    labels: &BTreeMap<String, String>,
    injector: Injector,
) -> (bool, String) {
    if !injector.installed {
        return (false, "no sidecar injector is installed".into());
    }
    match (labels.get(LABEL).map(String::as_str), labels.get(REV_LABEL)) {
        (Some("enabled"), _) => (true, format!("label {LABEL}=enabled")),
        (Some(v), _) => (false, format!("label {LABEL}={v}")),
        (None, Some(rev)) => (true, format!("label {REV_LABEL}={rev}")),
        (None, None) if injector.enable_namespaces_by_default => (
            true,
            "no label: injected by default (enableNamespacesByDefault: true)".into(),
        ),
        (None, None) => (
            false,
            "no label: opt-in mode (enableNamespacesByDefault: false)".into(),
        ),
    }
}

fn pod_setting(meta: &kube::api::ObjectMeta) -> Option<String> {
    let from =
        |m: &Option<BTreeMap<String, String>>| m.as_ref().and_then(|m| m.get(INJECT).cloned());
    from(&meta.labels).or_else(|| from(&meta.annotations))
}

/// Whether a pod created now gets a sidecar: the pod's `sidecar.istio.io/inject: "false"` wins;
/// in a namespace without a label in opt-in mode, only pods labelled `"true"` get one.
pub fn pod_wants_sidecar(
    pod_meta: &kube::api::ObjectMeta,
    ns_labels: &BTreeMap<String, String>,
    injector: Injector,
) -> bool {
    let setting = pod_setting(pod_meta);
    if setting.as_deref() == Some("false") || !injector.installed {
        return false;
    }
    let labelled = ns_labels.contains_key(LABEL) || ns_labels.contains_key(REV_LABEL);
    if !labelled && !injector.enable_namespaces_by_default {
        let label = pod_meta.labels.as_ref().and_then(|l| l.get(INJECT));
        return label.map(String::as_str) == Some("true");
    }
    namespace_injection(ns_labels, injector).0
}

fn labels_of(ns: &Namespace) -> BTreeMap<String, String> {
    ns.metadata.labels.clone().unwrap_or_default()
}

/// Pods of a namespace whose sidecar differs from what they would get if created now.
fn out_of_step<'a>(
    pods: impl IntoIterator<Item = &'a Pod>,
    ns_labels: &BTreeMap<String, String>,
    injector: Injector,
) -> Vec<&'a Pod> {
    pods.into_iter()
        .filter(|p| is_out_of_step(p, ns_labels, injector))
        .collect()
}

fn is_out_of_step(p: &Pod, ns_labels: &BTreeMap<String, String>, injector: Injector) -> bool {
    let ph = p.status.phase.as_str();
    let running = ph.is_empty() || ph == "Running" || ph == "Pending";
    running
        && p.metadata.deletion_timestamp.is_none()
        && pod_wants_sidecar(&p.metadata.injection_meta(), ns_labels, injector)
            != workloads::has_sidecar(p)
}

// ---------------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub injector: Injector,
    pub mode: &'static str,
    pub namespaces: Vec<NamespaceStatus>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceStatus {
    pub name: String,
    pub injection: bool,
    pub reason: String,
    /// The `istio-injection` label, if set.
    pub label: Option<String>,
    pub pods: usize,
    pub pods_with_sidecar: usize,
    /// Deployments whose pod template overrides the namespace (`sidecar.istio.io/inject`).
    pub deployment_overrides: Vec<DeploymentOverride>,
    /// Pods whose sidecar differs from what a restart would give them.
    pub restart_needed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentOverride {
    pub name: String,
    pub inject: String,
    pub reason: String,
}

pub async fn status(
    target: &Target,
    namespace: Option<&str>,
    events: &dyn Events,
) -> Result<Status, InjectionError> {
    let cluster = crate::ops::connect(target, events)
        .await
        .map_err(InjectionError::Connect)?;
    let injector = injector(&cluster).await.map_err(InjectionError::Read)?;
    let list = match namespace {
        Some(name) => vec![
            namespaces::get(&cluster, name)
                .await
                .map_err(InjectionError::Read)?
                .ok_or_else(|| InjectionError::NotFound {
                    what: format!("Namespace {name}"),
                })?,
        ],
        None => namespaces::list(&cluster)
            .await
            .map_err(InjectionError::Read)?,
    };
    let labels: Vec<BTreeMap<String, String>> = list.iter().map(labels_of).collect();
    let mut pods = namespace_pods(&cluster, namespace, &list, &labels, injector).await?;
    let deployments =
        workloads::templates_setting_injection(&cluster, WorkloadKind::Deployment, namespace)
            .await
            .map_err(InjectionError::Read)?;
    let mut out = Vec::new();
    for ((ns, labels), pods) in list.iter().zip(labels).zip(pods.iter_mut()) {
        let name = ns.metadata.name.clone().unwrap_or_default();
        let (injection, reason) = namespace_injection(&labels, injector);
        let in_ns = deployments.iter().filter(|d| d.namespace == name);
        let overrides = deployment_overrides(in_ns, &labels, injector, injection);
        pods.restart_needed.sort();
        out.push(NamespaceStatus {
            injection,
            reason,
            label: labels.get(LABEL).cloned(),
            pods: pods.pods,
            pods_with_sidecar: pods.with_sidecar,
            deployment_overrides: overrides,
            restart_needed: std::mem::take(&mut pods.restart_needed),
            name,
        });
    }
    Ok(Status {
        injector,
        mode: injector.mode(),
        namespaces: out,
    })
}

/// What `status` says of one namespace's pods.
#[derive(Default)]
struct NamespacePods {
    pods: usize,
    with_sidecar: usize,
    restart_needed: Vec<String>,
}

/// The pods of `list` (the namespaces, with their `labels`), counted in one paged scan: only
/// the names of pods that need a restart are kept, as `status` lists them.
async fn namespace_pods(
    cluster: &Cluster,
    namespace: Option<&str>,
    list: &[Namespace],
    labels: &[BTreeMap<String, String>],
    injector: Injector,
) -> Result<Vec<NamespacePods>, InjectionError> {
    let index: HashMap<&str, usize> = list
        .iter()
        .enumerate()
        .filter_map(|(i, ns)| Some((ns.metadata.name.as_deref()?, i)))
        .collect();
    let mut out: Vec<NamespacePods> = list.iter().map(|_| NamespacePods::default()).collect();
    inventory::scan_pods(cluster, namespace, |p| {
        let Some(&i) = index.get(p.metadata.namespace.as_str()) else {
            return;
        };
        let ns = &mut out[i];
        ns.pods += 1;
        ns.with_sidecar += usize::from(workloads::has_sidecar(&p));
        if is_out_of_step(&p, &labels[i], injector) {
            ns.restart_needed.push(p.metadata.name);
        }
    })
    .await
    .map_err(InjectionError::Read)?;
    Ok(out)
}

/// The Deployments whose pod template overrides the namespace's setting; only overrides that
/// change the namespace's outcome are worth naming.
fn deployment_overrides<'a>(
    deployments: impl Iterator<Item = &'a workloads::Templated>,
    labels: &BTreeMap<String, String>,
    injector: Injector,
    injection: bool,
) -> Vec<DeploymentOverride> {
    deployments
        .filter_map(|d| {
            let meta = &d.template;
            let setting = pod_setting(meta)?;
            let wants = pod_wants_sidecar(meta, labels, injector);
            if wants == injection {
                return None;
            }
            Some(DeploymentOverride {
                name: d.name.clone(),
                reason: format!(
                    "{INJECT}: {setting:?} on the pod template: {}",
                    if wants { "sidecar" } else { "no sidecar" }
                ),
                inject: setting,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// enable / disable
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct ChangeSummary {
    /// What was (or, in a dry run, would be) changed; empty when nothing needed to.
    pub change: Option<String>,
    /// The pods that must be re-created for the change, by workload.
    pub plan: RestartPlan,
    /// Whether the workloads were restarted (--restart).
    pub restarted: bool,
    /// The template changed, so the Deployment rolls out its pods by itself.
    pub rolls_out: bool,
}

pub async fn change(
    req: &ChangeRequest,
    events: &dyn Events,
) -> Result<ChangeSummary, InjectionError> {
    let namespace = match &req.subject {
        Subject::Namespace(ns) => ns,
        Subject::Deployment { namespace, .. } => namespace,
    };
    if EXCLUDED_NAMESPACES.contains(&namespace.as_str()) && !req.force {
        return Err(InjectionError::Protected(crate::InvalidInput(format!(
            "Kyma keeps {namespace} out of the mesh on purpose (its label {LABEL}=disabled is one of Kyma's post-install patches); pass --force to change its injection anyway. Nothing was changed."
        ))));
    }
    let cluster = crate::ops::connect(&req.target, events)
        .await
        .map_err(InjectionError::Connect)?;
    let injector = injector(&cluster).await.map_err(InjectionError::Read)?;
    let ns = namespaces::get(&cluster, namespace)
        .await
        .map_err(InjectionError::Read)?
        .ok_or_else(|| InjectionError::NotFound {
            what: format!("Namespace {namespace}"),
        })?;
    if !injector.installed {
        events.warn("no sidecar injector is installed: no pod gets a sidecar until Istio is installed (kyma-mesh install)");
    }
    let mut summary = match &req.subject {
        Subject::Namespace(name) => {
            change_namespace(&cluster, req, name, &ns, injector, events).await?
        }
        Subject::Deployment { namespace, name } => {
            change_deployment(&cluster, req, namespace, name, &ns, injector, events).await?
        }
    };
    if req.restart && !req.dry_run && !summary.plan.workloads.is_empty() {
        restarts::restart(&cluster, &summary.plan, events)
            .await
            .map_err(|cause| InjectionError::Restart { cause })?;
        summary.restarted = true;
    }
    Ok(summary)
}

async fn change_namespace(
    cluster: &Cluster,
    req: &ChangeRequest,
    name: &str,
    ns: &Namespace,
    injector: Injector,
    events: &dyn Events,
) -> Result<ChangeSummary, InjectionError> {
    let before = labels_of(ns);
    let value = if req.enable { "enabled" } else { "disabled" };
    let mut after = before.clone();
    after.insert(LABEL.into(), value.into());
    let (was, _) = namespace_injection(&before, injector);
    let (will, _) = namespace_injection(&after, injector);
    let pods = workloads::list_pods(cluster, Some(name))
        .await
        .map_err(InjectionError::Read)?;
    let mut summary = ChangeSummary::default();
    if before.get(LABEL).map(String::as_str) != Some(value) {
        let old = before
            .get(LABEL)
            .map(|v| format!("{LABEL}={v}"))
            .unwrap_or_else(|| "no label".into());
        summary.change = Some(format!("Namespace {name}: {old} -> {LABEL}={value}"));
        if !req.dry_run {
            namespaces::set_label(cluster, name, LABEL, Some(value))
                .await
                .map_err(InjectionError::Write)?;
        }
    }
    if !was && will {
        let meshed = pods
            .iter()
            .filter(|p| {
                !workloads::has_sidecar(p)
                    && pod_wants_sidecar(&p.metadata.injection_meta(), &after, injector)
            })
            .count();
        let text = if before.get(LABEL).map(String::as_str) == Some("disabled") {
            format!(
                "removing istio-injection=disabled from namespace {name} injects sidecars into all of its pods"
            )
        } else {
            format!("sidecar injection is now on for every pod of namespace {name}")
        };
        events.warn(&format!(
            "{text}: each gets one at its next restart ({meshed} of its {} pods run without one now).",
            pods.len()
        ));
    }
    if was && !will {
        events.warn(&format!(
            "pods of namespace {name} restarted without a sidecar cannot reach meshed services while mTLS is STRICT (Kyma's troubleshooting guide: \"Connection refused errors\"): give their callers a DestinationRule with TLS disabled, or them a PERMISSIVE PeerAuthentication"
        ));
    }
    let stale = out_of_step(&pods, &after, injector);
    summary.plan = restarts::plan(cluster, &stale)
        .await
        .map_err(InjectionError::Read)?;
    Ok(summary)
}

/// The pod-template metadata patch that turns a Deployment's injection on or off, given its
/// `sidecar.istio.io/inject` annotation and label, and what it says.
fn template_change(
    enable: bool,
    (annotation, label): (Option<&str>, Option<&str>),
    injector: Injector,
    labelled_ns: bool,
) -> (serde_json::Map<String, serde_json::Value>, Vec<String>) {
    let mut patch = serde_json::Map::new();
    let mut changes = Vec::new();
    if enable {
        if annotation == Some("false") {
            patch.insert("annotations".into(), json!({INJECT: null}));
            changes.push(format!("annotation {INJECT}=\"false\" removed"));
        }
        if label == Some("false") {
            patch.insert("labels".into(), json!({INJECT: null}));
            changes.push(format!("label {INJECT}=\"false\" removed"));
        }
        // Opt-in mode: Istio's object webhook selects pods labelled "true".
        if injector.installed
            && !labelled_ns
            && !injector.enable_namespaces_by_default
            && label != Some("true")
        {
            patch.insert("labels".into(), json!({INJECT: "true"}));
            changes.push(format!("label {INJECT}=\"true\" set (opt-in mode)"));
        }
    } else if annotation != Some("false") {
        patch.insert("annotations".into(), json!({INJECT: "false"}));
        changes.push(format!("annotation {INJECT}=\"false\" set"));
        if label == Some("true") {
            patch.insert("labels".into(), json!({INJECT: null}));
            changes.push(format!("label {INJECT}=\"true\" removed"));
        }
    }
    (patch, changes)
}

async fn change_deployment(
    cluster: &Cluster,
    req: &ChangeRequest,
    namespace: &str,
    name: &str,
    ns: &Namespace,
    injector: Injector,
    events: &dyn Events,
) -> Result<ChangeSummary, InjectionError> {
    let d = workloads::get_deployment(cluster, namespace, name)
        .await
        .map_err(InjectionError::Read)?
        .ok_or_else(|| InjectionError::NotFound {
            what: format!("Deployment {namespace}/{name}"),
        })?;
    let ns_labels = labels_of(ns);
    let meta = d.spec.template.metadata.clone().unwrap_or_default();
    let annotation = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(INJECT))
        .cloned();
    let label = meta.labels.as_ref().and_then(|l| l.get(INJECT)).cloned();
    let labelled_ns = ns_labels.contains_key(LABEL) || ns_labels.contains_key(REV_LABEL);
    let current = (annotation.as_deref(), label.as_deref());
    let (patch_meta, changes) = template_change(req.enable, current, injector, labelled_ns);
    if req.enable && !namespace_injection(&ns_labels, injector).0 && labelled_ns {
        events.warn(&format!(
            "namespace {namespace} has injection disabled ({}): its pods get no sidecar whatever the Deployment says; enable it with kyma-mesh injection enable --namespace {namespace}",
            namespace_injection(&ns_labels, injector).1
        ));
    }
    let mut summary = ChangeSummary::default();
    if !changes.is_empty() {
        summary.change = Some(format!(
            "Deployment {namespace}/{name}: {}",
            changes.join(", ")
        ));
        summary.rolls_out = true;
        if !req.dry_run {
            cluster
                .merge_patch(
                    &DEPLOYMENT,
                    Some(namespace),
                    name,
                    &json!({"spec": {"template": {"metadata": patch_meta}}}),
                )
                .await
                .map_err(InjectionError::Write)?;
        }
        if !req.enable {
            events.warn(&format!(
                "pods of Deployment {namespace}/{name} without a sidecar cannot reach meshed services while mTLS is STRICT (Kyma's troubleshooting guide: \"Connection refused errors\")"
            ));
        }
    } else {
        // Nothing to change on the template: its pods may still predate the namespace's setting.
        let pods = workloads::deployment_pods(cluster, &d)
            .await
            .map_err(InjectionError::Read)?;
        let stale = out_of_step(&pods, &ns_labels, injector);
        summary.plan = restarts::plan(cluster, &stale)
            .await
            .map_err(InjectionError::Read)?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const DEFAULT: Injector = Injector {
        installed: true,
        enable_namespaces_by_default: true,
    };
    const OPT_IN: Injector = Injector {
        installed: true,
        enable_namespaces_by_default: false,
    };

    #[test]
    fn namespace_reasons() {
        assert!(namespace_injection(&labels(&[]), DEFAULT).0);
        assert!(
            namespace_injection(&labels(&[]), DEFAULT)
                .1
                .contains("enableNamespacesByDefault: true")
        );
        assert!(!namespace_injection(&labels(&[]), OPT_IN).0);
        assert!(
            namespace_injection(&labels(&[]), OPT_IN)
                .1
                .contains("opt-in")
        );
        assert_eq!(
            namespace_injection(&labels(&[(LABEL, "disabled")]), DEFAULT),
            (false, "label istio-injection=disabled".into())
        );
        assert!(namespace_injection(&labels(&[(LABEL, "enabled")]), OPT_IN).0);
        assert!(namespace_injection(&labels(&[(REV_LABEL, "1-28-0")]), OPT_IN).0);
        let none = Injector {
            installed: false,
            enable_namespaces_by_default: false,
        };
        assert!(!namespace_injection(&labels(&[(LABEL, "enabled")]), none).0);
    }

    #[test]
    fn pod_settings() {
        let pod = |l: &[(&str, &str)], a: &[(&str, &str)]| kube::api::ObjectMeta {
            labels: Some(labels(l)),
            annotations: Some(labels(a)),
            ..Default::default()
        };
        let on = labels(&[(LABEL, "enabled")]);
        assert!(pod_wants_sidecar(&pod(&[], &[]), &on, OPT_IN));
        assert!(!pod_wants_sidecar(
            &pod(&[], &[(INJECT, "false")]),
            &on,
            DEFAULT
        ));
        assert!(!pod_wants_sidecar(
            &pod(&[(INJECT, "false")], &[]),
            &labels(&[]),
            DEFAULT
        ));
        assert!(pod_wants_sidecar(
            &pod(&[(INJECT, "true")], &[]),
            &labels(&[]),
            OPT_IN
        ));
        assert!(
            !pod_wants_sidecar(&pod(&[], &[(INJECT, "true")]), &labels(&[]), OPT_IN),
            "opt-in selects by label"
        );
        assert!(!pod_wants_sidecar(
            &pod(&[(INJECT, "true")], &[]),
            &labels(&[(LABEL, "disabled")]),
            DEFAULT
        ));
    }
}
