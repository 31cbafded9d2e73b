//! Stage 9, apply: a [`Plan`] → the clusters, and the state written as it goes.
//!
//! Changes roll out over the cluster batches of `settings.rollout`: each batch receives every
//! wave in order (deletes last), clusters of a batch in parallel, before the next batch starts,
//! so a canary batch proves the whole change first. After each wave of a batch the objects'
//! health is awaited and the batch's state shards are written, so an interrupted apply leaves
//! a state that matches what happened. A failure stops the rollout after its batch is recorded;
//! later batches are untouched.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::addr::{ClusterName, ObjectRef};
use crate::cluster::health::object_health;
use crate::cluster::managed::project;
use crate::cluster::{ApplyMode, Client, ClusterClient, Deletion, Health, has_labels};
use crate::desired::DesiredState;
use crate::desired::secret::{SecretKey, object_digest, recorded_manifest};
use crate::model::{BatchSelector, ClusterStatus, Model, Rollout};
use crate::plan::{Action, Change, ClusterMode, Plan, delete_group};
use crate::refresh::Clients;
use crate::state::local::LocalBackend;
use crate::state::{ObjectRecord, Shard, State};

/// Failures that stop an apply.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The state could not be written.
    #[error(transparent)]
    State(#[from] crate::state::Error),
}

/// A request to stop the rollout early (Ctrl-C): no new object, batch or wave is started, the
/// writes in flight finish and are recorded. Clones share the request.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Asks the rollout to stop.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    #[must_use]
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What the caller is told while apply runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A wave starts on a batch (once per batch and wave; the batch follows in `BatchStarted`).
    WaveStarted {
        /// Wave (`None` for the deletes at the end).
        wave: Option<usize>,
        /// Changes in it, no-ops left out.
        changes: usize,
    },
    /// A batch of a wave starts.
    BatchStarted {
        /// Wave (`None` for the deletes at the end).
        wave: Option<usize>,
        /// Batch number, from 1.
        batch: usize,
        /// Its clusters.
        clusters: Vec<ClusterName>,
    },
    /// One change finished.
    Changed {
        /// Cluster.
        cluster: ClusterName,
        /// Object.
        object: ObjectRef,
        /// What was done.
        action: Action,
        /// Why it failed, if it did.
        error: Option<String>,
    },
    /// Waiting for objects to become healthy.
    Waiting {
        /// Cluster.
        cluster: ClusterName,
        /// Object.
        object: ObjectRef,
        /// What it reports.
        status: String,
    },
    /// A delete was skipped because the object is not ours any more; the state forgets it.
    LeftInPlace {
        /// Cluster.
        cluster: ClusterName,
        /// Object.
        object: ObjectRef,
        /// Why.
        reason: String,
    },
    /// A shard was written.
    StateWritten {
        /// Cluster.
        cluster: ClusterName,
        /// New serial.
        serial: u64,
    },
}

/// Receives [`Event`]s; the CLI prints them.
pub trait Observer: Send + Sync {
    /// Called for every event, in order per cluster.
    fn event(&self, event: Event);
}

/// How to run an apply.
#[derive(Debug, Clone)]
pub struct Options {
    /// Batches, parallelism and health timeout.
    pub rollout: Rollout,
    /// Keep applied manifests in the state.
    pub state_manifests: bool,
    /// The ownership labels: only objects that carry them are deleted.
    pub owner: BTreeMap<String, String>,
    /// Keys the digests of Secrets in the state.
    pub secret_key: SecretKey,
    /// Stops the rollout early when requested.
    pub stop: Stop,
    /// Objects whose policy says `conflictResolution: Overwrite`: a create may take over an
    /// object of the same name that does not carry the ownership labels. Any other create
    /// aborts on such an object, as Karmada's default `Abort` does.
    pub overwrite: BTreeSet<ObjectRef>,
    /// Clusters on which the plan, moments before this apply and in the same run, read every
    /// object it creates and found none taken by someone else: their creates are not read
    /// again (a second GET per object would halve the rate of a large first apply).
    pub checked: BTreeSet<ClusterName>,
}

/// What apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Changes made, per action.
    pub done: BTreeMap<Action, usize>,
    /// The first failure, which stopped the rollout.
    pub failure: Option<Failure>,
    /// Clusters skipped because they could not be reached.
    pub skipped: Vec<ClusterName>,
    /// Objects left in place and dropped from the state.
    pub orphaned: usize,
    /// Whether a stop request ended the rollout early.
    pub interrupted: bool,
    /// Changes not made because the rollout stopped (a failure or a stop request).
    pub not_done: usize,
    /// Clusters with changes that the rollout stopped before reaching.
    pub untouched: Vec<ClusterName>,
}

