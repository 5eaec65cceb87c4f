//! What the user sees: messages on stderr (respecting -q/-v) and output formats on stdout.

pub mod progress;

use serde::Serialize;

use crate::cli::{GlobalArgs, OutputFormat};

/// Stderr reporting, shaped by `-q` and `-v`.
#[derive(Debug, Clone)]
pub struct Ui {
    pub verbosity: i8,
}

impl Ui {
    pub fn new(global: &GlobalArgs) -> Self {
        let verbosity = if global.quiet {
            -1
        } else {
            global.verbose as i8
        };
        Ui { verbosity }
    }

    pub fn quiet(&self) -> bool {
        self.verbosity < 0
    }

    pub fn warn(&self, msg: &str) {
        if !self.quiet() {
            eprintln!("warning: {msg}");
        }
    }

    pub fn info(&self, msg: &str) {
        if !self.quiet() {
            eprintln!("{msg}");
        }
    }

    pub fn debug(&self, msg: &str) {
        if self.verbosity > 0 {
            eprintln!("{msg}");
        }
    }

    /// Errors always print, even with -q: `error: <message>` and its causes, no debug dump.
    pub fn error(&self, err: &anyhow::Error) {
        eprintln!("error: {err}");
        for cause in err.chain().skip(1) {
            let text = cause.to_string();
            // thiserror variants often repeat their source; skip what was already said.
            if !err.to_string().contains(&text) {
                eprintln!("  caused by: {text}");
            }
        }
    }
}

pub fn to_yaml<T: Serialize>(v: &T) -> anyhow::Result<String> {
    let mut opts = serde_saphyr::SerializerOptions::default();
    // Long single-line strings (overlay paths) stay on one line instead of folding at 80.
    opts.folded_wrap_chars = 100_000;
    Ok(serde_saphyr::to_string_with_options(v, opts)?)
}

pub fn to_json<T: Serialize + ?Sized>(v: &T) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

pub fn format_value(v: &serde_json::Value, format: OutputFormat) -> anyhow::Result<String> {
    match format {
        OutputFormat::Yaml => to_yaml(v),
        OutputFormat::Json => to_json(v),
    }
}
