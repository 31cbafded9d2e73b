//! Diff tests: a small model, a hand-made state and hand-made live objects.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::*;
use crate::desired::digest;
use crate::desired::secret::SecretKey;
use crate::state::{ObjectRecord, Shard};
use crate::testing::stages;

const WORKSPACE: &str = r"
apiVersion: mcctl.io/v1alpha1
kind: Workspace
metadata: {name: shop}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-1, annotations: {mcctl.io/directory: out/eu-1}}
spec: {syncMode: Pull}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 2, selector: {matchLabels: {app: web}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
data: {a: b}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}, {apiVersion: v1, kind: ConfigMap}]
";

struct Fixture {
    model: Model,
    placement: Placement,
    desired: DesiredState,
}

fn fixture(yaml: &str) -> Fixture {
    let staged = stages(yaml);
    Fixture {
        model: staged.model,
        placement: staged.placement,
        desired: staged.desired,
    }
}

fn eu() -> ClusterName {
    ClusterName::new("eu-1")
}

fn object(text: &str) -> ObjectRef {
    text.parse().unwrap()
}

/// The state after applying `fixture` exactly.
fn applied_state(fixture: &Fixture) -> State {
    let mut shard = Shard::new("lineage", "shop");
    for (object, desired) in &fixture.desired.clusters[&eu()].objects {
        shard.objects.insert(
            object.clone(),
            ObjectRecord {
                api_version: desired.api_version.clone(),
                digest: desired.digest.clone(),
                live_digest: None,
                wave: desired.wave,
                implicit: desired.implicit,
                prune: desired.prune,
                uid: None,
                resource_version: None,
                generation: None,
                manifest: Some(desired.manifest.clone()),
            },
        );
    }
    for binding in &fixture.placement.bindings {
        for target in &binding.targets {
            shard.placements.insert(
                binding.object.clone(),
                crate::state::PlacementRecord::of(binding, target.replicas),
            );
        }
    }
    State {
        lineage: Some("lineage".into()),
        shards: BTreeMap::from([(eu(), shard)]),
    }
}

/// Records `manifest` in the state as applied by mcctl, in `wave`, and puts it on the cluster.
fn insert_applied(
    state: &mut State,
    live: &mut BTreeMap<ObjectRef, Value>,
    object: ObjectRef,
    manifest: Value,
    wave: usize,
    prune: bool,
) {
    state.shards.get_mut(&eu()).unwrap().objects.insert(
        object.clone(),
        ObjectRecord {
            api_version: manifest["apiVersion"].as_str().unwrap_or("v1").to_owned(),
            digest: digest(&manifest),
            live_digest: None,
            wave,
            implicit: false,
            prune,
            uid: None,
            resource_version: None,
            generation: None,
            manifest: None,
        },
    );
    live.insert(object, manifest);
}

fn live_of(fixture: &Fixture) -> BTreeMap<ObjectRef, Value> {
    fixture.desired.clusters[&eu()]
        .objects
        .iter()
        .map(|(object, desired)| (object.clone(), (*desired.manifest).clone()))
        .collect()
}

fn observed(objects: BTreeMap<ObjectRef, Value>) -> ObservedState {
    ObservedState {
        clusters: BTreeMap::from([(
            eu(),
            ObservedCluster::Listed {
                objects: objects
                    .into_iter()
                    .map(|(object, live)| (object, Arc::new(live)))
                    .collect(),
            },
        )]),
        ..ObservedState::default()
    }
}

fn run(fixture: &Fixture, state: &State, observed: &ObservedState) -> (Plan, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let unreachable = BTreeMap::new();
    let statuses = BTreeMap::new();
    let plan = diff(
        Inputs {
            model: &fixture.model,
            placement: &fixture.placement,
            desired: &fixture.desired,
            state,
            observed,
            unreachable: &unreachable,
            statuses: &statuses,
            unreachable_since: &BTreeMap::new(),
            connected: &BTreeSet::from([eu()]),
            secret_key: &SecretKey::derived("shop"),
            destroy: false,
            include_protected: false,
            only: None,
        },
        &mut diagnostics,
    );
    (plan, diagnostics)
}

fn actions(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .map(|change| format!("{} {}", change.action, change.object))
        .collect()
}

#[test]
fn a_first_plan_creates_everything() {
    let fixture = fixture(WORKSPACE);
    let (plan, _) = run(&fixture, &State::default(), &observed(BTreeMap::new()));
    assert_eq!(
        actions(&plan),
        [
            "create core/ConfigMap/default/web",
            "create apps/Deployment/default/web"
        ]
    );
    assert_eq!(plan.summary().create, 2);
    assert!(plan.bindings[0].previous.is_none());
}

