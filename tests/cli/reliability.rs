//! Reliability: cluster faults, outages, interruption during patches, honest messages, the order
//! of checks, and what is never printed. The retry policy itself is unit-tested in
//! `src/cluster/retry.rs` (also against kube-sim's fault injection).

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::{Fault, FaultRule, Faults};

use crate::util::{self, Cluster, Files, invalid};

/// Faults hit kyma-mesh's requests only: fake-istioctl stands for istioctl, whose own retries
/// are not kyma-mesh's to test.
const AGENT: &str = "kyma-mesh/";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn install(c: &Cluster, args: &[&str]) -> Output {
    c.kyma_mesh().arg("install").args(args).output().unwrap()
}

/// The objects an install leaves, without what differs from run to run (versions, uids,
/// timestamps, managers, status, generated pods).
fn snapshot(c: &Cluster) -> Vec<Value> {
    let kinds: &[(&str, Option<&str>)] = &[
        ("namespaces", None),
        ("configmaps", Some("istio-system")),
        ("services", Some("istio-system")),
        ("serviceaccounts", Some("istio-system")),
        ("deployments", Some("istio-system")),
        ("mutatingwebhookconfigurations", None),
        ("validatingwebhookconfigurations", None),
        ("customresourcedefinitions", None),
        ("peerauthentications.security.istio.io", None),
        ("destinationrules.networking.istio.io", None),
    ];
    let mut out = Vec::new();
    for (kind, ns) in kinds {
        for mut o in c.sim.list(kind, *ns) {
            let m = o["metadata"].as_object_mut().unwrap();
            for k in [
                "resourceVersion",
                "uid",
                "creationTimestamp",
                "managedFields",
                "generation",
            ] {
                m.remove(k);
            }
            if let Some(o) = o.as_object_mut() {
                o.remove("status");
            }
            if let Some(d) = o["data"].as_object_mut() {
                d.remove("installed-at");
            }
            out.push(o);
        }
    }
    out.sort_by_key(|o| o.to_string());
    out
}

fn reference() -> Vec<Value> {
    let c = Cluster::new();
    let out = install(&c, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    snapshot(&c)
}

/// 10% of kyma-mesh's requests fail: 500, 503, 429 (Retry-After), 409 on patches, dropped
/// connections; every request waits 2-12 ms.
pub(crate) fn ten_percent(seed: u64) -> Faults {
    Faults {
        seed,
        ..Faults::none()
    }
    .with_latency(Duration::from_millis(2), Duration::from_millis(10))
    .with_rule(FaultRule::new(None, None, 0.06, Fault::AnyError).agent(AGENT))
    .with_rule(FaultRule::new(Some("patch"), None, 0.02, Fault::Status(409)).agent(AGENT))
    .with_rule(FaultRule::new(None, None, 0.02, Fault::DropConnection).agent(AGENT))
}

#[test]
fn install_under_ten_percent_faults_converges_to_the_same_objects() {
    let want = reference();
    for seed in [1, 2] {
        let c = Cluster::new();
        c.sim.set_faults(ten_percent(seed));
        let out = install(&c, &["-v"]);
        let err = stderr(&out);
        assert!(out.status.success(), "seed {seed}:\n{err}");
        let failed = c.sim.writes().iter().filter(|w| !w.succeeded()).count();
        assert!(
            err.contains("retrying") || failed > 0,
            "seed {seed}: the faults were hit and retried, visibly with -v:\n{err}"
        );
        c.sim.clear_faults();
        assert_eq!(
            snapshot(&c),
            want,
            "seed {seed}: same objects as without faults"
        );
    }
}

#[test]
fn a_write_outage_ends_in_one_clear_error_and_a_rerun_finishes() {
    let want = reference();
    for fault in [Fault::Status(503), Fault::DropConnection] {
        let c = Cluster::new();
        c.sim.set_faults(
            Faults::none()
                .with_rule(FaultRule::new(Some("patch"), None, 1.0, fault.clone()).agent(AGENT)),
        );
        let started = Instant::now();
        let out = install(&c, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {err}");
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "bounded: {fault:?}"
        );
        let errors: Vec<_> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "one error: {err}");
        let e = errors[0];
        assert!(
            e.contains("applying PeerAuthentication istio-system/default"),
            "names the object: {e}"
        );
        match fault {
            Fault::Status(_) => assert!(e.contains("the API server answered 503 ServiceUnavailable"), "{e}"),
            _ => assert!(
                e.contains(&format!("the connection to the server 127.0.0.1:{} was closed before it answered (6 attempts)", c.sim.port())),
                "{e}"
            ),
        }
        assert_eq!(
            err.matches("applying PeerAuthentication").count(),
            1,
            "said once: {err}"
        );

        c.sim.clear_faults();
        let again = install(&c, &[]);
        assert!(
            again.status.success(),
            "the re-run finishes: {}",
            stderr(&again)
        );
        assert_eq!(snapshot(&c), want, "{fault:?}");
    }
}

