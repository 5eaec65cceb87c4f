//! `--contexts a,b` / `--all-contexts`: one command on several clusters of the kubeconfig.
//!
//! Each cluster runs the very same command module (`dispatch` with `--context` set) on its own
//! thread, at most `--parallel` at a time; `ui::fleet` prefixes its stderr lines with the
//! context and keeps its stdout. Then one summary: a table (context, Istio before -> after,
//! result, what needs a hand) or, with `--output json`, a list with one entry per context. The
//! exit code is the worst of them. A cluster that fails never stops the others unless
//! `--fail-fast`; an interrupt stops starting new ones.

use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::Serialize;

use crate::cli::{Cli, FleetArgs};
use crate::ops::install::Target;
use crate::ui::{self, Ui, fleet};

/// One cluster's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub context: String,
    pub result: &'static str,
    pub exit_code: u8,
    pub istio: Versions,
    pub needs_a_hand: Vec<String>,
    /// The command's own JSON output (`--output json`), else its text.
    pub output: serde_json::Value,
    /// The cluster answered the first look (so no version means no Istio).
    #[serde(skip)]
    pub answered: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Versions {
    pub before: Option<String>,
    pub after: Option<String>,
}

pub fn run(mut cli: Cli, ui: &Ui) -> anyhow::Result<ExitCode> {
    let fleet = cli
        .command
        .fleet_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    if cli.global.context.is_some() {
        return Err(crate::InvalidInput(
            "--context names one cluster: leave it out with --contexts or --all-contexts".into(),
        )
        .into());
    }
    let (available, file) = crate::cluster::context_names(cli.global.kubeconfig.as_deref())?;
    let contexts = choose(&fleet, &available, &file)?;
    let json = cli.command.json_output();
    ui.info(&format!(
        "{} clusters: {} ({} at a time)",
        contexts.len(),
        contexts.join(", "),
        fleet.parallel.min(contexts.len() as u16)
    ));
    let entries = run_all(&cli, &contexts, &fleet, ui);
    let worst = entries.iter().map(|e| e.exit_code).max().unwrap_or(0);
    if json {
        ui::print(&ui::to_json(&entries)?)?;
    } else {
        ui::print(&summary(&entries))?;
    }
    Ok(ExitCode::from(worst))
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
        result: "not run",
        exit_code: 0,
        istio: Versions::default(),
        needs_a_hand: vec![
            "not started: an earlier cluster failed (--fail-fast) or the run was interrupted"
                .into(),
        ],
        output: serde_json::Value::Null,
        answered: false,
    }
}

/// The command on one cluster: the control plane's version before, the command, the version
/// after. A cluster that does not answer is reported as such and the command is not run.
fn one(cli: &Cli, context: &str, ui: &Ui) -> Entry {
    let sink = fleet::Sink::new(context);
    let _guard = fleet::enter(sink.clone());
    let mut cli = cli.clone();
    cli.global.context = Some(context.to_string());
    let target = cli.global.target();
    let json = cli.command.json_output();
    let mut entry = Entry {
        context: context.to_string(),
        result: "ok",
        exit_code: 0,
        istio: Versions::default(),
        needs_a_hand: Vec::new(),
        output: serde_json::Value::Null,
        answered: false,
    };
    match control_plane(&target, ui) {
        Ok(v) => {
            entry.istio.before = v;
            entry.answered = true;
        }
        Err((code, why)) => {
            ui.error(&anyhow::anyhow!("{why}"));
            entry.exit_code = code;
            entry.result = if code == crate::exit::INVALID_INPUT {
                "invalid input"
            } else {
                "unreachable"
            };
            entry.needs_a_hand = sink.notes();
            return entry;
        }
    }
    entry.exit_code = match super::dispatch(cli, ui) {
        Ok(code) => exit_code_of(code),
        Err(e) => {
            ui.error(&e);
            crate::exit_code_for(&e)
        }
    };
    entry.istio.after = control_plane(&target, ui).ok().flatten();
    entry.result = match entry.exit_code {
        0 => "ok",
        crate::exit::INVALID_INPUT => "invalid input",
        crate::exit::INTERRUPTED | crate::exit::TERMINATED => "interrupted",
        _ => "failed",
    };
    entry.needs_a_hand = sink.notes();
    let out = sink.stdout();
    entry.output = if json {
        serde_json::from_str(&out).unwrap_or(serde_json::Value::String(out))
    } else if out.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::Value::String(out)
    };
    entry
}

