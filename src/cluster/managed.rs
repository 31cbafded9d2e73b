//! Field ownership read from `metadata.managedFields`: what a field manager applied, and who
//! owns each field of a live object (DESIGN.md §7).
//!
//! Pure; never talks to a cluster. Takes live objects as the API server returns them and gives
//! [`project`] (the live object reduced to one manager's fields, so a plan compares only what mcctl
//! applies) and [`field_owners`] / [`owner_of`] (to name the manager behind a drift).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Metadata the API server writes; an object read without field tracking loses these.
const SERVER_METADATA: [&str; 8] = [
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Why a `fieldsV1` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A node of the field set is not a JSON object.
    #[error("field set node at `{path}` is not an object")]
    NotAnObject {
        /// The path elements leading to the node, joined by `/`.
        path: String,
    },
    /// A path element has none of the prefixes `f:`, `k:`, `v:`, `i:` and is not `.`.
    #[error("unknown path element `{element}` at `{path}`")]
    UnknownElement {
        /// The path elements leading to the element, joined by `/`.
        path: String,
        /// The element as written.
        element: String,
    },
    /// A `k:`, `v:` or `i:` element does not hold what its prefix promises.
    #[error("invalid path element `{element}` at `{path}`: {message}")]
    InvalidElement {
        /// The path elements leading to the element, joined by `/`.
        path: String,
        /// The element as written.
        element: String,
        /// What is wrong with it.
        message: String,
    },
}

/// How a field set names one item of a list.
#[derive(Debug, Clone, PartialEq)]
enum ItemKey {
    /// `k:{json}`: the item whose fields equal all of these (merge keys of an associative list).
    Key(Map<String, Value>),
    /// `v:<json>`: the item equal to this value (a set, such as `finalizers`).
    Value(Value),
    /// `i:<n>`: the item at this index.
    Index(usize),
}

impl ItemKey {
    fn matches(&self, item: &Value, index: usize) -> bool {
        match self {
            Self::Key(fields) => item.as_object().is_some_and(|object| {
                fields
                    .iter()
                    .all(|(name, value)| object.get(name) == Some(value))
            }),
            Self::Value(value) => item == value,
            Self::Index(wanted) => *wanted == index,
        }
    }
}

/// A tree of owned fields parsed from a `metadata.managedFields[].fieldsV1` value.
///
/// A field without children is owned whole (a leaf, or an atomic list or map); a field with
/// children owns only those. `.` marks the field itself as a member of the set; a member without
/// other children is therefore a leaf too.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    /// Owned whole: a field whose node had no children but `.`. Never set at the root.
    whole: bool,
    /// `f:<name>` children.
    fields: BTreeMap<String, FieldSet>,
    /// `k:`, `v:` and `i:` children, in the order first seen.
    items: Vec<(ItemKey, FieldSet)>,
}

impl FieldSet {
    /// Parses a `fieldsV1` value (structured-merge-diff's serialised field set).
    pub fn parse(fields_v1: &Value) -> Result<Self, Error> {
        let mut path = Vec::new();
        let mut set = Self::parse_node(fields_v1, &mut path)?;
        // An empty root is a set that owns nothing, not an object owned whole.
        set.whole = false;
        Ok(set)
    }

    fn parse_node(node: &Value, path: &mut Vec<String>) -> Result<Self, Error> {
        let Some(children) = node.as_object() else {
            return Err(Error::NotAnObject {
                path: path.join("/"),
            });
        };
        let mut set = Self::default();
        for (element, child) in children {
            path.push(element.clone());
            let parsed = Self::parse_node(child, path);
            path.pop();
            let parsed = parsed?;
            if element == "." {
                // The node itself is a member; its children (if any) say which parts.
                continue;
            }
            let invalid = |message: String| Error::InvalidElement {
                path: path.join("/"),
                element: element.clone(),
                message,
            };
            if let Some(name) = element.strip_prefix("f:") {
                set.fields.entry(name.to_owned()).or_default().merge(parsed);
            } else if let Some(json) = element.strip_prefix("k:") {
                let key = match serde_json::from_str::<Value>(json) {
                    Ok(Value::Object(fields)) => fields,
                    Ok(_) => return Err(invalid("a key must be a JSON object".to_owned())),
                    Err(error) => return Err(invalid(error.to_string())),
                };
                set.add_item(ItemKey::Key(key), parsed);
            } else if let Some(json) = element.strip_prefix("v:") {
                let value = serde_json::from_str::<Value>(json)
                    .map_err(|error| invalid(error.to_string()))?;
                set.add_item(ItemKey::Value(value), parsed);
            } else if let Some(index) = element.strip_prefix("i:") {
                let index = index
                    .parse::<usize>()
                    .map_err(|error| invalid(error.to_string()))?;
                set.add_item(ItemKey::Index(index), parsed);
            } else {
                return Err(Error::UnknownElement {
                    path: path.join("/"),
                    element: element.clone(),
                });
            }
        }
        set.whole = set.fields.is_empty() && set.items.is_empty();
        Ok(set)
    }

