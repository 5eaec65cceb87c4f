//! Validation of the merged IstioOperator, before anything is printed or run.
//!
//! Field knowledge (which fields exist, their types, deprecations) is data: `schema.rs` reads
//! Istio's API from `schema/istio-api.json`. This module adds the checks a schema cannot
//! express (quantities where the schema has no type, HPA bounds, kind/apiVersion) and turns
//! every finding into a [`Problem`] located at the override line that introduced it. Each
//! value is reported once, and problems come sorted by source, line and column.

use std::fmt;

use super::path::{Path, Step};
use super::quantity;
use super::schema::{self, FindingKind};
use super::tree::{Kind, Node, Origin, SourceKind};

pub const API_VERSION: &str = "install.istio.io/v1alpha1";
/// Lists whose entries are merged by `name` and must each have one (README "Merge rules").
pub const NAMED_LISTS: &[&str] = &[
    "ingressGateways",
    "egressGateways",
    "env",
    "ports",
    "containers",
];
pub const KIND: &str = "IstioOperator";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One validation finding with its location (`file:line:col`, `profile X` or `--set #N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub origin: Origin,
    /// The field (empty for the document or a whole flag).
    pub path: Path,
    pub message: String,
}

impl Problem {
    /// An error at `origin`, for `path`.
    pub fn error(origin: &Origin, path: Path, message: String) -> Problem {
        Problem {
            severity: Severity::Error,
            origin: origin.clone(),
            path,
            message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: {}: {}", self.origin, self.path, self.message)
        }
    }
}

/// Validates the merged document. Returns every problem found, errors and warnings, sorted by
/// where they are.
pub fn validate(doc: &Node, with_schema: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut v = Validator {
        doc,
        with_schema,
        out: &mut out,
    };
    v.kind_and_api_version();
    if with_schema {
        v.schema();
    }
    v.walk(doc, &mut Path::new());
    out.sort_by(|a, b| a.origin.sort_key().cmp(&b.origin.sort_key()));
    out
}

struct Validator<'a> {
    doc: &'a Node,
    with_schema: bool,
    out: &'a mut Vec<Problem>,
}

impl Validator<'_> {
    fn error(&mut self, origin: &Origin, path: &Path, message: String) {
        self.out.push(Problem::error(origin, path.clone(), message));
    }

    fn kind_and_api_version(&mut self) {
        for (key, want) in [("apiVersion", API_VERSION), ("kind", KIND)] {
            let path = Path::from_iter([key]);
            match self.doc.get(key) {
                Some(n) if n.as_str() == Some(want) => {}
                Some(n) => {
                    let message = format!("must be {want:?}, found {}", n.to_json());
                    self.error(&n.origin, &path, message);
                }
                None => {
                    let message = format!("missing; it must be {want:?}");
                    self.error(&self.doc.origin, &path, message);
                }
            }
        }
        // With the schema, its type check says this (once); without, say it here.
        if let Some(spec) = self.doc.get("spec")
            && !spec.is_map()
            && !self.with_schema
        {
            let message = format!("must be a map, found a {}", spec.type_name());
            self.error(&spec.origin, &Path::from_iter(["spec"]), message);
        }
    }

    fn schema(&mut self) {
        let json = self.doc.to_json();
        for finding in schema::validate_operator(&json) {
            let severity = if finding.is_error() {
                Severity::Error
            } else {
                Severity::Warning
            };
            let walked = self.doc.walk(&finding.path);
            // Type errors point at the value, unknown fields at the key.
            let origin = match finding.kind {
                FindingKind::WrongType { .. } => walked.node.origin.clone(),
                _ => walked.origin().clone(),
            };
            // A deprecation in a profile is kyma-mesh's choice, documented in the profile, and
            // not the user's to fix: warn only about what the user wrote.
            let from_profile = matches!(&*walked.origin().source, SourceKind::Profile(_));
            if severity == Severity::Warning && from_profile {
                continue;
            }
            self.out.push(Problem {
                severity,
                origin,
                path: finding.path,
                message: finding.message,
            });
        }
    }

    /// Checks no schema can: quantities and HPA bounds, wherever they appear.
    fn walk(&mut self, node: &Node, path: &mut Path) {
        match &node.kind {
            Kind::Map(entries) => {
                let key = path.last().and_then(Step::as_key).unwrap_or("");
                if key == "resources" {
                    self.resources(node, path);
                }
                if key == "hpaSpec" {
                    self.bounds(node, path, "minReplicas", "maxReplicas");
                }
                if node.get("autoscaleMin").is_some() {
                    self.bounds(node, path, "autoscaleMin", "autoscaleMax");
                }
                for e in entries {
                    path.push(e.key.as_str());
                    self.walk(&e.value, path);
                    path.pop();
                }
            }
            Kind::Seq(items) => {
                if let Some(key) = path.last().and_then(Step::as_key)
                    && NAMED_LISTS.contains(&key)
                {
                    self.names(items, path, key);
                }
                for (i, item) in items.iter().enumerate() {
                    path.push(i);
                    self.walk(item, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Every entry of a list merged by name needs one: istioctl refuses a nameless env var,
    /// and a nameless gateway is not Kyma's gateway.
    fn names(&mut self, items: &[Node], path: &Path, key: &str) {
        for (i, item) in items.iter().enumerate() {
            if item.is_map() && item.get("name").and_then(Node::as_str).is_none() {
                let hint = match key {
                    "ingressGateways" => " (Kyma's is istio-ingressgateway)",
                    "egressGateways" => " (Kyma's is istio-egressgateway)",
                    "env" => " (the variable's name, e.g. PILOT_HTTP10)",
                    _ => "",
                };
                let message = format!("this entry has no `name`; add one{hint}");
                self.error(&item.origin, &path.join(i), message);
            }
        }
    }

    /// `requests`/`limits` amounts under any `resources`: the schema types some of them (the
    /// components' `k8s.resources`) and checks those itself, with the same checker; this
    /// covers the rest (`values.*.resources`, free-form in Istio's API), so no value is
    /// reported twice.
    fn resources(&mut self, node: &Node, path: &Path) {
        for group in ["requests", "limits"] {
            let Some(Kind::Map(entries)) = node.get(group).map(|g| &g.kind) else {
                continue;
            };
            for e in entries {
                let at = path.join(group).join(e.key.as_str());
                if self.with_schema && matches!(schema::kind_at(&at), Some(schema::Kind::Quantity))
                {
                    continue;
                }
                if let Some(message) = quantity::value_problem(&e.value.to_json()) {
                    self.error(&e.value.origin, &at, message);
                }
            }
        }
    }

    fn bounds(&mut self, node: &Node, path: &Path, min_key: &str, max_key: &str) {
        let int = |k: &str| match node.get(k).map(|n| &n.kind) {
            Some(Kind::Number(n)) => n.as_i64(),
            _ => None,
        };
        if let Some(min) = int(min_key)
            && min < 1
        {
            let at = path.join(min_key);
            // The value, not the key: `--set ...minReplicas=0` replaces the profile's value
            // under the profile's key.
            let origin = self.doc.walk(&at).node.origin.clone();
            self.error(&origin, &at, format!("must be at least 1, found {min}"));
        }
        if let (Some(min), Some(max)) = (int(min_key), int(max_key))
            && min > max
        {
            // Point at whichever of the two the user wrote last: usually the one they changed.
            let from_profile = |k: &str| {
                node.get(k)
                    .is_some_and(|n| matches!(&*n.origin.source, SourceKind::Profile(_)))
            };
            let blame = if from_profile(min_key) && !from_profile(max_key) {
                max_key
            } else {
                min_key
            };
            let at = path.join(blame);
            let origin = self.doc.walk(&at).node.origin.clone();
            let message = format!("{min_key} ({min}) is greater than {max_key} ({max})");
            self.error(&origin, &at, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::{SourceKind, parse_documents};
    use std::sync::Arc;

    fn problems(text: &str) -> Vec<Problem> {
        let src = Arc::new(SourceKind::File("o.yaml".into()));
        let doc = parse_documents(text, &src, 0, 0).unwrap().remove(0);
        validate(&doc, false)
    }

    const HEAD: &str = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n";

    #[test]
    fn bad_quantity_is_located_at_the_value() {
        let p = problems(&format!(
            "{HEAD}spec:\n  components:\n    pilot:\n      k8s:\n        resources:\n          limits:\n            memory: 1GB\n"
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].origin.to_string(), "o.yaml:9:21");
        assert_eq!(
            p[0].path.to_string(),
            "spec.components.pilot.k8s.resources.limits.memory"
        );
        assert!(p[0].message.contains("did you mean 1Gi?"), "{}", p[0]);
    }

    #[test]
    fn hpa_min_greater_than_max() {
        let p = problems(&format!(
            "{HEAD}spec:\n  components:\n    pilot:\n      k8s:\n        hpaSpec: {{minReplicas: 5, maxReplicas: 2}}\n"
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].message
                .contains("minReplicas (5) is greater than maxReplicas (2)")
        );
        assert_eq!(
            p[0].path.to_string(),
            "spec.components.pilot.k8s.hpaSpec.minReplicas"
        );
        let p = problems(&format!(
            "{HEAD}spec:\n  values:\n    pilot: {{autoscaleMin: 0, autoscaleMax: 3}}\n"
        ));
        assert!(p[0].message.contains("at least 1"), "{p:?}");
    }

    #[test]
    fn kind_and_api_version() {
        let p = problems("apiVersion: v1\nkind: IstioOperator\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].origin.to_string(), "o.yaml:1:13");
        assert!(p[0].message.contains("install.istio.io/v1alpha1"));
        let p = problems("kind: IstioOperator\nspec: []\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("missing"));
        assert!(p[1].message.contains("must be a map"));
        assert_eq!(
            p[1].origin.to_string(),
            "o.yaml:2:7",
            "at the value, not the key"
        );
        // With the schema, the schema's type check says it, once.
        let src = Arc::new(SourceKind::File("o.yaml".into()));
        let doc = parse_documents(&format!("{HEAD}spec: []\n"), &src, 0, 0)
            .unwrap()
            .remove(0);
        let p = validate(&doc, true);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].message.contains("expected a map (IstioOperatorSpec)"),
            "{p:?}"
        );
    }

    #[test]
    fn nameless_entries_of_named_lists_are_errors() {
        let p = problems(
            "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n    pilot:\n      k8s:\n        env:\n        - value: \"1\"\n    egressGateways:\n    - enabled: true\n",
        );
        let lines: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "o.yaml:8:11: spec.components.pilot.k8s.env[0]: this entry has no `name`; add one (the variable's name, e.g. PILOT_HTTP10)",
                "o.yaml:10:7: spec.components.egressGateways[0]: this entry has no `name`; add one (Kyma's is istio-egressgateway)",
            ]
        );
    }
}
