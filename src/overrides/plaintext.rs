//! The plaintext overrider: RFC 6902 JSON-patch operations on the manifest, with the semantics
//! of Karmada's JSON-patch library (KARMADA.md §1.2): `add` needs the parent and replaces an
//! existing member, `replace` and `remove` need the field, `-` appends to a list. The field
//! overrider applies the same operations inside a decoded string.

use serde_json::{Map, Value};

use super::Failure;
use crate::model::{PatchOperator, PlaintextPatch};

/// Applies the operations in order; returns the pointers whose value changed (`-` resolved to
/// the index it appended at). Stops at the first operation that fails.
pub fn apply(document: &mut Value, operations: &[PlaintextPatch]) -> Result<Vec<String>, Failure> {
    let mut changed = Vec::new();
    for operation in operations {
        let resolved = resolve_append(document, operation);
        let before = document.pointer(&resolved).cloned();
        let patch = single(operation)?;
        json_patch::patch(document, &patch).map_err(|_| failure(document, operation))?;
        if document.pointer(&resolved) != before.as_ref() && !changed.contains(&resolved) {
            changed.push(resolved);
        }
    }
    Ok(changed)
}

/// The operation as a one-operation patch document.
fn single(operation: &PlaintextPatch) -> Result<json_patch::Patch, Failure> {
    let mut entry = Map::new();
    entry.insert(
        "op".into(),
        Value::String(operation.operator.as_str().to_owned()),
    );
    entry.insert("path".into(), Value::String(operation.path.clone()));
    if operation.operator != PatchOperator::Remove {
        entry.insert(
            "value".into(),
            operation.value.clone().unwrap_or(Value::Null),
        );
    }
    serde_json::from_value(Value::Array(vec![Value::Object(entry)]))
        .map_err(|error| Failure::new(&operation.path, format!("invalid operation: {error}")))
}

/// `…/-` (append) as the index it will append at, so the change can be found afterwards.
fn resolve_append(document: &Value, operation: &PlaintextPatch) -> String {
    match operation.path.strip_suffix("/-") {
        Some(parent) if operation.operator == PatchOperator::Add => {
            match document.pointer(parent) {
                Some(Value::Array(items)) => format!("{parent}/{}", items.len()),
                _ => operation.path.clone(),
            }
        }
        _ => operation.path.clone(),
    }
}

/// Why an operation failed, in words: the JSON-patch library only says "path is invalid".
fn failure(document: &Value, operation: &PlaintextPatch) -> Failure {
    let path = &operation.path;
    let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
    let message = match operation.operator {
        PatchOperator::Add if document.pointer(parent).is_none() => {
            format!(
                "`add` needs the parent `{}` to exist",
                if parent.is_empty() { "/" } else { parent }
            )
        }
        PatchOperator::Add => match document.pointer(parent) {
            Some(Value::Array(items)) => format!(
                "`add` into a list of {} needs an index from 0 to {} or `-`",
                items.len(),
                items.len()
            ),
            Some(Value::Object(_)) => "`add` failed".to_owned(),
            _ => format!("`add` needs `{parent}` to be an object or a list"),
        },
        PatchOperator::Replace | PatchOperator::Remove => {
            format!("`{}` needs the field to exist", operation.operator.as_str())
        }
    };
    Failure::new(path, message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn op(operator: PatchOperator, path: &str, value: Option<Value>) -> PlaintextPatch {
        PlaintextPatch {
            path: path.into(),
            operator,
            value,
        }
    }

    #[test]
    fn appends_report_the_index_they_appended_at() {
        let mut document = json!({"env": [{"name": "A"}]});
        let changed = apply(
            &mut document,
            &[op(PatchOperator::Add, "/env/-", Some(json!({"name": "B"})))],
        )
        .unwrap();
        assert_eq!(changed, ["/env/1"]);
        assert_eq!(document["env"][1]["name"], "B");
    }

    #[test]
    fn failures_say_what_is_missing() {
        let mut document = json!({"spec": {"list": [1]}});
        let cases = [
            (
                op(PatchOperator::Add, "/spec/missing/x", Some(json!(1))),
                "`add` needs the parent `/spec/missing` to exist",
            ),
            (
                op(PatchOperator::Replace, "/spec/x", Some(json!(1))),
                "`replace` needs the field to exist",
            ),
            (
                op(PatchOperator::Remove, "/spec/x", None),
                "`remove` needs the field to exist",
            ),
            (
                op(PatchOperator::Add, "/spec/list/5", Some(json!(1))),
                "`add` into a list of 1 needs an index from 0 to 1 or `-`",
            ),
        ];
        for (operation, message) in cases {
            let failure = apply(&mut document, &[operation]).unwrap_err();
            assert_eq!(failure.message, message);
        }
        assert_eq!(document, json!({"spec": {"list": [1]}}));
    }

    #[test]
    fn add_replaces_an_existing_member_and_unchanged_values_are_not_reported() {
        let mut document = json!({"a": 1});
        let changed = apply(
            &mut document,
            &[
                op(PatchOperator::Add, "/a", Some(json!(2))),
                op(PatchOperator::Replace, "/a", Some(json!(2))),
            ],
        )
        .unwrap();
        assert_eq!(document, json!({"a": 2}));
        assert_eq!(changed, ["/a"]);
    }
}
