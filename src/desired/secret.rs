//! Secrets: their values never reach the state, a plan, a saved plan or a log.
//!
//! Output shows `(sensitive)` for each value. The state keeps, instead of each value, an
//! HMAC-SHA256 keyed with the workspace's secret key, so that a change shows in `git diff` while
//! the value stays out; object digests of Secrets are taken over that keyed form. The key comes
//! from `MCCTL_SECRET_KEY` (set the same in every place that plans); without it, it is derived
//! from the workspace name, which anyone reading the repository knows, so a weak value could then
//! be confirmed by guessing. The CLI warns when it falls back.

use std::borrow::Cow;
use std::sync::Arc;

use hmac::{KeyInit, Mac};
use serde_json::Value;

use crate::addr::ObjectRef;

/// What replaces a Secret value in output.
pub const SENSITIVE: &str = "(sensitive)";

/// The key of the keyed digests.
#[derive(Clone)]
pub struct SecretKey {
    bytes: Vec<u8>,
    /// Whether the key was given (rather than derived from the workspace name).
    pub given: bool,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("given", &self.given)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// A given key.
    #[must_use]
    pub fn given(key: &str) -> Self {
        Self {
            bytes: key.as_bytes().to_vec(),
            given: true,
        }
    }

    /// The fallback key of a workspace, derived from its name.
    #[must_use]
    pub fn derived(workspace: &str) -> Self {
        Self {
            bytes: format!("mcctl-secret-key:{workspace}").into_bytes(),
            given: false,
        }
    }

    fn mac(&self, parts: &[&[u8]]) -> String {
        // HMAC accepts keys of any length, so this cannot fail.
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.bytes) else {
            return String::new();
        };
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        let bytes = mac.finalize().into_bytes();
        let mut text = String::with_capacity(71);
        text.push_str("hmac-sha256:");
        for byte in bytes {
            use std::fmt::Write as _;
            let _ = write!(text, "{byte:02x}");
        }
        text
    }
}

/// Whether an object is a Secret.
#[must_use]
pub fn is_secret(object: &ObjectRef) -> bool {
    object.group.is_empty() && object.kind == "Secret"
}

/// The fields of a Secret that hold values.
const VALUE_FIELDS: [&str; 2] = ["data", "stringData"];

/// The annotation `kubectl apply` leaves on an object: on a Secret it is the whole Secret, values
/// included, as JSON.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Its JSON pointer.
const LAST_APPLIED_POINTER: &str =
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration";

/// Whether a field, named as `plan::fields` names them (`data.password`,
/// `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`), holds a Secret
/// value, so that reports of field changes mask exactly what [`redact`] masks.
#[must_use]
pub fn is_value_field(path: &str) -> bool {
    VALUE_FIELDS.iter().any(|field| {
        path.strip_prefix(field)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    }) || path == format!("metadata.annotations[{LAST_APPLIED:?}]")
}

fn map_values(manifest: &Value, mut replace: impl FnMut(Option<&str>, &Value) -> Value) -> Value {
    let mut redacted = manifest.clone();
    if let Some(value) = redacted.pointer_mut(LAST_APPLIED_POINTER) {
        *value = replace(Some(LAST_APPLIED), value);
    }
    for field in VALUE_FIELDS {
        match redacted.get_mut(field) {
            Some(Value::Object(values)) => {
                for (key, value) in values.iter_mut() {
                    *value = replace(Some(key), value);
                }
            }
            // Not a map (the model refuses it, but never print it either way).
            Some(value) if !value.is_null() => *value = replace(None, value),
            _ => {}
        }
    }
    redacted
}

/// A manifest for output: each Secret value is `(sensitive)`. Other objects are unchanged.
#[must_use]
pub fn redact(object: &ObjectRef, manifest: &Value) -> Value {
    if !is_secret(object) {
        return manifest.clone();
    }
    map_values(manifest, |_, _| Value::String(SENSITIVE.to_owned()))
}

/// A manifest for the state: each Secret value is its keyed digest. Other objects are unchanged.
#[must_use]
pub fn redact_keyed(object: &ObjectRef, manifest: &Value, key: &SecretKey) -> Value {
    if !is_secret(object) {
        return manifest.clone();
    }
    map_values(manifest, |name, value| {
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        Value::String(key.mac(&[name.unwrap_or("").as_bytes(), text.as_bytes()]))
    })
}

