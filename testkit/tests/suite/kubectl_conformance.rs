//! Conformance: real `kubectl` (and `jq`) against kube-sim. A missing tool fails these tests
//! unless `KYMA_MESH_SKIP_TOOL_TESTS=1` (then they print `SKIPPED: ...` and return).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::{
    headers, kubectl, kubectl_err, kubectl_ok, raw_get, raw_request, require, row, sh,
};
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
fn troubleshooting_guide_jq_recipe_finds_the_outdated_pods() {
    if !require("kubectl") || !require("jq") {
        return;
    }
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: 400,
            outdated_fraction: 0.25,
            native_sidecar_fraction: 0.2,
            other_flavour_fraction: 0.2,
            seed: 11,
            ..Default::default()
        })
        .start()
        .unwrap();
    // The recipe's blind spots (the baseline proxy reset beats): it does not see native
    // sidecars (init containers) and it takes the installed version in the other flavour
    // (`1.28.0` with `1.28.0-distroless` installed) for outdated.
    let g = sim.generated().unwrap();
    let other = &g.other_flavour_proxy_image;
    let fmt = |p: &testkit::GenPod| format!("{}/{}", p.name, p.namespace);
    let missed: BTreeSet<String> = g
        .inventory
        .iter()
        .filter(|p| p.outdated && p.native_sidecar)
        .map(fmt)
        .collect();
    let false_alarms: BTreeSet<String> = g
        .inventory
        .iter()
        .filter(|p| !p.native_sidecar && p.proxy_image.as_ref() == Some(other))
        .map(fmt)
        .collect();
    assert!(!missed.is_empty() && !false_alarms.is_empty());
    let expected: BTreeSet<String> = g
        .inventory
        .iter()
        .filter(|p| p.outdated && !p.native_sidecar)
        .map(fmt)
        .chain(false_alarms.iter().cloned())
        .collect();
    assert!(!expected.is_empty());
    // Kyma's troubleshooting guide's recipe (its output format fixed to name/namespace, as the text describes it).
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

