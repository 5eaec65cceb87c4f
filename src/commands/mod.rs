//! One module per subcommand (cargo's `src/bin/cargo/commands/`): each parses its
//! arguments into a request, calls one `ops` function and hands what it returns to `ui`,
//! which renders it into a [`Done`]. Printing it and the exit status are decided here, once,
//! for a single cluster and for every cluster of a fleet alike.

pub mod check;
pub mod completions;
pub mod fleet;
pub mod gateway;
pub mod injection;
pub mod install;
pub mod man;
pub mod proxy_reset;
pub mod render;
pub mod uninstall;
pub mod upgrade;
pub mod version;

use crate::ExitStatus;
use crate::cli::{Cli, Command};
use crate::ops::error::OpError;
use crate::ui::{self, Ui};

/// What a command hands back once its work is over: its data as `ui` rendered it, and what
/// to say about it. The work's own progress has already gone to the events receiver.
#[derive(Debug, Default)]
pub struct Done {
    /// Data for stdout (YAML, JSON, a table, a report).
    pub stdout: String,
    /// The same data as a document, when the command was asked for JSON: a fleet embeds it
    /// in its own list.
    pub json: Option<serde_json::Value>,
    /// Instead of `stdout`: a JSON document written while it is serialized ([`Done::json`]).
    pub json_out: Option<ui::JsonOut>,
    /// Closing lines on stderr: what was done, in a sentence.
    pub closing: Vec<String>,
    /// What still needs a hand (a fleet summary's last column).
    pub needs_a_hand: Vec<String>,
    /// The work ended but failed in part (a check with errors, a workload that did not
    /// restart): exit 1. Each line is said as an error; the report may already say why.
    pub failed: bool,
    pub errors: Vec<String>,
    /// The exit status, when it is not simply success or `failed` (a fleet's worst).
    pub exit: Option<ExitStatus>,
    /// The work stopped at its deadline with work left, and nothing failed: exit 3.
    pub incomplete: bool,
}

impl Done {
    pub fn data(stdout: String) -> Done {
        Done {
            stdout,
            ..Done::default()
        }
    }

    /// A document on stdout, as JSON or YAML.
    pub fn document(
        what: &'static str,
        value: serde_json::Value,
        format: ui::Format,
    ) -> Result<Done, OpError> {
        Ok(Done {
            stdout: ui::format_value(what, &value, format)?,
            json: (format == ui::Format::Json).then_some(value),
            ..Done::default()
        })
    }

    /// A JSON document on stdout, what `write` writes of `data` (`ui::write_json`), serialized
    /// straight to stdout: no `Value` tree and no text held in between, so a large report
    /// (tens of thousands of pods) costs neither.
    pub fn json<D: 'static>(
        what: &'static str,
        data: D,
        write: impl Fn(&D, &mut dyn std::io::Write) -> serde_json::Result<()> + 'static,
    ) -> Done {
        Done {
            json_out: Some(ui::JsonOut::new(what, data, write)),
            ..Done::default()
        }
    }

    pub fn closing(mut self, line: impl Into<String>) -> Done {
        self.closing.push(line.into());
        self
    }

    /// A failure found by the work: said as an error, exit 1, and needs a hand in a fleet.
    pub fn fail(mut self, error: impl Into<String>) -> Done {
        let error = error.into();
        self.needs_a_hand
            .push(error.lines().next().unwrap_or_default().to_string());
        self.errors.push(error);
        self.failed = true;
        self
    }

    pub fn status(&self) -> ExitStatus {
        if let Some(s) = self.exit {
            return s;
        }
        if self.failed {
            ExitStatus::Failure
        } else if self.incomplete {
            ExitStatus::Incomplete
        } else {
            ExitStatus::Success
        }
    }
}

pub fn dispatch(mut cli: Cli, ui: &Ui) -> Result<Done, OpError> {
    if cli.command.fleet_mut().is_some_and(|f| f.active()) {
        return fleet::run(cli, ui);
    }
    match cli.command {
        Command::Render(args) => render::run(&args, ui),
        Command::Install(args) => install::run(&args, &cli.global, ui),
        Command::Upgrade(args) => upgrade::run(&args, &cli.global, ui),
        Command::Gateway(args) => gateway::run(&args, &cli.global, ui),
        Command::Injection(args) => injection::run(&args, &cli.global, ui),
        Command::Uninstall(args) => uninstall::run(&args, &cli.global, ui),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Version(args) => version::run(&args, &cli.global, ui),
        Command::ProxyReset(args) => proxy_reset::run(&args, &cli.global, ui),
        Command::Check(args) => check::run(&args, &cli.global, ui),
    }
}

