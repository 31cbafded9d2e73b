//! The directory backend (Pull): one YAML file per object, for a `GitOps` agent to sync.
//!
//! Layout: `<dir>/<namespace or _cluster>/<kind-lowercase>.<group or core>.<name>.yaml`.
//! Reading the directory back is the refresh, so hand edits show up as drift. Writes are atomic.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::addr::{ClusterName, ObjectRef};
use crate::cluster::{
    ApplyMode, ClusterClient, Deletion, Discovery, Error, Health, KindRef, Listed, Versions,
    has_labels, object_ref_of,
};
use crate::desired::secret::is_secret;

/// A cluster that is a directory of manifests.
#[derive(Debug, Clone)]
pub struct DirCluster {
    name: ClusterName,
    dir: PathBuf,
    /// Stripped from paths in errors, which then read as the config writes them.
    workspace: PathBuf,
}

impl DirCluster {
    /// A cluster named `name` writing to `dir`, a folder of `workspace`.
    #[must_use]
    pub fn new(name: ClusterName, workspace: &Path, dir: &Path) -> Self {
        Self {
            name,
            dir: workspace.join(dir),
            workspace: workspace.to_path_buf(),
        }
    }

    /// A path as the user wrote it: relative to the workspace.
    fn shown(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.workspace)
            .unwrap_or(path)
            .to_path_buf()
    }

    /// The file that holds an object.
    #[must_use]
    pub fn path_of(&self, object: &ObjectRef) -> PathBuf {
        self.dir
            .join(object.namespace.as_deref().unwrap_or("_cluster"))
            .join(file_name(object))
    }

    /// The objects of a kind carrying `labels`, in path order. A file whose bytes are what mcctl
    /// wrote for the version in `known` is reported unchanged without being parsed.
    fn list_files(
        &self,
        kind: &KindRef,
        labels: &BTreeMap<String, String>,
        known: &Versions<'_>,
    ) -> Result<Vec<Listed>, Error> {
        let probe = ObjectRef::new(&kind.api_version, kind.kind.clone(), None, String::new());
        let prefix = format!("{}.{}.", probe.kind.to_lowercase(), probe.group_or_core());
        let mut listed = Vec::new();
        let namespaces = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(listed),
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path: self.shown(&self.dir),
                    source,
                });
            }
        };
        let mut paths = Vec::new();
        for namespace in namespaces.flatten() {
            let Ok(files) = fs::read_dir(namespace.path()) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(&prefix) && name.ends_with(".yaml") {
                    paths.push(file.path());
                }
            }
        }
        paths.sort();
        let known_paths: HashMap<PathBuf, (&ObjectRef, &str)> = known
            .iter()
            .filter(|(object, _)| object.kind == probe.kind && object.group == probe.group)
            .map(|(object, version)| (self.path_of(object), (*object, *version)))
            .collect();
        for path in paths {
            let text = self.read_text(&path)?;
            if let Some((object, version)) = known_paths.get(&path)
                && file_version(&text) == *version
            {
                // The bytes mcctl wrote at that path for that object, labels and all.
                listed.push(Listed::Unchanged((*object).clone()));
                continue;
            }
            let object = self.parse_object(&path, &text)?;
            // A file moved or renamed by hand would otherwise be taken for another object.
            if let Some((identity, _)) = object_ref_of(&object)
                && self.path_of(&identity) != path
            {
                return Err(Error::Misplaced {
                    expected: self.shown(&self.path_of(&identity)),
                    object: Box::new(identity),
                    path: self.shown(&path),
                });
            }
            if object.get("kind").and_then(Value::as_str) == Some(kind.kind.as_str())
                && has_labels(&object, labels)
            {
                listed.push(Listed::Object(object));
            }
        }
        Ok(listed)
    }

    fn read_text(&self, path: &Path) -> Result<String, Error> {
        fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: self.shown(path),
            source,
        })
    }

    fn read_object(&self, path: &Path) -> Result<Value, Error> {
        let text = self.read_text(path)?;
        self.parse_object(path, &text)
    }

    fn parse_object(&self, path: &Path, text: &str) -> Result<Value, Error> {
        let options = serde_saphyr::options! { legacy_octal_numbers: true, with_snippet: false };
        let value: Value = serde_saphyr::from_str_with_options(text, options).map_err(|error| {
            Error::InvalidObject {
                path: self.shown(path),
                message: error.to_string(),
            }
        })?;
        if object_ref_of(&value).is_none() {
            return Err(Error::InvalidObject {
                path: self.shown(path),
                message: "it needs `apiVersion`, `kind` and `metadata.name`".to_owned(),
            });
        }
        // A file's version is its digest, whatever the file says (a manifest exported with
        // `kubectl get -o yaml` carries its old cluster's).
        let mut value = value;
        set_version(&mut value, text);
        Ok(value)
    }
}

/// The version of a file mcctl wrote: the digest of its bytes.
fn file_version(text: &str) -> String {
    crate::desired::sha256(text.as_bytes())
}