/// A failed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Cluster.
    pub cluster: ClusterName,
    /// Object.
    pub object: ObjectRef,
    /// Why.
    pub message: String,
}

/// Splits clusters into rollout batches: each `order` entry in turn takes the clusters it
/// selects that no earlier entry took; `*` (or the end of the list) takes the rest.
#[must_use]
pub fn batches(
    model: &Model,
    clusters: &[ClusterName],
    order: &[BatchSelector],
) -> Vec<Vec<ClusterName>> {
    let mut remaining: Vec<ClusterName> = clusters.to_vec();
    remaining.sort();
    let mut batches = Vec::new();
    for selector in order {
        let (taken, rest): (Vec<ClusterName>, Vec<ClusterName>) =
            remaining.into_iter().partition(|name| match selector {
                BatchSelector::Rest => true,
                BatchSelector::Cluster(wanted) => name.as_str() == wanted,
                BatchSelector::Labels(selector) => model
                    .cluster(name.as_str())
                    .is_some_and(|cluster| selector.matches(&cluster.labels)),
            });
        remaining = rest;
        if !taken.is_empty() {
            batches.push(taken);
        }
    }
    if !remaining.is_empty() {
        batches.push(remaining);
    }
    batches
}

/// The outcome of one cluster's part of a batch.
struct ClusterOutcome {
    cluster: ClusterName,
    applied: Vec<(Change, Option<Value>)>,
    /// Deletes skipped because the live object is not ours any more.
    left_in_place: Vec<ObjectRef>,
    failure: Option<Failure>,
}

/// What apply works from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The model (workspace name, clusters for batching).
    pub model: &'a Model,
    /// The plan to carry out.
    pub plan: &'a Plan,
    /// The manifests to apply.
    pub desired: &'a DesiredState,
    /// Clients of the clusters to change.
    pub clients: &'a Clients,
}

