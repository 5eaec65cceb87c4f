//! Work `render` would otherwise repeat in every process, done once here (README
//! "Performance", the render rows):
//!
//! * `profile_events.rs`: each embedded profile (`profiles/*.yaml`) lexed into the events the
//!   located tree is built from, with the crate's own `src/config/lexed.rs`.
//! * `schema_messages.rs`: `schema/istio-api.json` split into its top level (release, root,
//!   removed components) and one compact JSON text per message, sorted by name, so a run finds
//!   a message without scanning the whole 85 KB file and decodes only the ones it uses.

use std::fmt::Write as _;
use std::path::Path;

// The file is shared with the crate and written for it; the build script reads only part.
#[allow(dead_code)]
#[path = "src/config/lexed.rs"]
mod lexed;

use lexed::{Ev, lex};

const PROFILES: &[(&str, &str)] = &[
    ("LOCAL", "profiles/local.yaml"),
    ("CLUSTER", "profiles/cluster.yaml"),
    ("PRODUCTION", "profiles/production.yaml"),
    ("MODULE", "profiles/module.yaml"),
    ("MODULE_EVALUATION", "profiles/module-evaluation.yaml"),
];

const SCHEMA: &str = "schema/istio-api.json";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/config/lexed.rs");
    println!("cargo:rerun-if-changed={SCHEMA}");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);

    let mut events = String::new();
    for (name, path) in PROFILES {
        println!("cargo:rerun-if-changed={path}");
        let text = read(path);
        let mut values = String::new();
        let _ = writeln!(events, "pub static {name}: Stored = Stored {{ events: &[");
        for item in granit_parser::Parser::new_from_str(&text) {
            let Some(l) = lex(item) else { continue };
            let start = values.len();
            let kind = match l.ev {
                Ev::Scalar(value, plain) => {
                    values.push_str(&value);
                    if plain { "Plain" } else { "Quoted" }.to_string()
                }
                Ev::Other => panic!(
                    "{path}:{}:{}: a profile is plain YAML (no anchors, aliases, tags, syntax errors): renders read it as stored events",
                    l.line, l.col
                ),
                other => format!("{other:?}"),
            };
            let _ = writeln!(
                events,
                "    Packed {{ kind: PackedKind::{kind}, line: {}, col: {}, start: {start}, end: {} }},",
                l.line,
                l.col,
                values.len()
            );
        }
        let _ = writeln!(events, "], values: {values:?} }};");
    }
    write(&out.join("profile_events.rs"), &events);

    let mut schema: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&read(SCHEMA)).expect("schema/istio-api.json is a JSON object");
    let Some(serde_json::Value::Object(messages)) = schema.remove("messages") else {
        panic!("schema/istio-api.json has no `messages` object");
    };
    let top: serde_json::Map<_, _> = ["istio_release", "root", "removed_components"]
        .iter()
        .filter_map(|k| Some((k.to_string(), schema.remove(*k)?)))
        .collect();
    let mut messages: Vec<_> = messages.into_iter().collect();
    messages.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rs = format!(
        "pub static SCHEMA_TOP: &str = {:?};\npub static SCHEMA_MESSAGES: &[(&str, &str)] = &[\n",
        serde_json::Value::Object(top).to_string()
    );
    for (name, message) in &mut messages {
        // protojson's other names for fields, to the field (the last field wins, by name)
        let mut aliases = std::collections::BTreeMap::new();
        if let Some(serde_json::Value::Object(fields)) = message.get("fields") {
            let mut fields: Vec<_> = fields.iter().collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            for (field, spec) in fields {
                for alias in spec["aliases"].as_array().into_iter().flatten() {
                    let alias = alias.as_str().expect("an alias is a string");
                    aliases.insert(alias.to_string(), serde_json::json!(field));
                }
            }
        }
        if !aliases.is_empty() {
            message["aliases"] = serde_json::Value::Object(aliases.into_iter().collect());
        }
        let _ = writeln!(rs, "    ({name:?}, {:?}),", message.to_string());
    }
    rs.push_str("];\n");
    write(&out.join("schema_messages.rs"), &rs);
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