#[test]
fn kubectl_create_generators_send_protobuf() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::start();
    let kc = sim.kubeconfig_path();
    kubectl_ok(kc, &["create", "namespace", "shop"]);
    let n = |args: &[&str]| {
        let mut a = vec!["-n", "shop"];
        a.extend_from_slice(args);
        kubectl_ok(kc, &a)
    };
    n(&["create", "configmap", "cfg", "--from-literal=a=b"]);
    n(&[
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=user=pa55",
    ]);
    n(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "--replicas=2",
        "--port=80",
    ]);
    n(&[
        "create",
        "deployment",
        "idle",
        "--image=nginx",
        "--replicas=0",
    ]);
    n(&["create", "serviceaccount", "runner"]);
    n(&["create", "service", "clusterip", "web", "--tcp=80:8080"]);
    n(&[
        "create",
        "job",
        "once",
        "--image=busybox",
        "--",
        "echo",
        "hi",
    ]);
    n(&[
        "create",
        "cronjob",
        "tick",
        "--image=busybox",
        "--schedule=*/5 * * * *",
    ]);
    n(&[
        "create",
        "poddisruptionbudget",
        "web",
        "--selector=app=web",
        "--min-available=1",
    ]);
    // every create above arrived as protobuf, and the write log holds the decoded JSON
    let creates: Vec<_> = sim
        .writes()
        .into_iter()
        .filter(|w| w.verb == "create")
        .collect();
    assert_eq!(creates.len(), 10);
    for w in &creates {
        assert_eq!(
            w.content_type, "application/vnd.kubernetes.protobuf",
            "{w:?}"
        );
        assert_eq!(
            w.status,
            201,
            "{} {}: {}",
            w.resource,
            w.name.as_deref().unwrap_or(""),
            w.body
        );
        assert!(
            w.body_json()
                .is_some_and(|b| b["metadata"]["name"].is_string()),
            "{}",
            w.body
        );
    }
    assert!(sim.get("ns", None, "shop").is_some());
    assert_eq!(
        sim.get("cm", Some("shop"), "cfg").unwrap()["data"],
        json!({"a": "b"})
    );
    let secret = sim.get("secret", Some("shop"), "creds").unwrap();
    assert_eq!(secret["data"], json!({"user": "cGE1NQ=="}));
    assert_eq!(secret["type"], "Opaque");
    let web = sim.get("deploy", Some("shop"), "web").unwrap();
    assert_eq!(
        web["spec"]["selector"],
        json!({"matchLabels": {"app": "web"}})
    );
    let c = &web["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        (c["name"].as_str(), c["image"].as_str()),
        (Some("nginx"), Some("nginx:1.27"))
    );
    assert_eq!(c["ports"], json!([{"containerPort": 80}]));
    assert_eq!(
        sim.list_selected("pods", Some("shop"), "app=web")
            .unwrap()
            .len(),
        2
    );
    // an explicit 0 (a pointer field) survives decoding
    assert_eq!(
        sim.get("deploy", Some("shop"), "idle").unwrap()["spec"]["replicas"],
        0
    );
    let svc = sim.get("svc", Some("shop"), "web").unwrap();
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8080);
    assert!(svc["spec"]["clusterIP"].is_string());
    let job_pods = sim
        .list_selected("pods", Some("shop"), "job-name=once")
        .unwrap();
    assert_eq!(
        job_pods[0]["spec"]["containers"][0]["command"],
        json!(["echo", "hi"])
    );
    assert_eq!(job_pods[0]["spec"]["restartPolicy"], "Never");
    let cj = sim.get("cronjob", Some("shop"), "tick").unwrap();
    assert_eq!(cj["spec"]["schedule"], "*/5 * * * *");
    assert_eq!(
        sim.get("pdb", Some("shop"), "web").unwrap()["spec"]["minAvailable"],
        1
    );
    // label and annotate send JSON patches
    sim.clear_writes();
    n(&["label", "deployment", "web", "team=a"]);
    n(&["annotate", "deployment", "web", "note=x"]);
    let types: Vec<String> = sim
        .writes()
        .iter()
        .map(|w| w.content_type.clone())
        .collect();
    assert_eq!(
        types,
        [
            "application/merge-patch+json",
            "application/merge-patch+json"
        ]
    );
    let web = sim.get("deploy", Some("shop"), "web").unwrap();
    assert_eq!(web["metadata"]["labels"]["team"], "a");
    assert_eq!(web["metadata"]["annotations"]["note"], "x");
    // what kube-sim cannot decode is refused by name, not half-stored
    let err = kubectl_err(kc, &["create", "quota", "q", "--hard=pods=1"]);
    assert!(
        err.contains("could not find the requested resource"),
        "{err}"
    );
}

