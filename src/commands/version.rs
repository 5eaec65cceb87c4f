//! `kyma-mesh version`: the tool's version, the istioctl it would use and, with a reachable
//! cluster, the control plane's and data plane's versions.

use crate::cli::{GlobalArgs, VersionArgs};
use crate::ops::error::OpError;
use crate::ops::version;
use crate::ui::{self, Ui};

use super::Done;

pub fn run(args: &VersionArgs, global: &GlobalArgs, ui: &Ui) -> Result<Done, OpError> {
    // A cluster that is not there is said once, in the report, not as retries.
    let quiet = ui.capped(0);
    let report = super::block_on(async {
        Ok(version::report(args.istioctl.path.as_deref(), &global.target(), &quiet).await)
    })?;
    match args.output {
        Some(format) => Done::document("version", ui::version::document(&report), format.into()),
        None => Ok(Done::data(ui::version::text(&report))),
    }
}
