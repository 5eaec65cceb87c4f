//! One cluster of a fleet run, as the rest of `ui` sees it: the context prefixed to every
//! stderr line, stdout kept for the summary (one JSON list, or one block per cluster), and the
//! notes of what needs a hand.
//!
//! Each cluster runs its command on its own thread (the runtime's main future is polled
//! there), so the sink is thread-local: the commands print as they always do and need not know
//! they are part of a fleet.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct Sink {
    prefix: String,
    stdout: Mutex<String>,
    notes: Mutex<Vec<String>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Sink>>> = const { RefCell::new(None) };
}

impl Sink {
    pub fn new(context: &str) -> Arc<Sink> {
        Arc::new(Sink {
            prefix: format!("[{context}] "),
            ..Sink::default()
        })
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }
}

/// Makes `sink` this thread's until the guard drops.
pub fn enter(sink: Arc<Sink>) -> Guard {
    CURRENT.with(|c| *c.borrow_mut() = Some(sink));
    Guard(())
}

pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        CURRENT.with(|c| *c.borrow_mut() = None);
    }
}

pub(super) fn current() -> Option<Arc<Sink>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Writes one message to stderr, each line prefixed with the context in a fleet run.
pub(super) fn stderr(text: &str) {
    #[allow(clippy::print_stderr)] // ui is the one place that prints
    match current() {
        Some(s) if text.is_empty() => eprintln!("{}", s.prefix.trim_end()),
        Some(s) => {
            let mut out = String::new();
            for line in text.lines() {
                out.push_str(&s.prefix);
                out.push_str(line);
                out.push('\n');
            }
            eprint!("{out}");
        }
        None => eprintln!("{text}"),
    }
}

/// Keeps stdout for the summary; `false` outside a fleet run.
pub(super) fn capture(text: &str) -> bool {
    match current() {
        Some(s) => {
            if let Ok(mut out) = s.stdout.lock() {
                out.push_str(text);
            }
            true
        }
        None => false,
    }
}

/// Something on this cluster needs a hand (for the summary's last column); nothing outside a
/// fleet run, where the command's own output says it.
pub fn needs_a_hand(note: impl Into<String>) {
    if let Some(s) = current()
        && let Ok(mut notes) = s.notes.lock()
    {
        notes.push(note.into());
    }
}

/// Whether this thread works for a fleet (progress then never draws spinners: several
/// clusters share the terminal).
pub fn active() -> bool {
    current().is_some()
}