#[test]
fn an_applied_workspace_has_no_changes() {
    let fixture = fixture(WORKSPACE);
    let state = applied_state(&fixture);
    let (plan, _) = run(&fixture, &state, &observed(live_of(&fixture)));
    assert!(!plan.has_changes());
    assert!(!plan.state_outdated);
    assert_eq!(plan.summary().no_op, 2);
}

#[test]
fn live_edits_are_drift() {
    let fixture = fixture(WORKSPACE);
    let state = applied_state(&fixture);
    let mut live = live_of(&fixture);
    live.get_mut(&object("core/ConfigMap/default/web")).unwrap()["data"]["a"] = json!("edited");
    let (plan, _) = run(&fixture, &state, &observed(live));
    let change = plan
        .changes
        .iter()
        .find(|change| change.action == Action::Update)
        .unwrap();
    assert!(change.drift);
    assert_eq!(
        change.reasons,
        ["drift: changed outside mcctl since the last apply"]
    );
    assert!(plan.has_drift());
}

#[test]
fn objects_deleted_by_hand_are_recreated_as_drift() {
    let fixture = fixture(WORKSPACE);
    let state = applied_state(&fixture);
    let mut live = live_of(&fixture);
    live.remove(&object("core/ConfigMap/default/web"));
    let (plan, _) = run(&fixture, &state, &observed(live));
    assert_eq!(actions(&plan), ["create core/ConfigMap/default/web"]);
    assert!(plan.changes[0].drift);
}

#[test]
fn removed_templates_are_deleted_when_the_labels_confirm() {
    let fixture = fixture(WORKSPACE);
    let mut state = applied_state(&fixture);
    let mut live = live_of(&fixture);
    let old = object("core/ConfigMap/default/old");
    let old_manifest = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "default", "labels": {"app.kubernetes.io/managed-by": "mcctl", "mcctl.io/workspace": "shop"}}});
    let foreign = object("core/ConfigMap/default/foreign");
    let foreign_manifest = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "foreign", "namespace": "default"}});
    for (object, manifest) in [(&old, &old_manifest), (&foreign, &foreign_manifest)] {
        state.shards.get_mut(&eu()).unwrap().objects.insert(
            object.clone(),
            ObjectRecord {
                api_version: "v1".into(),
                digest: digest(manifest),
                live_digest: None,
                wave: 0,
                implicit: false,
                prune: false,
                uid: None,
                resource_version: None,
                generation: None,
                manifest: Some(Arc::new(manifest.clone())),
            },
        );
        live.insert(object.clone(), manifest.clone());
    }
    let (plan, _) = run(&fixture, &state, &observed(live));
    assert_eq!(actions(&plan), ["delete core/ConfigMap/default/old"]);
    assert_eq!(
        plan.changes.last().unwrap().reasons,
        ["not declared anymore"]
    );
    assert_eq!(plan.orphans.len(), 1);
    assert_eq!(plan.orphans[0].object, foreign);
}

#[test]
fn protected_kinds_are_orphaned_and_gone_objects_forgotten() {
    let fixture = fixture(WORKSPACE);
    let mut state = applied_state(&fixture);
    let mut live = live_of(&fixture);
    let namespace = object("core/Namespace/_/old");
    let manifest = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "old", "labels": {"app.kubernetes.io/managed-by": "mcctl", "mcctl.io/workspace": "shop"}}});
    let gone = object("core/ConfigMap/default/gone");
    let shard = state.shards.get_mut(&eu()).unwrap();
    for object in [&namespace, &gone] {
        shard.objects.insert(
            object.clone(),
            ObjectRecord {
                api_version: "v1".into(),
                digest: digest(&manifest),
                live_digest: None,
                wave: 0,
                implicit: false,
                prune: false,
                uid: None,
                resource_version: None,
                generation: None,
                manifest: None,
            },
        );
    }
    live.insert(namespace.clone(), manifest);
    let (plan, _) = run(&fixture, &state, &observed(live));
    assert!(actions(&plan).is_empty());
    assert_eq!(plan.orphans[0].object, namespace);
    assert!(plan.orphans[0].reason.contains("protected kind"));
    assert_eq!(plan.forget, [(eu(), gone)]);
    assert!(plan.state_outdated);
}

