//! Scheduler tests on small inline workspaces.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::*;
use crate::testing::model_from_yaml;

fn placement_of(yaml: &str) -> (Placement, Diagnostics) {
    let model = model_from_yaml(yaml);
    let statuses: BTreeMap<ClusterName, ClusterStatus> = model
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.declared_status.clone()))
        .collect();
    let previous = BTreeMap::new();
    let mut diagnostics = Diagnostics::new();
    let placement = schedule(&model, Inputs::new(&statuses, &previous), &mut diagnostics);
    (placement, diagnostics)
}

/// Each cluster's filter verdict for `object`, as `filter: reason` or `passed`.
fn verdicts(yaml: &str, object: &str) -> Vec<String> {
    explanation_of(yaml, object).attempts[0]
        .clusters
        .iter()
        .map(|report| match &report.rejected {
            Some(rejection) => format!("{}: {}", rejection.filter, rejection.reason),
            None => "passed".to_owned(),
        })
        .collect()
}

/// What `mcctl explain` records for `object`.
fn explanation_of(yaml: &str, object: &str) -> Explanation {
    let model = model_from_yaml(yaml);
    let statuses: BTreeMap<ClusterName, ClusterStatus> = model
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.declared_status.clone()))
        .collect();
    let previous = BTreeMap::new();
    let object: ObjectRef = object.parse().unwrap();
    let inputs = Inputs {
        explain: Some(&object),
        ..Inputs::new(&statuses, &previous)
    };
    let placement = schedule(&model, inputs, &mut Diagnostics::new());
    *placement
        .binding(&object)
        .unwrap()
        .explanation
        .clone()
        .unwrap()
}

fn targets(placement: &Placement, object: &str) -> Vec<(String, Option<u32>)> {
    placement
        .binding(&object.parse().unwrap())
        .unwrap()
        .targets
        .iter()
        .map(|target| (target.cluster.to_string(), target.replicas))
        .collect()
}

const CLUSTERS: &str = r"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-1, labels: {env: prod}}
spec: {syncMode: Pull, region: eu-west-1}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-2, labels: {env: prod}}
spec: {syncMode: Pull, region: eu-west-1}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: us-1, labels: {env: dev}}
spec: {syncMode: Pull, region: us-east-1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 8}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
";

#[test]
fn templates_without_a_policy_are_not_propagated() {
    let (placement, diagnostics) = placement_of(CLUSTERS);
    let binding = placement
        .binding(&"core/ConfigMap/default/web".parse().unwrap())
        .unwrap();
    assert_eq!(binding.source, BindingSource::NoPolicy);
    assert!(binding.targets.is_empty());
    assert!(diagnostics.is_empty());
}

#[test]
fn duplicated_gives_every_cluster_all_replicas() {
    let yaml = format!(
        "{CLUSTERS}---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}, {{apiVersion: v1, kind: ConfigMap}}]
  placement:
    clusterAffinity: {{labelSelector: {{matchLabels: {{env: prod}}}}}}
"
    );
    let (placement, _) = placement_of(&yaml);
    assert_eq!(
        targets(&placement, "apps/Deployment/default/web"),
        [("eu-1".into(), Some(8)), ("eu-2".into(), Some(8))]
    );
    assert_eq!(
        targets(&placement, "core/ConfigMap/default/web"),
        [("eu-1".into(), None), ("eu-2".into(), None)]
    );
    assert_eq!(
        verdicts(&yaml, "apps/Deployment/default/web")[2],
        "ClusterAffinity: labels do not match `env=prod`"
    );
}

#[test]
fn static_weights_divide_with_webster() {
    let yaml = format!(
        "{CLUSTERS}---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - targetCluster: {{clusterNames: [eu-1]}}
          weight: 2
        - targetCluster: {{clusterNames: [eu-2, us-1]}}
          weight: 1
"
    );
    let (placement, _) = placement_of(&yaml);
    assert_eq!(
        targets(&placement, "apps/Deployment/default/web"),
        [
            ("eu-1".into(), Some(4)),
            ("eu-2".into(), Some(2)),
            ("us-1".into(), Some(2))
        ]
    );
}

#[test]
fn clusters_outside_the_weight_list_get_nothing() {
    let yaml = format!(
        "{CLUSTERS}---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  placement:
    replicaScheduling:
      weightPreference:
        staticWeightList:
        - targetCluster: {{clusterNames: [eu-1]}}
          weight: 1
"
    );
    let (placement, _) = placement_of(&yaml);
    assert_eq!(
        targets(&placement, "apps/Deployment/default/web"),
        [("eu-1".into(), Some(8))]
    );
}

