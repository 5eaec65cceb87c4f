//! `kyma-mesh render`: the merged IstioOperator on stdout (or, with `--output istio-cr`, the
//! overrides as the Kyma Istio module's `Istio` resource). Needs no cluster.

use crate::cli::{RenderArgs, RenderOutput};
use crate::config::explain;
use crate::ops::error::{InvalidInput, OpError};
use crate::ops::events::Events;
use crate::ops::render;
use crate::ui::{self, Format};

use super::Done;

pub fn run(args: &RenderArgs, events: &dyn Events) -> Result<Done, OpError> {
    args.config.check_format_typo(Some("--output"))?;
    let req = render::prepare(&args.config.source())?;
    if args.explain && args.output == RenderOutput::IstioCr {
        return Err(InvalidInput(
            "--explain shows where each IstioOperator value comes from; it cannot be combined with --output istio-cr".into(),
        )
        .into());
    }
    let rendered = render::render(&req, Vec::new(), events)?;
    let format = match args.output {
        RenderOutput::Yaml => Format::Yaml,
        RenderOutput::Json => Format::Json,
        RenderOutput::IstioCr => {
            let exported = render::export_istio(&req, &rendered)?;
            for path in &exported.unexpressed {
                events.warn(&format!(
                    "the Istio resource cannot express {path}; left out"
                ));
            }
            return Ok(Done::data(ui::to_yaml(
                "Istio resource",
                &exported.resource,
            )?));
        }
    };
    if !args.explain {
        return Done::document("IstioOperator", rendered.to_json(), format);
    }
    Ok(Done::data(match format {
        Format::Yaml => ui::to_yaml("explanation", &explain::Explained(&rendered.doc))?,
        Format::Json => ui::to_json("explanation", &explain::leaves(&rendered.doc))?,
    }))
}
