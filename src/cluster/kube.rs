//! The kube backend (Push): a cluster reached through the Kubernetes API with a kubeconfig
//! context. The only module that talks to kube-rs.
//!
//! Requests are raw HTTP through [`::kube::Client::send`] rather than typed `Api`s: mcctl holds
//! objects as JSON already, and the raw response gives the status code and `Retry-After`
//! header that retries need. Discovery runs once per cluster per run (two requests with
//! aggregated discovery) and is cached; it runs again only when a lookup misses after a CRD was
//! applied, so the custom resources of the next wave find their API.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ::kube::api::{DeleteParams, GetParams, ListParams, Patch, PatchParams, Preconditions};
use ::kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{OnceCell, RwLock};

use crate::addr::{ClusterName, ObjectRef};
use crate::cluster::health::{has_no_health, object_health, pod_failure, resource_summary};
use crate::cluster::{
    ApplyMode, ClusterClient, Deletion, Discovery, Error, Health, KindRef, Listed, Versions,
    has_labels,
};
use crate::model::cluster::ServedKinds;
use crate::model::{ClusterStatus, Readiness};

/// How long one request may take, answer included, before it counts as a timeout and is
/// retried. Lists are paged, so no single answer is large.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per request, the first included.
const ATTEMPTS: u32 = 6;
/// Attempts when no answer comes at all (refused, reset, timed out): a cluster that is down
/// must not hold the plan up for long; one that answers with 429 or 5xx is alive and worth the
/// full patience.
const CONNECT_ATTEMPTS: u32 = 3;
/// First backoff; doubled on each retry up to [`MAX_BACKOFF`], with full jitter.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
/// Longest backoff, and longest `Retry-After` honoured (a server asking for more is asked
/// again sooner rather than stalling the whole rollout).
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Rediscoveries a lookup may make after a CRD was applied, a second apart.
const DISCOVERY_RETRIES: u32 = 5;
/// Items per page of a LIST; the pages of one kind count as one LIST.
const PAGE_SIZE: u32 = 500;

/// Where the credentials of a cluster come from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The kubeconfig file; `$KUBECONFIG` or `~/.kube/config` when `None`.
    pub kubeconfig: Option<PathBuf>,
    /// The context; the kubeconfig's current context when `None`.
    pub context: Option<String>,
}

impl Source {
    fn describe(&self) -> String {
        let file = self.kubeconfig.as_ref().map_or_else(
            || "the default kubeconfig".to_owned(),
            |path| format!("kubeconfig `{}`", path.display()),
        );
        match &self.context {
            Some(context) => format!("context `{context}` of {file}"),
            None => format!("the current context of {file}"),
        }
    }
}

/// A cluster reached through the Kubernetes API.
pub struct KubeCluster {
    name: ClusterName,
    source: Source,
    /// The field manager of every server-side apply (`settings.field_manager`).
    manager: String,
    /// Built on first use: reading the kubeconfig and its credentials is async in kube-rs.
    client: OnceCell<Result<Connection, String>>,
    /// What the API server serves, from the last discovery.
    resources: RwLock<Option<Arc<Resources>>>,
    /// CRDs applied through this client: a lookup that misses after one was applied
    /// rediscovers, since the new API may not have been served at the last discovery.
    crd_applies: AtomicU64,
}

impl std::fmt::Debug for KubeCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeCluster")
            .field("name", &self.name)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

struct Connection {
    client: ::kube::Client,
    /// Said once per run in the plan's diagnostics.
    warnings: Vec<String>,
}

/// One served kind.
#[derive(Debug, Clone)]
struct Resource {
    /// The `apiVersion` it is served in (the one asked for, or another of the same group).
    api_version: String,
    plural: String,
    namespaced: bool,
}

/// Served kinds by (`apiVersion`, kind).
#[derive(Debug, Default)]
struct Resources {
    kinds: BTreeMap<(String, String), Resource>,
    /// Group versions whose discovery failed (an aggregated API that is down): their kinds
    /// count as not served, and the plan says so.
    unavailable: Vec<String>,
    /// The number of CRDs applied (by this client) when this discovery started.
    generation: u64,
}

/// How a kind must be served for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// Exactly the `apiVersion` given: applying sends a body in that version.
    Exact,
    /// That one, or another version of the same group: reading, listing and deleting reach the
    /// same objects through any served version, and an object recorded in a version a cluster
    /// upgrade removed must still be found (or it would be taken for deleted, and orphaned).
    AnyOfGroup,
}

impl Resources {
    fn get(&self, api_version: &str, kind: &str) -> Option<&Resource> {
        self.kinds.get(&(api_version.to_owned(), kind.to_owned()))
    }

    fn find(&self, api_version: &str, kind: &str, version: Version) -> Option<&Resource> {
        self.get(api_version, kind).or_else(|| {
            let group = group_of(api_version);
            (version == Version::AnyOfGroup)
                .then(|| {
                    self.kinds
                        .iter()
                        .find(|((served, served_kind), _)| {
                            served_kind == kind && group_of(served) == group
                        })
                        .map(|(_, resource)| resource)
                })
                .flatten()
        })
    }

    fn enablements(&self) -> BTreeMap<String, ServedKinds> {
        let mut enablements: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (api_version, kind) in self.kinds.keys() {
            enablements
                .entry(api_version.clone())
                .or_default()
                .insert(kind.clone());
        }
        enablements
            .into_iter()
            .map(|(api_version, kinds)| (api_version, ServedKinds::Some(kinds)))
            .collect()
    }
}

/// An answer from the API server.
struct Answer {
    status: http::StatusCode,
    body: bytes::Bytes,
}

