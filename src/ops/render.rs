//! The IstioOperator from the user's configuration: shared by `render`, `install` and
//! `upgrade`, so the three always agree.

use std::io::Read;
use std::path::PathBuf;

use crate::config::tree::SourceKind;
use crate::config::{
    self, ConfigError, InjectionMode, OverrideInput, Profile, RenderRequest, Rendered,
};
use crate::ops::error::ErrorKind;
use crate::ops::events::Events;

/// Where the configuration comes from, as the user gave it.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub profile: Profile,
    /// `--profile` was given; without it install keeps the recorded profile.
    pub profile_given: bool,
    pub injection: InjectionMode,
    pub injection_given: bool,
    /// `--compatibility-version`: `1.N`, or `none` to drop a recorded one.
    pub compatibility_version: Option<String>,
    /// `-o` files, in order; `-` is stdin.
    pub files: Vec<PathBuf>,
    pub sets: Vec<String>,
    pub skip_validation: bool,
}

/// The newest Istio minor in kyma-mesh's support matrix.
pub fn newest_known() -> crate::version::Minor {
    crate::version::K8S_SUPPORT
        .last()
        .map_or(crate::version::MIN_SUPPORTED, |r| r.istio)
}

/// Said whenever validation is skipped, by every command that renders.
pub const SKIP_VALIDATION_WARNING: &str = "--skip-validation: the IstioOperator is NOT checked against Istio's API; istioctl may reject it, or ignore misspelt fields without a word";

/// The overrides on stdin (`-o -`) cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("-o - (stdin) can be given only once")]
    StdinTwice,
    /// `--compatibility-version` outside what any supported Istio accepts.
    #[error(transparent)]
    Input(#[from] crate::InvalidInput),
    #[error("{}", stdin_problem(.0))]
    Stdin(std::io::Error),
}

fn stdin_problem(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::InvalidData {
        "<stdin>: not UTF-8: the overrides given with -o - must be UTF-8 text".into()
    } else {
        format!("<stdin>: cannot be read (-o -): {e}")
    }
}

impl RenderError {
    /// Unreadable input is the user's to fix, like a malformed file.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RenderError::StdinTwice | RenderError::Stdin(_) | RenderError::Input(_) => {
                ErrorKind::Invalid
            }
        }
    }
}

/// The local part of a render (files and `--set`), with stdin read once so the request can be
/// rendered again with overrides found in the cluster.
pub fn prepare(src: &ConfigSource) -> Result<RenderRequest, RenderError> {
    let mut req = RenderRequest::new(src.profile);
    req.injection = src.injection;
    if let Some(v) = src
        .compatibility_version
        .as_deref()
        .filter(|v| *v != "none")
    {
        // Against every Istio kyma-mesh knows; install checks again against its istioctl.
        let minor = crate::version::parse_minor(v).map_err(crate::InvalidInput)?;
        let lo = crate::version::compatibility_range(crate::version::MIN_SUPPORTED)
            .map_or(crate::version::MIN_SUPPORTED, |r| r.0);
        let hi = crate::version::compatibility_range(newest_known())
            .map_or(crate::version::MIN_SUPPORTED, |r| r.1);
        if minor < lo || minor > hi {
            return Err(RenderError::Input(crate::InvalidInput(format!(
                "--compatibility-version {minor}: the Istio releases kyma-mesh supports ({} to {}) accept compatibility versions {lo} to {hi}",
                crate::version::MIN_SUPPORTED,
                newest_known()
            ))));
        }
        req.compatibility_version = Some(minor.to_string());
    }
    req.sets = src.sets.clone();
    req.skip_validation = src.skip_validation;
    let mut stdin_used = false;
    for path in &src.files {
        if path.as_os_str() == "-" {
            if stdin_used {
                return Err(RenderError::StdinTwice);
            }
            stdin_used = true;
            let mut text = String::new();
            // Not UTF-8, or not readable: said as such, never read as an empty file.
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(RenderError::Stdin)?;
            req.overrides.push(OverrideInput::Text {
                source: SourceKind::File("<stdin>".into()),
                text,
            });
        } else {
            req.overrides.push(OverrideInput::File(path.clone()));
        }
    }
    Ok(req)
}

/// Renders `req` with `cluster_overrides` first (they come before the files), printing the
/// warnings once.
pub fn render(
    req: &RenderRequest,
    cluster_overrides: Vec<OverrideInput>,
    events: &dyn Events,
) -> Result<Rendered, ConfigError> {
    let mut req = req.clone();
    let mut inputs = cluster_overrides;
    inputs.append(&mut req.overrides);
    req.overrides = inputs;
    let rendered = config::render(&req)?;
    if req.skip_validation {
        events.warn(SKIP_VALIDATION_WARNING);
    }
    for w in &rendered.warnings {
        events.warn(&w.to_string());
    }
    for s in &rendered.sources {
        events.debug(&format!("source: {s}"));
    }
    Ok(rendered)
}

/// Renders without printing anything: the check that local input is valid before the
/// first request to the cluster.
pub fn validate_quietly(req: &RenderRequest) -> Result<Rendered, ConfigError> {
    config::render(req)
}

/// One line naming the sources: `profile local, no overrides` or `profile cluster + a.yaml ...`.
pub fn summarize_sources(r: &Rendered) -> String {
    let n = r.sources.len() - 1;
    if n == 0 {
        format!("{}, no overrides", r.sources[0])
    } else {
        format!("{} + {}", r.sources[0], r.sources[1..].join(", "))
    }
}

/// `render --output istio-cr`: the `Istio` resource expressing what `rendered` changes against
/// the request's defaults (its profile and injection mode, nothing else: a compatibility
/// version is the user's, and the resource cannot say it).
pub fn export_istio(
    req: &RenderRequest,
    rendered: &Rendered,
) -> Result<config::istio_cr::Exported, ConfigError> {
    let mut defaults = RenderRequest::new(req.profile);
    defaults.injection = req.injection;
    defaults.skip_validation = true;
    let defaults = config::render(&defaults)?;
    Ok(config::istio_cr::export(
        &defaults.to_json(),
        &rendered.to_json(),
    ))
}
