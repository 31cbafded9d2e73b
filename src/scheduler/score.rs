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
    if input.placed_before {
        100
    } else {
        0
    }
}
