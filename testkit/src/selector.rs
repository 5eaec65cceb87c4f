//! Label selectors (the query-string syntax and the `LabelSelector` object) and field selectors.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed label selector (`app=x,tier!=db,env in (a,b),!legacy,team`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Req>);

fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_set(rest: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected a parenthesised set of values, found {rest:?}"))?;
    let vals: Vec<String> = inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if vals.iter().any(|v| !valid_value(v)) {
        return Err(format!("invalid value in set {rest:?}"));
    }
    Ok(sorted(vals))
}

/// A set requirement's values sorted and deduplicated, for a binary search per object: a
/// client may send hundreds of values (kyma-mesh selects ReplicaSets by their pods'
/// `pod-template-hash`), and the API server holds them in a set too (`sets.String`).
fn sorted(mut vals: Vec<String>) -> Vec<String> {
    vals.sort_unstable();
    vals.dedup();
    vals
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(LabelSelector(reqs));
        }
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("unable to parse requirement: empty term in {s:?}"));
            }
            let req = if let Some(k) = part.strip_prefix('!') {
                Req::NotExists(k.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Req::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==") {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once('=') {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Req::NotIn(k.trim().into(), parse_set(rest)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Req::In(k.trim().into(), parse_set(rest)?)
            } else {
                Req::Exists(part.to_string())
            };
            let (key, vals): (&str, Vec<&str>) = match &req {
                Req::Eq(k, v) | Req::NotEq(k, v) => (k, vec![v.as_str()]),
                Req::In(k, vs) | Req::NotIn(k, vs) => (k, vs.iter().map(String::as_str).collect()),
                Req::Exists(k) | Req::NotExists(k) => (k, vec![]),
            };
            if !valid_key(key) {
                return Err(format!(
                    "unable to parse requirement: invalid label key {key:?}"
                ));
            }
            if let Some(v) = vals.iter().find(|v| !valid_value(v)) {
                return Err(format!(
                    "unable to parse requirement: invalid label value {v:?}"
                ));
            }
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    /// From a `metav1.LabelSelector` object (`matchLabels` and `matchExpressions`).
    /// A missing or empty selector matches everything.
    pub fn from_object(sel: &Value) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if let Some(ml) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in ml {
                reqs.push(Req::Eq(
                    k.clone(),
                    v.as_str().unwrap_or_default().to_string(),
                ));
            }
        }
        if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
            for e in exprs {
                let key = e["key"].as_str().unwrap_or_default().to_string();
                let vals: Vec<String> = e["values"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                reqs.push(match e["operator"].as_str().unwrap_or_default() {
                    "In" => Req::In(key, sorted(vals)),
                    "NotIn" => Req::NotIn(key, sorted(vals)),
                    "Exists" => Req::Exists(key),
                    "DoesNotExist" => Req::NotExists(key),
                    other => {
                        return Err(format!("{other:?} is not a valid label selector operator"));
                    }
                });
            }
        }
        Ok(LabelSelector(reqs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k) == Some(v.as_str()),
            Req::NotEq(k, v) => get(k) != Some(v.as_str()),
            Req::In(k, vs) => {
                get(k).is_some_and(|x| vs.binary_search_by(|v| v.as_str().cmp(x)).is_ok())
            }
            Req::NotIn(k, vs) => {
                get(k).is_none_or(|x| vs.binary_search_by(|v| v.as_str().cmp(x)).is_err())
            }
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
        })
    }

    /// Matches an object's `metadata.labels`.
    pub fn matches_object(&self, obj: &Value) -> bool {
        self.is_empty() || self.matches(obj.pointer("/metadata/labels").and_then(Value::as_object))
    }
}

/// A parsed field selector: `metadata.name=x,status.phase!=Running`.
#[derive(Debug, Clone, Default)]
pub struct FieldSelector(Vec<(String, bool, String)>);

/// The field labels the API server supports for one kind, beyond `metadata.name` and
/// `metadata.namespace` (every kind's): each kind's `...ToSelectableFields` and field label
/// conversion in kubernetes (`pkg/registry/<group>/<kind>/strategy.go`,
/// `pkg/apis/<group>/<version>/conversion.go`). Anything else is refused with
/// "field label not supported", as the API server refuses it.
fn kind_fields(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("", "Pod") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        ("", "Event") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "Secret") => &["type"],
        ("", "Namespace") => &["status.phase"],
        ("", "Node") => &["spec.unschedulable"],
        // Not ReplicaSets: kube-apiserver 1.36 refuses `status.replicas` there (only the
        // default metadata fields are converted), though its registry lists the field.
        ("", "ReplicationController") => &["status.replicas"],
        ("batch", "Job") => &["status.successful"],
        _ => &[],
    }
}

