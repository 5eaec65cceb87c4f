//! The command line: global flags (as kubectl has them) and one subcommand per module in
//! `commands/`.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{EnumValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{InjectionMode, Profile};
use crate::ops::proxy_reset::pace::{MaxUnavailable, Pacing};

const ABOUT: &str =
    "Install, upgrade and keep healthy Istio with Kyma's Service Mesh configuration";

const LONG_ABOUT: &str = "\
Install, upgrade and keep healthy Istio with Kyma's Service Mesh configuration.

kyma-mesh renders Kyma's IstioOperator for a profile, merges your overrides into it
without surprises, and validates the result against Istio's API before anything runs.

Data goes to stdout; progress and logs go to stderr.
Exit codes: 0 success, 1 the operation failed, 2 invalid input or usage.";

#[derive(Debug, Clone, Parser)]
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
    /// More detail on stderr: -v says every step and every retried API request, -vv also
    /// every API request (method, path, status, duration) and istioctl's every line. kubectl's
    /// levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Nothing on stderr but errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    Render(RenderArgs),
    Install(InstallArgs),
    Upgrade(UpgradeArgs),
    ProxyReset(ProxyResetArgs),
    Check(CheckArgs),
    Gateway(GatewayArgs),
    Injection(InjectionArgs),
    Uninstall(UninstallArgs),
    Version(VersionArgs),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

/// Where the IstioOperator comes from: profile, overrides, --set. Shared by render, install
/// and upgrade so the three always agree.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// The defaults to start from: Kyma 1.x's profiles (local, cluster, production) or the
    /// Kyma Istio module's default IstioOperator (module, module-evaluation) [default:
    /// cluster; install and upgrade keep the profile the last install recorded]
    #[arg(long, value_parser = ProfileArg::parser())]
    pub profile: Option<Profile>,
    /// Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces
    /// labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma
    /// does) [default: default (opt-in for the module profiles), or the recorded mode]
    #[arg(long, value_name = "MODE", value_parser = InjectionArg::parser())]
    pub sidecar_injection: Option<InjectionMode>,
    /// Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g.
    /// 1.29 for one upgrade step; 'none' drops a recorded one [default: none, or the recorded
    /// one]
    #[arg(long, value_name = "1.N", value_parser = parse_compatibility_version)]
    pub compatibility_version: Option<String>,
    /// Override file, merged left to right ('-' reads stdin). Accepts an IstioOperator, a Kyma
    /// override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a
    /// values file with istio.kyma_istio_operator, or the Kyma Istio module's Istio resource
    /// (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl's name for it
    #[arg(
        short = 'o',
        long = "overrides",
        value_name = "FILE",
        visible_short_alias = 'f',
        visible_alias = "filename"
    )]
    pub overrides: Vec<PathBuf>,
    /// Set one value, after all files: PATH=VALUE with istioctl's path syntax, relative to
    /// spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Do not check the result against Istio's API (for fields newer than kyma-mesh knows)
    #[arg(long)]
    pub skip_validation: bool,
}

/// `--profile`: the command-line face of [`Profile`] (`config/` knows nothing of clap). The doc
/// comments are the help text of each value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// Minikube or k3d: small requests, one replica, NodePort gateway on ports 80/443.
    Local,
    /// Any real cluster: LoadBalancer gateway, HPA 1-5.
    Cluster,
    /// The cluster profile with increased resources and HPA for all components.
    Production,
    /// The Kyma Istio module's defaults, Production variant: injection opt-in, OTLP tracing,
    /// CNI, HPA 3-15.
    Module,
    /// The Kyma Istio module's defaults, Evaluation variant: one replica, small requests.
    ModuleEvaluation,
}

impl ProfileArg {
    /// Parses the flag's values as this enum's, yields the `config` type.
    fn parser() -> impl TypedValueParser<Value = Profile> {
        EnumValueParser::<ProfileArg>::new().map(Profile::from)
    }
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Self {
        match p {
            ProfileArg::Local => Profile::Local,
            ProfileArg::Cluster => Profile::Cluster,
            ProfileArg::Production => Profile::Production,
            ProfileArg::Module => Profile::Module,
            ProfileArg::ModuleEvaluation => Profile::ModuleEvaluation,
        }
    }
}

