//! The four forms an override may take (README "Overrides"), reduced to IstioOperator trees:
//! 1. a bare IstioOperator document;
//! 2. a Kyma override ConfigMap whose `data.kyma_istio_operator` holds an IstioOperator string;
//! 3. a multi-document file of several components' ConfigMaps (only Istio's are taken);
//! 4. a Kyma 2 values file with `istio.kyma_istio_operator`;
//! 5. the Kyma Istio module's `Istio` resource (`istio_cr.rs` maps it).

use std::sync::Arc;

use super::ConfigError;
use super::istio_cr;
use super::tree::{Kind, Node, Origin, SourceKind, parse_documents};

/// The key Kyma's installer used for Istio's override.
pub const OPERATOR_KEY: &str = "kyma_istio_operator";

/// What one source contributed, for `--explain` and install's "sources used" line.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The IstioOperator tree to merge.
    pub doc: Node,
    /// How it was found, e.g. `ConfigMap kyma-installer/istio-overrides, key kyma_istio_operator`.
    pub form: String,
    /// What the source says that no IstioOperator field expresses (warnings).
    pub notes: Vec<super::validate::Problem>,
}

/// Parses an override source. `label` names it in messages (a file path, `-` for stdin, or
/// a ConfigMap). Returns one IstioOperator per Istio override found, in document order.
pub fn parse_override(text: &str, source: SourceKind) -> Result<Vec<Override>, ConfigError> {
    let source = Arc::new(source);
    let docs = parse_documents(text, &source, 0, 0)?;
    if docs.is_empty() {
        return Err(ConfigError::NotAnOverride {
            at: Origin::new(source.clone(), 1, 1).to_string(),
            message: "the file is empty".into(),
        });
    }
    let mut out = Vec::new();
    let mut ignored = 0usize;
    let single = docs.len() == 1;
    // Two bare IstioOperators in one file are ambiguous (merged? which wins?), and istioctl
    // rejects such a file, so kyma-mesh does too. Several ConfigMaps carrying
    // kyma_istio_operator in one file are another matter: Kyma's installer applied every
    // override ConfigMap labelled for istio, and kyma-mesh reads the cluster's labelled
    // ConfigMaps the same way (all of them, merged in name order). A file of such ConfigMaps
    // is that set written down, in an order the user chose, so they are merged in document
    // order, each located in the file, exactly as if each were given with its own -o.
    let mut first_operator: Option<&Origin> = None;
    for doc in &docs {
        match classify(doc)? {
            Form::Operator => {
                if let Some(first) = first_operator {
                    return Err(ConfigError::NotAnOverride {
                        at: doc.origin.to_string(),
                        message: format!(
                            "a second IstioOperator in one file (the first is at {}:{}): istioctl rejects such a file as ambiguous; put each in its own file and give -o for each (merged left to right)",
                            first.line, first.col
                        ),
                    });
                }
                first_operator = Some(&doc.origin);
                out.push(Override {
                    doc: doc.clone(),
                    form: "IstioOperator".into(),
                    notes: Vec::new(),
                });
            }
            Form::Embedded { holder, value } => {
                let parsed = parse_embedded(text, &source, value, &holder)?;
                out.push(Override {
                    doc: parsed,
                    form: holder,
                    notes: Vec::new(),
                });
            }
            Form::Istio => {
                let mapped = istio_cr::to_operator(doc)?;
                let name = doc
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Node::as_str);
                out.push(Override {
                    doc: mapped.doc,
                    form: match name {
                        Some(n) => format!("Istio {n}"),
                        None => "Istio".into(),
                    },
                    notes: mapped.notes,
                });
            }
            Form::OtherConfigMap { name } if single => {
                return Err(ConfigError::NotAnOverride {
                    at: doc.origin.to_string(),
                    message: format!(
                        "ConfigMap {name} has no data.{OPERATOR_KEY}: Kyma's Istio override lives under that key"
                    ),
                });
            }
            Form::OtherConfigMap { .. } => ignored += 1,
            Form::Unknown(message) => {
                return Err(ConfigError::NotAnOverride {
                    at: doc.origin.to_string(),
                    message,
                });
            }
        }
    }
    if out.is_empty() {
        return Err(ConfigError::NotAnOverride {
            at: Origin::new(source, 1, 1).to_string(),
            message: format!(
                "none of the {ignored} ConfigMaps carries data.{OPERATOR_KEY}, so there is no Istio override here"
            ),
        });
    }
    Ok(out)
}

