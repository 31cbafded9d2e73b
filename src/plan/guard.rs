//! The mass-delete guard: which clusters a plan would empty, or more than half empty.
//!
//! Pure. A cluster's managed objects are what the state's inventory holds for it; a plan that
//! deletes more than half of them is far more often a mistake (a renamed label, a policy that
//! stopped matching, a file left out) than an intent, so apply asks for `--allow-mass-delete`.

use std::collections::BTreeMap;

use crate::addr::ClusterName;
use crate::plan::{Action, Change};
use crate::state::State;

/// A cluster that would lose more than half of its managed objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassDelete {
    /// The cluster.
    pub cluster: ClusterName,
    /// Objects the plan deletes there.
    pub deletes: usize,
    /// Objects the state says mcctl manages there.
    pub managed: usize,
}

impl MassDelete {
    /// Whether the plan deletes every managed object of the cluster.
    #[must_use]
    pub fn empties(&self) -> bool {
        self.deletes >= self.managed
    }
}

/// The clusters where `changes` delete more than half of what `state` manages, by name.
///
/// A cluster with nothing managed cannot trip the guard. Replacements are not counted: the
/// object comes back.
#[must_use]
pub fn mass_deletes(changes: &[Change], state: &State) -> Vec<MassDelete> {
    let mut deletes: BTreeMap<&ClusterName, usize> = BTreeMap::new();
    for change in changes {
        if change.action == Action::Delete {
            *deletes.entry(&change.cluster).or_default() += 1;
        }
    }
    deletes
        .into_iter()
        .filter_map(|(cluster, deletes)| {
            let managed = state
                .shards
                .get(cluster)
                .map_or(0, |shard| shard.objects.len());
            (managed > 0 && deletes * 2 > managed).then(|| MassDelete {
                cluster: cluster.clone(),
                deletes,
                managed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::ObjectRef;
    use crate::state::{ObjectRecord, Shard};

    fn delete(cluster: &str, name: &str) -> Change {
        Change {
            cluster: ClusterName::new(cluster),
            object: ObjectRef::new("v1", "ConfigMap", Some("default".to_owned()), name),
            api_version: "v1".to_owned(),
            action: Action::Delete,
            drift: false,
            reasons: Vec::new(),
            before: None,
            after: None,
            wave: 0,
            implicit: false,
            prune: false,
            overrides: std::sync::Arc::from([]),
            ignored: Vec::new(),
            sensitive_changes: Vec::new(),
        }
    }

    fn state(cluster: &str, names: &[&str]) -> State {
        let mut shard = Shard::new("lineage", "shop");
        for name in names {
            shard.objects.insert(
                ObjectRef::new("v1", "ConfigMap", Some("default".to_owned()), *name),
                ObjectRecord {
                    api_version: "v1".to_owned(),
                    digest: String::new(),
                    live_digest: None,
                    wave: 0,
                    implicit: false,
                    prune: false,
                    uid: None,
                    resource_version: None,
                    generation: None,
                    manifest: None,
                },
            );
        }
        State {
            lineage: None,
            shards: BTreeMap::from([(ClusterName::new(cluster), shard)]),
        }
    }

    #[test]
    fn more_than_half_trips_the_guard_and_half_does_not() {
        let state = state("eu-1", &["a", "b", "c", "d"]);
        let half = [delete("eu-1", "a"), delete("eu-1", "b")];
        assert!(mass_deletes(&half, &state).is_empty());
        let three = [
            delete("eu-1", "a"),
            delete("eu-1", "b"),
            delete("eu-1", "c"),
        ];
        let found = mass_deletes(&three, &state);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].deletes, found[0].managed), (3, 4));
        assert!(!found[0].empties());
    }

    #[test]
    fn deleting_the_only_object_trips_it() {
        let state = state("eu-1", &["a"]);
        let found = mass_deletes(&[delete("eu-1", "a")], &state);
        assert!(found[0].empties());
    }

    #[test]
    fn a_cluster_without_managed_objects_never_trips_it() {
        let state = state("eu-1", &[]);
        assert!(mass_deletes(&[delete("eu-1", "a")], &state).is_empty());
    }
}
