//! Apply tests against in-memory clusters.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::*;
use crate::cluster::fake::FakeCluster;
use crate::plan::{Inputs as DiffInputs, diff};
use crate::refresh::{ObservedCluster, ObservedState};
use crate::testing::{model_from_yaml, stages_with};

const WORKSPACE: &str = r"
apiVersion: mcctl.io/v1alpha1
kind: Workspace
metadata: {name: shop}
spec:
  rollout: {order: ['tier=canary', '*']}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: a, labels: {tier: canary}, annotations: {mcctl.io/directory: out/a}}
spec: {syncMode: Pull}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: b, annotations: {mcctl.io/directory: out/b}}
spec: {syncMode: Pull}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: config}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 2}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}, {apiVersion: apps/v1, kind: Deployment}]
";

#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl Observer for Recorder {
    fn event(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

struct Setup {
    model: Model,
    plan: Plan,
    desired: DesiredState,
    clients: Clients,
}

fn setup(yaml: &str, state: &State, fakes: Vec<FakeCluster>) -> Setup {
    let staged = stages_with(yaml, &state.previous_bindings());
    let statuses = BTreeMap::new();
    let (model, placement, desired, mut diagnostics) = (
        staged.model,
        staged.placement,
        staged.desired,
        staged.diagnostics,
    );
    let clients: Clients = fakes
        .into_iter()
        .map(|fake| (fake.name().clone(), Arc::new(Client::Fake(fake))))
        .collect();
    let mut observed = ObservedState::default();
    for (name, client) in &clients {
        let Client::Fake(fake) = client.as_ref() else {
            unreachable!()
        };
        observed.clusters.insert(
            name.clone(),
            ObservedCluster::Listed {
                objects: fake
                    .objects()
                    .into_iter()
                    .map(|(object, live)| (object, Arc::new(live)))
                    .collect(),
            },
        );
    }
    let unreachable = BTreeMap::new();
    let plan = diff(
        DiffInputs {
            model: &model,
            placement: &placement,
            desired: &desired,
            state,
            observed: &observed,
            unreachable: &unreachable,
            statuses: &statuses,
            unreachable_since: &BTreeMap::new(),
            connected: &clients.keys().cloned().collect(),
            secret_key: &crate::desired::secret::SecretKey::derived("shop"),
            destroy: false,
            include_protected: false,
            only: None,
        },
        &mut diagnostics,
    );
    Setup {
        model,
        plan,
        desired,
        clients,
    }
}

fn options(model: &Model) -> Options {
    Options {
        rollout: model.settings.rollout.clone(),
        state_manifests: true,
        secret_key: crate::desired::secret::SecretKey::derived("shop"),
        stop: crate::apply::Stop::default(),
        overwrite: BTreeSet::new(),
        checked: BTreeSet::new(),
        owner: BTreeMap::from([
            (
                "app.kubernetes.io/managed-by".to_owned(),
                "mcctl".to_owned(),
            ),
            ("mcctl.io/workspace".to_owned(), "shop".to_owned()),
        ]),
    }
}

#[tokio::test]
async fn applies_wave_by_wave_and_batch_by_batch_then_writes_state() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().to_path_buf());
    let mut state = State::default();
    let setup = setup(
        WORKSPACE,
        &state,
        vec![FakeCluster::new("a"), FakeCluster::new("b")],
    );
    let recorder = Arc::new(Recorder::default());
    let report = apply(
        Inputs {
            model: &setup.model,
            plan: &setup.plan,
            desired: &setup.desired,
            clients: &setup.clients,
        },
        &mut state,
        &backend,
        &options(&setup.model),
        recorder.clone(),
    )
    .await
    .unwrap();
    assert_eq!(report.failure, None);
    assert_eq!(report.done[&Action::Create], 4);
    let batches: Vec<(Option<usize>, usize, Vec<String>)> = recorder
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|event| match event {
            Event::BatchStarted {
                wave,
                batch,
                clusters,
            } => Some((
                *wave,
                *batch,
                clusters.iter().map(ToString::to_string).collect(),
            )),
            _ => None,
        })
        .collect();
    // The canary cluster receives every wave before the next batch starts.
    assert_eq!(
        batches,
        [
            (Some(0), 1, vec!["a".to_owned()]),
            (Some(1), 1, vec!["a".to_owned()]),
            (Some(0), 2, vec!["b".to_owned()]),
            (Some(1), 2, vec!["b".to_owned()])
        ]
    );
    let read = backend.read().unwrap();
    assert_eq!(read.shards.len(), 2);
    assert_eq!(read.shards[&ClusterName::new("a")].objects.len(), 2);
    assert_eq!(
        read.shards[&ClusterName::new("a")].placements
            [&"apps/Deployment/default/web".parse::<ObjectRef>().unwrap()]
            .replicas,
        Some(2)
    );
}

