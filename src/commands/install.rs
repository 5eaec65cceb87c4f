//! `kyma-mesh install`: preflight, render, `istioctl install`, Kyma's post-install patches,
//! readiness, record. `--dry-run` prints the plan and writes nothing.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow};
use tokio::time::Instant;

use crate::cli::{GlobalArgs, InstallArgs};
use crate::cluster::patches::{self, Outcome, Patch};
use crate::cluster::record::{self, Record};
use crate::cluster::{self, Cluster, ISTIO_NAMESPACE, access, readiness, webhooks};
use crate::commands::render::render_config;
use crate::config::{OverrideInput, Rendered};
use crate::exit;
use crate::istioctl::{self, InstallOptions, IstioctlError, OutputLine, RenderedFile, Stream};
use crate::ui::progress::{OK, Progress, Step, WARN};
use crate::ui::{self, Ui};
use crate::util::fmt_duration;

/// Ctrl-C: the process exits 130 after saying what state the cluster may be in.
#[derive(Debug, thiserror::Error)]
#[error("interrupted {during}: {state}")]
pub struct Interrupted {
    pub during: String,
    pub state: String,
}

pub fn run(args: &InstallArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let rt = super::runtime()?;
    let result = rt.block_on(install(args, global, ui));
    // Do not wait for a stuck watch or request after an interrupt or a timeout.
    rt.shutdown_timeout(Duration::from_millis(100));
    match result {
        Err(e) if e.is::<Interrupted>() => {
            ui.error(&e);
            Ok(ExitCode::from(exit::INTERRUPTED))
        }
        other => other.map(|()| ExitCode::SUCCESS),
    }
}

