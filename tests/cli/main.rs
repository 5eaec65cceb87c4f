//! One integration-test binary (as ripgrep does): every test runs the real `kyma-mesh` binary.

mod help;
mod install;
mod render;
mod util;
mod validation;