enum Form<'a> {
    Operator,
    Istio,
    Embedded { holder: String, value: &'a Node },
    OtherConfigMap { name: String },
    Unknown(String),
}

fn classify(doc: &Node) -> Result<Form<'_>, ConfigError> {
    if !doc.is_map() {
        return Ok(Form::Unknown(format!(
            "expected a map (an IstioOperator, a ConfigMap or a values file), found a {}",
            doc.type_name()
        )));
    }
    let kind = doc.get("kind").and_then(Node::as_str);
    match kind {
        Some("IstioOperator") => Ok(Form::Operator),
        Some(istio_cr::KIND) => Ok(Form::Istio),
        Some("ConfigMap") => {
            let meta = doc.get("metadata");
            let ns = meta.and_then(|m| m.get("namespace")).and_then(Node::as_str);
            let name = meta
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str)
                .unwrap_or("<unnamed>");
            let full = match ns {
                Some(ns) => format!("{ns}/{name}"),
                None => name.to_string(),
            };
            let component = meta
                .and_then(|m| m.get("labels"))
                .and_then(|l| l.get("component"))
                .and_then(Node::as_str);
            match doc.get("data").and_then(|d| d.get(OPERATOR_KEY)) {
                // Kyma labels each component's overrides; another component's are not ours.
                Some(_) if component.is_some_and(|c| c != "istio") => {
                    Ok(Form::OtherConfigMap { name: full })
                }
                Some(v) => Ok(Form::Embedded {
                    holder: format!("ConfigMap {full}, key {OPERATOR_KEY}"),
                    value: v,
                }),
                None => Ok(Form::OtherConfigMap { name: full }),
            }
        }
        Some(other) => Ok(Form::Unknown(format!(
            "kind {other} is not an override: expected an IstioOperator, a ConfigMap with data.{OPERATOR_KEY}, a values file with istio.{OPERATOR_KEY}, or an Istio resource ({})", istio_cr::API_VERSION
        ))),
        None => match doc.get("istio").and_then(|i| i.get(OPERATOR_KEY)) {
            Some(v) => Ok(Form::Embedded {
                holder: format!("values istio.{OPERATOR_KEY}"),
                value: v,
            }),
            None if doc.get("spec").is_some() => Ok(Form::Unknown(
                "this looks like an IstioOperator without `kind: IstioOperator`: add `apiVersion: install.istio.io/v1alpha1` and `kind: IstioOperator`".into(),
            )),
            None => Ok(Form::Unknown(format!(
                "not an override: expected an IstioOperator, a ConfigMap with data.{OPERATOR_KEY}, or a values file with istio.{OPERATOR_KEY}"
            ))),
        },
    }
}