    fn add_item(&mut self, key: ItemKey, set: FieldSet) {
        match self.items.iter_mut().find(|(existing, _)| *existing == key) {
            Some((_, existing)) => existing.merge(set),
            None => self.items.push((key, set)),
        }
    }

    /// Adds the fields of `other` (the union of two entries). A field one side owns whole and the
    /// other in parts is owned whole: the union owns all of it.
    pub fn merge(&mut self, other: FieldSet) {
        self.whole |= other.whole;
        for (name, set) in other.fields {
            self.fields.entry(name).or_default().merge(set);
        }
        for (key, set) in other.items {
            self.add_item(key, set);
        }
    }

    /// Whether the set owns no field at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.whole && self.fields.is_empty() && self.items.is_empty()
    }
}

/// One leaf field of a live object and a manager that owns it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldOwner {
    /// RFC 6901 JSON pointer into the live object; list items by their index in it.
    pub pointer: String,
    /// The field manager (`mcctl`, `kubectl-edit`, `kube-controller-manager`, ...).
    pub manager: String,
    /// The operation of its entry: `Apply` or `Update`.
    pub operation: String,
}

/// One usable entry of `metadata.managedFields`.
struct Entry<'a> {
    manager: &'a str,
    operation: &'a str,
    subresource: &'a str,
    fields: FieldSet,
}

fn text<'a>(entry: &'a Value, field: &str) -> Option<&'a str> {
    entry.get(field).and_then(Value::as_str)
}

/// Reads the entries of `live`'s `managedFields`; `None` if the object carries none at all.
///
/// An entry that cannot be parsed owns nothing and the others are still read: a projection
/// error must not block a plan. The diff then shows that entry's fields as missing, and apply
/// (which sends the whole manifest) restores them.
fn entries(live: &Value) -> Option<Vec<Entry<'_>>> {
    let list = live.pointer("/metadata/managedFields")?.as_array()?;
    if list.is_empty() {
        return None;
    }
    let entries = list
        .iter()
        .filter_map(|entry| {
            let fields = match (text(entry, "fieldsType"), entry.get("fieldsV1")) {
                (None | Some("FieldsV1"), Some(fields_v1)) => {
                    FieldSet::parse(fields_v1).unwrap_or_default()
                }
                _ => FieldSet::default(),
            };
            Some(Entry {
                manager: text(entry, "manager")?,
                operation: text(entry, "operation").unwrap_or_default(),
                subresource: text(entry, "subresource").unwrap_or_default(),
                fields,
            })
        })
        .collect();
    Some(entries)
}

/// The live object reduced to the fields `manager` applied (its `Apply` entries on the main
/// resource, merged), plus `apiVersion`, `kind`, `metadata.name` and `metadata.namespace`.
///
/// For an object created by server-side apply of a manifest, this is that manifest: server
/// defaults, `status` and server-owned metadata fall away. Keyed list items keep their live
/// order. An object without `managedFields` (a directory cluster, or written without field
/// tracking) is returned without `status` and server-owned metadata; one whose entries give
/// `manager` nothing is reduced to its identity.
#[must_use]
pub fn project(live: &Value, manager: &str) -> Value {
    let Some(entries) = entries(live) else {
        return without_server_fields(live);
    };
    let mut owned = FieldSet::default();
    for entry in entries {
        if entry.manager == manager && entry.operation == "Apply" && entry.subresource.is_empty() {
            owned.merge(entry.fields);
        }
    }
    projection(live, &owned)
}

/// `live` reduced to `owned`, plus its identity.
fn projection(live: &Value, owned: &FieldSet) -> Value {
    let mut projected = if owned.is_empty() {
        Value::Object(Map::new())
    } else {
        project_node(live, owned)
    };
    keep_identity(live, &mut projected);
    projected
}

fn project_node(live: &Value, set: &FieldSet) -> Value {
    if set.whole {
        return live.clone();
    }
    match live {
        Value::Object(object) => Value::Object(
            set.fields
                .iter()
                .filter_map(|(name, child)| {
                    let value = object.get(name)?;
                    Some((name.clone(), project_node(value, child)))
                })
                .collect(),
        ),
        Value::Array(list) => Value::Array(
            list.iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    let owned = owned_item(set, item, index)?;
                    Some(project_node(item, &owned))
                })
                .collect(),
        ),
        // The field set expects children where the live value is a scalar: the field is still
        // owned, so it stays, whole.
        _ => live.clone(),
    }
}

/// The part of `set` that owns the list item `item` at `index`, if any names it.
fn owned_item(set: &FieldSet, item: &Value, index: usize) -> Option<FieldSet> {
    let mut matching = set
        .items
        .iter()
        .filter(|(key, _)| key.matches(item, index))
        .map(|(_, owned)| owned);
    let mut owned = matching.next()?.clone();
    for other in matching {
        owned.merge(other.clone());
    }
    Some(owned)
}

