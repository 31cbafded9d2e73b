//! The plan diagnostics of scheduling: templates that fit nowhere, placements kept after an
//! error, and every Karmada behaviour that would surprise a reader of the plan (KARMADA.md §7).

use super::{Binding, BindingSource, Notes, Outcome, PreviousBinding, duration};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Template;

const UNREACHABLE: &str = "mcctl::schedule::unreachable";

/// The warnings that templates stay on unreachable clusters, one per template for a few, one
/// per cluster when there are many: a cluster that goes down must not bury the plan under a
/// warning for each of its thousand templates.
pub fn stranded_by_cluster(stranded: Diagnostics, diagnostics: &mut Diagnostics) {
    const SHOWN: usize = 3;
    let mut by_cluster: std::collections::BTreeMap<String, Vec<Diagnostic>> =
        std::collections::BTreeMap::new();
    for diagnostic in stranded {
        by_cluster
            .entry(diagnostic.cluster.clone().unwrap_or_default())
            .or_default()
            .push(diagnostic);
    }
    for (cluster, group) in by_cluster {
        if group.len() <= SHOWN {
            diagnostics.extend(group);
            continue;
        }
        let names: Vec<String> = group
            .iter()
            .filter_map(|diagnostic| diagnostic.resource.as_ref())
            .take(SHOWN)
            .map(|object| format!("`{object}`"))
            .collect();
        diagnostics.push(
            Diagnostic::warning(
                UNREACHABLE,
                format!(
                    "{} templates stay on unreachable `{cluster}`: {} and {} more",
                    group.len(),
                    names.join(", "),
                    group.len() - names.len()
                ),
            )
            .with_cluster(cluster)
            .with_help("each keeps its share until its policy's `failover` `tolerationSeconds` have passed, or forever without `failover`; `mcctl plan --rebalance` moves them now (`mcctl explain TEMPLATE` says when failover moves one)"),
        );
    }
}

