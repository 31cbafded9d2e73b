//! Member clusters: names, access, taints, labels, declared status.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::{Builder, is_dns_label};
use crate::addr::ClusterName;
use crate::config::karmada;
use crate::config::source::{SpanIndex, one_of};
use crate::config::{ClusterDecl, ClusterSource};
use crate::diag::Diagnostic;
use crate::model::quantity::parse_milli;
use crate::model::selector::LabelSelector;
use crate::model::{Access, Cluster, ClusterStatus, Taint, TaintEffect};

impl Builder<'_> {
    pub(in crate::model) fn clusters(&mut self, decls: &[ClusterDecl]) -> Vec<Cluster> {
        let mut clusters: Vec<Cluster> = Vec::new();
        for decl in decls {
            let Some(cluster) = self.cluster(decl) else {
                continue;
            };
            if let Some(first) = clusters.iter().find(|other| other.name == cluster.name) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duplicate_cluster",
                        format!("cluster `{}` is declared twice", cluster.name),
                    )
                    .with_label(cluster.span.clone(), "declared again here")
                    .with_label(first.span.clone(), "first declared here")
                    .with_help("cluster names must be unique; rename or remove one"),
                );
                continue;
            }
            clusters.push(cluster);
        }
        clusters.sort_by(|a, b| a.name.cmp(&b.name));
        clusters
    }

    fn cluster(&mut self, decl: &ClusterDecl) -> Option<Cluster> {
        let spans = &decl.spans;
        let errors = self.diagnostics.error_count();
        if !is_dns_label(&decl.name) {
            self.diagnostics.push(
                Diagnostic::error("mcctl::model::cluster_name", format!("invalid cluster name `{}`", decl.name))
                    .with_label(spans.root(), "this cluster")
                    .with_help("a cluster name is up to 63 lowercase letters, digits or `-`, starting and ending with a letter or digit"),
            );
        }
        let (labels, provider, region, zone, zones, raw_taints, access, declared_status) =
            match &decl.source {
                ClusterSource::Hcl(hcl) => {
                    let access = match (&hcl.directory, &hcl.kubeconfig, &hcl.context) {
                        (Some(directory), None, None) => {
                            Access::Directory(PathBuf::from(directory))
                        }
                        (None, None, None) => Access::Offline,
                        (None, kubeconfig, context) => Access::Kubeconfig {
                            path: kubeconfig.as_ref().map(PathBuf::from),
                            context: context.clone(),
                        },
                        (Some(_), _, _) => {
                            self.diagnostics.push(
                            Diagnostic::error("mcctl::model::cluster_access", format!("cluster `{}` has both a `directory` and a kubeconfig", decl.name))
                                .with_label(spans.key("/directory"), "Pull")
                                .with_help("a cluster is reached either through a directory (Pull) or through a kubeconfig context (Push)"),
                        );
                            Access::Offline
                        }
                    };
                    let status = ClusterStatus {
                        api_enablements: hcl
                            .api_enablements
                            .as_deref()
                            .map(ClusterStatus::parse_api_enablements),
                        allocatable: hcl.capacity.as_ref().map(|capacity| {
                            capacity
                                .iter()
                                .map(|(name, quantity)| (name.clone(), quantity.as_text()))
                                .collect()
                        }),
                        ..ClusterStatus::default()
                    };
                    (
                        hcl.labels.clone(),
                        hcl.provider.clone(),
                        hcl.region.clone(),
                        hcl.zone.clone(),
                        hcl.zones.clone(),
                        hcl.taints.clone(),
                        access,
                        status,
                    )
                }
                ClusterSource::Karmada(karmada) => {
                    let annotations = &karmada.metadata.annotations;
                    let directory = annotations.get("mcctl.io/directory");
                    let kubeconfig = annotations.get("mcctl.io/kubeconfig");
                    let context = annotations.get("mcctl.io/context");
                    let access = match (directory, kubeconfig, context) {
                        (Some(directory), None, None) => {
                            Access::Directory(PathBuf::from(directory))
                        }
                        (None, None, None) => Access::Offline,
                        (None, kubeconfig, context) => Access::Kubeconfig {
                            path: kubeconfig.map(PathBuf::from),
                            context: context.cloned(),
                        },
                        (Some(_), _, _) => {
                            self.diagnostics.push(
                            Diagnostic::error("mcctl::model::cluster_access", format!("cluster `{}` has both `mcctl.io/directory` and a kubeconfig annotation", decl.name))
                                .with_label(spans.value("/metadata/annotations"), "here")
                                .with_help("a cluster is reached either through a directory (Pull) or through a kubeconfig context (Push)"),
                        );
                            Access::Offline
                        }
                    };
                    if let Some(mode) = karmada.spec.sync_mode.as_deref()
                        && mode != "Push"
                        && mode != "Pull"
                    {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "mcctl::model::sync_mode",
                                format!("unknown syncMode `{mode}`"),
                            )
                            .with_label(spans.value("/spec/syncMode"), "here")
                            .with_help(one_of(mode, &["Push", "Pull"])),
                        );
                    }
                    self.cluster_extras(&karmada.spec, karmada.status.as_ref(), spans);
                    let status = karmada
                        .status
                        .as_ref()
                        .map(ClusterStatus::from_karmada)
                        .unwrap_or_default();
                    let spec = &karmada.spec;
                    (
                        karmada.metadata.labels.clone(),
                        spec.provider.clone(),
                        spec.region.clone(),
                        spec.zone.clone(),
                        spec.zones.clone(),
                        spec.taints.clone(),
                        access,
                        status,
                    )
                }
            };
        let mut zones = zones;
        if let Some(zone) = zone {
            self.diagnostics.push(
                Diagnostic::warning(
                    "mcctl::model::deprecated_zone",
                    "`zone` is deprecated and never used for scheduling",
                )
                .with_label(
                    spans.key(match decl.source {
                        ClusterSource::Hcl(_) => "/zone",
                        ClusterSource::Karmada(_) => "/spec/zone",
                    }),
                    "here",
                )
                .with_help(format!(
                    "write `zones` instead; `{zone}` is used as the only zone for now"
                )),
            );
            if zones.is_empty() {
                zones.push(zone);
            }
        }
        self.check_resources(&declared_status, &decl.source, spans);
        let taint_pointer = match decl.source {
            ClusterSource::Hcl(_) => "/taints",
            ClusterSource::Karmada(_) => "/spec/taints",
        };
        let mut taints = Vec::new();
        for (index, taint) in raw_taints.iter().enumerate() {
            match TaintEffect::parse(&taint.effect) {
                Some(effect) => taints.push(Taint {
                    key: taint.key.clone(),
                    value: taint.value.clone(),
                    effect,
                }),
                None => self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::taint_effect",
                        format!("unknown taint effect `{}`", taint.effect),
                    )
                    .with_label(
                        spans.value(&format!("{taint_pointer}/{index}/effect")),
                        "here",
                    )
                    .with_help(one_of(
                        &taint.effect,
                        &["NoSchedule", "PreferNoSchedule", "NoExecute"],
                    )),
                ),
            }
        }
        let labels_pointer = match decl.source {
            ClusterSource::Hcl(_) => "/labels",
            ClusterSource::Karmada(_) => "/metadata/labels",
        };
        for (key, value) in &labels {
            let here = spans.value(&format!(
                "{labels_pointer}/{}",
                crate::config::source::pointer_segment(key)
            ));
            let selector = karmada::LabelSelector {
                match_labels: BTreeMap::from([(key.clone(), value.clone())]),
                match_expressions: Vec::new(),
            };
            if let Err(diagnostic) = LabelSelector::build(&selector, &|_| here.clone()) {
                self.diagnostics.push(
                    diagnostic
                        .with_help("cluster labels follow Kubernetes label syntax")
                        .clone(),
                );
            }
        }
        (self.diagnostics.error_count() == errors).then(|| Cluster {
            name: ClusterName::new(decl.name.clone()),
            labels,
            provider,
            region,
            zones,
            taints,
            access,
            declared_status,
            span: spans.root(),
        })
    }

    /// Pull directories must be distinct, not nested in each other, not the workspace itself and
    /// not the state folder: a directory is read back as what its cluster holds.
    pub(in crate::model) fn check_directories(&mut self, clusters: &[Cluster], state_path: &Path) {
        let normal = |path: &Path| -> PathBuf {
            path.components()
                .filter(|component| !matches!(component, Component::CurDir))
                .collect()
        };
        let state = normal(state_path);
        let directories: Vec<(&Cluster, PathBuf)> = clusters
            .iter()
            .filter_map(|cluster| match &cluster.access {
                Access::Directory(directory) => Some((cluster, normal(directory))),
                _ => None,
            })
            .collect();
        for (index, (cluster, directory)) in directories.iter().enumerate() {
            let problem = if directory.as_os_str().is_empty()
                || directory.components().any(|component| {
                    matches!(
                        component,
                        Component::ParentDir | Component::RootDir | Component::Prefix(_)
                    )
                }) {
                Some("must be a folder inside the workspace (no `..`, not absolute, not the workspace itself)".to_owned())
            } else if directory.starts_with(&state) || state.starts_with(directory) {
                Some(format!("overlaps the state folder `{}`", state.display()))
            } else {
                directories[..index]
                    .iter()
                    .find_map(|(other, other_directory)| {
                        (directory.starts_with(other_directory)
                            || other_directory.starts_with(directory))
                        .then(|| {
                            format!(
                                "overlaps the directory of cluster `{}` (`{}`)",
                                other.name,
                                other_directory.display()
                            )
                        })
                    })
            };
            if let Some(problem) = problem {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::cluster_directory",
                        format!(
                            "the directory `{}` of cluster `{}` {problem}",
                            directory.display(),
                            cluster.name
                        ),
                    )
                    .with_label(cluster.span.clone(), "this cluster")
                    .with_help("give every Pull cluster its own folder, e.g. `out/<cluster>`"),
                );
            }
        }
    }
}

