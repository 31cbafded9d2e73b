//! The shard's JSON with every object's keys sorted, written straight from the records.
//!
//! The state is canonical JSON so that its diffs read well in git. Going through a
//! `serde_json::Value` would sort the keys for free, but would copy every applied manifest of
//! the shard first (a third of a large first apply went there); so the records serialize their
//! fields in sorted order themselves, and maps keyed by object are written in the order of their
//! keys as strings. `tests::shards_serialize_as_their_canonical_form` holds this to the `Value`
//! route.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::{ObjectRecord, PlacementRecord, Shard};
use crate::addr::ObjectRef;

impl Serialize for Shard {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut shard = serializer.serialize_struct("Shard", 8)?;
        shard.serialize_field("lineage", &self.lineage)?;
        shard.serialize_field("objects", &ByKeyText(&self.objects))?;
        shard.serialize_field("placements", &ByKeyText(&self.placements))?;
        shard.serialize_field("serial", &self.serial)?;
        if let Some(status) = &self.status {
            // Small, and nested several levels: sorted through a `Value`.
            let status = serde_json::to_value(status).map_err(serde::ser::Error::custom)?;
            shard.serialize_field("status", &status)?;
        }
        if let Some(since) = &self.unreachable_since {
            shard.serialize_field("unreachable_since", since)?;
        }
        shard.serialize_field("version", &self.version)?;
        shard.serialize_field("workspace", &self.workspace)?;
        shard.end()
    }
}

impl Serialize for ObjectRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut record = serializer.serialize_struct("ObjectRecord", 10)?;
        record.serialize_field("api_version", &self.api_version)?;
        record.serialize_field("digest", &self.digest)?;
        if let Some(generation) = self.generation {
            record.serialize_field("generation", &generation)?;
        }
        if self.implicit {
            record.serialize_field("implicit", &true)?;
        }
        if let Some(live_digest) = &self.live_digest {
            record.serialize_field("live_digest", live_digest)?;
        }
        if let Some(manifest) = &self.manifest {
            // A `Value`'s maps are ordered by key already.
            record.serialize_field("manifest", manifest.as_ref())?;
        }
        if self.prune {
            record.serialize_field("prune", &true)?;
        }
        if let Some(resource_version) = &self.resource_version {
            record.serialize_field("resource_version", resource_version)?;
        }
        if let Some(uid) = &self.uid {
            record.serialize_field("uid", uid)?;
        }
        record.serialize_field("wave", &self.wave)?;
        record.end()
    }
}

impl Serialize for PlacementRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut record = serializer.serialize_struct("PlacementRecord", 4)?;
        if let Some(term) = &self.affinity_term {
            record.serialize_field("affinity_term", term)?;
        }
        if let Some(placement) = &self.placement {
            record.serialize_field("placement", placement)?;
        }
        if let Some(policy) = &self.policy {
            record.serialize_field("policy", policy)?;
        }
        if let Some(replicas) = self.replicas {
            record.serialize_field("replicas", &replicas)?;
        }
        record.end()
    }
}

/// A map keyed by object, written in the order of the keys' text (`apps.example/…` sorts
/// before `apps/…` as text, after it as an [`ObjectRef`]).
struct ByKeyText<'a, V>(&'a BTreeMap<ObjectRef, V>);

impl<V: Serialize> Serialize for ByKeyText<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(String, &V)> = self
            .0
            .iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect();
        entries.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, value) in entries {
            map.serialize_entry(&key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::model::{ClusterStatus, Readiness};
    use crate::state::local::to_canonical_json;

    fn object(text: &str) -> ObjectRef {
        text.parse().unwrap()
    }

    /// A shard with every optional field set, and keys whose text order differs from their
    /// order as objects.
    fn full_shard() -> Shard {
        let mut shard = Shard::new("lineage-1", "shop");
        shard.serial = 7;
        shard.unreachable_since = Some("2026-01-01T00:00:00Z".to_owned());
        shard.status = Some(ClusterStatus {
            kubernetes_version: Some("v1.31.0".to_owned()),
            readiness: Some(Readiness::Ready),
            allocatable: Some(BTreeMap::from([
                ("pods".to_owned(), "110".to_owned()),
                ("cpu".to_owned(), "8".to_owned()),
            ])),
            ready_since: Some("2026-01-01T00:00:00Z".to_owned()),
            ..ClusterStatus::default()
        });
        let record = ObjectRecord {
            api_version: "apps/v1".to_owned(),
            digest: "sha256:aa".to_owned(),
            live_digest: Some("sha256:bb".to_owned()),
            wave: 2,
            implicit: true,
            prune: true,
            uid: Some("u-1".to_owned()),
            resource_version: Some("42".to_owned()),
            generation: Some(3),
            manifest: Some(Arc::new(json!({
                "kind": "Deployment",
                "apiVersion": "apps/v1",
                "metadata": {"name": "web", "labels": {"b": "2", "a": "1"}},
            }))),
        };
        for key in [
            "apps/Deployment/default/web",
            "apps.example/Widget/default/web",
            "core/ConfigMap/default/web",
        ] {
            shard.objects.insert(object(key), record.clone());
            shard.placements.insert(
                object(key),
                PlacementRecord {
                    replicas: Some(2),
                    policy: Some("PropagationPolicy/default/web".to_owned()),
                    affinity_term: Some("primary".to_owned()),
                    placement: Some("sha256:cc".to_owned()),
                },
            );
        }
        let bare = ObjectRecord {
            live_digest: None,
            implicit: false,
            prune: false,
            uid: None,
            resource_version: None,
            generation: None,
            manifest: None,
            ..record
        };
        shard.objects.insert(object("core/Namespace/_/shop"), bare);
        shard
            .placements
            .insert(object("core/Namespace/_/shop"), PlacementRecord::default());
        shard
    }

    #[test]
    fn shards_serialize_as_their_canonical_form() {
        for shard in [full_shard(), Shard::new("lineage-1", "shop")] {
            let direct = serde_json::to_string_pretty(&shard).unwrap() + "\n";
            assert_eq!(direct, to_canonical_json(&shard));
            let back: Shard = serde_json::from_str(&direct).unwrap();
            assert_eq!(back, shard);
        }
    }
}
