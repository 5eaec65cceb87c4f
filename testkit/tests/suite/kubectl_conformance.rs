//! Conformance: real `kubectl` (and `jq`) against kube-sim. A missing tool fails these tests
//! unless `KYMA_MESH_SKIP_TOOL_TESTS=1` (then they print `SKIPPED: ...` and return).

use std::collections::BTreeSet;

use crate::common::{kubectl, kubectl_ok, require, sh};
use serde_json::{Value, json};
use testkit::{GenOptions, KubeSim};

fn deployment(ns: &str, name: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "env": [{"name": "A", "value": "1"}]}]}}}})
}

fn proxy_images(sim: &KubeSim, ns: &str) -> Vec<String> {
    sim.list("pods", Some(ns))
        .iter()
        .filter_map(|p| {
            p["spec"]["containers"]
                .as_array()?
                .iter()
                .find(|c| c["name"] == "istio-proxy")
                .map(|c| c["image"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn get_pods_all_namespaces_in_chunks() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: 300,
            seed: 5,
            ..Default::default()
        })
        .start()
        .unwrap();
    let before = sim.request_count();
    let out = kubectl_ok(
        sim.kubeconfig_path(),
        &["get", "pods", "-A", "-o", "json", "--chunk-size=40"],
    );
    let list: Value = serde_json::from_str(&out).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 300);
    assert_eq!(items.len(), sim.count("pods"));
    let keys: BTreeSet<(String, String)> = items
        .iter()
        .map(|p| {
            (
                p["metadata"]["namespace"].as_str().unwrap().into(),
                p["metadata"]["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(keys.len(), 300, "no duplicates across pages");
    assert!(
        sim.request_count() - before >= 8,
        "300 pods in chunks of 40 take at least 8 list requests"
    );
    // the plain table output works too
    let table = kubectl_ok(sim.kubeconfig_path(), &["get", "pods", "-n", "kyma-system"]);
    assert!(table.lines().count() > 1, "{table}");
    assert!(sim.writes().is_empty(), "reads are not writes");
}

#[test]
fn get_istio_kinds() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::start();
    sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}))
        .unwrap();
    sim.put(json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "api-server", "namespace": "istio-system"},
        "spec": {"host": "kubernetes.default.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "DISABLE"}}}})).unwrap();
    sim.put(json!({"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService", "metadata": {"name": "vs", "namespace": "default"},
        "spec": {"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}}]}]}})).unwrap();
    sim.put(json!({"apiVersion": "networking.istio.io/v1alpha3", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "default"},
        "spec": {"selector": {"istio": "ingressgateway"}, "servers": []}})).unwrap();
    sim.put(json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": {"name": "default", "namespace": "istio-system"},
        "spec": {"mtls": {"mode": "STRICT"}}})).unwrap();
    let kc = sim.kubeconfig_path();
    let mode = kubectl_ok(
        kc,
        &[
            "get",
            "peerauthentications.security.istio.io",
            "-n",
            "istio-system",
            "default",
            "-o",
            "jsonpath={.spec.mtls.mode}",
        ],
    );
    assert_eq!(mode, "STRICT");
    let tls = kubectl_ok(
        kc,
        &[
            "get",
            "dr",
            "api-server",
            "-n",
            "istio-system",
            "-o",
            "jsonpath={.spec.trafficPolicy.tls.mode}",
        ],
    );
    assert_eq!(tls, "DISABLE");
    let all: Value = serde_json::from_str(&kubectl_ok(
        kc,
        &[
            "get",
            "destinationrules,virtualservices,gateways",
            "-A",
            "-o",
            "json",
        ],
    ))
    .unwrap();
    let kinds: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["DestinationRule", "VirtualService", "Gateway"]);
    // served in the older versions too
    let v: Value = serde_json::from_str(&kubectl_ok(
        kc,
        &[
            "get",
            "gateways.v1beta1.networking.istio.io",
            "gw",
            "-o",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(v["apiVersion"], "networking.istio.io/v1beta1");
    let missing = kubectl(kc, &["get", "dr", "nope", "-n", "istio-system"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("NotFound")
            || String::from_utf8_lossy(&missing.stderr).contains("not found")
    );
}

#[test]
fn label_and_the_three_patch_types() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::start();
    sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}))
        .unwrap();
    sim.put(deployment("shop", "web", 2)).unwrap();
    let kc = sim.kubeconfig_path();

    kubectl_ok(
        kc,
        &["label", "namespace", "shop", "istio-injection=enabled"],
    );
    assert_eq!(
        sim.get("ns", None, "shop").unwrap()["metadata"]["labels"]["istio-injection"],
        "enabled"
    );
    kubectl_ok(
        kc,
        &[
            "label",
            "namespace",
            "shop",
            "istio-injection=disabled",
            "--overwrite",
        ],
    );
    assert_eq!(
        sim.get("ns", None, "shop").unwrap()["metadata"]["labels"]["istio-injection"],
        "disabled"
    );
    let w = sim.writes();
    assert_eq!(w.len(), 2);
    assert_eq!(
        (
            w[0].method.as_str(),
            w[0].resource.as_str(),
            w[0].name.as_deref()
        ),
        ("PATCH", "namespaces", Some("shop"))
    );
    assert!(w[0].content_type.contains("patch"), "{}", w[0].content_type);

    kubectl_ok(
        kc,
        &[
            "-n",
            "shop",
            "patch",
            "deployment",
            "web",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"replicas":3}}"#,
        ],
    );
    assert_eq!(sim.list("pods", Some("shop")).len(), 3);
    kubectl_ok(
        kc,
        &[
            "-n",
            "shop",
            "patch",
            "deployment",
            "web",
            "--type",
            "json",
            "-p",
            r#"[{"op":"replace","path":"/spec/replicas","value":1},{"op":"add","path":"/metadata/labels","value":{"team":"a"}}]"#,
        ],
    );
    let d = sim.get("deploy", Some("shop"), "web").unwrap();
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(d["metadata"]["labels"]["team"], "a");
    // strategic: containers merge by name, env too
    kubectl_ok(
        kc,
        &[
            "-n",
            "shop",
            "patch",
            "deployment",
            "web",
            "--type",
            "strategic",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28","env":[{"name":"B","value":"2"}]}]}}}}"#,
        ],
    );
    let d = sim.get("deploy", Some("shop"), "web").unwrap();
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "nginx:1.28");
    assert_eq!(
        c["env"],
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    );
    assert_eq!(
        d["status"]["observedGeneration"],
        d["metadata"]["generation"]
    );
    let pods = sim.list("pods", Some("shop"));
    assert_eq!(pods.len(), 1);
    assert_eq!(
        pods[0]["spec"]["containers"][0]["image"], "nginx:1.28",
        "a changed template replaces the pods"
    );
    let types: Vec<String> = sim
        .writes()
        .iter()
        .skip(2)
        .map(|w| w.content_type.clone())
        .collect();
    assert_eq!(
        types,
        [
            "application/merge-patch+json",
            "application/json-patch+json",
            "application/strategic-merge-patch+json"
        ]
    );
    // a patch kube-sim rejects comes back as a Status error
    let bad = kubectl(
        kc,
        &[
            "-n",
            "shop",
            "patch",
            "deployment",
            "web",
            "--type",
            "json",
            "-p",
            r#"[{"op":"remove","path":"/spec/nope"}]"#,
        ],
    );
    assert!(!bad.status.success());
}

