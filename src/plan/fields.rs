//! Field-level differences between two versions of an object: which leaves changed, each with
//! a readable path (`spec.template.spec.containers[0].image`).
//!
//! Pure. Values are returned as they are: callers mask Secret values before showing them.

use serde_json::Value;

/// One changed leaf.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The path, dotted, with `[i]` for list items.
    pub path: String,
    /// The value before (absent when the field is new).
    pub before: Option<Value>,
    /// The value after (absent when the field is removed).
    pub after: Option<Value>,
}

/// Metadata the API server writes: never a difference anyone made.
const SERVER_FIELDS: [&str; 6] = [
    "resourceVersion",
    "uid",
    "generation",
    "managedFields",
    "creationTimestamp",
    "selfLink",
];

/// The leaves that differ between `before` and `after`, in path order. `status` and the
/// metadata the server writes are left out: they change on every cluster all the time.
#[must_use]
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk("", Some(before), Some(after), &mut changes);
    changes.retain(|change| {
        !(change.path == "status"
            || change.path.starts_with("status.")
            || SERVER_FIELDS.iter().any(|field| {
                let field = format!("metadata.{field}");
                change.path == field || change.path.starts_with(&format!("{field}."))
            }))
    });
    changes
}

fn child(path: &str, key: &str) -> String {
    // Keys such as `app.kubernetes.io/name` would make a dotted path ambiguous.
    let key = if key.contains(['.', '/', '[', ' ']) || key.is_empty() {
        format!("[{key:?}]")
    } else {
        key.to_owned()
    };
    match (path.is_empty(), key.starts_with('[')) {
        (true, _) => key,
        (false, true) => format!("{path}{key}"),
        (false, false) => format!("{path}.{key}"),
    }
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Some(Value::Object(before)), Some(Value::Object(after))) => {
            let keys: std::collections::BTreeSet<&String> =
                before.keys().chain(after.keys()).collect();
            for key in keys {
                walk(&child(path, key), before.get(key), after.get(key), out);
            }
        }
        // Lists of the same length are compared item by item; otherwise the list changed as a
        // whole, and listing every shifted item would only hide what happened.
        (Some(Value::Array(before)), Some(Value::Array(after))) if before.len() == after.len() => {
            for (index, (before, after)) in before.iter().zip(after).enumerate() {
                walk(&format!("{path}[{index}]"), Some(before), Some(after), out);
            }
        }
        (before, after) if before != after => out.push(FieldChange {
            path: path.to_owned(),
            before: before.cloned(),
            after: after.cloned(),
        }),
        _ => {}
    }
}

/// A value on one line, for summaries: strings bare, everything else as compact JSON, long
/// values cut.
#[must_use]
pub fn short(value: Option<&Value>) -> String {
    let text = match value {
        None => return "(none)".to_owned(),
        // A line break or control character could forge a line of a report: quote the value
        // as JSON, which escapes them.
        Some(Value::String(text)) if text.chars().any(char::is_control) => {
            Value::String(text.clone()).to_string()
        }
        Some(Value::String(text)) => text.clone(),
        Some(value) => value.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_changed_leaves_are_listed() {
        let before = json!({"metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "a"}},
            "spec": {"replicas": 4, "template": {"spec": {"containers": [{"image": "a:1"}]}}}});
        let after = json!({"metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "b"}},
            "spec": {"replicas": 7, "template": {"spec": {"containers": [{"image": "a:2"}]}}}});
        let paths: Vec<String> = diff(&before, &after).into_iter().map(|c| c.path).collect();
        assert_eq!(
            paths,
            [
                "metadata.labels[\"app.kubernetes.io/name\"]",
                "spec.replicas",
                "spec.template.spec.containers[0].image"
            ]
        );
    }

    #[test]
    fn added_removed_and_resized_fields() {
        let changes = diff(
            &json!({"a": 1, "list": [1, 2], "status": {"x": 1}}),
            &json!({"b": 2, "list": [1], "status": {"x": 2}}),
        );
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[0].after, None);
        assert_eq!(changes[1].before, None);
        assert_eq!(changes[2].path, "list");
    }

    #[test]
    fn short_values() {
        assert_eq!(short(Some(&json!("x"))), "x");
        assert_eq!(short(Some(&json!(7))), "7");
        assert_eq!(short(None), "(none)");
        assert!(short(Some(&json!("y".repeat(100)))).ends_with("..."));
        assert_eq!(
            short(Some(&json!("a\n- **us-9**: forged"))),
            r#""a\n- **us-9**: forged""#
        );
    }
}