/// `--sidecar-injection`: the command-line face of [`InjectionMode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InjectionArg {
    /// Every namespace but istio-system and kube-system gets sidecars.
    Default,
    /// Only namespaces labelled istio-injection=enabled (kyma-mesh labels kyma-system).
    OptIn,
}

impl InjectionArg {
    fn parser() -> impl TypedValueParser<Value = InjectionMode> {
        EnumValueParser::<InjectionArg>::new().map(InjectionMode::from)
    }
}

impl From<InjectionArg> for InjectionMode {
    fn from(m: InjectionArg) -> Self {
        match m {
            InjectionArg::Default => InjectionMode::Default,
            InjectionArg::OptIn => InjectionMode::OptIn,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Yaml,
    Json,
}

/// `render --output`: the IstioOperator as YAML or JSON, or the Kyma Istio module's `Istio`
/// resource expressing the overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderOutput {
    /// The merged IstioOperator as YAML
    Yaml,
    /// The merged IstioOperator as JSON
    Json,
    /// Your overrides (their difference from the profile) as the Kyma Istio module's Istio
    /// resource; what it cannot express is named on stderr
    IstioCr,
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
    /// `-o json` is a kubectl and istioctl habit; here -o names an override file (Kyma CLI's
    /// convention). An `-o` that is exactly an output format name, with no such file, is that
    /// habit: the output format this command has, if any, is `suggest`.
    pub fn check_format_typo(&self, suggest: Option<&str>) -> Result<(), crate::InvalidInput> {
        let Some(name) = self.overrides.iter().find_map(|f| {
            let s = f.to_str()?;
            (matches!(s, "json" | "yaml" | "wide") && !f.exists()).then_some(s)
        }) else {
            return Ok(());
        };
        let advice = match suggest {
            Some(flag) => format!("did you mean {flag} {name}?"),
            None => "this command has no output format".to_string(),
        };
        Err(crate::InvalidInput(format!(
            "there is no override file {name}: -o names an override file (as in Kyma CLI); {advice}"
        )))
    }

    pub fn source(&self) -> crate::ops::render::ConfigSource {
        let profile = self.profile.unwrap_or(Profile::Cluster);
        crate::ops::render::ConfigSource {
            profile,
            profile_given: self.profile.is_some(),
            injection: self
                .sidecar_injection
                .unwrap_or(profile.default_injection()),
            injection_given: self.sidecar_injection.is_some(),
            compatibility_version: self.compatibility_version.clone(),
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

    pub fn target(&self) -> crate::ops::Target {
        crate::ops::Target {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
        }
    }
}

/// Print the merged IstioOperator: the profile, your overrides and --set values, validated.
///
/// Needs no cluster. Use it to review what install would give istioctl, or to feed istioctl
/// yourself.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # Kyma's production profile with an override file
  kyma-mesh render --profile production -o examples/istio-overrides.yaml

  # One value changed on the command line
  kyma-mesh render --set components.pilot.k8s.hpaSpec.maxReplicas=3

  # Which source set each value
  kyma-mesh render --profile local -o my-overrides.yaml --explain

  # What a Kyma Istio module Istio resource turns into, on the module's defaults
  kyma-mesh render --profile module -o istio.yaml

  # Your overrides as an Istio resource, to move them to the module
  kyma-mesh render -o my-overrides.yaml --output istio-cr")]
pub struct RenderArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = RenderOutput::Yaml)]
    pub output: RenderOutput,
    /// Show, for every value, the source that set it (profile, file:line:column, --set #N,
    /// the Istio resource's field)
    #[arg(long)]
    pub explain: bool,
}

/// Print a shell completion script.
///
/// The scripts are also shipped in the repository's completions/ directory.
#[derive(Debug, Clone, Args)]
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

/// Print a man page (roff), generated from this command line.
///
/// The pages are also shipped in the repository's man/ directory.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kyma-mesh man | man -l -
  kyma-mesh man render > /usr/local/share/man/man1/kyma-mesh-render.1")]