#[test]
fn kubectl_get_prints_the_servers_tables() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::start();
    sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}))
        .unwrap();
    sim.put(deployment("default", "web", 2)).unwrap();
    sim.put(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})).unwrap();
    sim.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"}, "data": {"a": "1", "b": "2"}})).unwrap();
    sim.put(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"}, "type": "Opaque", "data": {"u": "cA=="}})).unwrap();
    sim.put(json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": {"name": "default", "namespace": "istio-system"},
        "spec": {"mtls": {"mode": "STRICT"}}})).unwrap();
    sim.put(json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "api", "namespace": "default"},
        "spec": {"host": "kubernetes.default.svc.cluster.local"}})).unwrap();
    sim.put(json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "vs", "namespace": "default"},
        "spec": {"gateways": ["gw"], "hosts": ["shop.example.com"]}})).unwrap();
    sim.put(json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "default"},
        "spec": {"selector": {"istio": "ingressgateway"}}})).unwrap();
    let kc = sim.kubeconfig_path();

    let pods = kubectl_ok(kc, &["get", "pods"]);
    assert_eq!(
        headers(&pods),
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{pods}"
    );
    let pod = sim.list("pods", Some("default"))[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let r = row(&pods, &pod);
    assert_eq!(r[1..4], ["1/1", "Running", "0"], "{pods}");
    assert!(r[4].ends_with('s'), "a new pod's age is seconds: {pods}");
    let wide = kubectl_ok(kc, &["get", "pods", "-o", "wide"]);
    assert_eq!(
        headers(&wide),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ]
    );
    let r = row(&wide, &pod);
    assert!(r[5].starts_with("10.244."), "{wide}");
    assert_eq!(r[6..], ["kube-sim-node", "<none>", "<none>"]);
    let all = kubectl_ok(kc, &["get", "pods", "-A"]);
    assert_eq!(headers(&all)[..2], ["NAMESPACE", "NAME"]);
    assert_eq!(row(&all, &pod)[0], "default");

    let deploy = kubectl_ok(kc, &["get", "deployments"]);
    assert_eq!(
        headers(&deploy),
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    assert_eq!(row(&deploy, "web")[1..4], ["2/2", "2", "2"]);
    let deploy = kubectl_ok(kc, &["get", "deployments", "-o", "wide"]);
    assert_eq!(row(&deploy, "web")[5..], ["app", "nginx:1.27", "app=web"]);
    let rs = kubectl_ok(kc, &["get", "rs"]);
    assert_eq!(headers(&rs), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    let svc = kubectl_ok(kc, &["get", "svc", "web"]);
    assert_eq!(
        headers(&svc),
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE"
        ]
    );
    let r = row(&svc, "web");
    assert_eq!(
        (r[1].as_str(), r[3].as_str(), r[4].as_str()),
        ("ClusterIP", "<none>", "80/TCP")
    );
    assert!(r[2].starts_with("10.96."), "{svc}");
    let cm = kubectl_ok(kc, &["get", "cm", "cfg"]);
    assert_eq!(headers(&cm), ["NAME", "DATA", "AGE"]);
    assert_eq!(row(&cm, "cfg")[1], "2");
    let secret = kubectl_ok(kc, &["get", "secret", "s"]);
    assert_eq!(headers(&secret), ["NAME", "TYPE", "DATA", "AGE"]);
    assert_eq!(row(&secret, "s")[1..3], ["Opaque", "1"]);
    let ns = kubectl_ok(kc, &["get", "ns"]);
    assert_eq!(headers(&ns), ["NAME", "STATUS", "AGE"]);
    assert_eq!(row(&ns, "istio-system")[1], "Active");

    // Istio kinds: the CRDs' printer columns
    let pa = kubectl_ok(kc, &["get", "peerauthentications", "-n", "istio-system"]);
    assert_eq!(headers(&pa), ["NAME", "MODE", "AGE"]);
    assert_eq!(row(&pa, "default")[1], "STRICT");
    let dr = kubectl_ok(kc, &["get", "dr"]);
    assert_eq!(headers(&dr), ["NAME", "HOST", "AGE"]);
    assert_eq!(row(&dr, "api")[1], "kubernetes.default.svc.cluster.local");
    let vs = kubectl_ok(kc, &["get", "vs"]);
    assert_eq!(headers(&vs), ["NAME", "GATEWAYS", "HOSTS", "AGE"]);
    assert_eq!(row(&vs, "vs")[1..3], ["[\"gw\"]", "[\"shop.example.com\"]"]);
    let gw = kubectl_ok(kc, &["get", "gateways.networking.istio.io"]);
    assert_eq!(headers(&gw), ["NAME", "AGE"]);

    // the Table itself, as kubectl asks for it
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    let (code, body) = raw_get(
        sim.port(),
        "/api/v1/namespaces/default/pods?limit=1",
        &[("Accept", accept)],
    );
    assert_eq!(code, 200, "{body}");
    let t: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (t["kind"].as_str(), t["apiVersion"].as_str()),
        (Some("Table"), Some("meta.k8s.io/v1"))
    );
    let cols: Vec<(&str, i64)> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["priority"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        cols,
        [
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1)
        ]
    );
    assert_eq!(t["rows"].as_array().unwrap().len(), 1);
    assert!(
        t["metadata"]["continue"].is_string(),
        "a chunked Table pages: {t}"
    );
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    assert!(t["rows"][0]["object"].get("spec").is_none());
    let (_, body) = raw_get(
        sim.port(),
        "/api/v1/namespaces/default/pods?includeObject=Object",
        &[("Accept", accept)],
    );
    let t: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(t["rows"][0]["object"]["kind"], "Pod");
    assert_eq!(t["rows"].as_array().unwrap().len(), 2);
    // without the Table Accept: the plain list
    let (_, body) = raw_get(sim.port(), "/api/v1/namespaces/default/pods", &[]);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["kind"],
        "PodList"
    );
    // chunked kubectl output still has every row, under one header
    let chunked = kubectl_ok(kc, &["get", "pods", "--chunk-size=1"]);
    assert_eq!(chunked.lines().count(), 3, "{chunked}");
}

