//! fake-istioctl: behaves like istioctl >= 1.24 at its boundary, against kube-sim.
//!
//! * `version [--remote=false] [-o json|yaml] [--short]`: istioctl's exact JSON shape.
//! * `install|upgrade [-f FILE]... [--set PATH=VALUE]... [-y] [--kubeconfig F] [--context C]`:
//!   validates the IstioOperator and creates what istioctl would (namespace, CRDs, istiod, gateways
//!   with their HPAs (`k8s.hpaSpec`, `values.gateways.*.autoscale*`), the `istio-sidecar-injector`
//!   webhook) at its own version, with server-side apply (field manager `istioctl`), waits for each
//!   Deployment's rollout (every pod updated and Ready, no old pod left, as `kubectl rollout
//!   status`), prunes gateways no longer enabled. Without `-y` it asks on stdin and exits 1 with
//!   `Cancelled.`.
//!   With `--revision R` (or `spec.revision`): `istiod-R`, its Service, ServiceAccount,
//!   ConfigMaps `istio-R` and `istio-sidecar-injector-R`, and the injector webhook
//!   configuration `istio-sidecar-injector-R` (webhooks selecting `istio.io/rev=R` only); into a
//!   cluster without an injector webhook also the `default` revision tag pointing at R.
//! * `uninstall --purge [-y]`: removes it again, revision tags included (the namespace stays,
//!   as with istioctl). `uninstall --revision R [-y]` (or `-f` with `spec.revision`): only that
//!   revision's objects (tags stay), after a warning naming the pods still injected by R.
//!   A purge also deletes, with the CRDs, every object of their types, as Kubernetes
//!   garbage-collects them.
//! * `tag set <tag> --revision R [--overwrite] [--auto-inject-namespaces]`: the
//!   `istio-revision-tag-<tag>` webhook configuration (the `default` tag also takes over
//!   `istio-injection=enabled` and deactivates `istio-sidecar-injector` with never-match
//!   selectors); without `--overwrite` an existing tag is an error. `tag list [-o json|yaml]`,
//!   `tag remove <tag> [-y]`. Messages and checks as istioctl's.
//!
//! Environment: `FAKE_ISTIOCTL_VERSION` (default: the newest known), `FAKE_ISTIOCTL_RECORD=DIR`
//! (record each call as `DIR/call-NNNN.json`: args, `-f` files, env, exit code),
//! `FAKE_ISTIOCTL_FAIL=MODE[:COMMAND[,COMMAND]]` with MODE:
//! * `exit`: exit 1 with a message before changing anything;
//! * `hang`: hang (install: after "Istio core"; other commands: at once);
//! * `partial`: install fails after core and istiod, before gateways; uninstall midway;
//! * `garbage`: `version` prints a log line and truncated JSON (exit 0);
//! * `signal`: the process kills itself with SIGKILL (install: after "Istio core");
//! * `transient`: the first `FAKE_ISTIOCTL_FAIL_TIMES` (default 1) runs of the command fail as
//!   istioctl does on an API hiccup (install: after "Istio core"; `etcdserver: request timed
//!   out`, 503, 500, a reset connection in turn), later runs succeed; runs are counted in the
//!   directory `FAKE_ISTIOCTL_STATE` (required).
//!
//! API errors are said as istioctl says them (the server's message; a dropped connection as
//! Go's `read: connection reset by peer`). Its requests are retried as client-go retries
//! istioctl's: a 5xx or 429 with `Retry-After`, and a GET cut short; nothing else.
//!
//! Without `:COMMAND` (`version`, `install`, `upgrade`, `uninstall`, `tag`), `garbage` applies
//! to `version`, `signal` to every command and the others to every command but `version`. An
//! unknown MODE is an error. Every failure exits 1 with an `Error: ...` line on stderr.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{ArgAction, Args, Parser, Subcommand};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;
use kube::{Client, Config};
use serde_json::{Value, json};
use testkit::istio::{self, DEFAULT_VERSION, IstioInstall};

#[derive(Parser, Debug)]
#[command(
    name = "istioctl",
    about = "Istio configuration command line utility (fake, for tests)",
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Kubernetes configuration file.
    #[arg(long, short = 'c', global = true)]
    kubeconfig: Option<PathBuf>,
    /// Kubernetes configuration context.
    #[arg(long, global = true)]
    context: Option<String>,
    /// Istio system namespace.
    #[arg(
        long = "istioNamespace",
        short = 'i',
        global = true,
        default_value = "istio-system"
    )]
    istio_namespace: String,
    #[arg(long, global = true, hide = true)]
    vklog: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Prints out build version information
    Version(VersionArgs),
    /// Applies an Istio manifest, installing or reconfiguring Istio on a cluster.
    Install(InstallArgs),
    /// Upgrade Istio control plane in-place with eligibility checks.
    Upgrade(InstallArgs),
    /// Uninstall Istio from a cluster
    Uninstall(UninstallArgs),
    /// Command group used to interact with revision tags
    Tag(TagArgs),
}

#[derive(Args, Debug)]
struct TagArgs {
    #[command(subcommand)]
    cmd: TagCmd,
}

#[derive(Subcommand, Debug)]
enum TagCmd {
    /// Create or modify revision tags
    Set(TagSetArgs),
    /// List existing revision tags
    #[command(alias = "show")]
    List(TagListArgs),
    /// Remove Istio control plane revision tag
    #[command(alias = "delete")]
    Remove(TagRemoveArgs),
}

#[derive(Args, Debug)]
struct TagSetArgs {
    /// The revision tag
    tag: String,
    /// Control plane revision to reference from a given revision tag
    #[arg(long, short = 'r', required = true)]
    revision: String,
    /// If true, allow revision tags to be overwritten
    #[arg(long)]
    overwrite: bool,
    /// If set to true, the sidecars should be automatically injected into all namespaces by default
    #[arg(long = "auto-inject-namespaces", action = ArgAction::Set, num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    auto_inject_namespaces: bool,
    #[arg(long = "skip-confirmation", short = 'y')]
    yes: bool,
    /// Name to use for a revision tag's mutating webhook configuration.
    #[arg(long = "webhook-name")]
    webhook_name: Option<String>,
    #[arg(long, short = 'd')]
    manifests: Option<String>,
}

#[derive(Args, Debug)]
struct TagListArgs {
    /// Output format for tag description (available formats: table,json,yaml)
    #[arg(long, short = 'o', default_value = "table")]
    output: String,
}

