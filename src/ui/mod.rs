//! What the user sees: messages on stderr (shaped by -q/-v), data on stdout, output formats.
//! Takes plain values (a verbosity, a format), never the command line.
#![allow(clippy::print_stdout, clippy::print_stderr)] // the one place that prints

pub mod checks;
pub mod fleet;
pub mod progress;
pub mod proxy_reset;

use std::io::Write;

use serde::Serialize;

/// How data on stdout is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Stderr reporting: -1 quiet (errors only), 0 normal, 1 `-v`, 2 and more `-vv`.
#[derive(Debug, Clone)]
pub struct Ui {
    pub verbosity: i8,
}

impl Ui {
    pub fn new(verbosity: i8) -> Self {
        Ui { verbosity }
    }

    pub fn quiet(&self) -> bool {
        self.verbosity < 0
    }

    pub fn warn(&self, msg: &str) {
        if !self.quiet() {
            fleet::stderr(&format!("warning: {msg}"));
        }
    }

    pub fn info(&self, msg: &str) {
        if !self.quiet() {
            fleet::stderr(msg);
        }
    }

    /// `-v` detail.
    pub fn debug(&self, msg: &str) {
        if self.verbosity > 0 {
            fleet::stderr(msg);
        }
    }

    /// Errors always print, even with -q: `error: <message>` and its causes, no debug dump.
    /// In a fleet run the message is also what the summary says needs a hand.
    pub fn error(&self, err: &anyhow::Error) {
        let text = error_chain(err);
        fleet::stderr(&text);
        fleet::needs_a_hand(err.to_string().lines().next().unwrap_or_default());
    }
}

/// The one error-chain formatter: `error: <message>`, then each cause not already said.
///
/// A cause is skipped when its text is part of what was printed (thiserror variants often embed
/// their source). kube's own errors are never printed: their `Display` embeds Rust structures
/// (`ErrorResponse { .. }`), and every cluster error already says the API's words.
pub fn error_chain(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}");
    let mut said = err.to_string();
    // Cluster errors say their innermost cause themselves; what lies below them is kube's.
    if err.downcast_ref::<crate::cluster::ClusterError>().is_some() {
        return out;
    }
    for cause in err.chain().skip(1) {
        if cause.downcast_ref::<kube::Error>().is_some() {
            break;
        }
        let text = cause.to_string();
        if said.contains(&text) {
            continue;
        }
        out.push_str(&format!("\n  caused by: {text}"));
        said.push_str(&text);
        if cause.is::<crate::cluster::ClusterError>() {
            break;
        }
    }
    out
}

/// Writes data to stdout. A closed pipe (`kyma-mesh version | head -0`) ends the output
/// quietly, as ripgrep does: the reader has all it wanted.
pub fn print(text: &str) -> anyhow::Result<()> {
    if fleet::capture(text) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
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

pub fn format_value<T: Serialize>(v: &T, format: Format) -> anyhow::Result<String> {
    match format {
        Format::Yaml => to_yaml(v),
        Format::Json => to_json(v),
    }
}
