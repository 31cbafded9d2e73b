//! The same declarations written in Karmada YAML and in HCL build the same model
//! (DESIGN.md §3's mapping table).

use std::fmt::Write as _;

use crate::model::Model;
use crate::testing::model_from;

/// The parts of a model that do not depend on where they were written.
fn comparable(model: &Model) -> String {
    let mut out = String::new();
    for cluster in &model.clusters {
        let _ = writeln!(
            out,
            "cluster {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            cluster.name,
            cluster.labels,
            cluster.provider,
            cluster.region,
            cluster.zones,
            cluster.taints,
            cluster.access,
            cluster.declared_status
        );
    }
    for template in &model.templates {
        let _ = writeln!(out, "template {} {}", template.object, template.manifest);
    }
    for policy in &model.propagation_policies {
        let _ = writeln!(
            out,
            "propagation {} {} {:?} {:?} {}",
            policy.id, policy.priority, policy.selectors, policy.placement, policy.propagate_deps
        );
    }
    for policy in &model.override_policies {
        let _ = writeln!(
            out,
            "override {} {:?} {:?}",
            policy.id, policy.selectors, policy.rules
        );
    }
    out
}

fn assert_same(yaml: &str, hcl: &str) {
    let from_yaml = model_from(&[("config.yaml", yaml)]);
    let from_hcl = model_from(&[("config.hcl", hcl)]);
    assert_eq!(comparable(&from_yaml), comparable(&from_hcl));
    assert!(!comparable(&from_yaml).is_empty());
}

#[test]
fn clusters() {
    assert_same(
        r#"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: eu-1
  labels: {env: prod, tier: canary}
  annotations: {mcctl.io/directory: out/eu-1}
spec:
  syncMode: Pull
  provider: aws
  region: eu-west-1
  zones: [eu-west-1a, eu-west-1b]
  taints: [{key: maintenance, value: "true", effect: NoSchedule}]
status:
  apiEnablements:
    - groupVersion: apps/v1
      resources: [{name: deployments, kind: Deployment}]
  resourceSummary:
    allocatable: {cpu: "64", pods: "110"}
"#,
        r#"
cluster "eu-1" {
  directory       = "out/eu-1"
  provider        = "aws"
  region          = "eu-west-1"
  zones           = ["eu-west-1a", "eu-west-1b"]
  labels          = { env = "prod", tier = "canary" }
  api_enablements = ["apps/v1/Deployment"]
  capacity        = { cpu = "64", pods = "110" }

  taint {
    key    = "maintenance"
    value  = "true"
    effect = "NoSchedule"
  }
}
"#,
    );
}

#[test]
fn propagation_policies() {
    assert_same(
        r"
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  priority: 5
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
    - apiVersion: v1
      kind: ConfigMap
      labelSelector:
        matchLabels: {app: web}
        matchExpressions: [{key: tier, operator: In, values: [a, b]}]
  placement:
    clusterAffinity:
      fieldSelector:
        matchExpressions: [{key: region, operator: NotIn, values: [us-east-1]}]
      exclude: [eu-9]
    clusterTolerations: [{key: maintenance, operator: Exists, effect: NoSchedule}]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - targetCluster: {labelSelector: {matchLabels: {tier: canary}}}
            weight: 3
          - targetCluster: {clusterNames: [eu-2]}
            weight: 1
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: everywhere}
spec:
  resourceSelectors: [{apiVersion: v1, kind: Namespace}]
",
        r#"
propagation_policy "web" {
  namespace = "shop"
  priority  = 5

  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
    name        = "web"
  }

  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"

    label_selector {
      match_labels = { app = "web" }

      match_expression {
        key      = "tier"
        operator = "In"
        values   = ["a", "b"]
      }
    }
  }

  placement {
    cluster_affinity {
      exclude = ["eu-9"]

      field_selector {
        match_expression {
          key      = "region"
          operator = "NotIn"
          values   = ["us-east-1"]
        }
      }
    }

    cluster_toleration {
      key      = "maintenance"
      operator = "Exists"
      effect   = "NoSchedule"
    }

    replica_scheduling {
      replica_scheduling_type     = "Divided"
      replica_division_preference = "Weighted"

      weight_preference {
        static_weight {
          target_cluster {
            label_selector {
              match_labels = { tier = "canary" }
            }
          }
          weight = 3
        }
        static_weight {
          target_cluster {
            cluster_names = ["eu-2"]
          }
          weight = 1
        }
      }
    }
  }
}

cluster_propagation_policy "everywhere" {
  resource_selector {
    api_version = "v1"
    kind        = "Namespace"
  }
}
"#,
    );
}

#[test]
fn override_policies_in_both_forms() {
    assert_same(
        r"
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: registry}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  overrideRules:
    - targetCluster:
        fieldSelector:
          matchExpressions: [{key: region, operator: In, values: [eu-west-1]}]
      overriders:
        imageOverrider:
          - {component: Registry, operator: replace, value: eu.example}
          - {predicate: {path: /spec/template/spec/initContainers/0/image}, component: Tag, operator: replace, value: '2'}
        plaintext:
          - {path: /spec/template/spec/containers/0/env, operator: add, value: [{name: REGION, value: eu}]}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: legacy}
spec:
  targetCluster: {clusterNames: [eu-1]}
  overriders:
    plaintext: [{path: /metadata/labels/x, operator: add, value: 'y'}]
",
        r#"
override_policy "registry" {
  resource_selector {
    api_version = "apps/v1"
    kind        = "Deployment"
  }

  override_rule {
    target_cluster {
      field_selector {
        match_expression {
          key      = "region"
          operator = "In"
          values   = ["eu-west-1"]
        }
      }
    }

    image_overrider {
      component = "Registry"
      operator  = "replace"
      value     = "eu.example"
    }
    image_overrider {
      component = "Tag"
      operator  = "replace"
      value     = "2"

      predicate {
        path = "/spec/template/spec/initContainers/0/image"
      }
    }
    plaintext {
      path     = "/spec/template/spec/containers/0/env"
      operator = "add"
      value    = [{ name = "REGION", value = "eu" }]
    }
  }
}

cluster_override_policy "legacy" {
  target_cluster {
    cluster_names = ["eu-1"]
  }
  plaintext {
    path     = "/metadata/labels/x"
    operator = "add"
    value    = "y"
  }
}
"#,
    );
}
