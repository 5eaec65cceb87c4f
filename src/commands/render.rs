//! `kyma-mesh render`: the merged IstioOperator on stdout. Needs no cluster.

use std::process::ExitCode;

use crate::cli::RenderArgs;
use crate::config::explain;
use crate::ops::render;
use crate::ui::{self, Format, Ui};

pub fn run(args: &RenderArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    args.config.check_format_typo(Some("--output"))?;
    let req = render::prepare(&args.config.source())?;
    let rendered = render::render(&req, Vec::new(), ui)?;
    let format = Format::from(args.output);
    let text = if args.explain {
        match format {
            Format::Yaml => ui::to_yaml(&explain::Explained(&rendered.doc))?,
            Format::Json => ui::to_json(&explain::leaves(&rendered.doc))?,
        }
    } else {
        ui::format_value(&rendered.to_json(), format)?
    };
    ui::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
