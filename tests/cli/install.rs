//! `kyma-mesh install` end to end: the real binary, kube-sim and fake-istioctl.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{Cluster, Files, invalid};

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn install_ok(c: &Cluster, args: &[&str]) -> std::process::Output {
    let out = c
        .kyma_mesh()
        .arg("install")
        .args(args)
        .output()
        .expect("run");
    assert!(out.status.success(), "install failed:\n{}", stderr_of(&out));
    out
}

/// Every field Kyma's post-install configuration ("Kyma-specific configuration") names, read back from the cluster.
fn assert_patched(c: &Cluster, local: bool) {
    let pa = c.get(
        "peerauthentications.security.istio.io",
        Some("istio-system"),
        "default",
    );
    assert_eq!(pa["spec"]["mtls"]["mode"], "STRICT");
    let dr = c.get(
        "destinationrules.networking.istio.io",
        Some("istio-system"),
        "api-server",
    );
    assert_eq!(dr["spec"]["host"], "kubernetes.default.svc.cluster.local");
    assert_eq!(dr["spec"]["trafficPolicy"]["tls"]["mode"], "DISABLE");
    let gw_rule = c.sim.get(
        "destinationrules.networking.istio.io",
        Some("istio-system"),
        "istio-ingressgateway",
    );
    if local {
        let gw_rule = gw_rule.expect("local has the ingress gateway rule");
        assert_eq!(
            gw_rule["spec"]["host"],
            "istio-ingressgateway.istio-system.svc.cluster.local"
        );
        assert_eq!(gw_rule["spec"]["trafficPolicy"]["tls"]["mode"], "DISABLE");
    } else {
        assert!(
            gw_rule.is_none(),
            "only local disables mTLS towards the gateway"
        );
    }
    let wh = c.get(
        "mutatingwebhookconfigurations",
        None,
        "istio-sidecar-injector",
    );
    let hooks = wh["webhooks"].as_array().expect("webhooks");
    let injectors: Vec<&Value> = hooks
        .iter()
        .filter(|h| {
            h["name"]
                .as_str()
                .unwrap_or("")
                .ends_with("sidecar-injector.istio.io")
        })
        .collect();
    // Istio's four, plus `auto.` when namespaces are injected by default.
    let names: Vec<&str> = injectors
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    for prefix in ["rev.namespace.", "rev.object.", "namespace.", "object."] {
        assert!(
            names.contains(&format!("{prefix}sidecar-injector.istio.io").as_str()),
            "{names:?}"
        );
    }
    let gardener =
        json!({"key": "gardener.cloud/purpose", "operator": "NotIn", "values": ["kube-system"]});
    for h in injectors {
        assert_eq!(h["timeoutSeconds"], 10, "{}", h["name"]);
        let exprs = h["namespaceSelector"]["matchExpressions"]
            .as_array()
            .expect("expressions");
        assert_eq!(
            exprs.iter().filter(|e| **e == gardener).count(),
            1,
            "added once: {}",
            h["name"]
        );
        assert!(
            exprs.len() > 1,
            "Istio's own expressions are kept: {}",
            h["name"]
        );
        assert!(
            h["clientConfig"]["service"]["name"].is_string(),
            "the rest of the webhook is intact"
        );
    }
    for ns in ["istio-system", "kube-system"] {
        assert_eq!(
            c.get("namespaces", None, ns)["metadata"]["labels"]["istio-injection"],
            "disabled",
            "{ns}"
        );
    }
}

