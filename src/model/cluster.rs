//! Member clusters: how to reach them and what is known about them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::addr::{ClusterName, group_of};
use crate::config::karmada;
use crate::diag::Span;
use crate::model::selector::ClusterFacts;

/// A member cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Name.
    pub name: ClusterName,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Cloud provider.
    pub provider: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Zones.
    pub zones: Vec<String>,
    /// Declared taints.
    pub taints: Vec<Taint>,
    /// How mcctl reaches it.
    pub access: Access,
    /// What the config declares about its status (used when nothing fresher is known).
    pub declared_status: ClusterStatus,
    /// Where it is declared.
    pub span: Span,
}

impl Cluster {
    /// The fields affinities test.
    #[must_use]
    pub fn facts(&self) -> ClusterFacts<'_> {
        ClusterFacts {
            name: self.name.as_str(),
            labels: &self.labels,
            provider: self.provider.as_deref(),
            region: self.region.as_deref(),
            zones: &self.zones,
        }
    }
}

/// How mcctl reaches a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Pull: rendered manifests in a directory (relative to the workspace) for a `GitOps` agent.
    Directory(PathBuf),
    /// Push: the Kubernetes API through a kubeconfig.
    Kubeconfig {
        /// Kubeconfig file; `$KUBECONFIG` then `~/.kube/config` when absent.
        path: Option<PathBuf>,
        /// Context; the kubeconfig's current context when absent.
        context: Option<String>,
    },
    /// Not reachable: planned against, never applied.
    Offline,
}

/// A cluster taint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Effect.
    pub effect: TaintEffect,
}

impl std::fmt::Display for Taint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect.as_str())
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect.as_str())
        }
    }
}

/// A taint effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaintEffect {
    /// New placements need a toleration.
    NoSchedule,
    /// A preference only; the scheduler ignores it.
    PreferNoSchedule,
    /// New placements need a toleration; existing ones may be evicted.
    NoExecute,
}

impl TaintEffect {
    /// Parses Kubernetes' spelling.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "NoSchedule" => Some(Self::NoSchedule),
            "PreferNoSchedule" => Some(Self::PreferNoSchedule),
            "NoExecute" => Some(Self::NoExecute),
            _ => None,
        }
    }

    /// Kubernetes' spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoSchedule => "NoSchedule",
            Self::PreferNoSchedule => "PreferNoSchedule",
            Self::NoExecute => "NoExecute",
        }
    }
}

/// The `Ready` condition of a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Readiness {
    /// `True`.
    Ready,
    /// `False`.
    NotReady,
    /// `Unknown`.
    Unknown,
}

/// The kinds a cluster serves in one group/version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServedKinds {
    /// Every kind (HCL `group/version`), written `"*"`.
    All(AllKinds),
    /// The listed kinds.
    Some(BTreeSet<String>),
}

/// The `"*"` marker of [`ServedKinds::All`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AllKinds {
    /// `*`.
    #[serde(rename = "*")]
    Star,
}

/// What a cluster is known to be; each field stands alone (DESIGN.md §3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterStatus {
    /// Kubernetes version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kubernetes_version: Option<String>,
    /// `Ready` condition; none means Ready.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub readiness: Option<Readiness>,
    /// Served APIs by group/version; none means every API is served.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub api_enablements: Option<BTreeMap<String, ServedKinds>>,
    /// Allocatable resources as quantities; none means nothing is known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allocatable: Option<BTreeMap<String, String>>,
    /// Resources requested by running pods.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allocated: Option<BTreeMap<String, String>>,
    /// Resources requested by pods not yet running.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allocating: Option<BTreeMap<String, String>>,
    /// When the `Ready` condition last changed (RFC 3339), as the cluster reported it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ready_since: Option<String>,
}

impl ClusterStatus {
    /// Whether the cluster serves `kind` in `api_version`, and if not, why.
    #[must_use]
    pub fn serves(&self, api_version: &str, kind: &str) -> bool {
        let Some(enablements) = &self.api_enablements else {
            return true;
        };
        match enablements.get(api_version) {
            Some(ServedKinds::All(_)) => true,
            Some(ServedKinds::Some(kinds)) => kinds.contains(kind),
            None => false,
        }
    }

    /// Fills the fields this status does not know from `fallback`.
    #[must_use]
    pub fn or(mut self, fallback: &ClusterStatus) -> Self {
        if self.kubernetes_version.is_none() {
            self.kubernetes_version
                .clone_from(&fallback.kubernetes_version);
        }
        if self.readiness.is_none() {
            self.readiness = fallback.readiness;
        }
        if self.api_enablements.is_none() {
            self.api_enablements.clone_from(&fallback.api_enablements);
        }
        // The resource summary is one observation: take all of it from one source.
        if self.allocatable.is_none() {
            self.allocatable.clone_from(&fallback.allocatable);
            self.allocated.clone_from(&fallback.allocated);
            self.allocating.clone_from(&fallback.allocating);
        }
        if self.ready_since.is_none() {
            self.ready_since.clone_from(&fallback.ready_since);
        }
        self
    }