/// What marks a Secret value that this plan changes.
pub const SENSITIVE_CHANGED: &str = "(sensitive, changed)";

/// The JSON pointers of the Secret values that differ between `before` and `after` (added,
/// removed or changed). Values are compared in their keyed form, so `before` may be the live
/// object (plain values) or the state's copy (keyed digests). Empty for other objects.
#[must_use]
pub fn changed_values(
    object: &ObjectRef,
    before: Option<&Value>,
    after: Option<&Value>,
    key: &SecretKey,
) -> Vec<String> {
    if !is_secret(object) {
        return Vec::new();
    }
    // A value the state already holds as a keyed digest is compared as it is.
    let keyed = |manifest: Option<&Value>,
                 field: &str|
     -> std::collections::BTreeMap<String, String> {
        let Some(Value::Object(values)) = manifest.and_then(|manifest| manifest.get(field)) else {
            return std::collections::BTreeMap::new();
        };
        values
            .iter()
            .map(|(name, value)| {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                let digest = if text.starts_with("hmac-sha256:") {
                    text
                } else {
                    key.mac(&[name.as_bytes(), text.as_bytes()])
                };
                (name.clone(), digest)
            })
            .collect()
    };
    let mut changed = Vec::new();
    // `last-applied-configuration` is a value of its own: keyed the same way, compared as one.
    let annotation = |manifest: Option<&Value>| {
        manifest
            .and_then(|manifest| manifest.pointer(LAST_APPLIED_POINTER))
            .map(|value| {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                if text.starts_with("hmac-sha256:") {
                    text
                } else {
                    key.mac(&[LAST_APPLIED.as_bytes(), text.as_bytes()])
                }
            })
    };
    if annotation(before) != annotation(after) {
        changed.push(LAST_APPLIED_POINTER.to_owned());
    }
    for field in VALUE_FIELDS {
        let before = keyed(before, field);
        let after = keyed(after, field);
        let names: std::collections::BTreeSet<&String> =
            before.keys().chain(after.keys()).collect();
        for name in names {
            if before.get(name) != after.get(name) {
                changed.push(format!(
                    "/{field}/{}",
                    name.replace('~', "~0").replace('/', "~1")
                ));
            }
        }
    }
    changed
}

/// A manifest for output where each Secret value is `(sensitive)`, or `(sensitive, changed)`
/// when its JSON pointer is in `changed`.
#[must_use]
pub fn redact_marked<'a>(
    object: &ObjectRef,
    manifest: &'a Value,
    changed: &[String],
) -> Cow<'a, Value> {
    if !is_secret(object) {
        return Cow::Borrowed(manifest);
    }
    let mut redacted = redact(object, manifest);
    for pointer in changed {
        if let Some(value) = redacted.pointer_mut(pointer) {
            *value = Value::String(SENSITIVE_CHANGED.to_owned());
        }
    }
    Cow::Owned(redacted)
}

/// The manifest the state keeps of an object: the applied one itself, shared, except for a
/// Secret, whose values are replaced by keyed digests ([`redact_keyed`]).
#[must_use]
pub fn recorded_manifest(object: &ObjectRef, manifest: &Arc<Value>, key: &SecretKey) -> Arc<Value> {
    if is_secret(object) {
        Arc::new(redact_keyed(object, manifest, key))
    } else {
        Arc::clone(manifest)
    }
}

