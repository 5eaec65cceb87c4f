//! fake-istioctl: behaves like istioctl >= 1.24 at its boundary, against kube-sim.
//!
//! * `version [--remote=false] [-o json|yaml] [--short]`: istioctl's exact JSON shape.
//! * `install|upgrade [-f FILE]... [--set PATH=VALUE]... [-y] [--kubeconfig F] [--context C]`:
//!   validates the IstioOperator and creates what istioctl would (namespace, CRDs, istiod,
//!   gateways, the `istio-sidecar-injector` webhook) with server-side apply (field manager
//!   `istioctl`), waits for istiod, prunes gateways no longer enabled. Without `-y` it asks
//!   on stdin and exits 1 with `Cancelled.`.
//! * `uninstall --purge [-y]`: removes it again (the namespace stays, as with istioctl), and
//!   with the CRDs every object of their types, as Kubernetes garbage-collects them.
//!
//! Environment: `FAKE_ISTIOCTL_VERSION` (default: the newest known), `FAKE_ISTIOCTL_FAIL`
//! = `exit` (fail before changing anything) | `hang` (hang after "Istio core") | `partial`
//! (fail after core and istiod, before gateways), `FAKE_ISTIOCTL_RECORD=DIR` (record each call
//! as `DIR/call-NNNN.json`: args, `-f` files, env, exit code). Every failure exits 1 with an
//! `Error: ...` line on stderr.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{ArgAction, Args, Parser, Subcommand};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;
use kube::{Client, Config};
use serde_json::{Value, json};
use testkit::istio::{DEFAULT_VERSION, IstioInstall};

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

fn print_flush(s: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{s}");
    let _ = out.flush();
}

fn fail_mode() -> Option<String> {
    std::env::var("FAKE_ISTIOCTL_FAIL")
        .ok()
        .filter(|s| !s.is_empty())
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
    let c = Client::try_from(config)
        .map_err(|e| Failure(format!("failed to create Kubernetes client: {e}")))?;
    c.apiserver_version().await.map_err(|e| {
        Failure(format!(
            "failed to connect to Kubernetes API server, error: {e}"
        ))
    })?;
    Ok(c)
}