impl Answer {
    fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body)
            .map_err(|error| format!("the API server sent invalid JSON: {error}"))
    }

    /// The message of a Kubernetes `Status` body, or the body itself.
    fn message(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|status| status.get("message")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| text.trim().chars().take(300).collect())
    }
}

impl KubeCluster {
    /// A cluster named `name`, applied to as field manager `manager`; `kubeconfig` is relative
    /// to `workspace`. Nothing is read yet.
    #[must_use]
    pub fn new(
        name: ClusterName,
        workspace: &Path,
        kubeconfig: Option<&Path>,
        context: Option<&str>,
        manager: &str,
    ) -> Self {
        let kubeconfig = kubeconfig.map(|path| expand(workspace, path));
        Self {
            name,
            source: Source {
                kubeconfig,
                context: context.map(str::to_owned),
            },
            manager: manager.to_owned(),
            client: OnceCell::new(),
            resources: RwLock::new(None),
            crd_applies: AtomicU64::new(0),
        }
    }

    fn unreachable(&self, reason: impl Into<String>) -> Error {
        Error::Unreachable {
            cluster: self.name.clone(),
            reason: reason.into(),
        }
    }

    fn rejected(&self, object: &ObjectRef, message: impl Into<String>) -> Error {
        Error::Rejected {
            cluster: self.name.clone(),
            object: Box::new(object.clone()),
            message: message.into(),
        }
    }

    async fn connection(&self) -> Result<&Connection, Error> {
        self.client
            .get_or_init(|| connect(&self.source))
            .await
            .as_ref()
            .map_err(|reason| self.unreachable(reason.clone()))
    }

