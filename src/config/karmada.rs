//! Karmada's policy and cluster objects as written in YAML (`policy.karmada.io/v1alpha1`,
//! `cluster.karmada.io/v1alpha1`), with Karmada's field names.
//!
//! These are source types: unknown fields are rejected here, defaults and cross-field rules are
//! applied when the model is built. HCL blocks are converted to the same shape before decoding.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// `apiVersion` of Karmada's policy kinds.
pub const POLICY_API_VERSION: &str = "policy.karmada.io/v1alpha1";
/// `apiVersion` of Karmada's Cluster kind.
pub const CLUSTER_API_VERSION: &str = "cluster.karmada.io/v1alpha1";

/// `metadata` of a Karmada object. Server-populated fields are accepted and ignored, so objects
/// exported with `kubectl get -o yaml` load as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    /// Object name.
    pub name: Option<String>,
    /// Namespace (namespaced kinds only).
    pub namespace: Option<String>,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Server-populated; ignored.
    pub uid: Option<String>,
    /// Server-populated; ignored.
    pub resource_version: Option<Value>,
    /// Server-populated; ignored.
    pub generation: Option<Value>,
    /// Server-populated; ignored.
    pub creation_timestamp: Option<Value>,
    /// Server-populated; ignored.
    pub managed_fields: Option<Value>,
    /// Server-populated; ignored.
    pub finalizers: Option<Value>,
    /// Server-populated; ignored.
    pub self_link: Option<Value>,
}

/// A `PropagationPolicy` or `ClusterPropagationPolicy`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PropagationPolicy {
    /// `policy.karmada.io/v1alpha1`.
    pub api_version: String,
    /// `PropagationPolicy` or `ClusterPropagationPolicy`.
    pub kind: String,
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The policy.
    pub spec: PropagationSpec,
    /// Server-populated; ignored.
    pub status: Option<Value>,
}

/// `PropagationSpec`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PropagationSpec {
    /// Which templates the policy selects.
    #[serde(default)]
    pub resource_selectors: Vec<ResourceSelector>,
    /// Deprecated alias of `propagateDeps`.
    pub association: Option<bool>,
    /// Propagate referenced `ConfigMaps`, Secrets, `ServiceAccounts` and PVCs.
    pub propagate_deps: Option<bool>,
    /// Where the templates go.
    #[serde(default)]
    pub placement: Placement,
    /// Explicit priority; higher wins.
    pub priority: Option<i32>,
    /// `Always` or `Never`.
    pub preemption: Option<String>,
    /// Override policies that must exist first.
    pub dependent_overrides: Option<Vec<String>>,
    /// Scheduler that handles the policy.
    pub scheduler_name: Option<String>,
    /// Failover behaviour.
    pub failover: Option<FailoverBehavior>,
    /// `Abort` or `Overwrite`.
    pub conflict_resolution: Option<String>,
    /// `Lazy` or empty.
    pub activation_preference: Option<String>,
    /// Suspension of dispatching.
    pub suspension: Option<Suspension>,
    /// Keep member objects when the template is deleted.
    pub preserve_resources_on_deletion: Option<bool>,
    /// Scheduling queue priority.
    pub schedule_priority: Option<SchedulePriority>,
}

/// `ResourceSelector`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceSelector {
    /// `apiVersion` of the selected templates.
    pub api_version: String,
    /// Kind of the selected templates.
    pub kind: String,
    /// Namespace; empty inherits the policy's scope.
    pub namespace: Option<String>,
    /// Name; empty selects every name.
    pub name: Option<String>,
    /// Label selector; ignored when `name` is set.
    pub label_selector: Option<LabelSelector>,
}

/// `metav1.LabelSelector`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Exact label matches.
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(default)]
    pub match_expressions: Vec<SelectorRequirement>,
}

