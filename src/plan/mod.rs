//! Stage 8, diff: desired state + state + observed state → [`Plan`], every change apply will
//! make, in the order it will make them.
//!
//! Pure. An object is compared with what the cluster holds when the cluster was refreshed, else
//! with the state's record. Deletes only touch what the state says mcctl applied and the live
//! labels confirm; protected kinds are orphaned unless pruning is asked for (DESIGN.md §4).

pub mod drift;
pub mod fields;
pub mod file;
pub mod guard;
pub mod json;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::guard::{MassDelete, mass_deletes};
use crate::addr::{ClusterName, ObjectRef};
use crate::cluster::managed::{FieldOwner, owner_of};
use crate::desired::ignore::IgnoredField;
use crate::desired::secret::{SecretKey, changed_values, is_secret, object_digest};
use crate::desired::{
    DesiredObject, DesiredState, MANAGED_BY_LABEL, MANAGED_BY_VALUE, WORKSPACE_LABEL,
};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::kind_rank;
use crate::model::template::is_protected;
use crate::model::{ClusterStatus, Model, PolicyId};
use crate::overrides::AppliedOverride;
use crate::refresh::{ObservedCluster, ObservedState};
use crate::scheduler::{BindingSource, Placement};
use crate::state::{ObjectRecord, PlacementRecord, State};

/// What apply does to one object on one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Create it.
    Create,
    /// Change it in place.
    Update,
    /// Delete and create it (an immutable field changes).
    Replace,
    /// Delete it.
    Delete,
    /// Leave it as it is.
    NoOp,
}

impl Action {
    /// The JSON spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::NoOp => "no-op",
        }
    }

    /// Terraform's symbol.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Create => "+",
            Self::Update => "~",
            Self::Replace => "-/+",
            Self::Delete => "-",
            Self::NoOp => " ",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One planned change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The cluster.
    pub cluster: ClusterName,
    /// The object.
    pub object: ObjectRef,
    /// Its `apiVersion`.
    pub api_version: String,
    /// What happens.
    pub action: Action,
    /// Whether the live object differs from what mcctl last applied.
    pub drift: bool,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// The object now (live, or the state's copy when not refreshed).
    pub before: Option<Arc<Value>>,
    /// The object after apply.
    pub after: Option<Arc<Value>>,
    /// The apply wave.
    pub wave: usize,
    /// A namespace created because objects need it.
    pub implicit: bool,
    /// Delete it even if its kind is protected, once config stops declaring it.
    pub prune: bool,
    /// The fields override policies changed in `after` (none for deletes).
    pub overrides: Arc<[AppliedOverride]>,
    /// The fields left out of `after` because mcctl does not own them (none for deletes).
    pub ignored: Vec<IgnoredField>,
    /// JSON pointers of the Secret values that differ between `before` and `after`: output
    /// marks them `(sensitive, changed)` without showing either value.
    pub sensitive_changes: Vec<String>,
}

impl Change {
    /// The order apply uses: wave, cluster, Helm's kind order, address.
    #[must_use]
    pub fn order_key(&self) -> (usize, &ClusterName, usize, &ObjectRef) {
        (
            self.wave,
            &self.cluster,
            kind_rank(&self.object.kind),
            &self.object,
        )
    }
}

/// An object mcctl stops managing without deleting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// The cluster.
    pub cluster: ClusterName,
    /// The object.
    pub object: ObjectRef,
    /// Why it is left in place.
    pub reason: String,
}

/// How a cluster takes part in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterMode {
    /// Refreshed: changes compare with what it holds.
    Live,
    /// Not refreshed (`--refresh=false`): changes compare with the state.
    FromState,
    /// Could not be reached: planned from the state, never pruned, skipped only by
    /// `--allow-unreachable`.
    Unreachable,
    /// Declared without a way to reach it: planned against, never applied.
    Offline,
    /// No longer declared: its objects are orphaned and its shard removed.
    Removed,
}

/// A template's placement, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingView {
    /// The template.
    pub object: ObjectRef,
    /// Its `apiVersion`.
    pub api_version: String,
    /// The policy that placed it.
    pub policy: Option<PolicyId>,
    /// Whether it is a Namespace propagated without a policy.
    pub auto_namespace: bool,
    /// The workloads whose `propagateDeps` take it along.
    pub required_by: Vec<ObjectRef>,
    /// Clusters and replicas now.
    pub clusters: Vec<(ClusterName, Option<u32>)>,
    /// Clusters and replicas at the last apply, if the state knows.
    pub previous: Option<Vec<(ClusterName, Option<u32>)>>,
    /// How the scheduler arrived at `clusters`: `scheduled`, `unchanged`, `kept`, `no_fit` or
    /// `not_propagated`.
    pub outcome: &'static str,
}

