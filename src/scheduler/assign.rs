//! Replica assignment over the selected clusters (KARMADA.md §2.7): Duplicated, static weights,
//! dynamic weights and aggregation, with scale-up and scale-down that build on the previous
//! assignment, and overflow tiers.

use super::divide::{TieBreak, allocate};
use super::{Candidate, Steps};
use crate::model::{ReplicaScheduling, StaticWeight};

/// How a dynamic division treats the previous assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Build on the previous assignment: scale up or down from it.
    Steady,
    /// Divide afresh (`--rebalance`, Karmada's `rescheduleTriggeredAt`), counting what the
    /// template already runs on a cluster as available there.
    Fresh,
}

/// What an assignment needs besides the clusters.
pub struct Request<'a> {
    /// Replicas to place.
    pub replicas: u32,
    /// The strategy.
    pub strategy: &'a ReplicaScheduling,
    /// Steady or fresh.
    pub mode: Mode,
    /// Tie-break for equal Webster quotients.
    pub tie_break: TieBreak,
    /// Whether the affinity term has overflow tiers.
    pub overflow: bool,
}

/// Assigns replicas to `selected` (candidate positions, in candidate order). Returns
/// `(position, replicas)` pairs, zero counts dropped. Each step is added to `steps`.
///
/// # Errors
/// Karmada's `UnschedulableError`: not enough available replicas for a dynamic strategy.
pub fn assign(
    candidates: &[Candidate<'_>],
    selected: &[usize],
    request: &Request<'_>,
    steps: &mut Steps,
) -> Result<Vec<(usize, u32)>, String> {
    let mut result = match request.strategy {
        ReplicaScheduling::Duplicated => {
            steps.note(|| {
                format!(
                    "Duplicated: each selected cluster runs all {} replicas",
                    request.replicas
                )
            });
            selected
                .iter()
                .map(|position| (*position, request.replicas))
                .collect()
        }
        ReplicaScheduling::StaticWeighted(weights) => {
            static_weights(candidates, selected, weights, request, steps)
        }
        ReplicaScheduling::DynamicWeighted | ReplicaScheduling::Aggregated => {
            if request.overflow {
                overflow(candidates, selected, request, steps)?
            } else {
                dynamic(candidates, selected, request.replicas, request, steps)?
            }
        }
    };
    result.retain(|(_, replicas)| *replicas > 0);
    result.sort_unstable();
    Ok(result)
}

/// Karmada's `getStaticWeightInfoList` and Webster from zero: the weight of a cluster is the
/// largest of the entries that match it; clusters no entry matches get nothing, unless no
/// cluster matches any entry, when all weigh 1.
fn static_weights(
    candidates: &[Candidate<'_>],
    selected: &[usize],
    weights: &[StaticWeight],
    request: &Request<'_>,
    steps: &mut Steps,
) -> Vec<(usize, u32)> {
    let mut parties: Vec<(usize, u64)> = selected
        .iter()
        .map(|position| {
            let facts = candidates[*position].cluster.facts();
            let weight = if weights.is_empty() {
                1
            } else {
                weights
                    .iter()
                    .filter(|weight| weight.target.matches(&facts))
                    .map(|weight| weight.weight)
                    .max()
                    .unwrap_or(0)
            };
            (*position, weight)
        })
        .collect();
    if weights.is_empty() {
        steps.note(|| "no weight list: every selected cluster weighs 1".to_owned());
    } else if parties.iter().all(|(_, weight)| *weight == 0) {
        steps.note(|| "no selected cluster matches the weight list: every one weighs 1".to_owned());
        for party in &mut parties {
            party.1 = 1;
        }
    } else {
        for (position, weight) in &parties {
            if *weight == 0 {
                steps.note(|| {
                    format!(
                        "{} matches no entry of the weight list and gets nothing",
                        candidates[*position].name
                    )
                });
            }
        }
        parties.retain(|(_, weight)| *weight > 0);
    }
    steps.note(|| {
        format!(
            "Webster over weights {}: {} replicas",
            describe(candidates, &parties),
            request.replicas
        )
    });
    divide(candidates, &parties, request.replicas, request.tie_break)
}

/// Karmada's `assignByDynamicStrategy` over `selected` for `replicas`.
fn dynamic(
    candidates: &[Candidate<'_>],
    selected: &[usize],
    replicas: u32,
    request: &Request<'_>,
    steps: &mut Steps,
) -> Result<Vec<(usize, u32)>, String> {
    let aggregated = matches!(request.strategy, ReplicaScheduling::Aggregated);
    // What the template runs on the selected clusters now; clusters it left do not count.
    let previous: Vec<(usize, u32)> = selected
        .iter()
        .filter(|position| candidates[**position].assigned > 0)
        .map(|position| (*position, candidates[*position].assigned))
        .collect();
    let assigned: u32 = previous.iter().map(|(_, replicas)| replicas).sum();
    if request.mode == Mode::Fresh {
        let weights: Vec<(usize, u64)> = selected
            .iter()
            .map(|position| (*position, weight_of(candidates[*position].available)))
            .collect();
        steps.note(|| format!(
            "fresh division of {replicas} by available replicas (allocatable + already assigned): {}",
            describe(candidates, &weights)
        ));
        return divide_dynamic(
            candidates,
            weights,
            &[],
            replicas,
            aggregated,
            request,
            steps,
        );
    }
    match assigned.cmp(&replicas) {
        std::cmp::Ordering::Equal => {
            steps.note(|| {
                format!(
                    "the selected clusters already run {replicas} replicas: the assignment stays"
                )
            });
            Ok(previous)
        }
        std::cmp::Ordering::Greater => {
            // Scale down: divide the new count in proportion to the old one.
            let mut weights: Vec<(usize, u64)> = previous
                .iter()
                .map(|(position, replicas)| (*position, u64::from(*replicas)))
                .collect();
            weights.sort_by(|a, b| candidates[a.0].name.cmp(candidates[b.0].name));
            weights.sort_by_key(|(_, weight)| std::cmp::Reverse(*weight));
            steps.note(|| {
                format!(
                    "scale down {assigned} → {replicas} in proportion to the current assignment {}",
                    describe(candidates, &weights)
                )
            });
            divide_dynamic(
                candidates, weights, &previous, replicas, aggregated, request, steps,
            )
        }
        std::cmp::Ordering::Less => {
            // Scale up: divide the difference by allocatable replicas and add it.
            let delta = replicas - assigned;
            let mut weights: Vec<(usize, u64)> = selected
                .iter()
                .map(|position| (*position, u64::from(candidates[*position].allocatable)))
                .collect();
            weights.sort_by_key(|(_, weight)| std::cmp::Reverse(*weight));
            if assigned == 0 {
                steps.note(|| {
                    format!(
                        "divide {replicas} by allocatable replicas {}",
                        describe(candidates, &weights)
                    )
                });
            } else {
                steps.note(|| format!(
                    "scale up {assigned} → {replicas}: divide the {delta} new replicas by allocatable replicas {}",
                    describe(candidates, &weights)
                ));
            }
            let added = divide_dynamic(
                candidates, weights, &previous, delta, aggregated, request, steps,
            )?;
            let mut merged = previous;
            for (position, replicas) in added {
                match merged
                    .iter_mut()
                    .find(|(existing, _)| *existing == position)
                {
                    Some(entry) => entry.1 += replicas,
                    None => merged.push((position, replicas)),
                }
            }
            Ok(merged)
        }
    }
}

/// Karmada's `dynamicDivideReplicas`: fails when the weights cannot hold `target`; aggregation
/// keeps the clusters already in use first and then the shortest prefix that can hold it.
fn divide_dynamic(
    candidates: &[Candidate<'_>],
    mut weights: Vec<(usize, u64)>,
    previous: &[(usize, u32)],
    target: u32,
    aggregated: bool,
    request: &Request<'_>,
    steps: &mut Steps,
) -> Result<Vec<(usize, u32)>, String> {
    let total: u64 = weights.iter().map(|(_, weight)| weight).sum();
    if total < u64::from(target) {
        return Err(format!(
            "the clusters' available replicas ({total}) are not enough for {target} replicas"
        ));
    }
    if aggregated {
        let used = |position: &usize| previous.iter().any(|(used, _)| used == position);
        let (mut front, back): (Vec<_>, Vec<_>) = weights
            .into_iter()
            .partition(|(position, _)| used(position));
        front.extend(back);
        let mut sum = 0;
        let keep = front
            .iter()
            .position(|(_, weight)| {
                sum += weight;
                sum >= u64::from(target)
            })
            .map_or(front.len(), |index| index + 1);
        front.truncate(keep);
        steps.note(|| {
            format!(
                "Aggregated: the fewest clusters that hold {target}, those in use first: {}",
                describe(candidates, &front)
            )
        });
        weights = front;
    }
    Ok(divide(candidates, &weights, target, request.tie_break))
}

/// Overflow tiers (Karmada v1.18): the term's own clusters first, then each tier in order, each
/// taking as many replicas as its available replicas allow.
fn overflow(
    candidates: &[Candidate<'_>],
    selected: &[usize],
    request: &Request<'_>,
    steps: &mut Steps,
) -> Result<Vec<(usize, u32)>, String> {
    let mut tiers: Vec<usize> = selected
        .iter()
        .map(|position| candidates[*position].overflow_order)
        .collect();
    tiers.sort_unstable();
    tiers.dedup();
    let mut remaining = request.replicas;
    let mut result = Vec::new();
    for tier in tiers {
        if remaining == 0 {
            break;
        }
        let members: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|position| candidates[*position].overflow_order == tier)
            .collect();
        let room: i64 = members
            .iter()
            .map(|position| candidates[*position].available.max(0))
            .sum();
        let share = u32::try_from(room.min(i64::from(remaining))).unwrap_or(remaining);
        steps.note(|| {
            format!(
                "{}: {share} of {remaining} replicas (room for {room})",
                if tier == 0 {
                    "the term's own clusters".to_owned()
                } else {
                    format!("overflow tier {tier}")
                }
            )
        });
        if share == 0 {
            continue;
        }
        result.extend(dynamic(candidates, &members, share, request, steps)?);
        remaining -= share;
    }
    if remaining > 0 {
        return Err(format!(
            "the term and its overflow tiers have no room for {remaining} of {} replicas",
            request.replicas
        ));
    }
    Ok(result)
}

fn weight_of(available: i64) -> u64 {
    u64::try_from(available.max(0)).unwrap_or(0)
}

/// Webster over `(position, weight)` pairs; positions with their seats.
fn divide(
    candidates: &[Candidate<'_>],
    weights: &[(usize, u64)],
    seats: u32,
    tie_break: TieBreak,
) -> Vec<(usize, u32)> {
    let names: Vec<&str> = weights
        .iter()
        .map(|(position, _)| candidates[*position].name)
        .collect();
    let votes: Vec<u64> = weights.iter().map(|(_, weight)| *weight).collect();
    let initial = vec![0; weights.len()];
    allocate(u64::from(seats), &names, &votes, &initial, tie_break)
        .into_iter()
        .zip(weights)
        .map(|(seats, (position, _))| (*position, u32::try_from(seats).unwrap_or(u32::MAX)))
        .collect()
}

fn describe(candidates: &[Candidate<'_>], weights: &[(usize, u64)]) -> String {
    weights
        .iter()
        .map(|(position, weight)| format!("{} {weight}", candidates[*position].name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::model::Model;
    use crate::testing::model_from_yaml;

    fn model() -> Model {
        let mut yaml = String::new();
        for name in ["m1", "m2", "m3"] {
            let _ = write!(
                yaml,
                "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {{name: {name}}}\nspec: {{syncMode: Pull}}\n---\n"
            );
        }
        model_from_yaml(&yaml)
    }

    /// Candidates m1, m2, m3 with `(allocatable, assigned)`.
    fn candidates(model: &Model, facts: [(u32, u32); 3]) -> Vec<Candidate<'_>> {
        model
            .clusters
            .iter()
            .zip(facts)
            .map(|(cluster, (allocatable, assigned))| Candidate {
                cluster,
                name: cluster.name.as_str(),
                score: if assigned > 0 { 100 } else { 0 },
                allocatable,
                assigned,
                available: i64::from(allocatable) + i64::from(assigned),
                overflow_order: 0,
            })
            .collect()
    }

    fn run(
        candidates: &[Candidate<'_>],
        strategy: &ReplicaScheduling,
        replicas: u32,
        mode: Mode,
    ) -> Result<Vec<(String, u32)>, String> {
        let request = Request {
            replicas,
            strategy,
            mode,
            tie_break: TieBreak::AscendingName,
            overflow: false,
        };
        assign(candidates, &[0, 1, 2], &request, &mut Steps::new(false)).map(|result| {
            let mut named: Vec<(String, u32)> = result
                .into_iter()
                .map(|(position, replicas)| (candidates[position].name.to_owned(), replicas))
                .collect();
            named.sort();
            named
        })
    }

    fn expect(pairs: &[(&str, u32)]) -> Vec<(String, u32)> {
        pairs
            .iter()
            .map(|(name, replicas)| ((*name).to_owned(), *replicas))
            .collect()
    }

    // The worked examples of KARMADA.md §2.7.1.
    #[test]
    fn dynamic_weights_divide_by_room_and_build_on_the_previous_assignment() {
        let model = model();
        let dynamic = ReplicaScheduling::DynamicWeighted;
        let first = candidates(&model, [(6, 0), (8, 0), (10, 0)]);
        assert_eq!(
            run(&first, &dynamic, 12, Mode::Steady).unwrap(),
            expect(&[("m1", 3), ("m2", 4), ("m3", 5)])
        );
        let short = candidates(&model, [(3, 0), (3, 0), (3, 0)]);
        assert!(
            run(&short, &dynamic, 12, Mode::Steady)
                .unwrap_err()
                .contains("(9) are not enough")
        );
        let up = candidates(&model, [(10, 2), (10, 4), (10, 6)]);
        assert_eq!(
            run(&up, &dynamic, 24, Mode::Steady).unwrap(),
            expect(&[("m1", 6), ("m2", 8), ("m3", 10)])
        );
        assert_eq!(
            run(&up, &dynamic, 6, Mode::Steady).unwrap(),
            expect(&[("m1", 1), ("m2", 2), ("m3", 3)])
        );
        assert_eq!(
            run(&up, &dynamic, 12, Mode::Steady).unwrap(),
            expect(&[("m1", 2), ("m2", 4), ("m3", 6)])
        );
    }

    #[test]
    fn aggregation_packs_into_the_fewest_clusters_in_use_first() {
        let model = model();
        let aggregated = ReplicaScheduling::Aggregated;
        // Candidate order is by room: m3, m2, m1.
        let mut first = candidates(&model, [(6, 0), (8, 0), (10, 0)]);
        first.reverse();
        assert_eq!(
            run(&first, &aggregated, 12, Mode::Steady).unwrap(),
            expect(&[("m2", 5), ("m3", 7)])
        );
        let up = candidates(&model, [(4, 4), (6, 8), (8, 0)]);
        assert_eq!(
            run(&up, &aggregated, 24, Mode::Steady).unwrap(),
            expect(&[("m1", 7), ("m2", 12), ("m3", 5)])
        );
    }

    #[test]
    fn fresh_division_counts_what_already_runs_as_room() {
        let model = model();
        let list = candidates(&model, [(10, 2), (10, 0), (0, 0)]);
        assert_eq!(
            run(&list, &ReplicaScheduling::DynamicWeighted, 11, Mode::Fresh).unwrap(),
            expect(&[("m1", 6), ("m2", 5)])
        );
    }

    #[test]
    fn duplicated_and_static_ignore_room() {
        let model = model();
        let list = candidates(&model, [(0, 0), (0, 0), (0, 0)]);
        assert_eq!(
            run(&list, &ReplicaScheduling::Duplicated, 3, Mode::Steady).unwrap(),
            expect(&[("m1", 3), ("m2", 3), ("m3", 3)])
        );
        assert_eq!(
            run(
                &list,
                &ReplicaScheduling::StaticWeighted(Vec::new()),
                4,
                Mode::Steady
            )
            .unwrap(),
            expect(&[("m1", 2), ("m2", 1), ("m3", 1)])
        );
    }
}