/// One requirement of a label or field selector.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectorRequirement {
    /// Label key (or cluster field).
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    /// Values for `In` and `NotIn`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `Placement`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Placement {
    /// One affinity for every cluster.
    pub cluster_affinity: Option<ClusterAffinity>,
    /// Ordered affinity groups.
    pub cluster_affinities: Option<Vec<ClusterAffinityTerm>>,
    /// Tolerated cluster taints.
    #[serde(default)]
    pub cluster_tolerations: Vec<Toleration>,
    /// Spread constraints.
    #[serde(default)]
    pub spread_constraints: Vec<SpreadConstraint>,
    /// Replica scheduling; none means Duplicated.
    pub replica_scheduling: Option<ReplicaSchedulingStrategy>,
    /// Workload affinity (alpha in Karmada).
    pub workload_affinity: Option<WorkloadAffinity>,
}

/// `ClusterAffinity`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterAffinity {
    /// Selector over cluster labels.
    pub label_selector: Option<LabelSelector>,
    /// Selector over `provider`, `region` and `zone`.
    pub field_selector: Option<FieldSelector>,
    /// Allowed cluster names.
    #[serde(default)]
    pub cluster_names: Vec<String>,
    /// Excluded cluster names.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// `FieldSelector`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSelector {
    /// Requirements on `provider`, `region` and `zone`.
    #[serde(default)]
    pub match_expressions: Vec<SelectorRequirement>,
}

/// `ClusterAffinityTerm`: a named affinity group.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterAffinityTerm {
    /// Group name.
    pub affinity_name: String,
    /// Selector over cluster labels.
    pub label_selector: Option<LabelSelector>,
    /// Selector over `provider`, `region` and `zone`.
    pub field_selector: Option<FieldSelector>,
    /// Allowed cluster names.
    #[serde(default)]
    pub cluster_names: Vec<String>,
    /// Excluded cluster names.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Spill-over tiers.
    #[serde(default)]
    pub overflow_affinities: Vec<OverflowAffinity>,
}

/// `corev1.Toleration`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    /// Taint key; empty with `Exists` tolerates everything.
    #[serde(default)]
    pub key: String,
    /// `Equal` (default) or `Exists`.
    pub operator: Option<String>,
    /// Value for `Equal`.
    #[serde(default)]
    pub value: String,
    /// Effect; empty matches every effect.
    #[serde(default)]
    pub effect: String,
    /// How long a `NoExecute` taint is tolerated.
    pub toleration_seconds: Option<i64>,
}

/// `SpreadConstraint`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpreadConstraint {
    /// `cluster`, `region`, `zone` or `provider`.
    pub spread_by_field: Option<String>,
    /// A cluster label.
    pub spread_by_label: Option<String>,
    /// Upper bound of groups.
    pub max_groups: Option<i64>,
    /// Lower bound of groups.
    pub min_groups: Option<i64>,
}

/// `ReplicaSchedulingStrategy`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicaSchedulingStrategy {
    /// `Duplicated` or `Divided` (default when the block is present).
    pub replica_scheduling_type: Option<String>,
    /// `Aggregated` or `Weighted`.
    pub replica_division_preference: Option<String>,
    /// Weights for `Weighted`.
    pub weight_preference: Option<ClusterPreferences>,
}

/// `ClusterPreferences`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterPreferences {
    /// Static weights.
    #[serde(default)]
    pub static_weight_list: Vec<StaticClusterWeight>,
    /// `AvailableReplicas`.
    pub dynamic_weight: Option<String>,
}

/// `StaticClusterWeight`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StaticClusterWeight {
    /// The clusters the weight applies to.
    pub target_cluster: ClusterAffinity,
    /// Weight, at least 1.
    pub weight: i64,
}

/// An `OverridePolicy` or `ClusterOverridePolicy`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OverridePolicy {
    /// `policy.karmada.io/v1alpha1`.
    pub api_version: String,
    /// `OverridePolicy` or `ClusterOverridePolicy`.
    pub kind: String,
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The policy.
    pub spec: OverrideSpec,
    /// Server-populated; ignored.
    pub status: Option<Value>,
}