/// Change counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Creates.
    pub create: usize,
    /// Updates.
    pub update: usize,
    /// Replaces.
    pub replace: usize,
    /// Deletes.
    pub delete: usize,
    /// Unchanged objects.
    pub no_op: usize,
}

/// Everything apply will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The workspace name.
    pub workspace: String,
    /// Every template's placement, sorted by address.
    pub bindings: Vec<BindingView>,
    /// Every object's change, no-ops included, in apply order.
    pub changes: Vec<Change>,
    /// Objects left in place and dropped from the state.
    pub orphans: Vec<Orphan>,
    /// State records to drop because the object is already gone.
    pub forget: Vec<(ClusterName, ObjectRef)>,
    /// How each cluster takes part.
    pub clusters: BTreeMap<ClusterName, ClusterMode>,
    /// The status to record per cluster.
    pub statuses: BTreeMap<ClusterName, ClusterStatus>,
    /// Where each template goes, per cluster (written to the state with the objects).
    pub placements: BTreeMap<ClusterName, BTreeMap<ObjectRef, PlacementRecord>>,
    /// Since when each unreachable cluster has been unreachable (RFC 3339); the state records
    /// it so that failover deadlines count from the first sighting.
    pub unreachable_since: BTreeMap<ClusterName, String>,
    /// Whether the state needs writing even if no object changes.
    pub state_outdated: bool,
    /// Whether this plan destroys everything (`destroy`).
    pub destroy: bool,
    /// Clusters that would lose more than half of their managed objects.
    pub mass_deletes: Vec<MassDelete>,
    /// The subset of clusters the run is limited to (`--clusters`), if any.
    pub limit: Option<Limit>,
}

/// A run limited to some clusters (`--clusters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The clusters in the subset, sorted.
    pub clusters: Vec<ClusterName>,
    /// How many clusters the workspace declares.
    pub total: usize,
}

impl Plan {
    /// Counts of each action.
    #[must_use]
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => summary.create += 1,
                Action::Update => summary.update += 1,
                Action::Replace => summary.replace += 1,
                Action::Delete => summary.delete += 1,
                Action::NoOp => summary.no_op += 1,
            }
        }
        summary
    }

    /// Whether apply would change any cluster.
    #[must_use]
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|change| change.action != Action::NoOp)
            || !self.orphans.is_empty()
    }

    /// Whether any change fixes drift.
    #[must_use]
    pub fn has_drift(&self) -> bool {
        self.changes.iter().any(|change| change.drift)
    }
}

/// What the diff compares.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The model (workspace name, clusters, templates).
    pub model: &'a Model,
    /// The scheduling result.
    pub placement: &'a Placement,
    /// What each cluster should hold.
    pub desired: &'a DesiredState,
    /// What mcctl applied before.
    pub state: &'a State,
    /// What refresh saw; clusters absent from it were not refreshed.
    pub observed: &'a ObservedState,
    /// The clusters that could not be reached (by discovery or listing), with the reason.
    pub unreachable: &'a BTreeMap<ClusterName, String>,
    /// Status to record per cluster.
    pub statuses: &'a BTreeMap<ClusterName, ClusterStatus>,
    /// Since when each unreachable cluster has been unreachable (RFC 3339), to record.
    pub unreachable_since: &'a BTreeMap<ClusterName, String>,
    /// The clusters mcctl has a client for.
    pub connected: &'a BTreeSet<ClusterName>,
    /// Keys the digests of Secrets.
    pub secret_key: &'a SecretKey,
    /// Whether this plan destroys everything (`destroy`).
    pub destroy: bool,
    /// Delete protected kinds too.
    pub include_protected: bool,
    /// Only these clusters (`--clusters`): the others are neither shown nor changed.
    pub only: Option<&'a BTreeSet<ClusterName>>,
}

