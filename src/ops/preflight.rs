//! The preflight: what must hold before install (and upgrade) change anything, as a list of
//! checks for the one runner. `check --pre` runs the same list without the configuration.

use std::path::PathBuf;

use k8s_openapi::apimachinery::pkg::version::Info;

use crate::cluster::record::{self, Record};
use crate::cluster::revisions::Revisions;
use crate::cluster::webhooks::{self, Stale};
use crate::cluster::{self, Cluster, ClusterError, access};
use crate::config::tree::SourceKind;
use crate::config::{ConfigError, OverrideInput, RenderRequest, Rendered};
use crate::config::{InjectionMode, Profile};
use crate::istioctl::{self, IstioVersion, Located};
use crate::names;
use crate::ops::checks::{BoxFuture, Category, Check, Finding};
use crate::ops::events::Events;
use crate::ops::render;
use crate::util::{plural, text};
use crate::version::{self, Gate, Minor};

/// What the preflight is asked to check, decided by the command before it runs.
#[derive(Debug, Clone)]
pub struct Input {
    pub istioctl_flag: Option<PathBuf>,
    /// The local configuration; `None` when only the cluster is checked (`check --pre`).
    pub config: Option<RenderRequest>,
    pub from_configmap: Option<(String, String)>,
    /// `--from-istio-cr`: the Kyma Istio module's resource, named or the one in kyma-system.
    pub from_istio_cr: Option<Option<(String, String)>>,
    /// Delete stale webhooks (`--fix`), unless `dry_run`.
    pub fix: bool,
    pub dry_run: bool,
    /// `upgrade` refuses a cluster without Istio; `install` installs it.
    pub upgrade: bool,
    /// Workloads are restarted after the control plane: their permissions are needed too.
    pub restarts: bool,
    /// `--profile` / `--sidecar-injection` given; otherwise the recorded ones are kept.
    pub profile_given: bool,
    pub injection_given: bool,
    /// `--compatibility-version` given (`none` included); otherwise the recorded one is kept.
    pub compatibility_given: bool,
    /// `upgrade` without -o/--set: the recorded overrides and sets are the configuration.
    pub reuse_recorded: bool,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            istioctl_flag: None,
            config: None,
            from_configmap: None,
            from_istio_cr: None,
            fix: false,
            dry_run: false,
            upgrade: false,
            restarts: false,
            profile_given: true,
            injection_given: true,
            compatibility_given: true,
            reuse_recorded: false,
        }
    }
}

/// What the preflight learns, for the phases after it.
#[derive(Default)]
pub struct Learnt {
    pub server: Option<Info>,
    /// The configuration in force: the given one, with the recorded profile and injection
    /// mode kept where none was given.
    pub config: Option<RenderRequest>,
    pub istioctl: Option<(Located, IstioVersion)>,
    pub rendered: Option<Rendered>,
    /// Invalid configuration ends the run with exit 2, whatever else failed.
    pub config_error: Option<ConfigError>,
    pub stale: Vec<Stale>,
    /// The control plane's version before anything changes, and what the gate decided.
    pub installed: Option<IstioVersion>,
    /// The control planes the version gate read (install chooses the revision from them).
    pub revisions: Option<Revisions>,
    pub gate: Option<Gate>,
    /// The last install's record, read from the cluster.
    pub recorded: Option<Record>,
}

/// The checks' context: what they read, what they were asked, what they learn.
pub struct Preflight<'a> {
    pub events: &'a dyn Events,
    pub cluster: Cluster,
    pub input: Input,
    pub learnt: Learnt,
}

impl<'a> Preflight<'a> {
    pub fn new(events: &'a dyn Events, cluster: Cluster, input: Input) -> Self {
        Preflight {
            events,
            cluster,
            input,
            learnt: Learnt::default(),
        }
    }
}

pub const KUBERNETES_API: &str = "kubernetes-api";

/// install's and upgrade's preflight; without `with_config`, `check --pre`'s.
pub fn checks<'a>(with_config: bool) -> Vec<Category<Preflight<'a>>> {
    let mut list = vec![
        Check::new(KUBERNETES_API, "cluster answers", cluster_answers),
        Check::new("permissions", "permissions", permissions).needs(&[KUBERNETES_API]),
        Check::new("istioctl", "istioctl", istioctl_usable),
    ];
    if with_config {
        list.push(
            Check::new("istio-version", "Istio version", istio_version)
                .needs(&[KUBERNETES_API, "istioctl"]),
        );
        list.push(Check::new("record", "last install", last_install).needs(&[KUBERNETES_API]));
        list.push(
            Check::new("configuration", "configuration", configuration)
                .needs(&[KUBERNETES_API, "record"]),
        );
    }
    list.push(
        Check::new(
            "stale-webhooks",
            "stale sidecar-injector webhooks",
            stale_webhooks,
        )
        .needs(&[KUBERNETES_API]),
    );
    vec![Category {
        id: "preflight",
        title: "preflight",
        checks: list,
    }]
}