#[derive(Args, Debug)]
struct TagRemoveArgs {
    /// The revision tag
    tag: String,
    #[arg(long = "skip-confirmation", short = 'y')]
    yes: bool,
}

#[derive(Args, Debug)]
struct VersionArgs {
    /// Use --remote=false to suppress control plane check
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true")]
    remote: bool,
    /// One of 'yaml' or 'json'.
    #[arg(long, short = 'o')]
    output: Option<String>,
    /// Use --short=false to generate full version information
    #[arg(long, short = 's', action = ArgAction::Set, num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    short: bool,
    #[arg(long, short = 'r')]
    revision: Option<String>,
}

#[derive(Args, Debug)]
struct InstallArgs {
    /// Path to file containing IstioOperator custom resource
    #[arg(long = "filename", short = 'f')]
    filename: Vec<PathBuf>,
    /// Override an IstioOperator value, e.g. values.global.variant=distroless
    #[arg(long = "set", short = 's')]
    set: Vec<String>,
    /// The skipConfirmation determines whether the user is prompted for confirmation.
    #[arg(long = "skip-confirmation", short = 'y')]
    yes: bool,
    #[arg(long, short = 'r')]
    revision: Option<String>,
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    verify: bool,
    #[arg(long)]
    force: bool,
    /// Maximum time to wait for Istio resources in each component to be ready.
    #[arg(long, default_value = "5m0s")]
    readiness_timeout: String,
    #[arg(long, short = 'd')]
    manifests: Option<String>,
}

#[derive(Args, Debug)]
struct UninstallArgs {
    /// Remove all Istio related sources.
    #[arg(long)]
    purge: bool,
    #[arg(long = "skip-confirmation", short = 'y')]
    yes: bool,
    #[arg(long, short = 'r')]
    revision: Option<String>,
    #[arg(long = "filename", short = 'f')]
    filename: Option<PathBuf>,
    #[arg(long)]
    dry_run: bool,
}

struct Failure(String);

/// Not an error message: istioctl prints `Cancelled.` on stdout and exits 1.
const CANCELLED: &str = "\u{0}cancelled";

type Res<T> = Result<T, Failure>;

fn fail<T>(msg: impl Into<String>) -> Res<T> {
    Err(Failure(msg.into()))
}

/// Records this invocation into `$FAKE_ISTIOCTL_RECORD`.
struct Recorder {
    path: Option<PathBuf>,
    call: Value,
}

impl Recorder {
    fn start(args: &[String]) -> Self {
        let Some(dir) = std::env::var_os("FAKE_ISTIOCTL_RECORD").map(PathBuf::from) else {
            return Recorder {
                path: None,
                call: Value::Null,
            };
        };
        let _ = std::fs::create_dir_all(&dir);
        let mut env = BTreeMap::new();
        for k in ["KUBECONFIG", "FAKE_ISTIOCTL_VERSION", "FAKE_ISTIOCTL_FAIL"] {
            if let Ok(v) = std::env::var(k) {
                env.insert(k.to_string(), v);
            }
        }
        let mut files = BTreeMap::new();
        let mut it = args.iter().peekable();
        while let Some(a) = it.next() {
            let file = if a == "-f" || a == "--filename" {
                it.peek().map(|s| s.to_string())
            } else {
                a.strip_prefix("--filename=")
                    .or_else(|| a.strip_prefix("-f="))
                    .map(String::from)
            };
            if let Some(f) = file {
                files.insert(f.clone(), std::fs::read_to_string(&f).unwrap_or_default());
            }
        }
        let call = json!({"args": args, "files": files, "env": env, "exit_code": null});
        for i in 1..100_000 {
            let p = dir.join(format!("call-{i:04}.json"));
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&p)
            {
                let _ = f.write_all(call.to_string().as_bytes());
                return Recorder {
                    path: Some(p),
                    call,
                };
            }
        }
        Recorder { path: None, call }
    }

    fn finish(&mut self, code: i32) {
        if let Some(p) = &self.path {
            self.call["exit_code"] = json!(code);
            let _ = std::fs::write(p, self.call.to_string());
        }
    }
}

fn version() -> String {
    std::env::var("FAKE_ISTIOCTL_VERSION")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_VERSION.to_string())
}

fn golang_version(v: &str) -> &'static str {
    match v
        .split('.')
        .nth(1)
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(28)
    {
        0..=24 => "go1.23",
        25..=27 => "go1.24",
        _ => "go1.25",
    }
}

fn revision_of(v: &str) -> String {
    let mut r = testkit::Rng::new(
        v.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    );
    r.hex(40)
}

/// istioctl's logo, which `install` draws first (on stderr, as all of its install output).
const LOGO: &str = r"        |\
        | \
        |  \
        |   \
      /||    \
     / ||     \
    /  ||      \
   /   ||       \
  /    ||        \
 /     ||         \
/______||__________\
____________________
  \__       _____/
     \_____/
";

/// Install progress: real istioctl writes it all to stderr (stdout stays empty), with a
/// "- Processing resources for COMPONENT." line before each component.
fn progress(s: &str) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{s}");
    let _ = err.flush();
}

fn print_flush(s: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{s}");
    let _ = out.flush();
}

const FAIL_MODES: &[&str] = &["exit", "hang", "partial", "garbage", "signal", "transient"];

/// What istioctl prints on the API hiccups kube-sim can inject, in turn.
const TRANSIENT_ERRORS: &[&str] = &[
    "etcdserver: request timed out",
    "the server is currently unable to handle the request",
    "Internal error occurred: etcdserver: leader changed",
    "Patch \"https://127.0.0.1/apis/apps/v1/namespaces/istio-system/deployments/istiod\": read tcp 127.0.0.1:50312->127.0.0.1:6443: read: connection reset by peer",
];

