//! Pure configuration: profiles + overrides -> merged IstioOperator. No I/O but reading files.

pub mod merge;
pub mod schema;
pub mod tree;
