//! The data flow as code (DESIGN.md §1): `validate`, `plan`, `apply` — each a straight line of
//! stages. Everything the CLI does to a workspace goes through here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::addr::{ClusterName, ObjectRef};
use crate::apply::{self, Observer, Report, Stop};
use crate::cluster::{self, KindRef};
use crate::config::variables::VariableInputs;
use crate::config::{self, Config};
use crate::desired::secret::{SecretKey, is_secret};
use crate::desired::{self, DesiredState, MANAGED_BY_LABEL, MANAGED_BY_VALUE, WORKSPACE_LABEL};
use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::graph::{self, DependencyGraph};
use crate::model::{self, ClusterStatus, Model, Readiness};
use crate::plan::drift::DriftReport;
use crate::plan::file::{
    SAVED_PLAN_VERSION, SavedPlan, input_digests, replay, saved_changes, staleness,
};
use crate::plan::{self, Action, Plan};
use crate::refresh::{self, Clients, ObservedCluster, ObservedState};
use crate::scheduler::{self, Placement};
use crate::state::local::LocalBackend;
use crate::state::lock::{self, LockInfo, Locks};
use crate::state::{self, State};
use crate::{overrides, state::local};

mod conflicts;
pub mod state_commands;

/// Failures of a pipeline run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Problems in the config or in what the clusters said; rendered with their spans.
    #[error("{} error(s)", diagnostics.error_count())]
    Diagnostics {
        /// The files, for rendering spans.
        sources: Box<Sources>,
        /// Every problem found.
        diagnostics: Diagnostics,
    },
    /// The state could not be read, written or locked.
    #[error(transparent)]
    State(#[from] state::Error),
    /// Apply failed before it could start.
    #[error(transparent)]
    Apply(#[from] apply::Error),
    /// A saved plan cannot be used.
    #[error("saved plan `{path}` is stale: {reason}")]
    StalePlan {
        /// The plan file.
        path: PathBuf,
        /// What changed.
        reason: String,
    },
    /// A saved plan could not be read or written.
    #[error("cannot {action} plan file `{path}`: {message}")]
    PlanFile {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// `--clusters` names no cluster, or a cluster that does not exist.
    #[error("invalid `--clusters {selector}`: {message}")]
    ClusterSelector {
        /// The selector as given.
        selector: String,
        /// What is wrong with it.
        message: String,
    },
    /// The plan deletes more than half of a cluster's managed objects.
    #[error("refusing to apply: the plan deletes {}", clusters.join("; "))]
    MassDelete {
        /// Each cluster, with how many of its objects would go (`3 of 4 objects on eu-1`).
        clusters: Vec<String>,
    },
    /// A state command refused an address or an edit.
    #[error(transparent)]
    StateEdit(state::commands::Error),
    /// `import` refused.
    #[error(transparent)]
    Import(Box<state_commands::ImportError>),
    /// Apply would need clusters that cannot be reached.
    #[error("cannot apply to unreachable or offline cluster(s): {}", clusters.join(", "))]
    Unreachable {
        /// The clusters.
        clusters: Vec<String>,
    },
}

/// The outcome of loading a workspace.
#[derive(Debug)]
pub struct Validated {
    /// The files read.
    pub config: Config,
    /// The model, when there were no errors.
    pub model: Option<Model>,
    /// The dependency graph.
    pub graph: DependencyGraph,
    /// Every problem found.
    pub diagnostics: Diagnostics,
}

/// Stages 1–3: load, build, graph. Offline: no cluster, no state.
#[must_use]
pub fn validate(root: &Path, variables: &VariableInputs) -> Validated {
    let mut diagnostics = Diagnostics::new();
    let config = config::load(root, variables, &mut diagnostics);
    let model = model::build(&config, &mut diagnostics);
    let graph = graph::build(&model, &config.sources, &mut diagnostics);
    diagnostics.dedup();
    let model = (!diagnostics.has_errors()).then_some(model);
    Validated {
        config,
        model,
        graph,
        diagnostics,
    }
}

/// How to lock the state.
#[derive(Debug, Clone)]
pub struct LockRequest {
    /// Written into each lock file.
    pub info: LockInfo,
    /// How long to wait for a held lock.
    pub timeout: Duration,
}

/// How to plan.
#[derive(Debug, Clone)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent switches, as the command line gives them"
)]
pub struct PlanOptions {
    /// Ask the clusters (else plan from the state).
    pub refresh: bool,
    /// How to ask them.
    pub reads: Reads,
    /// Lock the state while planning (and applying); `None` plans without locks.
    pub lock: Option<LockRequest>,
    /// Plan the deletion of everything the state holds.
    pub destroy: bool,
    /// With `destroy`, delete protected kinds too.
    pub include_protected: bool,
    /// `MCCTL_SECRET_KEY`, which keys the digests of Secrets; derived from the workspace name
    /// when absent.
    pub secret_key: Option<String>,
    /// Values of HCL variables.
    pub variables: VariableInputs,
    /// Schedule afresh, like Karmada's `WorkloadRebalancer` (`plan --rebalance`).
    pub rebalance: bool,
    /// Record every scheduling step of this template (`mcctl explain`).
    pub explain: Option<ObjectRef>,
    /// `--clusters`: limit the run to the clusters this selects (names and/or a label
    /// selector). Scheduling still sees every cluster.
    pub clusters: Option<String>,
}

