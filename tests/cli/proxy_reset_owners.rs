//! `proxy-reset` for the owners beyond Kubernetes' own: Argo Rollouts' `Rollout` (restarted
//! through `spec.restartAt`), OpenKruise's CloneSet and Advanced StatefulSet (per update
//! strategy), and the manual list grouped by owner. kube-sim's controllers for these kinds
//! behave as Argo's and Kruise's do, so each test proves the pods were really replaced.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use testkit::{GenOptions, KubeSim};

use crate::util::{self, Cluster};

const OLD: &str = "1.27.3";
const NEW: &str = "1.28.0";

/// Istio 1.27.3 on a small generated cluster, `objects` put in namespace `shop`, then istiod
/// moved to 1.28.0 under them.
fn cluster(objects: &[Value]) -> Cluster {
    let c = Cluster::with(KubeSim::builder().generate(GenOptions {
        pods: 10,
        outdated_fraction: 0.0,
        istio_version: OLD.into(),
        namespaces: Some(1),
        ..Default::default()
    }));
    for n in ["shop", "batch"] {
        c.sim
            .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}))
            .unwrap();
    }
    for o in objects {
        c.sim
            .put(o.clone())
            .unwrap_or_else(|e| panic!("put {}: {e}", o["metadata"]["name"]));
    }
    c.sim.set_istio_version(NEW);
    c
}

fn template(app: &str) -> Value {
    json!({"metadata": {"labels": {"app": app}},
           "spec": {"containers": [{"name": "app", "image": format!("example.com/{app}:1")}]}})
}

fn workload(api: &str, kind: &str, name: &str, replicas: i64, extra: Value) -> Value {
    let mut spec = json!({"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                          "template": template(name)});
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            spec[k] = v;
        }
    }
    json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "shop"}, "spec": spec})
}

fn proxy_image(p: &Value) -> Option<String> {
    p["spec"]["containers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == "istio-proxy")
        .and_then(|c| c["image"].as_str().map(String::from))
}

/// The pods of `shop` whose names start with `prefix`: name -> (uid, proxy image).
fn pods(sim: &KubeSim, prefix: &str) -> BTreeMap<String, (String, String)> {
    sim.list("pods", Some("shop"))
        .iter()
        .filter(|p| p["metadata"]["name"].as_str().unwrap().starts_with(prefix))
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                (
                    p["metadata"]["uid"].as_str().unwrap().to_string(),
                    proxy_image(p).unwrap_or_default(),
                ),
            )
        })
        .collect()
}

fn json_of(run: &util::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout))
}

/// Successful writes as `METHOD resource/name`, with the bodies of the patches.
fn writes(run: &util::Run) -> Vec<(String, String)> {
    run.writes
        .iter()
        .filter(|w| w.succeeded())
        .map(|w| {
            (
                format!(
                    "{} {}/{}",
                    w.method,
                    w.resource,
                    w.name.clone().unwrap_or_default()
                ),
                w.body.clone(),
            )
        })
        .collect()
}

fn reset(c: &Cluster) -> (util::Run, Value) {
    let run = c.run(&[
        "proxy-reset",
        "--wait",
        "--timeout",
        "60s",
        "--namespace",
        "shop",
        "--output",
        "json",
    ]);
    run.expect_success();
    let doc = json_of(&run);
    assert_eq!(doc["stillOutdated"], json!([]), "{doc:#}");
    (run, doc)
}

/// Every pod of `before` was replaced (none of its uids is left) by as many pods on the new
/// sidecar.
fn assert_replaced(
    before: &BTreeMap<String, (String, String)>,
    after: &BTreeMap<String, (String, String)>,
) {
    assert!(
        before.values().all(|(_, image)| image.contains(OLD)),
        "{before:?}"
    );
    assert_eq!(after.len(), before.len(), "{after:?}");
    let old_uids: BTreeSet<&String> = before.values().map(|(u, _)| u).collect();
    for (name, (uid, image)) in after {
        assert!(!old_uids.contains(uid), "{name} was not re-created");
        assert!(image.contains(NEW), "{name} runs {image}");
    }
}

