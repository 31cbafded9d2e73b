//! Stage 4, schedule: [`Model`] + cluster statuses + the previous placement → [`Placement`],
//! which clusters get each template and how many replicas.
//!
//! Reproduces Karmada (KARMADA.md §2–3): the policy is claimed ([`claim`]); Karmada's rules
//! decide whether the template is rescheduled at all (§2.1); then for each affinity term in turn
//! the clusters are filtered ([`filter`]), scored ([`score`]), sorted, selected under spread
//! constraints ([`select`]) and given replicas ([`assign`], dividing with [`divide`] and
//! estimating capacity with [`estimate`]). Pure: statuses, previous placements and the clock are
//! inputs, never fetched. With [`Inputs::explain`] every step is recorded for `mcctl explain`.

pub mod assign;
pub mod claim;
pub mod dependencies;
pub mod divide;
pub mod estimate;
pub mod filter;
pub mod report;
pub mod score;
pub mod select;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use self::assign::{Mode, Request};
pub use self::claim::choose_policy;
use self::claim::{Claim, ClaimReason};
use self::divide::TieBreak;
use self::estimate::{Capacity, UNLIMITED};
use self::filter::FilterInput;
use crate::addr::{ClusterName, ObjectRef, group_of};
use crate::diag::Diagnostics;
use crate::model::crd::{CustomResourceDefinitions, is_crd};
use crate::model::{
    AffinityTerm, Cluster, ClusterStatus, Model, Placement as PolicyPlacement, PolicyId, Readiness,
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
    /// Whether replicas were divided (Job completions are divided too).
    pub divided: bool,
    /// The affinity term in use (`clusterAffinities`), remembered so later plans start there.
    pub affinity_term: Option<String>,
    /// Digest of the placement scheduled with, remembered to tell whether it changed.
    pub placement_digest: Option<String>,
    /// How this plan arrived at the targets.
    pub outcome: Outcome,
    /// Every step, when [`Inputs::explain`] asked for it.
    pub explanation: Option<Box<Explanation>>,
    /// The workloads whose `propagateDeps` take this template along to their clusters.
    pub required_by: Vec<ObjectRef>,
}

impl Binding {
    /// The policy that placed the template, if any.
    #[must_use]
    pub fn policy(&self) -> Option<&PolicyId> {
        match &self.source {
            BindingSource::Policy(id) => Some(id),
            BindingSource::NamespaceAutoPropagation
            | BindingSource::Dependency
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
    /// No policy selects the template, but workloads that need it take it along
    /// (`propagateDeps`).
    Dependency,
    /// No policy selects the template: it is not propagated.
    NoPolicy,
    /// The template is in a namespace Karmada never propagates from (`kube-*`, `karmada-system`,
    /// `karmada-cluster`, `karmada-es-*`).
    ReservedNamespace,
}

/// One cluster a template goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Cluster.
    pub cluster: ClusterName,
    /// Replicas on it (workloads only).
    pub replicas: Option<u32>,
}

/// How a plan arrived at a binding's targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not propagated: no policy, or a reserved namespace.
    NotPropagated,
    /// Scheduled by this plan.
    Scheduled,
    /// The previous placement stays: Karmada reschedules a Divided workload only when its
    /// placement or replicas change, a rebalance is asked for, or one of its clusters goes.
    Unchanged {
        /// Clusters that fit now but get nothing until a reschedule.
        now_feasible: Vec<ClusterName>,
    },
    /// Scheduling failed for a reason other than fit (capacity, spread): the previous placement
    /// stays, as Karmada keeps a binding's clusters on such errors.
    Kept {
        /// Why scheduling failed.
        reason: String,
    },
    /// No cluster passed the filters under any affinity term: the placement is emptied, which
    /// deletes the template's objects from the clusters that had them.
    NoFit {
        /// Every cluster's reason, by name.
        reasons: Vec<(ClusterName, String)>,
    },
}

/// Everything the scheduler did for one template, for `mcctl explain`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// How the policy was chosen.
    pub policy: Vec<String>,
    /// Whether and why the template was rescheduled.
    pub decision: Vec<String>,
    /// Each affinity term tried, in order.
    pub attempts: Vec<Attempt>,
}

