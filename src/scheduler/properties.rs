//! Property tests of the whole scheduler: invariants that hold for any fleet and policy.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use proptest::prelude::*;

use super::{Inputs, Outcome, Placement, PreviousBinding, schedule};
use crate::addr::{ClusterName, ObjectRef};
use crate::diag::Diagnostics;
use crate::model::ClusterStatus;
use crate::testing::model_from_yaml;

/// How the generated policy divides replicas.
#[derive(Debug, Clone, Copy)]
enum Strategy {
    Duplicated,
    Static,
    Dynamic,
    Aggregated,
}

/// A fleet: per cluster (pods free, weight), and whether it carries the `skip` label.
fn fleet() -> impl proptest::strategy::Strategy<Value = Vec<(u32, u64, bool)>> {
    proptest::collection::vec((0_u32..60, 1_u64..6, proptest::bool::weighted(0.2)), 1..8)
}

fn workspace(fleet: &[(u32, u64, bool)], strategy: Strategy, replicas: u32) -> String {
    let mut yaml = String::new();
    for (index, (pods, _, skip)) in fleet.iter().enumerate() {
        let _ = write!(
            yaml,
            "apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {{name: c{index}, labels: {{skip: \"{skip}\"}}}}
spec: {{syncMode: Pull}}
status:
  resourceSummary:
    allocatable: {{pods: \"{pods}\"}}
---
"
        );
    }
    let mut weights = String::new();
    for (index, (_, weight, _)) in fleet.iter().enumerate() {
        let _ = write!(
            weights,
            "\n          - {{targetCluster: {{clusterNames: [c{index}]}}, weight: {weight}}}"
        );
    }
    let scheduling = match strategy {
        Strategy::Duplicated => String::new(),
        Strategy::Static => format!(
            "replicaScheduling:\n      replicaSchedulingType: Divided\n      weightPreference:\n        staticWeightList:{weights}"
        ),
        Strategy::Dynamic => "replicaScheduling:\n      replicaSchedulingType: Divided\n      weightPreference: {dynamicWeight: AvailableReplicas}".to_owned(),
        Strategy::Aggregated => "replicaScheduling:\n      replicaSchedulingType: Divided\n      replicaDivisionPreference: Aggregated".to_owned(),
    };
    let _ = write!(
        yaml,
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec: {{replicas: {replicas}}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  placement:
    clusterAffinity:
      labelSelector: {{matchLabels: {{skip: \"false\"}}}}
    {scheduling}
"
    );
    yaml
}

fn web() -> ObjectRef {
    "apps/Deployment/default/web".parse().unwrap()
}

fn run(yaml: &str, previous: &BTreeMap<ObjectRef, PreviousBinding>) -> Placement {
    let model = model_from_yaml(yaml);
    let statuses: BTreeMap<ClusterName, ClusterStatus> = model
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.declared_status.clone()))
        .collect();
    schedule(
        &model,
        Inputs::new(&statuses, previous),
        &mut Diagnostics::new(),
    )
}

fn replicas_of(placement: &Placement) -> BTreeMap<String, u32> {
    placement
        .binding(&web())
        .unwrap()
        .targets
        .iter()
        .map(|target| (target.cluster.to_string(), target.replicas.unwrap_or(0)))
        .collect()
}

/// The clusters the generated affinity admits.
fn feasible(fleet: &[(u32, u64, bool)]) -> Vec<String> {
    fleet
        .iter()
        .enumerate()
        .filter(|(_, (_, _, skip))| !skip)
        .map(|(index, _)| format!("c{index}"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Divided replicas add up to the requested count whenever the clusters have room; when
    /// they do not, nothing is placed on a first schedule.
    #[test]
    fn divided_sums_to_the_requested_replicas(
        fleet in fleet(),
        strategy in prop_oneof![Just(Strategy::Static), Just(Strategy::Dynamic), Just(Strategy::Aggregated)],
        replicas in 1_u32..120,
    ) {
        let placement = run(&workspace(&fleet, strategy, replicas), &BTreeMap::new());
        let binding = placement.binding(&web()).unwrap();
        let total: u32 = replicas_of(&placement).values().sum();
        let feasible = feasible(&fleet);
        let room: u32 = fleet.iter().filter(|(_, _, skip)| !skip).map(|(pods, _, _)| pods).sum();
        if feasible.is_empty() {
            prop_assert!(matches!(binding.outcome, Outcome::NoFit { .. }), "{:?}", binding.outcome);
        } else if matches!(strategy, Strategy::Static) || room >= replicas {
            prop_assert_eq!(total, replicas, "{:?}", binding.outcome);
        } else {
            prop_assert!(matches!(binding.outcome, Outcome::Kept { .. }), "{:?}", binding.outcome);
            prop_assert_eq!(total, 0);
        }
    }

    /// Duplicated gives every feasible cluster the full count.
    #[test]
    fn duplicated_gives_every_selected_cluster_the_full_count(
        fleet in fleet(),
        replicas in 1_u32..50,
    ) {
        let placement = run(&workspace(&fleet, Strategy::Duplicated, replicas), &BTreeMap::new());
        let expected: BTreeMap<String, u32> =
            feasible(&fleet).into_iter().map(|cluster| (cluster, replicas)).collect();
        prop_assert_eq!(replicas_of(&placement), expected);
    }

    /// Static division is deterministic and house-monotone: one more replica never takes one
    /// away from a cluster.
    #[test]
    fn static_division_is_deterministic_and_house_monotone(
        fleet in fleet(),
        replicas in 1_u32..100,
    ) {
        let before = replicas_of(&run(&workspace(&fleet, Strategy::Static, replicas), &BTreeMap::new()));
        let again = replicas_of(&run(&workspace(&fleet, Strategy::Static, replicas), &BTreeMap::new()));
        prop_assert_eq!(&before, &again);
        let after = replicas_of(&run(&workspace(&fleet, Strategy::Static, replicas + 1), &BTreeMap::new()));
        for (cluster, count) in &before {
            prop_assert!(after.get(cluster).copied().unwrap_or(0) >= *count, "{} lost a replica: {:?} → {:?}", cluster, before, after);
        }
    }

    /// Scaling a dynamically divided workload up keeps every replica where it was: only the new
    /// ones are placed.
    #[test]
    fn dynamic_scale_up_keeps_the_previous_assignment(
        fleet in fleet(),
        strategy in prop_oneof![Just(Strategy::Dynamic), Just(Strategy::Aggregated)],
        replicas in 1_u32..60,
        more in 1_u32..30,
    ) {
        let first = run(&workspace(&fleet, strategy, replicas), &BTreeMap::new());
        let binding = first.binding(&web()).unwrap();
        prop_assume!(matches!(binding.outcome, Outcome::Scheduled) && !binding.targets.is_empty());
        let previous = BTreeMap::from([(
            web(),
            PreviousBinding {
                clusters: binding
                    .targets
                    .iter()
                    .map(|target| (target.cluster.clone(), target.replicas))
                    .collect(),
                policy: binding.policy().cloned(),
                affinity_term: binding.affinity_term.clone(),
                placement_digest: binding.placement_digest.clone(),
            },
        )]);
        let before = replicas_of(&first);
        let scaled = run(&workspace(&fleet, strategy, replicas + more), &previous);
        let after = replicas_of(&scaled);
        if matches!(scaled.binding(&web()).unwrap().outcome, Outcome::Scheduled) {
            prop_assert_eq!(after.values().sum::<u32>(), replicas + more);
            for (cluster, count) in &before {
                prop_assert!(after.get(cluster).copied().unwrap_or(0) >= *count, "{} lost a replica: {:?} → {:?}", cluster, before, after);
            }
        } else {
            // Not enough room: the previous placement stays.
            prop_assert_eq!(after, before);
        }
    }
}
