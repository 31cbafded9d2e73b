//! Each pure stage of a plan, on the 100 clusters × 1,000 templates workspace of
//! `examples/gen.rs` (52,235 placed objects): `load` (`pipeline::validate`: read, parse, build the
//! model and the graph), `schedule` (target: ≤ 50 ms), `override`, `render`, and `diff` against
//! an empty state and against an up-to-date one (recorded in memory from the first diff, as apply
//! records it, and checked to plan no change).
//!
//! `cargo bench --bench stages`: about four minutes on 2 cores; `-- render` runs one stage, after
//! the same setup. Inputs are made once by running the stages before; only the stage is timed,
//! not the dropping of its output (the CLI leaves that to the OS at exit).

#![expect(
    clippy::unwrap_used,
    reason = "a benchmark fails loudly on a broken fixture"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main,
};
use mcctl::addr::ClusterName;
use mcctl::config::variables::VariableInputs;
use mcctl::desired::secret::{SecretKey, object_digest, recorded_manifest};
use mcctl::desired::{self, DesiredState};
use mcctl::diag::Diagnostics;
use mcctl::graph::DependencyGraph;
use mcctl::model::{ClusterStatus, Model};
use mcctl::overrides::{self, Instances};
use mcctl::pipeline;
use mcctl::plan::{self, Action, Plan};
use mcctl::refresh::ObservedState;
use mcctl::scheduler::{self, Placement};
use mcctl::state::{self, ObjectRecord, State};

// The generator of `examples/gen.rs`.
#[path = "support/workload.rs"]
mod workload;

const CLUSTERS: usize = 100;
const TEMPLATES: usize = 1_000;
/// The name every benchmark reports under.
const SIZE: &str = "100 clusters x 1000 templates";

/// Every stage's input, made by running the stages once.
struct Fixture {
    /// The generated workspace on disk, removed on drop.
    workspace: tempfile::TempDir,
    model: Model,
    graph: DependencyGraph,
    placement: Placement,
    instances: Instances,
    desired: DesiredState,
    secret_key: SecretKey,
    /// Every cluster: directory clusters all have a client.
    connected: BTreeSet<ClusterName>,
    /// What an apply of the plan against the empty state would have recorded.
    applied: State,
}

impl Fixture {
    fn new() -> Self {
        let workspace = tempfile::tempdir().unwrap();
        for (name, text) in workload::files(CLUSTERS, TEMPLATES, 1) {
            std::fs::write(workspace.path().join(name), text).unwrap();
        }
        let validated = pipeline::validate(workspace.path(), &VariableInputs::default());
        assert!(
            !validated.diagnostics.has_errors(),
            "{:?}",
            validated.diagnostics
        );
        let model = validated.model.unwrap();
        let graph = validated.graph;
        let mut diagnostics = Diagnostics::new();
        let placement = scheduler::schedule(
            &model,
            scheduler::Inputs::new(&statuses(&model), &BTreeMap::new()),
            &mut diagnostics,
        );
        let instances = overrides::apply(&model, &placement, &mut diagnostics);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let secret_key = SecretKey::given("benchmark");
        let desired = desired::render(&model, instances.clone(), &graph, &secret_key);
        let connected = model
            .clusters
            .iter()
            .map(|cluster| cluster.name.clone())
            .collect();
        let mut fixture = Self {
            workspace,
            model,
            graph,
            placement,
            instances,
            desired,
            secret_key,
            connected,
            applied: State::default(),
        };
        let first = fixture.diff(&State::default());
        fixture.applied = fixture.record(&first);
        let again = fixture.diff(&fixture.applied);
        assert!(
            !again.has_changes() && !again.state_outdated,
            "the recorded state is not up to date: {:?}",
            again.summary()
        );
        fixture
    }

    /// The plan against `state`, as `plan --refresh=false` makes it: every cluster has a
    /// client, none was read.
    fn diff(&self, state: &State) -> Plan {
        let mut diagnostics = Diagnostics::new();
        plan::diff(
            plan::Inputs {
                model: &self.model,
                placement: &self.placement,
                desired: &self.desired,
                state,
                observed: &ObservedState::default(),
                unreachable: &BTreeMap::new(),
                statuses: &BTreeMap::new(),
                unreachable_since: &BTreeMap::new(),
                connected: &self.connected,
                secret_key: &self.secret_key,
                destroy: false,
                include_protected: false,
                only: None,
            },
            &mut diagnostics,
        )
    }