/// `OverrideSpec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OverrideSpec {
    /// Selected templates; empty selects all.
    #[serde(default)]
    pub resource_selectors: Vec<ResourceSelector>,
    /// Rules, applied in order.
    #[serde(default)]
    pub override_rules: Vec<RuleWithCluster>,
    /// Deprecated single-rule form: target.
    pub target_cluster: Option<ClusterAffinity>,
    /// Deprecated single-rule form: overriders.
    pub overriders: Option<Overriders>,
}

/// `RuleWithCluster`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleWithCluster {
    /// Clusters the rule applies to; none means all.
    pub target_cluster: Option<ClusterAffinity>,
    /// What to change.
    #[serde(default)]
    pub overriders: Overriders,
}

/// `Overriders`, in Karmada's application order.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Overriders {
    /// JSON patches.
    #[serde(default)]
    pub plaintext: Vec<PlaintextOverrider>,
    /// Image rewrites.
    #[serde(default)]
    pub image_overrider: Vec<ImageOverrider>,
    /// Container command changes.
    #[serde(default)]
    pub command_overrider: Vec<CommandArgsOverrider>,
    /// Container args changes.
    #[serde(default)]
    pub args_overrider: Vec<CommandArgsOverrider>,
    /// Label changes.
    #[serde(default)]
    pub labels_overrider: Vec<LabelAnnotationOverrider>,
    /// Annotation changes.
    #[serde(default)]
    pub annotations_overrider: Vec<LabelAnnotationOverrider>,
    /// Changes inside embedded JSON/YAML strings.
    #[serde(default)]
    pub field_overrider: Vec<FieldOverrider>,
}

/// `PlaintextOverrider`: one JSON-patch operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaintextOverrider {
    /// JSON pointer.
    pub path: String,
    /// `add`, `remove` or `replace`.
    pub operator: String,
    /// The value for `add` and `replace`.
    pub value: Option<Value>,
}

/// `ImageOverrider`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageOverrider {
    /// Path of the one image to change; none changes every container image.
    pub predicate: Option<ImagePredicate>,
    /// `Registry`, `Repository` or `Tag`.
    pub component: String,
    /// `add`, `remove` or `replace`.
    pub operator: String,
    /// The value for `add` and `replace`.
    pub value: Option<String>,
}

/// `ImagePredicate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImagePredicate {
    /// Path of the image field, e.g. `/spec/template/spec/containers/0/image`.
    pub path: String,
}

/// A member Cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// `cluster.karmada.io/v1alpha1`.
    pub api_version: String,
    /// `Cluster`.
    pub kind: String,
    /// Name, labels and mcctl's access annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The cluster's declared properties.
    #[serde(default)]
    pub spec: ClusterSpec,
    /// A declared status, used when the cluster cannot be asked.
    pub status: Option<ClusterStatus>,
}

/// `ClusterSpec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    /// Cluster id.
    pub id: Option<String>,
    /// `Push` or `Pull`.
    pub sync_mode: Option<String>,
    /// API server address (Karmada's; mcctl uses kubeconfigs).
    pub api_endpoint: Option<String>,
    /// Karmada credentials reference; ignored by mcctl.
    pub secret_ref: Option<LocalSecretReference>,
    /// Karmada impersonation reference; ignored by mcctl.
    pub impersonator_secret_ref: Option<LocalSecretReference>,
    /// Skip TLS verification (Karmada's; mcctl uses kubeconfigs).
    #[serde(rename = "insecureSkipTLSVerification")]
    pub insecure_skip_tls_verification: Option<bool>,
    /// Proxy (Karmada's; mcctl uses kubeconfigs).
    #[serde(rename = "proxyURL")]
    pub proxy_url: Option<String>,
    /// Proxy headers.
    pub proxy_header: Option<BTreeMap<String, String>>,
    /// Cloud provider.
    pub provider: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Deprecated single zone.
    pub zone: Option<String>,
    /// Zones.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Taints.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// Resource models.
    pub resource_models: Option<Vec<ResourceModel>>,
}

