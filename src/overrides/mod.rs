//! Stage 5, override: [`Model`] + [`Placement`] → [`Instances`], one manifest per template and
//! target cluster.
//!
//! Follows Karmada's `ensureWork`: copy the template, revise replicas to the cluster's share,
//! then apply `ClusterOverridePolicies` and `OverridePolicies` in Karmada's order (KARMADA.md §3.4).
//! A failing override is an error for that object on that cluster. Pure.

pub mod image;

use serde_json::Value;

use crate::addr::{ClusterName, ObjectRef};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{
    Cluster, Model, OverridePolicy, OverrideRule, PatchOperator, PlaintextPatch, PolicyKind,
    ReplicaField, Template,
};
use crate::scheduler::divide::{Party, TieBreak, webster};
use crate::scheduler::{Binding, Placement};

/// A template rendered for one cluster, before ownership labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The template.
    pub object: ObjectRef,
    /// The cluster.
    pub cluster: ClusterName,
    /// The manifest for that cluster.
    pub manifest: Value,
}

/// Every (template, cluster) manifest, sorted by cluster then object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instances {
    /// The instances.
    pub items: Vec<Instance>,
}

/// Renders every placed template for each of its clusters.
#[must_use]
pub fn apply(model: &Model, placement: &Placement, diagnostics: &mut Diagnostics) -> Instances {
    let mut items = Vec::new();
    for binding in &placement.bindings {
        let Some(template) = model.template(&binding.object) else {
            continue;
        };
        let completions = divided_completions(template, binding);
        for (index, target) in binding.targets.iter().enumerate() {
            let Some(cluster) = model.cluster(target.cluster.as_str()) else {
                continue;
            };
            let mut manifest = template.manifest.clone();
            revise_replicas(
                &mut manifest,
                template,
                target.replicas,
                completions.as_ref().map(|all| all[index]),
            );
            let mut rewrite = image::Rewrite::default();
            let applied = apply_policies(model, template, cluster, &mut manifest, &mut rewrite)
                .and_then(|()| keep_identity(template, cluster, &manifest));
            if let Some(image) = rewrite.skipped_init_images.first() {
                // Reported once per template, as the tagged-digest warning below.
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
            if let Some(image) = rewrite.tagged_digests.first() {
                // Reported once per template: the message names no cluster, so duplicates fold.
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
            match applied {
                Ok(()) => items.push(Instance {
                    object: template.object.clone(),
                    cluster: cluster.name.clone(),
                    manifest,
                }),
                Err(diagnostic) => diagnostics.push(*diagnostic),
            }
        }
    }
    items.sort_by(|a, b| (&a.cluster, &a.object).cmp(&(&b.cluster, &b.object)));
    Instances { items }
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
    let identity = |value: &Value| {
        [
            "/apiVersion",
            "/kind",
            "/metadata/name",
            "/metadata/namespace",
        ]
        .map(|pointer| value.pointer(pointer).cloned())
    };
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

fn apply_policies(
    model: &Model,
    template: &Template,
    cluster: &Cluster,
    manifest: &mut Value,
    rewrite: &mut image::Rewrite,
) -> Result<(), Box<Diagnostic>> {
    for policy in applicable_policies(model, template) {
        for rule in &policy.rules {
            if rule
                .target
                .as_ref()
                .is_some_and(|target| !target.matches(&cluster.facts()))
            {
                continue;
            }
            apply_rule(rule, template, manifest, rewrite).map_err(|message| {
                Box::new(
                    Diagnostic::error(
                        "mcctl::override::failed",
                        format!("`{}` cannot override `{}` for cluster `{}`: {message}", policy.id, template.object, cluster.name),
                    )
                    .with_label(policy.spans.value(&rule.pointer), "this rule")
                    .with_help("fix the path or operator so that it fits the object (`add` needs the parent to exist; `replace` and `remove` need the field)")
                    .with_resource(template.object.clone())
                    .with_cluster(cluster.name.to_string()),
                )
            })?;
        }
    }
    Ok(())
}

/// One rule: image overriders, then the plaintext patches as one JSON-patch document.
fn apply_rule(
    rule: &OverrideRule,
    template: &Template,
    manifest: &mut Value,
    rewrite: &mut image::Rewrite,
) -> Result<(), String> {
    for overrider in &rule.images {
        let done = image::apply(manifest, &template.object.kind, overrider)?;
        rewrite.tagged_digests.extend(done.tagged_digests);
        rewrite.skipped_init_images.extend(done.skipped_init_images);
    }
    if rule.plaintext.is_empty() {
        return Ok(());
    }
    let patch = plaintext_patch(&rule.plaintext)?;
    json_patch::patch(manifest, &patch).map_err(|error| error.to_string())
}

fn plaintext_patch(entries: &[PlaintextPatch]) -> Result<json_patch::Patch, String> {
    let operations: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let mut operation = serde_json::Map::new();
            operation.insert(
                "op".into(),
                Value::String(entry.operator.as_str().to_owned()),
            );
            operation.insert("path".into(), Value::String(entry.path.clone()));
            if entry.operator != PatchOperator::Remove {
                operation.insert("value".into(), entry.value.clone().unwrap_or(Value::Null));
            }
            Value::Object(operation)
        })
        .collect();
    serde_json::from_value(Value::Array(operations))
        .map_err(|error| format!("invalid patch: {error}"))
}

#[cfg(test)]
mod karmada_cases;
#[cfg(test)]
mod tests;
