//! Stage 3, graph: [`Model`] → [`DependencyGraph`], the order templates are applied in.
//!
//! Hard edges come from references between templates ([`references`]), `depends_on` (HCL) and
//! the `mcctl.io/depends-on` annotation; a cycle among them is an error. Helm's kind order is a
//! soft floor on top ([`kind_order`]): it never adds a cycle, and a hard edge against it wins.
//! Waves are dense levels: wave `n` may go once waves `0..n` are done. Pure.

mod cycle;
pub mod kind_order;
pub mod references;

use std::collections::BTreeMap;

use petgraph::Direction;
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::Value;

use crate::addr::ObjectRef;
use crate::diag::{Diagnostics, Sources, Span};
use crate::model::crd::CustomResourceDefinitions;
use crate::model::{Model, Template};

pub use self::kind_order::kind_rank;
use self::references::{Relation, references};

/// Where an edge comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeSource {
    /// The later template's manifest names the earlier one.
    Reference {
        /// How it names it.
        relation: Relation,
        /// Where, as a JSON pointer into the later template's manifest.
        pointer: String,
    },
    /// A `depends_on` entry of the later template's HCL block.
    DependsOn,
    /// An entry of the later template's `mcctl.io/depends-on` annotation.
    Annotation,
    /// Helm's kind order: soft, shown only on request.
    KindOrder,
}

impl EdgeSource {
    /// A short name for the edge: the reference's field, `depends_on`, or `kind order`.
    #[must_use]
    pub fn label(&self) -> &str {
        match self {
            Self::Reference { relation, .. } => relation.field(),
            Self::DependsOn => "depends_on",
            Self::Annotation => "mcctl.io/depends-on",
            Self::KindOrder => "kind order",
        }
    }
}

/// `before` is applied in an earlier wave than `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The template applied first.
    pub before: ObjectRef,
    /// The template that waits for it.
    pub after: ObjectRef,
    /// Why.
    pub source: EdgeSource,
    /// Where the edge is declared (in `after`'s file); none for kind order.
    pub span: Option<Span>,
}

/// The waves of the templates and the hard edges that decided them.
#[derive(Debug, Clone, Default)]
pub struct DependencyGraph {
    waves: BTreeMap<ObjectRef, usize>,
    edges: Vec<Edge>,
}

impl DependencyGraph {
    /// The wave of a template (0 for an object the graph does not know, such as an implicit
    /// namespace, which must come first).
    #[must_use]
    pub fn wave(&self, object: &ObjectRef) -> usize {
        self.waves.get(object).copied().unwrap_or(0)
    }

    /// Number of waves.
    #[must_use]
    pub fn wave_count(&self) -> usize {
        self.waves.values().max().map_or(0, |max| max + 1)
    }

    /// Every template with its wave, by [`ObjectRef`].
    #[must_use]
    pub fn waves(&self) -> &BTreeMap<ObjectRef, usize> {
        &self.waves
    }

    /// The hard edges (references and `depends_on`), in template order.
    #[must_use]
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The kind-order edges that still hold, one per template: from the template of the kind
    /// just before its own (in Helm's order, among the kinds present) that is applied last
    /// before it. None where a hard edge moved every template of that kind to the same wave or
    /// later. One edge per template keeps the drawing linear in the number of templates; the
    /// floor itself is on the whole kind.
    #[must_use]
    pub fn kind_order_edges(&self) -> Vec<Edge> {
        let mut by_rank: BTreeMap<usize, Vec<&ObjectRef>> = BTreeMap::new();
        for object in self.waves.keys() {
            by_rank
                .entry(kind_rank(&object.kind))
                .or_default()
                .push(object);
        }
        let mut ranks: Vec<Vec<&ObjectRef>> = by_rank.into_values().collect();
        for group in &mut ranks {
            group.sort_by_key(|object| self.wave(object));
        }
        let mut edges = Vec::new();
        for pair in ranks.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            for after in later {
                let wave = self.wave(after);
                // The last template of the earlier kind in a wave before this one.
                let count = earlier.partition_point(|before| self.wave(before) < wave);
                if let Some(before) = count.checked_sub(1).map(|index| earlier[index]) {
                    edges.push(Edge {
                        before: before.clone(),
                        after: (*after).clone(),
                        source: EdgeSource::KindOrder,
                        span: None,
                    });
                }
            }
        }
        edges
    }
}

