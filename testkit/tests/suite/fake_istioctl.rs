//! fake-istioctl against kube-sim: version, install/upgrade, confirmation, failure modes,
//! uninstall, recording, --context.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::KubeSim;

const BIN: &str = env!("CARGO_BIN_EXE_fake-istioctl");

const KYMA_IOP: &str = r#"
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  namespace: istio-system
spec:
  values:
    global:
      variant: distroless
      proxy:
        resources:
          requests: {cpu: 20m, memory: 32Mi}
          limits: {cpu: 200m, memory: 128Mi}
    sidecarInjectorWebhook:
      enableNamespacesByDefault: true
  components:
    pilot:
      k8s:
        env:
        - name: PILOT_HTTP10
          value: "1"
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
      k8s:
        service:
          type: NodePort
    egressGateways:
    - name: istio-egressgateway
      enabled: false
"#;

fn run(sim: &KubeSim, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env_remove("FAKE_ISTIOCTL_VERSION")
        .env_remove("FAKE_ISTIOCTL_FAIL")
        .env_remove("FAKE_ISTIOCTL_RECORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    {
        let mut sin = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            sin.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn iop_file(dir: &Path, body: &str) -> String {
    let p = dir.join("iop.yaml");
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

fn proxy_image(pod: &Value) -> Option<String> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == "istio-proxy")
        .map(|c| c["image"].as_str().unwrap().to_string())
}

#[test]
fn version_has_istioctls_json_shape() {
    let sim = KubeSim::start();
    let out = run(
        &sim,
        &["version", "--remote=false", "-o", "json"],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["clientVersion"]);
    let cv = v["clientVersion"].as_object().unwrap();
    let keys: Vec<&str> = cv.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["version", "revision", "golang_version", "status", "tag"]
    );
    assert_eq!(cv["version"], "1.28.0");
    assert_eq!(cv["tag"], "1.28.0");
    assert_eq!(cv["status"], "Clean");
    assert_eq!(cv["revision"].as_str().unwrap().len(), 40);
    let out = run(
        &sim,
        &["version", "--remote=false", "-o", "json"],
        &[("FAKE_ISTIOCTL_VERSION", "1.26.4")],
        None,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["clientVersion"]["version"], "1.26.4");
    let short = run(&sim, &["version", "--remote=false"], &[], None);
    assert_eq!(text(&short.stdout).trim(), "client version: 1.28.0");
    let bad = run(&sim, &["version", "--bogus"], &[], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).starts_with("Error: "));
}

