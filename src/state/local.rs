//! The local state backend: `mcctl.state/` in the workspace.
//!
//! Every write goes to a temporary file in the same folder, is fsynced, renamed over the target,
//! and the folder is fsynced, so a crash leaves either the old or the new file, never half of one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::addr::ClusterName;
use crate::state::{Error, STATE_VERSION, Shard, State, WorkspaceFile};

/// The state folder of a workspace.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    dir: PathBuf,
}

impl LocalBackend {
    /// A backend rooted at `dir` (e.g. `<workspace>/mcctl.state`).
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The state folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn workspace_path(&self) -> PathBuf {
        self.dir.join("workspace.json")
    }

    fn clusters_dir(&self) -> PathBuf {
        self.dir.join("clusters")
    }

    /// The path of a cluster's shard.
    #[must_use]
    pub fn shard_path(&self, cluster: &ClusterName) -> PathBuf {
        self.clusters_dir().join(format!("{cluster}.json"))
    }

    /// The clusters the state has a shard for, without reading them; a missing folder has none.
    pub fn clusters(&self) -> Result<BTreeSet<ClusterName>, Error> {
        let clusters_dir = self.clusters_dir();
        match fs::read_dir(&clusters_dir) {
            Ok(entries) => {
                let mut clusters = BTreeSet::new();
                for entry in entries {
                    let entry = entry.map_err(|source| Error::ReadStateFile {
                        path: clusters_dir.clone(),
                        source,
                    })?;
                    if let Some(name) = shard_name(&entry.path()) {
                        clusters.insert(ClusterName::new(name));
                    }
                }
                Ok(clusters)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
            Err(source) => Err(Error::ReadStateFile {
                path: clusters_dir,
                source,
            }),
        }
    }

    /// Reads the whole state; a missing folder is an empty state.
    pub fn read(&self) -> Result<State, Error> {
        let workspace_path = self.workspace_path();
        let workspace: Option<WorkspaceFile> = read_json(&workspace_path)?;
        if let Some(workspace) = &workspace {
            check_version(&workspace_path, workspace.version)?;
        }
        let clusters_dir = self.clusters_dir();
        let entries =
            match fs::read_dir(&clusters_dir) {
                Ok(entries) => entries.collect::<Result<Vec<_>, _>>().map_err(|source| {
                    Error::ReadStateFile {
                        path: clusters_dir.clone(),
                        source,
                    }
                })?,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(source) => {
                    return Err(Error::ReadStateFile {
                        path: clusters_dir,
                        source,
                    });
                }
            };
        // Shards are independent files: parsed side by side (a large fleet's state is tens of
        // megabytes of JSON).
        let read: Vec<Option<(ClusterName, Shard)>> = entries
            .par_iter()
            .map(|entry| {
                let path = entry.path();
                let Some(name) = shard_name(&path) else {
                    return Ok(None);
                };
                let Some(shard) = read_json::<Shard>(&path)? else {
                    return Ok(None);
                };
                check_version(&path, shard.version)?;
                if let Some(workspace) = &workspace
                    && shard.lineage != workspace.lineage
                {
                    return Err(Error::LineageMismatch {
                        path,
                        expected: workspace.lineage.clone(),
                        found: shard.lineage,
                    });
                }
                Ok(Some((ClusterName::new(name), shard)))
            })
            .collect::<Result<_, Error>>()?;
        let shards: BTreeMap<ClusterName, Shard> = read.into_iter().flatten().collect();
        let lineage = if let Some(workspace) = workspace {
            Some(workspace.lineage)
        } else {
            // `workspace.json` was lost (not committed, a bad merge): the shards still agree on
            // their lineage, so adopt it; `ensure_lineage` writes the file again.
            let mut lineages = shards
                .iter()
                .map(|(cluster, shard)| (cluster, &shard.lineage));
            match lineages.next() {
                None => None,
                Some((first_cluster, first)) => {
                    if let Some((cluster, other)) = lineages.find(|(_, lineage)| *lineage != first)
                    {
                        return Err(Error::LineageMismatch {
                            path: self.shard_path(cluster),
                            expected: format!(
                                "{first} (as in `{}`)",
                                self.shard_path(first_cluster).display()
                            ),
                            found: other.clone(),
                        });
                    }
                    Some(first.clone())
                }
            }
        };
        Ok(State { lineage, shards })
    }

    /// Writes `workspace.json` if it does not exist yet and returns the lineage.
    ///
    /// Two runs on disjoint clusters (`--clusters`) may both start from an empty state: the
    /// file is created only if absent (no overwrite), and the run that loses the race adopts the
    /// winner's lineage, so their shards agree.
    pub fn ensure_lineage(&self, state: &mut State) -> Result<String, Error> {
        let path = self.workspace_path();
        if let Some(existing) = read_json::<WorkspaceFile>(&path)? {
            check_version(&path, existing.version)?;
            if let Some(lineage) = &state.lineage
                && *lineage != existing.lineage
            {
                return Err(Error::LineageMismatch {
                    path,
                    expected: lineage.clone(),
                    found: existing.lineage,
                });
            }
            state.lineage = Some(existing.lineage.clone());
            return Ok(existing.lineage);
        }
        let lineage = state
            .lineage
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let file = WorkspaceFile {
            version: STATE_VERSION,
            lineage: lineage.clone(),
        };
        if !write_json_new(&path, &file)? {
            // Another run created it between the read above and now.
            return self.ensure_lineage(state);
        }
        state.lineage = Some(lineage.clone());
        Ok(lineage)
    }

    /// Writes one shard atomically, bumping its serial.
    pub fn write_shard(&self, cluster: &ClusterName, shard: &mut Shard) -> Result<(), Error> {
        shard.serial += 1;
        shard.version = STATE_VERSION;
        // Canonical as it is (`state::serialize`): no detour through a `Value`.
        let mut text = serde_json::to_vec_pretty(shard).unwrap_or_default();
        text.push(b'\n');
        write_atomically(&self.shard_path(cluster), &text, Existing::Replace).map(|_| ())
    }

    /// Removes a cluster's shard (the cluster holds nothing of mcctl's anymore).
    pub fn remove_shard(&self, cluster: &ClusterName) -> Result<(), Error> {
        let path = self.shard_path(cluster);
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.clusters_dir())
                .map_err(|source| Error::WriteStateFile { path, source }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::WriteStateFile { path, source }),
        }
    }
}

