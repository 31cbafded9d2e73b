//! Saved plans (`plan --out FILE`, `apply FILE`): what was planned, against which state and
//! inputs, so that apply can refuse a plan that no longer holds (DESIGN.md §6).
//!
//! A saved plan holds no Secret values: it keeps each change's target digest, and apply renders
//! the objects again from the (unchanged) inputs and checks that every digest still matches.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::addr::{ClusterName, ObjectRef};
use crate::desired::DesiredState;
use crate::desired::secret::{SecretKey, object_digest};
use crate::diag::Sources;
use crate::plan::{Action, Change, Plan};
use crate::state::State;

/// The saved-plan format version.
pub const SAVED_PLAN_VERSION: u32 = 1;

/// A plan written to a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Format version.
    pub format_version: u32,
    /// The mcctl version that wrote it.
    pub mcctl_version: String,
    /// The workspace name.
    pub workspace: String,
    /// The state's lineage when planned (none for a first apply).
    pub lineage: Option<String>,
    /// Every shard's serial when planned.
    pub serials: BTreeMap<ClusterName, u64>,
    /// sha256 of every input file, by path.
    pub inputs: BTreeMap<String, String>,
    /// Whether it was planned with `--rebalance` (replayed the same way).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rebalance: bool,
    /// The `--clusters` selector it was limited with (replayed the same way).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<String>,
    /// The planned changes, in apply order.
    pub changes: Vec<SavedChange>,
    /// The plan as `plan --json` shows it (Secret values redacted), for reading.
    pub plan: serde_json::Value,
}

/// One planned change, by target digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedChange {
    /// Cluster.
    pub cluster: ClusterName,
    /// Object.
    pub object: ObjectRef,
    /// Action, as in the plan JSON.
    pub action: Action,
    /// Digest of the object after apply (none for deletes).
    pub digest: Option<String>,
}

/// sha256 of every source file, keyed by its path, and of every variable's value, keyed by
/// `var.<name>`.
#[must_use]
pub fn input_digests(
    sources: &Sources,
    variables: &BTreeMap<String, serde_json::Value>,
) -> BTreeMap<String, String> {
    let variables = variables.iter().map(|(name, value)| {
        (
            format!("var.{name}"),
            crate::desired::sha256(value.to_string().as_bytes()),
        )
    });
    sources
        .iter()
        .map(|(_, file)| {
            (
                file.path.display().to_string(),
                crate::desired::sha256(file.text.as_bytes()),
            )
        })
        .chain(variables)
        .collect()
}

/// The changes of a plan as saved.
#[must_use]
pub fn saved_changes(plan: &Plan, key: &SecretKey) -> Vec<SavedChange> {
    plan.changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .map(|change| SavedChange {
            cluster: change.cluster.clone(),
            object: change.object.clone(),
            action: change.action,
            digest: change
                .after
                .as_ref()
                .map(|after| object_digest(&change.object, after, key)),
        })
        .collect()
}

/// Why a saved plan cannot be applied any more, if it cannot. `desired` is the desired state
/// rendered again from the current inputs.
#[must_use]
pub fn staleness(
    saved: &SavedPlan,
    lineage: Option<&str>,
    serials: &BTreeMap<ClusterName, u64>,
    inputs: &BTreeMap<String, String>,
    desired: &DesiredState,
) -> Option<String> {
    if saved.format_version != SAVED_PLAN_VERSION {
        return Some(format!(
            "it has format version {}, this mcctl reads {SAVED_PLAN_VERSION}",
            saved.format_version
        ));
    }
    match (saved.lineage.as_deref(), lineage) {
        (Some(then), Some(now)) if then != now => {
            return Some(format!(
                "it was made against another state (lineage `{then}`; this workspace's state has `{now}`)"
            ));
        }
        (Some(then), None) => {
            return Some(format!(
                "it was made against a state (lineage `{then}`) that is no longer there"
            ));
        }
        (None, Some(_)) => {
            return Some("the state was created since the plan was made".to_owned());
        }
        _ => {}
    }
    for (cluster, serial) in serials {
        match saved.serials.get(cluster) {
            Some(then) if then == serial => {}
            Some(then) => {
                return Some(format!(
                    "the state of cluster `{cluster}` changed since the plan was made (serial {then} then, {serial} now)"
                ));
            }
            None => {
                return Some(format!(
                    "the state of cluster `{cluster}` was created since the plan was made"
                ));
            }
        }
    }
    for cluster in saved.serials.keys() {
        if !serials.contains_key(cluster) {
            return Some(format!(
                "the state of cluster `{cluster}` was removed since the plan was made"
            ));
        }
    }
    for (path, digest) in inputs {
        match saved.inputs.get(path) {
            None => return Some(format!("`{path}` is new since the plan was made")),
            Some(saved_digest) if saved_digest != digest && path.starts_with("var.") => {
                return Some(format!(
                    "the value of `{path}` changed since the plan was made"
                ));
            }
            Some(saved_digest) if saved_digest != digest => {
                return Some(format!("`{path}` changed since the plan was made"));
            }
            Some(_) => {}
        }
    }
    for path in saved.inputs.keys() {
        if !inputs.contains_key(path) {
            return Some(format!("`{path}` was removed since the plan was made"));
        }
    }
    for change in &saved.changes {
        let Some(digest) = &change.digest else {
            continue;
        };
        let now = desired
            .clusters
            .get(&change.cluster)
            .and_then(|cluster| cluster.objects.get(&change.object))
            .map(|object| &object.digest);
        if now != Some(digest) {
            return Some(format!(
                "`{}@{}` would no longer be applied as planned",
                change.object, change.cluster
            ));
        }
    }
    None
}

