//! `kyma-mesh upgrade` end to end: the control plane moves one minor, every sidecar follows,
//! the recorded configuration is reused, and the version rules refuse what they must.

use serde_json::json;

use crate::util::{Cluster, Files};

fn with_istioctl(c: &Cluster, version: &str, args: &[&str]) -> crate::util::Run {
    let mut cmd = c.kyma_mesh();
    cmd.env("FAKE_ISTIOCTL_VERSION", version).args(args);
    c.run_cmd(&mut cmd, args)
}

fn proxy_images(c: &Cluster, ns: &str) -> Vec<String> {
    c.sim
        .list("pods", Some(ns))
        .iter()
        .filter_map(|p| {
            p["spec"]["containers"]
                .as_array()?
                .iter()
                .find(|c| c["name"] == "istio-proxy")?["image"]
                .as_str()
                .map(String::from)
        })
        .collect()
}

fn shop(c: &Cluster) {
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}}))
        .unwrap();
    c.sim
        .put(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}))
        .unwrap();
}

#[test]
fn upgrade_moves_the_control_plane_and_every_sidecar_with_the_recorded_configuration() {
    let c = Cluster::new();
    let o = Files::new(&[(
        "o.yaml",
        "kind: IstioOperator\nspec:\n  components:\n    pilot:\n      k8s:\n        hpaSpec:\n          maxReplicas: 4\n",
    )]);
    let file = o.path("o.yaml").display().to_string();
    with_istioctl(
        &c,
        "1.27.3",
        &["install", "--profile", "local", "-o", &file],
    )
    .expect_success();
    shop(&c);
    assert!(
        proxy_images(&c, "shop")
            .iter()
            .all(|i| i.contains(":1.27.3"))
    );

    let run = with_istioctl(&c, "1.28.0", &["upgrade"]);
    run.expect_success()
        .expect_stderr("upgrading Istio 1.27.3 -> 1.28.0")
        .expect_stderr("keeping the recorded profile local")
        .expect_stderr("reusing the recorded overrides")
        .expect_stderr("istiod pods on 1.28.0")
        .expect_stderr("control plane: Istio 1.27.3 -> 1.28.0 (profile local)");
    let images = proxy_images(&c, "shop");
    assert_eq!(images.len(), 2, "{images:?}");
    assert!(images.iter().all(|i| i.contains(":1.28.0")), "{images:?}");
    // The reused override is in the new control plane and the record.
    let hpa = c.get("horizontalpodautoscalers", Some("istio-system"), "istiod");
    assert_eq!(hpa["spec"]["maxReplicas"], 4);
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert_eq!(rec["data"]["istio-version"], "1.28.0");
    assert_eq!(rec["data"]["profile"], "local");
    assert!(
        rec["data"]["overrides.yaml"]
            .as_str()
            .unwrap()
            .contains("maxReplicas: 4")
    );
    // The local-only rule stays: the profile did not change.
    assert!(
        c.sim
            .get(
                "destinationrules.networking.istio.io",
                Some("istio-system"),
                "istio-ingressgateway"
            )
            .is_some()
    );
}

#[test]
fn upgrade_with_a_new_override_shows_the_changes_first() {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install"]).expect_success();
    let run = with_istioctl(
        &c,
        "1.28.0",
        &[
            "upgrade",
            "--skip-proxy-reset",
            "--set",
            "components.pilot.k8s.hpaSpec.maxReplicas=3",
        ],
    );
    run.expect_success()
        .expect_stderr("configuration changes against the install recorded at")
        .expect_stderr("~ spec.components.pilot.k8s.hpaSpec.maxReplicas: 5 -> 3")
        .expect_stderr("kyma-mesh proxy-reset --wait");
}

#[test]
fn upgrade_refuses_what_the_version_rules_refuse() {
    let c = Cluster::new();
    with_istioctl(&c, "1.28.0", &["upgrade"])
        .expect_code(1)
        .expect_stderr("nothing to upgrade")
        .expect_stderr("kyma-mesh install")
        .expect_no_writes();
    with_istioctl(&c, "1.26.4", &["install"]).expect_success();
    with_istioctl(&c, "1.28.0", &["upgrade"])
        .expect_code(1)
        .expect_stderr("Upgrade to 1.27 first")
        .expect_no_writes();
    with_istioctl(&c, "1.25.5", &["upgrade"])
        .expect_code(1)
        .expect_stderr("kyma-mesh does not downgrade")
        .expect_no_writes();
}

