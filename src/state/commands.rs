//! The edits behind `mcctl state list|show|rm|mv` and `mcctl import`, on a [`State`] in memory.
//!
//! Everything here is pure: the pipeline reads the state under the shards' locks, calls these,
//! and writes back only the shards they report as touched (each write bumps that shard's
//! serial). Addresses are [`InstanceAddr`]s; a user may also give a shorter form that names
//! exactly one applied object, as `explain` accepts for templates.

use std::collections::BTreeSet;

use crate::addr::{ClusterName, InstanceAddr, ObjectRef};
use crate::state::{ObjectRecord, PlacementRecord, Shard, State};

/// Why a state command refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Nothing in the state matches the address.
    #[error("no object `{query}` in the state{}", suggestion.as_ref().map(|closest| format!("; did you mean `{closest}`?")).unwrap_or_default())]
    Unknown {
        /// What the user wrote.
        query: String,
        /// The closest address in the state, if any.
        suggestion: Option<String>,
    },
    /// More than one object matches a short address.
    #[error("`{query}` matches {} objects in the state: {}; give the full address", candidates.len(), candidates.iter().map(|candidate| format!("`{candidate}`")).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// What the user wrote.
        query: String,
        /// Every match.
        candidates: Vec<String>,
    },
    /// The address cannot be read.
    #[error("`{query}` is not an object address on a cluster: {message}")]
    Invalid {
        /// What the user wrote.
        query: String,
        /// Why.
        message: String,
    },
    /// `state mv` onto an address the state already holds.
    #[error("`{to}` is already in the state; remove it first with `mcctl state rm {to}`")]
    Exists {
        /// The target.
        to: String,
    },
    /// `state mv` between objects of different kinds.
    #[error(
        "cannot move `{from}` to `{to}`: the kinds differ (`{from_kind}` and `{to_kind}`), and an object never changes kind"
    )]
    KindChanged {
        /// The source.
        from: String,
        /// The target.
        to: String,
        /// `group/Kind` of the source.
        from_kind: String,
        /// `group/Kind` of the target.
        to_kind: String,
    },
    /// `state mv` between a namespaced and a cluster-scoped address.
    #[error("cannot move `{from}` to `{to}`: one is namespaced and the other is not")]
    ScopeChanged {
        /// The source.
        from: String,
        /// The target.
        to: String,
    },
    /// `state mv` onto a cluster the workspace does not declare.
    #[error(
        "cannot move `{from}` to `{to}`: the workspace declares no cluster `{cluster}` (it declares {})",
        declared.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
    )]
    UndeclaredCluster {
        /// The source.
        from: String,
        /// The target.
        to: String,
        /// The target's cluster.
        cluster: String,
        /// The clusters the workspace declares.
        declared: Vec<String>,
    },
    /// `state mv` onto itself.
    #[error("`{from}` and `{to}` are the same address")]
    SameAddress {
        /// The source.
        from: String,
        /// The target.
        to: String,
    },
}

/// Every applied object, sorted by cluster, then address.
#[must_use]
pub fn addresses(state: &State) -> Vec<InstanceAddr> {
    let mut addresses: Vec<InstanceAddr> = state
        .shards
        .iter()
        .flat_map(|(cluster, shard)| shard.objects.keys().map(|object| object.on(cluster)))
        .collect();
    // Sorted by the string form, as `state list` prints them and a user reads them.
    addresses.sort_by_cached_key(ToString::to_string);
    addresses
}

/// Whether `address` matches a `state list` filter: `@cluster`, an address prefix
/// (`apps/Deployment/`, `apps/Deployment/default/web@eu-1`), or a short name as
/// [`matches_short`] reads it (`web`, `Deployment/web`, `web@eu-1`).
#[must_use]
pub fn matches_filter(address: &InstanceAddr, filter: &str) -> bool {
    if let Some(cluster) = filter.strip_prefix('@') {
        return address.cluster.as_str() == cluster;
    }
    address.to_string().starts_with(filter) || matches_short(address, filter)
}