impl PlanRun {
    /// Ends a run whose process is about to exit: the state locks are released, the rest is
    /// left to the operating system. Freeing a fleet's manifests one allocation at a time costs
    /// a fifth of a large plan's time.
    pub fn finish(mut self) {
        drop(self.locks.take());
        std::mem::forget(self);
    }
}

/// How refresh reads the clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads {
    /// Clusters read at once (`--parallelism`).
    pub parallelism: usize,
    /// Confirm every update on a live cluster with a server-side dry run (`--server-dry-run`).
    pub server_dry_run: bool,
}

impl Default for Reads {
    fn default() -> Self {
        Self {
            parallelism: 10,
            server_dry_run: true,
        }
    }
}

/// A finished plan with everything apply needs.
#[derive(Debug)]
pub struct PlanRun {
    /// The files read.
    pub config: Config,
    /// The model.
    pub model: Model,
    /// The scheduling result.
    pub placement: Placement,
    /// What every cluster should hold.
    pub desired: DesiredState,
    /// The plan.
    pub plan: Plan,
    /// The state the plan was made against.
    pub state: State,
    /// The state backend.
    pub backend: LocalBackend,
    /// Clients of the reachable clusters.
    pub clients: Clients,
    /// What refresh saw (empty with `--refresh=false`).
    pub observed: ObservedState,
    /// Warnings (errors stop the run before a `PlanRun` exists).
    pub diagnostics: Diagnostics,
    /// The locks held, released on drop.
    pub locks: Option<Locks>,
    /// Keys the digests of Secrets.
    pub secret_key: SecretKey,
    /// Whether it was planned with `--rebalance`.
    pub rebalance: bool,
    /// The `--clusters` selector it was limited with.
    pub clusters: Option<String>,
    /// When the plan read the objects it creates, and the clusters whose every create it read
    /// (apply reads them again unless it starts within [`CHECKS_STAY_FRESH`]).
    pub conflicts_checked: Option<(Instant, BTreeSet<ClusterName>)>,
}

/// How long the plan's reads of the objects it creates stand for apply's own: long enough for
/// `apply --auto-approve`, shorter than anyone takes to read a plan and answer `yes`.
pub const CHECKS_STAY_FRESH: Duration = Duration::from_secs(10);

fn fail(config: Config, mut diagnostics: Diagnostics) -> Error {
    diagnostics.dedup();
    Error::Diagnostics {
        sources: Box::new(config.sources),
        diagnostics,
    }
}

