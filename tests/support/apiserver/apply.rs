//! Server-side apply: merges a manager's applied configuration into the live object, records
//! which fields each manager owns, refuses to take fields owned by others unless forced, and
//! removes fields a manager stopped applying when nobody else owns them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::defaults;
use super::fields::{self, FieldSet};
use super::kinds::Kind;
use super::status::ApiError;
use super::store::{Entry, ObjectKey, Store, now};

/// One apply request.
pub(crate) struct Apply<'a> {
    pub(crate) kind: &'a Kind,
    pub(crate) key: ObjectKey,
    pub(crate) applied: Value,
    pub(crate) manager: &'a str,
    pub(crate) force: bool,
    pub(crate) dry_run: bool,
}

/// Applies and returns the resulting object (with `managedFields`). With `dry_run` the store is
/// left as it was, but the result is computed exactly as for a real apply.
pub(crate) fn apply(store: &mut Store, request: Apply<'_>) -> Result<Value, ApiError> {
    let Apply {
        kind,
        key,
        applied,
        manager,
        force,
        dry_run,
    } = request;
    if applied["kind"].as_str() != Some(kind.kind.as_str())
        || applied["apiVersion"].as_str() != Some(kind.api_version().as_str())
    {
        return Err(ApiError::bad_request(format!(
            "the body declares {}/{} but the URL is for {}/{}",
            applied["apiVersion"],
            applied["kind"],
            kind.api_version(),
            kind.kind
        )));
    }
    if applied["metadata"]["name"]
        .as_str()
        .is_some_and(|name| name != key.name)
    {
        return Err(ApiError::bad_request(
            "the name of the object does not match the name in the URL",
        ));
    }
    if kind.namespaced {
        let namespace = ObjectKey {
            resource: "namespaces".into(),
            namespace: String::new(),
            name: key.namespace.clone(),
        };
        if store.get(&namespace).is_none() {
            return Err(ApiError::not_found("namespaces", &key.namespace));
        }
    }

    if applied["metadata"]["namespace"]
        .as_str()
        .is_some_and(|namespace| namespace != key.namespace)
    {
        return Err(ApiError::bad_request(
            "the namespace of the object does not match the namespace in the URL",
        ));
    }
    // Every served kind has a status subresource, so an apply to the main resource ignores
    // `status`, as the API server does.
    let mut applied = applied;
    if let Some(map) = applied.as_object_mut() {
        map.remove("status");
    }

    let owned = fields::of_applied(&applied);
    let existing = store.get(&key).cloned();
    // A resourceVersion in the body is a precondition: apply only onto that version.
    if let Some(expected) = applied["metadata"]["resourceVersion"].as_str() {
        let live = existing
            .as_ref()
            .and_then(|entry| entry.object["metadata"]["resourceVersion"].as_str());
        if live != Some(expected) {
            return Err(ApiError::modified(&kind.resource(), &key.name));
        }
    }
    let (mut object, mut managers) = match &existing {
        Some(entry) => (entry.object.clone(), entry.managers.clone()),
        None => (json!({}), BTreeMap::new()),
    };

    // A field another manager owns with a different value than the one applied is a conflict;
    // with the same value the two managers share it.
    let mut conflicts = Vec::new();
    for (other, other_fields) in &managers {
        if other == manager {
            continue;
        }
        for path in owned.intersection(other_fields) {
            // Two managers may both keep a list item; only its fields can conflict.
            let item_marker = matches!(path.last(), Some(fields::Step::Key(_)));
            if !item_marker && fields::get(&object, path) != fields::get(&applied, path) {
                conflicts.push((other.clone(), path.clone()));
            }
        }
    }
    if !conflicts.is_empty() {
        if !force {
            let listed: Vec<(String, String)> = conflicts
                .iter()
                .map(|(other, path)| (other.clone(), fields::display(path)))
                .collect();
            return Err(ApiError::apply_conflict(
                &kind.api_version(),
                &key.name,
                &listed,
            ));
        }
        for (other, path) in &conflicts {
            if let Some(other_fields) = managers.get_mut(other) {
                other_fields.remove(path);
            }
        }
    }

    // Fields this manager applied last time but not now go away unless someone else owns them.
    let previous = managers.get(manager).cloned().unwrap_or_default();
    let dropped: Vec<_> = previous.difference(&owned).cloned().collect();
    // Longest paths first, so a list item's fields go before the item itself.
    for path in dropped.iter().rev() {
        let kept = managers
            .iter()
            .any(|(other, other_fields)| other != manager && other_fields.contains(path));
        if !kept {
            fields::remove(&mut object, path);
        }
    }

    let before = spec_of(&object);
    fields::merge(&mut object, &applied);
    defaults::apply(kind, &mut object);
    managers.insert(manager.to_owned(), owned);
    managers.retain(|_, owned: &mut FieldSet| !owned.is_empty());

    let changed = before != spec_of(&object);
    let metadata = &mut object["metadata"];
    metadata["name"] = Value::String(key.name.clone());
    if kind.namespaced {
        metadata["namespace"] = Value::String(key.namespace.clone());
    }
    match &existing {
        None => {
            metadata["uid"] = Value::String(uuid::Uuid::new_v4().to_string());
            metadata["generation"] = Value::from(1);
            metadata["creationTimestamp"] = Value::String(now());
        }
        Some(entry) => {
            let generation = entry.object["metadata"]["generation"].as_i64().unwrap_or(1);
            metadata["generation"] = Value::from(generation + i64::from(changed));
        }
    }
    let unchanged = existing.as_ref().is_some_and(|entry| {
        without_server_fields(&entry.object) == without_server_fields(&object)
            && entry.managers == managers
    });
    object["metadata"]["resourceVersion"] = match (&existing, unchanged) {
        (Some(entry), true) => entry.object["metadata"]["resourceVersion"].clone(),
        _ if dry_run => Value::String(store.resource_version()),
        _ => Value::String(store.next_resource_version()),
    };
    object["metadata"]["managedFields"] = managed_fields(&managers, &kind.api_version());

    if !dry_run && !unchanged {
        store.put(key, Entry::new(object.clone(), managers));
    }
    Ok(object)
}

/// Everything but metadata and status: what `generation` counts changes of.
pub(crate) fn spec_of(object: &Value) -> Value {
    let mut spec = object.clone();
    if let Some(map) = spec.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    spec
}

/// The object without the fields the server rewrites on every write, to tell a no-op apply.
fn without_server_fields(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(metadata) = copy["metadata"].as_object_mut() {
        metadata.remove("resourceVersion");
        metadata.remove("managedFields");
        metadata.remove("generation");
    }
    copy
}

/// `metadata.managedFields`: one Apply entry per manager, in manager order.
pub(crate) fn managed_fields(managers: &BTreeMap<String, FieldSet>, api_version: &str) -> Value {
    Value::Array(
        managers
            .iter()
            .map(|(manager, owned)| {
                json!({
                    "manager": manager,
                    "operation": "Apply",
                    "apiVersion": api_version,
                    "time": now(),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": fields::to_fields_v1(owned),
                })
            })
            .collect(),
    )
}