fn cluster_answers<'a>(p: &'a mut Preflight<'_>) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let (finding, server) = server_answers(&p.cluster).await;
        p.learnt.server = server;
        finding
    })
}

/// The first request, shared by the preflight and `check`: the server's version proves the
/// cluster answers.
pub async fn server_answers(cluster: &Cluster) -> (Finding, Option<Info>) {
    match cluster.server_version().await {
        Ok(v) => (
            Finding::ok(format!(
                "Kubernetes {} at {}",
                v.git_version, cluster.server
            )),
            Some(v),
        ),
        Err(e) => (
            Finding::error(e.to_string())
                .hint("check --kubeconfig and --context, and that the cluster is running"),
            None,
        ),
    }
}

fn permissions<'a>(p: &'a mut Preflight<'_>) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let mut needs = access::install_needs();
        if p.input.restarts {
            needs.extend(access::restart_needs());
        }
        match access::missing(&p.cluster, &needs).await {
            Ok(missing) if missing.is_empty() => {
                Finding::ok(format!("all {} granted", needs.len()))
            }
            Ok(missing) => Finding::error(format!("{} missing", missing.len()))
                .detail(missing.iter().map(|n| format!("missing: {n}")))
                .hint("ask a cluster admin for them (install needs cluster-admin-like rights, as istioctl does)"),
            Err(e) => Finding::error(e.to_string()),
        }
    })
}

fn istioctl_usable<'a>(p: &'a mut Preflight<'_>) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let located = match istioctl::locate(p.input.istioctl_flag.as_deref()) {
            Ok(l) => l,
            Err(e) => return Finding::error(e.to_string()),
        };
        let version = match istioctl::client_version(&located.path).await {
            Ok(v) => v,
            Err(e) => return Finding::error(e.to_string()),
        };
        if let Err(e) = istioctl::check_supported(&version) {
            return Finding::error(e.to_string());
        }
        let note = p
            .learnt
            .server
            .as_ref()
            .and_then(|s| version::parse_k8s_minor(&s.minor))
            .and_then(|minor| version::k8s_support(&version, minor));
        let f = match note {
            Some(n) => Finding::warning(format!("{version} at {located}; {n}")),
            None => Finding::ok(format!("{version} at {located}")),
        };
        p.learnt.istioctl = Some((located, version));
        f
    })
}

/// The version gate, against the live control plane (istiod's `discovery` image), never only
/// the record: same version reconciles, one minor or a patch up upgrades, anything else is
/// refused before a change, naming the way forward.
fn istio_version<'a>(p: &'a mut Preflight<'_>) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let Some((_, target)) = p.learnt.istioctl.clone() else {
            return Finding::error("no istioctl to compare with");
        };
        let revs = match Revisions::read(&p.cluster).await {
            Ok(r) => r,
            Err(e) => return Finding::error(e.to_string()),
        };
        let installed = match revs.active_version() {
            None => None,
            Some(tag) => match tag.parse::<IstioVersion>() {
                Ok(v) => Some(v),
                Err(_) => {
                    let name = revs.active().map_or("istiod", |c| c.deployment.as_str());
                    return Finding::error(format!(
                        "istio-system/{name} runs an image tagged {tag:?}, which is not an Istio version"
                    ))
                    .hint("check the discovery image of the istiod Deployment: its tag must be an Istio version");
                }
            },
        };
        p.learnt.revisions = Some(revs);
        let gate = version::gate(installed.as_ref(), &target);
        let finding = match (&gate, p.input.upgrade) {
            (Gate::Fresh, true) => {
                Finding::error("no Istio is installed: there is nothing to upgrade")
                    .hint("kyma-mesh install")
            }
            (Gate::Fresh, false) => {
                Finding::ok(format!("none installed; installing Istio {target}"))
            }
            (Gate::Reconcile, _) => Finding::ok(format!("Istio {target} installed; reconciling")),
            (Gate::Upgrade { from, to }, _) => {
                Finding::ok(format!("upgrading Istio {from} -> {to}"))
            }
            (Gate::Refused(r), _) => Finding::error(r.to_string()),
        };
        p.learnt.installed = installed;
        p.learnt.gate = Some(gate);
        finding
    })
}

