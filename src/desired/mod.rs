//! Stage 6, render: [`Instances`] + waves → [`DesiredState`], exactly what each cluster should
//! hold.
//!
//! Adds the ownership labels, drops what the API server owns (`status`, `uid`, …), mcctl's own
//! annotations and the fields mcctl does not own ([`ignore`]), creates the namespaces objects
//! need but nobody declared, and digests every object. Pure.

pub mod ignore;
pub mod secret;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use self::ignore::{IgnoredField, REPLICAS_POINTER};
use self::secret::{SecretKey, object_digest};
use crate::addr::{ClusterName, ObjectRef};
use crate::graph::{DependencyGraph, kind_rank};
use crate::model::Model;
use crate::overrides::{AppliedOverride, Instance, Instances};

/// The label every applied object carries.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Its value.
pub const MANAGED_BY_VALUE: &str = "mcctl";
/// The label naming the workspace that owns an object.
pub const WORKSPACE_LABEL: &str = "mcctl.io/workspace";

/// Namespaces that exist on every cluster and are never created implicitly.
const BUILT_IN_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// What every cluster should hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredState {
    /// Per cluster (every declared cluster appears, possibly empty).
    pub clusters: BTreeMap<ClusterName, DesiredCluster>,
}

/// What one cluster should hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredCluster {
    /// Objects by identity.
    pub objects: BTreeMap<ObjectRef, DesiredObject>,
}

/// One object as it will be applied.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredObject {
    /// `apiVersion`.
    pub api_version: String,
    /// The manifest to apply, shared with the plan's changes (never copied per stage).
    pub manifest: Arc<Value>,
    /// The apply wave.
    pub wave: usize,
    /// sha256 of the canonical JSON of `manifest`.
    pub digest: String,
    /// A namespace created because objects need it, not declared.
    pub implicit: bool,
    /// Deleted (rather than orphaned) when it leaves config, even for protected kinds.
    pub prune: bool,
    /// The fields override policies changed, for the plan.
    pub overrides: Arc<[AppliedOverride]>,
    /// The fields left out of `manifest` because mcctl does not own them, for the plan.
    pub ignored: Vec<IgnoredField>,
}

impl DesiredObject {
    /// The order of objects inside a cluster's wave: kinds in Helm's order, then by address.
    #[must_use]
    pub fn order_key<'a>(&self, object: &'a ObjectRef) -> (usize, usize, &'a ObjectRef) {
        (self.wave, kind_rank(&object.kind), object)
    }
}

/// sha256 of the canonical JSON of a value (keys sorted, no whitespace), as `sha256:<hex>`.
#[must_use]
pub fn digest(value: &Value) -> String {
    // serde_json's map is ordered by key, so this is canonical.
    sha256(&serde_json::to_vec(value).unwrap_or_default())
}