    /// Sends a request, retrying 429s, 5xx, timeouts and dropped connections with exponential
    /// backoff and full jitter (or the server's `Retry-After`, up to [`MAX_BACKOFF`]). An answer
    /// is returned, success or not, once it is not worth retrying or the attempts are used
    /// up (the caller decides what a 500 on its request means); no answer at all after
    /// [`CONNECT_ATTEMPTS`] makes the cluster unreachable.
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Answer, Error> {
        let client = &self.connection().await?.client;
        let (parts, body) = request.into_parts();
        let mut last: String;
        let mut unanswered = 0;
        let mut attempt = 0;
        loop {
            let mut builder = http::Request::builder()
                .method(parts.method.clone())
                .uri(parts.uri.clone());
            for (name, value) in &parts.headers {
                builder = builder.header(name, value);
            }
            let request = builder
                .body(::kube::client::Body::from(body.clone()))
                .map_err(|error| self.unreachable(format!("cannot build a request: {error}")))?;
            let exchange = async {
                let response = client.send(request).await?;
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let body = response.into_body().collect_bytes().await?;
                Ok::<_, ::kube::Error>((status, retry_after, body))
            };
            let wait = match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
                Ok(Ok((status, retry_after, body))) => {
                    let answer = Answer { status, body };
                    let retry =
                        status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !retry || attempt + 1 >= ATTEMPTS {
                        return Ok(answer);
                    }
                    last = format!("{status}: {}", answer.message());
                    retry_after
                        .filter(|after| !after.is_zero())
                        .map(|after| after.min(MAX_BACKOFF))
                }
                Ok(Err(error)) => {
                    last = describe(&error);
                    unanswered += 1;
                    None
                }
                Err(_) => {
                    last = format!(
                        "no answer within {}",
                        humantime::format_duration(REQUEST_TIMEOUT)
                    );
                    unanswered += 1;
                    None
                }
            };
            attempt += 1;
            if attempt >= ATTEMPTS || unanswered >= CONNECT_ATTEMPTS {
                return Err(self.unreachable(format!("{last} (after {attempt} attempts)")));
            }
            tokio::time::sleep(wait.unwrap_or_else(|| backoff(attempt - 1))).await;
        }
    }

    /// GETs a JSON document; `None` on 404.
    async fn get_json(&self, path: &str, accept: Option<&str>) -> Result<Option<Value>, Error> {
        let mut request = http::Request::get(path);
        if let Some(accept) = accept {
            request = request.header(http::header::ACCEPT, accept);
        }
        let request = request
            .body(Vec::new())
            .map_err(|error| self.unreachable(format!("cannot build a request: {error}")))?;
        let answer = self.send(request).await?;
        match answer.status {
            status if status.is_success() => answer
                .json()
                .map(Some)
                .map_err(|reason| self.unreachable(format!("reading `{path}`: {reason}"))),
            http::StatusCode::NOT_FOUND => Ok(None),
            status => {
                Err(self.unreachable(format!("reading `{path}`: {status}: {}", answer.message())))
            }
        }
    }

    /// What the API server serves: the last discovery, or a new one when `refresh` is set or
    /// none was made yet.
    async fn resources(&self, refresh: bool) -> Result<Arc<Resources>, Error> {
        if !refresh && let Some(resources) = self.resources.read().await.as_ref() {
            return Ok(Arc::clone(resources));
        }
        let mut cached = self.resources.write().await;
        if !refresh && let Some(resources) = cached.as_ref() {
            return Ok(Arc::clone(resources));
        }
        let generation = self.crd_applies.load(Ordering::SeqCst);
        let mut resources = self.discover_resources().await?;
        resources.generation = generation;
        let resources = Arc::new(resources);
        *cached = Some(Arc::clone(&resources));
        Ok(resources)
    }

    /// The served kind of an object. After a CRD was applied, a miss rediscovers, and keeps
    /// trying for a few seconds: an API server serves a new API a moment after the CRD
    /// reports `Established` (longer with several API servers).
    async fn resource(
        &self,
        api_version: &str,
        kind: &str,
        version: Version,
    ) -> Result<Option<Resource>, Error> {
        let mut resources = self.resources(false).await?;
        for attempt in 0..=DISCOVERY_RETRIES {
            if let Some(resource) = resources.find(api_version, kind, version) {
                return Ok(Some(resource.clone()));
            }
            let applied = self.crd_applies.load(Ordering::SeqCst);
            if applied == 0 || attempt == DISCOVERY_RETRIES {
                break;
            }
            if resources.generation >= applied {
                // This discovery already saw every CRD applied: give the API a moment.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            resources = self.resources(true).await?;
        }
        Ok(None)
    }

    /// The kinds served under `/api` and `/apis`, both asked at once.
    async fn discover_resources(&self) -> Result<Resources, Error> {
        let (core, groups) = tokio::join!(
            self.discover_root("/api", true),
            self.discover_root("/apis", false)
        );
        let mut resources = core?;
        let groups = groups?;
        resources.kinds.extend(groups.kinds);
        resources.unavailable.extend(groups.unavailable);
        Ok(resources)
    }

    /// The kinds served under one discovery root (`legacy`: `/api`, the core group).
    async fn discover_root(&self, root: &str, legacy: bool) -> Result<Resources, Error> {
        let mut resources = Resources::default();
        let document = self
            .get_json(root, Some(AGGREGATED_ACCEPT))
            .await?
            .unwrap_or(Value::Null);
        if document.get("kind").and_then(Value::as_str) == Some("APIGroupDiscoveryList") {
            read_aggregated(&document, &mut resources);
            return Ok(resources);
        }
        // An API server older than 1.26 (or one that turned aggregated discovery off) answers
        // with the plain documents: one request per group version. One that fails (an
        // aggregated API whose backend is down) does not fail the others, as with kubectl.
        let group_versions: Vec<String> = if legacy {
            strings(document.get("versions"))
        } else {
            document
                .get("groups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|group| {
                    group
                        .get("versions")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|version| version.get("groupVersion")?.as_str())
                        .map(str::to_owned)
                })
                .collect()
        };
        for group_version in group_versions {
            let path = format!("{root}/{group_version}");
            match self.get_json(&path, None).await {
                Ok(Some(list)) => read_resource_list(&group_version, &list, &mut resources),
                Ok(None) => {}
                Err(Error::Unreachable { .. }) if self.probe("/version").await.is_some() => {
                    resources.unavailable.push(group_version);
                }
                Err(error) => return Err(error),
            }
        }
        Ok(resources)
    }

    /// Lists every item at `path` with the given parameters, following `continue` tokens, in
    /// the representation `accept` asks for (plain objects when `None`).
    async fn list_all(
        &self,
        path: &str,
        params: &ListParams,
        accept: Option<&'static str>,
    ) -> Result<Vec<Value>, Error> {
        let listed = self
            .list_pages(path, params, accept, &Versions::new())
            .await?;
        Ok(Listed::objects(listed))
    }

    /// [`Self::list_all`], reporting items whose identity and `resourceVersion` are in `known`
    /// as unchanged: those are read only as far as their metadata, not parsed whole.
    async fn list_pages(
        &self,
        path: &str,
        params: &ListParams,
        accept: Option<&'static str>,
        known: &Versions<'_>,
    ) -> Result<Vec<Listed>, Error> {
        let mut items = Vec::new();
        let mut params = params.clone().limit(PAGE_SIZE);
        loop {
            let mut request = ::kube::core::Request::new(path)
                .list(&params)
                .map_err(|error| self.unreachable(format!("cannot build a request: {error}")))?;
            if let Some(accept) = accept {
                request
                    .headers_mut()
                    .insert(http::header::ACCEPT, http::HeaderValue::from_static(accept));
            }
            let answer = self.send(request).await?;
            if answer.status == http::StatusCode::NOT_FOUND {
                // The kind is not served (its CRD is gone): nothing of it exists.
                return Ok(items);
            }
            if answer.status == http::StatusCode::GONE {
                // The continue token expired (the list took longer than the server keeps its
                // snapshot): start over, as kubectl does.
                items.clear();
                params.continue_token = None;
                continue;
            }
            if !answer.status.is_success() {
                return Err(self.unreachable(format!(
                    "listing `{path}`: {}: {}",
                    answer.status,
                    answer.message()
                )));
            }
            let (page, next) = read_page(&answer.body, known).map_err(|error| {
                self.unreachable(format!(
                    "listing `{path}`: the API server sent invalid JSON: {error}"
                ))
            })?;
            items.extend(page);
            match next {
                Some(token) => params.continue_token = Some(token),
                None => return Ok(items),
            }
        }
    }

    /// The collection path of an object's kind, in its namespace when the kind is namespaced.
    async fn collection(
        &self,
        object: &ObjectRef,
        api_version: &str,
        version: Version,
    ) -> Result<Option<String>, Error> {
        let Some(resource) = self.resource(api_version, &object.kind, version).await? else {
            return Ok(None);
        };
        let namespace = object.namespace.as_deref().filter(|_| resource.namespaced);
        Ok(Some(collection_path(
            &resource.api_version,
            namespace,
            &resource.plural,
        )))
    }

    async fn get_object(
        &self,
        object: &ObjectRef,
        api_version: &str,
    ) -> Result<Option<Value>, Error> {
        let Some(path) = self
            .collection(object, api_version, Version::AnyOfGroup)
            .await?
        else {
            return Ok(None);
        };
        let request = ::kube::core::Request::new(path)
            .get(&object.name, &GetParams::default())
            .map_err(|error| self.rejected(object, error.to_string()))?;
        let answer = self.send(request).await?;
        match answer.status {
            status if status.is_success() => answer
                .json()
                .map(Some)
                .map_err(|reason| self.rejected(object, reason)),
            http::StatusCode::NOT_FOUND => Ok(None),
            status => Err(self.rejected(
                object,
                format!("reading it failed: {status}: {}", answer.message()),
            )),
        }
    }

    async fn status(&self) -> Result<Discovery, Error> {
        let connection = self.connection().await?;
        // The reads are independent: asked side by side, a distant cluster costs one round
        // trip for them, not five.
        let nodes_params = ListParams::default();
        let pods_params =
            ListParams::default().fields("status.phase!=Succeeded,status.phase!=Failed");
        let (version, resources, nodes, pods) = tokio::join!(
            self.get_json("/version", None),
            self.resources(true),
            self.list_all("/api/v1/nodes", &nodes_params, None),
            self.list_all("/api/v1/pods", &pods_params, None),
        );
        let version =
            version?.and_then(|version| version.get("gitVersion")?.as_str().map(str::to_owned));
        let resources = resources?;
        // `/readyz` is what Karmada's cluster status controller asks too; a server without it
        // (older than 1.16) that answered discovery is taken as ready. Asked once the others
        // answered: the probe is not retried, so it goes to a server that just answered.
        let readiness = match self.probe("/readyz").await {
            Some(status) if status.is_success() || status == http::StatusCode::NOT_FOUND => {
                Readiness::Ready
            }
            _ => Readiness::NotReady,
        };
        let mut warnings = connection.warnings.clone();
        if !resources.unavailable.is_empty() {
            warnings.push(format!(
                "the API server could not list {}: their kinds count as not served",
                resources.unavailable.join(", ")
            ));
        }
        let summary = resource_summary(&nodes?, &pods?);
        Ok(Discovery {
            status: ClusterStatus {
                kubernetes_version: version,
                readiness: Some(readiness),
                api_enablements: Some(resources.enablements()),
                allocatable: Some(summary.allocatable),
                allocated: Some(summary.allocated),
                allocating: Some(summary.allocating),
                ready_since: None,
            },
            warnings,
        })
    }

    /// One GET without retries, for a health probe: `/readyz` answers 500 while a check
    /// fails, which is an answer (not ready), not a reason to retry. `None` when nothing
    /// answers in time.
    async fn probe(&self, path: &str) -> Option<http::StatusCode> {
        let client = &self.connection().await.ok()?.client;
        let request = http::Request::get(path)
            .body(::kube::client::Body::from(Vec::new()))
            .ok()?;
        match tokio::time::timeout(REQUEST_TIMEOUT, client.send(request)).await {
            Ok(Ok(response)) => Some(response.status()),
            _ => None,
        }
    }

    /// Pods of a workload that will not start, for fail-fast health.
    async fn failing_pods(
        &self,
        object: &ObjectRef,
        live: &Value,
    ) -> Result<Option<String>, Error> {
        let Some(namespace) = object.namespace.as_deref() else {
            return Ok(None);
        };
        let Some(selector) = match_labels(live, "/spec/selector/matchLabels") else {
            return Ok(None);
        };
        // Only the pods of the revision being rolled out: while a fix replaces crash-looping
        // pods, the old ones still crash, and must not fail the rollout of the fix.
        let revision = match (object.group.as_str(), object.kind.as_str()) {
            ("apps", "Deployment") => {
                let Some(hash) = self
                    .current_template_hash(namespace, live, &selector)
                    .await?
                else {
                    // No ReplicaSet of the current revision yet: nothing to judge.
                    return Ok(None);
                };
                Some(("pod-template-hash", hash))
            }
            ("apps", "StatefulSet") => live
                .pointer("/status/updateRevision")
                .and_then(Value::as_str)
                .map(|revision| ("controller-revision-hash", revision.to_owned())),
            _ => None,
        };
        let uid = live.pointer("/metadata/uid").and_then(Value::as_str);
        let pods = self
            .list_all(
                &collection_path("v1", Some(namespace), "pods"),
                &ListParams::default().labels(&selector),
                None,
            )
            .await?;
        let current: Vec<Value> = pods
            .into_iter()
            .filter(|pod| match &revision {
                Some((label, value)) => {
                    pod.pointer(&format!("/metadata/labels/{label}"))
                        .and_then(Value::as_str)
                        == Some(value.as_str())
                }
                // DaemonSets, Jobs, ReplicaSets: the pods the object itself owns.
                None => owned_by(pod, uid),
            })
            .collect();
        Ok(pod_failure(&current))
    }

    /// The `pod-template-hash` of a Deployment's `ReplicaSet` of the current revision.
    async fn current_template_hash(
        &self,
        namespace: &str,
        deployment: &Value,
        selector: &str,
    ) -> Result<Option<String>, Error> {
        const REVISION: &str = "/metadata/annotations/deployment.kubernetes.io~1revision";
        let Some(revision) = deployment.pointer(REVISION).and_then(Value::as_str) else {
            return Ok(None);
        };
        let uid = deployment.pointer("/metadata/uid").and_then(Value::as_str);
        let sets = self
            .list_all(
                &collection_path("apps/v1", Some(namespace), "replicasets"),
                &ListParams::default().labels(selector),
                None,
            )
            .await?;
        Ok(sets
            .iter()
            .filter(|set| owned_by(set, uid))
            .find(|set| set.pointer(REVISION).and_then(Value::as_str) == Some(revision))
            .and_then(|set| {
                set.pointer("/metadata/labels/pod-template-hash")?
                    .as_str()
                    .map(str::to_owned)
            }))
    }
}

