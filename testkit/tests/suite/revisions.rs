//! Canary upgrades with fake-istioctl: `install --revision`, revision tags (`tag set|list|
//! remove`), `uninstall --revision`, and kube-sim's injector following them.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use testkit::KubeSim;

use crate::common::proxy_image;

const BIN: &str = env!("CARGO_BIN_EXE_fake-istioctl");

const IOP: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      variant: distroless\n    sidecarInjectorWebhook:\n      enableNamespacesByDefault: true\n";

fn istioctl(sim: &KubeSim, args: &[&str], version: &str, stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("KUBECONFIG", sim.kubeconfig_path())
        .env("FAKE_ISTIOCTL_VERSION", version)
        .env_remove("FAKE_ISTIOCTL_FAIL")
        .env_remove("FAKE_ISTIOCTL_RECORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn namespace(sim: &KubeSim, name: &str, labels: Value) {
    sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}))
        .unwrap();
}

/// Creates a pod; returns (proxy image, status revision), or None when not injected.
fn pod(sim: &KubeSim, ns: &str, name: &str, labels: Value) -> Option<(String, String)> {
    let p = sim
        .put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}))
        .unwrap();
    let status: Value =
        serde_json::from_str(p["metadata"]["annotations"]["sidecar.istio.io/status"].as_str()?)
            .unwrap();
    let rev = status["revision"].as_str().unwrap().to_string();
    assert_eq!(p["metadata"]["annotations"]["istio.io/rev"], rev.as_str());
    Some((proxy_image(&p).unwrap(), rev))
}

fn v(image_version: &str, rev: &str) -> Option<(String, String)> {
    Some((
        format!("docker.io/istio/proxyv2:{image_version}-distroless"),
        rev.to_string(),
    ))
}

