//! Properties of the configuration layer, checked on generated inputs (proptest): the merge is
//! an identity for an empty override and idempotent, `--set` never panics and reads back what
//! it prints, rendering never panics on any YAML tree, and the quantity checker is exactly
//! Kubernetes' grammar. (Unit tests: `config` is private to the crate.)

use std::sync::{Arc, LazyLock};

use proptest::prelude::*;
use regex::Regex;
use serde_json::{Map, Value, json};

use crate::config::path::{Path, Step};
use crate::config::tree::{Node, Origin, SourceKind, parse_documents};
use crate::config::{self, OverrideInput, Profile, RenderRequest, merge, quantity, set};

/// Keys an IstioOperator uses (so generated trees reach deep into the schema and the merge
/// rules: named lists, directives, resources), plus a few that are nothing.
const KEYS: &[&str] = &[
    "spec",
    "components",
    "pilot",
    "ingressGateways",
    "egressGateways",
    "k8s",
    "resources",
    "requests",
    "limits",
    "cpu",
    "memory",
    "hpaSpec",
    "minReplicas",
    "maxReplicas",
    "env",
    "name",
    "value",
    "enabled",
    "values",
    "global",
    "proxy",
    "meshConfig",
    "accessLogFile",
    "defaultConfig",
    "tag",
    "hub",
    "kind",
    "apiVersion",
    "metadata",
    "$patch",
    "overlays",
    "service",
    "ports",
    "port",
    "x",
    "a.b",
    "[0]",
    "",
    "é",
];

/// Scalars, including the words the merge and the validators react to.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(vec![
            "replace",
            "delete",
            "merge",
            "IstioOperator",
            "install.istio.io/v1alpha1",
            "100m",
            "128Mi",
            "1GB",
            "-1",
            "istio-ingressgateway",
            "PILOT_HTTP10",
            "",
            "~",
            "*a",
            "&a",
            "- x",
            "a: b",
            "{",
            "\t",
            "yes",
        ])
        .prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-zA-Z$._\\[\\]:=\\\\ -]{1,8}",
    ]
}

/// Any tree of maps, lists and scalars, a few levels deep.
fn tree() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner.clone()), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            // lists of named items, merged by name
            prop::collection::vec((prop::sample::select(vec!["a", "b", "c"]), inner), 0..4)
                .prop_map(|items| {
                    Value::Array(
                        items
                            .into_iter()
                            .map(|(n, v)| json!({"name": n, "v": v}))
                            .collect(),
                    )
                }),
        ]
    })
}

/// A map tree: the shape of a document and of an override.
fn map_tree() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), tree()), 0..6)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

fn node(v: &Value, name: &str) -> Node {
    let origin = Origin::new(Arc::new(SourceKind::File(name.into())), 1, 1);
    Node::from_json(v, &origin)
}

/// A tree as YAML text, in block style (serde-saphyr) or flow style (JSON).
fn as_yaml(v: &Value, block: bool) -> String {
    if block {
        serde_saphyr::to_string(v).expect("serialize")
    } else {
        serde_json::to_string(v).expect("serialize")
    }
}

fn step() -> impl Strategy<Value = Step> {
    let text = "[ -~é]{1,6}";
    prop_oneof![
        3 => text.prop_map(Step::Key),
        1 => (0usize..1000).prop_map(Step::Index),
        1 => (text, text).prop_map(|(key, value)| Step::Select { key, value }),
    ]
}

/// apimachinery's grammar as a regular expression (exponents: sign and digits, as its parser
/// takes them), the reference the hand-written checker must agree with.
static QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$",
    )
    .unwrap()
});

