//! Clusters: the [`ClusterClient`] trait and its backends (DESIGN.md §7).
//!
//! [`kube`] talks to the Kubernetes API with a kubeconfig context (Push); [`dir`] writes rendered
//! manifests to a directory a `GitOps` agent syncs (Pull); [`fake`] keeps objects in memory for
//! tests. [`Client`] dispatches to a backend without boxing futures.
//! [`managed`] reads `managedFields`: the fields mcctl applied, and who owns a drifted field.

pub mod dir;
pub mod fake;
pub mod health;
pub mod kube;
pub mod managed;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::addr::{ClusterName, ObjectRef};
use crate::model::{Access, Cluster, ClusterStatus};

/// Failures talking to a cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cluster cannot be reached at all.
    #[error("cluster `{cluster}` is unreachable: {reason}")]
    Unreachable {
        /// The cluster.
        cluster: ClusterName,
        /// Why.
        reason: String,
    },
    /// A file of a directory cluster could not be read or written.
    #[error("cannot {action} `{path}`")]
    Io {
        /// `read`, `write` or `delete`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file of a directory cluster is not a valid object.
    #[error("`{path}` is not a valid Kubernetes object: {message}")]
    InvalidObject {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A file of a directory cluster holds another object than its name says (moved by hand).
    #[error("`{path}` holds `{object}`, whose file is `{expected}`; move it back or delete it")]
    Misplaced {
        /// The file.
        path: PathBuf,
        /// What it holds.
        object: Box<ObjectRef>,
        /// Where that object belongs.
        expected: PathBuf,
    },
    /// The cluster refused an object.
    #[error("cluster `{cluster}` rejected `{object}`: {message}")]
    Rejected {
        /// The cluster.
        cluster: ClusterName,
        /// The object.
        object: Box<ObjectRef>,
        /// Why.
        message: String,
    },
}

/// A kind to list: its `apiVersion` and kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KindRef {
    /// `apiVersion`.
    pub api_version: String,
    /// Kind.
    pub kind: String,
}

/// Whether to change the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyMode {
    /// Apply for real.
    Commit,
    /// Validate only.
    DryRun,
}

/// The readiness of an applied object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Ready.
    Ready,
    /// Not ready yet.
    Progressing(String),
    /// Will not become ready.
    Failed(String),
    /// The backend cannot observe health (a `GitOps` agent applies the object later).
    NotObservable,
}

/// What a delete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// The object was deleted.
    Deleted,
    /// There was nothing to delete.
    Absent,
    /// The object does not carry the owner's labels, so it was left alone.
    NotOwned,
}

/// What discovery learned about a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Live status; fields the backend cannot know stay `None`.
    pub status: ClusterStatus,
    /// Things the user should know about how the cluster is reached (TLS verification off).
    pub warnings: Vec<String>,
}

/// Talks to one cluster. Every method is one round of I/O; callers bound their parallelism.
pub trait ClusterClient: Send + Sync {
    /// The cluster's name.
    fn name(&self) -> &ClusterName;

    /// Reads the cluster's status.
    fn discover(&self) -> impl Future<Output = Result<Discovery, Error>> + Send;

