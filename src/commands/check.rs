//! `kyma-mesh check`: flags in, `ops::check` out; the report as a table or JSON on stdout.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{CheckArgs, CheckOutput, GlobalArgs};
use crate::ops::check::{self, CheckRequest};
use crate::ops::checks::Status;
use crate::ui::{self, Ui};
use crate::util::{fmt_duration, plural};

pub fn run(args: &CheckArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let req = CheckRequest {
        target: global.target(),
        istioctl: args.istioctl.path.clone(),
        pre: args.pre,
        wait: args.wait,
    };
    let rt = crate::ops::runtime()?;
    let mut on_retry = |report: &crate::ops::checks::Report, left: Duration| {
        let errors: Vec<&str> = report.errors().map(|r| r.id).collect();
        ui.info(&format!(
            "waiting: {} failing ({}); trying again for up to {}",
            errors.len(),
            errors.join(", "),
            fmt_duration(left)
        ));
    };
    let result = rt.block_on(check::check(&req, ui, &mut on_retry));
    rt.shutdown_timeout(Duration::from_millis(100));
    let report = result?;
    let text = match args.output {
        CheckOutput::Table => ui::checks::table(&report),
        CheckOutput::Json => ui::to_json(&report)?,
    };
    ui::print(&text)?;
    for r in report.errors() {
        ui::fleet::needs_a_hand(format!("{}: {}", r.description, r.message));
    }
    let warnings = report.count(Status::Warning);
    if warnings > 0 {
        ui::fleet::needs_a_hand(plural(warnings, "warning", "warnings"));
    }
    Ok(if report.count(Status::Error) > 0 {
        ExitCode::from(crate::exit::FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