/// Applies the plan; `state` is updated and written through `backend` as batches finish.
pub async fn apply(
    inputs: Inputs<'_>,
    state: &mut State,
    backend: &LocalBackend,
    options: &Options,
    observer: Arc<dyn Observer>,
) -> Result<Report, Error> {
    let Inputs {
        model,
        plan,
        desired,
        clients,
    } = inputs;
    let lineage = backend.ensure_lineage(state)?;
    let mut report = Report::default();
    let applicable: BTreeSet<ClusterName> = plan
        .clusters
        .iter()
        .filter(|(cluster, mode)| {
            matches!(mode, ClusterMode::Live | ClusterMode::FromState)
                && clients.contains_key(*cluster)
        })
        .map(|(cluster, _)| cluster.clone())
        .collect();
    report.skipped = plan
        .clusters
        .iter()
        .filter(|(cluster, mode)| {
            matches!(mode, ClusterMode::Unreachable | ClusterMode::Offline)
                && plan
                    .changes
                    .iter()
                    .any(|change| &change.cluster == *cluster && change.action != Action::NoOp)
        })
        .map(|(cluster, _)| cluster.clone())
        .collect();
    let clusters: Vec<ClusterName> = applicable.iter().cloned().collect();
    let batches = batches(model, &clusters, &options.rollout.order);

    // Creates and updates wave by wave, then deletes in reverse wave order.
    let mut steps: Vec<(Option<usize>, Vec<&Change>)> = Vec::new();
    let waves: BTreeSet<usize> = plan
        .changes
        .iter()
        .filter(|change| change.action != Action::Delete)
        .map(|change| change.wave)
        .collect();
    for wave in waves {
        steps.push((
            Some(wave),
            plan.changes
                .iter()
                .filter(|change| change.action != Action::Delete && change.wave == wave)
                .collect(),
        ));
    }
    // Deletes in the plan's order (reverse waves, then CRDs, then Namespaces), one step per
    // run of the same wave and group: the deletes of one step go out together.
    let mut deletes: Vec<(Option<usize>, Vec<&Change>)> = Vec::new();
    for change in plan
        .changes
        .iter()
        .filter(|change| change.action == Action::Delete)
    {
        let key = (delete_group(&change.object), change.wave);
        match deletes.last_mut() {
            Some((_, step))
                if step
                    .last()
                    .is_some_and(|last| (delete_group(&last.object), last.wave) == key) =>
            {
                step.push(change);
            }
            _ => deletes.push((None, vec![change])),
        }
    }
    let mut written: BTreeSet<ClusterName> = BTreeSet::new();
    let mut reached: BTreeSet<ClusterName> = BTreeSet::new();
    let planned = |changes: &[&Change]| {
        changes
            .iter()
            .filter(|change| change.action != Action::NoOp && applicable.contains(&change.cluster))
            .count()
    };
    let total: usize = steps
        .iter()
        .chain(&deletes)
        .map(|(_, changes)| planned(changes))
        .sum();
    // Batch by batch, and every wave within a batch before the next batch: a canary batch
    // receives the whole change, and proves healthy, before any other cluster is touched.
    // Deletes come after every batch has its new objects, so that an object moving between
    // clusters is never missing from both.
    let rounds = [&steps, &deletes].into_iter().flat_map(|phase| {
        batches
            .iter()
            .enumerate()
            .map(move |(index, batch)| (index, batch, phase))
    });
    'steps: for (index, batch, phase) in rounds {
        for (wave, changes) in phase {
            if options.stop.requested() {
                report.interrupted = true;
                break 'steps;
            }
            let work: BTreeMap<ClusterName, Vec<Change>> = batch
                .iter()
                .map(|cluster| {
                    (
                        cluster.clone(),
                        changes
                            .iter()
                            .filter(|change| &change.cluster == cluster)
                            .map(|change| (*change).clone())
                            .collect::<Vec<_>>(),
                    )
                })
                .filter(|(_, changes)| !changes.is_empty())
                .collect();
            if work.is_empty() {
                continue;
            }
            let count = work
                .values()
                .flatten()
                .filter(|change| change.action != Action::NoOp)
                .count();
            if count > 0 {
                observer.event(Event::WaveStarted {
                    wave: *wave,
                    changes: count,
                });
                observer.event(Event::BatchStarted {
                    wave: *wave,
                    batch: index + 1,
                    clusters: work.keys().cloned().collect(),
                });
            }
            let outcomes = run_batch(work, desired, clients, options, Arc::clone(&observer)).await;
            // Every shard of the batch is written, even if one write fails, so that no cluster's
            // finished work goes unrecorded because of another's.
            let mut write_error = None;
            for outcome in outcomes {
                if !outcome.applied.is_empty()
                    || !outcome.left_in_place.is_empty()
                    || outcome.failure.is_some()
                {
                    reached.insert(outcome.cluster.clone());
                }
                let shard = state
                    .shards
                    .entry(outcome.cluster.clone())
                    .or_insert_with(|| Shard::new(&lineage, &model.workspace));
                record(
                    shard,
                    &outcome.applied,
                    plan,
                    &outcome.cluster,
                    &options.secret_key,
                    options.state_manifests,
                    &model.settings.field_manager,
                    &mut report,
                );
                for object in &outcome.left_in_place {
                    shard.objects.remove(object);
                    shard.placements.remove(object);
                    report.orphaned += 1;
                }
                // The cluster's whole placement is recorded as soon as apply reaches it, as
                // Karmada records a binding before its works are applied: objects a failure
                // left unapplied stay placed here, so the next plan still sends them here
                // (and refuses without `--allow-unreachable` should the cluster be down).
                if let Some(placements) = plan.placements.get(&outcome.cluster) {
                    for (object, placement) in placements {
                        shard.placements.insert(object.clone(), placement.clone());
                    }
                }
                shard.workspace.clone_from(&model.workspace);
                if let Some(status) = plan.statuses.get(&outcome.cluster) {
                    shard.status = (*status != ClusterStatus::default()).then(|| status.clone());
                }
                match backend.write_shard(&outcome.cluster, shard) {
                    Ok(()) => {
                        written.insert(outcome.cluster.clone());
                        observer.event(Event::StateWritten {
                            cluster: outcome.cluster.clone(),
                            serial: shard.serial,
                        });
                    }
                    Err(error) => write_error = write_error.or(Some(error)),
                }
                if report.failure.is_none() {
                    report.failure = outcome.failure;
                }
            }
            if let Some(error) = write_error {
                return Err(error.into());
            }
            if report.failure.is_some() {
                break 'steps;
            }
        }
    }
    // A stop that came during the last batch still means the run was cut short when a batch
    // left changes undone.
    let done: usize = report.done.values().sum::<usize>() + report.orphaned;
    report.not_done = total.saturating_sub(done);
    if options.stop.requested() && report.not_done > 0 {
        report.interrupted = true;
    }
    if report.failure.is_some() || report.interrupted {
        report.untouched = plan
            .changes
            .iter()
            .filter(|change| change.action != Action::NoOp)
            .map(|change| &change.cluster)
            .filter(|cluster| applicable.contains(*cluster) && !reached.contains(*cluster))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    if report.failure.is_none() && !report.interrupted {
        finish(
            model,
            plan,
            state,
            backend,
            &applicable,
            &written,
            &lineage,
            &mut report,
            observer.as_ref(),
        )?;
    }
    Ok(report)
}