#[test]
fn an_argo_rollout_is_restarted_through_restart_at_and_its_pods_are_replaced() {
    let rollout = workload(
        "argoproj.io/v1alpha1",
        "Rollout",
        "checkout",
        3,
        json!({"strategy": {"canary": {"maxUnavailable": 1, "steps": [{"setWeight": 20}, {"pause": {}}]}}}),
    );
    let c = cluster(&[rollout]);
    let before = pods(&c.sim, "checkout-");
    let (run, doc) = reset(&c);

    // One write: the Rollout's spec.restartAt (what `kubectl argo rollouts restart` does), no
    // template change that would start a canary update with its steps.
    let w = writes(&run);
    assert_eq!(
        w.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["PATCH rollouts/checkout"],
        "{w:?}"
    );
    let body: Value = serde_json::from_str(&w[0].1).unwrap();
    let at = body["spec"]["restartAt"].as_str().expect("spec.restartAt");
    assert_eq!(body, json!({"spec": {"restartAt": at}}));
    assert!(at.ends_with('Z') && at.len() == 20, "whole seconds: {at}");
    assert_eq!(
        doc["workloads"],
        json!([{"kind": "Rollout", "namespace": "shop", "name": "checkout", "action": "rollout",
                "pods": before.keys().collect::<Vec<_>>(), "result": "restarted"}])
    );
    let chain = &doc["pods"][0]["ownerChain"];
    assert_eq!(chain[2], "Rollout/checkout", "{chain}");

    // Argo's controller (kube-sim's) evicted every pod created before restartAt and said so.
    assert_replaced(&before, &pods(&c.sim, "checkout-"));
    let ro = c.sim.get("rollouts", Some("shop"), "checkout").unwrap();
    assert_eq!(ro["status"]["restartedAt"], at);
    assert_eq!(ro["status"]["availableReplicas"], 3);
    // The canary's ReplicaSet was not changed: the same one serves the new pods.
    assert_eq!(c.sim.list("replicasets", Some("shop")).len(), 1);
}

#[test]
fn a_cloneset_that_recreates_is_rolled_and_those_updated_in_place_have_their_pods_deleted() {
    let recreate = workload("apps.kruise.io/v1alpha1", "CloneSet", "cart", 3, json!({}));
    let in_place = workload(
        "apps.kruise.io/v1alpha1",
        "CloneSet",
        "search",
        2,
        json!({"updateStrategy": {"type": "InPlaceIfPossible", "maxUnavailable": 1}}),
    );
    let only = workload(
        "apps.kruise.io/v1alpha1",
        "CloneSet",
        "stock",
        2,
        json!({"updateStrategy": {"type": "InPlaceOnly"}}),
    );
    let c = cluster(&[recreate, in_place, only]);
    let (cart, search) = (pods(&c.sim, "cart-"), pods(&c.sim, "search-"));
    let stock = pods(&c.sim, "stock-");
    let (run, doc) = reset(&c);

    let w = writes(&run);
    let patches: Vec<&(String, String)> =
        w.iter().filter(|(k, _)| k.starts_with("PATCH")).collect();
    assert_eq!(patches.len(), 1, "{w:?}");
    assert_eq!(patches[0].0, "PATCH clonesets/cart");
    assert!(patches[0].1.contains("kubectl.kubernetes.io/restartedAt"));
    // In place, a template change would only rewrite the pods' metadata and keep the old
    // sidecar: each pod is deleted instead, once, and the CloneSet re-creates it.
    let deletes: BTreeSet<String> = w
        .iter()
        .filter(|(k, _)| k.starts_with("DELETE"))
        .map(|(k, _)| k.clone())
        .collect();
    let expected: BTreeSet<String> = search
        .keys()
        .chain(stock.keys())
        .map(|n| format!("DELETE pods/{n}"))
        .collect();
    assert_eq!(deletes, expected);
    assert_eq!(w.len(), 1 + search.len() + stock.len(), "{w:?}");
    let action = |name: &str| {
        doc["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == name)
            .map(|w| (w["kind"].clone(), w["action"].clone()))
    };
    assert_eq!(action("cart"), Some((json!("CloneSet"), json!("rollout"))));
    assert_eq!(
        action("search"),
        Some((json!("CloneSet"), json!("delete-pods")))
    );
    assert_replaced(&cart, &pods(&c.sim, "cart-"));
    assert_replaced(&search, &pods(&c.sim, "search-"));
    assert_eq!(
        action("stock"),
        Some((json!("CloneSet"), json!("delete-pods")))
    );
    assert_replaced(&stock, &pods(&c.sim, "stock-"));
    let cs = c.sim.get("clonesets", Some("shop"), "cart").unwrap();
    assert_eq!(cs["status"]["updatedReplicas"], 3);
    assert_eq!(
        cs["status"]["updateRevision"],
        cs["status"]["currentRevision"]
    );
}

#[test]
fn advanced_statefulsets_roll_when_they_recreate_and_delete_pods_when_updated_in_place() {
    let recreate = workload(
        "apps.kruise.io/v1beta1",
        "StatefulSet",
        "ledger",
        2,
        json!({"serviceName": "ledger"}),
    );
    let in_place = workload(
        "apps.kruise.io/v1beta1",
        "StatefulSet",
        "cache",
        2,
        json!({"serviceName": "cache", "updateStrategy": {"type": "RollingUpdate",
               "rollingUpdate": {"podUpdatePolicy": "InPlaceIfPossible"}}}),
    );
    let c = cluster(&[recreate, in_place]);
    let (ledger, cache) = (pods(&c.sim, "ledger-"), pods(&c.sim, "cache-"));
    assert_eq!(ledger.len(), 2);
    let (run, doc) = reset(&c);
    let w = writes(&run);
    let keys: BTreeSet<&str> = w.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "DELETE pods/cache-0",
            "DELETE pods/cache-1",
            "PATCH statefulsets/ledger"
        ]
        .into(),
        "{w:?}"
    );
    // The patch went to Kruise's StatefulSet, not to Kubernetes' own of the same name.
    let patch = run
        .writes
        .iter()
        .find(|w| w.method == "PATCH")
        .expect("the patch");
    assert!(
        patch.path.contains("/apis/apps.kruise.io/v1beta1/"),
        "{}",
        patch.path
    );
    let kinds: BTreeSet<(String, String)> = doc["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                format!(
                    "{} {}",
                    w["kind"].as_str().unwrap(),
                    w["name"].as_str().unwrap()
                ),
                w["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("AdvancedStatefulSet cache".into(), "delete-pods".into()),
            ("AdvancedStatefulSet ledger".into(), "rollout".into()),
        ]
        .into()
    );
    assert_replaced(&ledger, &pods(&c.sim, "ledger-"));
    assert_replaced(&cache, &pods(&c.sim, "cache-"));
}

