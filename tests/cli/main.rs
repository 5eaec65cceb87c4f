//! One integration-test binary (as ripgrep does): every test runs the real `kyma-mesh` binary.

// Tests drive processes (kyma-mesh, kubectl, jq); the product's boundary lints are not for them.
#![allow(clippy::disallowed_methods)]

mod check;
mod help;
mod install;
mod render;
mod util;
mod validation;
