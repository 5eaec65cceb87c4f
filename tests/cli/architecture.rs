//! The architecture invariants of ARCHITECTURE.md, checked on the source: each test names the
//! invariant it keeps. They read `src/` as text, as a reviewer would.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::repo;

/// Every `.rs` file under `dir`, with its text up to its unit tests.
fn sources(dir: &str) -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for e in std::fs::read_dir(dir).expect("a source folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("a source file");
                let product = text
                    .split("\n#[cfg(test)]")
                    .next()
                    .unwrap_or("")
                    .to_string();
                out.insert(p, product);
            }
        }
    }
    let mut out = BTreeMap::new();
    let root = repo().join(dir);
    if root.is_file() {
        let text = std::fs::read_to_string(&root).expect("a source file");
        out.insert(root, text);
    } else {
        walk(&root, &mut out);
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// The lines of `dir` that mention `needle` outside comments.
fn uses(dir: &str, needle: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, text) in sources(dir) {
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if code.contains(needle) {
                bad.push(format!("{}:{}: {}", path.display(), i + 1, code));
            }
        }
    }
    bad
}

/// Architecture Invariant: `ui` sits above `ops`; ops emits events and returns outcomes, and
/// never imports ui.
#[test]
fn ops_never_imports_ui() {
    let bad = uses("src/ops", "crate::ui");
    assert!(bad.is_empty(), "ops imports ui:\n{}", bad.join("\n"));
}

/// Architecture Invariant: the boundaries (`cluster`, `istioctl`, `config`, `kyma`, `util`,
/// `version`) import nothing above them: not ops, ui, commands or cli.
#[test]
fn the_boundaries_import_nothing_above_them() {
    let mut bad = Vec::new();
    for dir in [
        "src/cluster",
        "src/istioctl",
        "src/config",
        "src/kyma",
        "src/util",
        "src/names.rs",
        "src/version.rs",
    ] {
        for above in ["crate::ops", "crate::ui", "crate::commands", "crate::cli"] {
            bad.extend(uses(dir, above));
        }
    }
    assert!(
        bad.is_empty(),
        "a boundary imports a layer above it:\n{}",
        bad.join("\n")
    );
}

/// Architecture Invariant: `config` is pure: it imports nothing of the crate but itself,
/// `util` and `names`.
#[test]
fn config_imports_only_config_and_util() {
    let mut bad = Vec::new();
    for line in uses("src/config", "crate::") {
        let pure = ["crate::config", "crate::util", "crate::names"];
        let rest = line.split("crate::").skip(1);
        for r in rest {
            let path = format!("crate::{r}");
            if !pure.iter().any(|p| path.starts_with(p)) {
                bad.push(line.clone());
                break;
            }
        }
    }
    assert!(bad.is_empty(), "config reaches out:\n{}", bad.join("\n"));
}

/// Architecture Invariant: `ui` renders values and never reaches back into the command line
/// or the commands.
#[test]
fn ui_never_imports_cli_or_commands() {
    let mut bad = uses("src/ui", "crate::cli");
    bad.extend(uses("src/ui", "crate::commands"));
    assert!(
        bad.is_empty(),
        "ui imports what is above it:\n{}",
        bad.join("\n")
    );
}

/// Architecture Invariant: no function under `src/ops` is longer than 80 lines: a step that
/// grows past a screen is split into named steps.
#[test]
fn no_ops_function_is_longer_than_80_lines() {
    let mut long = Vec::new();
    for (path, text) in sources("src/ops") {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let is_fn = [
                "fn ",
                "pub fn ",
                "async fn ",
                "pub async fn ",
                "pub(crate) fn ",
            ]
            .iter()
            .any(|p| trimmed.starts_with(p));
            if !is_fn || trimmed.ends_with(';') {
                continue;
            }
            let close = format!("{indent}}}");
            if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
                let n = end + 2;
                if n > 80 {
                    long.push(format!("{}:{} is {n} lines", path.display(), i + 1));
                }
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over 80 lines:\n{}",
        long.join("\n")
    );
}