pub struct ManArgs {
    /// The command whose page to print (default: kyma-mesh's own page)
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Print kyma-mesh's version, the istioctl it would use and, when the cluster answers, its
/// control plane, recorded profile and data plane per sidecar version.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kyma-mesh version
  kyma-mesh version --istioctl ~/istio-1.28.0/bin/istioctl --output json
  kyma-mesh version --all-contexts    # every cluster's control-plane version in one table")]
pub struct VersionArgs {
    #[command(flatten)]
    pub istioctl: IstioctlArg,
    /// Output format (default: human-readable lines)
    #[arg(long, value_enum)]
    pub output: Option<OutputFormat>,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// Running one command on several clusters of the kubeconfig (install, upgrade, proxy-reset,
/// check, version).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Fleet")]
pub struct FleetArgs {
    /// Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each
    /// cluster's lines are prefixed with its context, then one summary table
    #[arg(
        long,
        value_name = "CONTEXT,...",
        value_delimiter = ',',
        conflicts_with = "all_contexts"
    )]
    pub contexts: Vec<String>,
    /// Run on every context of the kubeconfig
    #[arg(long)]
    pub all_contexts: bool,
    /// With --all-contexts: leave this context out (repeatable)
    #[arg(long, value_name = "CONTEXT", requires = "all_contexts")]
    pub exclude_context: Vec<String>,
    /// Clusters worked on at the same time
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// After the first cluster that fails, start no other (those running finish); without it
    /// a failed cluster never stops the others
    #[arg(long)]
    pub fail_fast: bool,
}

impl FleetArgs {
    /// A fleet run was asked for.
    pub fn active(&self) -> bool {
        !self.contexts.is_empty() || self.all_contexts
    }
}

impl Command {
    /// The fleet flags of the commands that take them.
    pub fn fleet_mut(&mut self) -> Option<&mut FleetArgs> {
        match self {
            Command::Install(a) => Some(&mut a.fleet),
            Command::Upgrade(a) => Some(&mut a.fleet),
            Command::ProxyReset(a) => Some(&mut a.fleet),
            Command::Check(a) => Some(&mut a.fleet),
            Command::Version(a) => Some(&mut a.fleet),
            _ => None,
        }
    }

    /// The command prints JSON on stdout (a fleet run then prints one JSON list).
    pub fn json_output(&self) -> bool {
        match self {
            Command::Check(a) => a.output == CheckOutput::Json,
            Command::ProxyReset(a) => a.output.is_some(),
            Command::Version(a) => a.output == Some(OutputFormat::Json),
            _ => false,
        }
    }
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
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # Minikube or k3d
  kyma-mesh install --profile local

  # A production cluster with your overrides; see the plan first
  kyma-mesh install --profile production -o overrides.yaml --dry-run
  kyma-mesh install --profile production -o overrides.yaml

  # Overrides kept in the cluster
  kyma-mesh install --from-configmap kyma-installer/istio-overrides