/// Builds the graph and assigns waves. A dependency cycle is reported (with `sources`, to name
/// each edge's file and line) and leaves the graph empty.
#[must_use]
pub fn build(model: &Model, sources: &Sources, diagnostics: &mut Diagnostics) -> DependencyGraph {
    let edges = hard_edges(model);
    let mut graph: DiGraph<ObjectRef, usize> = DiGraph::new();
    let mut nodes: BTreeMap<&ObjectRef, NodeIndex> = BTreeMap::new();
    for template in &model.templates {
        nodes.insert(&template.object, graph.add_node(template.object.clone()));
    }
    for (index, edge) in edges.iter().enumerate() {
        if let (Some(&before), Some(&after)) = (nodes.get(&edge.before), nodes.get(&edge.after)) {
            graph.add_edge(before, after, index);
        }
    }
    let Ok(order) = toposort(&graph, None) else {
        cycle::report(model, &graph, &edges, sources, diagnostics);
        return DependencyGraph::default();
    };
    // Kind order as a floor: a template's level is at least its kind's position among the kinds
    // present (dense, so waves stay few), and one more than every hard predecessor's level. A
    // floor only ever raises a level, so it cannot contradict a hard edge.
    let mut ranks: Vec<usize> = model
        .templates
        .iter()
        .map(|template| kind_rank(&template.object.kind))
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    let mut level: BTreeMap<NodeIndex, usize> = BTreeMap::new();
    for node in order {
        let floor = ranks
            .binary_search(&kind_rank(&graph[node].kind))
            .unwrap_or(0);
        let after_dependencies = graph
            .neighbors_directed(node, Direction::Incoming)
            .filter_map(|dependency| level.get(&dependency))
            .map(|dependency_level| dependency_level + 1)
            .max()
            .unwrap_or(0);
        level.insert(node, floor.max(after_dependencies));
    }
    let mut distinct: Vec<usize> = level.values().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let waves = level
        .into_iter()
        .map(|(node, level)| {
            (
                graph[node].clone(),
                distinct.binary_search(&level).unwrap_or(0),
            )
        })
        .collect();
    DependencyGraph { waves, edges }
}

/// References to other templates and `depends_on` entries, as edges. References to objects the
/// workspace does not declare (an implicit namespace, a Secret made elsewhere) order nothing.
fn hard_edges(model: &Model) -> Vec<Edge> {
    let crds = CustomResourceDefinitions::from_manifests(
        model.templates.iter().map(|template| &template.manifest),
    );
    let mut edges = Vec::new();
    for template in &model.templates {
        for reference in references(&template.object, &template.manifest, &crds) {
            if reference.target == template.object || model.template(&reference.target).is_none() {
                continue;
            }
            edges.push(Edge {
                span: Some(template.spans.value(&reference.pointer)),
                before: reference.target,
                after: template.object.clone(),
                source: EdgeSource::Reference {
                    relation: reference.relation,
                    pointer: reference.pointer,
                },
            });
        }
        let annotation = annotation_span(template);
        for (dependency, span) in &template.depends_on {
            let source = if annotation.as_ref() == Some(span) {
                EdgeSource::Annotation
            } else {
                EdgeSource::DependsOn
            };
            edges.push(Edge {
                before: dependency.clone(),
                after: template.object.clone(),
                source,
                span: Some(span.clone()),
            });
        }
    }
    edges
}

/// The span of the `mcctl.io/depends-on` annotation, when the template has one: the model keeps
/// its entries with that span, which tells them from HCL `depends_on` entries.
fn annotation_span(template: &Template) -> Option<Span> {
    const POINTER: &str = "/metadata/annotations/mcctl.io~1depends-on";
    template
        .manifest
        .pointer(POINTER)
        .and_then(Value::as_str)
        .map(|_| template.spans.value(POINTER))
}

#[cfg(test)]
mod tests;
