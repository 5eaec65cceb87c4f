//! Paths into an IstioOperator document: the one path type of `config/`, with one syntax.
//!
//! The syntax is istioctl's `--set` syntax, so every path kyma-mesh prints can be pasted back
//! into `--set`: keys joined by `.`, `\` escaping a `.`, `[`, `]`, `=` or `\` inside a key
//! (`podAnnotations.sidecar\.istio\.io/inject`), `[N]` for a list index and `[key:value]` for
//! the list item whose `key` is `value` (`ingressGateways[name:istio-ingressgateway]`).
//! Inside a selector, `\` escapes `]`, `:` and `\`.

use std::fmt::{self, Write};
use std::ops::Deref;
use std::str::FromStr;

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// A map key.
    Key(String),
    /// A list index (0-based).
    Index(usize),
    /// The list item whose `key` field is `value` (`[name:istio-ingressgateway]`).
    Select { key: String, value: String },
}

impl Step {
    pub fn as_key(&self) -> Option<&str> {
        match self {
            Step::Key(k) => Some(k),
            _ => None,
        }
    }
}

impl From<&str> for Step {
    fn from(key: &str) -> Self {
        Step::Key(key.to_string())
    }
}

impl From<usize> for Step {
    fn from(index: usize) -> Self {
        Step::Index(index)
    }
}

/// A path into a document; `Display` prints the `--set` syntax and [`Path::parse`] reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Path(Vec<Step>);

impl Path {
    pub fn new() -> Path {
        Path(Vec::new())
    }

    pub fn push(&mut self, step: impl Into<Step>) {
        self.0.push(step.into());
    }

    pub fn pop(&mut self) -> Option<Step> {
        self.0.pop()
    }

    /// This path with one more step.
    pub fn join(&self, step: impl Into<Step>) -> Path {
        let mut p = self.clone();
        p.push(step);
        p
    }

    /// Drops the first step (a leading `spec` in `--set`).
    pub fn remove_first(&mut self) -> Option<Step> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }

    /// The last map key of the path, skipping list steps.
    pub fn last_key(&self) -> Option<&str> {
        self.0.iter().rev().find_map(Step::as_key)
    }

    /// Parses the `--set` path syntax.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        parse(text).map_err(|message| PathError {
            path: text.to_string(),
            message,
        })
    }
}

impl Deref for Path {
    type Target = [Step];
    fn deref(&self) -> &[Step] {
        &self.0
    }
}

impl From<Vec<Step>> for Path {
    fn from(steps: Vec<Step>) -> Self {
        Path(steps)
    }
}

impl<S: Into<Step>> FromIterator<S> for Path {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Path(iter.into_iter().map(Into::into).collect())
    }
}

impl FromStr for Path {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Path, PathError> {
        Path::parse(s)
    }
}

/// `spec.components.ingressGateways[0].k8s.serviceAnnotations.dns\.gardener\.cloud/class`.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    escape(f, k, &['.', '[', ']', '=', '\\'])?;
                }
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Select { key, value } => {
                    f.write_char('[')?;
                    escape(f, key, &[':', ']', '\\'])?;
                    f.write_char(':')?;
                    escape(f, value, &[']', '\\'])?;
                    f.write_char(']')?;
                }
            }
        }
        Ok(())
    }
}

fn escape(f: &mut fmt::Formatter<'_>, text: &str, special: &[char]) -> fmt::Result {
    for c in text.chars() {
        if special.contains(&c) {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}

/// `text` in double quotes as the user typed it: backslashes stay single (Rust's `{:?}` would
/// double them, and `a\.b` is what the user wrote); only control characters are escaped.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A path that does not parse, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PathError {
    pub path: String,
    pub message: String,
}

/// Deeper than any field of the IstioOperator API (the deepest are about 15 steps); the cap
/// keeps a pasted monster from building a tree that every recursive pass must descend.
pub const MAX_DEPTH: usize = 64;

fn parse(text: &str) -> Result<Path, String> {
    if text.is_empty() {
        return Err("the path is empty".into());
    }
    let mut steps = Vec::new();
    let mut key = String::new();
    let mut chars = text.chars().peekable();
    // After `]` a key needs a `.` first; `a[0]b` is a typo, not a key.
    let mut after_bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => key.push(n),
                None => return Err("the path ends with a lone backslash".into()),
            },
            '.' => {
                if key.is_empty() && !after_bracket {
                    return Err(format!("empty key in path {}", quoted(text)));
                }
                if !key.is_empty() {
                    steps.push(Step::Key(std::mem::take(&mut key)));
                }
                after_bracket = false;
                if chars.peek().is_none() {
                    return Err(format!("the path {} ends with '.'", quoted(text)));
                }
            }
            '[' => {
                if !key.is_empty() {
                    steps.push(Step::Key(std::mem::take(&mut key)));
                }
                steps.push(bracket(&mut chars, text)?);
                after_bracket = true;
                if let Some(&n) = chars.peek()
                    && n != '.'
                    && n != '['
                {
                    return Err(format!(
                        "expected '.' or '[' after ']' in path {}",
                        quoted(text)
                    ));
                }
            }
            ']' => return Err(format!("unexpected ']' in path {}", quoted(text))),
            c => key.push(c),
        }
        if steps.len() > MAX_DEPTH {
            return Err(format!(
                "the path has more than {MAX_DEPTH} steps; no IstioOperator field is that deep"
            ));
        }
    }
    if !key.is_empty() {
        steps.push(Step::Key(key));
    }
    if steps.len() > MAX_DEPTH {
        return Err(format!(
            "the path has more than {MAX_DEPTH} steps; no IstioOperator field is that deep"
        ));
    }
    Ok(Path(steps))
}

