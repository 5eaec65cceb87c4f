//! Safe at production scale (issue 20): istioctl's transient failures are retried, never its
//! real errors.

use testkit::{Fault, FaultRule, Faults};

use crate::util::Cluster;

fn with_transient(
    c: &Cluster,
    state: &tempfile::TempDir,
    spec: &str,
    times: u32,
) -> assert_cmd::Command {
    let mut cmd = c.kyma_mesh();
    cmd.env("FAKE_ISTIOCTL_FAIL", spec)
        .env("FAKE_ISTIOCTL_FAIL_TIMES", times.to_string())
        .env("FAKE_ISTIOCTL_STATE", state.path());
    cmd
}

fn calls(c: &Cluster, verb: &str) -> usize {
    c.istioctl_calls()
        .iter()
        .filter(|call| call.args.first().map(String::as_str) == Some(verb))
        .count()
}

/// istioctl fails twice as on an overloaded API server (etcd timed out, then 503): kyma-mesh
/// runs it again, says so, and the install completes with Kyma's patches.
#[test]
fn a_transient_istioctl_failure_is_run_again_and_said() {
    let c = Cluster::new();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = with_transient(&c, &state, "transient:install", 2);
    cmd.arg("install");
    let run = c.run_cmd(&mut cmd, &["install (istioctl fails twice, transiently)"]);
    run.expect_success()
        .expect_stderr("a transient API error: running istioctl again in 1s (retry 1 of 3)")
        .expect_stderr("etcdserver: request timed out")
        .expect_stderr("(retry 1 of 3)")
        .expect_stderr("(retry 2 of 3)");
    assert_eq!(
        c.install_call_count(),
        3,
        "two failed runs and the one that succeeded"
    );
    assert!(
        !c.kyma_mesh_writes().is_empty(),
        "Kyma's patches were applied"
    );
}

/// Four transient failures in a row: three retries, then the error, exit 1.
#[test]
fn retries_end_after_three_with_the_last_error() {
    let c = Cluster::new();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = with_transient(&c, &state, "transient:install", 10);
    cmd.arg("install");
    let run = c.run_cmd(&mut cmd, &["install (istioctl always fails transiently)"]);
    run.expect_code(1).expect_stderr("(retry 3 of 3)");
    assert_eq!(c.install_call_count(), 4);
    assert!(
        c.kyma_mesh_writes().is_empty(),
        "no patch after a failed istioctl"
    );
}

/// A real error (FAKE_ISTIOCTL_FAIL=exit: "failed to install manifests") is said once, and
/// istioctl is not run again.
#[test]
fn a_real_istioctl_error_is_not_run_again() {
    let c = Cluster::new();
    let mut cmd = c.kyma_mesh();
    cmd.env("FAKE_ISTIOCTL_FAIL", "exit:install").arg("install");
    let run = c.run_cmd(&mut cmd, &["install (istioctl fails for real)"]);
    run.expect_code(1).expect_stderr("simulated failure");
    assert!(!run.stderr.contains("retry"), "{}", run.stderr);
    assert_eq!(c.install_call_count(), 1);
}

/// uninstall's `istioctl uninstall --purge` is retried too.
#[test]
fn uninstall_runs_istioctl_again_after_a_transient_failure() {
    let c = Cluster::new();
    c.run(&["install"]).expect_success();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = with_transient(&c, &state, "transient:uninstall", 1);
    cmd.arg("uninstall");
    let run = c.run_cmd(&mut cmd, &["uninstall (istioctl fails once, transiently)"]);
    run.expect_success().expect_stderr("(retry 1 of 3)");
    assert_eq!(calls(&c, "uninstall"), 2);
    assert!(
        c.sim
            .get("deployments", Some("istio-system"), "istiod")
            .is_none()
    );
}

