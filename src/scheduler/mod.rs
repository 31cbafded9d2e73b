//! Stage 4, schedule: [`Model`] + cluster statuses → [`Placement`], which clusters get each
//! template and how many replicas, with the reason for every cluster.
//!
//! Reproduces Karmada: pick the policy (KARMADA.md §3.2), filter clusters with the plugins of
//! [`filter`], then assign replicas (Duplicated, or Divided by static weights with the Webster
//! method of [`divide`]). Pure: statuses and previous placements are inputs, never fetched.

pub mod divide;
pub mod filter;

use std::collections::BTreeMap;

use self::divide::{Party, TieBreak, webster};
use self::filter::FilterInput;
use crate::addr::{ClusterName, ObjectRef};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::policy::best_match;
use crate::model::{
    ClusterStatus, Model, Placement as PolicyPlacement, PolicyId, PolicyKind, PropagationPolicy,
    ReplicaScheduling, Template,
};

/// Where every template goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// One binding per template, sorted by [`ObjectRef`].
    pub bindings: Vec<Binding>,
}

impl Placement {
    /// The binding of a template.
    #[must_use]
    pub fn binding(&self, object: &ObjectRef) -> Option<&Binding> {
        self.bindings
            .binary_search_by(|binding| binding.object.cmp(object))
            .ok()
            .map(|index| &self.bindings[index])
    }
}

/// The scheduling result of one template (Karmada's `ResourceBinding`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The template.
    pub object: ObjectRef,
    /// Its `apiVersion`.
    pub api_version: String,
    /// Why it goes where it goes.
    pub source: BindingSource,
    /// The clusters it goes to, sorted by name.
    pub targets: Vec<Target>,
    /// Every cluster's verdict, sorted by name (the explain trace).
    pub verdicts: Vec<ClusterVerdict>,
    /// Whether replicas were divided (Job completions are divided too).
    pub divided: bool,
}

impl Binding {
    /// The policy that placed the template, if any.
    #[must_use]
    pub fn policy(&self) -> Option<&PolicyId> {
        match &self.source {
            BindingSource::Policy(id) => Some(id),
            BindingSource::NamespaceAutoPropagation
            | BindingSource::NoPolicy
            | BindingSource::ReservedNamespace => None,
        }
    }
}

/// What decided a template's placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingSource {
    /// A propagation policy.
    Policy(PolicyId),
    /// A Namespace with no policy goes everywhere, as Karmada propagates namespaces.
    NamespaceAutoPropagation,
    /// No policy selects the template: it is not propagated.
    NoPolicy,
    /// The template is in a namespace Karmada never propagates from (`kube-*`, `karmada-system`,
    /// `karmada-cluster`, `karmada-es-*`).
    ReservedNamespace,
}

/// One cluster a template goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Cluster.
    pub cluster: ClusterName,
    /// Replicas on it (workloads only).
    pub replicas: Option<u32>,
}

/// What the scheduler decided for one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterVerdict {
    /// Cluster.
    pub cluster: ClusterName,
    /// Decision.
    pub verdict: Verdict,
}

/// A scheduling decision for one (template, cluster) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The template goes there.
    Selected {
        /// Replicas (workloads only).
        replicas: Option<u32>,
    },
    /// A filter plugin rejected the cluster.
    Rejected {
        /// Plugin name.
        filter: &'static str,
        /// Why.
        reason: String,
    },
    /// The cluster passed the filters but received no replicas.
    NoReplicas {
        /// Why.
        reason: String,
    },
    /// No policy, so no cluster.
    NotPropagated,
}

/// What the scheduler needs besides the model.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Effective status per cluster (refreshed, else from the state, else declared).
    pub statuses: &'a BTreeMap<ClusterName, ClusterStatus>,
    /// Where each template was placed by the last apply, from the state.
    pub previous: &'a BTreeMap<ObjectRef, BTreeMap<ClusterName, Option<u32>>>,
}

/// Namespaces whose objects Karmada's detector never propagates (KARMADA.md §1.1).
fn is_skipped_namespace(name: &str) -> bool {
    name == "karmada-system"
        || name == "karmada-cluster"
        || name.starts_with("karmada-es-")
        || name.starts_with("kube-")
}

/// Namespaces Karmada never propagates on its own.
fn is_reserved_namespace(name: &str) -> bool {
    name == "default" || name.starts_with("kube-") || name.starts_with("karmada-")
}

/// Schedules every template. Unschedulable templates get a warning naming each cluster's reason.
#[must_use]
pub fn schedule(model: &Model, inputs: Inputs<'_>, diagnostics: &mut Diagnostics) -> Placement {
    let default_status = ClusterStatus::default();
    let bindings = model
        .templates
        .iter()
        .map(|template| {
            let binding = schedule_one(model, template, inputs, &default_status);
            report(&binding, template, diagnostics);
            binding
        })
        .collect();
    Placement { bindings }
}

