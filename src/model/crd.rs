//! The workspace's `CustomResourceDefinition`s, indexed by the (group, kind) they serve.
//!
//! Offline, these are what mcctl knows about custom resources: their scope, the CRD that serves
//! them (an apply-order edge) and the API versions a cluster gains once the CRD is placed there.
//! Pure; read from manifests, so it can be built before templates are.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::addr::{ObjectRef, group_of};

/// The API group of `CustomResourceDefinition`s.
pub const CRD_GROUP: &str = "apiextensions.k8s.io";

/// One CRD of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomResourceDefinition {
    /// The CRD itself (`apiextensions.k8s.io/CustomResourceDefinition/_/<plural>.<group>`).
    pub object: ObjectRef,
    /// Whether its resources are namespaced (`spec.scope` other than `Cluster`).
    pub namespaced: bool,
    /// The versions it serves (`spec.versions[].served`, in order).
    pub served_versions: Vec<String>,
}

/// The workspace's CRDs by the (group, kind) of the resources they define.
#[derive(Debug, Clone, Default)]
pub struct CustomResourceDefinitions {
    by_kind: BTreeMap<(String, String), CustomResourceDefinition>,
}

impl CustomResourceDefinitions {
    /// Indexes the CRDs among `manifests`; other objects and CRDs without a group or kind are
    /// skipped (the model builder reports malformed templates).
    #[must_use]
    pub fn from_manifests<'a>(manifests: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut by_kind = BTreeMap::new();
        for manifest in manifests {
            if !is_crd(manifest) {
                continue;
            }
            let text = |pointer: &str| manifest.pointer(pointer).and_then(Value::as_str);
            let (Some(name), Some(group), Some(kind)) = (
                text("/metadata/name"),
                text("/spec/group"),
                text("/spec/names/kind"),
            ) else {
                continue;
            };
            let served_versions = manifest
                .pointer("/spec/versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                // `served` is required by the API server; treat a missing one as served, as
                // the scheduler would rather admit a resource than reject it for a typo.
                .filter(|version| version.get("served").and_then(Value::as_bool) != Some(false))
                .filter_map(|version| version.get("name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect();
            by_kind.insert(
                (group.to_owned(), kind.to_owned()),
                CustomResourceDefinition {
                    object: ObjectRef {
                        group: CRD_GROUP.to_owned(),
                        kind: "CustomResourceDefinition".to_owned(),
                        namespace: None,
                        name: name.to_owned(),
                    },
                    namespaced: text("/spec/scope") != Some("Cluster"),
                    served_versions,
                },
            );
        }
        Self { by_kind }
    }

    /// The CRD serving this group and kind.
    #[must_use]
    pub fn get(&self, group: &str, kind: &str) -> Option<&CustomResourceDefinition> {
        self.by_kind.get(&(group.to_owned(), kind.to_owned()))
    }

    /// Every CRD with the (group, kind) it serves.
    pub fn iter(&self) -> impl Iterator<Item = (&(String, String), &CustomResourceDefinition)> {
        self.by_kind.iter()
    }

    /// Whether a (group, kind) is namespaced, for [`super::template::is_namespaced`].
    #[must_use]
    pub fn scopes(&self) -> BTreeMap<(String, String), bool> {
        self.by_kind
            .iter()
            .map(|(key, crd)| (key.clone(), crd.namespaced))
            .collect()
    }
}

/// Whether a manifest is a `CustomResourceDefinition`.
#[must_use]
pub fn is_crd(manifest: &Value) -> bool {
    manifest["kind"] == "CustomResourceDefinition"
        && group_of(manifest["apiVersion"].as_str().unwrap_or("")) == CRD_GROUP
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indexes_crds_by_the_kind_they_serve() {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Cluster",
                     "names": {"kind": "Widget", "plural": "widgets"},
                     "versions": [{"name": "v1", "served": true}, {"name": "v1alpha1", "served": false}]}
        });
        let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
        let crds = CustomResourceDefinitions::from_manifests([&crd, &other]);
        let widget = crds.get("example.com", "Widget").unwrap();
        assert_eq!(
            widget.object.to_string(),
            "apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com"
        );
        assert!(!widget.namespaced);
        assert_eq!(widget.served_versions, ["v1"]);
        assert!(crds.get("example.com", "Gadget").is_none());
    }
}