/// Stages 1–8: load … diff.
pub async fn plan(root: &Path, options: &PlanOptions) -> Result<PlanRun, Error> {
    let Validated {
        config,
        model,
        graph,
        mut diagnostics,
    } = validate(root, &options.variables);
    let Some(model) = model else {
        return Err(fail(config, diagnostics));
    };
    let backend = LocalBackend::new(root.join(&model.settings.state_path));
    let recorded: BTreeSet<ClusterName> = backend.clusters()?;
    let subset = match &options.clusters {
        Some(selector) => Some(model::subset::select(&model, selector, &recorded).map_err(
            |message| Error::ClusterSelector {
                selector: selector.clone(),
                message,
            },
        )?),
        None => None,
    };

    // Lock every shard this run may write (only the subset's under `--clusters`, so that runs
    // on disjoint subsets proceed side by side), then read the state under the locks.
    let locks = match &options.lock {
        Some(request) => {
            let clusters: Vec<ClusterName> = match &subset {
                Some(subset) => subset.iter().cloned().collect(),
                None => model
                    .clusters
                    .iter()
                    .map(|cluster| cluster.name.clone())
                    .chain(recorded)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            };
            Some(lock::acquire(
                backend.dir(),
                &clusters,
                &request.info,
                request.timeout,
            )?)
        }
        None => None,
    };
    // Under `--clusters` the other shards are read too, without their locks: the scheduler needs
    // their placements and statuses so that the subset is placed exactly as a full run would
    // place it. They are never written, and each is replaced atomically, so a read sees a whole
    // file.
    let mut state = backend.read()?;

    // Clients for the clusters mcctl can reach.
    let mut clients: Clients = BTreeMap::new();
    for cluster in &model.clusters {
        if let Some(client) = cluster::connect(cluster, root, &model.settings.field_manager) {
            clients.insert(cluster.name.clone(), Arc::new(client));
        }
    }

    // Refresh, part 1: statuses, for the scheduler. Reads are bounded by `--parallelism`, not
    // by the rollout's `max_parallel_clusters` (which bounds changes).
    let refresh_parallelism = options.reads.parallelism.max(1);
    let mut unreachable: BTreeMap<ClusterName, String> = BTreeMap::new();
    let mut discovered: BTreeMap<ClusterName, ClusterStatus> = BTreeMap::new();
    if options.refresh {
        for (cluster, result) in refresh::discover(&clients, refresh_parallelism).await {
            match result {
                Ok(discovery) => {
                    for warning in discovery.warnings {
                        diagnostics.push(
                            Diagnostic::warning("mcctl::cluster::tls", warning)
                                .with_cluster(cluster.to_string())
                                .with_help("give the kubeconfig the API server's CA (`certificate-authority-data`) instead"),
                        );
                    }
                    discovered.insert(cluster, discovery.status);
                }
                Err(reason) => {
                    unreachable.insert(cluster, reason);
                }
            }
        }
    }
    let now = unix_seconds(SystemTime::now());
    let mut statuses: BTreeMap<ClusterName, ClusterStatus> = BTreeMap::new();
    let mut unreachable_since: BTreeMap<ClusterName, i64> = BTreeMap::new();
    for cluster in &model.clusters {
        let shard = state.shards.get(&cluster.name);
        let from_state = shard
            .and_then(|shard| shard.status.clone())
            .unwrap_or_default();
        let mut status = discovered
            .get(&cluster.name)
            .cloned()
            .unwrap_or_default()
            .or(&from_state)
            .or(&cluster.declared_status);
        let recorded = shard
            .and_then(|shard| shard.unreachable_since.as_deref())
            .and_then(parse_time);
        // Unreachable: discovery failed now, the status says so, or (planning from the state)
        // the state last saw it unreachable.
        let is_unreachable = unreachable.contains_key(&cluster.name)
            || status.readiness == Some(Readiness::Unknown)
            || (!options.refresh && recorded.is_some());
        if is_unreachable {
            // The failover clock starts when the state first saw the cluster unreachable, or
            // when its own status turned `Unknown`; a `Ready` condition's time says nothing
            // about when a refresh started failing.
            let reported = (status.readiness == Some(Readiness::Unknown))
                .then(|| status.ready_since.as_deref().and_then(parse_time))
                .flatten();
            status.readiness = Some(Readiness::Unknown);
            unreachable_since.insert(cluster.name.clone(), recorded.or(reported).unwrap_or(now));
        }
        statuses.insert(cluster.name.clone(), status);
    }

    // Stages 4–6: schedule, override, render.
    let previous = state.previous_bindings();
    let placement = scheduler::schedule(
        &model,
        scheduler::Inputs {
            statuses: &statuses,
            previous: &previous,
            unreachable_since: &unreachable_since,
            now,
            rebalance: options.rebalance,
            explain: options.explain.as_ref(),
        },
        &mut diagnostics,
    );
    let instances = overrides::apply(&model, &placement, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(fail(config, diagnostics));
    }
    let secret_key = if let Some(key) = &options.secret_key {
        SecretKey::given(key)
    } else {
        if model
            .templates
            .iter()
            .any(|template| is_secret(&template.object))
        {
            diagnostics.push(
                Diagnostic::warning("mcctl::state::secret_key", "Secret digests in the state are keyed by the workspace name")
                    .with_help("set `MCCTL_SECRET_KEY` (the same wherever this workspace is planned) so that nobody who reads the state can confirm a guessed Secret value"),
            );
        }
        SecretKey::derived(&model.workspace)
    };
    let desired = desired::render(&model, instances, &graph, &secret_key);

    // Refresh, part 2: what the clusters hold, one LIST per kind.
    let observed = if options.refresh {
        let reachable: Clients = clients
            .iter()
            .filter(|(name, _)| !unreachable.contains_key(*name))
            .filter(|(name, _)| subset.as_ref().is_none_or(|subset| subset.contains(*name)))
            .map(|(name, client)| (name.clone(), Arc::clone(client)))
            .collect();
        let kinds = kinds_per_cluster(&desired, &state);
        let labels = ownership_labels(&model.workspace);
        let recorded: refresh::Recorded = state
            .shards
            .iter()
            .map(|(cluster, shard)| {
                let objects = shard
                    .objects
                    .iter()
                    .map(|(object, record)| refresh::RecordedObject {
                        object: object.clone(),
                        api_version: record.api_version.clone(),
                        as_applied: match (&record.resource_version, &record.manifest) {
                            (Some(version), Some(manifest))
                                if record.live_digest.is_none() && !is_secret(object) =>
                            {
                                Some((version.clone(), Arc::clone(manifest)))
                            }
                            _ => None,
                        },
                    })
                    .collect();
                (cluster.clone(), objects)
            })
            .collect();
        refresh::observe(
            &reachable,
            &kinds,
            &labels,
            &recorded,
            refresh_parallelism,
            &model.settings.field_manager,
        )
        .await
    } else {
        ObservedState::default()
    };
    for (cluster, observed) in &observed.clusters {
        match observed {
            ObservedCluster::Failed(message) => diagnostics.push(
                Diagnostic::error(
                    "mcctl::refresh::failed",
                    format!("cannot read cluster `{cluster}`: {message}"),
                )
                .with_cluster(cluster.to_string())
                .with_help("fix or remove what the cluster holds, then plan again"),
            ),
            ObservedCluster::Unreachable(reason) => {
                unreachable.insert(cluster.clone(), reason.clone());
            }
            ObservedCluster::Listed { .. } => {}
        }
    }
    for (cluster, reason) in &unreachable {
        if subset
            .as_ref()
            .is_some_and(|subset| !subset.contains(cluster))
        {
            continue;
        }
        diagnostics.push(
            Diagnostic::warning("mcctl::refresh::unreachable", format!("cluster `{cluster}` is unreachable: {reason}"))
                // Points at the cluster's declaration: a wrong `kubeconfig` or `context` is fixed there.
                .with_optional_label(model.cluster(cluster.as_str()).map(|declared| &declared.span), "this cluster")
                .with_cluster(cluster.to_string())
                .with_help("it is planned from the state and never pruned; `apply --allow-unreachable` skips it"),
        );
    }
    if diagnostics.has_errors() {
        return Err(fail(config, diagnostics));
    }

    // Stage 8: diff.
    let plan = plan::diff(
        plan::Inputs {
            model: &model,
            placement: &placement,
            desired: &desired,
            state: &state,
            observed: &observed,
            unreachable: &unreachable,
            // Only what the clusters said is recorded; declared status stays in the config.
            statuses: &discovered,
            unreachable_since: &unreachable_since
                .iter()
                .map(|(cluster, since)| (cluster.clone(), format_time(*since)))
                .collect(),
            connected: &clients.keys().cloned().collect(),
            secret_key: &secret_key,
            destroy: options.destroy,
            include_protected: options.include_protected,
            only: subset.as_ref(),
        },
        &mut diagnostics,
    );
    let mut plan = plan;
    let mut conflicts_checked = None;
    if options.refresh {
        if options.reads.server_dry_run {
            confirm_updates(
                &clients,
                &mut plan,
                &model.settings.field_manager,
                refresh_parallelism,
                &mut diagnostics,
            )
            .await;
        }
        let clusters =
            conflicts::check(&model, &placement, &clients, &mut plan, &mut diagnostics).await;
        conflicts_checked = Some((Instant::now(), clusters));
    }
    diagnostics.dedup();
    // From here on (apply, saved plans) the run holds only the shards it may write.
    if let Some(subset) = &subset {
        state.shards.retain(|cluster, _| subset.contains(cluster));
    }
    Ok(PlanRun {
        config,
        model,
        placement,
        desired,
        plan,
        state,
        backend,
        clients,
        observed,
        diagnostics,
        locks,
        secret_key,
        rebalance: options.rebalance,
        clusters: options.clusters.clone(),
        conflicts_checked,
    })
}

