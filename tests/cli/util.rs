//! The shared harness: the binary under test, fixtures and temporary files.

use std::path::PathBuf;

use assert_cmd::Command;

/// The kyma-mesh binary, with an environment that cannot reach a real cluster or istioctl.
pub fn kyma_mesh() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("kyma-mesh"));
    cmd.env_remove("ISTIOCTL")
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env("NO_COLOR", "1")
        .current_dir(repo());
    cmd
}

/// The repository root, so tests can name `examples/...` as the README does.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/cli/fixtures").join(name)
}

/// A temporary directory holding the given files.
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new(files: &[(&str, &str)]) -> Files {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write fixture");
        }
        Files { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs the command, expects exit code 2 and returns stderr.
pub fn invalid(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run kyma-mesh");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2 (invalid input); stderr:\n{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing may reach stdout on invalid input"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    stderr
}

/// Runs the command, expects success and returns stdout.
pub fn success(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run kyma-mesh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "expected success; stderr:\n{stderr}");
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

pub fn json(cmd: &mut Command) -> serde_json::Value {
    let text = success(cmd);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{text}"))
}
