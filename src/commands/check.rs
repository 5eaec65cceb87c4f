//! `kyma-mesh check`: flags in, `ops::check` out; the report as a table or JSON on stdout.

use std::time::Duration;

use crate::cli::{CheckArgs, CheckOutput, GlobalArgs};
use crate::ops::check::{self, CheckRequest};
use crate::ops::checks::Status;
use crate::ops::error::OpError;
use crate::ops::events::Events;
use crate::ui;
use crate::util::{fmt_duration, plural};

use super::Done;

pub fn run(args: &CheckArgs, global: &GlobalArgs, events: &dyn Events) -> Result<Done, OpError> {
    let req = CheckRequest {
        target: global.target(),
        istioctl: args.istioctl.path.clone(),
        pre: args.pre,
        wait: args.wait,
        cert_warn_days: i64::from(args.cert_warn_days),
        stuck_after: args.stuck_after,
    };
    let mut on_retry = |report: &crate::ops::checks::Report, left: Duration| {
        let errors: Vec<&str> = report.errors().map(|r| r.id).collect();
        events.info(&format!(
            "waiting: {} failing ({}); trying again for up to {}",
            errors.len(),
            errors.join(", "),
            fmt_duration(left)
        ));
    };
    let report = super::block_on(async { Ok(check::check(&req, events, &mut on_retry).await?) })?;
    let mut done = match args.output {
        CheckOutput::Table => Done::data(ui::checks::table(&report)),
        CheckOutput::Json => {
            let value = serde_json::to_value(&report).map_err(|cause| {
                crate::ops::error::OutputError::Json {
                    what: "check report",
                    cause,
                }
            })?;
            Done::document("check report", value, ui::Format::Json)?
        }
    };
    for r in report.errors() {
        done.needs_a_hand
            .push(format!("{}: {}", r.description, r.message));
    }
    let warnings = report.count(Status::Warning);
    if warnings > 0 {
        done.needs_a_hand
            .push(plural(warnings, "warning", "warnings"));
    }
    done.failed = report.count(Status::Error) > 0 || (args.fail_on_warnings && warnings > 0);
    Ok(done)
}
