//! `kyma-mesh check` end to end: for each check a kube-sim state where it passes (the healthy
//! install) and one where it fails, asserting the mark, the message and the hint.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::util::Cluster;

const OK: &str = "√";
const WARN: &str = "‼";
const FAIL: &str = "×";
/// A check not run because one it needs failed: its own mark, never an error's.
const SKIP: &str = "○";

fn installed() -> Cluster {
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .args(["install", "--profile", "local"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "install: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(c: &Cluster, args: &[&str]) -> Run {
    let out = c.kyma_mesh().arg("check").args(args).output().expect("run");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r
}

/// The table's lines for one check: its line and the indented lines under it.
fn entry(table: &str, description: &str) -> String {
    let mut lines = table.lines();
    let mut out = String::new();
    while let Some(l) = lines.next() {
        if l.get(2..).is_some_and(|rest| rest.starts_with(description))
            || l.split_once(' ')
                .is_some_and(|(_, rest)| rest.starts_with(description))
        {
            out.push_str(l);
            out.push('\n');
            for more in lines.by_ref() {
                if !more.starts_with("    ") {
                    break;
                }
                out.push_str(more);
                out.push('\n');
            }
            return out;
        }
    }
    panic!("no check {description:?} in:\n{table}");
}

/// Asserts a check's mark, that its line and detail contain `message`, and its hint.
fn expect(table: &str, mark: &str, description: &str, message: &str, hint: Option<&str>) {
    let e = entry(table, description);
    assert!(
        e.starts_with(&format!("{mark} {description}")),
        "expected {mark} for {description}:\n{e}"
    );
    assert!(e.contains(message), "expected {message:?} in:\n{e}");
    match hint {
        Some(h) => assert!(
            e.contains(&format!("hint: {h}")),
            "expected hint {h:?} in:\n{e}"
        ),
        None => assert!(!e.contains("hint:"), "no hint expected:\n{e}"),
    }
}

fn table(c: &Cluster) -> (i32, String) {
    let r = run(c, &[]);
    (r.code, r.stdout)
}

fn edit(c: &Cluster, resource: &str, ns: Option<&str>, name: &str, f: impl FnOnce(&mut Value)) {
    let mut v = c.get(resource, ns, name);
    f(&mut v);
    c.sim.put(v).expect("put");
}

fn kubectl(c: &Cluster, args: &[&str]) {
    let out = std::process::Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", c.sim.kubeconfig_path())
        .output()
        .expect("kubectl");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn deployment(ns: &str, name: &str, annotations: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": annotations},
                              "spec": {"containers": [{"name": name, "image": "nginx"}]}}}})
}

fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

// ---------------------------------------------------------------- certificates (rcgen)

fn day(offset: i64) -> time::OffsetDateTime {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * offset);
    let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
    rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8)
}

/// A self-signed certificate valid between two days relative to today, and its key (PEM).
fn cert(from: i64, until: i64) -> (String, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["*.kyma.example".into()]).expect("params");
    params.not_before = day(from);
    params.not_after = day(until);
    (
        params.self_signed(&key).expect("sign").pem(),
        key.serialize_pem(),
    )
}

fn tls_secret(name: &str, crt: &str, key: &str) -> Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
           "metadata": {"name": name, "namespace": "istio-system"},
           "data": {"tls.crt": b64(crt), "tls.key": b64(key)}})
}

// ---------------------------------------------------------------- whole runs