/// In `transient` mode: fails this run of `command` while it is among the first
/// `FAKE_ISTIOCTL_FAIL_TIMES`, counting runs in `$FAKE_ISTIOCTL_STATE/transient-COMMAND`.
fn transient_failure(command: &str, what: &str) -> Res<()> {
    if fail_mode(command).as_deref() != Some("transient") {
        return Ok(());
    }
    let Some(dir) = std::env::var_os("FAKE_ISTIOCTL_STATE").map(PathBuf::from) else {
        return fail("FAKE_ISTIOCTL_FAIL=transient needs FAKE_ISTIOCTL_STATE=DIR");
    };
    let times: u32 = std::env::var("FAKE_ISTIOCTL_FAIL_TIMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let counter = dir.join(format!("transient-{command}"));
    let run: u32 = std::fs::read_to_string(&counter)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
        + 1;
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(&counter, run.to_string());
    if run > times {
        return Ok(());
    }
    let error = TRANSIENT_ERRORS[(run as usize - 1) % TRANSIENT_ERRORS.len()];
    fail(format!("{what}: {error}"))
}

/// A failure mode and the commands it is limited to.
type FailMode = (String, Option<Vec<String>>);

/// `FAKE_ISTIOCTL_FAIL` = `MODE[:COMMAND[,COMMAND...]]`, checked before anything runs.
fn parse_fail_mode() -> Result<Option<FailMode>, String> {
    let Some(v) = std::env::var("FAKE_ISTIOCTL_FAIL")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    let (mode, cmds) = match v.split_once(':') {
        Some((m, c)) => (
            m,
            Some(c.split(',').map(|c| c.trim().to_string()).collect()),
        ),
        None => (v.as_str(), None),
    };
    if !FAIL_MODES.contains(&mode) {
        return Err(format!(
            "FAKE_ISTIOCTL_FAIL={v:?}: unknown mode {mode:?} (one of {}, optionally :COMMAND[,COMMAND])",
            FAIL_MODES.join(", ")
        ));
    }
    Ok(Some((mode.to_string(), cmds)))
}

/// The failure mode that applies to `command` (`version`, `install`, `upgrade`, `uninstall`,
/// `tag`). Without `:COMMAND`, `garbage` applies to `version`, `signal` to every command and
/// the others to the commands that change the cluster.
fn fail_mode(command: &str) -> Option<String> {
    let (mode, cmds) = parse_fail_mode().ok().flatten()?;
    let applies = match &cmds {
        Some(list) => list.iter().any(|c| c == command),
        None => match mode.as_str() {
            "garbage" => command == "version",
            "signal" => true,
            _ => command != "version",
        },
    };
    applies.then_some(mode)
}

/// Dies of SIGKILL, as an OOM-killed or `kill -9`ed istioctl would (no output, no record of
/// an exit code).
fn kill_self() -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &std::process::id().to_string()])
        .status();
    // `kill` missing: still die of a signal
    std::process::abort()
}

fn hang() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn confirm(prompt: &str) -> bool {
    print!("{prompt} ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

async fn client(cli: &Cli) -> Res<Client> {
    let opts = KubeConfigOptions {
        context: cli.context.clone(),
        cluster: None,
        user: None,
    };
    let config = match &cli.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path).map_err(|e| {
                Failure(format!("failed to load kubeconfig {}: {e}", path.display()))
            })?;
            Config::from_custom_kubeconfig(kc, &opts).await
        }
        None => Config::from_kubeconfig(&opts).await,
    }
    .map_err(|e| Failure(format!("failed to create Kubernetes client: {e}")))?;
    // client-go's retries, not kube's (429, 503 and 504 only, for any method).
    let mut config = config;
    config.default_retry = false;
    let c = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| Failure(format!("failed to create Kubernetes client: {e}")))?
        // tower's Retry clones the service it wraps; the buffer makes kube's stack cloneable.
        .with_layer(&tower::buffer::BufferLayer::new(1024))
        .with_layer(&tower::retry::RetryLayer::new(ClientGoRetry::default()))
        .build();
    c.apiserver_version().await.map_err(ApiMsg).map_err(|e| {
        Failure(format!(
            "failed to connect to Kubernetes API server, error: {e}"
        ))
    })?;
    Ok(c)
}

/// The retries of client-go's REST client (`rest/with_retry.go`, `rest/request.go` in
/// k8s.io/client-go), which istioctl's requests go through: any 5xx or 429 that carries
/// `Retry-After` is sent again after that many seconds, up to 10 times, whatever the method;
/// a connection reset or cut short is retried (after a second) for a GET only, since a write
/// may have been done. Everything else reaches istioctl's code, which does not retry.
#[derive(Clone, Default)]
struct ClientGoRetry {
    attempts: u32,
}

impl ClientGoRetry {
    const MAX_RETRIES: u32 = 10;

    fn dropped(e: &(dyn std::error::Error + 'static)) -> bool {
        let mut cur = Some(e);
        while let Some(e) = cur {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && matches!(
                    io.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof
                )
            {
                return true;
            }
            if let Some(h) = e.downcast_ref::<hyper::Error>()
                && (h.is_incomplete_message() || h.is_closed())
            {
                return true;
            }
            cur = e.source();
        }
        false
    }
}

impl<B> tower::retry::Policy<http::Request<kube::client::Body>, http::Response<B>, tower::BoxError>
    for ClientGoRetry
{
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        req: &mut http::Request<kube::client::Body>,
        result: &mut Result<http::Response<B>, tower::BoxError>,
    ) -> Option<Self::Future> {
        let wait = match result {
            Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => r
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())?,
            Ok(_) => return None,
            Err(e) if req.method() == http::Method::GET && Self::dropped(e.as_ref()) => 1,
            Err(_) => return None,
        };
        self.attempts += 1;
        (self.attempts <= Self::MAX_RETRIES).then(|| tokio::time::sleep(Duration::from_secs(wait)))
    }

    fn clone_request(
        &mut self,
        req: &http::Request<kube::client::Body>,
    ) -> Option<http::Request<kube::client::Body>> {
        let mut out = http::Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone())
            .version(req.version())
            .body(req.body().try_clone()?)
            .ok()?;
        *out.headers_mut() = req.headers().clone();
        *out.extensions_mut() = req.extensions().clone();
        Some(out)
    }
}

fn api_resource(obj: &Value) -> Res<(ApiResource, bool)> {
    let av = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    let (group, version) = av.split_once('/').unwrap_or(("", av));
    let (plural, namespaced) = match kind {
        "Namespace" => ("namespaces", false),
        "Pod" => ("pods", true),
        "ServiceAccount" => ("serviceaccounts", true),
        "ConfigMap" => ("configmaps", true),
        "Service" => ("services", true),
        "Deployment" => ("deployments", true),
        "HorizontalPodAutoscaler" => ("horizontalpodautoscalers", true),
        "PodDisruptionBudget" => ("poddisruptionbudgets", true),
        "MutatingWebhookConfiguration" => ("mutatingwebhookconfigurations", false),
        "ValidatingWebhookConfiguration" => ("validatingwebhookconfigurations", false),
        "CustomResourceDefinition" => ("customresourcedefinitions", false),
        other => return fail(format!("fake-istioctl cannot apply kind {other}")),
    };
    Ok((
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: av.into(),
            kind: kind.into(),
            plural: plural.into(),
        },
        namespaced,
    ))
}