/// Adds the diagnostics of one binding; the warnings that it stays on an unreachable cluster go
/// to `stranded`, for [`stranded_by_cluster`] to sum up.
pub fn report(
    binding: &Binding,
    template: &Template,
    previous: &PreviousBinding,
    notes: &Notes,
    diagnostics: &mut Diagnostics,
    stranded: &mut Diagnostics,
) {
    let object = &binding.object;
    let warn = |code: &'static str, message: String, help: String| {
        Diagnostic::warning(code, message)
            .with_label(template.spans.root(), "this template")
            .with_help(help)
            .with_resource(object.clone())
    };
    if binding.source == BindingSource::ReservedNamespace {
        diagnostics.push(warn(
            "mcctl::schedule::reserved_namespace",
            format!("`{object}` is in a namespace Karmada never propagates from"),
            "move it to another namespace; objects in `kube-*`, `karmada-system`, `karmada-cluster` and `karmada-es-*` stay on the control plane".to_owned(),
        ));
        return;
    }
    let Some(policy) = binding.policy() else {
        return;
    };
    let placed_before: Vec<String> = previous.clusters.keys().map(ToString::to_string).collect();
    match &binding.outcome {
        Outcome::NoFit { reasons } => {
            let help = if reasons.is_empty() {
                "no clusters are declared".to_owned()
            } else {
                reasons
                    .iter()
                    .map(|(cluster, reason)| format!("{cluster}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let message = if placed_before.is_empty() {
                format!("no cluster fits `{object}` (policy `{policy}`)")
            } else {
                format!(
                    "no cluster fits `{object}` (policy `{policy}`): like Karmada, mcctl empties its placement, so its objects are DELETED from {}",
                    placed_before.join(", ")
                )
            };
            diagnostics.push(warn("mcctl::schedule::no_fit", message, help));
        }
        Outcome::Kept { reason } => {
            let placed: u32 = binding
                .targets
                .iter()
                .filter_map(|target| target.replicas)
                .sum();
            let wanted = template
                .workload
                .as_ref()
                .map_or(0, |workload| workload.replicas);
            let message = if placed_before.is_empty() {
                format!("`{object}` cannot be scheduled (policy `{policy}`): {reason}")
            } else if binding.targets.is_empty() {
                format!(
                    "`{object}` cannot be rescheduled (policy `{policy}`): {reason}; it runs on no cluster"
                )
            } else if binding.divided && placed < wanted {
                format!(
                    "`{object}` cannot be rescheduled (policy `{policy}`): {reason}; it keeps only {placed} of {wanted} replicas, on {}",
                    binding
                        .targets
                        .iter()
                        .map(|target| target.cluster.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!(
                    "`{object}` cannot be rescheduled (policy `{policy}`): {reason}; it stays where it is"
                )
            };
            diagnostics.push(warn(
                "mcctl::schedule::unschedulable",
                message,
                "Karmada keeps a binding's clusters when capacity or spread constraints fail; declare more capacity (`capacity`, `status.resourceSummary`), relax the constraints, or see `mcctl explain`".to_owned(),
            ));
        }
        Outcome::Unchanged { now_feasible } if !now_feasible.is_empty() => {
            let clusters: Vec<String> = now_feasible.iter().map(ToString::to_string).collect();
            diagnostics.push(warn(
                "mcctl::schedule::not_rescheduled",
                format!(
                    "{} now {} `{object}` but {} no replicas: Karmada reschedules a Divided workload only when its replicas or placement change",
                    clusters.join(", "),
                    if clusters.len() == 1 { "fits" } else { "fit" },
                    if clusters.len() == 1 { "gets" } else { "get" },
                ),
                "`mcctl plan --rebalance` divides the replicas afresh over every cluster that fits".to_owned(),
            ));
        }
        Outcome::Scheduled if binding.targets.is_empty() => {
            diagnostics.push(warn(
                "mcctl::schedule::no_replicas",
                format!("`{object}` gets no cluster: every selected cluster was given 0 replicas"),
                "Karmada drops clusters that get no replicas (a workload with 0 replicas but resource requests goes nowhere); give it replicas".to_owned(),
            ));
        }
        Outcome::Unchanged { .. } | Outcome::Scheduled | Outcome::NotPropagated => {}
    }
    if let Some(better) = &notes.kept_claim {
        let help = match &notes.preemption_refused {
            Some(why) => format!(
                "`{better}` has `preemption: Always`, but {why}; raise its priority, or stop `{policy}` from selecting the template"
            ),
            None => format!(
                "Karmada moves a claimed template only by preemption: set `preemption: Always` on `{better}` (it needs a `name` in every resource selector), or stop `{policy}` from selecting it"
            ),
        };
        diagnostics.push(warn(
            "mcctl::schedule::claimed",
            format!("`{object}` stays with `{policy}`, which claimed it first, although `{better}` would be chosen for a new template"),
            help,
        ));
    }
    if let Some(from) = &notes.preempted_from {
        diagnostics.push(warn(
            "mcctl::schedule::preempted",
            format!("`{policy}` takes `{object}` over from `{from}` (preemption)"),
            "the template now follows the placement of the preempting policy".to_owned(),
        ));
    }
    for (cluster, elapsed) in &notes.evicted {
        diagnostics.push(warn(
            "mcctl::schedule::failover",
            format!(
                "`{object}` moves off `{cluster}`, unreachable for {}: failover",
                duration(*elapsed)
            ),
            format!("the policy `{policy}` tolerates an unreachable cluster for its `failover` `tolerationSeconds`; its share is placed on the other clusters"),
        ));
    }
    let still_on = |cluster: &crate::addr::ClusterName| {
        binding
            .targets
            .iter()
            .any(|target| &target.cluster == cluster)
    };
    for (cluster, remaining) in notes
        .stranded
        .iter()
        .filter(|(cluster, _)| still_on(cluster))
    {
        let (message, help) = match remaining {
            Some(remaining) => (
                format!("`{object}` stays on unreachable `{cluster}` for now: failover moves it in {}", duration(*remaining)),
                "`mcctl plan --rebalance` moves it now".to_owned(),
            ),
            None => (
                format!("`{object}` stays on unreachable `{cluster}`: its policy `{policy}` has no `failover`"),
                "add `failover` to the policy to move shares off clusters that stay unreachable, or run `mcctl plan --rebalance`".to_owned(),
            ),
        };
        stranded.push(warn(UNREACHABLE, message, help).with_cluster(cluster.to_string()));
    }
    if let Some(term) = &notes.later_term {
        diagnostics.push(warn(
            "mcctl::schedule::later_affinity_term",
            format!("`{object}` is placed with affinity term `{term}`: the earlier terms fit no cluster or lacked room"),
            "Karmada stays on this term until a rebalance, even when earlier terms fit again; `mcctl plan --rebalance` starts from the first term".to_owned(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stranded(cluster: &str, name: &str) -> Diagnostic {
        Diagnostic::warning(
            UNREACHABLE,
            format!("`{name}` stays on unreachable `{cluster}`"),
        )
        .with_cluster(cluster)
        .with_resource(format!("core/ConfigMap/default/{name}").parse().unwrap())
    }

    #[test]
    fn many_templates_on_one_unreachable_cluster_make_one_warning() {
        let mut input = Diagnostics::new();
        for index in 0..5 {
            input.push(stranded("c1", &format!("cm-{index}")));
        }
        input.push(stranded("c2", "web"));
        let mut output = Diagnostics::new();
        stranded_by_cluster(input, &mut output);
        let messages: Vec<&str> = output.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "5 templates stay on unreachable `c1`: `core/ConfigMap/default/cm-0`, `core/ConfigMap/default/cm-1`, `core/ConfigMap/default/cm-2` and 2 more",
                "`web` stays on unreachable `c2`",
            ]
        );
    }
}
