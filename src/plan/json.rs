//! The plan as JSON (DESIGN.md §5): stable keys for machines. Secret values never appear.

use serde_json::{Map, Value, json};
use std::sync::Arc;

use crate::addr::{ClusterName, ObjectRef};
use crate::desired::ignore::IgnoredField;
use crate::desired::secret::redact;
use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::model::PolicyId;
use crate::overrides::{AppliedOverride, OverriderKind};
use crate::plan::{Action, BindingView, Change, Orphan, Plan};

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

/// The fields mcctl left out of an object, as JSON: `[{"pointer": …, "reason": …}]`.
#[must_use]
pub fn ignored_fields(list: &[IgnoredField]) -> Value {
    Value::Array(
        list.iter()
            .map(|ignored| json!({"pointer": ignored.pointer, "reason": ignored.reason}))
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
            if !change.ignored.is_empty() {
                map.insert("ignored_fields".into(), ignored_fields(&change.ignored));
            }
            if !change.sensitive_changes.is_empty() {
                // Pointers only: which Secret values change, never what they hold.
                map.insert("sensitive_changes".into(), json!(change.sensitive_changes));
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

/// Reads a plan back from its JSON (the `plan` of a saved plan), for `mcctl show`. What the JSON
/// does not hold (statuses, placements to record) is left empty: the result is for reading,
/// never for applying.
pub fn parse(json: &Value) -> Result<Plan, String> {
    let text = |value: &Value, key: &str| -> Result<String, String> {
        value
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("missing `{key}` in {value}"))
    };
    let object_of = |value: &Value| -> Result<(ObjectRef, String), String> {
        let api_version = text(value, "apiVersion")?;
        let namespace = value
            .get("namespace")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let object = ObjectRef::new(
            &api_version,
            text(value, "kind")?,
            namespace,
            text(value, "name")?,
        );
        Ok((object, api_version))
    };
    let policy_of = |value: &Value| -> Result<Option<PolicyId>, String> {
        if value.is_null() {
            return Ok(None);
        }
        let mut id = text(value, "kind")?;
        if let Some(namespace) = value.get("namespace").and_then(Value::as_str) {
            id.push('/');
            id.push_str(namespace);
        }
        id.push('/');
        id.push_str(&text(value, "name")?);
        id.parse().map(Some)
    };
    let clusters_of = |value: Option<&Value>| -> Vec<(ClusterName, Option<u32>)> {
        value
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let name = entry.get("name")?.as_str()?;
                let replicas = entry
                    .get("replicas")
                    .and_then(Value::as_u64)
                    .and_then(|replicas| u32::try_from(replicas).ok());
                Some((ClusterName::new(name), replicas))
            })
            .collect()
    };
    let list = |key: &str| {
        json.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut bindings = Vec::new();
    for binding in list("bindings") {
        let (object, api_version) = object_of(&binding["resource"])?;
        let policy = policy_of(&binding["policy"])?;
        let clusters = clusters_of(binding.get("clusters"));
        let required_by = binding
            .get("required_by")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.as_str()?.parse().ok())
            .collect::<Vec<ObjectRef>>();
        let outcome = match binding.get("outcome").and_then(Value::as_str) {
            Some("unchanged") => "unchanged",
            Some("kept") => "kept",
            Some("no_fit") => "no_fit",
            Some("not_propagated") => "not_propagated",
            _ => "scheduled",
        };
        bindings.push(BindingView {
            // The JSON does not say it; a Namespace placed without a policy or dependents is
            // one that Karmada propagates everywhere.
            auto_namespace: policy.is_none()
                && required_by.is_empty()
                && object.group.is_empty()
                && object.kind == "Namespace"
                && !clusters.is_empty(),
            object,
            api_version,
            policy,
            required_by,
            clusters,
            previous: binding
                .get("previous_clusters")
                .map(|previous| clusters_of(Some(previous))),
            outcome,
        });
    }
    let mut changes = Vec::new();
    for change in list("changes") {
        let (object, api_version) = object_of(&change["resource"])?;
        let action = serde_json::from_value::<Action>(change["action"].clone())
            .map_err(|error| format!("bad `action`: {error}"))?;
        let mut overrides_list = Vec::new();
        for applied in change
            .get("overrides")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let overrider = text(applied, "overrider")?;
            let overrider = OverriderKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == overrider)
                .ok_or_else(|| format!("unknown overrider `{overrider}`"))?;
            overrides_list.push(AppliedOverride {
                policy: policy_of(&applied["policy"])?
                    .ok_or_else(|| "an override without a policy".to_owned())?,
                overrider,
                path: text(applied, "path")?,
                sub_path: applied
                    .get("sub_path")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
        let strings = |key: &str| -> Vec<String> {
            change
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|entry| entry.as_str().map(str::to_owned))
                .collect()
        };
        changes.push(Change {
            cluster: ClusterName::new(text(&change, "cluster")?),
            object,
            api_version,
            action,
            drift: change
                .get("drift")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            reasons: strings("reasons"),
            before: change
                .get("before")
                .filter(|value| !value.is_null())
                .map(|value| Arc::new(value.clone())),
            after: change
                .get("after")
                .filter(|value| !value.is_null())
                .map(|value| Arc::new(value.clone())),
            wave: change
                .get("wave")
                .and_then(Value::as_u64)
                .and_then(|wave| usize::try_from(wave).ok())
                .unwrap_or(0),
            implicit: change
                .get("implicit")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            prune: false,
            overrides: overrides_list.into(),
            ignored: change
                .get("ignored_fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|ignored| {
                    Ok(IgnoredField {
                        pointer: text(ignored, "pointer")?,
                        reason: text(ignored, "reason")?,
                    })
                })
                .collect::<Result<_, String>>()?,
            sensitive_changes: strings("sensitive_changes"),
        });
    }
    let mut orphans = Vec::new();
    for orphan in list("orphans") {
        orphans.push(Orphan {
            cluster: ClusterName::new(text(&orphan, "cluster")?),
            object: text(&orphan, "object")?
                .parse()
                .map_err(|error| format!("{error}"))?,
            reason: text(&orphan, "reason")?,
        });
    }
    Ok(Plan {
        workspace: json
            .get("workspace")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        bindings,
        changes,
        orphans,
        forget: Vec::new(),
        clusters: std::collections::BTreeMap::new(),
        statuses: std::collections::BTreeMap::new(),
        placements: std::collections::BTreeMap::new(),
        unreachable_since: std::collections::BTreeMap::new(),
        state_outdated: false,
        // A saved destroy plan deletes every change it lists; the JSON does not say more.
        destroy: false,
        mass_deletes: list("mass_deletes")
            .iter()
            .map(|mass| {
                let count = |key: &str| {
                    mass.get(key)
                        .and_then(Value::as_u64)
                        .and_then(|count| usize::try_from(count).ok())
                        .ok_or_else(|| format!("`mass_deletes[].{key}` is not a count"))
                };
                Ok(crate::plan::guard::MassDelete {
                    cluster: ClusterName::new(text(mass, "cluster")?),
                    deletes: count("deletes")?,
                    managed: count("managed")?,
                })
            })
            .collect::<Result<_, String>>()?,
        limit: match json.get("limited_to") {
            Some(limited) => Some(crate::plan::Limit {
                clusters: limited
                    .get("clusters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(ClusterName::new)
                    .collect(),
                total: limited
                    .get("of")
                    .and_then(Value::as_u64)
                    .and_then(|total| usize::try_from(total).ok())
                    .ok_or("`limited_to.of` is not a count")?,
            }),
            None => None,
        },
    })
}
