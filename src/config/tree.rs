//! A YAML/JSON value tree in which every node remembers where it came from.
//!
//! serde_json::Value carries no positions, and the merge must keep, for every leaf, the
//! source that set it (for `--explain` and for located validation errors). serde-saphyr's
//! `Spanned` gives positions while parsing; this module turns them into [`Node`]s that carry
//! an [`Origin`] (source label + line:column) through the merge.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;
use serde_saphyr::budget::BudgetBreach;

use super::lexed::Lexed;
use super::path::Step;

/// Where a value was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// One of the embedded profiles, e.g. `profile cluster`.
    Profile(String),
    /// A file given with `-o` (or `-` for stdin).
    File(String),
    /// The N-th `--set` argument (1-based) and its text.
    Set(usize, String),
    /// A ConfigMap in the cluster, `NS/NAME`.
    ConfigMap(String),
    /// A built-in flag such as `--sidecar-injection`.
    Flag(String),
    /// An override held as a (non-block) string inside another source; positions are
    /// relative to the string.
    Embedded { outer: String, key: String },
    /// A value mapped from a field of the Kyma Istio module's `Istio` resource: `outer` names
    /// the resource's source, `field` the field (`spec.config.trustDomain`); positions are
    /// the field's in `outer`.
    IstioField { outer: String, field: String },
    /// An object read from the cluster, e.g. `Istio kyma-system/default`; positions are in
    /// its YAML as kyma-mesh serialised it.
    Resource(String),
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceKind::Profile(p) => write!(f, "profile {p}"),
            SourceKind::File(p) => write!(f, "{p}"),
            SourceKind::Set(n, _) => write!(f, "--set #{n}"),
            SourceKind::ConfigMap(c) => write!(f, "configmap {c}"),
            SourceKind::Flag(s) => write!(f, "{s}"),
            SourceKind::Embedded { outer, key } => write!(f, "{outer} [{key}]"),
            SourceKind::IstioField { outer, field } => write!(f, "{outer} (Istio {field})"),
            SourceKind::Resource(r) => write!(f, "{r}"),
        }
    }
}

/// The origin of one node: its source, and for text sources the 1-based line and column.
///
/// For an override embedded as a string in a ConfigMap key, `line`/`col` are already
/// translated to positions in the outer file, so editors jump to the right place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source: Arc<SourceKind>,
    pub line: u32,
    pub col: u32,
}

impl Origin {
    pub fn new(source: Arc<SourceKind>, line: u32, col: u32) -> Self {
        Origin { source, line, col }
    }

