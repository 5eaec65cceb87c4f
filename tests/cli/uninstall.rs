//! `kyma-mesh uninstall` against kube-sim and fake-istioctl.

use serde_json::{Value, json};

use crate::kubectl::{kubectl, pod_names, pods_with_sidecar};
use crate::util::{Cluster, success};

const ISTIO_KINDS: [&str; 6] = [
    "virtualservices.networking.istio.io",
    "destinationrules.networking.istio.io",
    "gateways.networking.istio.io",
    "authorizationpolicies.security.istio.io",
    "peerauthentications.security.istio.io",
    "envoyfilters.networking.istio.io",
];

fn user_vs() -> Value {
    json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
           "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"hosts": ["web.example.com"], "gateways": ["kyma-system/kyma-gateway"],
                    "http": [{"route": [{"destination": {"host": "web"}}]}]}})
}

/// Istio installed (local profile, opt-in mode so kyma-system is labelled), a meshed
/// Deployment in kyma-system and a user's VirtualService applied with kubectl.
fn cluster() -> Cluster {
    let c = Cluster::new();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-system"}}))
        .unwrap();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}))
        .unwrap();
    success(c.kyma_mesh().args([
        "install",
        "--profile",
        "local",
        "--sidecar-injection",
        "opt-in",
    ]));
    c.sim
        .put(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "app", "namespace": "kyma-system"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "app"}},
                     "template": {"metadata": {"labels": {"app": "app"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}},
        }))
        .unwrap();
    assert_eq!(pods_with_sidecar(&c, "kyma-system", "app=app"), 2);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), user_vs().to_string()).unwrap();
    kubectl(
        &c,
        &[
            "apply",
            "--validate=false",
            "-f",
            file.path().to_str().unwrap(),
        ],
    );
    c
}

fn count_istio_objects(c: &Cluster) -> usize {
    ISTIO_KINDS.iter().map(|k| c.sim.list(k, None).len()).sum()
}