/// Fields that cannot change in place, by (group, kind).
const IMMUTABLE: &[(&str, &str, &[&str])] = &[
    ("apps", "Deployment", &["/spec/selector"]),
    ("apps", "ReplicaSet", &["/spec/selector"]),
    ("apps", "DaemonSet", &["/spec/selector"]),
    (
        "apps",
        "StatefulSet",
        &[
            "/spec/selector",
            "/spec/serviceName",
            "/spec/volumeClaimTemplates",
            "/spec/podManagementPolicy",
        ],
    ),
    (
        "batch",
        "Job",
        &["/spec/selector", "/spec/template", "/spec/completionMode"],
    ),
    ("", "Service", &["/spec/clusterIP", "/spec/clusterIPs"]),
    (
        "",
        "PersistentVolumeClaim",
        &[
            "/spec/storageClassName",
            "/spec/accessModes",
            "/spec/volumeName",
            "/spec/volumeMode",
        ],
    ),
    ("rbac.authorization.k8s.io", "RoleBinding", &["/roleRef"]),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        &["/roleRef"],
    ),
];

/// The immutable field that changes between `before` and `after`, if any.
#[must_use]
pub fn immutable_change(object: &ObjectRef, before: &Value, after: &Value) -> Option<String> {
    let mut fields: Vec<&str> = IMMUTABLE
        .iter()
        .filter(|(group, kind, _)| *group == object.group && *kind == object.kind)
        .flat_map(|(_, _, fields)| fields.iter().copied())
        .collect();
    // ConfigMaps and Secrets marked immutable cannot change their data.
    if object.group.is_empty()
        && matches!(object.kind.as_str(), "ConfigMap" | "Secret")
        && before.get("immutable") == Some(&Value::Bool(true))
    {
        fields.extend(["/data", "/binaryData", "/stringData"]);
    }
    fields
        .into_iter()
        .find(|field| {
            before.pointer(field).is_some() && before.pointer(field) != after.pointer(field)
        })
        .map(str::to_owned)
}

fn is_ours(object: &Value, workspace: &str) -> bool {
    let labels = object.pointer("/metadata/labels");
    let label = |key: &str| {
        labels
            .and_then(|labels| labels.get(key))
            .and_then(Value::as_str)
    };
    label(MANAGED_BY_LABEL) == Some(MANAGED_BY_VALUE) && label(WORKSPACE_LABEL) == Some(workspace)
}