    /// The order in which findings are reported: by source, in layer order (profile, flags,
    /// cluster ConfigMaps, files by name, `--set` by number), then by line and column.
    pub fn sort_key(&self) -> (u8, &str, &str, usize, u32, u32) {
        let (rank, name, sub, n) = match &*self.source {
            SourceKind::Profile(p) => (0, p.as_str(), "", 0),
            SourceKind::Flag(f) => (1, f.as_str(), "", 0),
            SourceKind::ConfigMap(c) => (2, c.as_str(), "", 0),
            SourceKind::File(f) => (3, f.as_str(), "", 0),
            SourceKind::Embedded { outer, key } => (3, outer.as_str(), key.as_str(), 0),
            SourceKind::IstioField { outer, .. } => (3, outer.as_str(), "", 0),
            SourceKind::Resource(r) => (2, r.as_str(), "", 0),
            SourceKind::Set(n, _) => (4, "", "", *n),
        };
        (rank, name, sub, n, self.line, self.col)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.source {
            // `o.yaml:7:5 (Istio spec.config.trustDomain)`: the position stays next to the file.
            SourceKind::IstioField { outer, field } if self.line > 0 => {
                write!(f, "{outer}:{}:{} (Istio {field})", self.line, self.col)
            }
            SourceKind::File(_)
            | SourceKind::ConfigMap(_)
            | SourceKind::Embedded { .. }
            | SourceKind::Resource(_)
                if self.line > 0 =>
            {
                write!(f, "{}:{}:{}", self.source, self.line, self.col)
            }
            _ => write!(f, "{}", self.source),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// Numbers keep serde_json's representation so integers stay integers.
    Number(serde_json::Number),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    /// Where the key itself is written: unknown-field errors point here.
    pub key_origin: Origin,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub origin: Origin,
    pub kind: Kind,
}

impl Node {
    pub fn new(kind: Kind, origin: Origin) -> Self {
        Node { origin, kind }
    }

    /// Builds a tree from a JSON value, every node attributed to `origin`.
    pub fn from_json(v: &Value, origin: &Origin) -> Node {
        let kind = match v {
            Value::Null => Kind::Null,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Number(n) => Kind::Number(n.clone()),
            Value::String(s) => Kind::Str(s.clone()),
            Value::Array(a) => Kind::Seq(a.iter().map(|x| Node::from_json(x, origin)).collect()),
            Value::Object(m) => Kind::Map(
                m.iter()
                    .map(|(k, x)| Entry {
                        key: k.clone(),
                        key_origin: origin.clone(),
                        value: Node::from_json(x, origin),
                    })
                    .collect(),
            ),
        };
        Node::new(kind, origin.clone())
    }

    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(n) => Value::Number(n.clone()),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Whether this list item is the one `[key:value]` selects: its `key` field, a scalar,
    /// reads as `value`.
    pub fn selected_by(&self, key: &str, value: &str) -> bool {
        self.get(key)
            .and_then(Node::scalar_text)
            .is_some_and(|v| v == value)
    }

    /// A scalar's text as `--set` would have typed it (`true`, `3`, `x`); None for the rest.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Number(n) => Some(n.to_string()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    pub fn type_name(&self) -> &'static str {
        kind_name(&self.kind)
    }

    /// Follows a path of keys and indexes. Returns the deepest node reached and, when the last
    /// step was a map key, that entry (so callers can point at the key).
    pub fn walk<'a>(&'a self, path: &[Step]) -> Walked<'a> {
        let mut node = self;
        let mut entry = None;
        for step in path {
            let next = match (step, &node.kind) {
                (Step::Key(k), Kind::Map(entries)) => {
                    entries.iter().find(|e| &e.key == k).inspect(|e| {
                        entry = Some(*e);
                    })
                }
                .map(|e| &e.value),
                (Step::Index(n), Kind::Seq(items)) => {
                    entry = None;
                    items.get(*n)
                }
                (Step::Select { key, value }, Kind::Seq(items)) => {
                    entry = None;
                    items.iter().find(|it| it.selected_by(key, value))
                }
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => {
                    return Walked {
                        node,
                        entry: None,
                        complete: false,
                    };
                }
            }
        }
        Walked {
            node,
            entry,
            complete: true,
        }
    }
}

pub struct Walked<'a> {
    pub node: &'a Node,
    pub entry: Option<&'a Entry>,
    pub complete: bool,
}

impl Walked<'_> {
    /// The most precise origin for the path: the key if it was a map entry, else the node.
    pub fn origin(&self) -> &Origin {
        match self.entry {
            Some(e) if self.complete => &e.key_origin,
            _ => &self.node.origin,
        }
    }
}

pub fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Null => "null",
        Kind::Bool(_) => "boolean",
        Kind::Number(_) => "number",
        Kind::Str(_) => "string",
        Kind::Seq(_) => "list",
        Kind::Map(_) => "map",
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}:{col}: {message}")]
pub struct YamlError {
    pub source_name: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// Parses every document of a YAML text. Empty documents are dropped.
///
/// `line_offset`/`col_offset` shift positions, for YAML embedded in a block scalar of an
/// outer document (a ConfigMap's `kyma_istio_operator: |` value).
pub fn parse_documents(
    text: &str,
    source: &Arc<SourceKind>,
    line_offset: u32,
    col_offset: u32,
) -> Result<Vec<Node>, YamlError> {
    let shift = |l: u64, c: u64| -> (u32, u32) { (l as u32 + line_offset, c as u32 + col_offset) };
    if let Some(docs) = fast::parse(text, source, &shift) {
        return Ok(docs);
    }
    parse_with_saphyr(text, source, line_offset, col_offset)
}

/// The documents of an embedded text from its events, lexed at build time (`lexed.rs`);
/// where the fast path declines, the text is parsed as any other.
pub fn build_documents<'a>(
    events: impl Iterator<Item = Lexed<'a>>,
    text: &str,
    source: &Arc<SourceKind>,
) -> Result<Vec<Node>, YamlError> {
    let shift = |l: u64, c: u64| -> (u32, u32) { (l as u32, c as u32) };
    match fast::build(events, source, &shift) {
        Some(docs) => Ok(docs),
        None => parse_with_saphyr(text, source, 0, 0),
    }
}

