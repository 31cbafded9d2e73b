//! Refresh-only planning: what changed on the clusters since mcctl last applied, compared with
//! the state alone (never with the config), and accepting it into the state
//! (`plan --refresh-only`, `apply --refresh-only`, `mcctl drift`).
//!
//! Pure. Secret values are compared in their keyed form and reported only as changed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::addr::{ClusterName, ObjectRef};
use crate::desired::secret::{
    SENSITIVE, SENSITIVE_CHANGED, SecretKey, is_secret, is_value_field, object_digest,
    recorded_manifest, redact_keyed,
};
use crate::plan::fields::{self, FieldChange};
use crate::refresh::{ObservedCluster, ObservedState};
use crate::state::State;

/// How an object drifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftKind {
    /// It differs from what mcctl applied.
    Changed,
    /// It is gone from the cluster.
    Deleted,
}

/// One object that drifted.
#[derive(Debug, Clone, PartialEq)]
pub struct Drifted {
    /// The cluster.
    pub cluster: ClusterName,
    /// The object.
    pub object: ObjectRef,
    /// How.
    pub kind: DriftKind,
    /// The fields that changed, from the applied manifest to the live one; Secret values are
    /// masked. Empty when the state keeps no manifests (`settings.state.manifests = false`).
    pub fields: Vec<FieldChange>,
}

/// The drift of every cluster that could be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriftReport {
    /// The objects that drifted, by cluster then address.
    pub drifted: Vec<Drifted>,
    /// The clusters compared, with how many applied objects each holds.
    pub checked: BTreeMap<ClusterName, usize>,
    /// The clusters in the state that could not be compared (not refreshed, unreachable).
    pub unchecked: BTreeSet<ClusterName>,
}

impl DriftReport {
    /// Whether anything drifted.
    #[must_use]
    pub fn has_drift(&self) -> bool {
        !self.drifted.is_empty()
    }
}

/// Compares every object the state records with what its cluster holds now.
#[must_use]
pub fn detect(state: &State, observed: &ObservedState, key: &SecretKey) -> DriftReport {
    let mut report = DriftReport::default();
    for (cluster, shard) in &state.shards {
        let Some(ObservedCluster::Listed { objects }) = observed.clusters.get(cluster) else {
            if !shard.objects.is_empty() {
                report.unchecked.insert(cluster.clone());
            }
            continue;
        };
        report.checked.insert(cluster.clone(), shard.objects.len());
        for (object, record) in &shard.objects {
            let Some(live) = objects.get(object) else {
                report.drifted.push(Drifted {
                    cluster: cluster.clone(),
                    object: object.clone(),
                    kind: DriftKind::Deleted,
                    fields: Vec::new(),
                });
                continue;
            };
            if object_digest(object, live, key) == record.applied_digest() {
                continue;
            }
            let fields = record
                .manifest
                .as_ref()
                .map(|applied| {
                    // The state keeps Secret values keyed; key the live ones the same way.
                    let live = redact_keyed(object, live, key);
                    mask(object, fields::diff(applied, &live))
                })
                .unwrap_or_default();
            report.drifted.push(Drifted {
                cluster: cluster.clone(),
                object: object.clone(),
                kind: DriftKind::Changed,
                fields,
            });
        }
    }
    report
}

/// Replaces Secret values in field changes by markers.
fn mask(object: &ObjectRef, changes: Vec<FieldChange>) -> Vec<FieldChange> {
    if !is_secret(object) {
        return changes;
    }
    changes
        .into_iter()
        .map(|mut change| {
            if is_value_field(&change.path) {
                let marker = |value: Option<Value>, text: &str| {
                    value.map(|_| Value::String(text.to_owned()))
                };
                change.before = marker(change.before, SENSITIVE);
                change.after = marker(change.after, SENSITIVE_CHANGED);
            }
            change
        })
        .collect()
}