/// Whether a short address names `address`: `name`, `Kind/name` or `Kind/namespace/name`
/// (kinds compare case-insensitively), each optionally followed by `@cluster`.
#[must_use]
pub fn matches_short(address: &InstanceAddr, query: &str) -> bool {
    let (object_part, cluster) = match query.rsplit_once('@') {
        Some((object, cluster)) => (object, Some(cluster)),
        None => (query, None),
    };
    if cluster.is_some_and(|cluster| cluster != address.cluster.as_str()) {
        return false;
    }
    crate::addr::matches_short(&address.object, object_part)
}

/// The applied object a user means: a full address (`apps/Deployment/default/web@eu-1`), or a
/// short one that names exactly one object of the state.
///
/// # Errors
/// [`Error::Unknown`] with the closest address, or [`Error::Ambiguous`] naming the matches.
pub fn resolve(state: &State, query: &str) -> Result<InstanceAddr, Error> {
    let known = addresses(state);
    if let Ok(exact) = query.parse::<InstanceAddr>()
        && known.contains(&exact)
    {
        return Ok(exact);
    }
    let found: Vec<&InstanceAddr> = known
        .iter()
        .filter(|address| matches_short(address, query))
        .collect();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::Unknown {
            query: query.to_owned(),
            suggestion: closest(&known, query),
        }),
        many => Err(Error::Ambiguous {
            query: query.to_owned(),
            candidates: many.iter().map(ToString::to_string).collect(),
        }),
    }
}

fn closest(known: &[InstanceAddr], query: &str) -> Option<String> {
    known
        .iter()
        .map(ToString::to_string)
        .map(|address| (strsim::levenshtein(&address, query), address))
        // Beyond half the query's length the "closest" address is a guess, not a typo.
        .filter(|(distance, _)| *distance <= query.len().max(8) / 2 + 4)
        .min()
        .map(|(_, address)| address)
}

/// Reads a full target address for `state mv` or `import` (short forms would be ambiguous:
/// the target is usually not in the state yet).
///
/// # Errors
/// [`Error::Invalid`] saying what form is expected.
pub fn parse_full(query: &str) -> Result<InstanceAddr, Error> {
    query
        .parse()
        .map_err(|error: crate::addr::ParseAddrError| Error::Invalid {
            query: query.to_owned(),
            message: error.to_string(),
        })
}

/// Forgets objects: drops their records. The placement records of their templates stay: they
/// are the scheduler's memory, not the object's, and dropping one would let a Divided workload
/// be divided afresh on the next plan. The next apply writes them anew from its placement.
/// Returns the shards touched.
#[must_use]
pub fn remove(state: &mut State, addresses: &[InstanceAddr]) -> BTreeSet<ClusterName> {
    let mut touched = BTreeSet::new();
    for address in addresses {
        if let Some(shard) = state.shards.get_mut(&address.cluster)
            && shard.objects.remove(&address.object).is_some()
        {
            touched.insert(address.cluster.clone());
        }
    }
    touched
}