/// Says what a command hands back (its data on stdout when `print` is set, its closing lines,
/// its errors) and gives its exit status: the one place a result becomes an exit status, for
/// a single cluster and for each cluster of a fleet.
pub fn finish(result: &Result<Done, OpError>, ui: &Ui, print: bool) -> ExitStatus {
    match result {
        Ok(done) => {
            let printed = || match &done.json_out {
                Some(json) => json.print(),
                None => ui::print(&done.stdout),
            };
            if print && let Err(e) = printed() {
                ui.error(&e);
                return ExitStatus::Failure;
            }
            for line in &done.closing {
                crate::ops::events::Events::message(ui, crate::ops::events::Level::Info, line);
            }
            for e in &done.errors {
                ui.error_text(e);
            }
            done.status()
        }
        Err(e) => {
            ui.error(e);
            e.kind().into()
        }
    }
}

/// Runs one ops call on its own runtime, the same way for every command.
pub(crate) fn block_on<T>(
    work: impl std::future::Future<Output = Result<T, OpError>>,
) -> Result<T, OpError> {
    let rt = crate::ops::runtime().map_err(OpError::Runtime)?;
    let result = rt.block_on(work);
    // Do not wait for a stuck watch or request after an interrupt or a timeout.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    result
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every `kyma-mesh <command> [<subcommand>] [--flag]...` the product can print (in any
    /// string of `src/`) must name a command and flags that exist: a hint that points nowhere
    /// is worse than none.
    #[test]
    fn every_suggested_command_and_flag_exists() {
        let root = crate::cli::Cli::command();
        let mut checked = 0;
        let mut bad = Vec::new();
        for (file, text) in sources(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))) {
            for (lineno, line) in text.lines().enumerate() {
                // Strings only: doc comments speak of kyma-mesh in prose.
                if line.trim_start().starts_with("//") {
                    continue;
                }
                let mut rest = line;
                while let Some(i) = rest.find("kyma-mesh ") {
                    // A suggestion, not prose: `kyma-mesh x`, "kyma-mesh x", run kyma-mesh x.
                    let before = &rest[..i];
                    let suggests = before.ends_with('`')
                        || before.ends_with('"')
                        || before.ends_with("\\n")
                        || before.ends_with("run ")
                        || before.ends_with("Run ");
                    rest = &rest[i + "kyma-mesh ".len()..];
                    if !suggests {
                        continue;
                    }
                    let end = rest
                        .find(['"', '`', '\'', ')', ';', '\\', '.', ','])
                        .unwrap_or(rest.len());
                    let words: Vec<&str> = rest[..end].split_whitespace().collect();
                    let Some(first) = words.first() else { continue };
                    if !first.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                        || first.starts_with('-')
                    {
                        continue;
                    }
                    checked += 1;
                    let at = format!("{file}:{}", lineno + 1);
                    let Some(mut cmd) = root.find_subcommand(first).cloned() else {
                        bad.push(format!("{at}: no command `kyma-mesh {first}`"));
                        continue;
                    };
                    for w in &words[1..] {
                        let w = w.trim_end_matches([':', ';', '!', '?']);
                        if let Some(flag) = w.strip_prefix("--") {
                            let flag = flag.split('=').next().unwrap_or(flag);
                            let known = cmd.get_arguments().any(|a| a.get_long() == Some(flag))
                                || root.get_arguments().any(|a| a.get_long() == Some(flag));
                            if !known && flag != "help" {
                                bad.push(format!("{at}: `kyma-mesh {first}` has no --{flag}"));
                            }
                        } else if cmd.has_subcommands()
                            && w.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                        {
                            match cmd.find_subcommand(w).cloned() {
                                Some(sub) => cmd = sub,
                                None => {
                                    bad.push(format!("{at}: no command `kyma-mesh {first} {w}`"))
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 0, "the scan found the product's hints");
        assert!(
            bad.is_empty(),
            "messages suggest what does not exist:\n{}",
            bad.join("\n")
        );
    }

    fn sources(dir: &std::path::Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return out;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(sources(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                // Only the product's strings: stop at the file's unit tests.
                let product = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
                out.push((p.display().to_string(), product));
            }
        }
        out
    }
}