async fn install(args: &InstallArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<()> {
    let started = Instant::now();
    let deadline = started + args.timeout;
    let progress = Progress::new(ui);
    if args.config.skip_validation {
        ui.warn(
            "--skip-validation: the IstioOperator is NOT checked against Istio's API; istioctl may reject it, or ignore misspelt fields without a word",
        );
    }

    // --- preflight ---------------------------------------------------------------------------
    let cluster = super::connect(global).await?;
    let step = progress.step("cluster answers");
    let server = match cluster.server_version().await {
        Ok(v) => {
            step.ok(&format!(
                "Kubernetes {} at {}",
                v.git_version, cluster.server
            ));
            v
        }
        Err(e) => {
            step.fail(&e.to_string());
            return Err(e.into());
        }
    };

    let step = progress.step("permissions");
    let needs = access::install_needs();
    match access::missing(&cluster, &needs).await {
        Ok(missing) if missing.is_empty() => step.ok(&format!("all {} granted", needs.len())),
        Ok(missing) => {
            let list = missing.iter().map(|n| n.to_string()).collect::<Vec<_>>();
            step.fail(&format!("{} missing", missing.len()));
            return Err(anyhow!(
                "the caller may not do what install needs; missing permissions:\n  {}\nAsk a cluster admin for them (install needs cluster-admin-like rights, as istioctl does).",
                list.join("\n  ")
            ));
        }
        Err(e) => {
            step.fail(&e.to_string());
            return Err(e.into());
        }
    }

    let step = progress.step("istioctl");
    let istioctl_path = match locate_istioctl(args).await {
        Ok((located, version)) => {
            let note = k8s_support_note(&version, &server);
            match note {
                Some(n) => step.warn(&format!("{version} at {located}; {n}")),
                None => step.ok(&format!("{version} at {located}")),
            }
            located.path
        }
        Err(e) => {
            step.fail("not usable");
            return Err(e.into());
        }
    };

    let step = progress.step("configuration");
    let rendered = match gather_and_render(args, &cluster, ui).await {
        Ok(r) => {
            step.ok(&summarize_sources(&r));
            r
        }
        Err(e) => {
            step.fail("invalid");
            return Err(e);
        }
    };

    let step = progress.step("stale sidecar-injector webhooks");
    let stale = webhooks::find_stale(&cluster).await?;
    if stale.is_empty() {
        step.ok("none");
    } else if args.fix && !args.dry_run {
        for s in &stale {
            webhooks::delete(&cluster, &s.config).await?;
        }
        let names: Vec<_> = stale.iter().map(|s| s.config.as_str()).collect();
        step.ok(&format!("deleted {}", names.join(", ")));
    } else {
        let lines: Vec<String> = stale
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
        if args.dry_run {
            step.warn(&format!("{} found; --fix would delete them", stale.len()));
        } else {
            step.fail(&format!("{} found", stale.len()));
            return Err(anyhow!(
                "an earlier install left sidecar-injector webhooks behind:\n  {}\nWith them every new pod is rejected and istioctl waits forever. Run install again with --fix, or:\n  {}",
                lines.join("\n  "),
                fix.join("\n  ")
            ));
        }
    }

    let operator = rendered.to_json();
    let merged_yaml = ui::to_yaml(&operator)?;
    let install_opts = InstallOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
        timeout: args.timeout,
        extra_args: readiness_timeout_args(deadline.saturating_duration_since(Instant::now())),
    };
    let patch_list = patches::post_install(args.config.profile, args.config.sidecar_injection);

    if args.dry_run {
        print_plan(
            &rendered,
            &merged_yaml,
            &istioctl_path,
            &install_opts,
            &patch_list,
        )?;
        progress.line(&format!("{OK} dry run: nothing was changed"));
        return Ok(());
    }

    // --- istioctl install ----------------------------------------------------------------------
    let file =
        RenderedFile::write(&merged_yaml).context("writing the IstioOperator for istioctl")?;
    let step = progress.long_step("istioctl install");
    let remaining = deadline.saturating_duration_since(Instant::now());
    let opts = InstallOptions {
        timeout: remaining,
        extra_args: readiness_timeout_args(remaining),
        ..install_opts
    };
    let on_line = |line: OutputLine| on_istioctl_line(&step, line);
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let result = istioctl::install(&istioctl_path, file.path(), &opts, on_line, cancel).await;
    drop(file);
    match result {
        Ok(report) => step.ok(&format!("done in {}", fmt_duration(report.duration))),
        Err(IstioctlError::Cancelled) => {
            step.fail("interrupted");
            return Err(Interrupted {
                during: "while istioctl was installing".into(),
                state: "istioctl was stopped; the cluster may hold a partial Istio installation and no Kyma patches were applied. Run `kyma-mesh install` again to complete it, or `kyma-mesh uninstall` to remove it.".into(),
            }
            .into());
        }
        Err(e @ IstioctlError::TimedOut { .. }) => {
            step.fail("timed out");
            return Err(anyhow!(
                "{e}. The cluster may hold a partial Istio installation and no Kyma patches were applied: run install again with a longer --timeout."
            ));
        }
        Err(e) => {
            step.fail("failed");
            return Err(anyhow!("{e}\nNo Kyma patches were applied."));
        }
    }

    // --- post-install patches, readiness, record -----------------------------------------------
    let interrupted = |during: &str| {
        Interrupted {
        during: during.into(),
        state: "Istio is installed, but Kyma's post-install configuration may be incomplete. Run `kyma-mesh install` again: it finishes what is missing and changes nothing else.".into(),
    }
    };
    let work = async {
        let counts = apply_patches(&cluster, &patch_list, &progress).await?;
        wait_ready(&cluster, &operator, deadline, &progress).await?;
        let version = cluster::installed_istio_version(&cluster)
            .await?
            .unwrap_or_default();
        let step = progress.step("record");
        let rec = Record {
            profile: args.config.profile.to_string(),
            sidecar_injection: args.config.sidecar_injection.to_string(),
            overrides_yaml: overrides_yaml(&rendered)?,
            sets: args.config.sets.clone(),
            sources: rendered.sources.clone(),
            merged_yaml: merged_yaml.clone(),
            istio_version: version.clone(),
            installed_at: record::now_rfc3339(),
        };
        record::write(&cluster, &rec).await?;
        step.ok(&format!("{ISTIO_NAMESPACE}/{}", record::NAME));
        Ok::<_, anyhow::Error>((counts, version))
    };
    let (counts, version) = tokio::select! {
        r = work => r?,
        _ = tokio::signal::ctrl_c() => return Err(interrupted("after istioctl install").into()),
    };
    ui.info(&format!(
        "Istio {version} installed with profile {} in {}: {} patches applied, {} unchanged, {} skipped.",
        args.config.profile,
        fmt_duration(started.elapsed()),
        counts.0,
        counts.1,
        counts.2
    ));
    Ok(())
}