#[test]
fn kubectl_server_side_apply_conflicts_and_ownership() {
    if !require("kubectl") || !require("jq") {
        return;
    }
    let sim = KubeSim::start();
    let kc = sim.kubeconfig_path();
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, data: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: default\ndata:\n{data}"),
        )
        .unwrap();
        p.to_str().unwrap().to_string()
    };
    let v1 = file("v1.yaml", "  key: \"1\"\n  other: \"x\"\n");
    let v2 = file("v2.yaml", "  key: \"2\"\n");
    kubectl_ok(kc, &["apply", "-f", &v1]);
    // client-side apply owns .data.key (as an Update): a server-side apply changing it conflicts
    let err = kubectl_err(kc, &["apply", "--server-side", "-f", &v2]);
    assert!(
        err.contains(r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key"#),
        "{err}"
    );
    let failed = sim
        .writes()
        .into_iter()
        .rev()
        .find(|w| w.status == 409)
        .expect("the 409 is logged");
    assert_eq!(failed.content_type, "application/apply-patch+yaml");
    assert_eq!(
        sim.get("cm", Some("default"), "cfg").unwrap()["data"]["key"],
        "1",
        "nothing changed"
    );
    // the Status names field and manager
    let (code, body) = raw_request(
        sim.port(),
        "PATCH",
        "/api/v1/namespaces/default/configmaps/cfg?fieldManager=other",
        &[("Content-Type", "application/apply-patch+yaml")],
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"key":"3"}}"#,
    );
    assert_eq!(code, 409, "{body}");
    let st: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(st["reason"], "Conflict");
    assert_eq!(
        st["details"]["causes"],
        json!([{"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-client-side-apply\" using v1", "field": ".data.key"}])
    );
    // with --force-conflicts kubectl takes over (and, having migrated the client-side
    // apply's fields to itself, drops `other`, which it no longer applies)
    kubectl_ok(
        kc,
        &["apply", "--server-side", "--force-conflicts", "-f", &v2],
    );
    let data = sim.get("cm", Some("default"), "cfg").unwrap()["data"].clone();
    assert_eq!(data, json!({"key": "2"}));
    let owners = |kc: &std::path::Path| {
        let out = sh(
            kc,
            "kubectl get cm cfg -o json --show-managed-fields | jq -c '[.metadata.managedFields[] | {manager, operation, fields: (.fieldsV1 | tostring)}]'",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let o = owners(kc);
    assert!(
        o.as_array()
            .unwrap()
            .iter()
            .any(|e| e["manager"] == "kubectl"
                && e["operation"] == "Apply"
                && e["fields"] == r#"{"f:data":{"f:key":{}}}"#),
        "{o}"
    );
    // two appliers share a field they agree on; one of them dropping it leaves it to the other
    let a = file("a.yaml", "  key: \"2\"\n  shared: \"s\"\n  mine: \"m\"\n");
    let b = file("b.yaml", "  shared: \"s\"\n");
    kubectl_ok(
        kc,
        &[
            "apply",
            "--server-side",
            "--field-manager=a",
            "--force-conflicts",
            "-f",
            &a,
        ],
    );
    kubectl_ok(
        kc,
        &["apply", "--server-side", "--field-manager=b", "-f", &b],
    );
    let a2 = file("a2.yaml", "  key: \"2\"\n");
    kubectl_ok(
        kc,
        &["apply", "--server-side", "--field-manager=a", "-f", &a2],
    );
    let data = sim.get("cm", Some("default"), "cfg").unwrap()["data"].clone();
    assert_eq!(
        data,
        json!({"key": "2", "shared": "s"}),
        "mine went, shared stayed (b owns it)"
    );
    // an update (kubectl label) is recorded as an Update of its own manager
    kubectl_ok(kc, &["label", "cm", "cfg", "team=a"]);
    let o = owners(kc);
    assert!(
        o.as_array()
            .unwrap()
            .iter()
            .any(|e| e["manager"] == "kubectl-label"
                && e["operation"] == "Update"
                && e["fields"] == r#"{"f:metadata":{"f:labels":{".":{},"f:team":{}}}}"#),
        "{o}"
    );
}

#[test]
fn kubectl_delete_pods_gracefully_and_finalizers() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::builder()
        .pod_grace_period(Duration::from_secs(2))
        .start()
        .unwrap();
    sim.put(deployment("default", "web", 2)).unwrap();
    let kc = sim.kubeconfig_path();
    let names = |sim: &KubeSim| -> Vec<String> {
        sim.list("pods", Some("default"))
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let victim = names(&sim)[0].clone();
    // a watcher on the pod, to see MODIFIED (deletionTimestamp set) and then DELETED
    // (bounded by `timeout`, so that a missed event fails the test instead of hanging it)
    let requests = sim.request_count();
    let mut watch = std::process::Command::new("timeout")
        .env("KUBECONFIG", kc)
        .args([
            "20",
            "kubectl",
            "get",
            "pod",
            &victim,
            "--watch-only",
            "--output-watch-events",
            "-o",
        ])
        .arg("jsonpath={.type} {.object.metadata.deletionGracePeriodSeconds}{\"\\n\"}")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run kubectl");
    // the watch is the last request kubectl makes: wait for its requests to settle
    let (mut seen, mut still) = (requests, Instant::now());
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        let now = sim.request_count();
        if now != seen {
            (seen, still) = (now, Instant::now());
        } else if seen > requests && still.elapsed() > Duration::from_millis(400) {
            break;
        }
    }
    let t0 = Instant::now();
    kubectl_ok(kc, &["delete", "pod", &victim, "--wait=false"]);
    let pods = kubectl_ok(kc, &["get", "pods"]);
    assert_eq!(row(&pods, &victim)[2], "Terminating", "{pods}");
    assert_eq!(
        pods.lines().count(),
        4,
        "the ReplicaSet replaced it at once: {pods}"
    );
    let p = sim.get("pod", Some("default"), &victim).unwrap();
    assert!(p["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(p["metadata"]["deletionGracePeriodSeconds"], 30);
    let d = sim.get("deploy", Some("default"), "web").unwrap();
    assert_eq!(
        d["status"]["replicas"], 2,
        "terminating pods are not replicas"
    );
    kubectl_ok(
        kc,
        &[
            "wait",
            "--for=delete",
            &format!("pod/{victim}"),
            "--timeout=20s",
        ],
    );
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(1800),
        "gone after the grace period, not before: {waited:?}"
    );
    assert!(sim.get("pod", Some("default"), &victim).is_none());
    let mut events = String::new();
    {
        use std::io::BufRead;
        let out = watch.stdout.take().unwrap();
        for line in std::io::BufReader::new(out).lines() {
            let line = line.unwrap();
            events.push_str(&line);
            events.push('\n');
            if line.starts_with("DELETED") {
                break;
            }
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(events, "MODIFIED 30\nDELETED 30\n");
    // --force --grace-period=0 deletes at once
    let other = names(&sim)[0].clone();
    kubectl_ok(
        kc,
        &["delete", "pod", &other, "--force", "--grace-period=0"],
    );
    assert!(sim.get("pod", Some("default"), &other).is_none());
    let err = kubectl_err(kc, &["get", "pod", &other]);
    assert!(err.contains("not found"), "{err}");
    // plain `kubectl delete pod` waits for the pod to go; a shorter grace period is honoured
    let third = names(&sim)[0].clone();
    let t0 = Instant::now();
    kubectl_ok(kc, &["delete", "pod", &third, "--grace-period=1"]);
    assert!(sim.get("pod", Some("default"), &third).is_none());
    assert!(
        t0.elapsed() < Duration::from_millis(1900),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(names(&sim).len(), 2);

    // finalizers hold any kind until they are removed
    sim.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "held", "namespace": "default", "finalizers": ["example.com/hold"]}})).unwrap();
    kubectl_ok(kc, &["delete", "cm", "held", "--wait=false"]);
    let cm = kubectl_ok(
        kc,
        &[
            "get",
            "cm",
            "held",
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ],
    );
    assert!(!cm.is_empty(), "still there, being deleted");
    let err = kubectl_err(
        kc,
        &[
            "patch",
            "cm",
            "held",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}"#,
        ],
    );
    assert!(err.contains("no new finalizers can be added"), "{err}");
    kubectl_ok(
        kc,
        &[
            "patch",
            "cm",
            "held",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/metadata/finalizers"}]"#,
        ],
    );
    assert!(sim.get("cm", Some("default"), "held").is_none());
}

/// Metadata-only lists (`Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`,
/// what kube's `list_metadata` and client-go's metadata client send): every object's
/// metadata, exactly as kubectl reads it in full, paged as full lists are, and nothing else.
#[test]
fn metadata_only_lists_carry_what_kubectl_reads_and_nothing_more() {
    if !require("kubectl") {
        return;
    }
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: 120,
            seed: 11,
            ..Default::default()
        })
        .start()
        .unwrap();
    let full: Value = serde_json::from_str(&kubectl_ok(
        sim.kubeconfig_path(),
        &["get", "replicasets", "-A", "-o", "json"],
    ))
    .unwrap();
    let by_uid = |items: &[Value]| -> std::collections::BTreeMap<String, Value> {
        items
            .iter()
            .map(|m| (m["uid"].as_str().unwrap_or_default().to_string(), m.clone()))
            .collect()
    };
    let want = by_uid(
        &full["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["metadata"].clone())
            .collect::<Vec<_>>(),
    );
    assert!(want.len() > 5, "the generated cluster has ReplicaSets");
    let accept =
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
    let mut got = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let path = format!("/apis/apps/v1/replicasets?limit=4&continue={token}");
        let (code, body) = raw_get(sim.port(), &path, &[("Accept", accept)]);
        assert_eq!(code, 200, "{body}");
        let list: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(list["kind"], "PartialObjectMetadataList");
        assert_eq!(list["apiVersion"], "meta.k8s.io/v1");
        for item in list["items"].as_array().unwrap() {
            assert_eq!(item["kind"], "PartialObjectMetadata");
            assert_eq!(item["apiVersion"], "meta.k8s.io/v1");
            assert!(
                item.get("spec").is_none() && item.get("status").is_none(),
                "{item}"
            );
            got.push(item["metadata"].clone());
        }
        pages += 1;
        match list["metadata"]["continue"].as_str() {
            Some(c) if !c.is_empty() => token = c.to_string(),
            _ => break,
        }
    }
    assert!(pages > 1, "the list was paged");
    assert!(
        by_uid(&got) == want && got.len() == want.len(),
        "the same objects' metadata as kubectl's full list"
    );
    // One object: PartialObjectMetadata; a plain JSON preference first gets the object.
    let name = full["items"][0]["metadata"]["name"].as_str().unwrap();
    let ns = full["items"][0]["metadata"]["namespace"].as_str().unwrap();
    let path = format!("/apis/apps/v1/namespaces/{ns}/replicasets/{name}");
    let one = |accept: &str| -> Value {
        let (code, body) = raw_get(sim.port(), &path, &[("Accept", accept)]);
        assert_eq!(code, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    };
    let meta = one("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
    assert_eq!(meta["kind"], "PartialObjectMetadata");
    assert_eq!(meta["metadata"], full["items"][0]["metadata"]);
    let plain =
        one("application/json, application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
    assert_eq!(plain["kind"], "ReplicaSet");
    // The request log says which lists were metadata-only.
    let logged: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.resource == "replicasets" && r.verb == "list")
        .collect();
    assert_eq!(logged.iter().filter(|r| r.metadata_only).count(), pages);
    assert_eq!(
        logged.iter().filter(|r| !r.metadata_only).count(),
        1,
        "kubectl's own list"
    );
}