#[test]
fn divided_without_weights_splits_equally() {
    let yaml = format!(
        "{CLUSTERS}---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  placement:
    replicaScheduling: {{replicaSchedulingType: Divided}}
"
    );
    let (placement, _) = placement_of(&yaml);
    assert_eq!(
        targets(&placement, "apps/Deployment/default/web"),
        [
            ("eu-1".into(), Some(3)),
            ("eu-2".into(), Some(3)),
            ("us-1".into(), Some(2))
        ]
    );
}

#[test]
fn untolerated_taints_and_disabled_apis_reject_clusters() {
    let yaml = r"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: a}
spec:
  syncMode: Pull
  taints: [{key: gpu, value: 'true', effect: NoSchedule}]
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: b}
spec: {syncMode: Pull}
status:
  apiEnablements: [{groupVersion: v1, resources: [{name: configmaps, kind: ConfigMap}]}]
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: c}
spec: {syncMode: Pull}
status:
  conditions: [{type: Ready, status: 'False'}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
";
    let (_, diagnostics) = placement_of(yaml);
    let reasons = verdicts(yaml, "apps/Deployment/default/web");
    assert_eq!(
        reasons,
        [
            "TaintToleration: has untolerated taint `gpu=true:NoSchedule`",
            "APIEnablement: does not serve `Deployment` in `apps/v1`",
            "TaintToleration: has untolerated taint `cluster.karmada.io/not-ready:NoSchedule`",
        ]
    );
    let warning = diagnostics.iter().next().unwrap();
    assert_eq!(warning.code, "mcctl::schedule::no_fit");
    assert!(
        warning
            .help
            .as_deref()
            .unwrap()
            .starts_with("a: has untolerated taint")
    );
}

#[test]
fn tolerations_let_tainted_clusters_in() {
    let yaml = r"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: a}
spec:
  syncMode: Pull
  taints: [{key: gpu, value: 'true', effect: NoSchedule}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: p}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
  placement:
    clusterTolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
";
    let (placement, _) = placement_of(yaml);
    assert_eq!(
        targets(&placement, "core/ConfigMap/default/c"),
        [("a".into(), None)]
    );
}

/// Policy choice, after Karmada's `getHighestPriorityPropagationPolicy` tests in
/// `pkg/detector/compare_test.go`: explicit priority, then implicit priority, then name.
#[test]
fn policy_choice_follows_karmadas_order() {
    let policies = |a: &str, b: &str| {
        format!(
            "apiVersion: v1
kind: ConfigMap
metadata: {{name: c, labels: {{app: x}}}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: a}}
spec:
  {a}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: b}}
spec:
  {b}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {{name: aaa}}
spec:
  priority: 100
  resourceSelectors: [{{apiVersion: v1, kind: ConfigMap, name: c}}]
"
        )
    };
    let chosen = |a: &str, b: &str| {
        let model = model_from_yaml(&policies(a, b));
        choose_policy(&model, &model.templates[0]).map(|policy| policy.id.name.clone())
    };
    let kind_only = "resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]";
    let by_labels = "resourceSelectors: [{apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {app: x}}}]";
    let by_name = "resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: c}]";
    // Same priority, same strength: the smaller name wins; a PP beats any CPP.
    assert_eq!(chosen(kind_only, kind_only).as_deref(), Some("a"));
    // Implicit priority: name > labels > kind.
    assert_eq!(chosen(kind_only, by_labels).as_deref(), Some("b"));
    assert_eq!(chosen(by_name, by_labels).as_deref(), Some("a"));
    // Explicit priority beats implicit priority.
    let high = format!("priority: 5\n  {kind_only}");
    assert_eq!(chosen(by_name, &high).as_deref(), Some("b"));
    // A selector with a name that differs never matches, whatever its labels.
    let other_name = "resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: other, labelSelector: {matchLabels: {app: x}}}]";
    assert_eq!(chosen(other_name, other_name).as_deref(), Some("aaa"));
}

#[test]
fn reserved_namespaces_are_never_propagated() {
    let yaml = format!(
        "{CLUSTERS}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x, namespace: kube-system}}\n---\napiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\nmetadata: {{name: all}}\nspec:\n  resourceSelectors: [{{apiVersion: v1, kind: ConfigMap}}]\n"
    );
    let (placement, diagnostics) = placement_of(&yaml);
    let binding = placement
        .binding(&"core/ConfigMap/kube-system/x".parse().unwrap())
        .unwrap();
    assert_eq!(binding.source, BindingSource::ReservedNamespace);
    assert!(binding.targets.is_empty());
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == "mcctl::schedule::reserved_namespace")
    );
}

