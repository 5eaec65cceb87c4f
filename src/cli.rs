//! The command line: global flags (as kubectl has them) and one subcommand per module in
//! `commands/`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{InjectionMode, Profile};

const ABOUT: &str =
    "Install, upgrade and keep healthy Istio with Kyma's Service Mesh configuration";

const LONG_ABOUT: &str = "\
Install, upgrade and keep healthy Istio with Kyma's Service Mesh configuration.

kyma-mesh renders Kyma's IstioOperator for a profile, merges your overrides into it
without surprises, and validates the result against Istio's API before anything runs.

Data goes to stdout; progress and logs go to stderr.
Exit codes: 0 success, 1 the operation failed, 2 invalid input or usage.";

#[derive(Debug, Parser)]
#[command(
    name = "kyma-mesh",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Run 'kyma-mesh <command> --help' for the details of a command."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes, named as kubectl names them.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: the current context)
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// More detail on stderr (-v, -vv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Nothing on stderr but errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Render(RenderArgs),
    Completions(CompletionsArgs),
    Install(InstallArgs),
    Version(VersionArgs),
    Check(CheckArgs),
}

/// Where the IstioOperator comes from: profile, overrides, --set. Shared by render, install
/// and upgrade so the three always agree.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Kyma's profile to start from
    #[arg(long, value_enum, default_value_t = Profile::Cluster)]
    pub profile: Profile,
    /// Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces
    /// labelled istio-injection=enabled (opt-in)
    #[arg(long, value_enum, default_value_t = InjectionMode::Default, value_name = "MODE")]
    pub sidecar_injection: InjectionMode,
    /// Override file, merged left to right ('-' reads stdin). Accepts an IstioOperator, a Kyma
    /// override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a
    /// values file with istio.kyma_istio_operator
    #[arg(short = 'o', long = "overrides", value_name = "FILE")]
    pub overrides: Vec<PathBuf>,
    /// Set one value, after all files: PATH=VALUE with istioctl's path syntax, relative to
    /// spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Do not check the result against Istio's API (for fields newer than kyma-mesh knows)
    #[arg(long)]
    pub skip_validation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Yaml,
    Json,
}

impl From<OutputFormat> for crate::ui::Format {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Yaml => crate::ui::Format::Yaml,
            OutputFormat::Json => crate::ui::Format::Json,
        }
    }
}

impl ConfigArgs {
    pub fn source(&self) -> crate::ops::render::ConfigSource {
        crate::ops::render::ConfigSource {
            profile: self.profile,
            injection: self.sidecar_injection,
            files: self.overrides.clone(),
            sets: self.sets.clone(),
            skip_validation: self.skip_validation,
        }
    }
}

impl GlobalArgs {
    /// -1 quiet, 0 normal, 1 `-v`, 2 `-vv` and more.
    pub fn verbosity(&self) -> i8 {
        if self.quiet {
            -1
        } else {
            self.verbose.min(9) as i8
        }
    }

    pub fn target(&self) -> crate::ops::install::Target {
        crate::ops::install::Target {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
        }
    }
}

/// Print the merged IstioOperator: the profile, your overrides and --set values, validated.
///
/// Needs no cluster. Use it to review what install would give istioctl, or to feed istioctl
/// yourself.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  # Kyma's production profile with an override file
  kyma-mesh render --profile production -o examples/istio-overrides.yaml

  # One value changed on the command line
  kyma-mesh render --set components.pilot.k8s.hpaSpec.maxReplicas=3

  # Which source set each value
  kyma-mesh render --profile local -o my-overrides.yaml --explain")]
pub struct RenderArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,
    /// Show, for every value, the source that set it (profile, file:line:column, --set #N)
    #[arg(long)]
    pub explain: bool,
}

/// Print a shell completion script.
///
/// The scripts are also shipped in the repository's completions/ directory.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  kyma-mesh completions bash > /etc/bash_completion.d/kyma-mesh
  kyma-mesh completions zsh > \"${fpath[1]}/_kyma-mesh\"
  kyma-mesh completions fish > ~/.config/fish/completions/kyma-mesh.fish")]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print kyma-mesh's version and the istioctl it would use.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  kyma-mesh version
  kyma-mesh version --istioctl ~/istio-1.28.0/bin/istioctl --output json")]