/// Sets an object's `resourceVersion` to the version of the file that holds it, and removes
/// the one the file may say. A Secret gets none: the state records versions, and a plain digest
/// of a file holding a Secret's values would let anyone who reads the state confirm a guess.
fn set_version(object: &mut Value, text: &str) {
    let secret = object_ref_of(object).is_some_and(|(identity, _)| is_secret(&identity));
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        if secret {
            metadata.remove("resourceVersion");
        } else {
            metadata.insert(
                "resourceVersion".to_owned(),
                Value::String(file_version(text)),
            );
        }
    }
}

/// Test-only: `MCCTL_TEST_APPLY_DELAY_MS` slows every committed write down by that many
/// milliseconds, so that the CLI tests can interrupt or kill an apply while it is half done.
/// Writing a file takes microseconds, too fast to catch otherwise. Not meant for users.
fn test_apply_delay() -> Option<std::time::Duration> {
    static DELAY: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var("MCCTL_TEST_APPLY_DELAY_MS")
            .ok()?
            .parse()
            .ok()
            .map(std::time::Duration::from_millis)
    })
}

fn file_name(object: &ObjectRef) -> String {
    format!(
        "{}.{}.{}.yaml",
        object.kind.to_lowercase(),
        object.group_or_core(),
        object.name
    )
}

impl ClusterClient for DirCluster {
    fn name(&self) -> &ClusterName {
        &self.name
    }

    async fn discover(&self) -> Result<Discovery, Error> {
        // A directory knows nothing about the cluster behind it; it only has to be usable.
        match fs::metadata(&self.dir) {
            Ok(metadata) if !metadata.is_dir() => Err(Error::Unreachable {
                cluster: self.name.clone(),
                reason: format!("`{}` is not a directory", self.shown(&self.dir).display()),
            }),
            _ => Ok(Discovery::default()),
        }
    }

    async fn list_since(
        &self,
        kind: &KindRef,
        labels: &BTreeMap<String, String>,
        known: &Versions<'_>,
    ) -> Result<Vec<Listed>, Error> {
        self.list_files(kind, labels, known)
    }

    async fn list_metadata(&self, kind: &KindRef) -> Result<Vec<Value>, Error> {
        self.list(kind, &BTreeMap::new()).await
    }

    async fn get(&self, object: &ObjectRef, _api_version: &str) -> Result<Option<Value>, Error> {
        let path = self.path_of(object);
        if !path.is_file() {
            return Ok(None);
        }
        self.read_object(&path).map(Some)
    }

    async fn apply(&self, manifest: &Value, mode: ApplyMode) -> Result<Value, Error> {
        let Some((object, _)) = object_ref_of(manifest) else {
            return Err(Error::InvalidObject {
                path: self.shown(&self.dir),
                message: "the manifest has no identity".to_owned(),
            });
        };
        if mode == ApplyMode::DryRun {
            return Ok(manifest.clone());
        }
        if let Some(delay) = test_apply_delay() {
            tokio::time::sleep(delay).await;
        }
        let path = self.path_of(&object);
        let error = |source| Error::Io {
            action: "write",
            path: self.shown(&path),
            source,
        };
        let parent = path.parent().unwrap_or(&self.dir);
        fs::create_dir_all(parent).map_err(error)?;
        let text = serde_saphyr::to_string(manifest)
            .map_err(|serialize| error(std::io::Error::other(serialize.to_string())))?;
        let mut file = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(parent)
            .map_err(error)?;
        file.write_all(text.as_bytes()).map_err(error)?;
        file.as_file().sync_all().map_err(error)?;
        file.persist(&path)
            .map_err(|persist| error(persist.error))?;
        // As an API server would, the answer carries the object's version: the digest of the
        // file, which the next refresh compares instead of parsing the file again.
        let mut stored = manifest.clone();
        set_version(&mut stored, &text);
        Ok(stored)
    }

