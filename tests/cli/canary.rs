//! Canary upgrades end to end: 1.27 and 1.28 side by side, the data plane moved (in waves),
//! `--rollback` returning every pod, `--finish` refused while a pod is left, then removing
//! the old revision.

use serde_json::{Value, json};

use crate::util::{Cluster, Run};

fn with_istioctl(c: &Cluster, version: &str, args: &[&str]) -> Run {
    let mut cmd = c.kyma_mesh();
    cmd.env("FAKE_ISTIOCTL_VERSION", version).args(args);
    c.run_cmd(&mut cmd, args)
}

/// (pod, proxy image tag, injecting revision) of every meshed pod in a namespace.
fn sidecars(c: &Cluster, ns: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = c
        .sim
        .list("pods", Some(ns))
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .filter_map(|p| {
            let image = p["spec"]["containers"]
                .as_array()?
                .iter()
                .find(|c| c["name"] == "istio-proxy")?["image"]
                .as_str()?;
            let tag = image.rsplit(':').next()?.trim_end_matches("-distroless");
            Some((
                p["metadata"]["name"].as_str()?.to_string(),
                tag.to_string(),
                p["metadata"]["annotations"]["istio.io/rev"]
                    .as_str()?
                    .to_string(),
            ))
        })
        .collect();
    out.sort();
    out
}

fn versions(c: &Cluster, ns: &str) -> Vec<String> {
    let mut v: Vec<String> = sidecars(c, ns).into_iter().map(|(_, v, _)| v).collect();
    v.dedup();
    v
}

