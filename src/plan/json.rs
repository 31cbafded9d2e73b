//! The plan as JSON (DESIGN.md §5): stable keys for machines. Secret values never appear.

use serde_json::{Map, Value, json};

use crate::addr::ObjectRef;
use crate::desired::secret::redact;
use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::model::PolicyId;
use crate::overrides::AppliedOverride;
use crate::plan::{Action, Plan};

/// The JSON format version.
pub const FORMAT_VERSION: &str = "1";

/// What to put in the JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonOptions {
    /// Include unchanged objects in `changes`.
    pub show_no_op: bool,
}

/// `{apiVersion, kind, namespace?, name}` of an object.
#[must_use]
pub fn resource(object: &ObjectRef, api_version: &str) -> Value {
    let mut map = Map::new();
    map.insert("apiVersion".into(), Value::String(api_version.to_owned()));
    map.insert("kind".into(), Value::String(object.kind.clone()));
    if let Some(namespace) = &object.namespace {
        map.insert("namespace".into(), Value::String(namespace.clone()));
    }
    map.insert("name".into(), Value::String(object.name.clone()));
    Value::Object(map)
}

/// A policy id as JSON.
#[must_use]
pub fn policy(id: &PolicyId) -> Value {
    let mut map = Map::new();
    map.insert("kind".into(), Value::String(id.kind.as_str().to_owned()));
    if let Some(namespace) = &id.namespace {
        map.insert("namespace".into(), Value::String(namespace.clone()));
    }
    map.insert("name".into(), Value::String(id.name.clone()));
    Value::Object(map)
}

/// Which policy changed which field, as JSON: paths only, never values.
#[must_use]
pub fn overrides(list: &[AppliedOverride]) -> Value {
    Value::Array(
        list.iter()
            .map(|applied| {
                let mut map = Map::new();
                map.insert("policy".into(), policy(&applied.policy));
                map.insert(
                    "overrider".into(),
                    Value::String(applied.overrider.as_str().to_owned()),
                );
                map.insert("path".into(), Value::String(applied.path.clone()));
                if let Some(sub_path) = &applied.sub_path {
                    map.insert("sub_path".into(), Value::String(sub_path.clone()));
                }
                Value::Object(map)
            })
            .collect(),
    )
}

/// Clusters and replicas as JSON: `[{"name": "eu-1", "replicas": 4}]`.
#[must_use]
pub fn clusters(list: &[(crate::addr::ClusterName, Option<u32>)]) -> Value {
    Value::Array(
        list.iter()
            .map(|(name, replicas)| {
                let mut map = Map::new();
                map.insert("name".into(), Value::String(name.to_string()));
                if let Some(replicas) = replicas {
                    map.insert("replicas".into(), Value::from(*replicas));
                }
                Value::Object(map)
            })
            .collect(),
    )
}

/// One diagnostic as JSON, with its primary location when it has one.
#[must_use]
pub fn diagnostic(diagnostic: &Diagnostic, sources: &Sources) -> Value {
    let mut map = Map::new();
    map.insert(
        "severity".into(),
        Value::String(diagnostic.severity.to_string()),
    );
    map.insert("code".into(), Value::String(diagnostic.code.to_owned()));
    map.insert("message".into(), Value::String(diagnostic.message.clone()));
    map.insert(
        "resource".into(),
        diagnostic.resource.as_ref().map_or(Value::Null, |object| {
            let mut map = Map::new();
            map.insert("group".into(), Value::String(object.group.clone()));
            map.insert("kind".into(), Value::String(object.kind.clone()));
            if let Some(namespace) = &object.namespace {
                map.insert("namespace".into(), Value::String(namespace.clone()));
            }
            map.insert("name".into(), Value::String(object.name.clone()));
            Value::Object(map)
        }),
    );
    if let Some(cluster) = &diagnostic.cluster {
        map.insert("cluster".into(), Value::String(cluster.clone()));
    }
    if let Some(span) = diagnostic.primary_span() {
        let (path, position) = sources.locate(span);
        map.insert("file".into(), Value::String(path.display().to_string()));
        map.insert("line".into(), Value::from(position.line));
        map.insert("column".into(), Value::from(position.column));
    }
    if let Some(help) = &diagnostic.help {
        map.insert("help".into(), Value::String(help.clone()));
    }
    Value::Object(map)
}