#[test]
fn install_with_another_profile_removes_what_the_old_one_created() {
    let c = Cluster::new();
    with_istioctl(&c, "1.28.0", &["install", "--profile", "local"]).expect_success();
    let rule = |c: &Cluster| {
        c.sim.get(
            "destinationrules.networking.istio.io",
            Some("istio-system"),
            "istio-ingressgateway",
        )
    };
    assert!(rule(&c).is_some());
    with_istioctl(&c, "1.28.0", &["install"])
        .expect_success()
        .expect_stderr("keeping the recorded profile local");
    assert!(rule(&c).is_some(), "no --profile keeps local");
    with_istioctl(&c, "1.28.0", &["install", "--profile", "cluster"])
        .expect_success()
        .expect_stderr("changing profile local -> cluster")
        .expect_stderr("removed");
    assert!(rule(&c).is_none(), "the local-only rule is gone");
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert_eq!(rec["data"]["profile"], "cluster");
}

/// `version` with a reachable cluster: the control plane, the recorded profile and the data
/// plane per sidecar version, before and after an upgrade; without one, it says so.
#[test]
fn version_reports_control_and_data_plane() {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install", "--profile", "local"]).expect_success();
    shop(&c);
    let run = with_istioctl(&c, "1.27.3", &["version"]);
    run.expect_success()
        .expect_stdout("control plane: Istio 1.27.3 at http://127.0.0.1:")
        .expect_stdout("recorded: profile local, default injection")
        // The two workload pods and the ingress gateway (a proxy too, as istioctl counts it).
        .expect_stdout("data plane: 3 pods with a sidecar: 1.27.3 (3)");
    with_istioctl(&c, "1.28.0", &["upgrade", "--skip-proxy-reset"]).expect_success();
    let run = with_istioctl(&c, "1.28.0", &["version", "--output", "json"]);
    run.expect_success();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["cluster"]["controlPlane"], "1.28.0");
    assert_eq!(v["cluster"]["profile"], "local");
    assert_eq!(
        v["cluster"]["dataPlane"]["1.27.3"], 2,
        "not restarted yet: {v}"
    );
    assert_eq!(
        v["cluster"]["dataPlane"]["1.28.0"], 1,
        "the gateway moved with istioctl: {v}"
    );
    let away = crate::util::success(crate::util::kyma_mesh().arg("version"));
    assert!(away.contains("cluster: not reached ("), "{away}");
}

/// An upgrade to a minor whose behaviour changes names them and the flag that keeps the old
/// behaviour; with --compatibility-version the old minor's behaviour is installed and recorded,
/// and the next upgrade carries it.
#[test]
fn upgrade_says_the_behaviour_changes_and_carries_a_compatibility_version() {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install", "--profile", "local"]).expect_success();
    let run = with_istioctl(&c, "1.28.0", &["upgrade", "--dry-run"]);
    run.expect_success()
        .expect_stderr("Istio 1.28 changes behaviour that 1.27 had (2 settings):")
        .expect_stderr("  pilot.env.DISABLE_SHADOW_HOST_SUFFIX (1.27: false)")
        .expect_stderr("  pilot.env.PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY (1.27: false)")
        .expect_stderr("run again with --compatibility-version 1.27");
    let run = with_istioctl(
        &c,
        "1.28.0",
        &["upgrade", "--compatibility-version", "1.27"],
    );
    run.expect_success();
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert_eq!(rec["data"]["compatibility-version"], "1.27");
    // The next run keeps it without being told, and says so.
    with_istioctl(&c, "1.28.0", &["upgrade", "--dry-run"])
        .expect_success()
        .expect_stderr("keeping the recorded compatibility version 1.27");
}

/// The restart phase's permissions are asked before anything changes: an upgrade that could
/// move the control plane but not restart the workloads (here: no deleting pods, which an
/// OnDelete StatefulSet needs) stops in its preflight, Istio untouched; `--skip-proxy-reset`
/// needs none of them. istioctl's own list of PodDisruptionBudgets (it prunes them) is asked
/// by every install.
#[test]
fn upgrade_asks_for_the_restart_permissions_before_it_changes_anything() {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install", "--profile", "local"]).expect_success();
    shop(&c);
    c.sim.deny("delete", "", "pods");
    let run = with_istioctl(&c, "1.28.0", &["upgrade"]);
    run.expect_code(1)
        .expect_stderr("missing: delete pods")
        .expect_stderr("nothing was changed");
    assert!(
        proxy_images(&c, "shop")
            .iter()
            .all(|i| i.contains(":1.27.3")),
        "no workload restarted"
    );
    let istiod = c
        .sim
        .get("deployments", Some("istio-system"), "istiod")
        .unwrap();
    assert!(
        istiod.to_string().contains(":1.27.3"),
        "istiod still on 1.27.3"
    );
    with_istioctl(&c, "1.28.0", &["upgrade", "--skip-proxy-reset"]).expect_success();

    let c = Cluster::new();
    c.sim.deny("list", "policy", "poddisruptionbudgets");
    with_istioctl(&c, "1.27.3", &["install", "--profile", "local"])
        .expect_code(1)
        .expect_stderr("missing: list poddisruptionbudgets.policy")
        .expect_stderr("nothing was changed");
}