/// The digest that identifies what an object holds: sha256 of its canonical JSON, over the keyed
/// form for Secrets, so that no plain hash of a Secret value is ever stored.
#[must_use]
pub fn object_digest(object: &ObjectRef, manifest: &Value, key: &SecretKey) -> String {
    if is_secret(object) {
        super::digest(&redact_keyed(object, manifest, key))
    } else {
        super::digest(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret() -> ObjectRef {
        "core/Secret/default/token".parse().unwrap()
    }

    #[test]
    fn output_never_shows_values() {
        let manifest = json!({"kind": "Secret", "data": {"password": "aHVudGVyMg=="}, "stringData": "password=hunter2"});
        let text = redact(&secret(), &manifest).to_string();
        assert!(
            !text.contains("aHVudGVyMg==") && !text.contains("hunter2"),
            "{text}"
        );
        assert_eq!(redact(&secret(), &manifest)["data"]["password"], SENSITIVE);
    }

    /// `kubectl apply` leaves the whole Secret, values included, in an annotation.
    #[test]
    fn the_last_applied_annotation_is_a_value_too() {
        let key = SecretKey::given("k");
        let applied = r#"{"kind":"Secret","stringData":{"password":"hunter2"}}"#;
        let live = json!({"kind": "Secret", "metadata": {"annotations": {LAST_APPLIED: applied, "team": "shop"}}});
        for shown in [
            redact(&secret(), &live),
            redact_keyed(&secret(), &live, &key),
            redact_marked(&secret(), &live, &[LAST_APPLIED_POINTER.to_owned()]).into_owned(),
        ] {
            let text = shown.to_string();
            assert!(!text.contains("hunter2"), "{text}");
            assert_eq!(shown["metadata"]["annotations"]["team"], "shop");
        }
        let recorded = redact_keyed(&secret(), &live, &key);
        assert!(changed_values(&secret(), Some(&recorded), Some(&live), &key).is_empty());
        let other = json!({"metadata": {"annotations": {LAST_APPLIED: "{}"}}});
        assert_eq!(
            changed_values(&secret(), Some(&recorded), Some(&other), &key),
            [LAST_APPLIED_POINTER]
        );
    }

    #[test]
    fn value_fields_are_named_as_field_reports_name_them() {
        for path in [
            "data",
            "data.password",
            "stringData[\"a.b\"]",
            "metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"]",
        ] {
            assert!(is_value_field(path), "{path}");
        }
        for path in ["database", "metadata.annotations.team", "spec.data"] {
            assert!(!is_value_field(path), "{path}");
        }
    }

    #[test]
    fn keyed_digests_depend_on_the_key_and_the_entry() {
        let manifest = json!({"kind": "Secret", "data": {"a": "x", "b": "x"}});
        let one = redact_keyed(&secret(), &manifest, &SecretKey::given("one"));
        let two = redact_keyed(&secret(), &manifest, &SecretKey::given("two"));
        assert_ne!(one["data"]["a"], two["data"]["a"]);
        assert_ne!(one["data"]["a"], one["data"]["b"]);
        assert!(!one.to_string().contains("\"x\""));
        assert_ne!(
            object_digest(&secret(), &manifest, &SecretKey::given("one")),
            crate::desired::digest(&manifest)
        );
    }

    #[test]
    fn other_objects_are_untouched() {
        let config_map: ObjectRef = "core/ConfigMap/default/x".parse().unwrap();
        let manifest = json!({"data": {"a": "b"}});
        assert_eq!(redact(&config_map, &manifest), manifest);
        assert_eq!(
            object_digest(&config_map, &manifest, &SecretKey::derived("w")),
            crate::desired::digest(&manifest)
        );
    }

    #[test]
    fn changed_values_compare_plain_and_keyed_forms() {
        let key = SecretKey::given("k");
        let live = json!({"data": {"a": "x", "b": "y", "gone": "z"}});
        let wanted = json!({"data": {"a": "x", "b": "changed", "new": "w"}});
        assert_eq!(
            changed_values(&secret(), Some(&live), Some(&wanted), &key),
            ["/data/b", "/data/gone", "/data/new"]
        );
        // The state's copy holds keyed digests: the same value is unchanged.
        let recorded = redact_keyed(&secret(), &live, &key);
        assert_eq!(
            changed_values(&secret(), Some(&recorded), Some(&live), &key),
            Vec::<String>::new()
        );
        let marked = redact_marked(&secret(), &wanted, &["/data/b".to_owned()]);
        assert_eq!(marked["data"]["a"], SENSITIVE);
        assert_eq!(marked["data"]["b"], SENSITIVE_CHANGED);
    }

    #[test]
    fn the_key_is_never_printed() {
        assert!(!format!("{:?}", SecretKey::given("hunter2")).contains("hunter2"));
    }
}