fn api_for(c: &Client, ar: &ApiResource, ns: Option<&str>) -> Api<DynamicObject> {
    match ns {
        Some(ns) => Api::namespaced_with(c.clone(), ns, ar),
        None => Api::all_with(c.clone(), ar),
    }
}

async fn apply_all(c: &Client, objects: &[Value]) -> Res<()> {
    let pp = PatchParams::apply("istioctl").force();
    for o in objects {
        let (ar, namespaced) = api_resource(o)?;
        let ns = namespaced.then(|| {
            o["metadata"]["namespace"]
                .as_str()
                .unwrap_or("istio-system")
        });
        let name = o["metadata"]["name"].as_str().unwrap_or_default();
        api_for(c, &ar, ns)
            .patch(name, &pp, &Patch::Apply(o))
            .await
            .map_err(ApiMsg)
            .map_err(|e| {
                Failure(format!(
                    "failed to update resource with server-side apply for obj {}/{name}: {e}",
                    ar.kind
                ))
            })?;
    }
    Ok(())
}

fn parse_duration(s: &str) -> Duration {
    let mut total = 0f64;
    let mut num = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() || ch == '.' {
            num.push(ch);
            continue;
        }
        let n: f64 = num.parse().unwrap_or(0.0);
        num.clear();
        total += match ch {
            'h' => n * 3600.0,
            'm' => n * 60.0,
            's' => n,
            _ => 0.0,
        };
    }
    if !num.is_empty() {
        total += num.parse::<f64>().unwrap_or(0.0);
    }
    Duration::from_secs_f64(total.max(0.0))
}

async fn wait_ready(c: &Client, ns: &str, name: &str, timeout: Duration) -> Res<()> {
    let ar = api_resource(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}))?.0;
    let api = api_for(c, &ar, Some(ns));
    let start = Instant::now();
    loop {
        if let Ok(d) = api.get(name).await {
            // as `kubectl rollout status`: the new pods all there and available, no old ones left
            let want = d.data["spec"]["replicas"].as_i64().unwrap_or(1);
            let status = |k: &str| d.data["status"][k].as_i64().unwrap_or(0);
            let observed = d.data["status"]["observedGeneration"].as_i64() == d.metadata.generation;
            if observed
                && status("updatedReplicas") >= want
                && status("replicas") <= status("updatedReplicas")
                && status("availableReplicas") >= want
            {
                return Ok(());
            }
        }
        if start.elapsed() >= timeout {
            return fail(format!(
                "failed to wait for resource: resources not ready after {}: context deadline exceeded\n  Deployment/{ns}/{name} (containers with unready status: [discovery])",
                humantime(timeout)
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn humantime(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn read_operator(files: &[PathBuf], sets: &[String]) -> Res<Value> {
    let mut iop =
        json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": {}});
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| Failure(format!("open {}: {e}", f.display())))?;
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).map_err(|e| {
            Failure(format!(
                "could not read IstioOperator from {}: {e}",
                f.display()
            ))
        })?;
        let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
        if docs.is_empty() {
            return fail(format!(
                "{}: no IstioOperator found in the file",
                f.display()
            ));
        }
        for d in docs {
            if d["kind"].as_str() != Some("IstioOperator") {
                return fail(format!(
                    "{}: unknown kind {:?}, expected IstioOperator",
                    f.display(),
                    d["kind"].as_str().unwrap_or("")
                ));
            }
            testkit::merge_patch(&mut iop, &d);
        }
    }
    for s in sets {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| Failure(format!("--set {s}: expected PATH=VALUE")))?;
        let value: Value = match value {
            "true" => json!(true),
            "false" => json!(false),
            v => v
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| json!(v)),
        };
        let mut cur = &mut iop["spec"];
        let parts: Vec<&str> = path.trim_start_matches("spec.").split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                cur[*p] = value.clone();
            } else {
                if !cur[*p].is_object() {
                    cur[*p] = json!({});
                }
                cur = &mut cur[*p];
            }
        }
    }
    Ok(iop)
}

