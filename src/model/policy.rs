//! Propagation and override policies, with Karmada's defaults applied and fields checked.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::addr::group_of;
use crate::config::source::SpanIndex;
use crate::model::selector::{ClusterAffinity, LabelSelector};
use crate::model::template::Template;

/// The four Karmada policy kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PolicyKind {
    /// Namespaced propagation.
    PropagationPolicy,
    /// Cluster-wide propagation.
    ClusterPropagationPolicy,
    /// Namespaced overrides.
    OverridePolicy,
    /// Cluster-wide overrides.
    ClusterOverridePolicy,
}

impl PolicyKind {
    /// Kubernetes' spelling of the kind.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PropagationPolicy => "PropagationPolicy",
            Self::ClusterPropagationPolicy => "ClusterPropagationPolicy",
            Self::OverridePolicy => "OverridePolicy",
            Self::ClusterOverridePolicy => "ClusterOverridePolicy",
        }
    }

    /// Whether policies of this kind live in a namespace.
    #[must_use]
    pub fn is_namespaced(self) -> bool {
        matches!(self, Self::PropagationPolicy | Self::OverridePolicy)
    }
}

/// Names one policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyId {
    /// Kind.
    pub kind: PolicyKind,
    /// Namespace, for namespaced kinds.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl fmt::Display for PolicyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{}/{}/{}", self.kind.as_str(), namespace, self.name),
            None => write!(f, "{}/{}", self.kind.as_str(), self.name),
        }
    }
}

impl std::str::FromStr for PolicyId {
    type Err = String;

    /// Parses `Kind/namespace/name` (namespaced kinds) or `Kind/name` (cluster-wide kinds).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split('/').collect();
        let kind = match parts[0] {
            "PropagationPolicy" => PolicyKind::PropagationPolicy,
            "ClusterPropagationPolicy" => PolicyKind::ClusterPropagationPolicy,
            "OverridePolicy" => PolicyKind::OverridePolicy,
            "ClusterOverridePolicy" => PolicyKind::ClusterOverridePolicy,
            other => return Err(format!("`{other}` is not a policy kind")),
        };
        match (kind.is_namespaced(), parts.as_slice()) {
            (true, [_, namespace, name]) => Ok(Self {
                kind,
                namespace: Some((*namespace).to_owned()),
                name: (*name).to_owned(),
            }),
            (false, [_, name]) => Ok(Self {
                kind,
                namespace: None,
                name: (*name).to_owned(),
            }),
            _ => Err(format!(
                "`{text}` is not `Kind/namespace/name` or `Kind/name`"
            )),
        }
    }
}

/// How specifically a selector matched a template (Karmada's implicit priority).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchStrength {
    /// apiVersion and kind only (or an override policy with no selectors).
    Kind = 1,
    /// apiVersion, kind and a label selector.
    Labels = 2,
    /// apiVersion, kind and name.
    Name = 3,
}

/// A `ResourceSelector` with its namespace resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSelector {
    /// apiVersion to match.
    pub api_version: String,
    /// Kind to match.
    pub kind: String,
    /// Namespace to match; `None` matches any.
    pub namespace: Option<String>,
    /// Name to match; `None` matches any.
    pub name: Option<String>,
    /// Labels to match when no name is given.
    pub label_selector: Option<LabelSelector>,
}

impl ResourceSelector {
    /// How the selector matches the template, or `None` (Karmada's `ResourceMatches`).
    #[must_use]
    pub fn matches(&self, template: &Template) -> Option<MatchStrength> {
        // Karmada compares apiVersion exactly; a different version of the same group does not match.
        if self.api_version != template.api_version || self.kind != template.object.kind {
            return None;
        }
        if self.namespace.is_some() && self.namespace != template.object.namespace {
            return None;
        }
        if let Some(name) = &self.name {
            return (name == &template.object.name).then_some(MatchStrength::Name);
        }
        match &self.label_selector {
            Some(selector) => selector
                .matches(&template.labels)
                .then_some(MatchStrength::Labels),
            None => Some(MatchStrength::Kind),
        }
    }