/// Parses the IstioOperator held as a string. For a literal block scalar (`key: |`), positions
/// are translated to the outer file so messages point at the real line; for other styles they
/// are relative to the string and the source names the key.
fn parse_embedded(
    outer_text: &str,
    source: &Arc<SourceKind>,
    value: &Node,
    holder: &str,
) -> Result<Node, ConfigError> {
    let Kind::Str(inner) = &value.kind else {
        return Err(ConfigError::NotAnOverride {
            at: value.origin.to_string(),
            message: format!(
                "{holder} must be a string holding an IstioOperator (use `{OPERATOR_KEY}: |`), found a {}",
                value.type_name()
            ),
        });
    };
    let (inner_source, line_off, col_off) = match block_offsets(outer_text, &value.origin) {
        Some((l, c)) => (source.clone(), l, c),
        None => (
            Arc::new(SourceKind::Embedded {
                outer: source.to_string(),
                key: holder.to_string(),
            }),
            0,
            0,
        ),
    };
    let mut docs = parse_documents(inner, &inner_source, line_off, col_off)?;
    match docs.len() {
        0 => Err(ConfigError::NotAnOverride {
            at: value.origin.to_string(),
            message: format!("{holder} is empty"),
        }),
        1 => {
            let doc = docs.remove(0);
            match doc.get("kind").and_then(Node::as_str) {
                None | Some("IstioOperator") if doc.is_map() => Ok(doc),
                _ => Err(ConfigError::NotAnOverride {
                    at: doc.origin.to_string(),
                    message: format!("{holder} must hold an IstioOperator"),
                }),
            }
        }
        n => Err(ConfigError::NotAnOverride {
            at: value.origin.to_string(),
            message: format!("{holder} holds {n} YAML documents; it must hold one IstioOperator"),
        }),
    }
}

