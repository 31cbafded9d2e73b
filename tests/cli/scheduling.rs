use crate::support::TestContext;

/// `(cluster, replicas)` pairs.
type Clusters = Vec<(String, Option<u64>)>;

/// `(kind/name, [(cluster, replicas)])` of every binding in a plan's JSON.
fn bindings(json: &serde_json::Value) -> Vec<(String, Clusters)> {
    json["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|binding| {
            let resource = &binding["resource"];
            let clusters = binding["clusters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|cluster| {
                    (
                        cluster["name"].as_str().unwrap().to_owned(),
                        cluster["replicas"].as_u64(),
                    )
                })
                .collect();
            (
                format!(
                    "{}/{}",
                    resource["kind"].as_str().unwrap(),
                    resource["name"].as_str().unwrap()
                ),
                clusters,
            )
        })
        .collect()
}

/// The messages and help texts of the warnings of `plan --json` with `args`.
fn warnings(context: &TestContext, args: &[&str]) -> String {
    let mut all = vec!["plan", "--json"];
    all.extend_from_slice(args);
    let json = context.run(&all).json();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| {
            format!(
                "{} / {}",
                diagnostic["message"].as_str().unwrap_or_default(),
                diagnostic["help"].as_str().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn clusters(list: &[(&str, Option<u64>)]) -> Clusters {
    list.iter()
        .map(|(name, replicas)| ((*name).to_owned(), *replicas))
        .collect()
}

#[test]
fn karmada_clusters_with_status_give_karmadas_bindings() {
    let context = TestContext::new("examples/capacity");
    let plan = context.run(&["plan", "--refresh=false", "--json"]);
    plan.expect_code(0);
    let json = plan.json();
    assert_eq!(
        bindings(&json),
        [
            (
                "Deployment/api".to_owned(),
                clusters(&[("member1", Some(9)), ("member3", Some(3))])
            ),
            ("Job/migrate".to_owned(), clusters(&[("member1", Some(6))])),
            (
                "ConfigMap/api-config".to_owned(),
                clusters(&[("member1", None), ("member3", None)])
            ),
        ]
    );
    assert_eq!(json["diagnostics"], serde_json::json!([]));
}

#[test]
fn explain_names_every_clusters_reason_when_nothing_fits() {
    let context = TestContext::new("examples/capacity");
    context.write(
        "propagation.yaml",
        &context
            .read("propagation.yaml")
            .replace("matchLabels: {env: prod}\n    replicaScheduling:\n      replicaSchedulingType: Divided\n      replicaDivisionPreference: Aggregated", "matchLabels: {accelerator: gpu}\n    replicaScheduling:\n      replicaSchedulingType: Divided\n      replicaDivisionPreference: Aggregated"),
    );
    let explain = context.run(&["explain", "job/migrate"]);
    explain.expect_code(0);
    for line in [
        "member1      0          6  ✗ ClusterAffinity: labels do not match `accelerator=gpu`",
        "member2      0          4  ✗ ClusterAffinity: labels do not match `accelerator=gpu`",
        "member3      0          4  ✗ ClusterAffinity: labels do not match `accelerator=gpu`",
        "member4      0         64  ✗ TaintToleration: has untolerated taint `dedicated=gpu:NoSchedule`",
        "→ 0/4 clusters fit",
        "no cluster fits: the placement is emptied",
    ] {
        assert!(explain.stdout.contains(line), "{line}\n{}", explain.stdout);
    }
    let json = context
        .run(&["explain", "batch/Job/default/migrate", "--json"])
        .json();
    assert_eq!(json["outcome"], "no_fit");
    let reasons = json["outcome_detail"]["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 4);
    assert_eq!(reasons[3]["cluster"], "member4");
    // The plan carries the same reasons as a warning.
    let warnings = warnings(&context, &[]);
    assert!(
        warnings.contains("no cluster fits `batch/Job/default/migrate`")
            && warnings.contains(
                "member4: has untolerated taint `dedicated=gpu:NoSchedule` (TaintToleration)"
            ),
        "{warnings}"
    );
}

#[test]
fn explain_rejects_unknown_and_ambiguous_names() {
    let context = TestContext::new("examples/quickstart");
    let unknown = context.run(&["explain", "deployment/wbe"]);
    unknown.expect_code(1);
    assert!(
        unknown
            .stderr
            .contains("did you mean `apps/Deployment/default/web`?"),
        "{}",
        unknown.stderr
    );
    let ambiguous = context.run(&["explain", "web"]);
    ambiguous.expect_code(1);
    assert!(
        ambiguous.stderr.contains("matches 2 templates"),
        "{}",
        ambiguous.stderr
    );
}

/// Marks `us-1` of the quickstart unreachable since 2020.
fn us_1_unreachable(context: &TestContext) {
    context.write(
        "clusters.yaml",
        &context.read("clusters.yaml").replace(
            "  region: us-east-1\n  zones: [us-east-1a]\n",
            "  region: us-east-1\n  zones: [us-east-1a]\nstatus:\n  conditions:\n    - {type: Ready, status: Unknown, lastTransitionTime: \"2020-01-01T00:00:00Z\"}\n",
        ),
    );
}

#[test]
fn an_unreachable_cluster_keeps_its_share_until_failover_or_rebalance() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    us_1_unreachable(&context);

    // Without `failover` the share stays, and the plan says so.
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
    let warnings_now = warnings(&context, &[]);
    assert!(
        warnings_now.contains("`apps/Deployment/default/web` stays on unreachable `us-1`: its policy `PropagationPolicy/default/web` has no `failover`"),
        "{warnings_now}"
    );

    // `--rebalance` moves it now.
    let rebalance = context.run(&["plan", "--rebalance"]);
    assert!(
        rebalance
            .stdout
            .contains("apps/Deployment/default/web: eu-1 4→5, eu-2 2→3, us-1 2→0 (removed)"),
        "{}",
        rebalance.stdout
    );

    // With `failover`, the share moves once `tolerationSeconds` have passed.
    context.write(
        "propagation.yaml",
        &context.read("propagation.yaml").replacen(
            "spec:\n",
            "spec:\n  propagateDeps: true\n  failover:\n    application:\n      decisionConditions: {tolerationSeconds: 60}\n",
            1,
        ),
    );
    let plan = context.run(&["plan"]);
    assert!(
        plan.stdout
            .contains("apps/Deployment/default/web: eu-1 4→5, eu-2 2→3, us-1 2→0 (removed)"),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    let warnings = warnings(&context, &[]);
    assert!(
        warnings.contains("`apps/Deployment/default/web` moves off `us-1`, unreachable for"),
        "{warnings}"
    );
}

#[test]
fn a_claimed_template_stays_with_its_policy_unless_preempted() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let eu_only = "---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web-eu
spec:
  priority: 10
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity: {clusterNames: [eu-1]}
";
    let original = context.read("propagation.yaml");
    context.write("propagation.yaml", &format!("{original}{eu_only}"));
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
    let claimed = warnings(&context, &[]);
    assert!(
        claimed.contains("`apps/Deployment/default/web` stays with `PropagationPolicy/default/web`, which claimed it first, although `PropagationPolicy/default/web-eu` would be chosen for a new template"),
        "{claimed}"
    );
    context.write(
        "propagation.yaml",
        &format!(
            "{original}{}",
            eu_only.replace("  priority: 10\n", "  priority: 10\n  preemption: Always\n")
        ),
    );
    let plan = context.run(&["plan"]);
    assert!(
        plan.stdout.contains(
            "apps/Deployment/default/web: eu-1 4→8, eu-2 2→0 (removed), us-1 2→0 (removed)"
        ),
        "{}",
        plan.stdout
    );
    let preempted = warnings(&context, &[]);
    assert!(
        preempted.contains("`PropagationPolicy/default/web-eu` takes `apps/Deployment/default/web` over from `PropagationPolicy/default/web` (preemption)"),
        "{preempted}"
    );
}

#[test]
fn a_saved_rebalance_plan_is_applied_as_planned() {
    let context = TestContext::new("examples/quickstart");
    let clusters = context.read("clusters.yaml");
    context.write(
        "clusters.yaml",
        &clusters.replace(
            "  region: us-east-1\n  zones: [us-east-1a]\n",
            "  region: us-east-1\n  zones: [us-east-1a]\nstatus:\n  apiEnablements:\n    - groupVersion: v1\n      resources: [{name: services, kind: Service}, {name: configmaps, kind: ConfigMap}]\n",
        ),
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context.write("clusters.yaml", &clusters);
    let plan = context.run(&["plan", "--rebalance", "--out", "rebalance.json"]);
    plan.expect_code(0);
    assert!(
        plan.stdout
            .contains("apps/Deployment/default/web: eu-1 5→4, eu-2 3→2, us-1 +2 (new)"),
        "{}",
        plan.stdout
    );
    // Replayed with `--rebalance`, so the saved plan is not stale.
    context.run(&["apply", "rebalance.json"]).expect_code(0);
    assert!(
        context
            .read("out/us-1/default/deployment.apps.web.yaml")
            .contains("replicas: 2")
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

/// `propagateDeps` (Karmada's propagate-dependencies guide): the config map a Deployment mounts
/// follows it to its clusters without a policy of its own; a Secret it names that nobody
/// declares is a warning; the config map's own policy adds its clusters to its workloads'.
#[test]
fn dependencies_follow_their_workloads() {
    let context = TestContext::new("testdata/karmada-samples/propagate-deps");
    let plan = context.run(&["plan", "--json"]).expect_code(0).json();
    let found = bindings(&plan);
    assert!(found.contains(&(
        "ConfigMap/my-nginx-config".to_owned(),
        clusters(&[("member1", None), ("member2", None)])
    )));
    let config = plan["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|binding| binding["resource"]["kind"] == "ConfigMap")
        .unwrap();
    assert_eq!(config["policy"], serde_json::Value::Null);
    assert_eq!(config["outcome"], "scheduled");
    assert_eq!(
        config["required_by"],
        serde_json::json!(["apps/Deployment/default/my-nginx"])
    );
    let text = context.run(&["plan"]).expect_code(0).stdout.clone();
    assert!(
        text.contains("core/ConfigMap/default/my-nginx-config: member1, member2")
            && text.contains("propagateDeps of apps/Deployment/default/my-nginx"),
        "{text}"
    );

    // A Secret the pod template names but no file declares.
    let app = context.read("app.yaml").replace(
        "      volumes:\n",
        "      imagePullSecrets:\n        - name: registry\n      volumes:\n",
    );
    context.write("app.yaml", &app);
    let warned = warnings(&context, &[]);
    assert!(
        warned.contains("`apps/Deployment/default/my-nginx` needs `core/Secret/default/registry`"),
        "{warned}"
    );

    // The ConfigMap's own policy sends it to member3 as well; the union is kept.
    let clusters_yaml = context.read("clusters.yaml");
    context.write(
        "clusters.yaml",
        &format!(
            "{clusters_yaml}---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: member3\n  annotations:\n    mcctl.io/directory: out/member3\nspec:\n  syncMode: Pull\n"
        ),
    );
    context.write(
        "config-policy.yaml",
        "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: config\nspec:\n  resourceSelectors:\n    - {apiVersion: v1, kind: ConfigMap, name: my-nginx-config}\n  placement:\n    clusterAffinity:\n      clusterNames: [member3]\n",
    );
    let plan = context.run(&["plan", "--json"]).expect_code(0).json();
    assert!(bindings(&plan).contains(&(
        "ConfigMap/my-nginx-config".to_owned(),
        clusters(&[("member1", None), ("member2", None), ("member3", None)])
    )));
}

/// Karmada has no dependency interpreter for `ReplicaSets`: what one names does not follow it,
/// though it still orders apply. Two workloads naming one undeclared Secret give one warning.
#[test]
fn replica_set_dependencies_stay_and_missing_ones_warn_once() {
    let context = TestContext::new("testdata/karmada-samples/propagate-deps");
    let app = context.read("app.yaml");
    let replica_set = app
        .split("---")
        .next()
        .unwrap()
        .replace("kind: Deployment", "kind: ReplicaSet")
        .replace(
            "      volumes:\n",
            "      imagePullSecrets:\n        - name: registry\n      volumes:\n",
        );
    let deployment = app.replace(
        "      volumes:\n",
        "      imagePullSecrets:\n        - name: registry\n      volumes:\n",
    );
    context.write("app.yaml", &deployment);
    context.write(
        "replicaset.yaml",
        &replica_set.replace("name: my-nginx\n", "name: rs\n"),
    );
    let daemon_set = deployment
        .split("---")
        .next()
        .unwrap()
        .replace("kind: Deployment", "kind: DaemonSet")
        .replace("  replicas: 2\n", "")
        .replace("name: my-nginx\n", "name: ds\n");
    context.write("daemonset.yaml", &daemon_set);
    let policy = context.read("propagationpolicy.yaml");
    context.write(
        "propagationpolicy.yaml",
        &policy.replace(
            "      name: my-nginx\n",
            "      name: my-nginx\n    - apiVersion: apps/v1\n      kind: ReplicaSet\n      name: rs\n    - apiVersion: apps/v1\n      kind: DaemonSet\n      name: ds\n",
        ),
    );
    let plan = context.run(&["plan", "--json"]).expect_code(0).json();
    let config = plan["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|binding| binding["resource"]["kind"] == "ConfigMap")
        .unwrap();
    assert_eq!(
        config["required_by"],
        serde_json::json!([
            "apps/DaemonSet/default/ds",
            "apps/Deployment/default/my-nginx"
        ])
    );
    let warned = warnings(&context, &[]);
    assert_eq!(
        warned.matches("core/Secret/default/registry").count(),
        1,
        "{warned}"
    );
    assert!(
        warned.contains("`apps/DaemonSet/default/ds` and `apps/Deployment/default/my-nginx` need"),
        "{warned}"
    );
}