/// The general path: serde-saphyr with `Spanned` values (every YAML form, its errors).
fn parse_with_saphyr(
    text: &str,
    source: &Arc<SourceKind>,
    line_offset: u32,
    col_offset: u32,
) -> Result<Vec<Node>, YamlError> {
    let shift = |l: u64, c: u64| -> (u32, u32) { (l as u32 + line_offset, c as u32 + col_offset) };
    let opts = saphyr_options();
    let raws: Vec<Option<Spanned<Raw>>> = serde_saphyr::from_multiple_with_options(text, opts)
        .map_err(|e| {
            let (line, col) = e
                .location()
                .map(|l| (l.line() as u32, l.column() as u32))
                .unwrap_or((0, 0));
            YamlError {
                source_name: source.to_string(),
                line: if line > 0 { line + line_offset } else { 0 },
                col: if line > 0 { col + col_offset } else { 0 },
                message: first_line_of_error(&e),
            }
        })?;
    Ok(raws
        .into_iter()
        .flatten()
        .filter(|r| !matches!(r.value, Raw::Null))
        .map(|r| convert(r, source, &shift))
        .collect())
}

fn saphyr_options() -> serde_saphyr::Options {
    let mut opts = serde_saphyr::Options::default();
    // `on`, `y`, `yes` must stay strings (YAML 1.1 booleans are a classic trap in Istio values).
    opts.strict_booleans = true;
    opts.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    opts
}

/// The located tree straight from the parser's events, for the common case: plain mappings,
/// sequences and scalars. serde-saphyr's `Spanned` path costs about 0.3 ms per KB (a 48 KB
/// override took 14 ms to render, two thirds of it here); this one about a third of that.
/// Anything else (anchors, aliases, tags, non-string keys, duplicate keys, very deep or large
/// documents, any syntax error) returns `None` and serde-saphyr parses the text as before, so
/// its errors and its resolution of rare forms stay the only ones. Plain scalars that could
/// be anything but a string (numbers, `null`, `true`, `.inf`, ...) are resolved by serde-saphyr
/// itself, one scalar at a time, so both paths type every value alike (a test compares them).
mod fast {
    use std::sync::Arc;

    use granit_parser::Parser;

    use super::super::lexed::{Ev, Lexed, lex};
    use super::{Entry, Kind, Node, Origin, Raw, SourceKind, saphyr_options};

    enum Open {
        Seq(Origin, Vec<Node>),
        Map(Origin, Vec<Entry>, Option<(String, Origin)>),
    }

    /// Well below serde-saphyr's budget (depth 1,000 and more): beyond, it decides.
    const MAX_DEPTH: usize = 64;
    const MAX_NODES: usize = 200_000;

    pub(super) fn parse(
        text: &str,
        source: &Arc<SourceKind>,
        shift: &dyn Fn(u64, u64) -> (u32, u32),
    ) -> Option<Vec<Node>> {
        build(Parser::new_from_str(text).filter_map(lex), source, shift)
    }