impl Builder<'_> {
    /// Every declared quantity must parse, and a capacity without `pods` is warned about: Karmada's
    /// estimator then counts no room for any pod.
    fn check_resources(
        &mut self,
        status: &ClusterStatus,
        source: &ClusterSource,
        spans: &SpanIndex,
    ) {
        let lists = [
            ("allocatable", &status.allocatable),
            ("allocated", &status.allocated),
            ("allocating", &status.allocating),
        ];
        for (list, quantities) in lists {
            for (name, quantity) in quantities.iter().flatten() {
                if parse_milli(quantity).is_some() {
                    continue;
                }
                let pointer = match source {
                    ClusterSource::Hcl(_) => format!("/capacity/{name}"),
                    ClusterSource::Karmada(_) => {
                        format!("/status/resourceSummary/{list}/{name}")
                    }
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::quantity",
                        format!("`{quantity}` is not a Kubernetes quantity"),
                    )
                    .with_label(spans.value(&pointer), "here")
                    .with_help("write a number with an optional suffix, such as `500m`, `4`, `16Gi` or `1e3`"),
                );
            }
        }
        if let Some(allocatable) = &status.allocatable
            && !allocatable.contains_key("pods")
        {
            let pointer = match source {
                ClusterSource::Hcl(_) => "/capacity",
                ClusterSource::Karmada(_) => "/status/resourceSummary/allocatable",
            };
            self.diagnostics.push(
                Diagnostic::warning(
                    "mcctl::model::capacity_pods",
                    "this capacity has no `pods`: Karmada's estimator then has room for no replica here",
                )
                .with_label(spans.value(pointer), "no `pods`")
                .with_help("add the number of pods the cluster can run, e.g. `pods = \"110\"` per node"),
            );
        }
    }
}