/// A label selector (`a=b,c=d`) from a `matchLabels` map; `None` when there is none (a selector
/// of only `matchExpressions` gets no fail-fast check).
fn match_labels(object: &Value, pointer: &str) -> Option<String> {
    let labels = object.pointer(pointer)?.as_object()?;
    if labels.is_empty() {
        return None;
    }
    Some(
        labels
            .iter()
            .filter_map(|(key, value)| Some(format!("{key}={}", value.as_str()?)))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Whether `object` has an owner reference to `uid`.
fn owned_by(object: &Value, uid: Option<&str>) -> bool {
    let Some(uid) = uid else {
        return false;
    };
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|owners| {
            owners
                .iter()
                .any(|owner| owner.get("uid").and_then(Value::as_str) == Some(uid))
        })
}

impl ClusterClient for KubeCluster {
    fn name(&self) -> &ClusterName {
        &self.name
    }

    async fn discover(&self) -> Result<Discovery, Error> {
        self.status().await
    }

    async fn list_since(
        &self,
        kind: &KindRef,
        labels: &BTreeMap<String, String>,
        known: &Versions<'_>,
    ) -> Result<Vec<Listed>, Error> {
        let Some(resource) = self
            .resource(&kind.api_version, &kind.kind, Version::AnyOfGroup)
            .await?
        else {
            // Not served: there can be no object of it.
            return Ok(Vec::new());
        };
        let path = collection_path(&resource.api_version, None, &resource.plural);
        self.list_pages(
            &path,
            &ListParams::default().labels(&label_selector(labels)),
            None,
            known,
        )
        .await
    }

    async fn list_metadata(&self, kind: &KindRef) -> Result<Vec<Value>, Error> {
        let Some(resource) = self
            .resource(&kind.api_version, &kind.kind, Version::AnyOfGroup)
            .await?
        else {
            return Ok(Vec::new());
        };
        let path = collection_path(&resource.api_version, None, &resource.plural);
        self.list_all(&path, &ListParams::default(), Some(METADATA_ACCEPT))
            .await
    }

    async fn get(&self, object: &ObjectRef, api_version: &str) -> Result<Option<Value>, Error> {
        self.get_object(object, api_version).await
    }

    async fn apply(&self, manifest: &Value, mode: ApplyMode) -> Result<Value, Error> {
        let Some((object, api_version)) = super::object_ref_of(manifest) else {
            return Err(Error::InvalidObject {
                path: PathBuf::from(self.name.as_str()),
                message: "it needs `apiVersion`, `kind` and `metadata.name`".to_owned(),
            });
        };
        let Some(path) = self
            .collection(&object, &api_version, Version::Exact)
            .await?
        else {
            return Err(self.rejected(
                &object,
                format!(
                    "the cluster does not serve `{}` in `{api_version}`",
                    object.kind
                ),
            ));
        };
        let mut params = PatchParams::apply(&self.manager).force();
        if mode == ApplyMode::DryRun {
            params = params.dry_run();
        }
        let request = ::kube::core::Request::new(path)
            .patch(&object.name, &params, &Patch::Apply(manifest))
            .map_err(|error| self.rejected(&object, error.to_string()))?;
        let answer = self.send(request).await?;
        if !answer.status.is_success() {
            let message = answer.message();
            let message = if answer.status == http::StatusCode::NOT_FOUND {
                match &object.namespace {
                    Some(namespace) => format!("{message} (does namespace `{namespace}` exist?)"),
                    None => message,
                }
            } else {
                message
            };
            return Err(self.rejected(&object, format!("{}: {message}", answer.status)));
        }
        if mode == ApplyMode::Commit
            && object.group == "apiextensions.k8s.io"
            && object.kind == "CustomResourceDefinition"
        {
            self.crd_applies.fetch_add(1, Ordering::SeqCst);
        }
        answer
            .json()
            .map_err(|reason| self.rejected(&object, reason))
    }

    async fn delete(
        &self,
        object: &ObjectRef,
        api_version: &str,
        owner: &BTreeMap<String, String>,
    ) -> Result<Deletion, Error> {
        let Some(live) = self.get_object(object, api_version).await? else {
            return Ok(Deletion::Absent);
        };
        if !has_labels(&live, owner) {
            return Ok(Deletion::NotOwned);
        }
        let Some(path) = self
            .collection(object, api_version, Version::AnyOfGroup)
            .await?
        else {
            return Ok(Deletion::Absent);
        };
        // The uid precondition makes sure the object checked is the object deleted.
        let mut params = DeleteParams::foreground();
        params.preconditions = live
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .map(|uid| Preconditions {
                uid: Some(uid.to_owned()),
                resource_version: None,
            });
        let request = ::kube::core::Request::new(path)
            .delete(&object.name, &params)
            .map_err(|error| self.rejected(object, error.to_string()))?;
        let answer = self.send(request).await?;
        match answer.status {
            status if status.is_success() => Ok(Deletion::Deleted),
            http::StatusCode::NOT_FOUND => Ok(Deletion::Absent),
            status => Err(self.rejected(
                object,
                format!("deleting it failed: {status}: {}", answer.message()),
            )),
        }
    }

    async fn health(&self, object: &ObjectRef, api_version: &str) -> Result<Health, Error> {
        if has_no_health(&object.group, &object.kind) {
            return Ok(Health::Ready);
        }
        let Some(live) = self.get_object(object, api_version).await? else {
            return Ok(Health::Failed("it is gone from the cluster".to_owned()));
        };
        let health = object_health(&object.group, &object.kind, &live);
        if let Health::Progressing(_) = &health
            && matches!(
                (object.group.as_str(), object.kind.as_str()),
                (
                    "apps",
                    "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
                ) | ("batch", "Job")
            )
            && let Some(failure) = self.failing_pods(object, &live).await?
        {
            return Ok(Health::Failed(failure));
        }
        Ok(health)
    }
}

/// `key=value,…`: objects carrying every label.
fn label_selector(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A page of a LIST, its items left as text until needed.
#[derive(serde::Deserialize)]
struct Page<'a> {
    #[serde(rename = "apiVersion", default, borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    metadata: PageMetadata<'a>,
    /// `null` for an empty list from some servers.
    #[serde(default, borrow)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Default, serde::Deserialize)]
struct PageMetadata<'a> {
    #[serde(rename = "continue", default, borrow)]
    continue_token: Option<Cow<'a, str>>,
}

/// What identifies a listed item and its version; the rest of it is skipped over.
#[derive(serde::Deserialize)]
struct Head<'a> {
    #[serde(rename = "apiVersion", default, borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    metadata: HeadMetadata<'a>,
}

