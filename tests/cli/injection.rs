//! `kyma-mesh injection enable|disable|status` against kube-sim, read back with real kubectl.

use serde_json::{Value, json};

use crate::kubectl::{deploy_path, kubectl, pod_names, pods_with_sidecar};
use crate::util::{Cluster, invalid, success};

fn deployment(ns: &str, name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": name, "image": "nginx"}]}}},
    })
}

/// Istio installed (default mode), `shop` (no label) with web x2, `legacy` (disabled) with old x1.
fn cluster(mode: &str) -> Cluster {
    let c = Cluster::new();
    success(
        c.kyma_mesh()
            .args(["install", "--profile", "local", "--sidecar-injection", mode]),
    );
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}))
        .unwrap();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "legacy", "labels": {"istio-injection": "disabled"}}}))
        .unwrap();
    c.sim.put(deployment("shop", "web", 2)).unwrap();
    c.sim.put(deployment("legacy", "old", 1)).unwrap();
    c
}

fn ns_label(c: &Cluster, ns: &str) -> String {
    kubectl(
        c,
        &[
            "get",
            "namespace",
            ns,
            "-o",
            "jsonpath={.metadata.labels.istio-injection}",
        ],
    )
}

fn run(c: &Cluster, args: &[&str]) -> (String, String) {
    let out = c.kyma_mesh().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?} failed:\n{stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

#[test]
fn enabling_a_disabled_namespace_warns_lists_the_pods_and_restarts_them_on_request() {
    let c = cluster("default");
    let old_pods = pod_names(&c, "legacy", "app=old");
    assert_eq!(pods_with_sidecar(&c, "legacy", "app=old"), 0);

    let (_, err) = run(&c, &["injection", "enable", "--namespace", "legacy"]);
    assert_eq!(ns_label(&c, "legacy"), "enabled");
    assert!(
        err.contains("removing istio-injection=disabled from namespace legacy injects sidecars into all of its pods"),
        "the troubleshooting guide's warning: {err}"
    );
    assert!(
        err.contains(&format!("Deployment legacy/old (legacy/{})", old_pods[0])),
        "{err}"
    );
    assert!(err.contains("--restart"), "{err}");
    assert_eq!(
        pod_names(&c, "legacy", "app=old"),
        old_pods,
        "nothing restarted without --restart"
    );

    let (_, err) = run(&c, &["injection", "enable", "-n", "legacy", "--restart"]);
    assert!(err.contains("nothing to change"), "{err}");
    assert!(
        err.contains("Restarted for the change to take effect"),
        "{err}"
    );
    let new_pods = pod_names(&c, "legacy", "app=old");
    assert_ne!(new_pods, old_pods);
    assert_eq!(
        pods_with_sidecar(&c, "legacy", "app=old"),
        1,
        "the new pod has a sidecar"
    );
    assert!(
        !deploy_path(
            &c,
            "legacy",
            "old",
            "{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}"
        )
        .is_empty()
    );
}

#[test]
fn disabling_a_deployment_sets_the_annotation_and_its_pods_roll_out_without_sidecars() {
    let c = cluster("default");
    assert_eq!(pods_with_sidecar(&c, "shop", "app=web"), 2);
    let (_, err) = run(&c, &["injection", "disable", "--deployment", "shop/web"]);
    assert_eq!(
        deploy_path(
            &c,
            "shop",
            "web",
            "{.spec.template.metadata.annotations.sidecar\\.istio\\.io/inject}"
        ),
        "false"
    );
    assert!(err.contains("rolls out its pods"), "{err}");
    assert!(
        err.contains("STRICT"),
        "the mTLS consequence is said: {err}"
    );
    assert_eq!(pod_names(&c, "shop", "app=web").len(), 2);
    assert_eq!(pods_with_sidecar(&c, "shop", "app=web"), 0);

    let status = crate::util::json(c.kyma_mesh().args([
        "injection",
        "status",
        "-n",
        "shop",
        "--output",
        "json",
    ]));
    assert_eq!(
        status["namespaces"][0]["deploymentOverrides"][0]["name"],
        "web"
    );
    assert_eq!(
        status["namespaces"][0]["deploymentOverrides"][0]["inject"],
        "false"
    );

    run(&c, &["injection", "enable", "--deployment", "shop/web"]);
    assert!(
        !deploy_path(&c, "shop", "web", "{.spec.template.metadata.annotations}")
            .contains("sidecar.istio.io/inject"),
        "the opt-out annotation is removed"
    );
    assert_eq!(pods_with_sidecar(&c, "shop", "app=web"), 2);
}

#[test]
fn status_says_who_gets_sidecars_and_why() {
    let c = cluster("default");
    // A pod that predates its namespace's label change.
    kubectl(
        &c,
        &["label", "namespace", "shop", "istio-injection=disabled"],
    );
    let s = crate::util::json(
        c.kyma_mesh()
            .args(["injection", "status", "--output", "json"]),
    );
    assert_eq!(s["mode"], "default");
    assert_eq!(s["injector"]["enableNamespacesByDefault"], true);
    let ns = |name: &str| {
        s["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {s}"))
            .clone()
    };
    assert_eq!(ns("default")["injection"], true);
    assert_eq!(
        ns("default")["reason"],
        "no label: injected by default (enableNamespacesByDefault: true)"
    );
    assert_eq!(ns("kube-system")["injection"], false);
    assert_eq!(
        ns("kube-system")["reason"],
        "label istio-injection=disabled"
    );
    assert_eq!(ns("shop")["injection"], false);
    assert_eq!(ns("shop")["label"], "disabled");
    assert_eq!(ns("shop")["pods"], 2);
    assert_eq!(ns("shop")["podsWithSidecar"], 2);
    assert_eq!(
        ns("shop")["restartNeeded"].as_array().unwrap().len(),
        2,
        "{}",
        ns("shop")
    );
    assert_eq!(ns("legacy")["restartNeeded"].as_array().unwrap().len(), 0);

    let table = success(c.kyma_mesh().args(["injection", "status"]));
    assert!(table.contains("NAMESPACE"), "{table}");
    let shop = table
        .lines()
        .find(|l| l.starts_with("shop "))
        .expect("shop row");
    assert!(
        shop.contains("disabled") && shop.contains("label istio-injection=disabled"),
        "{shop}"
    );
}