/// Drops orphaned and forgotten records, writes placements, and removes empty shards.
#[expect(
    clippy::too_many_arguments,
    reason = "the closing step needs the whole apply context"
)]
fn finish(
    model: &Model,
    plan: &Plan,
    state: &mut State,
    backend: &LocalBackend,
    applicable: &BTreeSet<ClusterName>,
    written: &BTreeSet<ClusterName>,
    lineage: &str,
    report: &mut Report,
    observer: &dyn Observer,
) -> Result<(), Error> {
    let mut touched: BTreeSet<ClusterName> = written.clone();
    for orphan in &plan.orphans {
        if let Some(shard) = state.shards.get_mut(&orphan.cluster) {
            shard.objects.remove(&orphan.object);
            shard.placements.remove(&orphan.object);
            touched.insert(orphan.cluster.clone());
            report.orphaned += 1;
        }
    }
    for (cluster, object) in &plan.forget {
        if let Some(shard) = state.shards.get_mut(cluster) {
            shard.objects.remove(object);
            touched.insert(cluster.clone());
        }
    }
    // Placements are the scheduler's memory, like Karmada's `spec.clusters`: recorded for every
    // cluster, applied to or skipped, so that a share moved off an unreachable cluster does not
    // come back to it when it answers again.
    for (cluster, placements) in &plan.placements {
        if plan.clusters.get(cluster) == Some(&ClusterMode::Removed)
            || (!applicable.contains(cluster) && !state.shards.contains_key(cluster))
        {
            continue;
        }
        let shard = state
            .shards
            .entry(cluster.clone())
            .or_insert_with(|| Shard::new(lineage, &model.workspace));
        if &shard.placements != placements {
            shard.placements.clone_from(placements);
            touched.insert(cluster.clone());
        }
    }
    for (cluster, mode) in &plan.clusters {
        if *mode == ClusterMode::Removed {
            touched.insert(cluster.clone());
        }
    }
    // Record since when unreachable clusters have been unreachable, and forget it once they
    // answer again: failover deadlines count from the first sighting.
    for (cluster, shard) in &mut state.shards {
        let since = plan.unreachable_since.get(cluster);
        if shard.unreachable_since.as_ref() != since {
            shard.unreachable_since = since.cloned();
            touched.insert(cluster.clone());
        }
    }
    for cluster in touched {
        let remove = match state.shards.get(&cluster) {
            None => true,
            Some(shard) => {
                (shard.objects.is_empty() && shard.placements.is_empty())
                    || plan.clusters.get(&cluster) == Some(&ClusterMode::Removed)
            }
        };
        if remove {
            state.shards.remove(&cluster);
            backend.remove_shard(&cluster)?;
        } else if let Some(shard) = state.shards.get_mut(&cluster) {
            if let Some(status) = plan.statuses.get(&cluster) {
                shard.status = (*status != ClusterStatus::default()).then(|| status.clone());
            }
            backend.write_shard(&cluster, shard)?;
            observer.event(Event::StateWritten {
                cluster: cluster.clone(),
                serial: shard.serial,
            });
        }
    }
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the arguments are the run's settings, named at the call"
)]
fn record(
    shard: &mut Shard,
    applied: &[(Change, Option<Value>)],
    plan: &Plan,
    cluster: &ClusterName,
    key: &SecretKey,
    keep_manifests: bool,
    manager: &str,
    report: &mut Report,
) {
    let placements = plan.placements.get(cluster);
    let refreshed = plan.clusters.get(cluster) == Some(&ClusterMode::Live);
    for (change, stored) in applied {
        if change.action != Action::NoOp {
            *report.done.entry(change.action).or_default() += 1;
        }
        if change.action == Action::Delete {
            shard.objects.remove(&change.object);
            shard.placements.remove(&change.object);
            continue;
        }
        let Some(after) = &change.after else { continue };
        let server: &Value = stored.as_ref().unwrap_or(after);
        let metadata = server.get("metadata");
        let text = |field: &str| {
            metadata
                .and_then(|metadata| metadata.get(field))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let manifest = keep_manifests.then(|| recorded_manifest(&change.object, after, key));
        let previous = shard.objects.get(&change.object);
        let digest = object_digest(&change.object, after, key);
        // What the next refresh will see: the stored object reduced the way refresh reduces
        // it; for a no-op on a refreshed cluster, what refresh saw; otherwise what was known.
        let live_digest = match (stored, change.before.as_ref()) {
            (Some(stored), _) => Some(object_digest(
                &change.object,
                &project(stored, manager),
                key,
            )),
            (None, Some(before)) if refreshed => Some(object_digest(&change.object, before, key)),
            (None, _) => previous
                .filter(|previous| previous.digest == digest)
                .and_then(|previous| previous.live_digest.clone()),
        }
        .filter(|live| *live != digest);
        shard.objects.insert(
            change.object.clone(),
            ObjectRecord {
                api_version: change.api_version.clone(),
                digest,
                live_digest,
                wave: change.wave,
                implicit: change.implicit,
                prune: change.prune,
                uid: text("uid").or_else(|| previous.and_then(|record| record.uid.clone())),
                resource_version: text("resourceVersion")
                    .or_else(|| previous.and_then(|record| record.resource_version.clone())),
                generation: metadata
                    .and_then(|metadata| metadata.get("generation"))
                    .and_then(Value::as_i64)
                    .or_else(|| previous.and_then(|record| record.generation)),
                manifest,
            },
        );
        if let Some(replicas) = placements.and_then(|placements| placements.get(&change.object)) {
            shard
                .placements
                .insert(change.object.clone(), replicas.clone());
        }
    }
}

async fn run_batch(
    work: BTreeMap<ClusterName, Vec<Change>>,
    desired: &DesiredState,
    clients: &Clients,
    options: &Options,
    observer: Arc<dyn Observer>,
) -> Vec<ClusterOutcome> {
    let semaphore = Arc::new(Semaphore::new(options.rollout.max_parallel_clusters.max(1)));
    let owner = Arc::new(options.owner.clone());
    let overwrite = Arc::new(options.overwrite.clone());
    let checked = Arc::new(options.checked.clone());
    let mut set = JoinSet::new();
    let mut tasks = BTreeMap::new();
    let failed = Arc::new(AtomicBool::new(false));
    for (cluster, changes) in work {
        let Some(client) = clients.get(&cluster).map(Arc::clone) else {
            continue;
        };
        let manifests: Vec<Option<Arc<Value>>> = changes
            .iter()
            .map(|change| {
                desired
                    .clusters
                    .get(&cluster)
                    .and_then(|objects| objects.objects.get(&change.object))
                    .map(|object| Arc::clone(&object.manifest))
                    .or_else(|| change.after.clone())
            })
            .collect();
        let semaphore = Arc::clone(&semaphore);
        let observer = Arc::clone(&observer);
        let owner = Arc::clone(&owner);
        let overwrite = Arc::clone(&overwrite);
        let checked = Arc::clone(&checked);
        let timeout = options.rollout.wait_timeout;
        let stop = options.stop.clone();
        let task_cluster = cluster.clone();
        let failed = Arc::clone(&failed);
        let handle = set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            // Clusters of a batch beyond `max_parallel_clusters` wait their turn; once one of
            // the batch failed, the ones still waiting are not started.
            if failed.load(Ordering::SeqCst) {
                return ClusterOutcome {
                    cluster: task_cluster,
                    applied: Vec::new(),
                    left_in_place: Vec::new(),
                    failure: None,
                };
            }
            let work = ClusterWork {
                checked: checked.contains(&task_cluster),
                cluster: task_cluster,
                changes,
                manifests,
                client,
                owner,
                stop,
                overwrite,
            };
            let outcome = apply_cluster(work, timeout, observer).await;
            if outcome.failure.is_some() {
                failed.store(true, Ordering::SeqCst);
            }
            outcome
        });
        tasks.insert(handle.id(), cluster);
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = set.join_next_with_id().await {
        match joined {
            Ok((_, outcome)) => outcomes.push(outcome),
            // A task that panicked did an unknown part of its work: report it as failed so the
            // rollout stops and the next plan looks at the cluster again.
            Err(error) => {
                let cluster = tasks.get(&error.id()).cloned().unwrap_or_default();
                outcomes.push(ClusterOutcome {
                    cluster: cluster.clone(),
                    applied: Vec::new(),
                    left_in_place: Vec::new(),
                    failure: Some(Failure {
                        cluster,
                        object: ObjectRef::new("v1", "Unknown", None, "unknown"),
                        message: format!("the apply task stopped: {error}"),
                    }),
                });
            }
        }
    }
    outcomes.sort_by(|a, b| a.cluster.cmp(&b.cluster));
    outcomes
}

