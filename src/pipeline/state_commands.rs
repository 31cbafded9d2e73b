//! `mcctl state list|show|rm|mv` and `mcctl import`: read the state, lock the shards an edit
//! touches, edit it with [`crate::state::commands`], write the touched shards back (each write
//! bumps that shard's serial and keeps the lineage).
//!
//! The state commands read only the workspace's settings, not the whole config, so that state
//! can be inspected and repaired while the config is broken (as `force-unlock` does). `import`
//! plans the workspace: it needs the template's rendered object on the cluster.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::addr::{self, ClusterName, InstanceAddr};
use crate::cluster::{ClusterClient, has_labels};
use crate::desired::secret::{changed_values, object_digest, redact_keyed};
use crate::desired::{MANAGED_BY_LABEL, MANAGED_BY_VALUE, WORKSPACE_LABEL};
use crate::pipeline::{Error, LockRequest, PlanOptions, PlanRun, ownership_labels, plan};
use crate::plan::{Action, Change};
use crate::state::commands::{self, Error as EditError};
use crate::state::local::LocalBackend;
use crate::state::{ObjectRecord, State, lock};

/// The state backend named by the settings, without building the rest of the config.
fn backend(root: &Path) -> LocalBackend {
    LocalBackend::new(super::state_dir(root))
}

/// What an edit wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Each touched shard's new serial (empty for a dry run).
    pub serials: Vec<(ClusterName, u64)>,
}

/// Locks `clusters`, reads the state under the locks and hands it to `edit`, then writes the
/// shards `edit` reports as touched, unless `dry_run`.
fn edit_locked<T>(
    backend: &LocalBackend,
    clusters: &BTreeSet<ClusterName>,
    lock: &LockRequest,
    dry_run: bool,
    edit: impl FnOnce(&mut State) -> Result<(T, BTreeSet<ClusterName>), Error>,
) -> Result<(T, Written), Error> {
    let clusters: Vec<ClusterName> = clusters.iter().cloned().collect();
    let _locks = lock::acquire(backend.dir(), &clusters, &lock.info, lock.timeout)?;
    // Read again under the locks: another run may have written since the caller looked.
    let mut state = backend.read()?;
    let (value, touched) = edit(&mut state)?;
    let mut serials = Vec::new();
    if !dry_run {
        backend.ensure_lineage(&mut state)?;
        for cluster in &touched {
            if let Some(shard) = state.shards.get_mut(cluster) {
                backend.write_shard(cluster, shard)?;
                serials.push((cluster.clone(), shard.serial));
            }
        }
    }
    Ok((value, Written { serials }))
}

/// `mcctl state rm ADDR…`: forgets objects without touching the clusters.
pub fn state_rm(
    root: &Path,
    queries: &[String],
    lock: &LockRequest,
    dry_run: bool,
) -> Result<(Vec<InstanceAddr>, Written), Error> {
    let backend = backend(root);
    let before = backend.read()?;
    let mut clusters = BTreeSet::new();
    for query in queries {
        clusters.insert(commands::resolve(&before, query)?.cluster);
    }
    edit_locked(&backend, &clusters, lock, dry_run, |state| {
        let mut addresses = Vec::new();
        for query in queries {
            let address = commands::resolve(state, query)?;
            if !addresses.contains(&address) {
                addresses.push(address);
            }
        }
        let touched = commands::remove(state, &addresses);
        Ok((addresses, touched))
    })
}

/// `mcctl state mv FROM TO`: moves a record; across clusters it moves between shards, under
/// both shards' locks.
///
/// The target cluster must be one the workspace declares (its declarations are read with
/// `variables`): a record moved to a cluster nobody declares would be orphaned by the next plan.
/// `force` skips that check, e.g. to move a record before the config catches up.
pub fn state_mv(
    root: &Path,
    from: &str,
    to: &str,
    lock: &LockRequest,
    dry_run: bool,
    variables: Option<&crate::config::variables::VariableInputs>,
) -> Result<((InstanceAddr, InstanceAddr), Written), Error> {
    let backend = backend(root);
    let before = backend.read()?;
    let from_address = commands::resolve(&before, from)?;
    let to_address = commands::parse_full(to)?;
    if let Some(variables) = variables {
        // Clusters are read even if other parts of the config have errors.
        let mut diagnostics = crate::diag::Diagnostics::new();
        let config = crate::config::load(root, variables, &mut diagnostics);
        let model = crate::model::build(&config, &mut diagnostics);
        if !model
            .clusters
            .iter()
            .any(|cluster| cluster.name == to_address.cluster)
        {
            return Err(EditError::UndeclaredCluster {
                from: from_address.to_string(),
                to: to_address.to_string(),
                cluster: to_address.cluster.to_string(),
                declared: model
                    .clusters
                    .iter()
                    .map(|cluster| cluster.name.to_string())
                    .collect(),
            }
            .into());
        }
    }
    let clusters = BTreeSet::from([from_address.cluster.clone(), to_address.cluster.clone()]);
    edit_locked(&backend, &clusters, lock, dry_run, |state| {
        let from_address = commands::resolve(state, from)?;
        let lineage = state
            .lineage
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        state.lineage = Some(lineage.clone());
        let workspace = state
            .shards
            .get(&from_address.cluster)
            .map(|shard| shard.workspace.clone())
            .unwrap_or_default();
        let touched =
            commands::move_record(state, &lineage, &workspace, &from_address, &to_address)?;
        Ok(((from_address, to_address.clone()), touched))
    })
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// How to plan the workspace (locks every shard, like `apply`).
    pub plan: PlanOptions,
    /// Take over an object mcctl did not make, as `conflictResolution: Overwrite` would.
    pub overwrite: bool,
    /// Show what would be recorded and write nothing.
    pub dry_run: bool,
}