/// Spawns kyma-mesh with the harness' environment; stderr lines arrive on the channel.
fn spawn(c: &Cluster, args: &[&str]) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut cmd = c.kyma_mesh_process();
    let mut child = cmd
        .args(args)
        .current_dir(util::repo())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[test]
fn sigterm_during_the_patches_exits_143_saying_what_was_done_and_a_rerun_completes() {
    let c = Cluster::new();
    // Slow patches (kyma-mesh's only) open the window.
    c.sim.set_faults(
        Faults::none().with_rule(
            FaultRule::new(
                Some("patch"),
                None,
                1.0,
                Fault::Delay(Duration::from_millis(1500)),
            )
            .agent(AGENT),
        ),
    );
    let (mut child, lines) = spawn(&c, &["install"]);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("istioctl never finished: {seen:#?}"));
        let done = line.contains("√ istioctl install");
        seen.push(line);
        if done {
            break;
        }
    }
    // The first patch reads its object (fast) and is then held 1.5 s by the server.
    std::thread::sleep(Duration::from_millis(400));
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    seen.extend(lines.iter());
    let err = seen.join("\n");
    assert_eq!(status.code(), Some(143), "{err}");
    assert!(
        err.contains("interrupted by SIGTERM after istioctl install"),
        "{err}"
    );
    assert!(
        err.contains("done: istioctl install"),
        "what was done: {err}"
    );
    assert!(
        err.contains("not done: ") && err.contains("(was being applied: it may have landed)"),
        "what was not: {err}"
    );
    assert!(err.contains("Run `kyma-mesh install` again"), "{err}");
    assert!(
        c.sim
            .get("configmaps", Some("istio-system"), "kyma-mesh-config")
            .is_none(),
        "no record of an incomplete install"
    );

    c.sim.clear_faults();
    let again = install(&c, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    let pa = c.get(
        "peerauthentications.security.istio.io",
        Some("istio-system"),
        "default",
    );
    assert_eq!(pa["spec"]["mtls"]["mode"], "STRICT");
    assert!(
        c.sim
            .get("configmaps", Some("istio-system"), "kyma-mesh-config")
            .is_some()
    );
}

#[test]
fn configuration_errors_come_before_the_network() {
    let c = Cluster::new();
    let before = c.sim.request_count();
    let err =
        invalid(
            c.kyma_mesh()
                .args(["--context", "unreachable", "install", "-o", "typo.yaml"]),
        );
    assert!(err.contains("typo.yaml"), "names the typo: {err}");
    assert!(
        !err.contains("127.0.0.1:1"),
        "never reached the cluster: {err}"
    );
    let err = invalid(c.kyma_mesh().args([
        "--context",
        "unreachable",
        "install",
        "--set",
        "no-equals-sign",
    ]));
    assert!(!err.contains("127.0.0.1:1"), "{err}");
    assert_eq!(c.sim.request_count(), before, "not one request");
    // The same against the reachable cluster: the bad file stops the run before any request.
    invalid(c.kyma_mesh().args(["install", "-o", "typo.yaml"]));
    assert_eq!(c.sim.request_count(), before, "not one request");
}