/// 10% of all requests fail, fake-istioctl's as well as kyma-mesh's: 500, 503 and 429 (only
/// the 429 with `Retry-After`, as the API server sends them) and dropped connections.
/// istioctl's client (client-go, as fake-istioctl's) retries only the 429 and a GET cut short,
/// and istioctl itself retries nothing, so one istioctl run (some 35 requests) survives about
/// one time in ten: kyma-mesh runs it again on each transient failure, three times at most
/// (each said), and `install`, itself safe to repeat, converges over a few runs (each failed
/// one exit 1 with one error; at this rate a run succeeds about one time in four, hence the
/// generous bound), to a cluster `check` passes.
#[test]
fn install_converges_with_ten_percent_of_all_requests_failing() {
    for seed in [1, 2] {
        let c = Cluster::new();
        c.sim.set_faults(
            Faults {
                seed,
                ..Faults::none()
            }
            .with_rule(FaultRule::new(None, None, 0.08, Fault::AnyError))
            .with_rule(FaultRule::new(None, None, 0.02, Fault::DropConnection)),
        );
        let mut runs = Vec::new();
        while runs.len() < 15 {
            let run = c.run(&["install"]);
            let ok = run.code == Some(0);
            if !ok {
                run.expect_code(1).expect_stderr("error: ");
            }
            runs.push(run);
            if ok {
                break;
            }
        }
        let last = runs.last().unwrap();
        last.expect_success();
        let said: usize = runs
            .iter()
            .map(|r| r.stderr.matches("running istioctl again").count())
            .sum();
        let failed_istioctl_writes = c
            .sim
            .writes()
            .iter()
            .filter(|w| w.query.contains("fieldManager=istioctl") && !w.succeeded())
            .count();
        assert!(
            failed_istioctl_writes > 0 && said > 0,
            "seed {seed}: the faults hit istioctl's requests and istioctl was run again"
        );
        eprintln!(
            "seed {seed}: converged in {} kyma-mesh run(s), {} istioctl runs, {said} said retries",
            runs.len(),
            c.install_call_count()
        );
        c.sim.clear_faults();
        c.run(&["check"]).expect_success();
    }
}

// ---------------------------------------------------------------- certificates

fn installed() -> Cluster {
    let c = Cluster::new();
    c.run(&["install", "--profile", "local"]).expect_success();
    c
}

fn day(offset: i64) -> time::OffsetDateTime {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * offset);
    let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
    rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8)
}

/// A CA certificate (self-signed unless `issuer` is given) valid from `from` to `until` days
/// from today.
fn ca(
    cn: &str,
    (from, until): (i64, i64),
    issuer: Option<&rcgen::Issuer<'_, rcgen::KeyPair>>,
) -> (String, rcgen::Issuer<'static, rcgen::KeyPair>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.not_before = day(from);
    params.not_after = day(until);
    let pem = match issuer {
        Some(i) => params.signed_by(&key, i).unwrap().pem(),
        None => params.self_signed(&key).unwrap().pem(),
    };
    (pem, rcgen::Issuer::new(params, key))
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn secret(name: &str, data: &[(&str, &str)]) -> serde_json::Value {
    let data: serde_json::Map<String, serde_json::Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), b64(v).into()))
        .collect();
    serde_json::json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": "istio-system"}, "data": data})
}

fn root_configmap(ns: &str, pem: &str) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "istio-ca-root-cert", "namespace": ns}, "data": {"root-cert.pem": pem}})
}

fn check_json(c: &Cluster, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut cmd = c.kyma_mesh();
    cmd.arg("check").args(["--output", "json"]).args(args);
    let out = cmd.output().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v)
}

fn find<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["checks"].as_array().unwrap())
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// istiod's self-signed CA: valid (ok), within --cert-warn-days (a warning, exit 0 unless
/// --fail-on-warnings), within 7 days (an error), expired (an error). The root as published in
/// a meshed namespace is read too.
#[test]
fn self_signed_ca_valid_expiring_and_expired() {
    let c = installed();
    let put_ca = |until: i64| {
        let (pem, _) = ca("cluster.local", (-10, until), None);
        c.sim
            .put(secret(
                "istio-ca-secret",
                &[("ca-cert.pem", &pem), ("ca-key.pem", "k")],
            ))
            .unwrap();
        c.sim.put(root_configmap("default", &pem)).unwrap();
    };
    put_ca(3650);
    let (_, v) = check_json(&c, &[]);
    for id in ["ca-certs", "root-cert"] {
        assert_eq!(find(&v, id)["result"], "ok", "{}", find(&v, id));
    }
    let root = find(&v, "root-cert");
    assert_eq!(
        root["data"]["certificates"][0]["source"], "ConfigMap default/istio-ca-root-cert",
        "read where the sidecars read it"
    );
    assert!(
        root["data"]["certificates"][0]["days_left"]
            .as_i64()
            .unwrap()
            >= 3648
    );

    put_ca(20);
    let (code, v) = check_json(&c, &[]);
    let ca_check = find(&v, "ca-certs");
    assert_eq!(ca_check["result"], "warning", "{ca_check}");
    assert!(
        ca_check["message"].as_str().unwrap().contains("in 19 days")
            || ca_check["message"].as_str().unwrap().contains("in 20 days"),
        "{ca_check}"
    );
    assert!(
        ca_check["hint"]
            .as_str()
            .unwrap()
            .contains("root-transition")
    );
    let before = code;
    let (code, _) = check_json(&c, &["--fail-on-warnings"]);
    assert_eq!(code, Some(1), "--fail-on-warnings makes a warning fail");
    // (the kube-sim install warns about absent gateway Secrets anyway: exit 0 without the flag)
    assert_eq!(before, Some(0));
    let (_, v) = check_json(&c, &["--cert-warn-days", "10"]);
    assert_eq!(
        find(&v, "ca-certs")["result"],
        "ok",
        "--cert-warn-days 10: 20 days is fine"
    );

    put_ca(3);
    let (code, v) = check_json(&c, &[]);
    assert_eq!(
        (code, &find(&v, "ca-certs")["result"]),
        (Some(1), &"error".into())
    );

    put_ca(-2);
    let (code, v) = check_json(&c, &[]);
    assert_eq!(code, Some(1));
    let msg = find(&v, "root-cert")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("expired") && msg.contains("2 days ago"),
        "{msg}"
    );
}

