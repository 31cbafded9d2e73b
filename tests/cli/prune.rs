use crate::support::TestContext;

#[test]
fn removing_a_template_plans_its_deletion_everywhere() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let app = context.read("app.yaml");
    let without_config_map = &app[..app.find("---\napiVersion: v1\nkind: ConfigMap").unwrap()];
    context.write("app.yaml", without_config_map);

    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout
            .contains("- core/ConfigMap/default/web-config will be deleted (not declared anymore)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 0 to change, 3 to destroy."),
        "{}",
        plan.stdout
    );

    context.run(&["apply", "--auto-approve"]).expect_code(0);
    for cluster in ["eu-1", "eu-2", "us-1"] {
        assert!(
            !context
                .path(&format!(
                    "out/{cluster}/default/configmap.core.web-config.yaml"
                ))
                .exists()
        );
        let shard = context.read(&format!("mcctl.state/clusters/{cluster}.json"));
        assert!(
            !shard.contains("core/ConfigMap/default/web-config"),
            "{shard}"
        );
    }
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn protected_kinds_are_left_in_place() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        context
            .path("out/us-1/_cluster/namespace.core.shop.yaml")
            .is_file()
    );

    context.remove("namespace.yaml");
    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout
            .contains("! core/Namespace/_/shop will be left in place"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 0 to change, 0 to destroy, 3 to leave in place."),
        "{}",
        plan.stdout
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        context
            .path("out/us-1/_cluster/namespace.core.shop.yaml")
            .is_file()
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn namespaces_objects_need_are_created_implicitly() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "shop.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n---\n\
         apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\nmetadata:\n  name: shop\n\
         spec:\n  resourceSelectors:\n    - {apiVersion: v1, kind: ConfigMap, namespace: shop}\n",
    );
    let plan = context.run(&["plan"]);
    plan.expect_code(0);
    assert!(
        plan.stdout.contains(
            "+ core/Namespace/_/shop will be created (namespace needed by objects on this cluster)"
        ),
        "{}",
        plan.stdout
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        context
            .path("out/eu-1/_cluster/namespace.core.shop.yaml")
            .is_file()
    );
    assert!(
        context
            .path("out/eu-1/shop/configmap.core.settings.yaml")
            .is_file()
    );
}

#[test]
fn destroy_removes_everything_the_state_holds() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let declined = context.run_with_input(&["destroy"], Some("nope\n"));
    declined.expect_code(1);
    assert!(
        context
            .path("out/eu-1/default/deployment.apps.web.yaml")
            .is_file()
    );

    let outcome = context.run(&["destroy", "--auto-approve"]);
    outcome.expect_code(0);
    assert!(
        outcome
            .stdout
            .contains("Plan: 0 to add, 0 to change, 9 to destroy."),
        "{}",
        outcome.stdout
    );
    assert!(
        outcome
            .stdout
            .contains("Destroy complete! Resources: 0 added, 0 changed, 9 destroyed."),
        "{}",
        outcome.stdout
    );
    assert!(!context.path("out/eu-1/default").exists());
    assert!(!context.path("mcctl.state/clusters/eu-1.json").exists());
    // The config still declares everything, so a plan wants it all back.
    context.run(&["plan", "--detailed-exitcode"]).expect_code(2);
}

#[test]
fn a_removed_cluster_is_orphaned_not_touched() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let clusters = context.read("clusters.yaml");
    let without_us = &clusters[..clusters
        .find(
            "---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: us-1",
        )
        .unwrap()];
    context.write("clusters.yaml", without_us);
    let plan = context.run(&["plan"]);
    plan.expect_code(0);
    assert!(
        plan.stdout.contains("cluster `us-1` is no longer declared"),
        "{}",
        plan.stdout
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        context
            .path("out/us-1/default/deployment.apps.web.yaml")
            .is_file()
    );
    assert!(!context.path("mcctl.state/clusters/us-1.json").exists());
}

#[test]
fn an_object_taken_over_by_someone_else_is_not_deleted_even_without_refresh() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let path = "out/eu-1/default/configmap.core.web-config.yaml";
    let taken_over: String = context
        .read(path)
        .lines()
        .filter(|line| !line.contains("managed-by") && !line.contains("mcctl.io/workspace"))
        .flat_map(|line| [line, "\n"])
        .collect();
    context.write(path, &taken_over);
    let app = context.read("app.yaml");
    context.write(
        "app.yaml",
        &app[..app.find("---\napiVersion: v1\nkind: ConfigMap").unwrap()],
    );

    let outcome = context.run(&["apply", "--refresh=false", "--auto-approve"]);
    outcome.expect_code(0);
    assert!(
        outcome
            .stdout
            .contains("eu-1: core/ConfigMap/default/web-config: left in place"),
        "{}",
        outcome.stdout
    );
    assert_eq!(
        context.read(path),
        taken_over,
        "a file that is no longer ours must not be deleted"
    );
    assert!(
        !context
            .path("out/eu-2/default/configmap.core.web-config.yaml")
            .exists()
    );
    assert!(
        !context
            .read("mcctl.state/clusters/eu-1.json")
            .contains("core/ConfigMap/default/web-config")
    );
}

#[test]
fn destroy_leaves_protected_kinds_unless_asked_and_prune_true_deletes_them_on_removal() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "protected.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n\
         apiVersion: v1\nkind: Namespace\nmetadata:\n  name: scratch\n  annotations:\n    mcctl.io/prune: \"true\"\n",
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let shop = "out/eu-1/_cluster/namespace.core.shop.yaml";
    let scratch = "out/eu-1/_cluster/namespace.core.scratch.yaml";
    assert!(context.path(shop).is_file() && context.path(scratch).is_file());

    // Removed from config: the one marked `prune` goes, the other is orphaned.
    context.write(
        "protected.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(!context.path(scratch).exists());
    assert!(context.path(shop).is_file());

    // destroy leaves Namespaces in place…
    let destroy = context.run(&["destroy", "--auto-approve"]);
    destroy.expect_code(0);
    assert!(
        destroy
            .stdout
            .contains("! core/Namespace/_/shop will be left in place"),
        "{}",
        destroy.stdout
    );
    assert!(context.path(shop).is_file());
    assert!(
        !context
            .path("out/eu-1/default/deployment.apps.web.yaml")
            .exists()
    );

    // …unless `--include-protected` is given (while the state still records them).
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context
        .run(&["destroy", "--auto-approve", "--include-protected"])
        .expect_code(0);
    assert!(!context.path(shop).exists());
}

#[test]
fn objects_outside_the_inventory_are_never_pruned_even_with_our_labels() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    // Something else wrote an object carrying this workspace's labels; the state never
    // recorded it, so mcctl must not delete it.
    let stranger = "out/eu-1/default/configmap.core.stranger.yaml";
    context.write(
        stranger,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stranger\n  namespace: default\n  labels:\n    app.kubernetes.io/managed-by: mcctl\n    mcctl.io/workspace: quickstart\n",
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
    context
        .run(&["destroy", "--auto-approve", "--include-protected"])
        .expect_code(0);
    assert!(context.path(stranger).is_file());
}