/// The cluster a shard file is named after (`clusters/<name>.json`).
fn shard_name(path: &Path) -> Option<&str> {
    path.file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_suffix(".json"))
}

fn check_version(path: &Path, version: u32) -> Result<(), Error> {
    if version > STATE_VERSION {
        return Err(Error::VersionTooNew {
            path: path.to_path_buf(),
            version,
        });
    }
    Ok(())
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, Error> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::ReadStateFile {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| Error::ParseStateFile {
            path: path.to_path_buf(),
            source,
        })
}

/// Pretty JSON with sorted keys and a final newline, so diffs of the state read well in git.
#[must_use]
pub fn to_canonical_json<T: Serialize>(value: &T) -> String {
    // Going through `Value` sorts every object's keys.
    let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// How [`write_atomically`] treats an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// Replace it.
    Replace,
    /// Keep it and write nothing.
    Keep,
}

/// Writes a file atomically: temp file in the same folder, fsync, rename, fsync the folder.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    write_atomically(path, to_canonical_json(value).as_bytes(), Existing::Replace).map(|_| ())
}

/// Like [`write_json`], but only if `path` does not exist; `false` when it already did.
fn write_json_new<T: Serialize>(path: &Path, value: &T) -> Result<bool, Error> {
    write_atomically(path, to_canonical_json(value).as_bytes(), Existing::Keep)
}

