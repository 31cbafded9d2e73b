//! The in-memory object store of one instance: objects by resource, namespace and name, the field
//! ownership of each object, and the kind table. It survives a stop/restart of the instance, as
//! etcd survives an API server restart.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;
use serde_json::value::RawValue;

use super::fields::FieldSet;
use super::kinds::{self, Kind};

/// Where an object lives: `resource` is [`Kind::resource`]; `namespace` is empty when cluster-scoped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ObjectKey {
    pub(crate) resource: String,
    pub(crate) namespace: String,
    pub(crate) name: String,
}

/// A stored object and, per field manager, the fields it owns.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) object: Value,
    pub(crate) managers: BTreeMap<String, FieldSet>,
    /// `object` as JSON, made by the first LIST that returns it (and forgotten by [`Store::put`]):
    /// large LISTs then copy bytes instead of serializing every object again.
    json: OnceLock<Box<RawValue>>,
}

impl Entry {
    pub(crate) fn new(object: Value, managers: BTreeMap<String, FieldSet>) -> Self {
        Self {
            object,
            managers,
            json: OnceLock::new(),
        }
    }

    /// The object as JSON.
    pub(crate) fn json(&self) -> &RawValue {
        self.json.get_or_init(|| {
            serde_json::value::to_raw_value(&self.object).expect("a Value serializes")
        })
    }
}

/// All objects of one instance.
#[derive(Debug)]
pub(crate) struct Store {
    kinds: Vec<Kind>,
    objects: BTreeMap<ObjectKey, Entry>,
    resource_version: u64,
}

impl Store {
    /// A store with the built-in kinds and the namespaces every cluster has.
    pub(crate) fn new() -> Self {
        let mut store = Self {
            kinds: kinds::builtin(),
            objects: BTreeMap::new(),
            resource_version: 0,
        };
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            store.insert(serde_json::json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }));
        }
        store
    }

    /// The kinds served now, built-in first, then CRD kinds in the order they were registered.
    pub(crate) fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// The kind served at `group`/`version` under `plural`.
    pub(crate) fn kind_by_plural(&self, group: &str, version: &str, plural: &str) -> Option<Kind> {
        self.kinds
            .iter()
            .find(|kind| kind.group == group && kind.version == version && kind.plural == plural)
            .cloned()
    }

    /// The kind an object declares through `apiVersion` and `kind`.
    pub(crate) fn kind_of(&self, object: &Value) -> Option<Kind> {
        let api_version = object["apiVersion"].as_str()?;
        let kind = object["kind"].as_str()?;
        self.kinds
            .iter()
            .find(|known| known.api_version() == api_version && known.kind == kind)
            .cloned()
    }

    /// The current resourceVersion of the whole store, as lists report it.
    pub(crate) fn resource_version(&self) -> String {
        self.resource_version.to_string()
    }

    /// Takes the next resourceVersion.
    pub(crate) fn next_resource_version(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    pub(crate) fn get(&self, key: &ObjectKey) -> Option<&Entry> {
        self.objects.get(key)
    }

    /// Stores an entry as is (the caller set its metadata) and registers a CRD's kinds.
    pub(crate) fn put(&mut self, key: ObjectKey, mut entry: Entry) {
        // The caller may have changed a copy of a stored entry, JSON and all.
        entry.json = OnceLock::new();
        if key.resource == "apiextensions.k8s.io/customresourcedefinitions" {
            for kind in kinds::from_crd(&entry.object) {
                if !self.kinds.contains(&kind) {
                    self.kinds.push(kind);
                }
            }
        }
        self.objects.insert(key, entry);
    }

    /// Removes one object; a removed CRD stops serving its kinds.
    pub(crate) fn remove(&mut self, key: &ObjectKey) -> Option<Entry> {
        let entry = self.objects.remove(key)?;
        if key.resource == "apiextensions.k8s.io/customresourcedefinitions" {
            let gone = kinds::from_crd(&entry.object);
            self.kinds.retain(|kind| !gone.contains(kind));
        }
        Some(entry)
    }

    /// Objects of one resource in name order, limited to `namespace` when given.
    pub(crate) fn list<'a>(
        &'a self,
        resource: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a Entry)> + 'a {
        self.objects.iter().filter(move |(key, _)| {
            key.resource == resource && namespace.is_none_or(|namespace| key.namespace == namespace)
        })
    }

    /// Keys of every object whose `ownerReferences` name `uid`.
    pub(crate) fn owned_by(&self, uid: &str) -> Vec<ObjectKey> {
        self.objects
            .iter()
            .filter(|(_, entry)| {
                entry.object["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|owners| owners.iter().any(|owner| owner["uid"] == uid))
            })
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Keys of every object in `namespace`.
    pub(crate) fn in_namespace(&self, namespace: &str) -> Vec<ObjectKey> {
        self.objects
            .keys()
            .filter(|key| key.namespace == namespace)
            .cloned()
            .collect()
    }

    /// Inserts an object with fresh server metadata and no field manager: how tests seed objects
    /// that some other actor created (nodes, pods, pre-existing namespaces).
    pub(crate) fn insert(&mut self, mut object: Value) -> Value {
        let kind = self
            .kind_of(&object)
            .unwrap_or_else(|| panic!("seeded object of unknown kind: {object}"));
        let resource_version = self.next_resource_version();
        let metadata = &mut object["metadata"];
        metadata["uid"] = Value::String(uuid::Uuid::new_v4().to_string());
        metadata["resourceVersion"] = Value::String(resource_version);
        metadata["generation"] = Value::from(1);
        metadata["creationTimestamp"] = Value::String(now());
        let key = ObjectKey {
            resource: kind.resource(),
            namespace: object["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            name: object["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        };
        self.put(key, Entry::new(object.clone(), BTreeMap::new()));
        object
    }
}

/// The current time in the RFC 3339 form Kubernetes uses for timestamps.
pub(crate) fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
