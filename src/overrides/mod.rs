//! Stage 5, override: [`Model`] + [`Placement`] → [`Instances`], one manifest per template and
//! target cluster.
//!
//! Follows Karmada's `ensureWork`: copy the template, revise replicas to the cluster's share,
//! then apply `ClusterOverridePolicies` and `OverridePolicies` in Karmada's order (KARMADA.md §3.4),
//! one file per overrider, recording which policy changed which field. A failing override is an
//! error for that object on that cluster. Pure.
//!
//! Clusters that get the same replicas and match the same override rules get the same manifest:
//! it is built once and shared (`Arc`), so a template duplicated to a thousand clusters is one
//! manifest until some cluster's rules make it different.

pub mod attribution;
pub mod command_args;
pub mod field;
pub mod image;
pub mod labels_annotations;
mod nested;
pub mod plaintext;
mod rule;

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

pub use self::attribution::{AppliedOverride, OverriderKind};
use crate::addr::{ClusterName, ObjectRef};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{Cluster, Model, OverridePolicy, PolicyKind, ReplicaField, Template};
use crate::scheduler::divide::{Party, TieBreak, webster};
use crate::scheduler::{Binding, Placement};

/// A template rendered for one cluster, before ownership labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The template.
    pub object: ObjectRef,
    /// The cluster.
    pub cluster: ClusterName,
    /// The manifest for that cluster, shared with the clusters that get the same one.
    pub manifest: Arc<Value>,
    /// The fields override policies changed, in the order they were applied.
    pub overrides: Arc<[AppliedOverride]>,
}

/// Why an overrider could not be applied: the JSON pointer it failed at, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Where, in the manifest (or, for a field overrider, the string field).
    pub path: String,
    /// What went wrong.
    pub message: String,
}

impl Failure {
    /// A failure at `path`.
    #[must_use]
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// Every (template, cluster) manifest, sorted by object then cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instances {
    /// The instances.
    pub items: Vec<Instance>,
}

/// Renders every placed template for each of its clusters, templates side by side: each
/// distinct instance is a deep copy of its template, the largest allocation of a plan.
#[must_use]
pub fn apply(model: &Model, placement: &Placement, diagnostics: &mut Diagnostics) -> Instances {
    let rendered: Vec<(Vec<Instance>, Diagnostics)> = placement
        .bindings
        .par_iter()
        .map(|binding| render_binding(model, binding))
        .collect();
    let mut items = Vec::new();
    for (instances, found) in rendered {
        items.extend(instances);
        diagnostics.extend(found);
    }
    // Bindings come sorted by object and their targets by cluster; sorting again is a check.
    items.par_sort_by(|a, b| (&a.object, &a.cluster).cmp(&(&b.object, &b.cluster)));
    Instances { items }
}

/// What decides a template's manifest on one cluster: its replicas (and a divided Job's
/// completions) and the override rules that target the cluster, as (policy, rule) indexes.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Variant {
    replicas: Option<u32>,
    completions: Option<u64>,
    rules: Vec<(usize, usize)>,
}

/// One template's instances, one per target cluster, and what went wrong on the way.
fn render_binding(model: &Model, binding: &Binding) -> (Vec<Instance>, Diagnostics) {
    let mut items = Vec::new();
    let mut diagnostics = Diagnostics::new();
    let Some(template) = model.template(&binding.object) else {
        return (items, diagnostics);
    };
    let completions = divided_completions(template, binding);
    let policies = applicable_policies(model, template);
    let mut built: HashMap<Variant, (Arc<Value>, Arc<[AppliedOverride]>)> = HashMap::new();
    for (index, target) in binding.targets.iter().enumerate() {
        let Some(cluster) = model.cluster(target.cluster.as_str()) else {
            continue;
        };
        let variant = Variant {
            replicas: target.replicas,
            completions: completions.as_ref().map(|all| all[index]),
            rules: matching_rules(&policies, cluster),
        };
        if let Some((manifest, overrides)) = built.get(&variant) {
            items.push(Instance {
                object: template.object.clone(),
                cluster: cluster.name.clone(),
                manifest: Arc::clone(manifest),
                overrides: Arc::clone(overrides),
            });
            continue;
        }
        let mut manifest = template.manifest.clone();
        revise_replicas(
            &mut manifest,
            template,
            variant.replicas,
            variant.completions,
        );
        let mut notes = rule::Notes::default();
        let mut overrides = Vec::new();
        let applied = apply_rules(
            template,
            &policies,
            &variant.rules,
            cluster,
            &mut manifest,
            &mut overrides,
            &mut notes,
        )
        .and_then(|()| {
            // Only an override can rename: replicas never do.
            if overrides.is_empty() {
                Ok(())
            } else {
                keep_identity(template, cluster, &manifest)
            }
        });
        report_notes(&notes, template, &mut diagnostics);
        match applied {
            Ok(()) => {
                let manifest = Arc::new(manifest);
                let overrides: Arc<[AppliedOverride]> = overrides.into();
                items.push(Instance {
                    object: template.object.clone(),
                    cluster: cluster.name.clone(),
                    manifest: Arc::clone(&manifest),
                    overrides: Arc::clone(&overrides),
                });
                built.insert(variant, (manifest, overrides));
            }
            // Not remembered: each cluster it fails on is named.
            Err(diagnostic) => diagnostics.push(*diagnostic),
        }
    }
    (items, diagnostics)
}

