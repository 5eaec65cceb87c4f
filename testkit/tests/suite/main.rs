//! testkit's one integration-test binary (one link instead of five): kube-sim and
//! fake-istioctl seen from the outside, by `kube::Client`, real kubectl and their binaries.

#[allow(dead_code)]
mod common;
mod fake_istioctl;
mod kube_client;
mod kube_sim_binary;
mod kubectl_conformance;
mod paging;
mod perf;
mod real_ground;
mod revisions;
mod workloads;
