//! The four patch types: JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge
//! patch (name-keyed lists) and the merge behind server-side apply (field ownership is in
//! `managed.rs`).

use serde_json::{Map, Value, json};

/// RFC 7386: objects merge recursively, `null` deletes, everything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// The merge key of a list field in strategic merge patch, for the lists kube-sim knows.
pub(crate) fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let has = |k: &str| items.iter().all(|i| i.get(k).is_some());
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "volumeMounts"
        | "webhooks"
        | "imagePullSecrets"
        | "ingressGateways"
        | "egressGateways" => Some("name"),
        "ports" if has("name") => Some("name"),
        "ports" if has("containerPort") => Some("containerPort"),
        "ports" if has("port") => Some("port"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "tolerations" if has("key") => Some("key"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        _ => None,
    }
}

/// Kubernetes strategic merge patch: like a merge patch, but lists with a known merge key
/// (`containers`, `env`, `ports`, `volumes`, `webhooks`, ... by `name`) merge item by item.
/// Directives: `$patch: replace|delete` in maps and list items, `$retainKeys`,
/// `$setElementOrder/...` and `$deleteFromPrimitiveList/...` (the latter two are honoured
/// loosely: order is not changed, deletions are applied).
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    match p.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut clean = p.clone();
            clean.remove("$patch");
            *target = Value::Object(clean);
            return;
        }
        Some("delete") => {
            *target = Value::Null;
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("object");
    for (k, v) in p {
        if let Some(list) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(have)), Some(del)) = (t.get_mut(list), v.as_array()) {
                have.retain(|x| !del.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match v {
            Value::Array(items) => {
                let key = merge_key(k, items).filter(|key| {
                    items
                        .iter()
                        .all(|i| i.get(*key).is_some() || i.get("$patch").is_some())
                });
                match (key, t.get_mut(k)) {
                    (Some(key), Some(Value::Array(have))) => merge_list(have, items, key),
                    _ => {
                        let cleaned: Vec<Value> = items
                            .iter()
                            .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
                            .cloned()
                            .map(strip_directives)
                            .collect();
                        t.insert(k.clone(), Value::Array(cleaned));
                    }
                }
            }
            Value::Object(_) => {
                let slot = t.entry(k.clone()).or_insert(Value::Null);
                strategic_merge(slot, v);
                if slot.is_null() {
                    t.remove(k);
                }
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

fn strip_directives(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k, strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_directives).collect()),
        other => other,
    }
}

fn merge_list(have: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        if item.get("$patch").and_then(Value::as_str) == Some("replace") {
            *have = items
                .iter()
                .filter(|i| i.get("$patch").is_none())
                .cloned()
                .map(strip_directives)
                .collect();
            return;
        }
    }
    for item in items {
        let Some(id) = item.get(key) else { continue };
        let pos = have.iter().position(|h| h.get(key) == Some(id));
        if item.get("$patch").and_then(Value::as_str) == Some("delete") {
            if let Some(pos) = pos {
                have.remove(pos);
            }
            continue;
        }
        match pos {
            Some(pos) => strategic_merge(&mut have[pos], item),
            None => have.push(strip_directives(item.clone())),
        }
    }
}

/// RFC 6902 JSON patch.
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), String> {
    let ops: json_patch::Patch =
        serde_json::from_value(patch.clone()).map_err(|e| format!("invalid JSON patch: {e}"))?;
    json_patch::patch(target, &ops).map_err(|e| e.to_string())
}

/// The `fieldsV1` description of the fields an applied object sets (a reasonable approximation).
pub fn fields_v1(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                if matches!(k.as_str(), "apiVersion" | "kind") {
                    continue;
                }
                out.insert(format!("f:{k}"), fields_v1_inner(k, v));
            }
            Value::Object(out)
        }
        _ => json!({}),
    }
}