#[test]
fn refuses_while_user_resources_exist_then_force_removes_everything() {
    let c = cluster();
    c.sim.clear_writes();
    let out = c.kyma_mesh().arg("uninstall").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("VirtualService shop/web (by kubectl-client-side-apply)"),
        "{err}"
    );
    assert!(
        err.contains("Nothing was changed") && err.contains("--force"),
        "{err}"
    );
    assert!(
        !err.contains("PeerAuthentication"),
        "kyma-mesh's own objects are not the user's: {err}"
    );
    assert!(c.sim.writes().is_empty(), "{:?}", c.sim.writes());
    assert!(
        c.istioctl_calls()
            .iter()
            .all(|call| call.args[0] != "uninstall")
    );

    let old_pods = pod_names(&c, "kyma-system", "app=app");
    let out = c
        .kyma_mesh()
        .args(["uninstall", "--force", "--context", "kube-sim"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    let call = c
        .istioctl_calls()
        .into_iter()
        .find(|call| call.args[0] == "uninstall")
        .expect("istioctl uninstall ran");
    assert_eq!(call.args[..3], ["uninstall", "--purge", "-y"]);
    assert!(
        call.args.windows(2).any(|w| w == ["--context", "kube-sim"]),
        "{:?}",
        call.args
    );

    // No Istio object, nothing of kyma-mesh's, nothing istioctl installed.
    assert_eq!(count_istio_objects(&c), 0);
    assert!(
        c.sim
            .get("configmaps", Some("istio-system"), "kyma-mesh-config")
            .is_none()
    );
    assert!(
        c.sim
            .get("deployments", Some("istio-system"), "istiod")
            .is_none()
    );
    assert!(
        c.sim
            .get("deployments", Some("istio-system"), "istio-ingressgateway")
            .is_none()
    );
    assert!(
        c.sim
            .get(
                "mutatingwebhookconfigurations",
                None,
                "istio-sidecar-injector"
            )
            .is_none()
    );
    assert!(
        c.sim
            .list("customresourcedefinitions", None)
            .iter()
            .all(|crd| !crd["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .ends_with(".istio.io"))
    );
    for ns in ["istio-system", "kube-system", "kyma-system"] {
        let labels = &c.get("namespaces", None, ns)["metadata"]["labels"];
        assert!(labels["istio-injection"].is_null(), "{ns}: {labels}");
    }
    // The workload that carried sidecars was restarted without them.
    let new_pods = pod_names(&c, "kyma-system", "app=app");
    assert_eq!(new_pods.len(), 2);
    assert!(new_pods.iter().all(|p| !old_pods.contains(p)));
    assert_eq!(pods_with_sidecar(&c, "kyma-system", "app=app"), 0);
    assert!(
        err.contains("1 workloads restarted without sidecars"),
        "{err}"
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let c = cluster();
    c.sim.clear_writes();
    let stdout = success(c.kyma_mesh().args(["uninstall", "--force", "--dry-run"]));
    assert!(c.sim.writes().is_empty(), "{:?}", c.sim.writes());
    assert!(
        c.istioctl_calls()
            .iter()
            .all(|call| call.args[0] != "uninstall")
    );
    for line in [
        "istioctl uninstall --purge -y",
        "VirtualService shop/web",
        "PeerAuthentication istio-system/default",
        "DestinationRule istio-system/api-server",
        "DestinationRule istio-system/istio-ingressgateway",
        "ConfigMap istio-system/kyma-mesh-config",
        "Namespace kube-system: istio-injection=disabled",
        "Namespace kyma-system: istio-injection=enabled",
        "Deployment kyma-system/app",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    assert_eq!(
        count_istio_objects(&c),
        4,
        "three patches and the user's VirtualService"
    );
}

#[test]
fn no_restart_lists_the_workloads_with_sidecars() {
    let c = cluster();
    kubectl(&c, &["delete", "virtualservice", "web", "-n", "shop"]);
    let old_pods = pod_names(&c, "kyma-system", "app=app");
    let out = c
        .kyma_mesh()
        .args(["uninstall", "--no-restart"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "no user resources left, no --force needed: {err}"
    );
    assert!(err.contains("Deployment kyma-system/app"), "{err}");
    assert_eq!(
        pod_names(&c, "kyma-system", "app=app"),
        old_pods,
        "nothing restarted"
    );
    assert_eq!(count_istio_objects(&c), 0);
}

#[test]
fn a_failing_istioctl_leaves_kyma_meshs_objects_in_place() {
    let c = cluster();
    let out = c
        .kyma_mesh()
        .args(["uninstall", "--force"])
        .env("FAKE_ISTIOCTL_FAIL", "exit")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("simulated failure"),
        "istioctl's own words: {err}"
    );
    assert!(err.contains("run kyma-mesh uninstall again"), "{err}");
    assert!(
        c.sim
            .get("configmaps", Some("istio-system"), "kyma-mesh-config")
            .is_some()
    );
    assert_eq!(
        c.get("namespaces", None, "kube-system")["metadata"]["labels"]["istio-injection"],
        "disabled"
    );
}

#[test]
fn an_interrupted_uninstall_says_what_was_done_and_what_was_not() {
    let c = cluster();
    let mut cmd = c.kyma_mesh_process();
    cmd.args(["uninstall", "--force"]);
    let child = cmd
        .env("FAKE_ISTIOCTL_FAIL", "hang")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until istioctl runs (it records its call when it starts).
    let started = std::time::Instant::now();
    while !c
        .istioctl_calls()
        .iter()
        .any(|call| call.args[0] == "uninstall")
        && started.elapsed() < std::time::Duration::from_secs(10)
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted by SIGINT. Done: nothing. Not done: istioctl uninstall --purge, delete kyma-mesh's objects"), "{err}");
    assert!(
        c.sim
            .get("configmaps", Some("istio-system"), "kyma-mesh-config")
            .is_some()
    );
}