#[tokio::test]
async fn a_failure_stops_the_rollout_and_the_state_keeps_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().to_path_buf());
    let mut state = State::default();
    let a = FakeCluster::new("a");
    a.fail_on("apps/Deployment/default/web".parse().unwrap());
    let setup = setup(WORKSPACE, &state, vec![a, FakeCluster::new("b")]);
    let report = apply(
        Inputs {
            model: &setup.model,
            plan: &setup.plan,
            desired: &setup.desired,
            clients: &setup.clients,
        },
        &mut state,
        &backend,
        &options(&setup.model),
        Arc::new(Recorder::default()),
    )
    .await
    .unwrap();
    let failure = report.failure.unwrap();
    assert_eq!(
        (
            failure.cluster.as_str(),
            failure.object.to_string().as_str()
        ),
        ("a", "apps/Deployment/default/web")
    );
    // The canary got wave 0 (the ConfigMap) and stopped at wave 1; the next batch was never
    // touched.
    let read = backend.read().unwrap();
    let objects = |cluster: &str| {
        read.shards
            .get(&ClusterName::new(cluster))
            .map(|shard| {
                shard
                    .objects
                    .keys()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    assert_eq!(objects("a"), ["core/ConfigMap/default/config"]);
    assert!(objects("b").is_empty(), "{:?}", objects("b"));
}

#[tokio::test]
async fn a_rerun_after_a_failure_continues() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().to_path_buf());
    let mut state = State::default();
    let a = FakeCluster::new("a");
    a.fail_on("apps/Deployment/default/web".parse().unwrap());
    let setup = setup(WORKSPACE, &state, vec![a, FakeCluster::new("b")]);
    apply(
        Inputs {
            model: &setup.model,
            plan: &setup.plan,
            desired: &setup.desired,
            clients: &setup.clients,
        },
        &mut state,
        &backend,
        &options(&setup.model),
        Arc::new(Recorder::default()),
    )
    .await
    .unwrap();
    // The object the fake rejected is fixed; plan again from the written state and live objects.
    let objects = |client: &Arc<Client>| match client.as_ref() {
        Client::Fake(fake) => fake.objects(),
        Client::Dir(_) | Client::Kube(_) => unreachable!(),
    };
    let a = FakeCluster::new("a");
    let b = FakeCluster::new("b");
    for (object, manifest) in objects(&setup.clients[&ClusterName::new("a")]) {
        let _ = object;
        a.apply(&manifest, ApplyMode::Commit).await.unwrap();
    }
    for (_, manifest) in objects(&setup.clients[&ClusterName::new("b")]) {
        b.apply(&manifest, ApplyMode::Commit).await.unwrap();
    }
    let state = backend.read().unwrap();
    let again = setup_with_state(&state, vec![a, b]);
    let summary = again.plan.summary();
    // The canary's ConfigMap is in place; its Deployment and all of `b` are still to create.
    assert_eq!((summary.create, summary.no_op), (3, 1));
}

fn setup_with_state(state: &State, fakes: Vec<FakeCluster>) -> Setup {
    setup(WORKSPACE, state, fakes)
}

