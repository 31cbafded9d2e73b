//! Push clusters over real HTTP: mcctl (through kube-rs) against instances of the API test
//! server, one per cluster, reached through a generated kubeconfig.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Outcome, TestContext, wait_for};
use crate::test_support::apiserver::{self, ApiServer, Rollout, Verb};
use crate::test_support::http;

/// A fleet of API test servers `c0`, `c1`, … and a workspace that reaches them.
struct LiveFleet {
    servers: Vec<ApiServer>,
    context: TestContext,
}

/// The web app every fleet gets: a `ConfigMap` and a Deployment that uses it, to every
/// cluster, replicas duplicated.
const APP: &str = r"apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  level: info
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          envFrom:
            - configMapRef: {name: web-config}
";

impl LiveFleet {
    /// `clusters` servers; `rollout` is the body of the HCL `rollout` block.
    fn new(clusters: usize, rollout: &str, manifests: &str) -> Self {
        let servers: Vec<ApiServer> = (0..clusters).map(|_| ApiServer::start()).collect();
        let mut hcl =
            format!("settings {{\n  workspace = \"live\"\n\n  rollout {{\n{rollout}\n  }}\n}}\n");
        for index in 0..clusters {
            let tier = if index == 0 { "canary" } else { "main" };
            let _ = write!(
                hcl,
                "\ncluster \"c{index}\" {{\n  kubeconfig = \"kubeconfig\"\n  context    = \"c{index}\"\n  labels     = {{ tier = \"{tier}\" }}\n}}\n"
            );
        }
        hcl.push_str(
            "\ncluster_propagation_policy \"everywhere\" {\n  resource_selector {\n    api_version = \"v1\"\n    kind        = \"ConfigMap\"\n  }\n  resource_selector {\n    api_version = \"apps/v1\"\n    kind        = \"Deployment\"\n  }\n  resource_selector {\n    api_version = \"autoscaling/v2\"\n    kind        = \"HorizontalPodAutoscaler\"\n  }\n}\n",
        );
        let context = TestContext::with_files(&[
            ("main.hcl", &hcl),
            ("app.yaml", manifests),
            ("kubeconfig", &kubeconfig(&servers)),
        ]);
        Self { servers, context }
    }

    fn run(&self, args: &[&str]) -> Outcome {
        self.context.run(args)
    }

    fn deployment(&self, cluster: usize) -> Option<Value> {
        self.servers[cluster].object("apps/deployments", "default", "web")
    }
}

/// A kubeconfig with one context per server, `c0`, `c1`, …
fn kubeconfig(servers: &[ApiServer]) -> String {
    let contexts: Vec<(String, String)> = servers
        .iter()
        .enumerate()
        .map(|(index, server)| (format!("c{index}"), server.url()))
        .collect();
    apiserver::kubeconfig(&contexts, "tester")
}

const WEB: &str = "/apis/apps/v1/namespaces/default/deployments/web";

/// Server-side applies `body` to `path` as field manager `manager`, with force: another tool
/// (`kubectl`, a controller) writing to the cluster behind mcctl's back.
fn apply_as(server: &ApiServer, path: &str, manager: &str, body: &Value) {
    let response = http::send(
        server.address(),
        "PATCH",
        &format!("{path}?fieldManager={manager}&force=true"),
        Some("application/apply-patch+yaml"),
        body.to_string().as_bytes(),
    )
    .unwrap();
    assert!(matches!(response.status, 200 | 201), "{:?}", response.body);
}

/// `count` more `ConfigMap`s named `<prefix>-0`, `<prefix>-1`, …, as YAML documents to append.
fn config_maps(prefix: &str, count: usize) -> String {
    let mut manifests = String::new();
    for index in 0..count {
        let _ = write!(
            manifests,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {prefix}-{index}\ndata:\n  index: \"{index}\"\n"
        );
    }
    manifests
}

const FAST: &str = "    max_parallel_clusters = 3\n    wait_timeout = \"20s\"";