/// What `import` did.
#[derive(Debug)]
pub struct Imported {
    /// The object imported.
    pub address: InstanceAddr,
    /// The live object against the desired one: what the next apply changes.
    pub change: Change,
    /// Whether the live object carried this workspace's ownership labels already.
    pub managed: bool,
    /// The plan run, for its warnings.
    pub run: PlanRun,
    /// The shard's new serial (none for a dry run).
    pub serial: Option<u64>,
}

/// Why `import` refuses.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The address has no `@cluster`.
    #[error("`{query}` names no cluster; write it as `<object>@<cluster>`, e.g. `{example}`")]
    NoCluster {
        /// What the user wrote.
        query: String,
        /// The address with a cluster.
        example: String,
    },
    /// No such template.
    #[error("{0}")]
    NoTemplate(String),
    /// The cluster is not declared.
    #[error("no cluster `{cluster}` in the workspace{}", if known.is_empty() { String::new() } else { format!("; the clusters are: {}", known.join(", ")) })]
    UnknownCluster {
        /// The cluster asked for.
        cluster: ClusterName,
        /// The declared clusters.
        known: Vec<String>,
    },
    /// The template is not placed on that cluster.
    #[error("`{object}` is not placed on cluster `{cluster}`{}", if placed.is_empty() { "; it is placed nowhere".to_owned() } else { format!("; it is placed on: {}", placed.join(", ")) })]
    NotPlaced {
        /// The template.
        object: String,
        /// The cluster asked for.
        cluster: ClusterName,
        /// Where it is placed.
        placed: Vec<String>,
    },
    /// The cluster cannot be read.
    #[error("cluster `{cluster}` is offline or unreachable: there is no live object to read")]
    NoClient {
        /// The cluster.
        cluster: ClusterName,
    },
    /// Nothing of that name on the cluster.
    #[error("`{address}` does not exist on the cluster; `mcctl apply` creates it")]
    Absent {
        /// The address.
        address: InstanceAddr,
    },
    /// Already in the state.
    #[error("`{address}` is already in the state")]
    AlreadyManaged {
        /// The address.
        address: InstanceAddr,
    },
    /// The object belongs to someone else and the conflict resolution is `Abort`.
    #[error(
        "`{address}` exists on the cluster but is not managed by {owner}; the conflict resolution is `Abort`"
    )]
    Conflict {
        /// The address.
        address: InstanceAddr,
        /// Who the live labels say owns it.
        owner: String,
    },
    /// Reading the live object failed.
    #[error(transparent)]
    Cluster(#[from] crate::cluster::Error),
}