/// sha256 of some bytes, as `sha256:<hex>`.
#[must_use]
pub fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for byte in hash {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Renders the desired state.
#[must_use]
pub fn render(
    model: &Model,
    instances: Instances,
    graph: &DependencyGraph,
    key: &SecretKey,
) -> DesiredState {
    let mut clusters: BTreeMap<ClusterName, DesiredCluster> = model
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), DesiredCluster::default()))
        .collect();
    // What the autoscalers on each cluster scale: they, not mcctl, own those replicas.
    let mut by_cluster: BTreeMap<&ClusterName, Vec<(&ObjectRef, &Value)>> = BTreeMap::new();
    for instance in &instances.items {
        by_cluster
            .entry(&instance.cluster)
            .or_default()
            .push((&instance.object, &*instance.manifest));
    }
    let autoscaled: BTreeMap<ClusterName, BTreeMap<ObjectRef, String>> = by_cluster
        .into_iter()
        .map(|(cluster, objects)| (cluster.clone(), ignore::autoscaled(&objects)))
        .collect();
    // The instances arrive sorted by object: each template's are rendered together, so that
    // clusters sharing a manifest share its rendering and digest too.
    let mut templates: Vec<Vec<Instance>> = Vec::new();
    for instance in instances.items {
        match templates.last_mut() {
            Some(last) if last[0].object == instance.object => last.push(instance),
            _ => templates.push(vec![instance]),
        }
    }
    let mut rendered: Vec<(ClusterName, ObjectRef, DesiredObject)> = templates
        .into_par_iter()
        .flat_map_iter(|instances| {
            render_template(model, graph, key, &autoscaled, instances).into_iter()
        })
        .collect();
    rendered.par_sort_unstable_by(|(a, a_object, _), (b, b_object, _)| {
        (a, a_object).cmp(&(b, b_object))
    });
    let mut rendered = rendered.into_iter().peekable();
    while let Some((cluster, object, desired)) = rendered.next() {
        let mut objects = vec![(object, desired)];
        while let Some((_, object, desired)) = rendered.next_if(|(next, _, _)| *next == cluster) {
            objects.push((object, desired));
        }
        let desired = clusters.entry(cluster).or_default();
        if desired.objects.is_empty() {
            // Sorted input: built in one pass.
            desired.objects = objects.into_iter().collect();
        } else {
            desired.objects.extend(objects);
        }
    }
    for desired in clusters.values_mut() {
        add_implicit_namespaces(desired, &model.workspace);
    }
    DesiredState { clusters }
}

/// A shared manifest's address, and the reason an autoscaler owns its replicas on a cluster.
type Address<'a> = (usize, Option<&'a String>);

/// Renders one template's instances (one per cluster). Instances that share a manifest and
/// whose clusters agree on its autoscaled replicas share the rendered manifest and digest.
fn render_template(
    model: &Model,
    graph: &DependencyGraph,
    key: &SecretKey,
    autoscaled: &BTreeMap<ClusterName, BTreeMap<ObjectRef, String>>,
    instances: Vec<Instance>,
) -> Vec<(ClusterName, ObjectRef, DesiredObject)> {
    let Some(template) = instances
        .first()
        .and_then(|first| model.template(&first.object))
    else {
        return Vec::new();
    };
    let wave = graph.wave(&template.object);
    // Keyed by the shared manifest's address and the autoscaler's claim; the entry holds that
    // manifest, so the address cannot be reused while the map lives.
    let mut done: HashMap<Address<'_>, (Arc<Value>, DesiredObject)> = HashMap::new();
    let mut rendered = Vec::with_capacity(instances.len());
    for instance in instances {
        let reason = autoscaled
            .get(&instance.cluster)
            .and_then(|scaled| scaled.get(&instance.object));
        let address = (Arc::as_ptr(&instance.manifest) as usize, reason);
        if let Some((_, object)) = done.get(&address) {
            rendered.push((instance.cluster, instance.object, object.clone()));
            continue;
        }
        let shared = Arc::strong_count(&instance.manifest) > 1;
        let source = shared.then(|| Arc::clone(&instance.manifest));
        let mut manifest = Arc::unwrap_or_clone(instance.manifest);
        clean(&mut manifest);
        let mut ignored = Vec::new();
        if let Some(reason) = reason
            && ignore::remove(&mut manifest, REPLICAS_POINTER)
        {
            ignored.push(IgnoredField {
                pointer: REPLICAS_POINTER.to_owned(),
                reason: reason.clone(),
            });
        }
        // A pointer that matches nothing here is fine: overrides may add the field elsewhere.
        for (pointer, source) in &template.ignore_fields {
            if ignore::remove(&mut manifest, pointer) {
                ignored.push(IgnoredField {
                    pointer: pointer.clone(),
                    reason: (*source).to_owned(),
                });
            }
        }
        // After the removals, so no pointer can take the ownership labels away.
        label(&mut manifest, &model.workspace);
        let object = DesiredObject {
            api_version: template.api_version.clone(),
            digest: object_digest(&instance.object, &manifest, key),
            manifest: Arc::new(manifest),
            wave,
            implicit: false,
            prune: template.prune,
            overrides: instance.overrides,
            ignored,
        };
        if let Some(source) = source {
            done.insert(address, (source, object.clone()));
        }
        rendered.push((instance.cluster, instance.object, object));
    }
    rendered
}