#[test]
fn opt_in_mode_is_the_reason_for_unlabelled_namespaces() {
    let c = cluster("opt-in");
    let s = crate::util::json(c.kyma_mesh().args([
        "injection",
        "status",
        "-n",
        "shop",
        "--output",
        "json",
    ]));
    assert_eq!(s["mode"], "opt-in");
    assert_eq!(s["namespaces"][0]["injection"], false);
    assert_eq!(
        s["namespaces"][0]["reason"],
        "no label: opt-in mode (enableNamespacesByDefault: false)"
    );
    assert_eq!(pods_with_sidecar(&c, "shop", "app=web"), 0);
    // A Deployment opts in with the pod label Istio's object webhook selects.
    run(&c, &["injection", "enable", "--deployment", "shop/web"]);
    assert_eq!(
        deploy_path(
            &c,
            "shop",
            "web",
            "{.spec.template.metadata.labels.sidecar\\.istio\\.io/inject}"
        ),
        "true"
    );
    assert_eq!(pods_with_sidecar(&c, "shop", "app=web"), 2);
}

#[test]
fn kyma_excluded_namespaces_need_force_and_dry_run_writes_nothing() {
    let c = cluster("default");
    c.sim.clear_writes();
    let err = invalid(
        c.kyma_mesh()
            .args(["injection", "enable", "-n", "kube-system"]),
    );
    assert!(
        err.contains("Kyma keeps kube-system out of the mesh on purpose"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(c.sim.writes().is_empty());
    assert_eq!(ns_label(&c, "kube-system"), "disabled");

    let (_, err) = run(
        &c,
        &[
            "injection",
            "enable",
            "-n",
            "legacy",
            "--dry-run",
            "--restart",
        ],
    );
    assert!(err.contains("dry run, nothing was changed"), "{err}");
    assert!(
        err.contains("Deployment legacy/old"),
        "lists the pods all the same: {err}"
    );
    assert!(c.sim.writes().is_empty(), "{:?}", c.sim.writes());
    assert_eq!(ns_label(&c, "legacy"), "disabled");

    run(&c, &["injection", "enable", "-n", "kube-system", "--force"]);
    assert_eq!(ns_label(&c, "kube-system"), "enabled");
}

#[test]
fn a_missing_namespace_or_deployment_fails_and_changes_nothing() {
    let c = cluster("default");
    let out = c
        .kyma_mesh()
        .args(["injection", "disable", "--deployment", "shop/nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Deployment shop/nope does not exist"));
    let err = invalid(c.kyma_mesh().args(["injection", "enable"]));
    assert!(
        err.contains("--namespace") && err.contains("--deployment"),
        "{err}"
    );
}