    /// The group selected, for messages.
    #[must_use]
    pub fn group(&self) -> &str {
        group_of(&self.api_version)
    }
}

/// The best strength over a list of selectors.
#[must_use]
pub fn best_match(selectors: &[ResourceSelector], template: &Template) -> Option<MatchStrength> {
    selectors
        .iter()
        .filter_map(|selector| selector.matches(template))
        .max()
}

/// A toleration of cluster taints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toleration {
    /// Key; empty with `Exists` tolerates every taint.
    pub key: String,
    /// `Exists` ignores the value.
    pub exists: bool,
    /// Value for `Equal`.
    pub value: String,
    /// Effect; `None` matches every effect.
    pub effect: Option<crate::model::cluster::TaintEffect>,
    /// How long a `NoExecute` taint is tolerated; `None` is forever.
    pub toleration_seconds: Option<u64>,
}

impl Toleration {
    /// Kubernetes' toleration matching.
    #[must_use]
    pub fn tolerates(&self, taint: &crate::model::cluster::Taint) -> bool {
        if self.effect.is_some_and(|effect| effect != taint.effect) {
            return false;
        }
        // Kubernetes' `ToleratesTaint`: an empty key matches every key.
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        self.exists || self.value == taint.value
    }
}

/// How replicas are spread over the selected clusters (KARMADA.md §2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ReplicaScheduling {
    /// Every cluster runs the full count.
    Duplicated,
    /// The count is divided by static weights; an empty list means equal weights.
    StaticWeighted(Vec<StaticWeight>),
    /// The count is divided in proportion to each cluster's available replicas.
    DynamicWeighted,
    /// The count is packed into as few clusters as their available replicas allow.
    Aggregated,
}

impl ReplicaScheduling {
    /// Whether the count is divided (rather than duplicated).
    #[must_use]
    pub fn is_divided(&self) -> bool {
        !matches!(self, Self::Duplicated)
    }

    /// Whether the division follows capacity (dynamic weights or aggregation).
    #[must_use]
    pub fn is_dynamic(&self) -> bool {
        matches!(self, Self::DynamicWeighted | Self::Aggregated)
    }

    /// How the strategy is named in Karmada's terms, for messages.
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Duplicated => "Duplicated",
            Self::StaticWeighted(_) => "Divided by static weights",
            Self::DynamicWeighted => "Divided by available replicas (dynamicWeight)",
            Self::Aggregated => "Divided, Aggregated",
        }
    }
}

/// One entry of a static weight list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticWeight {
    /// The clusters it applies to.
    pub target: ClusterAffinity,
    /// Weight (at least 1).
    pub weight: u64,
}

/// One cluster affinity term. A plain `clusterAffinity` (or none) is a single unnamed term;
/// `clusterAffinities` are named terms tried in order (KARMADA.md §2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AffinityTerm {
    /// `affinityName`; `None` for a plain `clusterAffinity`.
    pub name: Option<String>,
    /// Which clusters qualify.
    pub affinity: ClusterAffinity,
    /// Spill-over tiers, used in order when the term's own clusters run out of capacity.
    pub overflow: Vec<OverflowTier>,
}

/// One `overflowAffinities` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverflowTier {
    /// `affinityName`.
    pub name: String,
    /// Which clusters belong to the tier.
    pub affinity: ClusterAffinity,
}

/// What a spread constraint groups clusters by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SpreadBy {
    /// Each cluster is a group.
    Cluster,
    /// `spec.region`.
    Region,
    /// `spec.zones`.
    Zone,
    /// `spec.provider`.
    Provider,
    /// A cluster label (Karmada accepts it but cannot schedule with it).
    Label(String),
}

impl SpreadBy {
    /// Karmada's spelling.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Cluster => "cluster",
            Self::Region => "region",
            Self::Zone => "zone",
            Self::Provider => "provider",
            Self::Label(label) => label,
        }
    }
}

/// A `SpreadConstraint`, with Karmada's defaults applied (`minGroups` at least 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpreadConstraint {
    /// The grouping.
    pub by: SpreadBy,
    /// Fewest groups.
    pub min_groups: u32,
    /// Most groups; 0 when unset, which Karmada turns into "select nothing" (karmada#4617).
    pub max_groups: u32,
}