  # The Kyma Istio module's Istio resource, on the module's defaults
  kyma-mesh install --profile module --from-istio-cr")]
pub struct InstallArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub istioctl: IstioctlArg,
    /// Take overrides from this ConfigMap's kyma_istio_operator key (before any -o files)
    #[arg(long, value_name = "NS/NAME", value_parser = parse_ns_name)]
    pub from_configmap: Option<(String, String)>,
    /// Take overrides from the Kyma Istio module's Istio resource in the cluster (before any -o
    /// files) [default: the one in kyma-system]
    #[arg(long, value_name = "NS/NAME", num_args = 0..=1, value_parser = parse_ns_name)]
    pub from_istio_cr: Option<Option<(String, String)>>,
    /// Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// How long the whole install may take (e.g. 90s, 10m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::util::parse_duration)]
    pub timeout: Duration,
    /// Delete stale sidecar-injector webhook configurations found by the preflight
    #[arg(long)]
    pub fix: bool,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `--compatibility-version`: `1.N` or `none`.
fn parse_compatibility_version(s: &str) -> Result<String, String> {
    if s == "none" {
        return Ok(s.to_string());
    }
    crate::version::parse_minor(s).map(|m| m.to_string())
}

/// Flags whose next argument is their value (so `--set -v=6` is not a verbosity).
const TAKES_VALUE: &[&str] = &[
    "--kubeconfig",
    "--context",
    "-o",
    "-f",
    "--overrides",
    "--filename",
    "--set",
    "--profile",
    "--sidecar-injection",
    "--compatibility-version",
    "--output",
    "--istioctl",
    "--from-configmap",
    "--timeout",
    "--max-unavailable",
    "--until",
    "--for",
];

/// kubectl's verbosity levels, rewritten into clap's counted `-v` before parsing: `-v=N`,
/// `--v=N`, `-v N` and `--v N`; 1 to 5 become `-v`, 6 and more `-vv`, 0 nothing.
pub fn normalize_verbosity(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Vec<std::ffi::OsString>, String> {
    let mut out = Vec::new();
    let mut it = args.into_iter().peekable();
    let mut rest_verbatim = false;
    let mut value_next = false;
    let level = |flag: &str, v: &str| -> Result<u32, String> {
        v.parse::<u32>().map_err(|_| {
            format!(
                "{flag} takes a level (a number such as 6, as kubectl's -v) or nothing, got {v:?}"
            )
        })
    };
    let push_level = |out: &mut Vec<std::ffi::OsString>, n: u32| match n {
        0 => {}
        1..=5 => out.push("-v".into()),
        _ => out.push("-vv".into()),
    };
    while let Some(arg) = it.next() {
        let Some(s) = arg.to_str().map(str::to_string) else {
            out.push(arg);
            continue;
        };
        if rest_verbatim || value_next {
            value_next = false;
            out.push(arg);
            continue;
        }
        if s == "--" {
            rest_verbatim = true;
            out.push(arg);
            continue;
        }
        if let Some(v) = s.strip_prefix("-v=").or_else(|| s.strip_prefix("--v=")) {
            push_level(&mut out, level("-v", v)?);
            continue;
        }
        if s == "-v" || s == "--v" {
            let next_is_level = it
                .peek()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if next_is_level {
                let n = it.next().unwrap_or_default();
                push_level(&mut out, level("-v", &n.to_string_lossy())?);
            } else if s == "--v" {
                return Err("--v takes a level (a number such as 6, as kubectl's -v)".into());
            } else {
                out.push(arg);
            }
            continue;
        }
        value_next = TAKES_VALUE.contains(&s.as_str());
        out.push(arg);
    }
    Ok(out)
}

/// Restart workloads whose Istio sidecar is not the installed Istio's version.
///
/// Finds Running, ready pods whose istio-proxy (container or native-sidecar init container) is
/// not <hub>/proxyv2:<version> of the running istiod, and restarts each owner once:
/// Deployments (through their ReplicaSet), StatefulSets and DaemonSets by a rollout restart;
/// OnDelete StatefulSets/DaemonSets and ownerless ReplicaSets/ReplicationControllers by deleting
/// the outdated pods one at a time. Jobs, CronJobs, bare pods and unknown owner kinds are
/// listed as "restart manually" with the command to run. Pods with
/// sidecar.istio.io/proxyImage are skipped; pods or workloads annotated
/// kyma-mesh.kyma-project.io/proxy-reset: "false" are reported as skipped.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # What would be restarted, as JSON
  kyma-mesh proxy-reset --dry-run --output json

  # Restart, wait for every rollout and check nothing is left outdated
  kyma-mesh proxy-reset --wait --timeout 20m

  # Only two namespaces; also restart pods that should have a sidecar and have none
  kyma-mesh proxy-reset --namespace shop --namespace payments --missing-sidecars

  # Everything but a namespace that restarts its pods itself
  kyma-mesh proxy-reset --exclude-namespace batch-jobs --concurrency 20")]
pub struct ProxyResetArgs {
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Only pods in this namespace (repeatable; default: all namespaces)
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,
    /// Leave this namespace alone, reporting its outdated pods as skipped (repeatable)
    #[arg(long = "exclude-namespace", value_name = "NS")]
    pub exclude_namespaces: Vec<String>,
    /// Workloads restarted at the same time
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=200))]
    pub concurrency: u16,
    /// Wait for every rollout to finish, scan again, and report what is still outdated (exit 1)
    #[arg(long)]
    pub wait: bool,
    /// How long the run may take, e.g. 90s, 10m: its waits (OnDelete replacements, a share of
    /// --max-unavailable, --wait) end, and no restart starts after it (exit 3 if any is left)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::util::parse_duration)]
    pub timeout: Duration,
    /// Also restart pods that should have a sidecar (by the injector's namespace and pod
    /// selectors) and have none
    #[arg(long)]
    pub missing_sidecars: bool,
    /// Print the plan or the result as JSON (shape in README "proxy-reset")
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output: Option<JsonOutput>,
    #[command(flatten)]
    pub pacing: PacingArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// The pacing of restarts: `proxy-reset`, `upgrade`'s restart phase and the canary's waves.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Pacing")]