fn last_install<'a>(p: &'a mut Preflight<'_>) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        match record::read(&p.cluster).await {
            Ok(Some(rec)) => {
                let f = Finding::ok(format!(
                    "Istio {} with profile {} ({} injection), recorded at {}",
                    rec.istio_version, rec.profile, rec.sidecar_injection, rec.installed_at
                ));
                p.learnt.recorded = Some(rec);
                f
            }
            Ok(None) => Finding::ok(format!(
                "none recorded in {}/{}",
                names::ISTIO_NAMESPACE,
                record::NAME
            )),
            Err(e) => Finding::error(e.to_string()),
        }
    })
}

fn configuration<'a>(p: &'a mut Preflight<'_>) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let Some(mut req) = p.input.config.clone() else {
            return Finding::ok("not needed");
        };
        let notes = match &p.learnt.recorded {
            Some(rec) => keep_recorded(&mut req, rec, &p.input),
            None => Vec::new(),
        };
        let extra = if p.input.reuse_recorded && p.learnt.recorded.is_some() {
            Vec::new()
        } else {
            let explicit = (
                p.input.from_configmap.as_ref(),
                p.input.from_istio_cr.as_ref(),
            );
            match cluster_overrides(&p.cluster, &req, explicit).await {
                Ok(x) => x,
                Err(e) => return Finding::error(e.to_string()),
            }
        };
        if let Some((_, target)) = &p.learnt.istioctl
            && let Err(e) = compatibility(p, &req, target.minor_line())
        {
            return *e;
        }
        p.learnt.config = Some(req.clone());
        match render::render(&req, extra, p.events) {
            Ok(r) => {
                let mut summary = render::summarize_sources(&r);
                if !notes.is_empty() {
                    summary = format!("{summary}; {}", notes.join("; "));
                }
                let f = Finding::ok(summary);
                p.learnt.rendered = Some(r);
                f
            }
            Err(e) => {
                p.learnt.config_error = Some(e);
                Finding::error("invalid")
            }
        }
    })
}

/// What the last install recorded and this run keeps where nothing new was given (the profile,
/// the injection mode, the compatibility version, with `upgrade` the overrides), and the notes
/// that say so.
fn keep_recorded(req: &mut RenderRequest, rec: &Record, input: &Input) -> Vec<String> {
    let mut notes = Vec::new();
    let recorded_profile = parse_profile(&rec.profile);
    match recorded_profile {
        Some(old) if !input.profile_given => {
            req.profile = old;
            notes.push(format!("keeping the recorded profile {old}"));
        }
        Some(old) if old != req.profile => {
            notes.push(format!("changing profile {old} -> {}", req.profile));
        }
        _ => {}
    }
    let recorded_injection = parse_injection(&rec.sidecar_injection);
    // Moving between Kyma 1.x's profiles and the module's, the injection mode follows
    // the new profile (the module's is opt-in) unless given.
    let family_changed = input.profile_given
        && recorded_profile.is_some_and(|old| old.is_module() != req.profile.is_module());
    match recorded_injection {
        Some(old) if !input.injection_given && family_changed && old != req.injection => {
            notes.push(format!(
                "injection {old} -> {} with profile {}",
                req.injection, req.profile
            ));
        }
        Some(old) if !input.injection_given && old != req.injection => {
            req.injection = old;
            notes.push(format!("keeping the recorded {old} injection"));
        }
        Some(old) if input.injection_given && old != req.injection => {
            notes.push(format!("changing injection {old} -> {}", req.injection));
        }
        _ => {}
    }
    if !input.compatibility_given && !rec.compatibility_version.is_empty() {
        req.compatibility_version = Some(rec.compatibility_version.clone());
        notes.push(format!(
            "keeping the recorded compatibility version {}",
            rec.compatibility_version
        ));
    }
    if input.reuse_recorded {
        if !rec.overrides_yaml.trim().is_empty() {
            req.overrides.push(OverrideInput::Text {
                source: SourceKind::ConfigMap(format!(
                    "{}/{} [overrides.yaml]",
                    names::ISTIO_NAMESPACE,
                    record::NAME
                )),
                text: rec.overrides_yaml.clone(),
            });
        }
        req.sets = rec.sets.clone();
        notes.push(format!(
            "reusing the recorded overrides and {}",
            plural(rec.sets.len(), "--set value", "--set values")
        ));
    }
    notes
}

