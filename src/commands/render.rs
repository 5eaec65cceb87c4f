//! `kyma-mesh render`: the merged IstioOperator on stdout. Needs no cluster.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{ConfigArgs, OutputFormat, RenderArgs};
use crate::config::tree::SourceKind;
use crate::config::{self, OverrideInput, RenderRequest, Rendered, explain};
use crate::ui::{self, Ui};

pub fn run(args: &RenderArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let rendered = render_config(&args.config, Vec::new(), ui)?;
    let text = if args.explain {
        match args.output {
            OutputFormat::Yaml => ui::to_yaml(&explain::Explained(&rendered.doc))?,
            OutputFormat::Json => ui::to_json(&explain::leaves(&rendered.doc))?,
        }
    } else {
        ui::format_value(&rendered.to_json(), args.output)?
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// Builds the render request from the shared flags (plus overrides the caller found elsewhere,
/// such as cluster ConfigMaps, which come before the files) and renders it, printing warnings.
pub fn render_config(
    args: &ConfigArgs,
    extra: Vec<OverrideInput>,
    ui: &Ui,
) -> anyhow::Result<Rendered> {
    let mut req = RenderRequest::new(args.profile);
    req.injection = args.sidecar_injection;
    req.sets = args.sets.clone();
    req.skip_validation = args.skip_validation;
    req.overrides = extra;
    let mut stdin_used = false;
    for path in &args.overrides {
        if path.as_os_str() == "-" {
            if stdin_used {
                return Err(
                    crate::InvalidInput("-o - (stdin) can be given only once".into()).into(),
                );
            }
            stdin_used = true;
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| config::ConfigError::Read {
                    path: "<stdin>".into(),
                    source,
                })?;
            req.overrides.push(OverrideInput::Text {
                source: SourceKind::File("<stdin>".into()),
                text,
            });
        } else {
            req.overrides.push(OverrideInput::File(path.clone()));
        }
    }
    let rendered = config::render(&req)?;
    for w in &rendered.warnings {
        ui.warn(&w.to_string());
    }
    for s in &rendered.sources {
        ui.debug(&format!("source: {s}"));
    }
    Ok(rendered)
}
