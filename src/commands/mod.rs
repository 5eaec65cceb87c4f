//! One module per subcommand: each turns its parsed arguments into a request for `ops` and
//! returns the process exit code or an error (mapped to an exit code in `lib.rs`).

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

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::ui::Ui;

pub fn dispatch(mut cli: Cli, ui: &Ui) -> anyhow::Result<ExitCode> {
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

/// An ops error that may be an interruption (SIGINT/SIGTERM: exit 130/143).
pub(crate) trait Interruptible: std::error::Error + Send + Sync + 'static {
    fn interrupted(&self) -> Option<u8>;
}

macro_rules! interruptible {
    ($($t:ty),*) => {$(
        impl Interruptible for $t {
            fn interrupted(&self) -> Option<u8> {
                <$t>::interrupted(self)
            }
        }
    )*};
}
interruptible!(
    crate::ops::install::InstallError,
    crate::ops::upgrade::UpgradeError,
    crate::ops::proxy_reset::run::RunError,
    crate::ops::gateway::GatewayError,
    crate::ops::uninstall::UninstallError,
    crate::ops::canary::CanaryError
);

/// Runs one ops call on its own runtime, the same way for every command. An interruption is
/// said here and becomes its exit code (`Ok(Err(code))`); any other error goes up to `lib.rs`.
pub(crate) fn block_on<T, E: Interruptible>(
    ui: &Ui,
    work: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<Result<T, ExitCode>> {
    let rt = crate::ops::runtime()?;
    let result = rt.block_on(work);
    // Do not wait for a stuck watch or request after an interrupt or a timeout.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(e) => match e.interrupted() {
            Some(code) => {
                ui.error(&anyhow::Error::new(e));
                Ok(Err(ExitCode::from(code)))
            }
            None => Err(e.into()),
        },
    }
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