fn pod(ns: &str, name: &str, owner: Option<Value>) -> Value {
    let mut p = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": "example.com/app:1"}]}});
    if let Some(o) = owner {
        p["metadata"]["ownerReferences"] = json!([o]);
    }
    p
}

#[test]
fn the_manual_list_has_one_entry_per_owner_not_two_lines_per_pod() {
    let mut objects = Vec::new();
    // 12 Jobs of one CronJob, 3 Jobs alone, 20 bare pods in `batch`, 2 in `shop`, and 4 pods of
    // a custom owner kyma-mesh does not know.
    objects.push(json!({"apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "batch"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template("nightly")}}}}));
    let cron_uid = "cron-nightly-uid";
    for i in 0..12 {
        objects.push(json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": format!("nightly-{i:02}"), "namespace": "batch",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly",
                                     "uid": cron_uid, "controller": true}]},
            "spec": {"template": template("nightly")}}));
    }
    for name in ["import", "export", "reindex"] {
        objects.push(json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": "batch"}, "spec": {"template": template(name)}}));
    }
    for i in 0..20 {
        objects.push(pod("batch", &format!("debug-{i:02}"), None));
    }
    for name in ["scratch-a", "scratch-b"] {
        objects.push(pod("shop", name, None));
    }
    for i in 0..4 {
        let owner = json!({"apiVersion": "example.com/v1", "kind": "Pipeline", "name": "etl",
                           "uid": "pipeline-uid", "controller": true});
        objects.push(pod("shop", &format!("etl-{i}"), Some(owner)));
    }
    let c = cluster(&objects);
    let dry = c.run(&[
        "proxy-reset",
        "--dry-run",
        "--namespace",
        "batch",
        "--namespace",
        "shop",
    ]);
    dry.expect_success().expect_no_writes();
    let text = util::redact(&dry.stdout);
    let manual: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Restart manually"))
        .take_while(|l| !l.is_empty())
        .collect();
    // A heading and two lines per owner: 15 Jobs' pods under 4 Job/CronJob entries.
    assert_eq!(manual.len(), 1 + 2 * 7, "{text}");
    insta::assert_snapshot!("proxy_reset_manual_grouped", text);

    let doc = json_of(&c.run(&[
        "proxy-reset",
        "--dry-run",
        "--namespace",
        "batch",
        "--namespace",
        "shop",
        "--output",
        "json",
    ]));
    let entries: Vec<(String, u64)> = doc["manual"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                format!(
                    "{} {}/{}",
                    m["kind"].as_str().unwrap(),
                    m["namespace"].as_str().unwrap(),
                    m["name"].as_str().unwrap_or("-")
                ),
                m["podCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("CronJob batch/nightly".to_string(), 12),
            ("Job batch/export".to_string(), 1),
            ("Job batch/import".to_string(), 1),
            ("Job batch/reindex".to_string(), 1),
            ("Pod batch/-".to_string(), 20),
            ("Pipeline shop/etl".to_string(), 4),
            ("Pod shop/-".to_string(), 2),
        ]
    );
    // The per-pod fields stay: every manual pod still has its own command.
    let per_pod = doc["pods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["action"] == "restart-manually")
        .inspect(|p| assert!(p["command"].is_string(), "{p}"))
        .count();
    assert_eq!(per_pod, 12 + 3 + 20 + 2 + 4);
    let bare = &doc["manual"][4];
    assert_eq!(bare["pods"].as_array().unwrap().len(), 20);
    assert!(bare.get("name").is_none(), "{bare}");
}
