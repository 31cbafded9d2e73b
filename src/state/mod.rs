//! State: what mcctl applied where, kept in the workspace to be committed (DESIGN.md §6).
//!
//! [`State`] is the model; [`local`] stores it as `mcctl.state/` (one shard per cluster,
//! deterministic JSON, atomic writes) and [`lock`] guards each shard with an OS lock.
//! Credentials never reach the state, and Secret values are kept only as keyed digests.

pub mod commands;
pub mod local;
pub mod lock;
mod serialize;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::addr::{ClusterName, ObjectRef};
use crate::model::ClusterStatus;
use crate::scheduler::{Binding, PreviousBinding};

/// The state format version this build reads and writes.
pub const STATE_VERSION: u32 = 1;

/// Failures reading, writing or locking state.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A state file could not be read.
    #[error("cannot read state file `{path}`")]
    ReadStateFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A state file is not valid state JSON.
    #[error("state file `{path}` is corrupt")]
    ParseStateFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A state file was written by a newer mcctl.
    #[error(
        "state file `{path}` has format version {version}; this mcctl reads version {STATE_VERSION}"
    )]
    VersionTooNew {
        /// The file.
        path: PathBuf,
        /// Its version.
        version: u32,
    },
    /// A shard belongs to another state (its lineage differs from `workspace.json`).
    #[error("state file `{path}` has lineage `{found}` but the workspace state has `{expected}`")]
    LineageMismatch {
        /// The file.
        path: PathBuf,
        /// The workspace's lineage.
        expected: String,
        /// The shard's lineage.
        found: String,
    },
    /// A state file could not be written.
    #[error("cannot write state file `{path}`")]
    WriteStateFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Another process holds a shard's lock.
    #[error("the state of cluster `{cluster}` is locked by {holder}")]
    LockHeld {
        /// The cluster.
        cluster: ClusterName,
        /// Who holds it, from the lock info.
        holder: String,
        /// The lock id, for `force-unlock`.
        id: Option<String>,
    },
    /// A lock file could not be opened or locked.
    #[error("cannot lock `{path}`")]
    LockFile {
        /// The lock file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `force-unlock` found no lock with that id.
    #[error("no lock with id `{id}` in `{dir}`")]
    LockNotFound {
        /// The id asked for.
        id: String,
        /// The locks folder.
        dir: PathBuf,
    },
    /// `force-unlock` refused because the process still holds the lock.
    #[error("lock `{id}` on cluster `{cluster}` is still held by a running process (pid {pid})")]
    LockStillHeld {
        /// The lock id.
        id: String,
        /// The cluster.
        cluster: ClusterName,
        /// The holder's pid, from the lock info.
        pid: u32,
    },
}

/// `workspace.json`: written once, names the state's lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceFile {
    /// Format version.
    pub version: u32,
    /// A UUID shared by every shard of this state.
    pub lineage: String,
}

/// What a shard remembers of one template placed on its cluster: the replicas, and what the
/// scheduler needs to reschedule as Karmada does (the claiming policy, the affinity term in use,
/// a digest of the placement). Older states wrote the replicas alone (a number or null); they
/// are still read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RecordForm")]
pub struct PlacementRecord {
    /// Replicas (workloads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// The claiming policy, as `Kind/namespace/name` or `Kind/name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The affinity term in use (`clusterAffinities`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity_term: Option<String>,
    /// Digest of the placement the template was scheduled with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
}

/// The forms a placement record has been written in.
#[derive(Deserialize)]
#[serde(untagged)]
enum RecordForm {
    /// The first format: replicas only.
    Replicas(Option<u32>),
    /// The current one.
    Record {
        #[serde(default)]
        replicas: Option<u32>,
        #[serde(default)]
        policy: Option<String>,
        #[serde(default)]
        affinity_term: Option<String>,
        #[serde(default)]
        placement: Option<String>,
    },
}

impl From<RecordForm> for PlacementRecord {
    fn from(form: RecordForm) -> Self {
        match form {
            RecordForm::Replicas(replicas) => Self {
                replicas,
                ..Self::default()
            },
            RecordForm::Record {
                replicas,
                policy,
                affinity_term,
                placement,
            } => Self {
                replicas,
                policy,
                affinity_term,
                placement,
            },
        }
    }
}

impl PlacementRecord {
    /// The record of one binding's target.
    #[must_use]
    pub fn of(binding: &Binding, replicas: Option<u32>) -> Self {
        Self {
            replicas,
            policy: binding.policy().map(ToString::to_string),
            affinity_term: binding.affinity_term.clone(),
            placement: binding.placement_digest.clone(),
        }
    }
}

/// `clusters/<cluster>.json`: everything known about one cluster. Serialized with its keys
/// sorted ([`serialize`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Shard {
    /// Format version.
    pub version: u32,
    /// The state's lineage.
    pub lineage: String,
    /// Bumped on every write of this shard.
    pub serial: u64,
    /// The workspace name the shard was written under.
    pub workspace: String,
    /// The cluster's last known status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ClusterStatus>,
    /// When the cluster was first seen unreachable, if it still is (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable_since: Option<String>,
    /// Where templates were placed on this cluster, and what decided it.
    #[serde(default)]
    pub placements: BTreeMap<ObjectRef, PlacementRecord>,
    /// What mcctl applied to the cluster.
    #[serde(default)]
    pub objects: BTreeMap<ObjectRef, ObjectRecord>,
}

