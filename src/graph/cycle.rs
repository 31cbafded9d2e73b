//! A dependency cycle as an error: one cycle per strongly connected group of templates, each
//! edge named with its source (`depends_on at file:line`, `envFrom.configMapRef at /spec/…`).
//!
//! Only hard edges can form a cycle; kind order is a floor, never an edge of the graph.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::addr::ObjectRef;
use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::model::Model;

use super::{Edge, EdgeSource};

/// Reports every cycle of `graph`, whose edge weights index `edges`.
pub(super) fn report(
    model: &Model,
    graph: &DiGraph<ObjectRef, usize>,
    edges: &[Edge],
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) {
    for component in tarjan_scc(graph) {
        if component.len() < 2 {
            continue;
        }
        let members: BTreeSet<NodeIndex> = component.iter().copied().collect();
        // Start from the smallest address, so the same input always reports the same cycle.
        let Some(&start) = members.iter().min_by_key(|node| &graph[**node]) else {
            continue;
        };
        let cycle: Vec<&Edge> = shortest_cycle(graph, &members, start)
            .into_iter()
            .map(|index| &edges[index])
            .collect();
        diagnostics.push(diagnostic(model, &cycle, sources).with_resource(graph[start].clone()));
    }
}

/// The edges of a shortest cycle through `start` within `members` (breadth first).
fn shortest_cycle(
    graph: &DiGraph<ObjectRef, usize>,
    members: &BTreeSet<NodeIndex>,
    start: NodeIndex,
) -> Vec<usize> {
    let mut parent: BTreeMap<NodeIndex, (NodeIndex, usize)> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        // Edges in insertion order (petgraph lists the newest first), so the report is stable.
        let mut outgoing: Vec<_> = graph.edges(node).collect();
        outgoing.sort_by_key(|edge| *edge.weight());
        for edge in outgoing {
            let next = edge.target();
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![*edge.weight()];
                let mut at = node;
                while at != start {
                    let (previous, weight) = parent[&at];
                    path.push(weight);
                    at = previous;
                }
                path.reverse();
                return path;
            }
            if next != start && !parent.contains_key(&next) {
                parent.insert(next, (node, *edge.weight()));
                queue.push_back(next);
            }
        }
    }
    Vec::new()
}

fn diagnostic(model: &Model, cycle: &[&Edge], sources: &Sources) -> Diagnostic {
    let names: Vec<String> = cycle.iter().map(|edge| edge.before.to_string()).collect();
    let mut steps = Vec::new();
    let mut diagnostic = Diagnostic::error(
        "mcctl::graph::cycle",
        format!("dependency cycle between {}", names.join(", ")),
    );
    for edge in cycle {
        let source = describe(edge, sources);
        steps.push(format!(
            "`{}` waits for `{}` ({source})",
            edge.after, edge.before
        ));
        if let Some(span) = &edge.span {
            diagnostic = diagnostic.with_label(
                span.clone(),
                format!(
                    "`{}` waits for `{}`: {}",
                    edge.after,
                    edge.before,
                    edge.source.label()
                ),
            );
        } else if let Some(template) = model.template(&edge.after) {
            diagnostic = diagnostic.with_label(template.spans.root(), "in this template");
        }
    }
    diagnostic.with_help(format!(
        "{}; remove one of these `depends_on` entries or references so that the templates can be ordered",
        steps.join(", ")
    ))
}

/// An edge's source in words: `depends_on at web.hcl:4:3`, `envFrom.configMapRef at
/// /spec/template/spec/containers/0/envFrom/0 (web.yaml:12:11)`.
fn describe(edge: &Edge, sources: &Sources) -> String {
    let position = edge.span.as_ref().and_then(|span| sources.position(span));
    match (&edge.source, position) {
        (EdgeSource::Reference { relation, pointer }, Some(position)) => {
            format!("{relation} at {pointer} ({position})")
        }
        (EdgeSource::Reference { relation, pointer }, None) => format!("{relation} at {pointer}"),
        (source, Some(position)) => format!("{} at {position}", source.label()),
        (source, None) => source.label().to_owned(),
    }
}
