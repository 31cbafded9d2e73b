//! mcctl's own config objects: workspace settings (HCL `settings`, YAML `mcctl.io/v1alpha1`
//! `Workspace`), and the HCL `cluster` and `template` blocks, which have no Karmada equivalent.
//!
//! Source types only: values are checked when the model is built.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::config::karmada::{ObjectMeta, Quantity, Taint};

/// `apiVersion` of mcctl's own YAML kinds.
pub const MCCTL_API_VERSION: &str = "mcctl.io/v1alpha1";

/// Workspace settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Workspace name (HCL only; YAML uses `metadata.name`).
    pub workspace: Option<String>,
    /// Field manager for server-side apply.
    pub field_manager: Option<String>,
    /// Where state lives.
    pub state: Option<StateSettings>,
    /// How changes roll out.
    pub rollout: Option<RolloutSettings>,
}

/// `settings.state`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateSettings {
    /// `local`.
    pub backend: Option<String>,
    /// Folder of the local backend, relative to the workspace.
    pub path: Option<String>,
    /// Keep applied manifests in the state (default true).
    pub manifests: Option<bool>,
}

/// `settings.rollout`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolloutSettings {
    /// Clusters applied at once within a batch.
    pub max_parallel_clusters: Option<u32>,
    /// How long a batch may take to become healthy, e.g. `5m`.
    pub wait_timeout: Option<String>,
    /// Batches: cluster names or label selectors; `*` is every cluster not named before.
    #[serde(default)]
    pub order: Vec<String>,
}

/// The YAML `Workspace` document.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workspace {
    /// `mcctl.io/v1alpha1`.
    pub api_version: String,
    /// `Workspace`.
    pub kind: String,
    /// `name` is the workspace name.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The settings (the same fields as the HCL `settings` block).
    #[serde(default)]
    pub spec: Settings,
}

/// The HCL `cluster` block (converted to camelCase before decoding).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HclCluster {
    /// Kubeconfig context (Push).
    pub context: Option<String>,
    /// Kubeconfig file (Push).
    pub kubeconfig: Option<String>,
    /// Directory of rendered manifests (Pull).
    pub directory: Option<String>,
    /// Cloud provider.
    pub provider: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Deprecated single zone.
    pub zone: Option<String>,
    /// Zones.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Cluster labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Taints.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// Allocatable resources (`cpu`, `memory`, `pods`, …).
    pub capacity: Option<BTreeMap<String, Quantity>>,
    /// Served APIs: `group/version` or `group/version/Kind`.
    pub api_enablements: Option<Vec<String>>,
}

/// The HCL `template` block (converted to camelCase before decoding).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HclTemplate {
    /// Glob or globs of YAML files, relative to the workspace.
    pub source: Option<StringOrList>,
    /// An inline manifest or list of manifests.
    pub manifest: Option<Value>,
    /// Read separately (it holds references, not values).
    pub depends_on: Option<Value>,
    /// Delete protected kinds when they leave config.
    pub prune: Option<bool>,
    /// JSON pointers mcctl leaves out of what it applies (the `mcctl.io/ignore-fields`
    /// annotation's twin).
    pub ignore_fields: Option<Vec<String>>,
}

/// One string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StringOrList {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl StringOrList {
    /// The strings.
    #[must_use]
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Self::One(one) => vec![one.clone()],
            Self::Many(many) => many.clone(),
        }
    }
}
