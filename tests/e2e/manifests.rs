//! Every render through real istioctl: for each profile x injection mode x shipped example
//! override, `istioctl manifest generate -f <kyma-mesh render>` succeeds and the manifests it
//! generates carry Kyma's values. Offline: no cluster. The istioctl is the real one built by
//! testkit/realk8s/build.sh; if it cannot be built, these tests fail.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use serde_json::Value;

const PROFILES: [&str; 5] = [
    "local",
    "cluster",
    "production",
    "module",
    "module-evaluation",
];
const INJECTION: [&str; 2] = ["default", "opt-in"];
const OVERRIDES: [Option<&str>; 5] = [
    None,
    Some("examples/istio-overrides.yaml"),
    Some("examples/values.yaml"),
    Some("examples/istio-operator.yaml"),
    Some("examples/all-overrides.yaml"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// kyma-mesh's render, or its refusal (exit 2 and the message).
fn render(profile: &str, injection: &str, override_file: Option<&str>) -> Result<Value, String> {
    let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("kyma-mesh"));
    cmd.current_dir(repo()).env("NO_COLOR", "1").args([
        "render",
        "--profile",
        profile,
        "--sidecar-injection",
        injection,
    ]);
    cmd.args(["--output", "json"]);
    if let Some(f) = override_file {
        cmd.args(["-o", f]);
    }
    let out = cmd.output().expect("run kyma-mesh render");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => Ok(serde_json::from_slice(&out.stdout).expect("render --output json is JSON")),
        Some(2) => Err(stderr),
        other => panic!(
            "kyma-mesh render {profile}/{injection}/{override_file:?} exited {other:?}: {stderr}"
        ),
    }
}

/// `istioctl manifest generate -f FILE`, the documents it prints.
fn manifest_generate(istioctl: &Path, iop: &Value) -> Vec<Value> {
    let file = tempfile::NamedTempFile::new().expect("tempfile");
    std::fs::write(file.path(), iop.to_string()).expect("write the render");
    let out = Process::new(istioctl)
        .args(["manifest", "generate", "-f"])
        .arg(file.path())
        .output()
        .expect("run istioctl");
    assert!(
        out.status.success(),
        "istioctl manifest generate failed on kyma-mesh's render:\n{}\n--- render ---\n{iop:#}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("istioctl prints YAML");
    docs.into_iter().filter(|d| d.is_object()).collect()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("istioctl generated no {kind} {name}"))
}

fn container<'a>(deployment: &'a Value, name: &str) -> &'a Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name} in {}", deployment["metadata"]["name"]))
}

/// Quantities as Kubernetes compares them for the values the profiles use ("1000m" == "1").
fn quantity(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match s.strip_suffix('m').and_then(|n| n.parse::<u64>().ok()) {
        Some(milli) if milli % 1000 == 0 => (milli / 1000).to_string(),
        _ => s,
    }
}

fn same_resources(what: &str, got: &Value, want: &Value) {
    for part in ["requests", "limits"] {
        for res in ["cpu", "memory"] {
            let w = &want[part][res];
            if w.is_null() {
                continue;
            }
            assert_eq!(
                quantity(&got[part][res]),
                quantity(w),
                "{what}: {part}.{res} (got {got}, rendered {want})"
            );
        }
    }
}