/// Scheduling under one affinity term.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The term's name (`None` for a plain `clusterAffinity`).
    pub term: Option<String>,
    /// Every cluster, by name.
    pub clusters: Vec<ClusterReport>,
    /// The feasible clusters in Karmada's candidate order.
    pub order: Vec<ClusterName>,
    /// Selection and division, step by step.
    pub steps: Vec<String>,
    /// The targets, when the term succeeded.
    pub targets: Vec<Target>,
    /// Why the term failed.
    pub error: Option<String>,
}

/// What the scheduler found about one cluster under one term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterReport {
    /// Cluster.
    pub cluster: ClusterName,
    /// The filter that rejected it, and why.
    pub rejected: Option<Rejection>,
    /// Score (Karmada's `ClusterLocality`: 100 where the template already runs).
    pub score: i64,
    /// Replicas the cluster has room for (workloads only).
    pub allocatable: Option<u32>,
    /// `allocatable` plus the replicas the template already runs there.
    pub available: Option<i64>,
    /// Whether the cluster declared or reported its resources; without them Karmada's
    /// estimator counts no room at all.
    pub capacity_known: bool,
    /// 0 for the term's own clusters, n for its n-th overflow tier.
    pub overflow_tier: usize,
    /// Why a filter let the cluster through that its status alone would not have.
    pub admitted: Option<String>,
}

/// A filter's rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Plugin name, as Karmada spells it.
    pub filter: &'static str,
    /// Why.
    pub reason: String,
}

/// What the last apply recorded about a template's placement (from the state).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviousBinding {
    /// Clusters and replicas.
    pub clusters: BTreeMap<ClusterName, Option<u32>>,
    /// The policy that claimed the template.
    pub policy: Option<PolicyId>,
    /// The affinity term in use.
    pub affinity_term: Option<String>,
    /// Digest of the placement it was scheduled with.
    pub placement_digest: Option<String>,
}

/// No unreachable clusters.
static NEVER_UNREACHABLE: BTreeMap<ClusterName, i64> = BTreeMap::new();

/// What the scheduler needs besides the model.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Effective status per cluster (refreshed, else from the state, else declared).
    pub statuses: &'a BTreeMap<ClusterName, ClusterStatus>,
    /// Where each template was placed by the last apply, from the state.
    pub previous: &'a BTreeMap<ObjectRef, PreviousBinding>,
    /// Since when (Unix seconds) each unreachable cluster has been unreachable.
    pub unreachable_since: &'a BTreeMap<ClusterName, i64>,
    /// The time of the plan (Unix seconds), to measure failover deadlines.
    pub now: i64,
    /// Schedule afresh, as Karmada's `WorkloadRebalancer` asks (`plan --rebalance`).
    pub rebalance: bool,
    /// Record every step in [`Binding::explanation`].
    pub explain: Option<&'a ObjectRef>,
}

impl<'a> Inputs<'a> {
    /// Inputs with no unreachable cluster, no rebalance and no explanation.
    #[must_use]
    pub fn new(
        statuses: &'a BTreeMap<ClusterName, ClusterStatus>,
        previous: &'a BTreeMap<ObjectRef, PreviousBinding>,
    ) -> Self {
        Self {
            statuses,
            previous,
            unreachable_since: &NEVER_UNREACHABLE,
            now: 0,
            rebalance: false,
            explain: None,
        }
    }
}

/// Explanation lines, formatted only when asked for: scheduling a whole fleet skips them.
pub struct Steps {
    enabled: bool,
    lines: Vec<String>,
}

impl Steps {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            lines: Vec::new(),
        }
    }

    /// Records a line, if recording.
    pub fn note(&mut self, line: impl FnOnce() -> String) {
        if self.enabled {
            self.lines.push(line());
        }
    }
}

/// One feasible cluster as selection and assignment see it (Karmada's `ClusterDetailInfo`).
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The cluster.
    pub cluster: &'a Cluster,
    /// Its name.
    pub name: &'a str,
    /// Score.
    pub score: i64,
    /// Replicas it has room for.
    pub allocatable: u32,
    /// Replicas the template runs there now (0 after a fresh schedule is asked for).
    pub assigned: u32,
    /// `allocatable + assigned`.
    pub available: i64,
    /// 0 for the term's own clusters, n for its n-th overflow tier.
    pub overflow_order: usize,
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

