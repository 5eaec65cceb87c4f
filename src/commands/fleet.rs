//! `--contexts a,b` / `--all-contexts`: one command on several clusters of the kubeconfig.
//!
//! Each cluster runs the very same command module (`dispatch` with `--context` set) on its own
//! thread, at most `--parallel` at a time; `ui::fleet` prefixes its stderr lines with the
//! context and keeps its stdout. Then one summary: a table (context, Istio before -> after,
//! result, what needs a hand) or, with `--output json`, a list with one entry per context. The
//! exit code is the worst of them. A cluster that fails never stops the others unless
//! `--fail-fast`; an interrupt stops starting new ones.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::ExitStatus;
use crate::cli::{Cli, FleetArgs};
use crate::ops::Target;
use crate::ops::error::{ErrorKind, InvalidInput, OpError, OutputError};
use crate::ops::events::{Events, Silent};
use crate::ops::fleet::{Entry, FleetResult, Versions};
use crate::ui::{self, Ui};

use super::Done;

pub fn run(mut cli: Cli, ui: &Ui) -> Result<Done, OpError> {
    let fleet = cli
        .command
        .fleet_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    if cli.global.context.is_some() {
        return Err(InvalidInput(
            "--context names one cluster: leave it out with --contexts or --all-contexts".into(),
        )
        .into());
    }
    let (available, file) = crate::cluster::context_names(cli.global.kubeconfig.as_deref())?;
    let contexts = choose(&fleet, &available, &file)?;
    let json = cli.command.json_output();
    (ui as &dyn Events).info(&format!(
        "{} clusters: {} ({} at a time)",
        contexts.len(),
        contexts.join(", "),
        fleet.parallel.min(contexts.len() as u16)
    ));
    let entries = run_all(&cli, &contexts, &fleet, ui);
    let mut done = if json {
        let value = serde_json::to_value(&entries).map_err(|cause| OutputError::Json {
            what: "fleet summary",
            cause,
        })?;
        Done::document("fleet summary", value, ui::Format::Json)?
    } else {
        Done::data(ui::fleet::summary(&entries))
    };
    done.exit = entries.iter().map(|e| e.status).max_by_key(|s| s.code());
    Ok(done)
}