#[test]
fn plan_apply_and_a_plan_with_no_changes_on_three_clusters() {
    let fleet = LiveFleet::new(3, FAST, APP);
    let plan = fleet.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(plan.stdout.contains("6 to add"), "{}", plan.stdout);

    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    for cluster in 0..3 {
        let deployment = fleet.deployment(cluster).expect("web is applied");
        assert_eq!(deployment["spec"]["replicas"], 2);
        let managers: Vec<&str> = deployment["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|entry| entry["manager"].as_str())
            .collect();
        assert!(managers.contains(&"mcctl"), "{managers:?}");
        assert_eq!(
            deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "mcctl"
        );
    }

    // Server defaults, status and metadata the server owns are not changes.
    let again = fleet.run(&["plan", "--detailed-exitcode"]);
    again.expect_code(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn refresh_is_one_list_per_kind_and_cluster_and_never_a_get_per_object() {
    let manifests = format!("{APP}{}", config_maps("extra", 40));
    let fleet = LiveFleet::new(2, FAST, &manifests);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    for server in &fleet.servers {
        server.reset_counts();
    }
    fleet.run(&["plan", "--detailed-exitcode"]).expect_code(0);
    for server in &fleet.servers {
        // ConfigMaps and Deployments; Nodes and Pods for the resource summary.
        assert_eq!(server.count_for(Verb::List, "configmaps"), 1);
        assert_eq!(server.count_for(Verb::List, "apps/deployments"), 1);
        assert_eq!(server.count(Verb::List), 4, "{:?}", server.counts());
        assert_eq!(server.count(Verb::Get), 0, "{:?}", server.counts());
        assert_eq!(server.count(Verb::Apply), 0, "{:?}", server.counts());
    }
}

#[test]
fn a_first_apply_reads_each_new_object_once_and_a_saved_plan_reads_them_again() {
    let manifests = format!("{APP}{}", config_maps("extra", 20));
    let fleet = LiveFleet::new(2, FAST, &manifests);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    for server in &fleet.servers {
        // The plan checks each name it creates (is it someone else's?): 21 ConfigMaps against
        // one metadata-only LIST besides refresh's own. Apply, moments later in the same run,
        // takes its word instead of reading them again.
        assert_eq!(
            server.count_for(Verb::List, "configmaps"),
            2,
            "{:?}",
            server.counts()
        );
        assert_eq!(
            server.count_for(Verb::Get, "configmaps"),
            0,
            "{:?}",
            server.counts()
        );
        assert_eq!(server.count_for(Verb::Apply, "configmaps"), 21);
    }

    // A saved plan is applied later: its creates are read again before they are written.
    let more = format!("{manifests}{}", config_maps("more", 20));
    std::fs::write(fleet.context.path("app.yaml"), more).unwrap();
    fleet.run(&["plan", "--out", "saved.plan"]).expect_code(0);
    for server in &fleet.servers {
        server.reset_counts();
    }
    fleet
        .run(&["apply", "--auto-approve", "saved.plan"])
        .expect_code(0);
    for server in &fleet.servers {
        // Applying a saved plan reads the clusters only through apply: each of the 20 new
        // names is read before it is created.
        assert_eq!(
            server.count_for(Verb::Get, "configmaps"),
            20,
            "{:?}",
            server.counts()
        );
        assert_eq!(server.count_for(Verb::Apply, "configmaps"), 20);
    }
}

/// Plans, and checks that the only name the plan finds someone else holding is `address`.
fn plan_warns_only_that_this_is_taken(fleet: &LiveFleet, address: &str) {
    let plan = fleet.run(&["plan"]);
    plan.expect_code(0);
    let warning = format!("{address} already exists");
    assert!(plan.stderr.contains(&warning), "{}", plan.stderr);
    assert_eq!(
        plan.stderr.matches("already exists").count(),
        1,
        "{}",
        plan.stderr
    );
}

#[test]
fn many_creates_are_checked_against_one_list_and_a_taken_name_is_read_in_full() {
    let manifests = format!("{APP}{}", config_maps("extra", 20));
    let fleet = LiveFleet::new(2, FAST, &manifests);
    // Someone made `extra-7` on c1 by hand.
    let foreign = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "extra-7", "namespace": "default"},
        "data": {"owner": "someone else"},
    });
    apply_as(
        &fleet.servers[1],
        "/api/v1/namespaces/default/configmaps/extra-7",
        "kubectl",
        &foreign,
    );
    fleet.servers[1].reset_counts();

    plan_warns_only_that_this_is_taken(&fleet, "`core/ConfigMap/default/extra-7@c1`");
    // Only the taken name is read in full.
    for (server, reads) in fleet.servers.iter().zip([0, 1]) {
        assert_eq!(
            server.count_for(Verb::Get, "configmaps"),
            reads,
            "{:?}",
            server.counts()
        );
    }
    // Apply refuses to take it over and leaves it as it was.
    fleet.run(&["apply", "--auto-approve"]).expect_code(1);
    let live = fleet.servers[1]
        .object("configmaps", "default", "extra-7")
        .unwrap();
    assert_eq!(live["data"]["owner"], "someone else");
}