fn app(c: &Cluster, ns: &str, name: &str, replicas: u32) {
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
        .unwrap();
    c.sim
        .put(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": name, "image": "nginx:1.27"}]}}}}))
        .unwrap();
}

fn gateway_image(c: &Cluster) -> String {
    c.get("deployments", Some("istio-system"), "istio-ingressgateway")["spec"]["template"]["spec"]
        ["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The object does not exist (any more).
fn gone(c: &Cluster, resource: &str, ns: &str, name: &str) -> bool {
    c.sim.get(resource, Some(ns), name).is_none()
}

fn webhook(c: &Cluster, name: &str) -> Option<Value> {
    c.sim.get("mutatingwebhookconfigurations", None, name)
}

fn tuned(c: &Cluster, name: &str) {
    let w = webhook(c, name).unwrap_or_else(|| panic!("{name} exists"));
    for h in w["webhooks"].as_array().unwrap() {
        assert_eq!(h["timeoutSeconds"], 10, "{name}: {h}");
        let exprs = h["namespaceSelector"]["matchExpressions"]
            .as_array()
            .unwrap();
        assert!(
            exprs.iter().any(|e| e["key"] == "gardener.cloud/purpose"),
            "{name}: {h}"
        );
    }
}

/// 1.27.3 installed; kyma-system, shop and web with workloads on it.
fn cluster_on_127() -> Cluster {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install"]).expect_success();
    app(&c, "kyma-system", "eventing", 1);
    app(&c, "shop", "cart", 2);
    app(&c, "web", "front", 1);
    for ns in ["kyma-system", "shop", "web"] {
        assert_eq!(versions(&c, ns), ["1.27.3"], "{ns}");
    }
    c
}

#[test]
fn canary_then_finish_takes_the_cluster_from_127_to_128() {
    let c = cluster_on_127();
    // a pod without a controller cannot be restarted: it keeps the old sidecar
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "loner", "namespace": "web"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}))
        .unwrap();
    let run = with_istioctl(&c, "1.28.0", &["upgrade", "--canary"]);
    run.expect_success()
        .expect_stderr("upgrading Istio 1.27.3 -> 1.28.0")
        .expect_stderr("istioctl install --revision 1-28-0")
        .expect_stderr("istioctl tag set default --revision 1-28-0")
        .expect_stderr("runs beside Istio 1.27.3 (revision default)")
        .expect_stderr("kyma-mesh upgrade --finish");
    // two control planes side by side
    let old = c.get("deployments", Some("istio-system"), "istiod");
    assert!(
        old["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .contains("1.27.3")
    );
    let new = c.get("deployments", Some("istio-system"), "istiod-1-28-0");
    assert_eq!(new["status"]["availableReplicas"], 1);
    // Kyma's patches on the new revision's webhooks and on the tag
    tuned(&c, "istio-sidecar-injector-1-28-0");
    tuned(&c, "istio-revision-tag-default");
    assert_eq!(
        webhook(&c, "istio-revision-tag-default").unwrap()["metadata"]["labels"]["istio.io/rev"],
        "1-28-0"
    );
    // the data plane moved, kyma-system included; the gateway with the control plane
    for ns in ["kyma-system", "shop"] {
        assert_eq!(versions(&c, ns), ["1.28.0"], "{ns}");
        assert!(sidecars(&c, ns).iter().all(|(_, _, r)| r == "1-28-0"));
    }
    assert_eq!(
        sidecars(&c, "web")
            .iter()
            .map(|(p, v, r)| (p.starts_with("front-"), v.as_str(), r.as_str()))
            .collect::<Vec<_>>(),
        [(true, "1.28.0", "1-28-0"), (false, "1.27.3", "default")]
    );
    run.expect_stdout("bare pods in web (1 pod)")
        .expect_stdout("kubectl delete pod -n web loner,");
    assert!(gateway_image(&c).contains("1.28.0"));
    // both revisions and the state are recorded
    let state = c.get("configmaps", Some("istio-system"), "kyma-mesh-canary");
    let state: Value = serde_json::from_str(state["data"]["state.json"].as_str().unwrap()).unwrap();
    assert_eq!(state["fromRevision"], "default");
    assert_eq!(state["fromVersion"], "1.27.3");
    assert_eq!(state["toRevision"], "1-28-0");
    assert_eq!(state["phase"], "moved");
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert_eq!(rec["data"]["istio-version"], "1.28.0");
    assert!(
        rec["data"]["istio-operator.yaml"]
            .as_str()
            .unwrap()
            .contains("revision: 1-28-0")
    );
    // a new pod in a namespace without a label still gets the new sidecar (auto-inject)
    app(&c, "late", "newcomer", 1);
    assert_eq!(versions(&c, "late"), ["1.28.0"]);

    // version names both revisions
    let version = c.run(&["version"]);
    version.expect_success().expect_stdout(
        "revisions: revision 1-28-0 (Istio 1.28.0, default tag), revision default (Istio 1.27.3)",
    );
    // check shows the unfinished canary, with the command that finishes it, and who uses what
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "pinned", "labels": {"istio.io/rev": "1-28-0"}}}))
        .unwrap();
    let check = c.run(&["check", "--output", "json"]);
    let report: Value = serde_json::from_str(&check.stdout).unwrap();
    let rev = report["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["checks"].as_array().unwrap())
        .find(|c| c["id"] == "revisions")
        .unwrap_or_else(|| panic!("a revisions check: {}", check.stdout))
        .clone();
    assert_eq!(rev["result"], "warning", "{rev}");
    assert!(
        rev["hint"]
            .as_str()
            .unwrap()
            .contains("kyma-mesh upgrade --finish"),
        "{rev}"
    );

    assert!(
        rev["hint"]
            .as_str()
            .unwrap()
            .contains("kyma-mesh proxy-reset --wait"),
        "{rev}"
    );
    assert!(
        rev["message"]
            .as_str()
            .unwrap()
            .contains("default (Istio 1.27.3): 1 pod"),
        "{rev}"
    );

    // the pod left on the old revision: --finish refuses and names it
    let refused = with_istioctl(&c, "1.28.0", &["upgrade", "--finish"]);
    refused
        .expect_code(1)
        .expect_stderr("1 pod still use revision default (Istio 1.27.3)")
        .expect_stderr("web/loner (no controller)")
        .expect_stderr("kyma-mesh proxy-reset --wait");
    assert!(
        c.sim
            .get("deployments", Some("istio-system"), "istiod")
            .is_some()
    );

    c.sim.delete("pods", Some("web"), "loner").unwrap();
    let finished = with_istioctl(&c, "1.28.0", &["upgrade", "--finish"]);
    finished
        .expect_success()
        .expect_stderr("istioctl uninstall --revision default")
        .expect_stderr("Istio 1.27.3 (revision default) removed");
    assert!(gone(&c, "deployments", "istio-system", "istiod"));
    assert!(webhook(&c, "istio-sidecar-injector").is_none());
    assert!(gone(&c, "configmaps", "istio-system", "kyma-mesh-canary"));
    assert!(
        c.sim
            .get("deployments", Some("istio-system"), "istio-ingressgateway")
            .is_some()
    );
    // one control plane again: check is clean on revisions, version names 1.28.0
    let version = c.run(&["version", "--output", "json"]);
    version.expect_success();
    let v: Value = serde_json::from_str(&version.stdout).unwrap();
    assert_eq!(v["cluster"]["controlPlane"], "1.28.0", "{v}");
    // a re-run of install reconciles revision 1-28-0 in place, nothing beside it
    with_istioctl(&c, "1.28.0", &["install"])
        .expect_success()
        .expect_stderr("istioctl install --revision 1-28-0");
    assert!(gone(&c, "deployments", "istio-system", "istiod"));
    // and an in-place upgrade of a revisioned control plane is refused with the way to go
    with_istioctl(&c, "1.28.1", &["upgrade"])
        .expect_code(1)
        .expect_stderr("the control plane is revision 1-28-0")
        .expect_stderr("kyma-mesh upgrade --canary")
        .expect_no_writes();
}

