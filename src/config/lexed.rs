//! The YAML parser's events reduced to what the located tree (`tree.rs`) is built from.
//!
//! build.rs includes this file too (std and granit-parser only, no `crate::` paths): it lexes
//! the embedded profiles at build time with this same code, so a render builds the profile's
//! tree from the stored events instead of scanning its YAML again (a third of what a small
//! render spent above process start). `tree::fast` builds the tree from these events either way.
//! Stored, the events hold no pointers ([`Packed`]: numbers into one string of scalar values),
//! so they stay in read-only data the loader neither relocates nor touches at every start.

use std::borrow::Cow;

use granit_parser::{Event, ScalarStyle, Span};

/// One event the tree builder acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev<'a> {
    /// A scalar without anchor or tag, and whether it is plain (unquoted, not a block scalar):
    /// only plain scalars can be anything but a string.
    Scalar(Cow<'a, str>, bool),
    SeqStart,
    MapStart,
    SeqEnd,
    MapEnd,
    DocEnd,
    /// What the fast path leaves to serde-saphyr: anchors, aliases, tags, a syntax error.
    Other,
}

/// An event and where it starts (1-based line and column, before any shift).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed<'a> {
    pub ev: Ev<'a>,
    pub line: u32,
    pub col: u32,
}

/// One parser item as the builder sees it; `None` for what it skips (stream and document
/// starts, comments).
pub fn lex<'a, E>(item: Result<(Event<'a>, Span), E>) -> Option<Lexed<'a>> {
    let Ok((event, span)) = item else {
        return Some(Lexed {
            ev: Ev::Other,
            line: 0,
            col: 0,
        });
    };
    let ev = match event {
        Event::StreamStart | Event::StreamEnd | Event::DocumentStart(..) => return None,
        Event::DocumentEnd => Ev::DocEnd,
        Event::Scalar(value, style, 0, None) => Ev::Scalar(value, style == ScalarStyle::Plain),
        Event::SequenceStart(_, 0, None) => Ev::SeqStart,
        Event::MappingStart(_, 0, None) => Ev::MapStart,
        Event::SequenceEnd => Ev::SeqEnd,
        Event::MappingEnd => Ev::MapEnd,
        // comments; anything that needs serde-saphyr's handling (aliases, anchors, tags, ...)
        #[allow(unreachable_patterns)]
        Event::Comment(..) => return None,
        _ => Ev::Other,
    };
    Some(Lexed {
        ev,
        line: span.start.line() as u32,
        col: span.start.col() as u32 + 1,
    })
}

/// A stored event: its kind, where it starts and, for a scalar, where its value lies in
/// [`Stored::values`].
#[derive(Debug, Clone, Copy)]
pub struct Packed {
    pub kind: PackedKind,
    pub line: u32,
    pub col: u32,
    pub start: u32,
    pub end: u32,
}

/// [`Ev`] without its value; build.rs writes these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackedKind {
    Quoted,
    Plain,
    SeqStart,
    MapStart,
    SeqEnd,
    MapEnd,
    DocEnd,
}

/// A text's events as build.rs stored them.
pub struct Stored {
    pub events: &'static [Packed],
    /// Every scalar's value, one after the other.
    pub values: &'static str,
}

impl Stored {
    pub fn lexed(&self) -> impl Iterator<Item = Lexed<'static>> + '_ {
        self.events.iter().map(|p| {
            let value = || Cow::Borrowed(&self.values[p.start as usize..p.end as usize]);
            let ev = match p.kind {
                PackedKind::Quoted => Ev::Scalar(value(), false),
                PackedKind::Plain => Ev::Scalar(value(), true),
                PackedKind::SeqStart => Ev::SeqStart,
                PackedKind::MapStart => Ev::MapStart,
                PackedKind::SeqEnd => Ev::SeqEnd,
                PackedKind::MapEnd => Ev::MapEnd,
                PackedKind::DocEnd => Ev::DocEnd,
            };
            Lexed {
                ev,
                line: p.line,
                col: p.col,
            }
        })
    }
}