/// Computes the plan.
#[must_use]
pub fn diff(inputs: Inputs<'_>, diagnostics: &mut Diagnostics) -> Plan {
    let workspace = &inputs.model.workspace;
    for (cluster, shard) in &inputs.state.shards {
        if shard.workspace != *workspace && !shard.objects.is_empty() {
            diagnostics.push(
                Diagnostic::warning(
                    "mcctl::plan::workspace_renamed",
                    format!("the state of cluster `{cluster}` was written by workspace `{}`, this is `{workspace}`", shard.workspace),
                )
                .with_cluster(cluster.to_string())
                .with_help("renaming a workspace orphans what the old name applied: its objects carry the old `mcctl.io/workspace` label and will not be pruned"),
            );
        }
    }
    let previous = inputs.state.placements();
    let bindings = binding_views(inputs, &previous);
    let mut plan = Plan {
        workspace: workspace.clone(),
        bindings,
        changes: Vec::new(),
        orphans: Vec::new(),
        forget: Vec::new(),
        clusters: BTreeMap::new(),
        statuses: inputs.statuses.clone(),
        placements: BTreeMap::new(),
        unreachable_since: inputs.unreachable_since.clone(),
        state_outdated: inputs.state.shards.iter().any(|(cluster, shard)| {
            in_subset(inputs.only, cluster)
                && shard.unreachable_since.as_ref() != inputs.unreachable_since.get(cluster)
        }),
        destroy: inputs.destroy,
        mass_deletes: Vec::new(),
        limit: inputs.only.map(|only| Limit {
            clusters: only.iter().cloned().collect(),
            total: inputs.model.clusters.len(),
        }),
    };
    let mut clusters: BTreeSet<&ClusterName> = inputs.desired.clusters.keys().collect();
    clusters.extend(inputs.state.shards.keys());
    // Scheduling saw the whole fleet; only the subset's changes are planned.
    clusters.retain(|cluster| in_subset(inputs.only, cluster));
    // Where each template goes, per cluster, in one pass over the bindings.
    let mut placed: BTreeMap<&ClusterName, BTreeMap<ObjectRef, PlacementRecord>> = BTreeMap::new();
    if !inputs.destroy {
        for binding in &inputs.placement.bindings {
            for target in &binding.targets {
                placed
                    .entry(&target.cluster)
                    .or_default()
                    .entry(binding.object.clone())
                    .or_insert_with(|| PlacementRecord::of(binding, target.replicas));
            }
        }
    }
    let empty = crate::desired::DesiredCluster::default();
    let mut work = Vec::new();
    for cluster in clusters {
        let declared = inputs.model.cluster(cluster.as_str());
        let mode = match (declared, inputs.observed.clusters.get(cluster)) {
            (None, _) => ClusterMode::Removed,
            (Some(_), Some(ObservedCluster::Listed { .. })) => ClusterMode::Live,
            (Some(_), Some(ObservedCluster::Failed(_))) => continue,
            (Some(_), Some(ObservedCluster::Unreachable(_))) => ClusterMode::Unreachable,
            (Some(_), None) if inputs.unreachable.contains_key(cluster) => ClusterMode::Unreachable,
            // No client: declared offline, or reached in a way this build does not support.
            (Some(_), None) if !inputs.connected.contains(cluster) => ClusterMode::Offline,
            (Some(_), None) => ClusterMode::FromState,
        };
        plan.clusters.insert(cluster.clone(), mode);
        let desired = if inputs.destroy {
            &empty
        } else {
            inputs.desired.clusters.get(cluster).unwrap_or(&empty)
        };
        let observed = match inputs.observed.clusters.get(cluster) {
            Some(ObservedCluster::Listed { objects }) => Some(objects),
            _ => None,
        };
        let placements = placed.remove(cluster).unwrap_or_default();
        work.push((cluster, mode, desired, observed, placements));
    }
    // Clusters are independent: diffed side by side, merged in cluster order.
    let planned: Vec<ClusterPlan> = work
        .into_par_iter()
        .map(|(cluster, mode, desired, observed, placements)| {
            let mut planned = ClusterPlan::default();
            plan_cluster(
                inputs,
                cluster,
                mode,
                desired,
                observed,
                placements,
                &previous,
                &mut planned,
            );
            planned
        })
        .collect();
    for planned in planned {
        plan.changes.extend(planned.changes);
        plan.orphans.extend(planned.orphans);
        plan.forget.extend(planned.forget);
        plan.placements.extend(planned.placements);
        plan.state_outdated |= planned.state_outdated;
    }
    // A created Secret is new as a whole: only updates say which values change.
    for change in plan
        .changes
        .iter_mut()
        .filter(|change| change.before.is_some() && is_secret(&change.object))
    {
        change.sensitive_changes = changed_values(
            &change.object,
            change.before.as_deref(),
            change.after.as_deref(),
            inputs.secret_key,
        );
    }
    sort_changes(&mut plan.changes);
    plan.mass_deletes = mass_deletes(&plan.changes, inputs.state);
    plan
}

/// Whether `cluster` takes part in a run limited to `only`.
fn in_subset(only: Option<&BTreeSet<ClusterName>>, cluster: &ClusterName) -> bool {
    only.is_none_or(|only| only.contains(cluster))
}

/// Puts changes in apply order: everything but deletes by [`Change::order_key`], then the
/// deletes in reverse of that order, except that CRDs go after every other
/// delete and Namespaces last. Waves of deletes come from the state, which may hold waves of
/// two graphs after an interrupted apply; deleting a CRD or a Namespace takes everything in it
/// along, so those two must not depend on recorded waves to go after their contents.
pub fn sort_changes(changes: &mut [Change]) {
    changes.par_sort_by(|a, b| {
        let a_delete = a.action == Action::Delete;
        let b_delete = b.action == Action::Delete;
        match (a_delete, b_delete) {
            (false, false) => a.order_key().cmp(&b.order_key()),
            (true, true) => delete_group(&a.object)
                .cmp(&delete_group(&b.object))
                .then_with(|| b.order_key().cmp(&a.order_key())),
            (false, true) => std::cmp::Ordering::Less,
            (true, false) => std::cmp::Ordering::Greater,
        }
    });
}

/// Deletes run in three groups: everything else, then CRDs, then Namespaces.
#[must_use]
pub fn delete_group(object: &ObjectRef) -> u8 {
    match (object.group.as_str(), object.kind.as_str()) {
        ("apiextensions.k8s.io", "CustomResourceDefinition") => 1,
        ("", "Namespace") => 2,
        _ => 0,
    }
}

