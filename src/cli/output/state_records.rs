//! `mcctl state list` and `mcctl state show`: what the state records, for people and as JSON.
//! Secret values never appear: the state holds keyed digests of them, shown as `(sensitive)`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::addr::InstanceAddr;
use crate::desired::secret::redact;
use crate::state::{ObjectRecord, PlacementRecord};

/// One object of the state with what is recorded about it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Where it is.
    pub address: &'a InstanceAddr,
    /// Its record.
    pub record: &'a ObjectRecord,
    /// The placement record of its template on that cluster, if any.
    pub placement: Option<&'a PlacementRecord>,
}

/// A record as JSON, the manifest's Secret values replaced by `"(sensitive)"`.
#[must_use]
pub fn entry_json(entry: Entry<'_>) -> Value {
    let mut record = serde_json::to_value(entry.record).unwrap_or(Value::Null);
    if let Some(manifest) = &entry.record.manifest {
        record["manifest"] = redact(&entry.address.object, manifest);
    }
    json!({
        "address": entry.address.to_string(),
        "cluster": entry.address.cluster.to_string(),
        "object": entry.address.object.to_string(),
        "record": record,
        "placement": entry.placement,
    })
}

/// `state list --json`.
#[must_use]
pub fn list_json(entries: &[Entry<'_>]) -> Value {
    json!({
        "format_version": "1",
        "objects": entries.iter().map(|entry| entry_json(*entry)).collect::<Vec<_>>(),
    })
}

/// `state show`: the record, the placement, then the stored manifest as YAML.
#[must_use]
pub fn show(entry: Entry<'_>) -> String {
    let record = entry.record;
    let mut out = String::new();
    let _ = writeln!(out, "# {}", entry.address);
    let mut fields: Vec<(&str, String)> = vec![
        ("api_version", record.api_version.clone()),
        ("digest", record.digest.clone()),
        ("wave", record.wave.to_string()),
    ];
    let optional = [
        ("uid", record.uid.clone()),
        ("resource_version", record.resource_version.clone()),
        (
            "generation",
            record.generation.map(|value| value.to_string()),
        ),
    ];
    fields.extend(
        optional
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?))),
    );
    fields.push(("implicit", record.implicit.to_string()));
    fields.push(("prune", record.prune.to_string()));
    write_fields(&mut out, "", &fields);
    match entry.placement {
        Some(placement) => {
            let _ = writeln!(out, "placement:");
            let fields: Vec<(&str, String)> = [
                (
                    "replicas",
                    placement.replicas.map(|value| value.to_string()),
                ),
                ("policy", placement.policy.clone()),
                ("affinity_term", placement.affinity_term.clone()),
                ("placement", placement.placement.clone()),
            ]
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .collect();
            if fields.is_empty() {
                let _ = writeln!(out, "  (placed, nothing else recorded)");
            }
            write_fields(&mut out, "  ", &fields);
        }
        None => {
            let _ = writeln!(out, "placement: (none recorded)");
        }
    }
    match &record.manifest {
        Some(manifest) => {
            let _ = writeln!(out, "manifest:");
            let text = serde_saphyr::to_string(&redact(&entry.address.object, manifest))
                .unwrap_or_else(|_| manifest.to_string());
            for line in text.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "manifest: (not kept: `settings.state.manifests` is false)"
            );
        }
    }
    out
}

fn write_fields(out: &mut String, indent: &str, fields: &[(&str, String)]) {
    let width = fields.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, value) in fields {
        let _ = writeln!(out, "{indent}{name:<width$} = {value}");
    }
}