    async fn delete(
        &self,
        object: &ObjectRef,
        _api_version: &str,
        owner: &BTreeMap<String, String>,
    ) -> Result<Deletion, Error> {
        let path = self.path_of(object);
        if !path.is_file() {
            return Ok(Deletion::Absent);
        }
        // Only what still says it is ours is deleted: someone may have taken the file over.
        if !has_labels(&self.read_object(&path)?, owner) {
            return Ok(Deletion::NotOwned);
        }
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Deletion::Absent);
            }
            Err(source) => {
                return Err(Error::Io {
                    action: "delete",
                    path: self.shown(&path),
                    source,
                });
            }
        }
        // Drop the namespace folder once it is empty, so the tree mirrors what is declared.
        if let Some(parent) = path.parent()
            && fs::read_dir(parent).is_ok_and(|mut entries| entries.next().is_none())
        {
            let _ = fs::remove_dir(parent);
        }
        Ok(Deletion::Deleted)
    }

    async fn health(&self, _object: &ObjectRef, _api_version: &str) -> Result<Health, Error> {
        Ok(Health::NotObservable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels() -> BTreeMap<String, String> {
        BTreeMap::from([(
            "app.kubernetes.io/managed-by".to_owned(),
            "mcctl".to_owned(),
        )])
    }

    #[tokio::test]
    async fn a_file_as_written_is_known_by_its_version_and_an_edited_one_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = DirCluster::new(ClusterName::new("eu-1"), dir.path(), Path::new("out/eu-1"));
        let kind = KindRef {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
        };
        let mut versions = Vec::new();
        for name in ["a", "b"] {
            let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", "labels": labels()}, "data": {"k": "v"}});
            let stored = cluster.apply(&config, ApplyMode::Commit).await.unwrap();
            let version = stored["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(version.starts_with("sha256:"), "{version}");
            versions.push((
                ObjectRef::new("v1", "ConfigMap", Some("default".to_owned()), name),
                version,
            ));
        }
        // Someone edits `b` by hand.
        let b = dir.path().join("out/eu-1/default/configmap.core.b.yaml");
        let edited = fs::read_to_string(&b).unwrap().replace("k: v", "k: edited");
        fs::write(&b, edited).unwrap();

        let known: Versions<'_> = versions
            .iter()
            .map(|(object, version)| (object, version.as_str()))
            .collect();
        let listed = cluster.list_since(&kind, &labels(), &known).await.unwrap();
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert_eq!(listed[0], Listed::Unchanged(versions[0].0.clone()));
        let Listed::Object(b) = &listed[1] else {
            panic!("{listed:?}");
        };
        assert_eq!(b["data"]["k"], "edited");

        // A Secret's file is not versioned: its digest would be a plain hash of its values.
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default", "resourceVersion": "41", "labels": labels()}, "data": {"password": "aHVudGVyMg=="}});
        let stored = cluster.apply(&secret, ApplyMode::Commit).await.unwrap();
        assert!(
            stored["metadata"].get("resourceVersion").is_none(),
            "{stored}"
        );
        let object = ObjectRef::new("v1", "Secret", Some("default".to_owned()), "s");
        let read = cluster.get(&object, "v1").await.unwrap().unwrap();
        assert!(read["metadata"].get("resourceVersion").is_none(), "{read}");
    }

    #[tokio::test]
    async fn apply_list_and_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = DirCluster::new(ClusterName::new("eu-1"), dir.path(), Path::new("out/eu-1"));
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app.kubernetes.io/managed-by": "mcctl"}},
            "spec": {"replicas": 4}
        });
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"app.kubernetes.io/managed-by": "mcctl"}}});
        let stored = cluster.apply(&deployment, ApplyMode::Commit).await.unwrap();
        cluster.apply(&namespace, ApplyMode::Commit).await.unwrap();
        // Stored as given, plus the file's version.
        let mut expected = deployment.clone();
        expected["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"].clone();
        assert_eq!(stored, expected);
        assert!(
            dir.path()
                .join("out/eu-1/default/deployment.apps.web.yaml")
                .is_file()
        );
        assert!(
            dir.path()
                .join("out/eu-1/_cluster/namespace.core.shop.yaml")
                .is_file()
        );
        let kind = KindRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
        };
        assert_eq!(
            cluster.list(&kind, &labels()).await.unwrap(),
            std::slice::from_ref(&stored)
        );
        let object: ObjectRef = "apps/Deployment/default/web".parse().unwrap();
        assert_eq!(
            cluster.delete(&object, "apps/v1", &labels()).await.unwrap(),
            Deletion::Deleted
        );
        assert_eq!(
            cluster.delete(&object, "apps/v1", &labels()).await.unwrap(),
            Deletion::Absent
        );
        assert!(cluster.list(&kind, &labels()).await.unwrap().is_empty());
        assert!(!dir.path().join("out/eu-1/default").exists());
    }

    #[tokio::test]
    async fn objects_without_the_labels_are_not_listed() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = DirCluster::new(ClusterName::new("a"), dir.path(), Path::new(""));
        let foreign = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}});
        cluster.apply(&foreign, ApplyMode::Commit).await.unwrap();
        let kind = KindRef {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
        };
        assert!(cluster.list(&kind, &labels()).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = DirCluster::new(ClusterName::new("a"), dir.path(), Path::new(""));
        fs::create_dir_all(dir.path().join("default")).unwrap();
        fs::write(dir.path().join("default/configmap.core.x.yaml"), "kind: [").unwrap();
        let kind = KindRef {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
        };
        let error = cluster.list(&kind, &labels()).await.unwrap_err();
        assert!(
            error.to_string().contains("configmap.core.x.yaml"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn dry_runs_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = DirCluster::new(ClusterName::new("a"), dir.path(), Path::new("out"));
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}});
        cluster.apply(&object, ApplyMode::DryRun).await.unwrap();
        assert!(!dir.path().join("out").exists());
    }
}
