//! `mcctl graph`: a [`DependencyGraph`] as Graphviz DOT or a Mermaid flowchart.
//!
//! Templates are nodes named by their address, one box (DOT cluster, Mermaid subgraph) per
//! wave; edges point from the template applied first and are labelled with what made them.
//! Text only: the caller prints it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::addr::ObjectRef;
use crate::graph::{DependencyGraph, Edge};

/// What to draw besides templates and hard edges.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Draw kind-order edges between adjacent kinds.
    pub kind_order: bool,
}

/// One drawn edge: every reason between the same two templates on one arrow.
struct Arrow<'a> {
    before: &'a ObjectRef,
    after: &'a ObjectRef,
    labels: Vec<&'a str>,
    soft: bool,
}

/// The edges to draw, merged per (before, after) pair, hard edges first.
fn arrows<'a>(graph: &'a DependencyGraph, kind_order: &'a [Edge]) -> Vec<Arrow<'a>> {
    let mut merged: BTreeMap<(&ObjectRef, &ObjectRef), Arrow<'a>> = BTreeMap::new();
    for edge in graph.edges() {
        let arrow = merged
            .entry((&edge.before, &edge.after))
            .or_insert_with(|| Arrow {
                before: &edge.before,
                after: &edge.after,
                labels: Vec::new(),
                soft: false,
            });
        let label = edge.source.label();
        if !arrow.labels.contains(&label) {
            arrow.labels.push(label);
        }
    }
    // A kind-order edge beside a hard one says nothing more.
    for edge in kind_order {
        merged
            .entry((&edge.before, &edge.after))
            .or_insert_with(|| Arrow {
                before: &edge.before,
                after: &edge.after,
                labels: vec![edge.source.label()],
                soft: true,
            });
    }
    merged.into_values().collect()
}

/// Templates by wave.
fn by_wave(graph: &DependencyGraph) -> BTreeMap<usize, Vec<&ObjectRef>> {
    let mut waves: BTreeMap<usize, Vec<&ObjectRef>> = BTreeMap::new();
    for (object, wave) in graph.waves() {
        waves.entry(*wave).or_default().push(object);
    }
    waves
}

/// A DOT string literal.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The graph in Graphviz DOT; render it with `dot -Tsvg`.
#[must_use]
pub fn dot(graph: &DependencyGraph, options: Options) -> String {
    let kind_order = if options.kind_order {
        graph.kind_order_edges()
    } else {
        Vec::new()
    };
    let mut out = String::new();
    let _ = writeln!(out, "digraph mcctl {{");
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [shape=box, fontname=\"Helvetica\"];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
    for (wave, objects) in by_wave(graph) {
        // `cluster_` makes Graphviz draw a box around the wave.
        let _ = writeln!(out, "  subgraph cluster_wave_{wave} {{");
        let _ = writeln!(out, "    label={};", quoted(&format!("wave {wave}")));
        let _ = writeln!(out, "    style=dashed;");
        for object in objects {
            let _ = writeln!(out, "    {};", quoted(&object.to_string()));
        }
        let _ = writeln!(out, "  }}");
    }
    for arrow in arrows(graph, &kind_order) {
        let style = if arrow.soft {
            ", style=dashed, color=gray50, fontcolor=gray50"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            quoted(&arrow.before.to_string()),
            quoted(&arrow.after.to_string()),
            quoted(&arrow.labels.join(", "))
        );
    }
    let _ = writeln!(out, "}}");
    out
}

/// A Mermaid label: quotes become `#quot;`, Mermaid's entity for them.
fn mermaid_text(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "#quot;"))
}

/// The graph as a Mermaid flowchart (for Markdown that renders Mermaid).
#[must_use]
pub fn mermaid(graph: &DependencyGraph, options: Options) -> String {
    let kind_order = if options.kind_order {
        graph.kind_order_edges()
    } else {
        Vec::new()
    };
    // Addresses hold `/`, which Mermaid ids cannot: number the nodes in address order.
    let ids: BTreeMap<&ObjectRef, String> = graph
        .waves()
        .keys()
        .enumerate()
        .map(|(index, object)| (object, format!("n{index}")))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "flowchart LR");
    for (wave, objects) in by_wave(graph) {
        let _ = writeln!(
            out,
            "  subgraph wave{wave}[{}]",
            mermaid_text(&format!("wave {wave}"))
        );
        for object in objects {
            let _ = writeln!(
                out,
                "    {}[{}]",
                ids[object],
                mermaid_text(&object.to_string())
            );
        }
        let _ = writeln!(out, "  end");
    }
    for arrow in arrows(graph, &kind_order) {
        let (Some(before), Some(after)) = (ids.get(arrow.before), ids.get(arrow.after)) else {
            continue;
        };
        let link = if arrow.soft { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  {before} {link}|{}| {after}",
            mermaid_text(&arrow.labels.join(", "))
        );
    }
    out
}