#[test]
fn namespaces_without_a_policy_go_everywhere() {
    let yaml = format!(
        "{CLUSTERS}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: shop}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: kube-extra}}\n"
    );
    let (placement, _) = placement_of(&yaml);
    assert_eq!(targets(&placement, "core/Namespace/_/shop").len(), 3);
    assert!(targets(&placement, "core/Namespace/_/kube-extra").is_empty());
}

#[test]
fn already_placed_clusters_pass_the_taint_filter() {
    let model = model_from_yaml(
        "apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: a}
spec:
  syncMode: Pull
  taints: [{key: maintenance, effect: NoSchedule}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: p}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
",
    );
    let statuses = BTreeMap::new();
    let object: ObjectRef = "core/ConfigMap/default/c".parse().unwrap();
    let previous = BTreeMap::from([(
        object.clone(),
        PreviousBinding {
            clusters: BTreeMap::from([(ClusterName::new("a"), None)]),
            ..PreviousBinding::default()
        },
    )]);
    let mut diagnostics = Diagnostics::new();
    let placement = schedule(&model, Inputs::new(&statuses, &previous), &mut diagnostics);
    assert_eq!(placement.binding(&object).unwrap().targets.len(), 1);
}

#[test]
fn aggregation_follows_the_selection_order_of_a_region_spread() {
    // Upstream returns each chosen region's best cluster first; aggregation keeps the shortest
    // prefix of that order, so the replicas span both regions.
    let mut yaml = String::new();
    for (name, region) in [("eu-1", "eu"), ("eu-2", "eu"), ("us-1", "us")] {
        let _ = write!(
            yaml,
            "apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {{name: {name}}}
spec: {{syncMode: Pull, region: {region}}}
status: {{resourceSummary: {{allocatable: {{pods: \"10\"}}}}}}
---
"
        );
    }
    yaml.push_str(
        "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 12}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  placement:
    spreadConstraints:
      - {spreadByField: region, minGroups: 2, maxGroups: 2}
      - {spreadByField: cluster, minGroups: 2, maxGroups: 3}
    replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Aggregated}
",
    );
    let (placement, _) = placement_of(&yaml);
    assert_eq!(
        targets(&placement, "apps/Deployment/default/web"),
        [("eu-1".into(), Some(6)), ("us-1".into(), Some(6))]
    );
}

/// Two clusters that list their APIs, neither serving `example.com/v1`; the workspace's CRD
/// for it goes to `eu-1` only, and a custom resource of it to every cluster.
const CRD_PLACED_BY_THE_PLAN: &str = r"
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: eu-1}
spec: {syncMode: Pull}
status:
  apiEnablements: [{groupVersion: apiextensions.k8s.io/v1, resources: [{name: customresourcedefinitions, kind: CustomResourceDefinition}]}]
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: us-1}
spec: {syncMode: Pull}
status:
  apiEnablements: [{groupVersion: apiextensions.k8s.io/v1, resources: [{name: customresourcedefinitions, kind: CustomResourceDefinition}]}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: crd}
spec:
  resourceSelectors: [{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}]
  placement: {clusterAffinity: {clusterNames: [eu-1]}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: widgets}
spec:
  resourceSelectors: [{apiVersion: example.com/v1, kind: Widget}]
";

#[test]
fn a_crd_placed_by_the_plan_serves_its_custom_resources() {
    let (placement, _) = placement_of(CRD_PLACED_BY_THE_PLAN);
    assert_eq!(
        targets(&placement, "example.com/Widget/default/w"),
        [("eu-1".to_owned(), None)]
    );
    assert_eq!(
        verdicts(CRD_PLACED_BY_THE_PLAN, "example.com/Widget/default/w"),
        [
            "passed",
            "APIEnablement: does not serve `Widget` in `example.com/v1`"
        ]
    );
}

#[test]
fn explain_says_which_crd_serves_the_api() {
    let explanation = explanation_of(CRD_PLACED_BY_THE_PLAN, "example.com/Widget/default/w");
    assert_eq!(
        explanation.attempts[0].clusters[0].admitted.as_deref(),
        Some(
            "APIEnablement: `Widget` in `example.com/v1` is served by `apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com`, which this plan places on the cluster first"
        )
    );
    assert_eq!(explanation.attempts[0].clusters[1].admitted, None);
}
