//! Which propagation policy a template follows (KARMADA.md §3.1–3.3): a template stays with the
//! policy that claimed it; otherwise the best match wins, namespaced policies before cluster-wide
//! ones; `preemption: Always` takes templates over from weaker policies.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::model::policy::best_match;
use crate::model::{MatchStrength, Model, PolicyId, PolicyKind, PropagationPolicy, Template};

/// The policy a template follows, and why.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The policy.
    pub policy: &'a PropagationPolicy,
    /// Why this one.
    pub reason: ClaimReason<'a>,
}

/// Why a template follows its policy.
#[derive(Debug, Clone, Copy)]
pub enum ClaimReason<'a> {
    /// The best match, with the strength of its best selector.
    Best(MatchStrength),
    /// It claimed the template before and still matches it; `better` would win a fresh choice
    /// but may not take the template over (no `preemption: Always`).
    Kept {
        /// A policy that would be chosen if the template were new.
        better: Option<&'a PropagationPolicy>,
    },
    /// It took the template over from the policy that had claimed it.
    Preempted {
        /// The previous claimant.
        from: &'a PropagationPolicy,
    },
}

/// The propagation policies that may select a template, found without scanning them all: by
/// (`apiVersion`, kind), then by name for selectors that name their template. Built once per
/// schedule, so that a fleet with a policy per template stays linear.
pub struct PolicyIndex<'a> {
    model: &'a Model,
    buckets: HashMap<(&'a str, &'a str), Bucket<'a>>,
}

/// The policies with a selector for one (`apiVersion`, kind).
#[derive(Default)]
struct Bucket<'a> {
    /// Policies whose selector names a template, by that name.
    by_name: HashMap<&'a str, Vec<usize>>,
    /// Policies with a selector that names no template.
    unnamed: Vec<usize>,
}

impl<'a> PolicyIndex<'a> {
    /// Indexes the model's propagation policies.
    #[must_use]
    pub fn new(model: &'a Model) -> Self {
        let mut buckets: HashMap<(&str, &str), Bucket<'_>> = HashMap::new();
        for (index, policy) in model.propagation_policies.iter().enumerate() {
            for selector in &policy.selectors {
                let bucket = buckets
                    .entry((selector.api_version.as_str(), selector.kind.as_str()))
                    .or_default();
                let list = match &selector.name {
                    Some(name) => bucket.by_name.entry(name.as_str()).or_default(),
                    None => &mut bucket.unnamed,
                };
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
        Self { model, buckets }
    }

    /// The policies that may select `template` (each once, in model order).
    fn candidates(&self, template: &Template) -> Vec<&'a PropagationPolicy> {
        let Some(bucket) = self
            .buckets
            .get(&(template.api_version.as_str(), template.object.kind.as_str()))
        else {
            return Vec::new();
        };
        let mut indices: Vec<usize> = bucket.unnamed.clone();
        if let Some(named) = bucket.by_name.get(template.object.name.as_str()) {
            indices.extend(named);
        }
        indices.sort_unstable();
        indices.dedup();
        indices
            .into_iter()
            .map(|index| &self.model.propagation_policies[index])
            .collect()
    }
}

/// The policy of `template`, given the policy that claimed it at the last apply.
#[must_use]
pub fn claim<'a>(
    index: &PolicyIndex<'a>,
    template: &Template,
    previous: Option<&PolicyId>,
) -> Option<Claim<'a>> {
    let matching: Vec<(&'a PropagationPolicy, MatchStrength)> = index
        .candidates(template)
        .into_iter()
        .filter_map(|policy| {
            best_match(&policy.selectors, template).map(|strength| (policy, strength))
        })
        .collect();
    let of_kind = |kind: PolicyKind| {
        matching
            .iter()
            .copied()
            .filter(move |(policy, _)| policy.id.kind == kind)
    };
    let best = |kind: PolicyKind| of_kind(kind).min_by(|a, b| compare(*a, *b));
    let fresh =
        best(PolicyKind::PropagationPolicy).or_else(|| best(PolicyKind::ClusterPropagationPolicy));
    let claimant = previous.and_then(|id| {
        matching
            .iter()
            .map(|(policy, _)| *policy)
            .find(|policy| &policy.id == id)
    });
    let Some(claimant) = claimant else {
        return fresh.map(|(policy, strength)| Claim {
            policy,
            reason: ClaimReason::Best(strength),
        });
    };
    // Preemption: a namespaced policy takes over from a lower-priority namespaced one, or from
    // any cluster-wide one; a cluster-wide policy only from a lower-priority cluster-wide one.
    let preempts = |policy: &PropagationPolicy| {
        policy.preemption
            && policy.id != claimant.id
            && match (policy.id.kind, claimant.id.kind) {
                (PolicyKind::PropagationPolicy, PolicyKind::ClusterPropagationPolicy) => true,
                (kind, claimant_kind) if kind == claimant_kind => {
                    policy.priority > claimant.priority
                }
                _ => false,
            }
    };
    let preemptor = |kind: PolicyKind| {
        of_kind(kind)
            .filter(|(policy, _)| preempts(policy))
            .min_by(|a, b| compare(*a, *b))
    };
    if let Some((policy, _)) = preemptor(PolicyKind::PropagationPolicy)
        .or_else(|| preemptor(PolicyKind::ClusterPropagationPolicy))
    {
        return Some(Claim {
            policy,
            reason: ClaimReason::Preempted { from: claimant },
        });
    }
    let better = fresh
        .map(|(policy, _)| policy)
        .filter(|policy| policy.id != claimant.id);
    Some(Claim {
        policy: claimant,
        reason: ClaimReason::Kept { better },
    })
}