async fn install(cli: &Cli, a: &InstallArgs, command: &str) -> Res<()> {
    let v = version();
    let mut iop = read_operator(&a.filename, &a.set)?;
    if let Some(r) = &a.revision {
        iop["spec"]["revision"] = json!(r);
    }
    let install = IstioInstall::from_operator(&iop, &v)
        .map_err(|e| Failure(format!("generate config: {e}")))?;
    let profile = iop["spec"]["profile"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    if a.dry_run {
        progress(
            "✔ Istio core installed ⛵️\n✔ Istiod installed 🧠\n✔ Ingress gateways installed 🛬\n✔ Installation complete",
        );
        return Ok(());
    }
    if !a.yes
        && !confirm(&format!(
            "This will install the Istio {v} profile \"{profile}\" into the cluster. Proceed? (y/N)"
        ))
    {
        return fail(CANCELLED);
    }
    let mode = fail_mode(command);
    if mode.as_deref() == Some("exit") {
        return fail("failed to install manifests: simulated failure (FAKE_ISTIOCTL_FAIL=exit)");
    }
    let c = client(cli).await?;
    let timeout = parse_duration(&a.readiness_timeout);
    // as istioctl's PreviousInstallExists, before anything is applied
    let previous_install = !list_objects(&c, MWC, None, "app=sidecar-injector")
        .await?
        .is_empty();
    progress(LOGO);
    progress("- Processing resources for Istio core.");
    apply_all(&c, &install.core_objects()).await?;
    progress("✔ Istio core installed ⛵️");
    if let Err(Failure(e)) = transient_failure(
        command,
        "failed to update resource with server-side apply for obj Deployment/istio-system/istiod",
    ) {
        eprintln!("✘ Istiod encountered an error: {e}");
        return fail("failed to install manifests: errors occurred during operation");
    }
    match mode.as_deref() {
        Some("hang") => hang(),
        Some("signal") => kill_self(),
        _ => {}
    }
    let istiod = install.istiod_objects();
    if !istiod.is_empty() {
        progress("- Processing resources for Istiod.");
    }
    apply_all(&c, &istiod).await?;
    if !istiod.is_empty() {
        wait_ready(&c, "istio-system", &install.istiod_name(), timeout).await?;
        progress("✔ Istiod installed 🧠");
    }
    // a revision installed into a cluster without Istio becomes the default (tag `default`)
    let default_tag = !install.revision.is_empty() && !previous_install && install.pilot_enabled;
    if default_tag {
        apply_all(
            &c,
            &[
                istio::tag_webhook(
                    "default",
                    &install.revision,
                    install.enable_namespaces_by_default,
                ),
                istio::default_validator(&install.revision),
            ],
        )
        .await?;
    }
    if mode.as_deref() == Some("partial") {
        eprintln!(
            "✘ Ingress gateways encountered an error: failed to wait for resource: resources not ready after {}: context deadline exceeded\n  Deployment/istio-system/istio-ingressgateway (container failed to start: simulated by FAKE_ISTIOCTL_FAIL=partial)",
            humantime(timeout)
        );
        return fail("failed to install manifests: errors occurred during operation");
    }
    let gateways = install.gateway_objects();
    if !install.gateways.is_empty() {
        progress("- Processing resources for Ingress gateways.");
    }
    apply_all(&c, &gateways).await?;
    for g in &install.gateways {
        wait_ready(&c, &g.namespace, &g.name, timeout).await?;
    }
    prune_gateways(&c, &install).await?;
    if install.gateways.iter().any(|g| g.ingress) {
        progress("✔ Ingress gateways installed 🛬");
    }
    if install.gateways.iter().any(|g| !g.ingress) {
        progress("✔ Egress gateways installed 🛫");
    }
    progress("- Pruning removed resources");
    progress("✔ Installation complete");
    // (istioctl 1.2x printed "Made this installation the default for cluster-wide
    // operations."; the current one prints nothing more.)
    Ok(())
}

const MWC: (&str, &str) = (
    "admissionregistration.k8s.io/v1",
    "MutatingWebhookConfiguration",
);
const VWC: (&str, &str) = (
    "admissionregistration.k8s.io/v1",
    "ValidatingWebhookConfiguration",
);
const NAMESPACE: (&str, &str) = ("v1", "Namespace");

fn label_of<'a>(o: &'a DynamicObject, key: &str) -> Option<&'a str> {
    o.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

async fn list_objects(
    c: &Client,
    (av, kind): (&str, &str),
    ns: Option<&str>,
    selector: &str,
) -> Res<Vec<DynamicObject>> {
    let ar = api_resource(&json!({"apiVersion": av, "kind": kind}))?.0;
    let lp = ListParams::default().labels(selector);
    Ok(api_for(c, &ar, ns)
        .list(&lp)
        .await
        .map_err(|e| Failure(format!("failed to list {kind}: {}", ApiMsg(e))))?
        .items)
}

async fn delete_object(
    c: &Client,
    (av, kind): (&str, &str),
    ns: Option<&str>,
    name: &str,
) -> Res<()> {
    let ar = api_resource(&json!({"apiVersion": av, "kind": kind}))?.0;
    api_for(c, &ar, ns)
        .delete(name, &DeleteParams::default())
        .await
        .map(|_| ())
        .map_err(|e| Failure(format!("failed to delete {kind}/{name}: {}", ApiMsg(e))))
}

fn names_of(objects: &[DynamicObject]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|o| o.metadata.name.clone())
        .collect()
}

async fn tag_cmd(cli: &Cli, a: &TagArgs) -> Res<()> {
    if !matches!(a.cmd, TagCmd::List(_)) {
        match fail_mode("tag").as_deref() {
            Some("exit" | "partial") => return fail("simulated failure (FAKE_ISTIOCTL_FAIL=exit)"),
            Some("hang") => hang(),
            Some("signal") => kill_self(),
            _ => {}
        }
        transient_failure(
            "tag",
            "failed to apply tag webhook MutatingWebhookConfiguration to cluster",
        )?;
    }
    let c = client(cli).await?;
    match &a.cmd {
        TagCmd::Set(t) => tag_set(&c, t).await,
        TagCmd::List(t) => tag_list(&c, t).await,
        TagCmd::Remove(t) => tag_remove(&c, t).await,
    }
}

/// `istioctl tag set`: the checks and messages of istioctl's `tag.Generate`, the default tag
/// deactivating the default revision's own injector.
async fn tag_set(c: &Client, t: &TagSetArgs) -> Res<()> {
    let tag = t.tag.as_str();
    let rev = t.revision.as_str();
    if tag != "default"
        && !t.overwrite
        && !list_objects(c, MWC, None, &format!("istio.io/rev={tag},!istio.io/tag"))
            .await?
            .is_empty()
    {
        return fail(format!(
            "cannot create revision tag {tag:?}: found existing control plane revision with same name"
        ));
    }
    let canonical =
        list_objects(c, MWC, None, &format!("istio.io/rev={rev},!istio.io/tag")).await?;
    match canonical.len() {
        0 => {
            return fail(format!(
                "cannot modify tag: cannot find MutatingWebhookConfiguration with revision {rev:?}"
            ));
        }
        1 => {}
        _ => {
            return fail(format!(
                "cannot modify tag: found multiple canonical webhooks with revision {rev:?}"
            ));
        }
    }
    if !t.overwrite
        && !list_objects(c, MWC, None, &format!("istio.io/tag={tag}"))
            .await?
            .is_empty()
    {
        return fail(format!(
            "revision tag {tag:?} already exists, and --overwrite is false"
        ));
    }
    if tag == "default" {
        // istioctl's DeactivateIstioInjectionWebhook: never-match selectors on the default
        // revision's injector, kept (not deleted) so one can switch back
        let defaults = list_objects(c, MWC, None, "istio.io/rev=default,!istio.io/tag").await?;
        if defaults.len() > 1 {
            return fail(
                "failed deactivating existing default revision: expected a single webhook for default revision",
            );
        }
        let ar = api_resource(&json!({"apiVersion": MWC.0, "kind": MWC.1}))?.0;
        for mut wh in defaults {
            let name = wh.metadata.name.clone().unwrap_or_default();
            for w in wh.data["webhooks"].as_array_mut().into_iter().flatten() {
                w["namespaceSelector"] = istio::never_match();
                w["objectSelector"] = istio::never_match();
            }
            api_for(c, &ar, None)
                .replace(&name, &PostParams::default(), &wh)
                .await
                .map_err(|e| {
                    Failure(format!(
                        "failed deactivating existing default revision: {e}"
                    ))
                })?;
        }
    }
    let mut wh = istio::tag_webhook(tag, rev, t.auto_inject_namespaces);
    if let Some(n) = &t.webhook_name {
        wh["metadata"]["name"] = json!(n);
    }
    let mut objects = vec![wh];
    if tag == "default" {
        objects.push(istio::default_validator(rev));
    }
    apply_all(c, &objects).await.map_err(|Failure(e)| {
        Failure(format!(
            "failed to apply tag webhook MutatingWebhookConfiguration to cluster: {e}"
        ))
    })?;
    print!(
        "Revision tag {tag:?} created, referencing control plane revision {rev:?}. To enable injection using this\nrevision tag, use 'kubectl label namespace <NAMESPACE> istio.io/rev={tag}'\n"
    );
    let _ = std::io::stdout().flush();
    let _ = &t.manifests;
    let _ = t.yes;
    Ok(())
}

