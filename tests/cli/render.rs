//! `kyma-mesh render`: profiles, override forms, merge, --set, validation, output formats.

use serde_json::{Value, json};

use crate::util::{Files, fixture, invalid, json, kyma_mesh, success};

fn render_json(args: &[&str]) -> Value {
    json(
        kyma_mesh()
            .arg("render")
            .args(args)
            .args(["--output", "json"]),
    )
}

#[test]
fn profiles_snapshot() {
    for profile in [
        "local",
        "cluster",
        "production",
        "module",
        "module-evaluation",
    ] {
        let yaml = success(kyma_mesh().args(["render", "--profile", profile]));
        insta::assert_snapshot!(format!("profile_{profile}"), yaml);
    }
}

#[test]
fn default_profile_is_cluster() {
    let a = success(kyma_mesh().arg("render"));
    let b = success(kyma_mesh().args(["render", "--profile", "cluster"]));
    assert_eq!(a, b);
}

#[test]
fn kyma_specific_configuration_is_in_every_profile() {
    for profile in ["local", "cluster", "production"] {
        let io = render_json(&["--profile", profile]);
        assert_eq!(io["apiVersion"], "install.istio.io/v1alpha1");
        assert_eq!(io["kind"], "IstioOperator");
        assert_eq!(io["metadata"]["namespace"], "istio-system");
        let spec = &io["spec"];
        assert_eq!(
            spec["components"]["pilot"]["k8s"]["env"][0],
            json!({"name": "PILOT_HTTP10", "value": "1"})
        );
        assert_eq!(
            spec["components"]["ingressGateways"][0]["name"],
            "istio-ingressgateway"
        );
        assert_eq!(spec["components"]["ingressGateways"][0]["enabled"], true);
        assert_eq!(spec["components"]["egressGateways"][0]["enabled"], false);
        assert_eq!(spec["values"]["global"]["variant"], "distroless");
        assert_eq!(
            spec["values"]["sidecarInjectorWebhook"]["enableNamespacesByDefault"],
            true
        );
        assert_eq!(spec["meshConfig"]["trustDomain"], "cluster.local");
        assert_eq!(
            spec["meshConfig"]["defaultConfig"]["holdApplicationUntilProxyStarts"],
            true
        );
        assert_eq!(spec["meshConfig"]["enablePrometheusMerge"], false);
        let zipkin = &spec["meshConfig"]["extensionProviders"][0];
        assert_eq!(
            zipkin["zipkin"]["service"],
            "zipkin.kyma-system.svc.cluster.local"
        );
        assert_eq!(zipkin["zipkin"]["port"], 9411);
        assert_eq!(
            spec["meshConfig"]["defaultProviders"]["tracing"][0],
            zipkin["name"]
        );
        let metrics = &spec["components"]["pilot"]["k8s"]["hpaSpec"]["metrics"];
        assert_eq!(metrics[0]["resource"]["target"]["averageUtilization"], 80);
        assert_eq!(metrics[1]["resource"]["name"], "memory");
        assert_eq!(metrics[1]["resource"]["target"]["averageUtilization"], 80);
    }
}

