//! The `proxy-reset` command's sequence: scan, plan, act, verify, with events on stderr.

use std::time::Duration;

use tokio::time::Instant;

use super::pace::{Forecast, Pacing, forecast};
use super::{
    ActOptions, Outcome, Plan, Progress, ProxyResetError, ResetReport, ScanOptions, Verification,
    execute, plan, scan, verify,
};
use crate::cluster::disruption::{self, Budget};
use crate::cluster::record::restart_stamp;
use crate::cluster::{Cluster, ClusterError};
use crate::ops::Target;
use crate::ops::error::{ErrorKind, cluster_kind};
use crate::ops::events::{Events, Mark};
use crate::ops::signal::{self, Signal};
use crate::util::{fmt_duration, plural};

#[derive(Debug, Clone)]
pub struct Request {
    pub target: Target,
    pub scan: ScanOptions,
    pub concurrency: usize,
    pub dry_run: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub pacing: Pacing,
}

impl Request {
    /// A verified restart of every outdated workload in these namespaces (empty: all), as
    /// `upgrade` and its canary steps move the data plane.
    pub fn verified(
        target: Target,
        namespaces: Vec<String>,
        concurrency: usize,
        timeout: Duration,
        pacing: Pacing,
    ) -> Request {
        Request {
            target,
            scan: ScanOptions {
                namespaces,
                ..ScanOptions::default()
            },
            concurrency,
            dry_run: false,
            wait: true,
            timeout,
            pacing,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Connect(ClusterError),
    #[error(transparent)]
    Reset(#[from] ProxyResetError),
    #[error("interrupted by {} {during}", .signal.name())]
    Interrupted {
        signal: Signal,
        during: &'static str,
    },
}

impl RunError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            RunError::Connect(c) => cluster_kind(c),
            RunError::Reset(_) => ErrorKind::Failed,
            RunError::Interrupted { signal, .. } => ErrorKind::Interrupted(*signal),
        }
    }
}

#[derive(Debug)]
pub struct RunResult {
    pub plan: Plan,
    pub report: Option<ResetReport>,
    pub verification: Option<Verification>,
    /// The dry run's pacing: rounds, and the budgets that gate each workload.
    pub forecast: Option<Forecast>,
}

impl RunResult {
    /// Exit 1: a restart failed, an owner could not be read, or `--wait` found pods that are
    /// still outdated. Pods for manual restart alone do not fail the run: they are reported.
    pub fn failed(&self) -> bool {
        self.plan.lookup_failures() > 0
            || self.report.as_ref().is_some_and(|r| r.failed().count() > 0)
            || self.verification.as_ref().is_some_and(|v| !v.ok())
    }

    /// The run stopped (its deadline, `--timeout`) before every workload started: a re-run
    /// continues with what is left (exit 3 when nothing failed).
    pub fn stopped(&self) -> Option<&str> {
        self.report.as_ref().and_then(|r| r.stopped.as_deref())
    }
}

impl RunResult {
    /// What a person must do, one line each (a fleet summary's last column).
    pub fn needs_a_hand(&self) -> Vec<String> {
        let mut out = Vec::new();
        let manual = self.plan.manual().count();
        if manual > 0 {
            out.push(format!(
                "{} to restart manually",
                plural(manual, "pod", "pods")
            ));
        }
        if self.plan.lookup_failures() > 0 {
            out.push(format!(
                "{} failed",
                plural(self.plan.lookup_failures(), "owner lookup", "owner lookups")
            ));
        }
        if let Some(r) = &self.report {
            let failed = r.failed().count();
            if failed > 0 {
                out.push(format!("{} failed", plural(failed, "restart", "restarts")));
            }
            let left = r.left().count();
            if left > 0 {
                out.push(format!(
                    "{} left (deferred or not started): run proxy-reset again",
                    plural(left, "workload", "workloads")
                ));
            }
        }
        if let Some(v) = &self.verification
            && !v.ok()
        {
            out.push(format!(
                "{} still outdated, {} unfinished, {} reverted",
                plural(v.still_outdated.len(), "pod", "pods"),
                plural(v.unfinished.len(), "rollout", "rollouts"),
                v.reverted.len()
            ));
        }
        out
    }
}

/// The phases: scan, plan, the PodDisruptionBudgets, (dry run: the forecast, stop), restart
/// paced, and with `--wait` verify.
pub async fn run(req: &Request, events: &dyn Events) -> Result<RunResult, RunError> {
    let deadline = Instant::now() + req.timeout;
    let cluster = crate::ops::connect(&req.target, events)
        .await
        .map_err(RunError::Connect)?;
    // The PodDisruptionBudgets are read beside the scan (one list, one round trip saved); a
    // failure to read them counts only when something is to restart, and a scan that fails or
    // is interrupted does not wait for them (the task is aborted when dropped).
    let budgets = {
        let (cluster, namespaces) = (cluster.clone(), req.scan.namespaces.clone());
        BesideScan(tokio::spawn(
            async move { budgets(&cluster, &namespaces).await },
        ))
    };
    let plan = plan(
        scan_phase(&cluster, &req.scan, events).await?,
        restart_stamp(),
    );
    let mut result = RunResult {
        report: (!req.dry_run).then(ResetReport::default),
        verification: None,
        forecast: None,
        plan,
    };
    if result.plan.workloads.is_empty() {
        return Ok(result);
    }
    let budgets = budgets.wait().await?;
    let cap = req
        .pacing
        .max_unavailable
        .resolve(result.plan.counts.meshed);
    if req.dry_run {
        result.forecast = Some(forecast(&result.plan, &budgets, req.concurrency, cap));
        return Ok(result);
    }
    let opts = ActOptions {
        concurrency: req.concurrency,
        deadline,
        start_until: req.pacing.until.map(|t| (instant_at(t), t.to_string())),
        max_unavailable: cap,
        budgets,
    };
    let report = restart_phase(&cluster, &result.plan, &opts, events).await?;
    if req.wait {
        result.verification =
            Some(verify_phase(&cluster, &result.plan, &report, req, deadline, events).await?);
    }
    result.report = Some(report);
    Ok(result)
}