/// istioctl waits for its components itself (5 minutes by default). Giving it a little less
/// than our own deadline lets it say which resource is not ready before we would have to kill it.
fn readiness_timeout_args(remaining: Duration) -> Vec<String> {
    let secs = (remaining.as_secs_f64() * 0.9).floor().max(1.0) as u64;
    vec!["--readiness-timeout".into(), format!("{secs}s")]
}

async fn locate_istioctl(
    args: &InstallArgs,
) -> Result<(istioctl::Located, istioctl::IstioVersion), IstioctlError> {
    let located = istioctl::locate(args.istioctl.path.as_deref())?;
    let version = istioctl::client_version(&located.path).await?;
    istioctl::check_supported(&version)?;
    Ok((located, version))
}

/// Istio's support matrix (istio.io "Supported Releases"): Kubernetes minors each Istio minor
/// is tested with. Outside it istioctl usually works, but nobody promises it: warn, don't stop.
fn k8s_support_note(
    istio: &istioctl::IstioVersion,
    server: &k8s_openapi::apimachinery::pkg::version::Info,
) -> Option<String> {
    const MATRIX: &[(u64, u64, u64)] = &[
        (24, 28, 31),
        (25, 29, 32),
        (26, 29, 33),
        (27, 30, 33),
        (28, 30, 34),
    ];
    let k8s_minor: u64 = server
        .minor
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()?;
    let &(_, lo, hi) = MATRIX.iter().find(|(m, _, _)| *m == istio.minor)?;
    if (lo..=hi).contains(&k8s_minor) {
        None
    } else {
        Some(format!(
            "Istio 1.{} is supported on Kubernetes 1.{lo} to 1.{hi}, this cluster runs 1.{k8s_minor}",
            istio.minor
        ))
    }
}

/// Cluster ConfigMaps first (`--from-configmap`, or the labelled ones when no -o is given),
/// then the -o files, then --set.
async fn gather_and_render(
    args: &InstallArgs,
    cluster: &Cluster,
    ui: &Ui,
) -> anyhow::Result<Rendered> {
    let mut extra: Vec<OverrideInput> = Vec::new();
    if let Some((ns, name)) = &args.from_configmap {
        extra.push(cluster::overrides::from_configmap(cluster, ns, name).await?);
    } else if args.config.overrides.is_empty() {
        for (_, input) in cluster::overrides::labelled(cluster).await? {
            extra.push(input);
        }
    }
    render_config(&args.config, extra, ui)
}

fn summarize_sources(r: &Rendered) -> String {
    let n = r.sources.len() - 1;
    if n == 0 {
        format!("{}, no overrides", r.sources[0])
    } else {
        format!("{} + {}", r.sources[0], r.sources[1..].join(", "))
    }
}

fn on_istioctl_line(step: &Step, line: OutputLine) {
    let text = line.text.trim();
    if text.is_empty() {
        return;
    }
    // istioctl marks finished components with ✔ and problems with ✘ / "Error".
    if let Some(done) = text.strip_prefix('✔') {
        step.sub(OK, done.trim());
    } else if line.stream == Stream::Stderr || text.starts_with('✘') {
        step.sub(WARN, text.trim_start_matches('✘').trim());
    } else {
        step.update(text);
    }
}

