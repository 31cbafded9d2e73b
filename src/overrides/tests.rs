//! Override tests on small inline workspaces.

use super::*;
use crate::testing::stages;

fn render(yaml: &str) -> (Instances, Diagnostics) {
    let staged = stages(yaml);
    (staged.instances, staged.diagnostics)
}

fn manifest<'a>(instances: &'a Instances, object: &str, cluster: &str) -> &'a Value {
    let object: ObjectRef = object.parse().unwrap();
    &instances
        .items
        .iter()
        .find(|instance| instance.object == object && instance.cluster.as_str() == cluster)
        .unwrap_or_else(|| panic!("no {object} on {cluster}"))
        .manifest
}

const BASE: &str = r"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-1}
spec: {syncMode: Pull, region: eu-west-1}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: us-1}
spec: {syncMode: Pull, region: us-east-1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 4
  template:
    spec:
      containers: [{name: web, image: 'registry.example/web:1.0'}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}, {apiVersion: batch/v1, kind: Job}]
  placement:
    replicaScheduling: {replicaSchedulingType: Divided}
";

#[test]
fn replicas_are_revised_to_each_clusters_share() {
    let (instances, diagnostics) = render(BASE);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(
        manifest(&instances, "apps/Deployment/default/web", "eu-1")["spec"]["replicas"],
        2
    );
    assert_eq!(
        manifest(&instances, "apps/Deployment/default/web", "us-1")["spec"]["replicas"],
        2
    );
}

