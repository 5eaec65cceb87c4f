//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The opt-out: with `KYMA_MESH_SKIP_TOOL_TESTS=1` a test whose external tool is missing
/// is skipped (with a visible `SKIPPED:` line on stderr) instead of failing.
pub const SKIP_ENV: &str = "KYMA_MESH_SKIP_TOOL_TESTS";

fn on_path(tool: &str) -> bool {
    let args: &[&str] = if tool == "kubectl" {
        &["version", "--client"]
    } else {
        &["--version"]
    };
    Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What to do about a tool: `Ok(true)` run the test, `Ok(false)` skip it (opted out),
/// `Err(message)` fail it.
pub fn tool_verdict(tool: &str, found: bool, skip_env: Option<&str>) -> Result<bool, String> {
    if found {
        Ok(true)
    } else if skip_env == Some("1") {
        Ok(false)
    } else {
        Err(format!(
            "{tool} not found on PATH: install it, or set {SKIP_ENV}=1 to skip these tests visibly"
        ))
    }
}

/// Whether a test that needs `tool` (kubectl, jq, ...) can run. A missing tool fails the test,
/// unless `KYMA_MESH_SKIP_TOOL_TESTS=1`, in which case this prints `SKIPPED: ...` to stderr and
/// returns false (the caller returns early). A test that did not run must not look passed.
pub fn require(tool: &str) -> bool {
    let skip = std::env::var(SKIP_ENV).ok();
    match tool_verdict(tool, on_path(tool), skip.as_deref()) {
        Ok(true) => true,
        Ok(false) => {
            let test = std::thread::current()
                .name()
                .unwrap_or("this test")
                .to_string();
            eprintln!("SKIPPED: {test}: {tool} not found on PATH ({SKIP_ENV}=1)");
            false
        }
        Err(message) => panic!("{message}"),
    }
}

pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .env("KUBECONFIG", kubeconfig)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .arg("--cache-dir")
        .arg(kubeconfig.with_extension("cache"))
        .args(args)
        .output()
        .expect("run kubectl")
}

/// Runs kubectl and returns stdout, failing the test with stderr when it fails.
pub fn kubectl_ok(kubeconfig: &Path, args: &[&str]) -> String {
    let out = kubectl(kubeconfig, args);
    assert!(
        out.status.success(),
        "kubectl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs kubectl expecting it to fail; returns stderr.
pub fn kubectl_err(kubeconfig: &Path, args: &[&str]) -> String {
    let out = kubectl(kubeconfig, args);
    assert!(
        !out.status.success(),
        "kubectl {} should have failed, printed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn sh(kubeconfig: &Path, script: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("KUBECONFIG", kubeconfig)
        .output()
        .expect("run bash")
}

#[test]
fn a_missing_tool_fails_unless_skipping_is_asked_for() {
    assert_eq!(tool_verdict("kubectl", true, None), Ok(true));
    assert_eq!(tool_verdict("kubectl", true, Some("1")), Ok(true));
    let e = tool_verdict("kubectl", false, None).unwrap_err();
    assert_eq!(
        e,
        "kubectl not found on PATH: install it, or set KYMA_MESH_SKIP_TOOL_TESTS=1 to skip these tests visibly"
    );
    assert!(
        tool_verdict("jq", false, Some("0")).is_err(),
        "only 1 opts out"
    );
    assert!(tool_verdict("jq", false, Some("")).is_err());
    assert_eq!(tool_verdict("jq", false, Some("1")), Ok(false));
    assert!(!on_path("kube-sim-no-such-tool"));
}