#[test]
fn rollback_returns_every_pod_and_the_gateway_to_the_old_revision() {
    let c = cluster_on_127();
    let gateway_before = gateway_image(&c);
    with_istioctl(&c, "1.28.0", &["upgrade", "--canary"]).expect_success();
    assert!(gateway_image(&c).contains("1.28.0"));
    // a second canary or an in-place upgrade is refused while this one is unfinished
    with_istioctl(&c, "1.28.0", &["install"])
        .expect_code(1)
        .expect_stderr("A canary upgrade is unfinished")
        .expect_stderr("kyma-mesh upgrade --rollback");

    let run = with_istioctl(&c, "1.28.0", &["upgrade", "--rollback"]);
    run.expect_success()
        .expect_stderr("istioctl tag set default --revision default")
        .expect_stderr("istioctl uninstall --revision 1-28-0")
        .expect_stderr("rolled back");
    for ns in ["kyma-system", "shop", "web"] {
        assert_eq!(versions(&c, ns), ["1.27.3"], "{ns}");
        assert!(
            sidecars(&c, ns).iter().all(|(_, _, r)| r == "default"),
            "{ns}"
        );
    }
    assert_eq!(gateway_image(&c), gateway_before);
    assert_eq!(
        c.get("services", Some("istio-system"), "istio-ingressgateway")["metadata"]["labels"]["istio.io/rev"],
        "default",
        "the gateway Service survived the removal of 1-28-0"
    );
    assert!(gone(&c, "deployments", "istio-system", "istiod-1-28-0"));
    assert!(webhook(&c, "istio-sidecar-injector-1-28-0").is_none());
    assert!(gone(&c, "configmaps", "istio-system", "kyma-mesh-canary"));
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert_eq!(rec["data"]["istio-version"], "1.27.3");
    // new pods go to the old revision again
    app(&c, "late", "newcomer", 1);
    assert_eq!(versions(&c, "late"), ["1.27.3"]);
    // and nothing is left to roll back or finish
    with_istioctl(&c, "1.28.0", &["upgrade", "--rollback"])
        .expect_code(1)
        .expect_stderr("no canary upgrade is in progress");
    with_istioctl(&c, "1.28.0", &["upgrade", "--finish"])
        .expect_code(1)
        .expect_stderr("no canary upgrade is in progress");
    // the way forward is open again
    with_istioctl(&c, "1.28.0", &["upgrade", "--canary"]).expect_success();
}

#[test]
fn a_canary_that_failed_half_way_rolls_back_cleanly() {
    let c = cluster_on_127();
    let mut cmd = c.kyma_mesh();
    let args = ["upgrade", "--canary"];
    cmd.env("FAKE_ISTIOCTL_VERSION", "1.28.0")
        .env("FAKE_ISTIOCTL_FAIL", "partial:install")
        .args(args);
    c.run_cmd(&mut cmd, &args)
        .expect_code(1)
        .expect_stderr("Ingress gateways encountered an error");
    // istioctl got as far as the new istiod; the tag and the workloads did not move
    assert!(
        c.sim
            .get("deployments", Some("istio-system"), "istiod-1-28-0")
            .is_some()
    );
    assert!(webhook(&c, "istio-revision-tag-default").is_none());
    assert_eq!(versions(&c, "shop"), ["1.27.3"]);
    let state = c.get("configmaps", Some("istio-system"), "kyma-mesh-canary");
    assert!(
        state["data"]["state.json"]
            .as_str()
            .unwrap()
            .contains("\"phase\": \"installing\"")
    );
    // --finish refuses: nothing has moved yet
    with_istioctl(&c, "1.28.0", &["upgrade", "--finish"])
        .expect_code(1)
        .expect_stderr("the default tag does not name revision 1-28-0 yet");

    with_istioctl(&c, "1.28.0", &["upgrade", "--rollback"]).expect_success();
    assert!(gone(&c, "deployments", "istio-system", "istiod-1-28-0"));
    assert!(webhook(&c, "istio-sidecar-injector-1-28-0").is_none());
    assert!(
        webhook(&c, "istio-revision-tag-default").is_none(),
        "no tag was set, none is left"
    );
    assert!(gone(&c, "configmaps", "istio-system", "kyma-mesh-canary"));
    assert_eq!(versions(&c, "shop"), ["1.27.3"]);
    // a plain install works again: one control plane
    with_istioctl(&c, "1.27.3", &["install"]).expect_success();
}