/// Asks each live API server what an update would store (server-side apply with
/// `dryRun=All`), and drops the updates that would store what the cluster already holds: the
/// client-side comparison cannot know how the server writes values back (`0.5` CPUs as `500m`,
/// `1Gi` as `1073741824`?) or what admission adds. Only the Kubernetes backend answers
/// a dry run; a kind or namespace the cluster does not have yet fails it, and the client-side
/// result stands.
async fn confirm_updates(
    clients: &Clients,
    plan: &mut Plan,
    manager: &str,
    parallelism: usize,
    diagnostics: &mut Diagnostics,
) {
    use crate::cluster::ClusterClient as _;
    use crate::cluster::managed::project;
    let semaphore = Arc::new(tokio::sync::Semaphore::new(parallelism.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for (index, change) in plan.changes.iter().enumerate() {
        if change.action != Action::Update
            || plan.clusters.get(&change.cluster) != Some(&plan::ClusterMode::Live)
        {
            continue;
        }
        let (Some(client), Some(after)) = (clients.get(&change.cluster), change.after.clone())
        else {
            continue;
        };
        // `stringData` is write-only: the server folds it into `data`, owned by nobody mcctl
        // can see, so the two projections would agree even when a value changes.
        if after.get("stringData").is_some() {
            continue;
        }
        if !matches!(client.as_ref(), cluster::Client::Kube(_)) {
            continue;
        }
        let client = Arc::clone(client);
        let semaphore = Arc::clone(&semaphore);
        let manager = manager.to_owned();
        set.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let stored = client.apply(&after, cluster::ApplyMode::DryRun).await;
            (index, stored.map(|stored| project(&stored, &manager)))
        });
    }
    while let Some(joined) = set.join_next().await {
        let Ok((index, result)) = joined else {
            continue;
        };
        let change = &mut plan.changes[index];
        match result {
            Ok(would_store) if change.before.as_deref() == Some(&would_store) => {
                change.action = Action::NoOp;
                change.drift = false;
                change.reasons.clear();
                // Nothing to apply, but the state should learn the digests of this config.
                plan.state_outdated = true;
            }
            // The server refuses the update (an immutable field mcctl does not own, a webhook):
            // say so now rather than at apply.
            Err(error @ cluster::Error::Rejected { .. }) => diagnostics.push(
                Diagnostic::warning(
                    "mcctl::plan::dry_run",
                    format!("the server-side dry run of this update failed: {error}"),
                )
                .with_resource(change.object.clone())
                .with_cluster(change.cluster.to_string())
                .with_help("apply will most likely fail the same way; `--server-dry-run=false` skips the check"),
            ),
            // Would change something, or the cluster could not say: the update stands.
            Ok(_) | Err(_) => {}
        }
    }
}

