//! `--set PATH=VALUE`, with istioctl's path syntax.
//!
//! Paths are relative to `spec` (a leading `spec.` is accepted too): `a.b.c`, `\.` for a dot
//! inside a key (`podAnnotations.sidecar\.istio\.io/inject`), `[N]` for a list index and
//! `[key:value]` to select the list item whose `key` is `value` (created when missing, so
//! `components.ingressGateways[name:my-gw].enabled=true` adds a gateway).
//! Values are typed like istioctl does (`true`, `3`, `2.5`, `null`), except under keys whose
//! values are always strings (image tags, versions, annotations, proxyMetadata).

use std::sync::Arc;

use super::path::{Path, Step, quoted};
use super::tree::{Entry, Kind, Node, Origin, SourceKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--set #{index} {}: {message}", quoted(arg))]
pub struct SetError {
    pub index: usize,
    pub arg: String,
    pub message: String,
}

/// One parsed `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct SetArg {
    pub index: usize,
    pub raw: String,
    pub path: Path,
    pub value: serde_json::Value,
}

/// Keys whose values istioctl keeps as strings even when they look like numbers (`1.24`).
const STRING_KEYS: &[&str] = &[
    "tag",
    "hub",
    "image",
    "version",
    "revision",
    "compatibilityVersion",
    "value",
];
/// Maps whose every value is a string.
const STRING_MAPS: &[&str] = &[
    "proxyMetadata",
    "podAnnotations",
    "annotations",
    "labels",
    "podLabels",
    "serviceAnnotations",
    "nodeSelector",
];

/// Parses `PATH=VALUE`; `index` is 1-based, for messages and `--explain`.
pub fn parse(index: usize, raw: &str) -> Result<SetArg, SetError> {
    let err = |message: String| SetError {
        index,
        arg: raw.to_string(),
        message,
    };
    let Some((path_text, value_text)) = split_assignment(raw) else {
        // No `=` outside brackets: a malformed path (`a[=1`, `a\`) says more than "no =".
        let message = match Path::parse(raw) {
            Err(e) if raw.contains('=') || raw.ends_with('\\') => e.message,
            _ => "expected PATH=VALUE, e.g. values.global.proxy.privileged=true".into(),
        };
        return Err(err(message));
    };
    let mut path = Path::parse(path_text).map_err(|e| err(e.message))?;
    if matches!(path.first(), Some(Step::Key(k)) if k == "spec") && path.len() > 1 {
        path.remove_first();
    }
    let value = typed_value(&path, value_text);
    Ok(SetArg {
        index,
        raw: raw.to_string(),
        path,
        value,
    })
}

/// Splits at the first `=` outside a `[...]` selector (values may hold `=`: `a.b=x=y` sets
/// `x=y`). Brackets do not nest, as in the path syntax: inside one, everything up to the
/// first unescaped `]` belongs to it.
fn split_assignment(raw: &str) -> Option<(&str, &str)> {
    let mut in_bracket = false;
    let mut escaped = false;
    for (i, c) in raw.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_bracket = true,
            ']' => in_bracket = false,
            '=' if !in_bracket => return Some((&raw[..i], &raw[i + 1..])),
            _ => {}
        }
    }
    None
}

fn typed_value(path: &Path, text: &str) -> serde_json::Value {
    let last_key = path.last_key();
    let parent_key = match &path[..] {
        [.., Step::Key(p), Step::Key(_)] => Some(p.as_str()),
        _ => None,
    };
    let always_string = last_key.is_some_and(|k| STRING_KEYS.contains(&k))
        || parent_key.is_some_and(|p| STRING_MAPS.contains(&p));
    if always_string {
        return serde_json::Value::String(text.to_string());
    }
    match text {
        "true" => return true.into(),
        "false" => return false.into(),
        "null" => return serde_json::Value::Null,
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        // Leading zeros and '+' are not numbers to a human ("007", "+1").
        let looks_like_id = text.starts_with('+') || (text.len() > 1 && text.starts_with('0'));
        if !looks_like_id {
            return i.into();
        }
    }
    if text.contains('.')
        && !text.starts_with('.')
        && !text.ends_with('.')
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return serde_json::Value::Number(n);
    }
    serde_json::Value::String(text.to_string())
}

impl SetArg {
    pub fn origin(&self) -> Origin {
        Origin::new(
            Arc::new(SourceKind::Set(self.index, self.raw.clone())),
            0,
            0,
        )
    }

