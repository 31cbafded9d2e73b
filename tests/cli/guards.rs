use crate::support::TestContext;

#[test]
fn a_plan_that_empties_clusters_is_refused_unless_allowed() {
    let context = TestContext::new("examples/quickstart-hcl");
    context.run(&["apply", "--auto-approve"]).expect_code(0);

    // One object of three per cluster: not a mass delete.
    let policies = context.read("policies.hcl");
    context.write(
        "policies.hcl",
        &policies.replace(
            "kind        = \"Deployment\"",
            "kind        = \"StatefulSet\"",
        ),
    );
    let some = context.run(&["apply", "--auto-approve"]);
    some.expect_code(0);
    assert!(
        !some.stdout.contains("Warning: this plan deletes"),
        "{}",
        some.stdout
    );

    // Everything that is left.
    context.remove("policies.hcl");
    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(
            "Warning: this plan deletes ALL 2 objects mcctl manages on cluster `eu-1`.\n"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Apply refuses it unless `--allow-mass-delete` is given"),
        "{}",
        plan.stdout
    );

    let refused = context.run(&["apply", "--auto-approve"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains(
            "error: refusing to apply: the plan deletes 2 of the 2 objects mcctl manages on `eu-1`; 2 of the 2 objects mcctl manages on `eu-2`; 2 of the 2 objects mcctl manages on `us-1`"
        ),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("`--allow-mass-delete`"));
    assert!(
        context
            .path("out/eu-1/default/service.core.web.yaml")
            .is_file()
    );
    // Refused before the question: no `yes` is asked for or spent.
    let asked = context.run_with_input(&["apply"], Some("yes\n"));
    asked.expect_code(1);
    assert!(!asked.stdout.contains("Enter a value"), "{}", asked.stdout);

    context
        .run(&["apply", "--auto-approve", "--allow-mass-delete"])
        .expect_code(0);
    assert!(
        !context
            .path("out/eu-1/default/service.core.web.yaml")
            .exists()
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn destroy_is_exempt_but_says_how_many_objects_go() {
    let context = TestContext::new("examples/quickstart-hcl");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let destroy = context.run(&["destroy", "--auto-approve"]);
    destroy.expect_code(0);
    for cluster in ["eu-1", "eu-2", "us-1"] {
        assert!(
            destroy.stdout.contains(&format!(
                "Destroy deletes 3 objects from cluster `{cluster}`."
            )),
            "{}",
            destroy.stdout
        );
    }
    assert!(!destroy.stdout.contains("Warning: this plan deletes"));
}

#[test]
fn a_cluster_that_cannot_be_read_is_never_taken_as_empty() {
    let context = TestContext::new("examples/quickstart-hcl");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context.remove("policies.hcl");

    // Unreachable: the directory is not a directory any more. Its objects are not deleted.
    std::fs::remove_dir_all(context.path("out/us-1")).unwrap();
    context.write("out/us-1", "not a directory");
    let plan = context.run(&["plan", "--json"]);
    plan.expect_code(0);
    let json = plan.json();
    let changes = json["changes"].as_array().unwrap();
    assert!(
        changes.iter().all(|change| change["cluster"] != "us-1"),
        "{changes:#?}"
    );
    assert!(
        changes
            .iter()
            .any(|change| change["cluster"] == "eu-1" && change["action"] == "delete")
    );

    // A refresh failure (an unreadable object) stops the plan instead of planning around it.
    context.write(
        "out/eu-1/default/service.core.web.yaml",
        "apiVersion: v1\nkind: [broken\n",
    );
    let broken = context.run(&["plan"]);
    broken.expect_code(1);
    assert!(
        broken.stderr.contains("cannot read cluster `eu-1`"),
        "{}",
        broken.stderr
    );
}

#[test]
fn a_directory_that_lost_its_objects_gets_them_back_and_loses_nothing() {
    let context = TestContext::new("examples/quickstart-hcl");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    std::fs::remove_dir_all(context.path("out/eu-2")).unwrap();
    let plan = context.run(&["plan", "--json"]);
    plan.expect_code(0);
    let json = plan.json();
    let actions: Vec<&str> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| change["cluster"] == "eu-2")
        .map(|change| change["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "create", "create"]);
}