#[test]
fn a_healthy_install_passes_with_exit_0() {
    let c = installed();
    let (code, t) = table(&c);
    assert_eq!(code, 0, "{t}");
    assert!(!t.contains(FAIL), "no errors or skips:\n{t}");
    for (desc, msg) in [
        (
            "can reach the Kubernetes API",
            "Kubernetes v1.32.0-kube-sim",
        ),
        ("Kubernetes version is supported", "Istio 1.28.0 supports"),
        ("istio-system namespace exists", ""),
        ("istiod is available", "istiod 1.28.0, 1/1 available"),
        ("kyma-mesh's record matches", "Istio 1.28.0, profile local"),
        (
            "Kyma's configuration is as kyma-mesh applied it",
            "3 objects as applied",
        ),
        (
            "sidecar-injector webhooks exist and are tuned",
            "timeoutSeconds 10",
        ),
        ("no second sidecar injector", ""),
        ("no stale sidecar-injector webhooks", ""),
        ("ingress gateway pods are ready", "1/1 ready"),
        ("ingress gateway Service exposes 80 and 443", "NodePort"),
        ("ingress gateway runs the distroless image", "-distroless"),
        (
            "VirtualServices point at existing Gateways",
            "0 VirtualServices",
        ),
        ("mesh-wide mTLS is STRICT", ""),
        ("the API server is reached without mTLS", ""),
        ("no pods without a sidecar in meshed namespaces", ""),
        (
            "namespaces are injected as configured",
            "injected (by default)",
        ),
        ("no Deployments opted out of injection", ""),
        ("pods that should have a sidecar have one", ""),
        ("sidecars run the control plane's version", ""),
        (
            "outdated pods can be restarted automatically",
            "no outdated pods",
        ),
    ] {
        expect(&t, OK, desc, msg, None);
    }
    // Without Kyma's gateway the Secrets are optional; istiod has not published a root here.
    expect(
        &t,
        WARN,
        "Secret kyma-gateway-certs",
        "not needed on clusters without Kyma's gateway",
        None,
    );
    // fake-istioctl installs Istio 1.28, past its end of life (2026-07-01): a warning with the
    // upgrade to take, never an error.
    expect(
        &t,
        WARN,
        "the installed Istio still gets security fixes",
        "Istio 1.28 reached end of life on 2026-07-01",
        Some("upgrade to 1.29"),
    );
    expect(
        &t,
        OK,
        "Istio has one manager, kyma-mesh",
        "the Kyma Istio module is not installed",
        None,
    );
    assert!(
        t.ends_with("Status check results are √ (4 warnings)\n"),
        "{t}"
    );
}

/// The Kyma Istio module beside kyma-mesh: two managers undo each other's changes, said as a
/// warning with which to keep.
#[test]
fn the_kyma_istio_module_beside_kyma_mesh_is_a_warning() {
    let c = installed();
    c.sim
        .put(serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-system"}
        }))
        .unwrap();
    c.sim
        .put(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "istio-controller-manager", "namespace": "kyma-system"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "m"}},
                     "template": {"metadata": {"labels": {"app": "m"}},
                                  "spec": {"containers": [{"name": "manager", "image": "m"}]}}}
        }))
        .unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        WARN,
        "Istio has one manager, kyma-mesh",
        "Deployment kyma-system/istio-controller-manager",
        Some("two managers undo each other's changes"),
    );
}

#[test]
fn healthy_table_snapshot() {
    let c = installed();
    let (_, t) = table(&c);
    let port = c.sim.port().to_string();
    let t = t.replace(&port, "PORT");
    let t = redact(&t);
    insta::assert_snapshot!("check_healthy", t);
}

