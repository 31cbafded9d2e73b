//! Filter plugins (KARMADA.md §2.3): each decides whether one cluster may receive one template,
//! and says why not. The first rejection is the one reported.

use crate::addr::ObjectRef;
use crate::model::{
    AffinityTerm, Cluster, ClusterStatus, Placement, Readiness, SpreadBy, Taint, TaintEffect,
    Template,
};

/// What a filter sees about one (template, cluster) pair.
pub struct FilterInput<'a> {
    /// The template being scheduled.
    pub template: &'a Template,
    /// The placement of its policy.
    pub placement: &'a Placement,
    /// The affinity term being tried.
    pub term: &'a AffinityTerm,
    /// The cluster.
    pub cluster: &'a Cluster,
    /// What is known of the cluster.
    pub status: &'a ClusterStatus,
    /// Whether the template runs on the cluster now (the state says so and failover is not
    /// moving it off): such a cluster scores higher.
    pub placed_before: bool,
    /// Whether the filters let the cluster through because the template already runs there
    /// (as Karmada's do), which a fresh schedule (`--rebalance`) does not.
    pub already_placed: bool,
    /// Why the template is being evicted from this cluster, if it is (failover).
    pub evicted: Option<&'a str>,
    /// Whether the template is a workload (overflow tiers apply to workloads only).
    pub is_workload: bool,
    /// The workspace CRD that serves the template's API and that this plan places on the
    /// cluster: the API will be served once the CRD is applied, in an earlier wave.
    pub served_by_crd: Option<&'a ObjectRef>,
}

/// A filter plugin (Karmada's `FilterPlugin`).
pub trait Filter: Sync {
    /// The plugin's name, as Karmada spells it.
    fn name(&self) -> &'static str;
    /// `Err(reason)` rejects the cluster.
    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String>;
    /// Whether the cluster passes; the same verdict as [`Filter::filter`] without building the
    /// reason, as the scheduler asks this for every (template, cluster) pair.
    fn passes(&self, input: &FilterInput<'_>) -> bool {
        self.filter(input).is_ok()
    }
}

/// The filters in the order they run.
pub const FILTERS: [&dyn Filter; 5] = [
    &ClusterEviction,
    &ApiEnablement,
    &TaintToleration,
    &ClusterAffinity,
    &SpreadConstraint,
];

/// Runs every filter; `Err((plugin, reason))` for the first that rejects.
///
/// # Errors
/// The first rejection.
pub fn run(input: &FilterInput<'_>) -> Result<(), (&'static str, String)> {
    for plugin in FILTERS {
        if !plugin.passes(input) {
            let reason = plugin.filter(input).err().unwrap_or_default();
            return Err((plugin.name(), reason));
        }
    }
    Ok(())
}

/// Rejects a cluster the template is being evicted from (Karmada's graceful eviction tasks).
pub struct ClusterEviction;

impl Filter for ClusterEviction {
    fn name(&self) -> &'static str {
        "ClusterEviction"
    }

    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String> {
        match input.evicted {
            Some(reason) => Err(reason.to_owned()),
            None => Ok(()),
        }
    }
}

/// Rejects clusters that do not serve the template's API (unless already placed there).
pub struct ApiEnablement;

impl Filter for ApiEnablement {
    fn name(&self) -> &'static str {
        "APIEnablement"
    }

    fn passes(&self, input: &FilterInput<'_>) -> bool {
        input.already_placed
            || input.served_by_crd.is_some()
            || input
                .status
                .serves(&input.template.api_version, &input.template.object.kind)
    }

    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String> {
        if self.passes(input) {
            return Ok(());
        }
        Err(format!(
            "does not serve `{}` in `{}`",
            input.template.object.kind, input.template.api_version
        ))
    }
}