/// Sets the workload's replica count to the cluster's share.
fn revise_replicas(
    manifest: &mut Value,
    template: &Template,
    replicas: Option<u32>,
    completions: Option<u64>,
) {
    let (Some(workload), Some(replicas)) = (template.workload.as_ref(), replicas) else {
        return;
    };
    let Some(object) = manifest.as_object_mut() else {
        return;
    };
    let spec = object
        .entry("spec")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    let Some(spec) = spec.as_object_mut() else {
        return;
    };
    match workload.field {
        ReplicaField::Replicas => {
            spec.insert("replicas".into(), Value::from(replicas));
        }
        ReplicaField::JobParallelism => {
            spec.insert("parallelism".into(), Value::from(replicas));
            if let Some(completions) = completions {
                spec.insert("completions".into(), Value::from(completions));
            }
        }
    }
}

/// A divided Job's `completions` split over its clusters in proportion to their replicas.
fn divided_completions(template: &Template, binding: &Binding) -> Option<Vec<u64>> {
    let workload = template.workload.as_ref()?;
    if workload.field != ReplicaField::JobParallelism || !binding.divided {
        return None;
    }
    let completions = template
        .manifest
        .pointer("/spec/completions")
        .and_then(Value::as_u64)?;
    let parties = binding
        .targets
        .iter()
        .map(|target| Party {
            name: target.cluster.to_string(),
            votes: u64::from(target.replicas.unwrap_or(0)),
            seats: 0,
        })
        .collect();
    // Targets are sorted by name, as `webster` returns its parties.
    let divided = webster(
        completions,
        parties,
        TieBreak::from_uid(template.uid.as_deref()),
    );
    Some(divided.into_iter().map(|party| party.seats).collect())
}

/// Overrides may change anything but what names the object: a renamed object would be applied
/// under one name and tracked under another.
fn keep_identity(
    template: &Template,
    cluster: &Cluster,
    manifest: &Value,
) -> Result<(), Box<Diagnostic>> {
    fn identity(value: &Value) -> [Option<&Value>; 4] {
        let metadata = value.get("metadata");
        [
            value.get("apiVersion"),
            value.get("kind"),
            metadata.and_then(|metadata| metadata.get("name")),
            metadata.and_then(|metadata| metadata.get("namespace")),
        ]
    }
    let before = identity(&template.manifest);
    let after = identity(manifest);
    let fields = ["apiVersion", "kind", "metadata.name", "metadata.namespace"];
    for ((field, before), after) in fields.iter().zip(&before).zip(&after) {
        if before != after {
            return Err(Box::new(
                Diagnostic::error(
                    "mcctl::override::identity",
                    format!("overrides change `{field}` of `{}` on cluster `{}`", template.object, cluster.name),
                )
                .with_label(template.spans.root(), "this template")
                .with_help("overrides cannot rename an object or change its kind; declare a separate template instead")
                .with_resource(template.object.clone())
                .with_cluster(cluster.name.to_string()),
            ));
        }
    }
    Ok(())
}

/// The override policies that apply to a template, in application order: cluster-wide ones
/// first, then those of its namespace; within each, least specific first, then by name, so the
/// most specific policy is applied last and wins.
#[must_use]
pub fn applicable_policies<'a>(model: &'a Model, template: &Template) -> Vec<&'a OverridePolicy> {
    let mut ordered = Vec::new();
    for kind in [
        PolicyKind::ClusterOverridePolicy,
        PolicyKind::OverridePolicy,
    ] {
        let mut group: Vec<(&OverridePolicy, _)> = model
            .override_policies
            .iter()
            .filter(|policy| policy.id.kind == kind)
            .filter_map(|policy| policy.matches(template).map(|strength| (policy, strength)))
            .collect();
        group.sort_by(|(a, a_strength), (b, b_strength)| {
            a_strength.cmp(b_strength).then(a.id.name.cmp(&b.id.name))
        });
        ordered.extend(group.into_iter().map(|(policy, _)| policy));
    }
    ordered
}

/// The rules of `policies` that target `cluster`, in application order, as (policy, rule)
/// indexes.
fn matching_rules(policies: &[&OverridePolicy], cluster: &Cluster) -> Vec<(usize, usize)> {
    let facts = cluster.facts();
    let mut rules = Vec::new();
    for (policy_index, policy) in policies.iter().enumerate() {
        for (rule_index, rule) in policy.rules.iter().enumerate() {
            if rule
                .target
                .as_ref()
                .is_none_or(|target| target.matches(&facts))
            {
                rules.push((policy_index, rule_index));
            }
        }
    }
    rules
}