#[derive(Default, serde::Deserialize)]
struct HeadMetadata<'a> {
    #[serde(default, borrow)]
    name: Cow<'a, str>,
    #[serde(default, borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(rename = "resourceVersion", default, borrow)]
    resource_version: Option<Cow<'a, str>>,
}

/// Asks a LIST for the objects' metadata only (`PartialObjectMetadataList`, as `kubectl`
/// and client-go's metadata informers do); a server that cannot answer so sends whole objects.
const METADATA_ACCEPT: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/// `Accept` for aggregated discovery (v2), falling back to the plain documents.
/// v2beta1 for API servers 1.26–1.29, which serve only that.
const AGGREGATED_ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// Reads the kubeconfig and builds a client. Errors are reasons the cluster is unreachable,
/// worded for the user: they name the file and the context, never credentials.
async fn connect(source: &Source) -> Result<Connection, String> {
    let kubeconfig = match &source.kubeconfig {
        Some(path) if !path.is_file() => {
            return Err(format!("kubeconfig `{}` does not exist", path.display()));
        }
        Some(path) => Kubeconfig::read_from(path).map_err(|error| {
            format!(
                "cannot read kubeconfig `{}`: {}",
                path.display(),
                one_line(&chain(&error))
            )
        })?,
        None => Kubeconfig::read().map_err(|error| {
            format!(
                "cannot read the default kubeconfig ($KUBECONFIG or ~/.kube/config): {}",
                one_line(&chain(&error))
            )
        })?,
    };
    let context = source
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone());
    let Some(context) = context else {
        return Err(format!(
            "{} has no current context; name one with `context`",
            source.describe()
        ));
    };
    let Some(named) = kubeconfig
        .contexts
        .iter()
        .find(|named| named.name == context)
    else {
        let known: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|named| named.name.as_str())
            .collect();
        return Err(format!(
            "{} does not exist (contexts there: {})",
            source.describe(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ));
    };
    let mut warnings = Vec::new();
    let cluster_name = named
        .context
        .as_ref()
        .map(|context| context.cluster.clone());
    if let Some(cluster) = kubeconfig
        .clusters
        .iter()
        .find(|cluster| Some(&cluster.name) == cluster_name.as_ref())
        .and_then(|cluster| cluster.cluster.as_ref())
        && cluster.insecure_skip_tls_verify == Some(true)
    {
        warnings.push(format!(
            "{} skips TLS verification (`insecure-skip-tls-verify`): the API server's identity is not checked",
            source.describe()
        ));
    }
    let options = KubeConfigOptions {
        context: Some(context),
        cluster: None,
        user: None,
    };
    let mut config = ::kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|error| format!("{}: {}", source.describe(), one_line(&chain(&error))))?;
    // Retries are mcctl's own (see `KubeCluster::send`): kube's default layer retries 15 times
    // over up to 1,000 s, which would stall a rollout on one sick cluster.
    config.default_retry = false;
    config.connect_timeout = Some(Duration::from_secs(10));
    config.read_timeout = Some(REQUEST_TIMEOUT);
    // A plain-HTTP API server (`kubectl proxy`, a local test server) never uses TLS: an empty
    // trust store spares loading the system's certificates again for each such cluster.
    if config.cluster_url.scheme_str() == Some("http") && config.root_cert.is_none() {
        config.root_cert = Some(Vec::new());
    }
    let client = ::kube::Client::try_from(config)
        .map_err(|error| format!("{}: {}", source.describe(), one_line(&chain(&error))))?;
    Ok(Connection { client, warnings })
}