    /// The tree from events, lexed now or at build time (an embedded profile, `lexed.rs`).
    pub(super) fn build<'a>(
        events: impl Iterator<Item = Lexed<'a>>,
        source: &Arc<SourceKind>,
        shift: &dyn Fn(u64, u64) -> (u32, u32),
    ) -> Option<Vec<Node>> {
        let mut docs = Vec::new();
        let mut stack: Vec<Open> = Vec::new();
        let mut nodes = 0usize;
        for Lexed { ev, line, col } in events {
            let (line, col) = shift(line as u64, col as u64);
            let origin = || Origin::new(source.clone(), line, col);
            let done = match ev {
                Ev::DocEnd => {
                    if !stack.is_empty() {
                        return None;
                    }
                    continue;
                }
                Ev::Scalar(value, is_plain) => {
                    let kind = if is_plain {
                        plain(&value)?
                    } else {
                        Kind::Str(value.into_owned())
                    };
                    Node::new(kind, origin())
                }
                Ev::SeqStart => {
                    stack.push(Open::Seq(origin(), Vec::new()));
                    if stack.len() > MAX_DEPTH {
                        return None;
                    }
                    continue;
                }
                Ev::MapStart => {
                    stack.push(Open::Map(origin(), Vec::new(), None));
                    if stack.len() > MAX_DEPTH {
                        return None;
                    }
                    continue;
                }
                Ev::SeqEnd => match stack.pop()? {
                    Open::Seq(o, items) => Node::new(Kind::Seq(items), o),
                    Open::Map(..) => return None,
                },
                Ev::MapEnd => match stack.pop()? {
                    Open::Map(_, entries, None)
                        if entries.len() > FEW_KEYS && has_duplicate_keys(&entries) =>
                    {
                        return None;
                    }
                    Open::Map(o, entries, None) => Node::new(Kind::Map(entries), o),
                    Open::Map(..) | Open::Seq(..) => return None,
                },
                Ev::Other => return None,
            };
            nodes += 1;
            if nodes > MAX_NODES {
                return None;
            }
            match stack.last_mut() {
                None => {
                    if !matches!(done.kind, Kind::Null) {
                        docs.push(done);
                    }
                }
                Some(Open::Seq(_, items)) => items.push(done),
                Some(Open::Map(_, entries, pending)) => match pending.take() {
                    None => {
                        // keys: strings only, each once (serde-saphyr words the errors),
                        // no merge keys (serde-saphyr expands them)
                        let Kind::Str(key) = done.kind else {
                            return None;
                        };
                        if key == "<<"
                            || (entries.len() < FEW_KEYS && entries.iter().any(|e| e.key == key))
                        {
                            return None;
                        }
                        *pending = Some((key, done.origin));
                    }
                    Some((key, key_origin)) => entries.push(Entry {
                        key,
                        key_origin,
                        value: done,
                    }),
                },
            }
        }
        stack.is_empty().then_some(docs)
    }

    /// Up to this many keys a map's duplicates are found as each key arrives; a larger map
    /// (300 `proxyMetadata` entries) is checked once at its end, sorted, not in O(n²).
    const FEW_KEYS: usize = 16;

    fn has_duplicate_keys(entries: &[Entry]) -> bool {
        let mut keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }

    /// A plain scalar: a string unless it could be something else, which serde-saphyr decides.
    fn plain(value: &str) -> Option<Kind> {
        if value.is_empty() {
            return Some(Kind::Null);
        }
        // Numbers, null and booleans (in any YAML schema) are made of these characters only.
        let maybe_other = value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._:~".contains(&b));
        let first_letter = value.as_bytes()[0].is_ascii_alphabetic();
        const WORDS: &[&str] = &[
            "null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf", "infinity",
        ];
        if !maybe_other || (first_letter && !WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))) {
            return Some(Kind::Str(value.to_string()));
        }
        if value.starts_with("---") || value.starts_with("...") {
            return None;
        }
        // serde-saphyr builds a parser per scalar (microseconds each, most of this function's
        // time on a large override), so the forms most overrides are made of are resolved
        // here, as it resolves them (the agreement test holds both to it): `true`, `false`,
        // `null`, `~`, decimal integers without a sign or leading zero, and values starting
        // with a digit or sign that hold a letter no YAML number has (`100m`, `128Mi`, `2Gi`
        // are strings; words such as `True` went through the check above).
        match value {
            "true" => return Some(Kind::Bool(true)),
            "false" => return Some(Kind::Bool(false)),
            "null" | "~" => return Some(Kind::Null),
            _ => {}
        }
        let bytes = value.as_bytes();
        if bytes.iter().all(u8::is_ascii_digit)
            && (bytes.len() == 1 || bytes[0] != b'0')
            && let Ok(n) = value.parse::<u64>()
        {
            return Some(Kind::Number(n.into()));
        }
        // Hex digits, `0x`, `0o`, exponents; `.inf` and `.nan` (any sign) have a dot.
        let not_in_numbers = |b: &u8| b.is_ascii_alphabetic() && !b"abcdefABCDEFxXoO".contains(b);
        if !first_letter && !value.contains('.') && bytes.iter().any(not_in_numbers) {
            return Some(Kind::Str(value.to_string()));
        }
        match serde_saphyr::from_str_with_options::<Raw>(value, saphyr_options()).ok()? {
            Raw::Null => Some(Kind::Null),
            Raw::Bool(b) => Some(Kind::Bool(b)),
            Raw::Num(n) => Some(Kind::Number(n)),
            Raw::Str(s) => Some(Kind::Str(s)),
            Raw::Seq(_) | Raw::Map(_) => None,
        }
    }
}