impl Shard {
    /// An empty shard of a lineage.
    #[must_use]
    pub fn new(lineage: &str, workspace: &str) -> Self {
        Self {
            version: STATE_VERSION,
            lineage: lineage.to_owned(),
            serial: 0,
            workspace: workspace.to_owned(),
            status: None,
            unreachable_since: None,
            placements: BTreeMap::new(),
            objects: BTreeMap::new(),
        }
    }
}

/// What mcctl applied for one object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ObjectRecord {
    /// `apiVersion` applied.
    pub api_version: String,
    /// sha256 of the canonical applied JSON.
    pub digest: String,
    /// sha256 of the object as the cluster stored it, reduced to the fields mcctl applies, when
    /// that differs from `digest` (a live API server writes `cpu: 0.5` back as `500m`): what
    /// the next refresh must see for the object not to have drifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_digest: Option<String>,
    /// The apply wave.
    #[serde(default)]
    pub wave: usize,
    /// Created because objects needed the namespace, not declared.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
    /// Delete it even though its kind is protected, once config stops declaring it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prune: bool,
    /// Server uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Server resourceVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Server generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// The applied manifest, Secret values replaced by keyed digests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Arc<Value>>,
}

/// The whole state: the lineage and every shard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// The lineage, once any state was written.
    pub lineage: Option<String>,
    /// Shards by cluster.
    pub shards: BTreeMap<ClusterName, Shard>,
}

impl ObjectRecord {
    /// The digest a refresh sees while nothing changed the object since mcctl applied it.
    #[must_use]
    pub fn applied_digest(&self) -> &str {
        self.live_digest.as_deref().unwrap_or(&self.digest)
    }
}

impl State {
    /// The record of an object on a cluster.
    #[must_use]
    pub fn object(&self, cluster: &ClusterName, object: &ObjectRef) -> Option<&ObjectRecord> {
        self.shards.get(cluster)?.objects.get(object)
    }

    /// Where each template was placed, across shards.
    #[must_use]
    pub fn placements(&self) -> BTreeMap<ObjectRef, BTreeMap<ClusterName, Option<u32>>> {
        let mut placements: BTreeMap<ObjectRef, BTreeMap<ClusterName, Option<u32>>> =
            BTreeMap::new();
        for (cluster, shard) in &self.shards {
            for (object, replicas) in &shard.placements {
                placements
                    .entry(object.clone())
                    .or_default()
                    .insert(cluster.clone(), replicas.replicas);
            }
        }
        placements
    }

    /// What the scheduler needs of the last apply, per template.
    #[must_use]
    pub fn previous_bindings(&self) -> BTreeMap<ObjectRef, PreviousBinding> {
        let mut bindings: BTreeMap<ObjectRef, PreviousBinding> = BTreeMap::new();
        for (cluster, shard) in &self.shards {
            for (object, record) in &shard.placements {
                let binding = bindings.entry(object.clone()).or_default();
                binding.clusters.insert(cluster.clone(), record.replicas);
                if binding.policy.is_none() {
                    binding.policy = record.policy.as_deref().and_then(|id| id.parse().ok());
                }
                if binding.affinity_term.is_none() {
                    binding.affinity_term.clone_from(&record.affinity_term);
                }
                if binding.placement_digest.is_none() {
                    binding.placement_digest.clone_from(&record.placement);
                }
            }
        }
        bindings
    }

    /// Every shard's serial, for saved plans.
    #[must_use]
    pub fn serials(&self) -> BTreeMap<ClusterName, u64> {
        self.shards
            .iter()
            .map(|(cluster, shard)| (cluster.clone(), shard.serial))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_serialize_with_object_addresses_as_keys() {
        let mut shard = Shard::new("l", "shop");
        shard.placements.insert(
            "apps/Deployment/default/web".parse().unwrap(),
            PlacementRecord {
                replicas: Some(3),
                policy: Some("PropagationPolicy/default/web".into()),
                ..PlacementRecord::default()
            },
        );
        let json = serde_json::to_value(&shard).unwrap();
        assert_eq!(
            json["placements"]["apps/Deployment/default/web"],
            serde_json::json!({"replicas": 3, "policy": "PropagationPolicy/default/web"})
        );
        let back: Shard = serde_json::from_value(json).unwrap();
        assert_eq!(back, shard);
    }

    #[test]
    fn placements_of_the_first_format_are_read() {
        let mut json = serde_json::to_value(Shard::new("l", "shop")).unwrap();
        json["placements"] = serde_json::json!({
            "apps/Deployment/default/web": 3,
            "core/ConfigMap/default/web": null,
        });
        let shard: Shard = serde_json::from_value(json).unwrap();
        let web: ObjectRef = "apps/Deployment/default/web".parse().unwrap();
        assert_eq!(shard.placements[&web].replicas, Some(3));
        let config: ObjectRef = "core/ConfigMap/default/web".parse().unwrap();
        assert_eq!(shard.placements[&config], PlacementRecord::default());
    }
}
