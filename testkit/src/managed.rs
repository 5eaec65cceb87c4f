//! Field ownership for server-side apply: `metadata.managedFields` in the `FieldsV1` format,
//! kept per manager and operation, as the real API server's structured-merge-diff does it
//! (without OpenAPI schemas, so list semantics come from the strategic-merge keys kube-sim
//! knows: `containers` by `name`, `ports` by `containerPort`/`port`, ...; other lists are atomic).
//!
//! * Update (create, update, patch): the manager's `Update` entry gains the fields the request
//!   added or changed; other managers lose them (updates never conflict); removed fields leave
//!   every set.
//! * Apply: the applied configuration's fields become the manager's `Apply` set. Where another
//!   manager owns a field the apply would change, that is a conflict (409 without `force`;
//!   with `force` the field changes hands). Fields the manager applied before but no longer
//!   applies are removed from the object unless another manager owns them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::patch::merge_key;

/// A set of field paths (a trie, as `fieldsV1` is): `member` marks a path that is itself in
/// the set; children are keyed by path elements `f:<field>`, `k:<key json>`, `v:<value json>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    member: bool,
    children: BTreeMap<String, FieldSet>,
}

pub type Path = Vec<String>;

impl FieldSet {
    pub fn is_empty(&self) -> bool {
        !self.member && self.children.is_empty()
    }

    /// From `fieldsV1` JSON.
    pub fn from_v1(v: &Value) -> FieldSet {
        let mut s = FieldSet::default();
        if let Some(m) = v.as_object() {
            for (k, c) in m {
                if k == "." {
                    s.member = true;
                    continue;
                }
                let mut child = FieldSet::from_v1(c);
                if c.as_object().is_some_and(Map::is_empty) {
                    child.member = true;
                }
                if !child.is_empty() {
                    s.children.insert(k.clone(), child);
                }
            }
        }
        s
    }

    /// To `fieldsV1` JSON.
    pub fn to_v1(&self) -> Value {
        let mut m = Map::new();
        if self.member && !self.children.is_empty() {
            m.insert(".".into(), json!({}));
        }
        for (k, c) in &self.children {
            m.insert(k.clone(), c.to_v1());
        }
        Value::Object(m)
    }

    fn node(&self, path: &[String]) -> Option<&FieldSet> {
        path.iter().try_fold(self, |s, el| s.children.get(el))
    }

    /// Whether `path` is a member.
    pub fn contains(&self, path: &[String]) -> bool {
        self.node(path).is_some_and(|n| n.member)
    }

    /// Whether `path` or anything below it is a member.
    pub fn touches(&self, path: &[String]) -> bool {
        self.node(path).is_some_and(|n| !n.is_empty())
    }

    pub fn insert(&mut self, path: &[String]) {
        let mut s = self;
        for el in path {
            s = s.children.entry(el.clone()).or_default();
        }
        s.member = true;
    }

    /// Removes `path` as a member (not what lies below it).
    pub fn remove(&mut self, path: &[String]) {
        fn go(s: &mut FieldSet, path: &[String]) {
            match path.split_first() {
                None => s.member = false,
                Some((el, rest)) => {
                    if let Some(c) = s.children.get_mut(el) {
                        go(c, rest);
                        if c.is_empty() {
                            s.children.remove(el);
                        }
                    }
                }
            }
        }
        go(self, path);
    }

    /// Every member path.
    pub fn members(&self) -> Vec<Path> {
        fn go(s: &FieldSet, prefix: &mut Path, out: &mut Vec<Path>) {
            if s.member {
                out.push(prefix.clone());
            }
            for (k, c) in &s.children {
                prefix.push(k.clone());
                go(c, prefix, out);
                prefix.pop();
            }
        }
        let mut out = Vec::new();
        go(self, &mut Vec::new(), &mut out);
        out
    }
}

/// metadata fields the server owns (never in a field set).
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "generateName",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// Which part of an object a write manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The main resource; `status` is left out for types with a status subresource.
    Main { status_subresource: bool },
    /// The `/status` subresource: only `status`.
    Status,
}