/// The compatibility version against the istioctl that runs (refused outside its range, exit
/// 2); on an upgrade to a newer minor without one, the behaviour changes it brings and the
/// flag that keeps the old behaviour for one step.
fn compatibility(
    p: &mut Preflight<'_>,
    req: &RenderRequest,
    target: Minor,
) -> Result<(), Box<Finding>> {
    if let Some(v) = &req.compatibility_version {
        let checked = version::parse_minor(v).and_then(|m| version::check_compatibility(m, target));
        if let Err(e) = checked {
            p.learnt.config_error = Some(ConfigError::NotAnOverride {
                at: "--compatibility-version".into(),
                message: format!("{e}; give another with --compatibility-version, or none"),
            });
            return Err(Box::new(Finding::error("invalid")));
        }
        return Ok(());
    }
    let Some(from) = p.learnt.installed.as_ref().map(IstioVersion::minor_line) else {
        return Ok(());
    };
    if from >= target {
        return Ok(());
    }
    let Some(changes) = version::behaviour_changes(from, target) else {
        p.events.warn(&format!(
            "which behaviour Istio {target} changes since {from} is not in this kyma-mesh's list; istioctl x precheck --from-version {from} says, and --compatibility-version {from} keeps {from}'s behaviour for this step"
        ));
        return Ok(());
    };
    if changes.is_empty() {
        return Ok(());
    }
    let mut lines = vec![format!(
        "Istio {target} changes behaviour that {from} had ({}):",
        text::plural(changes.len(), "setting", "settings")
    )];
    for c in &changes {
        lines.push(match c.previous {
            Some(v) => format!("  {} ({from}: {v})", c.setting),
            None => format!("  {}", c.setting),
        });
    }
    lines.push(format!(
        "to keep {from}'s behaviour for this step, run again with --compatibility-version {from}"
    ));
    p.events.warn(&lines.join("\n"));
    Ok(())
}

/// A `NAMESPACE/NAME` flag's value.
type NsName = (String, String);

/// Cluster ConfigMaps come first: `--from-configmap`, or, with no `-o` file, the labelled ones
/// in `kyma-installer`, as Kyma's installer took them.
async fn cluster_overrides(
    cluster: &Cluster,
    req: &RenderRequest,
    (from_configmap, from_istio_cr): (Option<&NsName>, Option<&Option<NsName>>),
) -> Result<Vec<OverrideInput>, ClusterError> {
    // Named sources replace the labelled ConfigMaps; the ConfigMap merges first.
    if from_configmap.is_some() || from_istio_cr.is_some() {
        let mut out = Vec::new();
        if let Some((ns, name)) = from_configmap {
            out.push(cluster::overrides::from_configmap(cluster, ns, name).await?);
        }
        if let Some(which) = from_istio_cr {
            out.push(cluster::overrides::from_istio_cr(cluster, which.as_ref()).await?);
        }
        return Ok(out);
    }
    if req.overrides.is_empty() {
        return Ok(cluster::overrides::labelled(cluster)
            .await?
            .into_iter()
            .map(|(_, input)| input)
            .collect());
    }
    Ok(Vec::new())
}

fn stale_webhooks<'a>(p: &'a mut Preflight<'_>) -> BoxFuture<'a, Finding> {
    Box::pin(async move {
        let stale = match webhooks::find_stale(&p.cluster).await {
            Ok(s) => s,
            Err(e) => return Finding::error(e.to_string()),
        };
        if stale.is_empty() {
            return Finding::ok("none");
        }
        if p.input.fix && !p.input.dry_run {
            for s in &stale {
                if let Err(e) = webhooks::delete(&p.cluster, &s.config).await {
                    return Finding::error(e.to_string());
                }
            }
            let names: Vec<_> = stale.iter().map(|s| s.config.as_str()).collect();
            return Finding::ok(format!("deleted {}", names.join(", ")));
        }
        let detail: Vec<String> = stale
            .iter()
            .map(|s| {
                format!(
                    "MutatingWebhookConfiguration {} calls Service {}, which does not exist",
                    s.config, s.service
                )
            })
            .collect();
        let fix: Vec<String> = stale
            .iter()
            .map(|s| format!("kubectl delete mutatingwebhookconfiguration {}", s.config))
            .collect();
        let finding = if p.input.dry_run {
            Finding::warning(format!("{} found; --fix would delete them", stale.len()))
        } else {
            Finding::error(format!(
                "{} found: an earlier install left them behind; with them every new pod is rejected and istioctl waits forever",
                stale.len()
            ))
        };
        p.learnt.stale = stale;
        finding.detail(detail).hint(format!(
            "run install again with --fix, or:\n{}",
            fix.join("\n")
        ))
    })
}

pub fn parse_profile(name: &str) -> Option<Profile> {
    Profile::ALL.into_iter().find(|p| p.name() == name)
}

pub fn parse_injection(name: &str) -> Option<InjectionMode> {
    [InjectionMode::Default, InjectionMode::OptIn]
        .into_iter()
        .find(|m| m.to_string() == name)
}
