use serde_json::json;

use super::*;
use crate::testing::{ModelBuilder, model_with_sources};

fn object(text: &str) -> ObjectRef {
    text.parse().unwrap()
}

fn graph_of(builder: ModelBuilder) -> (DependencyGraph, Diagnostics) {
    let (model, sources) = builder.build_with_sources();
    let mut diagnostics = Diagnostics::new();
    let graph = build(&model, &sources, &mut diagnostics);
    (graph, diagnostics)
}

/// Each hard edge as `before -> after: label`.
fn edges(graph: &DependencyGraph) -> Vec<String> {
    graph
        .edges()
        .iter()
        .map(|edge| format!("{} -> {}: {}", edge.before, edge.after, edge.source.label()))
        .collect()
}

#[test]
fn kinds_follow_helm_order_in_dense_waves() {
    let (graph, diagnostics) = graph_of(
        ModelBuilder::new()
            .template("apps/v1", "Deployment", "web", |_| {})
            .template("v1", "ConfigMap", "config", |_| {})
            .template("v1", "Service", "web", |_| {})
            .template("v1", "ConfigMap", "other", |_| {}),
    );
    assert!(diagnostics.is_empty());
    let wave = |text: &str| graph.wave(&object(text));
    assert_eq!(wave("core/ConfigMap/default/config"), 0);
    assert_eq!(wave("core/ConfigMap/default/other"), 0);
    assert_eq!(wave("core/Service/default/web"), 1);
    assert_eq!(wave("apps/Deployment/default/web"), 2);
    assert_eq!(graph.wave_count(), 3);
    // Kind order alone makes no hard edge.
    assert!(graph.edges().is_empty());
}

#[test]
fn depends_on_can_move_a_template_after_a_later_kind() {
    let (graph, diagnostics) = graph_of(
        ModelBuilder::new()
            .template("apps/v1", "Deployment", "web", |_| {})
            .template("v1", "ConfigMap", "after-web", |template| {
                template.depends_on("apps/Deployment/default/web");
            }),
    );
    assert!(diagnostics.is_empty());
    // Nothing precedes the Deployment once the ConfigMap waits for it: against kind order, the
    // hard edge wins and there is no cycle.
    assert_eq!(graph.wave(&object("apps/Deployment/default/web")), 0);
    assert_eq!(graph.wave(&object("core/ConfigMap/default/after-web")), 1);
    assert_eq!(
        edges(&graph),
        ["apps/Deployment/default/web -> core/ConfigMap/default/after-web: mcctl.io/depends-on"]
    );
    // The kind-order edge it overrides is not shown.
    assert!(graph.kind_order_edges().is_empty());
}

#[test]
fn hcl_depends_on_is_an_edge_of_its_own_kind() {
    let (model, sources, diagnostics) = model_with_sources(&[(
        "main.hcl",
        r#"
template "config" {
  manifest = { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "config" } }
}
template "web" {
  manifest   = { apiVersion = "v1", kind = "Service", metadata = { name = "web" } }
  depends_on = [template.config]
}
"#,
    )]);
    assert!(!diagnostics.has_errors(), "{diagnostics:#?}");
    let mut diagnostics = Diagnostics::new();
    let graph = build(&model, &sources, &mut diagnostics);
    assert_eq!(
        edges(&graph),
        ["core/ConfigMap/default/config -> core/Service/default/web: depends_on"]
    );
}

#[test]
fn references_to_templates_are_edges_and_others_are_not() {
    let (graph, diagnostics) = graph_of(
        ModelBuilder::new()
            .template("v1", "ConfigMap", "env", |_| {})
            .template("apps/v1", "Deployment", "web", |template| {
                template.set(
                    "/spec/template/spec",
                    json!({"containers": [{"name": "web", "image": "nginx",
                        "envFrom": [{"configMapRef": {"name": "env"}}, {"secretRef": {"name": "undeclared"}}]}]}),
                );
            }),
    );
    assert!(diagnostics.is_empty());
    assert_eq!(
        edges(&graph),
        ["core/ConfigMap/default/env -> apps/Deployment/default/web: envFrom.configMapRef"]
    );
    let edge = &graph.edges()[0];
    assert_eq!(
        edge.source,
        EdgeSource::Reference {
            relation: Relation::EnvFromConfigMap,
            pointer: "/spec/template/spec/containers/0/envFrom/0".to_owned()
        }
    );
    assert!(edge.span.is_some());
    assert!(graph.wave(&edge.before) < graph.wave(&edge.after));
}

#[test]
fn namespaces_roles_and_crds_are_edges() {
    let (graph, diagnostics) = graph_of(
        ModelBuilder::new()
            .template("v1", "Namespace", "shop", |_| {})
            .template("v1", "ConfigMap", "env", |template| {
                template.set("/metadata/namespace", json!("shop"));
            })
            .template("rbac.authorization.k8s.io/v1", "Role", "reader", |_| {})
            .template(
                "rbac.authorization.k8s.io/v1",
                "RoleBinding",
                "read",
                |template| {
                    template.set(
                        "/roleRef",
                        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}),
                    );
                },
            )
            .template(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                "widgets.example.com",
                |template| {
                    template.set(
                        "/spec",
                        json!({"group": "example.com", "scope": "Namespaced",
                               "names": {"kind": "Widget", "plural": "widgets"},
                               "versions": [{"name": "v1", "served": true, "storage": true}]}),
                    );
                },
            )
            .template("example.com/v1", "Widget", "w", |_| {}),
    );
    assert!(diagnostics.is_empty());
    assert_eq!(
        edges(&graph),
        [
            "core/Namespace/_/shop -> core/ConfigMap/shop/env: metadata.namespace",
            "apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com -> example.com/Widget/default/w: custom resource definition",
            "rbac.authorization.k8s.io/Role/default/reader -> rbac.authorization.k8s.io/RoleBinding/default/read: roleRef",
        ]
    );
    let wave = |text: &str| graph.wave(&object(text));
    assert!(
        wave("apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com")
            < wave("example.com/Widget/default/w")
    );
}

