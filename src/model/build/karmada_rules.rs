//! Karmada's webhook rules for the placement and policy fields beyond the basics, the warnings for
//! Karmada behaviours that surprise (KARMADA.md §7), and for the fields mcctl loads but does not
//! act on yet, what the plan does instead: nothing is silently ignored.

use std::collections::{BTreeMap, BTreeSet};

use super::{Builder, not_acted_on};
use crate::config::karmada;
use crate::config::source::{SpanIndex, one_of};
use crate::diag::Diagnostic;
use crate::model::selector::LabelSelector;
use crate::model::{AffinityTerm, OverflowTier, PolicyId, PolicyKind, SpreadBy, SpreadConstraint};

/// Reserved namespaces a `ClusterPropagationPolicy` may not select (KARMADA.md §1.1).
fn is_reserved_namespace(namespace: &str) -> bool {
    namespace == "karmada-system"
        || namespace == "karmada-cluster"
        || namespace.starts_with("karmada-es-")
}

/// A qualified name, as Kubernetes label keys are: optional DNS prefix and `/`, then a name.
/// Whether replicas are divided by static weights (Karmada's shortcut that skips spreading).
pub(super) fn is_static_weighting(strategy: &karmada::ReplicaSchedulingStrategy) -> bool {
    strategy
        .replica_scheduling_type
        .as_deref()
        .unwrap_or("Divided")
        == "Divided"
        && strategy
            .replica_division_preference
            .as_deref()
            .unwrap_or("Weighted")
            == "Weighted"
        && strategy.weight_preference.as_ref().is_none_or(|weights| {
            weights.dynamic_weight.as_deref().is_none_or(str::is_empty)
                && !weights.static_weight_list.is_empty()
        })
}

pub(super) fn is_qualified_name(text: &str) -> bool {
    let selector = karmada::LabelSelector {
        match_labels: BTreeMap::from([(text.to_owned(), String::new())]),
        match_expressions: Vec::new(),
    };
    let mut sources = crate::diag::Sources::default();
    let span = crate::diag::Span::new(sources.add(std::path::PathBuf::new(), String::new()), 0..0);
    LabelSelector::build(&selector, &|_| span.clone()).is_ok()
}