    /// Applies the assignment to a whole IstioOperator document (paths are under `spec`).
    pub fn apply(&self, doc: &mut Node) -> Result<(), SetError> {
        let origin = self.origin();
        let mut node = ensure_key(doc, "spec", &origin);
        for (i, seg) in self.path.iter().enumerate() {
            let last = i + 1 == self.path.len();
            match seg {
                Step::Key(k) => {
                    if last {
                        return self.assign(node, k, &origin);
                    }
                    if !matches!(node.kind, Kind::Map(_) | Kind::Null) {
                        return Err(self.error(format!(
                            "cannot set {k:?}: its parent is a {}, not a map",
                            node.type_name()
                        )));
                    }
                    node = ensure_key(node, k, &origin);
                }
                Step::Index(n) => {
                    let found = node.type_name();
                    let Kind::Seq(items) = &mut node.kind else {
                        return Err(self.error(format!("[{n}] needs a list, found a {found}")));
                    };
                    let len = items.len();
                    if *n > len {
                        return Err(
                            self.error(format!("index [{n}] is past the end of a list of {len}"))
                        );
                    }
                    if *n == len {
                        items.push(Node::new(Kind::Map(Vec::new()), origin.clone()));
                    }
                    if last {
                        items[*n] = Node::from_json(&self.value, &origin);
                        return Ok(());
                    }
                    node = &mut items[*n];
                }
                Step::Select { key, value } => {
                    if matches!(node.kind, Kind::Null) {
                        node.kind = Kind::Seq(Vec::new());
                    }
                    let found = node.type_name();
                    let Kind::Seq(items) = &mut node.kind else {
                        return Err(
                            self.error(format!("[{key}:{value}] needs a list, found a {found}"))
                        );
                    };
                    let pos = items.iter().position(|it| it.selected_by(key, value));
                    let pos = match pos {
                        Some(p) => p,
                        None => {
                            items.push(Node::new(
                                Kind::Map(vec![Entry {
                                    key: key.clone(),
                                    key_origin: origin.clone(),
                                    value: Node::new(Kind::Str(value.clone()), origin.clone()),
                                }]),
                                origin.clone(),
                            ));
                            items.len() - 1
                        }
                    };
                    if last {
                        items[pos] = Node::from_json(&self.value, &origin);
                        return Ok(());
                    }
                    node = &mut items[pos];
                }
            }
        }
        Ok(())
    }

    fn assign(&self, node: &mut Node, key: &str, origin: &Origin) -> Result<(), SetError> {
        if matches!(node.kind, Kind::Null) {
            node.kind = Kind::Map(Vec::new());
        }
        let found = node.type_name();
        let Kind::Map(entries) = &mut node.kind else {
            return Err(self.error(format!(
                "cannot set {key:?}: its parent is a {found}, not a map"
            )));
        };
        let pos = entries.iter().position(|e| e.key == key);
        if self.value.is_null() {
            if let Some(p) = pos {
                entries.remove(p);
            }
            return Ok(());
        }
        let value = Node::from_json(&self.value, origin);
        match pos {
            Some(p) => entries[p].value = value,
            None => entries.push(Entry {
                key: key.to_string(),
                key_origin: origin.clone(),
                value,
            }),
        }
        Ok(())
    }

    fn error(&self, message: String) -> SetError {
        SetError {
            index: self.index,
            arg: self.raw.clone(),
            message,
        }
    }
}

