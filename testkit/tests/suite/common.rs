//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Whether an external tool is on PATH. Under `CI=true` a missing tool fails the test instead
/// of skipping it.
pub fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg(if tool == "kubectl" {
            "version"
        } else {
            "--version"
        })
        .args(if tool == "kubectl" {
            &["--client"][..]
        } else {
            &[][..]
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{tool} is required on PATH when CI=true");
        }
        eprintln!("skipping: {tool} not found on PATH");
    }
    found
}

pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .env("KUBECONFIG", kubeconfig)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .arg("--cache-dir")
        .arg(kubeconfig.with_extension("cache"))
        .args(args)
        .output()
        .expect("run kubectl")
}

/// Runs kubectl and returns stdout, failing the test with stderr when it fails.
pub fn kubectl_ok(kubeconfig: &Path, args: &[&str]) -> String {
    let out = kubectl(kubeconfig, args);
    assert!(
        out.status.success(),
        "kubectl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn sh(kubeconfig: &Path, script: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("KUBECONFIG", kubeconfig)
        .output()
        .expect("run bash")
}

/// A kube-sim with Istio `version` installed through the API (istiod runs; the injector works)
/// and namespace `default` labelled `istio-injection=enabled`.
pub fn istio_sim(version: &str) -> testkit::KubeSim {
    let sim = testkit::KubeSim::start();
    let install = testkit::istio::IstioInstall::defaults(version);
    for o in install
        .core_objects()
        .into_iter()
        .chain(install.istiod_objects())
    {
        sim.put(o).expect("istio object");
    }
    sim.put(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "default", "labels": {"istio-injection": "enabled"}}}))
        .expect("namespace");
    sim
}

/// The `istio-proxy` image of a pod (container or native-sidecar init container).
pub fn proxy_image(pod: &serde_json::Value) -> Option<String> {
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| pod["spec"][*k].as_array())
        .flatten()
        .find(|c| c["name"] == "istio-proxy")
        .and_then(|c| c["image"].as_str())
        .map(String::from)
}