fn api_resource(obj: &Value) -> Res<(ApiResource, bool)> {
    let av = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    let (group, version) = av.split_once('/').unwrap_or(("", av));
    let (plural, namespaced) = match kind {
        "Namespace" => ("namespaces", false),
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
            let want = d.data["spec"]["replicas"].as_i64().unwrap_or(1);
            let have = d.data["status"]["availableReplicas"].as_i64().unwrap_or(0);
            let observed = d.data["status"]["observedGeneration"].as_i64() == d.metadata.generation;
            if have >= want && observed {
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

async fn install(cli: &Cli, a: &InstallArgs) -> Res<()> {
    let v = version();
    let iop = read_operator(&a.filename, &a.set)?;
    let install = IstioInstall::from_operator(&iop, &v)
        .map_err(|e| Failure(format!("generate config: {e}")))?;
    let profile = iop["spec"]["profile"]
        .as_str()
        .unwrap_or("default")
        .to_string();
    if a.dry_run {
        print_flush(
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
    let mode = fail_mode();
    if mode.as_deref() == Some("exit") {
        return fail("failed to install manifests: simulated failure (FAKE_ISTIOCTL_FAIL=exit)");
    }
    let c = client(cli).await?;
    let timeout = parse_duration(&a.readiness_timeout);
    apply_all(&c, &install.core_objects()).await?;
    print_flush("✔ Istio core installed ⛵️");
    if mode.as_deref() == Some("hang") {
        hang();
    }
    let istiod = install.istiod_objects();
    apply_all(&c, &istiod).await?;
    if !istiod.is_empty() {
        wait_ready(&c, "istio-system", "istiod", timeout).await?;
        print_flush("✔ Istiod installed 🧠");
    }
    if mode.as_deref() == Some("partial") {
        eprintln!(
            "✘ Ingress gateways encountered an error: failed to wait for resource: resources not ready after {}: context deadline exceeded\n  Deployment/istio-system/istio-ingressgateway (container failed to start: simulated by FAKE_ISTIOCTL_FAIL=partial)",
            humantime(timeout)
        );
        return fail("failed to install manifests: errors occurred during operation");
    }
    let gateways = install.gateway_objects();
    apply_all(&c, &gateways).await?;
    for g in &install.gateways {
        wait_ready(&c, &g.namespace, &g.name, timeout).await?;
    }
    prune_gateways(&c, &install).await?;
    if install.gateways.iter().any(|g| g.ingress) {
        print_flush("✔ Ingress gateways installed 🛬");
    }
    if install.gateways.iter().any(|g| !g.ingress) {
        print_flush("✔ Egress gateways installed 🛫");
    }
    print_flush("✔ Installation complete");
    print_flush("Made this installation the default for cluster-wide operations.");
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
    let keep: Vec<(String, String)> = install
        .gateways
        .iter()
        .map(|g| (g.namespace.clone(), g.name.clone()))
        .collect();
    let lp = ListParams::default()
        .labels("operator.istio.io/component in (IngressGateways,EgressGateways)");
    for (av, kind) in GATEWAY_KINDS {
        let ar = api_resource(&json!({"apiVersion": av, "kind": kind}))?.0;
        let list = api_for(c, &ar, None)
            .list(&lp)
            .await
            .map_err(|e| Failure(format!("failed to list {kind}: {e}")))?;
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
    if !a.yes && !confirm("All Istio resources will be pruned from the cluster\nProceed? (y/N)") {
        return fail(CANCELLED);
    }
    let mode = fail_mode();
    if mode.as_deref() == Some("exit") {
        return fail("failed to uninstall: simulated failure (FAKE_ISTIOCTL_FAIL=exit)");
    }
    let c = client(cli).await?;
    if mode.as_deref() == Some("hang") {
        hang();
    }
    let ns = cli.istio_namespace.as_str();
    let owned = ListParams::default().labels("install.operator.istio.io/owning-resource");
    let steps: &[(&str, &str, bool)] = &[
        (
            "admissionregistration.k8s.io/v1",
            "MutatingWebhookConfiguration",
            false,
        ),
        (
            "admissionregistration.k8s.io/v1",
            "ValidatingWebhookConfiguration",
            false,
        ),
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
        let list = api
            .list(&owned)
            .await
            .map_err(|e| Failure(format!("failed to list {kind}: {e}")))?;
        for o in list {
            let name = o.metadata.name.clone().unwrap_or_default();
            if !a.dry_run {
                api.delete(&name, &DeleteParams::default())
                    .await
                    .map_err(|e| Failure(format!("failed to delete {kind}/{name}: {e}")))?;
            }
            println!(
                "  Removed {kind}:{}{name}.",
                if *namespaced {
                    format!("{ns}:")
                } else {
                    String::new()
                }
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
            .map_err(|e| Failure(format!("failed to list CRDs: {e}")))?;
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
    let v = version();
    let client_version = json!({"version": v, "revision": revision_of(&v), "golang_version": golang_version(&v), "status": "Clean", "tag": v});
    let mut doc = json!({"clientVersion": client_version});
    let mut remote_line = None;
    if a.remote {
        match client(cli).await {
            Ok(c) => {
                let ar = api_resource(&json!({"apiVersion": "apps/v1", "kind": "Deployment"}))?.0;
                match api_for(&c, &ar, Some(&cli.istio_namespace))
                    .get_opt("istiod")
                    .await
                {
                    Ok(Some(d)) => {
                        let image = d.data["spec"]["template"]["spec"]["containers"][0]["image"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string();
                        let cp = testkit::istio::version_of_image(&image).unwrap_or_default();
                        doc["meshVersion"] = json!([{"Component": "istiod", "Revision": "default",
                            "Info": {"version": cp, "revision": revision_of(&cp), "golang_version": golang_version(&cp), "status": "Clean", "tag": cp}}]);
                        remote_line = Some(format!("control plane version: {cp}"));
                    }
                    _ => {
                        remote_line = Some(format!(
                            "no running Istio pods in \"{}\"",
                            cli.istio_namespace
                        ))
                    }
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
    let _ = &a.revision;
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
            Cmd::Install(a) | Cmd::Upgrade(a) => install(&cli, a).await,
            Cmd::Uninstall(a) => uninstall(&cli, a).await,
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