#[test]
fn preflight_reports_every_independent_failure() {
    let c = Cluster::new();
    c.sim
        .deny("create", "security.istio.io", "peerauthentications");
    let out = install(&c, &["--istioctl", "/nonexistent/istioctl"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("× permissions: 1 missing"), "{err}");
    assert!(err.contains("× istioctl:"), "{err}");
    assert!(
        err.contains("error: preflight failed (permissions, istioctl), nothing was changed"),
        "{err}"
    );
    // The error adds the hints, not the messages the progress lines already showed.
    assert_eq!(err.matches("1 missing").count(), 1, "{err}");
    // With -q only the error speaks, and it says everything.
    let quiet = stderr(&install(&c, &["-q", "--istioctl", "/nonexistent/istioctl"]));
    assert!(quiet.contains("permissions: 1 missing"), "{quiet}");
    assert!(
        quiet.contains("missing: create peerauthentications"),
        "{quiet}"
    );
    assert!(quiet.contains("istioctl:"), "{quiet}");
}

#[test]
fn unknown_context_lists_the_contexts_there_are() {
    let c = Cluster::new();
    let err = invalid(c.kyma_mesh().args(["--context", "nosuch", "install"]));
    assert_eq!(
        err.trim(),
        "error: context \"nosuch\" is not in the kubeconfig; use one of: kube-sim, kube-sim-alt, unreachable"
    );
}

#[test]
fn a_missing_kubeconfig_is_one_sentence() {
    let err = invalid(
        util::kyma_mesh()
            .arg("install")
            .env("KUBECONFIG", "/nonexistent/kc"),
    );
    assert_eq!(
        err.trim(),
        "error: the kubeconfig /nonexistent/kc (from $KUBECONFIG) does not exist"
    );
    let err = invalid(util::kyma_mesh().args(["--kubeconfig", "/nonexistent/kc", "install"]));
    assert_eq!(
        err.trim(),
        "error: the kubeconfig /nonexistent/kc (from --kubeconfig) does not exist"
    );
}

#[test]
fn connection_refused_is_said_as_kubectl_says_it() {
    let c = Cluster::new();
    let out = install(&c, &["--context", "unreachable"]);
    let err = stderr(&out);
    let said = "the connection to the server 127.0.0.1:1 was refused: is the cluster running, and is this the right context?";
    assert!(err.contains(said), "{err}");
    assert_eq!(err.matches(said).count(), 1, "said once: {err}");
    assert!(
        !err.contains("ServiceError") && !err.contains("tcp connect"),
        "{err}"
    );
}

/// Every message of these failures, greped for Rust's Debug output and type names.
#[test]
fn no_message_shows_rust_structures() {
    let c = Cluster::new();
    let files = Files::new(&[
        ("garbage-kubeconfig", "clusters: [unclosed\n"),
        ("empty.yaml", ""),
    ]);
    let mut outputs: Vec<(String, Output)> = Vec::new();
    let mut run = |name: &str, out: Output| outputs.push((name.to_string(), out));
    run("unreachable", install(&c, &["--context", "unreachable"]));
    run("unknown context", install(&c, &["--context", "nosuch"]));
    run(
        "missing kubeconfig",
        util::kyma_mesh().arg("install").output().unwrap(),
    );
    run(
        "garbage kubeconfig",
        install(
            &c,
            &[
                "--kubeconfig",
                files.path("garbage-kubeconfig").to_str().unwrap(),
            ],
        ),
    );
    run(
        "render -o json",
        util::kyma_mesh()
            .args(["render", "-o", "json"])
            .output()
            .unwrap(),
    );
    run(
        "bad -v",
        util::kyma_mesh().args(["-v=x", "render"]).output().unwrap(),
    );
    run(
        "missing file",
        util::kyma_mesh()
            .args(["render", "-o", "nosuch.yaml"])
            .output()
            .unwrap(),
    );
    run(
        "missing istioctl",
        install(&c, &["--istioctl", "/nonexistent/istioctl"]),
    );
    run(
        "missing configmap",
        install(&c, &["--from-configmap", "kyma-installer/nosuch"]),
    );
    c.sim
        .deny("create", "security.istio.io", "peerauthentications");
    run("denied", install(&c, &[]));
    c.sim.clear_denies();
    for (name, rule) in [
        (
            "patch 500",
            FaultRule::new(Some("patch"), None, 1.0, Fault::Status(500)),
        ),
        (
            "patch 403",
            FaultRule::new(Some("patch"), None, 1.0, Fault::Status(403)),
        ),
        (
            "patch dropped",
            FaultRule::new(Some("patch"), None, 1.0, Fault::DropConnection),
        ),
        (
            "list 500",
            FaultRule::new(Some("list"), None, 1.0, Fault::Status(500)),
        ),
        (
            "access review 500",
            FaultRule::new(Some("create"), None, 1.0, Fault::Status(500)),
        ),
        (
            "everything 503",
            FaultRule::new(None, None, 1.0, Fault::Status(503)),
        ),
    ] {
        c.sim
            .set_faults(Faults::none().with_rule(rule.agent(AGENT)));
        run(name, install(&c, &["-v"]));
        c.sim.clear_faults();
    }
    let c2 = Cluster::new();
    c2.sim.set_faults(Faults::none().with_rule(FaultRule::new(
        Some("patch"),
        None,
        1.0,
        Fault::Status(500),
    )));
    run("istioctl meets a 500", install(&c2, &[]));
    for (name, out) in &outputs {
        let t = text(out);
        assert!(!out.status.success(), "{name} fails:\n{t}");
        assert!(t.contains("error:"), "{name}:\n{t}");
        for bad in [
            "Some(",
            "None",
            "{ ",
            "Error {",
            "Status {",
            "ErrorResponse",
            "ApiError",
            "ServiceError",
        ] {
            assert!(!t.contains(bad), "{name}: {bad:?} in:\n{t}");
        }
    }
}

#[test]
fn vv_says_every_request_and_istioctl_line_and_never_a_token() {
    let c = Cluster::new();
    let token = "tok-3f9a1c77e2d54b6b9d0e-secret";
    let kc = c
        .sim
        .kubeconfig_yaml("kube-sim")
        .replace("token: kube-sim\n", &format!("token: {token}\n"));
    assert!(kc.contains(token));
    let files = Files::new(&[("kubeconfig", &kc)]);
    let kubeconfig = files.path("kubeconfig");
    let run = |v: &str| {
        let mut cmd = c.kyma_mesh();
        cmd.env("KUBECONFIG", &kubeconfig).arg("install");
        if !v.is_empty() {
            cmd.arg(v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{v}: {}", stderr(&out));
        out
    };
    // -vv first, on the fresh cluster, so it has patches to send.
    let vv_out = run("-vv");
    let vv = stderr(&vv_out);
    let v = stderr(&run("-v"));
    let request = |l: &str| l.contains("GET /api/v1/") && l.contains(" 200 (");
    assert!(!v.lines().any(request), "-v does not list requests:\n{v}");
    assert!(vv.lines().any(request), "-vv lists every request:\n{vv}");
    assert!(
        vv.contains(
            "PATCH /apis/security.istio.io/v1/namespaces/istio-system/peerauthentications/default"
        ),
        "{vv}"
    );
    assert!(
        vv.contains("istioctl: "),
        "-vv shows istioctl's lines:\n{vv}"
    );
    assert!(
        vv.lines().count() > v.lines().count() + 20,
        "-vv says more than -v"
    );
    let kubectl_six = stderr(&run("--v=6"));
    assert!(kubectl_six.lines().any(request), "--v=6 is -vv");
    for out in [text(&vv_out), v, kubectl_six] {
        assert!(!out.contains(token), "the token is never printed");
    }
    assert!(
        c.sim
            .writes()
            .iter()
            .any(|w| w.user.as_deref() == Some(token)),
        "the token was used"
    );
}

#[test]
fn kubectl_verbosity_flags_and_bad_ones() {
    for args in [
        &["-v=6", "render"][..],
        &["--v=6", "render"],
        &["-v", "6", "render"],
        &["render", "-vv"],
        &["render", "--v", "2"],
    ] {
        util::success(util::kyma_mesh().args(args));
    }
    for (args, says) in [
        (&["-v=x", "render"][..], "-v takes a level"),
        (&["--v=", "render"], "-v takes a level"),
        (&["render", "--v"], "--v takes a level"),
        (&["render", "-vx"], "unexpected argument"),
    ] {
        let err = invalid(util::kyma_mesh().args(args));
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn output_format_after_o_is_answered_with_the_right_flag() {
    for f in ["json", "yaml", "wide"] {
        let err = invalid(util::kyma_mesh().args(["render", "-o", f]));
        assert_eq!(
            err.trim(),
            format!(
                "error: there is no override file {f}: -o names an override file (as in Kyma CLI); did you mean --output {f}?"
            )
        );
    }
    let err = invalid(util::kyma_mesh().args(["install", "-o", "json"]));
    assert!(err.contains("this command has no output format"), "{err}");
    // A file that is really called json is read.
    let files = Files::new(&[(
        "json",
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {}\n",
    )]);
    util::success(
        util::kyma_mesh()
            .current_dir(files.dir.path())
            .args(["render", "-o", "json"]),
    );
}

#[test]
fn filename_is_istioctls_alias_of_o() {
    let o =
        util::success(util::kyma_mesh().args(["render", "-o", "examples/istio-overrides.yaml"]));
    let f =
        util::success(util::kyma_mesh().args(["render", "-f", "examples/istio-overrides.yaml"]));
    let filename = util::success(util::kyma_mesh().args([
        "render",
        "--filename",
        "examples/istio-overrides.yaml",
    ]));
    assert_eq!(o, f);
    assert_eq!(o, filename);
    assert_ne!(
        o,
        util::success(util::kyma_mesh().arg("render")),
        "the file was read"
    );
}

#[test]
fn kyma_mesh_never_weakens_mtls() {
    for profile in ["local", "cluster", "production"] {
        for injection in ["default", "opt-in"] {
            let c = Cluster::new();
            let plan = util::success(c.kyma_mesh().args([
                "install",
                "--dry-run",
                "--profile",
                profile,
                "--sidecar-injection",
                injection,
            ]));
            assert!(
                !plan.contains("PERMISSIVE"),
                "{profile}/{injection}:\n{plan}"
            );
            assert!(
                plan.contains("mode: STRICT"),
                "{profile}/{injection}:\n{plan}"
            );
            let c = Cluster::new();
            assert!(
                install(
                    &c,
                    &["--profile", profile, "--sidecar-injection", injection]
                )
                .status
                .success()
            );
            for w in c.sim.writes() {
                assert!(
                    !w.body.contains("PERMISSIVE"),
                    "{profile}: {} {}",
                    w.path,
                    w.body
                );
            }
        }
    }
}

/// Greps the product's sources: no shell, no silent insecure TLS.
#[test]
fn no_shell_and_no_insecure_tls_in_the_sources() {
    let mut files = Vec::new();
    let mut dirs = vec![util::repo().join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 20);
    // Written split so this file does not match itself if it ever moves under src/.
    let shell = [
        concat!("sh", " -c"),
        concat!("Command::new(\"", "sh\")"),
        concat!("Command::new(\"", "bash\")"),
    ];
    let insecure = [
        concat!("accept_", "invalid"),
        concat!("danger_", "accept"),
        concat!("insecure", "_skip"),
    ];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for bad in shell.iter().chain(&insecure) {
            assert!(!text.contains(bad), "{}: {bad}", f.display());
        }
    }
}

/// proxy-reset under 10% faults restarts every rollable outdated workload exactly once: the
/// same patches a fault-free run makes, each landing once (retries resend, kube-sim's log
/// shows at most one successful patch per workload).
#[test]
fn proxy_reset_under_ten_percent_faults_restarts_each_workload_exactly_once() {
    use std::collections::BTreeMap;
    let opts = testkit::GenOptions {
        pods: 150,
        outdated_fraction: 0.4,
        ..Default::default()
    };
    let run = |faults: Option<Faults>| {
        let c = Cluster::with(testkit::KubeSim::builder().generate(opts.clone()));
        if let Some(f) = faults {
            c.sim.set_faults(f);
        }
        let out = c.run(&["proxy-reset", "-v"]);
        c.sim.clear_faults();
        let mut patched: BTreeMap<String, usize> = BTreeMap::new();
        for w in out
            .writes
            .iter()
            .filter(|w| w.succeeded() && w.verb == "patch")
        {
            let key = format!(
                "{} {}/{}",
                w.resource,
                w.namespace.clone().unwrap_or_default(),
                w.name.clone().unwrap_or_default()
            );
            *patched.entry(key).or_insert(0) += 1;
        }
        (out, patched)
    };
    let (clean, want) = run(None);
    clean.expect_success();
    assert!(
        want.len() > 5,
        "the fixture has rollable outdated workloads: {want:?}"
    );
    for seed in [3, 4] {
        let (out, got) = run(Some(ten_percent(seed)));
        out.expect_success();
        assert!(
            out.stderr.contains("retrying") || out.writes.iter().any(|w| !w.succeeded()),
            "seed {seed}: the faults were hit:\n{}",
            out.stderr
        );
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "seed {seed}: the same workloads are restarted"
        );
        assert!(
            got.values().all(|n| *n == 1),
            "seed {seed}: each exactly once: {got:?}"
        );
    }
}

fn spawn_install(c: &Cluster, fail: &str) -> std::process::Child {
    let mut cmd = c.kyma_mesh_process();
    cmd.arg("install")
        .env("FAKE_ISTIOCTL_FAIL", fail)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kyma-mesh")
}

/// SIGTERM (a CI runner, systemd) while istioctl runs: istioctl's process group is stopped, the
/// temporary IstioOperator is removed, exit 143 with what state the cluster may be in, no
/// patch is applied, and a re-run completes.
#[test]
fn sigterm_during_istioctl_exits_143_and_a_rerun_completes() {
    let c = Cluster::new();
    let child = spawn_install(&c, "hang");
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.install_call().is_none() {
        assert!(Instant::now() < deadline, "istioctl install never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let file = c
        .install_call()
        .and_then(|call| call.files.keys().next().cloned());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(err.contains("SIGTERM"), "{err}");
    assert!(err.contains("partial Istio installation"), "{err}");
    if let Some(f) = file {
        assert!(
            !std::path::Path::new(&f).exists(),
            "temporary file {f} removed"
        );
    }
    assert!(
        c.kyma_mesh_writes().is_empty(),
        "no patch after a stopped istioctl"
    );
    c.run(&["install"]).expect_success();
}

/// istioctl that prints garbage for its version, or is killed by a signal mid-install: one
/// clear error each, exit 1, and no Kyma patch after a failed run.
#[test]
fn garbage_and_killed_istioctl_end_in_one_clear_error() {
    let c = Cluster::new();
    let mut cmd = c.kyma_mesh();
    cmd.env("FAKE_ISTIOCTL_FAIL", "garbage:version")
        .arg("install");
    let run = c.run_cmd(&mut cmd, &["install (istioctl prints garbage)"]);
    run.expect_code(1)
        .expect_stderr("× istioctl")
        .expect_no_writes();
    let mut cmd = c.kyma_mesh();
    cmd.env("FAKE_ISTIOCTL_FAIL", "signal:install")
        .arg("install");
    let run = c.run_cmd(&mut cmd, &["install (istioctl killed)"]);
    run.expect_code(1)
        .expect_stderr("killed by signal 9")
        .expect_stderr("No Kyma patches were applied");
    assert!(c.kyma_mesh_writes().is_empty());
}

/// SIGTERM while proxy-reset restarts workloads (every request slowed so the window is wide):
/// exit 143 saying what was not finished, and a re-run restarts what is left, none twice.
#[test]
fn sigterm_during_proxy_reset_exits_143_and_a_rerun_finishes() {
    let c = Cluster::with(testkit::KubeSim::builder().generate(testkit::GenOptions {
        pods: 120,
        outdated_fraction: 0.5,
        ..Default::default()
    }));
    c.sim
        .set_faults(Faults::none().with_latency(Duration::from_millis(150), Duration::ZERO));
    let mut cmd = c.kyma_mesh_process();
    let child = cmd
        .args(["proxy-reset", "--concurrency", "1"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !c
        .sim
        .writes()
        .iter()
        .any(|w| w.verb == "patch" || w.verb == "delete")
    {
        assert!(
            Instant::now() < deadline,
            "proxy-reset never started restarting"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(
        err.contains("interrupted by SIGTERM while restarting workloads"),
        "{err}"
    );
    c.sim.clear_faults();
    let first: std::collections::BTreeSet<String> = c
        .sim
        .writes()
        .iter()
        .filter(|w| w.succeeded() && w.verb == "patch")
        .filter_map(|w| w.name.clone())
        .collect();
    let rerun = c.run(&["proxy-reset", "--wait"]);
    rerun.expect_success();
    for w in rerun
        .writes
        .iter()
        .filter(|w| w.succeeded() && w.verb == "patch")
    {
        let name = w.name.clone().unwrap_or_default();
        assert!(!first.contains(&name), "{name} restarted twice");
    }
}

/// A misspelt field is invalid whatever profile the record may hold, so it is reported (exit
/// 2) before the first request, even with an unreachable context and no --profile.
#[test]
fn an_unknown_field_is_reported_before_the_network_without_profile() {
    let c = Cluster::new();
    let f = Files::new(&[(
        "typo.yaml",
        "kind: IstioOperator\nspec:\n  components:\n    pilott: {}\n",
    )]);
    let file = f.path("typo.yaml").display().to_string();
    let run = c.run(&["--context", "unreachable", "install", "-o", &file]);
    run.expect_code(2)
        .expect_stderr("typo.yaml:4:5")
        .expect_stderr("did you mean `pilot`?");
    assert!(
        !run.stderr.contains("cluster answers"),
        "no request was made: {}",
        run.stderr
    );
}