/// A plugged-in CA (`cacerts`) whose intermediate expired while the root is fine: an error
/// naming the intermediate.
#[test]
fn plugged_in_chain_with_an_expired_intermediate() {
    let c = installed();
    let (root, root_issuer) = ca("Root CA", (-400, 3650), None);
    let (inter, _) = ca("Intermediate CA", (-400, -1), Some(&root_issuer));
    c.sim
        .put(secret(
            "cacerts",
            &[
                ("ca-cert.pem", &inter),
                ("ca-key.pem", "k"),
                ("cert-chain.pem", &format!("{inter}{root}")),
                ("root-cert.pem", &root),
            ],
        ))
        .unwrap();
    let (code, v) = check_json(&c, &[]);
    assert_eq!(code, Some(1));
    let f = find(&v, "ca-certs");
    assert_eq!(f["result"], "error", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("cacerts ca-cert.pem"),
        "{f}"
    );
    assert!(f["hint"].as_str().unwrap().contains("cacerts"), "{f}");
    let certs = f["data"]["certificates"].as_array().unwrap();
    assert_eq!(
        certs.len(),
        2,
        "the intermediate and the root, each once: {f}"
    );
    let by_subject = |cn: &str| {
        certs
            .iter()
            .find(|c| c["subject"].as_str().unwrap().contains(cn))
            .unwrap()["result"]
            .clone()
    };
    assert_eq!(by_subject("Intermediate CA"), "error");
    assert_eq!(by_subject("Root CA"), "ok");
}

/// The injector's caBundle expired (istiod did not refresh it): an error that says how to.
#[test]
fn an_expired_webhook_ca_bundle_is_an_error() {
    let c = installed();
    let (old, _) = ca("cluster.local", (-400, -5), None);
    let mut mwc = c.get(
        "mutatingwebhookconfigurations",
        None,
        "istio-sidecar-injector",
    );
    for hook in mwc["webhooks"].as_array_mut().unwrap() {
        hook["clientConfig"]["caBundle"] = b64(&old).into();
    }
    c.sim.put(mwc).unwrap();
    let (code, v) = check_json(&c, &[]);
    assert_eq!(code, Some(1));
    let f = find(&v, "webhook-ca-bundles");
    assert_eq!(f["result"], "error", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("MutatingWebhookConfiguration istio-sidecar-injector"),
        "{f}"
    );
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("rollout restart deployment istiod"),
        "{f}"
    );
    // The validator's bundle is still fine and said apart.
    assert_eq!(
        f["data"]["certificates"].as_array().unwrap().len(),
        2,
        "{f}"
    );
}

// ---------------------------------------------------------------- stuck pods

fn stuck_pod(name: &str, phase: &str, status: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "creationTimestamp": "2026-01-01T00:00:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{name}-rs"),
                                          "uid": format!("uid-{name}"), "controller": true}]},
        "spec": {"containers": [{"name": "app", "image": "nginx"}], "nodeName": "node-gone"},
        "status": status});
    v["status"]["phase"] = phase.into();
    v
}