pub struct PacingArgs {
    /// At most this many pods not ready because of this run, across the cluster: N pods, or N%
    /// of the meshed pods the scan found (10%: nine pods in ten keep serving while the rest
    /// move). A restart holds its share until its rollout is complete; one workload larger than
    /// the cap restarts alone
    #[arg(long, value_name = "N|N%", default_value = "10%", value_parser = parse_max_unavailable)]
    pub max_unavailable: MaxUnavailable,
    /// Start no restart after this time (RFC 3339, e.g. 2026-12-07T06:00:00Z): the running ones
    /// finish, what is left is listed, exit 3; the same command again continues
    #[arg(long, value_name = "TIME", value_parser = parse_until, conflicts_with = "for_")]
    pub until: Option<jiff::Timestamp>,
    /// Start no restart after this long (e.g. 30m, 2h), counted from the start; as --until
    #[arg(long = "for", value_name = "DURATION", value_parser = crate::util::parse_duration)]
    pub for_: Option<Duration>,
}

impl PacingArgs {
    pub fn pacing(&self) -> Pacing {
        let until = self.until.or_else(|| {
            let d = jiff::SignedDuration::try_from(self.for_?).ok()?;
            jiff::Timestamp::now().checked_add(d).ok()
        });
        Pacing {
            max_unavailable: self.max_unavailable,
            until,
        }
    }
}

fn parse_max_unavailable(s: &str) -> Result<MaxUnavailable, String> {
    MaxUnavailable::parse(s)
}