    /// Lists the objects of a kind carrying every label of `labels`.
    fn list(
        &self,
        kind: &KindRef,
        labels: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<Vec<Value>, Error>> + Send {
        async move {
            let listed = self.list_since(kind, labels, &Versions::new()).await?;
            Ok(Listed::objects(listed))
        }
    }

    /// Lists like [`ClusterClient::list`], but may report an object whose identity and
    /// `resourceVersion` are in `known` as [`Listed::Unchanged`], without reading it whole:
    /// what refresh asks of a large cluster that nobody changed since the last apply. The one
    /// listing a backend implements.
    fn list_since(
        &self,
        kind: &KindRef,
        labels: &BTreeMap<String, String>,
        known: &Versions<'_>,
    ) -> impl Future<Output = Result<Vec<Listed>, Error>> + Send;

    /// Lists every object of a kind whatever its labels, metadata only where the backend can
    /// (`PartialObjectMetadata`): names and labels, to see which names are taken.
    fn list_metadata(
        &self,
        kind: &KindRef,
    ) -> impl Future<Output = Result<Vec<Value>, Error>> + Send;

    /// Reads one object whatever its labels; `None` when there is none. Used where identity,
    /// not ownership, matters: `import`, and the check that a create would not take over an
    /// object someone else made (Karmada's `conflictResolution`).
    fn get(
        &self,
        object: &ObjectRef,
        api_version: &str,
    ) -> impl Future<Output = Result<Option<Value>, Error>> + Send;

    /// Creates or updates an object; returns the object as stored.
    fn apply(
        &self,
        manifest: &Value,
        mode: ApplyMode,
    ) -> impl Future<Output = Result<Value, Error>> + Send;

    /// Deletes an object if it carries every label of `owner`; a missing object is `Absent`,
    /// and an object without the labels is left alone as `NotOwned`.
    fn delete(
        &self,
        object: &ObjectRef,
        api_version: &str,
        owner: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<Deletion, Error>> + Send;

    /// Reads the health of an applied object. Apply waits for it before the next wave, so a
    /// backend that can observe health must report a CRD as ready only once it is
    /// `Established` ([`health::crd_health`]), or the custom resources of the next wave would
    /// be refused; one that cannot (a directory) says [`Health::NotObservable`].
    fn health(
        &self,
        object: &ObjectRef,
        api_version: &str,
    ) -> impl Future<Output = Result<Health, Error>> + Send;
}

/// The `resourceVersion` of objects as a caller last knew them.
pub type Versions<'a> = HashMap<&'a ObjectRef, &'a str>;

/// One object of a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Listed {
    /// The object.
    Object(Value),
    /// Still at the `resourceVersion` the caller knew: not read whole.
    Unchanged(ObjectRef),
}

impl Listed {
    /// The objects of a list; an `Unchanged` item, which a list without known versions never
    /// holds, is left out.
    #[must_use]
    pub fn objects(listed: Vec<Self>) -> Vec<Value> {
        listed
            .into_iter()
            .filter_map(|listed| match listed {
                Self::Object(object) => Some(object),
                Self::Unchanged(_) => None,
            })
            .collect()
    }
}

/// Any backend.
#[derive(Debug)]
pub enum Client {
    /// The Kubernetes API (Push).
    Kube(Box<self::kube::KubeCluster>),
    /// A directory (Pull).
    Dir(dir::DirCluster),
    /// In memory (tests).
    Fake(fake::FakeCluster),
}

macro_rules! dispatch {
    ($self:ident, $client:ident => $call:expr) => {
        match $self {
            Client::Kube($client) => $call,
            Client::Dir($client) => $call,
            Client::Fake($client) => $call,
        }
    };
}

impl ClusterClient for Client {
    fn name(&self) -> &ClusterName {
        dispatch!(self, client => client.name())
    }

    async fn discover(&self) -> Result<Discovery, Error> {
        dispatch!(self, client => client.discover().await)
    }

    async fn list_since(
        &self,
        kind: &KindRef,
        labels: &BTreeMap<String, String>,
        known: &Versions<'_>,
    ) -> Result<Vec<Listed>, Error> {
        dispatch!(self, client => client.list_since(kind, labels, known).await)
    }

    async fn list_metadata(&self, kind: &KindRef) -> Result<Vec<Value>, Error> {
        dispatch!(self, client => client.list_metadata(kind).await)
    }

    async fn get(&self, object: &ObjectRef, api_version: &str) -> Result<Option<Value>, Error> {
        dispatch!(self, client => client.get(object, api_version).await)
    }

    async fn apply(&self, manifest: &Value, mode: ApplyMode) -> Result<Value, Error> {
        dispatch!(self, client => client.apply(manifest, mode).await)
    }

    async fn delete(
        &self,
        object: &ObjectRef,
        api_version: &str,
        owner: &BTreeMap<String, String>,
    ) -> Result<Deletion, Error> {
        dispatch!(self, client => client.delete(object, api_version, owner).await)
    }

    async fn health(&self, object: &ObjectRef, api_version: &str) -> Result<Health, Error> {
        dispatch!(self, client => client.health(object, api_version).await)
    }
}

/// The client for a declared cluster, or `None` for an offline cluster; `manager` is the field
/// manager of server-side applies. Nothing is read or contacted yet: a kubeconfig that cannot
/// be used makes the cluster unreachable on first use.
#[must_use]
pub fn connect(cluster: &Cluster, workspace: &Path, manager: &str) -> Option<Client> {
    match &cluster.access {
        Access::Directory(directory) => Some(Client::Dir(dir::DirCluster::new(
            cluster.name.clone(),
            workspace,
            directory,
        ))),
        Access::Kubeconfig { path, context } => {
            Some(Client::Kube(Box::new(self::kube::KubeCluster::new(
                cluster.name.clone(),
                workspace,
                path.as_deref(),
                context.as_deref(),
                manager,
            ))))
        }
        Access::Offline => None,
    }
}

/// Whether every label of `wanted` is on the object.
#[must_use]
pub fn has_labels(object: &Value, wanted: &BTreeMap<String, String>) -> bool {
    let labels = object.pointer("/metadata/labels");
    wanted.iter().all(|(key, value)| {
        labels
            .and_then(|labels| labels.get(key))
            .and_then(Value::as_str)
            == Some(value.as_str())
    })
}

/// The identity of a manifest.
#[must_use]
pub fn object_ref_of(manifest: &Value) -> Option<(ObjectRef, String)> {
    let api_version = manifest.get("apiVersion")?.as_str()?;
    let kind = manifest.get("kind")?.as_str()?;
    let name = manifest.pointer("/metadata/name")?.as_str()?;
    let namespace = manifest
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some((
        ObjectRef::new(api_version, kind, namespace, name),
        api_version.to_owned(),
    ))
}
