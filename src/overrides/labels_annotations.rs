//! The labels and annotations overriders: add, replace or remove keys of the object's own
//! `metadata.labels` or `metadata.annotations` (not the pod template's), as Karmada's
//! `labelsOverrider` and `annotationsOverrider` do (KARMADA.md §1.2).
//!
//! `add` sets every key, creating the map when it is missing; `replace` sets only keys that
//! exist; `remove` deletes the keys that exist, whatever values are given.

use serde_json::{Map, Value};

use super::Failure;
use super::nested::{escape, field_mut, pointer};
use crate::model::{MetadataOverrider, PatchOperator};

/// The metadata map an overrider changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataMap {
    /// `metadata.labels`.
    Labels,
    /// `metadata.annotations`.
    Annotations,
}

impl MetadataMap {
    /// The field's name in `metadata`.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::Labels => "labels",
            Self::Annotations => "annotations",
        }
    }
}

/// Applies one overrider; returns the pointers of the keys whose value changed.
pub fn apply(
    manifest: &mut Value,
    map: MetadataMap,
    overrider: &MetadataOverrider,
) -> Result<Vec<String>, Failure> {
    let fields = ["metadata", map.field()];
    let at = pointer(&fields);
    let mut changed = Vec::new();
    if overrider.value.is_empty() {
        return Ok(changed);
    }
    let existing = match field_mut(manifest, &fields)? {
        // Karmada reads a `null` map as missing.
        None | Some(Value::Null) => None,
        Some(Value::Object(entries)) if entries.values().all(Value::is_string) => Some(entries),
        Some(_) => {
            // Karmada would skip (replace, remove) or silently empty the map (add); a map that
            // is not all strings is invalid Kubernetes, so it is reported instead.
            return Err(Failure::new(
                &at,
                format!("`metadata.{}` is not a map of strings", map.field()),
            ));
        }
    };
    let entries = match (existing, overrider.operator) {
        (Some(entries), _) => entries,
        (None, PatchOperator::Replace | PatchOperator::Remove) => return Ok(changed),
        (None, PatchOperator::Add) => create(manifest, map)?,
    };
    for (key, value) in &overrider.value {
        let path = format!("{at}/{}", escape(key));
        let old = entries.get(key).and_then(Value::as_str);
        match overrider.operator {
            PatchOperator::Add => {
                if old != Some(value.as_str()) {
                    changed.push(path);
                }
                entries.insert(key.clone(), Value::String(value.clone()));
            }
            PatchOperator::Replace => {
                if let Some(old) = old {
                    if old != value {
                        changed.push(path);
                    }
                    entries.insert(key.clone(), Value::String(value.clone()));
                }
            }
            PatchOperator::Remove => {
                if entries.remove(key).is_some() {
                    changed.push(path);
                }
            }
        }
    }
    Ok(changed)
}

/// Creates the empty map (and `metadata`, if needed) for an `add`.
fn create(manifest: &mut Value, map: MetadataMap) -> Result<&mut Map<String, Value>, Failure> {
    let Some(object) = manifest.as_object_mut() else {
        return Err(Failure::new("/", "the object is not a JSON object"));
    };
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if metadata.is_null() {
        *metadata = Value::Object(Map::new());
    }
    let Some(metadata) = metadata.as_object_mut() else {
        return Err(Failure::new("/metadata", "`metadata` is not an object"));
    };
    let entries = metadata
        .entry(map.field())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entries.is_object() {
        *entries = Value::Object(Map::new());
    }
    entries
        .as_object_mut()
        .ok_or_else(|| Failure::new("/metadata", "`metadata` is not an object"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn overrider(operator: PatchOperator, pairs: &[(&str, &str)]) -> MetadataOverrider {
        MetadataOverrider {
            operator,
            value: pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn add_creates_a_missing_or_null_map_and_escapes_slashes() {
        for mut manifest in [
            json!({"metadata": {"name": "x"}}),
            json!({"metadata": {"name": "x", "annotations": null}}),
        ] {
            let changed = apply(
                &mut manifest,
                MetadataMap::Annotations,
                &overrider(PatchOperator::Add, &[("example.com/owner", "ops")]),
            )
            .unwrap();
            assert_eq!(
                manifest["metadata"]["annotations"],
                json!({"example.com/owner": "ops"})
            );
            assert_eq!(changed, ["/metadata/annotations/example.com~1owner"]);
        }
    }

    #[test]
    fn replace_and_remove_skip_missing_keys_and_maps() {
        let mut manifest = json!({"metadata": {"labels": {"a": "1"}}});
        let changed = apply(
            &mut manifest,
            MetadataMap::Labels,
            &overrider(PatchOperator::Replace, &[("a", "2"), ("b", "3")]),
        )
        .unwrap();
        assert_eq!(manifest["metadata"]["labels"], json!({"a": "2"}));
        assert_eq!(changed, ["/metadata/labels/a"]);
        let mut bare = json!({"metadata": {"name": "x"}});
        for operator in [PatchOperator::Replace, PatchOperator::Remove] {
            let changed = apply(
                &mut bare,
                MetadataMap::Labels,
                &overrider(operator, &[("a", "1")]),
            )
            .unwrap();
            assert!(changed.is_empty());
            assert_eq!(bare, json!({"metadata": {"name": "x"}}));
        }
    }

    #[test]
    fn an_empty_value_changes_nothing_and_unchanged_keys_are_not_reported() {
        let mut manifest = json!({"metadata": {"name": "x"}});
        apply(
            &mut manifest,
            MetadataMap::Labels,
            &overrider(PatchOperator::Add, &[]),
        )
        .unwrap();
        assert_eq!(manifest, json!({"metadata": {"name": "x"}}));
        let mut manifest = json!({"metadata": {"labels": {"a": "1"}}});
        let changed = apply(
            &mut manifest,
            MetadataMap::Labels,
            &overrider(PatchOperator::Add, &[("a", "1")]),
        )
        .unwrap();
        assert!(changed.is_empty());
    }

    #[test]
    fn a_map_that_is_not_all_strings_is_an_error() {
        let mut manifest = json!({"metadata": {"labels": {"version": 2}}});
        let failure = apply(
            &mut manifest,
            MetadataMap::Labels,
            &overrider(PatchOperator::Add, &[("a", "1")]),
        )
        .unwrap_err();
        assert_eq!(failure.path, "/metadata/labels");
        assert_eq!(failure.message, "`metadata.labels` is not a map of strings");
    }
}