/// Why [`ApiEnablement`] admits a cluster whose status does not serve the template's API: the
/// workspace CRD serving it is placed there by the same plan. `None` otherwise.
#[must_use]
pub fn admitted_by_crd(input: &FilterInput<'_>) -> Option<String> {
    let crd = input.served_by_crd?;
    let template = input.template;
    if input.already_placed
        || input
            .status
            .serves(&template.api_version, &template.object.kind)
    {
        return None;
    }
    Some(format!(
        "APIEnablement: `{}` in `{}` is served by `{crd}`, which this plan places on the cluster first",
        template.object.kind, template.api_version
    ))
}

/// Rejects clusters with a `NoSchedule` or `NoExecute` taint the placement does not tolerate
/// (unless already placed there: evicting is not the scheduler's job).
pub struct TaintToleration;

impl Filter for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn passes(&self, input: &FilterInput<'_>) -> bool {
        if input.already_placed {
            return true;
        }
        let tolerated = |taint: &Taint| {
            taint.effect == TaintEffect::PreferNoSchedule
                || input
                    .placement
                    .tolerations
                    .iter()
                    .any(|toleration| toleration.tolerates(taint))
        };
        input.cluster.taints.iter().all(tolerated)
            && readiness_taint(input.status).is_none_or(|key| {
                input.cluster.taints.iter().any(|taint| taint.key == key)
                    || tolerated(&Taint {
                        key: key.to_owned(),
                        value: String::new(),
                        effect: TaintEffect::NoSchedule,
                    })
            })
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

/// The taint Karmada derives from a cluster's `Ready` condition (KARMADA.md §1.3), if any.
#[must_use]
pub fn readiness_taint(status: &ClusterStatus) -> Option<&'static str> {
    match status.readiness {
        Some(Readiness::NotReady) => Some("cluster.karmada.io/not-ready"),
        Some(Readiness::Unknown) => Some("cluster.karmada.io/unreachable"),
        Some(Readiness::Ready) | None => None,
    }
}

/// The declared taints plus the one Karmada derives from the `Ready` condition.
#[must_use]
pub fn effective_taints(cluster: &Cluster, status: &ClusterStatus) -> Vec<Taint> {
    let mut taints = cluster.taints.clone();
    if let Some(key) = readiness_taint(status)
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

/// Rejects clusters outside the affinity term being tried; for workloads, a cluster in one of
/// the term's overflow tiers passes too.
pub struct ClusterAffinity;

impl Filter for ClusterAffinity {
    fn name(&self) -> &'static str {
        "ClusterAffinity"
    }

    fn passes(&self, input: &FilterInput<'_>) -> bool {
        let facts = input.cluster.facts();
        input.term.affinity.matches(&facts)
            || (input.is_workload
                && input
                    .term
                    .overflow
                    .iter()
                    .any(|tier| tier.affinity.matches(&facts)))
    }

    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String> {
        let facts = input.cluster.facts();
        let Some(reason) = input.term.affinity.mismatch(&facts) else {
            return Ok(());
        };
        if input.is_workload
            && input
                .term
                .overflow
                .iter()
                .any(|tier| tier.affinity.matches(&facts))
        {
            return Ok(());
        }
        let reason = match &input.term.name {
            Some(name) if input.term.overflow.is_empty() => {
                format!("{reason} (affinity term `{name}`)")
            }
            Some(name) => format!("{reason} (affinity term `{name}` and its overflow tiers)"),
            None => reason,
        };
        Err(reason)
    }
}

/// Rejects clusters that lack the field a spread constraint groups by.
pub struct SpreadConstraint;