/// The active control plane's version (`None`: no Istio), or (exit code, why) when the
/// cluster cannot be asked.
fn control_plane(target: &Target, ui: &Ui) -> Result<Option<String>, (u8, String)> {
    let quiet = Ui::new(ui.verbosity.min(-1));
    let rt = crate::ops::runtime().map_err(|e| (crate::exit::FAILURE, e.to_string()))?;
    let r = rt.block_on(async {
        let cluster = crate::ops::connect(target, &quiet).await.map_err(|e| {
            let e = anyhow::Error::new(e);
            (crate::exit_code_for(&e), e.to_string())
        })?;
        crate::cluster::installed_istio_version(&cluster)
            .await
            .map_err(|e| {
                (
                    crate::exit::FAILURE,
                    format!("cannot reach the cluster: {e}"),
                )
            })
    });
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    r
}

/// `ExitCode` keeps its number to itself; the codes kyma-mesh returns are few.
fn exit_code_of(code: ExitCode) -> u8 {
    use crate::exit::*;
    [0, FAILURE, INVALID_INPUT, INTERRUPTED, TERMINATED]
        .into_iter()
        .find(|&n| ExitCode::from(n) == code)
        .unwrap_or(FAILURE)
}

/// Each cluster's own output under its name, then the table.
fn summary(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        if let serde_json::Value::String(text) = &e.output
            && !text.trim().is_empty()
        {
            out.push_str(&format!("== {} ==\n{}", e.context, text));
            if !text.ends_with('\n') {
                out.push('\n');
            }
            out.push('\n');
        }
    }
    let rows: Vec<[String; 4]> = entries
        .iter()
        .map(|e| {
            let istio = match (&e.istio.before, &e.istio.after) {
                (Some(b), Some(a)) if a != b => format!("{b} -> {a}"),
                (None, Some(a)) => format!("none -> {a}"),
                (Some(b), _) => b.clone(),
                (None, None) if e.answered => "none".into(),
                (None, None) => "?".into(),
            };
            // The whole text is in the cluster's lines above and in the JSON.
            let hand = match e.needs_a_hand.as_slice() {
                [] => "-".to_string(),
                [one] => shorten(one),
                [first, rest @ ..] => format!("{} (+{} more)", shorten(first), rest.len()),
            };
            [e.context.clone(), istio, e.result.to_string(), hand]
        })
        .collect();
    out.push_str(&columns(
        ["CONTEXT", "ISTIO", "RESULT", "NEEDS A HAND"],
        &rows,
    ));
    out
}

fn shorten(note: &str) -> String {
    const MAX: usize = 90;
    if note.chars().count() <= MAX {
        return note.to_string();
    }
    let cut: String = note.chars().take(MAX - 3).collect();
    format!("{}...", cut.trim_end())
}

/// Left-aligned columns two spaces apart, the last one unpadded (as kubectl's tables).
fn columns(header: [&str; 4], rows: &[[String; 4]]) -> String {
    let mut width = header.map(str::len);
    for r in rows {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == 3 {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for r in rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    out
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

    #[test]
    fn the_summary_lines_up_and_says_what_needs_a_hand() {
        let e = |c: &str, r: &'static str, b: Option<&str>, a: Option<&str>, hand: &[&str]| Entry {
            context: c.into(),
            result: r,
            exit_code: 0,
            istio: Versions {
                before: b.map(String::from),
                after: a.map(String::from),
            },
            needs_a_hand: hand.iter().map(|s| s.to_string()).collect(),
            output: serde_json::Value::Null,
            answered: r != "unreachable",
        };
        let t = summary(&[
            e("east", "ok", Some("1.27.3"), Some("1.28.0"), &[]),
            e(
                "west-long",
                "failed",
                Some("1.28.0"),
                Some("1.28.0"),
                &["x", "y"],
            ),
            e("down", "unreachable", None, None, &["cannot reach"]),
        ]);
        assert_eq!(
            t,
            "CONTEXT    ISTIO             RESULT       NEEDS A HAND\n\
             east       1.27.3 -> 1.28.0  ok           -\n\
             west-long  1.28.0            failed       x (+1 more)\n\
             down       ?                 unreachable  cannot reach\n"
        );
        assert_eq!(shorten(&"x".repeat(200)), format!("{}...", "x".repeat(87)));
        assert_eq!(exit_code_of(ExitCode::from(2)), 2);
        assert_eq!(exit_code_of(ExitCode::SUCCESS), 0);
    }
}
