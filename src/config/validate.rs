//! Validation of the merged IstioOperator, before anything is printed or run.
//!
//! Field knowledge (which fields exist, their types, deprecations) is data: `schema.rs` reads
//! Istio's API from `schema/istio-api.json`. This module adds the checks a schema cannot
//! express (Kubernetes quantities, HPA bounds, kind/apiVersion) and turns every finding into
//! a [`Problem`] located at the override line that introduced it.

use std::fmt;

use super::schema::{self, FindingKind, PathSeg};
use super::tree::{Kind, Node, PathStep, path_to_string};

pub const API_VERSION: &str = "install.istio.io/v1alpha1";
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
    pub at: String,
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.at, self.message)
        } else {
            write!(f, "{}: {}: {}", self.at, self.path, self.message)
        }
    }
}

/// Validates the merged document. Returns every problem found, errors and warnings.
pub fn validate(doc: &Node, with_schema: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut v = Validator { doc, out: &mut out };
    v.kind_and_api_version();
    if with_schema {
        v.schema();
    }
    let mut path = Vec::new();
    v.walk(doc, &mut path);
    out
}

struct Validator<'a> {
    doc: &'a Node,
    out: &'a mut Vec<Problem>,
}

impl Validator<'_> {
    fn push(&mut self, severity: Severity, path: &[PathStep], message: String) {
        let w = self.doc.walk(path);
        self.out.push(Problem {
            severity,
            at: w.origin().to_string(),
            path: path_to_string(path),
            message,
        });
    }

    fn kind_and_api_version(&mut self) {
        for (key, want) in [("apiVersion", API_VERSION), ("kind", KIND)] {
            match self.doc.get(key) {
                Some(n) if n.as_str() == Some(want) => {}
                Some(n) => self.out.push(Problem {
                    severity: Severity::Error,
                    at: n.origin.to_string(),
                    path: key.into(),
                    message: format!("must be {want:?}, found {}", n.to_json()),
                }),
                None => self.out.push(Problem {
                    severity: Severity::Error,
                    at: self.doc.origin.to_string(),
                    path: key.into(),
                    message: format!("missing; it must be {want:?}"),
                }),
            }
        }
        if let Some(spec) = self.doc.get("spec")
            && !spec.is_map()
        {
            let found = spec.type_name();
            self.push(
                Severity::Error,
                &[PathStep::Key("spec".into())],
                format!("must be a map, found a {found}"),
            );
        }
    }

    fn schema(&mut self) {
        let json = self.doc.to_json();
        for finding in schema::validate_operator(&json) {
            let path: Vec<PathStep> = finding
                .path
                .iter()
                .map(|s| match s {
                    PathSeg::Key(k) => PathStep::Key(k.clone()),
                    PathSeg::Index(i) => PathStep::Index(*i),
                })
                .collect();
            let severity = if finding.is_error() {
                Severity::Error
            } else {
                Severity::Warning
            };
            let walked = self.doc.walk(&path);
            // Type errors point at the value, unknown fields at the key.
            let at = match finding.kind {
                FindingKind::WrongType { .. } => walked.node.origin.to_string(),
                _ => walked.origin().to_string(),
            };
            // A deprecation in a profile is kyma-mesh's choice, documented in the profile, and
            // not the user's to fix: warn only about what the user wrote.
            let from_profile = matches!(
                &*walked.origin().source,
                super::tree::SourceKind::Profile(_)
            );
            if severity == Severity::Warning && from_profile {
                continue;
            }
            self.out.push(Problem {
                severity,
                at,
                path: path_to_string(&path),
                message: finding.message.clone(),
            });
        }
    }

    /// Checks no schema can: quantities and HPA bounds, wherever they appear.
    fn walk(&mut self, node: &Node, path: &mut Vec<PathStep>) {
        match &node.kind {
            Kind::Map(entries) => {
                let key = match path.last() {
                    Some(PathStep::Key(k)) => k.clone(),
                    _ => String::new(),
                };
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
                    path.push(PathStep::Key(e.key.clone()));
                    self.walk(&e.value, path);
                    path.pop();
                }
            }
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathStep::Index(i));
                    self.walk(item, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn resources(&mut self, node: &Node, path: &mut Vec<PathStep>) {
        for group in ["requests", "limits"] {
            let Some(Kind::Map(entries)) = node.get(group).map(|g| &g.kind) else {
                continue;
            };
            for e in entries {
                path.push(PathStep::Key(group.into()));
                path.push(PathStep::Key(e.key.clone()));
                let problem = match &e.value.kind {
                    Kind::Str(s) => quantity_problem(s),
                    Kind::Number(n) if n.as_f64().is_some_and(|f| f < 0.0) => {
                        Some("must not be negative".to_string())
                    }
                    Kind::Number(_) => None,
                    other => Some(format!(
                        "must be a Kubernetes quantity such as 100m or 128Mi, found a {}",
                        super::tree::kind_name(other)
                    )),
                };
                if let Some(message) = problem {
                    let at = e.value.origin.to_string();
                    self.out.push(Problem {
                        severity: Severity::Error,
                        at,
                        path: path_to_string(path),
                        message,
                    });
                }
                path.pop();
                path.pop();
            }
        }
    }

    fn bounds(&mut self, node: &Node, path: &mut Vec<PathStep>, min_key: &str, max_key: &str) {
        let int = |k: &str| match node.get(k).map(|n| &n.kind) {
            Some(Kind::Number(n)) => n.as_i64(),
            _ => None,
        };
        if let Some(min) = int(min_key)
            && min < 1
        {
            path.push(PathStep::Key(min_key.into()));
            self.push(
                Severity::Error,
                path,
                format!("must be at least 1, found {min}"),
            );
            path.pop();
        }
        if let (Some(min), Some(max)) = (int(min_key), int(max_key))
            && min > max
        {
            // Point at whichever of the two the user wrote last: usually the one they changed.
            let (min_o, max_o) = (
                &node.get(min_key).map(|n| n.origin.clone()),
                &node.get(max_key).map(|n| n.origin.clone()),
            );
            let blame = match (min_o, max_o) {
                (Some(a), Some(b))
                    if a.source.to_string().starts_with("profile")
                        && !b.source.to_string().starts_with("profile") =>
                {
                    max_key
                }
                _ => min_key,
            };
            path.push(PathStep::Key(blame.into()));
            let at = self.doc.walk(path).node.origin.to_string();
            let shown = path_to_string(path);
            path.pop();
            self.out.push(Problem {
                severity: Severity::Error,
                at,
                path: shown,
                message: format!("{min_key} ({min}) is greater than {max_key} ({max})"),
            });
        }
    }
}