fn binding_views(
    inputs: Inputs<'_>,
    previous: &BTreeMap<ObjectRef, BTreeMap<ClusterName, Option<u32>>>,
) -> Vec<BindingView> {
    if inputs.destroy {
        return Vec::new();
    }
    inputs
        .placement
        .bindings
        .iter()
        .map(|binding| BindingView {
            object: binding.object.clone(),
            api_version: binding.api_version.clone(),
            policy: binding.policy().cloned(),
            auto_namespace: binding.source == BindingSource::NamespaceAutoPropagation,
            required_by: binding.required_by.clone(),
            outcome: match binding.outcome {
                crate::scheduler::Outcome::NotPropagated => "not_propagated",
                crate::scheduler::Outcome::Scheduled => "scheduled",
                crate::scheduler::Outcome::Unchanged { .. } => "unchanged",
                crate::scheduler::Outcome::Kept { .. } => "kept",
                crate::scheduler::Outcome::NoFit { .. } => "no_fit",
            },
            clusters: binding
                .targets
                .iter()
                .map(|target| (target.cluster.clone(), target.replicas))
                .collect(),
            previous: if inputs.state.shards.is_empty() {
                None
            } else {
                Some(
                    previous
                        .get(&binding.object)
                        .map(|clusters| {
                            clusters
                                .iter()
                                .map(|(cluster, replicas)| (cluster.clone(), *replicas))
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            },
        })
        .collect()
}

fn placement_reason(
    previous: &BTreeMap<ObjectRef, BTreeMap<ClusterName, Option<u32>>>,
    object: &ObjectRef,
    cluster: &ClusterName,
    replicas: Option<u32>,
    has_state: bool,
) -> Option<String> {
    let before = previous
        .get(object)
        .and_then(|clusters| clusters.get(cluster));
    match (before, replicas) {
        (None, _) if has_state => Some("placement: newly placed on this cluster".to_owned()),
        (Some(Some(before)), Some(after)) if *before != after => {
            Some(format!("placement: replicas {before} → {after}"))
        }
        _ => None,
    }
}

/// One cluster's part of a [`Plan`], planned on its own and merged in cluster order.
#[derive(Default)]
struct ClusterPlan {
    changes: Vec<Change>,
    orphans: Vec<Orphan>,
    forget: Vec<(ClusterName, ObjectRef)>,
    placements: BTreeMap<ClusterName, BTreeMap<ObjectRef, PlacementRecord>>,
    state_outdated: bool,
}

#[expect(
    clippy::too_many_lines,
    reason = "one decision table per object, kept in one place"
)]
#[expect(
    clippy::too_many_arguments,
    reason = "one cluster's slice of every input; bundling them would only rename them"
)]
fn plan_cluster(
    inputs: Inputs<'_>,
    cluster: &ClusterName,
    mode: ClusterMode,
    desired: &crate::desired::DesiredCluster,
    observed: Option<&BTreeMap<ObjectRef, Arc<Value>>>,
    placements: BTreeMap<ObjectRef, PlacementRecord>,
    previous: &BTreeMap<ObjectRef, BTreeMap<ClusterName, Option<u32>>>,
    plan: &mut ClusterPlan,
) {
    let workspace = &inputs.model.workspace;
    let shard = inputs.state.shards.get(cluster);
    let records = shard.map(|shard| &shard.objects);
    if shard.map(|shard| &shard.placements) != Some(&placements)
        && !(shard.is_none() && placements.is_empty())
    {
        plan.state_outdated = true;
    }
    let placements = &*plan.placements.entry(cluster.clone()).or_insert(placements);

    if mode == ClusterMode::Removed {
        for object in records.into_iter().flat_map(BTreeMap::keys) {
            plan.orphans.push(Orphan {
                cluster: cluster.clone(),
                object: object.clone(),
                reason: format!(
                    "cluster `{cluster}` is no longer declared; its objects are left as they are"
                ),
            });
        }
        plan.state_outdated = true;
        return;
    }

    for (object, wanted) in &desired.objects {
        let record = records.and_then(|records| records.get(object));
        let live = observed.map(|objects| objects.get(object));
        let mut change = Change {
            cluster: cluster.clone(),
            object: object.clone(),
            api_version: wanted.api_version.clone(),
            action: Action::NoOp,
            drift: false,
            reasons: Vec::new(),
            before: None,
            after: Some(Arc::clone(&wanted.manifest)),
            wave: wanted.wave,
            implicit: wanted.implicit,
            prune: wanted.prune,
            overrides: Arc::clone(&wanted.overrides),
            ignored: wanted.ignored.clone(),
            sensitive_changes: Vec::new(),
        };
        let placement_reason = placement_reason(
            previous,
            object,
            cluster,
            placements.get(object).and_then(|record| record.replicas),
            shard.is_some(),
        )
        .filter(|_| !wanted.implicit);
        match live {
            Some(None) => {
                change.action = Action::Create;
                if record.is_some() {
                    change.drift = true;
                    change
                        .reasons
                        .push("drift: deleted outside mcctl".to_owned());
                } else {
                    change.reasons.push(placement_reason.unwrap_or_else(|| {
                        if wanted.implicit {
                            "namespace needed by objects on this cluster".to_owned()
                        } else {
                            "new object".to_owned()
                        }
                    }));
                }
            }
            Some(Some(live)) => {
                change.before = Some(Arc::clone(live));
                // Equal objects need no digest; otherwise, the config is what was applied and
                // the cluster still holds what it stored then: any difference left is the
                // server's way of writing the same values.
                let live_digest = (**live != *wanted.manifest)
                    .then(|| object_digest(object, live, inputs.secret_key));
                let unchanged = live_digest.as_ref().is_none_or(|live_digest| {
                    record.is_some_and(|record| {
                        record.digest == wanted.digest && record.applied_digest() == live_digest
                    })
                });
                if let Some(live_digest) = live_digest.filter(|_| !unchanged) {
                    change.action = match immutable_change(object, live, &wanted.manifest) {
                        Some(field) => {
                            change
                                .reasons
                                .push(format!("`{field}` cannot change in place"));
                            Action::Replace
                        }
                        None => Action::Update,
                    };
                    match record {
                        Some(record) => {
                            change.drift = record.applied_digest() != live_digest;
                            if record.digest != wanted.digest {
                                change.reasons.push(
                                    placement_reason
                                        .clone()
                                        .unwrap_or_else(|| "config changed".to_owned()),
                                );
                            }
                            if change.drift {
                                change.reasons.push(drift_reason(
                                    live,
                                    &wanted.manifest,
                                    inputs
                                        .observed
                                        .owners
                                        .get(cluster)
                                        .and_then(|owners| owners.get(object)),
                                ));
                            }
                        }
                        None => change.reasons.push(
                            "exists on the cluster but not in the state: mcctl takes it over"
                                .to_owned(),
                        ),
                    }
                } else if record_outdated(record, wanted) {
                    plan.state_outdated = true;
                }
            }
            None => {
                // Not refreshed: compare with the state's record.
                match record {
                    None => {
                        change.action = Action::Create;
                        change.reasons.push(placement_reason.unwrap_or_else(|| {
                            if wanted.implicit {
                                "namespace needed by objects on this cluster".to_owned()
                            } else {
                                "new object".to_owned()
                            }
                        }));
                    }
                    Some(record) => {
                        change.before.clone_from(&record.manifest);
                        if record.digest != wanted.digest {
                            change.action = match record.manifest.as_ref().and_then(|before| {
                                immutable_change(object, before, &wanted.manifest)
                            }) {
                                Some(field) => {
                                    change
                                        .reasons
                                        .push(format!("`{field}` cannot change in place"));
                                    Action::Replace
                                }
                                None => Action::Update,
                            };
                            change.reasons.push(
                                placement_reason.unwrap_or_else(|| "config changed".to_owned()),
                            );
                        } else if record_outdated(Some(record), wanted) {
                            plan.state_outdated = true;
                        }
                    }
                }
            }
        }
        plan.changes.push(change);
    }

    for (object, record) in records.into_iter().flatten() {
        if desired.objects.contains_key(object) {
            continue;
        }
        if mode == ClusterMode::Unreachable || mode == ClusterMode::Offline {
            // Never prune what cannot be seen.
            continue;
        }
        let why = if inputs.destroy {
            "destroy".to_owned()
        } else if inputs.model.template(object).is_some() {
            match inputs
                .placement
                .binding(object)
                .map(|binding| &binding.outcome)
            {
                Some(crate::scheduler::Outcome::NoFit { .. }) => {
                    "no cluster fits: the placement is emptied, as Karmada does".to_owned()
                }
                Some(crate::scheduler::Outcome::NotPropagated) => {
                    "no policy selects it any more".to_owned()
                }
                _ => "no longer placed on this cluster".to_owned(),
            }
        } else if record.implicit {
            "no object needs this namespace anymore".to_owned()
        } else {
            "not declared anymore".to_owned()
        };
        let live = observed.map(|objects| objects.get(object));
        if let Some(None) = live {
            plan.forget.push((cluster.clone(), object.clone()));
            plan.state_outdated = true;
            continue;
        }
        if is_protected(object) && !record.prune && !inputs.include_protected {
            plan.orphans.push(Orphan {
                cluster: cluster.clone(),
                object: object.clone(),
                reason: format!("{why}; `{}` is a protected kind: to delete it, set `mcctl.io/prune: \"true\"` or run `destroy --include-protected`", object.kind),
            });
            continue;
        }
        let before = match live {
            Some(Some(live)) => {
                if !is_ours(live, workspace) {
                    plan.orphans.push(Orphan {
                        cluster: cluster.clone(),
                        object: object.clone(),
                        reason: format!("{why}; its live labels do not say workspace `{workspace}` owns it, so it is left in place"),
                    });
                    continue;
                }
                Some(live.clone())
            }
            _ => record.manifest.clone(),
        };
        plan.changes.push(Change {
            cluster: cluster.clone(),
            object: object.clone(),
            api_version: record.api_version.clone(),
            action: Action::Delete,
            drift: false,
            reasons: vec![why],
            before,
            after: None,
            wave: record.wave,
            implicit: record.implicit,
            prune: record.prune,
            overrides: Arc::from([]),
            ignored: Vec::new(),
            sensitive_changes: Vec::new(),
        });
    }
}