fn check(profile: &str, injection: &str, override_file: Option<&str>, istioctl: &Path) {
    let case = format!(
        "{profile} / {injection} / {}",
        override_file.unwrap_or("no override")
    );
    let iop = match render(profile, injection, override_file) {
        Ok(iop) => iop,
        Err(refusal) => {
            // The examples ask for 3 istiod replicas; the local profile and the module's
            // Evaluation profile cap the HPA at 1, and kyma-mesh refuses before istioctl would
            // see it. Nothing else may be refused.
            assert!(
                (profile == "local" || profile == "module-evaluation")
                    && override_file.is_some()
                    && refusal.contains("is greater than maxReplicas (1)"),
                "{case}: kyma-mesh refused the render: {refusal}"
            );
            return;
        }
    };
    let docs = manifest_generate(istioctl, &iop);
    let spec = &iop["spec"];

    // Sidecar requests and limits: the injector's values carry them.
    let injector = find(&docs, "ConfigMap", "istio-sidecar-injector");
    let values: Value = serde_json::from_str(
        injector["data"]["values"]
            .as_str()
            .expect("the injector's values"),
    )
    .expect("the injector's values are JSON");
    same_resources(
        &format!("{case}: sidecar resources"),
        &values["global"]["proxy"]["resources"],
        &spec["values"]["global"]["proxy"]["resources"],
    );

    // istiod: PILOT_HTTP10=1 (Kyma 1.x's profiles; the module's sets no such variable), its
    // resources, distroless.
    let kyma1 = !profile.starts_with("module");
    let istiod = find(&docs, "Deployment", "istiod");
    let discovery = container(istiod, "discovery");
    let http10 = discovery["env"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == "PILOT_HTTP10");
    if kyma1 {
        assert_eq!(
            http10.map(|e| e["value"].clone()),
            Some(Value::from("1")),
            "{case}: PILOT_HTTP10 on istiod"
        );
    }
    same_resources(
        &format!("{case}: istiod resources"),
        &discovery["resources"],
        &spec["components"]["pilot"]["k8s"]["resources"],
    );
    let distroless = spec["values"]["global"]["variant"] == "distroless";
    assert!(
        kyma1 <= distroless,
        "{case}: Kyma 1.x's profiles render distroless images"
    );
    let image = discovery["image"].as_str().unwrap_or_default();
    assert_eq!(
        image.ends_with("-distroless"),
        distroless,
        "{case}: istiod image {image} as the render's variant says"
    );

    // HPA bounds as rendered.
    let hpa_spec = &spec["components"]["pilot"]["k8s"]["hpaSpec"];
    let hpa = find(&docs, "HorizontalPodAutoscaler", "istiod");
    for bound in ["minReplicas", "maxReplicas"] {
        if !hpa_spec[bound].is_null() {
            assert_eq!(
                hpa["spec"][bound], hpa_spec[bound],
                "{case}: istiod HPA {bound}"
            );
        }
    }

    // The ingress gateway: ports 80 and 443 on its Service, distroless proxy, its HPA.
    let svc = find(&docs, "Service", "istio-ingressgateway");
    let ports: Vec<i64> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["port"].as_i64())
        .collect();
    assert!(
        ports.contains(&80) && ports.contains(&443),
        "{case}: gateway ports {ports:?}"
    );
    let gw = find(&docs, "Deployment", "istio-ingressgateway");
    let proxy = container(gw, "istio-proxy");
    let gw_image = proxy["image"].as_str().unwrap_or_default();
    assert_eq!(
        gw_image.ends_with("-distroless"),
        distroless,
        "{case}: gateway image {gw_image}"
    );
    let gw_hpa_spec = &spec["components"]["ingressGateways"][0]["k8s"]["hpaSpec"];
    let gw_hpa = find(&docs, "HorizontalPodAutoscaler", "istio-ingressgateway");
    for bound in ["minReplicas", "maxReplicas"] {
        if !gw_hpa_spec[bound].is_null() {
            assert_eq!(
                gw_hpa["spec"][bound], gw_hpa_spec[bound],
                "{case}: gateway HPA {bound}"
            );
        }
    }

    // Tracing: the mesh config names Kyma's provider as the default tracing provider. The
    // module's profiles define kyma-traces and leave switching it on to a Telemetry resource,
    // as the module does.
    let mesh_cm = find(&docs, "ConfigMap", "istio");
    let mesh: Value = serde_saphyr::from_str(mesh_cm["data"]["mesh"].as_str().expect("mesh"))
        .expect("mesh config is YAML");
    let provider = match spec["meshConfig"]["defaultProviders"]["tracing"][0].clone() {
        Value::Null if !kyma1 => Value::from("kyma-traces"),
        p => p,
    };
    assert!(
        provider.is_string(),
        "{case}: the render names a tracing provider"
    );
    if kyma1 {
        assert_eq!(
            mesh["defaultProviders"]["tracing"][0], provider,
            "{case}: default tracing provider"
        );
    }
    assert!(
        mesh["extensionProviders"]
            .as_array()
            .into_iter()
            .flatten()
            // Kyma 1.x's default mode traces to Zipkin; the opt-in mode (the later Kyma) over
            // OTLP to kyma-traces.
            .any(|p| p["name"] == provider
                && if provider == "kyma-traces" {
                    p["opentelemetry"]["service"]
                        == "telemetry-otlp-traces.kyma-system.svc.cluster.local"
                        && p["opentelemetry"]["port"] == 4317
                } else {
                    p["zipkin"]["service"].is_string()
                }),
        "{case}: the tracing provider in {mesh}"
    );

    // Injection mode: opt-in leaves namespaces without the label uninjected.
    let webhook = find(
        &docs,
        "MutatingWebhookConfiguration",
        "istio-sidecar-injector",
    );
    assert!(
        webhook["webhooks"]
            .as_array()
            .is_some_and(|w| !w.is_empty()),
        "{case}: the injection webhook"
    );
    let enable_all = values["sidecarInjectorWebhook"]["enableNamespacesByDefault"].clone();
    assert_eq!(
        enable_all,
        Value::from(injection == "default"),
        "{case}: enableNamespacesByDefault"
    );
}

/// Every profile x injection mode x override through the real istioctl, in parallel.
#[test]
fn every_render_goes_through_real_istioctl_manifest_generate() {
    let istioctl = testkit::realk8s::istioctl(testkit::realk8s::ISTIO_FROM)
        .unwrap_or_else(|e| panic!("the real istioctl is needed: {e}"));
    let cases: Vec<(&str, &str, Option<&str>)> = PROFILES
        .iter()
        .flat_map(|p| {
            INJECTION
                .iter()
                .flat_map(move |i| OVERRIDES.iter().map(move |o| (*p, *i, *o)))
        })
        .collect();
    assert_eq!(cases.len(), 50);
    std::thread::scope(|s| {
        for chunk in cases.chunks(cases.len().div_ceil(4)) {
            let istioctl = &istioctl;
            s.spawn(move || {
                for (p, i, o) in chunk {
                    check(p, i, *o, istioctl);
                }
            });
        }
    });
}

#[test]
fn the_real_istioctl_says_what_it_is() {
    for v in [testkit::realk8s::ISTIO_FROM, testkit::realk8s::ISTIO_TO] {
        let istioctl = testkit::realk8s::istioctl(v).unwrap_or_else(|e| panic!("{e}"));
        let out = Process::new(&istioctl)
            .args(["version", "--remote=false", "-o", "json"])
            .output()
            .expect("run istioctl");
        assert!(out.status.success());
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(doc["clientVersion"]["version"], v);
    }
}