fn is_string_map(m: &Map<String, Value>) -> bool {
    m.values().all(Value::is_string)
}

/// The field set of a value at `field` (`update`: maps are members themselves, `.`, as the
/// real server records them for updates).
fn node_for(field: &str, v: &Value, update: bool) -> FieldSet {
    let mut s = FieldSet::default();
    match v {
        Value::Object(m) if !m.is_empty() => {
            s.member = update && is_string_map(m);
            for (k, c) in m {
                if !c.is_null() {
                    s.children.insert(format!("f:{k}"), node_for(k, c, update));
                }
            }
            if s.children.is_empty() {
                s.member = true;
            }
        }
        Value::Array(items) if !items.is_empty() => match merge_key(field, items) {
            Some(key) => {
                for item in items {
                    let id = json!({ key: item.get(key).cloned().unwrap_or(Value::Null) });
                    let mut child = FieldSet {
                        member: true,
                        ..Default::default()
                    };
                    if let Some(fields) = item.as_object() {
                        for (k, c) in fields {
                            if !c.is_null() {
                                child
                                    .children
                                    .insert(format!("f:{k}"), node_for(k, c, update));
                            }
                        }
                    }
                    s.children.insert(format!("k:{id}"), child);
                }
            }
            None => s.member = true,
        },
        _ => s.member = true,
    }
    s
}

/// The fields an object (or an applied configuration) sets, within `scope`.
pub fn set_of(obj: &Value, scope: Scope, update: bool) -> FieldSet {
    let mut s = FieldSet::default();
    let Some(m) = obj.as_object() else {
        return s;
    };
    for (k, v) in m {
        let keep = match (scope, k.as_str()) {
            (_, "apiVersion" | "kind") => false,
            (Scope::Status, f) => f == "status",
            (Scope::Main { status_subresource }, "status") => !status_subresource,
            _ => true,
        };
        if !keep || v.is_null() {
            continue;
        }
        if k == "metadata" {
            let mut meta = FieldSet::default();
            for (mk, mv) in v.as_object().into_iter().flatten() {
                if !SERVER_METADATA.contains(&mk.as_str()) && !mv.is_null() {
                    meta.children
                        .insert(format!("f:{mk}"), node_for(mk, mv, update));
                }
            }
            if !meta.is_empty() {
                s.children.insert("f:metadata".into(), meta);
            }
            continue;
        }
        s.children.insert(format!("f:{k}"), node_for(k, v, update));
    }
    s
}

fn find_item(items: &[Value], el: &str) -> Option<usize> {
    let i = if let Some(k) = el.strip_prefix("k:") {
        let key: Map<String, Value> = serde_json::from_str(k).ok()?;
        items
            .iter()
            .position(|i| key.iter().all(|(kk, kv)| i.get(kk) == Some(kv)))?
    } else if let Some(v) = el.strip_prefix("v:") {
        let v: Value = serde_json::from_str(v).ok()?;
        items.iter().position(|i| *i == v)?
    } else {
        el.strip_prefix("i:")?.parse().ok()?
    };
    (i < items.len()).then_some(i)
}

/// The value at a field path.
pub fn get<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for el in path {
        cur = match el.strip_prefix("f:") {
            Some(f) => cur.as_object()?.get(f)?,
            None => {
                let items = cur.as_array()?;
                &items[find_item(items, el)?]
            }
        };
    }
    Some(cur)
}

fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// Removes the value at a path; maps and lists left empty on the way are removed too (as the
/// real server's pruning leaves no empty `data: {}` behind).
pub fn remove(obj: &mut Value, path: &[String]) {
    let Some((el, rest)) = path.split_first() else {
        return;
    };
    match obj {
        Value::Object(m) => {
            let Some(f) = el.strip_prefix("f:") else {
                return;
            };
            if rest.is_empty() {
                m.remove(f);
            } else if let Some(child) = m.get_mut(f) {
                remove(child, rest);
                if is_empty_container(child) {
                    m.remove(f);
                }
            }
        }
        Value::Array(items) => {
            let Some(i) = find_item(items, el) else {
                return;
            };
            if rest.is_empty() {
                items.remove(i);
            } else {
                remove(&mut items[i], rest);
            }
        }
        _ => {}
    }
}

