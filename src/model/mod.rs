//! Stage 2, build: [`Config`] → [`Model`], the workspace with Karmada's defaults applied and every
//! cross-reference checked.
//!
//! Pure: no I/O. Problems are added to the caller's [`Diagnostics`]; items with errors are left
//! out of the model, so later stages see only valid input.

mod build;

use self::build::Builder;
pub mod cluster;
pub mod crd;
pub mod policy;
pub mod quantity;
pub mod selector;
pub mod subset;
pub mod template;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use crate::addr::ObjectRef;
use crate::config::Config;
use crate::diag::Diagnostics;

pub use self::cluster::{Access, Cluster, ClusterStatus, Readiness, Taint, TaintEffect};
pub use self::policy::{
    AffinityTerm, CommandArgsOverrider, FieldEncoding, FieldOverrider, ImageComponent,
    ImageOverrider, ListOperator, MatchStrength, MetadataOverrider, OverflowTier, OverridePolicy,
    OverrideRule, PatchOperator, Placement, PlaintextPatch, PolicyId, PolicyKind,
    PropagationPolicy, ReplicaScheduling, ResourceSelector, SpreadBy, SpreadConstraint,
    StaticWeight, Toleration,
};
pub use self::selector::{ClusterAffinity, LabelSelector};
pub use self::template::{ReplicaField, Template, Workload};

/// The workspace, validated.
#[derive(Debug, Clone)]
pub struct Model {
    /// Workspace name: the value of the `mcctl.io/workspace` label.
    pub workspace: String,
    /// Settings with defaults.
    pub settings: Settings,
    /// Clusters, sorted by name.
    pub clusters: Vec<Cluster>,
    /// Templates, sorted by [`ObjectRef`].
    pub templates: Vec<Template>,
    /// Propagation policies, sorted by id.
    pub propagation_policies: Vec<PropagationPolicy>,
    /// Override policies, sorted by id.
    pub override_policies: Vec<OverridePolicy>,
}

impl Model {
    /// The cluster with this name.
    #[must_use]
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters
            .binary_search_by(|cluster| cluster.name.as_str().cmp(name))
            .ok()
            .map(|index| &self.clusters[index])
    }

    /// The template with this identity.
    #[must_use]
    pub fn template(&self, object: &ObjectRef) -> Option<&Template> {
        self.templates
            .binary_search_by(|template| template.object.cmp(object))
            .ok()
            .map(|index| &self.templates[index])
    }
}

/// Workspace settings with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Field manager for server-side apply.
    pub field_manager: String,
    /// State folder, relative to the workspace.
    pub state_path: PathBuf,
    /// Whether applied manifests are kept in the state.
    pub state_manifests: bool,
    /// Rollout settings.
    pub rollout: Rollout,
}

/// How a change rolls out over clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    /// Clusters applied at once within a batch.
    pub max_parallel_clusters: usize,
    /// How long a batch may take to become healthy.
    pub wait_timeout: Duration,
    /// Batches in order; empty means one batch of every cluster.
    pub order: Vec<BatchSelector>,
}

/// Which clusters form one rollout batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchSelector {
    /// One cluster by name.
    Cluster(String),
    /// Clusters whose labels match.
    Labels(LabelSelector),
    /// `*`: every cluster not in an earlier batch.
    Rest,
}

/// Builds the model. Errors and warnings go to `diagnostics`.
#[must_use]
pub fn build(config: &Config, diagnostics: &mut Diagnostics) -> Model {
    let mut builder = Builder { diagnostics };
    let clusters = builder.clusters(&config.clusters);
    let cluster_names: BTreeSet<&str> = clusters
        .iter()
        .map(|cluster| cluster.name.as_str())
        .collect();
    let (workspace, settings) = builder.settings(config, &cluster_names);
    builder.check_directories(&clusters, &settings.state_path);
    let templates = builder.templates(&config.templates);
    let override_policies = builder.override_policies(&config.override_policies, &cluster_names);
    let override_ids: BTreeSet<PolicyId> = override_policies
        .iter()
        .map(|policy| policy.id.clone())
        .collect();
    let propagation_policies =
        builder.propagation_policies(&config.propagation_policies, &cluster_names, &override_ids);
    Model {
        workspace,
        settings,
        clusters,
        templates,
        propagation_policies,
        override_policies,
    }
}

/// The folder name made into a valid label value.
#[must_use]
pub fn default_workspace_name(root: &std::path::Path) -> String {
    let folder = std::fs::canonicalize(root)
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let mut name: String = folder
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(63);
    let name = name
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();
    if name.is_empty() {
        "default".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod equivalence;
#[cfg(test)]
mod karmada_cases;
