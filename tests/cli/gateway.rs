//! `kyma-mesh gateway restart|debug` against kube-sim, read back with real kubectl.

use serde_json::json;

use crate::kubectl::{deploy_path, kubectl, pod_names};
use crate::util::{Cluster, success};

const GW: &str = "app=istio-ingressgateway";

fn installed() -> Cluster {
    let c = Cluster::new();
    success(c.kyma_mesh().args(["install", "--profile", "production"]));
    c
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn image(c: &Cluster) -> String {
    deploy_path(
        c,
        "istio-system",
        "istio-ingressgateway",
        "{.spec.template.spec.containers[?(@.name==\"istio-proxy\")].image}",
    )
}

#[test]
fn restart_rolls_the_gateway_pods_instead_of_deleting_them() {
    let c = installed();
    let before = pod_names(&c, "istio-system", GW);
    assert_eq!(before.len(), 3, "production runs three gateway pods");
    c.sim.clear_writes();
    let out = c
        .kyma_mesh()
        .args(["gateway", "restart", "--wait"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let restarted_at = deploy_path(
        &c,
        "istio-system",
        "istio-ingressgateway",
        "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    );
    assert!(
        restarted_at.parse::<jiff::Timestamp>().is_ok(),
        "RFC 3339 restartedAt, as kubectl sets it: {restarted_at:?}"
    );
    let after = pod_names(&c, "istio-system", GW);
    assert_eq!(after.len(), 3, "{after:?}");
    assert!(
        after.iter().all(|p| !before.contains(p)),
        "every pod replaced: {before:?} -> {after:?}"
    );
    // The rollout is the controller's: kyma-mesh deleted no pod and patched only the Deployment.
    let mine = c.kyma_mesh_writes();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].resource, "deployments");
    assert_eq!(mine[0].name.as_deref(), Some("istio-ingressgateway"));
    assert!(
        !c.sim.writes().iter().any(|w| w.method == "DELETE"),
        "no pod deleted (the troubleshooting guide's kubectl delete pod is what this replaces)"
    );
    let err = stderr(&out);
    assert!(err.contains("new pods ready, old pods gone"), "{err}");
    assert!(err.contains(&before[0]) && err.contains(&after[0]), "{err}");
}

#[test]
fn restart_dry_run_prints_the_patch_and_writes_nothing() {
    let c = installed();
    let before = pod_names(&c, "istio-system", GW);
    c.sim.clear_writes();
    let stdout = success(c.kyma_mesh().args(["gateway", "restart", "--dry-run"]));
    assert!(
        stdout.contains("kubectl.kubernetes.io/restartedAt"),
        "{stdout}"
    );
    assert!(stdout.contains("nothing was changed"), "{stdout}");
    assert!(c.sim.writes().is_empty(), "{:?}", c.sim.writes());
    assert_eq!(pod_names(&c, "istio-system", GW), before);
}

#[test]
fn restart_without_a_gateway_says_so() {
    let c = Cluster::new();
    let out = c.kyma_mesh().args(["gateway", "restart"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Deployment istio-system/istio-ingressgateway does not exist"),
        "{err}"
    );
}

#[test]
fn debug_enable_swaps_to_the_debug_image_prints_the_commands_and_disable_swaps_back() {
    let c = installed();
    let distroless = image(&c);
    assert_eq!(distroless, "docker.io/istio/proxyv2:1.28.0-distroless");

    let out = c
        .kyma_mesh()
        .args(["gateway", "debug", "enable"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(image(&c), "docker.io/istio/proxyv2:1.28.0-debug");
    assert_eq!(
        deploy_path(
            &c,
            "istio-system",
            "istio-ingressgateway",
            "{.metadata.annotations.kyma-mesh\\.kyma-project\\.io/debug-image}"
        ),
        distroless,
        "the replaced image is recorded on the Deployment"
    );
    // The rollout happened: every gateway pod runs the debug image.
    let pod_images = kubectl(
        &c,
        &[
            "get",
            "pods",
            "-n",
            "istio-system",
            "-l",
            GW,
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ],
    );
    assert!(
        pod_images.split(' ').all(|i| i.ends_with("-debug")),
        "{pod_images}"
    );
    // The troubleshooting guide's commands, with a real pod name, ready to paste.
    let stdout = String::from_utf8(out.stdout).unwrap();
    let pods = pod_names(&c, "istio-system", GW);
    let pod = pods
        .iter()
        .find(|p| stdout.contains(p.as_str()))
        .unwrap_or_else(|| panic!("one of {pods:?} named in:\n{stdout}"));
    assert!(
        stdout.contains(&format!(
            "kubectl exec -ti -n istio-system {pod} -c istio-proxy -- netstat -lptnu"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "kubectl logs -n istio-system {pod} -c istio-proxy"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("kubectl get secrets -n istio-system kyma-gateway-certs -oyaml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("kubectl get secrets -n istio-system app-connector-certs -oyaml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("kyma-mesh gateway debug disable"),
        "{stdout}"
    );

    let out = c
        .kyma_mesh()
        .args(["gateway", "debug", "disable"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(image(&c), distroless);
    assert!(
        !deploy_path(
            &c,
            "istio-system",
            "istio-ingressgateway",
            "{.metadata.annotations}"
        )
        .contains("debug-image"),
        "the record is gone with the debug image"
    );
    let pod_images = kubectl(
        &c,
        &[
            "get",
            "pods",
            "-n",
            "istio-system",
            "-l",
            GW,
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ],
    );
    assert!(
        pod_images.split(' ').all(|i| i == distroless),
        "{pod_images}"
    );
}

#[test]
fn install_puts_the_distroless_image_back() {
    // istioctl re-applies the gateway Deployment with its own image on every install.
    let c = installed();
    success(c.kyma_mesh().args(["gateway", "debug", "enable"]));
    assert!(image(&c).ends_with("-debug"));
    success(c.kyma_mesh().args(["install", "--profile", "production"]));
    assert_eq!(image(&c), "docker.io/istio/proxyv2:1.28.0-distroless");
}

#[test]
fn debug_on_a_plain_tag_appends_debug_and_restores_the_plain_tag() {
    let c = Cluster::new();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}))
        .unwrap();
    c.sim.put(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "istio-ingressgateway"}},
                 "template": {"metadata": {"labels": {"app": "istio-ingressgateway"}},
                              "spec": {"containers": [{"name": "istio-proxy", "image": "registry.local:5000/istio/proxyv2:1.27.3"}]}}},
    })).unwrap();
    c.sim.clear_writes();
    let stdout = success(
        c.kyma_mesh()
            .args(["gateway", "debug", "enable", "--dry-run"]),
    );
    assert!(
        stdout.contains("registry.local:5000/istio/proxyv2:1.27.3-debug"),
        "{stdout}"
    );
    assert!(c.sim.writes().is_empty());
    success(c.kyma_mesh().args(["gateway", "debug", "enable"]));
    assert_eq!(image(&c), "registry.local:5000/istio/proxyv2:1.27.3-debug");
    success(c.kyma_mesh().args(["gateway", "debug", "disable"]));
    assert_eq!(image(&c), "registry.local:5000/istio/proxyv2:1.27.3");
}