/// Karmada's order among matching policies of one kind: higher explicit priority, then the more
/// specific selector match, then the smaller name.
fn compare(
    (a, a_strength): (&PropagationPolicy, MatchStrength),
    (b, b_strength): (&PropagationPolicy, MatchStrength),
) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then(b_strength.cmp(&a_strength))
        .then(a.id.name.cmp(&b.id.name))
}

/// The policy Karmada would choose for a new template.
#[must_use]
pub fn choose_policy<'a>(model: &'a Model, template: &Template) -> Option<&'a PropagationPolicy> {
    claim(&PolicyIndex::new(model), template, None).map(|claim| claim.policy)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::testing::model_from_yaml;

    /// A Deployment `web` and the given policies `(kind, name, priority, preemption)`, each
    /// selecting it by name.
    fn model(policies: &[(&str, &str, i32, bool)]) -> Model {
        let mut yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n".to_owned();
        for (kind, name, priority, preemption) in policies {
            let preemption = if *preemption { "Always" } else { "Never" };
            let _ = write!(
                yaml,
                "---\napiVersion: policy.karmada.io/v1alpha1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  priority: {priority}\n  preemption: {preemption}\n  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]\n"
            );
        }
        model_from_yaml(&yaml)
    }

    fn id(text: &str) -> PolicyId {
        text.parse().unwrap()
    }

    fn chosen(model: &Model, previous: Option<&str>) -> (String, String) {
        let index = PolicyIndex::new(model);
        let claim = claim(&index, &model.templates[0], previous.map(id).as_ref()).unwrap();
        let reason = match claim.reason {
            ClaimReason::Best(_) => "best".to_owned(),
            ClaimReason::Kept { better: None } => "kept".to_owned(),
            ClaimReason::Kept {
                better: Some(better),
            } => format!("kept over {}", better.id.name),
            ClaimReason::Preempted { from } => format!("preempted {}", from.id.name),
        };
        (claim.policy.id.name.clone(), reason)
    }

    fn pair(name: &str, reason: &str) -> (String, String) {
        (name.to_owned(), reason.to_owned())
    }

    #[test]
    fn a_claim_holds_until_preemption() {
        let model = model(&[
            ("PropagationPolicy", "old", 0, false),
            ("PropagationPolicy", "new", 5, false),
        ]);
        assert_eq!(chosen(&model, None), pair("new", "best"));
        assert_eq!(
            chosen(&model, Some("PropagationPolicy/default/old")),
            pair("old", "kept over new")
        );
        let model = self::model(&[
            ("PropagationPolicy", "old", 0, false),
            ("PropagationPolicy", "new", 5, true),
        ]);
        assert_eq!(
            chosen(&model, Some("PropagationPolicy/default/old")),
            pair("new", "preempted old")
        );
    }

    #[test]
    fn preemption_needs_strictly_higher_priority_between_namespaced_policies() {
        let model = model(&[
            ("PropagationPolicy", "old", 5, false),
            ("PropagationPolicy", "new", 5, true),
        ]);
        // Equal priority: `new` wins a fresh choice by name, but may not take the template.
        assert_eq!(
            chosen(&model, Some("PropagationPolicy/default/old")),
            pair("old", "kept over new")
        );
    }

    #[test]
    fn a_namespaced_policy_preempts_any_cluster_wide_one() {
        let model = model(&[
            ("ClusterPropagationPolicy", "wide", 100, false),
            ("PropagationPolicy", "local", -5, true),
        ]);
        assert_eq!(
            chosen(&model, Some("ClusterPropagationPolicy/wide")),
            pair("local", "preempted wide")
        );
        // Without preemption the cluster-wide claim holds, though a namespaced policy matches.
        let model = self::model(&[
            ("ClusterPropagationPolicy", "wide", 100, false),
            ("PropagationPolicy", "local", -5, false),
        ]);
        assert_eq!(
            chosen(&model, Some("ClusterPropagationPolicy/wide")),
            pair("wide", "kept over local")
        );
    }

    #[test]
    fn a_stale_claim_falls_back_to_the_best_match() {
        let model = model(&[("PropagationPolicy", "only", 0, false)]);
        assert_eq!(
            chosen(&model, Some("PropagationPolicy/default/gone")),
            pair("only", "best")
        );
    }
}