/// The labels every object of the workspace carries.
fn ownership_labels(workspace: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_LABEL.to_owned(), MANAGED_BY_VALUE.to_owned()),
        (WORKSPACE_LABEL.to_owned(), workspace.to_owned()),
    ])
}

/// The kinds to list on each cluster: what it should hold and what the state says it holds.
fn kinds_per_cluster(
    desired: &DesiredState,
    state: &State,
) -> BTreeMap<ClusterName, BTreeSet<KindRef>> {
    let mut kinds: BTreeMap<ClusterName, BTreeSet<KindRef>> = BTreeMap::new();
    for (cluster, objects) in &desired.clusters {
        let entry = kinds.entry(cluster.clone()).or_default();
        for (object, desired) in &objects.objects {
            entry.insert(KindRef {
                api_version: desired.api_version.clone(),
                kind: object.kind.clone(),
            });
        }
    }
    for (cluster, shard) in &state.shards {
        let entry = kinds.entry(cluster.clone()).or_default();
        for (object, record) in &shard.objects {
            entry.insert(KindRef {
                api_version: record.api_version.clone(),
                kind: object.kind.clone(),
            });
        }
    }
    kinds
}

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Skip unreachable and offline clusters instead of refusing.
    pub allow_unreachable: bool,
    /// Apply even if a cluster would lose more than half of its managed objects.
    pub allow_mass_delete: bool,
    /// Asks the rollout to stop after the writes in flight (Ctrl-C).
    pub stop: Stop,
}

