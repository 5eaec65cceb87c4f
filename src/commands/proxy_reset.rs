//! `kyma-mesh proxy-reset`: flags in, `ops::proxy_reset::run` out.

use crate::cli::{GlobalArgs, ProxyResetArgs};
use crate::ops::error::OpError;
use crate::ops::events::Events;
use crate::ops::proxy_reset::run::{self, Request};
use crate::ops::proxy_reset::{ScanOptions, output};
use crate::ui;

use super::Done;

pub fn run(
    args: &ProxyResetArgs,
    global: &GlobalArgs,
    events: &dyn Events,
) -> Result<Done, OpError> {
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
        pacing: args.pacing.pacing(),
    };
    let result = super::block_on(async { Ok(run::run(&req, events).await?) })?;
    let (needs_a_hand, failed, incomplete) = (
        result.needs_a_hand(),
        result.failed(),
        result.stopped().is_some(),
    );
    let mut done = if args.output.is_some() {
        Done::json("proxy-reset report", result, |r, w| {
            let doc = output::document(
                &r.plan,
                r.report.as_ref(),
                r.verification.as_ref(),
                r.forecast.as_ref(),
            );
            ui::write_json(w, &doc)
        })
    } else {
        Done::data(ui::proxy_reset::text(&result))
    };
    done.needs_a_hand = needs_a_hand;
    done.failed = failed;
    done.incomplete = incomplete;
    Ok(done)
}