/// Per-run facts about the clusters, computed once.
struct Fleet<'a> {
    clusters: &'a [Cluster],
    statuses: Vec<&'a ClusterStatus>,
    capacities: Vec<Capacity>,
    /// Each policy's placement digest per affinity term.
    digests: BTreeMap<&'a PolicyId, Vec<String>>,
    /// The APIs the workspace's CRDs serve, as (`apiVersion`, kind), with each CRD and the
    /// clusters this plan places it on: filled once the CRDs are scheduled, before the rest.
    served_by_crds: BTreeMap<(String, String), (ObjectRef, BTreeSet<ClusterName>)>,
}

/// Schedules every template. Unschedulable templates and Karmada's surprises get diagnostics.
#[must_use]
pub fn schedule(model: &Model, inputs: Inputs<'_>, diagnostics: &mut Diagnostics) -> Placement {
    let default_status = ClusterStatus::default();
    let statuses: Vec<&ClusterStatus> = model
        .clusters
        .iter()
        .map(|cluster| {
            inputs
                .statuses
                .get(&cluster.name)
                .unwrap_or(&default_status)
        })
        .collect();
    let mut fleet = Fleet {
        clusters: &model.clusters,
        capacities: statuses.iter().map(|status| Capacity::of(status)).collect(),
        statuses,
        digests: model
            .propagation_policies
            .iter()
            .map(|policy| {
                let terms = policy.placement.affinity_terms.len();
                let digests = (0..terms)
                    .map(|term| placement_digest(&policy.placement, term))
                    .collect();
                (&policy.id, digests)
            })
            .collect(),
        served_by_crds: BTreeMap::new(),
    };
    let policies = claim::PolicyIndex::new(model);
    let no_previous = PreviousBinding::default();
    let mut stranded = Diagnostics::new();
    let previous_of = |template: &Template| {
        inputs
            .previous
            .get(&template.object)
            .unwrap_or(&no_previous)
    };
    // Templates are scheduled independently against the same fleet, so side by side; their
    // warnings are reported afterwards, in template order.
    let mut schedule_all = |fleet: &Fleet<'_>, templates: &[&Template]| -> Vec<Binding> {
        let scheduled: Vec<(Binding, Notes)> = templates
            .par_iter()
            .map(|template| {
                schedule_one(
                    model,
                    fleet,
                    &policies,
                    template,
                    previous_of(template),
                    inputs,
                )
            })
            .collect();
        templates
            .iter()
            .zip(scheduled)
            .map(|(template, (binding, notes))| {
                report::report(
                    &binding,
                    template,
                    previous_of(template),
                    &notes,
                    diagnostics,
                    &mut stranded,
                );
                binding
            })
            .collect()
    };
    // CRDs first: where a CRD goes, its custom resources' API is served (APIEnablement).
    let (crds, others): (Vec<&Template>, Vec<&Template>) = model
        .templates
        .iter()
        .partition(|template| is_crd(&template.manifest));
    let mut bindings: Vec<Binding> = schedule_all(&fleet, &crds);
    fleet.served_by_crds = served_by_crds(model, &bindings);
    bindings.extend(schedule_all(&fleet, &others));
    bindings.sort_by(|a, b| a.object.cmp(&b.object));
    report::stranded_by_cluster(stranded, diagnostics);
    let mut placement = Placement { bindings };
    dependencies::attach(model, &mut placement, diagnostics);
    placement
}

/// The APIs the workspace's CRDs serve, with the clusters their bindings place them on.
fn served_by_crds(
    model: &Model,
    crd_bindings: &[Binding],
) -> BTreeMap<(String, String), (ObjectRef, BTreeSet<ClusterName>)> {
    let definitions = CustomResourceDefinitions::from_manifests(
        model.templates.iter().map(|template| &template.manifest),
    );
    let mut served = BTreeMap::new();
    for ((group, kind), crd) in definitions.iter() {
        let Ok(index) = crd_bindings.binary_search_by(|binding| binding.object.cmp(&crd.object))
        else {
            continue;
        };
        let clusters: BTreeSet<ClusterName> = crd_bindings[index]
            .targets
            .iter()
            .map(|target| target.cluster.clone())
            .collect();
        for version in &crd.served_versions {
            served.insert(
                (format!("{group}/{version}"), kind.clone()),
                (crd.object.clone(), clusters.clone()),
            );
        }
    }
    served
}