#[test]
fn fresh_install_for_each_profile_leaves_kyma_specific_configuration() {
    for profile in ["local", "cluster", "production"] {
        let c = Cluster::new();
        let out = install_ok(&c, &["--profile", profile]);
        assert_patched(&c, profile == "local");

        let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
        assert_eq!(rec["data"]["profile"], profile);
        let installed = c
            .sim
            .istio_version()
            .expect("fake-istioctl installed istiod");
        assert_eq!(rec["data"]["istio-version"], installed.as_str());
        assert!(
            rec["data"]["istio-operator.yaml"]
                .as_str()
                .unwrap()
                .contains("PILOT_HTTP10")
        );
        assert!(rec["data"]["installed-at"].as_str().unwrap().ends_with('Z'));

        // istioctl got exactly the rendered IstioOperator, with -y, from a file now gone.
        let install = c.install_call().expect("istioctl install ran");
        assert!(
            install.args.contains(&"-y".to_string()),
            "{:?}",
            install.args
        );
        let (file, content) = install.files.iter().next().expect("-f FILE recorded");
        assert!(
            !std::path::Path::new(file).exists(),
            "the rendered file is removed: {file}"
        );
        let rendered =
            crate::util::success(crate::util::kyma_mesh().args(["render", "--profile", profile]));
        assert_eq!(
            content, &rendered,
            "istioctl received the rendered IstioOperator"
        );

        let err = stderr_of(&out);
        assert!(err.contains("√ istioctl install"), "{err}");
        assert!(
            err.contains(&format!("installed with profile {profile}")),
            "{err}"
        );
    }
}

#[test]
fn second_install_changes_nothing() {
    let c = Cluster::new();
    install_ok(&c, &["--profile", "local"]);
    let first = c.kyma_mesh_writes();
    assert!(
        first.len() >= 7,
        "patches and record written: {}",
        first.len()
    );
    c.sim.clear_writes();
    let out = install_ok(&c, &["--profile", "local"]);
    // istioctl re-applies its webhook configuration on every install (resetting the selector it
    // owns), so the injector tuning is re-applied; nothing else kyma-mesh owns is rewritten.
    let istioctl_reset_webhook = c.sim.writes().iter().any(|w| {
        w.succeeded()
            && !w.query.contains("fieldManager=kyma-mesh")
            && w.resource == "mutatingwebhookconfigurations"
    });
    let again: Vec<String> = c
        .kyma_mesh_writes()
        .iter()
        .map(|w| w.path.clone())
        .filter(|p| !p.ends_with("/configmaps/kyma-mesh-config"))
        .filter(|p| !(istioctl_reset_webhook && p.contains("mutatingwebhookconfigurations")))
        .collect();
    assert!(again.is_empty(), "a second install rewrote {again:?}");
    assert_patched(&c, true);
    let err = stderr_of(&out);
    let applied = if istioctl_reset_webhook {
        "1 patches applied"
    } else {
        "0 patches applied"
    };
    assert!(err.contains(applied), "{err}");
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .args(["install", "--profile", "local", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let plan = String::from_utf8(out.stdout).unwrap();
    assert!(plan.contains("install -f"), "{plan}");
    assert!(plan.contains(" -y"), "{plan}");
    assert!(plan.contains("PILOT_HTTP10"), "the IstioOperator: {plan}");
    for target in [
        "PeerAuthentication istio-system/default",
        "DestinationRule istio-system/api-server",
        "DestinationRule istio-system/istio-ingressgateway",
        "MutatingWebhookConfiguration istio-sidecar-injector",
        "Namespace kube-system",
    ] {
        assert!(plan.contains(target), "{target} in plan:\n{plan}");
    }
    assert!(plan.contains("mode: STRICT"), "patches as YAML: {plan}");
    assert!(
        c.sim.writes().iter().all(|w| !w.succeeded()),
        "dry run wrote: {:?}",
        c.sim.writes()
    );
    assert!(
        c.istioctl_calls()
            .iter()
            .all(|call| call.args.first().map(String::as_str) == Some("version")),
        "only `istioctl version` ran"
    );
}

#[test]
fn istioctl_missing() {
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .arg("install")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("istioctl not found"), "{err}");
    assert!(err.contains("--istioctl"), "says how to fix it: {err}");
    assert!(c.sim.writes().is_empty());
}

#[test]
fn istioctl_too_old() {
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .arg("install")
        .env("FAKE_ISTIOCTL_VERSION", "1.22.3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("1.22.3") && err.contains("1.24"), "{err}");
    assert!(c.sim.writes().is_empty());
}

#[test]
fn istioctl_failure_keeps_its_message_and_skips_the_patches() {
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .arg("install")
        .env("FAKE_ISTIOCTL_FAIL", "exit")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("simulated failure"),
        "istioctl's stderr: {err}"
    );
    assert!(err.contains("No Kyma patches were applied"), "{err}");
    assert!(
        c.kyma_mesh_writes().is_empty(),
        "no patches after a failed istioctl"
    );
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

#[test]
fn partial_istioctl_install_skips_the_patches() {
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .arg("install")
        .env("FAKE_ISTIOCTL_FAIL", "partial")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("Ingress gateways"),
        "{}",
        stderr_of(&out)
    );
    assert!(c.kyma_mesh_writes().is_empty());
}

#[test]
fn hanging_istioctl_is_stopped_at_the_timeout() {
    let c = Cluster::new();
    let started = Instant::now();
    let out = c
        .kyma_mesh()
        .args(["install", "--timeout", "3s"])
        .env("FAKE_ISTIOCTL_FAIL", "hang")
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        took < Duration::from_secs(20),
        "stopped near the timeout, took {took:?}"
    );
    let err = stderr_of(&out);
    assert!(err.contains("stopped"), "{err}");
    assert!(err.contains("--timeout"), "says what to do: {err}");
    assert!(c.kyma_mesh_writes().is_empty());
}