/// `mcctl import ADDR`: records a live object as applied, without changing the cluster.
pub async fn import(root: &Path, query: &str, options: &ImportOptions) -> Result<Imported, Error> {
    let Some((object_query, cluster)) = query.rsplit_once('@') else {
        return Err(ImportError::NoCluster {
            query: query.to_owned(),
            example: format!("{query}@<cluster>"),
        }
        .into());
    };
    let cluster = ClusterName::new(cluster);
    let run = plan(root, &options.plan).await?;
    if !run.model.clusters.iter().any(|known| known.name == cluster) {
        return Err(ImportError::UnknownCluster {
            cluster,
            known: run
                .model
                .clusters
                .iter()
                .map(|known| known.name.to_string())
                .collect(),
        }
        .into());
    }
    // Any object the workspace renders may be imported: templates, and the namespaces and
    // dependencies placed along with them.
    let mut known: BTreeSet<&addr::ObjectRef> = run
        .model
        .templates
        .iter()
        .map(|template| &template.object)
        .collect();
    known.extend(
        run.desired
            .clusters
            .values()
            .flat_map(|objects| objects.objects.keys()),
    );
    let object = addr::resolve(object_query, known).map_err(ImportError::NoTemplate)?;
    let address = object.on(&cluster);
    let Some(desired) = run
        .desired
        .clusters
        .get(&cluster)
        .and_then(|objects| objects.objects.get(&object))
    else {
        let placed = run
            .desired
            .clusters
            .iter()
            .filter(|(_, objects)| objects.objects.contains_key(&object))
            .map(|(cluster, _)| cluster.to_string())
            .collect();
        return Err(ImportError::NotPlaced {
            object: object.to_string(),
            cluster,
            placed,
        }
        .into());
    };
    if run.state.object(&cluster, &object).is_some() {
        return Err(ImportError::AlreadyManaged { address }.into());
    }
    let Some(client) = run.clients.get(&cluster) else {
        return Err(ImportError::NoClient { cluster }.into());
    };
    let live = client
        .get(&object, &desired.api_version)
        .await
        .map_err(ImportError::from)?
        .ok_or_else(|| ImportError::Absent {
            address: address.clone(),
        })?;
    let managed = has_labels(&live, &ownership_labels(&run.model.workspace));
    if !managed && !options.overwrite && !super::overwrites(&run.model, &run.placement, &object) {
        return Err(ImportError::Conflict {
            address,
            owner: owner_of(&live, &run.model.workspace),
        }
        .into());
    }
    // What refresh will see of it: the fields this workspace's field manager owns (on a live
    // cluster; a directory's object is kept whole).
    let seen = crate::cluster::managed::project(&live, &run.model.settings.field_manager);
    let metadata = live.get("metadata");
    let text = |field: &str| {
        metadata
            .and_then(|metadata| metadata.get(field))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let record = ObjectRecord {
        api_version: desired.api_version.clone(),
        // The digest of what is live: the next plan compares it with the desired object and
        // shows the update, and a later change on the cluster shows as drift.
        digest: object_digest(&object, &seen, &run.secret_key),
        live_digest: None,
        wave: desired.wave,
        implicit: desired.implicit,
        prune: desired.prune,
        uid: text("uid"),
        resource_version: text("resourceVersion"),
        generation: metadata
            .and_then(|metadata| metadata.get("generation"))
            .and_then(Value::as_i64),
        manifest: run
            .model
            .settings
            .state_manifests
            .then(|| Arc::new(redact_keyed(&object, &seen, &run.secret_key))),
    };
    let placement = run
        .plan
        .placements
        .get(&cluster)
        .and_then(|placements| placements.get(&object))
        .cloned();
    let sensitive_changes = changed_values(
        &object,
        Some(&live),
        Some(&desired.manifest),
        &run.secret_key,
    );
    let change = Change {
        cluster: cluster.clone(),
        object: object.clone(),
        api_version: desired.api_version.clone(),
        action: if live == *desired.manifest {
            Action::NoOp
        } else {
            Action::Update
        },
        drift: false,
        reasons: vec![if managed {
            "imported; the next apply brings it to the configuration".to_owned()
        } else {
            "imported; the next apply labels it as this workspace's and brings it to the configuration".to_owned()
        }],
        before: Some(Arc::new(live)),
        after: Some(Arc::clone(&desired.manifest)),
        wave: desired.wave,
        implicit: desired.implicit,
        prune: desired.prune,
        overrides: Arc::clone(&desired.overrides),
        ignored: desired.ignored.clone(),
        sensitive_changes,
    };
    let mut run = run;
    // The plan warned that apply would abort on this object; the import answers that.
    let diagnostics = std::mem::take(&mut run.diagnostics);
    run.diagnostics
        .extend(diagnostics.into_iter().filter(|diagnostic| {
            !(diagnostic.code == super::conflicts::CONFLICT
                && diagnostic.resource.as_ref() == Some(&object)
                && diagnostic.cluster.as_deref() == Some(cluster.as_str()))
        }));
    let serial = if options.dry_run {
        None
    } else {
        let lineage = run.backend.ensure_lineage(&mut run.state)?;
        let workspace = run.model.workspace.clone();
        commands::adopt(
            &mut run.state,
            &lineage,
            &workspace,
            &address,
            record,
            placement,
        );
        let shard = run
            .state
            .shards
            .get_mut(&cluster)
            .ok_or_else(|| EditError::Unknown {
                query: address.to_string(),
                suggestion: None,
            })?;
        shard.workspace.clone_from(&workspace);
        run.backend.write_shard(&cluster, shard)?;
        Some(shard.serial)
    };
    Ok(Imported {
        address,
        change,
        managed,
        run,
        serial,
    })
}

/// Who a live object's labels say manages it, for the conflict message.
fn owner_of(live: &Value, workspace: &str) -> String {
    let label = |key: &str| {
        live.pointer("/metadata/labels")
            .and_then(|labels| labels.get(key))
            .and_then(Value::as_str)
    };
    match (label(MANAGED_BY_LABEL), label(WORKSPACE_LABEL)) {
        (Some(MANAGED_BY_VALUE), Some(other)) if other != workspace => {
            format!("workspace `{workspace}` (it belongs to mcctl workspace `{other}`)")
        }
        (Some(manager), _) if manager != MANAGED_BY_VALUE => {
            format!("workspace `{workspace}` (its `{MANAGED_BY_LABEL}` is `{manager}`)")
        }
        _ => format!("workspace `{workspace}`"),
    }
}

impl From<ImportError> for Error {
    fn from(error: ImportError) -> Self {
        Self::Import(Box::new(error))
    }
}

impl From<EditError> for Error {
    fn from(error: EditError) -> Self {
        Self::StateEdit(error)
    }
}