/// One cluster's share of a batch.
struct ClusterWork {
    cluster: ClusterName,
    changes: Vec<Change>,
    manifests: Vec<Option<Arc<Value>>>,
    client: Arc<Client>,
    owner: Arc<BTreeMap<String, String>>,
    stop: Stop,
    overwrite: Arc<BTreeSet<ObjectRef>>,
    /// The plan read this cluster's creates moments ago ([`Options::checked`]).
    checked: bool,
}

/// An error and every cause under it, on one line.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Writes in flight at once on one cluster. The changes of one wave on one cluster do not
/// depend on each other (dependencies put objects in different waves), so they go out
/// together; the cap keeps one cluster's API server from being flooded, and its 429s are
/// retried by the backend.
const WRITES_PER_CLUSTER: usize = 16;

/// What became of one change.
enum Step {
    /// Done; with the object as stored, when the backend returned it.
    Done(Change, Option<Value>),
    /// A delete skipped: the object is not ours any more.
    LeftInPlace(Change, String),
    /// Failed; `deleted` is the old object a replace removed before its create failed.
    Failed {
        change: Change,
        error: String,
        deleted: Option<Box<Change>>,
    },
}

async fn apply_cluster(
    work: ClusterWork,
    timeout: Duration,
    observer: Arc<dyn Observer>,
) -> ClusterOutcome {
    let ClusterWork {
        cluster,
        changes,
        manifests,
        client,
        owner,
        stop,
        overwrite,
        checked,
    } = work;
    let mut outcome = ClusterOutcome {
        cluster: cluster.clone(),
        applied: Vec::new(),
        left_in_place: Vec::new(),
        failure: None,
    };
    let mut to_watch = Vec::new();
    let mut pending = changes.into_iter().zip(manifests);
    let mut in_flight = JoinSet::new();
    let mut objects = BTreeMap::new();
    loop {
        // Launch while there is room, nothing failed, and no stop was asked for: checked
        // between objects, not only between batches, since one batch of a large fleet can
        // hold thousands of changes.
        while in_flight.len() < WRITES_PER_CLUSTER && outcome.failure.is_none() && !stop.requested()
        {
            let Some((mut change, manifest)) = pending.next() else {
                break;
            };
            if let Some(manifest) = manifest
                && change.action != Action::Delete
            {
                change.after = Some(manifest);
            }
            let client = Arc::clone(&client);
            let owner = Arc::clone(&owner);
            // Taken over, or just found free by the plan: no need to read it first.
            let unread = overwrite.contains(&change.object) || checked;
            let object = change.object.clone();
            let task =
                in_flight.spawn(async move { carry_out(&client, change, &owner, unread).await });
            objects.insert(task.id(), object);
        }
        let Some(joined) = in_flight.join_next_with_id().await else {
            break;
        };
        let step = match joined {
            Ok((_, step)) => step,
            // A write that panicked did an unknown part of its work: stop the cluster's rollout,
            // and let the next plan look at the object again.
            Err(error) => {
                if let Some(object) = objects.remove(&error.id()) {
                    outcome.failure.get_or_insert(Failure {
                        cluster: cluster.clone(),
                        object,
                        message: format!("the write panicked: {error}"),
                    });
                }
                continue;
            }
        };
        match step {
            Step::Done(change, stored) => {
                if change.action != Action::NoOp {
                    observer.event(Event::Changed {
                        cluster: cluster.clone(),
                        object: change.object.clone(),
                        action: change.action,
                        error: None,
                    });
                }
                // What changed, and the workloads that did not: a rerun after a canary failed
                // finds nothing to change on the canary, and must still not roll on to the
                // next batch while the canary's workloads are unhealthy.
                if matches!(
                    change.action,
                    Action::Create | Action::Update | Action::Replace
                ) || (change.action == Action::NoOp && is_workload(&change.object))
                {
                    // The server answered the write with the object as stored: one already
                    // healthy in it (a ClusterIP Service, say) needs no reading back.
                    let healthy = stored.as_ref().is_some_and(|live| {
                        matches!(
                            object_health(&change.object.group, &change.object.kind, live),
                            Health::Ready
                        )
                    });
                    if !healthy {
                        to_watch.push((change.object.clone(), change.api_version.clone()));
                    }
                }
                outcome.applied.push((change, stored));
            }
            Step::LeftInPlace(change, reason) => {
                observer.event(Event::LeftInPlace {
                    cluster: cluster.clone(),
                    object: change.object.clone(),
                    reason,
                });
                outcome.left_in_place.push(change.object);
            }
            Step::Failed {
                change,
                error,
                deleted,
            } => {
                if let Some(deleted) = deleted {
                    // The old object is gone: record that along with the failure.
                    outcome.applied.push((*deleted, None));
                }
                observer.event(Event::Changed {
                    cluster: cluster.clone(),
                    object: change.object.clone(),
                    action: change.action,
                    error: Some(error.clone()),
                });
                // The first failure is the one reported; writes already in flight finish and
                // are recorded.
                outcome.failure.get_or_insert(Failure {
                    cluster: cluster.clone(),
                    object: change.object,
                    message: error,
                });
            }
        }
    }
    // After a failure or a stop request, what was written is recorded without waiting for
    // health: the next plan looks at those objects again.
    if outcome.failure.is_some() || stop.requested() {
        return outcome;
    }
    if let Some(failure) = wait_healthy(
        &cluster,
        &client,
        &to_watch,
        timeout,
        observer.as_ref(),
        &stop,
    )
    .await
    {
        outcome.failure = Some(failure);
    }
    outcome
}