/// Dates and node ports change per run.
fn redact(s: &str) -> String {
    s.lines()
        .map(|l| {
            let mut l = l.to_string();
            if let Some(i) = l.find("installed 20") {
                l.replace_range(i + 10.., "TIME");
            }
            if let Some(i) = l.find("(ports 80:") {
                l.replace_range(i.., "(ports 80:N, 443:N)");
            }
            // kube-sim's webhook CA runs for 100 years from when it was made: days left shrink.
            let days = regex::Regex::new(r"expires \d{4}-\d\d-\d\d, in \d+ days").unwrap();
            days.replace_all(&l, "expires DATE, in N days").into_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn json_is_the_report() {
    let c = installed();
    c.sim
        .delete(
            "destinationrules.networking.istio.io",
            Some("istio-system"),
            "api-server",
        )
        .unwrap();
    let r = run(&c, &["--output", "json"]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["success"], false);
    let ids: Vec<&str> = v["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "kubernetes-api",
            "control-plane",
            "certificates",
            "ingress-gateway",
            "mtls",
            "sidecar-injection",
            "data-plane"
        ]
    );
    for cat in v["categories"].as_array().unwrap() {
        assert!(cat["title"].is_string());
        for check in cat["checks"].as_array().unwrap() {
            let keys: Vec<&String> = check.as_object().unwrap().keys().collect();
            // `data` only on the checks with facts for scripts (the certificates, stuck pods).
            let want: &[&str] = if check["data"].is_object() {
                &[
                    "id",
                    "description",
                    "result",
                    "message",
                    "detail",
                    "hint",
                    "data",
                ]
            } else {
                &["id", "description", "result", "message", "detail", "hint"]
            };
            assert_eq!(keys, want, "{check}");
            assert!(
                ["ok", "warning", "error", "skipped"].contains(&check["result"].as_str().unwrap())
            );
        }
    }
    let rule = v["categories"][4]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "api-server-rule")
        .unwrap();
    assert_eq!(rule["result"], "error");
    assert_eq!(
        rule["hint"],
        "kyma-mesh upgrade (re-applies Kyma's configuration)"
    );
    assert!(
        rule["message"]
            .as_str()
            .unwrap()
            .contains("api-server does not exist")
    );
}

#[test]
fn pre_on_an_empty_cluster_passes() {
    let c = Cluster::new();
    let r = run(&c, &["--pre"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    expect(&r.stdout, OK, "cluster answers", "Kubernetes v1.32.0", None);
    expect(&r.stdout, OK, "permissions", "granted", None);
    expect(&r.stdout, OK, "istioctl", "1.28.0", None);
    expect(
        &r.stdout,
        OK,
        "stale sidecar-injector webhooks",
        "none",
        None,
    );
    assert!(
        !r.stdout.contains("configuration"),
        "--pre has no configuration check"
    );
    assert!(
        !r.stdout.contains("control-plane"),
        "--pre is only the preflight"
    );
}

#[test]
fn pre_finds_a_stale_webhook() {
    let c = Cluster::new();
    c.sim.put(stale_webhook()).unwrap();
    let r = run(&c, &["--pre"]);
    assert_eq!(r.code, 1);
    expect(
        &r.stdout,
        FAIL,
        "stale sidecar-injector webhooks",
        "istio-sidecar-injector",
        Some("run install again with --fix"),
    );
}

#[test]
fn an_unreachable_cluster_fails_and_skips_the_rest() {
    let c = Cluster::new();
    let r = run(&c, &["--context", "unreachable"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    expect(
        &r.stdout,
        FAIL,
        "can reach the Kubernetes API",
        "",
        Some("check --kubeconfig and --context"),
    );
    expect(
        &r.stdout,
        SKIP,
        "istio-system namespace exists",
        "skipped: needs api-reachable",
        None,
    );
}

#[test]
fn an_unknown_context_is_invalid_input() {
    let c = Cluster::new();
    let r = run(&c, &["--context", "nope"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn without_istio_one_error_and_dependents_skipped() {
    let c = Cluster::new();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "istio-system namespace exists",
        "Istio is not installed",
        Some("kyma-mesh install"),
    );
    expect(
        &t,
        SKIP,
        "mesh-wide mTLS is STRICT",
        "skipped: needs istio-namespace",
        None,
    );
    expect(
        &t,
        OK,
        "Kubernetes version is supported",
        "no Istio installed",
        None,
    );
    assert!(t.contains("(1 error, 0 warnings)"), "{t}");
}

#[test]
fn wait_retries_until_healthy() {
    let c = installed();
    c.sim
        .delete(
            "destinationrules.networking.istio.io",
            Some("istio-system"),
            "api-server",
        )
        .unwrap();
    let rule = json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
        "metadata": {"name": "api-server", "namespace": "istio-system"},
        "spec": {"host": "kubernetes.default.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "DISABLE"}}}});
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("kyma-mesh"))
        .args(["check", "--wait", "30s"])
        .env("KUBECONFIG", c.sim.kubeconfig_path())
        .env("PATH", format!("{}:/usr/bin:/bin", c.bin.path().display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(1500));
    c.sim.put(rule).unwrap();
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        stderr.contains("waiting: 1 failing (api-server-rule)"),
        "{stderr}"
    );
}

#[test]
fn wait_gives_up_with_exit_1() {
    let c = Cluster::new();
    let started = Instant::now();
    let r = run(&c, &["--wait", "1s"]);
    assert_eq!(r.code, 1);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(r.stderr.contains("waiting:"), "{}", r.stderr);
    assert_eq!(
        r.stdout.matches("kubernetes-api\n").count(),
        1,
        "one report, the last"
    );
}

// ---------------------------------------------------------------- kubernetes-api

#[test]
fn kubernetes_outside_the_support_matrix_warns() {
    let c = installed();
    c.sim.set_istio_version("1.24.3");
    let (_, t) = table(&c);
    expect(
        &t,
        WARN,
        "Kubernetes version is supported",
        "Istio 1.24 is supported on Kubernetes 1.28 to 1.31, this cluster runs 1.32",
        Some("upgrade Istio"),
    );
}

// ---------------------------------------------------------------- control-plane

#[test]
fn istiod_missing_is_an_error_and_skips_the_data_plane() {
    let c = installed();
    c.sim
        .delete("deployments", Some("istio-system"), "istiod")
        .unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "istiod is available",
        "istio-system/istiod does not exist",
        Some("kyma-mesh install"),
    );
    expect(
        &t,
        SKIP,
        "sidecars run the control plane's version",
        "skipped: needs istiod",
        None,
    );
}

#[test]
fn no_record_warns() {
    let c = installed();
    c.sim
        .delete("configmaps", Some("istio-system"), "kyma-mesh-config")
        .unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 0);
    expect(
        &t,
        WARN,
        "kyma-mesh's record matches",
        "not installed by kyma-mesh",
        Some("kyma-mesh install"),
    );
    expect(
        &t,
        SKIP,
        "Kyma's configuration is as kyma-mesh applied it",
        "skipped: no record to compare with",
        None,
    );
}

#[test]
fn a_version_changed_outside_kyma_mesh_warns() {
    let c = installed();
    c.sim.set_istio_version("1.28.1");
    let (_, t) = table(&c);
    expect(
        &t,
        WARN,
        "kyma-mesh's record matches",
        "the record says Istio 1.28.0, istiod runs 1.28.1",
        Some("kyma-mesh upgrade"),
    );
}

#[test]
fn drift_names_the_field() {
    let c = installed();
    edit(
        &c,
        "destinationrules.networking.istio.io",
        Some("istio-system"),
        "istio-ingressgateway",
        |v| {
            v["spec"]["trafficPolicy"]["tls"]["mode"] = json!("ISTIO_MUTUAL");
        },
    );
    let (code, t) = table(&c);
    assert_eq!(code, 0, "drift is a warning");
    expect(
        &t,
        WARN,
        "Kyma's configuration is as kyma-mesh applied it",
        "DestinationRule istio-system/istio-ingressgateway: spec.trafficPolicy.tls.mode: Kyma sets \"DISABLE\", found \"ISTIO_MUTUAL\"",
        Some("kyma-mesh upgrade"),
    );
}

#[test]
fn webhook_tuning_drift_names_webhook_and_field() {
    let c = installed();
    edit(
        &c,
        "mutatingwebhookconfigurations",
        None,
        "istio-sidecar-injector",
        |v| {
            for h in v["webhooks"].as_array_mut().unwrap() {
                if h["name"] == "object.sidecar-injector.istio.io" {
                    h["timeoutSeconds"] = json!(30);
                    h["namespaceSelector"]["matchExpressions"]
                        .as_array_mut()
                        .unwrap()
                        .retain(|e| e["key"] != "gardener.cloud/purpose");
                }
            }
        },
    );
    let (_, t) = table(&c);
    let e = entry(&t, "sidecar-injector webhooks exist and are tuned");
    expect(
        &t,
        WARN,
        "sidecar-injector webhooks exist and are tuned",
        "istio-sidecar-injector object.sidecar-injector.istio.io: timeoutSeconds is 30, Kyma sets 10",
        Some("kyma-mesh upgrade"),
    );
    assert!(
        e.contains(
            "object.sidecar-injector.istio.io: namespaceSelector lacks Gardener's expression"
        ),
        "{e}"
    );
    assert!(
        !e.contains("namespace.sidecar-injector.istio.io:"),
        "only the edited webhook: {e}"
    );
}

#[test]
fn a_missing_injector_is_an_error() {
    let c = installed();
    c.sim
        .delete(
            "mutatingwebhookconfigurations",
            None,
            "istio-sidecar-injector",
        )
        .unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "sidecar-injector webhooks exist and are tuned",
        "istio-sidecar-injector does not exist",
        Some("kyma-mesh install"),
    );
}

#[test]
fn a_second_injector_conflicts() {
    let c = installed();
    let mut other = c.get(
        "mutatingwebhookconfigurations",
        None,
        "istio-sidecar-injector",
    );
    other["metadata"] = json!({"name": "istio-sidecar-injector-old"});
    c.sim.put(other).unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "no second sidecar injector",
        "2 inject pods without a revision: istio-sidecar-injector, istio-sidecar-injector-old",
        Some("keep one injector"),
    );
    assert!(
        entry(&t, "no second sidecar injector")
            .contains("kubectl delete mutatingwebhookconfiguration istio-sidecar-injector-old")
    );
}

fn stale_webhook() -> Value {
    json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "istio-sidecar-injector"},
        "webhooks": [{"name": "namespace.sidecar-injector.istio.io", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                      "clientConfig": {"service": {"name": "istiod", "namespace": "istio-system"}}}]})
}

