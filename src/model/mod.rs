//! Stage 2, build: [`Config`] → [`Model`], the workspace with Karmada's defaults applied and every
//! cross-reference checked.
//!
//! Pure: no I/O. Problems are added to the caller's [`Diagnostics`]; items with errors are left
//! out of the model, so later stages see only valid input.

pub mod cluster;
pub mod policy;
pub mod selector;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::addr::{ClusterName, ObjectRef, group_of};
use crate::config::hcl::Reference;
use crate::config::karmada;
use crate::config::source::{SpanIndex, one_of};
use crate::config::{ClusterDecl, ClusterSource, Config, Declared, TemplateDecl};
use crate::diag::{Diagnostic, Diagnostics, Span};

pub use self::cluster::{Access, Cluster, ClusterStatus, Readiness, Taint, TaintEffect};
pub use self::policy::{
    ImageComponent, ImageOverrider, MatchStrength, OverridePolicy, OverrideRule, PatchOperator,
    Placement, PlaintextPatch, PolicyId, PolicyKind, PropagationPolicy, ReplicaScheduling,
    ResourceSelector, StaticWeight, Toleration,
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
    let templates = builder.templates(&config.templates);
    let propagation_policies =
        builder.propagation_policies(&config.propagation_policies, &cluster_names);
    let override_policies = builder.override_policies(&config.override_policies, &cluster_names);
    Model {
        workspace,
        settings,
        clusters,
        templates,
        propagation_policies,
        override_policies,
    }
}

struct Builder<'a> {
    diagnostics: &'a mut Diagnostics,
}

fn not_supported_yet(what: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "mcctl::model::not_supported",
        format!("{what} is not supported yet"),
    )
    .with_label(span, "here")
    .with_help("remove it; mcctl would otherwise place or render differently from Karmada")
}

fn not_acted_on(field: &str, span: Span) -> Diagnostic {
    Diagnostic::warning(
        "mcctl::model::not_acted_on",
        format!("`{field}` is loaded but mcctl does not act on it yet"),
    )
    .with_label(span, "ignored")
    .with_help("it has no effect on the plan")
}

/// A DNS-1123 label: what cluster names and the workspace label value must be.
fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
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