/// Kyma's "Pods stuck in Pending/Failed/Unknown state after upgrade", one pod per reason on
/// kube-sim: each named with its owner and reason, a hint per reason, as JSON too; a young
/// Pending pod and a pod in an unmeshed namespace are not stuck.
#[test]
fn stuck_pods_are_named_with_owner_reason_and_hint() {
    let c = installed();
    c.sim
        .put(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}}))
        .unwrap();
    let proxy = "docker.io/istio/proxyv2:1.28.0";
    for pod in [
        stuck_pod(
            "pull",
            "Pending",
            serde_json::json!({"initContainerStatuses": [{"name": "istio-proxy", "image": proxy,
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}),
        ),
        stuck_pod(
            "init",
            "Pending",
            serde_json::json!({"initContainerStatuses": [{"name": "istio-init", "image": proxy,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1}}}]}),
        ),
        stuck_pod(
            "validation",
            "Pending",
            serde_json::json!({"initContainerStatuses": [{"name": "istio-validation", "image": proxy,
            "state": {"terminated": {"exitCode": 126, "reason": "Error"}}}]}),
        ),
        stuck_pod(
            "lost",
            "Unknown",
            serde_json::json!({"reason": "NodeLost", "message": "node node-gone is unreachable"}),
        ),
    ] {
        c.sim.put(pod).unwrap();
    }
    let timeout = "Error creating: Internal error occurred: failed calling webhook \"namespace.sidecar-injector.istio.io\": failed to call webhook: Post \"https://istiod.istio-system.svc:443/inject?timeout=10s\": context deadline exceeded";
    c.sim
        .put(serde_json::json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-rs.1", "namespace": "shop"}, "reason": "FailedCreate", "type": "Warning",
            "involvedObject": {"kind": "ReplicaSet", "namespace": "shop", "name": "web-rs"}, "message": timeout}))
        .unwrap();
    let (code, v) = check_json(&c, &[]);
    assert_eq!(code, Some(1));
    let f = find(&v, "stuck-pods");
    assert_eq!(f["result"], "error", "{f}");
    let pods = f["data"]["stuck_pods"].as_array().unwrap();
    let reason = |name: &str| {
        pods.iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {f}"))["reason"]
            .clone()
    };
    assert_eq!(reason("pull"), "proxy-image-pull");
    assert_eq!(reason("init"), "istio-init");
    assert_eq!(reason("validation"), "istio-validation");
    assert_eq!(reason("lost"), "other");
    assert_eq!(pods.len(), 4, "{f}");
    assert_eq!(pods[0]["owner"]["kind"], "ReplicaSet");
    assert_eq!(f["data"]["webhook_failures"][0]["object"], "shop/web-rs");

    let out = c.kyma_mesh().arg("check").output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    for want in [
        "shop/pull (ReplicaSet pull-rs): Pending for",
        "the proxy image docker.io/istio/proxyv2:1.28.0 cannot be pulled",
        "NET_ADMIN",
        "istio-cni-node",
        "NodeLost: node node-gone is unreachable",
        "ReplicaSet shop/web-rs cannot create pods",
        "port 15017",
    ] {
        assert!(table.contains(want), "{want:?} in:\n{table}");
    }

    // --stuck-after longer than they have been stuck: none.
    let (_, v) = check_json(&c, &["--stuck-after", "100000h"]);
    let f = find(&v, "stuck-pods");
    assert!(
        f["data"]["stuck_pods"].as_array().unwrap().is_empty(),
        "{f}"
    );
}

// ---------------------------------------------------------------- uninstall

/// A `kubectl patch` of kyma-mesh's PeerAuthentication istio-system/default no longer makes
/// uninstall refuse: the object is still kyma-mesh's, is removed, and the run says which fields
/// kubectl changed (the dry run too). A VirtualService kyma-mesh did not create still stops it.
#[test]
fn kyma_meshs_objects_changed_by_others_are_removed_and_said() {
    let c = installed();
    crate::kubectl::kubectl(
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
    let plan = c.run(&["uninstall", "--dry-run"]);
    plan.expect_success().expect_stdout(
        "PeerAuthentication istio-system/default (also changed by kubectl-patch: spec.mtls.mode)",
    );

    c.sim
        .put(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}))
        .unwrap();
    c.sim
        .put(serde_json::json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"hosts": ["web.example.com"], "http": [{"route": [{"destination": {"host": "web"}}]}]}}))
        .unwrap();
    let refused = c.run(&["uninstall"]);
    refused
        .expect_code(1)
        .expect_stderr("VirtualService shop/web")
        .expect_no_writes();
    assert!(
        !refused.stderr.contains("PeerAuthentication"),
        "kyma-mesh's own object is not among the refused: {}",
        refused.stderr
    );
    c.sim
        .delete("virtualservices.networking.istio.io", Some("shop"), "web")
        .unwrap();

    let run = c.run(&["uninstall"]);
    run.expect_success()
        .expect_stderr("PeerAuthentication istio-system/default: kyma-mesh's, removed although kubectl-patch: spec.mtls.mode changed it");
    assert!(
        c.sim
            .get(
                "peerauthentications.security.istio.io",
                Some("istio-system"),
                "default"
            )
            .is_none()
    );
}