async fn namespaces_with_tag(c: &Client, tag: &str) -> Res<Vec<String>> {
    if tag.is_empty() {
        return Ok(Vec::new());
    }
    Ok(names_of(
        &list_objects(c, NAMESPACE, None, &format!("istio.io/rev={tag}")).await?,
    ))
}

/// `istioctl tag list`: one row per (revision, tag), revisions without a tag shown only when
/// no tag points at them; sorted by revision, then tag.
async fn tag_list(c: &Client, t: &TagListArgs) -> Res<()> {
    let whs = list_objects(c, MWC, None, "istio.io/rev").await?;
    if whs.is_empty() {
        print_flush("No Istio revision tag MutatingWebhookConfigurations to list");
        return Ok(());
    }
    let mut rows: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for wh in &whs {
        let tag = label_of(wh, "istio.io/tag").unwrap_or_default().to_string();
        let rev = label_of(wh, "istio.io/rev").unwrap_or_default().to_string();
        let nss = namespaces_with_tag(c, &tag).await?;
        rows.insert((rev, tag), nss);
    }
    let tagged: Vec<String> = rows
        .keys()
        .filter(|(_, t)| !t.is_empty())
        .map(|(r, _)| r.clone())
        .collect();
    for r in tagged {
        rows.remove(&(r, String::new()));
    }
    match t.output.as_str() {
        "json" | "yaml" => {
            let list: Vec<Value> = rows
                .iter()
                .map(|((rev, tag), nss)| json!({"tag": tag, "revision": rev, "namespaces": nss}))
                .collect();
            if t.output == "json" {
                // Go's json.MarshalIndent(v, "", "\t")
                let mut buf = Vec::new();
                let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
                let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
                serde::Serialize::serialize(&list, &mut ser)
                    .map_err(|e| Failure(format!("error while marshaling to JSON: {e}")))?;
                print_flush(&String::from_utf8_lossy(&buf));
            } else {
                let mut out = String::new();
                for ((rev, tag), nss) in &rows {
                    if nss.is_empty() {
                        out.push_str("- namespaces: []\n");
                    } else {
                        out.push_str("- namespaces:\n");
                        for n in nss {
                            out.push_str(&format!("  - {n}\n"));
                        }
                    }
                    out.push_str(&format!(
                        "  revision: {rev}\n  tag: {}\n",
                        if tag.is_empty() { "\"\"" } else { tag }
                    ));
                }
                print_flush(&out);
            }
        }
        "table" => {
            // Go's tabwriter (minwidth 0, padding 1): every tab-terminated cell padded
            let cells: Vec<[String; 3]> =
                std::iter::once(["TAG".into(), "REVISION".into(), "NAMESPACES".into()])
                    .chain(
                        rows.iter()
                            .map(|((rev, tag), nss)| [tag.clone(), rev.clone(), nss.join(",")]),
                    )
                    .collect();
            let w0 = cells.iter().map(|c| c[0].len()).max().unwrap_or(0) + 1;
            let w1 = cells.iter().map(|c| c[1].len()).max().unwrap_or(0) + 1;
            let mut out = String::new();
            for c in &cells {
                out.push_str(&format!("{:<w0$}{:<w1$}{}\n", c[0], c[1], c[2]));
            }
            print!("{out}");
            let _ = std::io::stdout().flush();
        }
        other => return fail(format!("unknown format: {other}")),
    }
    Ok(())
}

/// `istioctl tag remove`: asks when namespaces still point at the tag (unless -y).
async fn tag_remove(c: &Client, t: &TagRemoveArgs) -> Res<()> {
    let tag = t.tag.as_str();
    let whs = list_objects(c, MWC, None, &format!("istio.io/tag={tag}")).await?;
    if whs.is_empty() {
        return fail(format!(
            "cannot remove tag {tag:?}: cannot find MutatingWebhookConfiguration for tag"
        ));
    }
    let nss = namespaces_with_tag(c, tag).await?;
    if !nss.is_empty() && !t.yes {
        let prompt = format!(
            "Caution, found {} namespace(s) still injected by tag {tag:?}: {}\nProceed with operation? [y/N]",
            nss.len(),
            nss.join(" ")
        );
        if !confirm(&prompt) {
            print_flush("Aborting operation.");
            return Ok(());
        }
    }
    for n in names_of(&whs) {
        delete_object(c, MWC, None, &n)
            .await
            .map_err(|Failure(e)| {
                Failure(format!(
                    "failed to delete Istio revision tag MutatingConfigurationWebhook: {e}"
                ))
            })?;
    }
    print_flush(&format!("Revision tag {tag} removed"));
    Ok(())
}

const GATEWAY_KINDS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
];

