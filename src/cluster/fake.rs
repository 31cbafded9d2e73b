//! An in-memory cluster for tests, with failures that can be switched on per object.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::addr::{ClusterName, ObjectRef};
use crate::cluster::{
    ApplyMode, ClusterClient, Deletion, Discovery, Error, Health, KindRef, Listed, Versions,
    has_labels, object_ref_of,
};

/// A cluster that keeps objects in memory.
#[derive(Debug, Default)]
pub struct FakeCluster {
    name: ClusterName,
    objects: Mutex<BTreeMap<ObjectRef, Value>>,
    failing: Mutex<BTreeSet<ObjectRef>>,
    unreachable: Mutex<bool>,
}

impl FakeCluster {
    /// An empty cluster.
    #[must_use]
    pub fn new(name: &str) -> Self {
        Self {
            name: ClusterName::new(name),
            ..Self::default()
        }
    }

    /// Makes applying `object` fail.
    pub fn fail_on(&self, object: ObjectRef) {
        self.failing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(object);
    }

    /// Makes every call fail as unreachable.
    pub fn set_unreachable(&self, unreachable: bool) {
        *self
            .unreachable
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = unreachable;
    }

    /// A copy of the stored objects.
    #[must_use]
    pub fn objects(&self) -> BTreeMap<ObjectRef, Value> {
        self.objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn check_reachable(&self) -> Result<(), Error> {
        if *self
            .unreachable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            return Err(Error::Unreachable {
                cluster: self.name.clone(),
                reason: "switched off by the test".into(),
            });
        }
        Ok(())
    }
}

impl ClusterClient for FakeCluster {
    fn name(&self) -> &ClusterName {
        &self.name
    }

    async fn discover(&self) -> Result<Discovery, Error> {
        self.check_reachable()?;
        Ok(Discovery::default())
    }

    async fn list_since(
        &self,
        kind: &KindRef,
        labels: &BTreeMap<String, String>,
        _known: &Versions<'_>,
    ) -> Result<Vec<Listed>, Error> {
        // Read whole: tests give the fake's objects whatever versions they like.
        self.check_reachable()?;
        Ok(self
            .objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|object| {
                object.get("kind").and_then(Value::as_str) == Some(kind.kind.as_str())
                    && has_labels(object, labels)
            })
            .cloned()
            .map(Listed::Object)
            .collect())
    }

    async fn list_metadata(&self, kind: &KindRef) -> Result<Vec<Value>, Error> {
        self.list(kind, &BTreeMap::new()).await
    }

    async fn get(&self, object: &ObjectRef, _api_version: &str) -> Result<Option<Value>, Error> {
        self.check_reachable()?;
        Ok(self
            .objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(object)
            .cloned())
    }

    async fn apply(&self, manifest: &Value, mode: ApplyMode) -> Result<Value, Error> {
        self.check_reachable()?;
        let Some((object, _)) = object_ref_of(manifest) else {
            return Err(Error::Rejected {
                cluster: self.name.clone(),
                object: Box::new(ObjectRef::new("v1", "Unknown", None, "unknown")),
                message: "no identity".into(),
            });
        };
        if self
            .failing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&object)
        {
            return Err(Error::Rejected {
                cluster: self.name.clone(),
                object: Box::new(object),
                message: "rejected by the test".into(),
            });
        }
        if mode == ApplyMode::Commit {
            self.objects
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(object, manifest.clone());
        }
        Ok(manifest.clone())
    }

    async fn delete(
        &self,
        object: &ObjectRef,
        _api_version: &str,
        owner: &BTreeMap<String, String>,
    ) -> Result<Deletion, Error> {
        self.check_reachable()?;
        let mut objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(match objects.get(object) {
            None => Deletion::Absent,
            Some(stored) if !has_labels(stored, owner) => Deletion::NotOwned,
            Some(_) => {
                objects.remove(object);
                Deletion::Deleted
            }
        })
    }

    async fn health(&self, _object: &ObjectRef, _api_version: &str) -> Result<Health, Error> {
        self.check_reachable()?;
        Ok(Health::Ready)
    }
}
