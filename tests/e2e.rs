//! Opt-in live tests: the built `mcctl` against real clusters (kind or k3d), on workspaces
//! generated in temp dirs.
//!
//! `MCCTL_E2E_KUBECONFIG=path [MCCTL_E2E_CONTEXTS=ctx1,ctx2,ctx3] cargo test --test e2e -- --ignored`
//! (contexts default to the three of `examples/kind/up.sh`). Each test works in a namespace and a
//! workspace name of its own, so the tests run side by side, and destroys what it applied (also
//! when it fails). Checks on the clusters themselves use `kubectl` when it is installed.
//! docs/live-clusters.md, "Live tests", says how to run them against kind.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The contexts of the clusters `examples/kind/up.sh` creates.
const DEFAULT_CONTEXTS: &str = "kind-mcctl-eu-1,kind-mcctl-eu-2,kind-mcctl-us-1";
/// A tiny image every kind node can pull, whose pods become Ready at once.
const GOOD_IMAGE: &str = "registry.k8s.io/pause:3.10";
/// An image no node can pull: its pods go to `ErrImagePull` / `ImagePullBackOff`.
const MISSING_IMAGE: &str = "registry.invalid/mcctl-e2e/missing:0";

/// Prints why a test (or part of it) does not run. Ignored tests run on purpose, so the note is
/// worth the noise.
#[expect(
    clippy::print_stderr,
    reason = "the only way a test can say it skipped itself"
)]
fn note(message: &str) {
    eprintln!("note: {message}");
}

/// The clusters named by the environment.
struct Fleet {
    kubeconfig: PathBuf,
    contexts: Vec<String>,
}

impl Fleet {
    /// The fleet of `MCCTL_E2E_KUBECONFIG` and `MCCTL_E2E_CONTEXTS`, or `None` (with a note) when
    /// the kubeconfig is not given.
    fn from_env(test: &str) -> Option<Self> {
        let Some(kubeconfig) = std::env::var_os("MCCTL_E2E_KUBECONFIG") else {
            note(&format!(
                "{test}: MCCTL_E2E_KUBECONFIG is not set, skipped (docs/live-clusters.md, \"Live tests\")"
            ));
            return None;
        };
        let kubeconfig =
            std::path::absolute(PathBuf::from(kubeconfig)).expect("MCCTL_E2E_KUBECONFIG is a path");
        assert!(
            kubeconfig.is_file(),
            "MCCTL_E2E_KUBECONFIG: {} is not a file",
            kubeconfig.display()
        );
        let contexts: Vec<String> = std::env::var("MCCTL_E2E_CONTEXTS")
            .unwrap_or_else(|_| DEFAULT_CONTEXTS.to_owned())
            .split(',')
            .map(str::trim)
            .filter(|context| !context.is_empty())
            .map(str::to_owned)
            .collect();
        assert!(!contexts.is_empty(), "MCCTL_E2E_CONTEXTS names no context");
        Some(Self {
            kubeconfig,
            contexts,
        })
    }
}

/// What the generated workspace holds besides the fleet.
struct Spec {
    /// The Deployment's image.
    image: &'static str,
    /// `settings.rollout.wait_timeout`.
    wait_timeout: &'static str,
    /// Add a cluster `gone` whose API server refuses connections.
    unreachable_cluster: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            image: GOOD_IMAGE,
            wait_timeout: "3m",
            unreachable_cluster: false,
        }
    }
}

/// What a run of `mcctl` printed and returned.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Panics with the output unless the exit code is `code`.
    #[track_caller]
    fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout parsed as JSON.
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

/// A generated workspace whose clusters `c1`, `c2`, … are the fleet's contexts, in order; `c1`
/// is the canary. Its objects live in the namespace named like the workspace.
struct Workspace {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// The workspace name, which is also the namespace of its objects.
    name: String,
    fleet: Fleet,
    /// Destroy uses `--allow-unreachable` on drop.
    unreachable_cluster: bool,
}

impl Workspace {
    fn new(fleet: Fleet, spec: &Spec) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path().join("workspace");
        std::fs::create_dir(&root).expect("the workspace dir");
        let id = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("mcctl-e2e-{}", &id[..8]);
        let clusters: Vec<String> = (1..=fleet.contexts.len())
            .map(|index| format!("c{index}"))
            .collect();