/// serde-saphyr renders errors with a source snippet; we print our own location, so keep
/// only the message itself, said for the user of kyma-mesh rather than of the library.
fn first_line_of_error(e: &serde_saphyr::Error) -> String {
    let mut inner = e;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    if let serde_saphyr::Error::Budget { breach, .. } = inner {
        return budget_message(breach);
    }
    let text = e.to_string();
    let mut msg = text.lines().next().unwrap_or("invalid YAML").trim();
    msg = msg.strip_prefix("error: ").unwrap_or(msg);
    // Drop the library's own "line X column Y: " prefix: the location is printed in front.
    if msg.starts_with("line ")
        && let Some(i) = msg.find(": ")
    {
        msg = &msg[i + 2..];
    }
    // Advice aimed at the library's API user, not at ours.
    let msg = msg.split(", set DuplicateKeyPolicy").next().unwrap_or(msg);
    let msg = msg.trim_end_matches('.');
    if msg.contains("recursion limit exceeded") {
        return budget_message(&BudgetBreach::Depth { depth: 0 });
    }
    if let Some(rest) = msg.strip_prefix("non-finite float `") {
        let value = rest.split('`').next().unwrap_or(rest);
        return format!(
            "{value} is not a number an IstioOperator can hold (JSON has no NaN or infinity)"
        );
    }
    // `unexpected character: `\u{7}'`: say it as Unicode does, not as Rust escapes it.
    if let Some(rest) = msg.strip_prefix("unexpected character: `\\u{")
        && let Some(hex) = rest.split('}').next()
        && let Ok(code) = u32::from_str_radix(hex, 16)
    {
        return format!("unexpected control character U+{code:04X}");
    }
    msg.to_string()
}

/// The budget serde-saphyr enforces, in the user's words. The limits are far above what an
/// IstioOperator needs and stop inputs built to exhaust memory or stack.
fn budget_message(breach: &BudgetBreach) -> String {
    let budget = serde_saphyr::Budget::default();
    match breach {
        BudgetBreach::Depth { .. } => format!(
            "the YAML nests deeper than {} levels; no IstioOperator field is that deep",
            budget.max_depth
        ),
        BudgetBreach::Nodes { .. } => format!(
            "the YAML holds, or its aliases expand to, more than {} values (an alias bomb?); an IstioOperator has a few hundred",
            budget.max_nodes
        ),
        BudgetBreach::Aliases { .. } | BudgetBreach::AliasAnchorRatio { .. } => {
            "the YAML uses aliases (*name) far more often than an IstioOperator does (an alias bomb?)".into()
        }
        BudgetBreach::Documents { .. } => format!(
            "the file holds more than {} YAML documents",
            budget.max_documents
        ),
        _ => "the YAML is larger than an IstioOperator can be (a limit of the YAML reader was reached)".into(),
    }
}

/// Where in `text` the first byte that is not UTF-8 sits, as 1-based (line, column), the
/// column counted in characters.
pub fn utf8_error_position(bytes: &[u8], valid_up_to: usize) -> (u32, u32) {
    let valid = &bytes[..valid_up_to];
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    // The prefix is valid UTF-8 by definition of valid_up_to.
    let col = std::str::from_utf8(&valid[line_start..]).map_or(0, |s| s.chars().count()) + 1;
    (line as u32, col as u32)
}

fn convert(
    raw: Spanned<Raw>,
    source: &Arc<SourceKind>,
    shift: &dyn Fn(u64, u64) -> (u32, u32),
) -> Node {
    let loc = raw.referenced;
    let (line, col) = shift(loc.line(), loc.column());
    let origin = Origin::new(source.clone(), line, col);
    let kind = match raw.value {
        Raw::Null => Kind::Null,
        Raw::Bool(b) => Kind::Bool(b),
        Raw::Num(n) => Kind::Number(n),
        Raw::Str(s) => Kind::Str(s),
        Raw::Seq(items) => Kind::Seq(
            items
                .into_iter()
                .map(|i| convert(i, source, shift))
                .collect(),
        ),
        Raw::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let (kl, kc) = shift(k.referenced.line(), k.referenced.column());
                    Entry {
                        key: k.value.into_key(),
                        key_origin: Origin::new(source.clone(), kl, kc),
                        value: convert(v, source, shift),
                    }
                })
                .collect(),
        ),
    };
    Node::new(kind, origin)
}