impl Builder<'_> {
    pub(super) fn rule_error(
        &mut self,
        spans: &SpanIndex,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics.push(
            Diagnostic::error("mcctl::model::karmada_rule", message)
                .with_label(spans.value(pointer), "here")
                .with_help(help),
        );
    }

    fn enum_value(
        &mut self,
        spans: &SpanIndex,
        pointer: &str,
        field: &str,
        value: &str,
        allowed: &[&str],
    ) -> bool {
        if allowed.contains(&value) {
            return true;
        }
        self.rule_error(
            spans,
            pointer,
            format!("`{value}` is not a valid `{field}`"),
            one_of(value, allowed),
        );
        false
    }

    /// Checks `clusterAffinities` and returns its terms (`Ok(None)` without terms, `Err(())` when
    /// the terms are invalid and reported).
    pub(super) fn affinity_terms(
        &mut self,
        placement: &karmada::Placement,
        spans: &SpanIndex,
        clusters: &BTreeSet<&str>,
    ) -> Result<Option<Vec<AffinityTerm>>, ()> {
        let Some(terms) = &placement.cluster_affinities else {
            return Ok(None);
        };
        let pointer = "/spec/placement/clusterAffinities";
        if placement.cluster_affinity.is_some() {
            self.rule_error(
                spans,
                pointer,
                "`clusterAffinity` and `clusterAffinities` cannot both be set",
                "keep one of them",
            );
            return Err(());
        }
        let errors = self.diagnostics.error_count();
        let dynamic = placement
            .replica_scheduling
            .as_ref()
            .is_some_and(|strategy| {
                strategy
                    .replica_scheduling_type
                    .as_deref()
                    .unwrap_or("Divided")
                    == "Divided"
                    && (strategy.replica_division_preference.as_deref() == Some("Aggregated")
                        || strategy.weight_preference.as_ref().is_some_and(|weights| {
                            weights
                                .dynamic_weight
                                .as_deref()
                                .is_some_and(|weight| !weight.is_empty())
                        }))
            });
        let mut names = BTreeSet::new();
        let mut built = Vec::new();
        for (index, term) in terms.iter().enumerate() {
            let at = format!("{pointer}/{index}");
            let name = &term.affinity_name;
            if name.is_empty() || name.len() > 32 || !is_qualified_name(name) {
                self.rule_error(
                    spans,
                    &format!("{at}/affinityName"),
                    format!("`{name}` is not a valid affinity name"),
                    "use 1 to 32 letters, digits, `-`, `_` or `.`",
                );
            } else if !names.insert(name.clone()) {
                self.rule_error(
                    spans,
                    &format!("{at}/affinityName"),
                    format!("affinity name `{name}` is used twice"),
                    "give every term its own name",
                );
            }
            let inline = karmada::ClusterAffinity {
                label_selector: term.label_selector.clone(),
                field_selector: term.field_selector.clone(),
                cluster_names: term.cluster_names.clone(),
                exclude: term.exclude.clone(),
            };
            let affinity = self.affinity(&inline, spans, &at, clusters);
            let mut overflow = Vec::new();
            if !term.overflow_affinities.is_empty() {
                let empty = inline.label_selector.is_none()
                    && inline.field_selector.is_none()
                    && inline.cluster_names.is_empty()
                    && inline.exclude.is_empty();
                if empty {
                    self.rule_error(spans, &at, "a term with `overflowAffinities` needs an affinity of its own", "select the primary clusters with `clusterNames`, a label or a field selector");
                }
                if !dynamic {
                    self.rule_error(spans, &format!("{at}/overflowAffinities"), "`overflowAffinities` work only with Divided replicas by `Aggregated` or `dynamicWeight`", "change the replica scheduling, or remove the overflow tiers");
                }
                for (tier, overflow_term) in term.overflow_affinities.iter().enumerate() {
                    let tier_at = format!("{at}/overflowAffinities/{tier}");
                    let raw = karmada::ClusterAffinity {
                        label_selector: overflow_term.label_selector.clone(),
                        field_selector: overflow_term.field_selector.clone(),
                        cluster_names: overflow_term.cluster_names.clone(),
                        exclude: overflow_term.exclude.clone(),
                    };
                    if let Some(affinity) = self.affinity(&raw, spans, &tier_at, clusters) {
                        overflow.push(OverflowTier {
                            name: overflow_term.affinity_name.clone(),
                            affinity,
                        });
                    }
                    if !names.insert(overflow_term.affinity_name.clone()) {
                        self.rule_error(
                            spans,
                            &format!("{tier_at}/affinityName"),
                            format!(
                                "affinity name `{}` is used twice",
                                overflow_term.affinity_name
                            ),
                            "give every term and tier its own name",
                        );
                    }
                }
            }
            if let Some(affinity) = affinity {
                built.push(AffinityTerm {
                    name: Some(name.clone()),
                    affinity,
                    overflow,
                });
            }
        }
        if self.diagnostics.error_count() != errors || built.is_empty() {
            return Err(());
        }
        if built.len() > 1 {
            self.diagnostics.push(
                Diagnostic::warning(
                    "mcctl::model::affinity_terms_no_fallback",
                    "once a later affinity term is in use, Karmada never moves back to an earlier one on its own",
                )
                .with_label(spans.key(pointer), "terms tried in order")
                .with_help("`mcctl plan --rebalance` starts again from the first term (as Karmada's WorkloadRebalancer does)"),
            );
        }
        Ok(Some(built))
    }

    /// Applies Karmada's defaults and rules to `spreadConstraints`; `None` when they are invalid
    /// (and reported).
    pub(super) fn spread_constraints(
        &mut self,
        placement: &karmada::Placement,
        spans: &SpanIndex,
    ) -> Option<Vec<SpreadConstraint>> {
        let constraints = &placement.spread_constraints;
        if constraints.is_empty() {
            return Some(Vec::new());
        }
        let errors = self.diagnostics.error_count();
        let pointer = "/spec/placement/spreadConstraints";
        let mut fields = BTreeSet::new();
        let mut built = Vec::new();
        for (index, constraint) in constraints.iter().enumerate() {
            let at = format!("{pointer}/{index}");
            let field = match (&constraint.spread_by_field, &constraint.spread_by_label) {
                (Some(_), Some(_)) => {
                    self.rule_error(
                        spans,
                        &at,
                        "`spreadByField` and `spreadByLabel` cannot both be set",
                        "keep one of them",
                    );
                    continue;
                }
                (Some(field), None) => Some(field.as_str()),
                (None, Some(_)) => None,
                // Karmada's webhook defaults an empty constraint to spreading by cluster.
                (None, None) => Some("cluster"),
            };
            if let Some(field) = field {
                if !self.enum_value(
                    spans,
                    &format!("{at}/spreadByField"),
                    "spreadByField",
                    field,
                    &["cluster", "region", "zone", "provider"],
                ) {
                    continue;
                }
                if !fields.insert(field) {
                    self.rule_error(
                        spans,
                        &at,
                        format!("two spread constraints spread by `{field}`"),
                        "keep one constraint per field",
                    );
                }
            }
            let min = constraint.min_groups.unwrap_or(0);
            let max = constraint.max_groups.unwrap_or(0);
            if min < 0 || max < 0 {
                self.rule_error(
                    spans,
                    &at,
                    "`minGroups` and `maxGroups` cannot be negative",
                    "use 0 or more",
                );
            } else if max > 0 && max < min.max(1) {
                self.rule_error(
                    spans,
                    &format!("{at}/maxGroups"),
                    format!("`maxGroups` {max} is less than `minGroups` {}", min.max(1)),
                    "raise `maxGroups` or lower `minGroups`",
                );
            }
            if max == 0 {
                let consequence = if field == Some("region") {
                    "Karmada selects no region, so the template is not scheduled (a previous placement stays)"
                } else if field == Some("cluster")
                    && !constraints
                        .iter()
                        .any(|other| other.spread_by_field.as_deref() == Some("region"))
                {
                    "Karmada selects no cluster, so the template is not scheduled (a previous placement stays)"
                } else {
                    "Karmada takes no more than one cluster per group"
                };
                self.diagnostics.push(
                    Diagnostic::warning(
                        "mcctl::model::spread_max_groups",
                        format!("`maxGroups` is not set: {consequence}"),
                    )
                    .with_label(spans.value(&at), "here")
                    .with_help("set `maxGroups`; Karmada does not default it (karmada#4617)"),
                );
            }
            let by = match (field, &constraint.spread_by_label) {
                (Some("region"), _) => SpreadBy::Region,
                (Some("zone"), _) => SpreadBy::Zone,
                (Some("provider"), _) => SpreadBy::Provider,
                (Some(_), _) => SpreadBy::Cluster,
                (None, label) => SpreadBy::Label(label.clone().unwrap_or_default()),
            };
            built.push(SpreadConstraint {
                by,
                // Karmada's webhook raises an unset or zero `minGroups` to 1.
                min_groups: u32::try_from(min.max(1)).unwrap_or(u32::MAX),
                max_groups: u32::try_from(max.max(0)).unwrap_or(u32::MAX),
            });
        }
        if fields.iter().any(|field| *field != "cluster") && !fields.contains("cluster") {
            self.rule_error(
                spans,
                pointer,
                "spreading by region, zone or provider needs a `cluster` spread constraint too",
                "add `{spreadByField: cluster, maxGroups: N}`",
            );
        }
        if let Some(label) = constraints
            .iter()
            .position(|constraint| constraint.spread_by_label.is_some())
        {
            let consequence = if fields.contains("cluster") {
                "Karmada ignores it next to a `cluster` constraint"
            } else {
                "Karmada cannot schedule with it on its own: the template is not scheduled (a previous placement stays)"
            };
            self.diagnostics.push(
                Diagnostic::warning(
                    "mcctl::model::spread_by_label",
                    format!("`spreadByLabel` passes validation but {consequence}"),
                )
                .with_label(spans.value(&format!("{pointer}/{label}")), "here")
                .with_help("spread by `cluster` or `region` instead"),
            );
        }
        if placement
            .replica_scheduling
            .as_ref()
            .is_some_and(is_static_weighting)
        {
            self.diagnostics.push(
                Diagnostic::warning(
                    "mcctl::model::spread_ignored",
                    "spread constraints are ignored when replicas are divided by static weights",
                )
                .with_label(spans.key(pointer), "no effect")
                .with_help("Karmada selects every feasible cluster for static weighting; use `dynamicWeight: AvailableReplicas` or `Aggregated` to spread, or remove the constraints"),
            );
        }
        (self.diagnostics.error_count() == errors).then_some(built)
    }

    /// Checks `workloadAffinity` and warns that it is not acted on.
    pub(super) fn workload_affinity(&mut self, placement: &karmada::Placement, spans: &SpanIndex) {
        let Some(affinity) = &placement.workload_affinity else {
            return;
        };
        for (field, term) in [
            ("affinity", &affinity.affinity),
            ("antiAffinity", &affinity.anti_affinity),
        ] {
            if let Some(term) = term
                && !is_qualified_name(&term.group_by_label_key)
            {
                self.rule_error(
                    spans,
                    &format!("/spec/placement/workloadAffinity/{field}/groupByLabelKey"),
                    format!("`{}` is not a valid label key", term.group_by_label_key),
                    "use a label key such as `app.kubernetes.io/part-of`",
                );
            }
        }
        self.diagnostics.push(not_acted_on(
            "spec.placement.workloadAffinity",
            spans.key("/spec/placement/workloadAffinity"),
            "workloads are placed without regard to each other (the feature is alpha in Karmada)",
        ));
    }

    /// The policy-level fields mcctl does not act on: Karmada's rules, then a warning each.
    pub(super) fn policy_extras(
        &mut self,
        spec: &karmada::PropagationSpec,
        id: &PolicyId,
        spans: &SpanIndex,
        clusters: &BTreeSet<&str>,
        overrides: &BTreeSet<PolicyId>,
    ) {
        if let Some(preemption) = &spec.preemption
            && self.enum_value(
                spans,
                "/spec/preemption",
                "preemption",
                preemption,
                &["Always", "Never"],
            )
            && preemption == "Always"
        {
            for (index, selector) in spec.resource_selectors.iter().enumerate() {
                if selector.name.as_deref().is_none_or(str::is_empty) {
                    self.rule_error(
                        spans,
                        &format!("/spec/resourceSelectors/{index}"),
                        "with `preemption: Always` every resource selector needs a `name`",
                        "name the template this policy may take over",
                    );
                }
            }
        }
        for (index, name) in spec.dependent_overrides.iter().flatten().enumerate() {
            let kind = if id.kind == PolicyKind::PropagationPolicy {
                PolicyKind::OverridePolicy
            } else {
                PolicyKind::ClusterOverridePolicy
            };
            let wanted = PolicyId {
                kind,
                namespace: id.namespace.clone(),
                name: name.clone(),
            };
            if !overrides.contains(&wanted) {
                self.rule_error(spans, &format!("/spec/dependentOverrides/{index}"), format!("`{wanted}` does not exist"), format!("declare the {} `{name}`, or remove it from `dependentOverrides`: Karmada waits for it forever", kind.as_str()));
            }
        }
        if let Some(name) = spec
            .scheduler_name
            .as_deref()
            .filter(|name| *name != "default-scheduler")
        {
            self.diagnostics.push(not_acted_on("spec.schedulerName", spans.key("/spec/schedulerName"), &format!("Karmada's default scheduler ignores a policy for `{name}`; mcctl schedules it anyway")));
        }
        // `conflictResolution` is acted on at apply and import time; here it is only checked.
        if let Some(resolution) = &spec.conflict_resolution {
            self.enum_value(
                spans,
                "/spec/conflictResolution",
                "conflictResolution",
                resolution,
                &["Abort", "Overwrite"],
            );
        }
        if let Some(preference) = &spec.activation_preference
            && !preference.is_empty()
            && self.enum_value(
                spans,
                "/spec/activationPreference",
                "activationPreference",
                preference,
                &["Lazy"],
            )
        {
            self.diagnostics.push(not_acted_on(
                "spec.activationPreference",
                spans.key("/spec/activationPreference"),
                "policy changes take effect at the next apply, not only when the template changes",
            ));
        }
        if let Some(suspension) = &spec.suspension {
            let on_clusters = suspension.dispatching_on_clusters.as_ref();
            if suspension.dispatching.is_some() && on_clusters.is_some() {
                self.rule_error(
                    spans,
                    "/spec/suspension",
                    "`dispatching` and `dispatchingOnClusters` cannot both be set",
                    "keep one of them",
                );
            }
            for (index, name) in on_clusters
                .iter()
                .flat_map(|clusters| &clusters.cluster_names)
                .enumerate()
            {
                if !clusters.contains(name.as_str()) {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "mcctl::model::unknown_cluster",
                            format!("cluster `{name}` is not declared"),
                        )
                        .with_label(
                            spans.value(&format!(
                                "/spec/suspension/dispatchingOnClusters/clusterNames/{index}"
                            )),
                            "unknown cluster",
                        )
                        .with_help("it matches nothing until a cluster of that name is declared"),
                    );
                }
            }
            if suspension.dispatching == Some(true)
                || on_clusters.is_some_and(|clusters| !clusters.cluster_names.is_empty())
            {
                self.diagnostics.push(not_acted_on(
                    "spec.suspension",
                    spans.key("/spec/suspension"),
                    "mcctl applies to suspended clusters all the same",
                ));
            }
        }
        if spec.preserve_resources_on_deletion == Some(true) {
            self.diagnostics.push(not_acted_on(
                "spec.preserveResourcesOnDeletion",
                spans.key("/spec/preserveResourcesOnDeletion"),
                "mcctl deletes a template's objects when the template leaves config",
            ));
        }
        if let Some(priority) = &spec.schedule_priority {
            match priority.priority_class_source.as_deref() {
                Some("KubePriorityClass") => {}
                other => self.rule_error(
                    spans,
                    "/spec/schedulePriority",
                    format!(
                        "`priorityClassSource` must be `KubePriorityClass`, not `{}`",
                        other.unwrap_or("")
                    ),
                    "set `priorityClassSource: KubePriorityClass`",
                ),
            }
            if priority
                .priority_class_name
                .as_deref()
                .is_none_or(str::is_empty)
            {
                self.rule_error(
                    spans,
                    "/spec/schedulePriority",
                    "`schedulePriority` needs a `priorityClassName`",
                    "name a PriorityClass",
                );
            }
            self.diagnostics.push(not_acted_on(
                "spec.schedulePriority",
                spans.key("/spec/schedulePriority"),
                "it orders Karmada's scheduling queue, which a plan does not have",
            ));
        }
        if spec.association.is_some() {
            self.diagnostics.push(
                Diagnostic::warning(
                    "mcctl::model::deprecated_field",
                    "`association` is deprecated",
                )
                .with_label(spans.key("/spec/association"), "here")
                .with_help("write `propagateDeps` instead"),
            );
        }
        if id.kind == PolicyKind::ClusterPropagationPolicy {
            for (index, selector) in spec.resource_selectors.iter().enumerate() {
                if let Some(namespace) = selector
                    .namespace
                    .as_deref()
                    .filter(|namespace| is_reserved_namespace(namespace))
                {
                    self.rule_error(
                        spans,
                        &format!("/spec/resourceSelectors/{index}/namespace"),
                        format!("namespace `{namespace}` is reserved for Karmada"),
                        "select resources of another namespace",
                    );
                }
            }
        }
    }

    /// Checks `failover` and returns how long a share may stay on an unreachable cluster, in
    /// seconds: the application's `tolerationSeconds` (Karmada's default 300).
    pub(super) fn failover(
        &mut self,
        failover: &karmada::FailoverBehavior,
        spans: &SpanIndex,
        propagate_deps: bool,
    ) -> u64 {
        let pointer = "/spec/failover";
        let toleration = failover
            .application
            .as_ref()
            .and_then(|application| application.decision_conditions.as_ref())
            .and_then(|conditions| conditions.toleration_seconds)
            .unwrap_or(300);
        if let Some(application) = &failover.application {
            let at = format!("{pointer}/application");
            if !propagate_deps {
                self.rule_error(
                    spans,
                    &at,
                    "application failover needs `propagateDeps: true`",
                    "set `propagateDeps: true`, as Karmada's webhook requires",
                );
            }
            let purge = application.purge_mode.as_deref().unwrap_or("Gracefully");
            let purge = match purge {
                "Immediately" => "Directly",
                "Graciously" => "Gracefully",
                other => other,
            };
            if self.enum_value(
                spans,
                &format!("{at}/purgeMode"),
                "purgeMode",
                purge,
                &["Directly", "Gracefully", "Never"],
            ) && application.grace_period_seconds.is_some()
                && purge != "Gracefully"
            {
                self.rule_error(
                    spans,
                    &format!("{at}/gracePeriodSeconds"),
                    "`gracePeriodSeconds` is only allowed with `purgeMode: Gracefully`",
                    "remove it, or purge gracefully",
                );
            }
            if application
                .grace_period_seconds
                .is_some_and(|seconds| seconds <= 0)
            {
                self.rule_error(
                    spans,
                    &format!("{at}/gracePeriodSeconds"),
                    "`gracePeriodSeconds` must be positive",
                    "use a number of seconds such as 600",
                );
            }
            if application
                .decision_conditions
                .as_ref()
                .and_then(|conditions| conditions.toleration_seconds)
                .is_some_and(|seconds| seconds < 0)
            {
                self.rule_error(
                    spans,
                    &format!("{at}/decisionConditions/tolerationSeconds"),
                    "`tolerationSeconds` cannot be negative",
                    "use 0 or more (default 300)",
                );
            }
            self.state_preservation(
                application.state_preservation.as_ref(),
                spans,
                &format!("{at}/statePreservation"),
            );
        }
        if let Some(cluster) = &failover.cluster {
            let at = format!("{pointer}/cluster");
            if let Some(purge) = &cluster.purge_mode {
                self.enum_value(
                    spans,
                    &format!("{at}/purgeMode"),
                    "purgeMode",
                    purge,
                    &["Directly", "Gracefully"],
                );
            }
            self.state_preservation(
                cluster.state_preservation.as_ref(),
                spans,
                &format!("{at}/statePreservation"),
            );
        }
        if failover.application.is_some() {
            self.diagnostics.push(not_acted_on(
                "spec.failover.application",
                spans.key(&format!("{pointer}/application")),
                "mcctl does not watch application health yet: a share moves only when its cluster stays unreachable for `tolerationSeconds`",
            ));
        }
        u64::try_from(toleration).unwrap_or(0)
    }

    fn state_preservation(
        &mut self,
        preservation: Option<&karmada::StatePreservation>,
        spans: &SpanIndex,
        pointer: &str,
    ) {
        for (index, rule) in preservation
            .iter()
            .flat_map(|preservation| &preservation.rules)
            .enumerate()
        {
            if !is_qualified_name(&rule.alias_label_name) {
                self.rule_error(
                    spans,
                    &format!("{pointer}/rules/{index}/aliasLabelName"),
                    format!("`{}` is not a valid label key", rule.alias_label_name),
                    "use a label key",
                );
            }
            if rule.json_path.trim().is_empty() {
                self.rule_error(
                    spans,
                    &format!("{pointer}/rules/{index}/jsonPath"),
                    "`jsonPath` is empty",
                    "write a JSONPath into the status, such as `{ .replicas }`",
                );
            }
        }
    }

    /// Checks a cluster's resource models and warns about what mcctl does not use.
    pub(super) fn cluster_extras(
        &mut self,
        spec: &karmada::ClusterSpec,
        status: Option<&karmada::ClusterStatus>,
        spans: &SpanIndex,
    ) {
        if let Some(models) = &spec.resource_models {
            let mut grades = BTreeSet::new();
            for (index, model) in models.iter().enumerate() {
                let at = format!("/spec/resourceModels/{index}");
                if !grades.insert(model.grade) {
                    self.rule_error(
                        spans,
                        &format!("{at}/grade"),
                        format!("grade {} appears twice", model.grade),
                        "give every model its own grade",
                    );
                }
                for (range_index, range) in model.ranges.iter().enumerate() {
                    self.enum_value(
                        spans,
                        &format!("{at}/ranges/{range_index}/name"),
                        "name",
                        &range.name,
                        &["cpu", "memory", "storage", "ephemeral-storage"],
                    );
                }
            }
            self.diagnostics.push(not_acted_on(
                "spec.resourceModels",
                spans.key("/spec/resourceModels"),
                "available replicas are estimated from allocatable resources only",
            ));
        }
        for (field, present) in [
            ("spec.proxyHeader", spec.proxy_header.is_some()),
            ("spec.proxyURL", spec.proxy_url.is_some()),
            ("spec.secretRef", spec.secret_ref.is_some()),
            (
                "spec.impersonatorSecretRef",
                spec.impersonator_secret_ref.is_some(),
            ),
            ("spec.apiEndpoint", spec.api_endpoint.is_some()),
            (
                "spec.insecureSkipTLSVerification",
                spec.insecure_skip_tls_verification.is_some(),
            ),
        ] {
            if present {
                let pointer = format!("/{}", field.replace('.', "/"));
                self.diagnostics.push(not_acted_on(field, spans.key(&pointer), "mcctl reaches clusters through a kubeconfig (`mcctl.io/kubeconfig`, `mcctl.io/context`) or a directory (`mcctl.io/directory`)"));
            }
        }
        if status
            .and_then(|status| status.remedy_actions.as_ref())
            .is_some_and(|actions| !actions.is_empty())
        {
            self.diagnostics.push(not_acted_on(
                "status.remedyActions",
                spans.key("/status/remedyActions"),
                "traffic is not steered away from the cluster",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::try_model_from;

    fn policy(spec: &str) -> String {
        format!(
            "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {{name: a}}\nspec: {{syncMode: Pull}}\n---\n\
             apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata: {{name: p}}\nspec:\n  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]\n{spec}"
        )
    }

    fn messages(yaml: &str) -> (Vec<String>, Vec<String>) {
        let (_, diagnostics) = try_model_from(&[("p.yaml", yaml)]);
        let pick = |errors: bool| {
            diagnostics
                .iter()
                .filter(|d| d.is_error() == errors)
                .map(|d| d.message.clone())
                .collect()
        };
        (pick(true), pick(false))
    }

    /// Karmada's webhook rules (`pkg/webhook/propagationpolicy`, `pkg/util/validation`), each an
    /// error with its message.
    #[test]
    fn webhook_rules_are_errors() {
        let cases = [
            (
                "  placement:\n    clusterAffinity: {clusterNames: [a]}\n    clusterAffinities: [{affinityName: x, clusterNames: [a]}]\n",
                "`clusterAffinity` and `clusterAffinities` cannot both be set",
            ),
            (
                "  placement:\n    clusterAffinities: [{affinityName: x, clusterNames: [a]}, {affinityName: x, clusterNames: [a]}]\n",
                "affinity name `x` is used twice",
            ),
            (
                "  placement:\n    clusterAffinities: [{affinityName: x, clusterNames: [a], overflowAffinities: [{affinityName: spill, clusterNames: [a]}]}]\n",
                "`overflowAffinities` work only with Divided replicas by `Aggregated` or `dynamicWeight`",
            ),
            (
                "  placement:\n    spreadConstraints: [{spreadByField: region, spreadByLabel: x}]\n",
                "`spreadByField` and `spreadByLabel` cannot both be set",
            ),
            (
                "  placement:\n    spreadConstraints: [{spreadByField: region, maxGroups: 2}]\n",
                "spreading by region, zone or provider needs a `cluster` spread constraint too",
            ),
            (
                "  placement:\n    spreadConstraints: [{spreadByField: cluster, maxGroups: 1, minGroups: 2}]\n",
                "`maxGroups` 1 is less than `minGroups` 2",
            ),
            (
                "  placement:\n    spreadConstraints: [{spreadByField: cluster, maxGroups: 1}, {maxGroups: 2}]\n",
                "two spread constraints spread by `cluster`",
            ),
            (
                "  placement:\n    spreadConstraints: [{spreadByField: country, maxGroups: 1}]\n",
                "`country` is not a valid `spreadByField`",
            ),
            (
                "  failover:\n    application: {purgeMode: Directly}\n",
                "application failover needs `propagateDeps: true`",
            ),
            (
                "  propagateDeps: true\n  failover:\n    application: {purgeMode: Directly, gracePeriodSeconds: 60}\n",
                "`gracePeriodSeconds` is only allowed with `purgeMode: Gracefully`",
            ),
            (
                "  suspension: {dispatching: true, dispatchingOnClusters: {clusterNames: [a]}}\n",
                "`dispatching` and `dispatchingOnClusters` cannot both be set",
            ),
            (
                "  preemption: Sometimes\n",
                "`Sometimes` is not a valid `preemption`",
            ),
            (
                "  conflictResolution: Merge\n",
                "`Merge` is not a valid `conflictResolution`",
            ),
            (
                "  schedulePriority: {priorityClassSource: Other, priorityClassName: high}\n",
                "`priorityClassSource` must be `KubePriorityClass`, not `Other`",
            ),
            (
                "  dependentOverrides: [missing]\n",
                "`OverridePolicy/default/missing` does not exist",
            ),
            (
                "  placement:\n    replicaScheduling:\n      weightPreference: {dynamicWeight: Cores}\n",
                "unknown dynamicWeight `Cores`",
            ),
        ];
        for (spec, expected) in cases {
            let (errors, _) = messages(&policy(spec));
            assert!(
                errors.iter().any(|error| error == expected),
                "{expected}\n  got {errors:?}"
            );
        }
    }

    #[test]
    fn preemption_needs_named_selectors() {
        let yaml = policy("  preemption: Always\n")
            .replace("kind: Deployment, name: web", "kind: Deployment");
        let (errors, _) = messages(&yaml);
        assert_eq!(
            errors,
            ["with `preemption: Always` every resource selector needs a `name`"]
        );
    }

    /// Fields that load cleanly but are not acted on: one warning each, naming the field.
    #[test]
    fn unacted_fields_are_warnings_naming_them() {
        let cases = [
            (
                "  placement:\n    workloadAffinity: {affinity: {groupByLabelKey: app}}\n",
                "`spec.placement.workloadAffinity` is not acted on yet",
            ),
            (
                "  propagateDeps: true\n  failover:\n    application: {decisionConditions: {tolerationSeconds: 60}}\n",
                "`spec.failover.application` is not acted on yet",
            ),
            (
                "  suspension: {dispatching: true}\n",
                "`spec.suspension` is not acted on yet",
            ),
            (
                "  preserveResourcesOnDeletion: true\n",
                "`spec.preserveResourcesOnDeletion` is not acted on yet",
            ),
            (
                "  schedulerName: my-scheduler\n",
                "`spec.schedulerName` is not acted on yet",
            ),
            (
                "  schedulePriority: {priorityClassSource: KubePriorityClass, priorityClassName: high}\n",
                "`spec.schedulePriority` is not acted on yet",
            ),
        ];
        for (spec, expected) in cases {
            let (errors, warnings) = messages(&policy(spec));
            assert!(errors.is_empty(), "{expected}: {errors:?}");
            assert!(
                warnings.iter().any(|warning| warning == expected),
                "{expected}\n  got {warnings:?}"
            );
        }
    }

    #[test]
    fn unset_max_groups_is_warned_about() {
        let (_, warnings) = messages(&policy(
            "  placement:\n    spreadConstraints: [{spreadByField: cluster}]\n",
        ));
        assert!(
            warnings
                .iter()
                .any(|warning| warning.starts_with("`maxGroups` is not set")),
            "{warnings:?}"
        );
    }
}