#[test]
fn a_stale_webhook_is_the_ist0139_trap() {
    let c = Cluster::new();
    c.sim.put(stale_webhook()).unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "no stale sidecar-injector webhooks",
        "calls Service istio-system/istiod, which does not exist (IST0139)",
        Some("kyma-mesh install --fix"),
    );
}

// ---------------------------------------------------------------- ingress-gateway

#[test]
fn gateway_pods_not_ready_hint_a_restart() {
    let c = installed();
    c.sim.set_new_pods_ready(false);
    // A rollout keeps the old pods until new ones are ready; a lost pod is replaced at once,
    // and its replacement never becomes ready.
    kubectl(
        &c,
        &[
            "-n",
            "istio-system",
            "delete",
            "pod",
            "-l",
            "app=istio-ingressgateway",
            "--grace-period=0",
            "--force",
        ],
    );
    let (code, t) = table(&c);
    assert_eq!(code, 1, "{t}");
    expect(
        &t,
        FAIL,
        "ingress gateway pods are ready",
        "0/1 ready: requests to the cluster's endpoints fail (503)",
        Some("kyma-mesh gateway restart"),
    );
}

#[test]
fn a_missing_gateway_is_an_error() {
    let c = installed();
    c.sim
        .delete("deployments", Some("istio-system"), "istio-ingressgateway")
        .unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        FAIL,
        "ingress gateway pods are ready",
        "istio-system/istio-ingressgateway does not exist",
        Some("kyma-mesh install"),
    );
    expect(
        &t,
        SKIP,
        "ingress gateway runs the distroless image",
        "skipped: needs gateway-pods",
        None,
    );
}

