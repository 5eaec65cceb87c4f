//! `kyma-mesh completions <shell>`: clap_complete's scripts, on stdout.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    write(args.shell, &mut out);
    Ok(ExitCode::SUCCESS)
}

/// The script for `shell`, as shipped in `completions/`.
pub fn write(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "kyma-mesh", out);
}

/// The file name each shell expects, as shipped in `completions/` (tools/gen-completions.sh
/// writes the same names; the completions test checks both agree).
pub fn file_name(shell: clap_complete::Shell) -> &'static str {
    use clap_complete::Shell::*;
    match shell {
        Bash => "kyma-mesh.bash",
        Zsh => "_kyma-mesh",
        Fish => "kyma-mesh.fish",
        PowerShell => "_kyma-mesh.ps1",
        Elvish => "kyma-mesh.elv",
        _ => "kyma-mesh.completion",
    }
}