async fn prune_gateways(c: &Client, install: &IstioInstall) -> Res<()> {
    let keep_for = |kind: &str| -> Vec<(String, String)> {
        install
            .gateways
            .iter()
            .filter(|g| kind != "HorizontalPodAutoscaler" || g.autoscale.is_some())
            .map(|g| (g.namespace.clone(), g.name.clone()))
            .collect()
    };
    let lp = ListParams::default()
        .labels("operator.istio.io/component in (IngressGateways,EgressGateways)");
    for (av, kind) in GATEWAY_KINDS {
        let ar = api_resource(&json!({"apiVersion": av, "kind": kind}))?.0;
        let keep = keep_for(kind);
        let list = api_for(c, &ar, None)
            .list(&lp)
            .await
            .map_err(ApiMsg)
            .map_err(|e| Failure(format!("failed to list {kind}: {}", e)))?;
        for o in list {
            let ns = o.metadata.namespace.clone().unwrap_or_default();
            let name = o.metadata.name.clone().unwrap_or_default();
            let base = name
                .strip_suffix("-service-account")
                .unwrap_or(&name)
                .to_string();
            if !keep.contains(&(ns.clone(), base)) {
                let _ = api_for(c, &ar, Some(&ns))
                    .delete(&name, &DeleteParams::default())
                    .await;
            }
        }
    }
    Ok(())
}

async fn uninstall(cli: &Cli, a: &UninstallArgs) -> Res<()> {
    if !a.purge && a.revision.is_none() && a.filename.is_none() {
        return fail(
            "at least one of the --revision (or --set revision=<revision>), --filename or --purge flags must be set",
        );
    }
    // the revision to remove: --revision, else the file's spec.revision (none: default)
    let revision = match (&a.revision, &a.filename) {
        _ if a.purge => None,
        (Some(r), _) => Some(if r.is_empty() {
            "default".to_string()
        } else {
            r.clone()
        }),
        (None, Some(f)) => {
            let iop = read_operator(std::slice::from_ref(f), &[])?;
            Some(
                iop["spec"]["revision"]
                    .as_str()
                    .filter(|r| !r.is_empty())
                    .unwrap_or("default")
                    .to_string(),
            )
        }
        (None, None) => None,
    };
    let mode = fail_mode("uninstall");
    if mode.as_deref() == Some("exit") {
        return fail("failed to uninstall: simulated failure (FAKE_ISTIOCTL_FAIL=exit)");
    }
    transient_failure("uninstall", "failed to uninstall")?;
    let c = client(cli).await?;
    match mode.as_deref() {
        Some("hang") => hang(),
        Some("signal") => kill_self(),
        _ => {}
    }
    let ns = cli.istio_namespace.as_str();
    let selector = match &revision {
        None => "install.operator.istio.io/owning-resource".to_string(),
        Some(r) => {
            let exists = !list_objects(&c, MWC, None, &format!("istio.io/rev={r},!istio.io/tag"))
                .await?
                .is_empty()
                || !list_objects(
                    &c,
                    ("apps/v1", "Deployment"),
                    Some(ns),
                    &format!("app=istiod,istio.io/rev={r}"),
                )
                .await?
                .is_empty();
            if !exists {
                return fail(format!("could not find target revision {r}"));
            }
            let pods: Vec<String> = list_objects(&c, ("v1", "Pod"), None, "")
                .await?
                .iter()
                .filter(|p| {
                    p.metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get("istio.io/rev"))
                        .is_some_and(|v| v == r)
                })
                .map(|p| {
                    format!(
                        "{}/{}",
                        p.metadata.namespace.as_deref().unwrap_or_default(),
                        p.metadata.name.as_deref().unwrap_or_default()
                    )
                })
                .collect();
            if !pods.is_empty() {
                println!(
                    "There are still {} proxies pointing to the control plane revision {r}\n{}\nIf you proceed with the uninstall, these proxies will become detached from any control plane and will not function correctly.",
                    pods.len(),
                    pods.join("\n")
                );
            }
            // a revision's own objects; revision tags are the user's, they stay
            format!("istio.io/rev={r},install.operator.istio.io/owning-resource,!istio.io/tag")
        }
    };
    let prompt = match &revision {
        None => "All Istio resources will be pruned from the cluster\nProceed? (y/N)".to_string(),
        Some(r) => format!(
            "All Istio resources of revision {r} will be pruned from the cluster\nProceed? (y/N)"
        ),
    };
    if !a.yes && !confirm(&prompt) {
        return fail(CANCELLED);
    }
    let owned = ListParams::default().labels(&selector);
    let steps: &[(&str, &str, bool)] = &[
        (MWC.0, MWC.1, false),
        (VWC.0, VWC.1, false),
        ("apps/v1", "Deployment", true),
        ("v1", "Service", true),
        ("autoscaling/v2", "HorizontalPodAutoscaler", true),
        ("policy/v1", "PodDisruptionBudget", true),
        ("v1", "ConfigMap", true),
        ("v1", "ServiceAccount", true),
    ];
    for (i, (av, kind, namespaced)) in steps.iter().enumerate() {
        if i == 2 && mode.as_deref() == Some("partial") {
            return fail(
                "failed to uninstall: errors occurred during operation (simulated by FAKE_ISTIOCTL_FAIL=partial)",
            );
        }
        let ar = api_resource(&json!({"apiVersion": av, "kind": kind}))?.0;
        let api = api_for(&c, &ar, namespaced.then_some(ns));
        let mut list = api
            .list(&owned)
            .await
            .map_err(ApiMsg)
            .map_err(|e| Failure(format!("failed to list {kind}: {}", e)))?
            .items;
        if a.purge && !namespaced {
            // --purge takes the revision tags too
            list.extend(list_objects(&c, (av, kind), None, "istio.io/tag").await?);
        }
        for o in list {
            let name = o.metadata.name.clone().unwrap_or_default();
            if !a.dry_run {
                match api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) | Err(kube::Error::Api(_)) if a.purge && !namespaced => {}
                    Ok(_) => {}
                    Err(e) => {
                        return fail(format!("failed to delete {kind}/{name}: {}", ApiMsg(e)));
                    }
                }
            }
            // As real istioctl: `Removed apps/v1, Kind=Deployment/NAME.NAMESPACE.` (core kinds
            // as `/v1`, an empty namespace for cluster-scoped objects).
            let group_version = if av.contains('/') {
                av.to_string()
            } else {
                format!("/{av}")
            };
            println!(
                "  Removed {group_version}, Kind={kind}/{name}.{}.",
                if *namespaced { ns } else { "" }
            );
        }
    }
    if a.purge {
        let ar = api_resource(
            &json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition"}),
        )?
        .0;
        let api = api_for(&c, &ar, None);
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(ApiMsg)
            .map_err(|e| Failure(format!("failed to list CRDs: {}", e)))?;
        for o in list {
            let name = o.metadata.name.clone().unwrap_or_default();
            if name.ends_with(".istio.io") && !a.dry_run {
                let _ = api.delete(&name, &DeleteParams::default()).await;
                delete_custom_resources(&c, &o).await;
            }
        }
    }
    print_flush("✔ Uninstall complete");
    Ok(())
}