    /// The state an apply of `plan` to directory clusters records: per object its digest, wave
    /// and manifest (Secret values keyed), per cluster the placements.
    fn record(&self, plan: &Plan) -> State {
        const LINEAGE: &str = "00000000-0000-4000-8000-000000000000";
        let mut recorded = State {
            lineage: Some(LINEAGE.to_owned()),
            shards: BTreeMap::new(),
        };
        for change in &plan.changes {
            assert_eq!(change.action, Action::Create);
            let after = change.after.as_ref().unwrap();
            let record = ObjectRecord {
                api_version: change.api_version.clone(),
                digest: object_digest(&change.object, after, &self.secret_key),
                live_digest: None,
                wave: change.wave,
                implicit: change.implicit,
                prune: change.prune,
                uid: None,
                resource_version: None,
                generation: None,
                manifest: self
                    .model
                    .settings
                    .state_manifests
                    .then(|| recorded_manifest(&change.object, after, &self.secret_key)),
            };
            let placement = plan
                .placements
                .get(&change.cluster)
                .and_then(|placements| placements.get(&change.object))
                .cloned();
            state::commands::adopt(
                &mut recorded,
                LINEAGE,
                &self.model.workspace,
                &change.object.on(&change.cluster),
                record,
                placement,
            );
        }
        recorded
    }
}

/// Each cluster's declared status, as a plan without state or refresh gives the scheduler.
fn statuses(model: &Model) -> BTreeMap<ClusterName, ClusterStatus> {
    model
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.declared_status.clone()))
        .collect()
}

/// A group of ten samples after a one-second warm-up. Stages of hundreds of milliseconds sample
/// `Flat` (the same number of iterations in each sample) over half a minute.
fn group<'a>(c: &'a mut Criterion, name: &str, mode: SamplingMode) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .sampling_mode(mode);
    if matches!(mode, SamplingMode::Flat) {
        group.measurement_time(Duration::from_secs(30));
    }
    group
}

fn stages(c: &mut Criterion) {
    let fixture = Fixture::new();
    load(c, &fixture);
    schedule(c, &fixture);
    apply_overrides(c, &fixture);
    render(c, &fixture);
    diff(c, &fixture);
}

fn load(c: &mut Criterion, fixture: &Fixture) {
    let mut group = group(c, "load", SamplingMode::Flat);
    group.bench_function(SIZE, |bench| {
        bench.iter_with_large_drop(|| {
            pipeline::validate(
                black_box(fixture.workspace.path()),
                &VariableInputs::default(),
            )
        });
    });
    group.finish();
}

fn schedule(c: &mut Criterion, fixture: &Fixture) {
    let statuses = statuses(&fixture.model);
    let previous = BTreeMap::new();
    let mut group = group(c, "schedule", SamplingMode::Auto);
    group.bench_function(SIZE, |bench| {
        bench.iter_with_large_drop(|| {
            scheduler::schedule(
                black_box(&fixture.model),
                scheduler::Inputs::new(&statuses, &previous),
                &mut Diagnostics::new(),
            )
        });
    });
    group.finish();
}

fn apply_overrides(c: &mut Criterion, fixture: &Fixture) {
    let mut group = group(c, "override", SamplingMode::Flat);
    group.bench_function(SIZE, |bench| {
        bench.iter_with_large_drop(|| {
            overrides::apply(
                black_box(&fixture.model),
                black_box(&fixture.placement),
                &mut Diagnostics::new(),
            )
        });
    });
    group.finish();
}

fn render(c: &mut Criterion, fixture: &Fixture) {
    let mut group = group(c, "render", SamplingMode::Flat);
    group.bench_function(SIZE, |bench| {
        // Render consumes the instances: each iteration gets a fresh copy, made untimed.
        bench.iter_batched(
            || fixture.instances.clone(),
            |instances| {
                desired::render(
                    black_box(&fixture.model),
                    instances,
                    &fixture.graph,
                    &fixture.secret_key,
                )
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn diff(c: &mut Criterion, fixture: &Fixture) {
    let empty = State::default();
    let mut group = group(c, "diff", SamplingMode::Flat);
    group.bench_function("empty state", |bench| {
        bench.iter_with_large_drop(|| fixture.diff(black_box(&empty)));
    });
    group.bench_function("up-to-date state", |bench| {
        bench.iter_with_large_drop(|| fixture.diff(black_box(&fixture.applied)));
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