/// The plan JSON. `plan` is `None` when config errors stopped the run before planning.
#[must_use]
pub fn render(
    plan: Option<&Plan>,
    diagnostics: &Diagnostics,
    sources: &Sources,
    options: JsonOptions,
) -> Value {
    let diagnostics: Vec<Value> = diagnostics
        .iter()
        .map(|item| diagnostic(item, sources))
        .collect();
    let Some(plan) = plan else {
        return json!({
            "format_version": FORMAT_VERSION,
            "bindings": [],
            "changes": [],
            "orphans": [],
            "summary": {"create": 0, "update": 0, "replace": 0, "delete": 0, "no_op": 0},
            "diagnostics": diagnostics,
        });
    };
    let bindings: Vec<Value> = plan
        .bindings
        .iter()
        .map(|binding| {
            let mut map = Map::new();
            map.insert(
                "resource".into(),
                resource(&binding.object, &binding.api_version),
            );
            map.insert(
                "policy".into(),
                binding.policy.as_ref().map_or(Value::Null, policy),
            );
            map.insert("clusters".into(), clusters(&binding.clusters));
            map.insert("outcome".into(), Value::String(binding.outcome.to_owned()));
            if !binding.required_by.is_empty() {
                // ObjectRef string forms: the workloads are bindings of their own, listed with
                // their apiVersion.
                let required: Vec<Value> = binding
                    .required_by
                    .iter()
                    .map(|object| Value::String(object.to_string()))
                    .collect();
                map.insert("required_by".into(), Value::Array(required));
            }
            if let Some(previous) = &binding.previous {
                map.insert("previous_clusters".into(), clusters(previous));
            }
            Value::Object(map)
        })
        .collect();
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .filter(|change| options.show_no_op || change.action != Action::NoOp)
        .map(|change| {
            let mut map = Map::new();
            map.insert("cluster".into(), Value::String(change.cluster.to_string()));
            map.insert(
                "resource".into(),
                resource(&change.object, &change.api_version),
            );
            map.insert(
                "action".into(),
                Value::String(change.action.as_str().to_owned()),
            );
            map.insert("drift".into(), Value::Bool(change.drift));
            map.insert("reasons".into(), json!(change.reasons));
            map.insert("wave".into(), Value::from(change.wave));
            if change.implicit {
                map.insert("implicit".into(), Value::Bool(true));
            }
            if !change.overrides.is_empty() {
                map.insert("overrides".into(), overrides(&change.overrides));
            }
            map.insert(
                "before".into(),
                change
                    .before
                    .as_ref()
                    .map_or(Value::Null, |before| redact(&change.object, before)),
            );
            map.insert(
                "after".into(),
                change
                    .after
                    .as_ref()
                    .map_or(Value::Null, |after| redact(&change.object, after)),
            );
            Value::Object(map)
        })
        .collect();
    let orphans: Vec<Value> = plan
        .orphans
        .iter()
        .map(|orphan| json!({"cluster": orphan.cluster.to_string(), "object": orphan.object.to_string(), "reason": orphan.reason}))
        .collect();
    let summary = plan.summary();
    let mut json = json!({
        "format_version": FORMAT_VERSION,
        "workspace": plan.workspace,
        "bindings": bindings,
        "changes": changes,
        "orphans": orphans,
        "summary": {
            "create": summary.create,
            "update": summary.update,
            "replace": summary.replace,
            "delete": summary.delete,
            "no_op": summary.no_op,
        },
        "diagnostics": diagnostics,
    });
    // Present only when they say something, so that ordinary plans keep their exact shape.
    if let (Some(limit), Some(map)) = (&plan.limit, json.as_object_mut()) {
        map.insert(
            "limited_to".into(),
            json!({
                "clusters": limit.clusters.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "of": limit.total,
            }),
        );
    }
    if !plan.destroy
        && !plan.mass_deletes.is_empty()
        && let Some(map) = json.as_object_mut()
    {
        let mass: Vec<Value> = plan
            .mass_deletes
            .iter()
            .map(|mass| json!({"cluster": mass.cluster.to_string(), "deletes": mass.deletes, "managed": mass.managed}))
            .collect();
        map.insert("mass_deletes".into(), Value::Array(mass));
    }
    json
}