#[test]
fn ctrl_c_stops_istioctl_and_exits_130() {
    let c = Cluster::new();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("kyma-mesh"));
    let probe = c.kyma_mesh();
    for (k, v) in probe.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let child = cmd
        .arg("install")
        .env("FAKE_ISTIOCTL_FAIL", "hang")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until istioctl install is running, then interrupt kyma-mesh only.
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.install_call().is_none() {
        assert!(Instant::now() < deadline, "istioctl install never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        err.contains("partial Istio installation"),
        "says what state the cluster may be in: {err}"
    );
}

#[test]
fn denied_permission_is_named_in_preflight() {
    let c = Cluster::new();
    c.sim
        .deny("create", "security.istio.io", "peerauthentications");
    c.sim.deny("patch", "", "namespaces");
    let out = c.kyma_mesh().arg("install").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("create peerauthentications.security.istio.io in istio-system"),
        "{err}"
    );
    assert!(err.contains("patch namespaces"), "{err}");
    assert!(err.contains("× permissions"), "{err}");
    assert!(
        c.sim.writes().is_empty(),
        "nothing written after a failed preflight"
    );
    assert!(c.install_call().is_none());
}

fn override_configmap(name: &str, labelled: bool, max: u32) -> Value {
    let mut labels = json!({});
    if labelled {
        labels = json!({"installer": "overrides", "component": "istio"});
    }
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "kyma-installer", "labels": labels},
        "data": {"kyma_istio_operator": format!(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n    pilot:\n      k8s:\n        hpaSpec:\n          maxReplicas: {max}\n")},
    })
}

fn installed_operator(c: &Cluster) -> Value {
    let install = c.install_call().expect("install ran");
    serde_saphyr::from_str(install.files.values().next().unwrap()).unwrap()
}

#[test]
fn overrides_from_the_labelled_configmaps_in_kyma_installer() {
    let c = Cluster::new();
    c.sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-installer"}})).unwrap();
    c.sim
        .put(override_configmap("istio-overrides", true, 4))
        .unwrap();
    c.sim
        .put(override_configmap("unlabelled", false, 9))
        .unwrap();
    let out = install_ok(&c, &[]);
    assert_eq!(
        installed_operator(&c)["spec"]["components"]["pilot"]["k8s"]["hpaSpec"]["maxReplicas"],
        4
    );
    assert!(
        stderr_of(&out).contains("kyma-installer/istio-overrides"),
        "names the source: {}",
        stderr_of(&out)
    );
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert!(
        rec["data"]["overrides.yaml"]
            .as_str()
            .unwrap()
            .contains("maxReplicas: 4")
    );
}