/// Carries out one change on one cluster; `unread`: a create need not be checked for an object
/// of the same name first.
async fn carry_out(
    client: &Client,
    change: Change,
    owner: &BTreeMap<String, String>,
    unread: bool,
) -> Step {
    let cluster = client.name().clone();
    let result = match change.action {
        Action::NoOp => Ok(None),
        Action::Delete => match client
            .delete(&change.object, &change.api_version, owner)
            .await
        {
            Ok(Deletion::NotOwned) => {
                return Step::LeftInPlace(
                    change,
                    "its labels no longer say this workspace owns it".to_owned(),
                );
            }
            Ok(Deletion::Deleted | Deletion::Absent) => Ok(None),
            Err(error) => Err(error),
        },
        Action::Create => match conflict(client, &change, owner, unread).await {
            Ok(()) => apply_object(client, &change).await,
            Err(error) => Err(error),
        },
        Action::Update => apply_object(client, &change).await,
        Action::Replace => match client
            .delete(&change.object, &change.api_version, owner)
            .await
        {
            Ok(Deletion::NotOwned) => Err(crate::cluster::Error::Rejected {
                cluster,
                object: Box::new(change.object.clone()),
                message: "it must be replaced, but its labels no longer say this workspace owns it"
                    .to_owned(),
            }),
            Ok(Deletion::Deleted | Deletion::Absent) => {
                // A foreground delete returns while the object is still there, finalizing;
                // creating it again before it is gone would meet the old object.
                let created = match wait_gone(client, &change).await {
                    Ok(()) => apply_object(client, &change).await,
                    Err(error) => Err(error),
                };
                match created {
                    Ok(stored) => Ok(stored),
                    Err(error) => {
                        let mut deleted = change.clone();
                        deleted.action = Action::Delete;
                        return Step::Failed {
                            change,
                            error: describe(&error),
                            deleted: Some(Box::new(deleted)),
                        };
                    }
                }
            }
            Err(error) => Err(error),
        },
    };
    match result {
        Ok(stored) => Step::Done(change, stored),
        Err(error) => Step::Failed {
            change,
            error: describe(&error),
            deleted: None,
        },
    }
}

