//! One integration-test binary (as ripgrep does): every test runs the real `kyma-mesh` binary.

// Tests drive processes (kyma-mesh, kubectl, jq); the product's boundary lints are not for them.
#![allow(clippy::disallowed_methods)]

mod architecture;
mod bad_input;
mod canary;
mod check;
mod fleet;
mod gateway;
mod help;
mod injection;
mod install;
mod istio_cr;
mod kubectl;
mod pacing;
mod proxy_reset;
mod proxy_reset_owners;
mod reads;
mod reliability;
mod render;
mod safety;
mod uninstall;
mod upgrade;
mod util;
mod validation;
