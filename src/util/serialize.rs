//! Documents as text: the one YAML and JSON writer, so the plan, `render` and every
//! `--output` agree on layout. Serialising is not printing: ops builds documents, ui prints.

use serde::Serialize;

pub use serde_saphyr::SerializeError as YamlError;

pub fn to_yaml<T: Serialize>(v: &T) -> Result<String, YamlError> {
    let mut opts = serde_saphyr::SerializerOptions::default();
    // Long single-line strings (overlay paths) stay on one line instead of folding at 80.
    opts.folded_wrap_chars = 100_000;
    serde_saphyr::to_string_with_options(v, opts)
}

pub fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}