/// Moves a record (and its template's placement record) to a new address: a renamed template,
/// another namespace, another cluster. The shard of a new cluster is created in the state's
/// lineage. Returns the shards touched (one or two).
///
/// # Errors
/// When `to` is taken, is the same address, or names another kind or scope.
pub fn move_record(
    state: &mut State,
    lineage: &str,
    workspace: &str,
    from: &InstanceAddr,
    to: &InstanceAddr,
) -> Result<BTreeSet<ClusterName>, Error> {
    if from == to {
        return Err(Error::SameAddress {
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    check_same_kind(from, to)?;
    if state.object(&to.cluster, &to.object).is_some() {
        return Err(Error::Exists { to: to.to_string() });
    }
    let Some(source) = state.shards.get_mut(&from.cluster) else {
        return Err(Error::Unknown {
            query: from.to_string(),
            suggestion: None,
        });
    };
    let Some(mut record) = source.objects.remove(&from.object) else {
        return Err(Error::Unknown {
            query: from.to_string(),
            suggestion: None,
        });
    };
    let placement = source.placements.remove(&from.object);
    rename_manifest(&mut record, &to.object);
    // The version was the old object's on the old cluster: another cluster's counter may reach
    // the same value for another object, and refresh trusts an unchanged version.
    record.resource_version = None;
    let target = state
        .shards
        .entry(to.cluster.clone())
        .or_insert_with(|| Shard::new(lineage, workspace));
    target.objects.insert(to.object.clone(), record);
    if let Some(placement) = placement {
        target.placements.insert(to.object.clone(), placement);
    }
    Ok(BTreeSet::from([from.cluster.clone(), to.cluster.clone()]))
}

fn check_same_kind(from: &InstanceAddr, to: &InstanceAddr) -> Result<(), Error> {
    let kind = |object: &ObjectRef| format!("{}/{}", object.group_or_core(), object.kind);
    if kind(&from.object) != kind(&to.object) {
        return Err(Error::KindChanged {
            from: from.to_string(),
            to: to.to_string(),
            from_kind: kind(&from.object),
            to_kind: kind(&to.object),
        });
    }
    if from.object.namespace.is_some() != to.object.namespace.is_some() {
        return Err(Error::ScopeChanged {
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    Ok(())
}

/// The state's copy of the manifest names the object it was applied as; after a move it names
/// the new address, so `state show` and the next plan's diff read consistently. The digest
/// follows when it was the digest of that copy (the copy is kept, and Secrets' copies hold
/// keyed digests over which their digest is taken), so an object moved to where it really is
/// plans as unchanged; without a copy the digest stays and the next plan shows an update.
fn rename_manifest(record: &mut ObjectRecord, to: &ObjectRef) {
    let Some(manifest) = record.manifest.as_mut() else {
        return;
    };
    let consistent = crate::desired::digest(manifest) == record.digest;
    let Some(metadata) = std::sync::Arc::make_mut(manifest)
        .get_mut("metadata")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    metadata.insert("name".to_owned(), to.name.clone().into());
    match &to.namespace {
        Some(namespace) => {
            metadata.insert("namespace".to_owned(), namespace.clone().into());
        }
        None => {
            metadata.remove("namespace");
        }
    }
    if consistent {
        record.digest = crate::desired::digest(manifest);
    }
}

/// Records an adopted live object as applied, with its placement record: `mcctl import`.
/// Returns whether a record was replaced.
pub fn adopt(
    state: &mut State,
    lineage: &str,
    workspace: &str,
    address: &InstanceAddr,
    record: ObjectRecord,
    placement: Option<PlacementRecord>,
) -> bool {
    let shard = state
        .shards
        .entry(address.cluster.clone())
        .or_insert_with(|| Shard::new(lineage, workspace));
    if let Some(placement) = placement {
        shard.placements.insert(address.object.clone(), placement);
    }
    shard
        .objects
        .insert(address.object.clone(), record)
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(manifest: serde_json::Value) -> ObjectRecord {
        ObjectRecord {
            api_version: "apps/v1".into(),
            digest: "d".into(),
            live_digest: None,
            wave: 1,
            implicit: false,
            prune: false,
            uid: None,
            resource_version: None,
            generation: None,
            manifest: Some(std::sync::Arc::new(manifest)),
        }
    }

    fn state() -> State {
        let mut state = State {
            lineage: Some("l".into()),
            ..State::default()
        };
        for cluster in ["eu-1", "us-1"] {
            let mut shard = Shard::new("l", "shop");
            for address in ["apps/Deployment/default/web", "core/ConfigMap/default/web"] {
                let object: ObjectRef = address.parse().unwrap();
                shard.objects.insert(
                    object.clone(),
                    record(
                        serde_json::json!({"metadata": {"name": "web", "namespace": "default"}}),
                    ),
                );
                shard.placements.insert(object, PlacementRecord::default());
            }
            state.shards.insert(ClusterName::new(cluster), shard);
        }
        state
    }

    fn addr(text: &str) -> InstanceAddr {
        text.parse().unwrap()
    }

    #[test]
    fn short_addresses_resolve_when_they_name_one_object() {
        let state = state();
        assert_eq!(
            resolve(&state, "Deployment/web@eu-1").unwrap(),
            addr("apps/Deployment/default/web@eu-1")
        );
        assert!(matches!(
            resolve(&state, "web@eu-1"),
            Err(Error::Ambiguous { candidates, .. }) if candidates.len() == 2
        ));
        assert_eq!(
            resolve(&state, "apps/Deployment/default/wbe@eu-1"),
            Err(Error::Unknown {
                query: "apps/Deployment/default/wbe@eu-1".into(),
                suggestion: Some("apps/Deployment/default/web@eu-1".into()),
            })
        );
    }

    #[test]
    fn filters_take_clusters_prefixes_and_short_names() {
        let state = state();
        let count = |filter: &str| {
            addresses(&state)
                .iter()
                .filter(|address| matches_filter(address, filter))
                .count()
        };
        assert_eq!(count("@eu-1"), 2);
        assert_eq!(count("apps/"), 2);
        assert_eq!(count("ConfigMap/web"), 2);
        assert_eq!(count("nothing"), 0);
    }

    #[test]
    fn moves_cross_shards_and_rename_the_manifest() {
        let mut state = state();
        let from = addr("apps/Deployment/default/web@eu-1");
        let to = addr("apps/Deployment/shop/frontend@eu-2");
        let touched = move_record(&mut state, "l", "shop", &from, &to).unwrap();
        assert_eq!(touched.len(), 2);
        assert!(state.object(&from.cluster, &from.object).is_none());
        let moved = state.object(&to.cluster, &to.object).unwrap();
        assert_eq!(
            moved.manifest.as_ref().unwrap()["metadata"],
            serde_json::json!({"name": "frontend", "namespace": "shop"})
        );
        assert!(
            state.shards[&to.cluster]
                .placements
                .contains_key(&to.object)
        );
        assert_eq!(state.shards[&to.cluster].lineage, "l");
    }

    #[test]
    fn moves_that_make_no_sense_are_refused() {
        let mut state = state();
        let from = addr("apps/Deployment/default/web@eu-1");
        assert!(matches!(
            move_record(
                &mut state,
                "l",
                "shop",
                &from,
                &addr("apps/Deployment/default/web@us-1")
            ),
            Err(Error::Exists { .. })
        ));
        assert!(matches!(
            move_record(
                &mut state,
                "l",
                "shop",
                &from,
                &addr("apps/StatefulSet/default/web@eu-1")
            ),
            Err(Error::KindChanged { .. })
        ));
        assert!(matches!(
            move_record(
                &mut state,
                "l",
                "shop",
                &from,
                &addr("apps/Deployment/_/web@eu-1")
            ),
            Err(Error::ScopeChanged { .. })
        ));
        assert!(matches!(
            move_record(&mut state, "l", "shop", &from, &from),
            Err(Error::SameAddress { .. })
        ));
        assert_eq!(state, self::state());
    }

    #[test]
    fn remove_reports_the_touched_shards() {
        let mut state = state();
        let touched = remove(
            &mut state,
            &[
                addr("apps/Deployment/default/web@eu-1"),
                addr("apps/Deployment/default/nope@us-1"),
            ],
        );
        assert_eq!(touched, BTreeSet::from([ClusterName::new("eu-1")]));
        assert_eq!(addresses(&state).len(), 3);
        assert_eq!(state.shards[&ClusterName::new("eu-1")].placements.len(), 2);
    }
}
