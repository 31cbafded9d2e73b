//! `propagateDeps` (KARMADA.md §4.5): the config maps, secrets, service account and volume
//! claims a workload's pod template names follow it to its clusters.
//!
//! Karmada gives each such dependency an "attached" binding dispatched to the union of the
//! clusters of the bindings that require it; a dependency with a policy of its own goes to the
//! union of both placements. Only templates of the workspace can follow: a dependency that is
//! referenced but declared nowhere is a warning, since the workload would not start without it.
//! Runs after every template is scheduled, so a dependency sees its workloads' final clusters.

use std::collections::{BTreeMap, BTreeSet};

use super::{Binding, BindingSource, Outcome, Placement, Target, explain};
use crate::addr::{ClusterName, ObjectRef};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::references::{self, Reference};
use crate::model::crd::CustomResourceDefinitions;
use crate::model::{Model, PolicyId, Template};

/// Attaches the dependencies of every binding whose policy says `propagateDeps: true`.
pub fn attach(model: &Model, placement: &mut Placement, diagnostics: &mut Diagnostics) {
    // dependency → (the workloads that require it, the clusters they are on)
    let mut wanted: BTreeMap<ObjectRef, (Vec<ObjectRef>, BTreeSet<ClusterName>)> = BTreeMap::new();
    // undeclared dependency → the workloads naming it, with where (one warning each)
    let mut missing: BTreeMap<ObjectRef, Vec<(&Template, Reference, &PolicyId)>> = BTreeMap::new();
    let propagating: BTreeSet<&PolicyId> = model
        .propagation_policies
        .iter()
        .filter(|policy| policy.propagate_deps)
        .map(|policy| &policy.id)
        .collect();
    // CRDs matter for the graph's references, not for dependencies: an empty index will do.
    let crds = &CustomResourceDefinitions::default();
    for binding in &placement.bindings {
        let Some(policy) = binding.policy().filter(|id| propagating.contains(id)) else {
            continue;
        };
        let Some(template) = model.template(&binding.object) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for reference in references::references(&template.object, &template.manifest, crds)
            .into_iter()
            .filter(|reference| reference.karmada_dependency)
        {
            if !seen.insert(reference.target.clone()) {
                continue;
            }
            if model.template(&reference.target).is_none() {
                missing
                    .entry(reference.target.clone())
                    .or_default()
                    .push((template, reference, policy));
                continue;
            }
            let entry = wanted.entry(reference.target).or_default();
            entry.0.push(binding.object.clone());
            entry
                .1
                .extend(binding.targets.iter().map(|target| target.cluster.clone()));
        }
    }
    for (object, needed) in missing {
        diagnostics.push(undeclared(&object, &needed));
    }
    for (object, (required_by, clusters)) in wanted {
        let Ok(index) = placement
            .bindings
            .binary_search_by(|binding| binding.object.cmp(&object))
        else {
            continue;
        };
        follow(&mut placement.bindings[index], required_by, &clusters);
    }
}

/// Adds a dependency's workloads' clusters to its own.
fn follow(binding: &mut Binding, required_by: Vec<ObjectRef>, clusters: &BTreeSet<ClusterName>) {
    let own: BTreeSet<ClusterName> = binding
        .targets
        .iter()
        .map(|target| target.cluster.clone())
        .collect();
    let added: Vec<&ClusterName> = clusters.difference(&own).collect();
    let names = |objects: &[ObjectRef]| {
        objects
            .iter()
            .map(|object| format!("`{object}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let line = match (&binding.source, added.is_empty()) {
        _ if clusters.is_empty() => format!(
            "required by {} (propagateDeps), which are placed on no cluster",
            names(&required_by)
        ),
        (_, true) => format!(
            "required by {} (propagateDeps): already on all of their clusters",
            names(&required_by)
        ),
        (BindingSource::Policy(_), false) => format!(
            "required by {} (propagateDeps): also goes to {}",
            names(&required_by),
            list(&added)
        ),
        (_, false) => format!(
            "required by {} (propagateDeps): goes where they go: {}",
            names(&required_by),
            list(&added)
        ),
    };
    explain(binding, |explanation| explanation.policy.push(line));
    if !added.is_empty() {
        if binding.policy().is_none() {
            // No policy of its own: it goes only where its workloads take it.
            binding.source = BindingSource::Dependency;
            binding.outcome = Outcome::Scheduled;
        } else if matches!(binding.outcome, Outcome::NoFit { .. }) {
            // Its own policy fits nowhere, but the workloads still need it where they run.
            binding.outcome = Outcome::Scheduled;
        }
        binding
            .targets
            .extend(added.into_iter().map(|cluster| Target {
                cluster: cluster.clone(),
                replicas: None,
            }));
        binding.targets.sort_by(|a, b| a.cluster.cmp(&b.cluster));
    }
    binding.required_by = required_by;
}

fn list(clusters: &[&ClusterName]) -> String {
    clusters
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn undeclared(object: &ObjectRef, needed: &[(&Template, Reference, &PolicyId)]) -> Diagnostic {
    let (first, reference, policy) = &needed[0];
    let workloads = match needed.len() {
        1 => format!("`{}` needs", first.object),
        2 => format!("`{}` and `{}` need", first.object, needed[1].0.object),
        more => format!("`{}` and {} other workloads need", first.object, more - 1),
    };
    Diagnostic::warning(
        "mcctl::schedule::dependency_undeclared",
        format!(
            "{workloads} `{object}` ({}), which no file of the workspace declares, so `propagateDeps` of `{policy}` cannot take it along",
            reference.relation
        ),
    )
    .with_label(first.spans.value(&reference.pointer), "referenced here")
    .with_help("declare it as a template so that it follows its workloads, or make sure it exists on every cluster they go to (unless the reference is optional, a pod does not start without it)")
    .with_resource(first.object.clone())
}
