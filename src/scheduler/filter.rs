//! Filter plugins: each decides whether one cluster may receive one template, and says why not.

use crate::model::{Cluster, ClusterStatus, Placement, Readiness, Taint, TaintEffect, Template};

/// What a filter sees about one (template, cluster) pair.
pub struct FilterInput<'a> {
    /// The template being scheduled.
    pub template: &'a Template,
    /// The placement of its policy.
    pub placement: &'a Placement,
    /// The cluster.
    pub cluster: &'a Cluster,
    /// What is known of the cluster.
    pub status: &'a ClusterStatus,
    /// Whether the template is already placed on the cluster (from the state).
    pub already_placed: bool,
}

/// A filter plugin (Karmada's `FilterPlugin`).
pub trait Filter {
    /// The plugin's name, as Karmada spells it.
    fn name(&self) -> &'static str;
    /// `Err(reason)` rejects the cluster.
    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String>;
}

/// The filters in the order they run; the first rejection is the one reported.
#[must_use]
pub fn filters() -> [&'static dyn Filter; 3] {
    [&ApiEnablement, &TaintToleration, &ClusterAffinity]
}

/// Rejects clusters that do not serve the template's API (unless already placed there).
pub struct ApiEnablement;

impl Filter for ApiEnablement {
    fn name(&self) -> &'static str {
        "APIEnablement"
    }

    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String> {
        if input.already_placed
            || input
                .status
                .serves(&input.template.api_version, &input.template.object.kind)
        {
            return Ok(());
        }
        Err(format!(
            "does not serve `{}` in `{}`",
            input.template.object.kind, input.template.api_version
        ))
    }
}

/// Rejects clusters with a `NoSchedule` or `NoExecute` taint the placement does not tolerate
/// (unless already placed there: evicting is not the scheduler's job).
pub struct TaintToleration;

impl Filter for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String> {
        if input.already_placed {
            return Ok(());
        }
        let taints = effective_taints(input.cluster, input.status);
        let untolerated = taints.iter().find(|taint| {
            taint.effect != TaintEffect::PreferNoSchedule
                && !input
                    .placement
                    .tolerations
                    .iter()
                    .any(|toleration| toleration.tolerates(taint))
        });
        match untolerated {
            Some(taint) => Err(format!("has untolerated taint `{taint}`")),
            None => Ok(()),
        }
    }
}

/// The declared taints plus those Karmada derives from the `Ready` condition (KARMADA.md §1.3).
#[must_use]
pub fn effective_taints(cluster: &Cluster, status: &ClusterStatus) -> Vec<Taint> {
    let mut taints = cluster.taints.clone();
    let derived = match status.readiness {
        Some(Readiness::NotReady) => Some("cluster.karmada.io/not-ready"),
        Some(Readiness::Unknown) => Some("cluster.karmada.io/unreachable"),
        Some(Readiness::Ready) | None => None,
    };
    if let Some(key) = derived
        && !taints.iter().any(|taint| taint.key == key)
    {
        taints.push(Taint {
            key: key.to_owned(),
            value: String::new(),
            effect: TaintEffect::NoSchedule,
        });
    }
    taints
}

/// Rejects clusters outside the placement's cluster affinity.
pub struct ClusterAffinity;

impl Filter for ClusterAffinity {
    fn name(&self) -> &'static str {
        "ClusterAffinity"
    }

    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String> {
        match input.placement.affinity.mismatch(&input.cluster.facts()) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }
}