/// The API server's refusal of field label `k` for `group`/`kind`: kinds with their own field
/// label conversion say it one way (Jobs another), every other kind the default's way.
fn unsupported(group: &str, kind: &str, k: &str) -> String {
    match (group, kind) {
        ("", "Pod" | "Event" | "Secret" | "Namespace" | "Node" | "ReplicationController") => {
            format!("field label not supported: {k}")
        }
        ("batch", "Job") => format!("field label \"{k}\" not supported for Job"),
        _ => format!(
            "\"{k}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        ),
    }
}

/// Fields the API server reads as integers: absent is `0` (`strconv.Itoa` of the zero value).
const INTEGER_FIELDS: &[&str] = &["status.replicas", "status.successful"];
/// Fields the API server reads as booleans: absent is `false`.
const BOOLEAN_FIELDS: &[&str] = &["spec.hostNetwork", "spec.unschedulable"];

impl FieldSelector {
    /// A selector for any kind: the union of every kind's field labels (for callers that
    /// select over stored objects without an API kind).
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::parse_with(s, |_| true, |k| format!("field label not supported: {k}"))
    }

    /// A selector for objects of `group`/`kind`, refusing the field labels its API does not
    /// support, as the API server does.
    pub fn parse_for(s: &str, group: &str, kind: &str) -> Result<Self, String> {
        let extra = kind_fields(group, kind);
        Self::parse_with(
            s,
            |k| matches!(k, "metadata.name" | "metadata.namespace") || extra.contains(&k),
            |k| unsupported(group, kind, k),
        )
    }

    fn parse_with(
        s: &str,
        supported: impl Fn(&str) -> bool,
        refusal: impl Fn(&str) -> String,
    ) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, eq, v) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                ));
            };
            let k = k.trim();
            let known = matches!(k, "metadata.name" | "metadata.namespace")
                || [
                    ("", "Pod"),
                    ("", "Event"),
                    ("", "Secret"),
                    ("", "Namespace"),
                    ("", "Node"),
                    ("", "ReplicationController"),
                    ("batch", "Job"),
                ]
                .iter()
                .any(|(g, kind)| kind_fields(g, kind).contains(&k));
            if !known || !supported(k) {
                return Err(refusal(k));
            }
            out.push((k.to_string(), eq, v.trim().to_string()));
        }
        Ok(FieldSelector(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Matches a stored object, from its index when the fields allow (no parsing).
    pub fn matches_obj(&self, obj: &crate::store::Obj) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let m = &obj.meta;
        let indexed = |path: &str| -> Option<String> {
            match path {
                "metadata.name" => Some(m.name.clone()),
                "metadata.namespace" => Some(m.namespace.clone()),
                "status.phase" => Some(m.phase.clone().unwrap_or_default()),
                "spec.nodeName" => Some(m.node.clone().unwrap_or_default()),
                "status.replicas" => Some(m.replicas.unwrap_or(0).to_string()),
                _ => None,
            }
        };
        if self.0.iter().all(|(p, _, _)| indexed(p).is_some()) {
            return self
                .0
                .iter()
                .all(|(p, eq, want)| (indexed(p).unwrap_or_default() == *want) == *eq);
        }
        self.matches(obj.value())
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(path, eq, want)| {
            let mut cur = obj;
            for seg in path.split('.') {
                cur = cur.get(seg).unwrap_or(&Value::Null);
            }
            let have = match cur {
                Value::String(s) => s.clone(),
                Value::Null if INTEGER_FIELDS.contains(&path.as_str()) => "0".to_string(),
                Value::Null if BOOLEAN_FIELDS.contains(&path.as_str()) => "false".to_string(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (have == *want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(v: Value) -> Value {
        json!({"metadata": {"labels": v}})
    }

    #[test]
    fn equality_and_sets() {
        let o = labels(json!({"app": "web", "tier": "front", "env": "prod"}));
        let ok = |s: &str| LabelSelector::parse(s).unwrap().matches_object(&o);
        assert!(ok("app=web"));
        assert!(ok("app==web"));
        assert!(!ok("app=db"));
        assert!(ok("app!=db"));
        assert!(ok("missing!=x"));
        assert!(ok("env in (prod,stage)"));
        assert!(!ok("env in (dev)"));
        assert!(ok("env notin (dev, stage)"));
        assert!(!ok("env notin (prod)"));
        assert!(ok("missing notin (prod)"));
        assert!(ok("tier"));
        assert!(!ok("missing"));
        assert!(ok("!missing"));
        assert!(!ok("!app"));
        // Sets are searched sorted: the order and repeats of the values do not matter.
        assert!(ok("env in (stage,zeta,prod,alpha,prod)"));
        assert!(!ok("env in (zeta,stage,alpha)"));
        assert!(!ok("env notin (zeta,prod,alpha)"));
        let expr = LabelSelector::from_object(&json!({"matchExpressions": [
            {"key": "env", "operator": "In", "values": ["zeta", "prod", "alpha"]}]}))
        .unwrap();
        assert!(expr.matches_object(&o));
        assert!(ok("app=web,env in (prod),!legacy"));
        assert!(!ok("app=web,env in (dev)"));
        assert!(ok(""));
        assert!(
            !LabelSelector::parse("app=web")
                .unwrap()
                .matches_object(&json!({"metadata": {}}))
        );
    }

    #[test]
    fn parse_errors() {
        assert!(LabelSelector::parse("app in prod").is_err());
        assert!(LabelSelector::parse("a b c").is_err());
        assert!(LabelSelector::parse("app=,").is_err());
        assert!(LabelSelector::parse("app=we b").is_err());
        assert!(FieldSelector::parse("status.phase").is_err());
        assert!(FieldSelector::parse("spec.whatever=x").is_err());
    }

    #[test]
    fn object_selectors() {
        let sel = json!({"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "istio-injection", "operator": "DoesNotExist"},
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
        ]});
        let s = LabelSelector::from_object(&sel).unwrap();
        assert!(s.matches_object(&labels(
            json!({"app": "web", "kubernetes.io/metadata.name": "default"})
        )));
        assert!(!s.matches_object(&labels(
            json!({"app": "web", "kubernetes.io/metadata.name": "kube-system"})
        )));
        assert!(!s.matches_object(&labels(json!({"app": "web", "istio-injection": "enabled"}))));
        assert!(LabelSelector::from_object(&json!({})).unwrap().is_empty());
        assert!(
            LabelSelector::from_object(
                &json!({"matchExpressions": [{"key": "a", "operator": "Bogus"}]})
            )
            .is_err()
        );
    }

    #[test]
    fn field_selectors() {
        let pod =
            json!({"metadata": {"name": "p", "namespace": "ns"}, "status": {"phase": "Running"}});
        let ok = |s: &str| FieldSelector::parse(s).unwrap().matches(&pod);
        assert!(ok("metadata.name=p"));
        assert!(ok("metadata.namespace==ns,status.phase=Running"));
        assert!(!ok("status.phase!=Running"));
        assert!(ok("spec.nodeName="));
        assert!(ok("metadata.name!=q"));
    }

    #[test]
    fn field_labels_are_per_kind_and_an_absent_count_is_zero() {
        let rc = |s: &str| FieldSelector::parse_for(s, "", "ReplicationController");
        let scaled_down = json!({"metadata": {"name": "a"}, "status": {"replicas": 0}});
        let running = json!({"metadata": {"name": "b"}, "status": {"replicas": 2}});
        let no_status = json!({"metadata": {"name": "c"}});
        let sel = rc("status.replicas!=0").unwrap();
        assert!(!sel.matches(&scaled_down) && sel.matches(&running) && !sel.matches(&no_status));
        assert!(rc("status.replicas=0").unwrap().matches(&no_status));
        assert!(rc("metadata.namespace=x,status.replicas==2").is_ok());
        assert!(FieldSelector::parse_for("spec.nodeName=n1", "", "Pod").is_ok());
        // the API server's refusals, each in its words (kube-apiserver 1.36)
        let default = "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"";
        for (s, group, kind, message) in [
            ("status.replicas!=0", "apps", "ReplicaSet", default),
            ("status.replicas!=0", "apps", "Deployment", default),
            (
                "spec.replicas=1",
                "",
                "ReplicationController",
                "field label not supported: spec.replicas",
            ),
            (
                "status.replicas=1",
                "",
                "Pod",
                "field label not supported: status.replicas",
            ),
            (
                "foo=1",
                "batch",
                "Job",
                "field label \"foo\" not supported for Job",
            ),
        ] {
            assert_eq!(
                FieldSelector::parse_for(s, group, kind).unwrap_err(),
                message,
                "{kind} {s}"
            );
        }
    }
}