/// Whether an object runs pods, so that its health gates a batch even when unchanged.
fn is_workload(object: &ObjectRef) -> bool {
    matches!(
        (object.group.as_str(), object.kind.as_str()),
        (
            "apps",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        ) | ("batch", "Job")
    )
}

/// How long a replaced object may take to go away.
const REPLACE_WAIT: Duration = Duration::from_secs(120);

/// Waits until the object a replace deleted is gone.
async fn wait_gone(client: &Client, change: &Change) -> Result<(), crate::cluster::Error> {
    let deadline = Instant::now() + REPLACE_WAIT;
    while client
        .get(&change.object, &change.api_version)
        .await?
        .is_some()
    {
        if Instant::now() >= deadline {
            return Err(crate::cluster::Error::Rejected {
                cluster: client.name().clone(),
                object: Box::new(change.object.clone()),
                message: format!(
                    "it was deleted to be replaced, but is still there after {}",
                    humantime::format_duration(REPLACE_WAIT)
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

/// Karmada's `conflictResolution` for a create: an object of the same name that does not carry
/// the ownership labels belongs to someone else, and is taken over only under `Overwrite`.
/// An implicit namespace is exempt: it is created only because objects need it, and one that
/// already exists serves them as well. `unread`: taken over anyway, or just found free.
async fn conflict(
    client: &Client,
    change: &Change,
    owner: &BTreeMap<String, String>,
    unread: bool,
) -> Result<(), crate::cluster::Error> {
    if unread || change.implicit {
        return Ok(());
    }
    match client.get(&change.object, &change.api_version).await? {
        Some(live) if !has_labels(&live, owner) => Err(crate::cluster::Error::Rejected {
            cluster: client.name().clone(),
            object: Box::new(change.object.clone()),
            message: format!(
                "an object of that name already exists and is not managed by this workspace, and the conflict resolution is `Abort`; adopt it with `mcctl import {}` (add `--overwrite` to take it over), or set `conflictResolution: Overwrite` on its policy",
                change.object.on(client.name())
            ),
        }),
        _ => Ok(()),
    }
}

async fn apply_object(
    client: &Client,
    change: &Change,
) -> Result<Option<Value>, crate::cluster::Error> {
    let Some(after) = &change.after else {
        return Ok(None);
    };
    client.apply(after, ApplyMode::Commit).await.map(Some)
}

/// Health reads one cluster has in flight.
const HEALTH_READS_IN_FLIGHT: usize = 16;

/// Reads the health of each object, a few at a time; the results in the objects' order.
async fn read_health(
    client: &Arc<Client>,
    objects: &[&(ObjectRef, String)],
) -> Vec<Result<Health, crate::cluster::Error>> {
    let mut results: Vec<Option<Result<Health, crate::cluster::Error>>> =
        (0..objects.len()).map(|_| None).collect();
    let mut reads = JoinSet::new();
    let mut indexes = BTreeMap::new();
    let mut next = objects.iter().enumerate();
    loop {
        while reads.len() < HEALTH_READS_IN_FLIGHT {
            let Some((index, (object, api_version))) = next.next() else {
                break;
            };
            let client = Arc::clone(client);
            let (object, api_version) = (object.clone(), api_version.clone());
            let task = reads.spawn(async move { client.health(&object, &api_version).await });
            indexes.insert(task.id(), index);
        }
        let (id, health) = match reads.join_next_with_id().await {
            Some(Ok((id, health))) => (id, health),
            // A read that panicked is that object's failure.
            Some(Err(error)) => (
                error.id(),
                Ok(Health::Failed(format!(
                    "reading its health panicked: {error}"
                ))),
            ),
            None => break,
        };
        if let Some(index) = indexes.remove(&id) {
            results[index] = Some(health);
        }
    }
    results
        .into_iter()
        .map(|health| {
            health.unwrap_or_else(|| Ok(Health::Failed("its health was not read".to_owned())))
        })
        .collect()
}

/// Waits until every object is healthy (or its health cannot be observed), or the timeout.
async fn wait_healthy(
    cluster: &ClusterName,
    client: &Arc<Client>,
    objects: &[(ObjectRef, String)],
    timeout: Duration,
    observer: &dyn Observer,
    stop: &Stop,
) -> Option<Failure> {
    let deadline = Instant::now() + timeout;
    let mut pending: Vec<&(ObjectRef, String)> = objects.iter().collect();
    // The last status of each object: said once, again only when it changes.
    let mut last: BTreeMap<&ObjectRef, String> = BTreeMap::new();
    while !pending.is_empty() {
        // Health can take minutes; a stop request must not wait for it.
        if stop.requested() {
            return None;
        }
        let mut still = Vec::new();
        for (item, health) in pending
            .iter()
            .copied()
            .zip(read_health(client, &pending).await)
        {
            let (object, _) = item;
            match health {
                Ok(Health::Ready | Health::NotObservable) => {}
                Ok(Health::Failed(reason)) => {
                    return Some(Failure {
                        cluster: cluster.clone(),
                        object: object.clone(),
                        message: format!("unhealthy: {reason}"),
                    });
                }
                Ok(Health::Progressing(reason)) => {
                    if last.get(object) != Some(&reason) {
                        observer.event(Event::Waiting {
                            cluster: cluster.clone(),
                            object: object.clone(),
                            status: reason.clone(),
                        });
                        last.insert(object, reason);
                    }
                    still.push(item);
                }
                Err(error) => {
                    return Some(Failure {
                        cluster: cluster.clone(),
                        object: object.clone(),
                        message: describe(&error),
                    });
                }
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            let (object, _) = pending[0];
            let mut message = format!("not healthy after {}", humantime::format_duration(timeout));
            if let Some(status) = last.get(object) {
                message = format!("{message} ({status})");
            }
            if pending.len() > 1 {
                message = format!(
                    "{message}; {} more objects still waiting",
                    pending.len() - 1
                );
            }
            return Some(Failure {
                cluster: cluster.clone(),
                object: object.clone(),
                message,
            });
        }
        tokio::time::sleep(Duration::from_secs(2).min(timeout)).await;
    }
    None
}

#[cfg(test)]
mod tests;