impl Builder<'_> {
    fn settings(&mut self, config: &Config, clusters: &BTreeSet<&str>) -> (String, Settings) {
        if let [first, second, ..] = config.settings.as_slice() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::duplicate_settings",
                    "workspace settings are declared twice",
                )
                .with_label(second.spans.root(), "declared again here")
                .with_label(first.spans.root(), "first declared here")
                .with_help("keep one `settings` block or `Workspace` document"),
            );
        }
        let decl = config.settings.first();
        let raw = decl.map(|decl| decl.settings.clone()).unwrap_or_default();
        // Every setting comes from `decl`, so a problem with a setting always has a span.
        let span_of = |pointer: &str| decl.map(|decl| decl.spans.value(pointer));
        let workspace = match decl.and_then(|decl| decl.name.clone()) {
            Some(name) => {
                let valid = name.len() <= 63
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    && name.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && name.ends_with(|c: char| c.is_ascii_alphanumeric());
                if !valid {
                    let pointer = if decl
                        .is_some_and(|decl| decl.spans.root() != decl.spans.value("/workspace"))
                    {
                        "/workspace"
                    } else {
                        "/metadata/name"
                    };
                    self.diagnostics.push(
                        Diagnostic::error("mcctl::model::workspace_name", format!("invalid workspace name `{name}`"))
                            .with_optional_label(span_of(pointer).as_ref(), "here")
                            .with_help("the name is a label value: up to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"),
                    );
                }
                name
            }
            None => default_workspace_name(&config.root),
        };
        let state = raw.state.clone().unwrap_or_default();
        if let Some(backend) = state
            .backend
            .as_deref()
            .filter(|backend| *backend != "local")
        {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::state_backend",
                    format!("state backend `{backend}` is not supported"),
                )
                .with_optional_label(span_of("/state/backend").as_ref(), "here")
                .with_help("use `local` (the default)"),
            );
        }
        let rollout = raw.rollout.clone().unwrap_or_default();
        let wait_timeout = match rollout.wait_timeout.as_deref() {
            None => Duration::from_secs(300),
            Some(text) => humantime::parse_duration(text).unwrap_or_else(|error| {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duration",
                        format!("invalid duration `{text}`: {error}"),
                    )
                    .with_optional_label(span_of("/rollout/waitTimeout").as_ref(), "here")
                    .with_help("write a duration such as `90s`, `5m` or `1h`"),
                );
                Duration::from_secs(300)
            }),
        };
        let mut order = Vec::new();
        for (index, entry) in rollout.order.iter().enumerate() {
            let span = || span_of(&format!("/rollout/order/{index}"));
            let entry = entry.trim();
            if entry == "*" {
                order.push(BatchSelector::Rest);
            } else if entry.contains(['=', '!', '(', ',', ' ']) {
                match selector::parse_label_selector(entry) {
                    Ok(selector) => order.push(BatchSelector::Labels(selector)),
                    Err(message) => self.diagnostics.push(
                        Diagnostic::error("mcctl::model::rollout_order", message)
                            .with_optional_label(span().as_ref(), "here")
                            .with_help("write a cluster name, a label selector such as `tier=canary`, or `*`"),
                    ),
                }
            } else if clusters.contains(entry) {
                order.push(BatchSelector::Cluster(entry.to_owned()));
            } else {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::rollout_order",
                        format!("rollout order names unknown cluster `{entry}`"),
                    )
                    .with_optional_label(span().as_ref(), "here")
                    .with_help(
                        "name a declared cluster, or write a label selector such as `tier=canary`",
                    ),
                );
            }
        }
        let settings = Settings {
            field_manager: raw
                .field_manager
                .clone()
                .unwrap_or_else(|| "mcctl".to_owned()),
            state_path: PathBuf::from(state.path.unwrap_or_else(|| "mcctl.state".to_owned())),
            state_manifests: state.manifests.unwrap_or(true),
            rollout: Rollout {
                max_parallel_clusters: rollout
                    .max_parallel_clusters
                    .map_or(4, |max| usize::try_from(max.max(1)).unwrap_or(4)),
                wait_timeout,
                order,
            },
        };
        (workspace, settings)
    }

    fn clusters(&mut self, decls: &[ClusterDecl]) -> Vec<Cluster> {
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
                    for (field, present) in [
                        (
                            "spec.resourceModels",
                            karmada.spec.resource_models.is_some(),
                        ),
                        ("spec.proxyHeader", karmada.spec.proxy_header.is_some()),
                    ] {
                        if present {
                            let pointer = format!("/{}", field.replace('.', "/"));
                            self.diagnostics
                                .push(not_acted_on(field, spans.key(&pointer)));
                        }
                    }
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

    fn templates(&mut self, decls: &[TemplateDecl]) -> Vec<Template> {
        // CRDs declared in the workspace tell the scope of their custom resources.
        let mut crds = BTreeMap::new();
        for decl in decls {
            let manifest = &decl.manifest;
            if manifest["kind"] == "CustomResourceDefinition"
                && group_of(manifest["apiVersion"].as_str().unwrap_or("")) == "apiextensions.k8s.io"
                && let (Some(group), Some(kind)) = (
                    manifest.pointer("/spec/group").and_then(Value::as_str),
                    manifest.pointer("/spec/names/kind").and_then(Value::as_str),
                )
            {
                let namespaced =
                    manifest.pointer("/spec/scope").and_then(Value::as_str) != Some("Cluster");
                crds.insert((group.to_owned(), kind.to_owned()), namespaced);
            }
        }
        let mut templates: Vec<(Template, &TemplateDecl)> = Vec::new();
        let mut blocks: BTreeMap<String, Vec<ObjectRef>> = BTreeMap::new();
        for decl in decls {
            let Some(template) = self.template(decl, &crds) else {
                continue;
            };
            if let Some((first, _)) = templates
                .iter()
                .find(|(other, _)| other.object == template.object)
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duplicate_template",
                        format!("`{}` is declared twice", template.object),
                    )
                    .with_label(template.spans.root(), "declared again here")
                    .with_label(first.spans.root(), "first declared here")
                    .with_help("an object can be declared once per workspace; remove one")
                    .with_resource(template.object.clone()),
                );
                continue;
            }
            if let Some(block) = &decl.block {
                blocks
                    .entry(block.name.clone())
                    .or_default()
                    .push(template.object.clone());
            }
            templates.push((template, decl));
        }
        templates.sort_by(|a, b| a.0.object.cmp(&b.0.object));
        let known: BTreeSet<ObjectRef> = templates
            .iter()
            .map(|(template, _)| template.object.clone())
            .collect();
        // Resolve `depends_on` now that every template is known.
        for (template, decl) in &mut templates {
            let mut depends_on = Vec::new();
            if let Some(block) = &decl.block {
                for (reference, span) in &block.depends_on {
                    match reference {
                        Reference::Template(name) => match blocks.get(name) {
                            Some(objects) => depends_on.extend(
                                objects.iter().map(|object| (object.clone(), span.clone())),
                            ),
                            None => self.diagnostics.push(
                                Diagnostic::error(
                                    "mcctl::model::depends_on",
                                    format!("`template.{name}` does not exist"),
                                )
                                .with_label(span.clone(), "unknown template")
                                .with_help(format!("declare `template \"{name}\"` or fix the name"))
                                .with_resource(template.object.clone()),
                            ),
                        },
                        Reference::Object(text) => {
                            self.object_dependency(text, span, &known, template, &mut depends_on);
                        }
                    }
                }
            }
            if let Some(annotation) = template
                .manifest
                .pointer("/metadata/annotations/mcctl.io~1depends-on")
                .and_then(Value::as_str)
            {
                let span = template
                    .spans
                    .value("/metadata/annotations/mcctl.io~1depends-on");
                for text in annotation
                    .split(',')
                    .map(str::trim)
                    .filter(|text| !text.is_empty())
                {
                    self.object_dependency(text, &span, &known, template, &mut depends_on);
                }
            }
            depends_on.retain(|(object, _)| object != &template.object);
            template.depends_on = depends_on;
        }
        templates
            .into_iter()
            .map(|(template, _)| template)
            .collect()
    }

    fn object_dependency(
        &mut self,
        text: &str,
        span: &Span,
        known: &BTreeSet<ObjectRef>,
        template: &Template,
        out: &mut Vec<(ObjectRef, Span)>,
    ) {
        match text.parse::<ObjectRef>() {
            Ok(object) if known.contains(&object) => out.push((object, span.clone())),
            Ok(object) => self.diagnostics.push(
                Diagnostic::error("mcctl::model::depends_on", format!("`{object}` is not declared in this workspace"))
                    .with_label(span.clone(), "unknown object")
                    .with_help("depend on a template of this workspace, by its address `<group or core>/<Kind>/<namespace or _>/<name>`")
                    .with_resource(template.object.clone()),
            ),
            Err(error) => self.diagnostics.push(
                Diagnostic::error("mcctl::model::depends_on", error.to_string())
                    .with_label(span.clone(), "here")
                    .with_help("write an address such as `core/ConfigMap/default/web`")
                    .with_resource(template.object.clone()),
            ),
        }
    }

    fn template(
        &mut self,
        decl: &TemplateDecl,
        crds: &BTreeMap<(String, String), bool>,
    ) -> Option<Template> {
        let spans = &decl.spans;
        let manifest = &decl.manifest;
        let Some(object) = manifest.as_object() else {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::template",
                    "a template must be a Kubernetes object",
                )
                .with_label(spans.root(), "this value")
                .with_help("write a mapping with `apiVersion`, `kind` and `metadata.name`"),
            );
            return None;
        };
        let mut missing = Vec::new();
        let api_version = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        let name = manifest
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        if api_version.is_none() {
            missing.push("apiVersion");
        }
        if kind.is_none() {
            missing.push("kind");
        }
        if name.is_none() {
            missing.push("metadata.name");
        }
        let (Some(api_version), Some(kind), Some(name)) = (api_version, kind, name) else {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::template",
                    format!("this object has no `{}`", missing.join("`, `")),
                )
                .with_label(spans.root(), "this object")
                .with_help(
                    "every resource template needs `apiVersion`, `kind` and `metadata.name`",
                ),
            );
            return None;
        };
        if manifest.pointer("/metadata/generateName").is_some() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::template",
                    "`metadata.generateName` cannot be planned",
                )
                .with_label(spans.key("/metadata/generateName"), "here")
                .with_help("give the object a fixed `metadata.name`"),
            );
            return None;
        }
        let group = group_of(api_version);
        let written_namespace = manifest
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        let namespace = match template::is_namespaced(group, kind, crds) {
            Some(true) => Some(written_namespace.unwrap_or("default").to_owned()),
            Some(false) => {
                if written_namespace.is_some() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::template",
                            format!("`{kind}` is cluster-scoped and cannot have a namespace"),
                        )
                        .with_label(spans.value("/metadata/namespace"), "here")
                        .with_help("remove `metadata.namespace`"),
                    );
                    return None;
                }
                None
            }
            // Unknown offline (a custom resource whose CRD is not in the workspace): take the
            // manifest's word for it.
            None => written_namespace.map(str::to_owned),
        };
        let mut manifest = manifest.clone();
        if let (Some(namespace), Some(metadata)) = (
            &namespace,
            manifest.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            metadata.insert("namespace".into(), Value::String(namespace.clone()));
        }
        let labels: BTreeMap<String, String> = manifest
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let object = ObjectRef::new(api_version, kind, namespace, name);
        let prune = decl
            .block
            .as_ref()
            .and_then(|block| block.prune)
            .unwrap_or(false)
            || manifest
                .pointer("/metadata/annotations/mcctl.io~1prune")
                .and_then(Value::as_str)
                == Some("true");
        Some(Template {
            api_version: api_version.to_owned(),
            uid: manifest
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .map(str::to_owned),
            workload: template::workload_of(group, kind, &manifest),
            labels,
            manifest,
            depends_on: Vec::new(),
            prune,
            block: decl.block.as_ref().map(|block| block.name.clone()),
            spans: spans.clone(),
            object,
        })
    }

    fn resource_selectors(
        &mut self,
        raw: &[karmada::ResourceSelector],
        id: &PolicyId,
        spans: &SpanIndex,
    ) -> Option<Vec<ResourceSelector>> {
        let mut selectors = Vec::new();
        let errors = self.diagnostics.error_count();
        for (index, selector) in raw.iter().enumerate() {
            let pointer = format!("/spec/resourceSelectors/{index}");
            let namespace = selector
                .namespace
                .clone()
                .filter(|namespace| !namespace.is_empty());
            let namespace = match (&id.namespace, namespace) {
                // A namespaced policy selects only in its own namespace (Karmada's webhook).
                (Some(own), Some(other)) if *own != other => {
                    self.diagnostics.push(
                        Diagnostic::error("mcctl::model::selector_namespace", format!("`{id}` cannot select resources in namespace `{other}`"))
                            .with_label(spans.value(&format!("{pointer}/namespace")), "other namespace")
                            .with_help(format!("a namespaced policy selects only in its own namespace `{own}`; remove `namespace` or use a cluster-scoped policy")),
                    );
                    None
                }
                (Some(own), _) => Some(own.clone()),
                (None, namespace) => namespace,
            };
            let label_selector = match &selector.label_selector {
                Some(raw) => match LabelSelector::build(raw, &|rest| {
                    spans.value(&format!("{pointer}/labelSelector{rest}"))
                }) {
                    Ok(selector) => Some(selector),
                    Err(diagnostic) => {
                        self.diagnostics.push(*diagnostic);
                        None
                    }
                },
                None => None,
            };
            selectors.push(ResourceSelector {
                api_version: selector.api_version.clone(),
                kind: selector.kind.clone(),
                namespace,
                name: selector.name.clone().filter(|name| !name.is_empty()),
                label_selector,
            });
        }
        (self.diagnostics.error_count() == errors).then_some(selectors)
    }

    fn policy_id(
        &mut self,
        kind: &str,
        metadata: &karmada::ObjectMeta,
        spans: &SpanIndex,
    ) -> Option<PolicyId> {
        let kind = match kind {
            "PropagationPolicy" => PolicyKind::PropagationPolicy,
            "ClusterPropagationPolicy" => PolicyKind::ClusterPropagationPolicy,
            "OverridePolicy" => PolicyKind::OverridePolicy,
            _ => PolicyKind::ClusterOverridePolicy,
        };
        let Some(name) = metadata.name.clone().filter(|name| !name.is_empty()) else {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::policy_name",
                    format!("this {} has no name", kind.as_str()),
                )
                .with_label(spans.root(), "here")
                .with_help("set `metadata.name`"),
            );
            return None;
        };
        let namespace = if kind.is_namespaced() {
            Some(
                metadata
                    .namespace
                    .clone()
                    .filter(|namespace| !namespace.is_empty())
                    .unwrap_or_else(|| "default".to_owned()),
            )
        } else {
            if metadata
                .namespace
                .as_deref()
                .is_some_and(|namespace| !namespace.is_empty())
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::policy_namespace",
                        format!("a {} is cluster-scoped and has no namespace", kind.as_str()),
                    )
                    .with_label(spans.value("/metadata/namespace"), "here")
                    .with_help("remove `metadata.namespace`"),
                );
                return None;
            }
            None
        };
        Some(PolicyId {
            kind,
            namespace,
            name,
        })
    }

    fn affinity(
        &mut self,
        raw: &karmada::ClusterAffinity,
        spans: &SpanIndex,
        pointer: &str,
        clusters: &BTreeSet<&str>,
    ) -> Option<ClusterAffinity> {
        for (list, names) in [
            ("clusterNames", &raw.cluster_names),
            ("exclude", &raw.exclude),
        ] {
            for (index, name) in names.iter().enumerate() {
                if !clusters.contains(name.as_str()) {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "mcctl::model::unknown_cluster",
                            format!("cluster `{name}` is not declared"),
                        )
                        .with_label(
                            spans.value(&format!("{pointer}/{list}/{index}")),
                            "unknown cluster",
                        )
                        .with_help("it matches nothing until a cluster of that name is declared"),
                    );
                }
            }
        }
        match ClusterAffinity::build(raw, &|rest| spans.value(&format!("{pointer}{rest}"))) {
            Ok(affinity) => Some(affinity),
            Err(diagnostic) => {
                self.diagnostics.push(*diagnostic);
                None
            }
        }
    }

    fn propagation_policies(
        &mut self,
        decls: &[Declared<karmada::PropagationPolicy>],
        clusters: &BTreeSet<&str>,
    ) -> Vec<PropagationPolicy> {
        let mut policies: Vec<PropagationPolicy> = Vec::new();
        for decl in decls {
            let Some(policy) = self.propagation_policy(decl, clusters) else {
                continue;
            };
            if let Some(first) = policies.iter().find(|other| other.id == policy.id) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duplicate_policy",
                        format!("`{}` is declared twice", policy.id),
                    )
                    .with_label(policy.spans.root(), "declared again here")
                    .with_label(first.spans.root(), "first declared here")
                    .with_help(
                        "policy names are unique per kind and namespace; rename or remove one",
                    ),
                );
                continue;
            }
            policies.push(policy);
        }
        policies.sort_by(|a, b| a.id.cmp(&b.id));
        policies
    }

    fn propagation_policy(
        &mut self,
        decl: &Declared<karmada::PropagationPolicy>,
        clusters: &BTreeSet<&str>,
    ) -> Option<PropagationPolicy> {
        let spans = &decl.spans;
        let policy = &decl.value;
        let spec = &policy.spec;
        let errors = self.diagnostics.error_count();
        let id = self.policy_id(&policy.kind, &policy.metadata, spans)?;
        if spec.resource_selectors.is_empty() {
            self.diagnostics.push(
                Diagnostic::error("mcctl::model::no_selectors", format!("`{id}` selects nothing"))
                    .with_label(spans.root(), "this policy")
                    .with_help("add at least one resource selector (`resourceSelectors`, HCL `resource_selector`)"),
            );
        }
        let selectors = self.resource_selectors(&spec.resource_selectors, &id, spans);
        let placement = &spec.placement;
        if placement.cluster_affinities.is_some() {
            self.diagnostics.push(not_supported_yet(
                "`clusterAffinities`",
                spans.key("/spec/placement/clusterAffinities"),
            ));
        }
        if !placement.spread_constraints.is_empty() {
            self.diagnostics.push(not_supported_yet(
                "`spreadConstraints`",
                spans.key("/spec/placement/spreadConstraints"),
            ));
        }
        if placement.workload_affinity.is_some() {
            self.diagnostics.push(not_supported_yet(
                "`workloadAffinity`",
                spans.key("/spec/placement/workloadAffinity"),
            ));
        }
        let affinity = match &placement.cluster_affinity {
            Some(raw) => self.affinity(raw, spans, "/spec/placement/clusterAffinity", clusters),
            None => Some(ClusterAffinity::default()),
        };
        let mut tolerations = Vec::new();
        for (index, toleration) in placement.cluster_tolerations.iter().enumerate() {
            let pointer = format!("/spec/placement/clusterTolerations/{index}");
            let exists = match toleration.operator.as_deref().unwrap_or("Equal") {
                "Equal" => false,
                "Exists" => true,
                other => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::toleration",
                            format!("toleration operator `{other}` is not allowed"),
                        )
                        .with_label(spans.value(&format!("{pointer}/operator")), "here")
                        .with_help(one_of(other, &["Equal", "Exists"])),
                    );
                    continue;
                }
            };
            if exists && !toleration.value.is_empty() {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::toleration",
                        "a toleration with `Exists` takes no value",
                    )
                    .with_label(spans.value(&format!("{pointer}/value")), "here")
                    .with_help("remove `value`, or use `Equal`"),
                );
            }
            if toleration.key.is_empty() && !exists {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::toleration",
                        "a toleration without a key must use `Exists`",
                    )
                    .with_label(spans.value(&pointer), "here")
                    .with_help("set `key`, or `operator: Exists` to tolerate every taint"),
                );
            }
            let effect = if toleration.effect.is_empty() {
                None
            } else if let Some(effect) = TaintEffect::parse(&toleration.effect) {
                Some(effect)
            } else {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::toleration",
                        format!("unknown taint effect `{}`", toleration.effect),
                    )
                    .with_label(spans.value(&format!("{pointer}/effect")), "here")
                    .with_help(one_of(
                        &toleration.effect,
                        &["NoSchedule", "PreferNoSchedule", "NoExecute"],
                    )),
                );
                None
            };
            tolerations.push(Toleration {
                key: toleration.key.clone(),
                exists,
                value: toleration.value.clone(),
                effect,
            });
        }
        let replicas =
            self.replica_scheduling(placement.replica_scheduling.as_ref(), spans, clusters);
        for (field, present) in [
            ("spec.failover", spec.failover.is_some()),
            ("spec.suspension", spec.suspension.is_some()),
            ("spec.preemption", spec.preemption.is_some()),
            (
                "spec.dependentOverrides",
                spec.dependent_overrides.is_some(),
            ),
            ("spec.schedulerName", spec.scheduler_name.is_some()),
            (
                "spec.conflictResolution",
                spec.conflict_resolution.is_some(),
            ),
            (
                "spec.activationPreference",
                spec.activation_preference.is_some(),
            ),
            (
                "spec.preserveResourcesOnDeletion",
                spec.preserve_resources_on_deletion.is_some(),
            ),
            ("spec.schedulePriority", spec.schedule_priority.is_some()),
        ] {
            if present {
                self.diagnostics.push(not_acted_on(
                    field,
                    spans.key(&format!("/{}", field.replace('.', "/"))),
                ));
            }
        }
        let propagate_deps = spec.propagate_deps.or(spec.association).unwrap_or(false);
        if propagate_deps {
            self.diagnostics.push(not_acted_on(
                "spec.propagateDeps",
                spans.key(if spec.propagate_deps.is_some() {
                    "/spec/propagateDeps"
                } else {
                    "/spec/association"
                }),
            ));
        }
        if self.diagnostics.error_count() != errors {
            return None;
        }
        Some(PropagationPolicy {
            id,
            priority: spec.priority.unwrap_or(0),
            selectors: selectors?,
            placement: Placement {
                affinity: affinity?,
                tolerations,
                replicas: replicas?,
            },
            propagate_deps,
            spans: spans.clone(),
        })
    }

    fn replica_scheduling(
        &mut self,
        raw: Option<&karmada::ReplicaSchedulingStrategy>,
        spans: &SpanIndex,
        clusters: &BTreeSet<&str>,
    ) -> Option<ReplicaScheduling> {
        let Some(raw) = raw else {
            return Some(ReplicaScheduling::Duplicated);
        };
        let pointer = "/spec/placement/replicaScheduling";
        // Karmada's CRD defaults the type to Divided when the block is present.
        match raw.replica_scheduling_type.as_deref().unwrap_or("Divided") {
            "Duplicated" => return Some(ReplicaScheduling::Duplicated),
            "Divided" => {}
            other => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::replica_scheduling",
                        format!("unknown replicaSchedulingType `{other}`"),
                    )
                    .with_label(
                        spans.value(&format!("{pointer}/replicaSchedulingType")),
                        "here",
                    )
                    .with_help(one_of(other, &["Duplicated", "Divided"])),
                );
                return None;
            }
        }
        // Karmada's webhook defaults the preference to Weighted for Divided.
        match raw
            .replica_division_preference
            .as_deref()
            .unwrap_or("Weighted")
        {
            "Weighted" => {}
            "Aggregated" => {
                self.diagnostics.push(not_supported_yet(
                    "`replicaDivisionPreference: Aggregated`",
                    spans.value(&format!("{pointer}/replicaDivisionPreference")),
                ));
                return None;
            }
            other => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::replica_scheduling",
                        format!("unknown replicaDivisionPreference `{other}`"),
                    )
                    .with_label(
                        spans.value(&format!("{pointer}/replicaDivisionPreference")),
                        "here",
                    )
                    .with_help(one_of(other, &["Weighted", "Aggregated"])),
                );
                return None;
            }
        }
        let Some(preference) = &raw.weight_preference else {
            return Some(ReplicaScheduling::StaticWeighted(Vec::new()));
        };
        if preference.dynamic_weight.is_some() {
            self.diagnostics.push(not_supported_yet(
                "`dynamicWeight`",
                spans.key(&format!("{pointer}/weightPreference/dynamicWeight")),
            ));
            return None;
        }
        let mut weights = Vec::new();
        for (index, entry) in preference.static_weight_list.iter().enumerate() {
            let entry_pointer = format!("{pointer}/weightPreference/staticWeightList/{index}");
            let Ok(weight) = u64::try_from(entry.weight)
                .map_err(drop)
                .and_then(|weight| if weight >= 1 { Ok(weight) } else { Err(()) })
            else {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::static_weight",
                        format!("weight `{}` must be at least 1", entry.weight),
                    )
                    .with_label(spans.value(&format!("{entry_pointer}/weight")), "here")
                    .with_help("give the clusters a positive weight, or remove the entry"),
                );
                continue;
            };
            let target = self.affinity(
                &entry.target_cluster,
                spans,
                &format!("{entry_pointer}/targetCluster"),
                clusters,
            )?;
            weights.push(StaticWeight { target, weight });
        }
        Some(ReplicaScheduling::StaticWeighted(weights))
    }

    fn override_policies(
        &mut self,
        decls: &[Declared<karmada::OverridePolicy>],
        clusters: &BTreeSet<&str>,
    ) -> Vec<OverridePolicy> {
        let mut policies: Vec<OverridePolicy> = Vec::new();
        for decl in decls {
            let Some(policy) = self.override_policy(decl, clusters) else {
                continue;
            };
            if let Some(first) = policies.iter().find(|other| other.id == policy.id) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duplicate_policy",
                        format!("`{}` is declared twice", policy.id),
                    )
                    .with_label(policy.spans.root(), "declared again here")
                    .with_label(first.spans.root(), "first declared here")
                    .with_help(
                        "policy names are unique per kind and namespace; rename or remove one",
                    ),
                );
                continue;
            }
            policies.push(policy);
        }
        policies.sort_by(|a, b| a.id.cmp(&b.id));
        policies
    }

    fn override_policy(
        &mut self,
        decl: &Declared<karmada::OverridePolicy>,
        clusters: &BTreeSet<&str>,
    ) -> Option<OverridePolicy> {
        let spans = &decl.spans;
        let policy = &decl.value;
        let spec = &policy.spec;
        let errors = self.diagnostics.error_count();
        let id = self.policy_id(&policy.kind, &policy.metadata, spans)?;
        let selectors = self.resource_selectors(&spec.resource_selectors, &id, spans);
        let legacy = spec.target_cluster.is_some() || spec.overriders.is_some();
        if legacy && !spec.override_rules.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::override_rules",
                    "`overrideRules` cannot be combined with `targetCluster`/`overriders`",
                )
                .with_label(spans.key("/spec/overrideRules"), "here")
                .with_help(
                    "move the `targetCluster` and `overriders` into an entry of `overrideRules`",
                ),
            );
        }
        let rules: Vec<(
            String,
            Option<&karmada::ClusterAffinity>,
            karmada::Overriders,
        )> = if spec.override_rules.is_empty() {
            if legacy {
                self.diagnostics.push(
                    Diagnostic::warning(
                        "mcctl::model::deprecated_override",
                        "`targetCluster` and `overriders` at the top of the spec are deprecated",
                    )
                    .with_label(
                        spans.key(if spec.overriders.is_some() {
                            "/spec/overriders"
                        } else {
                            "/spec/targetCluster"
                        }),
                        "here",
                    )
                    .with_help("write them as one entry of `overrideRules`"),
                );
            }
            vec![(
                "/spec".to_owned(),
                spec.target_cluster.as_ref(),
                spec.overriders.clone().unwrap_or_default(),
            )]
        } else {
            spec.override_rules
                .iter()
                .enumerate()
                .map(|(index, rule)| {
                    (
                        format!("/spec/overrideRules/{index}"),
                        rule.target_cluster.as_ref(),
                        rule.overriders.clone(),
                    )
                })
                .collect()
        };
        let mut built = Vec::new();
        for (pointer, target, overriders) in rules {
            let target = match target {
                Some(raw) => {
                    self.affinity(raw, spans, &format!("{pointer}/targetCluster"), clusters)
                }
                None => None,
            };
            for (field, present) in [
                ("commandOverrider", !overriders.command_overrider.is_empty()),
                ("argsOverrider", !overriders.args_overrider.is_empty()),
                ("labelsOverrider", !overriders.labels_overrider.is_empty()),
                (
                    "annotationsOverrider",
                    !overriders.annotations_overrider.is_empty(),
                ),
                ("fieldOverrider", !overriders.field_overrider.is_empty()),
            ] {
                if present {
                    self.diagnostics.push(not_supported_yet(
                        &format!("`{field}`"),
                        spans.key(&format!("{pointer}/overriders/{field}")),
                    ));
                }
            }
            let mut images = Vec::new();
            for (index, image) in overriders.image_overrider.iter().enumerate() {
                let at = format!("{pointer}/overriders/imageOverrider/{index}");
                let component = match image.component.as_str() {
                    "Registry" => Some(ImageComponent::Registry),
                    "Repository" => Some(ImageComponent::Repository),
                    "Tag" => Some(ImageComponent::Tag),
                    other => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "mcctl::model::image_overrider",
                                format!("unknown image component `{other}`"),
                            )
                            .with_label(spans.value(&format!("{at}/component")), "here")
                            .with_help(one_of(other, &["Registry", "Repository", "Tag"])),
                        );
                        None
                    }
                };
                let operator =
                    self.patch_operator(&image.operator, spans, &format!("{at}/operator"));
                if let Some(predicate) = &image.predicate {
                    self.check_pointer(&predicate.path, spans, &format!("{at}/predicate/path"));
                }
                if operator.is_some_and(|operator| operator != PatchOperator::Remove)
                    && image.value.as_deref().is_none_or(str::is_empty)
                {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::image_overrider",
                            format!("`{}` of an image component needs a value", image.operator),
                        )
                        .with_label(spans.value(&at), "here")
                        .with_help("add `value`"),
                    );
                }
                if let (Some(component), Some(operator)) = (component, operator) {
                    images.push(ImageOverrider {
                        predicate: image
                            .predicate
                            .as_ref()
                            .map(|predicate| predicate.path.clone()),
                        component,
                        operator,
                        value: image.value.clone().unwrap_or_default(),
                    });
                }
            }
            let mut plaintext = Vec::new();
            for (index, patch) in overriders.plaintext.iter().enumerate() {
                let at = format!("{pointer}/overriders/plaintext/{index}");
                let operator =
                    self.patch_operator(&patch.operator, spans, &format!("{at}/operator"));
                self.check_pointer(&patch.path, spans, &format!("{at}/path"));
                if operator.is_some_and(|operator| operator != PatchOperator::Remove)
                    && patch.value.is_none()
                {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::plaintext",
                            format!("`{}` needs a value", patch.operator),
                        )
                        .with_label(spans.value(&at), "here")
                        .with_help("add `value`"),
                    );
                }
                if let Some(operator) = operator {
                    plaintext.push(PlaintextPatch {
                        path: patch.path.clone(),
                        operator,
                        value: patch.value.clone(),
                    });
                }
            }
            built.push(OverrideRule {
                target,
                images,
                plaintext,
                pointer,
            });
        }
        if self.diagnostics.error_count() != errors {
            return None;
        }
        Some(OverridePolicy {
            id,
            selectors: selectors?,
            rules: built,
            spans: spans.clone(),
        })
    }

    fn patch_operator(
        &mut self,
        text: &str,
        spans: &SpanIndex,
        pointer: &str,
    ) -> Option<PatchOperator> {
        let operator = PatchOperator::parse(text);
        if operator.is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::patch_operator",
                    format!("unknown operator `{text}`"),
                )
                .with_label(spans.value(pointer), "here")
                .with_help(one_of(text, &["add", "remove", "replace"])),
            );
        }
        operator
    }

    fn check_pointer(&mut self, path: &str, spans: &SpanIndex, pointer: &str) {
        let valid = path.starts_with('/')
            && !path.split('/').skip(1).any(|segment| {
                let mut chars = segment.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                        return true;
                    }
                }
                false
            });
        if !valid {
            self.diagnostics.push(
                Diagnostic::error("mcctl::model::json_pointer", format!("`{path}` is not a JSON pointer"))
                    .with_label(spans.value(pointer), "here")
                    .with_help("a JSON pointer starts with `/`, e.g. `/spec/replicas`; write `~1` for `/` and `~0` for `~` inside a segment"),
            );
        }
    }
}

#[cfg(test)]
mod karmada_cases;