#[test]
fn a_gateway_service_without_443() {
    let c = installed();
    edit(
        &c,
        "services",
        Some("istio-system"),
        "istio-ingressgateway",
        |v| {
            v["spec"]["ports"]
                .as_array_mut()
                .unwrap()
                .retain(|p| p["port"] != 443);
        },
    );
    let (_, t) = table(&c);
    expect(
        &t,
        FAIL,
        "ingress gateway Service exposes 80 and 443",
        "port 443 is not exposed",
        Some("kyma-mesh upgrade"),
    );
}

#[test]
fn a_debug_image_left_behind_warns() {
    let c = installed();
    kubectl(
        &c,
        &[
            "-n",
            "istio-system",
            "set",
            "image",
            "deployment/istio-ingressgateway",
            "istio-proxy=docker.io/istio/proxyv2:1.28.0",
        ],
    );
    let (code, t) = table(&c);
    assert_eq!(code, 0);
    expect(
        &t,
        WARN,
        "ingress gateway runs the distroless image",
        "docker.io/istio/proxyv2:1.28.0 is not distroless",
        Some("kyma-mesh gateway debug disable"),
    );
}

#[test]
fn virtual_services_are_listed_and_missing_gateways_flagged() {
    let c = installed();
    c.sim.put(namespace("kyma-system", json!({}))).unwrap();
    c.sim.put(json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
        "metadata": {"name": "kyma-gateway", "namespace": "kyma-system"},
        "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["*"]}]}})).unwrap();
    c.sim.put(json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "console", "namespace": "kyma-system"},
        "spec": {"hosts": ["console.kyma.example"], "gateways": ["kyma-system/kyma-gateway"], "http": []}})).unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        OK,
        "VirtualServices point at existing Gateways",
        "kyma-system/console: console.kyma.example via kyma-system/kyma-gateway",
        None,
    );
    c.sim
        .put(
            json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "shop", "namespace": "default"},
        "spec": {"hosts": ["shop.kyma.example"], "gateways": ["shop-gateway"], "http": []}}),
        )
        .unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        WARN,
        "VirtualServices point at existing Gateways",
        "VirtualService default/shop (shop.kyma.example) names Gateway default/shop-gateway, which does not exist",
        Some("create the Gateway or correct spec.gateways"),
    );
}