/// Deleting a CRD deletes every object of its type in a real cluster; kube-sim serves Istio's
/// types whether or not their CRDs exist, so the purge does that garbage collection itself.
async fn delete_custom_resources(c: &Client, crd: &DynamicObject) {
    let spec = &crd.data["spec"];
    let (Some(group), Some(plural), Some(kind)) = (
        spec["group"].as_str(),
        spec["names"]["plural"].as_str(),
        spec["names"]["kind"].as_str(),
    ) else {
        return;
    };
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    let Some(version) = versions
        .iter()
        .find(|v| v["storage"] == true)
        .or(versions.first())
        .and_then(|v| v["name"].as_str())
    else {
        return;
    };
    let ar = ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: format!("{group}/{version}"),
        kind: kind.into(),
        plural: plural.into(),
    };
    let Ok(list) = api_for(c, &ar, None).list(&ListParams::default()).await else {
        return;
    };
    for o in list {
        let (Some(ns), Some(name)) = (o.metadata.namespace.as_deref(), o.metadata.name.as_deref())
        else {
            continue;
        };
        let _ = api_for(c, &ar, Some(ns))
            .delete(name, &DeleteParams::default())
            .await;
    }
}

async fn version_cmd(cli: &Cli, a: &VersionArgs) -> Res<()> {
    match fail_mode("version").as_deref() {
        Some("exit" | "partial") => {
            return fail("simulated failure (FAKE_ISTIOCTL_FAIL=exit:version)");
        }
        Some("hang") => hang(),
        Some("signal") => kill_self(),
        Some("garbage") => {
            // a stray log line and truncated JSON, whatever -o says
            print_flush(
                "2025-01-01T00:00:00.000000Z\tinfo\tklog\tWaiting for caches to sync\n{\"clientVersion\": {\"version\": \"1.",
            );
            return Ok(());
        }
        _ => {}
    }
    let v = version();
    let client_version = json!({"version": v, "revision": revision_of(&v), "golang_version": golang_version(&v), "status": "Clean", "tag": v});
    let mut doc = json!({"clientVersion": client_version});
    let mut remote_line = None;
    if a.remote {
        match client(cli).await {
            Ok(c) => {
                let ds = list_objects(
                    &c,
                    ("apps/v1", "Deployment"),
                    Some(&cli.istio_namespace),
                    "app=istiod",
                )
                .await
                .unwrap_or_default();
                let mut mesh = Vec::new();
                let mut versions: Vec<String> = Vec::new();
                for d in &ds {
                    if a.revision
                        .as_ref()
                        .is_some_and(|r| label_of(d, "istio.io/rev") != Some(r.as_str()))
                    {
                        continue;
                    }
                    let image = d.data["spec"]["template"]["spec"]["containers"][0]["image"]
                        .as_str()
                        .unwrap_or_default();
                    let cp = istio::version_of_image(image).unwrap_or_default();
                    mesh.push(json!({"Component": "istiod", "Revision": label_of(d, "istio.io/rev").unwrap_or("default"),
                        "Info": {"version": cp, "revision": revision_of(&cp), "golang_version": golang_version(&cp), "status": "Clean", "tag": cp}}));
                    if !versions.contains(&cp) {
                        versions.push(cp);
                    }
                }
                if mesh.is_empty() {
                    remote_line = Some(format!(
                        "no running Istio pods in \"{}\"",
                        cli.istio_namespace
                    ));
                } else {
                    doc["meshVersion"] = json!(mesh);
                    remote_line = Some(format!("control plane version: {}", versions.join(", ")));
                }
            }
            Err(Failure(e)) => remote_line = Some(e),
        }
    }
    match a.output.as_deref() {
        Some("json") => print_flush(&serde_json::to_string_pretty(&doc).unwrap_or_default()),
        Some("yaml") => {
            let cv = &doc["clientVersion"];
            let mut s = String::from("clientVersion:\n");
            for k in ["golang_version", "revision", "status", "tag", "version"] {
                s.push_str(&format!("  {k}: {}\n", cv[k].as_str().unwrap_or_default()));
            }
            print!("{s}");
        }
        Some(other) => return fail(format!("--output must be 'yaml' or 'json' (got {other:?})")),
        None => {
            if let Some(l) = remote_line {
                println!("client version: {v}\n{l}");
            } else {
                println!("client version: {v}");
            }
        }
    }
    let _ = &a.short;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut rec = Recorder::start(&args);
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                rec.finish(0);
                std::process::exit(0);
            }
            let msg = e.to_string();
            let first = msg
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("Error: {first}");
            rec.finish(1);
            std::process::exit(1);
        }
    };
    if let Err(e) = parse_fail_mode() {
        eprintln!("Error: {e}");
        rec.finish(1);
        std::process::exit(1);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: {e}");
            std::process::exit(1);
        }
    };
    let result = rt.block_on(async {
        match &cli.cmd {
            Cmd::Version(a) => version_cmd(&cli, a).await,
            Cmd::Install(a) => install(&cli, a, "install").await,
            Cmd::Upgrade(a) => install(&cli, a, "upgrade").await,
            Cmd::Uninstall(a) => uninstall(&cli, a).await,
            Cmd::Tag(a) => tag_cmd(&cli, a).await,
        }
    });
    let _ = &cli.vklog;
    match result {
        Ok(()) => {
            rec.finish(0);
        }
        Err(Failure(msg)) if msg == CANCELLED => {
            print_flush("Cancelled.");
            rec.finish(1);
            std::process::exit(1);
        }
        Err(Failure(msg)) => {
            eprintln!("Error: {msg}");
            rec.finish(1);
            std::process::exit(1);
        }
    }
}

/// client-go's wording of an API error: the server's message, as istioctl prints it (kube's
/// own `Display` embeds the Rust `Status` structure, which istioctl never shows).
struct ApiMsg(kube::Error);

impl std::fmt::Display for ApiMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            kube::Error::Api(s) => f.write_str(&s.message),
            // Go's net/http says a connection closed under a request this way
            e @ (kube::Error::HyperError(_) | kube::Error::Service(_)) => {
                write!(f, "{e}: read: connection reset by peer")
            }
            e => write!(f, "{e}"),
        }
    }
}
