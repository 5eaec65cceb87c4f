//! What changes between two IstioOperators, leaf by leaf: what `upgrade` shows before it runs
//! with new overrides.

use serde_json::Value;

/// One changed leaf: its path (`spec.components.pilot.k8s.hpaSpec.maxReplicas`) and the values
/// before and after (`None` where absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| match v {
            None => "(absent)".to_string(),
            Some(v) => v.to_string(),
        };
        match (&self.before, &self.after) {
            (None, Some(_)) => write!(f, "+ {}: {}", self.path, show(&self.after)),
            (Some(_), None) => write!(f, "- {}: {}", self.path, show(&self.before)),
            _ => write!(
                f,
                "~ {}: {} -> {}",
                self.path,
                show(&self.before),
                show(&self.after)
            ),
        }
    }
}

/// Changed leaves in document order. Lists of named items compare item by item (by `name`),
/// other lists as whole values.
pub fn leaf_changes(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", Some(before), Some(after), &mut out);
    out
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<Change>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            for (k, av) in a {
                walk(&join(k), b.get(k), Some(av), out);
            }
            for (k, bv) in b {
                if !a.contains_key(k) {
                    walk(&join(k), Some(bv), None, out);
                }
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(a))) if named(b) && named(a) => {
            let name = |v: &Value| v["name"].as_str().unwrap_or_default().to_string();
            for av in a {
                let n = name(av);
                let bv = b.iter().find(|x| name(x) == n);
                walk(&format!("{path}[name:{n}]"), bv, Some(av), out);
            }
            for bv in b {
                let n = name(bv);
                if !a.iter().any(|x| name(x) == n) {
                    walk(&format!("{path}[name:{n}]"), Some(bv), None, out);
                }
            }
        }
        (Some(Value::Object(b)), None) => {
            for (k, bv) in b {
                walk(&join(k), Some(bv), None, out);
            }
        }
        (None, Some(Value::Object(a))) => {
            for (k, av) in a {
                walk(&join(k), None, Some(av), out);
            }
        }
        (b, a) if b != a => out.push(Change {
            path: path.to_string(),
            before: b.cloned(),
            after: a.cloned(),
        }),
        _ => {}
    }
}

fn named(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| i["name"].is_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_added_and_removed_leaves_with_named_lists_by_name() {
        let before = json!({"spec": {"a": 1, "gone": {"x": true},
            "env": [{"name": "PILOT_HTTP10", "value": "1"}, {"name": "OLD", "value": "x"}]}});
        let after = json!({"spec": {"a": 2, "new": "y",
            "env": [{"name": "NEW", "value": "z"}, {"name": "PILOT_HTTP10", "value": "1"}]}});
        let lines: Vec<String> = leaf_changes(&before, &after)
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "~ spec.a: 1 -> 2",
                "+ spec.new: \"y\"",
                "+ spec.env[name:NEW].name: \"NEW\"",
                "+ spec.env[name:NEW].value: \"z\"",
                "- spec.env[name:OLD].name: \"OLD\"",
                "- spec.env[name:OLD].value: \"x\"",
                "- spec.gone.x: true",
            ]
        );
        assert!(leaf_changes(&before, &before).is_empty());
    }
}