/// The changes to carry out for a saved plan: exactly the saved ones, with the manifests rendered
/// again (`desired`) and the unchanged objects of `replanned` (so the state records them too).
/// Fails, saying why, when a saved change no longer fits the config.
pub fn replay(
    saved: &SavedPlan,
    replanned: &Plan,
    desired: &DesiredState,
    state: &State,
) -> Result<Vec<Change>, String> {
    let saved_keys: BTreeSet<(&ClusterName, &ObjectRef)> = saved
        .changes
        .iter()
        .map(|change| (&change.cluster, &change.object))
        .collect();
    let mut changes: Vec<Change> = replanned
        .changes
        .iter()
        .filter(|change| {
            change.action == Action::NoOp
                && !saved_keys.contains(&(&change.cluster, &change.object))
        })
        .cloned()
        .collect();
    for saved_change in &saved.changes {
        let address = format!("{}@{}", saved_change.object, saved_change.cluster);
        let wanted = desired
            .clusters
            .get(&saved_change.cluster)
            .and_then(|cluster| cluster.objects.get(&saved_change.object));
        let planned = replanned.changes.iter().find(|change| {
            change.cluster == saved_change.cluster && change.object == saved_change.object
        });
        let change = match (saved_change.action, wanted) {
            (Action::NoOp, _) => {
                return Err(format!(
                    "`{address}` is saved as a no-op, which a saved plan never holds"
                ));
            }
            (Action::Delete, Some(_)) => {
                return Err(format!(
                    "`{address}` is planned for deletion but the config declares it again"
                ));
            }
            (Action::Delete, None) => {
                let Some(record) = state.object(&saved_change.cluster, &saved_change.object) else {
                    return Err(format!(
                        "`{address}` is planned for deletion but the state no longer holds it"
                    ));
                };
                Change {
                    cluster: saved_change.cluster.clone(),
                    object: saved_change.object.clone(),
                    api_version: record.api_version.clone(),
                    action: Action::Delete,
                    drift: false,
                    reasons: planned.map_or_else(
                        || vec!["from the saved plan".to_owned()],
                        |planned| planned.reasons.clone(),
                    ),
                    before: record.manifest.clone(),
                    after: None,
                    wave: record.wave,
                    implicit: record.implicit,
                    prune: record.prune,
                    overrides: std::sync::Arc::from([]),
                    ignored: Vec::new(),
                    sensitive_changes: Vec::new(),
                }
            }
            (action, None) => {
                return Err(format!(
                    "`{address}` is planned to {action} but the config no longer places it there"
                ));
            }
            (action, Some(wanted)) => Change {
                cluster: saved_change.cluster.clone(),
                object: saved_change.object.clone(),
                api_version: wanted.api_version.clone(),
                action,
                drift: planned.is_some_and(|planned| planned.drift),
                reasons: planned.map_or_else(
                    || vec!["from the saved plan".to_owned()],
                    |planned| planned.reasons.clone(),
                ),
                before: planned.and_then(|planned| planned.before.clone()),
                after: Some(wanted.manifest.clone()),
                wave: wanted.wave,
                implicit: wanted.implicit,
                prune: wanted.prune,
                overrides: std::sync::Arc::clone(&wanted.overrides),
                ignored: wanted.ignored.clone(),
                sensitive_changes: planned
                    .map(|planned| planned.sensitive_changes.clone())
                    .unwrap_or_default(),
            },
        };
        changes.push(change);
    }
    crate::plan::sort_changes(&mut changes);
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(lineage: Option<&str>, serials: &[(&str, u64)]) -> SavedPlan {
        SavedPlan {
            format_version: SAVED_PLAN_VERSION,
            mcctl_version: "0".into(),
            workspace: "shop".into(),
            lineage: lineage.map(str::to_owned),
            serials: serials
                .iter()
                .map(|(cluster, serial)| (ClusterName::new(*cluster), *serial))
                .collect(),
            inputs: BTreeMap::new(),
            rebalance: false,
            clusters: None,
            changes: Vec::new(),
            plan: serde_json::Value::Null,
        }
    }

    fn why(saved: &SavedPlan, lineage: Option<&str>, serials: &[(&str, u64)]) -> Option<String> {
        let serials = serials
            .iter()
            .map(|(cluster, serial)| (ClusterName::new(*cluster), *serial))
            .collect();
        staleness(
            saved,
            lineage,
            &serials,
            &BTreeMap::new(),
            &DesiredState::default(),
        )
    }

    #[test]
    fn plans_of_another_or_a_changed_state_are_stale() {
        let plan = saved(Some("l1"), &[("eu-1", 3)]);
        assert_eq!(why(&plan, Some("l1"), &[("eu-1", 3)]), None);
        assert_eq!(
            why(&plan, Some("l2"), &[("eu-1", 3)]).unwrap(),
            "it was made against another state (lineage `l1`; this workspace's state has `l2`)"
        );
        assert_eq!(
            why(&plan, None, &[]).unwrap(),
            "it was made against a state (lineage `l1`) that is no longer there"
        );
        assert_eq!(
            why(&saved(None, &[]), Some("l1"), &[("eu-1", 1)]).unwrap(),
            "the state was created since the plan was made"
        );
        assert_eq!(
            why(&plan, Some("l1"), &[("eu-1", 5)]).unwrap(),
            "the state of cluster `eu-1` changed since the plan was made (serial 3 then, 5 now)"
        );
        assert_eq!(
            why(&plan, Some("l1"), &[("eu-1", 3), ("us-1", 1)]).unwrap(),
            "the state of cluster `us-1` was created since the plan was made"
        );
        assert_eq!(
            why(&plan, Some("l1"), &[]).unwrap(),
            "the state of cluster `eu-1` was removed since the plan was made"
        );
    }
}
