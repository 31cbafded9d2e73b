//! The status updater: stands in for the Deployment controller. After each write that changes a
//! Deployment's generation, it reports the rollout as progressing, then (unless the test chose
//! [`Rollout::Never`]) as available once the configured delay has passed.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::Shared;
use super::kinds::Kind;
use super::store::ObjectKey;

/// How Deployments roll out on this instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rollout {
    /// Available this long after each change (zero: at once).
    AvailableAfter(Duration),
    /// Stuck: progressing forever, never available.
    Never,
}

/// Called after a stored write of any object.
pub(crate) fn written(shared: &Arc<Shared>, kind: &Kind, key: &ObjectKey, object: &Value) {
    if kind.group != "apps" || kind.kind != "Deployment" {
        return;
    }
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
    if object["status"]["observedGeneration"].as_i64() == Some(generation) {
        return;
    }
    set_status(shared, key, generation, false);
    if let Rollout::AvailableAfter(delay) = shared.rollout() {
        let shared = Arc::clone(shared);
        let key = key.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            set_status(&shared, &key, generation, true);
        });
    }
}

/// Writes the status of `generation`, unless the object has moved on to a newer one meanwhile.
fn set_status(shared: &Shared, key: &ObjectKey, generation: i64, available: bool) {
    let mut store = shared.lock_store();
    let Some(mut entry) = store.get(key).cloned() else {
        return;
    };
    if entry.object["metadata"]["generation"].as_i64() != Some(generation) {
        return;
    }
    let replicas = entry.object["spec"]["replicas"].as_i64().unwrap_or(1);
    let ready = if available { replicas } else { 0 };
    let (reason, status) = if available {
        ("NewReplicaSetAvailable", "True")
    } else {
        ("ReplicaSetUpdated", "False")
    };
    entry.object["status"] = json!({
        "observedGeneration": generation,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": replicas - ready,
        "conditions": [
            {"type": "Available", "status": status, "reason": if available { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" }},
            {"type": "Progressing", "status": "True", "reason": reason},
        ],
    });
    entry.object["metadata"]["resourceVersion"] = Value::String(store.next_resource_version());
    store.put(key.clone(), entry);
}
