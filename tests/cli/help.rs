//! Every command explains itself with an example.

use crate::util::{invalid, kyma_mesh, success};

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [
        "render",
        "install",
        "upgrade",
        "proxy-reset",
        "check",
        "gateway",
        "injection",
        "uninstall",
        "version",
        "completions",
        "man",
    ] {
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

/// `kyma-mesh version | head -0`: a reader that closes the pipe ends the output quietly
/// (exit 0), not with a panic (exit 101).
#[test]
fn closed_stdout_ends_quietly() {
    let bin = assert_cmd::cargo::cargo_bin!("kyma-mesh");
    for args in ["version", "render --profile production", "completions bash"] {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "sleep 0.05 | true; \"$0\" {args} | head -c0; exit ${{PIPESTATUS[0]}}"
            ))
            .arg(bin)
            .env("KUBECONFIG", "/nonexistent")
            .output()
            .expect("bash");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args}: {stderr}");
    }
}
