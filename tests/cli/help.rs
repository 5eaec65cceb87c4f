//! Every command explains itself with an example.

use crate::util::{invalid, kyma_mesh, success};

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in ["render", "install", "completions", "version"] {
        let help = success(kyma_mesh().args([cmd, "--help"]));
        assert!(
            help.contains("Examples:"),
            "{cmd} --help has examples:\n{help}"
        );
        assert!(help.contains(&format!("kyma-mesh {cmd}")), "{help}");
    }
    let top = success(kyma_mesh().arg("--help"));
    assert!(top.contains("Exit codes"), "{top}");
}

#[test]
fn unknown_command_is_a_usage_error() {
    let err = invalid(kyma_mesh().arg("frobnicate"));
    assert!(err.contains("frobnicate"), "{err}");
}

#[test]
fn version_names_the_tool_and_a_missing_istioctl() {
    let out = success(kyma_mesh().arg("version").env("PATH", "/nonexistent"));
    assert!(
        out.starts_with(&format!("kyma-mesh: {}\n", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(out.contains("istioctl: not found"), "{out}");
    assert!(out.contains("--istioctl PATH"), "says how to fix it: {out}");
}
