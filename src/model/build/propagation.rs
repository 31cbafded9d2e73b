//! Propagation policies: selectors, placement, replica scheduling, with Karmada's defaults.

use std::collections::BTreeSet;

use super::karmada_rules::is_static_weighting;
use super::{Builder, not_acted_on};
use crate::config::Declared;
use crate::config::karmada;
use crate::config::source::{SpanIndex, one_of};
use crate::diag::Diagnostic;
use crate::model::selector::{ClusterAffinity, LabelSelector};
use crate::model::{
    AffinityTerm, Placement, PolicyId, PolicyKind, PropagationPolicy, ReplicaScheduling,
    ResourceSelector, StaticWeight, TaintEffect, Toleration,
};

impl Builder<'_> {
    pub(in crate::model) fn resource_selectors(
        &mut self,
        raw: &[karmada::ResourceSelector],
        id: &PolicyId,
        spans: &SpanIndex,
    ) -> Option<Vec<ResourceSelector>> {
        let mut selectors = Vec::new();
        let errors = self.diagnostics.error_count();
        for (index, selector) in raw.iter().enumerate() {
            let pointer = format!("/spec/resourceSelectors/{index}");
            let namespace = selector
                .namespace
                .clone()
                .filter(|namespace| !namespace.is_empty());
            let namespace = match (&id.namespace, namespace) {
                // A namespaced policy selects only in its own namespace (Karmada's webhook).
                (Some(own), Some(other)) if *own != other => {
                    self.diagnostics.push(
                        Diagnostic::error("mcctl::model::selector_namespace", format!("`{id}` cannot select resources in namespace `{other}`"))
                            .with_label(spans.value(&format!("{pointer}/namespace")), "other namespace")
                            .with_help(format!("a namespaced policy selects only in its own namespace `{own}`; remove `namespace` or use a cluster-scoped policy")),
                    );
                    None
                }
                (Some(own), _) => Some(own.clone()),
                (None, namespace) => namespace,
            };
            let label_selector = match &selector.label_selector {
                Some(raw) => match LabelSelector::build(raw, &|rest| {
                    spans.value(&format!("{pointer}/labelSelector{rest}"))
                }) {
                    Ok(selector) => Some(selector),
                    Err(diagnostic) => {
                        self.diagnostics.push(*diagnostic);
                        None
                    }
                },
                None => None,
            };
            selectors.push(ResourceSelector {
                api_version: selector.api_version.clone(),
                kind: selector.kind.clone(),
                namespace,
                name: selector.name.clone().filter(|name| !name.is_empty()),
                label_selector,
            });
        }
        (self.diagnostics.error_count() == errors).then_some(selectors)
    }

    pub(in crate::model) fn policy_id(
        &mut self,
        kind: &str,
        metadata: &karmada::ObjectMeta,
        spans: &SpanIndex,
    ) -> Option<PolicyId> {
        let kind = match kind {
            "PropagationPolicy" => PolicyKind::PropagationPolicy,
            "ClusterPropagationPolicy" => PolicyKind::ClusterPropagationPolicy,
            "OverridePolicy" => PolicyKind::OverridePolicy,
            "ClusterOverridePolicy" => PolicyKind::ClusterOverridePolicy,
            other => {
                // The loader only hands over the four policy kinds.
                self.diagnostics.push(
                    Diagnostic::error("mcctl::model::policy_kind", format!("`{other}` is not a policy kind"))
                        .with_label(spans.value("/kind"), "here")
                        .with_help("use PropagationPolicy, ClusterPropagationPolicy, OverridePolicy or ClusterOverridePolicy"),
                );
                return None;
            }
        };
        let Some(name) = metadata.name.clone().filter(|name| !name.is_empty()) else {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::policy_name",
                    format!("this {} has no name", kind.as_str()),
                )
                .with_label(spans.root(), "here")
                .with_help("set `metadata.name`"),
            );
            return None;
        };
        let namespace = if kind.is_namespaced() {
            Some(
                metadata
                    .namespace
                    .clone()
                    .filter(|namespace| !namespace.is_empty())
                    .unwrap_or_else(|| "default".to_owned()),
            )
        } else {
            if metadata
                .namespace
                .as_deref()
                .is_some_and(|namespace| !namespace.is_empty())
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::policy_namespace",
                        format!("a {} is cluster-scoped and has no namespace", kind.as_str()),
                    )
                    .with_label(spans.value("/metadata/namespace"), "here")
                    .with_help("remove `metadata.namespace`"),
                );
                return None;
            }
            None
        };
        Some(PolicyId {
            kind,
            namespace,
            name,
        })
    }

    pub(in crate::model) fn affinity(
        &mut self,
        raw: &karmada::ClusterAffinity,
        spans: &SpanIndex,
        pointer: &str,
        clusters: &BTreeSet<&str>,
    ) -> Option<ClusterAffinity> {
        for (list, names) in [
            ("clusterNames", &raw.cluster_names),
            ("exclude", &raw.exclude),
        ] {
            for (index, name) in names.iter().enumerate() {
                if !clusters.contains(name.as_str()) {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "mcctl::model::unknown_cluster",
                            format!("cluster `{name}` is not declared"),
                        )
                        .with_label(
                            spans.value(&format!("{pointer}/{list}/{index}")),
                            "unknown cluster",
                        )
                        .with_help("it matches nothing until a cluster of that name is declared"),
                    );
                }
            }
        }
        match ClusterAffinity::build(raw, &|rest| spans.value(&format!("{pointer}{rest}"))) {
            Ok(affinity) => Some(affinity),
            Err(diagnostic) => {
                self.diagnostics.push(*diagnostic);
                None
            }
        }
    }

    pub(in crate::model) fn propagation_policies(
        &mut self,
        decls: &[Declared<karmada::PropagationPolicy>],
        clusters: &BTreeSet<&str>,
        overrides: &BTreeSet<PolicyId>,
    ) -> Vec<PropagationPolicy> {
        let built: Vec<PropagationPolicy> = decls
            .iter()
            .filter_map(|decl| self.propagation_policy(decl, clusters, overrides))
            .collect();
        self.unique_policies(built, |policy| (&policy.id, &policy.spans))
    }

    fn propagation_policy(
        &mut self,
        decl: &Declared<karmada::PropagationPolicy>,
        clusters: &BTreeSet<&str>,
        overrides: &BTreeSet<PolicyId>,
    ) -> Option<PropagationPolicy> {
        let spans = &decl.spans;
        let policy = &decl.value;
        let spec = &policy.spec;
        let errors = self.diagnostics.error_count();
        let id = self.policy_id(&policy.kind, &policy.metadata, spans)?;
        if spec.resource_selectors.is_empty() {
            self.diagnostics.push(
                Diagnostic::error("mcctl::model::no_selectors", format!("`{id}` selects nothing"))
                    .with_label(spans.root(), "this policy")
                    .with_help("add at least one resource selector (`resourceSelectors`, HCL `resource_selector`)"),
            );
        }
        let selectors = self.resource_selectors(&spec.resource_selectors, &id, spans);
        let placement = &spec.placement;
        let terms = self.affinity_terms(placement, spans, clusters);
        let spread = self.spread_constraints(placement, spans);
        self.workload_affinity(placement, spans);
        let affinity_terms = match (&placement.cluster_affinity, terms) {
            (Some(raw), _) => self
                .affinity(raw, spans, "/spec/placement/clusterAffinity", clusters)
                .map(|affinity| {
                    vec![AffinityTerm {
                        name: None,
                        affinity,
                        overflow: Vec::new(),
                    }]
                }),
            (None, Ok(Some(terms))) => Some(terms),
            (None, Ok(None)) => Some(vec![AffinityTerm::default()]),
            (None, Err(())) => None,
        };
        let mut tolerations = Vec::new();
        for (index, toleration) in placement.cluster_tolerations.iter().enumerate() {
            let pointer = format!("/spec/placement/clusterTolerations/{index}");
            let exists = match toleration.operator.as_deref().unwrap_or("Equal") {
                "Equal" => false,
                "Exists" => true,
                other => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::toleration",
                            format!("toleration operator `{other}` is not allowed"),
                        )
                        .with_label(spans.value(&format!("{pointer}/operator")), "here")
                        .with_help(one_of(other, &["Equal", "Exists"])),
                    );
                    continue;
                }
            };
            if exists && !toleration.value.is_empty() {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::toleration",
                        "a toleration with `Exists` takes no value",
                    )
                    .with_label(spans.value(&format!("{pointer}/value")), "here")
                    .with_help("remove `value`, or use `Equal`"),
                );
            }
            let effect = if toleration.effect.is_empty() {
                None
            } else if let Some(effect) = TaintEffect::parse(&toleration.effect) {
                Some(effect)
            } else {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::toleration",
                        format!("unknown taint effect `{}`", toleration.effect),
                    )
                    .with_label(spans.value(&format!("{pointer}/effect")), "here")
                    .with_help(one_of(
                        &toleration.effect,
                        &["NoSchedule", "PreferNoSchedule", "NoExecute"],
                    )),
                );
                None
            };
            let toleration_seconds = match toleration.toleration_seconds {
                None => None,
                Some(seconds) if seconds < 0 => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::toleration",
                            "`tolerationSeconds` cannot be negative",
                        )
                        .with_label(spans.value(&format!("{pointer}/tolerationSeconds")), "here")
                        .with_help("use 0 or more seconds"),
                    );
                    None
                }
                Some(seconds) => {
                    self.diagnostics.push(not_acted_on(
                        "spec.placement.clusterTolerations[].tolerationSeconds",
                        spans.key(&format!("{pointer}/tolerationSeconds")),
                        "mcctl does not evict on NoExecute taints; a share moves off an unreachable cluster after the policy's `failover` `tolerationSeconds`",
                    ));
                    u64::try_from(seconds).ok()
                }
            };
            tolerations.push(Toleration {
                key: toleration.key.clone(),
                exists,
                value: toleration.value.clone(),
                effect,
                toleration_seconds,
            });
        }
        let replicas =
            self.replica_scheduling(placement.replica_scheduling.as_ref(), spans, clusters);
        self.policy_extras(spec, &id, spans, clusters, overrides);
        let propagate_deps = spec.propagate_deps.or(spec.association).unwrap_or(false);
        let failover_after = spec
            .failover
            .as_ref()
            .map(|failover| self.failover(failover, spans, propagate_deps));
        if self.diagnostics.error_count() != errors {
            return None;
        }
        Some(PropagationPolicy {
            id,
            priority: spec.priority.unwrap_or(0),
            preemption: spec.preemption.as_deref() == Some("Always"),
            selectors: selectors?,
            placement: Placement {
                affinity_terms: affinity_terms?,
                tolerations,
                spread: spread?,
                spread_ignored: placement
                    .replica_scheduling
                    .as_ref()
                    .is_some_and(is_static_weighting),
                replicas: replicas?,
            },
            failover_after,
            propagate_deps,
            conflict_overwrite: spec.conflict_resolution.as_deref() == Some("Overwrite"),
            spans: spans.clone(),
        })
    }

    fn replica_scheduling(
        &mut self,
        raw: Option<&karmada::ReplicaSchedulingStrategy>,
        spans: &SpanIndex,
        clusters: &BTreeSet<&str>,
    ) -> Option<ReplicaScheduling> {
        let Some(raw) = raw else {
            return Some(ReplicaScheduling::Duplicated);
        };
        let pointer = "/spec/placement/replicaScheduling";
        // Karmada's CRD defaults the type to Divided when the block is present.
        match raw.replica_scheduling_type.as_deref().unwrap_or("Divided") {
            "Duplicated" => {
                if raw.weight_preference.is_some() || raw.replica_division_preference.is_some() {
                    self.diagnostics.push(
                        Diagnostic::warning("mcctl::model::duplicated_ignores_division", "Duplicated replicas ignore `replicaDivisionPreference` and `weightPreference`")
                            .with_label(spans.value(pointer), "here")
                            .with_help("every selected cluster runs all replicas; remove the division settings, or use `replicaSchedulingType: Divided`"),
                    );
                }
                return Some(ReplicaScheduling::Duplicated);
            }
            "Divided" => {}
            other => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::replica_scheduling",
                        format!("unknown replicaSchedulingType `{other}`"),
                    )
                    .with_label(
                        spans.value(&format!("{pointer}/replicaSchedulingType")),
                        "here",
                    )
                    .with_help(one_of(other, &["Duplicated", "Divided"])),
                );
                return None;
            }
        }
        // Karmada's webhook defaults the preference to Weighted for Divided.
        match raw
            .replica_division_preference
            .as_deref()
            .unwrap_or("Weighted")
        {
            "Weighted" => {}
            "Aggregated" => {
                if raw.weight_preference.is_some() {
                    self.diagnostics.push(
                        Diagnostic::warning("mcctl::model::aggregated_ignores_weights", "`Aggregated` division ignores `weightPreference`")
                            .with_label(spans.key(&format!("{pointer}/weightPreference")), "no effect")
                            .with_help("replicas go to as few clusters as their available replicas allow; remove `weightPreference`, or use `Weighted`"),
                    );
                }
                return Some(ReplicaScheduling::Aggregated);
            }
            other => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::replica_scheduling",
                        format!("unknown replicaDivisionPreference `{other}`"),
                    )
                    .with_label(
                        spans.value(&format!("{pointer}/replicaDivisionPreference")),
                        "here",
                    )
                    .with_help(one_of(other, &["Weighted", "Aggregated"])),
                );
                return None;
            }
        }
        let Some(preference) = &raw.weight_preference else {
            return Some(ReplicaScheduling::StaticWeighted(Vec::new()));
        };
        // An empty `dynamicWeight` is unset, as Karmada's webhook takes it.
        if let Some(dynamic) = preference
            .dynamic_weight
            .as_ref()
            .filter(|dynamic| !dynamic.is_empty())
        {
            let at = format!("{pointer}/weightPreference/dynamicWeight");
            if dynamic != "AvailableReplicas" {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::replica_scheduling",
                        format!("unknown dynamicWeight `{dynamic}`"),
                    )
                    .with_label(spans.value(&at), "here")
                    .with_help(one_of(dynamic, &["AvailableReplicas"])),
                );
                return None;
            }
            if !preference.static_weight_list.is_empty() {
                self.diagnostics.push(
                    Diagnostic::warning(
                        "mcctl::model::dynamic_ignores_static",
                        "`staticWeightList` is ignored when `dynamicWeight` is set",
                    )
                    .with_label(
                        spans.key(&format!("{pointer}/weightPreference/staticWeightList")),
                        "no effect",
                    )
                    .with_help("Karmada divides by available replicas only; remove one of the two"),
                );
            }
            return Some(ReplicaScheduling::DynamicWeighted);
        }
        let mut weights = Vec::new();
        for (index, entry) in preference.static_weight_list.iter().enumerate() {
            let entry_pointer = format!("{pointer}/weightPreference/staticWeightList/{index}");
            let Ok(weight) = u64::try_from(entry.weight)
                .map_err(drop)
                .and_then(|weight| if weight >= 1 { Ok(weight) } else { Err(()) })
            else {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::static_weight",
                        format!("weight `{}` must be at least 1", entry.weight),
                    )
                    .with_label(spans.value(&format!("{entry_pointer}/weight")), "here")
                    .with_help("give the clusters a positive weight, or remove the entry"),
                );
                continue;
            };
            let target = self.affinity(
                &entry.target_cluster,
                spans,
                &format!("{entry_pointer}/targetCluster"),
                clusters,
            )?;
            weights.push(StaticWeight { target, weight });
        }
        Some(ReplicaScheduling::StaticWeighted(weights))
    }
}