/// Facts found while scheduling that the plan should warn about.
#[derive(Debug, Default)]
pub struct Notes {
    /// The template stays with its claimant although another policy would win a fresh choice.
    pub kept_claim: Option<PolicyId>,
    /// The policy that lost the template to preemption.
    pub preempted_from: Option<PolicyId>,
    /// Clusters the template is moved off by failover, with how long they have been unreachable.
    pub evicted: Vec<(ClusterName, i64)>,
    /// Unreachable clusters the template stays on, and whether a failover deadline applies.
    pub stranded: Vec<(ClusterName, Option<i64>)>,
    /// The affinity term in use when it is not the first.
    pub later_term: Option<String>,
    /// The declared clusters the template ran on before this plan.
    pub placed_before: Vec<ClusterName>,
    /// Why the claimant kept the template from a better policy with `preemption: Always`.
    pub preemption_refused: Option<String>,
}

fn schedule_one(
    model: &Model,
    fleet: &Fleet<'_>,
    policies: &claim::PolicyIndex<'_>,
    template: &Template,
    previous: &PreviousBinding,
    inputs: Inputs<'_>,
) -> (Binding, Notes) {
    let mut notes = Notes {
        placed_before: previous
            .clusters
            .keys()
            .filter(|cluster| fleet.index(cluster).is_some())
            .cloned()
            .collect(),
        ..Notes::default()
    };
    let mut binding = Binding {
        object: template.object.clone(),
        api_version: template.api_version.clone(),
        source: BindingSource::NoPolicy,
        targets: Vec::new(),
        divided: false,
        affinity_term: None,
        placement_digest: None,
        outcome: Outcome::NotPropagated,
        explanation: (inputs.explain == Some(&template.object)).then(Box::default),
        required_by: Vec::new(),
    };
    if template
        .object
        .namespace
        .as_deref()
        .is_some_and(is_skipped_namespace)
    {
        binding.source = BindingSource::ReservedNamespace;
        explain(&mut binding, |explanation| {
            explanation.policy.push(format!(
                "namespace `{}` is one Karmada never propagates from",
                template.object.namespace.as_deref().unwrap_or_default()
            ));
        });
        return (binding, notes);
    }
    let Some(claim) = claim::claim(policies, template, previous.policy.as_ref()) else {
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
            binding.outcome = Outcome::Scheduled;
            binding.targets = model
                .clusters
                .iter()
                .map(|cluster| Target {
                    cluster: cluster.name.clone(),
                    replicas: None,
                })
                .collect();
            explain(&mut binding, |explanation| {
                explanation.policy.push("no policy selects this Namespace: like Karmada, mcctl propagates it to every cluster".to_owned());
            });
        } else {
            explain(&mut binding, |explanation| {
                explanation
                    .policy
                    .push("no propagation policy selects this template".to_owned());
            });
        }
        return (binding, notes);
    };
    let policy = claim.policy;
    binding.source = BindingSource::Policy(policy.id.clone());
    match claim.reason {
        ClaimReason::Kept {
            better: Some(better),
        } => {
            notes.kept_claim = Some(better.id.clone());
            notes.preemption_refused = better.preemption.then(|| {
                if better.id.kind == crate::model::PolicyKind::ClusterPropagationPolicy
                    && policy_kind_of(&claim) == crate::model::PolicyKind::PropagationPolicy
                {
                    "a ClusterPropagationPolicy never takes a template from a PropagationPolicy"
                        .to_owned()
                } else {
                    format!(
                        "preemption needs a strictly higher priority than {}; `{}` has {}",
                        claim.policy.priority, better.id, better.priority
                    )
                }
            });
        }
        ClaimReason::Preempted { from } => notes.preempted_from = Some(from.id.clone()),
        ClaimReason::Kept { better: None } | ClaimReason::Best(_) => {}
    }
    explain(&mut binding, |explanation| {
        explanation.policy = describe_claim(&claim, previous);
    });
    let placement = &policy.placement;
    // Karmada's non-workloads: no replicas, or 0 replicas and no resource requirements.
    let workload = template
        .workload
        .as_ref()
        .filter(|workload| workload.replicas > 0 || workload.has_requirements);
    binding.divided = workload.is_some() && placement.replicas.is_divided();

    // Failover: shares on clusters unreachable for longer than the policy tolerates move.
    let mut evicted: BTreeMap<&str, String> = BTreeMap::new();
    for cluster in previous.clusters.keys() {
        let Some(since) = inputs.unreachable_since.get(cluster) else {
            continue;
        };
        let Some(index) = fleet.index(cluster) else {
            continue;
        };
        if fleet.statuses[index].readiness != Some(Readiness::Unknown) {
            continue;
        }
        let elapsed = inputs.now - since;
        match policy.failover_after {
            Some(after) if elapsed >= i64::try_from(after).unwrap_or(i64::MAX) => {
                evicted.insert(
                    fleet.clusters[index].name.as_str(),
                    format!(
                        "unreachable for {} (failover after {after}s): the share moves",
                        duration(elapsed)
                    ),
                );
                notes.evicted.push((cluster.clone(), elapsed));
            }
            Some(after) if !inputs.rebalance => notes.stranded.push((
                cluster.clone(),
                Some(i64::try_from(after).unwrap_or(i64::MAX) - elapsed),
            )),
            None if !inputs.rebalance => notes.stranded.push((cluster.clone(), None)),
            _ => {}
        }
    }

    // Karmada's reasons to schedule again (§2.1); otherwise a Divided workload stays put.
    let start = if inputs.rebalance {
        0
    } else {
        placement.term_index(previous.affinity_term.as_deref())
    };
    let digest = fleet.digest(&policy.id, start);
    let reasons = reschedule_reasons(
        fleet,
        workload.map(|w| w.replicas),
        placement,
        previous,
        &digest,
        &evicted,
        inputs,
    );
    let stable = binding.divided && !previous.clusters.is_empty() && reasons.is_empty();
    explain(&mut binding, |explanation| {
        explanation.decision = if stable {
            vec!["Karmada reschedules a Divided workload only when its placement or replicas change, a rebalance is asked for, or one of its clusters goes: none of these happened, so the placement stays".to_owned()]
        } else if previous.clusters.is_empty() {
            vec!["first schedule".to_owned()]
        } else if reasons.is_empty() {
            vec!["Duplicated and non-workload templates are scheduled on every plan, as Karmada does; the locality score keeps them where they run".to_owned()]
        } else {
            reasons.clone()
        };
    });

    let mut steps = Steps::new(binding.explanation.is_some());
    let mut first_error: Option<TermError> = None;
    let mut scheduled = None;
    for (index, term) in placement.affinity_terms.iter().enumerate().skip(start) {
        let attempt = schedule_term(
            fleet, template, placement, term, previous, &evicted, workload, inputs, &mut steps,
        );
        explain(&mut binding, |explanation| {
            explanation.attempts.push(Attempt {
                steps: std::mem::take(&mut steps.lines),
                ..attempt.report.clone()
            });
        });
        if stable {
            // The placement stays whatever a schedule would say. Clusters that fit now but are
            // not used are worth a warning only if a rebalance would give them replicas.
            let new_clusters = attempt
                .feasible
                .iter()
                .any(|cluster| !previous.clusters.contains_key(*cluster));
            let now_feasible = if new_clusters {
                let fresh = Inputs {
                    rebalance: true,
                    ..inputs
                };
                let mut quiet = Steps::new(false);
                let rebalanced = schedule_term(
                    fleet, template, placement, term, previous, &evicted, workload, fresh,
                    &mut quiet,
                );
                rebalanced
                    .result
                    .map(|targets| {
                        targets
                            .into_iter()
                            .map(|target| target.cluster)
                            .filter(|cluster| !previous.clusters.contains_key(cluster))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            explain(&mut binding, |explanation| {
                if let Some(attempt) = explanation.attempts.last_mut() {
                    attempt.steps.push(
                        "the placement stays: the result above is what scheduling would give, not what is applied"
                            .to_owned(),
                    );
                }
            });
            binding.targets = previous_targets(fleet, previous, true);
            binding.affinity_term.clone_from(&previous.affinity_term);
            binding.placement_digest = Some(digest);
            binding.outcome = Outcome::Unchanged { now_feasible };
            return (binding, notes);
        }
        match attempt.result {
            Ok(targets) => {
                scheduled = Some((index, targets));
                break;
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    let term_name = |index: usize| placement.affinity_terms[index].name.clone();
    if let Some((index, targets)) = scheduled {
        binding.affinity_term = term_name(index);
        binding.placement_digest = Some(fleet.digest(&policy.id, index));
        if index > 0 && term_name(index) != previous.affinity_term {
            notes.later_term = term_name(index);
        }
        binding.targets = targets;
        binding.outcome = Outcome::Scheduled;
    } else {
        // Karmada keeps the term it observed before.
        binding.affinity_term = previous.affinity_term.clone().or_else(|| term_name(start));
        binding
            .placement_digest
            .clone_from(&previous.placement_digest);
        match first_error {
            Some(TermError::Failed(reason)) => {
                binding.targets = previous_targets(fleet, previous, workload.is_some())
                    .into_iter()
                    .filter(|target| !evicted.contains_key(target.cluster.as_str()))
                    .collect();
                binding.outcome = Outcome::Kept { reason };
            }
            Some(TermError::NoFit(reasons)) => {
                binding.outcome = Outcome::NoFit { reasons };
            }
            None => {
                binding.outcome = Outcome::NoFit {
                    reasons: Vec::new(),
                };
            }
        }
    }
    (binding, notes)
}

fn policy_kind_of(claim: &Claim<'_>) -> crate::model::PolicyKind {
    claim.policy.id.kind
}

fn explain(binding: &mut Binding, edit: impl FnOnce(&mut Explanation)) {
    if let Some(explanation) = binding.explanation.as_deref_mut() {
        edit(explanation);
    }
}

fn describe_claim(claim: &Claim<'_>, previous: &PreviousBinding) -> Vec<String> {
    let id = &claim.policy.id;
    match claim.reason {
        ClaimReason::Best(strength) => {
            let how = match strength {
                crate::model::MatchStrength::Name => "by name",
                crate::model::MatchStrength::Labels => "by labels",
                crate::model::MatchStrength::Kind => "by apiVersion and kind",
            };
            let mut lines = vec![format!(
                "`{id}` (priority {}) selects it {how} and is the best match",
                claim.policy.priority
            )];
            if let Some(stale) = &previous.policy
                && stale != id
            {
                lines.push(format!(
                    "`{stale}` claimed it before but no longer selects it"
                ));
            }
            lines
        }
        ClaimReason::Kept { better: None } => vec![format!(
            "`{id}` claimed it at the last apply and still selects it"
        )],
        ClaimReason::Kept {
            better: Some(better),
        } => {
            let why = if !better.preemption {
                "it has no `preemption: Always`".to_owned()
            } else if better.id.kind == crate::model::PolicyKind::ClusterPropagationPolicy
                && id.kind == crate::model::PolicyKind::PropagationPolicy
            {
                "a ClusterPropagationPolicy never takes a template from a PropagationPolicy"
                    .to_owned()
            } else {
                format!(
                    "preemption needs a priority above {}, and it has {}",
                    claim.policy.priority, better.priority
                )
            };
            vec![format!(
                "`{id}` claimed it at the last apply and still selects it, so it keeps it although `{}` would win a fresh choice ({why})",
                better.id
            )]
        }
        ClaimReason::Preempted { from } => vec![format!(
            "`{id}` (priority {}, preemption: Always) takes it over from `{}` (priority {})",
            claim.policy.priority, from.id, from.priority
        )],
    }
}

/// Karmada's triggers for scheduling a binding again (§2.1), as sentences; empty when none.
fn reschedule_reasons(
    fleet: &Fleet<'_>,
    replicas: Option<u32>,
    placement: &PolicyPlacement,
    previous: &PreviousBinding,
    digest: &str,
    evicted: &BTreeMap<&str, String>,
    inputs: Inputs<'_>,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if previous.clusters.is_empty() {
        return reasons;
    }
    if previous.placement_digest.as_deref() != Some(digest) {
        reasons.push("the placement changed".to_owned());
    }
    let sum: u32 = previous.clusters.values().flatten().sum();
    if let Some(replicas) = replicas
        && placement.replicas.is_divided()
        && sum != replicas
    {
        reasons.push(format!("replicas changed: {sum} → {replicas}"));
    }
    if inputs.rebalance {
        reasons.push("a rebalance was asked for (--rebalance)".to_owned());
    }
    for cluster in previous.clusters.keys() {
        if fleet.index(cluster).is_none() {
            reasons.push(format!("cluster `{cluster}` is no longer declared"));
        } else if let Some(reason) = evicted.get(cluster.as_str()) {
            reasons.push(format!("`{cluster}` {reason}"));
        }
    }
    reasons
}

impl Fleet<'_> {
    /// The placement digest of a policy's affinity term.
    fn digest(&self, policy: &PolicyId, term: usize) -> String {
        self.digests
            .get(policy)
            .and_then(|digests| digests.get(term))
            .cloned()
            .unwrap_or_default()
    }

    /// The workspace CRD that this plan places on `cluster` and that serves the template's API.
    fn served_by_crd(&self, template: &Template, cluster: &ClusterName) -> Option<&ObjectRef> {
        if group_of(&template.api_version).is_empty() {
            return None;
        }
        self.served_by_crds
            .get(&(template.api_version.clone(), template.object.kind.clone()))
            .filter(|(_, clusters)| clusters.contains(cluster))
            .map(|(crd, _)| crd)
    }

    fn index(&self, name: &ClusterName) -> Option<usize> {
        self.clusters
            .binary_search_by(|cluster| cluster.name.cmp(name))
            .ok()
    }
}

/// The previous placement as targets, on clusters still declared.
fn previous_targets(fleet: &Fleet<'_>, previous: &PreviousBinding, workload: bool) -> Vec<Target> {
    previous
        .clusters
        .iter()
        .filter(|(cluster, _)| fleet.index(cluster).is_some())
        .map(|(cluster, replicas)| Target {
            cluster: cluster.clone(),
            replicas: if workload { *replicas } else { None },
        })
        .collect()
}

/// Why an affinity term could not be used.
#[derive(Debug, Clone)]
enum TermError {
    /// No cluster passed the filters: every cluster's reason, by name.
    NoFit(Vec<(ClusterName, String)>),
    /// Selection or assignment failed.
    Failed(String),
}

struct TermAttempt<'a> {
    report: Attempt,
    result: Result<Vec<Target>, TermError>,
    feasible: Vec<&'a ClusterName>,
}

#[allow(clippy::too_many_arguments)]
fn schedule_term<'a>(
    fleet: &Fleet<'a>,
    template: &Template,
    placement: &PolicyPlacement,
    term: &AffinityTerm,
    previous: &PreviousBinding,
    evicted: &BTreeMap<&str, String>,
    workload: Option<&crate::model::Workload>,
    inputs: Inputs<'_>,
    steps: &mut Steps,
) -> TermAttempt<'a> {
    let mut report = Attempt {
        term: term.name.clone(),
        ..Attempt::default()
    };
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    let mut rejected: Vec<usize> = Vec::new();
    for (index, cluster) in fleet.clusters.iter().enumerate() {
        let assigned = previous.clusters.get(&cluster.name);
        let input = FilterInput {
            template,
            placement,
            term,
            cluster,
            status: fleet.statuses[index],
            placed_before: assigned.is_some() && !evicted.contains_key(cluster.name.as_str()),
            already_placed: assigned.is_some() && !inputs.rebalance,
            evicted: evicted.get(cluster.name.as_str()).map(String::as_str),
            is_workload: workload.is_some(),
            served_by_crd: fleet.served_by_crd(template, &cluster.name),
        };
        let passes = filter::FILTERS.iter().all(|plugin| plugin.passes(&input));
        if !passes && !steps.enabled {
            rejected.push(index);
            continue;
        }
        let score = score::score(&input);
        let allocatable = workload.map_or(UNLIMITED, |workload| {
            fleet.capacities[index].replicas_for(&workload.requests)
        });
        let assigned = if input.evicted.is_some() {
            0
        } else {
            assigned.copied().flatten().unwrap_or(0)
        };
        let overflow_order = if term.overflow.is_empty() || term.affinity.matches(&cluster.facts())
        {
            0
        } else {
            term.overflow
                .iter()
                .position(|tier| tier.affinity.matches(&cluster.facts()))
                .map_or(0, |tier| tier + 1)
        };
        if steps.enabled {
            report.clusters.push(ClusterReport {
                cluster: cluster.name.clone(),
                rejected: if passes {
                    None
                } else {
                    filter::run(&input)
                        .err()
                        .map(|(filter, reason)| Rejection { filter, reason })
                },
                admitted: filter::admitted_by_crd(&input),
                score,
                allocatable: workload.map(|_| allocatable),
                available: workload.map(|_| i64::from(allocatable) + i64::from(assigned)),
                capacity_known: fleet.capacities[index].is_known(),
                overflow_tier: overflow_order,
            });
        }
        if passes {
            candidates.push(Candidate {
                cluster,
                name: cluster.name.as_str(),
                score,
                allocatable,
                assigned,
                available: i64::from(allocatable) + i64::from(assigned),
                overflow_order,
            });
        } else {
            rejected.push(index);
        }
    }
    let feasible: Vec<&ClusterName> = candidates
        .iter()
        .map(|candidate| &candidate.cluster.name)
        .collect();
    if candidates.is_empty() {
        let reasons: Vec<(ClusterName, String)> = rejected
            .iter()
            .map(|index| {
                let cluster = &fleet.clusters[*index];
                let input = FilterInput {
                    template,
                    placement,
                    term,
                    cluster,
                    status: fleet.statuses[*index],
                    placed_before: previous.clusters.contains_key(&cluster.name),
                    already_placed: previous.clusters.contains_key(&cluster.name)
                        && !inputs.rebalance,
                    evicted: evicted.get(cluster.name.as_str()).map(String::as_str),
                    is_workload: workload.is_some(),
                    served_by_crd: fleet.served_by_crd(template, &cluster.name),
                };
                let reason = filter::run(&input)
                    .err()
                    .map(|(filter, reason)| format!("{reason} ({filter})"))
                    .unwrap_or_default();
                (cluster.name.clone(), reason)
            })
            .collect();
        report.error = Some(format!("0/{} clusters fit", fleet.clusters.len()));
        return TermAttempt {
            report,
            result: Err(TermError::NoFit(reasons)),
            feasible,
        };
    }
    // Karmada's candidate order: overflow tier, score, available replicas, name.
    candidates.sort_by(|a, b| {
        a.overflow_order
            .cmp(&b.overflow_order)
            .then(b.score.cmp(&a.score))
            .then(b.available.cmp(&a.available))
            .then(a.name.cmp(b.name))
    });
    if steps.enabled {
        report.order = candidates
            .iter()
            .map(|candidate| candidate.cluster.name.clone())
            .collect();
    }
    let replicas = workload.map_or(0, |workload| workload.replicas);
    let result = select::select(&candidates, placement, replicas, steps).and_then(|selected| {
        if selected.is_empty() {
            return Err("no clusters available to schedule".to_owned());
        }
        let Some(_) = workload else {
            steps.note(|| "not a workload (no replicas, or 0 replicas and no resource requests): every selected cluster gets it".to_owned());
            // A workload kind with 0 replicas keeps its 0 on every cluster.
            let replicas = template.workload.as_ref().map(|_| 0);
            return Ok(selected
                .iter()
                .map(|position| Target {
                    cluster: candidates[*position].cluster.name.clone(),
                    replicas,
                })
                .collect());
        };
        let request = Request {
            replicas,
            strategy: &placement.replicas,
            mode: if inputs.rebalance {
                Mode::Fresh
            } else {
                Mode::Steady
            },
            tie_break: TieBreak::from_uid(template.uid.as_deref()),
            overflow: !term.overflow.is_empty(),
        };
        let assigned = assign::assign(&candidates, &selected, &request, steps)?;
        let mut targets: Vec<Target> = assigned
            .into_iter()
            .map(|(position, replicas)| Target {
                cluster: candidates[position].cluster.name.clone(),
                replicas: Some(replicas),
            })
            .collect();
        targets.sort_by(|a, b| a.cluster.cmp(&b.cluster));
        if targets.is_empty() {
            steps.note(|| "every selected cluster got 0 replicas, and Karmada drops clusters that get none".to_owned());
        }
        Ok(targets)
    });
    match &result {
        Ok(targets) => report.targets.clone_from(targets),
        Err(error) => report.error = Some(error.clone()),
    }
    TermAttempt {
        report,
        result: result.map_err(TermError::Failed),
        feasible,
    }
}

/// A short digest of what decides a template's placement: the policy's placement with only the
/// affinity term in use, as Karmada compares with its `applied-placement` annotation.
#[must_use]
pub fn placement_digest(placement: &PolicyPlacement, term: usize) -> String {
    #[derive(Serialize)]
    struct Compared<'a> {
        term: Option<&'a AffinityTerm>,
        tolerations: &'a [crate::model::Toleration],
        spread: &'a [crate::model::SpreadConstraint],
        replicas: &'a ReplicaScheduling,
    }
    let compared = Compared {
        term: placement.affinity_terms.get(term),
        tolerations: &placement.tolerations,
        spread: &placement.spread,
        replicas: &placement.replicas,
    };
    let bytes = serde_json::to_vec(&compared).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let mut hex = String::with_capacity(16);
    for byte in &digest[..8] {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// A duration in words: `42s`, `7m`, `3h12m`, `2d5h`.
#[must_use]
pub fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86_400 => format!("{}h{}m", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{}d{}h", seconds / 86_400, seconds % 86_400 / 3600),
    }
}

#[cfg(test)]
mod karmada_cases;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod fixtures;