#[test]
fn a_taken_name_of_a_cluster_scoped_kind_the_workspace_does_not_declare_is_found() {
    let mut gadgets = String::from(
        "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\nmetadata:\n  name: gadgets\nspec:\n  resourceSelectors:\n    - {apiVersion: example.com/v1, kind: Gadget}\n",
    );
    for index in 0..20 {
        let _ = write!(
            gadgets,
            "---\napiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g-{index}\nspec:\n  size: {index}\n"
        );
    }
    let fleet = LiveFleet::new(2, FAST, APP);
    fleet.context.write("gadgets.yaml", &gadgets);
    // The clusters serve the cluster-scoped kind; the workspace has no CRD for it.
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Cluster",
            "names": {"kind": "Gadget", "plural": "gadgets"},
            "versions": [{"name": "v1", "served": true, "storage": true}],
        },
    });
    for server in &fleet.servers {
        apply_as(
            server,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com",
            "kubectl",
            &crd,
        );
    }
    let foreign = json!({
        "apiVersion": "example.com/v1",
        "kind": "Gadget",
        "metadata": {"name": "g-7"},
        "spec": {"size": 700},
    });
    apply_as(
        &fleet.servers[1],
        "/apis/example.com/v1/gadgets/g-7",
        "kubectl",
        &foreign,
    );
    fleet.servers[1].reset_counts();

    plan_warns_only_that_this_is_taken(&fleet, "g-7@c1`");
    // Twenty creates: one metadata LIST besides refresh's, and a GET for the taken name only.
    assert_eq!(
        fleet.servers[1].count_for(Verb::Get, "example.com/gadgets"),
        1,
        "{:?}",
        fleet.servers[1].counts()
    );
}

#[test]
fn drift_by_another_field_manager_is_named_and_restored() {
    let fleet = LiveFleet::new(2, FAST, APP);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    // `kubectl edit`-like: another manager takes the image over.
    let patch = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:hacked"}]}}},
    });
    apply_as(&fleet.servers[1], WEB, "kubectl-edit", &patch);

    let plan = fleet.run(&["plan", "--detailed-exitcode", "--json"]);
    plan.expect_code(2);
    let json = plan.json();
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["cluster"], "c1");
    assert_eq!(changes[0]["drift"], true);
    let reasons = changes[0]["reasons"].to_string();
    assert!(reasons.contains("kubectl-edit"), "{reasons}");

    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    let deployment = fleet.deployment(1).unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    fleet.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn replicas_an_hpa_owns_are_not_fought() {
    let manifests = format!(
        "{APP}---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  minReplicas: 2\n  maxReplicas: 10\n"
    );
    let fleet = LiveFleet::new(1, FAST, &manifests);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    // The HPA controller scales the Deployment.
    let scale = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 7},
    });
    apply_as(&fleet.servers[0], WEB, "kube-controller-manager", &scale);
    let plan = fleet.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(0);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(fleet.deployment(0).unwrap()["spec"]["replicas"], 7);
}

#[test]
fn a_failing_canary_stops_the_rollout_and_later_clusters_are_untouched() {
    let rollout = "    max_parallel_clusters = 1\n    wait_timeout = \"3s\"\n    order = [\"tier=canary\", \"*\"]";
    let fleet = LiveFleet::new(3, rollout, APP);
    fleet.servers[0].set_rollout(Rollout::Never);
    let outcome = fleet.run(&["apply", "--auto-approve"]);
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("c0"), "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("The rollout stopped before `c1`, `c2`: they were untouched."),
        "{}",
        outcome.stderr
    );
    assert!(fleet.deployment(0).is_some());
    assert!(fleet.deployment(1).is_none());
    assert!(fleet.deployment(2).is_none());
    assert!(
        fleet.servers[1].count(Verb::Apply) == 0 && fleet.servers[2].count(Verb::Apply) == 0,
        "later clusters were written to"
    );
    // Nothing is left to change on the canary, but a rerun must not roll on while it is
    // unhealthy.
    let rerun = fleet.run(&["apply", "--auto-approve"]);
    rerun.expect_code(1);
    assert!(rerun.stderr.contains("c0"), "{}", rerun.stderr);
    assert!(fleet.deployment(1).is_none() && fleet.deployment(2).is_none());
    // Once the canary is healthy, the rollout goes on.
    fleet.servers[0].set_rollout(Rollout::AvailableAfter(Duration::ZERO));
    fleet
        .context
        .write("app.yaml", &APP.replace("nginx:1.27", "nginx:1.27.1"));
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(fleet.deployment(1).is_some() && fleet.deployment(2).is_some());
}