fn keep_identity(live: &Value, projected: &mut Value) {
    let Value::Object(object) = projected else {
        return;
    };
    for field in ["apiVersion", "kind"] {
        if let Some(value) = live.get(field) {
            object.insert(field.to_owned(), value.clone());
        }
    }
    for field in ["name", "namespace"] {
        let Some(value) = live
            .get("metadata")
            .and_then(|metadata| metadata.get(field))
        else {
            continue;
        };
        let metadata = object
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(metadata) = metadata {
            metadata.insert(field.to_owned(), value.clone());
        }
    }
}

fn without_server_fields(live: &Value) -> Value {
    let mut object = live.clone();
    let Value::Object(root) = &mut object else {
        return object;
    };
    root.remove("status");
    if let Some(Value::Object(metadata)) = root.get_mut("metadata") {
        for field in SERVER_METADATA {
            metadata.remove(field);
        }
        // Annotations stay (they are the user's), but an empty map says nothing.
        if metadata
            .get("annotations")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            metadata.remove("annotations");
        }
    }
    object
}

/// [`project`] and the [`field_owners`] other than `manager`, from one reading of
/// `managedFields`: what refresh needs of every listed object. `manager`'s own entries, usually
/// the largest, are not walked for owners.
#[must_use]
pub fn reduce(live: &Value, manager: &str) -> (Value, Vec<FieldOwner>) {
    let Some(entries) = entries(live) else {
        return (without_server_fields(live), Vec::new());
    };
    let mut owned = FieldSet::default();
    let mut owners = Vec::new();
    for entry in entries {
        if entry.manager == manager {
            if entry.operation == "Apply" && entry.subresource.is_empty() {
                owned.merge(entry.fields);
            }
            continue;
        }
        add_owners(live, &entry, &mut owners);
    }
    owners.sort();
    owners.dedup();
    (projection(live, &owned), owners)
}

/// Every leaf field of `live` with each manager that owns it, sorted by pointer then manager.
///
/// Entries of the `status` subresource and anything under `/status` or
/// `/metadata/managedFields` are left out; other subresources (`scale`) count, since a scaler
/// owns `/spec/replicas` through them. Fields a set names but `live` lacks are left out too.
#[must_use]
pub fn field_owners(live: &Value) -> Vec<FieldOwner> {
    let mut owners = Vec::new();
    for entry in entries(live).unwrap_or_default() {
        add_owners(live, &entry, &mut owners);
    }
    owners.sort();
    owners.dedup();
    owners
}

/// The leaves `entry` owns in `live`, as [`field_owners`] counts them: nothing of the `status`
/// subresource, nothing under `/status` or `/metadata/managedFields`.
fn add_owners(live: &Value, entry: &Entry<'_>, owners: &mut Vec<FieldOwner>) {
    if entry.subresource == "status" {
        return;
    }
    let mut leaves = Vec::new();
    collect_leaves(live, &entry.fields, &mut String::new(), &mut leaves);
    owners.extend(
        leaves
            .into_iter()
            .filter(|pointer| {
                !(under(pointer, "/status") || under(pointer, "/metadata/managedFields"))
            })
            .map(|pointer| FieldOwner {
                pointer,
                manager: entry.manager.to_owned(),
                operation: entry.operation.to_owned(),
            }),
    );
}

fn collect_leaves(live: &Value, set: &FieldSet, pointer: &mut String, leaves: &mut Vec<String>) {
    if set.whole {
        leaves.push(pointer.clone());
        return;
    }
    let length = pointer.len();
    match live {
        Value::Object(object) => {
            for (name, child) in &set.fields {
                if let Some(value) = object.get(name) {
                    pointer.push('/');
                    pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
                    collect_leaves(value, child, pointer, leaves);
                    pointer.truncate(length);
                }
            }
        }
        Value::Array(list) => {
            for (index, item) in list.iter().enumerate() {
                if let Some(owned) = owned_item(set, item, index) {
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    collect_leaves(item, &owned, pointer, leaves);
                    pointer.truncate(length);
                }
            }
        }
        _ => leaves.push(pointer.clone()),
    }
}

