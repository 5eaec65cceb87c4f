//! Pure configuration: profile + overrides -> merged, validated IstioOperator.
//!
//! No I/O but reading the override files the user named; nothing here talks to a cluster.
//! The order of layers is: profile, `--sidecar-injection`, overrides (left to right, each file's
//! Istio overrides in document order), then `--set` (left to right).

pub mod components;
pub mod diff;
pub mod explain;
pub mod istio_cr;
pub mod lexed;
pub mod merge;
pub mod overrides;
pub mod path;
pub mod profile;
#[cfg(test)]
mod properties;
pub mod quantity;
pub mod schema;
pub mod set;
pub mod tree;
pub mod validate;

use std::path::PathBuf;

pub use profile::{InjectionMode, Profile};
use tree::{Node, SourceKind};
pub use validate::{Problem, Severity};

use crate::util::plural;

/// Everything that can be wrong with the user's configuration. All of it is invalid input
/// (exit code 2), and every variant names where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {}", read_problem(source))]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A file that was read but cannot be an override: too large, not UTF-8.
    #[error("{at}: {message}")]
    File { at: String, message: String },
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
    /// A Kyma Istio module `Istio` resource that its CRD would refuse.
    #[error("{}", render_problems_of("the Istio resource", .0))]
    InvalidIstio(Vec<Problem>),
}

fn render_problems(problems: &[Problem]) -> String {
    render_problems_of("the IstioOperator", problems)
}

fn render_problems_of(what: &str, problems: &[Problem]) -> String {
    let errors: Vec<_> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    let mut s = format!(
        "{what} is invalid ({}):",
        plural(errors.len(), "error", "errors")
    );
    for p in errors {
        s.push_str("\n  ");
        s.push_str(&p.to_string());
    }
    s
}

/// The largest override file read. Kubernetes keeps at most 1 MiB in a ConfigMap and an
/// IstioOperator is a few kilobytes; the cap bounds the memory a wrong file can take.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Reads an override file: at most [`MAX_FILE_BYTES`], UTF-8, located errors.
fn read_file(path: &std::path::Path, name: &str) -> Result<String, ConfigError> {
    use std::io::Read;
    let read_error = |source| ConfigError::Read {
        path: name.to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    if file.metadata().map_err(read_error)?.is_dir() {
        return Err(read_error(std::io::Error::from(
            std::io::ErrorKind::IsADirectory,
        )));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ConfigError::File {
            at: name.to_string(),
            message: format!(
                "the file is larger than {} MiB; an IstioOperator override is a few kilobytes",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ConfigError::File {
            at: format!("{name}:1:1"),
            message: "the file is UTF-16; save it as UTF-8".into(),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let (line, col) = tree::utf8_error_position(e.as_bytes(), valid);
        ConfigError::File {
            at: format!("{name}:{line}:{col}"),
            message: format!(
                "byte 0x{:02X} is not UTF-8; save the file as UTF-8",
                e.as_bytes()[valid]
            ),
        }
    })
}

/// An I/O error said plainly (`-o json` meaning `--output json` is caught by the CLI first).
fn read_problem(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "is a directory, not a file".into(),
        ErrorKind::InvalidData => "not UTF-8 text; save the file as UTF-8".into(),
        _ => e.to_string(),
    }
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
    /// `--compatibility-version 1.N`: IstioOperator `spec.compatibilityVersion`.
    pub compatibility_version: Option<String>,
    pub overrides: Vec<OverrideInput>,
    pub sets: Vec<String>,
    pub skip_validation: bool,
}

impl RenderRequest {
    pub fn new(profile: Profile) -> Self {
        RenderRequest {
            profile,
            injection: InjectionMode::Default,
            compatibility_version: None,
            overrides: Vec::new(),
            sets: Vec::new(),
            skip_validation: false,
        }
    }
}

/// The result: the merged tree (every node knows its source) and the warnings found.
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
    let mut notes = Vec::new();
    if let Some(layer) = req.injection.layer(req.profile) {
        merge::merge(&mut doc, &layer)?;
        sources.push(format!("--sidecar-injection {}", req.injection));
    }
    if let Some(v) = &req.compatibility_version {
        let flag = format!("--compatibility-version {v}");
        let origin = tree::Origin::new(std::sync::Arc::new(SourceKind::Flag(flag.clone())), 0, 0);
        let layer = Node::from_json(
            &serde_json::json!({"spec": {"compatibilityVersion": v}}),
            &origin,
        );
        merge::merge(&mut doc, &layer)?;
        sources.push(flag);
    }
    for input in &req.overrides {
        let (source, text) = match input {
            OverrideInput::File(path) => {
                let name = path.display().to_string();
                let text = read_file(path, &name)?;
                (SourceKind::File(name), text)
            }
            OverrideInput::Text { source, text } => (source.clone(), text.clone()),
        };
        let label = source.to_string();
        for o in overrides::parse_override(&text, source)? {
            merge::merge(&mut doc, &o.doc)?;
            notes.extend(o.notes);
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
    if !errors.is_empty() {
        return Err(ConfigError::Invalid(errors));
    }
    warnings.extend(notes);
    Ok(Rendered {
        doc,
        warnings,
        sources,
        overrides: override_docs,
    })
}
