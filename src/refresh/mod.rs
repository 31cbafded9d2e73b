//! Stage 7, refresh: ask the clusters what they are and what they hold → [`ObservedState`].
//!
//! Discovery comes first (the scheduler needs statuses); listing comes after rendering, one
//! LIST per kind per cluster, by the ownership labels (DESIGN.md §4). Clusters are asked in
//! parallel, at most `parallelism` at a time, each cluster's kinds side by side; one cluster's
//! failure never blocks the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::addr::{ClusterName, ObjectRef};
use crate::cluster::managed::{FieldOwner, reduce};
use crate::cluster::{Client, ClusterClient, Discovery, KindRef, Listed, Versions, object_ref_of};

/// The clients of the reachable clusters.
pub type Clients = BTreeMap<ClusterName, Arc<Client>>;

/// What refresh saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedState {
    /// Per cluster that has a client.
    pub clusters: BTreeMap<ClusterName, ObservedCluster>,
    /// The fields of listed objects that other field managers own (live clusters only), to
    /// name who made a drift.
    pub owners: BTreeMap<ClusterName, BTreeMap<ObjectRef, Vec<FieldOwner>>>,
}

/// What refresh saw of one cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservedCluster {
    /// The managed objects on the cluster.
    Listed {
        /// Objects by identity, reduced to the fields mcctl applies
        /// ([`crate::cluster::managed::project`]): what the plan compares with the rendered manifests.
        objects: BTreeMap<ObjectRef, Arc<Value>>,
    },
    /// The cluster could not be asked.
    Unreachable(String),
    /// The cluster answered, but not with valid objects.
    Failed(String),
}

/// Discovers every cluster, in parallel.
pub async fn discover(
    clients: &Clients,
    parallelism: usize,
) -> BTreeMap<ClusterName, Result<Discovery, String>> {
    run_all(clients, parallelism, |client| async move {
        client.discover().await.map_err(|error| match error {
            crate::cluster::Error::Unreachable { reason, .. } => reason,
            other => other.to_string(),
        })
    })
    .await
}

/// The objects the state says mcctl applied, per cluster.
pub type Recorded = BTreeMap<ClusterName, Vec<RecordedObject>>;

/// An object the state says mcctl applied.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedObject {
    /// Its identity.
    pub object: ObjectRef,
    /// Its `apiVersion`.
    pub api_version: String,
    /// The `resourceVersion` the server gave it when mcctl applied it, and the manifest applied,
    /// when the object the server stored then reduced to exactly that manifest (it rewrote no
    /// value, and it is not a Secret, whose state form hides its values). A live object still
    /// at that version is unchanged since: it is taken as that manifest without reducing it.
    pub as_applied: Option<(String, Arc<Value>)>,
}