fn cert_check(c: &Cluster) -> String {
    let (_, t) = table(c);
    entry(&t, "Secret kyma-gateway-certs holds a valid certificate")
}

#[test]
fn gateway_certificates() {
    let c = installed();
    let desc = "Secret kyma-gateway-certs holds a valid certificate";
    let hint = Some("renew the certificate, replace the Secret");

    let (crt, key) = cert(-1, 365);
    c.sim
        .put(tls_secret("kyma-gateway-certs", &crt, &key))
        .unwrap();
    let (_, t) = table(&c);
    expect(&t, OK, desc, "certificate valid until", None);

    let (crt, key) = cert(-400, -2);
    c.sim
        .put(tls_secret("kyma-gateway-certs", &crt, &key))
        .unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(&t, FAIL, desc, "expired on", hint);
    assert!(entry(&t, desc).contains("TLS handshakes with the gateway fail"));

    let (crt, key) = cert(-1, 10);
    c.sim
        .put(tls_secret("kyma-gateway-certs", &crt, &key))
        .unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 0);
    let e = entry(&t, desc);
    assert!(
        e.starts_with(WARN) && (e.contains("in 9 days") || e.contains("in 10 days")),
        "{e}"
    );
    assert!(e.contains("kyma-mesh gateway restart"), "{e}");

    let (crt, _) = cert(-1, 365);
    let (_, other_key) = cert(-1, 365);
    c.sim
        .put(tls_secret("kyma-gateway-certs", &crt, &other_key))
        .unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        FAIL,
        desc,
        "the private key in tls.key does not belong to the certificate in tls.crt",
        hint,
    );

    c.sim
        .put(tls_secret("kyma-gateway-certs", "garbage", &key))
        .unwrap();
    let (_, t) = table(&c);
    expect(&t, FAIL, desc, "tls.crt holds no PEM certificate", hint);

    c.sim
        .put(tls_secret(
            "kyma-gateway-certs",
            &crt,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ))
        .unwrap();
    let e = cert_check(&c);
    assert!(
        e.starts_with(FAIL) && e.contains("tls.key is not a usable private key"),
        "{e}"
    );
}