/// Strings near the grammar: its pieces in any order, and a few strays.
fn quantity_like() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "0", "1", "7", "12", ".", "+", "-", "e", "E", "i", "n", "u", "m", "k", "K", "M", "G", "T",
        "P", "Ki", "Mi", "Gi", "Ei", "b", "B", " ", "x", "0.5", "1e3",
    ]);
    prop::collection::vec(piece, 0..6).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn merging_an_empty_override_is_the_identity(base in map_tree()) {
        let mut merged = node(&base, "base");
        let before = merged.clone();
        merge::merge(&mut merged, &node(&json!({}), "empty")).unwrap();
        prop_assert_eq!(merged, before);
    }

    #[test]
    fn merging_an_override_twice_is_merging_it_once(base in map_tree(), over in map_tree()) {
        let mut once = node(&base, "base");
        let overlay = node(&over, "over");
        if merge::merge(&mut once, &overlay).is_ok() {
            let mut twice = once.clone();
            merge::merge(&mut twice, &overlay).unwrap();
            prop_assert_eq!(twice.to_json(), once.to_json());
        }
    }

    #[test]
    fn the_set_parser_never_panics_and_reads_back_its_paths(raw in "[ -~]{0,40}") {
        if let Ok(arg) = set::parse(1, &raw) {
            let printed = arg.path.to_string();
            prop_assert_eq!(Path::parse(&printed).unwrap(), arg.path);
        }
        if let Ok(path) = Path::parse(&raw) {
            prop_assert_eq!(Path::parse(&path.to_string()).unwrap(), path);
        }
    }

    #[test]
    fn path_display_parses_back_to_the_same_path(steps in prop::collection::vec(step(), 1..8), value in "[ -~]{0,8}") {
        let path = Path::from(steps);
        let printed = path.to_string();
        prop_assert_eq!(&Path::parse(&printed).unwrap(), &path, "printed as {}", printed);
        // and through --set, which reads PATH=VALUE (a leading `spec` is dropped there)
        let arg = set::parse(1, &format!("{printed}={value}")).unwrap();
        let mut expected = path.clone();
        if matches!(expected.first(), Some(Step::Key(k)) if k == "spec") && expected.len() > 1 {
            expected = expected[1..].iter().cloned().collect();
        }
        prop_assert_eq!(arg.path, expected);
    }

    #[test]
    fn applying_any_set_never_panics(raw in "[a-zA-Z.\\[\\]:0-9=\\\\-]{0,30}", base in map_tree()) {
        if let Ok(arg) = set::parse(1, &raw) {
            let mut doc = node(&base, "base");
            let _ = arg.apply(&mut doc);
        }
    }

    #[test]
    fn rendering_any_yaml_tree_is_ok_or_a_config_error(
        tree in tree(),
        form in 0..3u8,
        block in any::<bool>(),
        sets in prop::collection::vec("[a-zA-Z.\\[\\]:0-9=-]{0,24}", 0..2),
    ) {
        let doc = match form {
            0 => tree,
            1 => json!({"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator", "spec": tree}),
            _ => json!({"kind": "ConfigMap", "metadata": {"name": "o"}, "data": {
                "kyma_istio_operator": as_yaml(&json!({"kind": "IstioOperator", "spec": tree}), block)}}),
        };
        let mut req = RenderRequest::new(Profile::Local);
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File("gen.yaml".into()),
            text: as_yaml(&doc, block),
        });
        req.sets = sets;
        // Ok or Err(ConfigError): a panic fails the property.
        if let Err(e) = config::render(&req) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn any_yaml_text_parses_or_fails_with_a_position(text in "[ -~\n\t]{0,60}") {
        let source = Arc::new(SourceKind::File("t.yaml".into()));
        let _ = parse_documents(&text, &source, 0, 0);
    }

    #[test]
    fn the_quantity_checker_is_kubernetes_grammar(s in prop_oneof![quantity_like(), "[ -~]{0,8}"]) {
        prop_assert_eq!(quantity::parse(&s).is_some(), QUANTITY.is_match(&s), "{:?}", s);
    }
}

#[test]
fn an_empty_override_renders_what_the_profile_renders() {
    for profile in Profile::ALL {
        let plain = config::render(&RenderRequest::new(profile)).unwrap();
        let mut req = RenderRequest::new(profile);
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File("empty.yaml".into()),
            text: "kind: IstioOperator\n".into(),
        });
        assert_eq!(config::render(&req).unwrap().to_json(), plain.to_json());
    }
}

#[test]
fn the_reference_grammar_knows_the_usual_quantities() {
    for ok in ["100m", "100n", "1.5Gi", ".5", "5.", "1e3", "-1", "+2k"] {
        assert!(
            QUANTITY.is_match(ok) && quantity::parse(ok).is_some(),
            "{ok}"
        );
    }
    for bad in ["", "Mi", ".", "1 Gi", "1K", "1e1.5", "1ee"] {
        assert!(
            !QUANTITY.is_match(bad) && quantity::parse(bad).is_none(),
            "{bad}"
        );
    }
}
