//! How many more replicas of a workload a cluster can run: Karmada's general estimator
//! (KARMADA.md §2.8) over the cluster's resource summary, declared or discovered.

use std::collections::BTreeMap;

use crate::model::ClusterStatus;
use crate::model::quantity::parse_milli;

/// Karmada's ceiling for an estimate (`math.MaxInt32`).
pub const UNLIMITED: u32 = i32::MAX as u32;

/// What is free on one cluster: allocatable − allocated − allocating, per resource, parsed once
/// per run. `None` when the cluster reported no resource summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capacity {
    free: Option<BTreeMap<String, i128>>,
}

impl Capacity {
    /// Parses a cluster's resource summary (unparsable quantities count as absent; the loader
    /// reports them).
    #[must_use]
    pub fn of(status: &ClusterStatus) -> Self {
        let Some(allocatable) = &status.allocatable else {
            return Self { free: None };
        };
        let used = |list: &Option<BTreeMap<String, String>>, name: &str| {
            list.as_ref()
                .and_then(|list| list.get(name))
                .and_then(|quantity| parse_milli(quantity))
                .unwrap_or(0)
        };
        let free = allocatable
            .iter()
            .filter_map(|(name, quantity)| {
                let total = parse_milli(quantity)?;
                let free = total - used(&status.allocated, name) - used(&status.allocating, name);
                Some((name.clone(), free))
            })
            .collect();
        Self { free: Some(free) }
    }

    /// Whether the cluster reported a resource summary at all.
    #[must_use]
    pub fn is_known(&self) -> bool {
        self.free.is_some()
    }

    /// The replicas of a pod requesting `requests` (thousandths) that fit: the free pod count,
    /// lowered by every requested resource. Karmada compares CPU in thousandths and every other
    /// resource in whole units, rounded up.
    #[must_use]
    pub fn replicas_for(&self, requests: &BTreeMap<String, i128>) -> u32 {
        let Some(free) = &self.free else {
            return 0;
        };
        let pods = free.get("pods").map_or(0, |milli| whole(*milli));
        if pods <= 0 {
            return 0;
        }
        let mut replicas = pods;
        for (name, request) in requests {
            if *request <= 0 {
                continue;
            }
            let Some(available) = free.get(name) else {
                return 0;
            };
            let fits = if name == "cpu" {
                available / request
            } else {
                whole(*available) / whole(*request)
            };
            replicas = replicas.min(fits.max(0));
        }
        u32::try_from(replicas.min(i128::from(UNLIMITED))).unwrap_or(UNLIMITED)
    }

    /// The free amount of each resource, for explanations.
    #[must_use]
    pub fn free(&self) -> Option<&BTreeMap<String, i128>> {
        self.free.as_ref()
    }
}

/// Thousandths to whole units, rounded up as `Quantity.Value()` does.
fn whole(milli: i128) -> i128 {
    if milli >= 0 {
        (milli + 999) / 1000
    } else {
        milli / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(allocatable: &[(&str, &str)], allocated: &[(&str, &str)]) -> ClusterStatus {
        let list = |pairs: &[(&str, &str)]| {
            Some(
                pairs
                    .iter()
                    .map(|(name, quantity)| ((*name).to_owned(), (*quantity).to_owned()))
                    .collect(),
            )
        };
        ClusterStatus {
            allocatable: list(allocatable),
            allocated: list(allocated),
            ..ClusterStatus::default()
        }
    }

    fn requests(pairs: &[(&str, &str)]) -> BTreeMap<String, i128> {
        pairs
            .iter()
            .map(|(name, quantity)| ((*name).to_owned(), parse_milli(quantity).unwrap()))
            .collect()
    }

    #[test]
    fn no_summary_fits_nothing() {
        assert_eq!(
            Capacity::of(&ClusterStatus::default()).replicas_for(&BTreeMap::new()),
            0
        );
    }

    #[test]
    fn pods_bound_replicas_without_requests() {
        let capacity = Capacity::of(&status(&[("pods", "110")], &[("pods", "10")]));
        assert_eq!(capacity.replicas_for(&BTreeMap::new()), 100);
    }

    #[test]
    fn the_scarcest_resource_decides() {
        let capacity = Capacity::of(&status(
            &[("pods", "110"), ("cpu", "8"), ("memory", "16Gi")],
            &[("cpu", "2500m")],
        ));
        // 5.5 CPUs free at 500m each: 11; 16Gi at 1Gi each: 16; pods 110.
        assert_eq!(
            capacity.replicas_for(&requests(&[("cpu", "500m"), ("memory", "1Gi")])),
            11
        );
    }

    #[test]
    fn a_requested_resource_the_cluster_lacks_fits_nothing() {
        let capacity = Capacity::of(&status(&[("pods", "110"), ("cpu", "8")], &[]));
        assert_eq!(
            capacity.replicas_for(&requests(&[("nvidia.com/gpu", "1")])),
            0
        );
    }

    #[test]
    fn overcommitted_clusters_fit_nothing() {
        let capacity = Capacity::of(&status(&[("pods", "110"), ("cpu", "2")], &[("cpu", "3")]));
        assert_eq!(capacity.replicas_for(&requests(&[("cpu", "100m")])), 0);
    }
}
