//! Validation against Istio's API, seen from the command line: every finding located in the
//! file that introduced it, errors exit 2, deprecations warn.

use crate::util::{Files, invalid, kyma_mesh, success};

const HEAD: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n";

/// Renders `body` (indented under spec) and returns stderr of the failed run.
fn rejected(body: &str) -> (String, String) {
    let f = Files::new(&[("o.yaml", &format!("{HEAD}{body}"))]);
    let name = f.path("o.yaml").display().to_string();
    (invalid(kyma_mesh().args(["render", "-o", &name])), name)
}

#[test]
fn profiles_pass_in_both_injection_modes() {
    for profile in [
        "local",
        "cluster",
        "production",
        "module",
        "module-evaluation",
    ] {
        for mode in ["default", "opt-in"] {
            let out = kyma_mesh()
                .args(["render", "--profile", profile, "--sidecar-injection", mode])
                .output()
                .unwrap();
            assert!(out.status.success(), "{profile}/{mode}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.is_empty(),
                "{profile}/{mode} renders without a word: {stderr}"
            );
        }
    }
}

#[test]
fn unknown_fields_at_every_depth_are_located() {
    let cases = [
        ("  compnents: {}\n", "4:3", "spec.compnents", "components"),
        (
            "  components:\n    pilott: {}\n",
            "5:5",
            "spec.components.pilott",
            "pilot",
        ),
        (
            "  components:\n    ingressGateways:\n    - name: istio-ingressgateway\n      enabeld: true\n",
            "7:7",
            "spec.components.ingressGateways[0].enabeld",
            "enabled",
        ),
        (
            "  components:\n    pilot:\n      k8s:\n        replicaCnt: 2\n",
            "7:9",
            "spec.components.pilot.k8s.replicaCnt",
            "replicaCount",
        ),
        (
            "  values:\n    global:\n      proxy:\n        privilegd: true\n",
            "7:9",
            "spec.values.global.proxy.privilegd",
            "privileged",
        ),
        (
            "  meshConfig:\n    accesLogFile: /dev/stdout\n",
            "5:5",
            "spec.meshConfig.accesLogFile",
            "accessLogFile",
        ),
        (
            "  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStart: true\n",
            "6:7",
            "spec.meshConfig.defaultConfig.holdApplicationUntilProxyStart",
            "holdApplicationUntilProxyStarts",
        ),
    ];
    for (body, pos, path, suggestion) in cases {
        let (err, name) = rejected(body);
        assert!(
            err.contains(&format!("{name}:{pos}: {path}:")),
            "{path}: {err}"
        );
        assert!(
            err.contains(&format!("did you mean `{suggestion}`")),
            "{path}: {err}"
        );
    }
}

#[test]
fn obsolete_kyma_1x_settings_are_rejected_with_their_location() {
    let (err, name) = rejected(
        "  values:\n    telemetry:\n      v2:\n        prometheus:\n          wasmEnabled: false\n    sidecarInjectorWebhook:\n      objectSelector: {enabled: true}\n    gateways:\n      istio-ingressgateway:\n        zvpn: {enabled: false}\n",
    );
    assert!(
        err.contains(&format!(
            "{name}:8:11: spec.values.telemetry.v2.prometheus.wasmEnabled"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{name}:10:7: spec.values.sidecarInjectorWebhook.objectSelector"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{name}:13:9: spec.values.gateways.istio-ingressgateway.zvpn"
        )),
        "{err}"
    );
    assert!(err.contains("(3 errors)"), "{err}");
}

#[test]
fn type_errors_point_at_the_value() {
    let (err, name) = rejected(
        "  components:\n    pilot:\n      enabled: \"yes\"\n      k8s:\n        env:\n        - name: PILOT_HTTP10\n          value: 1\n",
    );
    assert!(
        err.contains(&format!("{name}:6:16: spec.components.pilot.enabled")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{name}:10:18: spec.components.pilot.k8s.env[0].value"
        )),
        "{err}"
    );
}

#[test]
fn set_errors_name_the_argument() {
    let err = invalid(kyma_mesh().args(["render", "--set", "values.global.proxy.privilegd=true"]));
    assert!(
        err.contains("--set #1: spec.values.global.proxy.privilegd"),
        "{err}"
    );
}

#[test]
fn deprecated_fields_warn_and_still_render() {
    let f = Files::new(&[(
        "o.yaml",
        &format!(
            "{HEAD}  values:\n    global:\n      jwtPolicy: third-party-jwt\n      proxy:\n        holdApplicationUntilProxyStarts: true\n"
        ),
    )]);
    let out = kyma_mesh()
        .args(["render", "-o"])
        .arg(f.path("o.yaml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("o.yaml:6:7: spec.values.global.jwtPolicy"),
        "{stderr}"
    );
    assert!(
        stderr.contains("meshConfig.defaultConfig.holdApplicationUntilProxyStarts"),
        "names the replacement: {stderr}"
    );
    let quiet = kyma_mesh()
        .args(["-q", "render", "-o"])
        .arg(f.path("o.yaml"))
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty(), "-q silences warnings");
}