    /// A status from Karmada's `Cluster.status`.
    #[must_use]
    pub fn from_karmada(status: &karmada::ClusterStatus) -> Self {
        let ready = status
            .conditions
            .iter()
            .find(|condition| condition.type_ == "Ready");
        let readiness = ready.map(|condition| match condition.status.as_str() {
            "True" => Readiness::Ready,
            "False" => Readiness::NotReady,
            _ => Readiness::Unknown,
        });
        let ready_since = ready
            .and_then(|condition| condition.last_transition_time.as_ref())
            .and_then(|time| time.as_str())
            .map(str::to_owned);
        let api_enablements = status.api_enablements.as_ref().map(|enablements| {
            enablements
                .iter()
                .map(|enablement| {
                    let kinds = enablement
                        .resources
                        .iter()
                        .map(|resource| resource.kind.clone())
                        .collect();
                    (enablement.group_version.clone(), ServedKinds::Some(kinds))
                })
                .collect()
        });
        let summary = status.resource_summary.as_ref();
        let quantities = |list: &BTreeMap<String, karmada::Quantity>| -> BTreeMap<String, String> {
            list.iter()
                .map(|(name, quantity)| (name.clone(), quantity.as_text()))
                .collect()
        };
        Self {
            kubernetes_version: status.kubernetes_version.clone(),
            readiness,
            api_enablements,
            allocatable: summary.map(|summary| quantities(&summary.allocatable)),
            allocated: summary
                .map(|summary| quantities(&summary.allocated))
                .filter(|list| !list.is_empty()),
            allocating: summary
                .map(|summary| quantities(&summary.allocating))
                .filter(|list| !list.is_empty()),
            ready_since,
        }
    }

    /// Parses HCL `api_enablements` entries: `group/version` or `group/version/Kind`.
    #[must_use]
    pub fn parse_api_enablements(entries: &[String]) -> BTreeMap<String, ServedKinds> {
        let mut enablements: BTreeMap<String, ServedKinds> = BTreeMap::new();
        for entry in entries {
            let (group_version, kind) = split_enablement(entry);
            match kind {
                None => {
                    enablements.insert(group_version, ServedKinds::All(AllKinds::Star));
                }
                Some(kind) => {
                    let served = enablements
                        .entry(group_version)
                        .or_insert_with(|| ServedKinds::Some(BTreeSet::new()));
                    if let ServedKinds::Some(kinds) = served {
                        kinds.insert(kind);
                    }
                }
            }
        }
        enablements
    }
}

/// `apps/v1` → (`apps/v1`, None); `apps/v1/Deployment` → (`apps/v1`, Some(Deployment));
/// `v1/ConfigMap` → (`v1`, Some(ConfigMap)). A kind starts with an uppercase letter.
fn split_enablement(entry: &str) -> (String, Option<String>) {
    match entry.rsplit_once('/') {
        Some((rest, last)) if last.starts_with(|c: char| c.is_ascii_uppercase()) => {
            (rest.to_owned(), Some(last.to_owned()))
        }
        _ => (entry.to_owned(), None),
    }
}

/// The group of a group/version string, for messages.
#[must_use]
pub fn group_version_group(group_version: &str) -> &str {
    group_of(group_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_enablements_accept_whole_groups_and_single_kinds() {
        let status = ClusterStatus {
            api_enablements: Some(ClusterStatus::parse_api_enablements(&[
                "apps/v1".into(),
                "v1/ConfigMap".into(),
                "networking.k8s.io/v1/Ingress".into(),
            ])),
            ..ClusterStatus::default()
        };
        assert!(status.serves("apps/v1", "StatefulSet"));
        assert!(status.serves("v1", "ConfigMap"));
        assert!(!status.serves("v1", "Service"));
        assert!(status.serves("networking.k8s.io/v1", "Ingress"));
        assert!(!status.serves("batch/v1", "Job"));
        assert!(ClusterStatus::default().serves("batch/v1", "Job"));
    }

    #[test]
    fn status_serializes_whole_groups_as_a_star() {
        let enablements =
            ClusterStatus::parse_api_enablements(&["apps/v1".into(), "v1/Service".into()]);
        assert_eq!(
            serde_json::to_value(&enablements).unwrap(),
            serde_json::json!({"apps/v1": "*", "v1": ["Service"]})
        );
        let back: BTreeMap<String, ServedKinds> =
            serde_json::from_value(serde_json::json!({"apps/v1": "*", "v1": ["Service"]})).unwrap();
        assert_eq!(back, enablements);
    }
}
