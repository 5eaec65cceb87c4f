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

/// A kube-sim with Istio `version` installed through the API (istiod runs; the injector works)
/// and namespace `default` labelled `istio-injection=enabled`.
pub fn istio_sim(version: &str) -> testkit::KubeSim {
    let sim = testkit::KubeSim::start();
    let install = testkit::istio::IstioInstall::defaults(version);
    for o in install
        .core_objects()
        .into_iter()
        .chain(install.istiod_objects())
    {
        sim.put(o).expect("istio object");
    }
    sim.put(serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "default", "labels": {"istio-injection": "enabled"}}}))
        .expect("namespace");
    sim
}

/// The `istio-proxy` image of a pod (container or native-sidecar init container).
pub fn proxy_image(pod: &serde_json::Value) -> Option<String> {
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| pod["spec"][*k].as_array())
        .flatten()
        .find(|c| c["name"] == "istio-proxy")
        .and_then(|c| c["image"].as_str())
        .map(String::from)
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

/// One raw HTTP/1.1 request with extra headers: (status code, body).
pub fn raw_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    s.write_all(
        format!(
            "{method} {path} HTTP/1.1\r\nHost: kube-sim\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .expect("write");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let code = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

pub fn raw_get(port: u16, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    raw_request(port, "GET", path, headers, "")
}

/// The column headers of kubectl's table output (columns are 3+ spaces apart, a header may
/// have one space inside: `NOMINATED NODE`).
pub fn headers(table: &str) -> Vec<String> {
    columns(table.lines().next().unwrap_or_default())
}

/// The cells of one line of kubectl's table output.
pub fn columns(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// The table line whose first cell is `name` (or the second, after NAMESPACE).
pub fn row(table: &str, name: &str) -> Vec<String> {
    table
        .lines()
        .map(columns)
        .find(|c| {
            c.first().map(String::as_str) == Some(name)
                || c.get(1).map(String::as_str) == Some(name)
        })
        .unwrap_or_else(|| panic!("no row {name} in\n{table}"))
}
