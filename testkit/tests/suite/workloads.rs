//! Workload behaviour proxy reset depends on, seen through the API: restarts, the reverting
//! and pinned-image fixtures, `sidecar.istio.io/proxyImage`.

use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};
use testkit::KubeSim;

use crate::common::{istio_sim, proxy_image};

const OLD: &str = "docker.io/istio/proxyv2:1.27.3";
const NEW: &str = "docker.io/istio/proxyv2:1.28.0";

fn deployment(name: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": {"team": "shop"}},
                              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
}

fn pods_of(sim: &KubeSim, app: &str) -> Vec<Value> {
    sim.list_selected("pods", Some("default"), &format!("app={app}"))
        .unwrap()
}

fn uids(pods: &[Value]) -> Vec<String> {
    pods.iter()
        .map(|p| p["metadata"]["uid"].as_str().unwrap().to_string())
        .collect()
}

/// What `kubectl rollout restart` sends.
async fn rollout_restart(sim: &KubeSim, name: &str, at: &str) -> Value {
    rollout_restart_in(sim, "default", name, at).await
}

async fn rollout_restart_in(sim: &KubeSim, ns: &str, name: &str, at: &str) -> Value {
    let c = Client::try_from(sim.kube_config()).unwrap();
    let ar = ApiResource {
        group: "apps".into(),
        version: "v1".into(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        plural: "deployments".into(),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(c, ns, &ar);
    let body = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": at}}}}});
    let o = api
        .patch(name, &PatchParams::default(), &Patch::Strategic(body))
        .await
        .unwrap();
    serde_json::to_value(o).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reverting_controller_undoes_restarts() {
    let sim = istio_sim("1.27.3");
    sim.put(deployment("web", 2)).unwrap();
    sim.put(deployment("shop", 2)).unwrap();
    sim.revert_template_annotations("deploy", "default", "web")
        .unwrap();
    assert!(
        sim.revert_template_annotations("deploy", "default", "nope")
            .is_err()
    );
    let before = uids(&pods_of(&sim, "web"));
    assert!(
        pods_of(&sim, "web")
            .iter()
            .all(|p| proxy_image(p).as_deref() == Some(OLD))
    );
    sim.set_istio_version("1.28.0");

    // the write succeeds and its answer carries the annotation ...
    let answer = rollout_restart(&sim, "web", "2025-03-01T10:00:00Z").await;
    assert_eq!(
        answer["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        "2025-03-01T10:00:00Z"
    );
    // ... then the controller strips it again and no pod is replaced
    let web = sim.get("deploy", Some("default"), "web").unwrap();
    assert_eq!(
        web["spec"]["template"]["metadata"]["annotations"],
        json!({"team": "shop"})
    );
    assert_eq!(web["metadata"]["generation"], 3, "the write and the revert");
    assert_eq!(web["status"]["observedGeneration"], 3);
    assert_eq!(uids(&pods_of(&sim, "web")), before);
    assert!(
        pods_of(&sim, "web")
            .iter()
            .all(|p| proxy_image(p).as_deref() == Some(OLD))
    );
    assert_eq!(
        sim.list_selected("rs", Some("default"), "app=web")
            .unwrap()
            .len(),
        1
    );

    // an unmarked Deployment restarts normally
    let shop_before = uids(&pods_of(&sim, "shop"));
    rollout_restart(&sim, "shop", "2025-03-01T10:00:00Z").await;
    let shop = pods_of(&sim, "shop");
    assert_eq!(shop.len(), 2);
    assert!(uids(&shop).iter().all(|u| !shop_before.contains(u)));
    assert!(shop.iter().all(|p| proxy_image(p).as_deref() == Some(NEW)));

    // after clear_fixtures the restart goes through
    sim.clear_fixtures();
    rollout_restart(&sim, "web", "2025-03-01T11:00:00Z").await;
    assert!(
        pods_of(&sim, "web")
            .iter()
            .all(|p| proxy_image(p).as_deref() == Some(NEW))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pinned_workloads_and_annotated_pods_keep_their_proxy_image() {
    let sim = istio_sim("1.27.3");
    sim.put(deployment("legacy", 2)).unwrap();
    let mut custom = deployment("custom", 1);
    custom["spec"]["template"]["metadata"]["annotations"]["sidecar.istio.io/proxyImage"] =
        json!("registry.example.com/istio/proxyv2:1.26.0-patched");
    sim.put(custom).unwrap();
    assert!(
        pods_of(&sim, "custom")
            .iter()
            .all(|p| proxy_image(p).as_deref()
                == Some("registry.example.com/istio/proxyv2:1.26.0-patched"))
    );
    sim.pin_proxy_image("deployment", "default", "legacy", OLD)
        .unwrap();
    assert!(
        sim.pin_proxy_image("deployment", "default", "nope", OLD)
            .is_err()
    );
    sim.set_istio_version("1.28.0");
    let before = uids(&pods_of(&sim, "legacy"));
    rollout_restart(&sim, "legacy", "2025-03-01T10:00:00Z").await;
    rollout_restart(&sim, "custom", "2025-03-01T10:00:00Z").await;
    let legacy = pods_of(&sim, "legacy");
    assert_eq!(legacy.len(), 2);
    assert!(
        uids(&legacy).iter().all(|u| !before.contains(u)),
        "replaced"
    );
    assert!(
        legacy
            .iter()
            .all(|p| proxy_image(p).as_deref() == Some(OLD)),
        "but still old"
    );
    let custom = pods_of(&sim, "custom");
    assert_eq!(
        proxy_image(&custom[0]).as_deref(),
        Some("registry.example.com/istio/proxyv2:1.26.0-patched")
    );
    // a bare pod gets the injector's version; with the annotation, the annotated image
    let p = sim.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]}})).unwrap();
    assert_eq!(proxy_image(&p).as_deref(), Some(NEW));
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_fixtures_keep_their_deployments_outdated_after_a_restart() {
    let sim = KubeSim::builder()
        .generate(testkit::GenOptions {
            pods: 600,
            seed: 21,
            outdated_fraction: 0.4,
            reverting_workloads: 2,
            pinned_workloads: 2,
            ..Default::default()
        })
        .start()
        .unwrap();
    let g = sim.generated().unwrap();
    let current = g.current_proxy_image.clone();
    let deployment_of = |fx: Option<testkit::GenFixture>| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = g
            .inventory
            .iter()
            .filter(|p| {
                p.fixture == fx
                    && p.outdated
                    && p.owner == testkit::OwnerKind::Deployment
                    && p.opt_out.is_none()
            })
            .map(|p| (p.namespace.clone(), p.owners[1].1.clone()))
            .collect();
        v.dedup();
        v
    };
    let reverting = deployment_of(Some(testkit::GenFixture::RevertsRestarts));
    let pinned = deployment_of(Some(testkit::GenFixture::PinnedProxyImage));
    let plain = deployment_of(None);
    assert_eq!(
        (reverting.len(), pinned.len()),
        (2, 2),
        "{reverting:?} {pinned:?}"
    );
    assert!(!plain.is_empty());
    let pods = |ns: &str, app: &str| {
        sim.list_selected("pods", Some(ns), &format!("app={app}"))
            .unwrap()
    };
    for (ns, name) in &reverting {
        let before = uids(&pods(ns, name));
        rollout_restart_in(&sim, ns, name, "2025-03-01T10:00:00Z").await;
        let after = pods(ns, name);
        assert_eq!(uids(&after), before, "{ns}/{name}: no pod replaced");
        assert!(
            after
                .iter()
                .all(|p| proxy_image(p).as_deref() != Some(current.as_str()))
        );
    }
    for (ns, name) in &pinned {
        let before = uids(&pods(ns, name));
        let old = proxy_image(&pods(ns, name)[0]).unwrap();
        rollout_restart_in(&sim, ns, name, "2025-03-01T10:00:00Z").await;
        let after = pods(ns, name);
        assert!(
            uids(&after).iter().all(|u| !before.contains(u)),
            "{ns}/{name}: replaced"
        );
        assert!(
            after
                .iter()
                .all(|p| proxy_image(p).as_deref() == Some(old.as_str())),
            "{ns}/{name}: old proxy kept"
        );
    }
    let (ns, name) = &plain[0];
    rollout_restart_in(&sim, ns, name, "2025-03-01T10:00:00Z").await;
    assert!(
        pods(ns, name)
            .iter()
            .all(|p| proxy_image(p).as_deref() == Some(current.as_str()))
    );
}

/// The disruption controller: each budget's status from the pods it selects, as
/// `pkg/controller/disruption` computes it (numbers and percentages, rounded up; expected pods
/// from the controllers' scale unless `minAvailable` is a number), following the pods as they
/// become unready, ready and replaced.
#[test]
fn budgets_follow_their_pods_as_the_disruption_controller_does() {
    let sim = KubeSim::start();
    sim.put(deployment("web", 4)).unwrap();
    let pdb = |name: &str, spec: Value| {
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"app": "web"}});
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": name, "namespace": "default"}, "spec": spec})
    };
    sim.put(pdb("half", json!({"maxUnavailable": "50%"})))
        .unwrap();
    sim.put(pdb("three", json!({"minAvailable": 3}))).unwrap();
    sim.put(pdb("most", json!({"minAvailable": "60%"})))
        .unwrap();
    let status = |name: &str| {
        let s = sim
            .get("poddisruptionbudgets", Some("default"), name)
            .unwrap()["status"]
            .clone();
        (
            s["disruptionsAllowed"].as_i64().unwrap(),
            s["currentHealthy"].as_i64().unwrap(),
            s["desiredHealthy"].as_i64().unwrap(),
            s["expectedPods"].as_i64().unwrap(),
        )
    };
    assert_eq!(status("half"), (2, 4, 2, 4));
    assert_eq!(status("three"), (1, 4, 3, 4));
    // 60% of 4 is 2.4: 3 required.
    assert_eq!(status("most"), (1, 4, 3, 4));
    // A restart whose new pods are not ready yet: the old ones still serve.
    sim.set_new_pods_ready(false);
    let mut d = sim.get("deployments", Some("default"), "web").unwrap();
    d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
        json!("2026-12-07T00:00:00Z");
    sim.put(d).unwrap();
    assert_eq!(
        status("three").1,
        4,
        "the old pods are healthy, the new ones not"
    );
    assert_eq!(
        status("three").3,
        8,
        "minAvailable as a number: every selected pod is expected"
    );
    assert_eq!(status("half").3, 4, "a percentage: the Deployment's scale");
    sim.make_pods_ready(Some("default"));
    assert_eq!(status("half"), (2, 4, 2, 4), "replaced and ready again");
}
