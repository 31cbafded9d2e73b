//! Stage 3, graph: [`Model`] → [`DependencyGraph`], the order templates are applied in.
//!
//! Hard edges come from `depends_on` (HCL) and the `mcctl.io/depends-on` annotation; a cycle
//! among them is an error. Helm's install order of kinds is a soft floor on top: a template is
//! never applied before the kinds Helm installs earlier, unless a hard edge says otherwise.
//! Waves are dense levels: everything in wave `n` may go once waves `0..n` are done. Pure.

pub mod references;

use std::collections::BTreeMap;

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::addr::ObjectRef;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Model;

/// Helm's install order (DESIGN.md §4); kinds not listed come after all of these.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// The position of a kind in Helm's install order.
#[must_use]
pub fn kind_rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|known| *known == kind)
        .unwrap_or(KIND_ORDER.len())
}

/// The wave of every template: the order apply follows.
#[derive(Debug, Clone, Default)]
pub struct DependencyGraph {
    waves: BTreeMap<ObjectRef, usize>,
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
}

/// Builds the graph and assigns waves. A dependency cycle is reported and leaves the graph empty.
#[must_use]
pub fn build(model: &Model, diagnostics: &mut Diagnostics) -> DependencyGraph {
    let mut graph = DiGraph::new();
    let mut nodes: BTreeMap<&ObjectRef, NodeIndex> = BTreeMap::new();
    for template in &model.templates {
        nodes.insert(&template.object, graph.add_node(template.object.clone()));
    }
    for template in &model.templates {
        for (dependency, _) in &template.depends_on {
            if let (Some(&from), Some(&to)) = (nodes.get(dependency), nodes.get(&template.object)) {
                graph.update_edge(from, to, ());
            }
        }
    }
    let Ok(order) = toposort(&graph, None) else {
        report_cycles(model, &graph, diagnostics);
        return DependencyGraph::default();
    };
    // Levels from the kinds present, so that waves stay dense.
    let mut ranks: Vec<usize> = model
        .templates
        .iter()
        .map(|template| kind_rank(&template.object.kind))
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    let mut level: BTreeMap<NodeIndex, usize> = BTreeMap::new();
    for node in order {
        let object = &graph[node];
        let floor = ranks.binary_search(&kind_rank(&object.kind)).unwrap_or(0);
        let after_dependencies = graph
            .neighbors_directed(node, petgraph::Direction::Incoming)
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
    DependencyGraph { waves }
}

fn report_cycles(model: &Model, graph: &DiGraph<ObjectRef, ()>, diagnostics: &mut Diagnostics) {
    for component in tarjan_scc(graph) {
        if component.len() < 2 {
            continue;
        }
        let mut members: Vec<&ObjectRef> = component.iter().map(|node| &graph[*node]).collect();
        members.sort();
        let names: Vec<String> = members.iter().map(ToString::to_string).collect();
        let mut diagnostic = Diagnostic::error(
            "mcctl::graph::cycle",
            format!("dependency cycle between {}", names.join(", ")),
        )
        .with_help("remove one of these `depends_on` entries so that the templates can be ordered");
        for member in &members {
            if let Some(template) = model.template(member) {
                for (dependency, span) in &template.depends_on {
                    if members.contains(&dependency) {
                        diagnostic = diagnostic.with_label(
                            span.clone(),
                            format!("`{member}` depends on `{dependency}`"),
                        );
                    }
                }
            }
        }
        diagnostics.push(diagnostic.with_resource(members[0].clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ModelBuilder;

    #[test]
    fn kinds_follow_helm_order_in_dense_waves() {
        let model = ModelBuilder::new()
            .template("apps/v1", "Deployment", "web", |_| {})
            .template("v1", "ConfigMap", "config", |_| {})
            .template("v1", "Service", "web", |_| {})
            .template("v1", "ConfigMap", "other", |_| {})
            .build();
        let mut diagnostics = Diagnostics::new();
        let graph = build(&model, &mut diagnostics);
        let wave = |text: &str| graph.wave(&text.parse().unwrap());
        assert_eq!(wave("core/ConfigMap/default/config"), 0);
        assert_eq!(wave("core/ConfigMap/default/other"), 0);
        assert_eq!(wave("core/Service/default/web"), 1);
        assert_eq!(wave("apps/Deployment/default/web"), 2);
        assert_eq!(graph.wave_count(), 3);
    }

    #[test]
    fn depends_on_can_move_a_template_after_a_later_kind() {
        let model = ModelBuilder::new()
            .template("apps/v1", "Deployment", "web", |_| {})
            .template("v1", "ConfigMap", "after-web", |template| {
                template.depends_on("apps/Deployment/default/web");
            })
            .build();
        let mut diagnostics = Diagnostics::new();
        let graph = build(&model, &mut diagnostics);
        assert!(diagnostics.is_empty());
        // Nothing precedes the Deployment once the ConfigMap waits for it.
        assert_eq!(
            graph.wave(&"apps/Deployment/default/web".parse().unwrap()),
            0
        );
        assert_eq!(
            graph.wave(&"core/ConfigMap/default/after-web".parse().unwrap()),
            1
        );
    }

    #[test]
    fn cycles_are_errors_naming_every_member() {
        let model = ModelBuilder::new()
            .template("v1", "ConfigMap", "a", |template| {
                template.depends_on("core/ConfigMap/default/b");
            })
            .template("v1", "ConfigMap", "b", |template| {
                template.depends_on("core/ConfigMap/default/a");
            })
            .build();
        let mut diagnostics = Diagnostics::new();
        let graph = build(&model, &mut diagnostics);
        assert_eq!(graph.wave_count(), 0);
        let error = diagnostics.iter().next().unwrap();
        assert_eq!(
            error.message,
            "dependency cycle between core/ConfigMap/default/a, core/ConfigMap/default/b"
        );
        assert_eq!(error.labels.len(), 2);
    }
}
