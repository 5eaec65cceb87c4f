//! `kyma-mesh completions <shell>`: clap_complete's scripts, on stdout.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::ops::error::OpError;

use super::Done;

pub fn run(args: &CompletionsArgs) -> Result<Done, OpError> {
    Ok(Done::data(script(args.shell)))
}

/// The script for `shell`, as shipped in `completions/`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kyma-mesh", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

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

    /// The scripts in `completions/` must match what the binary generates.
    #[test]
    fn shipped_completions_are_fresh() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        for shell in clap_complete::Shell::value_variants() {
            let file = file_name(*shell);
            let generated = script(*shell);
            let shipped = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
            assert!(
                generated == shipped,
                "completions/{file} is stale; regenerate with: tools/gen-completions.sh"
            );
            assert!(generated.contains("render"), "{file} completes subcommands");
        }
    }
}