/// A path as written in the config: `~/` is the home directory, a relative path is relative
/// to the workspace.
fn expand(workspace: &Path, path: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    workspace.join(path)
}

/// An error with its sources, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// A failed exchange, worded for the user.
fn describe(error: &::kube::Error) -> String {
    if let ::kube::Error::Auth(auth) = error {
        // A credential plugin's error quotes its output, which can hold the token.
        return format!("authentication failed: {}", one_line(&auth.to_string()));
    }
    let text = one_line(&chain(error));
    if text.contains("Connection refused") {
        "connection refused".to_owned()
    } else if text.contains("dns error") || text.contains("failed to lookup address") {
        format!("the API server's address does not resolve ({text})")
    } else {
        text
    }
}

/// The backoff before retry `attempt + 1`: exponential, capped, with full jitter.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE_BACKOFF
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_BACKOFF);
    // Full jitter: a fleet of clients throttled together must not retry together.
    let random = RandomState::new().hash_one(attempt);
    let millis = u64::try_from(ceiling.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    Duration::from_millis(random % millis + 1)
}

/// The group of an `apiVersion` (`""` for the core group).
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// The first line of a message, at most 300 characters: errors from reading a kubeconfig or
/// running a credential plugin can quote the file or the plugin's output, credentials
/// included, on the lines after.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    let mut short: String = line.chars().take(300).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// `/api/v1[/namespaces/NS]/PLURAL` or `/apis/GROUP/VERSION[/namespaces/NS]/PLURAL`.
fn collection_path(api_version: &str, namespace: Option<&str>, plural: &str) -> String {
    let root = if api_version.contains('/') {
        "apis"
    } else {
        "api"
    };
    match namespace {
        Some(namespace) => format!("/{root}/{api_version}/namespaces/{namespace}/{plural}"),
        None => format!("/{root}/{api_version}/{plural}"),
    }
}