/// Records what the clusters hold now as what mcctl applied, for the drifted objects of
/// `report`: a changed object gets the live digest (and manifest, Secret values keyed, when
/// `keep_manifests`), a deleted one leaves the state. Changes nothing on any cluster. Returns
/// the clusters whose shards changed.
pub fn accept(
    state: &mut State,
    observed: &ObservedState,
    report: &DriftReport,
    key: &SecretKey,
    keep_manifests: bool,
) -> BTreeSet<ClusterName> {
    let mut touched = BTreeSet::new();
    for drifted in &report.drifted {
        let Some(shard) = state.shards.get_mut(&drifted.cluster) else {
            continue;
        };
        let live = match observed.clusters.get(&drifted.cluster) {
            Some(ObservedCluster::Listed { objects }) => objects.get(&drifted.object),
            _ => continue,
        };
        match (drifted.kind, live) {
            (DriftKind::Deleted, _) => {
                shard.objects.remove(&drifted.object);
            }
            (DriftKind::Changed, Some(live)) => {
                let Some(record) = shard.objects.get_mut(&drifted.object) else {
                    continue;
                };
                let metadata = live.get("metadata");
                let text = |field: &str| {
                    metadata
                        .and_then(|metadata| metadata.get(field))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                record.digest = object_digest(&drifted.object, live, key);
                record.live_digest = None;
                record.manifest =
                    keep_manifests.then(|| recorded_manifest(&drifted.object, live, key));
                record.uid = text("uid").or(record.uid.take());
                record.resource_version =
                    text("resourceVersion").or(record.resource_version.take());
                record.generation = metadata
                    .and_then(|metadata| metadata.get("generation"))
                    .and_then(Value::as_i64)
                    .or(record.generation);
            }
            (DriftKind::Changed, None) => continue,
        }
        touched.insert(drifted.cluster.clone());
    }
    touched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ObjectRecord, Shard};
    use serde_json::json;
    use std::sync::Arc;

    fn setup(live: Value, manifest: Value) -> (State, ObservedState, SecretKey) {
        let key = SecretKey::given("k");
        let object: ObjectRef = "apps/Deployment/default/web".parse().unwrap();
        let cluster = ClusterName::new("eu-1");
        let mut shard = Shard::new("l", "w");
        shard.objects.insert(
            object.clone(),
            ObjectRecord {
                api_version: "apps/v1".into(),
                digest: object_digest(&object, &manifest, &key),
                live_digest: None,
                wave: 0,
                implicit: false,
                prune: false,
                uid: None,
                resource_version: None,
                generation: None,
                manifest: Some(Arc::new(manifest)),
            },
        );
        let state = State {
            lineage: Some("l".into()),
            shards: BTreeMap::from([(cluster.clone(), shard)]),
        };
        let observed = ObservedState {
            clusters: BTreeMap::from([(
                cluster,
                ObservedCluster::Listed {
                    objects: BTreeMap::from([(object, Arc::new(live))]),
                },
            )]),
            ..ObservedState::default()
        };
        (state, observed, key)
    }

    #[test]
    fn a_changed_field_is_drift_and_accepting_it_clears_it() {
        let (mut state, observed, key) = setup(
            json!({"spec": {"replicas": 7}}),
            json!({"spec": {"replicas": 4}}),
        );
        let report = detect(&state, &observed, &key);
        assert_eq!(report.drifted.len(), 1);
        assert_eq!(report.drifted[0].fields[0].path, "spec.replicas");
        assert_eq!(report.drifted[0].fields[0].after, Some(json!(7)));
        let touched = accept(&mut state, &observed, &report, &key, true);
        assert_eq!(touched.len(), 1);
        assert!(!detect(&state, &observed, &key).has_drift());
    }

    #[test]
    fn no_drift_when_the_cluster_holds_what_was_applied() {
        let (state, observed, key) = setup(
            json!({"spec": {"replicas": 4}}),
            json!({"spec": {"replicas": 4}}),
        );
        let report = detect(&state, &observed, &key);
        assert!(!report.has_drift());
        assert_eq!(report.checked.len(), 1);
    }

    #[test]
    fn unobserved_clusters_are_unchecked() {
        let (state, _, key) = setup(json!({}), json!({"a": 1}));
        let report = detect(&state, &ObservedState::default(), &key);
        assert!(!report.has_drift());
        assert_eq!(report.unchecked.len(), 1);
    }
}
