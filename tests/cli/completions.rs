//! The completion scripts in `completions/` must match what the binary generates.

use crate::util::{kyma_mesh, repo, success};

use clap::ValueEnum;
use clap_complete::Shell;
use kyma_mesh::commands::completions::file_name;

#[test]
fn shipped_completions_are_fresh() {
    for shell in Shell::value_variants() {
        let name = shell
            .to_possible_value()
            .expect("visible shell")
            .get_name()
            .to_string();
        let file = file_name(*shell);
        let generated = success(kyma_mesh().args(["completions", &name]));
        let path = repo().join("completions").join(file);
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            generated == shipped,
            "completions/{file} is stale; regenerate with: tools/gen-completions.sh"
        );
        assert!(generated.contains("render"), "{name} completes subcommands");
    }
}