/// The `apiVersion` and kind of a list's items (`DeploymentList` → `Deployment`).
/// The items of one LIST page and its `continue` token. Items whose identity and version are
/// in `known` are read only that far; the others get back the `apiVersion` and `kind` that list
/// items come without.
fn read_page(
    body: &[u8],
    known: &Versions<'_>,
) -> Result<(Vec<Listed>, Option<String>), serde_json::Error> {
    let page: Page<'_> = serde_json::from_slice(body)?;
    let api_version = page.api_version.as_deref();
    let kind = page
        .kind
        .as_deref()
        .and_then(|kind| kind.strip_suffix("List"));
    let raw_items = page.items.unwrap_or_default();
    let mut items = Vec::with_capacity(raw_items.len());
    for raw in raw_items {
        if !known.is_empty() {
            let head: Head<'_> = serde_json::from_str(raw.get())?;
            if let (Some(api_version), Some(kind), Some(version)) = (
                head.api_version.as_deref().or(api_version),
                head.kind.as_deref().or(kind),
                head.metadata.resource_version.as_deref(),
            ) {
                let object = ObjectRef::new(
                    api_version,
                    kind,
                    head.metadata.namespace.map(Cow::into_owned),
                    head.metadata.name,
                );
                if known.get(&object).copied() == Some(version) {
                    items.push(Listed::Unchanged(object));
                    continue;
                }
            }
        }
        let mut item: Value = serde_json::from_str(raw.get())?;
        if let Some(object) = item.as_object_mut() {
            if let Some(api_version) = api_version {
                object
                    .entry("apiVersion")
                    .or_insert_with(|| Value::String(api_version.to_owned()));
            }
            if let Some(kind) = kind {
                object
                    .entry("kind")
                    .or_insert_with(|| Value::String(kind.to_owned()));
            }
        }
        items.push(Listed::Object(item));
    }
    let next = page
        .metadata
        .continue_token
        .filter(|token| !token.is_empty())
        .map(Cow::into_owned);
    Ok((items, next))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Reads an `APIGroupDiscoveryList` (aggregated discovery, v2).
fn read_aggregated(document: &Value, resources: &mut Resources) {
    for group in document
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let group_name = group
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for version in group
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(version_name) = version.get("version").and_then(Value::as_str) else {
                continue;
            };
            let api_version = if group_name.is_empty() {
                version_name.to_owned()
            } else {
                format!("{group_name}/{version_name}")
            };
            for resource in version
                .get("resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let plural = resource.get("resource").and_then(Value::as_str);
                let kind = resource
                    .pointer("/responseKind/kind")
                    .and_then(Value::as_str);
                if let (Some(plural), Some(kind)) = (plural, kind) {
                    resources.kinds.insert(
                        (api_version.clone(), kind.to_owned()),
                        Resource {
                            api_version: api_version.clone(),
                            plural: plural.to_owned(),
                            namespaced: resource.get("scope").and_then(Value::as_str)
                                == Some("Namespaced"),
                        },
                    );
                }
            }
        }
    }
}

