//! `kyma-mesh man [COMMAND]`: clap_mangen's man pages, on stdout.

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::ops::error::{OpError, OutputError};

use super::Done;

pub fn run(args: &ManArgs) -> Result<Done, OpError> {
    Ok(Done::data(page(args.command.as_deref())?))
}

/// The commands that have a page of their own (`kyma-mesh-<command>.1`).
pub fn commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The page for `command` (kyma-mesh's own with `None`), as shipped in `man/`.
pub fn page(command: Option<&str>) -> Result<String, OpError> {
    let top = Cli::command();
    let cmd = match command {
        None => top,
        Some(name) => {
            let Some(sub) = top.find_subcommand(name) else {
                return Err(crate::InvalidInput(format!(
                    "there is no command {name:?}; pages exist for: {}",
                    commands().join(", ")
                ))
                .into());
            };
            // The page's title and synopsis name the command as typed.
            sub.clone()
                .name(format!("kyma-mesh-{name}"))
                .bin_name(format!("kyma-mesh {name}"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(OutputError::Man)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file a page is shipped as in `man/` (tools/gen-completions.sh writes the same names).
    pub fn file_name(command: Option<&str>) -> String {
        match command {
            None => "kyma-mesh.1".into(),
            Some(c) => format!("kyma-mesh-{c}.1"),
        }
    }

    /// The pages in `man/` must match what the binary generates, one per command.
    #[test]
    fn shipped_man_pages_are_fresh() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
        let names = commands();
        let pages = std::iter::once(None).chain(names.iter().map(|c| Some(c.as_str())));
        for command in pages {
            let file = file_name(command);
            let generated = page(command).unwrap();
            let shipped = std::fs::read_to_string(dir.join(&file)).unwrap_or_default();
            assert!(
                generated == shipped,
                "man/{file} is stale; regenerate with: tools/gen-completions.sh"
            );
        }
        // No page left behind for a command that is gone.
        let shipped = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(shipped, names.len() + 1, "man/ holds a page per command");
        let top = page(None).unwrap();
        assert!(top.contains(".TH kyma-mesh 1"), "{top}");
        assert!(page(Some("render")).unwrap().contains("istio\\-cr"));
        assert!(page(Some("nope")).is_err());
    }
}
