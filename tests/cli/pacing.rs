//! Paced restarts (issue 20) against kube-sim: PodDisruptionBudgets that hold a workload back,
//! the cluster-wide cap on pods the run makes unavailable, the deadline and the re-run that
//! continues without restarting anything twice, and the dry run's pacing plan. Nothing here
//! asserts time: the cap is checked on kube-sim's peak of not-ready pods, the order on its
//! write log.

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{GenOptions, KubeSim};

use crate::util::{self, Cluster};

const OLD: &str = "1.27.3";
const NEW: &str = "1.28.0";
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

fn deployment(ns: &str, name: &str, replicas: i64, labels: Value) -> Value {
    let mut l = json!({"app": name});
    if let (Some(l), Some(extra)) = (l.as_object_mut(), labels.as_object()) {
        l.extend(extra.clone());
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": l},
                                 "spec": {"containers": [{"name": "app", "image": format!("example.com/{name}:1")}]}}}})
}

fn pdb(ns: &str, name: &str, selector: Value, spec: Value) -> Value {
    let mut s = json!({"selector": {"matchLabels": selector}});
    if let (Some(s), Some(extra)) = (s.as_object_mut(), spec.as_object()) {
        s.extend(extra.clone());
    }
    json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": name, "namespace": ns}, "spec": s})
}

/// Istio 1.27.3 with a small generated cluster, `shop` with these objects, then istiod on
/// 1.28.0: every sidecar in `shop` is outdated.
fn shop(objects: Vec<Value>) -> Cluster {
    let c = Cluster::with(KubeSim::builder().generate(GenOptions {
        pods: 10,
        outdated_fraction: 0.0,
        istio_version: OLD.into(),
        namespaces: Some(1),
        ..Default::default()
    }));
    for n in ["shop", "kyma-system"] {
        let _ = c
            .sim
            .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}));
    }
    for o in objects {
        c.sim
            .put(o.clone())
            .unwrap_or_else(|e| panic!("put {}: {e}", o["metadata"]["name"]));
    }
    c.sim.set_istio_version(NEW);
    c
}

fn restarted_at(c: &Cluster, ns: &str, name: &str) -> Option<String> {
    c.get("deployments", Some(ns), name)["spec"]["template"]["metadata"]["annotations"]
        [RESTARTED_AT]
        .as_str()
        .map(String::from)
}

/// kyma-mesh's patches of Deployments, by name, in order.
fn patched(c: &Cluster) -> Vec<String> {
    c.sim
        .writes()
        .into_iter()
        .filter(|w| w.method == "PATCH" && w.resource == "deployments")
        .filter_map(|w| w.name)
        .collect()
}

/// Runs kyma-mesh in the background, calling `poke` on kube-sim every 30 ms until it exits
/// (within a minute).
fn run_poking(c: &Cluster, args: &[&str], mut poke: impl FnMut(&Cluster)) -> Output {
    let mut child = c
        .kyma_mesh_process()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kyma-mesh");
    let give_up = Instant::now() + Duration::from_secs(90);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > give_up {
            let _ = child.kill();
            break;
        }
        poke(c);
        std::thread::sleep(Duration::from_millis(30));
    }
    child.wait_with_output().expect("output")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json_out(o: &Output) -> Value {
    let (out, err) = text(o);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\n{err}"))
}

fn workload<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["workloads"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["name"] == name))
        .unwrap_or_else(|| panic!("no workload {name} in {doc:#}"))
}

/// `--max-unavailable 1`: four single-pod Deployments, new pods that become ready only when
/// the test says so; never more than one restarted pod is not ready at once, and each is
/// restarted once.
#[test]
fn max_unavailable_one_never_has_two_restarted_pods_not_ready() {
    let c = shop(
        ["a", "b", "c", "d"]
            .iter()
            .map(|n| deployment("shop", n, 1, json!({})))
            .collect(),
    );
    c.sim.set_new_pods_ready(false);
    c.sim.track_not_ready_pods();
    let out = run_poking(
        &c,
        &[
            "proxy-reset",
            "-n",
            "shop",
            "--max-unavailable",
            "1",
            "--concurrency",
            "10",
            "--wait",
            "--timeout",
            "60s",
        ],
        |c| {
            c.sim.make_pods_ready(Some("shop"));
        },
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        c.sim.not_ready_peak(),
        Some(1),
        "one restarted pod not ready at a time\n{stderr}"
    );
    let mut p = patched(&c);
    p.sort();
    assert_eq!(p, ["a", "b", "c", "d"], "each restarted once");
    assert!(
        stderr.contains("at most 1 pod not ready because of this run"),
        "{stderr}"
    );
}