#[test]
fn waves_move_kyma_system_first_and_survive_injected_faults() {
    let c = cluster_on_127();
    c.sim.set_faults(crate::reliability::ten_percent(7));
    let run = with_istioctl(&c, "1.28.0", &["upgrade", "--canary", "--wave-size", "1"]);
    run.expect_success()
        .expect_stderr("wave 1 of 3: kyma-system")
        .expect_stderr("wave 2 of 3: shop")
        .expect_stderr("wave 3 of 3: web")
        .expect_stderr("in 3 waves");
    for ns in ["kyma-system", "shop", "web"] {
        assert_eq!(versions(&c, ns), ["1.28.0"], "{ns}");
    }
}

#[test]
fn canary_dry_run_shows_the_revisioned_install_and_changes_nothing() {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install"]).expect_success();
    let run = with_istioctl(&c, "1.28.0", &["upgrade", "--canary", "--dry-run"]);
    run.expect_success()
        .expect_stdout("--revision 1-28-0 -y")
        .expect_stdout("revision: 1-28-0")
        .expect_stdout("MutatingWebhookConfiguration istio-sidecar-injector-1-28-0")
        .expect_no_writes();
    assert!(gone(&c, "configmaps", "istio-system", "kyma-mesh-canary"));
}

#[test]
fn canary_flags_are_checked_before_anything_runs() {
    let c = Cluster::new();
    for (args, needle) in [
        (&["upgrade", "--wave-size", "2"][..], "--canary"),
        (
            &["upgrade", "--canary", "--finish"][..],
            "cannot be used with",
        ),
        (
            &["upgrade", "--finish", "--rollback"][..],
            "cannot be used with",
        ),
        (
            &["upgrade", "--canary", "--wave-size", "0"][..],
            "--wave-size",
        ),
    ] {
        c.run(args)
            .expect_code(2)
            .expect_stderr(needle)
            .expect_no_writes();
    }
}

/// SIGTERM while a wave moves: exit 143 naming the wave and both ways on; the old control
/// plane still runs, and `--canary` again moves what is left.
#[test]
fn sigterm_during_a_wave_exits_143_and_a_rerun_goes_on() {
    use std::io::{BufRead, BufReader};
    use std::time::Duration;
    let c = cluster_on_127();
    let mut cmd = c.kyma_mesh_process();
    let mut child = cmd
        .env("FAKE_ISTIOCTL_VERSION", "1.28.0")
        .args(["upgrade", "--canary", "--wave-size", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("istioctl tag set default") {
            // from here on every pod scan of kyma-mesh's is slow: the wave is still under way
            // when the signal comes
            c.sim.set_faults(
                testkit::Faults::none().with_rule(
                    testkit::FaultRule::new(
                        Some("list"),
                        Some("pods"),
                        1.0,
                        testkit::Fault::Delay(Duration::from_secs(2)),
                    )
                    .agent("kyma-mesh/"),
                ),
            );
        }
        if line.contains("wave 1 of 3") {
            break;
        }
    }
    assert!(seen.contains("wave 1 of 3"), "{seen}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for line in lines {
        seen.push_str(&line.unwrap());
        seen.push('\n');
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{seen}");
    assert!(
        seen.contains("interrupted by SIGTERM while moving wave 1 of 3"),
        "{seen}"
    );
    assert!(seen.contains("kyma-mesh upgrade --rollback"), "{seen}");
    c.sim.clear_faults();
    assert!(
        c.sim
            .get("deployments", Some("istio-system"), "istiod")
            .is_some()
    );
    with_istioctl(&c, "1.28.0", &["upgrade", "--canary"])
        .expect_success()
        .expect_stderr("continuing the canary upgrade 1.27.3 -> 1.28.0");
    for ns in ["kyma-system", "shop", "web"] {
        assert_eq!(versions(&c, ns), ["1.28.0"], "{ns}");
    }
}