#[test]
fn secret_data_is_never_printed() {
    let c = installed();
    let (crt, _) = cert(-1, 365);
    let (_, other_key) = cert(-1, 365);
    c.sim
        .put(tls_secret("kyma-gateway-certs", &crt, &other_key))
        .unwrap();
    for args in [&["-vv"][..], &["--output", "json", "-vv"]] {
        let r = run(&c, args);
        let all = format!("{}{}", r.stdout, r.stderr);
        let body: String = other_key.lines().nth(1).unwrap().into();
        assert!(!all.contains(&body), "key material printed");
        assert!(!all.contains("BEGIN"), "PEM printed:\n{all}");
    }
}

#[test]
fn a_missing_secret_that_a_gateway_uses_is_an_error() {
    let c = installed();
    c.sim.put(namespace("kyma-system", json!({}))).unwrap();
    c.sim.put(json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
        "metadata": {"name": "kyma-gateway", "namespace": "kyma-system"},
        "spec": {"servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["*"],
                              "tls": {"mode": "SIMPLE", "credentialName": "kyma-gateway-certs"}}]}})).unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "Secret kyma-gateway-certs",
        "does not exist, but Gateway kyma-system/kyma-gateway serves TLS with it",
        Some("renew the certificate"),
    );
    expect(
        &t,
        WARN,
        "Secret app-connector-certs",
        "not needed on clusters without Kyma's gateway",
        None,
    );
}

#[test]
fn app_connector_certificate() {
    let c = installed();
    let (crt, key) = cert(-1, 100);
    c.sim
        .put(tls_secret("app-connector-certs", &crt, &key))
        .unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        OK,
        "Secret app-connector-certs holds a valid certificate",
        "valid until",
        None,
    );
}

#[test]
fn root_certificate_expiry() {
    let c = installed();
    let root = |pem: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "istio-ca-root-cert", "namespace": "istio-system"}, "data": {"root-cert.pem": pem}})
    };
    let (crt, _) = cert(-10, 3650);
    c.sim.put(root(&crt)).unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        OK,
        "Istio root certificate is valid",
        "root certificate expires",
        None,
    );
    let (crt, _) = cert(-3650, -1);
    c.sim.put(root(&crt)).unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "Istio root certificate is valid",
        ": expired ",
        Some("rotate Istio's self-signed root"),
    );
}

// ---------------------------------------------------------------- mtls

#[test]
fn permissive_mtls_names_who_set_it() {
    let c = installed();
    kubectl(
        &c,
        &[
            "-n",
            "istio-system",
            "patch",
            "peerauthentication",
            "default",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"mtls":{"mode":"PERMISSIVE"}}}"#,
        ],
    );
    let (code, t) = table(&c);
    assert_eq!(code, 0);
    expect(
        &t,
        WARN,
        "mesh-wide mTLS is STRICT",
        "PERMISSIVE: plain-text traffic is accepted",
        Some("kyma-mesh upgrade"),
    );
    assert!(
        entry(&t, "mesh-wide mTLS is STRICT").contains("set by kubectl-patch"),
        "{t}"
    );
}

#[test]
fn a_missing_peer_authentication_is_an_error() {
    let c = installed();
    c.sim
        .delete(
            "peerauthentications.security.istio.io",
            Some("istio-system"),
            "default",
        )
        .unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "mesh-wide mTLS is STRICT",
        "istio-system/default does not exist",
        Some("kyma-mesh upgrade"),
    );
}