/// Removes fields the API server owns and mcctl's own annotations.
fn clean(manifest: &mut Value) {
    let Some(object) = manifest.as_object_mut() else {
        return;
    };
    object.remove("status");
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        for field in [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            metadata.remove(field);
        }
        if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
            annotations.retain(|key, _| !key.starts_with("mcctl.io/"));
            if annotations.is_empty() {
                metadata.remove("annotations");
            }
        }
    }
}

/// Adds the ownership labels.
fn label(manifest: &mut Value, workspace: &str) {
    let Some(object) = manifest.as_object_mut() else {
        return;
    };
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    let labels = metadata
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(labels) = labels.as_object_mut() {
        labels.insert(
            MANAGED_BY_LABEL.into(),
            Value::String(MANAGED_BY_VALUE.into()),
        );
        labels.insert(WORKSPACE_LABEL.into(), Value::String(workspace.to_owned()));
    }
}

fn add_implicit_namespaces(desired: &mut DesiredCluster, workspace: &str) {
    let declared: BTreeSet<&str> = desired
        .objects
        .keys()
        .filter(|object| object.group.is_empty() && object.kind == "Namespace")
        .map(|object| object.name.as_str())
        .collect();
    let needed: BTreeSet<String> = desired
        .objects
        .keys()
        .filter_map(|object| object.namespace.as_deref())
        .filter(|namespace| {
            !declared.contains(namespace) && !BUILT_IN_NAMESPACES.contains(namespace)
        })
        .map(str::to_owned)
        .collect();
    for namespace in needed {
        let mut manifest = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace},
        });
        label(&mut manifest, workspace);
        desired.objects.insert(
            ObjectRef::new("v1", "Namespace", None, namespace),
            DesiredObject {
                api_version: "v1".into(),
                digest: digest(&manifest),
                manifest: Arc::new(manifest),
                wave: 0,
                implicit: true,
                prune: false,
                overrides: Arc::from([]),
                ignored: Vec::new(),
            },
        );
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn desired(yaml: &str) -> DesiredState {
        let staged = crate::testing::stages(yaml);
        assert!(!staged.diagnostics.has_errors());
        staged.desired
    }

    const WORKSPACE: &str = r"
apiVersion: mcctl.io/v1alpha1
kind: Workspace
metadata: {name: shop}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-1}
spec: {syncMode: Pull}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: shop
  uid: 1234
  resourceVersion: '99'
  annotations: {mcctl.io/depends-on: core/Service/shop/web, team: a}
data: {a: b}
status: {}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}, {apiVersion: v1, kind: Service}]
";

    #[test]
    fn objects_are_labelled_and_cleaned() {
        let state = desired(WORKSPACE);
        let eu = &state.clusters[&ClusterName::new("eu-1")];
        let config_map = &eu.objects[&"core/ConfigMap/shop/web".parse().unwrap()];
        assert_eq!(
            *config_map.manifest,
            serde_json::json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": "web",
                    "namespace": "shop",
                    "annotations": {"team": "a"},
                    "labels": {"app.kubernetes.io/managed-by": "mcctl", "mcctl.io/workspace": "shop"}
                },
                "data": {"a": "b"}
            })
        );
        assert_eq!(config_map.digest, digest(&config_map.manifest));
        // The ConfigMap waits for the Service it depends on.
        assert_eq!(config_map.wave, 1);
    }

    #[test]
    fn undeclared_namespaces_are_created_implicitly() {
        let state = desired(WORKSPACE);
        let eu = &state.clusters[&ClusterName::new("eu-1")];
        let namespace = &eu.objects[&"core/Namespace/_/shop".parse().unwrap()];
        assert!(namespace.implicit);
        assert_eq!(namespace.wave, 0);
        assert_eq!(
            namespace.manifest["metadata"]["labels"]["mcctl.io/workspace"],
            "shop"
        );
    }

    const AUTOSCALED: &str = r"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-1}