        let mut hcl = format!(
            "settings {{\n  workspace = \"{name}\"\n\n  rollout {{\n    max_parallel_clusters = 1\n    wait_timeout          = \"{}\"\n    order                 = [\"c1\", \"*\"]\n  }}\n}}\n",
            spec.wait_timeout
        );
        for (cluster, context) in clusters.iter().zip(&fleet.contexts) {
            let _ = write!(
                hcl,
                "\ncluster \"{cluster}\" {{\n  kubeconfig = {}\n  context    = {}\n  labels     = {{ e2e = \"true\" }}\n}}\n",
                hcl_string(&fleet.kubeconfig.display().to_string()),
                hcl_string(context),
            );
        }
        if spec.unreachable_cluster {
            // `gone` starts as a second name for the first context (so it gets objects and a
            // placement); `Workspace::take_gone_down` then points it at a closed port.
            std::fs::copy(&fleet.kubeconfig, root.join("gone.kubeconfig"))
                .expect("the kubeconfig of `gone`");
            let _ = write!(
                hcl,
                "\ncluster \"gone\" {{\n  kubeconfig = \"gone.kubeconfig\"\n  context    = {}\n  labels     = {{ e2e = \"true\" }}\n}}\n",
                hcl_string(&fleet.contexts[0]),
            );
        }
        // The namespace is pruned by destroy, so a passing test leaves nothing behind.
        let _ = write!(
            hcl,
            "\ntemplate \"namespace\" {{\n  prune    = true\n  manifest = {{\n    apiVersion = \"v1\"\n    kind       = \"Namespace\"\n    metadata   = {{ name = \"{name}\" }}\n  }}\n}}\n\ntemplate \"app\" {{\n  source = \"app.yaml\"\n}}\n"
        );
        // `web` is divided over the fleet's clusters (never `gone`): 2 shares for the canary, 1
        // for each other cluster, 2 replicas a share, so c1 runs 4 and every other cluster 2.
        let mut weights = String::new();
        for (index, cluster) in clusters.iter().enumerate() {
            let weight = if index == 0 { 2 } else { 1 };
            let _ = write!(
                weights,
                "        static_weight {{\n          target_cluster {{\n            cluster_names = [\"{cluster}\"]\n          }}\n          weight = {weight}\n        }}\n"
            );
        }
        let cluster_list = clusters
            .iter()
            .map(|cluster| format!("\"{cluster}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            hcl,
            "\npropagation_policy \"web\" {{\n  namespace = \"{name}\"\n\n  resource_selector {{\n    api_version = \"apps/v1\"\n    kind        = \"Deployment\"\n    name        = \"web\"\n  }}\n\n  placement {{\n    cluster_affinity {{\n      cluster_names = [{cluster_list}]\n    }}\n\n    replica_scheduling {{\n      replica_scheduling_type     = \"Divided\"\n      replica_division_preference = \"Weighted\"\n\n      weight_preference {{\n{weights}      }}\n    }}\n  }}\n}}\n\npropagation_policy \"config\" {{\n  namespace = \"{name}\"\n\n  resource_selector {{\n    api_version = \"v1\"\n    kind        = \"ConfigMap\"\n    name        = \"web-config\"\n  }}\n}}\n"
        );
        std::fs::write(root.join("main.hcl"), hcl).expect("main.hcl");

        let replicas = 2 * (clusters.len() + 1);
        let app = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: {name}\ndata:\n  LOG_LEVEL: info\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {name}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      terminationGracePeriodSeconds: 1\n      containers:\n        - name: web\n          image: {}\n          envFrom:\n            - configMapRef:\n                name: web-config\n",
            spec.image
        );
        std::fs::write(root.join("app.yaml"), app).expect("app.yaml");