/// The contexts to run on, in the order given (`--all-contexts`: kubeconfig order).
fn choose(
    fleet: &FleetArgs,
    available: &[String],
    file: &str,
) -> Result<Vec<String>, crate::InvalidInput> {
    let mut out: Vec<String> = Vec::new();
    if fleet.all_contexts {
        for e in &fleet.exclude_context {
            if !available.contains(e) {
                return Err(unknown("--exclude-context", e, available, file));
            }
        }
        out.extend(
            available
                .iter()
                .filter(|c| !fleet.exclude_context.contains(c))
                .cloned(),
        );
    } else {
        for c in &fleet.contexts {
            if c.is_empty() {
                return Err(crate::InvalidInput(
                    "--contexts has an empty name (two commas, or one at an end?)".into(),
                ));
            }
            if !available.contains(c) {
                return Err(unknown("--contexts", c, available, file));
            }
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    }
    if out.is_empty() {
        return Err(crate::InvalidInput(format!(
            "no context left to run on: {file} has {}",
            listed(available)
        )));
    }
    Ok(out)
}

fn unknown(flag: &str, name: &str, available: &[String], file: &str) -> crate::InvalidInput {
    crate::InvalidInput(format!(
        "{flag}: context {name:?} is not in {file}; it has {}",
        listed(available)
    ))
}

fn listed(available: &[String]) -> String {
    if available.is_empty() {
        "none".to_string()
    } else {
        available.join(", ")
    }
}

fn run_all(cli: &Cli, contexts: &[String], fleet: &FleetArgs, ui: &Ui) -> Vec<Entry> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<Entry>>> = Mutex::new(vec![None; contexts.len()]);
    let workers = usize::from(fleet.parallel).clamp(1, contexts.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(context) = contexts.get(i) else {
                        break;
                    };
                    let entry = if stop.load(Ordering::SeqCst) {
                        skipped(context)
                    } else {
                        one(cli, context, ui)
                    };
                    let interrupted = entry.exit_code >= 128;
                    if interrupted || (fleet.fail_fast && entry.exit_code != 0) {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if let Ok(mut slots) = slots.lock() {
                        slots[i] = Some(entry);
                    }
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .zip(contexts)
        .map(|(e, c)| e.unwrap_or_else(|| skipped(c)))
        .collect()
}

fn skipped(context: &str) -> Entry {
    Entry {
        context: context.to_string(),
        result: FleetResult::NotRun,
        exit_code: 0,
        istio: Versions::default(),
        needs_a_hand: vec![
            "not started: an earlier cluster failed (--fail-fast) or the run was interrupted"
                .into(),
        ],
        output: serde_json::Value::Null,
        answered: false,
        status: ExitStatus::Success,
    }
}

/// The command on one cluster: the control plane's version before, the command, the version
/// after. A cluster that does not answer is reported as such and the command is not run. Its
/// events go to a receiver of its own that prefixes every line with the context.
fn one(cli: &Cli, context: &str, ui: &Ui) -> Entry {
    let ui = Ui::for_context(ui.verbosity, context);
    let mut cli = cli.clone();
    cli.global.context = Some(context.to_string());
    let target = cli.global.target();
    let mut entry = Entry {
        context: context.to_string(),
        result: FleetResult::Ok,
        exit_code: 0,
        istio: Versions::default(),
        needs_a_hand: Vec::new(),
        output: serde_json::Value::Null,
        answered: false,
        status: ExitStatus::Success,
    };
    match control_plane(&target) {
        Ok(v) => {
            entry.istio.before = v;
            entry.answered = true;
        }
        Err(e) => {
            ui.error(&e);
            entry.status = ExitStatus::from(e.kind());
            entry.exit_code = entry.status.code();
            entry.result = match e.kind() {
                ErrorKind::Invalid => FleetResult::InvalidInput,
                _ => FleetResult::Unreachable,
            };
            entry.needs_a_hand = vec![first_line(&e)];
            return entry;
        }
    }
    let result = super::dispatch(cli, &ui);
    let status = super::finish(&result, &ui, false);
    entry.status = status;
    entry.exit_code = status.code();
    entry.result = FleetResult::of(status);
    entry.istio.after = control_plane(&target).ok().flatten();
    match result {
        Ok(done) => {
            entry.needs_a_hand = done.needs_a_hand;
            entry.output = match (done.json, &done.json_out) {
                (Some(doc), _) => doc,
                // A document serialized straight to stdout (`Done::json`): the same document.
                (None, Some(json)) => json.to_value().unwrap_or_default(),
                (None, None) if done.stdout.is_empty() => serde_json::Value::Null,
                (None, None) => serde_json::Value::String(done.stdout),
            };
        }
        Err(e) => entry.needs_a_hand = vec![first_line(&e)],
    }
    entry
}

fn first_line(e: &OpError) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// The active control plane's version (`None`: no Istio), or why the cluster cannot be asked.
fn control_plane(target: &Target) -> Result<Option<String>, OpError> {
    super::block_on(async {
        Ok(crate::ops::version::active_version(target, &Silent as &dyn Events).await?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(contexts: &[&str], all: bool, exclude: &[&str]) -> FleetArgs {
        FleetArgs {
            contexts: contexts.iter().map(|s| s.to_string()).collect(),
            all_contexts: all,
            exclude_context: exclude.iter().map(|s| s.to_string()).collect(),
            parallel: 4,
            fail_fast: false,
        }
    }

    #[test]
    fn contexts_are_checked_against_the_kubeconfig() {
        let have: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            choose(&fleet(&["c", "a", "c"], false, &[]), &have, "k").unwrap(),
            ["c", "a"]
        );
        assert_eq!(
            choose(&fleet(&[], true, &["b"]), &have, "k").unwrap(),
            ["a", "c"]
        );
        let e = choose(&fleet(&["x"], false, &[]), &have, "kubeconfig k").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--contexts: context \"x\" is not in kubeconfig k; it has a, b, c"
        );
        assert!(choose(&fleet(&[], true, &["zz"]), &have, "k").is_err());
        let e = choose(&fleet(&[], true, &["a", "b", "c"]), &have, "k").unwrap_err();
        assert!(e.to_string().starts_with("no context left"), "{e}");
    }
}
