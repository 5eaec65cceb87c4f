//! The `kube-sim` binary's interface: flags, `ready <url>`, kubeconfig, signals.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kube-sim");

fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("expected `ready <url>`, got {line:?}"))
        .to_string();
    (child, url)
}

fn get(url: &str, path: &str) -> (u16, String) {
    let addr = url.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out[9..12].parse().unwrap();
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

fn terminate(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "kube-sim did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_a_generated_cluster_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kc");
    let (child, url) = start(&[
        "--port",
        "0",
        "--kubeconfig-out",
        kc.to_str().unwrap(),
        "--generate-pods",
        "150",
        "--outdated-fraction",
        "0.2",
        "--seed",
        "4",
        "--istio-version",
        "1.27.3",
    ]);
    assert!(url.starts_with("http://127.0.0.1:"));
    let text = std::fs::read_to_string(&kc).unwrap();
    assert!(text.contains(&format!("server: {url}")) && text.contains("current-context: kube-sim"));
    let (code, body) = get(&url, "/api/v1/pods?limit=500");
    assert_eq!(code, 200);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 150);
    let (_, body) = get(
        &url,
        "/apis/apps/v1/namespaces/istio-system/deployments/istiod",
    );
    assert!(
        body.contains("docker.io/istio/pilot:1.27.3-distroless"),
        "{body}"
    );
    let status = terminate(child);
    assert!(status.success(), "{status:?}");
}

#[test]
fn empty_cluster_errors_and_latency() {
    let (child, url) = start(&["--error-rate", "1.0", "--latency-ms", "50"]);
    let t = Instant::now();
    let (code, body) = get(&url, "/api/v1/namespaces");
    assert!(t.elapsed() >= Duration::from_millis(50));
    assert!([500, 503, 429].contains(&code), "{code} {body}");
    let (code, body) = get(&url, "/api");
    assert_eq!(code, 200, "discovery is not faulted: {body}");
    assert!(terminate(child).success());

    let (child, url) = start(&[]);
    let (code, body) = get(&url, "/api/v1/namespaces");
    assert_eq!(code, 200);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap())
        .collect();
    for n in ["default", "kube-public", "kube-system"] {
        assert!(names.contains(&n), "{names:?}");
    }
    assert_eq!(
        get(&url, "/api/v1/pods")
            .1
            .matches("\"kind\":\"Pod\"")
            .count(),
        0
    );
    let (code, body) = get(&url, "/api/v1/namespaces/default/pods/nope");
    assert_eq!(code, 404);
    assert!(body.contains("\"reason\":\"NotFound\""));
    assert!(terminate(child).success());
}
