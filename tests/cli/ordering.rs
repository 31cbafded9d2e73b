use crate::snapshot;
use crate::support::TestContext;

/// The objects of an apply or destroy log in the order they were changed.
fn changed(stdout: &str, done: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| line.trim().strip_prefix("eu-1: "))
        .filter_map(|line| line.strip_suffix(&format!(": {done}")))
        .map(str::to_owned)
        .collect()
}

fn position(log: &[String], object: &str) -> usize {
    log.iter()
        .position(|line| line == object)
        .unwrap_or_else(|| panic!("`{object}` is not in {log:?}"))
}

const NAMESPACE: &str = "core/Namespace/_/shop";
const CONFIG_MAP: &str = "core/ConfigMap/shop/web-env";
const DEPLOYMENT: &str = "apps/Deployment/shop/web";
const CRD: &str = "apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com";
const WIDGET: &str = "example.com/Widget/shop/gear";

#[test]
fn apply_follows_the_graph_and_destroy_reverses_it() {
    let context = TestContext::new("apply-order");
    let apply = context.run(&["apply", "--auto-approve"]);
    apply.expect_code(0);
    // The cluster lists its APIs without `example.com/v1`: the Widget is placed only because
    // the workspace's CRD goes there too, and nothing warns that its scope is unknown.
    assert!(!apply.stderr.contains("unknown"), "{}", apply.stderr);
    let created = changed(&apply.stdout, "created");
    assert_eq!(created.len(), 5, "{}", apply.stdout);
    assert_eq!(created[0], NAMESPACE);
    assert!(position(&created, CONFIG_MAP) < position(&created, DEPLOYMENT));
    assert!(position(&created, CRD) < position(&created, WIDGET));
    assert!(
        context
            .path("out/eu-1/shop/widget.example.com.gear.yaml")
            .is_file()
    );
    // Each of these is its own wave.
    for wave in 0..5 {
        assert!(
            apply
                .stdout
                .contains(&format!("Wave {wave}, batch 1: eu-1")),
            "{}",
            apply.stdout
        );
    }

    let destroy = context.run(&["destroy", "--auto-approve"]);
    destroy.expect_code(0);
    let deleted = changed(&destroy.stdout, "deleted");
    assert_eq!(deleted.len(), 5, "{}", destroy.stdout);
    assert_eq!(deleted[4], NAMESPACE);
    assert!(position(&deleted, DEPLOYMENT) < position(&deleted, CONFIG_MAP));
    assert!(position(&deleted, WIDGET) < position(&deleted, CRD));
}