/// The untyped parse result; positions come from `Spanned`.
enum Raw {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl Raw {
    fn into_key(self) -> String {
        match self {
            Raw::Str(s) => s,
            Raw::Null => "null".into(),
            Raw::Bool(b) => b.to_string(),
            Raw::Num(n) => n.to_string(),
            // Refused while parsing (visit_map); kept total for the type's sake.
            Raw::Seq(_) | Raw::Map(_) => String::new(),
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Raw, E> {
        Ok(Raw::Num(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Raw, E> {
        Ok(Raw::Num(n.into()))
    }
    fn visit_i128<E: de::Error>(self, n: i128) -> Result<Raw, E> {
        i64::try_from(n)
            .map(|n| Raw::Num(n.into()))
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_u128<E: de::Error>(self, n: u128) -> Result<Raw, E> {
        u64::try_from(n)
            .map(|n| Raw::Num(n.into()))
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Raw, E> {
        serde_json::Number::from_f64(n)
            .map(Raw::Num)
            // JSON has no NaN/Infinity and neither has the IstioOperator API.
            .ok_or_else(|| E::custom("NaN and infinite numbers are not allowed"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Raw, E> {
        Ok(Raw::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Raw, E> {
        Ok(Raw::Str(s))
    }
    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Raw, E> {
        String::from_utf8(b.to_vec())
            .map(Raw::Str)
            .map_err(|_| E::custom("binary values are not allowed"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Spanned<Raw>>()? {
            if matches!(k.value, Raw::Seq(_) | Raw::Map(_)) {
                // `? [a, b]`: no field of an IstioOperator has such a name.
                return Err(de::Error::custom(
                    "a key must be a plain value, not a list or a map",
                ));
            }
            let v = map.next_value::<Spanned<Raw>>()?;
            entries.push((k, v));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::path::Path;

    fn parse(text: &str) -> Vec<Node> {
        let src = Arc::new(SourceKind::File("f.yaml".into()));
        parse_documents(text, &src, 0, 0).expect("valid yaml")
    }

    /// The fast path builds exactly the tree serde-saphyr builds (values, types, positions),
    /// and takes the common forms itself.
    #[test]
    fn fast_path_agrees_with_serde_saphyr() {
        let src = Arc::new(SourceKind::File("f.yaml".into()));
        let shift = |l: u64, c: u64| (l as u32 + 3, c as u32 + 2);
        let mut big =
            String::from("spec:\n  meshConfig:\n    defaultConfig:\n      proxyMetadata:\n");
        for i in 0..200 {
            big.push_str(&format!("        K_{i}: \"v-{i}\"\n"));
        }
        big.push_str("  components:\n    ingressGateways:\n");
        for g in 0..20 {
            big.push_str(&format!("      - name: gw-{g}\n        enabled: true\n        k8s:\n          resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}\n          hpaSpec: {{minReplicas: 2, maxReplicas: {g}}}\n"));
        }
        let common = [
            include_str!("../../profiles/production.yaml"),
            include_str!("../../profiles/cluster.yaml"),
            include_str!("../../profiles/local.yaml"),
            include_str!("../../examples/istio-overrides.yaml"),
            include_str!("../../examples/all-overrides.yaml"),
            include_str!("../../examples/istio-operator.yaml"),
            include_str!("../../examples/values.yaml"),
            big.as_str(),
            "a: 1\nb: -2\nc: +3\nd: 1.5\ne: 1e3\nf: 0x1F\ng: 0o17\nh: 007\ni: 1_000\n",
            "a: true\nb: false\nc: True\nd: TRUE\ne: yes\nf: on\ng: off\nh: y\ni: n\nj: No\n",
            "a: null\nb: ~\nc:\nd: Null\ne: NULL\nf: 'null'\ng: \"1\"\nh: '2'\n",
            "a: 1.28.0\nb: 10.0.0.0/8\nc: 100m\nd: 128Mi\ne: 2Gi\nf: 0\ng: 18446744073709551615\nh: 18446744073709551616\ni: 12h\nj: 1.5Gi\nk: -1\nl: 0b101\nm: 1e-3\n",
            "e: 1:20\n",
            "g: a:b\nh: http://x:80/y\n",
            "a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\nc: plain\n  continued\n",
            "# comment\na: [1, two, {x: y}]  # trailing\nb: {}\nc: []\n",
            "- a\n- - b\n  - c\n- {k: v}\n-\n",
            "---\na: 1\n---\n---\nb: 2\n...\n",
            "'quoted key': 1\n\"dq\": 2\nü: straße\n",
            "a:\r\n  b: 1\r\n",
            "just a string\n",
            "",
        ];
        for text in common {
            let fast = fast::parse(text, &src, &shift)
                .unwrap_or_else(|| panic!("fast path declined:\n{text}"));
            let slow = parse_with_saphyr(text, &src, 3, 2).expect("valid");
            assert_eq!(fast, slow, "for:\n{text}");
        }
        // left to serde-saphyr
        let mut big_map_with_duplicate: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        big_map_with_duplicate.push_str("k7: again\n");
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: 1\na: 2\n",
            big_map_with_duplicate.as_str(),
            "1: a\n",
            "a: [1\n",
            "a: .inf\n",
            "f: -\n",
            "<<: {a: 1}\n",
        ] {
            assert!(fast::parse(text, &src, &shift).is_none(), "{text}");
        }
    }

    #[test]
    fn positions_of_keys_and_values() {
        let docs = parse("a:\n  b: 1\n  c: [x, y]\n");
        let a = docs[0].entry("a").unwrap();
        assert_eq!((a.key_origin.line, a.key_origin.col), (1, 1));
        let b = a.value.entry("b").unwrap();
        assert_eq!((b.key_origin.line, b.key_origin.col), (2, 3));
        assert_eq!((b.value.origin.line, b.value.origin.col), (2, 6));
        let c = a.value.get("c").unwrap();
        match &c.kind {
            Kind::Seq(items) => assert_eq!((items[1].origin.line, items[1].origin.col), (3, 10)),
            other => panic!("expected a list, got {other:?}"),
        }
    }

    #[test]
    fn strict_booleans_keep_yaml11_words_as_strings() {
        let docs = parse("a: on\nb: y\nc: true\nd: \"true\"\n");
        let j = docs[0].to_json();
        assert_eq!(j["a"], "on");
        assert_eq!(j["b"], "y");
        assert_eq!(j["c"], true);
        assert_eq!(j["d"], "true");
    }

    #[test]
    fn numbers_keep_integer_and_float() {
        let j = parse("a: 3\nb: 2.5\nc: \"1.24\"\nd: 1.24\n")[0].to_json();
        assert!(j["a"].is_i64() || j["a"].is_u64());
        assert_eq!(j["b"], 2.5);
        assert_eq!(j["c"], "1.24");
        assert!(j["d"].is_f64());
    }

    #[test]
    fn multiple_documents_and_empty_ones() {
        let docs = parse("---\na: 1\n---\n---\nb: 2\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("b").unwrap().origin.line, 5);
    }

    #[test]
    fn syntax_error_is_located() {
        let src = Arc::new(SourceKind::File("bad.yaml".into()));
        let e = parse_documents("a: 1\nb: [1, 2\nc: 3\n", &src, 0, 0).unwrap_err();
        assert_eq!(e.source_name, "bad.yaml");
        assert!(e.line >= 2, "{e}");
        assert!(!e.message.is_empty());
    }

    #[test]
    fn duplicate_keys_are_an_error() {
        let src = Arc::new(SourceKind::File("dup.yaml".into()));
        let e = parse_documents("a: 1\na: 2\n", &src, 0, 0).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        // in a map too large for the fast path's check on arrival
        let mut big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: again\n");
        let e = parse_documents(&big, &src, 0, 0).unwrap_err();
        assert_eq!(e.line, 41, "{e}");
    }

    #[test]
    fn offsets_shift_positions() {
        let src = Arc::new(SourceKind::File("cm.yaml".into()));
        let docs = parse_documents("a:\n  b: 1\n", &src, 10, 4).unwrap();
        let b = docs[0].get("a").unwrap().entry("b").unwrap();
        assert_eq!((b.key_origin.line, b.key_origin.col), (12, 7));
    }

    #[test]
    fn walk_finds_key_origin() {
        let docs = parse("spec:\n  values:\n    global: {x: 1}\n");
        let path: Path = "spec.values.global.x".parse().unwrap();
        let w = docs[0].walk(&path);
        assert!(w.complete);
        assert_eq!((w.origin().line, w.origin().col), (3, 14));
        let docs = parse("l:\n- {name: a, v: 1}\n- {name: b, v: 2}\n");
        let w = docs[0].walk(&"l[name:b].v".parse::<Path>().unwrap());
        assert!(w.complete);
        assert_eq!(w.node.to_json(), 2);
        assert!(
            !docs[0]
                .walk(&"l[name:c].v".parse::<Path>().unwrap())
                .complete
        );
    }
}