impl Filter for SpreadConstraint {
    fn name(&self) -> &'static str {
        "SpreadConstraint"
    }

    fn filter(&self, input: &FilterInput<'_>) -> Result<(), String> {
        for constraint in &input.placement.spread {
            let missing = match constraint.by {
                SpreadBy::Provider => input.cluster.provider.as_deref().is_none_or(str::is_empty),
                SpreadBy::Region => input.cluster.region.as_deref().is_none_or(str::is_empty),
                SpreadBy::Zone => input.cluster.zones.is_empty(),
                SpreadBy::Cluster | SpreadBy::Label(_) => false,
            };
            if missing {
                let field = constraint.by.as_str();
                let plural = if constraint.by == SpreadBy::Zone {
                    "zones"
                } else {
                    field
                };
                return Err(format!(
                    "has no {plural}, and replicas are spread by {field}"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClusterStatus, Model, Readiness};
    use crate::testing::model_from_yaml;

    const WORKSPACE: &str = "
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: plain, labels: {env: prod}}
spec: {syncMode: Pull, region: eu}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: tainted, labels: {env: prod}}
spec:
  syncMode: Pull
  taints: [{key: gpu, value: \"true\", effect: NoSchedule}, {key: soft, effect: PreferNoSchedule}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  placement:
    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
    spreadConstraints:
      - {spreadByField: region, maxGroups: 1}
      - {spreadByField: cluster, maxGroups: 1}
";

    /// Runs every filter on `cluster` of [`WORKSPACE`].
    fn verdict(
        model: &Model,
        cluster: &str,
        status: &ClusterStatus,
        already_placed: bool,
    ) -> Result<(), (&'static str, String)> {
        let policy = &model.propagation_policies[0];
        let input = FilterInput {
            template: &model.templates[0],
            placement: &policy.placement,
            term: &policy.placement.affinity_terms[0],
            cluster: model.cluster(cluster).unwrap(),
            status,
            placed_before: already_placed,
            already_placed,
            evicted: None,
            is_workload: true,
            served_by_crd: None,
        };
        // `passes` and `filter` must agree for every plugin.
        for plugin in FILTERS {
            assert_eq!(
                plugin.passes(&input),
                plugin.filter(&input).is_ok(),
                "{}",
                plugin.name()
            );
        }
        run(&input)
    }

    #[test]
    fn untolerated_taints_reject_new_placements_only() {
        let model = model_from_yaml(WORKSPACE);
        let status = ClusterStatus::default();
        assert_eq!(
            verdict(&model, "tainted", &status, false),
            Err((
                "TaintToleration",
                "has untolerated taint `gpu=true:NoSchedule`".to_owned()
            ))
        );
        // The region filter would reject it next; a placed cluster passes the taint filter.
        assert_eq!(
            verdict(&model, "tainted", &status, true).unwrap_err().0,
            "SpreadConstraint"
        );
    }

    #[test]
    fn readiness_adds_karmadas_taints() {
        let model = model_from_yaml(WORKSPACE);
        for (readiness, taint) in [
            (
                Readiness::NotReady,
                "cluster.karmada.io/not-ready:NoSchedule",
            ),
            (
                Readiness::Unknown,
                "cluster.karmada.io/unreachable:NoSchedule",
            ),
        ] {
            let status = ClusterStatus {
                readiness: Some(readiness),
                ..ClusterStatus::default()
            };
            assert_eq!(
                verdict(&model, "plain", &status, false),
                Err((
                    "TaintToleration",
                    format!("has untolerated taint `{taint}`")
                ))
            );
            assert_eq!(verdict(&model, "plain", &status, true), Ok(()));
        }
    }

    #[test]
    fn api_enablement_is_checked_for_new_placements() {
        let model = model_from_yaml(WORKSPACE);
        let status = ClusterStatus {
            api_enablements: Some(ClusterStatus::parse_api_enablements(&["v1".into()])),
            ..ClusterStatus::default()
        };
        assert_eq!(
            verdict(&model, "plain", &status, false),
            Err((
                "APIEnablement",
                "does not serve `Deployment` in `apps/v1`".to_owned()
            ))
        );
        assert_eq!(verdict(&model, "plain", &status, true), Ok(()));
    }

    #[test]
    fn spread_fields_must_be_present() {
        let model = model_from_yaml(
            &WORKSPACE.replace("{key: gpu, value: \"true\", effect: NoSchedule}, ", ""),
        );
        assert_eq!(
            verdict(&model, "tainted", &ClusterStatus::default(), false),
            Err((
                "SpreadConstraint",
                "has no region, and replicas are spread by region".to_owned()
            ))
        );
        assert_eq!(
            verdict(&model, "plain", &ClusterStatus::default(), false),
            Ok(())
        );
    }
}