#[test]
fn a_cluster_killed_mid_apply_is_reported_and_the_rerun_converges() {
    let mut manifests = String::from(APP);
    for index in 0..60 {
        let _ = write!(
            manifests,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra-{index}\ndata:\n  index: \"{index}\"\n"
        );
    }
    let mut fleet = LiveFleet::new(2, FAST, &manifests);
    fleet.servers[1].set_latency(Duration::from_millis(40));
    let running = fleet
        .context
        .spawn("apply", &["apply", "--auto-approve"], &[]);
    wait_for("a few applies on c1", || {
        fleet.servers[1].count(Verb::Apply) >= 5
    });
    fleet.servers[1].stop();
    let outcome = running.finish();
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("c1"), "{}", outcome.stderr);

    // While it is down, what it still misses stays planned for it, and apply refuses.
    let plan = fleet.run(&["plan", "--json"]);
    plan.expect_code(0);
    let json = plan.json();
    let missing = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| change["cluster"] == "c1" && change["action"] == "create")
        .count();
    assert!(missing > 0, "{json:#}");
    let refused = fleet.run(&["apply", "--auto-approve"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains("--allow-unreachable"),
        "{}",
        refused.stderr
    );

    fleet.servers[1].restart();
    fleet.servers[1].set_latency(Duration::ZERO);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    fleet.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn throttling_and_server_errors_are_retried() {
    let fleet = LiveFleet::new(2, FAST, APP);
    fleet.servers[0].fail_next(3);
    fleet.servers[1].throttle_next(3);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    fleet.servers[0].drop_next_connections(2);
    fleet.servers[1].fail_next(2);
    fleet.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn an_unreachable_cluster_keeps_its_placement_and_apply_refuses_without_allow_unreachable() {
    let mut fleet = LiveFleet::new(2, FAST, APP);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    fleet.servers[1].stop();
    fleet
        .context
        .write("app.yaml", &APP.replace("level: info", "level: debug"));

    let plan = fleet.run(&["plan", "--json"]);
    plan.expect_code(0);
    let json = plan.json();
    assert!(
        json["diagnostics"]
            .to_string()
            .contains("`c1` is unreachable"),
        "{json:#}"
    );
    let clusters: Vec<&str> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|change| change["cluster"].as_str())
        .collect();
    assert_eq!(clusters, ["c0", "c1"], "{json:#}");

    let refused = fleet.run(&["apply", "--auto-approve"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains("--allow-unreachable"),
        "{}",
        refused.stderr
    );
    let level = |server: &ApiServer| {
        server
            .object("configmaps", "default", "web-config")
            .unwrap()["data"]["level"]
            .clone()
    };
    assert_eq!(level(&fleet.servers[0]), "info");

    fleet
        .run(&["apply", "--auto-approve", "--allow-unreachable"])
        .expect_code(0);
    assert_eq!(level(&fleet.servers[0]), "debug");
    assert_eq!(level(&fleet.servers[1]), "info");

    fleet.servers[1].restart();
    let plan = fleet.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(level(&fleet.servers[1]), "debug");
    fleet.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn a_missing_context_names_the_kubeconfig_and_the_contexts_it_has() {
    let fleet = LiveFleet::new(1, FAST, APP);
    fleet.context.write(
        "main.hcl",
        &std::fs::read_to_string(fleet.context.path("main.hcl"))
            .unwrap()
            .replace("context    = \"c0\"", "context    = \"nope\""),
    );
    let plan = fleet.run(&["plan"]);
    plan.expect_code(0);
    assert!(
        plan.stderr.contains("context `nope`") && plan.stderr.contains("contexts there: c0"),
        "{}",
        plan.stderr
    );
    assert!(!plan.stderr.contains("not-a-secret"), "{}", plan.stderr);
    // The warning points at the cluster's block, where the context is fixed.
    assert!(plan.stderr.contains("main.hcl:"), "{}", plan.stderr);
}

#[test]
fn a_workload_moving_between_clusters_is_deleted_only_after_its_new_home_is_healthy() {
    let rollout = "    max_parallel_clusters = 1\n    wait_timeout = \"3s\"\n    order = [\"tier=canary\", \"*\"]";
    let fleet = LiveFleet::new(2, rollout, APP);
    let pin = |cluster: &str| {
        let hcl = std::fs::read_to_string(fleet.context.path("main.hcl")).unwrap();
        let start = hcl.find("\ncluster_propagation_policy").unwrap();
        format!(
            "{}\ncluster_propagation_policy \"pinned\" {{\n  resource_selector {{\n    api_version = \"v1\"\n    kind        = \"ConfigMap\"\n  }}\n  resource_selector {{\n    api_version = \"apps/v1\"\n    kind        = \"Deployment\"\n  }}\n  placement {{\n    cluster_affinity {{\n      cluster_names = [\"{cluster}\"]\n    }}\n  }}\n}}\n",
            &hcl[..start]
        )
    };
    fleet.context.write("main.hcl", &pin("c0"));
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(fleet.deployment(0).is_some() && fleet.deployment(1).is_none());

    // The move: c1 (the second batch) never gets its Deployment available.
    fleet.servers[1].set_rollout(Rollout::Never);
    fleet.context.write("main.hcl", &pin("c1"));
    let outcome = fleet.run(&["apply", "--auto-approve", "--allow-mass-delete"]);
    outcome.expect_code(1);
    assert!(
        fleet.deployment(1).is_some(),
        "{}\n{}",
        outcome.stdout,
        outcome.stderr
    );
    assert!(
        fleet.deployment(0).is_some(),
        "the old copy was deleted before the new one was healthy\n{}",
        outcome.stdout
    );
}

#[test]
fn a_pod_that_cannot_pull_its_image_fails_the_rollout_at_once() {
    let job = r"apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  manualSelector: true
  selector:
    matchLabels: {app: migrate}
  template:
    metadata:
      labels: {app: migrate}
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.invalid/migrate:1
";
    let rollout = "    max_parallel_clusters = 1\n    wait_timeout = \"60s\"\n    order = [\"tier=canary\", \"*\"]";
    let fleet = LiveFleet::new(2, rollout, job);
    fleet.context.write(
        "main.hcl",
        &std::fs::read_to_string(fleet.context.path("main.hcl"))
            .unwrap()
            .replace("kind        = \"ConfigMap\"", "kind        = \"Job\"")
            .replace("api_version = \"v1\"", "api_version = \"batch/v1\""),
    );
    let started = std::time::Instant::now();
    let running = fleet
        .context
        .spawn("apply", &["apply", "--auto-approve"], &[]);
    let canary = &fleet.servers[0];
    wait_for("the Job on the canary", || {
        canary.object("batch/jobs", "default", "migrate").is_some()
    });
    let uid = canary.object("batch/jobs", "default", "migrate").unwrap()["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    canary.insert(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "migrate-x7k2p",
            "namespace": "default",
            "labels": {"app": "migrate"},
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "migrate", "uid": uid}],
        },
        "spec": {"containers": [{"name": "migrate", "image": "registry.invalid/migrate:1"}]},
        "status": {
            "phase": "Pending",
            "containerStatuses": [{
                "name": "migrate",
                "ready": false,
                "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"registry.invalid/migrate:1\""}},
            }],
        },
    }));
    let outcome = running.finish();
    outcome.expect_code(1);
    assert!(
        outcome.stderr.contains("ImagePullBackOff"),
        "{}",
        outcome.stderr
    );
    // Failed on the pod, not on the 60 s timeout.
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        fleet.servers[1]
            .object("batch/jobs", "default", "migrate")
            .is_none()
    );
}

#[test]
fn an_imported_object_is_taken_over_by_the_next_apply_without_a_false_drift() {
    let fleet = LiveFleet::new(1, FAST, APP);
    // Made by hand (`kubectl create`), before mcctl knew it.
    apply_as(
        &fleet.servers[0],
        "/api/v1/namespaces/default/configmaps/web-config",
        "kubectl-create",
        &json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "web-config", "namespace": "default"},
                "data": {"level": "warn"}}),
    );
    fleet
        .run(&[
            "import",
            "core/ConfigMap/default/web-config@c0",
            "--overwrite",
        ])
        .expect_code(0);
    let plan = fleet.run(&["plan", "--json"]);
    plan.expect_code(0);
    let json = plan.json();
    let config = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|change| change["resource"]["kind"] == "ConfigMap")
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(config["action"], "update", "{config:#}");
    assert_eq!(config["drift"], false, "{config:#}");
    fleet.run(&["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(
        fleet.servers[0]
            .object("configmaps", "default", "web-config")
            .unwrap()["data"]["level"],
        "info"
    );
    fleet.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}
