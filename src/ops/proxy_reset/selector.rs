//! Kubernetes label selectors (`matchLabels`, `matchExpressions`) evaluated as the API server
//! evaluates a webhook's namespace and object selectors.

use std::collections::BTreeMap;

use serde_json::Value;

/// Whether `labels` match `selector`. A missing or empty selector matches everything; an
/// operator kyma-mesh does not know matches nothing (as the API server rejects it).
pub fn matches(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    if let Some(m) = selector["matchLabels"].as_object() {
        for (k, v) in m {
            if labels.get(k).map(String::as_str) != v.as_str() {
                return false;
            }
        }
    }
    for e in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = e["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let have = labels.get(key).map(String::as_str);
        let ok = match e["operator"].as_str().unwrap_or_default() {
            "In" => have.is_some_and(|v| values.contains(&v)),
            "NotIn" => have.is_none_or(|v| !values.contains(&v)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions() {
        let l: BTreeMap<String, String> =
            [("istio-injection".to_string(), "enabled".to_string())].into();
        assert!(matches(
            &json!({"matchExpressions": [{"key": "istio-injection", "operator": "In", "values": ["enabled"]}]}),
            &l
        ));
        assert!(!matches(
            &json!({"matchExpressions": [{"key": "istio-injection", "operator": "DoesNotExist"}]}),
            &l
        ));
        assert!(matches(
            &json!({"matchExpressions": [{"key": "x", "operator": "NotIn", "values": ["false"]}]}),
            &l
        ));
        assert!(!matches(&json!({"matchLabels": {"a": "b"}}), &l));
        assert!(matches(&Value::Null, &l));
    }
}