/// Lists, on each cluster, the objects of the given kinds that carry `labels`. An object the
/// state records but the lists miss is read on its own: an imported object does not carry the
/// labels until the next apply, and one whose labels were removed by hand is still there. Both
/// are rare, so this costs a GET only for them.
///
/// Each object is reduced to the fields field manager `manager` owns: status, server defaults
/// and metadata the server keeps are not the plan's business. One still at the
/// `resourceVersion` mcctl applied it at needs no reducing ([`RecordedObject::as_applied`]):
/// a no-change plan of a large fleet is mostly such objects.
pub async fn observe(
    clients: &Clients,
    kinds: &BTreeMap<ClusterName, BTreeSet<KindRef>>,
    labels: &BTreeMap<String, String>,
    recorded: &Recorded,
    parallelism: usize,
    manager: &str,
) -> ObservedState {
    let manager: Arc<str> = Arc::from(manager);
    let kinds = Arc::new(kinds.clone());
    let labels = Arc::new(labels.clone());
    let recorded = Arc::new(recorded.clone());
    let results = run_all(clients, parallelism, move |client| {
        let kinds = Arc::clone(&kinds);
        let labels = Arc::clone(&labels);
        let recorded = Arc::clone(&recorded);
        let manager = Arc::clone(&manager);
        async move {
            let mut objects = BTreeMap::new();
            let mut owners = BTreeMap::new();
            let as_applied: HashMap<&ObjectRef, &(String, Arc<Value>)> = recorded
                .get(client.name())
                .into_iter()
                .flatten()
                .filter_map(|recorded| Some((&recorded.object, recorded.as_applied.as_ref()?)))
                .collect();
            let versions: Versions<'_> = as_applied
                .iter()
                .map(|(object, (version, _))| (*object, version.as_str()))
                .collect();
            // A cluster's kinds are listed side by side: a distant cluster costs the round
            // trips of its longest list, not of all of them.
            let lists = futures_util::future::join_all(
                kinds
                    .get(client.name())
                    .into_iter()
                    .flatten()
                    .map(|kind| client.list_since(kind, &labels, &versions)),
            )
            .await;
            for list in lists {
                match list {
                    Ok(listed) => {
                        for object in listed {
                            let object = match object {
                                Listed::Object(object) => object,
                                Listed::Unchanged(object_ref) => {
                                    if let Some((_, manifest)) = as_applied.get(&object_ref) {
                                        objects.insert(object_ref, Arc::clone(manifest));
                                    }
                                    continue;
                                }
                            };
                            let Some((object_ref, _)) = object_ref_of(&object) else {
                                continue;
                            };
                            let live_version = object
                                .pointer("/metadata/resourceVersion")
                                .and_then(Value::as_str);
                            match as_applied.get(&object_ref) {
                                Some((version, manifest)) if live_version == Some(version) => {
                                    objects.insert(object_ref, Arc::clone(manifest));
                                }
                                _ => keep(&mut objects, &mut owners, &manager, object_ref, &object),
                            }
                        }
                    }
                    Err(crate::cluster::Error::Unreachable { reason, .. }) => {
                        return (ObservedCluster::Unreachable(reason), BTreeMap::new());
                    }
                    Err(error) => {
                        return (ObservedCluster::Failed(error.to_string()), BTreeMap::new());
                    }
                }
            }
            for recorded in recorded.get(client.name()).into_iter().flatten() {
                let (object, api_version) = (&recorded.object, &recorded.api_version);
                if objects.contains_key(object) {
                    continue;
                }
                match client.get(object, api_version).await {
                    Ok(Some(live)) => {
                        keep(&mut objects, &mut owners, &manager, object.clone(), &live);
                    }
                    Ok(None) => {}
                    Err(crate::cluster::Error::Unreachable { reason, .. }) => {
                        return (ObservedCluster::Unreachable(reason), BTreeMap::new());
                    }
                    Err(error) => {
                        return (ObservedCluster::Failed(error.to_string()), BTreeMap::new());
                    }
                }
            }
            (ObservedCluster::Listed { objects }, owners)
        }
    })
    .await;
    let mut observed = ObservedState::default();
    for (cluster, (seen, owners)) in results {
        if !owners.is_empty() {
            observed.owners.insert(cluster.clone(), owners);
        }
        observed.clusters.insert(cluster, seen);
    }
    observed
}

/// Keeps a live object reduced to the fields `manager` owns, and who owns the others.
fn keep(
    objects: &mut BTreeMap<ObjectRef, Arc<Value>>,
    owners: &mut BTreeMap<ObjectRef, Vec<FieldOwner>>,
    manager: &str,
    object_ref: ObjectRef,
    object: &Value,
) {
    let (projected, foreign) = reduce(object, manager);
    if !foreign.is_empty() {
        owners.insert(object_ref.clone(), foreign);
    }
    objects.insert(object_ref, Arc::new(projected));
}

