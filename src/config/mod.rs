//! Pure configuration: profile + overrides -> merged, validated IstioOperator.
//!
//! No I/O but reading the override files the user named; nothing here talks to a cluster.
//! The order of layers is: profile, `--sidecar-injection`, overrides (left to right, each file's
//! Istio overrides in document order), then `--set` (left to right).

pub mod components;
pub mod diff;
pub mod explain;
pub mod merge;
pub mod overrides;
pub mod path;
pub mod profile;
pub mod quantity;
pub mod schema;
pub mod set;
pub mod tree;
pub mod validate;

use std::path::PathBuf;
use std::sync::Arc;

pub use profile::{InjectionMode, Profile};
use tree::{Node, SourceKind};
pub use validate::{Problem, Severity};

/// What `--skip-validation` costs, said by every command that takes the flag (render and
/// install print it the same way: `warning: <this>`).
pub const SKIP_VALIDATION_WARNING: &str = "--skip-validation: the IstioOperator is NOT checked against Istio's API; istioctl may reject it, or ignore misspelt fields without a word";

/// [`SKIP_VALIDATION_WARNING`] as the warning [`render`] returns: its Display is the sentence.
fn skip_validation_warning() -> Problem {
    let (flag, message) = SKIP_VALIDATION_WARNING
        .split_once(": ")
        .expect("the warning names its flag");
    Problem {
        severity: Severity::Warning,
        origin: tree::Origin::new(Arc::new(SourceKind::Flag(flag.into())), 0, 0),
        path: path::Path::new(),
        message: message.into(),
    }
}

/// Everything that can be wrong with the user's configuration. All of it is invalid input
/// (exit code 2), and every variant names where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Yaml(#[from] tree::YamlError),
    #[error("{at}: {message}")]
    NotAnOverride { at: String, message: String },
    #[error("{0}")]
    Directive(#[from] merge::DirectiveError),
    #[error("{0}")]
    Set(#[from] set::SetError),
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

fn render_problems(problems: &[Problem]) -> String {
    let errors: Vec<_> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    let mut s = format!(
        "the IstioOperator is invalid ({} error{}):",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for p in errors {
        s.push_str("\n  ");
        s.push_str(&p.to_string());
    }
    s
}

/// Where an override comes from.
#[derive(Debug, Clone)]
pub enum OverrideInput {
    /// A file path; read here.
    File(PathBuf),
    /// Text already read by the caller (stdin, a ConfigMap from the cluster).
    Text { source: SourceKind, text: String },
}

#[derive(Debug, Clone)]
pub struct RenderRequest {
    pub profile: Profile,
    pub injection: InjectionMode,
    pub overrides: Vec<OverrideInput>,
    pub sets: Vec<String>,
    pub skip_validation: bool,
}

impl RenderRequest {
    pub fn new(profile: Profile) -> Self {
        RenderRequest {
            profile,
            injection: InjectionMode::Default,
            overrides: Vec::new(),
            sets: Vec::new(),
            skip_validation: false,
        }
    }
}

/// The result: the merged tree (every node knows its source) and the warnings found (with
/// `skip_validation`, the first says what that costs).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub doc: Node,
    pub warnings: Vec<Problem>,
    /// One line per source used, in merge order (`profile cluster`, `o.yaml (IstioOperator)`).
    pub sources: Vec<String>,
    /// The override IstioOperators, in merge order (what `upgrade` reuses).
    pub overrides: Vec<serde_json::Value>,
}

impl Rendered {
    pub fn to_json(&self) -> serde_json::Value {
        self.doc.to_json()
    }
}

/// Profile, overrides and `--set`s merged and validated.
pub fn render(req: &RenderRequest) -> Result<Rendered, ConfigError> {
    let mut doc = req.profile.load()?;
    let mut sources = vec![format!("profile {}", req.profile)];
    let mut override_docs = Vec::new();
    if let Some(layer) = req.injection.layer() {
        merge::merge(&mut doc, &layer)?;
        sources.push(format!("--sidecar-injection {}", req.injection));
    }
    for input in &req.overrides {
        let (source, text) = match input {
            OverrideInput::File(path) => {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: name.clone(),
                    source,
                })?;
                (SourceKind::File(name), text)
            }
            OverrideInput::Text { source, text } => (source.clone(), text.clone()),
        };
        let label = source.to_string();
        for o in overrides::parse_override(&text, source)? {
            merge::merge(&mut doc, &o.doc)?;
            override_docs.push(o.doc.to_json());
            sources.push(format!("{label} ({})", o.form));
        }
    }
    let sets = req
        .sets
        .iter()
        .enumerate()
        .map(|(i, s)| set::parse(i + 1, s))
        .collect::<Result<Vec<_>, _>>()?;
    for s in &sets {
        s.apply(&mut doc)?;
        sources.push(format!("--set #{} {}", s.index, s.raw));
    }
    let problems = validate::validate(&doc, !req.skip_validation);
    let (errors, mut warnings): (Vec<_>, Vec<_>) = problems
        .into_iter()
        .partition(|p| p.severity == Severity::Error);
    if req.skip_validation {
        warnings.insert(0, skip_validation_warning());
    }
    if !errors.is_empty() {
        return Err(ConfigError::Invalid(errors));
    }
    Ok(Rendered {
        doc,
        warnings,
        sources,
        overrides: override_docs,
    })
}