#[test]
fn rollout_restart_brings_the_injectors_version() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::start();
    let install = testkit::istio::IstioInstall::defaults("1.27.3");
    sim.load(
        install
            .core_objects()
            .into_iter()
            .chain(install.istiod_objects()),
    )
    .unwrap();
    sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}})).unwrap();
    sim.put(deployment("shop", "web", 2)).unwrap();
    assert_eq!(
        proxy_images(&sim, "shop"),
        ["docker.io/istio/proxyv2:1.27.3"; 2]
    );
    sim.set_istio_version("1.28.0");
    assert_eq!(sim.istio_version().as_deref(), Some("1.28.0"));
    assert_eq!(
        proxy_images(&sim, "shop"),
        ["docker.io/istio/proxyv2:1.27.3"; 2],
        "running pods keep their sidecar"
    );
    let kc = sim.kubeconfig_path();
    kubectl_ok(
        kc,
        &["-n", "shop", "rollout", "restart", "deployment", "web"],
    );
    kubectl_ok(
        kc,
        &[
            "-n",
            "shop",
            "rollout",
            "status",
            "deployment",
            "web",
            "--timeout=20s",
        ],
    );
    assert_eq!(
        proxy_images(&sim, "shop"),
        ["docker.io/istio/proxyv2:1.28.0"; 2]
    );
    let d = sim.get("deploy", Some("shop"), "web").unwrap();
    assert!(
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_string()
    );
    let w = sim.writes();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].content_type, "application/strategic-merge-patch+json");
}

