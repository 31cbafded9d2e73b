//! Discovery documents built from the kind table: `/version`, `/api`, `/api/v1`, `/apis` and
//! `/apis/{group}/{version}`. Groups appear in the order their first kind was registered.

use serde_json::{Value, json};

use super::kinds::Kind;

pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-mcctl-test",
        "platform": "linux/amd64",
    })
}

pub(crate) fn core_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
}

/// `/apis`: every non-core group with its versions; the first registered version is preferred.
pub(crate) fn groups(kinds: &[Kind]) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for kind in kinds.iter().filter(|kind| !kind.group.is_empty()) {
        match groups.iter_mut().find(|(group, _)| *group == kind.group) {
            Some((_, versions)) if !versions.contains(&kind.version) => {
                versions.push(kind.version.clone());
            }
            Some(_) => {}
            None => groups.push((kind.group.clone(), vec![kind.version.clone()])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|version| json!({"groupVersion": format!("{group}/{version}"), "version": version}))
                .collect();
            json!({"name": group, "versions": versions, "preferredVersion": versions[0]})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/api/v1` or `/apis/{group}/{version}`; `None` when nothing is served there.
pub(crate) fn resources(kinds: &[Kind], group: &str, version: &str) -> Option<Value> {
    let resources: Vec<Value> = kinds
        .iter()
        .filter(|kind| kind.group == group && kind.version == version)
        .flat_map(|kind| {
            let main = json!({
                "name": kind.plural,
                "singularName": kind.kind.to_lowercase(),
                "namespaced": kind.namespaced,
                "kind": kind.kind,
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            });
            let status = json!({
                "name": format!("{}/status", kind.plural),
                "singularName": "",
                "namespaced": kind.namespaced,
                "kind": kind.kind,
                "verbs": ["get", "patch", "update"],
            });
            [main, status]
        })
        .collect();
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

/// The media type a client asks for (in `Accept`) and gets (in `Content-Type`) for aggregated
/// discovery: every group, version and resource in one document.
pub(crate) const AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an `Accept` header asks for aggregated discovery (v2; v2beta1 is not served).
pub(crate) fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|media_type| {
        let parameters: Vec<&str> = media_type.split(';').map(str::trim).collect();
        parameters.contains(&"g=apidiscovery.k8s.io")
            && parameters.contains(&"v=v2")
            && parameters.contains(&"as=APIGroupDiscoveryList")
    })
}

/// The aggregated form of `/api` (`core`) or `/apis`: an `APIGroupDiscoveryList`.
pub(crate) fn aggregated(kinds: &[Kind], core: bool) -> Value {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for kind in kinds.iter().filter(|kind| kind.group.is_empty() == core) {
        match groups.iter_mut().find(|(group, _)| *group == kind.group) {
            Some((_, versions)) if !versions.contains(&kind.version.as_str()) => {
                versions.push(&kind.version);
            }
            Some(_) => {}
            None => groups.push((&kind.group, vec![&kind.version])),
        }
    }
    let items: Vec<Value> = groups
        .into_iter()
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .into_iter()
                .map(|version| {
                    let resources: Vec<Value> = kinds
                        .iter()
                        .filter(|kind| kind.group == group && kind.version == version)
                        .map(|kind| {
                            let response_kind = json!({"group": group, "version": version, "kind": kind.kind});
                            json!({
                                "resource": kind.plural,
                                "responseKind": response_kind,
                                "scope": if kind.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": kind.kind.to_lowercase(),
                                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                                "subresources": [{"subresource": "status", "responseKind": response_kind, "verbs": ["get", "patch", "update"]}],
                            })
                        })
                        .collect();
                    json!({"version": version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": group}, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}
