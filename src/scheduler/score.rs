//! Score plugins (KARMADA.md §2.4). Karmada's `ClusterLocality` gives 100 to a cluster the
//! template already runs on, which keeps rescheduling sticky; its `ClusterAffinity` score is
//! always 0 and is left out.

use super::filter::FilterInput;

/// The score of a cluster that passed the filters.
#[must_use]
pub fn score(input: &FilterInput<'_>) -> i64 {
    cluster_locality(input)
}

/// 100 where the template already runs, else 0 (a rebalance keeps this, as Karmada's does).
#[must_use]
pub fn cluster_locality(input: &FilterInput<'_>) -> i64 {
    if input.placed_before { 100 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClusterStatus;
    use crate::testing::model_from_yaml;

    #[test]
    fn clusters_in_use_score_100() {
        let model = model_from_yaml(
            "apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: a}
spec: {syncMode: Pull}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: p}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
",
        );
        let policy = &model.propagation_policies[0];
        let status = ClusterStatus::default();
        let input = |placed_before| FilterInput {
            template: &model.templates[0],
            placement: &policy.placement,
            term: &policy.placement.affinity_terms[0],
            cluster: &model.clusters[0],
            status: &status,
            placed_before,
            already_placed: false,
            evicted: None,
            is_workload: false,
            served_by_crd: None,
        };
        assert_eq!(score(&input(true)), 100);
        assert_eq!(score(&input(false)), 0);
    }
}
