//! The command and args overriders: append to or drop from a container's `command` or `args`
//! list, as Karmada's `commandOverrider` and `argsOverrider` do (KARMADA.md §1.2).
//!
//! Both share everything but the field they change. Only `containers` of the kinds Karmada knows
//! are changed, every container with the given name; a missing list becomes the computed one.

use serde_json::Value;

use super::Failure;
use super::image::containers_pointer;
use super::nested::field_mut;
use crate::model::{CommandArgsOverrider, ListOperator};

/// The container field an overrider changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerList {
    /// `command`.
    Command,
    /// `args`.
    Args,
}

impl ContainerList {
    /// The field's name in a container.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Args => "args",
        }
    }
}

/// What an overrider did: the pointers whose value changed. `kind_supported` is false when the
/// kind has no containers Karmada changes (nothing was done; the caller warns).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Pointers of the lists that changed.
    pub changed: Vec<String>,
    /// Whether the kind is one whose containers Karmada changes.
    pub kind_supported: bool,
}

/// Applies one overrider. A kind without known containers, a missing `containers` list or no
/// container of that name leave the manifest as it is, as in Karmada.
pub fn apply(
    manifest: &mut Value,
    kind: &str,
    list: ContainerList,
    overrider: &CommandArgsOverrider,
) -> Result<Outcome, Failure> {
    let Some(containers_at) = containers_pointer(kind) else {
        return Ok(Outcome::default());
    };
    let mut outcome = Outcome {
        changed: Vec::new(),
        kind_supported: true,
    };
    let fields: Vec<&str> = containers_at.split('/').skip(1).collect();
    let containers = match field_mut(manifest, &fields)? {
        None => return Ok(outcome),
        Some(Value::Array(containers)) => containers,
        // Karmada reads the list with `unstructured.NestedSlice`, which fails on `null` too.
        Some(other) => {
            return Err(Failure::new(
                containers_at,
                format!("`containers` is {}, not a list", type_name(other)),
            ));
        }
    };
    for (index, container) in containers.iter_mut().enumerate() {
        let at = format!("{containers_at}/{index}");
        let Value::Object(container) = container else {
            // Karmada would crash here; a container must be an object.
            return Err(Failure::new(&at, "the container is not an object"));
        };
        if container.get("name").and_then(Value::as_str) != Some(overrider.container_name.as_str())
        {
            continue;
        }
        let path = format!("{at}/{}", list.field());
        let current = match container.get(list.field()) {
            // Karmada treats an absent list and `null` alike: the result is added.
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(strings(items).ok_or_else(|| {
                Failure::new(
                    &path,
                    format!("`{}` holds an entry that is not a string", list.field()),
                )
            })?),
            Some(other) => {
                return Err(Failure::new(
                    &path,
                    format!(
                        "`{}` is {}, not a list of strings",
                        list.field(),
                        type_name(other)
                    ),
                ));
            }
        };
        let updated = override_list(current.as_deref().unwrap_or_default(), overrider);
        if current.as_deref() != Some(updated.as_slice()) {
            outcome.changed.push(path);
        }
        container.insert(
            list.field().to_owned(),
            Value::Array(updated.into_iter().map(Value::String).collect()),
        );
    }
    Ok(outcome)
}

/// The list after the overrider: values appended, or every entry equal to a value dropped.
#[must_use]
pub fn override_list(current: &[String], overrider: &CommandArgsOverrider) -> Vec<String> {
    match overrider.operator {
        ListOperator::Add => current.iter().chain(&overrider.value).cloned().collect(),
        ListOperator::Remove => current
            .iter()
            .filter(|entry| !overrider.value.contains(entry))
            .cloned()
            .collect(),
    }
}

fn strings(items: &[Value]) -> Option<Vec<String>> {
    items
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

/// A JSON value's type in words, for messages.
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn overrider(operator: ListOperator, value: &[&str]) -> CommandArgsOverrider {
        CommandArgsOverrider {
            container_name: "web".into(),
            operator,
            value: value.iter().map(|value| (*value).to_owned()).collect(),
        }
    }

    fn deployment(container: &Value) -> Value {
        json!({"spec": {"template": {"spec": {"containers": [container]}}}})
    }

    #[test]
    fn remove_drops_every_occurrence_and_keeps_the_order() {
        let mut manifest = deployment(&json!({"name": "web", "args": ["-v", "-t", "-v", "x"]}));
        let outcome = apply(
            &mut manifest,
            "Deployment",
            ContainerList::Args,
            &overrider(ListOperator::Remove, &["-v", "absent"]),
        )
        .unwrap();
        assert_eq!(
            manifest.pointer("/spec/template/spec/containers/0/args"),
            Some(&json!(["-t", "x"]))
        );
        assert_eq!(outcome.changed, ["/spec/template/spec/containers/0/args"]);
    }

    #[test]
    fn a_missing_list_is_added_even_when_removing() {
        let mut manifest = deployment(&json!({"name": "web", "command": null}));
        let outcome = apply(
            &mut manifest,
            "Deployment",
            ContainerList::Command,
            &overrider(ListOperator::Remove, &["x"]),
        )
        .unwrap();
        // Karmada adds the computed (empty) list.
        assert_eq!(
            manifest.pointer("/spec/template/spec/containers/0/command"),
            Some(&json!([]))
        );
        assert_eq!(outcome.changed.len(), 1);
    }

    #[test]
    fn an_unchanged_list_is_not_reported_as_changed() {
        let mut manifest = deployment(&json!({"name": "web", "args": ["a"]}));
        let outcome = apply(
            &mut manifest,
            "Deployment",
            ContainerList::Args,
            &overrider(ListOperator::Remove, &["b"]),
        )
        .unwrap();
        assert!(outcome.changed.is_empty() && outcome.kind_supported);
    }

    #[test]
    fn other_kinds_and_missing_containers_are_left_alone() {
        let mut cron = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "web"}]}}}}}});
        let before = cron.clone();
        let outcome = apply(
            &mut cron,
            "CronJob",
            ContainerList::Command,
            &overrider(ListOperator::Add, &["x"]),
        )
        .unwrap();
        assert_eq!((cron, outcome.kind_supported), (before, false));
        let mut pod = json!({"spec": {}});
        let outcome = apply(
            &mut pod,
            "Pod",
            ContainerList::Command,
            &overrider(ListOperator::Add, &["x"]),
        )
        .unwrap();
        assert_eq!(pod, json!({"spec": {}}));
        assert!(outcome.changed.is_empty());
    }

    #[test]
    fn wrong_types_are_errors_with_their_path() {
        let mut manifest = deployment(&json!({"name": "web", "args": "--verbose"}));
        let failure = apply(
            &mut manifest,
            "Deployment",
            ContainerList::Args,
            &overrider(ListOperator::Add, &["x"]),
        )
        .unwrap_err();
        assert_eq!(failure.path, "/spec/template/spec/containers/0/args");
        assert_eq!(failure.message, "`args` is a string, not a list of strings");
        let mut manifest = deployment(&json!({"name": "web", "args": ["a", 1]}));
        assert!(
            apply(
                &mut manifest,
                "Deployment",
                ContainerList::Args,
                &overrider(ListOperator::Add, &["x"]),
            )
            .is_err()
        );
        let mut manifest = json!({"spec": {"containers": null}});
        let failure = apply(
            &mut manifest,
            "Pod",
            ContainerList::Args,
            &overrider(ListOperator::Add, &["x"]),
        )
        .unwrap_err();
        assert_eq!(failure.path, "/spec/containers");
    }
}