/// Reads a plain `APIResourceList`; subresources (`deployments/status`) are skipped.
fn read_resource_list(group_version: &str, list: &Value, resources: &mut Resources) {
    for resource in list
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = resource.get("name").and_then(Value::as_str);
        let kind = resource.get("kind").and_then(Value::as_str);
        if let (Some(name), Some(kind)) = (name, kind)
            && !name.contains('/')
        {
            resources.kinds.insert(
                (group_version.to_owned(), kind.to_owned()),
                Resource {
                    api_version: group_version.to_owned(),
                    plural: name.to_owned(),
                    namespaced: resource.get("namespaced").and_then(Value::as_bool) == Some(true),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collection_paths_follow_the_api_layout() {
        assert_eq!(
            collection_path("v1", Some("shop"), "configmaps"),
            "/api/v1/namespaces/shop/configmaps"
        );
        assert_eq!(
            collection_path("apps/v1", None, "deployments"),
            "/apis/apps/v1/deployments"
        );
        assert_eq!(
            collection_path("apiextensions.k8s.io/v1", None, "customresourcedefinitions"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        );
    }

    #[test]
    fn aggregated_discovery_gives_plural_and_scope() {
        let document = json!({
            "kind": "APIGroupDiscoveryList",
            "items": [
                {"metadata": {"name": "apps"}, "versions": [{"version": "v1", "resources": [
                    {"resource": "deployments", "scope": "Namespaced",
                     "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"}}]}]},
                {"metadata": {"name": ""}, "versions": [{"version": "v1", "resources": [
                    {"resource": "namespaces", "scope": "Cluster",
                     "responseKind": {"group": "", "version": "v1", "kind": "Namespace"}}]}]}
            ]
        });
        let mut resources = Resources::default();
        read_aggregated(&document, &mut resources);
        let deployment = resources.get("apps/v1", "Deployment").unwrap();
        assert_eq!(deployment.plural, "deployments");
        assert!(deployment.namespaced);
        let namespace = resources.get("v1", "Namespace").unwrap();
        assert!(!namespace.namespaced);
        assert_eq!(
            resources.enablements().keys().collect::<Vec<_>>(),
            ["apps/v1", "v1"]
        );
    }

    #[test]
    fn a_version_the_cluster_dropped_is_found_through_another_of_its_group_for_reads_only() {
        let list = json!({"resources": [
            {"name": "horizontalpodautoscalers", "kind": "HorizontalPodAutoscaler", "namespaced": true}
        ]});
        let mut resources = Resources::default();
        read_resource_list("autoscaling/v2", &list, &mut resources);
        let found = resources
            .find(
                "autoscaling/v2beta2",
                "HorizontalPodAutoscaler",
                Version::AnyOfGroup,
            )
            .unwrap();
        assert_eq!(found.api_version, "autoscaling/v2");
        assert!(
            resources
                .find(
                    "autoscaling/v2beta2",
                    "HorizontalPodAutoscaler",
                    Version::Exact
                )
                .is_none()
        );
        assert!(
            resources
                .find("policy/v1", "HorizontalPodAutoscaler", Version::AnyOfGroup)
                .is_none()
        );
    }

    #[test]
    fn errors_that_may_quote_credentials_keep_their_first_line() {
        let error = "cannot parse kubeconfig: invalid type at line 9\n  token: s3cr3t\n";
        assert_eq!(
            one_line(error),
            "cannot parse kubeconfig: invalid type at line 9"
        );
        assert!(one_line(&"x".repeat(500)).ends_with('…'));
    }

    #[test]
    fn plain_discovery_skips_subresources() {
        let list = json!({"resources": [
            {"name": "deployments", "kind": "Deployment", "namespaced": true},
            {"name": "deployments/status", "kind": "Deployment", "namespaced": true},
            {"name": "deployments/scale", "kind": "Scale", "namespaced": true}
        ]});
        let mut resources = Resources::default();
        read_resource_list("apps/v1", &list, &mut resources);
        assert_eq!(resources.kinds.len(), 1);
        assert_eq!(
            resources.get("apps/v1", "Deployment").unwrap().plural,
            "deployments"
        );
    }

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        for attempt in 0..10 {
            let wait = backoff(attempt);
            let ceiling = BASE_BACKOFF.saturating_mul(1 << attempt).min(MAX_BACKOFF);
            assert!(
                wait <= ceiling + Duration::from_millis(1),
                "{attempt}: {wait:?}"
            );
            assert!(wait >= Duration::from_millis(1));
        }
    }

    #[test]
    fn list_items_get_their_type_back_and_known_versions_are_not_read_whole() {
        // Raw text: `api\u0021` is escaped in the JSON, so its name cannot be borrowed.
        let body = br#"{"apiVersion": "apps/v1", "kind": "DeploymentList",
            "metadata": {"continue": "next-page"},
            "items": [
                {"metadata": {"name": "web", "namespace": "shop", "resourceVersion": "7"}, "spec": {"replicas": 2}},
                {"metadata": {"name": "api\u0021", "namespace": "shop", "resourceVersion": "8"}, "spec": {}},
                {"metadata": {"name": "db", "namespace": "shop", "resourceVersion": "9"}, "spec": {}}
            ]}"#;

        let (items, next) = read_page(body, &Versions::new()).unwrap();
        assert_eq!(next.as_deref(), Some("next-page"));
        let Listed::Object(web) = &items[0] else {
            panic!("{items:?}");
        };
        assert_eq!(web["apiVersion"], "apps/v1");
        assert_eq!(web["kind"], "Deployment");
        assert_eq!(web["spec"]["replicas"], 2);

        // `web` and `api!` are known at their versions; `db` at an older one.
        let web_ref: ObjectRef = "apps/Deployment/shop/web".parse().unwrap();
        let api_ref = ObjectRef::new("apps/v1", "Deployment", Some("shop".to_owned()), "api!");
        let db_ref: ObjectRef = "apps/Deployment/shop/db".parse().unwrap();
        let known: Versions<'_> = [(&web_ref, "7"), (&api_ref, "8"), (&db_ref, "3")].into();
        let (items, _) = read_page(body, &known).unwrap();
        assert_eq!(items[0], Listed::Unchanged(web_ref.clone()));
        assert_eq!(items[1], Listed::Unchanged(api_ref.clone()));
        let Listed::Object(db) = &items[2] else {
            panic!("{items:?}");
        };
        assert_eq!(db["metadata"]["name"], "db");

        for empty in [json!([]), Value::Null] {
            let last = json!({"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {"continue": ""}, "items": empty});
            let (items, next) = read_page(&serde_json::to_vec(&last).unwrap(), &known).unwrap();
            assert!(items.is_empty());
            assert_eq!(next, None);
        }
        assert!(read_page(b"{\"items\": [", &known).is_err());
    }

    #[test]
    fn paths_in_the_config_are_relative_to_the_workspace() {
        assert_eq!(
            expand(Path::new("/ws"), Path::new("kube/config")),
            PathBuf::from("/ws/kube/config")
        );
        assert_eq!(
            expand(Path::new("/ws"), Path::new("/etc/kubeconfig")),
            PathBuf::from("/etc/kubeconfig")
        );
    }
}