#[test]
fn opted_out_pods_in_meshed_namespaces_get_the_troubleshooting_remedies() {
    let c = installed();
    c.sim.put(namespace("shop", json!({}))).unwrap();
    c.sim
        .put(deployment(
            "shop",
            "legacy",
            json!({"sidecar.istio.io/inject": "false"}),
        ))
        .unwrap();
    let (code, t) = table(&c);
    assert_eq!(code, 0);
    let e = entry(&t, "no pods without a sidecar in meshed namespaces");
    expect(
        &t,
        WARN,
        "no pods without a sidecar in meshed namespaces",
        "Deployment shop/legacy opted out",
        Some("for Deployment shop/legacy: either give it a sidecar"),
    );
    // The YAML in the hint applies as it is.
    let yaml: String = e
        .lines()
        .skip_while(|l| !l.contains("<<EOF"))
        .skip(1)
        .take_while(|l| l.trim() != "EOF")
        .map(|l| format!("{}\n", l.get(10..).unwrap_or("")))
        .collect();
    let dr: Value = serde_saphyr::from_str(&yaml).expect("YAML");
    assert_eq!(dr["kind"], "DestinationRule");
    assert_eq!(dr["spec"]["host"], "legacy.shop.svc.cluster.local");
    assert!(e.contains("mode: PERMISSIVE"));
    // ... and the injection category names the Deployment.
    expect(
        &t,
        WARN,
        "no Deployments opted out of injection",
        "Deployment shop/legacy",
        Some("if that is not on purpose: kyma-mesh injection enable --deployment shop/legacy"),
    );
}

// ---------------------------------------------------------------- sidecar-injection

#[test]
fn a_namespace_with_injection_disabled() {
    let c = installed();
    c.sim
        .put(namespace("shop", json!({"istio-injection": "disabled"})))
        .unwrap();
    c.sim.put(deployment("shop", "web", json!({}))).unwrap();
    let (_, t) = table(&c);
    expect(
        &t,
        WARN,
        "namespaces are injected as configured",
        "shop: istio-injection=disabled, 1 pod without a sidecar",
        Some("if that is not on purpose: kyma-mesh injection enable --namespace shop"),
    );
    expect(&t, OK, "pods that should have a sidecar have one", "", None);
}

#[test]
fn kyma_namespace_labels_removed() {
    let c = installed();
    kubectl(
        &c,
        &["label", "namespace", "kube-system", "istio-injection-"],
    );
    let (_, t) = table(&c);
    expect(
        &t,
        WARN,
        "namespaces are injected as configured",
        "kube-system lacks istio-injection=disabled",
        Some("kyma-mesh upgrade"),
    );
}

#[test]
fn pods_created_before_istio_have_no_sidecar() {
    let c = Cluster::new();
    c.sim.put(namespace("shop", json!({}))).unwrap();
    c.sim.put(deployment("shop", "web", json!({}))).unwrap();
    c.kyma_mesh()
        .args(["install", "--profile", "local"])
        .assert()
        .success();
    let (code, t) = table(&c);
    assert_eq!(code, 1);
    expect(
        &t,
        FAIL,
        "pods that should have a sidecar have one",
        "(Deployment shop/web)",
        Some("kyma-mesh proxy-reset --missing-sidecars"),
    );
}

// ---------------------------------------------------------------- data-plane

#[test]
fn outdated_sidecars_counted_by_version_and_bare_pods_named() {
    let c = installed();
    c.sim.put(namespace("shop", json!({}))).unwrap();
    c.sim.put(deployment("shop", "web", json!({}))).unwrap();
    c.sim.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "shop"},
        "spec": {"containers": [{"name": "sh", "image": "busybox"}]}})).unwrap();
    c.sim.set_istio_version("1.28.1");
    let (code, t) = table(&c);
    assert_eq!(code, 0, "{t}");
    expect(
        &t,
        WARN,
        "sidecars run the control plane's version",
        "2 sidecars of 2 run another version than istiod 1.28.1",
        Some("kyma-mesh proxy-reset"),
    );
    assert!(
        entry(&t, "sidecars run the control plane's version").contains("1.28.0: 2 pods"),
        "{t}"
    );
    expect(
        &t,
        WARN,
        "outdated pods can be restarted automatically",
        "shop/debug: a bare pod",
        Some("delete it and create it again from its own manifest"),
    );
}