/// Refuses a plan that apply must not carry out as it is: one that needs unreachable clusters
/// (unless `allow_unreachable`) or deletes most of a cluster's objects (unless
/// `allow_mass_delete`; `destroy` is exempt, deleting everything is its point).
pub fn check(run: &PlanRun, options: &ApplyOptions) -> Result<(), Error> {
    if !run.plan.destroy && !options.allow_mass_delete && !run.plan.mass_deletes.is_empty() {
        return Err(Error::MassDelete {
            clusters: run
                .plan
                .mass_deletes
                .iter()
                .map(|mass| {
                    format!(
                        "{} of the {} objects mcctl manages on `{}`",
                        mass.deletes, mass.managed, mass.cluster
                    )
                })
                .collect(),
        });
    }
    let blocked: Vec<String> = run
        .plan
        .clusters
        .iter()
        .filter(|(_, mode)| {
            matches!(
                mode,
                plan::ClusterMode::Unreachable | plan::ClusterMode::Offline
            )
        })
        .filter(|(cluster, _)| {
            run.plan
                .changes
                .iter()
                .any(|change| &change.cluster == *cluster && change.action != Action::NoOp)
        })
        .map(|(cluster, _)| cluster.to_string())
        .collect();
    if !blocked.is_empty() && !options.allow_unreachable {
        return Err(Error::Unreachable { clusters: blocked });
    }
    Ok(())
}

/// Stage 9: applies a plan run and writes the state.
pub async fn apply(
    mut run: PlanRun,
    options: ApplyOptions,
    observer: Arc<dyn Observer>,
) -> Result<Report, Error> {
    check(&run, &options)?;
    let apply_options = apply::Options {
        rollout: run.model.settings.rollout.clone(),
        state_manifests: run.model.settings.state_manifests,
        owner: ownership_labels(&run.model.workspace),
        secret_key: run.secret_key.clone(),
        stop: options.stop,
        overwrite: overwrite_set(&run.model, &run.placement),
        checked: run
            .conflicts_checked
            .as_ref()
            .filter(|(at, _)| at.elapsed() < CHECKS_STAY_FRESH)
            .map(|(_, clusters)| clusters.clone())
            .unwrap_or_default(),
    };
    let inputs = apply::Inputs {
        model: &run.model,
        plan: &run.plan,
        desired: &run.desired,
        clients: &run.clients,
    };
    let report = apply::apply(
        inputs,
        &mut run.state,
        &run.backend,
        &apply_options,
        observer,
    )
    .await?;
    drop(run.locks.take());
    Ok(report)
}

/// Whether a template's policy says `conflictResolution: Overwrite`. A template that follows a
/// workload (`propagateDeps`) takes the resolution of the workloads' policies.
fn overwrites(model: &Model, placement: &Placement, object: &ObjectRef) -> bool {
    let policy_overwrites = |object: &ObjectRef| {
        placement
            .binding(object)
            .and_then(scheduler::Binding::policy)
            .and_then(|id| {
                model
                    .propagation_policies
                    .iter()
                    .find(|policy| &policy.id == id)
            })
            .is_some_and(|policy| policy.conflict_overwrite)
    };
    policy_overwrites(object)
        || placement
            .binding(object)
            .is_some_and(|binding| binding.required_by.iter().any(policy_overwrites))
}

/// Every template whose policy says `conflictResolution: Overwrite`.
fn overwrite_set(model: &Model, placement: &Placement) -> BTreeSet<ObjectRef> {
    placement
        .bindings
        .iter()
        .map(|binding| &binding.object)
        .filter(|object| overwrites(model, placement, object))
        .cloned()
        .collect()
}