/// Architecture Invariant: no `#[allow(...)]` hides dead code or unused imports.
#[test]
fn no_allow_hides_dead_code() {
    let mut bad = uses("src", "dead_code");
    bad.extend(uses("src", "allow(unused"));
    bad.extend(uses("src", "expect(unused"));
    assert!(bad.is_empty(), "hidden dead code:\n{}", bad.join("\n"));
}

/// Architecture Invariant: one workload model: each workload type is defined once.
#[test]
fn one_definition_of_each_workload_type() {
    for def in ["pub struct Workload ", "pub enum WorkloadKind "] {
        let found = uses("src", def);
        assert_eq!(
            found.len(),
            1,
            "{def:?} defined {} times:\n{}",
            found.len(),
            found.join("\n")
        );
    }
}

/// Architecture Invariant: exit codes come from one place (`OpError::kind`, `ExitStatus`).
/// Nothing above the boundaries downcasts an error to decide what it is, and nothing outside
/// `lib.rs` names a number to exit with. (The cluster boundary downcasts transport errors to
/// decide what to retry; that is not an exit code.)
#[test]
fn exit_codes_come_from_one_place() {
    let mut bad = Vec::new();
    for dir in ["src/ops", "src/commands", "src/ui", "src/lib.rs"] {
        bad.extend(uses(dir, "downcast_ref"));
        bad.extend(uses(dir, "is_invalid_input"));
    }
    bad.extend(uses("src", "ExitCode::from("));
    // The one mapping: lib.rs (statuses to codes) and ops/error.rs (errors to kinds).
    bad.retain(|l| !l.contains("src/lib.rs:") && !l.contains("src/ops/error.rs:"));
    assert!(
        bad.is_empty(),
        "an exit code decided elsewhere:\n{}",
        bad.join("\n")
    );
}

/// Architecture Invariant: an error says its cause once. A message that embeds its cause
/// (`{0}`, `{source}`) does not also expose it as `source()`, so the error printer never
/// compares texts.
#[test]
fn no_error_message_repeats_its_source() {
    let mut bad = Vec::new();
    for (path, text) in sources("src") {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.trim_start().starts_with("#[error(") || line.contains("transparent") {
                continue;
            }
            // The attribute and the variant after it, up to the next attribute or variant.
            let window: Vec<&str> = lines[i..(i + 12).min(lines.len())].to_vec();
            let attr_end = window
                .iter()
                .position(|l| l.trim_end().ends_with(")]"))
                .unwrap_or(0);
            let attr = window[..=attr_end].join("\n");
            let variant: Vec<&str> = window[attr_end + 1..]
                .iter()
                .take_while(|l| {
                    !l.trim_start().starts_with("#[error") && !l.trim_start().starts_with("///")
                })
                .copied()
                .collect();
            let variant = variant.join("\n");
            let embeds_0 = attr.contains("{0}") || attr.contains("{0:") || attr.contains(".0)");
            let embeds_source = attr.contains("{source}") || attr.contains(".source");
            let first_is_source = variant
                .lines()
                .next()
                .is_some_and(|l| l.contains("(#[source]") || l.contains("(#[from]"));
            if (embeds_0 && first_is_source) || embeds_source {
                bad.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "messages that repeat their source:\n{}",
        bad.join("\n")
    );
}

/// Architecture Invariant: users never read "seed": the documents the project started from
/// are Kyma's documentation to them.
#[test]
fn no_seed_in_what_users_read() {
    let mut bad = Vec::new();
    for dir in [
        "src",
        "README.md",
        "ARCHITECTURE.md",
        "profiles",
        "examples",
        "completions",
    ] {
        let root = repo().join(dir);
        let files: Vec<PathBuf> = if root.is_file() {
            vec![root]
        } else {
            std::fs::read_dir(&root)
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default()
        };
        let mut stack = files;
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                let lower = line.to_lowercase();
                // A random generator's seed is a seed.
                if lower.contains("seed")
                    && !lower.contains("random")
                    && !lower.contains("rng")
                    && !lower.contains("seed_from")
                    && !lower.contains("proptest")
                {
                    bad.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "\"seed\" where users read:\n{}",
        bad.join("\n")
    );
}
