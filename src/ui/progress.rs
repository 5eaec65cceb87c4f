//! Progress of long work on stderr: a spinner per step on a terminal, plain timestamped lines
//! when stderr is not a terminal (CI logs), nothing with `-q`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Ui;

/// stderr, through the fleet sink (a context prefix in a fleet run).
macro_rules! say {
    ($($t:tt)*) => { super::fleet::stderr(&format!($($t)*)) };
}
use crate::util::fmt_duration;

/// The marks linkerd's `check` uses: done, warning, failed; and ours for a check not run.
pub const OK: &str = "√";
pub const WARN: &str = "‼";
pub const FAIL: &str = "×";
pub const SKIP: &str = "○";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Quiet,
    Plain,
    Tty,
}

#[derive(Debug, Clone)]
pub struct Progress {
    mode: Mode,
    verbose: bool,
    /// `-vv`: every line of a child process too.
    trace: bool,
}

impl Progress {
    pub fn new(ui: &Ui) -> Progress {
        let mode = if ui.quiet() {
            Mode::Quiet
        } else if !super::fleet::active()
            && std::io::stderr().is_terminal()
            && std::env::var_os("TERM").is_some_and(|t| t != "dumb")
        {
            Mode::Tty
        } else {
            Mode::Plain
        };
        Progress {
            mode,
            verbose: ui.verbosity > 0,
            trace: ui.verbosity > 1,
        }
    }

    /// Whether steps reach the screen (everything but `-q`): a closing error need not repeat
    /// what they said.
    pub fn shown(&self) -> bool {
        self.mode != Mode::Quiet
    }

    /// Starts a quick step; finish it with `ok`, `warn` or `fail`. In plain mode only the
    /// result is printed (the start too with -v).
    pub fn step(&self, title: impl Into<String>) -> Step {
        self.start(title.into(), self.verbose)
    }

    /// Starts a step that may take a while: plain mode announces it, so a CI log shows what
    /// is being waited for.
    pub fn long_step(&self, title: impl Into<String>) -> Step {
        self.start(title.into(), true)
    }

    fn start(&self, title: String, announce: bool) -> Step {
        let bar = match self.mode {
            Mode::Tty => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(title.clone());
                bar.enable_steady_tick(Duration::from_millis(100));
                Some(bar)
            }
            Mode::Plain => {
                if announce {
                    say!("{} {title}...", timestamp());
                }
                None
            }
            Mode::Quiet => None,
        };
        Step {
            title,
            bar,
            mode: self.mode,
            verbose: self.verbose,
            trace: self.trace,
            started: Instant::now(),
        }
    }

    /// A bar counting `total` items (workloads) on a terminal; a plain line per item otherwise.
    pub fn counter(&self, title: impl Into<String>, total: u64) -> Counter {
        let title = title.into();
        let bar = match self.mode {
            Mode::Tty => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed:.dim}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_message(title.clone());
                bar.enable_steady_tick(Duration::from_millis(200));
                Some(bar)
            }
            Mode::Plain => {
                say!("{} {title} ({total})...", timestamp());
                None
            }
            Mode::Quiet => None,
        };
        Counter {
            bar,
            mode: self.mode,
        }
    }

    /// A line of its own (a sub-result, a note).
    pub fn line(&self, text: &str) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Plain => say!("{} {text}", timestamp()),
            Mode::Tty => say!("{text}"),
        }
    }
}

pub struct Step {
    title: String,
    bar: Option<ProgressBar>,
    mode: Mode,
    verbose: bool,
    trace: bool,
    started: Instant,
}

impl Step {
    /// Shows what the step is doing now (e.g. istioctl's latest line).
    pub fn update(&self, detail: &str) {
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.set_message(format!("{}: {detail}", self.title)),
            (None, Mode::Plain) if self.verbose => say!("{}   {detail}", timestamp()),
            _ => {}
        }
    }

    /// A line kept only at `-vv` (istioctl's every output line).
    pub fn trace(&self, text: &str) {
        if !self.trace {
            return;
        }
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.println(format!("    {text}")),
            (None, Mode::Plain) => say!("{}     {text}", timestamp()),
            _ => {}
        }
    }

    /// A finished part of the step, kept on screen (`  √ Istiod installed`).
    pub fn sub(&self, mark: &str, text: &str) {
        let line = format!("  {mark} {text}");
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.println(line),
            (None, Mode::Plain) => say!("{} {line}", timestamp()),
            _ => {}
        }
    }

    pub fn ok(self, result: &str) {
        self.finish(OK, result);
    }

    pub fn warn(self, result: &str) {
        self.finish(WARN, result);
    }

    pub fn fail(self, result: &str) {
        self.finish(FAIL, result);
    }

    pub fn skip(self, result: &str) {
        self.finish(SKIP, result);
    }

    fn finish(mut self, mark: &str, result: &str) {
        let took = fmt_duration(self.started.elapsed());
        let text = if result.is_empty() {
            format!("{mark} {} ({took})", self.title)
        } else {
            format!("{mark} {}: {result} ({took})", self.title)
        };
        match (self.bar.take(), self.mode) {
            (Some(bar), _) => {
                bar.finish_and_clear();
                say!("{text}");
            }
            (None, Mode::Plain) => say!("{} {text}", timestamp()),
            _ => {}
        }
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// See [`Progress::counter`].
pub struct Counter {
    bar: Option<ProgressBar>,
    mode: Mode,
}

impl Counter {
    /// One item done; `line` is kept on screen (`  √ Deployment shop/orders`).
    pub fn done(&self, mark: &str, line: &str) {
        let line = format!("  {mark} {line}");
        match (&self.bar, self.mode) {
            (Some(bar), _) => {
                bar.println(line);
                bar.inc(1);
            }
            (None, Mode::Plain) => say!("{} {line}", timestamp()),
            _ => {}
        }
    }

    pub fn finish(mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn timestamp() -> String {
    jiff::Timestamp::now().strftime("%H:%M:%S").to_string()
}