/// Where a policy's templates go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// Affinity terms in order; never empty.
    pub affinity_terms: Vec<AffinityTerm>,
    /// Tolerated taints.
    pub tolerations: Vec<Toleration>,
    /// Spread constraints.
    pub spread: Vec<SpreadConstraint>,
    /// Whether Karmada skips the spread constraints: replicas divided by static weights, with
    /// `weightPreference` absent or listing weights (not an empty `weightPreference: {}`).
    pub spread_ignored: bool,
    /// Replica scheduling.
    pub replicas: ReplicaScheduling,
}

impl Placement {
    /// The affinity term with this name, and its index (`None` finds the first term).
    #[must_use]
    pub fn term_index(&self, name: Option<&str>) -> usize {
        name.and_then(|name| {
            self.affinity_terms
                .iter()
                .position(|term| term.name.as_deref() == Some(name))
        })
        .unwrap_or(0)
    }

    /// The spread constraint grouping by `by`.
    #[must_use]
    pub fn spread_by(&self, by: &SpreadBy) -> Option<&SpreadConstraint> {
        self.spread.iter().find(|constraint| &constraint.by == by)
    }
}

/// A `PropagationPolicy` or `ClusterPropagationPolicy`.
#[derive(Debug, Clone)]
pub struct PropagationPolicy {
    /// Kind, namespace and name.
    pub id: PolicyId,
    /// Explicit priority (default 0).
    pub priority: i32,
    /// Whether it takes templates over from lower-priority policies (`preemption: Always`).
    pub preemption: bool,
    /// What it selects.
    pub selectors: Vec<ResourceSelector>,
    /// Where it sends them.
    pub placement: Placement,
    /// How long a share may stay on an unreachable cluster before it moves; `None` without
    /// `failover` (the share stays until `--rebalance`).
    pub failover_after: Option<u64>,
    /// Whether referenced objects follow the templates.
    pub propagate_deps: bool,
    /// `conflictResolution: Overwrite`: a create may take over an object of the same name that
    /// mcctl did not make; Karmada's default, `Abort`, refuses it.
    pub conflict_overwrite: bool,
    /// Where its parts are.
    pub spans: SpanIndex,
}

/// A JSON-patch operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOperator {
    /// Add (or set).
    Add,
    /// Remove.
    Remove,
    /// Replace an existing value.
    Replace,
}

impl PatchOperator {
    /// Parses Karmada's spelling.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "add" => Some(Self::Add),
            "remove" => Some(Self::Remove),
            "replace" => Some(Self::Replace),
            _ => None,
        }
    }

    /// Karmada's spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Replace => "replace",
        }
    }
}

/// The part of an image reference an image overrider changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageComponent {
    /// `host[:port]`.
    Registry,
    /// The path after the registry.
    Repository,
    /// The tag or digest.
    Tag,
}

/// An `imageOverrider` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOverrider {
    /// JSON pointer of the one image to change; `None` changes every container image.
    pub predicate: Option<String>,
    /// Component.
    pub component: ImageComponent,
    /// Operator.
    pub operator: PatchOperator,
    /// Value (empty for remove).
    pub value: String,
}

/// A `plaintext` entry: one JSON-patch operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextPatch {
    /// JSON pointer.
    pub path: String,
    /// Operator.
    pub operator: PatchOperator,
    /// Value for add and replace.
    pub value: Option<Value>,
}

/// What a `commandOverrider` or `argsOverrider` does with its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOperator {
    /// Append the values.
    Add,
    /// Drop every entry equal to one of the values.
    Remove,
}

impl ListOperator {
    /// Karmada's spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
        }
    }
}

/// A `commandOverrider` or `argsOverrider` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandArgsOverrider {
    /// The containers it changes, by exact name.
    pub container_name: String,
    /// Operator.
    pub operator: ListOperator,
    /// The entries to append or drop.
    pub value: Vec<String>,
}

/// A `labelsOverrider` or `annotationsOverrider` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataOverrider {
    /// Operator.
    pub operator: PatchOperator,
    /// Keys and values (values are ignored by `remove`).
    pub value: std::collections::BTreeMap<String, String>,
}