fn report(binding: &Binding, template: &Template, diagnostics: &mut Diagnostics) {
    if binding.source == BindingSource::ReservedNamespace {
        diagnostics.push(
            Diagnostic::warning(
                "mcctl::schedule::reserved_namespace",
                format!("`{}` is in a namespace Karmada never propagates from", binding.object),
            )
            .with_label(template.spans.root(), "this template")
            .with_help("move it to another namespace; objects in `kube-*`, `karmada-system`, `karmada-cluster` and `karmada-es-*` stay on the control plane")
            .with_resource(binding.object.clone()),
        );
        return;
    }
    let Some(policy) = binding.policy() else {
        return;
    };
    if !binding.targets.is_empty() {
        return;
    }
    let reasons: Vec<String> = binding
        .verdicts
        .iter()
        .map(|verdict| match &verdict.verdict {
            Verdict::Rejected { filter, reason } => {
                format!("{}: {reason} ({filter})", verdict.cluster)
            }
            Verdict::NoReplicas { reason } => format!("{}: {reason}", verdict.cluster),
            Verdict::Selected { .. } | Verdict::NotPropagated => {
                format!("{}: selected", verdict.cluster)
            }
        })
        .collect();
    let help = if reasons.is_empty() {
        "no clusters are declared".to_owned()
    } else {
        reasons.join("; ")
    };
    diagnostics.push(
        Diagnostic::warning(
            "mcctl::schedule::no_fit",
            format!("no cluster fits `{}` (policy `{policy}`)", binding.object),
        )
        .with_label(template.spans.root(), "this template")
        .with_help(help)
        .with_resource(binding.object.clone()),
    );
}

fn schedule_one(
    model: &Model,
    template: &Template,
    inputs: Inputs<'_>,
    default_status: &ClusterStatus,
) -> Binding {
    let mut binding = Binding {
        object: template.object.clone(),
        api_version: template.api_version.clone(),
        source: BindingSource::NoPolicy,
        targets: Vec::new(),
        verdicts: Vec::new(),
        divided: false,
    };
    if template
        .object
        .namespace
        .as_deref()
        .is_some_and(is_skipped_namespace)
    {
        binding.source = BindingSource::ReservedNamespace;
        binding.verdicts = model
            .clusters
            .iter()
            .map(|cluster| ClusterVerdict {
                cluster: cluster.name.clone(),
                verdict: Verdict::NotPropagated,
            })
            .collect();
        return binding;
    }
    let Some(policy) = choose_policy(model, template) else {
        let auto_namespace = template.object.group.is_empty()
            && template.object.kind == "Namespace"
            && !is_reserved_namespace(&template.object.name)
            && template
                .labels
                .get("namespace.karmada.io/skip-auto-propagation")
                .map(String::as_str)
                != Some("true");
        if auto_namespace {
            binding.source = BindingSource::NamespaceAutoPropagation;
            for cluster in &model.clusters {
                binding.targets.push(Target {
                    cluster: cluster.name.clone(),
                    replicas: None,
                });
                binding.verdicts.push(ClusterVerdict {
                    cluster: cluster.name.clone(),
                    verdict: Verdict::Selected { replicas: None },
                });
            }
        } else {
            binding.verdicts = model
                .clusters
                .iter()
                .map(|cluster| ClusterVerdict {
                    cluster: cluster.name.clone(),
                    verdict: Verdict::NotPropagated,
                })
                .collect();
        }
        return binding;
    };
    binding.source = BindingSource::Policy(policy.id.clone());
    let placement = &policy.placement;
    let previous = inputs.previous.get(&template.object);
    let mut feasible = Vec::new();
    let mut verdicts: BTreeMap<ClusterName, Verdict> = BTreeMap::new();
    for cluster in &model.clusters {
        let input = FilterInput {
            template,
            placement,
            cluster,
            status: inputs.statuses.get(&cluster.name).unwrap_or(default_status),
            already_placed: previous.is_some_and(|previous| previous.contains_key(&cluster.name)),
        };
        let rejection = filter::filters().into_iter().find_map(|plugin| {
            plugin
                .filter(&input)
                .err()
                .map(|reason| (plugin.name(), reason))
        });
        match rejection {
            Some((filter, reason)) => {
                verdicts.insert(cluster.name.clone(), Verdict::Rejected { filter, reason });
            }
            None => feasible.push(cluster.name.clone()),
        }
    }
    let (assignments, divided) = assign(model, template, placement, &feasible);
    binding.divided = divided;
    for (cluster, assignment) in assignments {
        let verdict = match assignment {
            Assignment::Replicas(replicas) => {
                binding.targets.push(Target {
                    cluster: cluster.clone(),
                    replicas,
                });
                Verdict::Selected { replicas }
            }
            Assignment::Nothing(reason) => Verdict::NoReplicas { reason },
        };
        verdicts.insert(cluster, verdict);
    }
    binding.targets.sort_by(|a, b| a.cluster.cmp(&b.cluster));
    binding.verdicts = verdicts
        .into_iter()
        .map(|(cluster, verdict)| ClusterVerdict { cluster, verdict })
        .collect();
    binding
}