fn fields_v1_inner(field: &str, v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                // metadata.name/namespace are identity, not owned fields.
                if field == "metadata" && (k == "name" || k == "namespace") {
                    continue;
                }
                out.insert(format!("f:{k}"), fields_v1_inner(k, v));
            }
            Value::Object(out)
        }
        Value::Array(items) => match merge_key(field, items) {
            Some(key) => {
                let mut out = Map::new();
                for i in items {
                    let id = json!({ key: i.get(key).cloned().unwrap_or(Value::Null) });
                    let mut inner = fields_v1_inner("", i);
                    if let Some(o) = inner.as_object_mut() {
                        o.insert(".".into(), json!({}));
                    }
                    out.insert(format!("k:{id}"), inner);
                }
                Value::Object(out)
            }
            None => json!({}),
        },
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Value {
        json!({"metadata": {"name": "d", "labels": {"a": "1", "b": "2"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "app", "image": "app:1", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
                 "ports": [{"containerPort": 80, "name": "http"}]},
                {"name": "side", "image": "side:1"}
            ], "volumes": [{"name": "v1", "emptyDir": {}}]}}}})
    }

    #[test]
    fn merge_patch_replaces_lists_and_deletes_nulls() {
        let mut d = deployment();
        merge_patch(
            &mut d,
            &json!({"metadata": {"labels": {"a": null, "c": "3"}},
            "spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x"}]}}}}),
        );
        assert_eq!(d["metadata"]["labels"], json!({"b": "2", "c": "3"}));
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(d["spec"]["replicas"], 1);
    }

    #[test]
    fn strategic_merge_merges_named_lists() {
        let mut d = deployment();
        strategic_merge(
            &mut d,
            &json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "app:2", "env": [{"name": "Z", "value": "3"}, {"name": "X", "value": "9"}]}
        ], "volumes": [{"name": "v2", "emptyDir": {}}]}}}}),
        );
        let cs = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs.as_array().unwrap().len(), 2);
        assert_eq!(cs[0]["image"], "app:2");
        assert_eq!(cs[1]["image"], "side:1");
        assert_eq!(
            cs[0]["env"],
            json!([{"name": "X", "value": "9"}, {"name": "Y", "value": "2"}, {"name": "Z", "value": "3"}])
        );
        assert_eq!(cs[0]["ports"][0]["containerPort"], 80);
        assert_eq!(
            d["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn strategic_merge_directives() {
        let mut d = deployment();
        strategic_merge(
            &mut d,
            &json!({"$setElementOrder/x": [], "spec": {"template": {"spec": {"containers": [
            {"name": "side", "$patch": "delete"}
        ], "volumes": [{"name": "only", "emptyDir": {}}, {"$patch": "replace"}]}}}, "metadata": {"labels": {"$patch": "replace", "z": "1"}}}),
        );
        let spec = &d["spec"]["template"]["spec"];
        assert_eq!(spec["containers"].as_array().unwrap().len(), 1);
        assert_eq!(spec["volumes"], json!([{"name": "only", "emptyDir": {}}]));
        assert_eq!(d["metadata"]["labels"], json!({"z": "1"}));
        assert!(d.get("$setElementOrder/x").is_none());
    }

    #[test]
    fn strategic_merge_webhooks_by_name() {
        let mut m = json!({"webhooks": [{"name": "a.x", "timeoutSeconds": 30}, {"name": "b.x"}]});
        strategic_merge(
            &mut m,
            &json!({"webhooks": [{"name": "b.x", "timeoutSeconds": 10}]}),
        );
        assert_eq!(m["webhooks"][0]["timeoutSeconds"], 30);
        assert_eq!(m["webhooks"][1]["timeoutSeconds"], 10);
    }

    #[test]
    fn json_patch_ops() {
        let mut d = deployment();
        json_patch(
            &mut d,
            &json!([
                {"op": "replace", "path": "/spec/replicas", "value": 3},
                {"op": "add", "path": "/metadata/labels/new", "value": "y"},
                {"op": "remove", "path": "/spec/template/spec/containers/1"},
                {"op": "test", "path": "/metadata/name", "value": "d"}
            ]),
        )
        .unwrap();
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(d["metadata"]["labels"]["new"], "y");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let before = d.clone();
        assert!(json_patch(&mut d, &json!([{"op": "replace", "path": "/spec/replicas", "value": 5}, {"op": "test", "path": "/metadata/name", "value": "other"}])).is_err());
        assert_eq!(d, before, "a failed JSON patch changes nothing");
        assert!(json_patch(&mut d, &json!({"op": "add"})).is_err());
        assert!(json_patch(&mut d, &json!([{"op": "remove", "path": "/nope"}])).is_err());
    }

    #[test]
    fn managed_fields() {
        let f = fields_v1(
            &json!({"apiVersion": "v1", "metadata": {"name": "d", "labels": {"a": "1"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
        );
        assert_eq!(f["f:metadata"]["f:labels"]["f:a"], json!({}));
        assert!(
            f["f:spec"]["f:containers"]
                .get("k:{\"name\":\"c\"}")
                .is_some()
        );
    }
}