/// A PodDisruptionBudget that allows no disruption holds its workload back while the others
/// go on; once it allows one (the Deployment scaled up), the workload is restarted.
#[test]
fn a_budget_that_allows_nothing_defers_its_workload_until_it_frees() {
    let c = shop(vec![
        deployment("shop", "web", 1, json!({})),
        deployment("shop", "api", 1, json!({})),
        pdb(
            "shop",
            "web",
            json!({"app": "web"}),
            json!({"minAvailable": 1}),
        ),
    ]);
    let status = c.get("poddisruptionbudgets", Some("shop"), "web")["status"].clone();
    assert_eq!(
        (
            &status["disruptionsAllowed"],
            &status["currentHealthy"],
            &status["desiredHealthy"],
            &status["expectedPods"]
        ),
        (&json!(0), &json!(1), &json!(1), &json!(1)),
        "kube-sim's disruption controller: {status}"
    );
    let mut scaled = false;
    let out = run_poking(
        &c,
        &[
            "proxy-reset",
            "-n",
            "shop",
            "--timeout",
            "60s",
            "--output",
            "json",
        ],
        |c| {
            if !scaled && restarted_at(c, "shop", "api").is_some() {
                assert_eq!(restarted_at(c, "shop", "web"), None, "web waits");
                let mut d = c.get("deployments", Some("shop"), "web");
                d["spec"]["replicas"] = json!(2);
                c.sim.put(d).expect("scale web");
                scaled = true;
            }
        },
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(scaled, "api was restarted while web waited");
    assert!(
        stderr.contains(
            "Deployment shop/web deferred: PodDisruptionBudget shop/web allows no disruption now (1 of 1 pods healthy, 1 required)"
        ),
        "{stderr}"
    );
    let doc = json_out(&out);
    assert_eq!(workload(&doc, "web")["result"], "restarted");
    assert_eq!(workload(&doc, "api")["result"], "restarted");
    assert_eq!(doc["summary"]["deferred"], 0);
    assert_eq!(
        patched(&c),
        ["api", "web"],
        "api first, web once it was allowed"
    );
}

/// A budget that never allows a disruption: the others are restarted, its workload is left,
/// reported with the budget's words, text and JSON, exit 3 (a re-run continues).
#[test]
fn a_budget_that_never_frees_is_reported_as_deferred() {
    let objects = || {
        vec![
            deployment("shop", "web", 1, json!({})),
            deployment("shop", "api", 1, json!({})),
            pdb(
                "shop",
                "web",
                json!({"app": "web"}),
                json!({"maxUnavailable": 0}),
            ),
        ]
    };
    let c = shop(objects());
    let run = c.run(&["proxy-reset", "-n", "shop", "--timeout", "2s"]);
    run.expect_code(3);
    run.expect_stdout(
        "Deployment shop/web (rollout restart, 1 outdated pods) ‼ DEFERRED: PodDisruptionBudget shop/web allows no disruption now (1 of 1 pods healthy, 1 required); --timeout ran out before it allowed one",
    );
    run.expect_stdout("Deployment shop/api (rollout restart, 1 outdated pods) √");
    run.expect_stdout("Stopped: --timeout ran out; 1 workload left.");
    assert_eq!(patched(&c), ["api"]);

    let c = shop(objects());
    let run = c.run(&[
        "proxy-reset",
        "-n",
        "shop",
        "--timeout",
        "2s",
        "--output",
        "json",
    ]);
    run.expect_code(3);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let web = workload(&doc, "web");
    assert_eq!(web["result"], "deferred");
    assert!(
        web["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("PodDisruptionBudget shop/web allows no disruption")),
        "{web}"
    );
    assert_eq!(doc["summary"]["deferred"], 1);
    assert_eq!(doc["summary"]["restarted"], 1);
    assert_eq!(doc["pacing"]["stopped"], "--timeout ran out");
}

/// `--for`: the deadline comes while the first restart (under a cap of one pod) still rolls
/// out; the others are not started, exit 3. The re-run finds that rollout still in progress
/// and waits for it instead of restarting it, then restarts the rest: every Deployment is
/// patched exactly once over both runs.
#[test]
fn a_deadline_mid_run_then_a_rerun_restarts_nothing_twice() {
    let c = shop(
        ["a", "b", "c"]
            .iter()
            .map(|n| deployment("shop", n, 1, json!({})))
            .collect(),
    );
    c.sim.set_new_pods_ready(false);
    let first = c.run(&[
        "proxy-reset",
        "-n",
        "shop",
        "--max-unavailable",
        "1",
        "--for",
        "2s",
        "--timeout",
        "60s",
        "--output",
        "json",
    ]);
    first.expect_code(3);
    first.expect_stderr("2 workloads left: the deadline");
    let doc: Value = serde_json::from_str(&first.stdout).expect("JSON");
    assert_eq!(workload(&doc, "a")["result"], "restarted");
    for n in ["b", "c"] {
        assert_eq!(workload(&doc, n)["result"], "not-started", "{doc:#}");
    }
    assert_eq!(doc["summary"]["notStarted"], 2);
    assert_eq!(patched(&c), ["a"]);
    let stamp = restarted_at(&c, "shop", "a").expect("a restarted");

    // The re-run: a's new pod becomes ready only after the re-run's restart phase has read a
    // (and so found its rollout in progress).
    c.sim.clear_requests();
    let mut freed = false;
    let out = run_poking(
        &c,
        &[
            "proxy-reset",
            "-n",
            "shop",
            "--max-unavailable",
            "1",
            "--wait",
            "--timeout",
            "60s",
            "--output",
            "json",
        ],
        |c| {
            // After the scan (its last list is the budgets'), the restart phase reads a.
            let requests = c.sim.requests();
            let restarting = requests
                .iter()
                .position(|r| r.verb == "list" && r.resource == "poddisruptionbudgets");
            let read_a = restarting.is_some_and(|i| {
                requests[i..].iter().any(|r| {
                    r.verb == "get" && r.resource == "deployments" && r.name.as_deref() == Some("a")
                })
            });
            if read_a && !freed {
                c.sim.set_new_pods_ready(true);
                c.sim.make_pods_ready(Some("shop"));
                freed = true;
            }
        },
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc = json_out(&out);
    let a = workload(&doc, "a");
    assert_eq!(a["result"], "already-restarting", "{doc:#}");
    assert_eq!(a["restartedAt"], stamp.as_str());
    assert_eq!(workload(&doc, "b")["result"], "restarted");
    assert_eq!(workload(&doc, "c")["result"], "restarted");
    assert_eq!(doc["summary"]["stillOutdated"], 0);
    assert_eq!(patched(&c), ["a", "b", "c"], "each Deployment patched once");
    assert_eq!(
        restarted_at(&c, "shop", "a").as_deref(),
        Some(stamp.as_str())
    );
    assert!(
        stderr.contains("still rolling out: waited for, not restarted again"),
        "{stderr}"
    );
}

/// The dry run shows the pacing: kyma-system first, the rounds under `--concurrency 2` and
/// `--max-unavailable 2`, two Deployments one PodDisruptionBudget guards in different rounds,
/// one held back by a budget that allows nothing now.
#[test]
fn dry_run_shows_the_order_the_budgets_and_the_rounds() {
    let c = shop(vec![
        deployment("kyma-system", "eventing", 1, json!({})),
        deployment("shop", "a", 1, json!({"tier": "backend"})),
        deployment("shop", "b", 1, json!({"tier": "backend"})),
        deployment("shop", "c", 1, json!({})),
        deployment("shop", "d", 1, json!({})),
        deployment("shop", "e", 4, json!({})),
        pdb(
            "shop",
            "backend",
            json!({"tier": "backend"}),
            json!({"maxUnavailable": 1}),
        ),
        pdb(
            "shop",
            "c",
            json!({"app": "c"}),
            json!({"minAvailable": "100%"}),
        ),
    ]);
    let run = c.run(&[
        "proxy-reset",
        "-n",
        "shop",
        "-n",
        "kyma-system",
        "--dry-run",
        "--concurrency",
        "2",
        "--max-unavailable",
        "2",
    ]);
    run.expect_success().expect_no_writes();
    insta::assert_snapshot!(util::redact(&run.stdout));

    let run = c.run(&[
        "proxy-reset",
        "-n",
        "shop",
        "-n",
        "kyma-system",
        "--dry-run",
        "--concurrency",
        "2",
        "--max-unavailable",
        "2",
        "--output",
        "json",
    ]);
    run.expect_success();
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        doc["pacing"],
        json!({"maxUnavailable": 2, "concurrency": 2, "rounds": 4})
    );
    let a = workload(&doc, "a");
    assert_eq!(a["budgets"], json!(["shop/backend"]));
    assert_eq!(workload(&doc, "eventing")["round"], 1);
    assert_eq!(workload(&doc, "c")["round"], Value::Null);
    assert!(workload(&doc, "c")["deferred"].as_str().is_some());
    assert_eq!(workload(&doc, "e")["cost"], 2);
}

#[test]
fn bad_pacing_flags_exit_2_naming_the_flag() {
    for (args, flag) in [
        (&["--max-unavailable", "0"][..], "--max-unavailable"),
        (&["--max-unavailable", "101%"][..], "--max-unavailable"),
        (&["--max-unavailable", "lots"][..], "--max-unavailable"),
        (&["--until", "tomorrow"][..], "--until"),
        (&["--until", "2026-12-07 06:00"][..], "--until"),
        (&["--for", "soon"][..], "--for"),
        (
            &["--for", "30m", "--until", "2026-12-07T06:00:00Z"][..],
            "--until",
        ),
    ] {
        for command in [&["proxy-reset"][..], &["upgrade"][..]] {
            let mut cmd = util::kyma_mesh();
            cmd.args(command).args(args);
            let stderr = util::invalid(&mut cmd);
            assert!(stderr.contains(flag), "{args:?}: {stderr}");
        }
    }
}

fn with_istioctl(c: &Cluster, version: &str, args: &[&str]) -> util::Run {
    let mut cmd = c.kyma_mesh();
    cmd.env("FAKE_ISTIOCTL_VERSION", version).args(args);
    c.run_cmd(&mut cmd, args)
}

fn app(c: &Cluster, ns: &str, name: &str) {
    let _ = c
        .sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    c.sim.put(deployment(ns, name, 1, json!({}))).unwrap();
}

/// The canary's waves take the pacing flags: a deadline that has passed when the restarts
/// begin stops the first wave with everything left (exit 3, the
/// later waves not started), and `upgrade --canary` again goes on, patching each Deployment
/// once.
#[test]
fn the_deadline_stops_a_canary_wave_and_a_rerun_goes_on() {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install"]).expect_success();
    app(&c, "kyma-system", "eventing");
    app(&c, "shop", "cart");
    app(&c, "web", "front");
    let run = with_istioctl(
        &c,
        "1.28.0",
        &[
            "upgrade",
            "--canary",
            "--wave-size",
            "1",
            "--until",
            "2000-01-01T00:00:00Z",
        ],
    );
    run.expect_code(3)
        .expect_stderr("wave 1 of 3: the deadline came with workloads left")
        .expect_stdout(
            "Deployment kyma-system/eventing (rollout restart, 1 outdated pods) ‼ NOT STARTED",
        );
    let apps = |c: &Cluster| {
        let mut p = patched(c);
        p.retain(|n| ["eventing", "cart", "front"].contains(&n.as_str()));
        p
    };
    assert!(apps(&c).is_empty(), "nothing restarted: {:?}", apps(&c));
    let run = with_istioctl(&c, "1.28.0", &["upgrade", "--canary", "--wave-size", "1"]);
    run.expect_success();
    assert_eq!(
        apps(&c),
        ["eventing", "cart", "front"],
        "kyma-system first, each once"
    );
}

#[test]
fn an_in_place_upgrade_past_its_deadline_leaves_the_restarts_with_exit_3() {
    let c = Cluster::new();
    with_istioctl(&c, "1.27.3", &["install"]).expect_success();
    app(&c, "shop", "cart");
    let run = with_istioctl(
        &c,
        "1.28.0",
        &["upgrade", "--until", "2000-01-01T00:00:00Z"],
    );
    run.expect_code(3)
        .expect_stdout("Deployment shop/cart (rollout restart, 1 outdated pods) ‼ NOT STARTED");
    assert!(!patched(&c).contains(&"cart".to_string()));
}