fn webhook_names(sim: &KubeSim, name: &str) -> Vec<String> {
    sim.get("mutatingwebhookconfigurations", None, name)
        .unwrap()["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn canary_revision_then_default_tag_then_the_old_revision_goes() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("iop.yaml");
    std::fs::write(&f, IOP).unwrap();
    let f = f.to_str().unwrap();
    namespace(&sim, "default", json!({"istio-injection": "enabled"}));
    namespace(&sim, "canary", json!({"istio.io/rev": "1-28-0"}));
    namespace(&sim, "plain", json!({}));
    ok(istioctl(&sim, &["install", "-f", f, "-y"], "1.27.3", ""));
    assert_eq!(
        pod(&sim, "default", "a1", json!({})),
        v("1.27.3", "default")
    );

    // the canary: its own istiod, config maps and injector; the default stays where it was
    ok(istioctl(
        &sim,
        &["install", "-f", f, "-y", "--revision", "1-28-0"],
        "1.28.0",
        "",
    ));
    let istiod = sim
        .get("deploy", Some("istio-system"), "istiod-1-28-0")
        .unwrap();
    assert_eq!(
        istiod["spec"]["template"]["spec"]["containers"][0]["image"],
        "docker.io/istio/pilot:1.28.0-distroless"
    );
    assert_eq!(istiod["metadata"]["labels"]["istio.io/rev"], "1-28-0");
    assert_eq!(istiod["status"]["availableReplicas"], 1);
    for (kind, name) in [
        ("svc", "istiod-1-28-0"),
        ("cm", "istio-1-28-0"),
        ("cm", "istio-sidecar-injector-1-28-0"),
        ("sa", "istiod-1-28-0"),
    ] {
        assert!(
            sim.get(kind, Some("istio-system"), name).is_some(),
            "{kind}/{name}"
        );
    }
    assert_eq!(
        webhook_names(&sim, "istio-sidecar-injector-1-28-0"),
        [
            "rev.namespace.sidecar-injector.istio.io",
            "rev.object.sidecar-injector.istio.io"
        ]
    );
    let mwc = sim
        .get(
            "mutatingwebhookconfigurations",
            None,
            "istio-sidecar-injector-1-28-0",
        )
        .unwrap();
    assert_eq!(mwc["metadata"]["labels"]["istio.io/rev"], "1-28-0");
    assert_eq!(
        mwc["webhooks"][0]["clientConfig"]["service"]["name"],
        "istiod-1-28-0"
    );
    assert!(
        sim.get(
            "mutatingwebhookconfigurations",
            None,
            "istio-revision-tag-default"
        )
        .is_none()
    );
    assert_eq!(
        sim.get("deploy", Some("istio-system"), "istiod").unwrap()["spec"]["template"]["spec"]["containers"]
            [0]["image"],
        "docker.io/istio/pilot:1.27.3-distroless"
    );
    assert_eq!(
        pod(&sim, "default", "a2", json!({})),
        v("1.27.3", "default")
    );
    assert_eq!(pod(&sim, "plain", "p1", json!({})), v("1.27.3", "default"));
    assert_eq!(pod(&sim, "canary", "c1", json!({})), v("1.28.0", "1-28-0"));
    assert_eq!(
        pod(&sim, "plain", "p2", json!({"istio.io/rev": "1-28-0"})),
        v("1.28.0", "1-28-0")
    );
    let c1 = sim.get("pod", Some("canary"), "c1").unwrap();
    let env = &c1["spec"]["containers"][1]["env"];
    assert!(env.as_array().unwrap().iter().any(|e| e["name"] == "CA_ADDR" && e["value"] == "istiod-1-28-0.istio-system.svc:15012"));
    let labels = BTreeMap::from([("istio.io/rev".to_string(), "1-28-0".to_string())]);
    assert_eq!(sim.injection_for("plain", &labels), v("1.28.0", "1-28-0"));

    // tag list before any tag: one row per revision
    let list: Value = serde_json::from_str(&ok(istioctl(
        &sim,
        &["tag", "list", "-o", "json"],
        "1.28.0",
        "",
    )))
    .unwrap();
    assert_eq!(
        list,
        json!([{"tag": "", "revision": "1-28-0", "namespaces": []}, {"tag": "", "revision": "default", "namespaces": []}])
    );

    // the default tag moves default injection to the canary (auto-injection only when asked)
    let out = ok(istioctl(
        &sim,
        &["tag", "set", "default", "--revision", "1-28-0"],
        "1.28.0",
        "",
    ));
    assert!(
        out.starts_with(
            "Revision tag \"default\" created, referencing control plane revision \"1-28-0\""
        ),
        "{out}"
    );
    let tag = sim
        .get(
            "mutatingwebhookconfigurations",
            None,
            "istio-revision-tag-default",
        )
        .unwrap();
    assert_eq!(tag["metadata"]["labels"]["istio.io/tag"], "default");
    assert_eq!(tag["metadata"]["labels"]["istio.io/rev"], "1-28-0");
    assert_eq!(
        webhook_names(&sim, "istio-revision-tag-default"),
        [
            "rev.namespace.sidecar-injector.istio.io",
            "rev.object.sidecar-injector.istio.io",
            "namespace.sidecar-injector.istio.io",
            "object.sidecar-injector.istio.io"
        ]
    );
    let old = sim
        .get(
            "mutatingwebhookconfigurations",
            None,
            "istio-sidecar-injector",
        )
        .unwrap();
    assert!(
        old["webhooks"].as_array().unwrap().iter().all(
            |w| w["namespaceSelector"]["matchLabels"]["istio.io/deactivated"] == "never-match"
        ),
        "the default revision's injector is deactivated, not deleted"
    );
    assert!(
        sim.get(
            "validatingwebhookconfigurations",
            None,
            "istiod-default-validator"
        )
        .is_some()
    );
    assert_eq!(pod(&sim, "default", "a3", json!({})), v("1.28.0", "1-28-0"));
    assert_eq!(
        pod(&sim, "plain", "p3", json!({})),
        None,
        "no auto-injection without --auto-inject-namespaces"
    );
    assert_eq!(
        pod(
            &sim,
            "plain",
            "p4",
            json!({"sidecar.istio.io/inject": "true"})
        ),
        v("1.28.0", "1-28-0")
    );
    let e = err(istioctl(
        &sim,
        &["tag", "set", "default", "--revision", "1-28-0"],
        "1.28.0",
        "",
    ));
    assert!(
        e.contains("revision tag \"default\" already exists, and --overwrite is false"),
        "{e}"
    );
    ok(istioctl(
        &sim,
        &[
            "tag",
            "set",
            "default",
            "--revision",
            "1-28-0",
            "--overwrite",
            "--auto-inject-namespaces",
        ],
        "1.28.0",
        "",
    ));
    assert_eq!(pod(&sim, "plain", "p5", json!({})), v("1.28.0", "1-28-0"));
    let e = err(istioctl(
        &sim,
        &["tag", "set", "prod", "--revision", "9-9-9"],
        "1.28.0",
        "",
    ));
    assert!(
        e.contains("cannot find MutatingWebhookConfiguration with revision \"9-9-9\""),
        "{e}"
    );
    let e = err(istioctl(
        &sim,
        &["tag", "set", "1-28-0", "--revision", "1-28-0"],
        "1.28.0",
        "",
    ));
    assert!(
        e.contains("found existing control plane revision with same name"),
        "{e}"
    );

    // tag list: the tagged revision shows its tag only; table as istioctl's tabwriter
    namespace(&sim, "shop", json!({"istio.io/rev": "default"}));
    let list: Value = serde_json::from_str(&ok(istioctl(
        &sim,
        &["tag", "list", "-o", "json"],
        "1.28.0",
        "",
    )))
    .unwrap();
    assert_eq!(
        list,
        json!([{"tag": "default", "revision": "1-28-0", "namespaces": ["shop"]}, {"tag": "", "revision": "default", "namespaces": []}])
    );
    let table = ok(istioctl(&sim, &["tag", "list"], "1.28.0", ""));
    assert_eq!(
        table,
        "TAG     REVISION NAMESPACES\ndefault 1-28-0   shop\n        default  \n"
    );
    assert!(
        ok(istioctl(&sim, &["tag", "list", "-o", "json"], "1.28.0", ""))
            .contains("\n\t{\n\t\t\"tag\""),
        "tab-indented like Go"
    );
    assert_eq!(
        pod(&sim, "shop", "s1", json!({})),
        v("1.28.0", "1-28-0"),
        "istio.io/rev=default follows the tag"
    );

    // the old revision goes; the tag and the canary stay
    let out = ok(istioctl(
        &sim,
        &["uninstall", "--revision", "default", "-y"],
        "1.28.0",
        "",
    ));
    assert!(
        out.contains("proxies pointing to the control plane revision default"),
        "{out}"
    );
    assert!(out.contains("default/a1"), "{out}");
    assert!(sim.get("deploy", Some("istio-system"), "istiod").is_none());
    assert!(
        sim.get("cm", Some("istio-system"), "istio-sidecar-injector")
            .is_none()
    );
    assert!(
        sim.get(
            "mutatingwebhookconfigurations",
            None,
            "istio-sidecar-injector"
        )
        .is_none()
    );
    assert!(
        sim.get("deploy", Some("istio-system"), "istiod-1-28-0")
            .is_some()
    );
    assert!(
        sim.get(
            "mutatingwebhookconfigurations",
            None,
            "istio-revision-tag-default"
        )
        .is_some()
    );
    assert!(
        sim.get("deploy", Some("istio-system"), "istio-ingressgateway")
            .is_some(),
        "the gateway moved to the canary with its install"
    );
    assert_eq!(pod(&sim, "default", "a4", json!({})), v("1.28.0", "1-28-0"));
    let e = err(istioctl(
        &sim,
        &["uninstall", "--revision", "nope", "-y"],
        "1.28.0",
        "",
    ));
    assert!(e.contains("could not find target revision nope"), "{e}");

    // removing the tag asks when namespaces still use it
    let out = ok(istioctl(
        &sim,
        &["tag", "remove", "default"],
        "1.28.0",
        "n\n",
    ));
    assert!(
        out.contains("Caution, found 1 namespace(s) still injected by tag \"default\": shop"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("Aborting operation."), "{out}");
    assert!(
        sim.get(
            "mutatingwebhookconfigurations",
            None,
            "istio-revision-tag-default"
        )
        .is_some()
    );
    let out = ok(istioctl(
        &sim,
        &["tag", "remove", "default", "-y"],
        "1.28.0",
        "",
    ));
    assert_eq!(out.trim(), "Revision tag default removed");
    assert!(
        sim.get(
            "mutatingwebhookconfigurations",
            None,
            "istio-revision-tag-default"
        )
        .is_none()
    );
    assert_eq!(pod(&sim, "default", "a5", json!({})), None);
    let e = err(istioctl(
        &sim,
        &["tag", "remove", "default", "-y"],
        "1.28.0",
        "",
    ));
    assert!(
        e.contains(
            "cannot remove tag \"default\": cannot find MutatingWebhookConfiguration for tag"
        ),
        "{e}"
    );
}

#[test]
fn a_first_install_with_a_revision_becomes_the_default() {
    let sim = KubeSim::start();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("iop.yaml");
    std::fs::write(&f, format!("{IOP}  revision: 1-28-0\n")).unwrap();
    let f = f.to_str().unwrap();
    namespace(&sim, "default", json!({"istio-injection": "enabled"}));
    namespace(&sim, "plain", json!({}));
    ok(istioctl(&sim, &["install", "-f", f, "-y"], "1.28.0", ""));
    assert!(sim.get("deploy", Some("istio-system"), "istiod").is_none());
    let tag = sim
        .get(
            "mutatingwebhookconfigurations",
            None,
            "istio-revision-tag-default",
        )
        .unwrap();
    assert_eq!(tag["metadata"]["labels"]["istio.io/rev"], "1-28-0");
    assert_eq!(pod(&sim, "default", "a", json!({})), v("1.28.0", "1-28-0"));
    assert_eq!(
        pod(&sim, "plain", "b", json!({})),
        v("1.28.0", "1-28-0"),
        "enableNamespacesByDefault carried over"
    );
    let version: Value = serde_json::from_str(&ok(istioctl(
        &sim,
        &["version", "-o", "json"],
        "1.28.0",
        "",
    )))
    .unwrap();
    assert_eq!(version["meshVersion"][0]["Revision"], "1-28-0");
    assert_eq!(version["meshVersion"][0]["Info"]["version"], "1.28.0");
    // uninstall --purge takes the tag along
    ok(istioctl(
        &sim,
        &["uninstall", "--purge", "-y"],
        "1.28.0",
        "",
    ));
    assert!(
        sim.get(
            "mutatingwebhookconfigurations",
            None,
            "istio-revision-tag-default"
        )
        .is_none()
    );
    assert!(
        sim.get("deploy", Some("istio-system"), "istiod-1-28-0")
            .is_none()
    );
    assert_eq!(pod(&sim, "default", "c", json!({})), None);
    let out = ok(istioctl(&sim, &["tag", "list"], "1.28.0", ""));
    assert_eq!(
        out.trim(),
        "No Istio revision tag MutatingWebhookConfigurations to list"
    );
}
