//! Karmada's `conflictResolution`, seen at plan time: a create onto an object of the same name
//! that this workspace does not own takes it over under `Overwrite` (said in the change's
//! reasons) and aborts under `Abort` (a warning now, the object's failure at apply).
//!
//! Refresh lists by the workspace's labels, so it cannot see such objects. A few creates of a
//! kind are read one by one; many (a first apply) are checked against one metadata-only LIST of
//! the kind, and only the names found taken by someone else are read in full. Clusters side by
//! side; a cluster that stops answering is not asked again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use super::{overwrites, ownership_labels};
use crate::addr::{ClusterName, ObjectRef};
use crate::cluster::{self, Client, ClusterClient as _, KindRef};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Model;
use crate::plan::{self, Action, Plan};
use crate::refresh::Clients;
use crate::scheduler::Placement;

/// The code of the plan's warning that a create meets an object someone else owns.
pub(super) const CONFLICT: &str = "mcctl::plan::conflict";

/// From this many creates of one kind on one cluster, the kind is listed (metadata only) rather
/// than each create read: a LIST page holds 500 names, a GET one.
const LIST_FROM: usize = 16;

/// Reads one cluster has in flight.
const READS_IN_FLIGHT: usize = 16;

/// One create to check: its index in the plan's changes and its identity.
type Create = (usize, ObjectRef);

/// Checks every create on a live cluster and records what it found in the plan: reasons for
/// takeovers, warnings for objects apply will refuse to take. Returns the clusters whose every
/// create was checked and found free (or already the workspace's), which apply need not check
/// again.
pub(super) async fn check(
    model: &Model,
    placement: &Placement,
    clients: &Clients,
    plan: &mut Plan,
    diagnostics: &mut Diagnostics,
) -> BTreeSet<ClusterName> {
    let owner = Arc::new(ownership_labels(&model.workspace));
    let mut per_cluster: BTreeMap<ClusterName, BTreeMap<KindRef, Vec<Create>>> = BTreeMap::new();
    for (index, change) in plan.changes.iter().enumerate() {
        if change.action == Action::Create
            && !change.implicit
            && plan.clusters.get(&change.cluster) == Some(&plan::ClusterMode::Live)
            && clients.contains_key(&change.cluster)
        {
            let kind = KindRef {
                api_version: change.api_version.clone(),
                kind: change.object.kind.clone(),
            };
            per_cluster
                .entry(change.cluster.clone())
                .or_default()
                .entry(kind)
                .or_default()
                .push((index, change.object.clone()));
        }
    }
    let mut set = tokio::task::JoinSet::new();
    for (cluster, creates) in per_cluster {
        let Some(client) = clients.get(&cluster).map(Arc::clone) else {
            continue;
        };
        let owner = Arc::clone(&owner);
        set.spawn(async move {
            let (found, complete) = read_cluster(&client, creates, &owner).await;
            (cluster, found, complete)
        });
    }
    let mut checked = BTreeSet::new();
    let mut existing: Vec<(usize, Value)> = Vec::new();
    while let Some(joined) = set.join_next().await {
        let Ok((cluster, found, complete)) = joined else {
            continue;
        };
        if complete
            && found
                .iter()
                .all(|(_, live)| cluster::has_labels(live, &owner))
        {
            checked.insert(cluster);
        }
        existing.extend(found);
    }
    existing.sort_by_key(|(index, _)| *index);
    for (index, live) in existing {
        let change = &mut plan.changes[index];
        if cluster::has_labels(&live, &owner) {
            continue;
        }
        let address = change.object.on(&change.cluster);
        if overwrites(model, placement, &change.object) {
            change
                .reasons
                .push("takes over the existing object (conflictResolution: Overwrite)".to_owned());
            change.before = Some(Arc::new(cluster::managed::project(
                &live,
                &model.settings.field_manager,
            )));
        } else {
            diagnostics.push(
                Diagnostic::warning(
                    CONFLICT,
                    format!("`{address}` already exists and is not managed by this workspace; apply will abort for it"),
                )
                .with_resource(change.object.clone())
                .with_cluster(change.cluster.to_string())
                .with_help(format!("adopt it with `mcctl import {address} --overwrite`, or set `conflictResolution: Overwrite` on its policy")),
            );
        }
    }
    checked
}

/// The objects already on one cluster under the names of its creates (by index), and whether
/// every create was checked.
async fn read_cluster(
    client: &Arc<Client>,
    creates: BTreeMap<KindRef, Vec<Create>>,
    owner: &BTreeMap<String, String>,
) -> (Vec<(usize, Value)>, bool) {
    let mut complete = true;
    let mut to_read: Vec<(usize, ObjectRef, String)> = Vec::new();
    for (kind, creates) in creates {
        if creates.len() < LIST_FROM {
            to_read.extend(
                creates
                    .into_iter()
                    .map(|(index, object)| (index, object, kind.api_version.clone())),
            );
            continue;
        }
        match client.list_metadata(&kind).await {
            Ok(listed) => {
                // Whose each taken name is: the workspace's, or someone else's.
                let taken: BTreeMap<(Option<&str>, &str), bool> = listed
                    .iter()
                    .filter_map(|item| {
                        let metadata = item.get("metadata")?;
                        let name = metadata.get("name")?.as_str()?;
                        let namespace = metadata.get("namespace").and_then(Value::as_str);
                        Some(((namespace, name), cluster::has_labels(item, owner)))
                    })
                    .collect();
                // A kind whose scope the workspace does not know (a CRD it does not declare)
                // gives its objects a namespace; the cluster says the kind has none.
                let cluster_scoped = taken.keys().all(|(namespace, _)| namespace.is_none());
                for (index, object) in creates {
                    let namespace = object.namespace.as_deref().filter(|_| !cluster_scoped);
                    let key = (namespace, object.name.as_str());
                    if taken.get(&key) == Some(&false) {
                        // Read in full: a takeover shows what it changes.
                        to_read.push((index, object, kind.api_version.clone()));
                    }
                }
            }
            Err(cluster::Error::Unreachable { .. }) => return (Vec::new(), false),
            // A server that refuses the list may still answer reads.
            Err(_) => to_read.extend(
                creates
                    .into_iter()
                    .map(|(index, object)| (index, object, kind.api_version.clone())),
            ),
        }
    }
    let mut found = Vec::new();
    let mut reads = tokio::task::JoinSet::new();
    let mut to_read = to_read.into_iter();
    loop {
        while reads.len() < READS_IN_FLIGHT {
            let Some((index, object, api_version)) = to_read.next() else {
                break;
            };
            let client = Arc::clone(client);
            reads.spawn(async move { (index, client.get(&object, &api_version).await) });
        }
        let Some(joined) = reads.join_next().await else {
            break;
        };
        match joined {
            Ok((index, Ok(Some(live)))) => found.push((index, live)),
            Ok((_, Ok(None))) => {}
            Ok((_, Err(cluster::Error::Unreachable { .. }))) => {
                reads.abort_all();
                return (found, false);
            }
            _ => complete = false,
        }
    }
    (found, complete)
}