/// The best propagation policy for a template: `PropagationPolicies` of its namespace first, then
/// `ClusterPropagationPolicies`; within each, explicit priority, then how specifically a selector
/// matched, then the smaller name (KARMADA.md §3.2).
#[must_use]
pub fn choose_policy<'a>(model: &'a Model, template: &Template) -> Option<&'a PropagationPolicy> {
    let best_of = |kind: PolicyKind| {
        model
            .propagation_policies
            .iter()
            .filter(|policy| policy.id.kind == kind)
            .filter_map(|policy| {
                best_match(&policy.selectors, template).map(|strength| (policy, strength))
            })
            .min_by(|(a, a_strength), (b, b_strength)| {
                b.priority
                    .cmp(&a.priority)
                    .then(b_strength.cmp(a_strength))
                    .then(a.id.name.cmp(&b.id.name))
            })
            .map(|(policy, _)| policy)
    };
    best_of(PolicyKind::PropagationPolicy).or_else(|| best_of(PolicyKind::ClusterPropagationPolicy))
}

enum Assignment {
    Replicas(Option<u32>),
    Nothing(String),
}

/// Assigns replicas over the feasible clusters (sorted by name). Returns the per-cluster
/// assignment and whether replicas were divided.
fn assign(
    model: &Model,
    template: &Template,
    placement: &PolicyPlacement,
    feasible: &[ClusterName],
) -> (Vec<(ClusterName, Assignment)>, bool) {
    let workload = template
        .workload
        .filter(|workload| workload.replicas > 0 || workload.has_requirements);
    let Some(workload) = workload else {
        // Not a workload, or 0 replicas and no resource requests: every cluster, no counts.
        let replicas = template.workload.map(|_| 0);
        return (
            feasible
                .iter()
                .map(|cluster| (cluster.clone(), Assignment::Replicas(replicas)))
                .collect(),
            false,
        );
    };
    let zero = || "0 replicas to place (Karmada drops clusters that get none)".to_owned();
    match &placement.replicas {
        ReplicaScheduling::Duplicated => {
            let result = feasible
                .iter()
                .map(|cluster| {
                    let assignment = if workload.replicas == 0 {
                        Assignment::Nothing(zero())
                    } else {
                        Assignment::Replicas(Some(workload.replicas))
                    };
                    (cluster.clone(), assignment)
                })
                .collect();
            (result, false)
        }
        ReplicaScheduling::StaticWeighted(weights) => {
            let mut parties: Vec<Party> = Vec::new();
            let mut unweighted = Vec::new();
            for cluster_name in feasible {
                let Some(cluster) = model.cluster(cluster_name.as_str()) else {
                    continue;
                };
                let weight = if weights.is_empty() {
                    Some(1)
                } else {
                    weights
                        .iter()
                        .filter(|weight| weight.target.matches(&cluster.facts()))
                        .map(|weight| weight.weight)
                        .max()
                };
                match weight {
                    Some(votes) => parties.push(Party {
                        name: cluster_name.to_string(),
                        votes,
                        seats: 0,
                    }),
                    None => unweighted.push(cluster_name.clone()),
                }
            }
            // A weight list that matches no feasible cluster weighs them all equally.
            if parties.is_empty() {
                parties = unweighted
                    .drain(..)
                    .map(|name| Party {
                        name: name.to_string(),
                        votes: 1,
                        seats: 0,
                    })
                    .collect();
            }
            let tie_break = TieBreak::from_uid(template.uid.as_deref());
            let divided = webster(u64::from(workload.replicas), parties, tie_break);
            let mut result: Vec<(ClusterName, Assignment)> = divided
                .into_iter()
                .map(|party| {
                    let assignment = if party.seats == 0 {
                        Assignment::Nothing(format!(
                            "weight {} gave it 0 of {} replicas",
                            party.votes, workload.replicas
                        ))
                    } else {
                        Assignment::Replicas(Some(u32::try_from(party.seats).unwrap_or(u32::MAX)))
                    };
                    (ClusterName::new(party.name), assignment)
                })
                .collect();
            result.extend(unweighted.into_iter().map(|cluster| {
                (
                    cluster,
                    Assignment::Nothing("matches no entry of the static weight list".to_owned()),
                )
            }));
            (result, true)
        }
    }
}

#[cfg(test)]
mod karmada_cases;
#[cfg(test)]
mod tests;