#[test]
fn a_reference_makes_a_strict_order_inside_one_kind() {
    // Kind order would put both Pods in one wave; the reference splits them.
    let (graph, _) = graph_of(
        ModelBuilder::new()
            .template("v1", "Pod", "a", |_| {})
            .template("v1", "ServiceAccount", "runner", |_| {})
            .template("v1", "Pod", "b", |template| {
                template.set(
                    "/spec",
                    json!({"serviceAccountName": "runner", "containers": []}),
                );
                template.depends_on("core/Pod/default/a");
            }),
    );
    let wave = |text: &str| graph.wave(&object(text));
    assert_eq!(wave("core/ServiceAccount/default/runner"), 0);
    assert_eq!(wave("core/Pod/default/a"), 1);
    assert_eq!(wave("core/Pod/default/b"), 2);
}

#[test]
fn kind_order_edges_give_each_template_one_edge_from_the_kind_before() {
    let (graph, _) = graph_of(
        ModelBuilder::new()
            .template("v1", "Namespace", "shop", |_| {})
            .template("v1", "ConfigMap", "a", |_| {})
            .template("v1", "ConfigMap", "b", |_| {})
            .template("apps/v1", "Deployment", "web", |_| {}),
    );
    let shown: Vec<String> = graph
        .kind_order_edges()
        .iter()
        .map(|edge| format!("{} -> {}", edge.before, edge.after))
        .collect();
    assert_eq!(
        shown,
        [
            "core/Namespace/_/shop -> core/ConfigMap/default/a",
            "core/Namespace/_/shop -> core/ConfigMap/default/b",
            "core/ConfigMap/default/b -> apps/Deployment/default/web",
        ]
    );
}

#[test]
fn cycles_are_errors_naming_every_edge_and_its_source() {
    let (graph, diagnostics) = graph_of(
        ModelBuilder::new()
            .template("v1", "ConfigMap", "a", |template| {
                template.depends_on("core/ConfigMap/default/b");
            })
            .template("v1", "ConfigMap", "b", |template| {
                template.depends_on("core/ConfigMap/default/a");
            }),
    );
    assert_eq!(graph.wave_count(), 0);
    let error = diagnostics.iter().next().unwrap();
    assert_eq!(error.code, "mcctl::graph::cycle");
    assert_eq!(
        error.message,
        "dependency cycle between core/ConfigMap/default/a, core/ConfigMap/default/b"
    );
    assert_eq!(error.labels.len(), 2);
    let help = error.help.as_deref().unwrap();
    assert!(
        help.starts_with("`core/ConfigMap/default/b` waits for `core/ConfigMap/default/a` (mcctl.io/depends-on at test.yaml:3:"),
        "{help}"
    );
}

#[test]
fn a_cycle_through_a_reference_names_its_pointer() {
    let (_, diagnostics) = graph_of(
        ModelBuilder::new()
            .template("v1", "ConfigMap", "env", |template| {
                template.depends_on("apps/Deployment/default/web");
            })
            .template("apps/v1", "Deployment", "web", |template| {
                template.set(
                    "/spec/template/spec",
                    json!({"containers": [{"name": "web", "envFrom": [{"configMapRef": {"name": "env"}}]}]}),
                );
            }),
    );
    let error = diagnostics.iter().next().unwrap();
    let help = error.help.as_deref().unwrap();
    assert!(
        help.contains("`apps/Deployment/default/web` waits for `core/ConfigMap/default/env` (envFrom.configMapRef at /spec/template/spec/containers/0/envFrom/0 (test.yaml:"),
        "{help}"
    );
    assert!(
        help.contains("`core/ConfigMap/default/env` waits for `apps/Deployment/default/web` (mcctl.io/depends-on at test.yaml:"),
        "{help}"
    );
    assert_eq!(error.labels.len(), 2);
}

#[test]
fn only_the_edges_of_one_cycle_are_reported() {
    // a ⇄ b is the cycle; c hangs off it and is not part of it.
    let (_, diagnostics) = graph_of(
        ModelBuilder::new()
            .template("v1", "ConfigMap", "a", |template| {
                template.depends_on("core/ConfigMap/default/b");
            })
            .template("v1", "ConfigMap", "b", |template| {
                template.depends_on("core/ConfigMap/default/a");
            })
            .template("v1", "ConfigMap", "c", |template| {
                template.depends_on("core/ConfigMap/default/a");
            }),
    );
    assert_eq!(diagnostics.len(), 1);
    let error = diagnostics.iter().next().unwrap();
    assert!(!error.message.contains("/c"), "{}", error.message);
}