/// README's per-profile table (`render`), cell by cell.
#[test]
fn per_profile_table() {
    struct Row {
        profile: &'static str,
        istiod: [&'static str; 4],
        istiod_hpa: (i64, i64),
        gw: [&'static str; 4],
        gw_hpa: (i64, i64),
        gw_service: &'static str,
        sidecar: [&'static str; 4],
        access_log: &'static str,
    }
    let rows = [
        Row {
            profile: "local",
            istiod: ["50m", "128Mi", "1000m", "1024Mi"],
            istiod_hpa: (1, 1),
            gw: ["10m", "32Mi", "1000m", "1024Mi"],
            gw_hpa: (1, 1),
            gw_service: "NodePort",
            sidecar: ["20m", "32Mi", "200m", "128Mi"],
            access_log: "/dev/stdout",
        },
        Row {
            profile: "cluster",
            istiod: ["100m", "512Mi", "500m", "1024Mi"],
            istiod_hpa: (1, 5),
            gw: ["100m", "128Mi", "2000m", "1024Mi"],
            gw_hpa: (1, 5),
            gw_service: "LoadBalancer",
            sidecar: ["20m", "32Mi", "200m", "128Mi"],
            access_log: "/dev/stdout",
        },
        Row {
            profile: "production",
            istiod: ["100m", "512Mi", "4000m", "2Gi"],
            istiod_hpa: (2, 5),
            gw: ["100m", "128Mi", "2000m", "1024Mi"],
            gw_hpa: (3, 10),
            gw_service: "LoadBalancer",
            sidecar: ["150m", "128Mi", "500m", "1024Mi"],
            access_log: "",
        },
    ];
    let res = |r: &Value| {
        [
            &r["requests"]["cpu"],
            &r["requests"]["memory"],
            &r["limits"]["cpu"],
            &r["limits"]["memory"],
        ]
        .map(|v| v.as_str().unwrap_or("?").to_string())
    };
    let hpa = |h: &Value| {
        (
            h["minReplicas"].as_i64().unwrap_or(-1),
            h["maxReplicas"].as_i64().unwrap_or(-1),
        )
    };
    for row in rows {
        let spec = &render_json(&["--profile", row.profile])["spec"];
        let pilot = &spec["components"]["pilot"]["k8s"];
        let gw = &spec["components"]["ingressGateways"][0]["k8s"];
        assert_eq!(
            res(&pilot["resources"]),
            row.istiod,
            "{} istiod",
            row.profile
        );
        assert_eq!(
            hpa(&pilot["hpaSpec"]),
            row.istiod_hpa,
            "{} istiod hpa",
            row.profile
        );
        assert_eq!(res(&gw["resources"]), row.gw, "{} gateway", row.profile);
        assert_eq!(
            hpa(&gw["hpaSpec"]),
            row.gw_hpa,
            "{} gateway hpa",
            row.profile
        );
        assert_eq!(gw["service"]["type"], row.gw_service, "{}", row.profile);
        assert_eq!(
            res(&spec["values"]["global"]["proxy"]["resources"]),
            row.sidecar,
            "{} sidecar",
            row.profile
        );
        assert_eq!(
            spec["meshConfig"]["accessLogFile"], row.access_log,
            "{}",
            row.profile
        );
    }
}

#[test]
fn local_gateway_binds_node_ports_80_and_443() {
    let spec = &render_json(&["--profile", "local"])["spec"];
    let patches = &spec["components"]["ingressGateways"][0]["k8s"]["overlays"][0]["patches"];
    let text = patches.to_string();
    assert!(
        text.contains("[containerPort:8080].hostPort") && text.contains("\"value\":80"),
        "{text}"
    );
    assert!(
        text.contains("[containerPort:8443].hostPort") && text.contains("\"value\":443"),
        "{text}"
    );
}

#[test]
fn opt_in_injection_turns_namespaces_by_default_off() {
    let spec = &render_json(&["--sidecar-injection", "opt-in"])["spec"];
    assert_eq!(
        spec["values"]["sidecarInjectorWebhook"]["enableNamespacesByDefault"],
        false
    );
}

#[test]
fn the_four_override_forms_give_the_same_result() {
    let forms = [
        "istio-operator.yaml",
        "istio-overrides.yaml",
        "all-overrides.yaml",
        "values.yaml",
    ];
    let outputs: Vec<String> = forms
        .iter()
        .map(|f| {
            success(kyma_mesh().args([
                "render",
                "--profile",
                "production",
                "-o",
                &format!("examples/{f}"),
            ]))
        })
        .collect();
    for (f, out) in forms.iter().zip(&outputs) {
        assert_eq!(out, &outputs[0], "{f} differs from {}", forms[0]);
    }
    let spec = &render_json(&[
        "--profile",
        "production",
        "-o",
        "examples/istio-overrides.yaml",
    ])["spec"];
    let pilot = &spec["components"]["pilot"]["k8s"];
    // The override's values...
    assert_eq!(pilot["hpaSpec"]["minReplicas"], 3);
    assert_eq!(pilot["resources"]["limits"]["memory"], "3072Mi");
    assert_eq!(
        spec["components"]["ingressGateways"][0]["k8s"]["hpaSpec"]["maxReplicas"],
        12
    );
    // ...next to what it did not touch: PILOT_HTTP10, the production HPA and resources.
    assert_eq!(
        pilot["env"],
        json!([{"name": "PILOT_HTTP10", "value": "1"}, {"name": "PILOT_TRACE_SAMPLING", "value": "20"}])
    );
    assert_eq!(pilot["hpaSpec"]["maxReplicas"], 5);
    assert_eq!(pilot["resources"]["limits"]["cpu"], "4000m");
    assert_eq!(
        spec["components"]["ingressGateways"][0]["k8s"]["hpaSpec"]["minReplicas"],
        3
    );
}

#[test]
fn overrides_merge_left_to_right_and_set_comes_last() {
    let f = Files::new(&[
        (
            "a.yaml",
            "kind: IstioOperator\nspec:\n  meshConfig:\n    accessLogFile: /a\n    accessLogEncoding: JSON\n",
        ),
        (
            "b.yaml",
            "kind: IstioOperator\nspec:\n  meshConfig:\n    accessLogFile: /b\n",
        ),
    ]);
    let a = f.path("a.yaml");
    let b = f.path("b.yaml");
    let mesh =
        &render_json(&["-o", a.to_str().unwrap(), "-o", b.to_str().unwrap()])["spec"]["meshConfig"];
    assert_eq!(mesh["accessLogFile"], "/b");
    assert_eq!(mesh["accessLogEncoding"], "JSON");
    let mesh = &render_json(&[
        "-o",
        a.to_str().unwrap(),
        "--set",
        "meshConfig.accessLogFile=/set",
    ])["spec"]["meshConfig"];
    assert_eq!(mesh["accessLogFile"], "/set");
}

#[test]
fn set_selects_a_gateway_by_name() {
    let spec = &render_json(&[
        "--set",
        "components.ingressGateways[name:istio-ingressgateway].k8s.hpaSpec.maxReplicas=7",
    ])["spec"];
    let gw = &spec["components"]["ingressGateways"][0]["k8s"];
    assert_eq!(gw["hpaSpec"]["maxReplicas"], 7);
    assert_eq!(gw["hpaSpec"]["minReplicas"], 1);
    assert_eq!(gw["service"]["type"], "LoadBalancer");
}

#[test]
fn overrides_from_stdin() {
    let yaml = "kind: IstioOperator\nspec:\n  meshConfig:\n    accessLogFile: /stdin\n";
    let out = json(
        kyma_mesh()
            .args(["render", "-o", "-", "--output", "json"])
            .write_stdin(yaml),
    );
    assert_eq!(out["spec"]["meshConfig"]["accessLogFile"], "/stdin");
}

#[test]
fn explain_names_the_source_of_every_value() {
    let out = success(kyma_mesh().args([
        "render",
        "--profile",
        "production",
        "-o",
        "examples/istio-overrides.yaml",
        "--set",
        "meshConfig.accessLogFile=/dev/stderr",
        "--explain",
    ]));
    assert!(out.contains("value: \"1\" # profile production"), "{out}");
    // The override sits in a block scalar of the ConfigMap: the position is in the outer file.
    assert!(
        out.contains("minReplicas: 3 # examples/istio-overrides.yaml:25:28"),
        "{out}"
    );
    assert!(
        out.contains("accessLogFile: /dev/stderr # --set #1"),
        "{out}"
    );
    let leaves = json(kyma_mesh().args([
        "render",
        "--explain",
        "--output",
        "json",
        "--set",
        "values.global.tag=1.28.0",
    ]));
    let tag = leaves
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["path"] == "spec.values.global.tag")
        .expect("tag leaf");
    assert_eq!(tag["value"], "1.28.0");
    assert_eq!(tag["source"], "--set #1");
}

#[test]
fn yaml_output_reparses_to_the_json_output() {
    let yaml = success(kyma_mesh().args(["render", "--profile", "local"]));
    let from_yaml: Value = serde_saphyr::from_str(&yaml).expect("valid YAML");
    assert_eq!(from_yaml, render_json(&["--profile", "local"]));
}

// ---- invalid input: exit 2, one located message, nothing on stdout ----

#[test]
fn malformed_yaml_is_located() {
    let f = Files::new(&[(
        "bad.yaml",
        "kind: IstioOperator\nspec:\n  values: [1, 2\n  x: 1\n",
    )]);
    let err = invalid(kyma_mesh().args(["render", "-o"]).arg(f.path("bad.yaml")));
    let name = f.path("bad.yaml").display().to_string();
    assert!(err.contains(&format!("{name}:")), "{err}");
    assert!(err.lines().count() <= 3, "one message, not a dump: {err}");
    assert!(
        !err.contains("column"),
        "the location is said once, as file:line:column: {err}"
    );
}

#[test]
fn duplicate_keys_are_rejected_not_silently_merged() {
    let f = Files::new(&[(
        "dup.yaml",
        "kind: IstioOperator\nspec:\n  profile: default\n  profile: demo\n",
    )]);
    let err = invalid(kyma_mesh().args(["render", "-o"]).arg(f.path("dup.yaml")));
    assert!(err.contains("dup.yaml:4:3: duplicate mapping key"), "{err}");
    assert!(
        !err.contains("DuplicateKeyPolicy"),
        "no library advice: {err}"
    );
}

#[test]
fn missing_override_file() {
    let err = invalid(kyma_mesh().args(["render", "-o", "does-not-exist.yaml"]));
    assert!(err.contains("does-not-exist.yaml"), "{err}");
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn not_an_override() {
    let f = Files::new(&[("d.yaml", "apiVersion: apps/v1\nkind: Deployment\n")]);
    let err = invalid(kyma_mesh().args(["render", "-o"]).arg(f.path("d.yaml")));
    assert!(err.contains("d.yaml:1:1"), "{err}");
    assert!(err.contains("kind Deployment is not an override"), "{err}");
}

#[test]
fn bad_set_argument() {
    let err = invalid(kyma_mesh().args(["render", "--set", "values.global", "--set", "a..b=1"]));
    assert!(err.contains("--set #1 \"values.global\""), "{err}");
    assert!(err.contains("PATH=VALUE"), "{err}");
}

#[test]
fn bad_quantity_names_the_embedded_line() {
    let f = Files::new(&[(
        "cm.yaml",
        "kind: ConfigMap\nmetadata: {name: istio, namespace: kyma-installer}\ndata:\n  kyma_istio_operator: |\n    kind: IstioOperator\n    spec:\n      components:\n        pilot:\n          k8s:\n            resources:\n              requests:\n                memory: 512mb\n",
    )]);
    let err = invalid(kyma_mesh().args(["render", "-o"]).arg(f.path("cm.yaml")));
    assert!(err.contains("cm.yaml:12:25"), "{err}");
    assert!(err.contains("did you mean 512Mi?"), "{err}");
}

#[test]
fn hpa_min_above_max() {
    let err = invalid(kyma_mesh().args([
        "render",
        "--set",
        "components.pilot.k8s.hpaSpec.minReplicas=9",
    ]));
    assert!(err.contains("--set #1"), "{err}");
    assert!(
        err.contains("minReplicas (9) is greater than maxReplicas (5)"),
        "{err}"
    );
}

#[test]
fn wrong_api_version() {
    let f = Files::new(&[(
        "o.yaml",
        "apiVersion: install.istio.io/v1\nkind: IstioOperator\n",
    )]);
    let err = invalid(kyma_mesh().args(["render", "-o"]).arg(f.path("o.yaml")));
    assert!(err.contains("o.yaml:1:13"), "{err}");
    assert!(err.contains("install.istio.io/v1alpha1"), "{err}");
}

#[test]
fn unknown_patch_directive() {
    let f = Files::new(&[(
        "o.yaml",
        "kind: IstioOperator\nspec:\n  meshConfig:\n    $patch: remove\n",
    )]);
    let err = invalid(kyma_mesh().args(["render", "-o"]).arg(f.path("o.yaml")));
    assert!(err.contains("o.yaml:4:5"), "{err}");
    assert!(err.contains("$patch"), "{err}");
}

#[test]
fn kyma_documentation_example_with_removed_policy_component_is_explained() {
    let err = invalid(
        kyma_mesh()
            .args(["render", "-o"])
            .arg(fixture("kyma-docs-override.yaml")),
    );
    assert!(err.contains("kyma-docs-override.yaml:21:9"), "{err}");
    assert!(err.contains("policy"), "{err}");
    assert!(
        err.contains("1.8"),
        "names the Istio version that removed it: {err}"
    );
}

#[test]
fn bad_flag_values_are_usage_errors() {
    invalid(kyma_mesh().args(["render", "--profile", "minikube"]));
    invalid(kyma_mesh().args(["render", "--output", "xml"]));
    invalid(kyma_mesh().args(["render", "--sidecar-injection", "sometimes"]));
    invalid(
        kyma_mesh()
            .args(["render", "-o", "-", "-o", "-"])
            .write_stdin("kind: IstioOperator\n"),
    );
}
