//! Walking nested object fields the way Kubernetes' `unstructured.NestedField` does, which
//! Karmada's overriders use: a missing field or a `null` on the way means "not there", anything
//! else that is not an object is an error.

use serde_json::Value;

use super::Failure;
use super::command_args::type_name;

/// The value at `fields` (object keys from the root), `None` when it is not there. A `null`
/// at the end is returned as found: callers decide what a `null` field means.
pub(super) fn field_mut<'a>(
    value: &'a mut Value,
    fields: &[&str],
) -> Result<Option<&'a mut Value>, Failure> {
    let mut current = value;
    let mut pointer = String::new();
    for field in fields {
        current = match current {
            Value::Null => return Ok(None),
            Value::Object(map) => match map.get_mut(*field) {
                Some(next) => next,
                None => return Ok(None),
            },
            other => {
                return Err(Failure::new(
                    if pointer.is_empty() { "/" } else { &pointer },
                    format!("expected an object, found {}", type_name(other)),
                ));
            }
        };
        pointer.push('/');
        pointer.push_str(field);
    }
    Ok(Some(current))
}

/// The JSON pointer of `fields`.
pub(super) fn pointer(fields: &[&str]) -> String {
    let mut pointer = String::new();
    for field in fields {
        pointer.push('/');
        pointer.push_str(&escape(field));
    }
    pointer
}

/// A key as one JSON-pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`).
pub(super) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nulls_on_the_way_mean_missing_and_scalars_are_errors() {
        let mut value = json!({"spec": {"template": null}, "status": 3});
        assert_eq!(
            field_mut(&mut value, &["spec", "template", "x"]).unwrap(),
            None
        );
        assert_eq!(field_mut(&mut value, &["nope"]).unwrap(), None);
        assert_eq!(
            field_mut(&mut value, &["spec", "template"]).unwrap(),
            Some(&mut Value::Null)
        );
        let failure = field_mut(&mut value, &["status", "x"]).unwrap_err();
        assert_eq!(failure.path, "/status");
        assert_eq!(pointer(&["metadata", "a/b~c"]), "/metadata/a~1b~0c");
    }
}