/// `--until`: an RFC 3339 time with its offset.
fn parse_until(s: &str) -> Result<jiff::Timestamp, String> {
    s.parse::<jiff::Timestamp>()
        .map_err(|e| format!("{s:?} is not an RFC 3339 time such as 2026-12-07T06:00:00Z ({e})"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JsonOutput {
    Json,
}

/// Fix and investigate the ingress gateway (Kyma's troubleshooting guide: "Can't access Console UI or other endpoints").
///
/// A 503 from every endpoint usually means the gateway holds a stale configuration: `restart`
/// makes it re-read it. If that does not help, `debug enable` switches the gateway to Istio's
/// debug image (the distroless one has no shell) and prints the commands to investigate.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # The troubleshooting guide's fix for a 503, as a rolling restart (the gateway keeps serving)
  kyma-mesh gateway restart --wait

  # Investigate: debug image, then the printed commands, then back to distroless
  kyma-mesh gateway debug enable
  kyma-mesh gateway debug disable")]
pub struct GatewayArgs {
    #[command(subcommand)]
    pub command: GatewayCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum GatewayCommand {
    Restart(GatewayRestartArgs),
    Debug(GatewayDebugArgs),
}

/// Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does.
///
/// The pods are replaced one by one under the Deployment's rolling-update strategy, instead of
/// the troubleshooting guide's `kubectl delete pod -l app=istio-ingressgateway`, which drops
/// every connection at once.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kyma-mesh gateway restart
  kyma-mesh gateway restart --wait --timeout 5m
  kyma-mesh gateway restart --dry-run")]
pub struct GatewayRestartArgs {
    /// Wait until the new pods are ready and the old ones are gone
    #[arg(long)]
    pub wait: bool,
    /// How long --wait may take (e.g. 90s, 10m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::util::parse_duration)]
    pub timeout: Duration,
    /// Print the patch and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Switch the gateway's istio-proxy image between the distroless and the debug flavour.
///
/// `enable` swaps `...proxyv2:<tag>-distroless` for `...proxyv2:<tag>-debug` (which has a shell
/// and netstat), waits for the rollout and prints the troubleshooting guide's investigation
/// commands with the pod name filled in. `disable` restores the image the gateway had before. While the debug
/// image is in place the Deployment carries the annotation
/// kyma-mesh.kyma-project.io/debug-image (the replaced image); `kyma-mesh install` and
/// `upgrade` put the distroless image back too.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kyma-mesh gateway debug enable
  kyma-mesh gateway debug enable --dry-run
  kyma-mesh gateway debug disable")]
pub struct GatewayDebugArgs {
    #[arg(value_enum)]
    pub action: Toggle,
    /// Do not wait for the rollout
    #[arg(long)]
    pub no_wait: bool,
    /// How long the rollout may take (e.g. 90s, 10m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::util::parse_duration)]
    pub timeout: Duration,
    /// Print the patch and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Toggle {
    Enable,
    Disable,
}

/// Sidecar injection of a namespace or a Deployment: switch it, or see who gets sidecars and why.
///
/// A namespace is switched with the label istio-injection=enabled|disabled, a Deployment with
/// the pod-template annotation sidecar.istio.io/inject. A change applies to pods created
/// afterwards: the pods that must be restarted for it are listed, and --restart restarts
/// their workloads. kube-system and istio-system are kept out of the mesh by Kyma on purpose;
/// changing them needs --force.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # Who gets sidecars, and why
  kyma-mesh injection status
  kyma-mesh injection status --namespace shop --output json

  # Sidecars for every pod of a namespace, restarting what runs there now
  kyma-mesh injection enable --namespace shop --restart

  # One Deployment without a sidecar (its pods roll out at once)
  kyma-mesh injection disable --deployment shop/legacy-batch")]
pub struct InjectionArgs {
    #[command(subcommand)]
    pub command: InjectionCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum InjectionCommand {
    Enable(InjectionChangeArgs),
    Disable(InjectionChangeArgs),
    Status(InjectionStatusArgs),
}

/// Switch sidecar injection for a namespace or a Deployment.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["namespace", "deployment"])))]
#[command(after_help = "\
Examples:
  kyma-mesh injection enable --namespace shop
  kyma-mesh injection disable --namespace legacy --restart
  kyma-mesh injection disable --deployment shop/legacy-batch
  kyma-mesh injection enable --deployment shop/legacy-batch --dry-run")]
pub struct InjectionChangeArgs {
    /// The namespace to switch (label istio-injection)
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// The Deployment to switch (pod-template annotation sidecar.istio.io/inject)
    #[arg(long, value_name = "NS/NAME", value_parser = parse_ns_name)]
    pub deployment: Option<(String, String)>,
    /// Restart the workloads whose pods must be re-created for the change (rollout restart)
    #[arg(long)]
    pub restart: bool,
    /// Allow changing kube-system and istio-system, which Kyma keeps out of the mesh
    #[arg(long)]
    pub force: bool,
    /// Say what would change and which pods would need a restart; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Effective sidecar injection per namespace, and why.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  kyma-mesh injection status
  kyma-mesh injection status --namespace shop --output json")]
pub struct InjectionStatusArgs {
    /// Only this namespace
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Output format (default: a table)
    #[arg(long, value_enum)]
    pub output: Option<OutputFormat>,
}

/// Remove Istio and everything kyma-mesh added to the cluster.
///
/// Runs `istioctl uninstall --purge -y` (which deletes Istio's CRDs and with them every Istio
/// resource), then removes what kyma-mesh created: its patches' objects, its record
/// istio-system/kyma-mesh-config and its namespace labels. Then it restarts the workloads that
/// still run sidecars, so they run without them.
///
/// Refuses while Istio resources exist that kyma-mesh did not create (VirtualServices,
/// DestinationRules, Gateways, AuthorizationPolicies, PeerAuthentications, EnvoyFilters): they
/// are listed; --force deletes them with the CRDs.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # See what would be removed
  kyma-mesh uninstall --dry-run

  # Remove Istio, your Istio resources too, and list the pods instead of restarting them
  kyma-mesh uninstall --force --no-restart")]
pub struct UninstallArgs {
    #[command(flatten)]
    pub istioctl: IstioctlArg,
    /// Uninstall even though Istio resources you created exist (they are deleted)
    #[arg(long)]
    pub force: bool,
    /// List the workloads that still run sidecars instead of restarting them
    #[arg(long)]
    pub no_restart: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// How long the whole uninstall may take (e.g. 90s, 10m)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::util::parse_duration)]
    pub timeout: Duration,
}

/// Diagnose the mesh: Kyma's Service Mesh troubleshooting guide as checks, linkerd-style.
///
/// Categories: kubernetes-api, control-plane, ingress-gateway, mtls, sidecar-injection,
/// data-plane. Each check prints √ (ok), ‼ (warning), × (error) or ○ (skipped); every problem is
/// followed by what was found and a hint: the command that fixes it. Every check runs even when an earlier
/// one failed, unless it depends on it (then it is skipped). Exit code 1 when any check has an
/// error, 0 otherwise (warnings included). Secret contents are never printed.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # Everything, as a table
  kyma-mesh check

  # Before an install: API, permissions, istioctl, stale webhooks
  kyma-mesh check --pre

  # Wait up to five minutes for a fresh install to become healthy
  kyma-mesh check --wait 5m

  # For scripts: the errors' ids and hints
  kyma-mesh check --output json | jq '.categories[].checks[] | select(.result == \"error\") | {id, hint}'

  # One view of a fleet: every context of the kubeconfig, then one summary table
  kyma-mesh check --all-contexts --exclude-context dev")]
pub struct CheckArgs {
    /// Only what install needs before anything is installed (the install preflight without
    /// the configuration)
    #[arg(long)]
    pub pre: bool,
    /// Run the checks again until none fails or this much time has passed (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION", value_parser = crate::util::parse_duration)]
    pub wait: Option<Duration>,
    /// Warn about a mesh certificate (root, CA chain, webhook caBundle) this many days before it
    /// expires; within 7 days, or expired, it is an error
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub cert_warn_days: u32,
    /// A pod in a meshed namespace Pending, Failed or Unknown this long is stuck (e.g. 10m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::util::parse_duration)]
    pub stuck_after: Duration,
    /// Exit 1 when any check warns, not only when one fails (for pipelines)
    #[arg(long)]
    pub fail_on_warnings: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckOutput::Table)]
    pub output: CheckOutput,
    #[command(flatten)]
    pub istioctl: IstioctlArg,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckOutput {
    Table,
    Json,
}

/// Upgrade Istio by one minor (or a patch) and move every sidecar with it.
///
/// Steps: the version gate against the live control plane (a downgrade, a major change or a
/// skipped minor is refused before anything changes, naming the version to go through);
/// install's phases (preflight, istioctl, Kyma's patches, readiness) with the configuration the
/// last install recorded, unless -o, --set or --profile give a new one (then the changes
/// against the record are shown first); wait until every istiod pod runs the new version;
/// then proxy-reset --wait, so every workload gets the new sidecar; and a summary of the
/// control plane and data plane before and after, with what needs a manual restart.
///
/// With --canary the upgrade is revision-based and every step can be undone: the new version
/// is installed as revision <major>-<minor>-<patch> beside the running control plane, the
/// `default` revision tag moves to it (new pods get its sidecar), and workloads are restarted
/// onto it (kyma-system first, in waves with --wave-size), while the old control plane keeps
/// running. Then --finish removes the old revision once no pod uses it, or --rollback moves the
/// tag, the gateways and the workloads back and removes the new revision.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  # istioctl 1.28 on PATH, a cluster on 1.27: upgrade with the recorded configuration
  kyma-mesh upgrade

  # Canary: 1.28 beside 1.27, workloads moved three namespaces at a time
  kyma-mesh upgrade --canary --wave-size 3
  kyma-mesh check                  # both revisions, and which pods use which
  kyma-mesh upgrade --finish       # remove 1.27 (refused while a pod still uses it)
  kyma-mesh upgrade --rollback     # or: back to 1.27, 1.28 removed

  # Three clusters, two at a time; a failed one does not stop the others
  kyma-mesh upgrade --contexts eu1,us1,ap1 --parallel 2

  # With a new override (the changes against the record are shown before anything runs)
  kyma-mesh upgrade -o overrides.yaml --istioctl ~/istio-1.28.0/bin/istioctl

  # Control plane only; restart the workloads later with proxy-reset
  kyma-mesh upgrade --skip-proxy-reset")]
pub struct UpgradeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub istioctl: IstioctlArg,
    /// Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// How long the control-plane part may take (e.g. 90s, 10m); proxy-reset gets as long again
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::util::parse_duration)]
    pub timeout: Duration,
    /// Do not restart workloads after the control plane moved (run proxy-reset yourself)
    #[arg(long)]
    pub skip_proxy_reset: bool,
    /// Workloads restarted at the same time by the proxy reset
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=200))]
    pub concurrency: u16,
    /// Install the new version as its own revision beside the running control plane, move the
    /// `default` tag to it and restart the workloads onto it; the old control plane stays
    #[arg(long, conflicts_with_all = ["finish", "rollback", "skip_proxy_reset"])]
    pub canary: bool,
    /// With --canary: restart N namespaces at a time (kyma-system first), verifying each wave
    /// before the next
    #[arg(long, value_name = "N", requires = "canary", value_parser = clap::value_parser!(u16).range(1..))]
    pub wave_size: Option<u16>,
    /// Complete a canary upgrade: remove the old revision (refused while a pod still uses it)
    #[arg(long, conflicts_with_all = ["rollback", "dry_run", "skip_proxy_reset"])]
    pub finish: bool,
    /// Undo a canary upgrade: the `default` tag, the gateways and the workloads back to the old
    /// revision, then the new revision removed
    #[arg(long, conflicts_with_all = ["dry_run", "skip_proxy_reset"])]
    pub rollback: bool,
    #[command(flatten)]
    pub pacing: PacingArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
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
    use std::ffi::OsString;

    use super::*;

    #[test]
    fn flag_values_name_the_config_values() {
        for arg in ProfileArg::value_variants() {
            let name = arg.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(Profile::from(*arg).name(), name);
        }
        for arg in InjectionArg::value_variants() {
            let name = arg.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(InjectionMode::from(*arg).to_string(), name);
        }
    }

    #[test]
    fn kubectl_verbosity_levels() {
        let n = |args: &[&str]| -> Result<Vec<String>, String> {
            normalize_verbosity(args.iter().map(OsString::from))
                .map(|v| v.into_iter().map(|a| a.into_string().unwrap()).collect())
        };
        assert_eq!(
            n(&["km", "-v=6", "install"]).unwrap(),
            ["km", "-vv", "install"]
        );
        assert_eq!(
            n(&["km", "--v=3", "install"]).unwrap(),
            ["km", "-v", "install"]
        );
        assert_eq!(
            n(&["km", "-v", "9", "render"]).unwrap(),
            ["km", "-vv", "render"]
        );
        assert_eq!(n(&["km", "--v", "0", "render"]).unwrap(), ["km", "render"]);
        assert_eq!(
            n(&["km", "-vv", "render"]).unwrap(),
            ["km", "-vv", "render"]
        );
        assert_eq!(n(&["km", "-v", "render"]).unwrap(), ["km", "-v", "render"]);
        assert_eq!(
            n(&["km", "render", "--", "-v=6"]).unwrap(),
            ["km", "render", "--", "-v=6"],
            "after -- nothing is rewritten"
        );
        assert_eq!(
            n(&["km", "render", "--set", "-v=6"]).unwrap(),
            ["km", "render", "--set", "-v=6"],
            "a flag's value is not a flag"
        );
        for bad in ["-v=x", "--v=", "--v=-1", "-v=99999999999"] {
            let e = n(&["km", bad, "render"]).unwrap_err();
            assert!(e.contains("a level"), "{bad}: {e}");
        }
        let e = n(&["km", "--v"]).unwrap_err();
        assert!(e.contains("a level"), "{e}");
    }

    #[test]
    fn ns_names() {
        assert_eq!(parse_ns_name("a/b"), Ok(("a".into(), "b".into())));
        for bad in ["a", "/b", "a/", "a/b/c"] {
            assert!(parse_ns_name(bad).is_err(), "{bad}");
        }
    }
}
