use crate::snapshot;
use crate::support::TestContext;

#[test]
fn plan_apply_plan_again_reports_no_changes() {
    let context = TestContext::new("examples/quickstart");
    let first = context.run(&["plan", "--detailed-exitcode"]);
    first.expect_code(2);
    assert!(
        first
            .stdout
            .contains("Plan: 9 to add, 0 to change, 0 to destroy."),
        "{}",
        first.stdout
    );

    context.run(&["apply", "--auto-approve"]).expect_code(0);

    let again = context.run(&["plan", "--detailed-exitcode"]);
    again.expect_code(0);
    snapshot!(context, again.stdout, @"No changes. The clusters match the configuration.");
}

#[test]
fn apply_renders_each_clusters_share_and_registry() {
    let context = TestContext::new("examples/quickstart");
    let outcome = context.run(&["apply", "--auto-approve"]);
    outcome.expect_code(0);
    assert!(
        outcome
            .stdout
            .contains("Apply complete! Resources: 9 added, 0 changed, 0 destroyed."),
        "{}",
        outcome.stdout
    );
    for (cluster, replicas, registry) in [("eu-1", 4, "eu"), ("eu-2", 2, "eu"), ("us-1", 2, "us")] {
        let deployment = context.read(&format!("out/{cluster}/default/deployment.apps.web.yaml"));
        assert!(
            deployment.contains(&format!("replicas: {replicas}\n")),
            "{cluster}: {deployment}"
        );
        assert!(
            deployment.contains(&format!(
                "image: {registry}.registry.example.com/shop/web:1.4.2"
            )),
            "{cluster}: {deployment}"
        );
        assert!(
            deployment.contains("mcctl.io/workspace: quickstart"),
            "{deployment}"
        );
        assert!(
            context
                .path(&format!("out/{cluster}/default/service.core.web.yaml"))
                .is_file()
        );
        assert!(
            context
                .path(&format!(
                    "out/{cluster}/default/configmap.core.web-config.yaml"
                ))
                .is_file()
        );
    }
    let shard: serde_json::Value =
        serde_json::from_str(&context.read("mcctl.state/clusters/eu-1.json")).unwrap();
    let web = &shard["placements"]["apps/Deployment/default/web"];
    assert_eq!(web["replicas"], 4);
    assert_eq!(web["policy"], "PropagationPolicy/default/web");
    assert_eq!(shard["workspace"], "quickstart");
}

#[test]
fn the_first_plan_reads_like_terraform() {
    let context = TestContext::new("examples/quickstart");
    let outcome = context.run(&["plan"]);
    outcome.expect_code(0);
    snapshot!(context, "quickstart_first_plan", outcome.stdout);
}

#[test]
fn plan_json_has_the_documented_keys() {
    let context = TestContext::new("examples/quickstart");
    let json = context.run(&["plan", "--json"]).expect_code(0).json();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "format_version",
        "bindings",
        "changes",
        "summary",
        "diagnostics",
    ] {
        assert!(keys.contains(&key), "missing {key} in {keys:?}");
    }
    assert_eq!(json["format_version"], "1");
    assert_eq!(json["summary"]["create"], 9);
    let binding = &json["bindings"][0];
    assert_eq!(binding["resource"]["kind"], "Deployment");
    assert_eq!(binding["policy"]["name"], "web");
    assert_eq!(
        binding["clusters"],
        serde_json::json!([
            {"name": "eu-1", "replicas": 4}, {"name": "eu-2", "replicas": 2}, {"name": "us-1", "replicas": 2}
        ])
    );
    assert!(
        binding.get("previous_clusters").is_none(),
        "a first plan has no previous clusters"
    );
    let change = &json["changes"][0];
    assert_eq!(change["action"], "create");
    assert_eq!(change["cluster"], "eu-1");
    assert!(change["before"].is_null());

    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let after = context.run(&["plan", "--json"]).expect_code(0).json();
    assert_eq!(after["changes"], serde_json::json!([]));
    assert_eq!(after["summary"]["no_op"], 9);
    assert_eq!(
        after["bindings"][0]["previous_clusters"],
        binding["clusters"]
    );
}

#[test]
fn the_hcl_and_yaml_quickstarts_give_the_same_plan_json() {
    let yaml = TestContext::new("examples/quickstart");
    let hcl = TestContext::new("examples/quickstart-hcl");
    let yaml_json = yaml.run(&["plan", "--json"]).expect_code(0).json();
    let hcl_json = hcl.run(&["plan", "--json"]).expect_code(0).json();
    assert_eq!(yaml_json, hcl_json);
}

#[test]
fn apply_asks_and_only_yes_approves() {
    let context = TestContext::new("examples/quickstart");
    let declined = context.run_with_input(&["apply"], Some("no\n"));
    declined.expect_code(1);
    assert!(
        declined
            .stdout
            .contains("Do you want to perform these actions?"),
        "{}",
        declined.stdout
    );
    assert!(
        declined.stderr.contains("apply cancelled"),
        "{}",
        declined.stderr
    );
    assert!(!context.path("out").exists());
    assert!(!context.path("mcctl.state/clusters").exists());

    // End of input cancels too.
    context.run(&["apply"]).expect_code(1);

    context
        .run_with_input(&["apply"], Some("yes\n"))
        .expect_code(0);
    assert!(
        context
            .path("out/eu-1/default/deployment.apps.web.yaml")
            .is_file()
    );
}