/// How the string a field overrider changes is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldEncoding {
    /// `json`.
    Json,
    /// `yaml`.
    Yaml,
}

impl FieldEncoding {
    /// Karmada's field name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Yaml => "yaml",
        }
    }
}

/// A `fieldOverrider` entry: JSON-patch operations inside a string field holding JSON or YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldOverrider {
    /// JSON pointer of the string field.
    pub field_path: String,
    /// How the string is encoded.
    pub encoding: FieldEncoding,
    /// The operations, with `path` the `subPath` inside the decoded document.
    pub operations: Vec<PlaintextPatch>,
}

/// One override rule: a target and its overriders, in Karmada's application order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRule {
    /// Clusters it applies to; `None` means all.
    pub target: Option<ClusterAffinity>,
    /// The target as written, for messages (`every cluster` without one).
    pub target_text: String,
    /// Image overriders (applied first).
    pub images: Vec<ImageOverrider>,
    /// Command overriders.
    pub commands: Vec<CommandArgsOverrider>,
    /// Args overriders.
    pub args: Vec<CommandArgsOverrider>,
    /// Label overriders.
    pub labels: Vec<MetadataOverrider>,
    /// Annotation overriders.
    pub annotations: Vec<MetadataOverrider>,
    /// Field overriders.
    pub fields: Vec<FieldOverrider>,
    /// Plaintext patches (applied last, as one patch document).
    pub plaintext: Vec<PlaintextPatch>,
    /// JSON pointer of the rule in its policy document, for error spans.
    pub pointer: String,
    /// Where the rule is in `overrideRules`; `None` for the deprecated single-rule form.
    pub index: Option<usize>,
}

/// An `OverridePolicy` or `ClusterOverridePolicy`.
#[derive(Debug, Clone)]
pub struct OverridePolicy {
    /// Kind, namespace and name.
    pub id: PolicyId,
    /// What it selects; empty selects everything in its scope.
    pub selectors: Vec<ResourceSelector>,
    /// Its rules, in order.
    pub rules: Vec<OverrideRule>,
    /// Where its parts are.
    pub spans: SpanIndex,
}

impl OverridePolicy {
    /// How the policy matches a template, or `None` (no selectors match with strength 1).
    #[must_use]
    pub fn matches(&self, template: &Template) -> Option<MatchStrength> {
        if self.id.kind == PolicyKind::OverridePolicy
            && template.object.namespace != self.id.namespace
        {
            return None;
        }
        if self.selectors.is_empty() {
            return Some(MatchStrength::Kind);
        }
        best_match(&self.selectors, template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cluster::{Taint, TaintEffect};

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
        }
    }

    #[test]
    fn tolerations_follow_kubernetes_rules() {
        let exists_all = Toleration {
            key: String::new(),
            exists: true,
            value: String::new(),
            effect: None,
            toleration_seconds: None,
        };
        assert!(exists_all.tolerates(&taint("gpu", "true", TaintEffect::NoSchedule)));
        let equal = Toleration {
            key: "gpu".into(),
            exists: false,
            value: "true".into(),
            effect: Some(TaintEffect::NoSchedule),
            toleration_seconds: None,
        };
        assert!(equal.tolerates(&taint("gpu", "true", TaintEffect::NoSchedule)));
        assert!(!equal.tolerates(&taint("gpu", "false", TaintEffect::NoSchedule)));
        assert!(!equal.tolerates(&taint("gpu", "true", TaintEffect::NoExecute)));
        // Karmada's example `propagationpolicy_taintToleration.yaml` relies on this: an empty key
        // with `Equal` matches every taint whose value is empty.
        let empty_key_equal = Toleration {
            key: String::new(),
            exists: false,
            value: String::new(),
            effect: Some(TaintEffect::NoSchedule),
            toleration_seconds: None,
        };
        assert!(empty_key_equal.tolerates(&taint("gpu", "", TaintEffect::NoSchedule)));
        assert!(!empty_key_equal.tolerates(&taint("gpu", "true", TaintEffect::NoSchedule)));
    }
}
