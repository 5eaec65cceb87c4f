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

/// 10% of all requests fail, fake-istioctl's as well as kyma-mesh's: 500, 503 and 429 (the
/// clients' own retries take 503 and 429) and dropped connections. One istioctl run makes some
/// 35 requests, so at this rate most runs of istioctl meet a failure it does not survive (as
/// real istioctl, which does not retry a server-side apply): kyma-mesh runs it again on each
/// transient one, three times at most; `install`, itself safe to repeat, converges within a
/// few runs (each failed one exit 1 with one error), to a cluster `check` passes.
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
        while runs.len() < 8 {
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