/// Applies every patch; returns (applied, unchanged, skipped).
async fn apply_patches(
    cluster: &Cluster,
    list: &[Patch],
    progress: &Progress,
) -> anyhow::Result<(usize, usize, usize)> {
    let mut counts = (0, 0, 0);
    for patch in list {
        let step = progress.step(format!("{} ({})", patch.title, patch.target()));
        match patches::apply_patch(cluster, patch).await {
            Ok(Outcome::Applied) => {
                counts.0 += 1;
                step.ok("applied");
            }
            Ok(Outcome::Unchanged) => {
                counts.1 += 1;
                step.ok("unchanged");
            }
            Ok(Outcome::Skipped(why)) => {
                counts.2 += 1;
                step.ok(&format!("skipped, {why}"));
            }
            Err(e) => {
                step.fail("failed");
                return Err(anyhow::Error::new(e).context(format!(
                    "applying Kyma's post-install patch {:?}",
                    patch.title
                )));
            }
        }
    }
    Ok(counts)
}

/// istiod and every enabled ingress gateway of the IstioOperator must become available before
/// the deadline.
async fn wait_ready(
    cluster: &Cluster,
    operator: &serde_json::Value,
    deadline: Instant,
    progress: &Progress,
) -> anyhow::Result<()> {
    let spec = &operator["spec"];
    let mut deployments = vec![(ISTIO_NAMESPACE.to_string(), "istiod".to_string())];
    for gw in spec["components"]["ingressGateways"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if gw["enabled"].as_bool() == Some(true)
            && let Some(name) = gw["name"].as_str()
        {
            let ns = gw["namespace"].as_str().unwrap_or(ISTIO_NAMESPACE);
            deployments.push((ns.to_string(), name.to_string()));
        }
    }
    for (ns, name) in deployments {
        let step = progress.long_step(format!("{name} ready"));
        match readiness::wait_available(cluster, &ns, &name, deadline).await {
            Ok(()) => step.ok("available"),
            Err(e) => {
                step.fail("not available");
                return Err(e.into());
            }
        }
    }
    Ok(())
}

fn overrides_yaml(r: &Rendered) -> anyhow::Result<String> {
    let mut out = String::new();
    for doc in &r.overrides {
        out.push_str("---\n");
        out.push_str(&ui::to_yaml(doc)?);
    }
    Ok(out)
}

/// The plan on stdout, as one YAML stream with comments: sources, the istioctl command, the
/// IstioOperator, then every patch.
fn print_plan(
    rendered: &Rendered,
    merged_yaml: &str,
    istioctl_path: &std::path::Path,
    opts: &InstallOptions,
    patches: &[Patch],
) -> anyhow::Result<()> {
    use std::io::Write;
    let file = std::path::Path::new("<private temporary directory>").join(RenderedFile::FILE_NAME);
    let cmd = istioctl::shell_join(&istioctl::install_command_line(istioctl_path, &file, opts));
    let mut s = String::from("# kyma-mesh install --dry-run: nothing below has been applied.\n");
    s.push_str("#\n# Sources, in merge order:\n");
    for src in &rendered.sources {
        s.push_str(&format!("#   {src}\n"));
    }
    s.push_str(&format!(
        "#\n# 1. istioctl, with the IstioOperator below:\n#   {cmd}\n---\n"
    ));
    s.push_str(merged_yaml);
    s.push_str(&format!(
        "#\n# 2. Kyma's post-install patches (server-side apply, field manager {}), each only where its fields differ:\n",
        cluster::FIELD_MANAGER
    ));
    for (i, p) in patches.iter().enumerate() {
        s.push_str(&format!(
            "# 2.{}: {} ({})\n---\n",
            i + 1,
            p.title,
            p.target()
        ));
        s.push_str(&ui::to_yaml(&p.plan())?);
    }
    s.push_str(&format!(
        "#\n# 3. Wait for istiod and the ingress gateway; record the result in ConfigMap {ISTIO_NAMESPACE}/{}.\n",
        record::NAME
    ));
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(())
}