/// Checks a Kubernetes quantity (`100m`, `1.5Gi`, `2e3`, `1`), returning what is wrong.
pub fn quantity_problem(s: &str) -> Option<String> {
    let bad = || {
        Some(format!(
            "{s:?} is not a Kubernetes quantity: write a number with an optional suffix, e.g. 100m (CPU) or 128Mi (memory)"
        ))
    };
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s.starts_with('-') {
        return Some(format!("{s:?} must not be negative"));
    }
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_end);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return bad();
    }
    let suffix_ok = matches!(
        suffix,
        "" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .map(|exp| {
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.chars().all(|c| c.is_ascii_digit())
        })
        .unwrap_or(false);
    if suffix_ok {
        return None;
    }
    match suffix {
        "mi" | "MI" | "mb" | "MB" | "Mb" => Some(format!(
            "{s:?} is not a Kubernetes quantity: did you mean {num}Mi?"
        )),
        "gi" | "GI" | "gb" | "GB" | "Gb" => Some(format!(
            "{s:?} is not a Kubernetes quantity: did you mean {num}Gi?"
        )),
        "K" | "ki" | "KI" => Some(format!(
            "{s:?} is not a Kubernetes quantity: did you mean {num}Ki or {num}k?"
        )),
        _ => bad(),
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
    fn quantities() {
        for ok in [
            "100m", "1", "0.5", "1.5Gi", "128Mi", "2e3", "1E-2", "3k", ".5", "5.",
        ] {
            assert_eq!(quantity_problem(ok), None, "{ok}");
        }
        for bad in ["", "abc", "1.2.3", "12mb", "1 Gi", "Mi", "1e", "1x", "-1"] {
            assert!(quantity_problem(bad).is_some(), "{bad}");
        }
        assert!(
            quantity_problem("512mi")
                .unwrap()
                .contains("did you mean 512Mi?")
        );
    }

    #[test]
    fn bad_quantity_is_located_at_the_value() {
        let p = problems(&format!(
            "{HEAD}spec:\n  components:\n    pilot:\n      k8s:\n        resources:\n          limits:\n            memory: 1GB\n"
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].at, "o.yaml:9:21");
        assert_eq!(
            p[0].path,
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
        assert_eq!(p[0].path, "spec.components.pilot.k8s.hpaSpec.minReplicas");
        let p = problems(&format!(
            "{HEAD}spec:\n  values:\n    pilot: {{autoscaleMin: 0, autoscaleMax: 3}}\n"
        ));
        assert!(p[0].message.contains("at least 1"), "{p:?}");
    }

    #[test]
    fn kind_and_api_version() {
        let p = problems("apiVersion: v1\nkind: IstioOperator\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].at, "o.yaml:1:13");
        assert!(p[0].message.contains("install.istio.io/v1alpha1"));
        let p = problems("kind: IstioOperator\nspec: []\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].message.contains("missing"));
        assert!(p[1].message.contains("must be a map"));
    }
}