#[test]
fn refresh_false_plans_from_the_state() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    // A hand edit is invisible without refresh.
    let path = "out/eu-1/default/deployment.apps.web.yaml";
    context.write(
        path,
        &context.read(path).replace("replicas: 4", "replicas: 9"),
    );
    context
        .run(&["plan", "--refresh=false", "--detailed-exitcode"])
        .expect_code(0);
    context.run(&["plan", "--detailed-exitcode"]).expect_code(2);
}

#[test]
fn a_placement_change_is_previewed_before_apply() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context.write(
        "app.yaml",
        &context
            .read("app.yaml")
            .replace("replicas: 8", "replicas: 12"),
    );
    let outcome = context.run(&["plan"]);
    outcome.expect_code(0);
    let placement: String = outcome
        .stdout
        .lines()
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    snapshot!(context, placement, @r"
    Placement:
      apps/Deployment/default/web: eu-1 4→6, eu-2 2→3, us-1 2→3  (PropagationPolicy/default/web)
    ");
    assert!(
        outcome.stdout.contains("placement: replicas 4 → 6"),
        "{}",
        outcome.stdout
    );
    assert!(
        outcome
            .stdout
            .contains("Plan: 0 to add, 3 to change, 0 to destroy."),
        "{}",
        outcome.stdout
    );
}

#[test]
fn templates_without_a_policy_are_not_propagated_and_the_plan_says_so() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lonely\n",
    );
    let outcome = context.run(&["plan"]);
    outcome.expect_code(0);
    assert!(outcome.stdout.contains("Not propagated (no PropagationPolicy or ClusterPropagationPolicy selects them):\n  core/ConfigMap/default/lonely"), "{}", outcome.stdout);
    let json = context.run(&["plan", "--json"]).json();
    let binding = json["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|binding| binding["resource"]["name"] == "lonely")
        .unwrap();
    assert_eq!(binding["policy"], serde_json::Value::Null);
    assert_eq!(binding["clusters"], serde_json::json!([]));
}

#[test]
fn offline_clusters_block_apply_with_or_without_refresh() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "offline.yaml",
        "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: ap-1\n  labels: {env: prod}\nspec: {syncMode: Push}\n",
    );
    for args in [
        &["apply", "--auto-approve"][..],
        &["apply", "--refresh=false", "--auto-approve"][..],
    ] {
        let outcome = context.run(args);
        outcome.expect_code(1);
        assert!(
            outcome
                .stderr
                .contains("cannot apply to unreachable or offline cluster(s): ap-1"),
            "{args:?}: {}",
            outcome.stderr
        );
    }
    assert!(!context.path("out").exists());
    let skipped = context.run(&["apply", "--auto-approve", "--allow-unreachable"]);
    skipped.expect_code(0);
    assert!(
        skipped
            .stderr
            .contains("skipped unreachable or offline cluster(s): ap-1"),
        "{}",
        skipped.stderr
    );
}

#[test]
fn declared_status_changes_take_effect() {
    let context = TestContext::new("examples/quickstart");
    let clusters = context.read("clusters.yaml");
    let limited = clusters.replace(
        "  region: us-east-1\n  zones: [us-east-1a]\n",
        "  region: us-east-1\n  zones: [us-east-1a]\nstatus:\n  apiEnablements:\n    - groupVersion: v1\n      resources: [{name: services, kind: Service}, {name: configmaps, kind: ConfigMap}]\n",
    );
    context.write("clusters.yaml", &limited);
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        !context
            .path("out/us-1/default/deployment.apps.web.yaml")
            .exists()
    );
    context.write("clusters.yaml", &clusters);
    // Like Karmada, a Divided workload is not rescheduled because a cluster starts to fit; the
    // plan says so, and `--rebalance` divides afresh.
    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(0);
    assert!(
        plan.stderr
            .contains("us-1 now fits `apps/Deployment/default/web` but gets no replicas"),
        "{}",
        plan.stderr
    );
    let plan = context.run(&["plan", "--rebalance"]);
    assert!(
        plan.stdout
            .contains("apps/Deployment/default/web: eu-1 5→4, eu-2 3→2, us-1 +2 (new)"),
        "{}",
        plan.stdout
    );
}

#[test]
fn empty_labels_still_get_the_ownership_labels() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "app.yaml",
        &context
            .read("app.yaml")
            .replace("  name: web-config\n", "  name: web-config\n  labels:\n"),
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        context
            .read("out/eu-1/default/configmap.core.web-config.yaml")
            .contains("mcctl.io/workspace: quickstart")
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn usage_errors_exit_1_not_2() {
    let context = TestContext::new("examples/quickstart");
    let outcome = context.run(&["plan", "--detailed-exitcode", "--lock-timeout", "forever"]);
    outcome.expect_code(1);
    assert!(
        outcome.stderr.contains("is not a duration"),
        "{}",
        outcome.stderr
    );
    context.run(&["--help"]).expect_code(0);
}