async fn run_all<T, F, Fut>(
    clients: &Clients,
    parallelism: usize,
    task: F,
) -> BTreeMap<ClusterName, T>
where
    T: Send + 'static,
    F: Fn(Arc<Client>) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let semaphore = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut set = JoinSet::new();
    for (name, client) in clients {
        let future = task(Arc::clone(client));
        let semaphore = Arc::clone(&semaphore);
        let name = name.clone();
        set.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = semaphore.acquire_owned().await;
            (name, future.await)
        });
    }
    let mut results = BTreeMap::new();
    while let Some(joined) = set.join_next().await {
        if let Ok((name, result)) = joined {
            results.insert(name, result);
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ApplyMode;
    use crate::cluster::fake::FakeCluster;
    use serde_json::json;

    #[tokio::test]
    async fn lists_only_labelled_objects_and_reports_unreachable_clusters() {
        let a = FakeCluster::new("a");
        let mine = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default", "labels": {"mcctl.io/workspace": "shop"}}});
        let theirs = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y", "namespace": "default"}});
        a.apply(&mine, ApplyMode::Commit).await.unwrap();
        a.apply(&theirs, ApplyMode::Commit).await.unwrap();
        let b = FakeCluster::new("b");
        b.set_unreachable(true);
        let clients: Clients = [
            (ClusterName::new("a"), Arc::new(Client::Fake(a))),
            (ClusterName::new("b"), Arc::new(Client::Fake(b))),
        ]
        .into();
        let kind = KindRef {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
        };
        let kinds = [
            (ClusterName::new("a"), BTreeSet::from([kind.clone()])),
            (ClusterName::new("b"), BTreeSet::from([kind])),
        ]
        .into();
        let labels = [("mcctl.io/workspace".to_owned(), "shop".to_owned())].into();
        let observed = observe(&clients, &kinds, &labels, &Recorded::new(), 4, "mcctl").await;
        match &observed.clusters[&ClusterName::new("a")] {
            ObservedCluster::Listed { objects } => assert_eq!(
                objects.keys().map(ToString::to_string).collect::<Vec<_>>(),
                ["core/ConfigMap/default/x"]
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            observed.clusters[&ClusterName::new("b")],
            ObservedCluster::Unreachable(_)
        ));
        let discovered = discover(&clients, 1).await;
        assert!(discovered[&ClusterName::new("a")].is_ok());
        assert!(discovered[&ClusterName::new("b")].is_err());
    }

    /// Cluster `a` holds `ConfigMap`s.
    fn config_maps_on_a() -> BTreeMap<ClusterName, BTreeSet<KindRef>> {
        [(
            ClusterName::new("a"),
            BTreeSet::from([KindRef {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
            }]),
        )]
        .into()
    }

    /// The state records `objects` on cluster `a`, each applied as `as_applied` says.
    fn recorded_on_a(objects: &[&str], as_applied: Option<(&str, &Arc<Value>)>) -> Recorded {
        let records = objects
            .iter()
            .map(|object| RecordedObject {
                object: object.parse().unwrap(),
                api_version: "v1".to_owned(),
                as_applied: as_applied
                    .map(|(version, manifest)| (version.to_owned(), Arc::clone(manifest))),
            })
            .collect();
        [(ClusterName::new("a"), records)].into()
    }

    #[tokio::test]
    async fn objects_the_state_records_are_read_even_without_the_labels() {
        let a = FakeCluster::new("a");
        let imported = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y", "namespace": "default"}});
        a.apply(&imported, ApplyMode::Commit).await.unwrap();
        let clients: Clients = [(ClusterName::new("a"), Arc::new(Client::Fake(a)))].into();
        let kinds = config_maps_on_a();
        let labels = [("mcctl.io/workspace".to_owned(), "shop".to_owned())].into();
        let recorded = recorded_on_a(
            &["core/ConfigMap/default/y", "core/ConfigMap/default/gone"],
            None,
        );
        let observed = observe(&clients, &kinds, &labels, &recorded, 4, "mcctl").await;
        match &observed.clusters[&ClusterName::new("a")] {
            ObservedCluster::Listed { objects } => assert_eq!(
                objects.keys().map(ToString::to_string).collect::<Vec<_>>(),
                ["core/ConfigMap/default/y"]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn an_object_still_at_its_applied_version_is_taken_as_applied() {
        let a = FakeCluster::new("a");
        let labels: BTreeMap<String, String> =
            [("mcctl.io/workspace".to_owned(), "shop".to_owned())].into();
        for (name, version) in [("same", "5"), ("moved", "9")] {
            let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", "resourceVersion": version, "labels": labels}, "data": {"k": "live"}});
            a.apply(&live, ApplyMode::Commit).await.unwrap();
        }
        let clients: Clients = [(ClusterName::new("a"), Arc::new(Client::Fake(a)))].into();
        let kinds = config_maps_on_a();
        // Both were applied at version 5; only `same` is still there.
        let applied = Arc::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}, "data": {"k": "applied"}}),
        );
        let recorded = recorded_on_a(
            &[
                "core/ConfigMap/default/same",
                "core/ConfigMap/default/moved",
            ],
            Some(("5", &applied)),
        );
        let observed = observe(&clients, &kinds, &labels, &recorded, 4, "mcctl").await;
        let ObservedCluster::Listed { objects } = &observed.clusters[&ClusterName::new("a")] else {
            panic!("{observed:?}");
        };
        let same = &objects[&"core/ConfigMap/default/same".parse::<ObjectRef>().unwrap()];
        assert!(Arc::ptr_eq(same, &applied));
        let moved = &objects[&"core/ConfigMap/default/moved".parse::<ObjectRef>().unwrap()];
        assert_eq!(moved["data"]["k"], "live");
    }
}