#[test]
fn install_creates_what_istioctl_would_and_moves_the_injector() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let f = iop_file(dir.path(), KYMA_IOP);
    let kc = sim.kubeconfig_path().to_str().unwrap().to_string();
    let out = run(
        &sim,
        &["install", "-f", &f, "-y", "--kubeconfig", &kc],
        &[("FAKE_ISTIOCTL_RECORD", rec.to_str().unwrap())],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // As real istioctl: all of install's output on stderr, stdout empty.
    let stderr = text(&out.stderr);
    for line in [
        "- Processing resources for Istio core.",
        "✔ Istio core installed",
        "✔ Istiod installed",
        "✔ Ingress gateways installed",
        "✔ Installation complete",
    ] {
        assert!(stderr.contains(line), "missing {line:?} in {stderr}");
    }
    assert_eq!(text(&out.stdout), "");
    assert!(sim.get("ns", None, "istio-system").is_some());
    let istiod = sim.get("deploy", Some("istio-system"), "istiod").unwrap();
    assert_eq!(istiod["metadata"]["labels"]["app"], "istiod");
    let c = &istiod["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["name"], "discovery");
    assert_eq!(c["image"], "docker.io/istio/pilot:1.28.0-distroless");
    assert!(
        c["env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "PILOT_HTTP10" && e["value"] == "1")
    );
    assert_eq!(istiod["status"]["availableReplicas"], 1);
    assert_eq!(
        sim.list_selected("pods", Some("istio-system"), "app=istiod")
            .unwrap()
            .len(),
        1
    );
    let gw = sim
        .get("deploy", Some("istio-system"), "istio-ingressgateway")
        .unwrap();
    assert_eq!(
        gw["spec"]["template"]["spec"]["containers"][0]["image"],
        "docker.io/istio/proxyv2:1.28.0-distroless"
    );
    assert_eq!(
        sim.get("svc", Some("istio-system"), "istio-ingressgateway")
            .unwrap()["spec"]["type"],
        "NodePort"
    );
    assert!(
        sim.get("deploy", Some("istio-system"), "istio-egressgateway")
            .is_none()
    );
    let wh = sim
        .get(
            "mutatingwebhookconfigurations",
            None,
            "istio-sidecar-injector",
        )
        .unwrap();
    let names: Vec<&str> = wh["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    for n in [
        "rev.namespace.sidecar-injector.istio.io",
        "rev.object.sidecar-injector.istio.io",
        "namespace.sidecar-injector.istio.io",
        "object.sidecar-injector.istio.io",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
    assert!(
        wh["webhooks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["sideEffects"] == "None" && w["failurePolicy"] == "Fail")
    );
    assert!(
        sim.get("crd", None, "destinationrules.networking.istio.io")
            .is_some()
    );
    // server-side apply by "istioctl"
    assert!(
        sim.writes()
            .iter()
            .all(|w| w.content_type == "application/apply-patch+yaml"
                && w.query.contains("fieldManager=istioctl"))
    );
    // the injector now injects 1.28.0-distroless with the operator's proxy resources
    assert_eq!(sim.istio_version().as_deref(), Some("1.28.0"));
    let pod = sim.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p1", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]}})).unwrap();
    assert_eq!(
        proxy_image(&pod).as_deref(),
        Some("docker.io/istio/proxyv2:1.28.0-distroless")
    );
    let proxy = pod["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "istio-proxy")
        .unwrap()
        .clone();
    assert_eq!(proxy["resources"]["limits"]["memory"], "128Mi");
    // kube-system is excluded by the auto webhook
    let sys = sim.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p2", "namespace": "kube-system"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]}})).unwrap();
    assert_eq!(proxy_image(&sys), None);

    // recorded: arguments and the file
    let calls = testkit::read_istioctl_calls(&rec);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].args,
        [
            "install",
            "-f",
            f.as_str(),
            "-y",
            "--kubeconfig",
            kc.as_str()
        ]
    );
    assert_eq!(calls[0].files[&f], KYMA_IOP);
    assert_eq!(calls[0].exit_code, Some(0));

    // upgrade to another version moves istiod (and so new sidecars), not running pods
    let out = run(
        &sim,
        &["upgrade", "-f", &f, "-y"],
        &[("FAKE_ISTIOCTL_VERSION", "1.29.0")],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sim.istio_version().as_deref(), Some("1.29.0"));
    assert_eq!(
        proxy_image(&sim.get("pod", Some("default"), "p1").unwrap()).as_deref(),
        Some("docker.io/istio/proxyv2:1.28.0-distroless")
    );
    let pod = sim.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p3", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]}})).unwrap();
    assert_eq!(
        proxy_image(&pod).as_deref(),
        Some("docker.io/istio/proxyv2:1.29.0-distroless")
    );
    let istiod_pods = sim
        .list_selected("pods", Some("istio-system"), "app=istiod")
        .unwrap();
    assert_eq!(istiod_pods.len(), 1);
    assert_eq!(
        istiod_pods[0]["spec"]["containers"][0]["image"],
        "docker.io/istio/pilot:1.29.0-distroless"
    );

    // disabling the gateway prunes it
    let f2 = iop_file(
        dir.path(),
        &KYMA_IOP.replace("      enabled: true\n", "      enabled: false\n"),
    );
    let out = run(&sim, &["install", "-f", &f2, "-y"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        sim.get("deploy", Some("istio-system"), "istio-ingressgateway")
            .is_none()
    );
    assert!(
        sim.get("svc", Some("istio-system"), "istio-ingressgateway")
            .is_none()
    );

    // uninstall --purge: everything but the namespace
    let out = run(&sim, &["uninstall", "--purge", "-y"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(sim.get("deploy", Some("istio-system"), "istiod").is_none());
    assert!(
        sim.get(
            "mutatingwebhookconfigurations",
            None,
            "istio-sidecar-injector"
        )
        .is_none()
    );
    assert!(
        sim.get("crd", None, "destinationrules.networking.istio.io")
            .is_none()
    );
    assert!(sim.get("ns", None, "istio-system").is_some());
    let pod = sim.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p4", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]}})).unwrap();
    assert_eq!(proxy_image(&pod), None);
}

#[test]
fn without_y_it_asks_and_cancels() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = iop_file(dir.path(), KYMA_IOP);
    let out = run(&sim, &["install", "-f", &f], &[], Some("n\n"));
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Proceed? (y/N)"), "{stdout}");
    assert!(stdout.trim_end().ends_with("Cancelled."), "{stdout}");
    assert!(sim.writes().is_empty());
    // empty stdin cancels too
    assert_eq!(
        run(&sim, &["install", "-f", &f], &[], None).status.code(),
        Some(1)
    );
    // "y" proceeds
    let out = run(&sim, &["install", "-f", &f], &[], Some("y\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(sim.get("deploy", Some("istio-system"), "istiod").is_some());
    let out = run(&sim, &["uninstall", "--purge"], &[], Some("\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(sim.get("deploy", Some("istio-system"), "istiod").is_some());
    let out = run(&sim, &["uninstall", "-y"], &[], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("Error: "));
}

#[test]
fn failure_modes_and_validation() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = iop_file(dir.path(), KYMA_IOP);

    let out = run(
        &sim,
        &["install", "-f", &f, "-y"],
        &[("FAKE_ISTIOCTL_FAIL", "exit")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("Error: "),
        "{}",
        text(&out.stderr)
    );
    assert!(sim.writes().is_empty(), "exit fails before any change");

    let out = run(
        &sim,
        &["install", "-f", &f, "-y"],
        &[("FAKE_ISTIOCTL_FAIL", "partial")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).lines().any(|l| l.starts_with("Error: ")));
    assert!(text(&out.stderr).contains("✔ Istiod installed"));
    assert!(sim.get("deploy", Some("istio-system"), "istiod").is_some());
    assert!(
        sim.get("deploy", Some("istio-system"), "istio-ingressgateway")
            .is_none()
    );

    // hang: never exits on its own
    let mut child = Command::new(BIN)
        .args(["install", "-f", &f, "-y"])
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env("FAKE_ISTIOCTL_FAIL", "hang")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        assert!(child.try_wait().unwrap().is_none(), "hang mode exited");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    let _ = child.wait();

    let bad = iop_file(dir.path(), "apiVersion: v1\nkind: ConfigMap\n");
    let out = run(&sim, &["install", "-f", &bad, "-y"], &[], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("IstioOperator"),
        "{}",
        text(&out.stderr)
    );
    let bad = iop_file(
        dir.path(),
        "kind: IstioOperator\nspec:\n  components:\n    policy:\n      enabled: true\n",
    );
    let out = run(&sim, &["install", "-f", &bad, "-y"], &[], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("removed"),
        "{}",
        text(&out.stderr)
    );
    let bad = iop_file(dir.path(), "kind: IstioOperator\nspec: [unclosed\n");
    assert_eq!(
        run(&sim, &["install", "-f", &bad, "-y"], &[], None)
            .status
            .code(),
        Some(1)
    );
    let out = run(
        &sim,
        &["install", "-f", "/does/not/exist.yaml", "-y"],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn context_selection() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = iop_file(dir.path(), KYMA_IOP);
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc, "unreachable").unwrap();
    let kc = kc.to_str().unwrap();
    let out = run(
        &sim,
        &["install", "-f", &f, "-y", "--kubeconfig", kc],
        &[],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the current context is unreachable"
    );
    assert!(text(&out.stderr).starts_with("Error: "));
    let out = run(
        &sim,
        &[
            "install",
            "-f",
            &f,
            "-y",
            "--kubeconfig",
            kc,
            "--context",
            "kube-sim-alt",
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        sim.writes()
            .iter()
            .all(|w| w.user.as_deref() == Some("kube-sim-alt"))
    );
}

fn pod_ready(p: &Value) -> bool {
    p["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

#[test]
fn upgrade_rolls_istiod_and_waits_until_every_pod_runs_the_new_version() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = iop_file(dir.path(), KYMA_IOP);
    let out = run(
        &sim,
        &["install", "-f", &f, "-y"],
        &[("FAKE_ISTIOCTL_VERSION", "1.27.3")],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    sim.set_new_pods_ready(false);
    let mut child = Command::new(BIN)
        .args(["upgrade", "-f", &f, "-y", "--readiness-timeout", "60s"])
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env_remove("FAKE_ISTIOCTL_VERSION")
        .env_remove("FAKE_ISTIOCTL_FAIL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let image = |p: &Value| {
        p["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let istiod_pods = || {
        sim.list_selected("pods", Some("istio-system"), "app=istiod")
            .unwrap()
    };
    // the new istiod pod is there but not Ready: the old one keeps serving, istioctl waits
    let start = Instant::now();
    loop {
        let pods = istiod_pods();
        if pods.iter().any(|p| image(p).contains(":1.28.0")) {
            let old: Vec<&Value> = pods
                .iter()
                .filter(|p| image(p).contains(":1.27.3"))
                .collect();
            assert_eq!(
                old.len(),
                1,
                "the old istiod pod stays until the new one is Ready"
            );
            assert!(pod_ready(old[0]));
            assert!(
                pods.iter()
                    .filter(|p| image(p).contains(":1.28.0"))
                    .all(|p| !pod_ready(p))
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no new istiod pod"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "istioctl waits for istiod"
    );
    // kubelet probes pass: the rollout completes (gateways too), istioctl returns
    let status = loop {
        sim.make_pods_ready(None);
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "istioctl did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // istioctl's install progress is on stderr
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("✔ Istiod installed"), "{stderr}");
    let pods = istiod_pods();
    assert_eq!(pods.len(), 1);
    assert!(
        pods.iter()
            .all(|p| pod_ready(p) && image(p) == "docker.io/istio/pilot:1.28.0-distroless")
    );
    let gw = sim
        .list_selected("pods", Some("istio-system"), "app=istio-ingressgateway")
        .unwrap();
    assert!(!gw.is_empty());
    assert!(
        gw.iter()
            .all(|p| pod_ready(p) && image(p).ends_with(":1.28.0-distroless"))
    );
    assert_eq!(sim.istio_version().as_deref(), Some("1.28.0"));
}

#[test]
fn autoscaling_follows_the_istio_operator() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = iop_file(
        dir.path(),
        r#"
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  values:
    gateways:
      istio-egressgateway:
        autoscaleEnabled: false
  components:
    pilot:
      k8s:
        hpaSpec: {minReplicas: 2, maxReplicas: 7}
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
      k8s:
        hpaSpec: {minReplicas: 3, maxReplicas: 10}
    egressGateways:
    - name: istio-egressgateway
      enabled: true
"#,
    );
    let out = run(&sim, &["install", "-f", &f, "-y"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hpa = |name: &str| sim.get("hpa", Some("istio-system"), name);
    let minmax = |h: Value| {
        (
            h["spec"]["minReplicas"].clone(),
            h["spec"]["maxReplicas"].clone(),
        )
    };
    assert_eq!(minmax(hpa("istiod").unwrap()), (json!(2), json!(7)));
    assert_eq!(
        minmax(hpa("istio-ingressgateway").unwrap()),
        (json!(3), json!(10))
    );
    assert!(
        hpa("istio-egressgateway").is_none(),
        "autoscaleEnabled: false"
    );
    assert_eq!(
        sim.get("deploy", Some("istio-system"), "istio-ingressgateway")
            .unwrap()["spec"]["replicas"],
        3
    );
    assert_eq!(
        sim.get("deploy", Some("istio-system"), "istiod").unwrap()["spec"]["replicas"],
        2
    );
    assert_eq!(
        sim.list_selected("pods", Some("istio-system"), "app=istio-ingressgateway")
            .unwrap()
            .len(),
        3
    );
    // without hpaSpec: Istio's defaults (1..5)
    let f = iop_file(dir.path(), KYMA_IOP);
    let out = run(&sim, &["install", "-f", &f, "-y"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        minmax(hpa("istio-ingressgateway").unwrap()),
        (json!(1), json!(5))
    );
    assert!(
        sim.get("deploy", Some("istio-system"), "istio-egressgateway")
            .is_none()
    );
}

#[test]
fn more_failure_modes_garbage_signal_per_command() {
    use std::os::unix::process::ExitStatusExt;
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = iop_file(dir.path(), KYMA_IOP);
    let rec = dir.path().join("rec");
    let version = ["version", "--remote=false", "-o", "json"];

    // garbage: exit 0, but not JSON
    let out = run(&sim, &version, &[("FAKE_ISTIOCTL_FAIL", "garbage")], None);
    assert!(out.status.success());
    assert!(
        serde_json::from_slice::<Value>(&out.stdout).is_err(),
        "{}",
        text(&out.stdout)
    );
    assert!(!out.stdout.is_empty());
    // install is not affected by garbage
    let out = run(
        &sim,
        &["install", "-f", &f, "-y"],
        &[("FAKE_ISTIOCTL_FAIL", "garbage")],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // exit only for the named command
    let out = run(
        &sim,
        &version,
        &[("FAKE_ISTIOCTL_FAIL", "exit:version")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("Error: "));
    let out = run(&sim, &version, &[("FAKE_ISTIOCTL_FAIL", "exit")], None);
    assert!(out.status.success(), "plain exit leaves version alone");
    let out = run(
        &sim,
        &["upgrade", "-f", &f, "-y"],
        &[("FAKE_ISTIOCTL_FAIL", "exit:install")],
        None,
    );
    assert!(
        out.status.success(),
        "exit:install leaves upgrade alone: {}",
        text(&out.stderr)
    );
    sim.clear_writes();
    let out = run(
        &sim,
        &["upgrade", "-f", &f, "-y"],
        &[("FAKE_ISTIOCTL_FAIL", "exit:install,upgrade")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(sim.writes().is_empty());

    // signal: killed by SIGKILL after "Istio core", no exit code recorded
    let out = run(&sim, &["uninstall", "--purge", "-y"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        &sim,
        &["install", "-f", &f, "-y"],
        &[
            ("FAKE_ISTIOCTL_FAIL", "signal"),
            ("FAKE_ISTIOCTL_RECORD", rec.to_str().unwrap()),
        ],
        None,
    );
    assert_eq!(out.status.code(), None);
    assert_eq!(out.status.signal(), Some(9));
    assert!(text(&out.stderr).contains("✔ Istio core installed"));
    assert!(
        sim.get("crd", None, "destinationrules.networking.istio.io")
            .is_some()
    );
    assert!(sim.get("deploy", Some("istio-system"), "istiod").is_none());
    let calls = testkit::read_istioctl_calls(&rec);
    assert_eq!(calls.last().unwrap().exit_code, None);
    let out = run(
        &sim,
        &version,
        &[("FAKE_ISTIOCTL_FAIL", "signal:version")],
        None,
    );
    assert_eq!(out.status.signal(), Some(9));
    assert!(out.stdout.is_empty());

    // hang:version never answers
    let mut child = Command::new(BIN)
        .args(version)
        .env("FAKE_ISTIOCTL_FAIL", "hang:version")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(child.try_wait().unwrap().is_none(), "hang:version exited");
    child.kill().unwrap();
    let _ = child.wait();

    // a typo is loud, not ignored
    let out = run(&sim, &version, &[("FAKE_ISTIOCTL_FAIL", "hnag")], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("unknown mode"),
        "{}",
        text(&out.stderr)
    );
}