#[test]
fn overrides_from_a_named_configmap() {
    let c = Cluster::new();
    c.sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-installer"}})).unwrap();
    c.sim.put(override_configmap("mine", false, 3)).unwrap();
    install_ok(&c, &["--from-configmap", "kyma-installer/mine"]);
    assert_eq!(
        installed_operator(&c)["spec"]["components"]["pilot"]["k8s"]["hpaSpec"]["maxReplicas"],
        3
    );
    let out = c
        .kyma_mesh()
        .args(["install", "--from-configmap", "kyma-installer/nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("ConfigMap kyma-installer/nope does not exist"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn invalid_overrides_stop_before_anything_is_written() {
    let c = Cluster::new();
    let f = Files::new(&[(
        "o.yaml",
        "kind: IstioOperator\nspec:\n  components:\n    policy: {enabled: true}\n",
    )]);
    let err = invalid(c.kyma_mesh().args(["install", "-o"]).arg(f.path("o.yaml")));
    assert!(err.contains("o.yaml:4:5"), "{err}");
    assert!(c.sim.writes().is_empty());
}

#[test]
fn stale_injector_webhook_is_found_and_fixed_with_fix() {
    let c = Cluster::new();
    c.sim.put(json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "istio-sidecar-injector"},
        "webhooks": [{
            "name": "namespace.sidecar-injector.istio.io",
            "clientConfig": {"service": {"name": "istiod", "namespace": "istio-system", "path": "/inject"}},
            "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
        }],
    })).unwrap();
    let out = c.kyma_mesh().arg("install").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains(
            "istio-sidecar-injector calls Service istio-system/istiod, which does not exist"
        ),
        "{err}"
    );
    assert!(
        err.contains("kubectl delete mutatingwebhookconfiguration istio-sidecar-injector"),
        "{err}"
    );
    assert!(err.contains("--fix"), "{err}");
    assert!(c.sim.writes().iter().all(|w| !w.succeeded()));
    install_ok(&c, &["--fix"]);
    assert_patched(&c, false);
}

