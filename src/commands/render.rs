//! `kyma-mesh render`: the merged IstioOperator on stdout. Needs no cluster.

use crate::cli::RenderArgs;
use crate::config::explain;
use crate::ops::error::OpError;
use crate::ops::events::Events;
use crate::ops::render;
use crate::ui::{self, Format};

use super::Done;

pub fn run(args: &RenderArgs, events: &dyn Events) -> Result<Done, OpError> {
    args.config.check_format_typo(Some("--output"))?;
    let req = render::prepare(&args.config.source())?;
    let rendered = render::render(&req, Vec::new(), events)?;
    let format = Format::from(args.output);
    if !args.explain {
        return Done::document("IstioOperator", rendered.to_json(), format);
    }
    Ok(Done::data(match format {
        Format::Yaml => ui::to_yaml("explanation", &explain::Explained(&rendered.doc))?,
        Format::Json => ui::to_json("explanation", &explain::leaves(&rendered.doc))?,
    }))
}
