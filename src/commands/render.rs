//! `kyma-mesh render`: the merged IstioOperator on stdout. Needs no cluster.

use std::process::ExitCode;

use crate::cli::{RenderArgs, RenderOutput};
use crate::config::explain;
use crate::ops::render;
use crate::ui::{self, Format, Ui};

pub fn run(args: &RenderArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    args.config.check_format_typo(Some("--output"))?;
    let req = render::prepare(&args.config.source())?;
    if args.explain && args.output == RenderOutput::IstioCr {
        return Err(crate::InvalidInput(
            "--explain shows where each IstioOperator value comes from; it cannot be combined with --output istio-cr".into(),
        )
        .into());
    }
    let rendered = render::render(&req, Vec::new(), ui)?;
    let format = match args.output {
        RenderOutput::Yaml => Format::Yaml,
        RenderOutput::Json => Format::Json,
        RenderOutput::IstioCr => {
            let exported = render::export_istio(&req, &rendered)?;
            for path in &exported.unexpressed {
                ui.warn(&format!(
                    "the Istio resource cannot express {path}; left out"
                ));
            }
            ui::print(&ui::to_yaml(&exported.resource)?)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
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
