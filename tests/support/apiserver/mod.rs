//! An in-process Kubernetes API test server: one [`ApiServer`] per fake cluster, serving
//! discovery, GET/LIST, server-side apply, merge patches of status and DELETE from an in-memory
//! store on `127.0.0.1`, with test controls (counters, faults, rollouts, seeding, stop/restart)
//! on the Rust handle. See `tests/support/README.md`.

mod apply;
mod defaults;
mod discovery;
mod faults;
mod fields;
mod kinds;
mod router;
mod selector;
mod status;
mod store;
mod updater;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};

pub(crate) use faults::Verb;
pub(crate) use updater::Rollout;

use faults::Controls;
use store::Store;

/// What the server tasks and the handle share; outlives a stop so a restart keeps the objects.
pub(crate) struct Shared {
    store: Mutex<Store>,
    controls: Arc<Controls>,
    rollout: Mutex<Rollout>,
}

impl Shared {
    fn lock_store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn rollout(&self) -> Rollout {
        *self.rollout.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One fake cluster's API server. Dropping it stops the server.
pub(crate) struct ApiServer {
    shared: Arc<Shared>,
    address: SocketAddr,
    /// The runtime serving requests; `None` while stopped. Each instance has its own, so stopping
    /// one kills its in-flight connections as a crashed API server would.
    runtime: Option<tokio::runtime::Runtime>,
}

impl ApiServer {
    /// Starts an instance on a random port of 127.0.0.1.
    pub(crate) fn start() -> Self {
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new()),
            controls: Arc::new(Controls::default()),
            rollout: Mutex::new(Rollout::AvailableAfter(Duration::ZERO)),
        });
        let mut server = Self {
            shared,
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            runtime: None,
        };
        server.serve();
        server
    }

    fn serve(&mut self) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the API test server");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(self.address))
            .unwrap_or_else(|error| {
                panic!(
                    "cannot bind the API test server to {}: {error}",
                    self.address
                )
            });
        self.address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let listener = DroppingListener {
            inner: listener,
            controls: Arc::clone(&self.shared.controls),
        };
        let app = router::router(Arc::clone(&self.shared));
        runtime.spawn(async move { axum::serve(listener, app).await });
        self.runtime = Some(runtime);
    }

    /// `http://127.0.0.1:PORT`, the server URL for a kubeconfig.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    /// Kills the server at once: listener and open connections close, requests in flight get no
    /// reply. The objects stay for [`ApiServer::restart`].
    pub(crate) fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }

    /// Serves again on the same port, with the objects the instance had when it stopped.
    pub(crate) fn restart(&mut self) {
        self.stop();
        self.serve();
    }

    /// Requests that reached the server, by verb.
    pub(crate) fn count(&self, verb: Verb) -> u64 {
        self.shared.controls.count(verb)
    }

    /// Requests that reached the server, by verb and resource (`deployments`, `apps/deployments`).
    pub(crate) fn count_for(&self, verb: Verb, resource: &str) -> u64 {
        self.shared.controls.count_for(verb, resource)
    }

    /// Every counter, keyed by verb and resource (the path for discovery).
    pub(crate) fn counts(&self) -> std::collections::BTreeMap<(Verb, String), u64> {
        self.shared.controls.counts()
    }

    /// How many LISTs were later pages of a paginated list (they carried a `continue` token), so
    /// `count(Verb::List) - count_continued()` is the number of lists asked for.
    pub(crate) fn count_continued(&self) -> u64 {
        self.shared.controls.count_continued()
    }

    /// How many LISTs of `resource` were later pages of a paginated list.
    pub(crate) fn count_continued_for(&self, resource: &str) -> u64 {
        self.shared.controls.count_continued_for(resource)
    }

    pub(crate) fn reset_counts(&self) {
        self.shared.controls.reset_counts();
    }

    /// Delays every request by `latency` before it is handled.
    pub(crate) fn set_latency(&self, latency: Duration) {
        self.shared.controls.set_latency(latency);
    }

    /// Answers the next `count` requests with `429 Too Many Requests`.
    pub(crate) fn throttle_next(&self, count: u32) {
        self.shared
            .controls
            .fail_next(count, axum::http::StatusCode::TOO_MANY_REQUESTS);
    }

    /// Answers the next `count` requests with `500 Internal Server Error`.
    pub(crate) fn fail_next(&self, count: u32) {
        self.shared
            .controls
            .fail_next(count, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    }

    /// Closes the next `count` new connections without reading from them.
    pub(crate) fn drop_next_connections(&self, count: u32) {
        self.shared.controls.drop_next_connections(count);
    }

    /// How Deployments written from now on roll out.
    pub(crate) fn set_rollout(&self, rollout: Rollout) {
        *self
            .shared
            .rollout
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = rollout;
    }

    /// Stores an object as if another actor had created it (no field manager); returns it with
    /// its server metadata.
    pub(crate) fn insert(&self, object: Value) -> Value {
        self.shared.lock_store().insert(object)
    }

    /// A ready Node with the given allocatable CPU (`"4"`, `"500m"`) and memory (`"8Gi"`).
    pub(crate) fn seed_node(&self, name: &str, cpu: &str, memory: &str) -> Value {
        self.insert(json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {
                "capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
                "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        }))
    }

    /// A running Pod on `node` requesting `cpu` and `memory`.
    pub(crate) fn seed_pod(
        &self,
        namespace: &str,
        name: &str,
        node: &str,
        cpu: &str,
        memory: &str,
    ) -> Value {
        self.insert(json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "nodeName": node,
                "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": cpu, "memory": memory}}}],
            },
            "status": {"phase": "Running"},
        }))
    }

    /// The stored object, read without going through HTTP (so counters are not touched).
    pub(crate) fn object(&self, resource: &str, namespace: &str, name: &str) -> Option<Value> {
        let key = store::ObjectKey {
            resource: resource.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        };
        self.shared
            .lock_store()
            .get(&key)
            .map(|entry| entry.object.clone())
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A listener that closes connections the test asked to drop, before the server sees them.
struct DroppingListener {
    inner: tokio::net::TcpListener,
    controls: Arc<Controls>,
}

impl axum::serve::Listener for DroppingListener {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let accepted = axum::serve::Listener::accept(&mut self.inner).await;
            if !self.controls.take_drop() {
                return accepted;
            }
            drop(accepted);
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A kubeconfig with one context per `(name, server URL)`, the first one current, for `user`
/// with the bearer token `<user>-not-a-secret`: it only ever reaches these loopback servers.
pub(crate) fn kubeconfig(contexts: &[(String, String)], user: &str) -> String {
    use std::fmt::Write as _;
    let mut clusters = String::new();
    let mut entries = String::new();
    for (name, url) in contexts {
        let _ = write!(clusters, "- name: {name}\n  cluster:\n    server: {url}\n");
        let _ = write!(
            entries,
            "- name: {name}\n  context:\n    cluster: {name}\n    user: {user}\n"
        );
    }
    let current = contexts.first().map_or("", |(name, _)| name.as_str());
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}users:\n- name: {user}\n  user:\n    token: {user}-not-a-secret\ncontexts:\n{entries}current-context: {current}\n"
    )
}
