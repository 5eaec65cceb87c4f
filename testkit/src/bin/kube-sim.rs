//! kube-sim: an in-memory Kubernetes API server for tests and benchmarks.
//!
//! `kube-sim [--port N] [--kubeconfig-out FILE] [--generate-pods N] [--shape classic|realistic]
//! [--outdated-fraction F] [--seed S] [--istio-version V] [--latency-ms N] [--error-rate F] [--pod-grace-ms MS]` serves
//! on 127.0.0.1, prints `ready <url>` once it answers, and runs until SIGTERM or SIGINT.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use testkit::{Faults, GenOptions, KubeSim};

#[derive(Parser, Debug)]
#[command(
    name = "kube-sim",
    version,
    about = "An in-memory Kubernetes API server (test ground of kyma-mesh)"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write a kubeconfig for this server to FILE.
    #[arg(long, value_name = "FILE")]
    kubeconfig_out: Option<PathBuf>,
    /// Generate a cluster with N pods (Istio installed, every owner kind).
    #[arg(long, value_name = "N")]
    generate_pods: Option<usize>,
    /// Shape of the generated workloads: `classic` (few larger workloads, every edge case of
    /// the owner chain) or `realistic` (1 to 3 replicas, old ReplicaSets, many namespaces).
    #[arg(long, default_value = "classic", value_name = "SHAPE")]
    shape: testkit::Shape,
    /// Fraction of meshed workloads with a sidecar of the previous minor version.
    #[arg(long, default_value_t = 0.1, value_name = "F")]
    outdated_fraction: f64,
    /// Seed for the generator and for fault injection.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Installed Istio version of the generated cluster.
    #[arg(long, default_value = testkit::istio::DEFAULT_VERSION, value_name = "V")]
    istio_version: String,
    /// Latency added to every request.
    #[arg(long, default_value_t = 0, value_name = "N")]
    latency_ms: u64,
    /// Random latency in [0, N) ms added on top of --latency-ms.
    #[arg(long, default_value_t = 0, value_name = "N")]
    latency_jitter_ms: u64,
    /// Fraction of resource requests answered with 500, 503 or 429 (Retry-After: 1).
    #[arg(long, default_value_t = 0.0, value_name = "F")]
    error_rate: f64,
    /// Load objects from a fixture file (YAML multi-doc or JSON, Lists allowed). Repeatable.
    #[arg(long, value_name = "FILE")]
    fixture: Vec<PathBuf>,
    /// Context made current in the written kubeconfig.
    #[arg(long, default_value = "kube-sim")]
    context: String,
    /// How long a deleted pod stays Terminating (at most its own grace period).
    #[arg(long, default_value_t = 200, value_name = "MS")]
    pod_grace_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.outdated_fraction) || !(0.0..=1.0).contains(&args.error_rate) {
        eprintln!("Error: --outdated-fraction and --error-rate must be within 0..1");
        return ExitCode::from(2);
    }
    let faults = Faults::error_rate(args.error_rate, args.seed).with_latency(
        Duration::from_millis(args.latency_ms),
        Duration::from_millis(args.latency_jitter_ms),
    );
    let t0 = Instant::now();
    let mut builder = KubeSim::builder()
        .port(args.port)
        .seed(args.seed)
        .pod_grace_period(Duration::from_millis(args.pod_grace_ms))
        .faults(faults);
    if let Some(n) = args.generate_pods {
        builder = builder.generate(GenOptions {
            pods: n,
            outdated_fraction: args.outdated_fraction,
            seed: args.seed,
            istio_version: args.istio_version.clone(),
            shape: args.shape,
            ..Default::default()
        });
    }
    let sim = match builder.start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: cannot start kube-sim: {e}");
            return ExitCode::from(1);
        }
    };
    for f in &args.fixture {
        if let Err(e) = sim.load_file(f) {
            eprintln!("Error: fixture {e}");
            return ExitCode::from(1);
        }
    }
    if let Some(path) = &args.kubeconfig_out
        && let Err(e) = sim.write_kubeconfig(path, &args.context)
    {
        eprintln!("Error: cannot write {}: {e}", path.display());
        return ExitCode::from(1);
    }
    if let Some(g) = sim.generated() {
        eprintln!(
            "kube-sim: generated {} pods ({} meshed, {} outdated) in {:?}",
            g.pods,
            g.meshed,
            g.outdated.len(),
            t0.elapsed()
        );
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(1);
        }
    };
    // Handlers first, then `ready`: a SIGTERM right after `ready` must stop us cleanly.
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        let _guard = rt.enter();
        signal(SignalKind::terminate()).and_then(|t| Ok((t, signal(SignalKind::interrupt())?)))
    };
    println!("ready {}", sim.url());
    let _ = std::io::stdout().flush();
    rt.block_on(async {
        #[cfg(unix)]
        match signals {
            Ok((mut term, mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    });
    drop(sim);
    ExitCode::SUCCESS
}