/// Writes `text` to `path` through a temp file in the same folder; `false` when `existing`
/// said to keep a file that was there.
fn write_atomically(path: &Path, text: &[u8], existing: Existing) -> Result<bool, Error> {
    let error = |source| Error::WriteStateFile {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(error)?;
    let mut file = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(error)?;
    file.write_all(text).map_err(error)?;
    file.as_file().sync_all().map_err(error)?;
    let persisted = match existing {
        Existing::Replace => file.persist(path),
        // No overwrite: the rename fails if another process created the file meanwhile.
        Existing::Keep => file.persist_noclobber(path),
    };
    match persisted {
        Ok(_) => {}
        Err(persist)
            if existing == Existing::Keep
                && persist.error.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            return Ok(false);
        }
        Err(persist) => return Err(error(persist.error)),
    }
    sync_dir(dir).map_err(error)?;
    Ok(true)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // Makes the rename durable. Opening a directory for reading works on Unix.
    match fs::File::open(dir) {
        Ok(handle) => handle.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_is_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("mcctl.state"));
        assert_eq!(backend.read().unwrap(), State::default());
    }

    #[test]
    fn shards_round_trip_and_serials_increase() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().join("mcctl.state"));
        let mut state = backend.read().unwrap();
        let lineage = backend.ensure_lineage(&mut state).unwrap();
        let cluster = ClusterName::new("eu-1");
        let mut shard = Shard::new(&lineage, "shop");
        backend.write_shard(&cluster, &mut shard).unwrap();
        backend.write_shard(&cluster, &mut shard).unwrap();
        let read = backend.read().unwrap();
        assert_eq!(read.lineage.as_deref(), Some(lineage.as_str()));
        assert_eq!(read.shards[&cluster].serial, 2);
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("mcctl.state/clusters"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["eu-1.json"]);
    }

    #[test]
    fn state_files_are_sorted_pretty_json() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().to_path_buf());
        let mut shard = Shard::new("l", "shop");
        backend
            .write_shard(&ClusterName::new("a"), &mut shard)
            .unwrap();
        let text = fs::read_to_string(backend.shard_path(&ClusterName::new("a"))).unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix('"')?.split('"').next())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn corrupt_and_foreign_shards_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().to_path_buf());
        let mut state = State::default();
        backend.ensure_lineage(&mut state).unwrap();
        fs::create_dir_all(dir.path().join("clusters")).unwrap();
        fs::write(backend.shard_path(&ClusterName::new("a")), "{not json").unwrap();
        assert!(matches!(backend.read(), Err(Error::ParseStateFile { .. })));
        let mut foreign = Shard::new("other-lineage", "shop");
        backend
            .write_shard(&ClusterName::new("a"), &mut foreign)
            .unwrap();
        assert!(matches!(backend.read(), Err(Error::LineageMismatch { .. })));
    }

    #[test]
    fn a_lost_workspace_file_is_rebuilt_from_the_shards() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().to_path_buf());
        let mut state = State::default();
        let lineage = backend.ensure_lineage(&mut state).unwrap();
        backend
            .write_shard(&ClusterName::new("a"), &mut Shard::new(&lineage, "shop"))
            .unwrap();
        fs::remove_file(dir.path().join("workspace.json")).unwrap();
        let mut read = backend.read().unwrap();
        assert_eq!(read.lineage.as_deref(), Some(lineage.as_str()));
        assert_eq!(backend.ensure_lineage(&mut read).unwrap(), lineage);
        assert!(dir.path().join("workspace.json").is_file());
        // Shards that disagree cannot be adopted.
        fs::remove_file(dir.path().join("workspace.json")).unwrap();
        backend
            .write_shard(&ClusterName::new("b"), &mut Shard::new("other", "shop"))
            .unwrap();
        assert!(matches!(backend.read(), Err(Error::LineageMismatch { .. })));
    }

    #[test]
    fn newer_versions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().to_path_buf());
        fs::write(
            dir.path().join("workspace.json"),
            r#"{"version": 99, "lineage": "x"}"#,
        )
        .unwrap();
        assert!(matches!(
            backend.read(),
            Err(Error::VersionTooNew { version: 99, .. })
        ));
    }

    #[test]
    fn a_run_that_loses_the_race_for_the_lineage_adopts_the_winners() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path().to_path_buf());
        // Both runs read an empty state before either wrote anything.
        let mut first = backend.read().unwrap();
        let mut second = backend.read().unwrap();
        let winner = backend.ensure_lineage(&mut first).unwrap();
        let loser = backend.ensure_lineage(&mut second).unwrap();
        assert_eq!(winner, loser);
        assert_eq!(second.lineage.as_deref(), Some(winner.as_str()));
    }
}