/// For a literal block scalar whose content starts at `origin` (where serde-saphyr places a
/// block scalar), the (line, column) offsets that map positions in its content to positions in
/// the outer text. `None` for other styles: folded and quoted scalars do not map line to line.
fn block_offsets(outer: &str, origin: &Origin) -> Option<(u32, u32)> {
    if origin.line < 2 {
        return None;
    }
    let lines: Vec<&str> = outer.lines().collect();
    let header = lines[..(origin.line as usize - 1).min(lines.len())]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())?;
    let header = match header.find(" #") {
        Some(i) => &header[..i],
        None => header,
    }
    .trim_end();
    let indicator = header.rsplit(' ').next()?;
    // `|`, `|-`, `|+`; an explicit indentation digit changes the mapping, so leave it alone.
    if matches!(indicator, "|" | "|-" | "|+") {
        Some((origin.line - 1, origin.col - 1))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(name: &str) -> SourceKind {
        SourceKind::File(name.into())
    }

    const BARE: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n    pilot:\n      k8s:\n        hpaSpec:\n          minReplicas: 2\n";

    #[test]
    fn bare_operator() {
        let o = parse_override(BARE, file("o.yaml")).unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].form, "IstioOperator");
        assert_eq!(
            o[0].doc.to_json()["spec"]["components"]["pilot"]["k8s"]["hpaSpec"]["minReplicas"],
            2
        );
    }

    fn as_configmap(name: &str, component: &str, body: &str) -> String {
        let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: kyma-installer\n  labels:\n    installer: overrides\n    component: {component}\ndata:\n  kyma_istio_operator: |\n{indented}"
        )
    }

    #[test]
    fn configmap_form_maps_positions_to_the_outer_file() {
        let text = as_configmap("istio-overrides", "istio", BARE);
        let o = parse_override(&text, file("cm.yaml")).unwrap();
        assert_eq!(
            o[0].form,
            "ConfigMap kyma-installer/istio-overrides, key kyma_istio_operator"
        );
        let path: crate::config::path::Path = "spec.components.pilot.k8s.hpaSpec.minReplicas"
            .parse()
            .unwrap();
        let min = o[0].doc.walk(&path);
        // BARE's line 8 sits at line 10 + 8 of the ConfigMap, indented by 4 more.
        assert_eq!(min.origin().to_string(), "cm.yaml:18:15");
    }

    #[test]
    fn quoted_string_form_names_the_key() {
        let text = "kind: ConfigMap\nmetadata: {name: x}\ndata:\n  kyma_istio_operator: \"kind: IstioOperator\\nspec:\\n  bogus: [\"\n";
        let e = parse_override(text, file("q.yaml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("q.yaml [ConfigMap x, key kyma_istio_operator]:"),
            "{e}"
        );
    }

    #[test]
    fn multi_document_takes_only_istio() {
        let text = format!(
            "{}---\n{}",
            as_configmap("other", "logging", "foo: bar"),
            as_configmap("istio", "istio", BARE)
        );
        let o = parse_override(&text, file("all.yaml")).unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].doc.to_json()["kind"], "IstioOperator");
    }

    #[test]
    fn two_operators_in_one_file_are_refused() {
        let text = format!("{BARE}---\n{BARE}");
        let e = parse_override(&text, file("two.yaml")).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "two.yaml:10:1: a second IstioOperator in one file (the first is at 1:1)"
            ),
            "{e}"
        );
    }

    #[test]
    fn two_istio_configmaps_in_one_file_merge_in_document_order() {
        let second = BARE.replace("minReplicas: 2", "maxReplicas: 4");
        let text = format!(
            "{}---\n{}",
            as_configmap("a", "istio", BARE),
            as_configmap("b", "istio", &second)
        );
        let o = parse_override(&text, file("cms.yaml")).unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(
            o[0].form,
            "ConfigMap kyma-installer/a, key kyma_istio_operator"
        );
        assert_eq!(
            o[1].form,
            "ConfigMap kyma-installer/b, key kyma_istio_operator"
        );
    }

    #[test]
    fn values_file_form() {
        let indented: String = BARE.lines().map(|l| format!("    {l}\n")).collect();
        let text =
            format!("global:\n  domainName: x\nistio:\n  kyma_istio_operator: |\n{indented}");
        let o = parse_override(&text, file("values.yaml")).unwrap();
        assert_eq!(o[0].form, "values istio.kyma_istio_operator");
        let cm = parse_override(&as_configmap("i", "istio", BARE), file("c")).unwrap();
        let bare = parse_override(BARE, file("b")).unwrap();
        // Same content, same tree, whatever the wrapping.
        assert_eq!(o[0].doc.to_json(), bare[0].doc.to_json());
        assert_eq!(cm[0].doc.to_json(), bare[0].doc.to_json());
    }

    #[test]
    fn not_an_override() {
        for (text, needle) in [
            ("kind: Deployment\n", "kind Deployment is not an override"),
            ("spec: {}\n", "without `kind: IstioOperator`"),
            ("- 1\n", "expected a map"),
            ("", "empty"),
            (
                "kind: ConfigMap\nmetadata: {name: a}\ndata: {x: y}\n",
                "has no data.kyma_istio_operator",
            ),
            (
                "kind: ConfigMap\ndata:\n  kyma_istio_operator: {a: 1}\n",
                "must be a string",
            ),
        ] {
            let e = parse_override(text, file("x.yaml")).unwrap_err();
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
            assert!(e.to_string().starts_with("x.yaml"), "{e}");
        }
    }

    #[test]
    fn embedded_syntax_error_points_into_the_outer_file() {
        let text = as_configmap(
            "i",
            "istio",
            "kind: IstioOperator\nspec:\n  values: [1, 2\n",
        );
        let e = parse_override(&text, file("cm.yaml")).unwrap_err();
        match e {
            ConfigError::Yaml(y) => assert!(y.line >= 13, "{y}"),
            other => panic!("expected a YAML error, got {other}"),
        }
    }

    #[test]
    fn kyma_documentation_example_shape_is_accepted() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio-operator-overrides\n  namespace: kyma-installer\n  labels:\n    installer: overrides\n    component: istio\n    kyma-project.io/installation: \"\"\ndata:\n  kyma_istio_operator: |-\n    apiVersion: install.istio.io/v1alpha1\n    kind: IstioOperator\n    metadata:\n      namespace: istio-system\n      name: example-istiooperator\n    spec:\n      components:\n        pilot:\n          k8s:\n            hpaSpec:\n              minReplicas: 2\n";
        let o = parse_override(text, file("example.yaml")).unwrap();
        assert_eq!(
            o[0].doc.to_json()["metadata"],
            json!({"namespace": "istio-system", "name": "example-istiooperator"})
        );
    }
}