#[test]
fn without_refresh_the_state_is_the_reference() {
    let fixture = fixture(WORKSPACE);
    let state = applied_state(&fixture);
    let (plan, _) = run(&fixture, &state, &ObservedState::default());
    assert!(!plan.has_changes());
    let changed = fixture_with_replicas(3);
    let (plan, _) = run(&changed, &state, &ObservedState::default());
    assert_eq!(actions(&plan), ["update apps/Deployment/default/web"]);
    assert_eq!(
        plan.changes
            .iter()
            .find(|change| change.action == Action::Update)
            .unwrap()
            .reasons,
        ["placement: replicas 2 → 3"]
    );
    assert_eq!(
        plan.bindings[0].previous.as_deref(),
        Some(&[(eu(), Some(2))][..])
    );
}

fn fixture_with_replicas(replicas: u32) -> Fixture {
    fixture(&WORKSPACE.replace("replicas: 2", &format!("replicas: {replicas}")))
}

#[test]
fn immutable_fields_force_a_replace() {
    let fixture = fixture(WORKSPACE);
    let state = applied_state(&fixture);
    let mut live = live_of(&fixture);
    live.get_mut(&object("apps/Deployment/default/web"))
        .unwrap()["spec"]["selector"] = json!({"matchLabels": {"app": "old"}});
    let (plan, _) = run(&fixture, &state, &observed(live));
    let change = plan
        .changes
        .iter()
        .find(|change| change.action != Action::NoOp)
        .unwrap();
    assert_eq!(change.action, Action::Replace);
    assert_eq!(change.reasons[0], "`/spec/selector` cannot change in place");
}

#[test]
fn deletes_come_last_in_reverse_order() {
    let fixture = fixture(WORKSPACE);
    let mut state = applied_state(&fixture);
    let labels = json!({"app.kubernetes.io/managed-by": "mcctl", "mcctl.io/workspace": "shop"});
    let mut live = BTreeMap::new();
    for (text, wave) in [
        ("core/ConfigMap/default/a", 0),
        ("apps/Deployment/default/b", 1),
    ] {
        let object = object(text);
        let manifest = json!({"apiVersion": "v1", "kind": object.kind, "metadata": {"name": object.name, "namespace": "default", "labels": labels}});
        insert_applied(&mut state, &mut live, object, manifest, wave, false);
    }
    let (plan, _) = run(&fixture, &state, &observed(live));
    assert_eq!(
        actions(&plan),
        [
            "create core/ConfigMap/default/web",
            "create apps/Deployment/default/web",
            "delete apps/Deployment/default/b",
            "delete core/ConfigMap/default/a",
        ]
    );
}

#[test]
fn custom_resource_definitions_and_namespaces_are_deleted_last_whatever_their_waves() {
    let fixture = fixture(WORKSPACE);
    let mut state = applied_state(&fixture);
    let labels = json!({"app.kubernetes.io/managed-by": "mcctl", "mcctl.io/workspace": "shop"});
    let mut live = BTreeMap::new();
    // Waves recorded by two different graphs (an apply interrupted between them): the CRD's
    // wave is later than its custom resource's, the Namespace's later than its ConfigMap's.
    for (text, api_version, wave) in [
        ("core/Namespace/_/shop", "v1", 2),
        (
            "apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com",
            "apiextensions.k8s.io/v1",
            3,
        ),
        ("example.com/Widget/shop/w", "example.com/v1", 1),
        ("core/ConfigMap/shop/a", "v1", 0),
    ] {
        let object = object(text);
        let mut manifest = json!({"apiVersion": api_version, "kind": object.kind, "metadata": {"name": object.name, "labels": labels}});
        if let Some(namespace) = &object.namespace {
            manifest["metadata"]["namespace"] = json!(namespace);
        }
        insert_applied(&mut state, &mut live, object, manifest, wave, true);
    }
    let (plan, _) = run(&fixture, &state, &observed(live));
    let deletes: Vec<String> = actions(&plan)
        .into_iter()
        .filter(|action| action.starts_with("delete"))
        .collect();
    assert_eq!(
        deletes,
        [
            "delete example.com/Widget/shop/w",
            "delete core/ConfigMap/shop/a",
            "delete apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com",
            "delete core/Namespace/_/shop",
        ]
    );
}

#[test]
fn secret_values_never_reach_the_plan_json() {
    let fixture = fixture(&format!(
        "{WORKSPACE}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: token}}\ndata: {{password: aHVudGVyMg==}}\n---\napiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata: {{name: secrets}}\nspec:\n  resourceSelectors: [{{apiVersion: v1, kind: Secret}}]\n"
    ));
    let (plan, diagnostics) = run(&fixture, &State::default(), &observed(BTreeMap::new()));
    let json = json::render(
        Some(&plan),
        &diagnostics,
        &crate::diag::Sources::default(),
        json::JsonOptions::default(),
    );
    let text = json.to_string();
    assert!(!text.contains("aHVudGVyMg=="));
    assert!(text.contains("(sensitive)"));
}