#[test]
fn pods_that_never_get_ready_fail_istioctl_within_our_timeout() {
    let c = Cluster::new();
    c.sim.set_new_pods_ready(false);
    let out = c
        .kyma_mesh()
        .args(["install", "--timeout", "4s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    // istioctl got a readiness timeout below ours, so it says what is not ready.
    assert!(err.contains("resources not ready after 3s"), "{err}");
    assert!(err.contains("Deployment/istio-system/istiod"), "{err}");
    let install = c.install_call().unwrap();
    assert!(
        install.args.join(" ").contains("--readiness-timeout 3s"),
        "{:?}",
        install.args
    );
    assert!(c.kyma_mesh_writes().is_empty());
}

#[test]
fn opt_in_labels_kyma_system() {
    let c = Cluster::new();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-system"}}))
        .unwrap();
    install_ok(&c, &["--sidecar-injection", "opt-in"]);
    assert_eq!(
        c.get("namespaces", None, "kyma-system")["metadata"]["labels"]["istio-injection"],
        "enabled"
    );
}

#[test]
fn kubectl_reads_the_patches_back() {
    let c = Cluster::new();
    install_ok(&c, &["--profile", "local"]);
    let kubectl = |args: &[&str]| {
        let out = std::process::Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", c.sim.kubeconfig_path())
            .output()
            .expect("kubectl on PATH");
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        kubectl(&[
            "get",
            "peerauthentication",
            "default",
            "-n",
            "istio-system",
            "-o",
            "jsonpath={.spec.mtls.mode}"
        ]),
        "STRICT"
    );
    assert_eq!(
        kubectl(&[
            "get",
            "namespace",
            "kube-system",
            "-o",
            "jsonpath={.metadata.labels.istio-injection}"
        ]),
        "disabled"
    );
    let t = kubectl(&[
        "get",
        "mutatingwebhookconfiguration",
        "istio-sidecar-injector",
        "-o",
        "jsonpath={.webhooks[*].timeoutSeconds}",
    ]);
    let timeouts: Vec<&str> = t.split_whitespace().collect();
    assert!(
        timeouts.len() >= 4 && timeouts.iter().all(|t| *t == "10"),
        "{t}"
    );
    assert!(kubectl(&["get", "destinationrule", "-n", "istio-system"]).contains("api-server"));
}

#[test]
fn kubeconfig_and_context_are_passed_through_to_istioctl() {
    let c = Cluster::new();
    let kc = c.sim.kubeconfig_path().display().to_string();
    let out = c
        .kyma_mesh()
        .env("KUBECONFIG", "/nonexistent")
        .args(["--kubeconfig", &kc, "--context", "kube-sim-alt", "install"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let install = c.install_call().unwrap();
    let args = install.args.join(" ");
    assert!(args.contains(&format!("--kubeconfig {kc}")), "{args}");
    assert!(args.contains("--context kube-sim-alt"), "{args}");
}

#[test]
fn version_reports_the_istioctl_it_would_use() {
    let c = Cluster::new();
    let out = crate::util::success(c.kyma_mesh().arg("version"));
    assert!(out.contains("istioctl: 1.28.0 at "), "{out}");
    assert!(out.contains("(from PATH)"), "{out}");
    let old = crate::util::json(
        c.kyma_mesh()
            .args(["version", "--output", "json"])
            .env("FAKE_ISTIOCTL_VERSION", "1.22.0"),
    );
    assert_eq!(old["istioctl"]["version"], "1.22.0");
    assert_eq!(old["istioctl"]["supported"], false);
}

#[test]
fn skip_validation_is_warned_about_loudly() {
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .args(["install", "--dry-run", "--skip-validation"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("warning: --skip-validation"), "{err}");
    assert!(err.contains("NOT checked"), "{err}");
}

#[test]
fn unreachable_cluster_fails_the_first_preflight_step() {
    let c = Cluster::new();
    let started = Instant::now();
    let out = c
        .kyma_mesh()
        .args(["--context", "unreachable", "install"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(err.contains("× cluster answers"), "{err}");
    assert!(err.contains("127.0.0.1:1"), "names the server: {err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "gives up in reasonable time"
    );
}

#[test]
fn unknown_context_is_invalid_input() {
    let c = Cluster::new();
    let err = invalid(
        c.kyma_mesh()
            .args(["--context", "no-such-context", "install"]),
    );
    assert!(err.contains("no-such-context"), "{err}");
}

#[test]
fn a_failing_patch_names_the_object_and_the_api_answer() {
    use testkit::{Fault, FaultRule, Faults};
    let c = Cluster::new();
    c.sim.set_faults(Faults::none().with_rule(FaultRule::new(
        Some("patch"),
        Some("destinationrules"),
        1.0,
        Fault::Status(500),
    )));
    let out = c.kyma_mesh().arg("install").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("DestinationRule istio-system/api-server"),
        "{err}"
    );
    assert!(err.contains("500"), "the API's answer: {err}");
    // The patch before it landed; the record is not written for a half-configured mesh.
    assert!(
        c.sim
            .get(
                "peerauthentications.security.istio.io",
                Some("istio-system"),
                "default"
            )
            .is_some()
    );
    assert!(
        c.sim
            .get("configmaps", Some("istio-system"), "kyma-mesh-config")
            .is_none()
    );
}

/// The whole plain-mode transcript of a fresh install, as a reviewed snapshot: every phase in
/// order, every patch named with its object.
#[test]
fn transcript_of_a_fresh_local_install() {
    let c = Cluster::new();
    let run = c.run(&["install", "--profile", "local"]);
    run.expect_success();
    insta::assert_snapshot!(crate::util::redact(&run.stderr));
}

/// A plan that cannot be written is the operation failing (exit 1), not the user's input
/// (it once exited 2, as if a flag were wrong). `/dev/full` refuses every write.
#[test]
fn a_plan_that_cannot_be_written_fails_with_exit_1() {
    let c = Cluster::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let out = c
        .kyma_mesh_process()
        .args(["install", "--dry-run"])
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error: writing to stdout:"), "{err}");
    assert!(
        c.sim.writes().iter().all(|w| !w.succeeded()),
        "a dry run writes nothing"
    );
}

/// The dry-run plan, whole: sources, the istioctl command line, the IstioOperator, every patch.
#[test]
fn dry_run_plan_of_production() {
    let c = Cluster::new();
    let run = c.run(&["install", "--profile", "production", "--dry-run"]);
    run.expect_success().expect_no_writes();
    insta::assert_snapshot!(crate::util::redact(&run.stdout));
}

/// The version rules for `install`, against the live control plane: same version reconciles,
/// a patch or one minor up upgrades (and says so), a downgrade or a skipped minor is refused
/// before anything changes, naming the version to go through.
#[test]
fn version_gate_of_install() {
    let c = Cluster::new();
    let with = |v: &str, args: &[&str]| {
        let mut cmd = c.kyma_mesh();
        cmd.env("FAKE_ISTIOCTL_VERSION", v)
            .arg("install")
            .args(args);
        c.run_cmd(&mut cmd, &[&format!("install (istioctl {v})")])
    };
    with("1.26.4", &[]).expect_success();
    with("1.26.4", &[])
        .expect_success()
        .expect_stderr("Istio 1.26.4 installed; reconciling");
    let refused = with("1.28.0", &[]);
    refused
        .expect_code(1)
        .expect_stderr("1.28.0 is two minors ahead")
        .expect_stderr("Upgrade to 1.27 first")
        .expect_no_writes();
    assert!(
        c.install_call_count() == 2,
        "istioctl never ran for the refused run"
    );
    with("1.27.3", &[])
        .expect_success()
        .expect_stderr("upgrading Istio 1.26.4 -> 1.27.3");
    with("1.26.4", &[])
        .expect_code(1)
        .expect_stderr("kyma-mesh does not downgrade")
        .expect_no_writes();
    with("1.27.1", &[])
        .expect_code(1)
        .expect_stderr("1.27.1 is older")
        .expect_no_writes();
}

/// The Kyma Istio module's resource, read from the cluster: the oldest in kyma-system by
/// default, a named one with NS/NAME; its fields land where the module puts them.
#[test]
fn overrides_from_the_istio_resource_in_the_cluster() {
    let c = Cluster::new();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-system"}}))
        .unwrap();
    let istio = |name: &str, created: &str, proxies: u32| {
        json!({
            "apiVersion": "operator.kyma-project.io/v1alpha2", "kind": "Istio",
            "metadata": {"name": name, "namespace": "kyma-system", "creationTimestamp": created},
            "spec": {"config": {"numTrustedProxies": proxies, "gatewayExternalTrafficPolicy": "Local"}},
            "status": {"state": "Ready"},
        })
    };
    c.sim
        .put(istio("newer", "2026-02-01T00:00:00Z", 2))
        .unwrap();
    c.sim
        .put(istio("default", "2026-01-01T00:00:00Z", 1))
        .unwrap();
    let out = install_ok(&c, &["--profile", "module", "--from-istio-cr"]);
    let io = installed_operator(&c);
    let topology = &io["spec"]["meshConfig"]["defaultConfig"]["gatewayTopology"];
    assert_eq!(
        topology["numTrustedProxies"], 1,
        "the oldest, as the module takes it"
    );
    let overlays = &io["spec"]["components"]["ingressGateways"][0]["k8s"]["overlays"];
    assert_eq!(overlays[1]["patches"][0]["value"], "Local");
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert!(
        rec["data"]["sources"]
            .as_str()
            .unwrap()
            .contains("Istio kyma-system/default (Istio default)"),
        "{}",
        rec["data"]["sources"]
    );
    drop(out);

    let c = Cluster::new();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-system"}}))
        .unwrap();
    c.sim
        .put(istio("newer", "2026-02-01T00:00:00Z", 2))
        .unwrap();
    install_ok(&c, &["--from-istio-cr", "kyma-system/newer"]);
    let io = installed_operator(&c);
    assert_eq!(
        io["spec"]["meshConfig"]["defaultConfig"]["gatewayTopology"]["numTrustedProxies"],
        2
    );

    // None there: the run fails naming what it looked for, and writes nothing.
    let c = Cluster::new();
    let out = c
        .kyma_mesh()
        .args(["install", "--from-istio-cr"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains(
            "an Istio resource (operator.kyma-project.io/v1alpha2) in kyma-system does not exist"
        ),
        "{}",
        stderr_of(&out)
    );
}

/// An invalid Istio resource in the cluster is invalid input, located in the resource.
#[test]
fn an_invalid_istio_resource_in_the_cluster_exits_2() {
    let c = Cluster::new();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-system"}}))
        .unwrap();
    c.sim
        .put(json!({
            "apiVersion": "operator.kyma-project.io/v1alpha2", "kind": "Istio",
            "metadata": {"name": "default", "namespace": "kyma-system"},
            "spec": {"config": {"forwardClientCertDetails": "SANITISE"}},
        }))
        .unwrap();
    let out = c
        .kyma_mesh()
        .args(["install", "--from-istio-cr"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.contains("Istio kyma-system/default:")
            && err.contains("spec.config.forwardClientCertDetails: must be one of")
            && err.contains("did you mean SANITIZE?"),
        "{err}"
    );
}

/// --compatibility-version is recorded and carried by the next install unless changed.
#[test]
fn compatibility_version_is_recorded_and_kept() {
    let c = Cluster::new();
    let recorded = |c: &Cluster| {
        let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
        let io: Value =
            serde_saphyr::from_str(rec["data"]["istio-operator.yaml"].as_str().unwrap()).unwrap();
        (
            rec["data"]["compatibility-version"]
                .as_str()
                .unwrap()
                .to_string(),
            io["spec"]["compatibilityVersion"].clone(),
        )
    };
    install_ok(&c, &["--compatibility-version", "1.27"]);
    assert_eq!(
        installed_operator(&c)["spec"]["compatibilityVersion"],
        "1.27"
    );
    assert_eq!(recorded(&c), ("1.27".to_string(), json!("1.27")));
    let out = install_ok(&c, &[]);
    assert!(
        stderr_of(&out).contains("keeping the recorded compatibility version 1.27"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(recorded(&c), ("1.27".to_string(), json!("1.27")));
    install_ok(&c, &["--compatibility-version", "none"]);
    assert_eq!(recorded(&c), (String::new(), Value::Null));
    // Outside the istioctl's range (1.28 accepts 1.22 to 1.27): refused, exit 2.
    let out = c
        .kyma_mesh()
        .args(["install", "--compatibility-version", "1.21"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("it accepts 1.22 to 1.27"),
        "{}",
        stderr_of(&out)
    );
}

/// Moving from a Kyma 1.x profile to the module's, the injection mode follows the new profile
/// (opt-in) unless given; staying in the family keeps the recorded one.
#[test]
fn the_module_profile_brings_its_opt_in_injection() {
    let c = Cluster::new();
    c.sim
        .put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kyma-system"}}))
        .unwrap();
    install_ok(&c, &["--profile", "cluster"]);
    let out = install_ok(&c, &["--profile", "module"]);
    assert!(
        stderr_of(&out).contains("injection default -> opt-in with profile module"),
        "{}",
        stderr_of(&out)
    );
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert_eq!(rec["data"]["sidecar-injection"], "opt-in");
    assert_eq!(rec["data"]["profile"], "module");
    let ns = c.get("namespaces", None, "kyma-system");
    assert_eq!(ns["metadata"]["labels"]["istio-injection"], "enabled");
    // Within the family the recorded mode stays.
    let out = install_ok(&c, &["--profile", "module-evaluation"]);
    assert!(
        !stderr_of(&out).contains("injection opt-in ->"),
        "{}",
        stderr_of(&out)
    );
    let rec = c.get("configmaps", Some("istio-system"), "kyma-mesh-config");
    assert_eq!(rec["data"]["sidecar-injection"], "opt-in");
}