/// A path as the real server prints it in conflicts: `.data.key`,
/// `.spec.containers[name="app"].image`.
pub fn path_string(path: &[String]) -> String {
    let mut s = String::new();
    for el in path {
        if let Some(f) = el.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = el.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("[{}]", parts.join(",")));
        } else if let Some(v) = el.strip_prefix("v:") {
            s.push_str(&format!("[={v}]"));
        } else if let Some(i) = el.strip_prefix("i:") {
            s.push_str(&format!("[{i}]"));
        }
    }
    s
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: Option<String>,
    pub set: FieldSet,
}

impl Entry {
    fn same_owner(&self, manager: &str, operation: &str, subresource: Option<&str>) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.as_deref() == subresource
    }

    /// How the real server names a manager in a conflict.
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if let Some(sub) = &self.subresource {
            s.push_str(&format!(" with subresource {sub:?}"));
        }
        if self.operation == "Update" {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }
}

pub fn entries_of(managed_fields: &Value) -> Vec<Entry> {
    managed_fields
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some(Entry {
                manager: e["manager"].as_str()?.to_string(),
                operation: e["operation"].as_str().unwrap_or("Update").to_string(),
                api_version: e["apiVersion"].as_str().unwrap_or_default().to_string(),
                time: e["time"].as_str().unwrap_or_default().to_string(),
                subresource: e["subresource"].as_str().map(String::from),
                set: FieldSet::from_v1(&e["fieldsV1"]),
            })
        })
        .filter(|e| !e.set.is_empty())
        .collect()
}

/// Writes the entries into `obj.metadata.managedFields` (removing it when there are none).
pub fn write_entries(obj: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.set.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager, "operation": e.operation, "apiVersion": e.api_version,
                "time": e.time, "fieldsType": "FieldsV1", "fieldsV1": e.set.to_v1(),
            });
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(list));
        }
    }
}

fn subresource_of(scope: Scope) -> Option<&'static str> {
    match scope {
        Scope::Status => Some("status"),
        Scope::Main { .. } => None,
    }
}

/// The entries a write starts from: the stored ones, unless the request sets different
/// `managedFields` (then those; `[{}]` clears them, as on a real server).
fn baseline(old: Option<&Value>, new: &Value) -> Vec<Entry> {
    let stored = old.map(|o| &o["metadata"]["managedFields"]);
    let sent = &new["metadata"]["managedFields"];
    if sent.is_array() && Some(sent) != stored {
        entries_of(sent)
    } else {
        stored.map(entries_of).unwrap_or_default()
    }
}

/// Records a non-apply write (create when `old` is None) by `manager` in `new`'s managedFields.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, scope: Scope, now: &str) {
    let mut entries = baseline(old, new);
    let new_set = set_of(new, scope, true);
    let null = Value::Null;
    let old_v = old.unwrap_or(&null);
    let old_set = set_of(old_v, scope, true);
    let changed: Vec<Path> = new_set
        .members()
        .into_iter()
        .filter(|p| {
            let (a, b) = (get(old_v, p), get(new, p));
            // list items and maps as nodes: a change is their appearing
            let node = p.last().is_some_and(|l| l.starts_with("k:"))
                || b.is_some_and(|v| v.as_object().is_some_and(|m| !m.is_empty()));
            if node { a.is_none() } else { a != b }
        })
        .collect();
    let removed: Vec<Path> = old_set
        .members()
        .into_iter()
        .filter(|p| !new_set.contains(p))
        .collect();
    let sub = subresource_of(scope);
    let api_version = new["apiVersion"].as_str().unwrap_or("v1").to_string();
    for e in entries.iter_mut() {
        for p in &removed {
            e.set.remove(p);
        }
        if !e.same_owner(manager, "Update", sub) {
            for p in &changed {
                e.set.remove(p);
            }
        }
    }
    match entries
        .iter_mut()
        .find(|e| e.same_owner(manager, "Update", sub))
    {
        Some(e) => {
            for p in &changed {
                e.set.insert(p);
            }
            if !changed.is_empty() {
                e.time = now.to_string();
                e.api_version = api_version;
            }
        }
        None if !changed.is_empty() => {
            let mut set = FieldSet::default();
            for p in &changed {
                set.insert(p);
            }
            entries.push(Entry {
                manager: manager.to_string(),
                operation: "Update".into(),
                api_version,
                time: now.to_string(),
                subresource: sub.map(String::from),
                set,
            });
        }
        None => {}
    }
    entries.retain(|e| !e.set.is_empty());
    write_entries(new, &entries);
}

