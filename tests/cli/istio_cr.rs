//! The Kyma Istio module's `Istio` resource: as an override (`-o`), validated as its CRD, and
//! as an export (`render --output istio-cr`).

use serde_json::{Value, json};

use crate::util::{Files, fixture, invalid, json, kyma_mesh, success};

/// Every value the fixture sets, with the Istio field that set it (`--explain`): the mapping
/// table, reviewed by eye against the module's istio_merge.go.
#[test]
fn every_field_maps_where_the_module_maps_it() {
    let f = fixture("istio-cr.yaml");
    let leaves = json(
        kyma_mesh()
            .args([
                "render",
                "--profile",
                "module",
                "--explain",
                "--output",
                "json",
                "-o",
            ])
            .arg(&f),
    );
    let lines: Vec<String> = leaves
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["source"].as_str().unwrap().contains("(Istio "))
        .map(|l| {
            let source = l["source"].as_str().unwrap();
            let field = &source[source.find("(Istio ").unwrap() + 7..source.len() - 1];
            format!(
                "{field} -> {} = {}",
                l["path"].as_str().unwrap(),
                l["value"]
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn the_resource_merges_left_to_right_with_the_other_forms() {
    let f = Files::new(&[
        (
            "before.yaml",
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    trustDomain: before.local\n    defaultConfig:\n      gatewayTopology: {numTrustedProxies: 9}\n",
        ),
        (
            "istio.yaml",
            "apiVersion: operator.kyma-project.io/v1alpha2\nkind: Istio\nmetadata: {name: default, namespace: kyma-system}\nspec:\n  config:\n    trustDomain: istio.local\n",
        ),
        (
            "after.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: o, namespace: kyma-installer}\ndata:\n  kyma_istio_operator: |\n    kind: IstioOperator\n    apiVersion: install.istio.io/v1alpha1\n    spec:\n      components:\n        pilot:\n          k8s:\n            hpaSpec: {maxReplicas: 3}\n",
        ),
    ]);
    let io = json(
        kyma_mesh()
            .args(["render", "--output", "json", "-o"])
            .arg(f.path("before.yaml"))
            .arg("-o")
            .arg(f.path("istio.yaml"))
            .arg("-o")
            .arg(f.path("after.yaml")),
    );
    let spec = &io["spec"];
    assert_eq!(spec["meshConfig"]["trustDomain"], "istio.local");
    assert_eq!(
        spec["meshConfig"]["defaultConfig"]["gatewayTopology"]["numTrustedProxies"],
        9
    );
    assert_eq!(
        spec["components"]["pilot"]["k8s"]["hpaSpec"]["maxReplicas"],
        3
    );
}

#[test]
fn an_invalid_resource_exits_2_naming_file_line_and_field() {
    let f = Files::new(&[(
        "istio.yaml",
        "apiVersion: operator.kyma-project.io/v1alpha2\nkind: Istio\nmetadata: {name: default}\nspec:\n  config:\n    forwardClientCertDetails: SANITISE_SET\n    numTrustedProxes: 2\n",
    )]);
    let name = f.path("istio.yaml").display().to_string();
    let err = invalid(kyma_mesh().args(["render", "-o", &name]));
    assert_eq!(
        err,
        format!(
            "error: the Istio resource is invalid (2 errors):\n  {name}:6:31: spec.config.forwardClientCertDetails: must be one of APPEND_FORWARD, SANITIZE_SET, SANITIZE, ALWAYS_FORWARD_ONLY, FORWARD_ONLY, found \"SANITISE_SET\" (did you mean SANITIZE_SET?)\n  {name}:7:5: spec.config.numTrustedProxes: unknown field in the Istio resource (did you mean numTrustedProxies?)\n"
        )
    );
}

#[test]
fn export_round_trips_and_names_what_it_leaves_out() {
    let f = Files::new(&[(
        "o.yaml",
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      gatewayTopology: {numTrustedProxies: 2}\n  components:\n    pilot:\n      k8s:\n        hpaSpec: {maxReplicas: 7}\n        nodeSelector: {pool: system}\n  values:\n    global: {variant: debug}\n",
    )]);
    let out = kyma_mesh()
        .args([
            "render",
            "--profile",
            "production",
            "--output",
            "istio-cr",
            "-o",
        ])
        .arg(f.path("o.yaml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "warning: the Istio resource cannot express spec.components.pilot.k8s.nodeSelector.pool; left out\nwarning: the Istio resource cannot express spec.values.global.variant; left out\n"
    );
    let cr = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        cr,
        "apiVersion: operator.kyma-project.io/v1alpha2\nkind: Istio\nmetadata:\n  name: default\n  namespace: kyma-system\nspec:\n  config:\n    numTrustedProxies: 2\n  components:\n    pilot:\n      k8s:\n        hpaSpec:\n          maxReplicas: 7\n"
    );
    // Back with -o: the same IstioOperator for what the resource says.
    let g = Files::new(&[("istio.yaml", &cr)]);
    let back: Value = json(
        kyma_mesh()
            .args([
                "render",
                "--profile",
                "production",
                "--output",
                "json",
                "-o",
            ])
            .arg(g.path("istio.yaml")),
    );
    let spec = &back["spec"];
    assert_eq!(
        spec["meshConfig"]["defaultConfig"]["gatewayTopology"],
        json!({"numTrustedProxies": 2})
    );
    assert_eq!(
        spec["components"]["pilot"]["k8s"]["hpaSpec"]["maxReplicas"],
        7
    );
    assert!(
        spec["components"]["pilot"]["k8s"]
            .get("nodeSelector")
            .is_none()
    );
}

#[test]
fn the_whole_fixture_round_trips_on_the_module_profile() {
    let f = fixture("istio-cr.yaml");
    let first = success(
        kyma_mesh()
            .args(["render", "--profile", "module", "--output", "json", "-o"])
            .arg(&f),
    );
    let cr = success(
        kyma_mesh()
            .args([
                "render",
                "--profile",
                "module",
                "--output",
                "istio-cr",
                "-o",
            ])
            .arg(&f),
    );
    let g = Files::new(&[("istio.yaml", &cr)]);
    let again = success(
        kyma_mesh()
            .args(["render", "--profile", "module", "--output", "json", "-o"])
            .arg(g.path("istio.yaml")),
    );
    assert_eq!(first, again);
}

#[test]
fn explain_and_istio_cr_output_do_not_mix() {
    let err = invalid(kyma_mesh().args(["render", "--explain", "--output", "istio-cr"]));
    assert!(
        err.contains("cannot be combined with --output istio-cr"),
        "{err}"
    );
}

/// examples/istio-cr.yaml is what the export writes for examples/istio-operator.yaml; the env
/// var the resource cannot say is one line on stderr, the item named whole.
#[test]
fn the_shipped_example_is_the_export_of_the_operator_example() {
    let out = kyma_mesh()
        .args([
            "render",
            "--profile",
            "production",
            "-o",
            "examples/istio-operator.yaml",
            "--output",
            "istio-cr",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "warning: the Istio resource cannot express spec.components.pilot.k8s.env[name:PILOT_TRACE_SAMPLING]; left out\n"
    );
    let shipped =
        std::fs::read_to_string(crate::util::repo().join("examples/istio-cr.yaml")).unwrap();
    let body: String = shipped
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), body);
    // And back: the example renders what the operator example does, but for the env var.
    let a = json(kyma_mesh().args([
        "render",
        "--profile",
        "production",
        "--output",
        "json",
        "-o",
        "examples/istio-cr.yaml",
    ]));
    let b = json(kyma_mesh().args([
        "render",
        "--profile",
        "production",
        "--output",
        "json",
        "-o",
        "examples/istio-operator.yaml",
    ]));
    assert_eq!(
        a["spec"]["components"]["ingressGateways"],
        b["spec"]["components"]["ingressGateways"]
    );
    assert_eq!(
        a["spec"]["components"]["pilot"]["k8s"]["hpaSpec"],
        b["spec"]["components"]["pilot"]["k8s"]["hpaSpec"]
    );
    assert_eq!(
        a["spec"]["components"]["pilot"]["k8s"]["resources"],
        b["spec"]["components"]["pilot"]["k8s"]["resources"]
    );
}

/// A compatibility version is the user's choice and the resource has no field for it: named.
#[test]
fn a_compatibility_version_is_named_as_left_out() {
    let out = kyma_mesh()
        .args([
            "render",
            "--compatibility-version",
            "1.29",
            "--output",
            "istio-cr",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "warning: the Istio resource cannot express spec.compatibilityVersion; left out\n"
    );
}
