//! The completion scripts in `completions/` must match what the binary generates.

use crate::util::{kyma_mesh, repo, success};

const SHELLS: [(&str, &str); 5] = [
    ("bash", "kyma-mesh.bash"),
    ("zsh", "_kyma-mesh"),
    ("fish", "kyma-mesh.fish"),
    ("powershell", "_kyma-mesh.ps1"),
    ("elvish", "kyma-mesh.elv"),
];

#[test]
fn shipped_completions_are_fresh() {
    for (shell, file) in SHELLS {
        let generated = success(kyma_mesh().args(["completions", shell]));
        let path = repo().join("completions").join(file);
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            generated == shipped,
            "completions/{file} is stale; regenerate with: tools/gen-completions.sh"
        );
        assert!(
            generated.contains("render"),
            "{shell} completes subcommands"
        );
    }
}