/// A field another manager owns that an apply would change.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub manager: String,
    pub path: String,
}

/// The outcome of an apply: conflicts (nothing changed), or the merged object.
pub type ApplyResult = Result<Value, Vec<Conflict>>;

/// Server-side apply of `applied` onto `live` (None: the object does not exist yet) by
/// `manager`. `merge` merges the applied configuration into the live object.
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    scope: Scope,
    now: &str,
    merge: impl Fn(&mut Value, &Value),
) -> ApplyResult {
    let sub = subresource_of(scope);
    let mut applied = applied.clone();
    if let Some(m) = applied["metadata"].as_object_mut() {
        m.remove("managedFields");
        m.remove("resourceVersion");
    }
    let applied_set = set_of(&applied, scope, false);
    let mut entries = live
        .map(|l| entries_of(&l["metadata"]["managedFields"]))
        .unwrap_or_default();
    let mut merged = match live {
        Some(l) => {
            let mut m = l.clone();
            merge(&mut m, &applied);
            m
        }
        None => applied.clone(),
    };
    // conflicts: fields others own whose value this apply changes
    let mut conflicts = Vec::new();
    let mut taken: Vec<(usize, Path)> = Vec::new();
    if let Some(live) = live {
        for p in applied_set.members() {
            if get(live, &p) == get(&merged, &p) {
                continue;
            }
            for (i, e) in entries.iter().enumerate() {
                if e.same_owner(manager, "Apply", sub) || !e.set.contains(&p) {
                    continue;
                }
                conflicts.push(Conflict {
                    manager: e.describe(),
                    path: path_string(&p),
                });
                taken.push((i, p.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    for (i, p) in &taken {
        entries[*i].set.remove(p);
    }
    // fields this manager applied before and no longer applies, owned by no one else, go
    let previous = entries
        .iter()
        .find(|e| e.same_owner(manager, "Apply", sub))
        .map(|e| e.set.clone())
        .unwrap_or_default();
    for p in previous.members() {
        if applied_set.contains(&p) || applied_set.touches(&p) {
            continue;
        }
        let owned_elsewhere = entries
            .iter()
            .any(|e| !e.same_owner(manager, "Apply", sub) && e.set.touches(&p));
        if !owned_elsewhere {
            remove(&mut merged, &p);
        }
    }
    entries.retain(|e| !e.same_owner(manager, "Apply", sub));
    entries.push(Entry {
        manager: manager.to_string(),
        operation: "Apply".into(),
        api_version: applied["apiVersion"]
            .as_str()
            .or(merged["apiVersion"].as_str())
            .unwrap_or("v1")
            .to_string(),
        time: now.to_string(),
        subresource: sub.map(String::from),
        set: applied_set,
    });
    entries.retain(|e| !e.set.is_empty());
    write_entries(&mut merged, &entries);
    Ok(merged)
}

/// The 409 a real server answers for apply conflicts.
pub fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [c] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            c.manager, c.path
        );
    }
    let mut by_manager: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in conflicts {
        by_manager.entry(&c.manager).or_default().push(&c.path);
    }
    let mut lines = Vec::new();
    for (m, paths) in by_manager {
        lines.push(format!("conflicts with {m}:"));
        lines.extend(paths.iter().map(|p| format!("- {p}")));
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::strategic_merge;

    const MAIN: Scope = Scope::Main {
        status_subresource: false,
    };
    const T: &str = "2024-01-01T00:00:00Z";

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"}, "data": data})
    }

    fn managers(o: &Value) -> Vec<(String, String)> {
        o["metadata"]["managedFields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["manager"].as_str().unwrap().to_string(),
                    e["operation"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn apply_cm(live: Option<&Value>, data: Value, manager: &str, force: bool) -> ApplyResult {
        apply(live, &cm(data), manager, force, MAIN, T, |t, p| {
            strategic_merge(t, p)
        })
    }

    #[test]
    fn fields_v1_round_trip_and_sets() {
        let v1 = json!({"f:data": {".": {}, "f:a": {}}, "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:image": {}}}}});
        let s = FieldSet::from_v1(&v1);
        assert_eq!(s.to_v1(), v1);
        assert!(s.contains(&["f:data".into()]));
        assert!(s.contains(&["f:data".into(), "f:a".into()]));
        assert!(!s.contains(&["f:spec".into()]));
        assert!(s.touches(&["f:spec".into()]));
        let applied = set_of(
            &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "uid": "u", "labels": {"a": "1"}},
                "spec": {"containers": [{"name": "c", "image": "i", "args": ["x"]}]}, "status": {"phase": "Running"}}),
            Scope::Main {
                status_subresource: true,
            },
            false,
        );
        assert_eq!(
            applied.to_v1(),
            json!({"f:metadata": {"f:labels": {"f:a": {}}}, "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:args": {}, "f:image": {}, "f:name": {}}}}})
        );
        let updated = set_of(&cm(json!({"a": "1"})), MAIN, true);
        assert_eq!(updated.to_v1(), json!({"f:data": {".": {}, "f:a": {}}}));
        assert_eq!(
            path_string(&[
                "f:spec".into(),
                "f:containers".into(),
                "k:{\"name\":\"c\"}".into(),
                "f:image".into()
            ]),
            ".spec.containers[name=\"c\"].image"
        );
    }

    #[test]
    fn apply_conflicts_with_another_manager_unless_forced() {
        let mut live = cm(json!({"key": "1", "other": "x"}));
        record_update(None, &mut live, "kubectl-client-side-apply", MAIN, T);
        assert_eq!(
            managers(&live),
            [("kubectl-client-side-apply".into(), "Update".into())]
        );
        // the same value: shared ownership, no conflict
        let shared = apply_cm(Some(&live), json!({"key": "1"}), "kubectl", false).unwrap();
        assert_eq!(managers(&shared).len(), 2);
        // a different value: conflict
        let c = apply_cm(Some(&live), json!({"key": "2"}), "kubectl", false).unwrap_err();
        assert_eq!(
            conflict_message(&c),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.key"
        );
        let c = apply_cm(
            Some(&live),
            json!({"key": "2", "other": "y"}),
            "kubectl",
            false,
        )
        .unwrap_err();
        assert_eq!(
            conflict_message(&c),
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using v1:\n- .data.key\n- .data.other"
        );
        // forced: ownership moves
        let forced = apply_cm(Some(&live), json!({"key": "2"}), "kubectl", true).unwrap();
        assert_eq!(forced["data"], json!({"key": "2", "other": "x"}));
        let e = entries_of(&forced["metadata"]["managedFields"]);
        let csa = e
            .iter()
            .find(|e| e.manager == "kubectl-client-side-apply")
            .unwrap();
        assert!(!csa.set.contains(&["f:data".into(), "f:key".into()]));
        assert!(csa.set.contains(&["f:data".into(), "f:other".into()]));
        let ssa = e.iter().find(|e| e.manager == "kubectl").unwrap();
        assert_eq!(ssa.operation, "Apply");
        assert!(ssa.set.contains(&["f:data".into(), "f:key".into()]));
        // now kubectl owns .data.key: the old manager's apply conflicts
        let c = apply_cm(Some(&forced), json!({"key": "3"}), "other-applier", false).unwrap_err();
        assert_eq!(c[0].manager, "\"kubectl\"");
    }

    #[test]
    fn fields_no_longer_applied_are_removed_unless_owned_elsewhere() {
        let first = apply_cm(None, json!({"a": "1", "b": "2", "c": "3"}), "m1", false).unwrap();
        let mut live = first.clone();
        // another manager updates c
        let before = live.clone();
        live["data"]["c"] = json!("33");
        record_update(Some(&before), &mut live, "editor", MAIN, T);
        // m1 now applies only a: b goes, c stays (editor owns it)
        let next = apply_cm(Some(&live), json!({"a": "1"}), "m1", false).unwrap();
        assert_eq!(next["data"], json!({"a": "1", "c": "33"}));
        // applying nothing of data removes a, and data stays for c
        let none = apply(Some(&next), &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"x": "y"}}}),
            "m1", false, MAIN, T, strategic_merge).unwrap();
        assert_eq!(none["data"], json!({"c": "33"}));
        assert_eq!(none["metadata"]["labels"], json!({"x": "y"}));
        // and when nothing is left, data itself goes
        let only = apply_cm(None, json!({"a": "1"}), "m1", false).unwrap();
        let empty = apply(
            Some(&only),
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
            "m1",
            false,
            MAIN,
            T,
            strategic_merge,
        )
        .unwrap();
        assert!(empty.get("data").is_none(), "{empty}");
        // list items by key: a container no longer applied goes
        let pod = |cs: Value| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": cs}});
        let two = apply(
            None,
            &pod(json!([{"name": "a", "image": "1"}, {"name": "b", "image": "2"}])),
            "m",
            false,
            MAIN,
            T,
            strategic_merge,
        )
        .unwrap();
        let one = apply(
            Some(&two),
            &pod(json!([{"name": "a", "image": "1"}])),
            "m",
            false,
            MAIN,
            T,
            strategic_merge,
        )
        .unwrap();
        assert_eq!(
            one["spec"]["containers"],
            json!([{"name": "a", "image": "1"}])
        );
    }

    #[test]
    fn updates_take_ownership_and_reset() {
        let mut a = cm(json!({"a": "1"}));
        record_update(None, &mut a, "creator", MAIN, T);
        let mut b = a.clone();
        b["data"]["a"] = json!("2");
        b["data"]["b"] = json!("3");
        record_update(Some(&a), &mut b, "editor", MAIN, T);
        let e = entries_of(&b["metadata"]["managedFields"]);
        let creator = e.iter().find(|e| e.manager == "creator").unwrap();
        let editor = e.iter().find(|e| e.manager == "editor").unwrap();
        assert!(!creator.set.contains(&["f:data".into(), "f:a".into()]));
        assert!(editor.set.contains(&["f:data".into(), "f:a".into()]));
        assert!(editor.set.contains(&["f:data".into(), "f:b".into()]));
        // an update changing nothing adds no entry
        let mut c = b.clone();
        record_update(Some(&b), &mut c, "idle", MAIN, T);
        assert_eq!(managers(&c).len(), 2);
        // managedFields: [{}] clears them
        let mut d = b.clone();
        d["metadata"]["managedFields"] = json!([{}]);
        record_update(Some(&b), &mut d, "resetter", MAIN, T);
        assert!(d["metadata"].get("managedFields").is_none(), "{d}");
        // status of a type with a status subresource is not the main resource's
        let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Running"}});
        record_update(
            None,
            &mut p,
            "m",
            Scope::Main {
                status_subresource: true,
            },
            T,
        );
        assert!(p["metadata"].get("managedFields").is_none());
        record_update(None, &mut p, "kubelet", Scope::Status, T);
        assert_eq!(p["metadata"]["managedFields"][0]["subresource"], "status");
    }
}
