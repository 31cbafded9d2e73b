//! `mcctl show` without a plan file: the state as a short summary per cluster — its objects
//! with their waves, and its placements. Secret values never reach the state, so none appear.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::state::State;

/// The summary as text.
#[must_use]
pub fn text(state: &State) -> String {
    let mut out = String::new();
    if state.shards.is_empty() {
        out.push_str("The state is empty: nothing has been applied yet.\n");
        return out;
    }
    if let Some(lineage) = &state.lineage {
        let _ = writeln!(out, "State lineage {lineage}");
    }
    for (cluster, shard) in &state.shards {
        let _ = writeln!(
            out,
            "\nCluster {cluster} (serial {}, workspace `{}`): {} object(s), {} placement(s)",
            shard.serial,
            shard.workspace,
            shard.objects.len(),
            shard.placements.len()
        );
        if let Some(since) = &shard.unreachable_since {
            let _ = writeln!(out, "  unreachable since {since}");
        }
        let mut objects: Vec<_> = shard.objects.iter().collect();
        objects.sort_by_key(|(object, record)| (record.wave, (*object).clone()));
        for (object, record) in objects {
            let mut flags = String::new();
            if record.implicit {
                flags.push_str(" (implicit)");
            }
            if record.prune {
                flags.push_str(" (prune)");
            }
            let digest = record.digest.get(..19).unwrap_or(&record.digest);
            let _ = writeln!(out, "  wave {:>2}  {object}{flags}  {digest}", record.wave);
        }
        for (object, placement) in &shard.placements {
            let replicas = placement
                .replicas
                .map_or_else(String::new, |replicas| format!(" {replicas} replica(s)"));
            let policy = placement
                .policy
                .as_ref()
                .map_or_else(String::new, |policy| format!(" by {policy}"));
            let _ = writeln!(out, "  placed    {object}{replicas}{policy}");
        }
    }
    out
}

/// The summary as JSON: per cluster its serial, objects (address → wave, digest) and
/// placements.
#[must_use]
pub fn json(state: &State) -> Value {
    let clusters: serde_json::Map<String, Value> = state
        .shards
        .iter()
        .map(|(cluster, shard)| {
            let objects: serde_json::Map<String, Value> = shard
                .objects
                .iter()
                .map(|(object, record)| {
                    (
                        object.to_string(),
                        json!({"wave": record.wave, "digest": record.digest, "api_version": record.api_version}),
                    )
                })
                .collect();
            let placements: serde_json::Map<String, Value> = shard
                .placements
                .iter()
                .map(|(object, placement)| {
                    (
                        object.to_string(),
                        json!({"replicas": placement.replicas, "policy": placement.policy}),
                    )
                })
                .collect();
            (
                cluster.to_string(),
                json!({"serial": shard.serial, "workspace": shard.workspace, "objects": objects, "placements": placements}),
            )
        })
        .collect();
    json!({"lineage": state.lineage, "clusters": clusters})
}