/// Whether `pointer` is `ancestor` or lies below it.
fn under(pointer: &str, ancestor: &str) -> bool {
    pointer
        .strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The owner, other than manager `except`, of the field at `pointer`: an owner of the field
/// itself, else of its closest owned ancestor (an atomic value holding it), else of its closest
/// owned descendant (a leaf inside a changed map or list item); ties go to the first in `owners`.
#[must_use]
pub fn owner_of<'a>(
    owners: &'a [FieldOwner],
    pointer: &str,
    except: &str,
) -> Option<&'a FieldOwner> {
    let others = || owners.iter().filter(|owner| owner.manager != except);
    let mut ancestor = pointer;
    loop {
        if let Some(owner) = others().find(|owner| owner.pointer == ancestor) {
            return Some(owner);
        }
        match ancestor.rfind('/') {
            Some(end) => ancestor = &ancestor[..end],
            None => break,
        }
    }
    others()
        .filter(|owner| under(&owner.pointer, pointer))
        .min_by_key(|owner| owner.pointer.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A `managedFields` entry as the API server writes it.
    fn entry(manager: &str, operation: &str, subresource: Option<&str>, fields: Value) -> Value {
        let mut entry = json!({
            "manager": manager,
            "operation": operation,
            "apiVersion": "v1",
            "time": "2026-11-20T09:12:44Z",
            "fieldsType": "FieldsV1",
        });
        entry["fieldsV1"] = fields;
        if let Some(subresource) = subresource {
            entry["subresource"] = json!(subresource);
        }
        entry
    }

    /// What mcctl applies: a Deployment with two containers.
    fn deployment_manifest() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "web",
                "namespace": "shop",
                "labels": {"app.kubernetes.io/name": "web"},
                "annotations": {"mcctl.io/object": "apps/Deployment/shop/web"}
            },
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
                "template": {
                    "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
                    "spec": {"containers": [
                        {
                            "name": "app",
                            "image": "ghcr.io/acme/web:1.4.2",
                            "ports": [
                                {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                                {"name": "dns", "containerPort": 53, "protocol": "UDP"}
                            ],
                            "env": [
                                {"name": "LOG_LEVEL", "value": "info"},
                                {"name": "DB_PASSWORD", "valueFrom":
                                    {"secretKeyRef": {"name": "db", "key": "password"}}}
                            ],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"memory": "256Mi"}
                            },
                            "readinessProbe": {
                                "httpGet": {"path": "/healthz", "port": "http"},
                                "periodSeconds": 5
                            },
                            "livenessProbe": {
                                "tcpSocket": {"port": 8080},
                                "initialDelaySeconds": 10
                            }
                        },
                        {
                            "name": "proxy",
                            "image": "ghcr.io/acme/proxy:2.0",
                            "args": ["--listen", ":9090"],
                            "ports": [{"containerPort": 9090, "protocol": "TCP"}]
                        }
                    ]}
                }
            }
        })
    }

    /// The fields the API server records for `deployment_manifest` applied by mcctl. Keys come
    /// sorted, as the server writes them; `selector` and `args` are atomic.
    fn deployment_fields() -> Value {
        json!({
            "f:metadata": {
                "f:annotations": {"f:mcctl.io/object": {}},
                "f:labels": {"f:app.kubernetes.io/name": {}}
            },
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app.kubernetes.io/name": {}}},
                    "f:spec": {"f:containers": {
                        "k:{\"name\":\"app\"}": {
                            ".": {},
                            "f:env": {
                                "k:{\"name\":\"DB_PASSWORD\"}": {
                                    ".": {},
                                    "f:name": {},
                                    "f:valueFrom": {"f:secretKeyRef": {"f:key": {}, "f:name": {}}}
                                },
                                "k:{\"name\":\"LOG_LEVEL\"}": {".": {}, "f:name": {}, "f:value": {}}
                            },
                            "f:image": {},
                            "f:livenessProbe": {
                                "f:initialDelaySeconds": {},
                                "f:tcpSocket": {"f:port": {}}
                            },
                            "f:name": {},
                            "f:ports": {
                                "k:{\"containerPort\":53,\"protocol\":\"UDP\"}": {
                                    ".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}
                                },
                                "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {
                                    ".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}
                                }
                            },
                            "f:readinessProbe": {
                                "f:httpGet": {"f:path": {}, "f:port": {}},
                                "f:periodSeconds": {}
                            },
                            "f:resources": {
                                "f:limits": {"f:memory": {}},
                                "f:requests": {"f:cpu": {}, "f:memory": {}}
                            }
                        },
                        "k:{\"name\":\"proxy\"}": {
                            ".": {},
                            "f:args": {},
                            "f:image": {},
                            "f:name": {},
                            "f:ports": {
                                "k:{\"containerPort\":9090,\"protocol\":\"TCP\"}": {
                                    ".": {}, "f:containerPort": {}, "f:protocol": {}
                                }
                            }
                        }
                    }}
                }
            }
        })
    }

    /// `deployment_manifest` as the API server returns it: defaults, status, server metadata,
    /// and the Deployment controller's own entries.
    fn deployment_live(managed_fields: Vec<Value>) -> Value {
        let mut live = deployment_manifest();
        let metadata = &mut live["metadata"];
        metadata["uid"] = json!("6c0f0d2e-8a4b-4f55-9a43-3b1f0f1f2a10");
        metadata["resourceVersion"] = json!("918273");
        metadata["generation"] = json!(1);
        metadata["creationTimestamp"] = json!("2026-11-20T09:12:44Z");
        metadata["annotations"]["deployment.kubernetes.io/revision"] = json!("1");
        metadata["managedFields"] = Value::Array(managed_fields);
        let spec = &mut live["spec"];
        spec["revisionHistoryLimit"] = json!(10);
        spec["progressDeadlineSeconds"] = json!(600);
        spec["strategy"] = json!({
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}
        });
        let pod = &mut spec["template"]["spec"];
        pod["restartPolicy"] = json!("Always");
        pod["terminationGracePeriodSeconds"] = json!(30);
        pod["dnsPolicy"] = json!("ClusterFirst");
        pod["securityContext"] = json!({});
        pod["schedulerName"] = json!("default-scheduler");
        for container in pod["containers"].as_array_mut().unwrap() {
            container["terminationMessagePath"] = json!("/dev/termination-log");
            container["terminationMessagePolicy"] = json!("File");
            container["imagePullPolicy"] = json!("IfNotPresent");
            if container.get("resources").is_none() {
                container["resources"] = json!({});
            }
        }
        let app = &mut pod["containers"][0];
        for probe in ["readinessProbe", "livenessProbe"] {
            app[probe]["timeoutSeconds"] = json!(1);
            app[probe]["successThreshold"] = json!(1);
            app[probe]["failureThreshold"] = json!(3);
        }
        app["livenessProbe"]["periodSeconds"] = json!(10);
        app["readinessProbe"]["httpGet"]["scheme"] = json!("HTTP");
        live["status"] = json!({
            "observedGeneration": 1,
            "replicas": 3,
            "readyReplicas": 3,
            "conditions": [{"type": "Available", "status": "True"}]
        });
        live
    }

    fn controller_entries() -> Vec<Value> {
        vec![
            entry(
                "kube-controller-manager",
                "Update",
                None,
                json!({"f:metadata": {"f:annotations": {
                    ".": {}, "f:deployment.kubernetes.io/revision": {}
                }}}),
            ),
            entry(
                "kube-controller-manager",
                "Update",
                Some("status"),
                json!({"f:status": {
                    "f:conditions": {".": {}, "k:{\"type\":\"Available\"}": {
                        ".": {}, "f:status": {}, "f:type": {}
                    }},
                    "f:observedGeneration": {},
                    "f:readyReplicas": {},
                    "f:replicas": {}
                }}),
            ),
        ]
    }

    #[test]
    fn a_deployment_applied_by_mcctl_projects_back_to_its_manifest() {
        let mut managed_fields = vec![entry("mcctl", "Apply", None, deployment_fields())];
        managed_fields.extend(controller_entries());
        let live = deployment_live(managed_fields);
        assert_eq!(project(&live, "mcctl"), deployment_manifest());
    }

    #[test]
    fn keyed_items_keep_their_live_order() {
        // The field set lists `DB_PASSWORD` first (keys sort); the live list has it second.
        let live = deployment_live(vec![entry("mcctl", "Apply", None, deployment_fields())]);
        let env = project(&live, "mcctl")
            .pointer("/spec/template/spec/containers/0/env")
            .cloned()
            .unwrap();
        assert_eq!(env[0]["name"], "LOG_LEVEL");
        assert_eq!(env[1]["name"], "DB_PASSWORD");
    }

    #[test]
    fn a_key_matches_only_items_equal_on_all_its_fields() {
        // Two ports share 53; the manager applied only the UDP one.
        let live = json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dns", "managedFields": [
                entry("mcctl", "Apply", None, json!({"f:spec": {"f:containers": {
                    "k:{\"name\":\"dns\"}": {".": {}, "f:name": {}, "f:ports": {
                        "k:{\"containerPort\":53,\"protocol\":\"UDP\"}":
                            {".": {}, "f:containerPort": {}, "f:protocol": {}}
                    }}
                }}})),
            ]},
            "spec": {"containers": [{"name": "dns", "ports": [
                {"containerPort": 53, "protocol": "TCP"},
                {"containerPort": 53, "protocol": "UDP"},
                {"containerPort": 9153, "protocol": "TCP"}
            ]}]}
        });
        assert_eq!(
            project(&live, "mcctl"),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dns"},
            "spec": {"containers": [{"name": "dns", "ports": [
                {"containerPort": 53, "protocol": "UDP"}
            ]}]}})
        );
    }

    /// mcctl applied the Deployment, then `kubectl edit` scaled it to 5 and changed the image:
    /// the server moved both fields to `kubectl-edit`.
    fn edited_deployment() -> Value {
        let mut fields = deployment_fields();
        fields["f:spec"]
            .as_object_mut()
            .unwrap()
            .remove("f:replicas");
        fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"]
            .as_object_mut()
            .unwrap()
            .remove("f:image");
        let mut managed_fields = vec![entry("mcctl", "Apply", None, fields)];
        managed_fields.extend(controller_entries());
        managed_fields.push(entry(
            "kubectl-edit",
            "Update",
            None,
            json!({"f:spec": {
                "f:replicas": {},
                "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"app\"}": {"f:image": {}}
                }}}
            }}),
        ));
        let mut live = deployment_live(managed_fields);
        live["spec"]["replicas"] = json!(5);
        live["spec"]["template"]["spec"]["containers"][0]["image"] =
            json!("ghcr.io/acme/web:debug");
        live
    }

    #[test]
    fn fields_taken_by_another_manager_leave_the_projection() {
        let projected = project(&edited_deployment(), "mcctl");
        assert_eq!(projected.pointer("/spec/replicas"), None);
        assert_eq!(
            projected.pointer("/spec/template/spec/containers/0/image"),
            None
        );
        assert_eq!(
            projected.pointer("/spec/template/spec/containers/1/image"),
            Some(&json!("ghcr.io/acme/proxy:2.0"))
        );
        assert_eq!(
            project(&edited_deployment(), "kubectl-edit"),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop"}}),
            "an Update entry is not what a manager applied"
        );
    }

    #[test]
    fn reduce_is_project_and_the_other_managers_owners_in_one_reading() {
        for live in [
            edited_deployment(),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "plain", "namespace": "shop", "uid": "1"}, "data": {"a": "b"}}),
        ] {
            let (projected, owners) = reduce(&live, "mcctl");
            assert_eq!(projected, project(&live, "mcctl"));
            let others: Vec<FieldOwner> = field_owners(&live)
                .into_iter()
                .filter(|owner| owner.manager != "mcctl")
                .collect();
            assert_eq!(owners, others);
        }
        assert!(!reduce(&edited_deployment(), "mcctl").1.is_empty());
    }

    #[test]
    fn owner_of_names_the_manager_that_took_a_field() {
        let owners = field_owners(&edited_deployment());
        let owner = |pointer| owner_of(&owners, pointer, "mcctl").map(|owner| &owner.manager);
        assert_eq!(owner("/spec/replicas").unwrap(), "kubectl-edit");
        assert_eq!(
            owner("/spec/template/spec/containers/0/image").unwrap(),
            "kubectl-edit"
        );
        // A whole container changed: the closest owned descendant that is not mcctl's.
        assert_eq!(
            owner("/spec/template/spec/containers/0").unwrap(),
            "kubectl-edit"
        );
        assert_eq!(owner("/spec/template/spec/containers/1/image"), None);
        assert_eq!(
            owner("/metadata/annotations/deployment.kubernetes.io~1revision").unwrap(),
            "kube-controller-manager"
        );
        // Status entries are skipped.
        assert_eq!(owner("/status/replicas"), None);
    }

    #[test]
    fn field_owners_lists_leaves_by_pointer_with_live_indices() {
        let owners = field_owners(&edited_deployment());
        let of = |manager: &str| -> Vec<&str> {
            owners
                .iter()
                .filter(|owner| owner.manager == manager)
                .map(|owner| owner.pointer.as_str())
                .collect()
        };
        assert_eq!(
            of("kubectl-edit"),
            ["/spec/replicas", "/spec/template/spec/containers/0/image"]
        );
        assert_eq!(
            of("kube-controller-manager"),
            ["/metadata/annotations/deployment.kubernetes.io~1revision"]
        );
        let mcctl = of("mcctl");
        assert!(
            mcctl.contains(&"/spec/selector"),
            "an atomic map is one leaf"
        );
        assert!(
            mcctl.contains(&"/spec/template/spec/containers/1/args"),
            "so is an atomic list"
        );
        assert!(
            mcctl.contains(&"/spec/template/spec/containers/0/env/1/valueFrom/secretKeyRef/key")
        );
        assert!(mcctl.contains(&"/spec/template/spec/containers/0/ports/1/protocol"));
        assert!(
            !mcctl
                .iter()
                .any(|pointer| pointer.ends_with("/imagePullPolicy"))
        );
        assert!(owners.iter().all(|owner| owner.operation
            == if owner.manager == "mcctl" {
                "Apply"
            } else {
                "Update"
            }));
        assert!(owners.windows(2).all(|pair| pair[0] <= pair[1]), "sorted");
    }

    #[test]
    fn owner_of_falls_back_to_the_closest_owned_ancestor() {
        let owners = vec![
            FieldOwner {
                pointer: "/spec".into(),
                manager: "other".into(),
                operation: "Update".into(),
            },
            FieldOwner {
                pointer: "/spec/selector".into(),
                manager: "helm".into(),
                operation: "Update".into(),
            },
            FieldOwner {
                pointer: "/spec/selector/matchLabels/app".into(),
                manager: "mcctl".into(),
                operation: "Apply".into(),
            },
        ];
        let owner = owner_of(&owners, "/spec/selector/matchLabels/app", "mcctl").unwrap();
        assert_eq!(owner.manager, "helm");
        assert_eq!(
            owner_of(&owners, "/spec/selector", "helm").unwrap().manager,
            "other"
        );
        assert_eq!(owner_of(&owners, "/metadata", "mcctl"), None);
    }

    #[test]
    fn a_service_applied_by_mcctl_projects_back_to_its_manifest() {
        let manifest = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {
                "selector": {"app": "web"},
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                    {"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}
                ]
            }
        });
        let mut live = manifest.clone();
        live["metadata"]["uid"] = json!("0b7c2b6e-1d9f-4c59-8c35-5f0f3d2e9a11");
        live["metadata"]["resourceVersion"] = json!("1200");
        live["metadata"]["creationTimestamp"] = json!("2026-11-20T09:12:44Z");
        live["metadata"]["managedFields"] = json!([entry(
            "mcctl",
            "Apply",
            None,
            json!({
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:ports": {
                        "k:{\"port\":80,\"protocol\":\"TCP\"}": {
                            ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}
                        },
                        "k:{\"port\":9090,\"protocol\":\"TCP\"}": {
                            ".": {}, "f:name": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}
                        }
                    },
                    "f:selector": {}
                }
            })
        )]);
        let spec = &mut live["spec"];
        spec["type"] = json!("ClusterIP");
        spec["clusterIP"] = json!("10.96.14.7");
        spec["clusterIPs"] = json!(["10.96.14.7"]);
        spec["ipFamilies"] = json!(["IPv4"]);
        spec["ipFamilyPolicy"] = json!("SingleStack");
        spec["sessionAffinity"] = json!("None");
        spec["internalTrafficPolicy"] = json!("Cluster");
        live["status"] = json!({"loadBalancer": {}});
        assert_eq!(project(&live, "mcctl"), manifest);
    }

    #[test]
    fn a_configmap_keeps_only_the_keys_mcctl_applied() {
        let manifest = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "web-config", "namespace": "shop"},
            "data": {"LOG_LEVEL": "info", "config.yaml": "listen: :8080\n"}
        });
        let mut live = manifest.clone();
        live["data"]["EXTRA"] = json!("added by hand");
        live["metadata"]["resourceVersion"] = json!("77");
        live["metadata"]["managedFields"] = json!([
            entry(
                "mcctl",
                "Apply",
                None,
                json!({
                    "f:data": {"f:LOG_LEVEL": {}, "f:config.yaml": {}}
                })
            ),
            entry(
                "kubectl-edit",
                "Update",
                None,
                json!({
                    "f:data": {".": {}, "f:EXTRA": {}}
                })
            ),
        ]);
        assert_eq!(project(&live, "mcctl"), manifest);
        let owners = field_owners(&live);
        assert_eq!(
            owner_of(&owners, "/data/EXTRA", "mcctl").unwrap().manager,
            "kubectl-edit"
        );
    }

    #[test]
    fn a_secret_applied_by_mcctl_projects_back_to_its_manifest() {
        let manifest = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db", "namespace": "shop"},
            "type": "Opaque",
            "data": {"password": "aHVudGVyMg==", "username": "d2Vi"}
        });
        let mut live = manifest.clone();
        live["metadata"]["uid"] = json!("a3d1c9f0-7e1b-4bb2-9d4c-0e6f2b8c7d55");
        live["metadata"]["resourceVersion"] = json!("5012");
        live["metadata"]["creationTimestamp"] = json!("2026-11-20T09:12:44Z");
        live["metadata"]["managedFields"] = json!([entry(
            "mcctl",
            "Apply",
            None,
            json!({
                "f:data": {"f:password": {}, "f:username": {}},
                "f:type": {}
            })
        )]);
        assert_eq!(project(&live, "mcctl"), manifest);
    }

    #[test]
    fn set_items_are_kept_by_value() {
        let live = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {
                "name": "shop",
                "finalizers": ["acme.io/backup", "mcctl.io/protect", "kubernetes"],
                "managedFields": [
                    entry("mcctl", "Apply", None, json!({"f:metadata": {"f:finalizers": {
                        "v:\"mcctl.io/protect\"": {}
                    }}})),
                    entry("backup-operator", "Update", None, json!({"f:metadata": {
                        "f:finalizers": {".": {}, "v:\"acme.io/backup\"": {}}
                    }})),
                ]
            }
        });
        assert_eq!(
            project(&live, "mcctl"),
            json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": "shop", "finalizers": ["mcctl.io/protect"]}})
        );
        let owners = field_owners(&live);
        assert_eq!(
            owner_of(&owners, "/metadata/finalizers/0", "mcctl")
                .unwrap()
                .manager,
            "backup-operator"
        );
        assert_eq!(
            owner_of(&owners, "/metadata/finalizers/1", "backup-operator")
                .unwrap()
                .manager,
            "mcctl"
        );
    }

    #[test]
    fn a_dot_alone_owns_the_field_whole() {
        // `.` marks the field itself; without other children it is a leaf, as `{}` is.
        let live = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "labels": {"a": "1", "b": "2"}, "managedFields": [
                entry("mcctl", "Apply", None, json!({"f:metadata": {"f:labels": {".": {}}}}))
            ]},
            "data": {"k": "v"}
        });
        assert_eq!(
            project(&live, "mcctl"),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "labels": {"a": "1", "b": "2"}}})
        );
    }

    #[test]
    fn a_field_owned_whole_by_one_entry_stays_whole_in_the_union() {
        // Two Apply entries of one manager (two API versions of the object).
        let live = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "managedFields": [
                entry("mcctl", "Apply", None, json!({"f:data": {"f:a": {}}})),
                entry("mcctl", "Apply", None, json!({"f:data": {}})),
            ]},
            "data": {"a": "1", "b": "2"}
        });
        assert_eq!(project(&live, "mcctl")["data"], json!({"a": "1", "b": "2"}));
    }

    #[test]
    fn index_items_select_by_position() {
        let live = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "managedFields": [
                entry("mcctl", "Apply", None, json!({"f:spec": {"f:tolerations": {
                    "i:1": {"f:key": {}}
                }}}))
            ]},
            "spec": {"tolerations": [{"key": "a", "effect": "NoSchedule"},
                {"key": "b", "effect": "NoExecute"}]}
        });
        assert_eq!(
            project(&live, "mcctl")["spec"],
            json!({"tolerations": [{"key": "b"}]})
        );
    }

    #[test]
    fn subresource_entries_do_not_count_as_applied() {
        let live = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "shop", "managedFields": [
                entry("mcctl", "Apply", None, json!({"f:spec": {"f:size": {}}})),
                entry("mcctl", "Apply", Some("status"), json!({"f:status": {"f:phase": {}}})),
            ]},
            "spec": {"size": 2, "color": "blue"},
            "status": {"phase": "Ready"}
        });
        assert_eq!(
            project(&live, "mcctl"),
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
                "metadata": {"name": "w", "namespace": "shop"}, "spec": {"size": 2}})
        );
        assert!(
            field_owners(&live)
                .iter()
                .all(|owner| owner.pointer == "/spec/size")
        );
    }

    #[test]
    fn a_scale_subresource_entry_names_the_scaler() {
        let live = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "managedFields": [
                entry("mcctl", "Apply", None, json!({"f:spec": {"f:template": {}}})),
                entry("kube-controller-manager", "Update", Some("scale"),
                    json!({"f:spec": {"f:replicas": {}}})),
            ]},
            "spec": {"replicas": 7, "template": {}}
        });
        let owners = field_owners(&live);
        assert_eq!(
            owner_of(&owners, "/spec/replicas", "mcctl")
                .unwrap()
                .manager,
            "kube-controller-manager"
        );
    }

    #[test]
    fn an_object_without_managed_fields_loses_only_server_fields() {
        let live = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {
                "name": "c", "namespace": "shop",
                "uid": "u", "resourceVersion": "1", "generation": 1,
                "creationTimestamp": "2026-11-20T09:12:44Z", "selfLink": "/api/v1/x",
                "deletionTimestamp": "2026-11-21T00:00:00Z", "deletionGracePeriodSeconds": 0,
                "labels": {"app": "web"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
            },
            "data": {"k": "v"},
            "status": {"x": 1}
        });
        assert_eq!(
            project(&live, "mcctl"),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "shop", "labels": {"app": "web"},
                    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
                "data": {"k": "v"}})
        );
        let mut bare = live.clone();
        bare["metadata"]["annotations"] = json!({});
        bare["metadata"]["managedFields"] = json!([]);
        assert_eq!(
            project(&bare, "mcctl").pointer("/metadata/annotations"),
            None
        );
        assert!(field_owners(&live).is_empty());
    }

    #[test]
    fn a_manager_that_owns_nothing_gets_the_identity() {
        let live = deployment_live(vec![entry("mcctl", "Apply", None, deployment_fields())]);
        assert_eq!(
            project(&live, "helm"),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop"}})
        );
    }

    #[test]
    fn a_malformed_entry_owns_nothing_and_the_others_still_count() {
        let malformed = [
            json!("f:spec"),
            json!({"f:spec": "oops"}),
            json!({"f:spec": {"k:{\"name\":": {}}}),
            json!({"f:spec": {"k:[\"name\"]": {}}}),
            json!({"f:spec": {"v:not json": {}}}),
            json!({"f:spec": {"i:-1": {}}}),
            json!({"x:spec": {}}),
        ];
        for fields in malformed {
            assert!(FieldSet::parse(&fields).is_err(), "{fields}");
            let live = json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "managedFields": [
                    entry("mcctl", "Apply", None, fields.clone()),
                    entry("mcctl", "Apply", None, json!({"f:data": {"f:a": {}}})),
                    {"manager": 7, "operation": "Apply"},
                    {"manager": "mcctl", "operation": "Apply", "fieldsType": "FieldsV2",
                        "fieldsV1": {"f:data": {}}},
                    "not an entry",
                ]},
                "spec": {"x": 1},
                "data": {"a": "1", "b": "2"}
            });
            assert_eq!(
                project(&live, "mcctl"),
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                    "data": {"a": "1"}}),
                "{fields}"
            );
            assert_eq!(field_owners(&live).len(), 1);
        }
    }

    #[test]
    fn parse_errors_say_where() {
        let error = FieldSet::parse(&json!({"f:spec": {"f:ports": {"q:1": {}}}})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown path element `q:1` at `f:spec/f:ports`"
        );
        let error = FieldSet::parse(&json!({"f:spec": []})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "field set node at `f:spec` is not an object"
        );
    }
}