/// `corev1.Taint`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
    /// When it was added.
    pub time_added: Option<String>,
}

/// `ClusterStatus`, as far as the scheduler reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterStatus {
    /// Kubernetes version.
    pub kubernetes_version: Option<String>,
    /// Served APIs.
    pub api_enablements: Option<Vec<ApiEnablement>>,
    /// Conditions (`Ready`).
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Node counts.
    pub node_summary: Option<NodeSummary>,
    /// Capacity.
    pub resource_summary: Option<ResourceSummary>,
    /// Remedy actions.
    pub remedy_actions: Option<Vec<String>>,
    /// Cluster id.
    pub id: Option<String>,
}

/// `APIEnablement`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiEnablement {
    /// `group/version`.
    pub group_version: String,
    /// The kinds served.
    #[serde(default)]
    pub resources: Vec<ApiResource>,
}

/// `APIResource`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiResource {
    /// Plural name.
    #[serde(default)]
    pub name: String,
    /// Kind.
    pub kind: String,
}

/// `metav1.Condition`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// Condition type, e.g. `Ready`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Machine-readable reason.
    pub reason: Option<String>,
    /// Human-readable message.
    pub message: Option<String>,
    /// When the status last changed.
    pub last_transition_time: Option<Value>,
    /// Generation observed.
    pub observed_generation: Option<Value>,
}

/// `ResourceSummary`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceSummary {
    /// Total capacity.
    #[serde(default)]
    pub allocatable: BTreeMap<String, Quantity>,
    /// Requested by pending pods.
    #[serde(default)]
    pub allocating: BTreeMap<String, Quantity>,
    /// Requested by running pods.
    #[serde(default)]
    pub allocated: BTreeMap<String, Quantity>,
    /// Per-grade counts.
    pub allocatable_modelings: Option<Vec<AllocatableModeling>>,
}

/// A Kubernetes quantity as written: `"64"`, `"256Gi"`, `1100`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    /// Written as a string.
    Text(String),
    /// Written as a number.
    Number(serde_json::Number),
}

impl Quantity {
    /// The quantity as a string.
    #[must_use]
    pub fn as_text(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Number(number) => number.to_string(),
        }
    }
}

/// `FailoverBehavior`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailoverBehavior {
    /// Failover when the application is unhealthy.
    pub application: Option<ApplicationFailoverBehavior>,
    /// Failover when the cluster fails (since Karmada v1.15).
    pub cluster: Option<ClusterFailoverBehavior>,
}

/// `ApplicationFailoverBehavior`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationFailoverBehavior {
    /// When the application counts as failed.
    pub decision_conditions: Option<DecisionConditions>,
    /// `Directly`, `Gracefully` (default) or `Never` (`Immediately`/`Graciously` before v1.15).
    pub purge_mode: Option<String>,
    /// Grace period, only with `Gracefully`.
    pub grace_period_seconds: Option<i64>,
    /// What to carry over to the new cluster.
    pub state_preservation: Option<StatePreservation>,
}

/// `DecisionConditions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionConditions {
    /// How long the application may be unhealthy (default 300).
    pub toleration_seconds: Option<i64>,
}

/// `ClusterFailoverBehavior`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterFailoverBehavior {
    /// `Directly` or `Gracefully` (default).
    pub purge_mode: Option<String>,
    /// What to carry over to the new cluster.
    pub state_preservation: Option<StatePreservation>,
}

/// `StatePreservation`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatePreservation {
    /// Status values to carry over as labels.
    #[serde(default)]
    pub rules: Vec<StatePreservationRule>,
}