#[test]
fn a_custom_resource_plans_offline_with_its_crd_from_the_workspace() {
    let context = TestContext::new("apply-order");
    let plan = context.run(&["plan", "--refresh=false"]);
    plan.expect_code(0);
    assert!(
        plan.stdout
            .contains("+ example.com/Widget/shop/gear will be created"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("Plan: 5 to add"), "{}", plan.stdout);
}

#[test]
fn explain_names_the_crd_that_serves_a_custom_resource() {
    let context = TestContext::new("apply-order");
    let explain = context.run(&["--no-color", "explain", WIDGET]);
    explain.expect_code(0);
    assert!(
        explain.stdout.contains(&format!(
            "is served by `{CRD}`, which this plan places on the cluster first"
        )),
        "{}",
        explain.stdout
    );
}

#[test]
fn graph_prints_dot_by_default() {
    let context = TestContext::new("apply-order");
    let outcome = context.run(&["graph"]);
    outcome.expect_code(0);
    snapshot!(context, outcome.stdout, @r#"
    digraph mcctl {
      rankdir=LR;
      node [shape=box, fontname="Helvetica"];
      edge [fontname="Helvetica", fontsize=10];
      subgraph cluster_wave_0 {
        label="wave 0";
        style=dashed;
        "core/Namespace/_/shop";
      }
      subgraph cluster_wave_1 {
        label="wave 1";
        style=dashed;
        "core/ConfigMap/shop/web-env";
      }
      subgraph cluster_wave_2 {
        label="wave 2";
        style=dashed;
        "apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com";
      }
      subgraph cluster_wave_3 {
        label="wave 3";
        style=dashed;
        "apps/Deployment/shop/web";
      }
      subgraph cluster_wave_4 {
        label="wave 4";
        style=dashed;
        "example.com/Widget/shop/gear";
      }
      "apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com" -> "example.com/Widget/shop/gear" [label="custom resource definition"];
      "core/ConfigMap/shop/web-env" -> "apps/Deployment/shop/web" [label="envFrom.configMapRef"];
      "core/Namespace/_/shop" -> "apps/Deployment/shop/web" [label="metadata.namespace"];
      "core/Namespace/_/shop" -> "core/ConfigMap/shop/web-env" [label="metadata.namespace"];
      "core/Namespace/_/shop" -> "example.com/Widget/shop/gear" [label="metadata.namespace"];
    }
    "#);
}

#[test]
fn graph_prints_mermaid_with_kind_order_on_request() {
    let context = TestContext::new("apply-order");
    let outcome = context.run(&["graph", "--format", "mermaid", "--kind-order"]);
    outcome.expect_code(0);
    snapshot!(context, outcome.stdout, @r#"
    flowchart LR
      subgraph wave0["wave 0"]
        n3["core/Namespace/_/shop"]
      end
      subgraph wave1["wave 1"]
        n2["core/ConfigMap/shop/web-env"]
      end
      subgraph wave2["wave 2"]
        n0["apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com"]
      end
      subgraph wave3["wave 3"]
        n1["apps/Deployment/shop/web"]
      end
      subgraph wave4["wave 4"]
        n4["example.com/Widget/shop/gear"]
      end
      n0 -.->|"kind order"| n1
      n0 -->|"custom resource definition"| n4
      n1 -.->|"kind order"| n4
      n2 -.->|"kind order"| n0
      n2 -->|"envFrom.configMapRef"| n1
      n3 -->|"metadata.namespace"| n1
      n3 -->|"metadata.namespace"| n2
      n3 -->|"metadata.namespace"| n4
    "#);
}

#[test]
fn graph_of_a_workspace_with_a_cycle_fails_with_the_cycle() {
    let context = TestContext::with_files(&[(
        "app.yaml",
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: env
  annotations: {mcctl.io/depends-on: apps/Deployment/default/web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          envFrom: [{configMapRef: {name: env}}]
",
    )]);
    let outcome = context.run(&["--no-color", "graph"]);
    outcome.expect_code(1);
    assert!(outcome.stdout.is_empty(), "{}", outcome.stdout);
    snapshot!(context, outcome.stderr, @r"
    mcctl::graph::cycle

      × dependency cycle between apps/Deployment/default/web, core/ConfigMap/default/env
       ╭─[app.yaml:5:38]
     4 │   name: env
     5 │   annotations: {mcctl.io/depends-on: apps/Deployment/default/web}
       ·                                      ─────────────┬─────────────
       ·                                                   ╰── `core/ConfigMap/default/env` waits for `apps/Deployment/default/web`: mcctl.io/depends-on
     6 │ ---
       ╰────
        ╭─[app.yaml:15:21]
     14 │         - name: web
     15 │           envFrom: [{configMapRef: {name: env}}]
        ·                     ┬
        ·                     ╰── `apps/Deployment/default/web` waits for `core/ConfigMap/default/env`: envFrom.configMapRef
        ╰────
      help: `core/ConfigMap/default/env` waits for `apps/Deployment/default/web` (mcctl.io/depends-on
            at app.yaml:5:38), `apps/Deployment/default/web` waits for `core/ConfigMap/default/env`
            (envFrom.configMapRef at /spec/template/spec/containers/0/envFrom/0 (app.yaml:15:21));
            remove one of these `depends_on` entries or references so that the templates can be
            ordered

    error: 1 error in the workspace
    ");
}