        Self {
            _dir: dir,
            root,
            name,
            fleet,
            unreachable_cluster: spec.unreachable_cluster,
        }
    }

    /// Makes the cluster `gone` unreachable: its context now points at port 1 of the loopback,
    /// which refuses connections at once (unreachable, not slow).
    fn take_gone_down(&self) {
        let context = &self.fleet.contexts[0];
        std::fs::write(
            self.root.join("gone.kubeconfig"),
            format!("apiVersion: v1\nkind: Config\nclusters:\n  - name: gone\n    cluster:\n      server: https://127.0.0.1:1\ncontexts:\n  - name: {context}\n    context:\n      cluster: gone\n      user: gone\ncurrent-context: {context}\nusers:\n  - name: gone\n    user:\n      token: e2e\n"),
        )
        .expect("the unreachable kubeconfig of `gone`");
    }

    /// The workspace's cluster names for the fleet's contexts, in order.
    fn clusters(&self) -> Vec<String> {
        (1..=self.fleet.contexts.len())
            .map(|index| format!("c{index}"))
            .collect()
    }

    /// The replicas the plan places on `cluster`.
    fn expected_replicas(cluster: &str) -> i64 {
        if cluster == "c1" { 4 } else { 2 }
    }

    /// Runs `mcctl -C <root> <args>`. `KUBECONFIG` is removed so that only what the workspace
    /// says can reach a cluster.
    fn mcctl(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_mcctl"))
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .output()
            .expect("mcctl runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `kubectl --kubeconfig … --context <cluster's context> <args>`: stdout on success, the
    /// error text otherwise.
    fn kubectl(&self, cluster: &str, args: &[&str]) -> Result<String, String> {
        let index: usize = cluster
            .strip_prefix('c')
            .and_then(|index| index.parse().ok())
            .expect("a fleet cluster");
        let output = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.fleet.kubeconfig)
            .arg("--context")
            .arg(&self.fleet.contexts[index - 1])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("kubectl runs");
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// A field of an object in the workspace's namespace (`kubectl get -o jsonpath`), or `None`
    /// when the object does not exist.
    fn field(&self, cluster: &str, object: &str, jsonpath: &str) -> Option<String> {
        self.get(cluster, &[object, "-n", &self.name], jsonpath)
    }

    /// The phase of the workspace's namespace, or `None` when it does not exist.
    fn namespace_phase(&self, cluster: &str) -> Option<String> {
        self.get(cluster, &["namespace", &self.name], ".status.phase")
    }

    /// `kubectl get <what> -o jsonpath={<jsonpath>}`: `None` for an object that does not exist;
    /// any other failure (a missing context, an unreachable cluster) panics.
    fn get(&self, cluster: &str, what: &[&str], jsonpath: &str) -> Option<String> {
        let jsonpath = format!("jsonpath={{{jsonpath}}}");
        let mut args = vec!["get"];
        args.extend_from_slice(what);
        args.extend_from_slice(&["-o", &jsonpath]);
        match self.kubectl(cluster, &args) {
            Ok(value) => Some(value),
            Err(error) if error.contains("NotFound") => None,
            Err(error) => panic!("kubectl {} on {cluster}: {error}", args.join(" ")),
        }
    }

    /// Runs kubectl and panics if it fails.
    #[track_caller]
    fn kubectl_ok(&self, cluster: &str, args: &[&str]) {
        if let Err(error) = self.kubectl(cluster, args) {
            panic!("kubectl {} on {cluster}: {error}", args.join(" "));
        }
    }

    /// The changes of a `plan --json` run, as (cluster, kind, action, drift).
    fn changes(plan: &serde_json::Value) -> Vec<(String, String, String, bool)> {
        plan["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|change| {
                (
                    change["cluster"].as_str().unwrap_or_default().to_owned(),
                    change["resource"]["kind"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    change["action"].as_str().unwrap_or_default().to_owned(),
                    change["drift"].as_bool().unwrap_or_default(),
                )
            })
            .collect()
    }
}

impl Drop for Workspace {
    /// Best-effort cleanup when a test fails half-way; a passing test has destroyed everything
    /// already, so this finds nothing to do.
    fn drop(&mut self) {
        let mut args = vec!["destroy", "--auto-approve", "--include-protected"];
        if self.unreachable_cluster {
            args.push("--allow-unreachable");
        }
        let _ = self.mcctl(&args);
        if kubectl_available() {
            for cluster in self.clusters() {
                let _ = self.kubectl(
                    &cluster,
                    &[
                        "delete",
                        "namespace",
                        &self.name,
                        "--ignore-not-found",
                        "--wait=false",
                    ],
                );
            }
        }
    }
}

/// An HCL string literal (Rust's escapes for `"` and `\` are HCL's too).
fn hcl_string(text: &str) -> String {
    format!("{text:?}")
}

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Apply reaches every cluster, waits for health, and a second plan finds nothing to do; destroy
/// removes everything.
#[test]
#[ignore = "needs live clusters: MCCTL_E2E_KUBECONFIG"]
fn apply_converges_and_destroy_removes_everything() {
    let Some(fleet) = Fleet::from_env("apply_converges_and_destroy_removes_everything") else {
        return;
    };
    let workspace = Workspace::new(fleet, &Spec::default());
    let clusters = workspace.clusters();

    workspace.mcctl(&["apply", "--auto-approve"]).expect_code(0);
    workspace
        .mcctl(&["plan", "--detailed-exitcode"])
        .expect_code(0);
    let plan = workspace.mcctl(&["plan", "--json"]);
    plan.expect_code(0);
    let plan = plan.json();
    assert!(
        plan["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .is_empty(),
        "{:#}",
        plan["diagnostics"]
    );
    assert!(Workspace::changes(&plan).is_empty());
    let state = workspace.mcctl(&["state", "list"]);
    state.expect_code(0);
    for cluster in &clusters {
        let address = format!("apps/Deployment/{}/web@{cluster}", workspace.name);
        assert!(state.stdout.contains(&address), "{}", state.stdout);
    }

    if kubectl_available() {
        for cluster in &clusters {
            let expected = Workspace::expected_replicas(cluster).to_string();
            assert_eq!(
                workspace.field(cluster, "deployment/web", ".spec.replicas"),
                Some(expected.clone()),
                "{cluster}"
            );
            // Apply waited for every batch's health, so every replica is available already.
            assert_eq!(
                workspace.field(cluster, "deployment/web", ".status.availableReplicas"),
                Some(expected),
                "{cluster}"
            );
            assert_eq!(
                workspace.field(
                    cluster,
                    "configmap/web-config",
                    ".metadata.labels.app\\.kubernetes\\.io/managed-by"
                ),
                Some("mcctl".to_owned())
            );
            assert_eq!(
                workspace.field(
                    cluster,
                    "configmap/web-config",
                    ".metadata.labels.mcctl\\.io/workspace"
                ),
                Some(workspace.name.clone())
            );
        }
    } else {
        note("kubectl is not installed: the objects on the clusters are not inspected");
    }

    workspace
        .mcctl(&["destroy", "--auto-approve"])
        .expect_code(0);
    if kubectl_available() {
        for cluster in &clusters {
            assert_eq!(
                workspace.field(cluster, "deployment/web", ".metadata.name"),
                None,
                "{cluster}"
            );
            // The namespace is deleted (in the foreground: it may still be terminating).
            let phase = workspace.namespace_phase(cluster);
            assert!(
                phase.is_none() || phase.as_deref() == Some("Terminating"),
                "{cluster}: namespace {phase:?}"
            );
        }
    }
    // Nothing is left, so everything is to be created again.
    workspace
        .mcctl(&["plan", "--detailed-exitcode"])
        .expect_code(2);
}

/// A change made with kubectl to a field mcctl applies is drift, named with its manager, and
/// apply restores it; a field mcctl does not apply is left alone and is not drift.
#[test]
#[ignore = "needs live clusters: MCCTL_E2E_KUBECONFIG"]
fn drift_by_another_manager_is_planned_and_restored() {
    let Some(fleet) = Fleet::from_env("drift_by_another_manager_is_planned_and_restored") else {
        return;
    };
    if !kubectl_available() {
        note("drift_by_another_manager_is_planned_and_restored: kubectl is not installed, skipped");
        return;
    }
    let workspace = Workspace::new(fleet, &Spec::default());
    let clusters = workspace.clusters();
    let scaled = clusters.last().expect("a cluster").clone();
    workspace.mcctl(&["apply", "--auto-approve"]).expect_code(0);

    // Someone else's annotation: not a field mcctl applies, so not drift.
    workspace.kubectl_ok(
        "c1",
        &[
            "annotate",
            "configmap/web-config",
            "-n",
            &workspace.name,
            "e2e.mcctl.io/note=not-mcctls",
        ],
    );
    workspace
        .mcctl(&["plan", "--detailed-exitcode"])
        .expect_code(0);

    // Fields mcctl applies, changed by kubectl.
    workspace.kubectl_ok(
        "c1",
        &[
            "patch",
            "configmap/web-config",
            "-n",
            &workspace.name,
            "--type",
            "merge",
            "-p",
            r#"{"data":{"LOG_LEVEL":"debug"}}"#,
        ],
    );
    workspace.kubectl_ok(
        &scaled,
        &[
            "scale",
            "deployment/web",
            "-n",
            &workspace.name,
            "--replicas=7",
        ],
    );
    let plan = workspace.mcctl(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(plan.stdout.contains("LOG_LEVEL"), "{}", plan.stdout);
    // The plan names the manager that took the field (kubectl's managers are `kubectl-…`).
    assert!(plan.stdout.contains("kubectl"), "{}", plan.stdout);
    let json = workspace.mcctl(&["plan", "--json"]);
    json.expect_code(0);
    let changes = Workspace::changes(&json.json());
    assert!(
        changes.contains(&(
            "c1".to_owned(),
            "ConfigMap".to_owned(),
            "update".to_owned(),
            true
        )),
        "{changes:?}"
    );
    assert!(
        changes.contains(&(
            scaled.clone(),
            "Deployment".to_owned(),
            "update".to_owned(),
            true
        )),
        "{changes:?}"
    );

    workspace.mcctl(&["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(
        workspace.field("c1", "configmap/web-config", ".data.LOG_LEVEL"),
        Some("info".to_owned())
    );
    assert_eq!(
        workspace.field(&scaled, "deployment/web", ".spec.replicas"),
        Some(Workspace::expected_replicas(&scaled).to_string())
    );
    // Apply takes back its own fields only.
    assert_eq!(
        workspace.field(
            "c1",
            "configmap/web-config",
            ".metadata.annotations.e2e\\.mcctl\\.io/note"
        ),
        Some("not-mcctls".to_owned())
    );
    workspace
        .mcctl(&["plan", "--detailed-exitcode"])
        .expect_code(0);
    workspace
        .mcctl(&["destroy", "--auto-approve"])
        .expect_code(0);
}

/// A canary whose pods cannot pull their image fails fast (well before `wait_timeout`), apply
/// exits 1, the clusters after it never get the failed wave, and the state keeps what was applied.
#[test]
#[ignore = "needs live clusters: MCCTL_E2E_KUBECONFIG"]
fn a_failing_canary_stops_the_rollout() {
    let Some(fleet) = Fleet::from_env("a_failing_canary_stops_the_rollout") else {
        return;
    };
    if fleet.contexts.len() < 2 {
        note("a_failing_canary_stops_the_rollout: needs two contexts or more, skipped");
        return;
    }
    let workspace = Workspace::new(
        fleet,
        &Spec {
            image: MISSING_IMAGE,
            wait_timeout: "10m",
            ..Spec::default()
        },
    );
    let clusters = workspace.clusters();

    let started = Instant::now();
    let apply = workspace.mcctl(&["apply", "--auto-approve"]);
    let took = started.elapsed();
    apply.expect_code(1);
    assert!(
        apply.stderr.contains("ImagePull") || apply.stdout.contains("ImagePull"),
        "the failure does not name its reason\n--- stdout\n{}\n--- stderr\n{}",
        apply.stdout,
        apply.stderr
    );
    assert!(
        took < Duration::from_secs(300),
        "apply took {took:?}: it waited for the timeout instead of failing fast"
    );

    // The canary (c1) got the earlier waves (Namespace, ConfigMap) and its Deployment, which
    // failed; no later cluster was touched, so the state records nothing for them.
    for cluster in &clusters {
        let state = workspace.mcctl(&["state", "list", &format!("@{cluster}")]);
        state.expect_code(0);
        let config = format!("core/ConfigMap/{}/web-config@{cluster}", workspace.name);
        assert_eq!(
            state.stdout.contains(&config),
            cluster == "c1",
            "{cluster}: {}",
            state.stdout
        );
    }
    if kubectl_available() {
        assert!(
            workspace
                .field("c1", "deployment/web", ".metadata.name")
                .is_some()
        );
        for cluster in &clusters[1..] {
            assert_eq!(
                workspace.field(cluster, "deployment/web", ".metadata.name"),
                None,
                "{cluster} was changed after the canary failed"
            );
        }
    }
    // The rest of the rollout is still to do.
    workspace
        .mcctl(&["plan", "--detailed-exitcode"])
        .expect_code(2);
    workspace
        .mcctl(&["destroy", "--auto-approve"])
        .expect_code(0);
}

/// A cluster that cannot be reached is a plan warning; apply refuses to start until
/// `--allow-unreachable`, which applies the others and skips it.
#[test]
#[ignore = "needs live clusters: MCCTL_E2E_KUBECONFIG"]
fn an_unreachable_cluster_warns_and_blocks_apply() {
    let Some(fleet) = Fleet::from_env("an_unreachable_cluster_warns_and_blocks_apply") else {
        return;
    };
    let workspace = Workspace::new(
        fleet,
        &Spec {
            unreachable_cluster: true,
            ..Spec::default()
        },
    );

    // First everything is reachable; then `gone` goes away and the config changes.
    workspace.mcctl(&["apply", "--auto-approve"]).expect_code(0);
    workspace.take_gone_down();
    let app = std::fs::read_to_string(workspace.root.join("app.yaml")).expect("app.yaml");
    std::fs::write(
        workspace.root.join("app.yaml"),
        app.replace("LOG_LEVEL: info", "LOG_LEVEL: debug"),
    )
    .expect("app.yaml");

    let plan = workspace.mcctl(&["plan", "--json"]);
    plan.expect_code(0);
    let plan = plan.json();
    let diagnostics = plan["diagnostics"].as_array().expect("diagnostics");
    assert!(
        diagnostics.iter().any(|diagnostic| {
            diagnostic["severity"] == "warning" && diagnostic["cluster"] == "gone"
        }),
        "{diagnostics:#?}"
    );
    assert!(
        diagnostics
            .iter()
            .all(|diagnostic| diagnostic["severity"] != "error"),
        "{diagnostics:#?}"
    );
    // `gone` keeps its placement: the update is planned for it too.
    assert!(
        Workspace::changes(&plan)
            .iter()
            .any(|(cluster, _, _, _)| cluster == "gone"),
        "{plan:#}"
    );

    let refused = workspace.mcctl(&["apply", "--auto-approve"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains("gone") && refused.stderr.contains("--allow-unreachable"),
        "{}",
        refused.stderr
    );
    if kubectl_available() {
        // Refused before anything was written.
        assert_eq!(
            workspace.field("c1", "configmap/web-config", ".data.LOG_LEVEL"),
            Some("info".to_owned()),
            "apply wrote to c1 although it refused"
        );
    }

    workspace
        .mcctl(&["apply", "--auto-approve", "--allow-unreachable"])
        .expect_code(0);
    if kubectl_available() {
        for cluster in workspace.clusters() {
            assert_eq!(
                workspace.field(&cluster, "configmap/web-config", ".data.LOG_LEVEL"),
                Some("debug".to_owned()),
                "{cluster}"
            );
        }
    }
    // `gone` is neither pruned nor forgotten: its objects stay in the state until it is back.
    let state = workspace.mcctl(&["state", "list"]);
    state.expect_code(0);
    let config = format!("core/ConfigMap/{}/web-config@gone", workspace.name);
    assert!(state.stdout.contains(&config), "{}", state.stdout);
    workspace
        .mcctl(&["destroy", "--auto-approve", "--allow-unreachable"])
        .expect_code(0);
}

/// The generated workspace is valid: the tests above fail for mcctl's behaviour, not for a
/// broken fixture. Runs without clusters when the kubeconfig is given.
#[test]
#[ignore = "needs live clusters: MCCTL_E2E_KUBECONFIG"]
fn the_generated_workspace_is_valid() {
    let Some(fleet) = Fleet::from_env("the_generated_workspace_is_valid") else {
        return;
    };
    let workspace = Workspace::new(
        fleet,
        &Spec {
            unreachable_cluster: true,
            ..Spec::default()
        },
    );
    let validate = workspace.mcctl(&["validate"]);
    validate.expect_code(0);
    assert!(validate.stderr.is_empty(), "{}", validate.stderr);
}
