//! `render --explain`: the merged result with, for every leaf, the source that set it.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_saphyr::Commented;

use super::path::Path;
use super::tree::{Kind, Node};

/// Serializes as YAML with `# source` comments on every leaf.
pub struct Explained<'a>(pub &'a Node);

impl Serialize for Explained<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0.kind {
            Kind::Map(entries) if !entries.is_empty() => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for e in entries {
                    m.serialize_entry(&e.key, &Explained(&e.value))?;
                }
                m.end()
            }
            Kind::Seq(items) if !items.is_empty() => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    q.serialize_element(&Explained(i))?;
                }
                q.end()
            }
            _ => Commented(self.0.to_json(), self.0.origin.to_string()).serialize(s),
        }
    }
}

/// One leaf and its source, for `--explain --output json`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Leaf {
    pub path: String,
    pub value: serde_json::Value,
    pub source: String,
}

pub fn leaves(node: &Node) -> Vec<Leaf> {
    let mut out = Vec::new();
    collect(node, &mut Path::new(), &mut out);
    out
}

fn collect(node: &Node, path: &mut Path, out: &mut Vec<Leaf>) {
    match &node.kind {
        Kind::Map(entries) if !entries.is_empty() => {
            for e in entries {
                path.push(e.key.as_str());
                collect(&e.value, path, out);
                path.pop();
            }
        }
        Kind::Seq(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                path.push(i);
                collect(item, path, out);
                path.pop();
            }
        }
        _ => out.push(Leaf {
            path: path.to_string(),
            value: node.to_json(),
            source: node.origin.to_string(),
        }),
    }
}
