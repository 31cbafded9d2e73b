//! Fields mcctl does not own: a workload's `/spec/replicas` when a `HorizontalPodAutoscaler` on
//! the same cluster scales it, and the pointers of `mcctl.io/ignore-fields` (HCL
//! `ignore_fields`). Takes rendered manifests; removes those fields and says why. Pure; the
//! scheduler has already divided replicas, so placement is unchanged.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::addr::{ObjectRef, group_of};

/// The field a `HorizontalPodAutoscaler` owns on the workload it scales.
pub const REPLICAS_POINTER: &str = "/spec/replicas";

/// A field left out of an object's rendered manifest, so never applied or diffed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredField {
    /// The RFC 6901 pointer, as written.
    pub pointer: String,
    /// Why, in words: `HorizontalPodAutoscaler default/web scales it`, `mcctl.io/ignore-fields`
    /// or `ignore_fields`.
    pub reason: String,
}

impl fmt::Display for IgnoredField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.pointer, self.reason)
    }
}

/// The objects among `objects` (one cluster's) that a `HorizontalPodAutoscaler` among them
/// scales, each with the reason to show. The target is the HPA's `spec.scaleTargetRef` (group
/// of its `apiVersion`, `kind`, `name`) in the HPA's namespace; without an `apiVersion` any
/// group matches. The first HPA (by address) wins when several name one workload.
#[must_use]
pub fn autoscaled(objects: &[(&ObjectRef, &Value)]) -> BTreeMap<ObjectRef, String> {
    let mut scaled = BTreeMap::new();
    let mut autoscalers: Vec<(&ObjectRef, &Value)> = objects
        .iter()
        .filter(|(object, _)| {
            object.group == "autoscaling" && object.kind == "HorizontalPodAutoscaler"
        })
        .copied()
        .collect();
    autoscalers.sort_by_key(|(object, _)| *object);
    for (autoscaler, manifest) in autoscalers {
        let Some(target) = manifest.pointer("/spec/scaleTargetRef") else {
            continue;
        };
        let text = |field: &str| target.get(field).and_then(Value::as_str);
        let (Some(kind), Some(name)) = (text("kind"), text("name")) else {
            continue;
        };
        let group = text("apiVersion").map(group_of);
        let reason = format!(
            "HorizontalPodAutoscaler {}/{} scales it",
            autoscaler.namespace.as_deref().unwrap_or("_"),
            autoscaler.name
        );
        for (object, _) in objects {
            if object.kind == kind
                && object.name == name
                && object.namespace == autoscaler.namespace
                && group.is_none_or(|group| group == object.group)
            {
                scaled
                    .entry((*object).clone())
                    .or_insert_with(|| reason.clone());
            }
        }
    }
    scaled
}

/// Removes the field `pointer` (RFC 6901, `~1` and `~0` escapes) names from `manifest`;
/// whether it was there. A pointer that matches nothing leaves the manifest as it is.
pub fn remove(manifest: &mut Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match manifest.pointer_mut(parent) {
        Some(Value::Object(map)) => map.remove(&last).is_some(),
        Some(Value::Array(items)) => match array_index(&last) {
            Some(index) if index < items.len() => {
                items.remove(index);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// A list index as RFC 6901 writes it: digits, no leading zero.
fn array_index(segment: &str) -> Option<usize> {
    if segment.is_empty()
        || !segment.bytes().all(|byte| byte.is_ascii_digit())
        || (segment.len() > 1 && segment.starts_with('0'))
    {
        return None;
    }
    segment.parse().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn remove_follows_rfc_6901() {
        let mut manifest = json!({
            "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}},
            "metadata": {"annotations": {"example.com/a~b": "x", "example.com/c": "y"}}
        });
        assert!(remove(&mut manifest, "/spec/replicas"));
        assert!(remove(
            &mut manifest,
            "/metadata/annotations/example.com~1a~0b"
        ));
        assert!(remove(&mut manifest, "/spec/template/spec/containers/0"));
        assert_eq!(
            manifest,
            json!({
                "spec": {"template": {"spec": {"containers": [{"name": "b"}]}}},
                "metadata": {"annotations": {"example.com/c": "y"}}
            })
        );
    }

    #[test]
    fn remove_of_a_missing_field_changes_nothing() {
        let mut manifest = json!({"spec": {"items": [1, 2]}, "data": "text"});
        let before = manifest.clone();
        for pointer in [
            "/spec/replicas",
            "/nothing/here",
            "/spec/items/2",
            "/spec/items/01",
            "/spec/items/-",
            "/data/x",
        ] {
            assert!(!remove(&mut manifest, pointer), "{pointer}");
        }
        assert_eq!(manifest, before);
    }

    #[test]
    fn an_autoscaler_names_the_workload_it_scales_in_its_namespace() {
        let web: ObjectRef = "apps/Deployment/default/web".parse().unwrap();
        let other: ObjectRef = "apps/Deployment/shop/web".parse().unwrap();
        let api: ObjectRef = "apps/StatefulSet/default/api".parse().unwrap();
        let hpa: ObjectRef = "autoscaling/HorizontalPodAutoscaler/default/web"
            .parse()
            .unwrap();
        let hpa_api: ObjectRef = "autoscaling/HorizontalPodAutoscaler/default/api"
            .parse()
            .unwrap();
        let workload = json!({"spec": {"replicas": 2}});
        let hpa_manifest = json!({"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}});
        // A target in another group is not this StatefulSet.
        let hpa_api_manifest = json!({"spec": {"scaleTargetRef": {"apiVersion": "example.com/v1", "kind": "StatefulSet", "name": "api"}}});
        let scaled = autoscaled(&[
            (&web, &workload),
            (&other, &workload),
            (&api, &workload),
            (&hpa, &hpa_manifest),
            (&hpa_api, &hpa_api_manifest),
        ]);
        assert_eq!(
            scaled,
            BTreeMap::from([(
                web,
                "HorizontalPodAutoscaler default/web scales it".to_owned()
            )])
        );
    }

    #[test]
    fn a_target_without_api_version_matches_any_group() {
        let web: ObjectRef = "apps/Deployment/default/web".parse().unwrap();
        let hpa: ObjectRef = "autoscaling/HorizontalPodAutoscaler/default/scaler"
            .parse()
            .unwrap();
        let workload = json!({});
        let hpa_manifest =
            json!({"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}}});
        let scaled = autoscaled(&[(&web, &workload), (&hpa, &hpa_manifest)]);
        assert_eq!(
            scaled.get(&web).map(String::as_str),
            Some("HorizontalPodAutoscaler default/scaler scales it")
        );
    }
}
