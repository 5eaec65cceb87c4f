//! What the user sees: ops' events on stderr (shaped by -q/-v, a context prefix in a fleet),
//! the commands' data on stdout, output formats. Sits above `ops`: it may read ops' result
//! types and implements `ops::events::Events`; ops never imports it.
#![allow(clippy::print_stdout, clippy::print_stderr)] // the one place that prints

pub mod checks;
pub mod fleet;
pub mod injection;
pub mod progress;
pub mod proxy_reset;
pub mod version;

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::ops::error::OutputError;
use crate::util::serialize;
use progress::Mode;

/// How data on stdout is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Where stderr lines go: the terminal, each line prefixed with the context in a fleet run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Out {
    prefix: Option<Arc<str>>,
}

impl Out {
    fn say(&self, text: &str) {
        match &self.prefix {
            Some(p) if text.is_empty() => eprintln!("{}", p.trim_end()),
            Some(p) => {
                let mut out = String::new();
                for line in text.lines() {
                    out.push_str(p);
                    out.push_str(line);
                    out.push('\n');
                }
                eprint!("{out}");
            }
            None => eprintln!("{text}"),
        }
    }
}

/// The terminal, as ops' events receiver and as the printer of errors.
/// Verbosity: -1 quiet (errors only), 0 normal, 1 `-v`, 2 and more `-vv`.
#[derive(Debug, Clone)]
pub struct Ui {
    pub verbosity: i8,
    mode: Mode,
    out: Out,
}

impl Ui {
    pub fn new(verbosity: i8) -> Self {
        let mode = if verbosity < 0 {
            Mode::Quiet
        } else if std::io::stderr().is_terminal()
            && std::env::var_os("TERM").is_some_and(|t| t != "dumb")
        {
            Mode::Tty
        } else {
            Mode::Plain
        };
        Ui {
            verbosity,
            mode,
            out: Out::default(),
        }
    }

    /// One cluster of a fleet run: every stderr line prefixed with `[context] `, and never a
    /// spinner (several clusters share the terminal).
    pub fn for_context(verbosity: i8, context: &str) -> Self {
        Ui {
            verbosity,
            mode: if verbosity < 0 {
                Mode::Quiet
            } else {
                Mode::Plain
            },
            out: Out {
                prefix: Some(format!("[{context}] ").into()),
            },
        }
    }

    /// The same terminal, saying no more than `max` allows (`version` reports a cluster that
    /// is not there once, not as retries).
    pub fn capped(&self, max: i8) -> Ui {
        Ui {
            verbosity: self.verbosity.min(max),
            ..self.clone()
        }
    }

    pub fn quiet(&self) -> bool {
        self.verbosity < 0
    }

    /// Errors always print, even with -q: `error: <message>` and its causes, no debug dump.
    pub fn error(&self, err: &(dyn std::error::Error + 'static)) {
        self.out.say(&error_chain(err));
    }

    /// A failure that is a finding, not an error value (a canary wave that did not verify).
    pub fn error_text(&self, text: &str) {
        self.out.say(&format!("error: {text}"));
    }
}

/// The one error-chain formatter: `error: <message>`, then each cause the message does not
/// say itself. Errors in kyma-mesh either say their cause in their message or expose it as
/// `source()`, never both (ARCHITECTURE.md, checked by a test), so no text is compared here.
/// kube's own errors are never printed: their `Display` embeds Rust structures, and every
/// cluster error already says the API's words.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("error: {err}");
    if err.is::<crate::cluster::ClusterError>() {
        return out;
    }
    let mut cause = err.source();
    while let Some(c) = cause {
        if c.is::<kube::Error>() {
            break;
        }
        out.push_str(&format!("\n  caused by: {c}"));
        // A cluster error says the API's words itself; below it lies kube's.
        if c.is::<crate::cluster::ClusterError>() {
            break;
        }
        cause = c.source();
    }
    out
}

/// Writes data to stdout. A closed pipe (`kyma-mesh version | head -0`) ends the output
/// quietly, as ripgrep does: the reader has all it wanted.
/// A JSON document written to stdout while it is serialized (`commands::Done::json`): a
/// report of tens of thousands of pods is megabytes of text, and held whole in a `String`
/// before printing it was the largest allocation of a proxy-reset run.
pub struct JsonOut {
    what: &'static str,
    write: Box<WriteJson>,
}

type WriteJson = dyn Fn(&mut dyn Write) -> serde_json::Result<()>;

impl std::fmt::Debug for JsonOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JsonOut({})", self.what)
    }
}

impl JsonOut {
    /// What `write` writes of `data` ([`write_json`]: as `to_json` prints it), and a line end.
    pub fn new<D: 'static>(
        what: &'static str,
        data: D,
        write: impl Fn(&D, &mut dyn Write) -> serde_json::Result<()> + 'static,
    ) -> JsonOut {
        JsonOut {
            what,
            write: Box::new(move |w| {
                write(&data, w)?;
                w.write_all(b"\n").map_err(serde_json::Error::io)
            }),
        }
    }

    pub fn print(&self) -> Result<(), OutputError> {
        to_stdout(|out| {
            (self.write)(out).map_err(|e| {
                if e.is_io() {
                    OutputError::Write(e.into())
                } else {
                    OutputError::Json {
                        what: self.what,
                        cause: e,
                    }
                }
            })
        })
    }

    /// The document as a value (a fleet embeds it in its own list).
    pub fn to_value(&self) -> Result<serde_json::Value, OutputError> {
        let mut buf = Vec::new();
        (self.write)(&mut buf).map_err(|cause| OutputError::Json {
            what: self.what,
            cause,
        })?;
        serde_json::from_slice(&buf).map_err(|cause| OutputError::Json {
            what: self.what,
            cause,
        })
    }
}

/// `v` pretty-printed, as [`to_json`] prints it (without the line end).
pub fn write_json<T: Serialize + ?Sized>(w: &mut dyn Write, v: &T) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(w, v)
}

pub fn print(text: &str) -> Result<(), OutputError> {
    to_stdout(|out| out.write_all(text.as_bytes()).map_err(OutputError::Write))
}

/// What `write` writes, on stdout; a reader that closed the pipe (`| head`) is no error.
fn to_stdout(
    write: impl FnOnce(&mut dyn Write) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush().map_err(OutputError::Write)) {
        Err(OutputError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub fn to_yaml<T: Serialize>(what: &'static str, v: &T) -> Result<String, OutputError> {
    serialize::to_yaml(v).map_err(|cause| OutputError::Yaml { what, cause })
}

pub fn to_json<T: Serialize + ?Sized>(what: &'static str, v: &T) -> Result<String, OutputError> {
    serialize::to_json(v).map_err(|cause| OutputError::Json { what, cause })
}

pub fn format_value<T: Serialize>(
    what: &'static str,
    v: &T,
    format: Format,
) -> Result<String, OutputError> {
    match format {
        Format::Yaml => to_yaml(what, v),
        Format::Json => to_json(what, v),
    }
}
