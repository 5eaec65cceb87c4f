//! TEMPORARY STUB written by the lead so the crate compiles while the schema helper works:
//! replace this whole file with the real validator (same API).

pub enum PathSeg {
    Key(String),
    Index(usize),
}
pub enum FindingKind {
    UnknownField { suggestions: Vec<String> },
    WrongType { expected: String, found: String },
    Deprecated { replacement: Option<String> },
    RemovedComponent { removed_in: String, instead: String },
}
pub struct Finding {
    pub path: Vec<PathSeg>,
    pub kind: FindingKind,
    pub message: String,
}
impl Finding {
    pub fn is_error(&self) -> bool {
        !matches!(self.kind, FindingKind::Deprecated { .. })
    }
}
pub fn validate_operator(_doc: &serde_json::Value) -> Vec<Finding> {
    Vec::new()
}