#[test]
fn skip_validation_lets_unknown_fields_through() {
    let f = Files::new(&[(
        "o.yaml",
        &format!("{HEAD}  values:\n    futureFeature: {{on: true}}\n"),
    )]);
    let out = success(
        kyma_mesh()
            .args(["render", "--skip-validation", "--output", "json", "-o"])
            .arg(f.path("o.yaml")),
    );
    assert!(out.contains("futureFeature"), "{out}");
}

#[test]
fn quantities_follow_kubernetes_grammar_on_the_command_line() {
    // Kubernetes accepts nano and micro, exponents and bare fractions.
    for q in ["100n", "5u", "1.5e3", ".5", "5.", "2E", "1e-3"] {
        success(kyma_mesh().args([
            "render",
            "--set",
            &format!("components.pilot.k8s.resources.requests.cpu={q}"),
        ]));
    }
    let err = invalid(kyma_mesh().args([
        "render",
        "--set",
        "components.pilot.k8s.resources.limits.memory=512mb",
    ]));
    assert!(err.contains("--set #1: spec.components.pilot.k8s.resources.limits.memory: \"512mb\" is not a Kubernetes quantity: did you mean 512Mi?"), "{err}");
}

#[test]
fn a_bad_quantity_is_reported_once() {
    let (err, name) = rejected(
        "  components:\n    pilot:\n      k8s:\n        resources:\n          limits:\n            memory: 1GB\n",
    );
    assert!(err.contains("(1 error)"), "{err}");
    assert_eq!(err.matches("memory").count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{name}:9:21: spec.components.pilot.k8s.resources.limits.memory: \"1GB\" is not a Kubernetes quantity: did you mean 1Gi?"
        )),
        "{err}"
    );
    // Where Istio's API has no type for them (values.*.resources), quantities are checked too.
    let (err, name) = rejected(
        "  values:\n    pilot:\n      resources:\n        requests:\n          memory: 12mb\n",
    );
    assert!(err.contains(&format!("{name}:8:19: spec.values.pilot.resources.requests.memory: \"12mb\" is not a Kubernetes quantity: did you mean 12Mi?")), "{err}");
}

#[test]
fn errors_are_sorted_by_file_line_and_column() {
    let f = Files::new(&[
        (
            "b.yaml",
            &format!(
                "{HEAD}  components:\n    pilot:\n      k8s:\n        resources:\n          limits:\n            memory: 1GB\n            cpu: 2 cores\n  profil: default\n"
            ),
        ),
        (
            "a.yaml",
            &format!("{HEAD}  meshConfig:\n    accesLogFile: x\n"),
        ),
    ]);
    let err = invalid(
        kyma_mesh()
            .args(["render", "--set", "values.globl.x=1", "-o"])
            .arg(f.path("b.yaml"))
            .arg("-o")
            .arg(f.path("a.yaml")),
    );
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("  ")).collect();
    let order: Vec<String> = lines
        .iter()
        .map(|l| {
            let place = l.trim().split(": ").next().unwrap();
            place.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        order,
        [
            "a.yaml:5:5",
            "b.yaml:9:21",
            "b.yaml:10:18",
            "b.yaml:11:3",
            "--set #1"
        ],
        "{err}"
    );
}

#[test]
fn patch_directive_errors_quote_once_and_name_the_directive() {
    let (err, name) = rejected("  meshConfig:\n    $patch: explode\n");
    assert!(
        err.contains(&format!(
            "{name}:5:5: unknown $patch directive \"explode\": expected replace, delete or merge"
        )),
        "{err}"
    );
    assert!(!err.contains("\\\""), "quoted once: {err}");
    let (err, _) = rejected("  meshConfig:\n    $patch: 3\n");
    assert!(err.contains("unknown $patch directive 3:"), "{err}");
    // `{$patch: delete}` alone in a list: says which directive, and what would work.
    let (err, name) = rejected(
        "  components:\n    pilot:\n      k8s:\n        env:\n        - $patch: delete\n        - name: A\n          value: b\n",
    );
    assert!(
        err.contains(&format!(
            "{name}:8:11: `$patch: delete` cannot stand alone in a list"
        )),
        "{err}"
    );
    assert!(err.contains("{name: X, $patch: delete}"), "{err}");
    assert!(!err.contains("unknown $patch directive"), "{err}");
}

#[test]
fn render_warns_about_skip_validation_as_install_does() {
    let out = kyma_mesh()
        .args(["render", "--skip-validation"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        "warning: --skip-validation: the IstioOperator is NOT checked against Istio's API; istioctl may reject it, or ignore misspelt fields without a word",
        "{err}"
    );
    assert!(err.contains("NOT checked against Istio's API"), "{err}");
    let quiet = kyma_mesh()
        .args(["-q", "render", "--skip-validation"])
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty(), "-q silences it");
}

#[test]
fn two_istio_operators_in_one_file_are_ambiguous() {
    let f = Files::new(&[(
        "two.yaml",
        &format!("{HEAD}  profile: default\n---\n# the second\n{HEAD}  profile: minimal\n"),
    )]);
    let name = f.path("two.yaml").display().to_string();
    let err = invalid(kyma_mesh().args(["render", "-o", &name]));
    assert!(
        err.contains(&format!(
            "{name}:7:1: a second IstioOperator in one file (the first is at 1:1)"
        )),
        "{err}"
    );
    assert_eq!(err.matches("error:").count(), 1, "{err}");
}