/// The PodDisruptionBudgets' list, running beside the scan; aborted when dropped unused.
struct BesideScan(tokio::task::JoinHandle<Result<Vec<Budget>, RunError>>);

impl BesideScan {
    async fn wait(mut self) -> Result<Vec<Budget>, RunError> {
        match (&mut self.0).await {
            Ok(budgets) => budgets,
            // The list panicked (a bug): the panic goes on here. It is never cancelled
            // before this, but by its drop.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

impl Drop for BesideScan {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One list of the PodDisruptionBudgets in scope (all namespaces, or each one named).
async fn budgets(cluster: &Cluster, namespaces: &[String]) -> Result<Vec<Budget>, RunError> {
    let lists = if namespaces.is_empty() {
        vec![disruption::list(cluster, None).await]
    } else {
        futures::future::join_all(
            namespaces
                .iter()
                .map(|ns| disruption::list(cluster, Some(ns))),
        )
        .await
    };
    let mut out = Vec::new();
    for l in lists {
        out.extend(l.map_err(ProxyResetError::Budgets)?);
    }
    Ok(out)
}

/// The monotonic instant of a wall-clock time (now, if it has passed).
fn instant_at(t: jiff::Timestamp) -> Instant {
    let left = jiff::Timestamp::now()
        .duration_until(t)
        .try_into()
        .unwrap_or(Duration::ZERO);
    Instant::now() + left
}

async fn scan_phase(
    cluster: &Cluster,
    opts: &ScanOptions,
    events: &dyn Events,
) -> Result<super::ScanReport, RunError> {
    let step = events.long_step("Scanning pods");
    let scanned = tokio::select! {
        r = scan(cluster, opts) => r,
        s = signal::interrupted() => return Err(RunError::Interrupted { signal: s, during: "while scanning; nothing was changed" }),
    };
    let scanned = match scanned {
        Ok(s) => s,
        Err(e) => {
            step.fail("");
            return Err(e.into());
        }
    };
    let c = &scanned.counts;
    step.ok(&format!(
        "{} pods in {}, {} with a sidecar: {} current, {} outdated{}",
        c.scanned,
        fmt_duration(scanned.elapsed),
        c.meshed,
        c.current,
        c.outdated,
        if opts.missing_sidecars {
            format!(", {} missing a sidecar", c.missing_sidecar)
        } else {
            String::new()
        }
    ));
    Ok(scanned)
}

async fn restart_phase(
    cluster: &Cluster,
    plan: &Plan,
    opts: &ActOptions,
    events: &dyn Events,
) -> Result<ResetReport, RunError> {
    events.info(&format!(
        "Pacing: at most {} at a time, at most {} not ready because of this run, {}",
        plural(opts.concurrency, "workload", "workloads"),
        plural(opts.max_unavailable, "pod", "pods"),
        plural(
            opts.budgets.len(),
            "PodDisruptionBudget",
            "PodDisruptionBudgets"
        ),
    ));
    let counter = events.counter("Restarting workloads", plan.workloads.len() as u64);
    let done = |o: &super::WorkloadOutcome| {
        match &o.outcome {
        Outcome::Failed { error } => counter.done(Mark::Fail, &format!("{}: {error}", o.workload)),
        Outcome::AlreadyRestarting { restarted_at } => counter.done(
            Mark::Ok,
            &format!(
                "{} (restarted at {restarted_at} by an earlier run, still rolling out: waited for, not restarted again)",
                o.workload
            ),
        ),
        _ => counter.done(Mark::Ok, &format!("{} ({})", o.workload, o.action.name())),
    }
    };
    let deferred = |w: &super::Workload, why: &str| events.warn(&format!("{w} deferred: {why}"));
    let progress = Progress {
        done: &done,
        deferred: &deferred,
    };
    let report = tokio::select! {
        r = execute(cluster, plan, opts, &progress) => r,
        s = signal::interrupted() => return Err(RunError::Interrupted { signal: s, during: "while restarting workloads; run proxy-reset again to finish (restarted workloads are not outdated any more)" }),
    };
    counter.finish();
    events.plain(&format!(
        "Restarted {} of {} workloads in {}",
        report.restarted(),
        plan.workloads.len(),
        fmt_duration(report.elapsed)
    ));
    if let Some(why) = &report.stopped {
        events.warn(&format!(
            "{} left: {why}; run the same command again to continue (nothing is restarted twice)",
            plural(report.left().count(), "workload", "workloads")
        ));
    }
    Ok(report)
}

async fn verify_phase(
    cluster: &Cluster,
    plan: &Plan,
    report: &ResetReport,
    req: &Request,
    deadline: Instant,
    events: &dyn Events,
) -> Result<Verification, RunError> {
    let step = events.long_step("Waiting for the rollouts, then scanning again");
    let v = tokio::select! {
        r = verify(cluster, plan, report, &req.scan, req.concurrency, deadline) => r?,
        s = signal::interrupted() => return Err(RunError::Interrupted { signal: s, during: "while waiting for the rollouts" }),
    };
    if v.ok() {
        step.ok("no restarted workload has an outdated pod");
    } else {
        step.fail(&format!(
            "{} pods still outdated, {} rollouts unfinished, {} reverted",
            v.still_outdated.len(),
            v.unfinished.len(),
            v.reverted.len()
        ));
    }
    Ok(v)
}