pub struct VersionArgs {
    #[command(flatten)]
    pub istioctl: IstioctlArg,
    /// Output format (default: human-readable lines)
    #[arg(long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// Which istioctl to run.
#[derive(Debug, Clone, Args)]
pub struct IstioctlArg {
    /// The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)
    #[arg(long = "istioctl", value_name = "PATH")]
    pub path: Option<PathBuf>,
}

/// Install Istio with Kyma's configuration: preflight, istioctl, Kyma's patches, readiness.
///
/// Steps: check the cluster, your permissions, istioctl and the configuration; run
/// `istioctl install -f <rendered> -y`; apply Kyma's post-install patches (STRICT mTLS,
/// DestinationRules, injector webhook tuning, namespace labels) by server-side apply; wait for
/// istiod and the ingress gateway; record what was applied in istio-system/kyma-mesh-config.
/// Running it again changes nothing that is already right.
///
/// With no -o and no --from-configmap, overrides are read from the ConfigMaps labelled
/// installer=overrides,component=istio in kyma-installer, as Kyma's installer did.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  # Minikube or k3d
  kyma-mesh install --profile local

  # A production cluster with your overrides; see the plan first
  kyma-mesh install --profile production -o overrides.yaml --dry-run
  kyma-mesh install --profile production -o overrides.yaml

  # Overrides kept in the cluster
  kyma-mesh install --from-configmap kyma-installer/istio-overrides")]
pub struct InstallArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub istioctl: IstioctlArg,
    /// Take overrides from this ConfigMap's kyma_istio_operator key (before any -o files)
    #[arg(long, value_name = "NS/NAME", value_parser = parse_ns_name)]
    pub from_configmap: Option<(String, String)>,
    /// Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// How long the whole install may take (e.g. 90s, 10m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::util::parse_duration)]
    pub timeout: Duration,
    /// Delete stale sidecar-injector webhook configurations found by the preflight
    #[arg(long)]
    pub fix: bool,
}

/// Diagnose the mesh: seed 000's troubleshooting guide as checks, linkerd-style.
///
/// Categories: kubernetes-api, control-plane, ingress-gateway, mtls, sidecar-injection,
/// data-plane. Each check prints √ (ok), ‼ (warning) or × (error); every problem is followed by
/// what was found and a hint: the command that fixes it. Every check runs even when an earlier
/// one failed, unless it depends on it (then it is skipped). Exit code 1 when any check has an
/// error, 0 otherwise (warnings included). Secret contents are never printed.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  # Everything, as a table
  kyma-mesh check

  # Before an install: API, permissions, istioctl, stale webhooks
  kyma-mesh check --pre

  # Wait up to five minutes for a fresh install to become healthy
  kyma-mesh check --wait 5m

  # For scripts: the errors' ids and hints
  kyma-mesh check --output json | jq '.categories[].checks[] | select(.result == \"error\") | {id, hint}'")]
pub struct CheckArgs {
    /// Only what install needs before anything is installed (the install preflight without
    /// the configuration)
    #[arg(long)]
    pub pre: bool,
    /// Run the checks again until none fails or this much time has passed (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION", value_parser = crate::util::parse_duration)]
    pub wait: Option<Duration>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckOutput::Table)]
    pub output: CheckOutput,
    #[command(flatten)]
    pub istioctl: IstioctlArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckOutput {
    Table,
    Json,
}

/// `NS/NAME`, both parts non-empty.
pub fn parse_ns_name(s: &str) -> Result<(String, String), String> {
    match s.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((ns.to_string(), name.to_string()))
        }
        _ => Err(format!(
            "expected NAMESPACE/NAME, e.g. kyma-installer/istio-overrides, got {s:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ns_names() {
        assert_eq!(parse_ns_name("a/b"), Ok(("a".into(), "b".into())));
        for bad in ["a", "/b", "a/", "a/b/c"] {
            assert!(parse_ns_name(bad).is_err(), "{bad}");
        }
    }
}
