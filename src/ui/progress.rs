//! The terminal's side of ops' events: a spinner per step on a terminal, plain timestamped
//! lines when stderr is not a terminal (CI logs) or several clusters share it (a fleet), and
//! nothing with `-q`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ops::events::{CounterSink, Events, Level, Mark, StepSink};
use crate::util::fmt_duration;

use super::{Out, Ui};

/// The marks linkerd's `check` uses: done, warning, failed; and one of ours for skipped.
pub const OK: &str = "√";
pub const WARN: &str = "‼";
pub const FAIL: &str = "×";
pub const SKIP: &str = "○";

pub fn mark(m: Mark) -> &'static str {
    match m {
        Mark::Ok => OK,
        Mark::Warn => WARN,
        Mark::Fail => FAIL,
        Mark::Skip => SKIP,
        Mark::Plain => " ",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Quiet,
    Plain,
    Tty,
}

impl Events for Ui {
    fn message(&self, level: Level, text: &str) {
        match level {
            Level::Info if !self.quiet() => self.out.say(text),
            Level::Warn if !self.quiet() => self.out.say(&format!("warning: {text}")),
            Level::Debug if self.verbosity > 0 => self.out.say(text),
            _ => {}
        }
    }

    fn start(&self, title: &str, long: bool) -> Box<dyn StepSink> {
        let announce = long || self.verbosity > 0;
        let bar = match self.mode {
            Mode::Tty => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(title.to_string());
                bar.enable_steady_tick(Duration::from_millis(100));
                Some(bar)
            }
            Mode::Plain => {
                if announce {
                    self.out.say(&format!("{} {title}...", timestamp()));
                }
                None
            }
            Mode::Quiet => None,
        };
        Box::new(Step {
            title: title.to_string(),
            bar,
            mode: self.mode,
            verbose: self.verbosity > 0,
            trace: self.verbosity > 1,
            started: Instant::now(),
            out: self.out.clone(),
        })
    }

    fn start_counter(&self, title: &str, total: u64) -> Box<dyn CounterSink> {
        let bar = match self.mode {
            Mode::Tty => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed:.dim}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_message(title.to_string());
                bar.enable_steady_tick(Duration::from_millis(200));
                Some(bar)
            }
            Mode::Plain => {
                self.out
                    .say(&format!("{} {title} ({total})...", timestamp()));
                None
            }
            Mode::Quiet => None,
        };
        Box::new(Counter {
            bar,
            mode: self.mode,
            out: self.out.clone(),
        })
    }

    fn line(&self, m: Option<Mark>, text: &str) {
        let text = match m {
            Some(m) => format!("{} {text}", mark(m)),
            None => text.to_string(),
        };
        match self.mode {
            Mode::Quiet => {}
            Mode::Plain => self.out.say(&format!("{} {text}", timestamp())),
            Mode::Tty => self.out.say(&text),
        }
    }

    fn shown(&self) -> bool {
        self.mode != Mode::Quiet
    }

    fn verbosity(&self) -> i8 {
        self.verbosity
    }

    fn shared(&self) -> Arc<dyn Events> {
        Arc::new(self.clone())
    }
}

struct Step {
    title: String,
    bar: Option<ProgressBar>,
    mode: Mode,
    verbose: bool,
    trace: bool,
    started: Instant,
    out: Out,
}

impl StepSink for Step {
    fn update(&self, detail: &str) {
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.set_message(format!("{}: {detail}", self.title)),
            (None, Mode::Plain) if self.verbose => {
                self.out.say(&format!("{}   {detail}", timestamp()))
            }
            _ => {}
        }
    }

    fn trace(&self, text: &str) {
        if !self.trace {
            return;
        }
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.println(format!("    {text}")),
            (None, Mode::Plain) => self.out.say(&format!("{}     {text}", timestamp())),
            _ => {}
        }
    }

    fn sub(&self, m: Mark, text: &str) {
        let line = format!("  {} {text}", mark(m));
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.println(line),
            (None, Mode::Plain) => self.out.say(&format!("{} {line}", timestamp())),
            _ => {}
        }
    }

    fn finish(&mut self, m: Mark, result: &str) {
        let took = fmt_duration(self.started.elapsed());
        let mark = mark(m);
        let text = if result.is_empty() {
            format!("{mark} {} ({took})", self.title)
        } else {
            format!("{mark} {}: {result} ({took})", self.title)
        };
        match (self.bar.take(), self.mode) {
            (Some(bar), _) => {
                bar.finish_and_clear();
                self.out.say(&text);
            }
            (None, Mode::Plain) => self.out.say(&format!("{} {text}", timestamp())),
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

struct Counter {
    bar: Option<ProgressBar>,
    mode: Mode,
    out: Out,
}

impl CounterSink for Counter {
    fn done(&self, m: Mark, line: &str) {
        let line = format!("  {} {line}", mark(m));
        match (&self.bar, self.mode) {
            (Some(bar), _) => {
                bar.println(line);
                bar.inc(1);
            }
            (None, Mode::Plain) => self.out.say(&format!("{} {line}", timestamp())),
            _ => {}
        }
    }

    fn finish(&mut self) {
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
