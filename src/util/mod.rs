//! Small primitives every layer may use (they import nothing from the crate): durations as
//! people read and type them.

pub mod duration;
pub mod serialize;
pub mod text;

pub use duration::{fmt_duration, parse_duration};
pub use text::{Sample, capped, indented, plural};