/// Why an object drifted, naming the field managers that own the changed fields now (another
/// manager's server-side apply or `kubectl edit` took them from mcctl).
fn drift_reason(live: &Value, wanted: &Value, owners: Option<&Vec<FieldOwner>>) -> String {
    const GENERIC: &str = "drift: changed outside mcctl since the last apply";
    let Some(owners) = owners else {
        return GENERIC.to_owned();
    };
    let mut pointers = Vec::new();
    changed_pointers(live, wanted, &mut String::new(), &mut pointers);
    let mut named: Vec<String> = Vec::new();
    for pointer in &pointers {
        if let Some(owner) = owner_of(owners, pointer, "") {
            let text = format!("`{pointer}` by `{}`", owner.manager);
            if !named.contains(&text) {
                named.push(text);
            }
        }
    }
    if named.is_empty() {
        return GENERIC.to_owned();
    }
    let more = named.len().saturating_sub(3);
    named.truncate(3);
    let mut reason = format!("drift: changed outside mcctl: {}", named.join(", "));
    if more > 0 {
        use std::fmt::Write as _;
        let _ = write!(reason, " and {more} more");
    }
    reason
}

/// The JSON pointers where `a` and `b` differ, down to the first differing value; lists of the
/// same length are compared item by item. At most 20.
fn changed_pointers(a: &Value, b: &Value, prefix: &mut String, out: &mut Vec<String>) {
    const LIMIT: usize = 20;
    if out.len() >= LIMIT || a == b {
        return;
    }
    let length = prefix.len();
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                prefix.push('/');
                prefix.push_str(&key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key), b.get(key)) {
                    (Some(a), Some(b)) => changed_pointers(a, b, prefix, out),
                    _ => out.push(prefix.clone()),
                }
                prefix.truncate(length);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (a, b)) in a.iter().zip(b).enumerate() {
                prefix.push('/');
                prefix.push_str(&index.to_string());
                changed_pointers(a, b, prefix, out);
                prefix.truncate(length);
            }
        }
        _ => out.push(prefix.clone()),
    }
}

/// Whether the state's record of an unchanged object needs rewriting.
fn record_outdated(record: Option<&ObjectRecord>, wanted: &DesiredObject) -> bool {
    record.is_none_or(|record| {
        record.digest != wanted.digest
            || record.wave != wanted.wave
            || record.implicit != wanted.implicit
            || record.prune != wanted.prune
    })
}

#[cfg(test)]
mod tests;