/// `StatePreservationRule`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatePreservationRule {
    /// The label to set.
    pub alias_label_name: String,
    /// Where in the status to read the value.
    pub json_path: String,
}

/// `Suspension`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Suspension {
    /// Suspend dispatching to every cluster.
    pub dispatching: Option<bool>,
    /// Suspend dispatching to these clusters.
    pub dispatching_on_clusters: Option<SuspendClusters>,
}

/// `SuspendClusters`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuspendClusters {
    /// Cluster names.
    #[serde(default)]
    pub cluster_names: Vec<String>,
}

/// `SchedulePriority`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchedulePriority {
    /// `KubePriorityClass`.
    pub priority_class_source: Option<String>,
    /// The `PriorityClass` name.
    pub priority_class_name: Option<String>,
}

/// `WorkloadAffinity`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadAffinity {
    /// Co-locate with workloads of the same group.
    pub affinity: Option<WorkloadAffinityTerm>,
    /// Keep apart from workloads of the same group.
    pub anti_affinity: Option<WorkloadAffinityTerm>,
}

/// A workload affinity term.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadAffinityTerm {
    /// The label whose value forms the group.
    pub group_by_label_key: String,
}

/// `OverflowAffinity`: a spill-over tier of an affinity group.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OverflowAffinity {
    /// Tier name.
    pub affinity_name: String,
    /// Selector over cluster labels.
    pub label_selector: Option<LabelSelector>,
    /// Selector over `provider`, `region` and `zone`.
    pub field_selector: Option<FieldSelector>,
    /// Allowed cluster names.
    #[serde(default)]
    pub cluster_names: Vec<String>,
    /// Excluded cluster names.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// `CommandArgsOverrider`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandArgsOverrider {
    /// The container, by name.
    pub container_name: String,
    /// `add` or `remove`.
    pub operator: String,
    /// The entries to add or remove.
    #[serde(default)]
    pub value: Vec<String>,
}

/// `LabelAnnotationOverrider`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelAnnotationOverrider {
    /// `add`, `remove` or `replace`.
    pub operator: String,
    /// The keys and values.
    #[serde(default)]
    pub value: BTreeMap<String, String>,
}

/// `FieldOverrider`: changes inside a string field that holds JSON or YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldOverrider {
    /// JSON pointer of the string field.
    pub field_path: String,
    /// Operations on the embedded JSON.
    pub json: Option<Vec<FieldPatch>>,
    /// Operations on the embedded YAML.
    pub yaml: Option<Vec<FieldPatch>>,
}

/// One operation of a field overrider.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldPatch {
    /// JSON pointer inside the embedded document.
    pub sub_path: String,
    /// `add`, `remove` or `replace`.
    pub operator: String,
    /// The value for `add` and `replace`.
    pub value: Option<Value>,
}

/// `LocalSecretReference`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalSecretReference {
    /// Namespace of the Secret.
    pub namespace: String,
    /// Name of the Secret.
    pub name: String,
}

/// `ResourceModel`: one grade of node sizes.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceModel {
    /// Grade, from 0.
    pub grade: u32,
    /// The resource ranges of the grade.
    #[serde(default)]
    pub ranges: Vec<ResourceModelRange>,
}

/// `ResourceModelRange`: `[min, max)` of one resource.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceModelRange {
    /// `cpu`, `memory`, `storage` or `ephemeral-storage`.
    pub name: String,
    /// Lower bound (inclusive).
    pub min: Quantity,
    /// Upper bound (exclusive).
    pub max: Quantity,
}

/// `NodeSummary`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSummary {
    /// Nodes.
    pub total_num: Option<i64>,
    /// Ready nodes.
    pub ready_num: Option<i64>,
}

/// `AllocatableModeling`: how many nodes fall in a grade.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AllocatableModeling {
    /// Grade.
    pub grade: u32,
    /// Node count.
    pub count: i64,
}