/// Applies the rules [`matching_rules`] chose, in order.
fn apply_rules(
    template: &Template,
    policies: &[&OverridePolicy],
    rules: &[(usize, usize)],
    cluster: &Cluster,
    manifest: &mut Value,
    overrides: &mut Vec<AppliedOverride>,
    notes: &mut rule::Notes,
) -> Result<(), Box<Diagnostic>> {
    for &(policy_index, rule_index) in rules {
        let policy = policies[policy_index];
        let rule = &policy.rules[rule_index];
        let mut run = rule::Run {
            policy: &policy.id,
            kind: &template.object.kind,
            applied: overrides,
            notes,
        };
        run.rule(rule, manifest)
            .map_err(|failure| failed(policy, rule, &failure, template, cluster))?;
    }
    Ok(())
}

/// The error of a failed overrider: policy, rule, overrider, cluster and path, pointing at the
/// overrider entry in the policy's source.
fn failed(
    policy: &OverridePolicy,
    rule: &crate::model::OverrideRule,
    failure: &rule::RuleFailure,
    template: &Template,
    cluster: &Cluster,
) -> Box<Diagnostic> {
    let rule_name = match rule.index {
        Some(index) => format!("rule {index}"),
        None => "the rule".to_owned(),
    };
    let entry = format!(
        "{}/overriders/{}/{}",
        rule.pointer, failure.overrider, failure.index
    );
    Box::new(
        Diagnostic::error(
            "mcctl::override::failed",
            format!(
                "`{}` cannot override `{}` on cluster `{}`: {} {} of {rule_name} (targetCluster: {}) failed at `{}`: {}",
                policy.id,
                template.object,
                cluster.name,
                failure.overrider,
                failure.index,
                rule.target_text,
                failure.failure.path,
                failure.failure.message,
            ),
        )
        .with_label(policy.spans.value(&entry), format!("this {}", failure.overrider))
        .with_label(policy.spans.value("/metadata/name"), "in this policy")
        .with_help(help(failure.overrider))
        .with_resource(template.object.clone())
        .with_cluster(cluster.name.to_string()),
    )
}

fn help(overrider: OverriderKind) -> &'static str {
    match overrider {
        OverriderKind::Plaintext => {
            "fix the path or operator so that it fits the object (`add` needs the parent to exist; `replace` and `remove` need the field)"
        }
        OverriderKind::Field => {
            "`fieldPath` must point at a string holding the document, and each `subPath` must fit that document"
        }
        OverriderKind::Image => "the predicate path must point at an image string",
        OverriderKind::Command | OverriderKind::Args => {
            "containers must be objects, and `command`/`args` lists of strings"
        }
        OverriderKind::Labels | OverriderKind::Annotations => {
            "labels and annotations must be maps of strings"
        }
    }
}

/// Warnings about what overriders did not do, once per template: the messages name no
/// cluster, so duplicates fold.
fn report_notes(notes: &rule::Notes, template: &Template, diagnostics: &mut Diagnostics) {
    if let Some(image) = notes.skipped_init_images.first() {
        diagnostics.push(
            Diagnostic::warning(
                "mcctl::override::init_containers",
                format!("an imageOverrider without a predicate leaves the init container image `{image}` of `{}` as it is", template.object),
            )
            .with_label(template.spans.root(), "this template")
            .with_help("Karmada rewrites only `containers`; to change an init container's image, add an imageOverrider with `imagePath: /spec/template/spec/initContainers/<index>/image`")
            .with_resource(template.object.clone()),
        );
    }
    if let Some(image) = notes.tagged_digests.first() {
        diagnostics.push(
            Diagnostic::warning(
                "mcctl::override::tagged_digest",
                format!("image `{image}` of `{}` has both a tag and a digest; overriding it keeps both", template.object),
            )
            .with_label(template.spans.root(), "this template")
            .with_help("the newest Karmada keeps both too, but earlier versions kept only the tag; pin by digest alone to be unambiguous")
            .with_resource(template.object.clone()),
        );
    }
    let mut unsupported = notes.unsupported_kind.clone();
    unsupported.sort();
    unsupported.dedup();
    for overrider in unsupported {
        diagnostics.push(
            Diagnostic::warning(
                "mcctl::override::unsupported_kind",
                format!("{overrider} leaves `{}` as it is: Karmada changes the containers of Pod, Deployment, ReplicaSet, DaemonSet, StatefulSet and Job only", template.object),
            )
            .with_label(template.spans.root(), "this template")
            .with_help(match overrider {
                OverriderKind::Image => "give the imageOverrider a `predicate` with the image's path, or use `plaintext`",
                _ => "use `plaintext` with the container's path to change this kind",
            })
            .with_resource(template.object.clone()),
        );
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod karmada_cases;
#[cfg(test)]
mod tests;