/// The child map entry `key` of `node`, created (as an empty map) when missing.
fn ensure_key<'a>(node: &'a mut Node, key: &str, origin: &Origin) -> &'a mut Node {
    if !matches!(node.kind, Kind::Map(_)) {
        node.kind = Kind::Map(Vec::new());
    }
    let Kind::Map(entries) = &mut node.kind else {
        unreachable!("just made a map")
    };
    let pos = match entries.iter().position(|e| e.key == key) {
        Some(p) => p,
        None => {
            entries.push(Entry {
                key: key.to_string(),
                key_origin: origin.clone(),
                value: Node::new(Kind::Map(Vec::new()), origin.clone()),
            });
            entries.len() - 1
        }
    };
    &mut entries[pos].value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seg(k: &str) -> Step {
        Step::Key(k.into())
    }

    fn apply_all(start: serde_json::Value, sets: &[&str]) -> serde_json::Value {
        let origin = Origin::new(Arc::new(SourceKind::Profile("t".into())), 0, 0);
        let mut doc = Node::from_json(&start, &origin);
        for (i, s) in sets.iter().enumerate() {
            parse(i + 1, s).unwrap().apply(&mut doc).unwrap();
        }
        doc.to_json()
    }

    #[test]
    fn dotted_paths_and_escapes() {
        let a = parse(1, "values.global.proxy.privileged=true").unwrap();
        assert_eq!(
            a.path,
            Path::from(vec![
                seg("values"),
                seg("global"),
                seg("proxy"),
                seg("privileged")
            ])
        );
        assert_eq!(a.value, json!(true));
        let a = parse(
            1,
            r"components.pilot.k8s.podAnnotations.sidecar\.istio\.io/inject=false",
        )
        .unwrap();
        assert_eq!(a.path[4], seg("sidecar.istio.io/inject"));
        // Annotation values are strings, whatever they look like.
        assert_eq!(a.value, json!("false"));
    }

    #[test]
    fn leading_spec_is_optional() {
        assert_eq!(
            parse(1, "spec.profile=demo").unwrap().path,
            Path::from(vec![seg("profile")])
        );
    }

    #[test]
    fn indexes_and_selectors() {
        let a = parse(
            1,
            "components.ingressGateways[name:istio-ingressgateway].k8s.hpaSpec.minReplicas=3",
        )
        .unwrap();
        assert_eq!(
            a.path[2],
            Step::Select {
                key: "name".into(),
                value: "istio-ingressgateway".into()
            }
        );
        assert_eq!(a.value, json!(3));
        let a = parse(2, "components.ingressGateways[0].enabled=false").unwrap();
        assert_eq!(a.path[2], Step::Index(0));
    }

    #[test]
    fn typed_values() {
        assert_eq!(parse(1, "a=3").unwrap().value, json!(3));
        assert_eq!(parse(1, "a=2.5").unwrap().value, json!(2.5));
        assert_eq!(parse(1, "a=on").unwrap().value, json!("on"));
        assert_eq!(parse(1, "a=007").unwrap().value, json!("007"));
        assert_eq!(parse(1, "a=100m").unwrap().value, json!("100m"));
        assert_eq!(parse(1, "a=x=y").unwrap().value, json!("x=y"));
        assert_eq!(
            parse(1, "values.global.tag=1.24").unwrap().value,
            json!("1.24")
        );
        assert_eq!(
            parse(1, "compatibilityVersion=1.24").unwrap().value,
            json!("1.24")
        );
        assert_eq!(
            parse(1, "meshConfig.defaultConfig.proxyMetadata.X=1")
                .unwrap()
                .value,
            json!("1")
        );
        assert_eq!(parse(1, "a=").unwrap().value, json!(""));
    }

    #[test]
    fn malformed_paths_are_errors() {
        for bad in [
            "novalue", "=1", "a..b=1", "a.=1", "a[=1", "a[x]=1", "a]=1", "a[0]b=1", "a[:x]=1",
        ] {
            let e = parse(4, bad).unwrap_err();
            assert_eq!(e.index, 4);
            assert!(e.to_string().starts_with("--set #4"), "{e}");
        }
        let e = parse(1, "a[=1").unwrap_err();
        assert!(e.message.contains("unclosed '['"), "{e}");
        let e = parse(1, "a\\").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"--set #1 "a\": the path ends with a lone backslash"#
        );
        // found by the round-trip property: a `[` inside a selector does not nest
        let a = parse(1, "l[k:[v]=1").unwrap();
        assert_eq!(a.path.to_string(), "l[k:[v]");
        assert_eq!(a.value, json!(1));
        let e = parse(1, "novalue").unwrap_err();
        assert!(e.message.contains("expected PATH=VALUE"), "{e}");
    }

    #[test]
    fn apply_creates_and_replaces() {
        let out = apply_all(
            json!({"spec": {"values": {"global": {"x": 1}}}}),
            &[
                "values.global.y=2",
                "values.global.x=null",
                "meshConfig.accessLogFile=/dev/stdout",
            ],
        );
        assert_eq!(
            out,
            json!({"spec": {"values": {"global": {"y": 2}}, "meshConfig": {"accessLogFile": "/dev/stdout"}}})
        );
    }

    #[test]
    fn apply_selects_list_items_by_key() {
        let start = json!({"spec": {"components": {"ingressGateways": [
            {"name": "istio-ingressgateway", "enabled": true, "k8s": {"hpaSpec": {"minReplicas": 1, "maxReplicas": 5}}}
        ]}}});
        let out = apply_all(
            start,
            &[
                "components.ingressGateways[name:istio-ingressgateway].k8s.hpaSpec.minReplicas=3",
                "components.ingressGateways[name:extra].enabled=true",
            ],
        );
        let gws = &out["spec"]["components"]["ingressGateways"];
        assert_eq!(
            gws[0]["k8s"]["hpaSpec"],
            json!({"minReplicas": 3, "maxReplicas": 5})
        );
        assert_eq!(gws[1], json!({"name": "extra", "enabled": true}));
    }

    #[test]
    fn apply_index_errors_name_the_argument() {
        let origin = Origin::new(Arc::new(SourceKind::Profile("t".into())), 0, 0);
        let mut doc = Node::from_json(&json!({"spec": {"l": [1], "s": "x"}}), &origin);
        let e = parse(2, "l[5]=1").unwrap().apply(&mut doc).unwrap_err();
        assert!(e.to_string().contains("past the end"), "{e}");
        let e = parse(3, "s.x=1").unwrap().apply(&mut doc).unwrap_err();
        assert!(e.to_string().starts_with("--set #3 \"s.x=1\""), "{e}");
    }
}