#[test]
fn image_overrides_target_clusters_by_region() {
    let yaml = format!(
        "{BASE}---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: eu-registry}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  overrideRules:
  - targetCluster:
      fieldSelector:
        matchExpressions: [{{key: region, operator: In, values: [eu-west-1]}}]
    overriders:
      imageOverrider: [{{component: Registry, operator: replace, value: eu.registry.example}}]
"
    );
    let (instances, diagnostics) = render(&yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let image = |cluster| {
        manifest(&instances, "apps/Deployment/default/web", cluster)["spec"]["template"]["spec"]["containers"][0]["image"].clone()
    };
    assert_eq!(image("eu-1"), "eu.registry.example/web:1.0");
    assert_eq!(image("us-1"), "registry.example/web:1.0");
}

/// Ordering as in Karmada's `overridemanager_test.go`: `ClusterOverridePolicies` before
/// `OverridePolicies`, and within each the least specific first, so the most specific wins.
#[test]
fn the_most_specific_policy_is_applied_last() {
    let yaml = format!(
        "{BASE}---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: a-by-name}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]
  overrideRules:
  - overriders:
      plaintext: [{{path: /metadata/labels/winner, operator: add, value: by-name}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: b-by-label}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, labelSelector: {{matchLabels: {{app: web}}}}}}]
  overrideRules:
  - overriders:
      plaintext: [{{path: /metadata/labels/winner, operator: add, value: by-label}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: c-everything}}
spec:
  overrideRules:
  - overriders:
      plaintext: [{{path: /metadata/labels/winner, operator: add, value: everything}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {{name: z-cluster-wide}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]
  overrideRules:
  - overriders:
      plaintext: [{{path: /metadata/labels/winner, operator: add, value: cluster-wide}}]
"
    );
    let (instances, diagnostics) = render(&yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(
        manifest(&instances, "apps/Deployment/default/web", "eu-1")["metadata"]["labels"]["winner"],
        "by-name"
    );
}

#[test]
fn plaintext_patches_add_remove_and_replace() {
    let yaml = format!(
        "{BASE}---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: patch}}
spec:
  overrideRules:
  - targetCluster: {{clusterNames: [us-1]}}
    overriders:
      plaintext:
      - {{path: /spec/template/spec/containers/0/env, operator: add, value: [{{name: REGION, value: us}}]}}
      - {{path: /spec/replicas, operator: replace, value: 7}}
      - {{path: /metadata/labels/app, operator: remove}}
"
    );
    let (instances, diagnostics) = render(&yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let us = manifest(&instances, "apps/Deployment/default/web", "us-1");
    assert_eq!(us["spec"]["replicas"], 7);
    assert_eq!(
        us["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "us"
    );
    assert!(us["metadata"]["labels"].get("app").is_none());
    let eu = manifest(&instances, "apps/Deployment/default/web", "eu-1");
    assert_eq!(eu["spec"]["replicas"], 2);
}

#[test]
fn a_failing_patch_is_an_error_naming_object_and_cluster() {
    let yaml = format!(
        "{BASE}---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: broken}}
spec:
  overrideRules:
  - overriders:
      plaintext: [{{path: /spec/missing/field, operator: replace, value: 1}}]
"
    );
    let (instances, diagnostics) = render(&yaml);
    assert_eq!(diagnostics.error_count(), 2);
    let error = diagnostics.iter().next().unwrap();
    assert_eq!(
        error.message,
        "`OverridePolicy/default/broken` cannot override `apps/Deployment/default/web` on cluster `eu-1`: plaintext 0 of rule 0 (targetCluster: every cluster) failed at `/spec/missing/field`: `replace` needs the field to exist"
    );
    assert_eq!(error.labels.len(), 2, "the entry and the policy's name");
    assert_eq!(error.cluster.as_deref(), Some("eu-1"));
    assert!(instances.items.is_empty());
}

#[test]
fn override_policies_only_touch_their_own_namespace() {
    let yaml = format!(
        "{BASE}---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: other, namespace: other}}
spec:
  overrideRules:
  - overriders:
      plaintext: [{{path: /spec/replicas, operator: replace, value: 9}}]
"
    );
    let (instances, _) = render(&yaml);
    assert_eq!(
        manifest(&instances, "apps/Deployment/default/web", "eu-1")["spec"]["replicas"],
        2
    );
}

#[test]
fn divided_jobs_split_completions_too() {
    let yaml = format!(
        "{BASE}---
apiVersion: batch/v1
kind: Job
metadata: {{name: batch}}
spec: {{parallelism: 4, completions: 10}}
"
    );
    let (instances, _) = render(&yaml);
    let eu = manifest(&instances, "batch/Job/default/batch", "eu-1");
    let us = manifest(&instances, "batch/Job/default/batch", "us-1");
    assert_eq!(
        (
            eu["spec"]["parallelism"].clone(),
            us["spec"]["parallelism"].clone()
        ),
        (2.into(), 2.into())
    );
    assert_eq!(
        (
            eu["spec"]["completions"].clone(),
            us["spec"]["completions"].clone()
        ),
        (5.into(), 5.into())
    );
}

#[test]
fn overrides_cannot_rename_an_object() {
    let yaml = format!(
        "{BASE}---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: rename}}
spec:
  overrideRules:
  - targetCluster: {{clusterNames: [eu-1]}}
    overriders:
      plaintext: [{{path: /metadata/name, operator: replace, value: renamed}}]
"
    );
    let (instances, diagnostics) = render(&yaml);
    let error = diagnostics.iter().next().unwrap();
    assert_eq!(
        error.message,
        "overrides change `metadata.name` of `apps/Deployment/default/web` on cluster `eu-1`"
    );
    assert!(
        instances
            .items
            .iter()
            .all(|instance| instance.cluster.as_str() != "eu-1")
    );
}

/// Three clusters; a Service duplicated to all, and one override rule for `eu-2` only.
const SHARED: &str = r"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-1}
spec: {syncMode: Pull, region: eu-west-1}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-2}
spec: {syncMode: Pull, region: eu-west-1}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: us-1}
spec: {syncMode: Pull, region: us-east-1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: Service}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: eu-2-only}
spec:
  resourceSelectors: [{apiVersion: v1, kind: Service}]
  overrideRules:
    - targetCluster: {clusterNames: [eu-2]}
      overriders:
        labelsOverrider: [{operator: add, value: {tier: edge}}]
";

#[test]
fn clusters_given_the_same_rules_share_one_manifest() {
    let staged = stages(SHARED);
    assert!(staged.diagnostics.is_empty(), "{:?}", staged.diagnostics);
    let of = |cluster: &str| {
        staged
            .instances
            .items
            .iter()
            .find(|instance| instance.cluster.as_str() == cluster)
            .unwrap()
    };
    let (eu_1, eu_2, us_1) = (of("eu-1"), of("eu-2"), of("us-1"));
    assert!(Arc::ptr_eq(&eu_1.manifest, &us_1.manifest));
    assert!(!Arc::ptr_eq(&eu_1.manifest, &eu_2.manifest));
    assert_eq!(eu_2.manifest["metadata"]["labels"]["tier"], "edge");
    assert!(eu_1.manifest["metadata"].get("labels").is_none());
    assert!(eu_1.overrides.is_empty());
    assert_eq!(eu_2.overrides.len(), 1);
    // Rendered once for both clusters, labels and digest included; eu-2's stays its own.
    let desired = |cluster: &str| {
        &staged.desired.clusters[&ClusterName::new(cluster)].objects
            [&"core/Service/default/web".parse::<ObjectRef>().unwrap()]
    };
    assert!(Arc::ptr_eq(
        &desired("eu-1").manifest,
        &desired("us-1").manifest
    ));
    assert_eq!(desired("eu-1").digest, desired("us-1").digest);
    assert_ne!(desired("eu-1").digest, desired("eu-2").digest);
    assert_eq!(
        desired("us-1").manifest["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "mcctl"
    );
}