#[test]
fn batches_follow_the_rollout_order() {
    let model = model_from_yaml(WORKSPACE);
    let clusters = vec![ClusterName::new("b"), ClusterName::new("a")];
    let batches = batches(&model, &clusters, &model.settings.rollout.order);
    assert_eq!(
        batches,
        [vec![ClusterName::new("a")], vec![ClusterName::new("b")]]
    );
    assert_eq!(
        super::batches(&model, &clusters, &[]),
        [vec![ClusterName::new("a"), ClusterName::new("b")]]
    );
}

/// Asks the rollout to stop as soon as the first shard is written, as Ctrl-C would.
struct StopAfterFirstBatch(Stop);

impl Observer for StopAfterFirstBatch {
    fn event(&self, event: Event) {
        if matches!(event, Event::StateWritten { .. }) {
            self.0.request();
        }
    }
}

#[tokio::test]
async fn a_stop_request_ends_the_rollout_after_the_batch_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().to_path_buf());
    let mut state = State::default();
    let setup = setup(
        WORKSPACE,
        &state,
        vec![FakeCluster::new("a"), FakeCluster::new("b")],
    );
    let options = options(&setup.model);
    let report = apply(
        Inputs {
            model: &setup.model,
            plan: &setup.plan,
            desired: &setup.desired,
            clients: &setup.clients,
        },
        &mut state,
        &backend,
        &options,
        Arc::new(StopAfterFirstBatch(options.stop.clone())),
    )
    .await
    .unwrap();
    assert!(report.interrupted);
    assert_eq!(report.failure, None);
    assert_eq!(report.done[&Action::Create], 1);
    assert_eq!(report.not_done, 3);
    // The state holds exactly the finished batch.
    let read = backend.read().unwrap();
    assert_eq!(read.shards.len(), 1);
    assert_eq!(read.shards[&ClusterName::new("a")].objects.len(), 1);
}

/// Puts an object nobody labelled on cluster `a` after the plan was made, as another tool would.
async fn foreign_config_map(setup: &Setup) {
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "config", "namespace": "default"},
        "data": {"owner": "someone else"},
    });
    setup.clients[&ClusterName::new("a")]
        .apply(&manifest, ApplyMode::Commit)
        .await
        .unwrap();
}

async fn apply_with(setup: &Setup, state: &mut State, options: &Options) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(dir.path().to_path_buf());
    apply(
        Inputs {
            model: &setup.model,
            plan: &setup.plan,
            desired: &setup.desired,
            clients: &setup.clients,
        },
        state,
        &backend,
        options,
        Arc::new(Recorder::default()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_create_onto_an_object_of_someone_else_aborts_for_it() {
    let mut state = State::default();
    let setup = setup(
        WORKSPACE,
        &state,
        vec![FakeCluster::new("a"), FakeCluster::new("b")],
    );
    foreign_config_map(&setup).await;
    let report = apply_with(&setup, &mut state, &options(&setup.model)).await;
    let failure = report.failure.unwrap();
    assert_eq!(failure.object.to_string(), "core/ConfigMap/default/config");
    assert!(
        failure
            .message
            .contains("the conflict resolution is `Abort`"),
        "{}",
        failure.message
    );
    let Client::Fake(a) = setup.clients[&ClusterName::new("a")].as_ref() else {
        unreachable!()
    };
    let config = &a.objects()[&"core/ConfigMap/default/config"
        .parse::<ObjectRef>()
        .unwrap()];
    assert_eq!(config["data"]["owner"], "someone else");
}

#[tokio::test]
async fn a_create_takes_the_object_over_under_overwrite() {
    let mut state = State::default();
    let setup = setup(
        WORKSPACE,
        &state,
        vec![FakeCluster::new("a"), FakeCluster::new("b")],
    );
    foreign_config_map(&setup).await;
    let mut options = options(&setup.model);
    options
        .overwrite
        .insert("core/ConfigMap/default/config".parse().unwrap());
    let report = apply_with(&setup, &mut state, &options).await;
    assert_eq!(report.failure, None);
    assert_eq!(report.done[&Action::Create], 4);
}