spec: {syncMode: Pull}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: us-1}
spec: {syncMode: Pull}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 3, template: {spec: {containers: [{name: web, image: nginx}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec: {replicas: 2, template: {spec: {containers: [{name: api, image: api}]}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-scaler}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations: {mcctl.io/ignore-fields: '/data/debug, /data/absent', team: a}
data: {debug: 'false', level: info}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: everywhere}
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment}
    - {apiVersion: v1, kind: ConfigMap}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: scaler}
spec:
  resourceSelectors: [{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler}]
  placement: {clusterAffinity: {clusterNames: [eu-1]}}
";

    fn object<'a>(state: &'a DesiredState, cluster: &str, address: &str) -> &'a DesiredObject {
        &state.clusters[&ClusterName::new(cluster)].objects[&address.parse().unwrap()]
    }

    /// An autoscaler on a cluster owns the replicas of the workload it scales there: they are
    /// left out of the manifest and the digest; elsewhere, and for other workloads, they stay.
    #[test]
    fn an_autoscaled_workload_leaves_its_replicas_out() {
        let state = desired(AUTOSCALED);
        let web = object(&state, "eu-1", "apps/Deployment/default/web");
        assert_eq!(web.manifest.pointer("/spec/replicas"), None);
        assert_eq!(
            web.manifest
                .pointer("/spec/template/spec/containers/0/image"),
            Some(&Value::from("nginx"))
        );
        assert_eq!(
            web.ignored,
            vec![IgnoredField {
                pointer: "/spec/replicas".into(),
                reason: "HorizontalPodAutoscaler default/web-scaler scales it".into(),
            }]
        );
        assert_eq!(web.digest, digest(&web.manifest));
        let api = object(&state, "eu-1", "apps/Deployment/default/api");
        assert_eq!(
            api.manifest.pointer("/spec/replicas"),
            Some(&Value::from(2))
        );
        assert!(api.ignored.is_empty());
        // No autoscaler on us-1: mcctl applies the replicas there.
        let web_us = object(&state, "us-1", "apps/Deployment/default/web");
        assert_eq!(
            web_us.manifest.pointer("/spec/replicas"),
            Some(&Value::from(3))
        );
        assert!(web_us.ignored.is_empty());
        // The autoscaler itself is applied as written.
        let scaler = object(
            &state,
            "eu-1",
            "autoscaling/HorizontalPodAutoscaler/default/web-scaler",
        );
        assert_eq!(scaler.manifest["spec"]["maxReplicas"], 10);
        assert!(scaler.ignored.is_empty());
    }

    /// `mcctl.io/ignore-fields` removes each pointer that matches, records it, and is dropped
    /// like mcctl's other annotations; a pointer that matches nothing is not recorded.
    #[test]
    fn ignore_fields_are_left_out_and_recorded() {
        let state = desired(AUTOSCALED);
        for cluster in ["eu-1", "us-1"] {
            let settings = object(&state, cluster, "core/ConfigMap/default/settings");
            assert_eq!(
                settings.manifest["data"],
                serde_json::json!({"level": "info"})
            );
            assert_eq!(
                settings.manifest["metadata"]["annotations"],
                serde_json::json!({"team": "a"})
            );
            assert_eq!(
                settings.ignored,
                vec![IgnoredField {
                    pointer: "/data/debug".into(),
                    reason: "mcctl.io/ignore-fields".into(),
                }]
            );
        }
    }

    #[test]
    fn digests_are_stable_and_key_order_independent() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": 2, "x": 1}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a": {"x": 1, "y": 2}, "b": 1}"#).unwrap();
        assert_eq!(digest(&a), digest(&b));
        assert!(digest(&a).starts_with("sha256:"));
        assert_eq!(digest(&a).len(), 71);
    }
}
