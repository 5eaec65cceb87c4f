//! `kyma-mesh proxy-reset`: flags in, `ops::proxy_reset::run` out.

use std::process::ExitCode;

use crate::cli::{GlobalArgs, ProxyResetArgs};
use crate::ops::proxy_reset::run::{self, Request};
use crate::ops::proxy_reset::{ScanOptions, output};
use crate::ui::{self, Ui};

pub fn run(args: &ProxyResetArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let req = Request {
        target: global.target(),
        scan: ScanOptions {
            namespaces: args.namespaces.clone(),
            exclude_namespaces: args.exclude_namespaces.clone(),
            missing_sidecars: args.missing_sidecars,
            ..Default::default()
        },
        concurrency: args.concurrency.into(),
        dry_run: args.dry_run,
        wait: args.wait,
        timeout: args.timeout,
    };
    let result = match super::block_on(ui, run::run(&req, ui))? {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    result
        .needs_a_hand()
        .into_iter()
        .for_each(ui::fleet::needs_a_hand);
    if args.output.is_some() {
        let doc = output::document(
            &result.plan,
            result.report.as_ref(),
            result.verification.as_ref(),
        );
        ui::print(&ui::to_json(&doc)?)?;
    } else {
        ui::print(&ui::proxy_reset::text(&result))?;
    }
    if result.failed() {
        Ok(ExitCode::from(crate::exit::FAILURE))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
