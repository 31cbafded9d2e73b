//! Cluster selection under spread constraints (KARMADA.md §2.6): which of the feasible clusters,
//! in candidate order, a template goes to.

use std::cmp::Reverse;

use super::{Candidate, Steps};
use crate::model::{Placement, ReplicaScheduling, SpreadBy, SpreadConstraint};

/// Karmada's weight of one group "unit" in group scores.
const WEIGHT_UNIT: i64 = 1000;

/// Selects clusters from `candidates` (sorted in candidate order). Returns the positions chosen,
/// in the order Karmada's selection yields them (candidate order without spread constraints), or
/// the reason selection failed. Each step is added to `steps`.
///
/// # Errors
/// Karmada's selection errors: too few clusters or regions, or not enough available replicas.
pub fn select(
    candidates: &[Candidate<'_>],
    placement: &Placement,
    replicas: u32,
    steps: &mut Steps,
) -> Result<Vec<usize>, String> {
    let all = || (0..candidates.len()).collect();
    if placement.spread.is_empty() {
        return Ok(all());
    }
    if placement.spread_ignored {
        steps.note(|| "spread constraints are ignored under static weights: every feasible cluster is selected"
                .to_owned(),
        );
        return Ok(all());
    }
    // Duplicated replicas do not look at capacity when selecting.
    let need = (!matches!(placement.replicas, ReplicaScheduling::Duplicated)).then_some(replicas);
    let duplicated = need.is_none();
    if let Some(region) = placement.spread_by(&SpreadBy::Region) {
        let cluster = placement.spread_by(&SpreadBy::Cluster);
        return by_region(candidates, region, cluster, replicas, duplicated, steps);
    }
    if let Some(cluster) = placement.spread_by(&SpreadBy::Cluster) {
        return by_cluster(candidates, cluster, need, steps);
    }
    Err("Karmada spreads only by cluster and by region (\"just support cluster and region spread constraint\")".to_owned())
}

fn by_cluster(
    candidates: &[Candidate<'_>],
    constraint: &SpreadConstraint,
    need: Option<u32>,
    steps: &mut Steps,
) -> Result<Vec<usize>, String> {
    if candidates.len() < constraint.min_groups as usize {
        return Err(format!(
            "{} feasible clusters are fewer than the spread constraint's minGroups {}",
            candidates.len(),
            constraint.min_groups
        ));
    }
    let count = candidates.len().min(constraint.max_groups as usize);
    steps.note(|| {
        format!(
            "spread by cluster: take {count} of {} clusters (maxGroups {})",
            candidates.len(),
            constraint.max_groups
        )
    });
    let Some(need) = need else {
        return Ok((0..count).collect());
    };
    by_available_replicas(candidates, count, need, steps)
        .ok_or_else(|| format!("not enough available replicas when selecting {count} clusters"))
}

/// Karmada's `selectClustersByAvailableResource`: the first `count` candidates; while their
/// available replicas fall short, walk from the last position to the first and swap in the
/// remaining cluster with the most available replicas, if it has more.
fn by_available_replicas(
    candidates: &[Candidate<'_>],
    count: usize,
    need: u32,
    steps: &mut Steps,
) -> Option<Vec<usize>> {
    let mut chosen: Vec<usize> = (0..count).collect();
    let mut rest: Vec<usize> = (count..candidates.len()).collect();
    let sum = |chosen: &[usize]| -> i64 {
        chosen
            .iter()
            .map(|index| candidates[*index].available)
            .sum()
    };
    let mut position = chosen.len();
    while sum(&chosen) < i64::from(need) && position > 0 && !rest.is_empty() {
        position -= 1;
        let current = candidates[chosen[position]].available;
        let mut best: Option<usize> = None;
        let mut best_available = current;
        for (slot, index) in rest.iter().enumerate() {
            if candidates[*index].available > best_available {
                best = Some(slot);
                best_available = candidates[*index].available;
            }
        }
        let Some(slot) = best else {
            continue;
        };
        let removed = chosen[position];
        chosen[position] = rest.remove(slot);
        rest.push(removed);
        steps.note(|| format!(
            "{} available replicas are short of {need}: {} ({} available) replaces {} ({current})",
            sum(&chosen) - candidates[chosen[position]].available + current,
            candidates[chosen[position]].name,
            candidates[chosen[position]].available,
            candidates[removed].name,
        ));
    }
    if sum(&chosen) < i64::from(need) {
        return None;
    }
    // Kept in selection order: assignment breaks ties by it, as Karmada's does.
    Some(chosen)
}

/// One region: its clusters (positions in candidate order) and its group score.
struct Region<'a> {
    name: &'a str,
    clusters: Vec<usize>,
    score: i64,
}

fn by_region(
    candidates: &[Candidate<'_>],
    region: &SpreadConstraint,
    cluster: Option<&SpreadConstraint>,
    replicas: u32,
    duplicated: bool,
    steps: &mut Steps,
) -> Result<Vec<usize>, String> {
    let mut regions: Vec<Region<'_>> = Vec::new();
    for (position, candidate) in candidates.iter().enumerate() {
        let Some(name) = candidate
            .cluster
            .region
            .as_deref()
            .filter(|name| !name.is_empty())
        else {
            continue;
        };
        match regions.iter_mut().find(|region| region.name == name) {
            Some(region) => region.clusters.push(position),
            None => regions.push(Region {
                name,
                clusters: vec![position],
                score: 0,
            }),
        }
    }
    if regions.len() < region.min_groups as usize {
        return Err(format!(
            "{} regions are fewer than the region spread constraint's minGroups {}",
            regions.len(),
            region.min_groups
        ));
    }
    let cluster_min = cluster.map_or(0, |cluster| cluster.min_groups);
    for group in &mut regions {
        group.score = group_score(
            candidates,
            &group.clusters,
            replicas,
            duplicated,
            region.min_groups,
            cluster_min,
        );
        steps.note(|| {
            format!(
                "region {}: {} cluster{}, group score {}",
                group.name,
                group.clusters.len(),
                if group.clusters.len() == 1 { "" } else { "s" },
                group.score
            )
        });
    }
    let chosen = select_groups(&regions, region, cluster_min).ok_or_else(|| {
        format!(
            "no set of {}–{} regions holds at least {} clusters",
            region.min_groups,
            region.max_groups,
            cluster_min.max(1)
        )
    })?;
    let mut chosen: Vec<&Region<'_>> = chosen.into_iter().map(|index| &regions[index]).collect();
    chosen.sort_by(|a, b| b.score.cmp(&a.score).then(a.name.cmp(b.name)));
    steps.note(|| {
        format!(
            "chose regions {}",
            chosen
                .iter()
                .map(|region| region.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    // The best cluster of every chosen region, then the others by score and availability.
    let mut selected: Vec<usize> = chosen.iter().map(|region| region.clusters[0]).collect();
    let total: usize = chosen.iter().map(|region| region.clusters.len()).sum();
    let need = total.min(cluster.map_or(0, |cluster| cluster.max_groups as usize));
    if need > selected.len() {
        let mut others: Vec<usize> = chosen
            .iter()
            .flat_map(|region| region.clusters[1..].iter().copied())
            .collect();
        others.sort_by_key(|position| {
            let candidate = &candidates[*position];
            (
                Reverse(candidate.score),
                Reverse(candidate.available),
                candidate.name,
            )
        });
        selected.extend(others.into_iter().take(need - selected.len()));
    }
    // Selection order (each region's best cluster first): assignment breaks ties by it.
    Ok(selected)
}

/// Karmada's `calcGroupScore`: a group that can hold the replicas scores by how many clusters
/// can (Duplicated) or by the replicas it covers (Divided), then by its clusters' scores.
fn group_score(
    candidates: &[Candidate<'_>],
    clusters: &[usize],
    replicas: u32,
    duplicated: bool,
    group_min: u32,
    cluster_min: u32,
) -> i64 {
    if duplicated {
        let valid: Vec<&Candidate<'_>> = clusters
            .iter()
            .map(|index| &candidates[*index])
            .filter(|candidate| candidate.available >= i64::from(replicas))
            .collect();
        if valid.is_empty() {
            return 0;
        }
        let count = i64::try_from(valid.len()).unwrap_or(i64::MAX);
        let scores: i64 = valid.iter().map(|candidate| candidate.score).sum();
        return count * WEIGHT_UNIT + scores / count;
    }
    let group_min = group_min.max(1);
    let target = i64::from(replicas.div_ceil(group_min));
    let needed = group_min.max(cluster_min) as usize;
    let (mut available, mut score, mut walked) = (0_i64, 0_i64, 0_i64);
    for (count, index) in clusters.iter().enumerate() {
        available += candidates[*index].available;
        score += candidates[*index].score;
        walked += 1;
        if count + 1 >= needed && available >= target {
            break;
        }
    }
    if available < target {
        let all = i64::try_from(clusters.len()).unwrap_or(i64::MAX).max(1);
        available * WEIGHT_UNIT + score / all
    } else {
        target * WEIGHT_UNIT + score / walked.max(1)
    }
}

/// Karmada's `selectGroups`: every set of regions within the region constraint's bounds whose
/// clusters reach the cluster constraint's `minGroups`, best by total score, then total cluster
/// count, then discovery order; a shorter set that is a prefix of the best replaces it.
fn select_groups(
    regions: &[Region<'_>],
    region: &SpreadConstraint,
    cluster_min: u32,
) -> Option<Vec<usize>> {
    let mut order: Vec<usize> = (0..regions.len()).collect();
    order.sort_by(|a, b| {
        let (a, b) = (&regions[*a], &regions[*b]);
        a.clusters
            .len()
            .cmp(&b.clusters.len())
            .then(b.score.cmp(&a.score))
            .then(a.name.cmp(b.name))
    });
    let mut paths: Vec<Vec<usize>> = Vec::new();
    let mut path = Vec::new();
    search(
        regions,
        &order,
        0,
        &mut path,
        &mut paths,
        (region.min_groups as usize, region.max_groups as usize),
        cluster_min as usize,
    );
    // Each path's figures once: total score, total clusters, region names by score then name.
    let figures: Vec<(i64, usize, Vec<&str>)> = paths
        .iter()
        .map(|path| {
            let mut sorted: Vec<&Region<'_>> = path.iter().map(|index| &regions[*index]).collect();
            sorted.sort_by(|a, b| b.score.cmp(&a.score).then(a.name.cmp(b.name)));
            (
                sorted.iter().map(|region| region.score).sum(),
                sorted.iter().map(|region| region.clusters.len()).sum(),
                sorted.iter().map(|region| region.name).collect(),
            )
        })
        .collect();
    let mut ranked: Vec<usize> = (0..paths.len()).collect();
    ranked.sort_by(|a, b| {
        figures[*b]
            .0
            .cmp(&figures[*a].0)
            .then(figures[*b].1.cmp(&figures[*a].1))
            .then(a.cmp(b))
    });
    let mut best = *ranked.first()?;
    for candidate in ranked.iter().skip(1) {
        let (short, long) = (&figures[*candidate].2, &figures[best].2);
        if short.len() < long.len() && long.starts_with(short) {
            best = *candidate;
        }
    }
    let best = &paths[best];
    Some(best.clone())
}

fn search(
    regions: &[Region<'_>],
    order: &[usize],
    start: usize,
    path: &mut Vec<usize>,
    paths: &mut Vec<Vec<usize>>,
    (min, max): (usize, usize),
    cluster_min: usize,
) {
    for slot in start..order.len() {
        path.push(order[slot]);
        let clusters: usize = path
            .iter()
            .map(|index| regions[*index].clusters.len())
            .sum();
        if path.len() >= min && path.len() <= max && clusters >= cluster_min {
            paths.push(path.clone());
        } else if path.len() < max {
            search(
                regions,
                order,
                slot + 1,
                path,
                paths,
                (min, max),
                cluster_min,
            );
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;
    use crate::model::{Model, Placement};
    use crate::testing::model_from_yaml;

    /// Clusters `(name, region)` and a policy with `spread`, Divided by dynamic weights.
    fn model(clusters: &[(&str, &str)], spread: &str) -> Model {
        let mut yaml = String::new();
        for (name, region) in clusters {
            let _ = write!(
                yaml,
                "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {{name: {name}}}\nspec: {{syncMode: Pull, region: {region}}}\n---\n"
            );
        }
        let _ = write!(
                yaml,
            "apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: p}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  placement:
    spreadConstraints: {spread}
    replicaScheduling: {{replicaSchedulingType: Divided, weightPreference: {{dynamicWeight: AvailableReplicas}}}}
"
        );
        model_from_yaml(&yaml)
    }

    /// Candidates in the order given, with `(score, available)`.
    fn candidates<'a>(model: &'a Model, facts: &[(&str, i64, i64)]) -> Vec<Candidate<'a>> {
        facts
            .iter()
            .map(|(name, score, available)| {
                let cluster = model.cluster(name).unwrap();
                Candidate {
                    cluster,
                    name: cluster.name.as_str(),
                    score: *score,
                    allocatable: u32::try_from(*available).unwrap(),
                    assigned: 0,
                    available: *available,
                    overflow_order: 0,
                }
            })
            .collect()
    }

    fn names(candidates: &[Candidate<'_>], chosen: &[usize]) -> Vec<String> {
        chosen
            .iter()
            .map(|index| candidates[*index].name.to_owned())
            .collect()
    }

    fn placement(model: &Model) -> &Placement {
        &model.propagation_policies[0].placement
    }

    #[test]
    fn by_cluster_swaps_in_room_when_the_best_fall_short() {
        // Karmada's example: 2 clusters for 80 replicas; scores 60/50/40, room 40/30/60.
        let model = model(
            &[("m1", "r"), ("m2", "r"), ("m3", "r")],
            "[{spreadByField: cluster, minGroups: 2, maxGroups: 2}]",
        );
        let list = candidates(&model, &[("m1", 60, 40), ("m2", 50, 30), ("m3", 40, 60)]);
        let mut steps = Steps::new(true);
        let chosen = select(&list, placement(&model), 80, &mut steps).unwrap();
        assert_eq!(names(&list, &chosen), ["m1", "m3"]);
        assert!(
            steps.lines[1].contains("m3 (60 available) replaces m2 (30)"),
            "{:?}",
            steps.lines
        );
        assert_eq!(
            select(&list, placement(&model), 101, &mut Steps::new(false)).unwrap_err(),
            "not enough available replicas when selecting 2 clusters"
        );
    }

    #[test]
    fn by_cluster_needs_min_groups() {
        let model = model(
            &[("m1", "r")],
            "[{spreadByField: cluster, minGroups: 2, maxGroups: 3}]",
        );
        let list = candidates(&model, &[("m1", 0, 10)]);
        assert!(
            select(&list, placement(&model), 1, &mut Steps::new(false))
                .unwrap_err()
                .contains("fewer than the spread constraint's minGroups 2")
        );
    }

    #[test]
    fn by_region_takes_the_best_cluster_of_each_chosen_region() {
        let model = model(
            &[
                ("eu-1", "eu"),
                ("eu-2", "eu"),
                ("us-1", "us"),
                ("ap-1", "ap"),
            ],
            "[{spreadByField: region, minGroups: 2, maxGroups: 2}, {spreadByField: cluster, minGroups: 2, maxGroups: 3}]",
        );
        // eu holds 12 + 8, us 4, ap 2: eu and us are chosen; eu-1 and us-1 first, then eu-2.
        let list = candidates(
            &model,
            &[
                ("eu-1", 0, 12),
                ("eu-2", 0, 8),
                ("us-1", 0, 4),
                ("ap-1", 0, 2),
            ],
        );
        let chosen = select(&list, placement(&model), 12, &mut Steps::new(false)).unwrap();
        // In selection order: each chosen region's best cluster, then the others.
        assert_eq!(names(&list, &chosen), ["eu-1", "us-1", "eu-2"]);
    }

    #[test]
    fn unset_max_groups_selects_nothing() {
        let model = model(&[("m1", "r"), ("m2", "r")], "[{spreadByField: cluster}]");
        let list = candidates(&model, &[("m1", 0, 10), ("m2", 0, 10)]);
        assert_eq!(
            select(&list, placement(&model), 4, &mut Steps::new(false)).unwrap_err(),
            "not enough available replicas when selecting 0 clusters"
        );
    }
}