/// The inside of `[...]`, the `[` already read: an index or a `key:value` selector.
fn bracket(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    text: &str,
) -> Result<Step, String> {
    let mut key = String::new();
    let mut value: Option<String> = None;
    loop {
        let c = match chars.next() {
            Some(']') => break,
            Some('\\') => match chars.next() {
                Some(c) => c,
                None => return Err("the path ends with a lone backslash".into()),
            },
            Some(':') if value.is_none() => {
                value = Some(String::new());
                continue;
            }
            Some(c) => c,
            None => return Err(format!("unclosed '[' in path {}", quoted(text))),
        };
        match &mut value {
            Some(v) => v.push(c),
            None => key.push(c),
        }
    }
    match value {
        Some(value) if !key.is_empty() && !value.is_empty() => Ok(Step::Select { key, value }),
        Some(value) => Err(format!("selector [{key}:{value}] must be [key:value]")),
        None if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => key
            .parse::<usize>()
            .map(Step::Index)
            .map_err(|_| format!("list index [{key}] is too large")),
        None => Err(format!(
            "[{key}] is neither a list index nor a [key:value] selector"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Path {
        Path::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn keys_indexes_and_selectors() {
        assert_eq!(
            p("components.ingressGateways[name:istio-ingressgateway].k8s.env[0].value"),
            Path::from(vec![
                Step::from("components"),
                Step::from("ingressGateways"),
                Step::Select {
                    key: "name".into(),
                    value: "istio-ingressgateway".into()
                },
                Step::from("k8s"),
                Step::from("env"),
                Step::Index(0),
                Step::from("value"),
            ])
        );
        assert_eq!(p("[0]"), Path::from(vec![Step::Index(0)]));
        assert_eq!(
            p("a[0][1]"),
            Path::from_iter([Step::from("a"), 0.into(), 1.into()])
        );
    }

    #[test]
    fn escapes() {
        let path = p(r"podAnnotations.sidecar\.istio\.io/inject");
        assert_eq!(path[1], Step::from("sidecar.istio.io/inject"));
        assert_eq!(
            path.to_string(),
            r"podAnnotations.sidecar\.istio\.io/inject"
        );
        let path = p(r"l[a\:b:c\]d]");
        assert_eq!(
            path[1],
            Step::Select {
                key: "a:b".into(),
                value: "c]d".into()
            }
        );
        assert_eq!(path.to_string(), r"l[a\:b:c\]d]");
    }

    #[test]
    fn display_is_the_set_syntax() {
        let path = Path::from_iter([
            Step::from("spec"),
            Step::from("components"),
            Step::from("ingressGateways"),
            Step::Index(0),
            Step::from("k8s"),
            Step::from("serviceAnnotations"),
            Step::from("dns.gardener.cloud/class"),
        ]);
        assert_eq!(
            path.to_string(),
            r"spec.components.ingressGateways[0].k8s.serviceAnnotations.dns\.gardener\.cloud/class"
        );
        assert_eq!(p(&path.to_string()), path);
        assert_eq!(Path::new().to_string(), "");
        assert_eq!(Path::from_iter([Step::from("a=b")]).to_string(), r"a\=b");
    }

    #[test]
    fn quoting_keeps_backslashes_single() {
        assert_eq!(quoted(r"a\.b"), r#""a\.b""#);
        assert_eq!(quoted("a\tb"), r#""a\tb""#);
        let e = Path::parse(r"x\.y..z").unwrap_err();
        assert_eq!(e.message, r#"empty key in path "x\.y..z""#);
    }

    #[test]
    fn malformed_paths_say_why() {
        for (text, needle) in [
            ("", "empty"),
            ("a..b", "empty key"),
            (".a", "empty key"),
            ("a.", "ends with '.'"),
            ("a[0].", "ends with '.'"),
            ("a[0", "unclosed"),
            ("a]", "unexpected ']'"),
            ("a[0]b", "expected '.' or '['"),
            ("a[x]", "neither a list index"),
            ("a[]", "neither a list index"),
            ("a[+1]", "neither a list index"),
            ("a[:x]", "must be [key:value]"),
            ("a[x:]", "must be [key:value]"),
            ("a\\", "lone backslash"),
            ("a[99999999999999999999999]", "too large"),
        ] {
            let e = Path::parse(text).unwrap_err();
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
        let deep = vec!["a"; MAX_DEPTH + 1].join(".");
        assert!(
            Path::parse(&deep)
                .unwrap_err()
                .message
                .contains("more than 64")
        );
        assert!(Path::parse(&vec!["a"; MAX_DEPTH].join(".")).is_ok());
    }
}
