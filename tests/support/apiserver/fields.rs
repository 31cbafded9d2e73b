//! Field paths and sets: what a manager owns. A path walks object fields and list items; items of
//! lists of objects with a `name` (or `port`/`containerPort`) are addressed by that key, as the
//! API server does for containers, env and ports; other lists are atomic leaves.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    /// An object field.
    Field(String),
    /// A list item by its key fields, kept as canonical JSON (`{"name":"web"}`).
    Key(String),
}

/// A path from the object root. A path ending in [`Step::Key`] means "this list item exists".
pub(crate) type Path = Vec<Step>;

/// The fields one manager owns.
pub(crate) type FieldSet = BTreeSet<Path>;

/// Top-level fields that identify an object or that the server owns; no manager owns them.
const UNOWNED_METADATA: [&str; 7] = [
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
];

/// The fields an applied configuration sets.
pub(crate) fn of_applied(applied: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    let Some(root) = applied.as_object() else {
        return set;
    };
    for (name, value) in root {
        match name.as_str() {
            "apiVersion" | "kind" | "status" => {}
            "metadata" => {
                for (field, value) in value.as_object().into_iter().flatten() {
                    if !UNOWNED_METADATA.contains(&field.as_str()) {
                        let path = vec![Step::Field("metadata".into()), Step::Field(field.clone())];
                        collect(value, path, &mut set);
                    }
                }
            }
            _ => collect(value, vec![Step::Field(name.clone())], &mut set),
        }
    }
    set
}

fn collect(value: &Value, path: Path, set: &mut FieldSet) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (name, child) in map {
                let mut child_path = path.clone();
                child_path.push(Step::Field(name.clone()));
                collect(child, child_path, set);
            }
        }
        Value::Array(items) if list_key(items).is_some() => {
            let key_fields = list_key(items).unwrap_or_default();
            for item in items {
                let mut item_path = path.clone();
                item_path.push(Step::Key(item_key(item, key_fields)));
                set.insert(item_path.clone());
                collect(item, item_path, set);
            }
        }
        _ => {
            set.insert(path);
        }
    }
}

/// The key fields of a list whose items are addressed by key, or `None` for an atomic list.
fn list_key(items: &[Value]) -> Option<&'static [&'static str]> {
    const CANDIDATES: [&[&str]; 4] = [
        &["name"],
        &["containerPort", "protocol"],
        &["port", "protocol"],
        &["ip"],
    ];
    if items.is_empty() {
        return None;
    }
    CANDIDATES.into_iter().find(|fields| {
        items
            .iter()
            .all(|item| item.is_object() && !item[fields[0]].is_null())
    })
}

fn item_key(item: &Value, key_fields: &[&str]) -> String {
    let mut key = Map::new();
    for field in key_fields {
        if !item[*field].is_null() {
            key.insert((*field).to_owned(), item[*field].clone());
        }
    }
    Value::Object(key).to_string()
}

fn matches_key(item: &Value, key: &str) -> bool {
    let Ok(Value::Object(key)) = serde_json::from_str::<Value>(key) else {
        return false;
    };
    key.iter().all(|(field, value)| &item[field] == value)
}

/// The value at `path`, if present.
pub(crate) fn get<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    let child = match first {
        Step::Field(name) => value.as_object()?.get(name)?,
        Step::Key(key) => value
            .as_array()?
            .iter()
            .find(|item| matches_key(item, key))?,
    };
    get(child, rest)
}

/// Removes the value at `path`; parents left empty by the removal go too, so a manager that
/// stops applying `spec.a.b` does not leave `spec.a: {}` behind.
pub(crate) fn remove(value: &mut Value, path: &[Step]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    match (first, value) {
        (Step::Field(name), Value::Object(map)) => {
            if rest.is_empty() {
                map.remove(name);
            } else if let Some(child) = map.get_mut(name) {
                remove(child, rest);
                if is_empty_container(child) {
                    map.remove(name);
                }
            }
        }
        (Step::Key(key), Value::Array(items)) => {
            if rest.is_empty() {
                items.retain(|item| !matches_key(item, key));
            } else if let Some(item) = items.iter_mut().find(|item| matches_key(item, key)) {
                remove(item, rest);
            }
        }
        _ => {}
    }
}

fn is_empty_container(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Merges `applied` into `live`: objects field by field, keyed lists item by item, anything else
/// replaced whole.
pub(crate) fn merge(live: &mut Value, applied: &Value) {
    match (live, applied) {
        (Value::Object(live), Value::Object(applied)) => {
            for (name, value) in applied {
                match live.get_mut(name) {
                    Some(existing) => merge(existing, value),
                    None => {
                        live.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(live), Value::Array(applied)) if list_key(applied).is_some() => {
            let key_fields = list_key(applied).unwrap_or_default();
            for item in applied {
                let key = item_key(item, key_fields);
                match live.iter_mut().find(|existing| matches_key(existing, &key)) {
                    Some(existing) => merge(existing, item),
                    None => live.push(item.clone()),
                }
            }
        }
        (live, applied) => *live = applied.clone(),
    }
}

/// The readable form used in conflict messages: `.spec.containers[name="web"].image`.
pub(crate) fn display(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Field(name) => {
                text.push('.');
                text.push_str(name);
            }
            Step::Key(key) => {
                let Ok(Value::Object(key)) = serde_json::from_str::<Value>(key) else {
                    continue;
                };
                let parts: Vec<String> = key
                    .iter()
                    .map(|(field, value)| format!("{field}={value}"))
                    .collect();
                text.push('[');
                text.push_str(&parts.join(","));
                text.push(']');
            }
        }
    }
    text
}

/// The `FieldsV1` form stored in `managedFields`: `{"f:spec":{"f:replicas":{}}}`, with `"."` marking
/// a keyed list item itself.
pub(crate) fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for step in path {
            let name = match step {
                Step::Field(name) => format!("f:{name}"),
                Step::Key(key) => format!("k:{key}"),
            };
            node = node
                .entry(name)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .unwrap_or_else(|| unreachable!("every node is an object"));
        }
        if matches!(path.last(), Some(Step::Key(_))) {
            node.insert(".".into(), Value::Object(Map::new()));
        }
    }
    Value::Object(root)
}