#[test]
fn delete_pod_and_deployment() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::start();
    sim.put(deployment("default", "web", 2)).unwrap();
    let kc = sim.kubeconfig_path();
    let victim = sim.list("pods", Some("default"))[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    kubectl_ok(kc, &["delete", "pod", &victim]);
    let pods = sim.list("pods", Some("default"));
    assert_eq!(pods.len(), 2, "the ReplicaSet replaces a deleted pod");
    assert!(
        pods.iter()
            .all(|p| p["metadata"]["name"] != victim.as_str())
    );
    kubectl_ok(kc, &["delete", "deployment", "web"]);
    assert!(sim.list("pods", Some("default")).is_empty());
    assert!(sim.list("rs", Some("default")).is_empty());
    let again = kubectl(kc, &["delete", "deployment", "web"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not found"));
    // create, apply and get work with kubectl's JSON paths
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cm.yaml");
    std::fs::write(&f, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: default\ndata:\n  a: \"1\"\n").unwrap();
    kubectl_ok(kc, &["apply", "-f", f.to_str().unwrap()]);
    std::fs::write(&f, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: default\ndata:\n  a: \"2\"\n").unwrap();
    kubectl_ok(kc, &["apply", "-f", f.to_str().unwrap()]);
    assert_eq!(
        sim.get("cm", Some("default"), "cfg").unwrap()["data"]["a"],
        "2"
    );
    kubectl_ok(kc, &["apply", "--server-side", "-f", f.to_str().unwrap()]);
}

#[test]
fn seed_jq_recipe_finds_the_outdated_pods() {
    if !require("kubectl") || !require("jq") {
        return;
    }
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: 250,
            outdated_fraction: 0.25,
            seed: 11,
            ..Default::default()
        })
        .start()
        .unwrap();
    let expected: BTreeSet<String> = sim
        .generated()
        .unwrap()
        .outdated
        .iter()
        .map(|(ns, name)| format!("{name}/{ns}"))
        .collect();
    assert!(!expected.is_empty());
    // The seed's recipe (its output format fixed to name/namespace, as the text describes it).
    let script = r#"
set -euo pipefail
export KYMA_ISTIO_VERSION=$(kubectl get deployment istiod -n istio-system -o json | jq '.spec.template.spec.containers | .[].image' | sed 's/[^:"]*[:]//' | sed 's/["]//g')
export COMMON_ISTIO_PROXY_IMAGE_PREFIX="docker.io/istio/proxyv2"
echo "version=${KYMA_ISTIO_VERSION}" >&2
kubectl get pods -A -o json | jq -rc '.items | .[] | select(.spec.containers[].image | startswith("'"${COMMON_ISTIO_PROXY_IMAGE_PREFIX}"'") and (endswith("'"${KYMA_ISTIO_VERSION}"'") | not)) | "\(.metadata.name)/\(.metadata.namespace)"'
"#;
    let out = sh(sim.kubeconfig_path(), script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("version=1.28.0-distroless"));
    let found: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
}
