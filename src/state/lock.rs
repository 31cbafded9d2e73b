//! Per-shard locks: `mcctl.state/locks/<cluster>.lock`, an OS lock plus JSON lock info.
//!
//! A lock is held exactly while its OS lock is (std's `File::try_lock`), so a killed process
//! never leaves a lock behind: its info is stale and the next taker overwrites it. Locks are
//! taken in cluster-name order, so two runs cannot deadlock.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::addr::ClusterName;
use crate::state::Error;

/// Who holds a lock, written into the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// One id per run, shared by all the shards it locks; `force-unlock` takes it.
    pub id: String,
    /// `user@host`.
    pub who: String,
    /// Process id.
    pub pid: u32,
    /// The command, e.g. `apply`.
    pub operation: String,
    /// When the lock was taken (RFC 3339).
    pub created: String,
}

impl std::fmt::Display for LockInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` (pid {}, `mcctl {}` since {}, lock id `{}`)",
            self.who, self.pid, self.operation, self.created, self.id
        )
    }
}

/// The locks of one run; released when dropped.
#[derive(Debug)]
pub struct Locks {
    files: Vec<(PathBuf, File)>,
}

impl Drop for Locks {
    fn drop(&mut self) {
        for (_, file) in &mut self.files {
            // Clear the info first so no one reads a released lock as held. Errors here only
            // leave stale info, which the next taker overwrites.
            let _ = file.set_len(0);
            let _ = file.unlock();
        }
    }
}

fn lock_path(dir: &Path, cluster: &ClusterName) -> PathBuf {
    dir.join("locks").join(format!("{cluster}.lock"))
}

fn read_info(file: &mut File) -> Option<LockInfo> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// Locks the shards of `clusters` (in name order) under the state folder `dir`, waiting up to
/// `timeout` for each.
pub fn acquire(
    dir: &Path,
    clusters: &[ClusterName],
    info: &LockInfo,
    timeout: Duration,
) -> Result<Locks, Error> {
    let mut sorted: Vec<&ClusterName> = clusters.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut locks = Locks {
        files: Vec::with_capacity(sorted.len()),
    };
    let deadline = Instant::now() + timeout;
    for cluster in sorted {
        let path = lock_path(dir, cluster);
        let io_error = |source| Error::LockFile {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(io_error)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error)?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    if Instant::now() >= deadline {
                        let holder = read_info(&mut file);
                        return Err(Error::LockHeld {
                            cluster: cluster.clone(),
                            holder: holder.as_ref().map_or_else(
                                || "another mcctl process".to_owned(),
                                ToString::to_string,
                            ),
                            id: holder.map(|holder| holder.id),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::Error(source)) => return Err(io_error(source)),
            }
        }
        // Whatever info is there is stale: its process no longer holds the OS lock.
        let text = serde_json::to_string_pretty(info).unwrap_or_default();
        file.set_len(0).map_err(io_error)?;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        file.write_all(text.as_bytes()).map_err(io_error)?;
        file.sync_all().map_err(io_error)?;
        locks.files.push((path, file));
    }
    Ok(locks)
}

/// What `force-unlock` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlocked {
    /// Clusters whose stale lock info was cleared.
    pub clusters: Vec<ClusterName>,
}

/// Clears lock info with `id` whose OS lock is free; refuses, naming the pid, when a running
/// process still holds it.
pub fn force_unlock(dir: &Path, id: &str) -> Result<Unlocked, Error> {
    let locks_dir = dir.join("locks");
    let entries = match fs::read_dir(&locks_dir) {
        Ok(entries) => entries.filter_map(Result::ok).collect::<Vec<_>>(),
        Err(_) => Vec::new(),
    };
    let mut cleared = Vec::new();
    let mut matching = Vec::new();
    for entry in entries {
        let path = entry.path();
        let Some(cluster) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".lock"))
        else {
            continue;
        };
        let io_error = |source| Error::LockFile {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_error)?;
        if read_info(&mut file).is_some_and(|info| info.id == id) {
            matching.push((ClusterName::new(cluster), path.clone(), file));
        }
    }
    if matching.is_empty() {
        return Err(Error::LockNotFound {
            id: id.to_owned(),
            dir: locks_dir,
        });
    }
    matching.sort_by(|a, b| a.0.cmp(&b.0));
    for (cluster, path, mut file) in matching {
        let io_error = |source| Error::LockFile {
            path: path.clone(),
            source,
        };
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).map_err(io_error)?;
                file.unlock().map_err(io_error)?;
                cleared.push(cluster);
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = read_info(&mut file).map_or(0, |info| info.pid);
                return Err(Error::LockStillHeld {
                    id: id.to_owned(),
                    cluster,
                    pid,
                });
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(io_error(source)),
        }
    }
    Ok(Unlocked { clusters: cleared })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> LockInfo {
        LockInfo {
            id: id.into(),
            who: "ana@ci".into(),
            pid: 42,
            operation: "apply".into(),
            created: "2026-11-25T10:00:00Z".into(),
        }
    }

    #[test]
    fn a_held_lock_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let clusters = [ClusterName::new("eu-1")];
        let held = acquire(dir.path(), &clusters, &info("first"), Duration::ZERO).unwrap();
        let error = acquire(dir.path(), &clusters, &info("second"), Duration::ZERO).unwrap_err();
        match error {
            Error::LockHeld {
                cluster,
                holder,
                id,
            } => {
                assert_eq!(cluster.as_str(), "eu-1");
                assert!(
                    holder.contains("ana@ci") && holder.contains("pid 42"),
                    "{holder}"
                );
                assert_eq!(id.as_deref(), Some("first"));
            }
            other => panic!("{other:?}"),
        }
        drop(held);
        acquire(dir.path(), &clusters, &info("second"), Duration::ZERO).unwrap();
    }

    #[test]
    fn waiting_gives_up_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let clusters = [ClusterName::new("a")];
        let _held = acquire(dir.path(), &clusters, &info("first"), Duration::ZERO).unwrap();
        let started = Instant::now();
        assert!(
            acquire(
                dir.path(),
                &clusters,
                &info("second"),
                Duration::from_millis(300)
            )
            .is_err()
        );
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn force_unlock_clears_stale_info_and_refuses_held_locks() {
        let dir = tempfile::tempdir().unwrap();
        let clusters = [ClusterName::new("a"), ClusterName::new("b")];
        let held = acquire(dir.path(), &clusters, &info("run-1"), Duration::ZERO).unwrap();
        assert!(matches!(
            force_unlock(dir.path(), "run-1"),
            Err(Error::LockStillHeld { pid: 42, .. })
        ));
        drop(held);
        // A killed process leaves its info behind without the OS lock.
        for cluster in &clusters {
            fs::write(
                lock_path(dir.path(), cluster),
                serde_json::to_string(&info("run-1")).unwrap(),
            )
            .unwrap();
        }
        let unlocked = force_unlock(dir.path(), "run-1").unwrap();
        assert_eq!(unlocked.clusters, clusters);
        assert_eq!(
            fs::read_to_string(lock_path(dir.path(), &clusters[0])).unwrap(),
            ""
        );
        assert!(matches!(
            force_unlock(dir.path(), "nope"),
            Err(Error::LockNotFound { .. })
        ));
    }
}
