//! What ops tells the user while it works, as events: messages, steps that start and finish,
//! counters over many items, lines under a step. ops only emits them; `ui` implements
//! [`Events`] and decides how they look (spinners on a terminal, timestamped lines in CI, a
//! context prefix in a fleet run, nothing with `-q`). This is the one way ops reaches the user
//! while it runs; what it found comes back as the command's return value.

use std::sync::Arc;

/// How a step, a check or a line ended. `ui` draws each as linkerd's marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Ok,
    Warn,
    Fail,
    /// Not run (a check whose prerequisite failed).
    Skip,
    /// A plain sub-line (a detail under a check).
    Plain,
}

/// How much a message matters: `-q` hides all but errors, `-v` shows `Debug`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Debug,
}

/// The receiver of ops' events. Implemented by `ui` (the terminal, a fleet's per-cluster
/// prefix) and by tests.
pub trait Events: Send + Sync {
    fn message(&self, level: Level, text: &str);
    /// A step begins; `long` steps are announced at once (a CI log then shows what is being
    /// waited for), quick ones only when they finish.
    fn start(&self, title: &str, long: bool) -> Box<dyn StepSink>;
    /// A counted piece of work (workloads restarted): a bar on a terminal.
    fn start_counter(&self, title: &str, total: u64) -> Box<dyn CounterSink>;
    /// A line of its own, outside any step.
    fn line(&self, mark: Option<Mark>, text: &str);
    /// Whether steps reach the screen (everything but `-q`): a closing error need not repeat
    /// what they said.
    fn shown(&self) -> bool;
    /// -1 quiet, 0 normal, 1 `-v`, 2 `-vv`: the cluster boundary's request log reads it.
    fn verbosity(&self) -> i8;
    /// An owned handle on the same receiver, for work that outlives a borrow (the request log).
    fn shared(&self) -> Arc<dyn Events>;
}

/// One running step, as its receiver sees it.
pub trait StepSink: Send + Sync {
    /// What the step is doing now (e.g. istioctl's latest line).
    fn update(&self, detail: &str);
    /// A line kept only at `-vv` (a child process's every line).
    fn trace(&self, text: &str);
    /// A finished part of the step, kept on screen.
    fn sub(&self, mark: Mark, text: &str);
    fn finish(&mut self, mark: Mark, result: &str);
}

/// One running counter, as its receiver sees it.
pub trait CounterSink: Send + Sync {
    fn done(&self, mark: Mark, line: &str);
    fn finish(&mut self);
}

impl dyn Events + '_ {
    pub fn info(&self, text: &str) {
        self.message(Level::Info, text);
    }

    pub fn warn(&self, text: &str) {
        self.message(Level::Warn, text);
    }

    pub fn debug(&self, text: &str) {
        self.message(Level::Debug, text);
    }

    /// Starts a quick step; finish it with `ok`, `warn` or `fail`.
    pub fn step(&self, title: impl Into<String>) -> Step {
        Step(self.start(&title.into(), false))
    }

    /// Starts a step that may take a while.
    pub fn long_step(&self, title: impl Into<String>) -> Step {
        Step(self.start(&title.into(), true))
    }

    pub fn counter(&self, title: impl Into<String>, total: u64) -> Counter {
        Counter(self.start_counter(&title.into(), total))
    }

    /// A line with a mark (`√ dry run: nothing was changed`).
    pub fn note(&self, mark: Mark, text: &str) {
        self.line(Some(mark), text);
    }

    /// A plain line (a heading, an indented detail).
    pub fn plain(&self, text: &str) {
        self.line(None, text);
    }
}

/// A running step; it ends with `ok`, `warn` or `fail` (dropped unfinished, it vanishes).
pub struct Step(Box<dyn StepSink>);

impl Step {
    pub fn update(&self, detail: &str) {
        self.0.update(detail);
    }

    pub fn trace(&self, text: &str) {
        self.0.trace(text);
    }

    pub fn sub(&self, mark: Mark, text: &str) {
        self.0.sub(mark, text);
    }

    pub fn ok(self, result: &str) {
        self.finish(Mark::Ok, result);
    }

    pub fn fail(self, result: &str) {
        self.finish(Mark::Fail, result);
    }

    pub fn finish(mut self, mark: Mark, result: &str) {
        self.0.finish(mark, result);
    }
}

/// A running counter.
pub struct Counter(Box<dyn CounterSink>);

impl Counter {
    /// One item done; `line` is kept on screen (`  √ Deployment shop/orders`).
    pub fn done(&self, mark: Mark, line: &str) {
        self.0.done(mark, line);
    }

    pub fn finish(mut self) {
        self.0.finish();
    }
}

/// Events nobody sees: for work whose progress is not wanted (a fleet's version probe) and
/// for tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

struct Nothing;

impl StepSink for Nothing {
    fn update(&self, _: &str) {}
    fn trace(&self, _: &str) {}
    fn sub(&self, _: Mark, _: &str) {}
    fn finish(&mut self, _: Mark, _: &str) {}
}

impl CounterSink for Nothing {
    fn done(&self, _: Mark, _: &str) {}
    fn finish(&mut self) {}
}

impl Events for Silent {
    fn message(&self, _: Level, _: &str) {}
    fn start(&self, _: &str, _: bool) -> Box<dyn StepSink> {
        Box::new(Nothing)
    }
    fn start_counter(&self, _: &str, _: u64) -> Box<dyn CounterSink> {
        Box::new(Nothing)
    }
    fn line(&self, _: Option<Mark>, _: &str) {}
    fn shown(&self) -> bool {
        false
    }
    fn verbosity(&self) -> i8 {
        -1
    }
    fn shared(&self) -> Arc<dyn Events> {
        Arc::new(Silent)
    }
}