/// Writes a saved plan.
pub fn save_plan(run: &PlanRun, path: &Path) -> Result<(), Error> {
    let saved = SavedPlan {
        format_version: SAVED_PLAN_VERSION,
        mcctl_version: env!("CARGO_PKG_VERSION").to_owned(),
        workspace: run.model.workspace.clone(),
        lineage: run.state.lineage.clone(),
        serials: run.state.serials(),
        inputs: input_digests(&run.config.sources, &run.config.variables),
        rebalance: run.rebalance,
        clusters: run.clusters.clone(),
        changes: saved_changes(&run.plan, &run.secret_key),
        plan: plan::json::render(
            Some(&run.plan),
            &run.diagnostics,
            &run.config.sources,
            plan::json::JsonOptions::default(),
        ),
    };
    local::write_json(path, &saved).map_err(|error| Error::PlanFile {
        action: "write",
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// Reads a saved plan.
pub fn read_saved_plan(path: &Path) -> Result<SavedPlan, Error> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::PlanFile {
        action: "read",
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|error| Error::PlanFile {
        action: "read",
        path: path.to_path_buf(),
        message: format!("not a saved plan: {error}"),
    })
}

/// Re-plans from the state, checks that a saved plan still holds, and returns a run whose
/// changes are exactly the saved ones.
pub async fn plan_from_saved(
    root: &Path,
    path: &Path,
    lock: Option<LockRequest>,
    secret_key: Option<String>,
    variables: VariableInputs,
) -> Result<PlanRun, Error> {
    let saved = read_saved_plan(path)?;
    let mut run = plan(
        root,
        &PlanOptions {
            refresh: false,
            reads: Reads::default(),
            lock,
            destroy: false,
            include_protected: false,
            secret_key,
            variables,
            rebalance: saved.rebalance,
            explain: None,
            clusters: saved.clusters.clone(),
        },
    )
    .await?;
    if saved.workspace != run.model.workspace {
        return Err(Error::StalePlan {
            path: path.to_path_buf(),
            reason: format!(
                "it was made for workspace `{}`, not `{}`",
                saved.workspace, run.model.workspace
            ),
        });
    }
    if let Some(reason) = staleness(
        &saved,
        run.state.lineage.as_deref(),
        &run.state.serials(),
        &input_digests(&run.config.sources, &run.config.variables),
        &run.desired,
    ) {
        return Err(Error::StalePlan {
            path: path.to_path_buf(),
            reason,
        });
    }
    run.plan.changes =
        replay(&saved, &run.plan, &run.desired, &run.state).map_err(|reason| Error::StalePlan {
            path: path.to_path_buf(),
            reason,
        })?;
    Ok(run)
}

/// The drift of a refreshed plan run: what changed on the clusters since the last apply,
/// compared with the state alone (`plan --refresh-only`, `mcctl drift`).
#[must_use]
pub fn refresh_only(run: &PlanRun) -> DriftReport {
    plan::drift::detect(&run.state, &run.observed, &run.secret_key)
}

/// `apply --refresh-only`: records what the clusters hold now as the applied state, for every
/// drifted object, and writes the shards that changed. Touches no cluster. Returns the clusters
/// whose state was written.
pub fn accept_drift(mut run: PlanRun, report: &DriftReport) -> Result<Vec<ClusterName>, Error> {
    let touched = plan::drift::accept(
        &mut run.state,
        &run.observed,
        report,
        &run.secret_key,
        run.model.settings.state_manifests,
    );
    for cluster in &touched {
        if let Some(shard) = run.state.shards.get_mut(cluster) {
            run.backend.write_shard(cluster, shard)?;
        }
    }
    drop(run.locks.take());
    Ok(touched.into_iter().collect())
}

/// Reads the state of a workspace without planning, for `mcctl show`. Only the settings need
/// to load, so the state stays readable while other config is broken.
pub fn read_state(root: &Path) -> Result<State, Error> {
    Ok(LocalBackend::new(state_dir(root)).read()?)
}

/// The state folder named by the workspace's settings (`mcctl.state` by default).
fn state_dir(root: &Path) -> PathBuf {
    let mut diagnostics = Diagnostics::new();
    let config = config::load(root, &VariableInputs::default(), &mut diagnostics);
    let state_path = config
        .settings
        .iter()
        .find_map(|decl| decl.settings.state.as_ref()?.path.clone())
        .map_or_else(|| PathBuf::from("mcctl.state"), PathBuf::from);
    root.join(state_path)
}

/// Clears stale lock info left by a killed process.
pub fn force_unlock(root: &Path, id: &str) -> Result<lock::Unlocked, Error> {
    // Read only the settings: a lock must be clearable even while other config is broken.
    Ok(lock::force_unlock(&state_dir(root), id)?)
}

/// Seconds since the Unix epoch.
fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |elapsed| {
        i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
    })
}

/// An RFC 3339 time as Unix seconds.
fn parse_time(text: &str) -> Option<i64> {
    humantime::parse_rfc3339_weak(text).ok().map(unix_seconds)
}

/// Unix seconds as RFC 3339.
fn format_time(seconds: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
    humantime::format_rfc3339_seconds(time).to_string()
}
