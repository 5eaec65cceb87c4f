//! The merge of an override onto a base IstioOperator.
//!
//! Rules (README "Merge rules"):
//! - maps merge recursively, scalars replace, `null` removes the key;
//! - lists whose items all carry a `name` (ingressGateways, env, ports, containers...) merge by
//!   `name`, so adding one env var keeps `PILOT_HTTP10`; other lists replace;
//! - Kubernetes' strategic-merge directive `$patch: replace` (on a map, a named list item, or as
//!   a list element `{$patch: replace}`) replaces instead of merging; `$patch: delete` removes.
//!
//! Hand-written rather than json-patch's `merge`: RFC 7386 merge patch replaces every list and
//! knows no `$patch` directives, and we must keep each node's origin for `--explain`.

use super::tree::{Entry, Kind, Node};

/// The strategic-merge directive key.
pub const PATCH_KEY: &str = "$patch";

/// Errors a `$patch` directive can cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectiveError {
    /// The value is none of `replace`, `delete`, `merge`. `value` is as written: a string
    /// quoted once (`"explode"`), anything else as JSON (`3`).
    #[error("{origin}: unknown $patch directive {value}: expected replace, delete or merge")]
    Unknown { origin: String, value: String },
    /// A list element holding nothing but a directive other than `replace`.
    #[error(
        "{origin}: `$patch: {directive}` cannot stand alone in a list: an element holding only $patch may say replace (the list becomes exactly the other elements); to {directive} one named item, write {{name: X, $patch: {directive}}}"
    )]
    LoneInList { origin: String, directive: String },
    /// An entry without `name` in a list whose entries are merged by name: merged, it would
    /// silently replace the whole list (Kyma's gateway with its resources, HPA and ports).
    #[error(
        "{origin}: an entry of {key} has no `name`: this list's entries are merged by name, so a nameless entry would replace the whole list ({existing}); add `name: {suggestion}` to change that entry, or a new name to add one"
    )]
    Unnamed {
        origin: String,
        key: String,
        /// The names the list has, said as a short list.
        existing: String,
        /// The name probably meant.
        suggestion: String,
    },
    /// `$patch: delete` at the top of an override: it would delete the whole document.
    #[error(
        "{origin}: `$patch: delete` at the top of an override would delete the whole IstioOperator; delete the fields you mean (set them to null, or put `$patch: delete` in their map)"
    )]
    DeleteAll { origin: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn directive(node: &Node) -> Result<Directive, DirectiveError> {
    let Some(entry) = node.entry(PATCH_KEY) else {
        return Ok(Directive::Merge);
    };
    match entry.value.as_str() {
        Some("replace") => Ok(Directive::Replace),
        Some("delete") => Ok(Directive::Delete),
        Some("merge") => Ok(Directive::Merge),
        _ => Err(DirectiveError::Unknown {
            origin: entry.key_origin.to_string(),
            value: match &entry.value.kind {
                Kind::Str(s) => format!("{s:?}"),
                _ => entry.value.to_json().to_string(),
            },
        }),
    }
}

/// Merges `overlay` onto `base` in place.
pub fn merge(base: &mut Node, overlay: &Node) -> Result<(), DirectiveError> {
    match (&mut base.kind, &overlay.kind) {
        (Kind::Map(_), Kind::Map(_)) => match directive(overlay)? {
            Directive::Replace => *base = clean(overlay)?,
            // Below the top, the parent map or list handles a delete and never gets here.
            Directive::Delete => {
                let origin = overlay
                    .entry(PATCH_KEY)
                    .map_or(&overlay.origin, |e| &e.key_origin);
                return Err(DirectiveError::DeleteAll {
                    origin: origin.to_string(),
                });
            }
            Directive::Merge => merge_maps(base, overlay)?,
        },
        (Kind::Seq(base_items), Kind::Seq(over_items)) => {
            if let Some(items) = list_replace_marker(over_items)? {
                *base = Node::new(Kind::Seq(items), overlay.origin.clone());
            } else if all_named(base_items) && all_named(over_items) {
                merge_named_lists(base_items, over_items)?;
            } else {
                *base = clean(overlay)?;
            }
        }
        _ => *base = clean(overlay)?,
    }
    Ok(())
}

fn merge_maps(base: &mut Node, overlay: &Node) -> Result<(), DirectiveError> {
    let (Kind::Map(base_entries), Kind::Map(over_entries)) = (&mut base.kind, &overlay.kind) else {
        return Ok(());
    };
    for over in over_entries {
        if over.key == PATCH_KEY {
            continue;
        }
        let pos = base_entries.iter().position(|e| e.key == over.key);
        let deletes = matches!(over.value.kind, Kind::Null)
            || (over.value.is_map() && directive(&over.value)? == Directive::Delete);
        match (pos, deletes) {
            (Some(i), true) => {
                base_entries.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => {
                unnamed_entry(&over.key, &base_entries[i].value, &over.value)?;
                merge(&mut base_entries[i].value, &over.value)?
            }
            (None, false) => base_entries.push(Entry {
                key: over.key.clone(),
                key_origin: over.key_origin.clone(),
                value: clean(&over.value)?,
            }),
        }
    }
    Ok(())
}

/// Refuses a map entry without `name` merged onto a list whose entries all have one.
fn unnamed_entry(key: &str, base: &Node, over: &Node) -> Result<(), DirectiveError> {
    let (Kind::Seq(base_items), Kind::Seq(over_items)) = (&base.kind, &over.kind) else {
        return Ok(());
    };
    if base_items.is_empty()
        || !base_items.iter().all(|i| item_name(i).is_some())
        || list_replace_marker(over_items)?.is_some()
    {
        return Ok(());
    }
    let Some((index, item)) = over_items
        .iter()
        .enumerate()
        .find(|(_, i)| i.is_map() && item_name(i).is_none() && !is_replace_marker(i))
    else {
        return Ok(());
    };
    let names: Vec<&str> = base_items.iter().filter_map(item_name).collect();
    // The entry at the same place, else the only one, else the first: the usual mistake is
    // copying an entry and dropping its name.
    let suggestion = names
        .get(index)
        .or(names.first())
        .copied()
        .unwrap_or_default();
    let existing = match names.len() {
        1 => names[0].to_string(),
        n if n <= 4 => names.join(", "),
        n => format!("{}, ... {} in all", names[..3].join(", "), n),
    };
    Err(DirectiveError::Unnamed {
        origin: item.origin.to_string(),
        key: key.to_string(),
        existing,
        suggestion: suggestion.to_string(),
    })
}

fn item_name(node: &Node) -> Option<&str> {
    node.get("name").and_then(Node::as_str)
}

/// Whether two items of a named list are the same item: the same `name` and, where both
/// carry one, the same `kind` (`k8s.overlays` names a Deployment and a Service alike, e.g.
/// both `istio-ingressgateway`; they are different overlays).
fn same_item(a: &Node, b: &Node) -> bool {
    fn kind(n: &Node) -> Option<&str> {
        n.get("kind").and_then(Node::as_str)
    }
    item_name(a).is_some()
        && item_name(a) == item_name(b)
        && match (kind(a), kind(b)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

fn all_named(items: &[Node]) -> bool {
    items
        .iter()
        .all(|i| item_name(i).is_some() || is_replace_marker(i))
}

fn is_replace_marker(node: &Node) -> bool {
    matches!(&node.kind, Kind::Map(e) if e.len() == 1 && e[0].key == PATCH_KEY)
}

/// `[{$patch: replace}, a, b]` means "the list is exactly [a, b]".
fn list_replace_marker(items: &[Node]) -> Result<Option<Vec<Node>>, DirectiveError> {
    let mut found = false;
    for item in items.iter().filter(|i| is_replace_marker(i)) {
        match directive(item)? {
            Directive::Replace => found = true,
            other => {
                let origin = item
                    .entry(PATCH_KEY)
                    .map_or(&item.origin, |e| &e.key_origin);
                return Err(DirectiveError::LoneInList {
                    origin: origin.to_string(),
                    directive: match other {
                        Directive::Delete => "delete",
                        _ => "merge",
                    }
                    .into(),
                });
            }
        }
    }
    if !found {
        return Ok(None);
    }
    items
        .iter()
        .filter(|i| !is_replace_marker(i))
        .map(clean)
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn merge_named_lists(base: &mut Vec<Node>, over: &[Node]) -> Result<(), DirectiveError> {
    for item in over {
        if item_name(item).is_none() {
            continue;
        }
        let pos = base.iter().position(|b| same_item(b, item));
        match (pos, directive(item)?) {
            (Some(i), Directive::Delete) => {
                base.remove(i);
            }
            (None, Directive::Delete) => {}
            (Some(i), Directive::Replace) => base[i] = clean(item)?,
            (Some(i), Directive::Merge) => merge(&mut base[i], item)?,
            (None, _) => base.push(clean(item)?),
        }
    }
    Ok(())
}

/// A copy of an override subtree as it appears in the result: no `$patch` keys, no nulls.
pub fn clean(node: &Node) -> Result<Node, DirectiveError> {
    let kind = match &node.kind {
        Kind::Map(entries) => {
            directive(node)?;
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                if e.key == PATCH_KEY || matches!(e.value.kind, Kind::Null) {
                    continue;
                }
                if e.value.is_map() && directive(&e.value)? == Directive::Delete {
                    continue;
                }
                out.push(Entry {
                    key: e.key.clone(),
                    key_origin: e.key_origin.clone(),
                    value: clean(&e.value)?,
                });
            }
            Kind::Map(out)
        }
        Kind::Seq(items) => {
            if let Some(items) = list_replace_marker(items)? {
                Kind::Seq(items)
            } else if all_named(items) {
                // As if merged onto an empty list, so two items of one name become one, as
                // they would when merged onto a base list: a second merge changes nothing.
                let mut out = Vec::with_capacity(items.len());
                merge_named_lists(&mut out, items)?;
                Kind::Seq(out)
            } else {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    if i.is_map() && directive(i)? == Directive::Delete {
                        continue;
                    }
                    out.push(clean(i)?);
                }
                Kind::Seq(out)
            }
        }
        other => other.clone(),
    };
    Ok(Node::new(kind, node.origin.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::{SourceKind, parse_documents};
    use serde_json::json;
    use std::sync::Arc;

    fn doc(name: &str, text: &str) -> Node {
        let src = Arc::new(SourceKind::File(name.into()));
        parse_documents(text, &src, 0, 0).unwrap().remove(0)
    }

    fn merged(base: &str, over: &str) -> Node {
        let mut b = doc("base", base);
        merge(&mut b, &doc("over", over)).unwrap();
        b
    }

    #[test]
    fn maps_merge_recursively_and_scalars_replace() {
        let m = merged("a: {b: 1, c: 2}\nd: x\n", "a: {c: 3, e: 4}\nd: y\n");
        assert_eq!(
            m.to_json(),
            json!({"a": {"b": 1, "c": 3, "e": 4}, "d": "y"})
        );
    }

    #[test]
    fn null_removes_a_key() {
        let m = merged("a: {b: 1, c: 2}\n", "a: {b: null, z: null}\n");
        assert_eq!(m.to_json(), json!({"a": {"c": 2}}));
    }

    #[test]
    fn adding_an_env_var_keeps_pilot_http10() {
        let base = "env:\n- name: PILOT_HTTP10\n  value: \"1\"\n";
        let m = merged(base, "env:\n- name: MY_VAR\n  value: x\n");
        assert_eq!(
            m.to_json(),
            json!({"env": [{"name": "PILOT_HTTP10", "value": "1"}, {"name": "MY_VAR", "value": "x"}]})
        );
    }

    #[test]
    fn named_items_merge_field_by_field() {
        let base = "gw:\n- name: istio-ingressgateway\n  enabled: true\n  k8s:\n    hpaSpec: {minReplicas: 1, maxReplicas: 5}\n    service: {type: LoadBalancer}\n";
        let m = merged(
            base,
            "gw:\n- name: istio-ingressgateway\n  k8s:\n    hpaSpec: {maxReplicas: 9}\n",
        );
        assert_eq!(
            m.to_json()["gw"][0],
            json!({"name": "istio-ingressgateway", "enabled": true, "k8s": {
                "hpaSpec": {"minReplicas": 1, "maxReplicas": 9}, "service": {"type": "LoadBalancer"}}})
        );
    }

    #[test]
    fn unnamed_lists_replace() {
        let m = merged("l: [1, 2, 3]\n", "l: [4]\n");
        assert_eq!(m.to_json(), json!({"l": [4]}));
        let m = merged("l: [{a: 1}]\n", "l: [{a: 2}, {a: 3}]\n");
        assert_eq!(m.to_json(), json!({"l": [{"a": 2}, {"a": 3}]}));
    }

    #[test]
    fn patch_replace_on_a_map() {
        let m = merged("a: {b: 1, c: 2}\n", "a: {$patch: replace, z: 9}\n");
        assert_eq!(m.to_json(), json!({"a": {"z": 9}}));
    }

    #[test]
    fn patch_delete_on_a_map_and_a_named_item() {
        let m = merged("a: {b: 1}\nk: 2\n", "a: {$patch: delete}\n");
        assert_eq!(m.to_json(), json!({"k": 2}));
        let m = merged(
            "env: [{name: A, value: '1'}, {name: B, value: '2'}]\n",
            "env: [{name: A, $patch: delete}]\n",
        );
        assert_eq!(m.to_json(), json!({"env": [{"name": "B", "value": "2"}]}));
    }

    #[test]
    fn patch_replace_on_a_named_item_and_a_whole_list() {
        let m = merged(
            "env: [{name: A, value: '1', extra: x}]\n",
            "env: [{name: A, $patch: replace, value: '2'}]\n",
        );
        assert_eq!(m.to_json(), json!({"env": [{"name": "A", "value": "2"}]}));
        let m = merged(
            "env: [{name: A}, {name: B}]\n",
            "env: [{$patch: replace}, {name: C}]\n",
        );
        assert_eq!(m.to_json(), json!({"env": [{"name": "C"}]}));
    }

    #[test]
    fn unknown_directive_is_an_error_with_its_position() {
        let mut b = doc("base", "a: {b: 1}\n");
        let e = merge(&mut b, &doc("over.yaml", "a:\n  $patch: explode\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "over.yaml:2:3: unknown $patch directive \"explode\": expected replace, delete or merge"
        );
        let e = merge(&mut b, &doc("over.yaml", "a: {$patch: [1]}\n")).unwrap_err();
        assert!(e.to_string().contains("directive [1]: expected"), "{e}");
    }

    #[test]
    fn a_lone_directive_in_a_list_may_only_replace() {
        let mut b = doc("base", "l: [{name: a}]\n");
        let e = merge(&mut b, &doc("o.yaml", "l:\n- name: b\n- $patch: merge\n")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("o.yaml:3:3: `$patch: merge` cannot stand alone in a list"),
            "{e}"
        );
    }

    #[test]
    fn a_delete_at_the_top_is_refused() {
        let mut b = doc("base", "a: 1\n");
        let e = merge(&mut b, &doc("o.yaml", "x: 1\n$patch: delete\n")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("o.yaml:2:1: `$patch: delete` at the top"),
            "{e}"
        );
    }

    #[test]
    fn one_name_twice_in_a_new_list_is_one_item() {
        // Found by the idempotence property: a list the base lacks kept both items, and
        // merging the same override again folded them into one.
        let over = "env: [{name: A, value: '1', x: y}, {name: A, value: '2'}]\n";
        let once = merged("a: 1\n", over);
        assert_eq!(
            once.to_json()["env"],
            json!([{"name": "A", "value": "2", "x": "y"}])
        );
        let mut twice = once.clone();
        merge(&mut twice, &doc("over", over)).unwrap();
        assert_eq!(twice.to_json(), once.to_json());
    }

    #[test]
    fn overlays_of_one_name_and_different_kinds_stay_apart() {
        let base = "overlays:\n- {kind: Deployment, name: gw, patches: [{path: a, value: 1}]}\n";
        let m = merged(
            base,
            "overlays:\n- {kind: Service, name: gw, patches: [{path: b, value: 2}]}\n",
        );
        assert_eq!(
            m.to_json()["overlays"],
            json!([
                {"kind": "Deployment", "name": "gw", "patches": [{"path": "a", "value": 1}]},
                {"kind": "Service", "name": "gw", "patches": [{"path": "b", "value": 2}]},
            ])
        );
        // same kind (or none given): the same overlay, merged
        let m = merged(
            base,
            "overlays:\n- {name: gw, patches: [{path: c, value: 3}]}\n",
        );
        assert_eq!(
            m.to_json()["overlays"],
            json!([{"kind": "Deployment", "name": "gw", "patches": [{"path": "c", "value": 3}]}])
        );
    }

    #[test]
    fn new_subtrees_are_cleaned_of_directives_and_nulls() {
        let m = merged("a: 1\n", "n: {x: null, y: {$patch: replace, z: 1}}\n");
        assert_eq!(m.to_json(), json!({"a": 1, "n": {"y": {"z": 1}}}));
    }

    #[test]
    fn merged_leaves_keep_their_origin() {
        let m = merged("a: {b: 1, c: 2}\n", "a:\n  c: 3\n");
        let a = m.get("a").unwrap();
        assert_eq!(a.get("b").unwrap().origin.source.to_string(), "base");
        let c = a.get("c").unwrap();
        assert_eq!(c.origin.source.to_string(), "over");
        assert_eq!((c.origin.line, c.origin.col), (2, 6));
    }

    #[test]
    fn type_change_replaces() {
        let m = merged("a: {b: 1}\n", "a: [1]\n");
        assert_eq!(m.to_json(), json!({"a": [1]}));
    }

    #[test]
    fn a_nameless_entry_of_a_named_list_is_refused_with_the_name_meant() {
        let base = doc(
            "base",
            "spec:\n  ingressGateways:\n  - name: istio-ingressgateway\n    enabled: true\n",
        );
        let over = doc(
            "o.yaml",
            "spec:\n  ingressGateways:\n  - enabled: true\n    k8s: {hpaSpec: {maxReplicas: 9}}\n",
        );
        let mut b = base.clone();
        let e = merge(&mut b, &over).unwrap_err();
        assert_eq!(
            e.to_string(),
            "o.yaml:3:5: an entry of ingressGateways has no `name`: this list's entries are merged by name, so a nameless entry would replace the whole list (istio-ingressgateway); add `name: istio-ingressgateway` to change that entry, or a new name to add one"
        );
        // The second of two env vars, nameless: the second is the one meant.
        let base = doc(
            "base",
            "env:\n- {name: PILOT_HTTP10, value: '1'}\n- {name: OTHER, value: x}\n",
        );
        let over = doc(
            "o.yaml",
            "env:\n- {name: PILOT_HTTP10, value: '1'}\n- {value: y}\n",
        );
        let mut b = base.clone();
        let e = merge(&mut b, &over).unwrap_err().to_string();
        assert!(e.contains("add `name: OTHER`"), "{e}");
        assert!(e.contains("(PILOT_HTTP10, OTHER)"), "{e}");
        // `$patch: replace` is the way to replace the list on purpose.
        let over = doc("o.yaml", "env:\n- $patch: replace\n- {value: y}\n");
        let mut b = base.clone();
        merge(&mut b, &over).unwrap();
    }
}
