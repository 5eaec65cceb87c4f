//! End-to-end: the user's journey (check --pre, install, check, a second install, injection,
//! upgrade, proxy-reset, gateway restart, uninstall; and the canary journey) as scenarios shared
//! by two grounds: kube-sim with fake-istioctl (every `cargo test`) and a real cluster with real
//! istioctl (on request: README "Testing against a real cluster").

// Tests drive processes (kyma-mesh, kubectl); the product's boundary lints are not for them.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

mod ground;
mod manifests;
mod scenarios;

use ground::Ground;
use scenarios::Journey;

#[test]
fn journey_on_kube_sim() {
    let g = Ground::kube_sim();
    Journey::new(&g).all();
}

/// The real ground (testkit/realk8s): real kube-apiserver, controllers, pilot-discovery and
/// istioctl; its binaries are built (or reused) first.
#[test]
fn journey_on_the_real_ground() {
    let g = Ground::local();
    Journey::new(&g).all();
}

/// `install` of each profile with real istioctl on the real ground.
#[test]
fn every_profile_on_the_real_ground() {
    let g = Ground::local();
    Journey::new(&g).every_profile();
}

/// What only a real API server checks: real SubjectAccessReviews for a restricted user, an exec
/// credential plugin, every kind of workload restarted by the real controllers.
#[test]
fn restricted_exec_and_workloads_on_the_real_ground() {
    let g = Ground::local();
    Journey::new(&g).real_only();
}

#[test]
fn canary_journey_on_the_real_ground() {
    let g = Ground::local();
    Journey::new(&g).canary();
}

/// `KYMA_MESH_E2E_CONTEXT=k3d-kyma-mesh cargo test --test e2e -- --ignored --test-threads 1`
#[test]
#[ignore = "needs a real cluster: set KYMA_MESH_E2E_CONTEXT (README \"Testing against a real cluster\")"]
fn journey_on_a_real_cluster() {
    let Some(g) = Ground::real_from_env() else {
        eprintln!("SKIPPED: set KYMA_MESH_E2E_CONTEXT to a kind, k3d or minikube context");
        return;
    };
    eprintln!("e2e on {}", g.name());
    Journey::new(&g).all();
}

#[test]
fn canary_journey_on_kube_sim() {
    let g = Ground::kube_sim();
    Journey::new(&g).canary();
}

/// As [`journey_on_a_real_cluster`]; both need a cluster of their own time, so run them with
/// `--test-threads 1`.
#[test]
#[ignore = "needs a real cluster: set KYMA_MESH_E2E_CONTEXT (README \"Testing against a real cluster\")"]
fn canary_journey_on_a_real_cluster() {
    let Some(g) = Ground::real_from_env() else {
        eprintln!("SKIPPED: set KYMA_MESH_E2E_CONTEXT to a kind, k3d or minikube context");
        return;
    };
    eprintln!("e2e canary on {}", g.name());
    Journey::new(&g).canary();
}
